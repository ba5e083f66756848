//! Staff-edited policy knowledge-base entries (政策知识库): each replaces the generated or
//! bundled entry with the same id, or adds one. The store keeps the entry as JSON text and
//! knows nothing of its shape; saves carry the version read (optimistic) and their audit row.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::BeginWrite;
use crate::audit::audit_in_tx;
use crate::{AuditEntry, Result, Store, StoreError, now, on_pool};

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct StoredKbEntry {
    pub id: String,
    /// The entry as JSON.
    pub body: String,
    pub version: i64,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

impl Store {
    /// Every edited entry, by id.
    pub async fn kb_entries(&self) -> Result<Vec<StoredKbEntry>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, StoredKbEntry>(
                "SELECT id, body, version, updated_by, updated_at FROM qa_kb_entries ORDER BY id",
            )
            .fetch_all(pool)
            .await
        })?)
    }

    /// Saves an entry with its audit row: `version` `None` stores a first edit (a `Duplicate`
    /// if someone stored it meanwhile), `Some(v)` replaces version `v` (`StaleVersion` if it
    /// changed). Returns the new version.
    pub async fn save_kb_entry(
        &self,
        id: &str,
        body: &str,
        version: Option<i64>,
        actor: &str,
        audit: &AuditEntry,
    ) -> Result<i64> {
        let at = now();
        let saved = on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            let saved = match version {
                None => {
                    sqlx::query(
                        "INSERT INTO qa_kb_entries (id, body, version, updated_by, updated_at) VALUES ($1, $2, 1, $3, $4)",
                    )
                    .bind(id)
                    .bind(body)
                    .bind(actor)
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| StoreError::from_write(e, "知识库条目"))?;
                    1
                }
                Some(version) => {
                    let done = sqlx::query(
                        "UPDATE qa_kb_entries SET body = $1, version = version + 1, updated_by = $2, updated_at = $3 \
                         WHERE id = $4 AND version = $5",
                    )
                    .bind(body)
                    .bind(actor)
                    .bind(at)
                    .bind(id)
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::StaleVersion);
                    }
                    version + 1
                }
            };
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
            saved
        });
        Ok(saved)
    }
}
