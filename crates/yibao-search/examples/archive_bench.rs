//! Archive search benchmark: generates N archive records (deterministic), builds the index in
//! a directory, and runs labelled queries with filters, reporting build rate, peak memory,
//! query latency (p50/p99) and precision@10. It also writes the corpus and the queries as
//! JSON lines so `bench/archive_fts5.py` can run SQLite FTS5 (trigram) on the same data.
//!
//! `cargo run --release -p yibao-search --example archive_bench -- 1000000 /tmp/archive-bench`

use std::collections::HashSet;
use std::io::Write;
use std::time::Instant;

use serde::Serialize;
use yibao_search::archive::{ArchiveIndex, ArchiveQuery, ArchiveRecord};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗",
];
const GIVEN: &[&str] = &[
    "秀英", "桂兰", "建国", "志强", "海燕", "玉兰", "明", "伟", "芳", "军", "丽", "强", "磊", "洋",
    "艳", "勇", "杰", "娟", "涛", "超", "淑珍", "凤英", "德明", "永福",
];
const TYPES: &[&str] = &[
    "参保登记",
    "零星报销",
    "门诊慢特病",
    "异地就医备案",
    "生育津贴",
    "医疗救助",
    "转移接续",
    "缴费基数",
];
const DISEASES: &[&str] = &[
    "高血压",
    "糖尿病",
    "冠心病",
    "慢性肾衰竭",
    "恶性肿瘤",
    "帕金森病",
    "慢性阻塞性肺疾病",
    "类风湿关节炎",
    "精神分裂症",
    "肝硬化",
];
const HOSPITALS: &[&str] = &[
    "青岛大学附属医院",
    "黄岛区人民医院",
    "盐城市第一人民医院",
    "南京鼓楼医院",
    "上海瑞金医院",
    "威海市立医院",
    "即墨区人民医院",
    "大丰区人民医院",
];
const CITIES: &[&str] = &[
    "上海", "北京", "南京", "苏州", "杭州", "深圳", "海南", "广州", "成都", "西安",
];
const COUNTIES: &[(&str, &str)] = &[
    ("370211", "黄岛区"),
    ("370215", "即墨区"),
    ("320903", "盐都区"),
    ("320904", "大丰区"),
];
const FILLER: &[&str] = &[
    "经办人员已核对原件。",
    "材料齐全，予以受理。",
    "复印件加盖公章。",
    "本人签字确认。",
    "经初审符合规定，转区医保中心办结。",
    "档案已扫描归档，纸质材料随日移交业务科室。",
    "联系电话已登记。",
    "代办人持委托书办理。",
];

#[derive(Serialize)]
struct CorpusRow<'a> {
    id: i64,
    region: &'a str,
    record_type: &'a str,
    year: i32,
    station: &'a str,
    title: &'a str,
    text: &'a str,
}

/// Topic attributes kept for relevance labels.
struct Topic {
    record_type: usize,
    detail: usize,
    year: i32,
    county: usize,
}

fn ocr_noise(rng: &mut Rng, text: &str) -> String {
    // About 1% of characters misread as a similar-looking one.
    const SWAPS: &[(char, char)] = &[
        ('报', '极'),
        ('销', '锁'),
        ('病', '疡'),
        ('医', '区'),
        ('院', '阮'),
        ('费', '贵'),
        ('保', '堡'),
    ];
    text.chars()
        .map(|c| {
            if rng.below(100) == 0
                && let Some(&(_, to)) = SWAPS.iter().find(|(from, _)| *from == c)
            {
                return to;
            }
            c
        })
        .collect()
}

fn generate(rng: &mut Rng, id: i64) -> (ArchiveRecord, Topic) {
    let record_type = rng.below(TYPES.len());
    let county = rng.below(COUNTIES.len());
    let town = 1 + rng.below(20);
    let village = 1 + rng.below(12);
    let year = 2000 + rng.below(25) as i32;
    let name = format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN));
    let (code, county_name) = COUNTIES[county];
    let region = format!("{code}{town:03}{village:03}");
    let station = format!("{county_name}第{town}街道医保工作站");
    let (detail, title, body) = match TYPES[record_type] {
        "零星报销" => {
            let hospital = rng.below(HOSPITALS.len());
            let amount = 500 + rng.below(80_000);
            (
                hospital,
                format!("{name}医疗费用手工零星报销审批表"),
                format!(
                    "参保人{name}于{year}年在{}住院治疗，因未办理异地就医备案未能直接结算，申请手工报销住院费用{amount}元，提供医疗费用发票、费用明细清单和出院小结。",
                    HOSPITALS[hospital]
                ),
            )
        }
        "门诊慢特病" => {
            let disease = rng.below(DISEASES.len());
            (
                disease,
                format!("{name}门诊慢特病病种待遇认定申请表"),
                format!(
                    "申请病种：{}。经定点医疗机构专家鉴定，病历资料和检查检验结果符合门诊慢特病认定标准，自{year}年起享受门诊慢特病待遇。",
                    DISEASES[disease]
                ),
            )
        }
        "异地就医备案" => {
            let city = rng.below(CITIES.len());
            (
                city,
                format!("{name}异地就医备案登记表"),
                format!(
                    "备案人{name}因异地长期居住，申请在{}就医直接结算，提供居住证明或个人承诺书，备案有效期自{year}年起。",
                    CITIES[city]
                ),
            )
        }
        other => (
            0,
            format!("{name}{other}业务办理单"),
            format!("{name}于{year}年办理{other}业务，信息已录入系统。"),
        ),
    };
    let mut text = body;
    for _ in 0..3 {
        text.push_str(rng.pick(FILLER));
    }
    let text = ocr_noise(rng, &text);
    (
        ArchiveRecord {
            id,
            person_name: name,
            id_number: None,
            region,
            record_type: TYPES[record_type].to_owned(),
            year,
            station,
            title,
            text,
        },
        Topic {
            record_type,
            detail,
            year,
            county,
        },
    )
}

