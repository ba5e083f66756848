//! Administrative divisions and their boundaries.

use serde::Serialize;
use yibao_domain::{RegionCode, RegionLevel};

use crate::BeginWrite;
use crate::fetch_page;
use crate::{Bind, Conditions, Page, PageRequest, Result, Store, StoreError, on_pool, prefix_end};

/// A region as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
    pub level: RegionLevel,
    pub parent_code: Option<RegionCode>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub population: Option<i64>,
    /// Point and population were generated for the demo, not taken from a data source.
    pub generated: bool,
}

/// A row to upsert during import.
#[derive(Debug, Clone)]
pub struct RegionRow {
    pub code: RegionCode,
    pub name: String,
}

/// An imported population (and optionally a point `(lon, lat)`) for one region.
#[derive(Debug, Clone)]
pub struct PopulationRow {
    pub code: RegionCode,
    pub population: i64,
    pub point: Option<(f64, f64)>,
}

/// A child region with how many stations sit inside it, for the network tree.
#[derive(Debug, Clone, Serialize)]
pub struct RegionSummary {
    pub region: Region,
    pub child_count: i64,
    pub station_count: i64,
}

#[derive(sqlx::FromRow)]
struct RegionDbRow {
    code: String,
    name: String,
    level: i16,
    parent_code: Option<String>,
    lon: Option<f64>,
    lat: Option<f64>,
    population: Option<i64>,
    generated: bool,
}

impl TryFrom<RegionDbRow> for Region {
    type Error = StoreError;
    fn try_from(row: RegionDbRow) -> Result<Region> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("区划 {}：{what}", row.code));
        Ok(Region {
            code: RegionCode::parse(&row.code).map_err(|_| corrupt("代码"))?,
            level: u8::try_from(row.level)
                .ok()
                .and_then(RegionLevel::from_depth)
                .ok_or_else(|| corrupt("层级"))?,
            parent_code: row
                .parent_code
                .as_deref()
                .map(RegionCode::parse)
                .transpose()
                .map_err(|_| corrupt("上级代码"))?,
            name: row.name,
            lon: row.lon,
            lat: row.lat,
            population: row.population,
            generated: row.generated,
        })
    }
}

/// Filters for region lists.
#[derive(Debug, Clone, Default)]
pub struct RegionFilter {
    pub parent: Option<RegionCode>,
    pub level: Option<RegionLevel>,
    /// Part of the name.
    pub name: Option<String>,
    /// Only regions inside this one (the caller's scope).
    pub scope: Option<RegionCode>,
}

const COLUMNS: &str = "code, name, level, parent_code, lon, lat, population, generated";

