//! The counter's tables: business categories and windows per station, daily ticket numbers,
//! tickets, calls (one row per time a window called a ticket), appointment calendars, per-slot
//! booking counters and appointments.
//!
//! Concurrency: a ticket is claimed by a window with a conditional
//! `UPDATE … WHERE id = $1 AND status = 'waiting'`; only one window's update can match, the
//! others see zero rows and pick again, so no ticket is ever called twice on either backend.
//! Daily numbers come from an upsert on `counter_sequences` that increments and returns the
//! counter in one statement; slot capacity from a conditional increment of
//! `counter_slot_bookings.taken`. Every write commits its audit row in the same transaction.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::BeginWrite;
use crate::audit::audit_in_tx;
use crate::{AuditEntry, Pool, Result, Store, StoreError, on_pool};

/// A business category of a station (ticket prefix `A`, name 参保登记…).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CounterCategory {
    pub station_code: String,
    pub prefix: String,
    pub name: String,
    pub position: i64,
}

/// A service window with the categories it serves and the clerk signed in at it.
#[derive(Debug, Clone, Serialize)]
pub struct CounterWindow {
    pub id: i64,
    pub station_code: String,
    pub number: i64,
    pub name: String,
    pub open: bool,
    pub clerk: Option<String>,
    pub clerk_name: Option<String>,
    pub version: i64,
    pub categories: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct WindowRow {
    id: i64,
    station_code: String,
    number: i64,
    name: String,
    open: bool,
    clerk: Option<String>,
    clerk_name: Option<String>,
    version: i64,
}

const WINDOW_COLUMNS: &str = "id, station_code, number, name, open, clerk, clerk_name, version";

impl WindowRow {
    fn with_categories(self, categories: Vec<String>) -> CounterWindow {
        CounterWindow {
            categories,
            id: self.id,
            station_code: self.station_code,
            number: self.number,
            name: self.name,
            open: self.open,
            clerk: self.clerk,
            clerk_name: self.clerk_name,
            version: self.version,
        }
    }
}

/// A ticket as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StoredTicket {
    pub id: i64,
    pub station_code: String,
    pub day: String,
    pub number: String,
    pub category: String,
    pub status: String,
    pub green_reason: Option<String>,
    pub appointment_id: Option<i64>,
    pub slot_start: Option<DateTime<Utc>>,
    pub issued_at: DateTime<Utc>,
    pub queued_at: DateTime<Utc>,
    pub window_id: Option<i64>,
    pub call_id: Option<i64>,
}

/// How long a process trusts its copy of a station's counter categories: edits made by this
/// process drop it at once, edits by another server process show after this.
pub(crate) const CATEGORIES_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(5);
pub(crate) const CATEGORIES_MAX_ENTRIES: usize = 10_000;

const TICKET_COLUMNS: &str = "id, station_code, day, number, category, status, green_reason, appointment_id, slot_start, issued_at, queued_at, window_id, call_id";

/// One call of a ticket by a window, with how it ended.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CallRecord {
    pub id: i64,
    pub ticket_id: i64,
    pub number: String,
    pub category: String,
    pub window_id: i64,
    pub window_number: i64,
    pub clerk: String,
    pub reason: String,
    pub queued_at: DateTime<Utc>,
    pub called_at: DateTime<Utc>,
    pub last_called_at: DateTime<Utc>,
    pub recalls: i64,
    pub serving_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
}

const CALL_COLUMNS: &str = "id, ticket_id, number, category, window_id, window_number, clerk, reason, queued_at, called_at, last_called_at, recalls, serving_at, ended_at, outcome";

/// A ticket about to be issued.
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub station_code: String,
    pub prefix: String,
    pub day: String,
    pub green_reason: Option<String>,
    pub appointment_id: Option<i64>,
    pub slot_start: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
}

/// A window's claim on a ticket.
#[derive(Debug, Clone)]
pub struct Claim {
    pub ticket_id: i64,
    pub window_id: i64,
    pub window_number: i64,
    pub clerk: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// How a clerk moves the ticket at their window.
#[derive(Debug, Clone)]
pub enum TicketMove {
    Recall,
    Serve,
    Finish,
    NoShow,
    Transfer { to_category: String },
}

/// A category's appointment calendar as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StoredCalendar {
    pub station_code: String,
    pub prefix: String,
    pub hours: String,
    pub slot_minutes: i64,
    pub capacity: i64,
}

