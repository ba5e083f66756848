//! JSON shapes of the API, with their OpenAPI schemas. Domain and store types are converted
//! here so that neither of those crates needs to know about JSON schemas.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yibao_store::{AuditRecord, Delegation, ItemHistoryEntry, Region, Station, StoredItem, User};

/// A region (行政区划).
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionDto {
    /// Natural-length statistical code: 2, 4, 6, 9 or 12 digits.
    pub code: String,
    pub name: String,
    /// province, city, county, town or village.
    pub level: String,
    pub parent_code: Option<String>,
    /// The 6-digit GB/T 2260 prefix.
    pub gb2260: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub population: Option<i64>,
    /// Point and population were generated for the demo.
    pub generated: bool,
}

impl From<Region> for RegionDto {
    fn from(region: Region) -> RegionDto {
        RegionDto {
            gb2260: region.code.gb2260(),
            code: region.code.to_string(),
            name: region.name,
            level: region.level.as_str().to_owned(),
            parent_code: region.parent_code.map(|c| c.to_string()),
            lon: region.lon,
            lat: region.lat,
            population: region.population,
            generated: region.generated,
        }
    }
}

/// A station (医保服务站点).
#[derive(Debug, Serialize, ToSchema)]
pub struct StationDto {
    pub code: String,
    pub name: String,
    /// city, county, town, village, residential or building.
    pub level: String,
    pub level_label: String,
    pub region_code: String,
    pub host_type: String,
    pub host_type_label: String,
    /// Where forwarded cases go.
    pub parent_code: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// The location was generated for the demo, not surveyed.
    pub location_generated: bool,
    pub address: String,
    pub windows: u16,
    pub phone: String,
    /// Compact form, e.g. `1-5 08:30-17:30; 6 09:00-12:00`.
    pub opening_hours: String,
    pub opening_hours_text: String,
    pub weekend_service: bool,
    pub noon_service: bool,
    /// open or closed.
    pub status: String,
    pub closed_reason: Option<String>,
    /// Send it back with an update; a stale version is refused with 409.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Station> for StationDto {
    fn from(station: Station) -> StationDto {
        StationDto {
            code: station.code.to_string(),
            name: station.name,
            level: station.level.as_str().to_owned(),
            level_label: station.level.label().to_owned(),
            region_code: station.region_code.to_string(),
            host_type: station.host_type.as_str().to_owned(),
            host_type_label: station.host_type.label().to_owned(),
            parent_code: station.parent_code.map(|c| c.to_string()),
            lon: station.location.map(|p| p.lon()),
            lat: station.location.map(|p| p.lat()),
            location_generated: station.location_generated,
            address: station.address,
            windows: station.windows,
            phone: station.phone,
            opening_hours: station.opening_hours.to_compact(),
            opening_hours_text: station.opening_hours.to_chinese(),
            weekend_service: station.opening_hours.weekend_service(),
            noon_service: station.opening_hours.noon_service(),
            status: station.status.as_str().to_owned(),
            closed_reason: station.closed_reason,
            version: station.version,
            created_at: station.created_at,
            updated_at: station.updated_at,
        }
    }
}

/// Fields to create or replace a station.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StationBody {
    pub code: String,
    pub name: String,
    pub level: String,
    pub region_code: String,
    pub host_type: String,
    #[serde(default)]
    pub parent_code: Option<String>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub windows: Option<u16>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub opening_hours: Option<String>,
    /// Required on update: the version that was read.
    #[serde(default)]
    pub version: Option<i64>,
}

impl StationBody {
    pub fn input(&self) -> yibao_domain::station::StationInput {
        yibao_domain::station::StationInput {
            code: self.code.clone(),
            name: self.name.clone(),
            level: self.level.clone(),
            region_code: self.region_code.clone(),
            host_type: self.host_type.clone(),
            parent_code: self.parent_code.clone(),
            lon: self.lon,
            lat: self.lat,
            address: self.address.clone(),
            windows: self.windows,
            phone: self.phone.clone(),
            opening_hours: self.opening_hours.clone(),
        }
    }
}

/// Closing a station.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    pub reason: String,
    pub version: i64,
}

/// One material of a guide.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MaterialDto {
    pub name: String,
    pub note: Option<String>,
    pub e_certificate: bool,
    pub required: bool,
}

/// A catalog item with its guide.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemDto {
    pub code: String,
    pub catalog_code: String,
    pub main_item: String,
    pub name: String,
    pub category: String,
    pub applicant: String,
    /// Levels allowed to complete it: city, county, town, village.
    pub levels: Vec<String>,
    pub lowest_level: String,
    /// `instant` or `<n>wd`.
    pub time_limit: String,
    pub time_limit_note: String,
    pub channels: Vec<String>,
    pub proxy_allowed: bool,
    pub minor_missing_pledge: bool,
    pub materials: Vec<MaterialDto>,
    pub version: i64,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

