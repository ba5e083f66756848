//! Archive records (档案) — the record of truth the archive index is rebuilt from — and the
//! policy Q&A's log of unanswered questions.
//!
//! Records are keyed by their source file and position in it: importing a file again updates
//! the records whose content changed, leaves the others alone and removes positions the file no
//! longer has, so an import is incremental. Each file commits in one transaction with one audit
//! row (only when something changed).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::BeginWrite;
use crate::audit::audit_in_tx;
use crate::{AuditEntry, Page, PageRequest, Result, Store, StoreError, now, on_pool};

/// A record as read from a file, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewArchive {
    pub id_number: Option<String>,
    pub person_name: String,
    pub record_type: String,
    pub year: i32,
    /// The station as the file names it (a code or a name).
    pub station: String,
    pub region_code: String,
    pub title: String,
    pub text: String,
}

/// A stored record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct StoredArchive {
    pub id: i64,
    /// The archive number shown to staff (`DA` + 10 hex digits, stable for a file position).
    pub record_number: String,
    pub id_number: Option<String>,
    pub person_name: String,
    pub record_type: String,
    pub year: i64,
    pub station: String,
    pub region_code: String,
    pub title: String,
    pub text: String,
    pub source_file: String,
    pub source_position: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What importing one file changed (record ids, for the index).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileImport {
    pub inserted: Vec<i64>,
    pub updated: Vec<i64>,
    pub unchanged: usize,
    /// Records of positions the file no longer has.
    pub removed: Vec<i64>,
}

impl FileImport {
    pub fn changed(&self) -> bool {
        !(self.inserted.is_empty() && self.updated.is_empty() && self.removed.is_empty())
    }
}

/// How many records there are and when the newest change was: a server compares it with what
/// its index has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ArchiveStamp {
    pub count: i64,
    pub last_update: Option<DateTime<Utc>>,
}

/// A question the Q&A refused.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct UnansweredQuestion {
    pub id: i64,
    pub asked_at: DateTime<Utc>,
    pub question: String,
    pub confidence: f64,
    /// Where it was asked: `api`, `web`.
    pub channel: String,
}

/// FNV-1a, 64 bits: a stable, dependency-free fingerprint for record numbers and content.
fn fingerprint(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0x1f]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// The archive number of a file position.
pub fn record_number(source_file: &str, position: i64) -> String {
    let hash = fingerprint(&[source_file, &position.to_string()]);
    format!("DA{:010X}", hash >> 24)
}

fn content_hash(record: &NewArchive) -> String {
    format!(
        "{:016x}",
        fingerprint(&[
            record.id_number.as_deref().unwrap_or(""),
            &record.person_name,
            &record.record_type,
            &record.year.to_string(),
            &record.station,
            &record.region_code,
            &record.title,
            &record.text,
        ])
    )
}

const COLUMNS: &str = "id, record_number, id_number, person_name, record_type, year, station, region_code, \
     title, text, source_file, source_position, created_at, updated_at";

