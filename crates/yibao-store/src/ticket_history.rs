//! A station's ticket history as the tidal window planner reads it: rows imported from a
//! previous queue system (`counter_ticket_history`, replaced day by day on re-import) and the
//! tickets this system issued itself, with the handling time of the call that finished them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::BeginWrite;
use crate::audit::audit_in_tx;
use crate::{AuditEntry, Result, Store, StoreError, on_pool};

/// One imported ticket of a past day.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ImportedTicket {
    /// Local day, `YYYY-MM-DD`.
    pub day: String,
    /// Minutes since local midnight when the ticket was issued.
    pub minute_of_day: f64,
    /// The station's category prefix (`A`…).
    pub prefix: String,
    /// Handling time once called, minutes, when the old system recorded it.
    pub service_min: Option<f64>,
    pub priority: bool,
}

/// A ticket issued by this system, as history: when, which category, whether green, and the
/// bounds of the call that finished it (none for a no-show or a ticket still open).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IssuedTicketHistory {
    pub day: String,
    pub issued_at: DateTime<Utc>,
    pub category: String,
    pub green_reason: Option<String>,
    pub called_at: Option<DateTime<Utc>>,
    pub serving_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// Rows per multi-row `INSERT` (6 parameters each, well under SQLite's variable limit).
const CHUNK: usize = 250;

impl Store {
    /// Replaces the imported history of every day that `rows` covers with `rows`, in one
    /// transaction with its audit row; returns the number of rows stored. Every row must be
    /// of `station`'s categories (else `MissingReference`, and nothing changes).
    pub async fn import_ticket_history(
        &self,
        station: &str,
        rows: &[ImportedTicket],
        audit: &AuditEntry,
    ) -> Result<usize> {
        let mut days: Vec<&str> = rows.iter().map(|r| r.day.as_str()).collect();
        days.sort_unstable();
        days.dedup();
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            for day in &days {
                sqlx::query("DELETE FROM counter_ticket_history WHERE station_code = $1 AND day = $2")
                    .bind(station)
                    .bind(*day)
                    .execute(&mut *tx)
                    .await?;
            }
            for chunk in rows.chunks(CHUNK) {
                let values: Vec<String> = (0..chunk.len())
                    .map(|i| {
                        let b = i * 6;
                        format!("(${}, ${}, ${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6)
                    })
                    .collect();
                let sql = format!(
                    "INSERT INTO counter_ticket_history (station_code, day, minute_of_day, prefix, service_min, priority) VALUES {}",
                    values.join(", ")
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                for row in chunk {
                    query = query
                        .bind(station)
                        .bind(&row.day)
                        .bind(row.minute_of_day)
                        .bind(&row.prefix)
                        .bind(row.service_min)
                        .bind(row.priority);
                }
                query
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| StoreError::from_write(e, "业务类别"))?;
            }
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
        });
        Ok(rows.len())
    }

    /// The imported history of `station` on the local days `from..=to`, by day and minute.
    pub async fn imported_ticket_history(
        &self,
        station: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<ImportedTicket>> {
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, ImportedTicket>(
                "SELECT day, minute_of_day, prefix, service_min, priority FROM counter_ticket_history \
                 WHERE station_code = $1 AND day >= $2 AND day <= $3 ORDER BY day, minute_of_day, id",
            )
            .bind(station)
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows)
    }

    /// The tickets this system issued at `station` on the local days `from..=to`, each with
    /// the call that finished it, if any.
    pub async fn issued_ticket_history(
        &self,
        station: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<IssuedTicketHistory>> {
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, IssuedTicketHistory>(
                "SELECT t.day, t.issued_at, t.category, t.green_reason, c.called_at, c.serving_at, c.ended_at \
                 FROM counter_tickets t LEFT JOIN counter_calls c ON c.id = t.call_id AND c.outcome = 'finished' \
                 WHERE t.station_code = $1 AND t.day >= $2 AND t.day <= $3 ORDER BY t.id",
            )
            .bind(station)
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows)
    }
}
