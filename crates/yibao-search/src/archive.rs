//! The archive index (档案检索): digitised records of a person — record type, year, station,
//! title and OCR'd text — searchable by words and character bigrams, filtered by type, year
//! range, station and the caller's region scope, paged, with highlighted snippets.
//!
//! The database is the record of truth; this index is derived from it and can be rebuilt.
//! Full ID numbers are never stored here: ID-like text in titles and OCR text is masked
//! before it is stored, and the full number is only indexed as one exact term, so it can be
//! found by typing it whole and by nothing shorter.

use std::ops::Bound;
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term, doc};
use yibao_domain::id_number::mask_id_text;
use yibao_domain::masking::mask_name;

use crate::SearchError;
use crate::analysis::{self, BigramTokenizer, WordTokenizer};
use crate::at_least::AtLeastQuery;

/// One archive record as the index needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveRecord {
    pub id: i64,
    pub person_name: String,
    /// The full ID number (upper-case X), if known.
    pub id_number: Option<String>,
    /// The region code of the holder (2–12 digits, as `RegionCode` prints it).
    pub region: String,
    pub record_type: String,
    pub year: i32,
    pub station: String,
    pub title: String,
    pub text: String,
}

/// A search with its filters and page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveQuery {
    pub text: String,
    pub record_type: Option<String>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    pub station: Option<String>,
    /// The caller's region scope (a region code); `None` only for province-wide staff.
    pub scope: Option<String>,
    /// 1-based.
    pub page: usize,
    pub per_page: usize,
}

/// A highlighted fragment: the text and the byte ranges to highlight in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snippet {
    pub text: String,
    pub highlights: Vec<(usize, usize)>,
}

impl Snippet {
    /// HTML with `<mark>` around the highlights, everything else escaped.
    pub fn to_html(&self) -> String {
        let mut out = String::new();
        let mut at = 0;
        for &(from, to) in &self.highlights {
            out.push_str(&escape(&self.text[at..from]));
            out.push_str("<mark>");
            out.push_str(&escape(&self.text[from..to]));
            out.push_str("</mark>");
            at = to;
        }
        out.push_str(&escape(&self.text[at..]));
        out
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One hit: what a result list may show (name and ID masked).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArchiveHit {
    pub id: i64,
    pub score: f32,
    pub person: String,
    pub record_type: String,
    pub year: i32,
    pub station: String,
    pub title: String,
    pub snippet: Snippet,
}

/// A page of hits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArchivePage {
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub hits: Vec<ArchiveHit>,
}

struct Fields {
    id: Field,
    id_number: Field,
    person: Field,
    scope: Field,
    record_type: Field,
    year: Field,
    station: Field,
    title: Field,
    title_bigrams: Field,
    text: Field,
    text_words: Field,
}

/// Whether text is a whole ID number (18 with check char, or the old 15-digit form).
pub fn looks_like_id_number(text: &str) -> bool {
    let text = text.trim();
    let bytes = text.as_bytes();
    (bytes.len() == 18
        && bytes[..17].iter().all(u8::is_ascii_digit)
        && (bytes[17].is_ascii_digit() || bytes[17] == b'X' || bytes[17] == b'x'))
        || (bytes.len() == 15 && bytes.iter().all(u8::is_ascii_digit))
}

/// Replaces every ID-number-like run (15 or 18 digits, optional X) in free text by its mask;
/// returns the masked text and the numbers found.
pub fn mask_ids_in_text(text: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut found = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 17 && i < chars.len() && matches!(chars[i], 'X' | 'x') {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            if looks_like_id_number(&run) {
                found.push(run.to_ascii_uppercase());
                out.push_str(&mask_id_text(&run));
            } else {
                out.push_str(&run);
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    (out, found)
}

/// The scope terms of a region code: itself and every ancestor prefix (2, 4, 6, 9 digits).
fn scope_terms(region: &str) -> Vec<String> {
    [2, 4, 6, 9, 12]
        .into_iter()
        .filter(|&len| len <= region.len())
        .map(|len| region[..len].to_owned())
        .collect()
}

/// The archive index in a directory it owns (or in memory for tests).
pub struct ArchiveIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = |tokenizer: &str, stored: bool| {
        let options = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                // No positions: nothing here runs phrase queries, and positions were a third
                // of the postings written for every record.
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        if stored {
            options.set_stored()
        } else {
            options
        }
    };
    let fields = Fields {
        id: builder.add_i64_field("id", INDEXED | STORED),
        id_number: builder.add_text_field("id_number", STRING),
        person: builder.add_text_field("person", STORED),
        scope: builder.add_text_field("scope", STRING),
        record_type: builder.add_text_field("record_type", STRING | STORED),
        // A fast field: the year window is checked per candidate from the column instead of
        // unioning the postings of every year in the range on each query.
        year: builder.add_i64_field("year", STORED | FAST),
        station: builder.add_text_field("station", STRING | STORED),
        title: builder.add_text_field("title", text("words", true)),
        title_bigrams: builder.add_text_field("title_bigrams", text("bigrams", false)),
        text: builder.add_text_field("text", text("bigrams", true)),
        text_words: builder.add_text_field("text_words", text("words", false)),
    };
    (builder.build(), fields)
}

impl ArchiveIndex {
    /// Opens the index in `dir`, creating it (and the directory) if needed.
    pub fn open(dir: &Path) -> Result<ArchiveIndex, SearchError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| SearchError::Directory(format!("{}：{e}", dir.display())))?;
        let (schema, fields) = schema();
        let directory = tantivy::directory::MmapDirectory::open(dir)
            .map_err(|e| SearchError::Directory(format!("{}：{e}", dir.display())))?;
        let index = match Index::open_or_create(directory.clone(), schema.clone()) {
            Ok(index) => index,
            // Built by a version with another schema. The index is derived from the database,
            // so it is recreated empty; its owners see the count differ and refill it. The old
            // writer lock is taken first so an index another process is using is left alone.
            Err(tantivy::TantivyError::SchemaError(_)) => {
                let old = Index::open(directory.clone())?;
                drop(old.writer_with_num_threads::<TantivyDocument>(1, 15_000_000)?);
                drop(old);
                Index::create(directory, schema, tantivy::IndexSettings::default())?
            }
            Err(error) => return Err(error.into()),
        };
        ArchiveIndex::with_index(index, fields)
    }