impl Store {
    /// Inserts or renames regions, parents first within the batch; one transaction.
    pub async fn upsert_regions(&self, rows: &[RegionRow]) -> Result<()> {
        // Multi-row statements amortise the round trips, but SQLite looks parameters up by
        // name in a linear scan, so its statements stay small; PostgreSQL takes large ones.
        let chunk_rows = match self.backend() {
            crate::Backend::Sqlite => 50,
            crate::Backend::Postgres => 1_000,
        };
        let statement = |count: usize| {
            let mut sql =
                String::from("INSERT INTO regions (code, name, level, parent_code) VALUES ");
            for i in 0..count {
                let n = i * 4;
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("(${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4));
            }
            // An unchanged row is not rewritten, so a re-import writes (almost) nothing.
            sql.push_str(
                " ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, \
                 parent_code = excluded.parent_code \
                 WHERE regions.name IS DISTINCT FROM excluded.name OR regions.level IS DISTINCT FROM excluded.level \
                 OR regions.parent_code IS DISTINCT FROM excluded.parent_code",
            );
            sql
        };
        let full = statement(chunk_rows);
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            for chunk in rows.chunks(chunk_rows) {
                let sql = if chunk.len() == chunk_rows { full.clone() } else { statement(chunk.len()) };
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                for row in chunk {
                    query = query
                        .bind(row.code.as_str())
                        .bind(&row.name)
                        .bind(i16::from(row.code.level().depth()))
                        .bind(row.code.parent().map(|p| p.as_str().to_owned()));
                }
                query.execute(&mut *tx).await.map_err(|e| StoreError::from_write(e, "行政区划"))?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The codes among `codes` that exist.
    pub async fn existing_regions(
        &self,
        codes: &[String],
    ) -> Result<std::collections::HashSet<String>> {
        let mut found = std::collections::HashSet::new();
        for chunk in codes.chunks(500) {
            let placeholders = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(",");
            let sql = format!("SELECT code FROM regions WHERE code IN ({placeholders})");
            let rows: Vec<String> = on_pool!(self, pool => {
                let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()));
                for code in chunk {
                    query = query.bind(code);
                }
                query.fetch_all(pool).await
            })?;
            found.extend(rows);
        }
        Ok(found)
    }

    /// Sets a region's representative point and population (e.g. generated for the demo).
    pub async fn set_region_point(
        &self,
        code: &RegionCode,
        lon: f64,
        lat: f64,
        population: Option<i64>,
        generated: bool,
    ) -> Result<()> {
        let done = on_pool!(self, pool => {
            sqlx::query("UPDATE regions SET lon = $2, lat = $3, population = $4, generated = $5 WHERE code = $1")
                .bind(code.as_str())
                .bind(lon)
                .bind(lat)
                .bind(population)
                .bind(generated)
                .execute(pool)
                .await.map(|done| done.rows_affected())
        })?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn get_region(&self, code: &RegionCode) -> Result<Option<Region>> {
        let row = on_pool!(self, pool => {
            sqlx::query_as::<_, RegionDbRow>(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM regions WHERE code = $1")))
                .bind(code.as_str())
                .fetch_optional(pool)
                .await
        })?;
        row.map(Region::try_from).transpose()
    }

    /// The region and its ancestors, top first.
    pub async fn region_path(&self, code: &RegionCode) -> Result<Vec<Region>> {
        let mut path = Vec::new();
        let mut next = Some(code.clone());
        while let Some(code) = next {
            let Some(region) = self.get_region(&code).await? else {
                break;
            };
            next = region.parent_code.clone();
            path.push(region);
        }
        path.reverse();
        Ok(path)
    }

    pub async fn list_regions(
        &self,
        filter: &RegionFilter,
        page: PageRequest,
    ) -> Result<Page<Region>> {
        let mut conditions = Conditions::default();
        if let Some(parent) = &filter.parent {
            conditions.add("parent_code = ?", [Bind::Text(parent.as_str().to_owned())]);
        }
        if let Some(level) = filter.level {
            conditions.add("level = ?", [Bind::Small(i16::from(level.depth()))]);
        }
        if let Some(name) = &filter.name {
            conditions.add("name LIKE ?", [Bind::Text(format!("%{}%", name.trim()))]);
        }
        if let Some(scope) = &filter.scope {
            conditions.within("code", scope.as_str());
        }
        let (rows, total) = fetch_page!(self, RegionDbRow, columns: COLUMNS, from: "regions", order: "code", conditions, page);
        let items = rows
            .into_iter()
            .map(Region::try_from)
            .collect::<Result<_>>()?;
        Ok(Page {
            items,
            total,
            page: page.page,
            per_page: page.per_page,
        })
    }

    /// Number of regions at `level` inside `within` (or nationwide).
    pub async fn count_regions(
        &self,
        within: Option<&RegionCode>,
        level: RegionLevel,
    ) -> Result<i64> {
        let scope = within.map(|c| c.as_str().to_owned());
        let end = scope.as_deref().map(prefix_end);
        let count = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM regions WHERE level = $1 AND ($2 IS NULL OR (code >= $2 AND code < $3))")
                .bind(i16::from(level.depth()))
                .bind(&scope)
                .bind(&end)
                .fetch_one(pool)
                .await
        })?;
        Ok(count)
    }

    /// Children of a region (or the provinces) with child and station counts, for the tree.
    pub async fn region_children(&self, parent: Option<&RegionCode>) -> Result<Vec<RegionSummary>> {
        #[derive(sqlx::FromRow)]
        struct SummaryRow {
            #[sqlx(flatten)]
            region: RegionDbRow,
            child_count: i64,
            station_count: i64,
        }
        let parent_text = parent.map(|c| c.as_str().to_owned());
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, SummaryRow>(
                "SELECT r.code, r.name, r.level, r.parent_code, r.lon, r.lat, r.population, r.generated, \
                   (SELECT COUNT(*) FROM regions c WHERE c.parent_code = r.code) AS child_count, \
                   (SELECT COUNT(*) FROM stations s WHERE s.region_code >= r.code AND s.region_code < r.code || '~' \
                      AND s.status = 'open') AS station_count \
                 FROM regions r WHERE ($1 IS NULL AND r.parent_code IS NULL) OR r.parent_code = $1 ORDER BY r.code",
            )
            .bind(&parent_text)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|row| {
                Ok(RegionSummary {
                    region: Region::try_from(row.region)?,
                    child_count: row.child_count,
                    station_count: row.station_count,
                })
            })
            .collect()
    }