/// A labelled query: the text, its filters and what makes a record relevant.
#[derive(Serialize)]
struct LabelledQuery {
    text: String,
    record_type: Option<String>,
    year_from: Option<i32>,
    year_to: Option<i32>,
    scope: Option<String>,
    #[serde(skip)]
    relevant: (usize, usize),
    /// Ids of every relevant record passing the filters (for the FTS5 peer's scoring).
    #[serde(skip)]
    relevant_ids: HashSet<i64>,
}

fn queries(rng: &mut Rng) -> Vec<LabelledQuery> {
    let mut out = Vec::new();
    for n in 0..200 {
        let (record_type, detail, text) = match n % 3 {
            0 => {
                let d = rng.below(DISEASES.len());
                let text = match n % 4 {
                    0 => format!("{}门诊慢特病认定", DISEASES[d]),
                    1 => format!("{} 慢特病", DISEASES[d]),
                    2 => format!("{}慢特并待遇", DISEASES[d]),
                    _ => format!("{} 门诊 认定", DISEASES[d]),
                };
                (2, d, text)
            }
            1 => {
                let h = rng.below(HOSPITALS.len());
                let text = match n % 4 {
                    0 => format!("{}住院手工报销", HOSPITALS[h]),
                    1 => format!("{} 零星报销", HOSPITALS[h]),
                    2 => format!("{}住院报消", HOSPITALS[h]),
                    _ => format!("{} 住院 发票", HOSPITALS[h]),
                };
                (1, h, text)
            }
            _ => {
                let c = rng.below(CITIES.len());
                let text = match n % 4 {
                    0 => format!("{}异地就医备案", CITIES[c]),
                    1 => format!("{} 长期居住 备案", CITIES[c]),
                    2 => format!("去{}看病备按", CITIES[c]),
                    _ => format!("{} 异地就医", CITIES[c]),
                };
                (3, c, text)
            }
        };
        let from = 2000 + rng.below(20) as i32;
        let with_type = n % 2 == 0;
        let scope = (n % 5 != 0).then(|| COUNTIES[rng.below(COUNTIES.len())].0.to_owned());
        out.push(LabelledQuery {
            text,
            record_type: with_type.then(|| TYPES[record_type].to_owned()),
            year_from: Some(from),
            year_to: Some(from + 5),
            scope,
            relevant: (record_type, detail),
            relevant_ids: HashSet::new(),
        });
    }
    out
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
        })
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// CPU time of the calling thread (user + system) in ms, from /proc (10 ms ticks: only
/// meaningful summed over many queries).
fn thread_cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    // Fields after the command name (which ends with ')'): utime and stime are the 12th and
    // 13th of them.
    let rest = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (ticks(11) + ticks(12)) * 10.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: i64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "/tmp/archive-bench".into()));
    // `--reuse`: query the index a previous run left in DIR (the records are generated again
    // for the labels only; build figures are then absent).
    // `--every=K`: time and judge only every K-th labelled query (to match a peer run that
    // could not afford the full set).
    let rest: Vec<String> = args.collect();
    let reuse = rest.iter().any(|a| a == "--reuse");
    let every: usize = rest
        .iter()
        .find_map(|a| a.strip_prefix("--every=")?.parse().ok())
        .unwrap_or(1);
    if !reuse {
        let _ = std::fs::remove_dir_all(&dir);
    }
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut labelled = queries(&mut Rng(42));

    let index = ArchiveIndex::open(&dir.join("index")).unwrap();
    let mut corpus: Box<dyn Write> = if reuse {
        Box::new(std::io::sink())
    } else {
        Box::new(std::io::BufWriter::new(
            std::fs::File::create(dir.join("corpus.jsonl")).unwrap(),
        ))
    };
    let mut generation = std::time::Duration::ZERO;
    let mut indexing = std::time::Duration::ZERO;
    let mut batch = Vec::with_capacity(10_000);
    let wall = Instant::now();
    for id in 1..=n {
        let started = Instant::now();
        let (record, topic) = generate(&mut rng, id);
        for query in &mut labelled {
            let (kind, detail) = query.relevant;
            let in_filters = query.year_from.is_none_or(|y| topic.year >= y)
                && query.year_to.is_none_or(|y| topic.year <= y)
                && query
                    .scope
                    .as_deref()
                    .is_none_or(|s| COUNTIES[topic.county].0 == s)
                && query
                    .record_type
                    .as_deref()
                    .is_none_or(|t| TYPES[topic.record_type] == t);
            if in_filters && topic.record_type == kind && topic.detail == detail {
                query.relevant_ids.insert(id);
            }
        }
        generation += started.elapsed();
        if reuse {
            continue;
        }
        let started = Instant::now();
        serde_json::to_writer(
            &mut corpus,
            &CorpusRow {
                id,
                region: &record.region,
                record_type: &record.record_type,
                year: record.year,
                station: &record.station,
                title: &record.title,
                text: &record.text,
            },
        )
        .unwrap();
        corpus.write_all(b"\n").unwrap();
        batch.push(record);
        generation += started.elapsed();
        if batch.len() == 10_000 {
            let started = Instant::now();
            index.upsert(&batch).unwrap();
            indexing += started.elapsed();
            batch.clear();
        }
    }
    let started = Instant::now();
    if !reuse {
        index.upsert(&batch).unwrap();
        index.commit().unwrap();
    }
    indexing += started.elapsed();
    corpus.flush().unwrap();
    let wall = wall.elapsed();
    // Tantivy indexes on its own threads while the next records are generated, so the
    // conservative rate counts the whole loop (generation and JSON writing included).
    let build_rate = n as f64 / wall.as_secs_f64();

    // Queries, with their labels, for the FTS5 peer.
    let mut qfile = std::fs::File::create(dir.join("queries.jsonl")).unwrap();
    for query in &labelled {
        let mut value = serde_json::to_value(query).unwrap();
        let mut ids: Vec<i64> = query.relevant_ids.iter().copied().collect();
        ids.sort();
        value["relevant_ids"] = serde_json::json!(ids);
        writeln!(qfile, "{value}").unwrap();
    }

    let labelled: Vec<LabelledQuery> = labelled.into_iter().step_by(every).collect();
    // Warm-up, then timed runs.
    let run = |query: &LabelledQuery| {
        index
            .search(&ArchiveQuery {
                text: query.text.clone(),
                record_type: query.record_type.clone(),
                year_from: query.year_from,
                year_to: query.year_to,
                station: None,
                scope: query.scope.clone(),
                page: 1,
                per_page: 10,
            })
            .unwrap()
    };
    for query in &labelled {
        run(query);
    }
    let mut latencies = Vec::new();
    let mut timed: Vec<(f64, usize, &LabelledQuery)> = Vec::new();
    let cpu_before = thread_cpu_ms();
    let mut precision = 0.0;
    let mut empty = 0;
    let mut judged = 0;
    for round in 0..3 {
        for query in &labelled {
            let started = Instant::now();
            let page = run(query);
            latencies.push(started.elapsed().as_secs_f64() * 1000.0);
            timed.push((*latencies.last().unwrap(), page.total, query));
            if round == 0 {
                let denominator = query.relevant_ids.len().min(10);
                if denominator > 0 {
                    judged += 1;
                    let hits = page
                        .hits
                        .iter()
                        .filter(|h| query.relevant_ids.contains(&h.id))
                        .count();
                    precision += hits as f64 / denominator as f64;
                }
                if page.hits.is_empty() {
                    empty += 1;
                }
            }
        }
    }
    let cpu_per_query = (thread_cpu_ms() - cpu_before) / latencies.len() as f64;
    let mean_latency = latencies.iter().sum::<f64>() / latencies.len() as f64;
    latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
    timed.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
    let slowest: Vec<String> = timed
        .iter()
        .take(8)
        .map(|(ms, total, q)| {
            format!(
                "{ms:.1} ms, {total} hits: {} | type {:?} | {:?}-{:?} | scope {:?}",
                q.text, q.record_type, q.year_from, q.year_to, q.scope
            )
        })
        .collect();
    let dir_size: u64 = std::fs::read_dir(dir.join("index"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    println!(
        "{}",
        serde_json::json!({
            "system": "yibao-search (tantivy, jieba + bigrams)",
            "records": n,
            "generate_s": generation.as_secs_f64(),
            "index_calls_s": indexing.as_secs_f64(),
            "build_wall_s": wall.as_secs_f64(),
            "build_records_per_s": (!reuse).then_some(build_rate),
            "peak_rss_mb": peak_rss_mb(),
            "index_mb": dir_size as f64 / 1e6,
            "segments": index.index().searchable_segment_ids().unwrap().len(),
            "reused_index": reuse,
            "every_kth_query": every,
            "queries": labelled.len(),
            "query_p50_ms": percentile(&latencies, 50.0),
            "query_p99_ms": percentile(&latencies, 99.0),
            "query_mean_ms": mean_latency,
            // The searching thread's CPU time per query: what the query costs without the
            // waiting a loaded machine adds to the wall-clock latencies above.
            "query_cpu_mean_ms": cpu_per_query,
            "precision_at_10": precision / judged as f64,
            "slowest": slowest,
            "judged_queries": judged,
            "queries_without_hits": empty,
        })
    );
}
