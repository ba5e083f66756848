//! Tidy checks of the architecture invariants in ARCHITECTURE.md: pure crates stay free of
//! I/O runtimes, SQL and HTTP; only the store knows SQL, only the web crate knows HTTP; every
//! source file starts with a module doc.

use std::path::Path;

use crate::support::repo_root;

fn dependencies(krate: &str) -> Vec<String> {
    let manifest =
        std::fs::read_to_string(repo_root().join("crates").join(krate).join("Cargo.toml")).unwrap();
    let value: toml::Value = toml::from_str(&manifest).unwrap();
    value
        .get("dependencies")
        .and_then(|d| d.as_table())
        .map(|table| table.keys().cloned().collect())
        .unwrap_or_default()
}

const IO_CRATES: [&str; 8] = [
    "tokio",
    "sqlx",
    "axum",
    "reqwest",
    "hyper",
    "tower",
    "tower-http",
    "askama",
];

#[test]
fn the_pure_crates_depend_on_no_runtime_sql_or_http() {
    for krate in [
        "yibao-domain",
        "yibao-routing",
        "yibao-queueing",
        "yibao-search",
    ] {
        for dependency in dependencies(krate) {
            assert!(
                !IO_CRATES.contains(&dependency.as_str()),
                "{krate} must not depend on {dependency}"
            );
        }
    }
}

#[test]
fn only_the_store_knows_sql_and_only_the_web_crate_knows_http() {
    let crates: Vec<String> = std::fs::read_dir(repo_root().join("crates"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for krate in &crates {
        let deps = dependencies(krate);
        if krate != "yibao-store" {
            assert!(
                !deps.contains(&"sqlx".to_owned()),
                "{krate} must not use sqlx: SQL lives in yibao-store"
            );
        }
        if krate != "yibao-web" {
            for http in ["axum", "tower-http", "askama", "utoipa"] {
                assert!(
                    !deps.contains(&http.to_owned()),
                    "{krate} must not use {http}: HTTP lives in yibao-web"
                );
            }
        }
    }
}

fn rust_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn every_source_file_starts_with_a_module_doc() {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(repo_root().join("crates")).unwrap() {
        let src = entry.unwrap().path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    assert!(files.len() > 10);
    let undocumented: Vec<_> = files
        .iter()
        .filter(|path| {
            !std::fs::read_to_string(path)
                .unwrap()
                .trim_start()
                .starts_with("//!")
        })
        .collect();
    assert!(
        undocumented.is_empty(),
        "files without a //! module doc: {undocumented:?}"
    );
}