/// An appointment as stored (the full ID number only leaves through `id_number`; callers
/// mask it for display).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredAppointment {
    pub id: i64,
    pub station_code: String,
    pub prefix: String,
    pub slot_start: DateTime<Utc>,
    pub slot_end: DateTime<Utc>,
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub status: String,
    pub ticket_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

const APPOINTMENT_COLUMNS: &str = "id, station_code, prefix, slot_start, slot_end, name, phone, id_number, status, ticket_id, created_at, updated_at, version";

/// A new appointment.
#[derive(Debug, Clone)]
pub struct NewAppointment {
    pub station_code: String,
    pub prefix: String,
    pub slot_start: DateTime<Utc>,
    pub slot_end: DateTime<Utc>,
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub capacity: i64,
}

/// Why a booking was refused inside the transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingOutcome {
    Booked(i64),
    Full,
}

/// Inserts the ticket with the next daily number of its category, inside an open transaction.
macro_rules! issue_in_tx {
    ($tx:expr, $new:expr) => {{
        let new: &NewTicket = $new;
        let sequence: i64 = sqlx::query_scalar(
            "INSERT INTO counter_sequences (station_code, prefix, day, last) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (station_code, prefix, day) DO UPDATE SET last = counter_sequences.last + 1 \
             RETURNING last",
        )
        .bind(&new.station_code)
        .bind(&new.prefix)
        .bind(&new.day)
        .fetch_one(&mut *$tx)
        .await?;
        let number = format!("{}{:03}", new.prefix, sequence);
        let ticket: StoredTicket = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO counter_tickets (station_code, day, number, category, status, green_reason, appointment_id, slot_start, issued_at, queued_at) \
             VALUES ($1, $2, $3, $4, 'waiting', $5, $6, $7, $8, $8) RETURNING {TICKET_COLUMNS}"
        )))
        .bind(&new.station_code)
        .bind(&new.day)
        .bind(&number)
        .bind(&new.prefix)
        .bind(&new.green_reason)
        .bind(new.appointment_id)
        .bind(new.slot_start)
        .bind(new.at)
        .fetch_one(&mut *$tx)
        .await
        .map_err(|e| StoreError::from_write(e, "号票"))?;
        ticket
    }};
}

/// Takes one place in a slot if it has room; evaluates to whether it did.
macro_rules! take_slot {
    ($tx:expr, $station:expr, $prefix:expr, $start:expr, $capacity:expr) => {{
        sqlx::query(
            "INSERT INTO counter_slot_bookings (station_code, prefix, slot_start, taken) VALUES ($1, $2, $3, 0) \
             ON CONFLICT (station_code, prefix, slot_start) DO NOTHING",
        )
        .bind($station)
        .bind($prefix)
        .bind($start)
        .execute(&mut *$tx)
        .await?;
        let done = sqlx::query(
            "UPDATE counter_slot_bookings SET taken = taken + 1 WHERE station_code = $1 AND prefix = $2 AND slot_start = $3 AND taken < $4",
        )
        .bind($station)
        .bind($prefix)
        .bind($start)
        .bind($capacity)
        .execute(&mut *$tx)
        .await?;
        done.rows_affected() == 1
    }};
}

/// Gives back the place an appointment held in its slot.
macro_rules! release_slot {
    ($tx:expr, $appointment:expr) => {{
        let appointment: &StoredAppointment = $appointment;
        sqlx::query(
            "UPDATE counter_slot_bookings SET taken = taken - 1 WHERE station_code = $1 AND prefix = $2 AND slot_start = $3 AND taken > 0",
        )
        .bind(&appointment.station_code)
        .bind(&appointment.prefix)
        .bind(appointment.slot_start)
        .execute(&mut *$tx)
        .await?;
    }};
}

impl Store {
    // ------------------------------------------------------------------ categories, windows

