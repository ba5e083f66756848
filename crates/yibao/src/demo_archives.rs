//! Demo archives: generated, real-looking digitised records (参保登记, 零星报销, 门诊慢特病,
//! 异地就医备案, 生育津贴, 医疗救助…) for every town of 盐都区, with valid ID numbers, the
//! towns' real region codes and the demo stations' names, imported the way `yibao archives
//! import` does (database first, then the index). Generated in code; nothing is committed.

use std::path::Path;

use anyhow::{Context, Result};
use yibao_domain::RegionCode;
use yibao_domain::id_number::check_char;
use yibao_search::archive::ArchiveIndex;
use yibao_search::archive_file::ParsedArchive;
use yibao_store::{PageRequest, RegionFilter, Store};
use yibao_web::app::{self, Actor};

/// Records per town.
const PER_TOWN: usize = 24;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "朱", "马", "胡", "夏",
    "顾", "沈", "陆", "蔡",
];
const GIVEN: &[&str] = &[
    "秀英", "桂兰", "建国", "志强", "海燕", "玉兰", "国华", "春梅", "德明", "永福", "小红", "金龙",
    "凤英", "卫东", "淑珍", "长林", "美华", "正祥",
];
const DISEASES: &[&str] = &[
    "高血压",
    "糖尿病",
    "冠心病",
    "慢性肾衰竭",
    "恶性肿瘤",
    "帕金森病",
    "慢性阻塞性肺疾病",
    "脑卒中后遗症",
];
const HOSPITALS: &[&str] = &[
    "盐城市第一人民医院",
    "盐城市第三人民医院",
    "盐都区人民医院",
    "南京鼓楼医院",
    "上海瑞金医院",
    "苏州大学附属第一医院",
];
const CITIES: &[&str] = &["上海", "苏州", "南京", "无锡", "杭州", "深圳"];
const CLOSINGS: &[&str] = &[
    "经办人员已核对原件。",
    "材料齐全，予以受理。",
    "本人签字确认。",
    "经初审符合规定，转区医保中心办结。",
    "纸质材料随日移交业务科室归档。",
    "代办人持委托书办理，委托书附后。",
];

/// A valid ID number of someone born in `year` whose address code is the county's.
fn id_number(rng: &mut Rng, county: &str, year: i32) -> String {
    let month = 1 + rng.below(12);
    let day = 1 + rng.below(28);
    let sequence = rng.below(1000);
    let first17 = format!("{county}{year:04}{month:02}{day:02}{sequence:03}");
    let check = check_char(first17.as_bytes()) as char;
    format!("{first17}{check}")
}

fn record(rng: &mut Rng, village: &RegionCode, town_name: &str, station: &str) -> ParsedArchive {
    let name = format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN));
    let year = 2012 + rng.below(13) as i32;
    let birth = 1940 + rng.below(60) as i32;
    let id = id_number(rng, "320903", birth);
    let (record_type, title, body) = match rng.below(7) {
        0 => {
            let hospital = rng.pick(HOSPITALS);
            let amount = 800 + rng.below(60_000);
            (
                "零星报销",
                format!("{name}住院费用零星报销审批表"),
                format!(
                    "参保人{name}（身份证号{id}）于{year}年在{hospital}住院治疗，因未及时办理异地就医备案未能直接结算，申请手工零星报销住院费用{amount}元。\n提供材料：医疗费用发票、费用明细清单、出院小结。"
                ),
            )
        }
        1 => {
            let disease = rng.pick(DISEASES);
            (
                "门诊慢特病",
                format!("{name}门诊慢特病待遇认定申请表"),
                format!(
                    "申请病种：{disease}。\n经定点医疗机构鉴定，病历资料和检查结果符合门诊慢特病认定标准，自{year}年起享受门诊慢特病待遇，在选定的定点医疗机构就医。"
                ),
            )
        }
        2 => {
            let city = rng.pick(CITIES);
            (
                "异地就医备案",
                format!("{name}异地就医备案登记表"),
                format!(
                    "备案人{name}因异地长期居住，申请在{city}就医直接结算。\n提供居住证明（或个人承诺书），备案自{year}年起生效。"
                ),
            )
        }
        3 => (
            "参保登记",
            format!("{name}城乡居民基本医疗保险参保登记表"),
            format!(
                "{name}，{town_name}户籍，{year}年办理城乡居民基本医疗保险参保登记，按年度缴纳个人缴费部分。\n身份证号：{id}。"
            ),
        ),
        4 => (
            "生育津贴",
            format!("{name}生育津贴申领表"),
            format!(
                "{name}于{year}年在{}分娩，申领生育津贴，提供出生医学证明、结婚证复印件和出院记录。",
                rng.pick(HOSPITALS)
            ),
        ),
        5 => (
            "医疗救助",
            format!("{name}医疗救助申请审批表"),
            format!(
                "申请人{name}系{town_name}低保对象，{year}年因病住院，经基本医疗保险和大病保险报销后个人负担较重，申请医疗救助。"
            ),
        ),
        _ => (
            "个人账户支取",
            format!("{name}参保人员个人账户一次性支取申请表"),
            format!(
                "参保人{name}因死亡终止参保关系，其继承人于{year}年申请个人账户余额一次性支取，提供死亡证明和继承关系证明。"
            ),
        ),
    };
    let mut text = body;
    text.push('\n');
    let first = rng.below(CLOSINGS.len());
    let second = (first + 1 + rng.below(CLOSINGS.len() - 1)) % CLOSINGS.len();
    text.push_str(CLOSINGS[first]);
    text.push_str(CLOSINGS[second]);
    ParsedArchive {
        person_name: name,
        id_number: Some(id),
        region_code: village.to_string(),
        record_type: record_type.to_owned(),
        year,
        station: station.to_owned(),
        title,
        text,
    }
}

async fn children(store: &Store, parent: &RegionCode) -> Result<Vec<yibao_store::Region>> {
    let filter = RegionFilter {
        parent: Some(parent.clone()),
        ..RegionFilter::default()
    };
    Ok(store
        .list_regions(
            &filter,
            PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE)),
        )
        .await?
        .items)
}

/// Seeds the demo archives into the database and the index in `index_dir`; returns the count.
pub async fn seed(store: &Store, index_dir: &Path) -> Result<usize> {
    let index = ArchiveIndex::open(index_dir)
        .with_context(|| format!("无法创建演示档案索引 {}", index_dir.display()))?;
    let mut rng = Rng(0x0a2c_41fe_2026);
    let actor = Actor::system();
    let mut total = 0;
    for town in children(store, &RegionCode::parse("320903")?).await? {
        let villages = children(store, &town.code).await?;
        let station = format!("{}为民服务中心医保服务站", town.name);
        let records: Vec<ParsedArchive> = (0..PER_TOWN)
            .map(|_| {
                let village = villages
                    .get(rng.below(villages.len().max(1)))
                    .map(|v| v.code.clone())
                    .unwrap_or_else(|| town.code.clone());
                record(&mut rng, &village, &town.name, &station)
            })
            .collect();
        total += records.len();
        let source = format!("演示数据/{}.json", town.name);
        app::archives::import_file(store, Some(&index), &actor, &source, records)
            .await
            .map_err(|e| anyhow::anyhow!(e.message))?;
    }
    index.commit()?;
    Ok(total)
}