    /// An index in memory (tests, benchmarks of the query side).
    pub fn in_memory() -> Result<ArchiveIndex, SearchError> {
        let (schema, fields) = schema();
        ArchiveIndex::with_index(Index::create_in_ram(schema), fields)
    }

    fn with_index(index: Index, fields: Fields) -> Result<ArchiveIndex, SearchError> {
        index.tokenizers().register("words", WordTokenizer::new());
        index.tokenizers().register("bigrams", BigramTokenizer);
        // One indexing thread per core (tantivy's default), 128 MB of arena each: fewer,
        // larger segments to merge while a rebuild runs.
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(4);
        let writer = index.writer_with_num_threads(threads, threads * 128_000_000)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(ArchiveIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
        })
    }

    /// Adds or replaces records (by id); call [`ArchiveIndex::commit`] to make them visible.
    pub fn upsert(&self, records: &[ArchiveRecord]) -> Result<(), SearchError> {
        let writer = self.writer.lock().expect("writer lock");
        for record in records {
            let f = &self.fields;
            writer.delete_term(Term::from_field_i64(f.id, record.id));
            let (title, mut ids) = mask_ids_in_text(&record.title);
            let (text, more) = mask_ids_in_text(&record.text);
            ids.extend(more);
            ids.extend(
                record
                    .id_number
                    .iter()
                    .map(|n| n.trim().to_ascii_uppercase()),
            );
            let mut document = doc!(
                f.id => record.id,
                f.person => mask_name(&record.person_name),
                f.record_type => record.record_type.clone(),
                f.year => i64::from(record.year),
                f.station => record.station.clone(),
                f.title => title.clone(),
                f.title_bigrams => format!("{title} {}", record.person_name),
                f.text => text.clone(),
                f.text_words => text,
            );
            for id in ids {
                document.add_text(f.id_number, id);
            }
            for scope in scope_terms(&record.region) {
                document.add_text(f.scope, scope);
            }
            writer.add_document(document)?;
        }
        Ok(())
    }

    /// Removes one record.
    pub fn delete(&self, id: i64) {
        let writer = self.writer.lock().expect("writer lock");
        writer.delete_term(Term::from_field_i64(self.fields.id, id));
    }

    /// Removes everything (before a rebuild).
    pub fn clear(&self) -> Result<(), SearchError> {
        self.writer
            .lock()
            .expect("writer lock")
            .delete_all_documents()?;
        Ok(())
    }

    /// Makes the changes durable and visible.
    pub fn commit(&self) -> Result<(), SearchError> {
        self.writer.lock().expect("writer lock").commit()?;
        self.reader.reload()?;
        Ok(())
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The text part of a search: bigrams (title or text) that must match, weighted by the
    /// information they carry, and words that only add to the score. The search adds its
    /// filters to it, so they are checked on each candidate before the text terms are.
    fn text_query(&self, text: &str) -> Option<AtLeastQuery> {
        let f = &self.fields;
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        if looks_like_id_number(text) {
            let exact: Box<dyn Query> = Box::new(TermQuery::new(
                Term::from_field_text(f.id_number, &text.to_ascii_uppercase()),
                IndexRecordOption::Basic,
            ));
            return Some(AtLeastQuery::new(vec![(1.0, vec![exact])], Vec::new(), 1.0));
        }
        let scored = |field: Field, term: &str, boost: f32| -> Box<dyn Query> {
            Box::new(BoostQuery::new(
                Box::new(TermQuery::new(
                    Term::from_field_text(field, term),
                    IndexRecordOption::WithFreqs,
                )),
                boost,
            ))
        };
        let mut words: Vec<Box<dyn Query>> = Vec::new();
        for word in analysis::words(text) {
            words.push(scored(f.title, &word, 2.0));
            words.push(scored(f.text_words, &word, 1.0));
        }
        let bigrams = analysis::bigrams(text);
        if bigrams.len() < 3 {
            // Short queries: any word or bigram, anywhere.
            let groups = words
                .into_iter()
                .chain(bigrams.iter().flat_map(|bigram| {
                    [
                        scored(f.title_bigrams, bigram, 1.0),
                        scored(f.text, bigram, 0.5),
                    ]
                }))
                .map(|clause| (1.0, vec![clause]))
                .collect();
            return Some(AtLeastQuery::new(groups, Vec::new(), 1.0));
        }
        // Once the query has three or more bigrams, bigrams carrying two thirds of its
        // information (IDF) must match somewhere (title or text). That keeps a query precise
        // without turning it into an exact phrase: a misspelt or unsegmented query still finds
        // its record, bigrams found nowhere (typos, words across a word boundary) are left
        // out, and the common bigrams every record of a type has (门诊, 慢特, 认定) cannot
        // match on their own. The words only add to the score of what the bigrams matched.
        let searcher = self.reader.searcher();
        let documents = searcher.num_docs() as f32;
        let mut groups = Vec::new();
        for bigram in &bigrams {
            let frequency = [f.title_bigrams, f.text]
                .into_iter()
                .map(|field| {
                    searcher
                        .doc_freq(&Term::from_field_text(field, bigram))
                        .unwrap_or(0)
                })
                .max()
                .unwrap_or(0) as f32;
            if frequency == 0.0 {
                continue;
            }
            let information = (1.0 + (documents - frequency + 0.5) / (frequency + 0.5)).ln();
            groups.push((
                information,
                vec![
                    scored(f.title_bigrams, bigram, 1.0),
                    scored(f.text, bigram, 0.5),
                ],
            ));
        }
        let total: f32 = groups.iter().map(|(weight, _)| weight).sum();
        Some(AtLeastQuery::new(groups, words, total * 2.0 / 3.0))
    }

    /// Runs a search; an empty text lists the filtered records (newest year first is not
    /// guaranteed; order is by relevance, then index order).
    pub fn search(&self, query: &ArchiveQuery) -> Result<ArchivePage, SearchError> {
        let f = &self.fields;
        let term = |field: Field, value: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, value),
                IndexRecordOption::Basic,
            ))
        };
        let mut filters: Vec<Box<dyn Query>> = Vec::new();
        if let Some(kind) = query.record_type.as_deref().filter(|s| !s.is_empty()) {
            filters.push(term(f.record_type, kind));
        }
        if let Some(station) = query.station.as_deref().filter(|s| !s.is_empty()) {
            filters.push(term(f.station, station));
        }
        if let Some(scope) = query.scope.as_deref() {
            filters.push(term(f.scope, scope));
        }
        if query.year_from.is_some() || query.year_to.is_some() {
            let bound = |year: Option<i32>| match year {
                Some(year) => Bound::Included(Term::from_field_i64(f.year, i64::from(year))),
                None => Bound::Unbounded,
            };
            filters.push(Box::new(RangeQuery::new(
                bound(query.year_from),
                bound(query.year_to),
            )));
        }
        let text_query = self.text_query(&query.text);
        let full: Box<dyn Query> = match &text_query {
            // The filters go inside the text query, which checks them on each candidate
            // before the text terms.
            Some(text) => Box::new(text.clone().filtered_by(filters)),
            None => Box::new(BooleanQuery::new(
                std::iter::once(Box::new(AllQuery) as Box<dyn Query>)
                    .chain(filters)
                    .map(|q| (Occur::Must, filter(q)))
                    .collect(),
            )),
        };
        let per_page = query.per_page.clamp(1, 100);
        let page = query.page.max(1);
        let searcher = self.reader.searcher();
        let (hits, total) = searcher.search(
            full.as_ref(),
            &(
                TopDocs::with_limit(per_page)
                    .and_offset((page - 1) * per_page)
                    .order_by_score(),
                Count,
            ),
        )?;
        let snippets = match &text_query {
            Some(q) => Some(SnippetGenerator::create(&searcher, q, f.text)?),
            None => None,
        };
        let mut out = Vec::with_capacity(hits.len());
        for (score, address) in hits {
            let document: TantivyDocument = searcher.doc(address)?;
            let text_of = |field: Field| {
                document
                    .get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_owned()
            };
            let number_of = |field: Field| {
                document
                    .get_first(field)
                    .and_then(|v| v.as_i64())
                    .unwrap_or(0)
            };
            let body = text_of(f.text);
            let snippet = match &snippets {
                Some(generator) => {
                    let mut generator_snippet = generator.snippet(&body);
                    if generator_snippet.fragment().is_empty() {
                        generator_snippet = generator.snippet(&body[..prefix_len(&body, 120)]);
                    }
                    let fragment = generator_snippet.fragment();
                    if fragment.is_empty() {
                        plain_snippet(&body)
                    } else {
                        Snippet {
                            text: fragment.to_owned(),
                            highlights: merge(
                                generator_snippet
                                    .highlighted()
                                    .iter()
                                    .map(|r| (r.start, r.end))
                                    .collect(),
                            ),
                        }
                    }
                }
                None => plain_snippet(&body),
            };
            out.push(ArchiveHit {
                id: number_of(f.id),
                score,
                person: text_of(f.person),
                record_type: text_of(f.record_type),
                year: number_of(f.year) as i32,
                station: text_of(f.station),
                title: text_of(f.title),
                snippet,
            });
        }
        Ok(ArchivePage {
            total,
            page,
            per_page,
            hits: out,
        })
    }

    /// The index's directory handle, for callers that need to report where it lives.
    pub fn index(&self) -> &Index {
        &self.index
    }
}