impl Store {
    /// Stores the records of one file (position = index + 1), in one transaction with `audit`
    /// when anything changed.
    pub async fn import_archive_file(
        &self,
        source_file: &str,
        records: &[NewArchive],
        audit: &AuditEntry,
    ) -> Result<FileImport> {
        let at = now();
        let mut outcome = FileImport::default();
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            for (index, record) in records.iter().enumerate() {
                let position = index as i64 + 1;
                let hash = content_hash(record);
                let existing: Option<(i64, String)> = sqlx::query_as(
                    "SELECT id, content_hash FROM archive_records WHERE source_file = $1 AND source_position = $2",
                )
                .bind(source_file)
                .bind(position)
                .fetch_optional(&mut *tx)
                .await?;
                match existing {
                    Some((_, old)) if old == hash => outcome.unchanged += 1,
                    Some((id, _)) => {
                        sqlx::query(
                            "UPDATE archive_records SET id_number = $1, person_name = $2, record_type = $3, year = $4, \
                             station = $5, region_code = $6, title = $7, text = $8, content_hash = $9, updated_at = $10 \
                             WHERE id = $11",
                        )
                        .bind(&record.id_number)
                        .bind(&record.person_name)
                        .bind(&record.record_type)
                        .bind(i64::from(record.year))
                        .bind(&record.station)
                        .bind(&record.region_code)
                        .bind(&record.title)
                        .bind(&record.text)
                        .bind(&hash)
                        .bind(at)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                        outcome.updated.push(id);
                    }
                    None => {
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO archive_records (record_number, id_number, person_name, record_type, year, station, \
                             region_code, title, text, source_file, source_position, content_hash, created_at, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
                        )
                        .bind(record_number(source_file, position))
                        .bind(&record.id_number)
                        .bind(&record.person_name)
                        .bind(&record.record_type)
                        .bind(i64::from(record.year))
                        .bind(&record.station)
                        .bind(&record.region_code)
                        .bind(&record.title)
                        .bind(&record.text)
                        .bind(source_file)
                        .bind(position)
                        .bind(&hash)
                        .bind(at)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(|e| StoreError::from_write(e, "档案号"))?;
                        outcome.inserted.push(id);
                    }
                }
            }
            outcome.removed = sqlx::query_scalar(
                "DELETE FROM archive_records WHERE source_file = $1 AND source_position > $2 RETURNING id",
            )
            .bind(source_file)
            .bind(records.len() as i64)
            .fetch_all(&mut *tx)
            .await?;
            if outcome.changed() {
                let entry = audit.clone().detail(serde_json::json!({
                    "inserted": outcome.inserted.len(),
                    "updated": outcome.updated.len(),
                    "removed": outcome.removed.len(),
                }));
                audit_in_tx!(&mut *tx, &entry)?;
            }
            tx.commit().await?;
        });
        Ok(outcome)
    }

    /// One record by id.
    pub async fn archive(&self, id: i64) -> Result<Option<StoredArchive>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, StoredArchive>(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM archive_records WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(pool)
            .await
        })?)
    }

    /// Records in id order after `after_id`, at most `limit` (a rebuild pages through all).
    pub async fn archives_after(&self, after_id: i64, limit: i64) -> Result<Vec<StoredArchive>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, StoredArchive>(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM archive_records WHERE id > $1 ORDER BY id LIMIT $2"
            )))
            .bind(after_id)
            .bind(limit)
            .fetch_all(pool)
            .await
        })?)
    }

    /// Records changed at or after `since` (an index catching up).
    pub async fn archives_changed_since(&self, since: DateTime<Utc>) -> Result<Vec<StoredArchive>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, StoredArchive>(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM archive_records WHERE updated_at >= $1 ORDER BY id"
            )))
            .bind(since)
            .fetch_all(pool)
            .await
        })?)
    }

    /// The count and newest change of the records.
    pub async fn archive_stamp(&self) -> Result<ArchiveStamp> {
        let (count, last_update): (i64, Option<DateTime<Utc>>) = on_pool!(self, pool => {
            sqlx::query_as("SELECT COUNT(*), MAX(updated_at) FROM archive_records")
                .fetch_one(pool)
                .await
        })?;
        Ok(ArchiveStamp { count, last_update })
    }

    /// Logs a question the Q&A refused.
    pub async fn log_unanswered(
        &self,
        question: &str,
        confidence: f64,
        channel: &str,
    ) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO qa_unanswered (asked_at, question, confidence, channel) VALUES ($1, $2, $3, $4)",
            )
            .bind(now())
            .bind(question)
            .bind(confidence)
            .bind(channel)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Refused questions, newest first.
    pub async fn list_unanswered(&self, page: PageRequest) -> Result<Page<UnansweredQuestion>> {
        let items = on_pool!(self, pool => {
            sqlx::query_as::<_, UnansweredQuestion>(
                "SELECT id, asked_at, question, confidence, channel FROM qa_unanswered \
                 ORDER BY id DESC LIMIT $1 OFFSET $2",
            )
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(pool)
            .await
        })?;
        let total: i64 = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM qa_unanswered").fetch_one(pool).await
        })?;
        Ok(Page {
            items,
            total,
            page: page.page,
            per_page: page.per_page,
        })
    }
}
