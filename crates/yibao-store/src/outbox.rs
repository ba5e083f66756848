//! The notification outbox: SMS rows written in the same transaction as the status change
//! they announce, delivered later by a worker.
//!
//! A worker claims one row at a time inside a transaction and keeps it locked while it
//! sends: on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so several server processes share the
//! queue and never send the same row twice; on SQLite one worker runs per database file. A
//! failed send is retried with exponential backoff; after `MAX_ATTEMPTS` the row is given
//! up and kept with its last error.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::BeginWrite;
use crate::{Pool, Result, Store, now, on_pool};

/// Attempts before a message is given up.
pub const MAX_ATTEMPTS: i32 = 8;

/// One SMS waiting to go out.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OutboxMessage {
    pub id: i64,
    pub case_id: i64,
    pub phone: String,
    pub body: String,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub sent_by: Option<String>,
    pub last_error: Option<String>,
}

/// What one delivery round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    pub sent: u32,
    pub failed: u32,
}

/// The wait before attempt `attempts + 1`: 5 s, 10 s, 20 s… capped at one hour.
pub fn backoff(attempts: i32) -> Duration {
    let seconds = 5i64 << attempts.clamp(0, 10);
    Duration::seconds(seconds.min(3600))
}

const COLUMNS: &str =
    "id, case_id, phone, body, attempts, created_at, sent_at, sent_by, last_error";

/// A claimed message: its row stays locked (PostgreSQL) until `finish` records the outcome.
pub struct OutboxClaim {
    transaction: ClaimTransaction,
    pub message: OutboxMessage,
}

enum ClaimTransaction {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

const MARK_SENT: &str = "UPDATE notification_outbox SET sent_at = $1, sent_by = $2, attempts = attempts + 1, \
     last_error = NULL WHERE id = $3";
const MARK_FAILED: &str = "UPDATE notification_outbox SET attempts = attempts + 1, next_attempt_at = $1, \
     last_error = $2 WHERE id = $3";

impl OutboxClaim {
    /// Records the send's outcome and releases the row: sent, or failed with a retry time.
    pub async fn finish(
        self,
        worker: &str,
        outcome: std::result::Result<(), String>,
    ) -> Result<bool> {
        let id = self.message.id;
        let attempts = self.message.attempts;
        let ok = outcome.is_ok();
        macro_rules! finish_on {
            ($tx:expr) => {{
                let mut tx = $tx;
                match &outcome {
                    Ok(()) => {
                        sqlx::query(MARK_SENT)
                            .bind(now())
                            .bind(worker)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    Err(error) => {
                        sqlx::query(MARK_FAILED)
                            .bind(now() + backoff(attempts))
                            .bind(error.chars().take(500).collect::<String>())
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                tx.commit().await?;
            }};
        }
        match self.transaction {
            ClaimTransaction::Sqlite(tx) => finish_on!(tx),
            ClaimTransaction::Postgres(tx) => finish_on!(tx),
        }
        Ok(ok)
    }
}

impl Store {
    /// Claims the oldest due message, if any, inside a transaction that holds it until the
    /// claim is finished; on PostgreSQL other workers skip the locked row.
    pub async fn claim_outbox(&self) -> Result<Option<OutboxClaim>> {
        let at = now();
        Ok(match &self.pool {
            Pool::Postgres(pool) => {
                let (_turn, mut tx) = pool.begin_write(&self.write_lock).await?;
                let message = sqlx::query_as::<_, OutboxMessage>(sqlx::AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM notification_outbox WHERE sent_at IS NULL AND attempts < $1 \
                     AND next_attempt_at <= $2 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
                )))
                .bind(MAX_ATTEMPTS)
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                message.map(|message| OutboxClaim {
                    transaction: ClaimTransaction::Postgres(tx),
                    message,
                })
            }
            Pool::Sqlite(pool) => {
                // BEGIN IMMEDIATE would be ideal; one worker per SQLite file makes a plain
                // transaction enough.
                let (_turn, mut tx) = pool.begin_write(&self.write_lock).await?;
                let message = sqlx::query_as::<_, OutboxMessage>(sqlx::AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM notification_outbox WHERE sent_at IS NULL AND attempts < $1 \
                     AND next_attempt_at <= $2 ORDER BY id LIMIT 1"
                )))
                .bind(MAX_ATTEMPTS)
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                message.map(|message| OutboxClaim {
                    transaction: ClaimTransaction::Sqlite(tx),
                    message,
                })
            }
        })
    }

    /// Delivers up to `limit` due messages through `send`, one transaction per message.
    /// `worker` is recorded on each sent row.
    pub async fn deliver_outbox<F>(
        &self,
        worker: &str,
        limit: u32,
        mut send: F,
    ) -> Result<DeliveryReport>
    where
        F: AsyncFnMut(&OutboxMessage) -> std::result::Result<(), String>,
    {
        let mut report = DeliveryReport::default();
        for _ in 0..limit {
            let Some(claim) = self.claim_outbox().await? else {
                break;
            };
            let outcome = send(&claim.message).await;
            if claim.finish(worker, outcome).await? {
                report.sent += 1;
            } else {
                report.failed += 1;
            }
        }
        Ok(report)
    }

    /// The messages of one case, oldest first.
    pub async fn case_notifications(&self, case_id: i64) -> Result<Vec<OutboxMessage>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, OutboxMessage>(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM notification_outbox WHERE case_id = $1 ORDER BY id"
            )))
            .bind(case_id)
            .fetch_all(pool)
            .await
        })?)
    }

    /// Counts of unsent and sent messages, for the health page and tests.
    pub async fn outbox_counts(&self) -> Result<(i64, i64)> {
        let (pending, sent): (i64, i64) = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT COALESCE(SUM(CASE WHEN sent_at IS NULL THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN sent_at IS NULL THEN 0 ELSE 1 END), 0) FROM notification_outbox",
            )
            .fetch_one(pool)
            .await
        })?;
        Ok((pending, sent))
    }
}