/// A clause that must match but adds nothing to the score.
fn filter(query: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(query, 0.0))
}

fn prefix_len(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map(|(at, _)| at)
        .unwrap_or(text.len())
}

fn plain_snippet(body: &str) -> Snippet {
    Snippet {
        text: body[..prefix_len(body, 120)].to_owned(),
        highlights: Vec::new(),
    }
}

/// Overlapping bigram highlights (报销 + 销费…) merge into one range.
fn merge(mut ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    ranges.sort();
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (from, to) in ranges {
        match out.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => out.push((from, to)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(
        id: i64,
        region: &str,
        kind: &str,
        year: i32,
        title: &str,
        text: &str,
    ) -> ArchiveRecord {
        ArchiveRecord {
            id,
            person_name: "王秀英".to_owned(),
            id_number: Some("370211195603120025".to_owned()),
            region: region.to_owned(),
            record_type: kind.to_owned(),
            year,
            station: "黄岛区长江路街道医保工作站".to_owned(),
            title: title.to_owned(),
            text: text.to_owned(),
        }
    }

    fn index() -> ArchiveIndex {
        let index = ArchiveIndex::in_memory().unwrap();
        index
            .upsert(&[
                record(1, "370211001001", "零星报销", 2021, "王秀英住院费用零星报销审批表",
                    "参保人在青岛市外住院，因未办理异地就医备案未能直接结算，申请手工报销住院费用12,380元。身份证号370211195603120025。"),
                record(2, "370211001002", "门诊慢特病", 2019, "门诊慢特病待遇认定申请表",
                    "病种：高血压病（3级）。经定点医院专家鉴定，符合门诊慢特病认定标准。"),
                record(3, "320903001001", "参保登记", 2020, "城乡居民参保登记表",
                    "新生儿随母参保，监护人提供出生医学证明和户口簿。"),
            ])
            .unwrap();
        index.commit().unwrap();
        index
    }

    fn query(text: &str) -> ArchiveQuery {
        ArchiveQuery {
            text: text.to_owned(),
            page: 1,
            per_page: 10,
            ..ArchiveQuery::default()
        }
    }

    #[test]
    fn an_unsegmented_misspelt_query_still_finds_the_record() {
        let index = index();
        let page = index.search(&query("住院手工报消")).unwrap();
        assert_eq!(page.hits.first().map(|h| h.id), Some(1), "{page:?}");
        let html = page.hits[0].snippet.to_html();
        assert!(html.contains("<mark>"), "{html}");
        assert!(!html.contains("370211195603120025"), "{html}");
    }

    #[test]
    fn the_full_id_number_is_found_only_when_typed_whole() {
        let index = index();
        assert_eq!(index.search(&query("370211195603120025")).unwrap().total, 3);
        assert_eq!(index.search(&query("370211195603")).unwrap().total, 0);
        let hit = &index.search(&query("高血压")).unwrap().hits[0];
        assert_eq!(hit.person, "王**");
    }

    #[test]
    fn filters_and_scope_narrow_the_results() {
        let index = index();
        let mut q = query("");
        q.scope = Some("370211".to_owned());
        assert_eq!(index.search(&q).unwrap().total, 2);
        q.year_from = Some(2020);
        assert_eq!(index.search(&q).unwrap().total, 1);
        q.scope = Some("3209".to_owned());
        assert_eq!(index.search(&q).unwrap().total, 1);
        q.record_type = Some("零星报销".to_owned());
        assert_eq!(index.search(&q).unwrap().total, 0);
    }

    #[test]
    fn a_text_search_honours_every_filter() {
        let index = index();
        let mut q = query("王秀英");
        assert_eq!(index.search(&q).unwrap().total, 3);
        q.scope = Some("370211".to_owned());
        assert_eq!(index.search(&q).unwrap().total, 2);
        q.year_from = Some(2020);
        let page = index.search(&q).unwrap();
        assert_eq!(page.hits.iter().map(|h| h.id).collect::<Vec<_>>(), [1]);
        let mut q = query("王秀英住院费用");
        assert_eq!(index.search(&q).unwrap().hits[0].id, 1);
        q.record_type = Some("门诊慢特病".to_owned());
        assert_eq!(index.search(&q).unwrap().total, 0);
        q.record_type = Some("零星报销".to_owned());
        q.year_to = Some(2020);
        assert_eq!(index.search(&q).unwrap().total, 0);
    }

    #[test]
    fn an_update_replaces_the_record_and_pages_split_the_results() {
        let index = index();
        let mut changed = record(
            3,
            "320903001001",
            "参保登记",
            2020,
            "城乡居民参保登记表",
            "已更正：监护人户口簿",
        );
        changed.person_name = "李四".to_owned();
        index.upsert(&[changed]).unwrap();
        index.commit().unwrap();
        assert_eq!(index.num_docs(), 3);
        assert_eq!(index.search(&query("出生医学证明")).unwrap().total, 0);
        let mut q = query("");
        q.per_page = 2;
        assert_eq!(index.search(&q).unwrap().hits.len(), 2);
        q.page = 2;
        assert_eq!(index.search(&q).unwrap().hits.len(), 1);
    }

    #[test]
    fn an_index_left_by_an_older_schema_is_recreated_empty() {
        let dir = std::env::temp_dir().join(format!("yibao-archive-schema-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut builder = Schema::builder();
        let title = builder.add_text_field("title", STRING | STORED);
        let old = Index::create_in_dir(&dir, builder.build()).unwrap();
        let mut writer: IndexWriter = old.writer_with_num_threads(1, 15_000_000).unwrap();
        writer.add_document(doc!(title => "旧档案")).unwrap();
        writer.commit().unwrap();
        drop(writer);
        drop(old);
        let index = ArchiveIndex::open(&dir).unwrap();
        assert_eq!(index.num_docs(), 0);
        index
            .upsert(&[record(
                1,
                "370211001001",
                "参保登记",
                2020,
                "参保登记表",
                "新参保",
            )])
            .unwrap();
        index.commit().unwrap();
        assert_eq!(index.search(&query("参保登记")).unwrap().total, 1);
        drop(index);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn ids_in_text_are_masked() {
        let (text, ids) = mask_ids_in_text("证号320902198001011234，电话13800000000");
        assert_eq!(text, "证号3209**********1234，电话13800000000");
        assert_eq!(ids, ["320902198001011234"]);
    }
}
