//! The delegation matrix: station × item → mode. A missing row means "not handled".

use chrono::{DateTime, Utc};
use serde::Serialize;
use yibao_domain::{HandlingMode, RegionCode};

use crate::BeginWrite;
use crate::audit::audit_in_tx;
use crate::stations::{STATION_COLUMNS, StationRow};
use crate::{AuditEntry, Result, Station, Store, StoreError, now, on_pool, prefix_end};

/// One cell of the matrix.
#[derive(Debug, Clone, Serialize)]
pub struct Delegation {
    pub station_code: String,
    pub item_code: String,
    pub mode: HandlingMode,
    /// Set when an administrator let a station complete an item below its guide level.
    pub override_reason: Option<String>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// A change to apply.
#[derive(Debug, Clone)]
pub struct DelegationChange {
    pub station_code: String,
    pub item_code: String,
    pub mode: HandlingMode,
    pub override_reason: Option<String>,
}

/// A station that handles some item, with how.
#[derive(Debug, Clone, Serialize)]
pub struct StationHandling {
    pub station: Station,
    pub mode: HandlingMode,
}

#[derive(sqlx::FromRow)]
struct DelegationRow {
    station_code: String,
    item_code: String,
    mode: String,
    override_reason: Option<String>,
    updated_by: String,
    updated_at: DateTime<Utc>,
}

impl TryFrom<DelegationRow> for Delegation {
    type Error = StoreError;
    fn try_from(row: DelegationRow) -> Result<Delegation> {
        Ok(Delegation {
            mode: row
                .mode
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("办理方式 {}", row.mode)))?,
            station_code: row.station_code,
            item_code: row.item_code,
            override_reason: row.override_reason,
            updated_by: row.updated_by,
            updated_at: row.updated_at,
        })
    }
}

impl Store {
    pub async fn station_delegations(&self, station_code: &str) -> Result<Vec<Delegation>> {
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, DelegationRow>(
                "SELECT station_code, item_code, mode, override_reason, updated_by, updated_at FROM delegations \
                 WHERE station_code = $1 ORDER BY item_code",
            )
            .bind(station_code)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(Delegation::try_from).collect()
    }

    /// Delegations of every station inside a region, for matrix views and exports.
    pub async fn delegations_in(&self, region: Option<&RegionCode>) -> Result<Vec<Delegation>> {
        let scope = region.map(|c| c.as_str().to_owned());
        let end = scope.as_deref().map(prefix_end);
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, DelegationRow>(
                "SELECT d.station_code, d.item_code, d.mode, d.override_reason, d.updated_by, d.updated_at \
                 FROM delegations d JOIN stations s ON s.code = d.station_code \
                 WHERE $1 IS NULL OR (s.region_code >= $1 AND s.region_code < $2) ORDER BY d.station_code, d.item_code",
            )
            .bind(&scope)
            .bind(&end)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(Delegation::try_from).collect()
    }

    /// Applies changes in one transaction with one audit row; `None` removes the cell.
    pub async fn apply_delegations(
        &self,
        changes: &[DelegationChange],
        actor: &str,
        audit: &AuditEntry,
    ) -> Result<()> {
        let at = now();
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            for change in changes {
                if change.mode == HandlingMode::None {
                    sqlx::query("DELETE FROM delegations WHERE station_code = $1 AND item_code = $2")
                        .bind(&change.station_code)
                        .bind(&change.item_code)
                        .execute(&mut *tx)
                        .await.map(|done| done.rows_affected())?;
                    continue;
                }
                sqlx::query(
                    "INSERT INTO delegations (station_code, item_code, mode, override_reason, updated_by, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (station_code, item_code) DO UPDATE SET \
                     mode = excluded.mode, override_reason = excluded.override_reason, \
                     updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                )
                .bind(&change.station_code)
                .bind(&change.item_code)
                .bind(change.mode.as_str())
                .bind(&change.override_reason)
                .bind(actor)
                .bind(at)
                .execute(&mut *tx)
                .await.map(|done| done.rows_affected())
                .map_err(|e| StoreError::from_write(e, &format!("站点 {} 或事项 {}", change.station_code, change.item_code)))?;
            }
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
            self.reference.changed();
        });
        Ok(())
    }

    /// Open, located stations that handle `item_code` (complete or accept-and-forward),
    /// optionally inside a region.
    pub async fn stations_handling(
        &self,
        item_code: &str,
        within: Option<&RegionCode>,
    ) -> Result<Vec<StationHandling>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            station: StationRow,
            mode: String,
        }
        let scope = within.map(|c| c.as_str().to_owned());
        let end = scope.as_deref().map(prefix_end);
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(format!(
                "SELECT {STATION_COLUMNS}, d.mode FROM delegations d JOIN stations s ON s.code = d.station_code \
                 WHERE d.item_code = $1 AND s.status = 'open' AND s.lon IS NOT NULL \
                 AND ($2 IS NULL OR (s.region_code >= $2 AND s.region_code < $3))"
            )))
            .bind(item_code)
            .bind(&scope)
            .bind(&end)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|row| {
                let mode = row
                    .mode
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("办理方式 {}", row.mode)))?;
                Ok(StationHandling {
                    station: Station::try_from(row.station)?,
                    mode,
                })
            })
            .collect()
    }
}
