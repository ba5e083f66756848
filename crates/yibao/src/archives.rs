//! `yibao archives import DIR` and `yibao archives reindex`: the file-system side of the
//! archive importer (walking a folder of text and JSON files, progress on stderr, bad files
//! reported with their reason and skipped) and the index rebuild from the database.
//!
//! Records go to the database first (one transaction per file) and then to the index; when
//! the index is held by a running server, the server catches up from the database by itself.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use yibao_search::archive::ArchiveIndex;
use yibao_search::archive_file::{ParsedArchive, parse_json, parse_text};
use yibao_store::Store;
use yibao_web::app::{self, Actor};

#[derive(Subcommand)]
pub enum ArchivesCommand {
    /// 从目录（含子目录）导入数字化档案：`.txt` 文件（开头为 `字段：值` 行，空一行后为识别文本）或 `.json` 文件（一个对象或数组）。文件有改动则更新其记录，未改动的不动
    Import {
        /// 要读取的目录
        dir: PathBuf,
    },
    /// 从数据库重建档案检索索引
    Reindex,
}

/// The index directory: the flag or environment, else next to a SQLite database
/// (`<file>.archive-index`), else `yibao-archive-index` in the working folder.
pub fn index_dir(flag: Option<&Path>, database_url: &str) -> PathBuf {
    if let Some(dir) = flag {
        return dir.to_owned();
    }
    let file = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or(rest))
        .filter(|path| !path.is_empty() && !path.contains(":memory:"));
    match file {
        Some(path) => PathBuf::from(format!("{path}.archive-index")),
        None => PathBuf::from("yibao-archive-index"),
    }
}

/// Opens the index for writing; `None` (with a notice) when another process holds it.
fn open_for_writing(dir: &Path) -> Option<ArchiveIndex> {
    match ArchiveIndex::open(dir) {
        Ok(index) => Some(index),
        Err(error) => {
            let why = if error.is_locked() {
                "正被运行中的服务使用".to_owned()
            } else {
                error.to_string()
            };
            eprintln!(
                "提示：无法写入档案索引 {}（{why}）。记录已写入数据库；正在运行的服务会自动同步索引，也可停止服务后运行 `yibao archives reindex`。",
                dir.display()
            );
            None
        }
    }
}

/// Every file under `dir`, in a stable order.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder)
            .with_context(|| format!("无法读取文件夹“{}”", folder.display()))?;
        for entry in entries {
            let path = entry
                .with_context(|| format!("无法读取文件夹“{}”", folder.display()))?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Reads and parses one file; the error is the reason to report.
fn read_file(path: &Path) -> std::result::Result<Vec<ParsedArchive>, String> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let bytes = std::fs::read(path).map_err(|e| format!("无法读取：{e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| "不是 UTF-8 编码的文本".to_owned())?;
    match extension.as_deref() {
        Some("txt") => parse_text(&text).map(|record| vec![record]),
        Some("json") => parse_json(&text),
        _ => Err("不支持的文件类型（应为 .txt 或 .json）".to_owned()),
    }
}

pub async fn archives_command(
    store: &Store,
    index_dir: &Path,
    command: &ArchivesCommand,
) -> Result<()> {
    match command {
        ArchivesCommand::Import { dir } => import(store, index_dir, dir).await,
        ArchivesCommand::Reindex => {
            let started = Instant::now();
            let index = match ArchiveIndex::open(index_dir) {
                Ok(index) => index,
                Err(error) if error.is_locked() => bail!(
                    "档案索引 {} 正被运行中的服务使用，请先停止服务再重建（服务运行时会自动与数据库同步）",
                    index_dir.display()
                ),
                Err(error) => {
                    bail!("无法打开档案索引 {}：{error}", index_dir.display())
                }
            };
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} 重建档案索引：{msg} [{elapsed}]",
                )
                .expect("valid template"),
            );
            let done = app::archives::rebuild(store, &index, |done| {
                bar.set_message(format!("已索引 {done} 条"))
            })
            .await
            .map_err(|e| anyhow::anyhow!(e.message))?;
            bar.finish_and_clear();
            println!(
                "已重建档案索引 {}：{done} 条，用时 {:.1} 秒",
                index_dir.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
    }
}

async fn import(store: &Store, index_dir: &Path, dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        bail!("“{}”不是文件夹", dir.display());
    }
    let files = files_under(dir)?;
    if files.is_empty() {
        bail!("文件夹“{}”中没有文件", dir.display());
    }
    let index = open_for_writing(index_dir);
    let started = Instant::now();
    let bar = indicatif::ProgressBar::new(files.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("导入档案 {bar:30} {pos}/{len} 个文件 [{elapsed}]")
            .expect("valid template"),
    );
    let actor = Actor::system();
    let (mut inserted, mut updated, mut unchanged, mut removed, mut imported_files) =
        (0usize, 0usize, 0usize, 0usize, 0usize);
    let mut skipped: Vec<String> = Vec::new();
    for path in &files {
        bar.inc(1);
        let name = path
            .strip_prefix(dir)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let records = match read_file(path) {
            Ok(records) => records,
            Err(reason) => {
                bar.suspend(|| eprintln!("跳过 {name}：{reason}"));
                skipped.push(name);
                continue;
            }
        };
        let outcome = app::archives::import_file(store, index.as_ref(), &actor, &name, records)
            .await
            .map_err(|e| anyhow::anyhow!("{name}：{}", e.message))?;
        imported_files += 1;
        inserted += outcome.inserted.len();
        updated += outcome.updated.len();
        unchanged += outcome.unchanged;
        removed += outcome.removed.len();
    }
    if let Some(index) = &index {
        index
            .commit()
            .with_context(|| format!("无法提交档案索引 {}", index_dir.display()))?;
    }
    bar.finish_and_clear();
    println!(
        "已导入 {imported_files} 个文件：新增 {inserted} 条，更新 {updated} 条，未变 {unchanged} 条，移除 {removed} 条；跳过 {} 个有误的文件；用时 {:.1} 秒",
        skipped.len(),
        started.elapsed().as_secs_f64()
    );
    if imported_files == 0 {
        bail!("没有导入任何文件");
    }
    Ok(())
}
