//! The notification outbox: SMS rows written in the same transaction as the status change
//! they announce, delivered later by a worker.
//!
//! A worker claims a batch of due rows in one short transaction by pushing their retry time
//! past a lease (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so several server processes
//! share the queue and never claim the same row together), sends them outside any
//! transaction, and records the outcomes in a second short transaction. A worker that dies
//! in between leaves its rows to be claimed again when the lease runs out (delivery is at
//! least once). A failed send is retried with exponential backoff; after `MAX_ATTEMPTS` the
//! row is given up and kept with its last error.

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

/// How long a claimed message is reserved for the worker that claimed it. A worker that dies
/// between claim and record leaves its messages to be claimed again after this.
pub const LEASE_SECONDS: i64 = 60;

/// The outcome of one send, to be recorded.
pub struct SendOutcome<'a> {
    pub message: &'a OutboxMessage,
    pub result: std::result::Result<(), String>,
}

/// Marks rows sent; the caller appends the id list (`IN ($3, $4, …)`).
const MARK_SENT_WHERE: &str = "UPDATE notification_outbox SET sent_at = $1, sent_by = $2, \
     attempts = attempts + 1, last_error = NULL WHERE sent_at IS NULL AND id";
const MARK_FAILED: &str = "UPDATE notification_outbox SET attempts = attempts + 1, next_attempt_at = $1, \
     last_error = $2 WHERE id = $3 AND sent_at IS NULL";

impl Store {
    /// Claims up to `limit` due messages, oldest first, by moving their retry time past the
    /// lease, in one short transaction (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so
    /// concurrent workers take different rows). The sends then happen outside any
    /// transaction: a slow gateway never holds the database's write lock.
    pub async fn claim_outbox(&self, limit: u32) -> Result<Vec<OutboxMessage>> {
        self.claim_outbox_at(limit, now()).await
    }

    /// `claim_outbox` as if the clock read `at` (tests use it to step past a lease).
    pub async fn claim_outbox_at(
        &self,
        limit: u32,
        at: DateTime<Utc>,
    ) -> Result<Vec<OutboxMessage>> {
        let leased_until = at + Duration::seconds(LEASE_SECONDS);
        let skip_locked = match self.pool {
            Pool::Postgres(_) => " FOR UPDATE SKIP LOCKED",
            Pool::Sqlite(_) => "",
        };
        // One statement: the due rows are chosen and leased together, so a batch costs one
        // round trip however large it is. RETURNING gives no order; the batch is sorted after.
        let sql = format!(
            "UPDATE notification_outbox SET next_attempt_at = $4 WHERE id IN ( \
               SELECT id FROM notification_outbox WHERE sent_at IS NULL AND attempts < $1 \
               AND next_attempt_at <= $2 ORDER BY id LIMIT $3{skip_locked}) \
             RETURNING {COLUMNS}"
        );
        let mut messages = on_pool!(self, pool => {
            let mut turn = pool.write_turn_without_cases(&self.writer).await?;
            let mut tx = turn.begin().await?;
            let messages = sqlx::query_as::<_, OutboxMessage>(sqlx::AssertSqlSafe(sql))
                .bind(MAX_ATTEMPTS)
                .bind(at)
                .bind(i64::from(limit))
                .bind(leased_until)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            messages
        });
        messages.sort_by_key(|message| message.id);
        Ok(messages)
    }

    /// Records sends in one transaction: sent (by `worker`), or failed with its error and a
    /// retry time after the backoff.
    pub async fn record_outbox(
        &self,
        worker: &str,
        outcomes: &[SendOutcome<'_>],
    ) -> Result<DeliveryReport> {
        let at = now();
        let mut report = DeliveryReport::default();
        let sent: Vec<i64> = outcomes
            .iter()
            .filter(|outcome| outcome.result.is_ok())
            .map(|outcome| outcome.message.id)
            .collect();
        // The sent rows in one statement (`$3, $4, …` are their ids); the failed ones, rare
        // and each with its own error and retry time, one by one.
        let mark_sent = format!(
            "{MARK_SENT_WHERE} IN ({})",
            (3..sent.len() + 3)
                .map(|k| format!("${k}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        on_pool!(self, pool => {
            let mut turn = pool.write_turn_without_cases(&self.writer).await?;
            let mut tx = turn.begin().await?;
            if !sent.is_empty() {
                let mut query = sqlx::query(sqlx::AssertSqlSafe(mark_sent)).bind(at).bind(worker);
                for id in &sent {
                    query = query.bind(*id);
                }
                query.execute(&mut *tx).await?;
                report.sent += sent.len() as u32;
            }
            for outcome in outcomes {
                if let Err(error) = &outcome.result {
                    sqlx::query(MARK_FAILED)
                        .bind(at + backoff(outcome.message.attempts))
                        .bind(error.chars().take(500).collect::<String>())
                        .bind(outcome.message.id)
                        .execute(&mut *tx)
                        .await?;
                    report.failed += 1;
                }
            }
            tx.commit().await?;
        });
        Ok(report)
    }

    /// Delivers up to `limit` due messages through `send`: claimed in batches, sent one by
    /// one outside any transaction, each batch's outcomes recorded together. `worker` is
    /// recorded on each sent row.
    pub async fn deliver_outbox<F>(
        &self,
        worker: &str,
        limit: u32,
        mut send: F,
    ) -> Result<DeliveryReport>
    where
        F: AsyncFnMut(&OutboxMessage) -> std::result::Result<(), String>,
    {
        const BATCH: u32 = 32;
        let mut report = DeliveryReport::default();
        while report.sent + report.failed < limit {
            let claimed = self
                .claim_outbox(BATCH.min(limit - report.sent - report.failed))
                .await?;
            if claimed.is_empty() {
                break;
            }
            let mut outcomes = Vec::with_capacity(claimed.len());
            for message in &claimed {
                let result = send(message).await;
                outcomes.push(SendOutcome { message, result });
            }
            let done = self.record_outbox(worker, &outcomes).await?;
            report.sent += done.sent;
            report.failed += done.failed;
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
