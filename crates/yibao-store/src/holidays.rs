//! The editable working-day calendar: public holidays and make-up workdays.

use std::time::Duration;

use chrono::NaiveDate;
use yibao_domain::calendar::{CalendarDay, WorkingCalendar};

use crate::BeginWrite;
use crate::audit::audit_in_tx;
use crate::{AuditEntry, Result, Store, StoreError, now, on_pool};

impl Store {
    /// Every edited day, in date order.
    pub async fn calendar_days(&self) -> Result<Vec<CalendarDay>> {
        let rows: Vec<(NaiveDate, String, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT date, kind, name FROM holidays ORDER BY date")
                .fetch_all(pool)
                .await
        })?;
        rows.into_iter()
            .map(|(date, kind, name)| {
                Ok(CalendarDay {
                    date,
                    kind: kind
                        .parse()
                        .map_err(|_| StoreError::Corrupt(format!("日历 {date}：{kind}")))?,
                    name,
                })
            })
            .collect()
    }

    /// The calendar deadlines are counted on. Every intake and transition reads it, so it is
    /// kept in memory: dropped when this process edits the calendar, and read again after
    /// `CALENDAR_MAX_AGE` at the latest, for edits made by another process.
    pub async fn working_calendar(&self) -> Result<WorkingCalendar> {
        self.calendar
            .get_or_load((), async {
                Ok(WorkingCalendar::new(&self.calendar_days().await?))
            })
            .await
    }

    /// Sets (adds or replaces) days and removes others, with one audit row, in one
    /// transaction.
    pub async fn edit_calendar(
        &self,
        set: &[CalendarDay],
        remove: &[NaiveDate],
        actor: &str,
        audit: &AuditEntry,
    ) -> Result<()> {
        let at = now();
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            for date in remove {
                sqlx::query("DELETE FROM holidays WHERE date = $1")
                    .bind(*date)
                    .execute(&mut *tx)
                    .await?;
            }
            for day in set {
                sqlx::query(
                    "INSERT INTO holidays (date, kind, name, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (date) DO UPDATE SET kind = excluded.kind, name = excluded.name, \
                     updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                )
                .bind(day.date)
                .bind(day.kind.as_str())
                .bind(&day.name)
                .bind(actor)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
        });
        self.calendar.changed();
        Ok(())
    }
}

/// How long a process trusts its copy of the calendar.
pub(crate) const CALENDAR_MAX_AGE: Duration = Duration::from_secs(30);