impl From<StoredItem> for ItemDto {
    fn from(stored: StoredItem) -> ItemDto {
        let item = stored.item;
        ItemDto {
            lowest_level: item.lowest_level().as_str().to_owned(),
            code: item.code,
            catalog_code: stored.catalog_code,
            main_item: item.main_item,
            name: item.name,
            category: item.category,
            applicant: item.applicant,
            levels: item.levels.iter().map(|l| l.as_str().to_owned()).collect(),
            time_limit: item.time_limit.to_string(),
            time_limit_note: item.time_limit_note,
            channels: item
                .channels
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            proxy_allowed: item.proxy_allowed,
            minor_missing_pledge: item.minor_missing_pledge,
            materials: item
                .materials
                .into_iter()
                .map(|m| MaterialDto {
                    name: m.name,
                    note: m.note,
                    e_certificate: m.e_certificate,
                    required: m.required,
                })
                .collect(),
            version: stored.version,
            updated_by: stored.updated_by,
            updated_at: stored.updated_at,
        }
    }
}

/// Replacing an item's guide.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemUpdateBody {
    /// The full item, in the catalog file's shape.
    #[schema(value_type = Object)]
    pub item: serde_json::Value,
    pub version: i64,
    /// Why it changed; kept in the history.
    pub note: String,
}

/// One revision of an item.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemRevisionDto {
    pub version: i64,
    pub note: String,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
    #[schema(value_type = Object)]
    pub item: serde_json::Value,
}

impl From<ItemHistoryEntry> for ItemRevisionDto {
    fn from(entry: ItemHistoryEntry) -> ItemRevisionDto {
        ItemRevisionDto {
            version: entry.version,
            note: entry.note,
            changed_by: entry.changed_by,
            changed_at: entry.changed_at,
            item: serde_json::to_value(entry.item).unwrap_or_default(),
        }
    }
}

/// One cell of the delegation matrix.
#[derive(Debug, Serialize, ToSchema)]
pub struct DelegationDto {
    pub item_code: String,
    pub item_name: String,
    /// complete, accept_forward or none.
    pub mode: String,
    pub mode_label: String,
    /// Whether the guide's level allows this station to complete the item.
    pub level_allows_complete: bool,
    pub override_reason: Option<String>,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// Setting one cell.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelegationBody {
    pub mode: String,
    /// Required (and admin only) when completing an item below its guide level.
    #[serde(default)]
    pub override_reason: Option<String>,
}

/// Applying a mode to every station of one level in a region.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkDelegationBody {
    pub region_code: String,
    pub level: String,
    pub items: Vec<String>,
    pub mode: String,
    #[serde(default)]
    pub override_reason: Option<String>,
}

/// What a bulk application did.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkDelegationDto {
    pub stations: usize,
    pub items: usize,
    pub cells: usize,
}

/// A station that handles the item asked about, with distance.
#[derive(Debug, Serialize, ToSchema)]
pub struct NearbyDto {
    pub station: StationDto,
    pub mode: String,
    pub mode_label: String,
    /// Straight-line distance in metres.
    pub distance_m: f64,
}

/// Answer to "where can I handle X".
#[derive(Debug, Serialize, ToSchema)]
pub struct WhereDto {
    pub item_code: String,
    pub item_name: String,
    pub time_limit: String,
    pub stations: Vec<NearbyDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct WhereQuery {
    /// Item code, e.g. JS-14.
    pub item: String,
    pub lon: f64,
    pub lat: f64,
    /// How many stations (1–100, default 5).
    pub limit: Option<usize>,
    /// Only stations that complete the item on site.
    #[serde(default)]
    pub complete_only: bool,
}

/// Login.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub username: String,
    pub password: String,
}

/// A new session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: UserDto,
}

/// A staff account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub role_label: String,
    pub region_scope: Option<String>,
    pub station_code: Option<String>,
    pub active: bool,
}

impl From<User> for UserDto {
    fn from(user: User) -> UserDto {
        UserDto {
            username: user.username,
            display_name: user.display_name,
            role: user.role.as_str().to_owned(),
            role_label: user.role.label().to_owned(),
            region_scope: user.region_scope.map(|c| c.to_string()),
            station_code: user.station_code,
            active: user.active,
        }
    }
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    pub username: String,
    pub display_name: String,
    /// bureau_admin, county, town_station, village_point, grid_worker, volunteer, reviewer.
    pub role: String,
    pub region_scope: Option<String>,
    pub station_code: Option<String>,
    pub password: String,
}

/// An audit row.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditDto {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub region_code: Option<String>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub ip: Option<String>,
}

impl From<AuditRecord> for AuditDto {
    fn from(record: AuditRecord) -> AuditDto {
        AuditDto {
            id: record.id,
            at: record.at,
            actor: record.actor,
            action: record.action,
            entity: record.entity,
            entity_id: record.entity_id,
            region_code: record.region_code,
            detail: serde_json::from_str(&record.detail).unwrap_or(serde_json::Value::Null),
            ip: record.ip,
        }
    }
}

/// Paging parameters shared by the lists.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// Page number from 1.
    pub page: Option<u32>,
    /// Items per page, 1–500 (default 50).
    pub per_page: Option<u32>,
}

