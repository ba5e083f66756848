//! Stations: create, update, close, look up and list them, and bulk import in one transaction.

use chrono::{DateTime, Utc};
use serde::Serialize;
use yibao_domain::{
    GeoPoint, HostType, OpeningHours, RegionCode, StationCode, StationLevel, StationRecord,
};

use crate::BeginWrite;
use crate::audit::audit_in_tx;
use crate::fetch_page;
use crate::{
    AuditEntry, Bind, Conditions, Page, PageRequest, Result, Store, StoreError, now, on_pool,
};

/// Open or closed (撤销); closed stations stay for history but handle nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StationStatus {
    Open,
    Closed,
}

impl StationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StationStatus::Open => "open",
            StationStatus::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StationStatus::Open => "运行中",
            StationStatus::Closed => "已撤销",
        }
    }
}

/// How long a process trusts its copy of a station read through `Store::station_recent`.
pub(crate) const STATIONS_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(5);
pub(crate) const STATIONS_MAX_ENTRIES: usize = 10_000;

/// A station as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Station {
    pub code: StationCode,
    pub name: String,
    pub level: StationLevel,
    pub region_code: RegionCode,
    pub host_type: HostType,
    pub parent_code: Option<StationCode>,
    pub location: Option<GeoPoint>,
    /// The location was generated for the demo, not surveyed.
    pub location_generated: bool,
    pub address: String,
    pub windows: u16,
    pub phone: String,
    pub opening_hours: OpeningHours,
    pub status: StationStatus,
    pub closed_reason: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct StationRow {
    code: String,
    name: String,
    level: String,
    region_code: String,
    host_type: String,
    parent_code: Option<String>,
    lon: Option<f64>,
    lat: Option<f64>,
    location_generated: bool,
    address: String,
    windows: i32,
    phone: String,
    opening_hours: String,
    status: String,
    closed_reason: Option<String>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

pub(crate) const STATION_COLUMNS: &str = "s.code, s.name, s.level, s.region_code, s.host_type, s.parent_code, s.lon, s.lat, \
     s.location_generated, s.address, s.windows, s.phone, s.opening_hours, s.status, s.closed_reason, s.version, \
     s.created_at, s.updated_at";

impl TryFrom<StationRow> for Station {
    type Error = StoreError;
    fn try_from(row: StationRow) -> Result<Station> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("站点 {}：{what}", row.code));
        let location = match (row.lon, row.lat) {
            (Some(lon), Some(lat)) => Some(GeoPoint::new(lon, lat).map_err(|_| corrupt("坐标"))?),
            _ => None,
        };
        Ok(Station {
            code: StationCode::parse(&row.code).map_err(|_| corrupt("编码"))?,
            level: row.level.parse().map_err(|_| corrupt("层级"))?,
            region_code: RegionCode::parse(&row.region_code).map_err(|_| corrupt("区划"))?,
            host_type: row.host_type.parse().map_err(|_| corrupt("承载机构"))?,
            parent_code: row
                .parent_code
                .as_deref()
                .map(StationCode::parse)
                .transpose()
                .map_err(|_| corrupt("上级站点"))?,
            location,
            location_generated: row.location_generated,
            opening_hours: OpeningHours::parse(&row.opening_hours)
                .map_err(|_| corrupt("营业时间"))?,
            status: if row.status == "closed" {
                StationStatus::Closed
            } else {
                StationStatus::Open
            },
            windows: u16::try_from(row.windows).map_err(|_| corrupt("窗口数"))?,
            name: row.name,
            address: row.address,
            phone: row.phone,
            closed_reason: row.closed_reason,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// Sort orders offered by station lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StationSort {
    /// By region, then code: the order of the network tree, served straight from the index.
    #[default]
    Region,
    Code,
    Name,
    Level,
    Updated,
}

impl StationSort {
    pub fn parse(text: &str) -> Option<StationSort> {
        match text {
            "region" => Some(StationSort::Region),
            "code" => Some(StationSort::Code),
            "name" => Some(StationSort::Name),
            "level" => Some(StationSort::Level),
            "updated" => Some(StationSort::Updated),
            _ => None,
        }
    }

    fn order_by(self) -> &'static str {
        match self {
            StationSort::Region => "s.region_code, s.code",
            StationSort::Code => "s.code",
            StationSort::Name => "s.name, s.code",
            StationSort::Level => "s.level, s.code",
            StationSort::Updated => "s.updated_at DESC, s.code",
        }
    }
}

/// Filters for station lists.
#[derive(Debug, Clone, Default)]
pub struct StationFilter {
    /// Stations inside this region.
    pub region: Option<RegionCode>,
    /// The caller's region scope; applied on top of `region`.
    pub scope: Option<RegionCode>,
    pub level: Option<StationLevel>,
    pub host_type: Option<HostType>,
    pub status: Option<StationStatus>,
    /// Part of the name or the code.
    pub query: Option<String>,
    pub sort: StationSort,
}

const INSERT_STATION: &str = "INSERT INTO stations (code, name, level, region_code, host_type, parent_code, lon, lat, \
     location_generated, address, windows, phone, opening_hours, status, version, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'open', 1, $14, $14)";

macro_rules! insert_station {
    ($executor:expr, $record:expr, $generated:expr, $at:expr) => {{
        let record: &StationRecord = $record;
        sqlx::query(INSERT_STATION)
            .bind(record.code.as_str())
            .bind(&record.name)
            .bind(record.level.as_str())
            .bind(record.region.as_str())
            .bind(record.host_type.as_str())
            .bind(record.parent.as_ref().map(|p| p.as_str().to_owned()))
            .bind(record.location.map(|p| p.lon()))
            .bind(record.location.map(|p| p.lat()))
            .bind($generated)
            .bind(&record.address)
            .bind(i32::from(record.windows))
            .bind(&record.phone)
            .bind(record.opening_hours.to_compact())
            .bind($at)
            .execute($executor)
            .await
            .map(|done| done.rows_affected())
    }};
}

impl Store {
    /// A station as `get_station` reads it, kept in memory for `STATIONS_MAX_AGE` (a change
    /// made by this process is seen at once, one made by another process within that time).
    /// For paths that read the same station on every request, such as the counter's.
    pub async fn station_recent(&self, code: &str) -> Result<Option<Station>> {
        // A missing station is an error inside the memo, so that it is not kept.
        let read = async { self.get_station(code).await?.ok_or(StoreError::NotFound) };
        match self.stations.get_or_load(code.to_owned(), read).await {
            Ok(station) => Ok(Some(station)),
            Err(StoreError::NotFound) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Drops what this process keeps in memory about stations, after a committed change.
    fn stations_changed(&self) {
        self.reference.changed();
        self.stations.changed();
    }

    pub async fn get_station(&self, code: &str) -> Result<Option<Station>> {
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, StationRow>(sqlx::AssertSqlSafe(format!(
                "SELECT {STATION_COLUMNS} FROM stations s WHERE s.code = $1"
            )))
            .bind(code)
            .fetch_optional(pool)
            .await
        })?;
        row.map(Station::try_from).transpose()
    }

    /// The stations among `codes` that exist, for validating parents and duplicates in bulk.
    pub async fn stations_by_codes(&self, codes: &[String]) -> Result<Vec<Station>> {
        let mut found = Vec::new();
        for chunk in codes.chunks(500) {
            let placeholders = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(",");
            let sql = format!(
                "SELECT {STATION_COLUMNS} FROM stations s WHERE s.code IN ({placeholders})"
            );
            let rows = on_pool!(self, pool => {
                let mut query = sqlx::query_as::<_, StationRow>(sqlx::AssertSqlSafe(sql.clone()));
                for code in chunk {
                    query = query.bind(code);
                }
                query.fetch_all(pool).await
            })?;
            for row in rows {
                found.push(Station::try_from(row)?);
            }
        }
        Ok(found)
    }

    pub async fn list_stations(
        &self,
        filter: &StationFilter,
        page: PageRequest,
    ) -> Result<Page<Station>> {
        let mut conditions = Conditions::default();
        if let Some(region) = &filter.region {
            conditions.within("s.region_code", region.as_str());
        }
        if let Some(scope) = &filter.scope {
            conditions.within("s.region_code", scope.as_str());
        }
        if let Some(level) = filter.level {
            conditions.add("s.level = ?", [Bind::Text(level.as_str().to_owned())]);
        }
        if let Some(host) = filter.host_type {
            conditions.add("s.host_type = ?", [Bind::Text(host.as_str().to_owned())]);
        }
        if let Some(status) = filter.status {
            conditions.add("s.status = ?", [Bind::Text(status.as_str().to_owned())]);
        }
        if let Some(query) = &filter.query {
            let pattern = format!("%{}%", query.trim());
            conditions.add(
                "(s.name LIKE ? OR s.code LIKE ?)",
                [Bind::Text(pattern.clone()), Bind::Text(pattern)],
            );
        }
        let (rows, total) = fetch_page!(self, StationRow, columns: STATION_COLUMNS, from: "stations s", order: filter.sort.order_by(), conditions, page);
        let items = rows
            .into_iter()
            .map(Station::try_from)
            .collect::<Result<_>>()?;
        Ok(Page {
            items,
            total,
            page: page.page,
            per_page: page.per_page,
        })
    }

    /// Creates one station and its audit row in one transaction.
    pub async fn insert_station(
        &self,
        record: &StationRecord,
        generated: bool,
        audit: &AuditEntry,
    ) -> Result<Station> {
        let at = now();
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            insert_station!(&mut *tx, record, generated, at)
                .map_err(|e| StoreError::from_write(e, &format!("站点编码 {}", record.code)))?;
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
            self.stations_changed();
        });
        self.get_station(record.code.as_str())
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Creates many stations in one transaction: all of them or none.
    pub async fn insert_stations(
        &self,
        records: &[(StationRecord, bool)],
        audit: &AuditEntry,
    ) -> Result<u64> {
        let at = now();
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            for (record, generated) in records {
                insert_station!(&mut *tx, record, *generated, at)
                    .map_err(|e| StoreError::from_write(e, &format!("站点编码 {}", record.code)))?;
            }
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
            self.stations_changed();
        });
        Ok(records.len() as u64)
    }

    /// Updates a station if nobody changed it since `expected_version` was read.
    pub async fn update_station(
        &self,
        record: &StationRecord,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<Station> {
        let at = now();
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            let done = sqlx::query(
                "UPDATE stations SET name = $2, level = $3, region_code = $4, host_type = $5, parent_code = $6, \
                 lon = $7, lat = $8, location_generated = FALSE, address = $9, windows = $10, phone = $11, \
                 opening_hours = $12, version = version + 1, updated_at = $13 WHERE code = $1 AND version = $14",
            )
            .bind(record.code.as_str())
            .bind(&record.name)
            .bind(record.level.as_str())
            .bind(record.region.as_str())
            .bind(record.host_type.as_str())
            .bind(record.parent.as_ref().map(|p| p.as_str().to_owned()))
            .bind(record.location.map(|p| p.lon()))
            .bind(record.location.map(|p| p.lat()))
            .bind(&record.address)
            .bind(i32::from(record.windows))
            .bind(&record.phone)
            .bind(record.opening_hours.to_compact())
            .bind(at)
            .bind(expected_version)
            .execute(&mut *tx)
            .await.map(|done| done.rows_affected())
            .map_err(|e| StoreError::from_write(e, &format!("站点 {}", record.code)))?;
            if done == 0 {
                return Err(StoreError::StaleVersion);
            }
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
            self.stations_changed();
        });
        self.get_station(record.code.as_str())
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Closes a station: it keeps its history but handles nothing any more, so its
    /// delegations are removed in the same transaction.
    pub async fn close_station(
        &self,
        code: &str,
        reason: &str,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<Station> {
        let at = now();
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            let done = sqlx::query(
                "UPDATE stations SET status = 'closed', closed_reason = $2, version = version + 1, updated_at = $3 \
                 WHERE code = $1 AND version = $4 AND status = 'open'",
            )
            .bind(code)
            .bind(reason)
            .bind(at)
            .bind(expected_version)
            .execute(&mut *tx)
            .await.map(|done| done.rows_affected())?;
            if done == 0 {
                return Err(StoreError::StaleVersion);
            }
            sqlx::query("DELETE FROM delegations WHERE station_code = $1").bind(code).execute(&mut *tx).await.map(|done| done.rows_affected())?;
            audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
            self.stations_changed();
        });
        self.get_station(code).await?.ok_or(StoreError::NotFound)
    }

    /// Open stations that name `code` as their parent.
    pub async fn child_stations(&self, code: &str) -> Result<Vec<Station>> {
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, StationRow>(sqlx::AssertSqlSafe(format!(
                "SELECT {STATION_COLUMNS} FROM stations s WHERE s.parent_code = $1 ORDER BY s.code"
            )))
            .bind(code)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(Station::try_from).collect()
    }

    /// Number of stations of any status.
    pub async fn count_stations(&self) -> Result<i64> {
        let count = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM stations").fetch_one(pool).await)?;
        Ok(count)
    }
}
