//! Archive use cases (档案检索): importing parsed files (database first, then the index),
//! rebuilding the index from the database, searching inside the caller's region with masked
//! names and IDs, and opening one record, which is written to the audit log.
//!
//! The database is the record of truth. The index lives in a directory (next to the database
//! by default) or in memory; a server keeps it in step by comparing the records' count and
//! newest change with what it last saw, catching up on records another process imported and
//! rebuilding when records disappeared.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{Mutex, OnceCell};
use yibao_domain::RegionCode;
use yibao_domain::id_number::mask_id_text;
use yibao_domain::masking::mask_name;
use yibao_search::archive::{
    ArchiveIndex, ArchivePage, ArchiveQuery, ArchiveRecord, mask_ids_in_text,
};
use yibao_search::archive_file::ParsedArchive;
use yibao_store::{ArchiveStamp, FileImport, NewArchive, Store, StoredArchive};

use crate::AppState;
use crate::app::Actor;
use crate::error::{ApiError, ProblemField};

/// Hits per page of a search.
pub const PER_PAGE: usize = 20;

/// How far back (seconds) before the last seen change a catch-up looks again.
const CATCH_UP_MARGIN_S: i64 = 120;

/// Records read from the database per batch of a rebuild.
const REBUILD_BATCH: i64 = 2_000;

/// The server's archive index: opened on first use and kept in step with the database.
pub struct ArchiveState {
    dir: Option<PathBuf>,
    index: OnceCell<Arc<ArchiveIndex>>,
    seen: Mutex<Option<ArchiveStamp>>,
}

impl ArchiveState {
    /// An index in `dir`, or in memory when `None` (tests; rebuilt from the database).
    pub fn new(dir: Option<PathBuf>) -> ArchiveState {
        ArchiveState {
            dir,
            index: OnceCell::new(),
            seen: Mutex::new(None),
        }
    }

    /// The index, caught up with the database.
    pub async fn index(&self, store: &Store) -> Result<Arc<ArchiveIndex>, ApiError> {
        let index = self
            .index
            .get_or_try_init(|| async {
                let opened = match &self.dir {
                    Some(dir) => ArchiveIndex::open(dir),
                    None => ArchiveIndex::in_memory(),
                };
                opened.map(Arc::new).map_err(|error| {
                    tracing::error!(%error, "opening the archive index failed");
                    ApiError::new(
                        axum::http::StatusCode::SERVICE_UNAVAILABLE,
                        "archive_index_unavailable",
                        "档案索引暂不可用（可能正在由命令行导入或重建），请稍后再试",
                    )
                })
            })
            .await?
            .clone();
        let stamp = store.archive_stamp().await?;
        let mut seen = self.seen.lock().await;
        if *seen == Some(stamp) {
            return Ok(index);
        }
        let caught_up = match *seen {
            Some(ArchiveStamp {
                last_update: Some(since),
                ..
            }) => {
                // A margin, because a long import transaction may commit after a newer one
                // with an earlier `updated_at`; re-indexing a record twice is harmless.
                let changed = store
                    .archives_changed_since(since - chrono::Duration::seconds(CATCH_UP_MARGIN_S))
                    .await?;
                let records: Vec<ArchiveRecord> = changed.iter().map(to_record).collect();
                index.upsert(&records).map_err(ApiError::internal)?;
                index.commit().map_err(ApiError::internal)?;
                index.num_docs() == stamp.count as u64
            }
            _ => index.num_docs() == stamp.count as u64,
        };
        if !caught_up {
            rebuild(store, &index, |_| {}).await?;
        }
        *seen = Some(stamp);
        Ok(index)
    }
}

/// What the index stores of a record (it masks IDs itself).
pub fn to_record(record: &StoredArchive) -> ArchiveRecord {
    ArchiveRecord {
        id: record.id,
        person_name: record.person_name.clone(),
        id_number: record.id_number.clone(),
        region: record.region_code.clone(),
        record_type: record.record_type.clone(),
        year: record.year as i32,
        station: record.station.clone(),
        title: record.title.clone(),
        text: record.text.clone(),
    }
}

fn to_new(parsed: ParsedArchive) -> NewArchive {
    NewArchive {
        id_number: parsed.id_number,
        person_name: parsed.person_name,
        record_type: parsed.record_type,
        year: parsed.year,
        station: parsed.station,
        region_code: parsed.region_code,
        title: parsed.title,
        text: parsed.text,
    }
}