macro_rules! page_dto {
    ($name:ident, $item:ty) => {
        /// One page of a list.
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            pub total: i64,
            pub page: u32,
            pub per_page: u32,
        }

        impl<T: Into<$item>> From<yibao_store::Page<T>> for $name {
            fn from(page: yibao_store::Page<T>) -> $name {
                $name {
                    items: page.items.into_iter().map(Into::into).collect(),
                    total: page.total,
                    page: page.page,
                    per_page: page.per_page,
                }
            }
        }
    };
}

page_dto!(RegionPage, RegionDto);
page_dto!(StationPage, StationDto);
page_dto!(AuditPage, AuditDto);

/// Result of a bulk import.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportDto {
    pub imported: u64,
}

/// Result of a catalog import.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogImportDto {
    pub items: usize,
    pub changed: usize,
}

/// Health of the service.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthDto {
    /// ok
    pub status: String,
    /// sqlite or postgres
    pub database: String,
    pub version: String,
}

pub fn delegation_dto(
    item: &StoredItem,
    delegation: Option<&Delegation>,
    level: yibao_domain::StationLevel,
) -> DelegationDto {
    let mode = delegation
        .map(|d| d.mode)
        .unwrap_or(yibao_domain::HandlingMode::None);
    DelegationDto {
        item_code: item.item.code.clone(),
        item_name: item.item.name.clone(),
        mode: mode.as_str().to_owned(),
        mode_label: mode.label().to_owned(),
        level_allows_complete: level.region_level() <= item.item.lowest_level(),
        override_reason: delegation.and_then(|d| d.override_reason.clone()),
        updated_by: delegation.map(|d| d.updated_by.clone()),
        updated_at: delegation.map(|d| d.updated_at),
    }
}

/// Coverage request (`GET /api/coverage`).
#[derive(Debug, Deserialize, IntoParams)]
pub struct CoverageParams {
    /// County or town code inside the caller's scope.
    pub region: String,
    /// Item code, e.g. JS-14.
    pub item: String,
    /// walk, e_bike or car (default walk).
    pub mode: Option<String>,
    /// Minutes (0–120, default 15).
    pub minutes: Option<String>,
    /// Only stations that complete the item on site.
    #[serde(default)]
    pub complete_only: bool,
}

/// Site plan request (`POST /api/plans`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    /// County or town code inside the caller's scope.
    pub region: String,
    pub item: String,
    /// walk, e_bike or car.
    #[serde(default = "default_mode")]
    pub mode: String,
    #[serde(default = "default_minutes")]
    pub minutes: f64,
    /// Number of new sites (1–50).
    pub sites: usize,
    #[serde(default)]
    pub complete_only: bool,
}

fn default_mode() -> String {
    "walk".to_owned()
}

fn default_minutes() -> f64 {
    15.0
}

/// Coverage of one town.
#[derive(Debug, Serialize, ToSchema)]
pub struct TownCoverageDto {
    pub code: String,
    pub name: String,
    pub population: i64,
    pub covered: i64,
    /// covered / population (0–1).
    pub share: f64,
}

/// An uncovered village.
#[derive(Debug, Serialize, ToSchema)]
pub struct UncoveredVillageDto {
    pub code: String,
    pub name: String,
    pub population: i64,
    /// Estimated minutes to the nearest handling station; null when the county has none.
    pub minutes: Option<f64>,
}

/// A population point (village) with its estimated time to the nearest handling station.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoveragePointDto {
    pub code: String,
    pub lon: f64,
    pub lat: f64,
    pub population: i64,
    pub minutes: Option<f64>,
    pub station: Option<String>,
    pub covered: bool,
}

/// Coverage of a region for one item (`method` says how times were obtained).
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageDto {
    pub region_code: String,
    pub region_name: String,
    pub item_code: String,
    pub item_name: String,
    pub mode: String,
    pub minutes: f64,
    pub complete_only: bool,
    /// `straight_line_estimate`: straight-line distance × detour at the mode's speed.
    pub method: String,
    pub method_label: String,
    pub detour_factor: f64,
    /// Speed assumed for the mode, km/h.
    pub speed_kmh: f64,
    pub stations: usize,
    pub total_population: i64,
    pub covered_population: i64,
    /// covered / total (0–1).
    pub share: f64,
    pub towns: Vec<TownCoverageDto>,
    /// Most populous first.
    pub uncovered: Vec<UncoveredVillageDto>,
    pub points: Vec<CoveragePointDto>,
}

/// A proposed new site.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposedSiteDto {
    pub code: String,
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    /// Population this site newly covers on its own.
    pub newly_covered: i64,
}

/// A site plan: the chosen villages and how good the choice is.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDto {
    pub region_code: String,
    pub item_code: String,
    pub mode: String,
    pub minutes: f64,
    pub method: String,
    pub method_label: String,
    pub sites_requested: usize,
    pub candidates: usize,
    /// Newly covered population of the chosen sites together.
    pub objective: i64,
    pub upper_bound: i64,
    pub gap: f64,
    pub proven_optimal: bool,
    pub covered_before: i64,
    pub total_population: i64,
    pub sites: Vec<ProposedSiteDto>,
}