    /// Regions at `level` inside `within` that have a point, in code order (one query; the
    /// coverage estimate's population points).
    pub async fn located_regions_within(
        &self,
        within: &RegionCode,
        level: RegionLevel,
    ) -> Result<Vec<Region>> {
        let scope = within.as_str().to_owned();
        let end = prefix_end(&scope);
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, RegionDbRow>(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM regions WHERE level = $1 AND code >= $2 AND code < $3 \
                 AND lon IS NOT NULL AND lat IS NOT NULL ORDER BY code"
            )))
            .bind(i16::from(level.depth()))
            .bind(&scope)
            .bind(&end)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(Region::try_from).collect()
    }

    /// Sets imported (not generated) populations, and points where given, of many regions in
    /// one transaction with its audit row; a missing region rolls everything back.
    pub async fn set_region_populations(
        &self,
        rows: &[PopulationRow],
        audit: &crate::AuditEntry,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut turn = pool.write_turn(&self.writer).await?;
            let mut tx = turn.begin().await?;
            for row in rows {
                let done = sqlx::query(
                    "UPDATE regions SET population = $2, lon = COALESCE($3, lon), lat = COALESCE($4, lat), \
                     generated = FALSE WHERE code = $1",
                )
                .bind(row.code.as_str())
                .bind(row.population)
                .bind(row.point.map(|p| p.0))
                .bind(row.point.map(|p| p.1))
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::from_write(e, "区划人口"))?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
            }
            crate::audit::audit_in_tx!(&mut *tx, audit)?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn upsert_boundary(
        &self,
        code: &RegionCode,
        geojson: &str,
        source: &str,
    ) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO region_boundaries (region_code, geojson, source) VALUES ($1, $2, $3) \
                 ON CONFLICT (region_code) DO UPDATE SET geojson = excluded.geojson, source = excluded.source",
            )
            .bind(code.as_str())
            .bind(geojson)
            .bind(source)
            .execute(pool)
            .await.map(|done| done.rows_affected())
        })
        .map_err(|e| StoreError::from_write(e, "区划边界"))?;
        Ok(())
    }

    /// The GeoJSON boundary of a region, if one was imported.
    pub async fn boundary(&self, code: &RegionCode) -> Result<Option<String>> {
        let text = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT geojson FROM region_boundaries WHERE region_code = $1")
                .bind(code.as_str())
                .fetch_optional(pool)
                .await
        })?;
        Ok(text)
    }
}