/// Stores the records of one file (database first, in one transaction with its audit row),
/// then brings `index` in step when one is open here.
pub async fn import_file(
    store: &Store,
    index: Option<&ArchiveIndex>,
    actor: &Actor,
    source_file: &str,
    records: Vec<ParsedArchive>,
) -> Result<FileImport, ApiError> {
    let records: Vec<NewArchive> = records.into_iter().map(to_new).collect();
    let audit = actor.audit("archive.import", "archive_file", source_file);
    let outcome = store
        .import_archive_file(source_file, &records, &audit)
        .await?;
    if let Some(index) = index
        && outcome.changed()
    {
        for id in &outcome.removed {
            index.delete(*id);
        }
        let mut changed = Vec::new();
        for id in outcome.inserted.iter().chain(&outcome.updated) {
            if let Some(record) = store.archive(*id).await? {
                changed.push(to_record(&record));
            }
        }
        index.upsert(&changed).map_err(ApiError::internal)?;
    }
    Ok(outcome)
}

/// Empties the index and fills it again from the database; `progress` gets the count so far.
/// Returns the number of records indexed.
pub async fn rebuild(
    store: &Store,
    index: &ArchiveIndex,
    mut progress: impl FnMut(u64),
) -> Result<u64, ApiError> {
    index.clear().map_err(ApiError::internal)?;
    let (mut after, mut done) = (0i64, 0u64);
    loop {
        let batch = store.archives_after(after, REBUILD_BATCH).await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        let records: Vec<ArchiveRecord> = batch.iter().map(to_record).collect();
        index.upsert(&records).map_err(ApiError::internal)?;
        done += records.len() as u64;
        progress(done);
    }
    index.commit().map_err(ApiError::internal)?;
    Ok(done)
}

/// A search as the API and the console receive it.
#[derive(Debug, Clone, Default)]
pub struct SearchInput {
    pub text: String,
    pub record_type: Option<String>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    pub station: Option<String>,
    pub page: usize,
}

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::validation(
        message.to_owned(),
        vec![ProblemField {
            field: field.to_owned(),
            message: message.to_owned(),
            line: None,
        }],
    )
}

/// Searches the archives inside the caller's region; names and IDs in hits are masked.
pub async fn search(
    state: &AppState,
    actor: &Actor,
    input: &SearchInput,
) -> Result<ArchivePage, ApiError> {
    if input.text.chars().count() > 100 {
        return Err(invalid("q", "检索词不能超过 100 字"));
    }
    for (field, year) in [("year_from", input.year_from), ("year_to", input.year_to)] {
        if year.is_some_and(|y| !(1949..=2100).contains(&y)) {
            return Err(invalid(field, "年份应在 1949～2100 之间"));
        }
    }
    if let (Some(from), Some(to)) = (input.year_from, input.year_to)
        && from > to
    {
        return Err(invalid("year_from", "起始年份不能晚于截止年份"));
    }
    let query = ArchiveQuery {
        text: input.text.trim().to_owned(),
        record_type: input.record_type.clone(),
        year_from: input.year_from,
        year_to: input.year_to,
        station: input.station.clone(),
        scope: actor.scope.as_ref().map(RegionCode::to_string),
        page: input.page.max(1),
        per_page: PER_PAGE,
    };
    let index = state.archives.index(&state.store).await?;
    let page = tokio::task::spawn_blocking(move || index.search(&query))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok(page)
}

/// A record as an opened page shows it: the name in full (the opening is audited), the ID
/// number and any ID-like text masked.
#[derive(Debug, Clone)]
pub struct OpenedArchive {
    pub record: StoredArchive,
    pub id_masked: Option<String>,
    pub title: String,
    pub text: String,
}

/// Opens one record inside the caller's region and writes `archive.open` to the audit log.
pub async fn open(state: &AppState, actor: &Actor, id: i64) -> Result<OpenedArchive, ApiError> {
    let record = state
        .store
        .archive(id)
        .await?
        .ok_or_else(|| ApiError::not_found("档案不存在"))?;
    let region = RegionCode::parse(&record.region_code)?;
    actor.ensure_in_scope(&region)?;
    let entry = actor
        .audit("archive.open", "archive", &record.id.to_string())
        .region(record.region_code.clone())
        .detail(serde_json::json!({
            "record_number": record.record_number,
            "person": mask_name(&record.person_name),
        }));
    state.store.append_audit(&entry).await?;
    Ok(OpenedArchive {
        id_masked: record.id_number.as_deref().map(mask_id_text),
        title: mask_ids_in_text(&record.title).0,
        text: mask_ids_in_text(&record.text).0,
        record,
    })
}