    /// Creates or renames a category.
    pub async fn upsert_counter_category(
        &self,
        category: &CounterCategory,
        audit: &AuditEntry,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            sqlx::query(
                "INSERT INTO counter_categories (station_code, prefix, name, position) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (station_code, prefix) DO UPDATE SET name = $3, position = $4",
            )
            .bind(&category.station_code)
            .bind(&category.prefix)
            .bind(&category.name)
            .bind(category.position)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::from_write(e, "业务类别"))?;
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
        });
        self.categories.changed();
        Ok(())
    }

    /// A station's categories in display order. Kept in memory for `CATEGORIES_MAX_AGE`
    /// (a change made by this process is seen at once, one made by another server process on
    /// the same PostgreSQL database within that time).
    pub async fn counter_categories(&self, station: &str) -> Result<Vec<CounterCategory>> {
        let read = async {
            Ok(on_pool!(self, pool => {
                sqlx::query_as::<_, CounterCategory>(
                    "SELECT station_code, prefix, name, position FROM counter_categories WHERE station_code = $1 ORDER BY position, prefix",
                )
                .bind(station)
                .fetch_all(pool)
                .await
            })?)
        };
        self.categories.get_or_load(station.to_owned(), read).await
    }

    /// Creates a window serving `categories`; returns its id.
    pub async fn create_counter_window(
        &self,
        station: &str,
        number: i64,
        name: &str,
        categories: &[String],
        audit: &AuditEntry,
    ) -> Result<i64> {
        let id = on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO counter_windows (station_code, number, name, open) VALUES ($1, $2, $3, TRUE) RETURNING id",
            )
            .bind(station)
            .bind(number)
            .bind(name)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StoreError::from_write(e, &format!("{number} 号窗口")))?;
            for prefix in categories {
                sqlx::query("INSERT INTO counter_window_categories (window_id, station_code, prefix) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(station)
                    .bind(prefix)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| StoreError::from_write(e, &format!("业务类别 {prefix}")))?;
            }
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Changes a window's name, open flag and category set (潮汐窗口: a window moves between
    /// kinds of business); refused with `StaleVersion` if someone changed it meanwhile.
    pub async fn update_counter_window(
        &self,
        window: &CounterWindow,
        audit: &AuditEntry,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            let done = sqlx::query(
                "UPDATE counter_windows SET name = $1, open = $2, version = version + 1 WHERE id = $3 AND version = $4",
            )
            .bind(&window.name)
            .bind(window.open)
            .bind(window.id)
            .bind(window.version)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::StaleVersion);
            }
            sqlx::query("DELETE FROM counter_window_categories WHERE window_id = $1")
                .bind(window.id)
                .execute(&mut *tx)
                .await?;
            for prefix in &window.categories {
                sqlx::query("INSERT INTO counter_window_categories (window_id, station_code, prefix) VALUES ($1, $2, $3)")
                    .bind(window.id)
                    .bind(&window.station_code)
                    .bind(prefix)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| StoreError::from_write(e, &format!("业务类别 {prefix}")))?;
            }
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Signs a clerk in at a window (or out, with `None`).
    pub async fn set_window_clerk(
        &self,
        window_id: i64,
        clerk: Option<(&str, &str)>,
        audit: &AuditEntry,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            let done = sqlx::query("UPDATE counter_windows SET clerk = $1, clerk_name = $2, version = version + 1 WHERE id = $3")
                .bind(clerk.map(|c| c.0))
                .bind(clerk.map(|c| c.1))
                .bind(window_id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn counter_windows(&self, station: &str) -> Result<Vec<CounterWindow>> {
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, WindowRow>(sqlx::AssertSqlSafe(format!(
                "SELECT {WINDOW_COLUMNS} FROM counter_windows WHERE station_code = $1 ORDER BY number"
            )))
            .bind(station)
            .fetch_all(pool)
            .await
        })?;
        let links: Vec<(i64, String)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT wc.window_id, wc.prefix FROM counter_window_categories wc JOIN counter_categories c \
                 ON c.station_code = wc.station_code AND c.prefix = wc.prefix WHERE wc.station_code = $1 ORDER BY c.position, c.prefix",
            )
            .bind(station)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let categories = links
                    .iter()
                    .filter(|(id, _)| *id == row.id)
                    .map(|(_, prefix)| prefix.clone())
                    .collect();
                row.with_categories(categories)
            })
            .collect())
    }

    /// One window with its categories (every call and clerk move reads it).
    pub async fn counter_window(&self, window_id: i64) -> Result<Option<CounterWindow>> {
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, WindowRow>(sqlx::AssertSqlSafe(format!(
                "SELECT {WINDOW_COLUMNS} FROM counter_windows WHERE id = $1"
            )))
            .bind(window_id)
            .fetch_optional(pool)
            .await
        })?;
        let Some(row) = row else {
            return Ok(None);
        };
        let categories: Vec<String> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT wc.prefix FROM counter_window_categories wc JOIN counter_categories c \
                 ON c.station_code = wc.station_code AND c.prefix = wc.prefix WHERE wc.window_id = $1 ORDER BY c.position, c.prefix",
            )
            .bind(window_id)
            .fetch_all(pool)
            .await
        })?;
        Ok(Some(row.with_categories(categories)))
    }

    // ------------------------------------------------------------------------------ tickets

    /// Issues a ticket with the next daily number of its category; returns it as stored.
    pub async fn issue_ticket(&self, new: &NewTicket, audit: &AuditEntry) -> Result<StoredTicket> {
        let issued = on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            let issued = issue_in_tx!(tx, new);
            let mut audit = audit.clone();
            audit.entity_id = format!("{}/{}/{}", new.station_code, new.day, issued.number);
            audit_in_tx!(&mut *tx, &audit)?;
            tx.commit().await?;
            issued
        });
        Ok(issued)
    }

    pub async fn ticket(&self, id: i64) -> Result<Option<StoredTicket>> {
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, StoredTicket>(sqlx::AssertSqlSafe(format!("SELECT {TICKET_COLUMNS} FROM counter_tickets WHERE id = $1")))
                .bind(id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row)
    }

    /// Every ticket waiting at a station on a local day (the queue is short: one hall's
    /// waiting residents); tickets left from earlier days are never called.
    pub async fn waiting_tickets(&self, station: &str, day: &str) -> Result<Vec<StoredTicket>> {
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, StoredTicket>(sqlx::AssertSqlSafe(format!(
                "SELECT {TICKET_COLUMNS} FROM counter_tickets WHERE station_code = $1 AND status = 'waiting' AND day = $2 ORDER BY id"
            )))
            .bind(station)
            .bind(day)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows)
    }

    /// The ticket a window is handling now (called or serving), if any.
    pub async fn window_ticket(&self, window_id: i64) -> Result<Option<StoredTicket>> {
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, StoredTicket>(sqlx::AssertSqlSafe(format!(
                "SELECT {TICKET_COLUMNS} FROM counter_tickets WHERE window_id = $1 AND status IN ('called', 'serving') ORDER BY id DESC LIMIT 1"
            )))
            .bind(window_id)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row)
    }

    /// The reasons of a window's latest calls, newest first.
    pub async fn recent_call_reasons(&self, window_id: i64, limit: i64) -> Result<Vec<String>> {
        let rows = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT reason FROM counter_calls WHERE window_id = $1 ORDER BY id DESC LIMIT $2")
                .bind(window_id)
                .bind(limit)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows)
    }

    /// Claims a waiting ticket for a window: `None` when another window took it first.
    pub async fn claim_ticket(
        &self,
        claim: &Claim,
        audit: &AuditEntry,
    ) -> Result<Option<StoredTicket>> {
        // The call row is written first from the ticket as it waits; the conditional UPDATE
        // then decides: if another window took the ticket meanwhile it changes no row and the
        // transaction (call row included) is rolled back. The UPDATE returns the called ticket,
        // so the caller needs no second read.
        let claimed = on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            let call_id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO counter_calls (ticket_id, station_code, day, number, category, window_id, window_number, clerk, reason, queued_at, called_at, last_called_at) \
                 SELECT id, station_code, day, number, category, $1, $2, $3, $4, queued_at, $5, $5 FROM counter_tickets WHERE id = $6 AND status = 'waiting' RETURNING id",
            )
            .bind(claim.window_id)
            .bind(claim.window_number)
            .bind(&claim.clerk)
            .bind(&claim.reason)
            .bind(claim.at)
            .bind(claim.ticket_id)
            .fetch_optional(&mut *tx)
            .await?;
            let ticket = match call_id {
                None => None,
                Some(call_id) => {
                    sqlx::query_as::<_, StoredTicket>(sqlx::AssertSqlSafe(format!(
                        "UPDATE counter_tickets SET status = 'called', window_id = $1, call_id = $2 \
                         WHERE id = $3 AND status = 'waiting' RETURNING {TICKET_COLUMNS}"
                    )))
                    .bind(claim.window_id)
                    .bind(call_id)
                    .bind(claim.ticket_id)
                    .fetch_optional(&mut *tx)
                    .await?
                }
            };
            if ticket.is_some() {
                audit_in_tx!(&mut *tx, audit)?;
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            ticket
        });
        Ok(claimed)
    }

    /// Applies a clerk's move to the ticket at a window, if it is still in `from` status there
    /// (`StaleVersion` otherwise, e.g. a double click).
    pub async fn move_ticket(
        &self,
        ticket: &StoredTicket,
        to_status: &str,
        step: &TicketMove,
        at: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> Result<()> {
        let call_id = ticket.call_id.ok_or(StoreError::StaleVersion)?;
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            let done = match step {
                TicketMove::Transfer { to_category } => sqlx::query(
                    "UPDATE counter_tickets SET status = $1, category = $2, window_id = NULL, call_id = NULL WHERE id = $3 AND status = $4 AND call_id = $5",
                )
                .bind(to_status)
                .bind(to_category)
                .bind(ticket.id)
                .bind(&ticket.status)
                .bind(call_id)
                .execute(&mut *tx)
                .await?,
                _ => sqlx::query("UPDATE counter_tickets SET status = $1 WHERE id = $2 AND status = $3 AND call_id = $4")
                    .bind(to_status)
                    .bind(ticket.id)
                    .bind(&ticket.status)
                    .bind(call_id)
                    .execute(&mut *tx)
                    .await?,
            };
            if done.rows_affected() == 0 {
                return Err(StoreError::StaleVersion);
            }
            let (sql, outcome): (&'static str, Option<&str>) = match step {
                TicketMove::Recall => ("UPDATE counter_calls SET recalls = recalls + 1, last_called_at = $1 WHERE id = $2", None),
                TicketMove::Serve => ("UPDATE counter_calls SET serving_at = $1 WHERE id = $2", None),
                TicketMove::Finish => ("UPDATE counter_calls SET ended_at = $1, outcome = $3 WHERE id = $2", Some("finished")),
                TicketMove::NoShow => ("UPDATE counter_calls SET ended_at = $1, outcome = $3 WHERE id = $2", Some("no_show")),
                TicketMove::Transfer { .. } => ("UPDATE counter_calls SET ended_at = $1, outcome = $3 WHERE id = $2", Some("transferred")),
            };
            let mut query = sqlx::query(sql).bind(at).bind(call_id);
            if let Some(outcome) = outcome {
                query = query.bind(outcome);
            }
            query.execute(&mut *tx).await?;
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The station's latest calls (recalls count as new), newest first, for the display board.
    pub async fn latest_calls(&self, station: &str, limit: i64) -> Result<Vec<CallRecord>> {
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, CallRecord>(sqlx::AssertSqlSafe(format!(
                "SELECT {CALL_COLUMNS} FROM counter_calls WHERE station_code = $1 ORDER BY last_called_at DESC, id DESC LIMIT $2"
            )))
            .bind(station)
            .bind(limit)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows)
    }

    /// Every call of a station on the local days `from..=to` (`YYYY-MM-DD`), for statistics and
    /// the handling-time estimate.
    pub async fn calls_between(
        &self,
        station: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<CallRecord>> {
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, CallRecord>(sqlx::AssertSqlSafe(format!(
                "SELECT {CALL_COLUMNS} FROM counter_calls WHERE station_code = $1 AND day >= $2 AND day <= $3 ORDER BY id"
            )))
            .bind(station)
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows)
    }

    /// The finished calls of a station since `since`, newest first (for the recent mean
    /// handling time).
    pub async fn recent_finished_calls(
        &self,
        station: &str,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<CallRecord>> {
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, CallRecord>(sqlx::AssertSqlSafe(format!(
                "SELECT {CALL_COLUMNS} FROM counter_calls WHERE station_code = $1 AND outcome = 'finished' AND ended_at >= $2 ORDER BY ended_at DESC LIMIT $3"
            )))
            .bind(station)
            .bind(since)
            .bind(limit)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows)
    }

    /// How many tickets of one category wait at a station on a local day.
    pub async fn count_waiting(&self, station: &str, day: &str, category: &str) -> Result<i64> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM counter_tickets WHERE station_code = $1 AND status = 'waiting' AND day = $2 \
                 AND category = $3",
            )
            .bind(station)
            .bind(day)
            .bind(category)
            .fetch_one(pool)
            .await
        })?)
    }

    /// The mean handling time in seconds (from serving, or from the call if serving was not
    /// marked, to the end) of a station's latest `limit` finished calls since `since`, of one
    /// category or of all; `None` when there are none. Computed in the database, so no rows
    /// travel for it.
    pub async fn mean_handling_seconds(
        &self,
        station: &str,
        since: DateTime<Utc>,
        category: Option<&str>,
        limit: i64,
    ) -> Result<Option<f64>> {
        let seconds = match self.pool {
            Pool::Sqlite(_) => {
                "(julianday(ended_at) - julianday(COALESCE(serving_at, called_at))) * 86400.0"
            }
            Pool::Postgres(_) => {
                "EXTRACT(EPOCH FROM (ended_at - COALESCE(serving_at, called_at)))::float8"
            }
        };
        // Two forms rather than `($3 IS NULL OR category = $3)`, so that each walks its own
        // index (counter_calls_finished_category / counter_calls_finished) from the newest.
        let filter = if category.is_some() {
            "AND category = $4"
        } else {
            ""
        };
        Ok(on_pool!(self, pool => {
            let query = sqlx::query_scalar::<_, Option<f64>>(sqlx::AssertSqlSafe(format!(
                "SELECT AVG(CASE WHEN s < 0 THEN 0.0 ELSE s END) FROM (SELECT {seconds} AS s FROM counter_calls \
                 WHERE station_code = $1 AND outcome = 'finished' AND ended_at >= $2 {filter} \
                 ORDER BY ended_at DESC LIMIT $3) recent"
            )))
            .bind(station)
            .bind(since)
            .bind(limit);
            let query = match category {
                Some(category) => query.bind(category),
                None => query,
            };
            query.fetch_one(pool).await
        })?)
    }

    /// Tickets of a station on one day, for the clerk's and the statistics pages.
    pub async fn tickets_of_day(&self, station: &str, day: &str) -> Result<Vec<StoredTicket>> {
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, StoredTicket>(sqlx::AssertSqlSafe(format!(
                "SELECT {TICKET_COLUMNS} FROM counter_tickets WHERE station_code = $1 AND day = $2 ORDER BY id"
            )))
            .bind(station)
            .bind(day)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows)
    }

    // ------------------------------------------------------------------------- appointments

    pub async fn set_counter_calendar(
        &self,
        calendar: &StoredCalendar,
        audit: &AuditEntry,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            sqlx::query(
                "INSERT INTO counter_calendars (station_code, prefix, hours, slot_minutes, capacity) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (station_code, prefix) DO UPDATE SET hours = $3, slot_minutes = $4, capacity = $5",
            )
            .bind(&calendar.station_code)
            .bind(&calendar.prefix)
            .bind(&calendar.hours)
            .bind(calendar.slot_minutes)
            .bind(calendar.capacity)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::from_write(e, "业务类别"))?;
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn counter_calendars(&self, station: &str) -> Result<Vec<StoredCalendar>> {
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, StoredCalendar>(
                "SELECT station_code, prefix, hours, slot_minutes, capacity FROM counter_calendars WHERE station_code = $1 ORDER BY prefix",
            )
            .bind(station)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows)
    }

    /// Bookings held per slot start of one category between two instants.
    pub async fn slot_bookings(
        &self,
        station: &str,
        prefix: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, i64)>> {
        let rows = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT slot_start, taken FROM counter_slot_bookings WHERE station_code = $1 AND prefix = $2 AND slot_start >= $3 AND slot_start < $4",
            )
            .bind(station)
            .bind(prefix)
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows)
    }

    /// Books an appointment if its slot has room: the slot counter is incremented only while
    /// below capacity, in the same transaction as the appointment and its audit row.
    pub async fn book_appointment(
        &self,
        new: &NewAppointment,
        audit: &AuditEntry,
    ) -> Result<BookingOutcome> {
        let at = crate::now();
        let outcome = on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            if !take_slot!(tx, &new.station_code, &new.prefix, new.slot_start, new.capacity) {
                tx.rollback().await?;
                BookingOutcome::Full
            } else {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO counter_appointments (station_code, prefix, slot_start, slot_end, name, phone, id_number, status, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'booked', $8, $8) RETURNING id",
                )
                .bind(&new.station_code)
                .bind(&new.prefix)
                .bind(new.slot_start)
                .bind(new.slot_end)
                .bind(&new.name)
                .bind(&new.phone)
                .bind(&new.id_number)
                .bind(at)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| StoreError::from_write(e, "预约"))?;
                let mut audit = audit.clone();
                audit.entity_id = id.to_string();
                audit_in_tx!(&mut *tx, &audit)?;
                tx.commit().await?;
                BookingOutcome::Booked(id)
            }
        });
        Ok(outcome)
    }

    /// Moves a booked appointment to another slot (with room) of the same category.
    pub async fn change_appointment(
        &self,
        appointment: &StoredAppointment,
        slot_start: DateTime<Utc>,
        slot_end: DateTime<Utc>,
        capacity: i64,
        audit: &AuditEntry,
    ) -> Result<BookingOutcome> {
        let at = crate::now();
        let outcome = on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            if !take_slot!(tx, &appointment.station_code, &appointment.prefix, slot_start, capacity) {
                tx.rollback().await?;
                BookingOutcome::Full
            } else {
                release_slot!(tx, appointment);
                let done = sqlx::query(
                    "UPDATE counter_appointments SET slot_start = $1, slot_end = $2, updated_at = $3, version = version + 1 \
                     WHERE id = $4 AND version = $5 AND status = 'booked'",
                )
                .bind(slot_start)
                .bind(slot_end)
                .bind(at)
                .bind(appointment.id)
                .bind(appointment.version)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::StaleVersion);
                }
                audit_in_tx!(&mut *tx, audit)?;
                tx.commit().await?;
                BookingOutcome::Booked(appointment.id)
            }
        });
        Ok(outcome)
    }

    /// Sets a booked appointment's final status (`cancelled` frees its place; `no_show` keeps
    /// the count, since the slot is over).
    pub async fn close_appointment(
        &self,
        appointment: &StoredAppointment,
        status: &str,
        audit: &AuditEntry,
    ) -> Result<()> {
        let at = crate::now();
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            let done = sqlx::query(
                "UPDATE counter_appointments SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4 AND status = 'booked'",
            )
            .bind(status)
            .bind(at)
            .bind(appointment.id)
            .bind(appointment.version)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::StaleVersion);
            }
            if status == "cancelled" {
                release_slot!(tx, appointment);
            }
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Checks an appointment in: its status becomes `checked_in` and a ticket joins the queue
    /// with the slot's start, in one transaction. Returns the ticket id and number.
    pub async fn check_in_appointment(
        &self,
        appointment: &StoredAppointment,
        ticket: &NewTicket,
        audit: &AuditEntry,
    ) -> Result<(i64, String)> {
        let issued = on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            let issued = issue_in_tx!(tx, ticket);
            let done = sqlx::query(
                "UPDATE counter_appointments SET status = 'checked_in', ticket_id = $1, updated_at = $2, version = version + 1 \
                 WHERE id = $3 AND version = $4 AND status = 'booked'",
            )
            .bind(issued.id)
            .bind(ticket.at)
            .bind(appointment.id)
            .bind(appointment.version)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::StaleVersion);
            }
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
            (issued.id, issued.number)
        });
        Ok(issued)
    }

    pub async fn appointment(&self, id: i64) -> Result<Option<StoredAppointment>> {
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, StoredAppointment>(sqlx::AssertSqlSafe(format!(
                "SELECT {APPOINTMENT_COLUMNS} FROM counter_appointments WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row)
    }

    /// Appointments of a station whose slot starts in `[from, to)`.
    pub async fn appointments_between(
        &self,
        station: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<StoredAppointment>> {
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, StoredAppointment>(sqlx::AssertSqlSafe(format!(
                "SELECT {APPOINTMENT_COLUMNS} FROM counter_appointments WHERE station_code = $1 AND slot_start >= $2 AND slot_start < $3 ORDER BY slot_start, id"
            )))
            .bind(station)
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows)
    }

    /// An active (booked or checked-in) appointment of the same person, category and day.
    pub async fn active_appointment_of(
        &self,
        station: &str,
        prefix: &str,
        id_number: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let row = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT id FROM counter_appointments WHERE station_code = $1 AND prefix = $2 AND id_number = $3 \
                 AND slot_start >= $4 AND slot_start < $5 AND status IN ('booked', 'checked_in') LIMIT 1",
            )
            .bind(station)
            .bind(prefix)
            .bind(id_number)
            .bind(from)
            .bind(to)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row)
    }
}
