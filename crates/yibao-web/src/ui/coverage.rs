//! The "15 分钟覆盖" panel of the network page: a GET form (item, mode, minutes, complete
//! only) and, when submitted, the covered population, the per-town table, the uncovered
//! villages and the coverage map; a second form asks for K proposed sites, starred on the map.
//! Times are straight-line estimates (`app::coverage`), labelled as such.

use yibao_domain::{RegionCode, RegionLevel};
use yibao_routing::TravelMode;

use super::map::{self, CoverageMapSpec, CoveragePlace, CoverageVillage};
use crate::AppState;
use crate::app::{self, Actor};
use crate::auth::Staff;
use crate::error::ApiError;

/// Uncovered villages listed on the page (the API returns them all).
const UNCOVERED_SHOWN: usize = 30;

/// The panel's form fields, as they came in the query string.
#[derive(Debug, Default, Clone)]
pub struct CoverageForm {
    pub item: Option<String>,
    pub mode: Option<String>,
    pub minutes: Option<String>,
    pub complete_only: bool,
    pub sites: Option<String>,
}

pub struct ItemChoice {
    pub code: String,
    pub label: String,
    pub selected: bool,
}

pub struct ModeChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

pub struct TownRow {
    pub code: String,
    pub name: String,
    pub population: String,
    pub covered: String,
    pub share: String,
}

pub struct VillageRow {
    pub code: String,
    pub name: String,
    pub population: String,
    pub minutes: String,
}

pub struct SiteRow {
    pub code: String,
    pub name: String,
    pub newly_covered: String,
}

pub struct PlanView {
    pub sites: Vec<SiteRow>,
    pub objective: String,
    pub upper_bound: String,
    pub gap: String,
    pub proven_optimal: bool,
    pub share_after: String,
    pub candidates: usize,
}

pub struct CoverageView {
    pub item_name: String,
    pub mode_label: &'static str,
    pub minutes: String,
    pub method_label: String,
    pub stations: usize,
    pub total: String,
    pub covered: String,
    pub share: String,
    pub villages: usize,
    pub towns: Vec<TownRow>,
    pub uncovered: Vec<VillageRow>,
    pub uncovered_total: usize,
    pub map_svg: String,
    pub plan: Option<PlanView>,
}

pub struct CoveragePanel {
    pub region_code: String,
    pub items: Vec<ItemChoice>,
    pub modes: Vec<ModeChoice>,
    pub minutes: String,
    pub complete_only: bool,
    pub sites: String,
    pub result: Option<CoverageView>,
    pub error: String,
}

/// A count with thousands separators: 421454 → "421,454".
fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn trim(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The panel for `region` (a county or town; `None` elsewhere). Bad input shows a Chinese
/// message in the panel instead of failing the page.
pub async fn panel(
    state: &AppState,
    staff: &Staff,
    region: &RegionCode,
    form: &CoverageForm,
) -> Result<Option<CoveragePanel>, ApiError> {
    if !matches!(region.level(), RegionLevel::County | RegionLevel::Town) {
        return Ok(None);
    }
    let item = trim(&form.item);
    let mode_text = trim(&form.mode).unwrap_or("walk");
    let mode = TravelMode::parse(mode_text).unwrap_or(TravelMode::Walk);
    let minutes_text = trim(&form.minutes).unwrap_or("15").to_owned();
    let items = state
        .store
        .list_items()
        .await?
        .into_iter()
        .map(|stored| ItemChoice {
            selected: Some(stored.item.code.as_str()) == item,
            label: format!("{} {}", stored.item.code, stored.item.name),
            code: stored.item.code,
        })
        .collect();
    let mut panel = CoveragePanel {
        region_code: region.to_string(),
        items,
        modes: TravelMode::ALL
            .into_iter()
            .map(|m| ModeChoice {
                value: m.as_str(),
                label: app::coverage::mode_label(m),
                selected: m == mode,
            })
            .collect(),
        minutes: minutes_text.clone(),
        complete_only: form.complete_only,
        sites: trim(&form.sites).unwrap_or("3").to_owned(),
        result: None,
        error: String::new(),
    };
    let Some(item) = item else {
        return Ok(Some(panel));
    };
    let outcome = compute(state, staff, region, item, mode_text, &minutes_text, form).await;
    match outcome {
        Ok(view) => panel.result = Some(view),
        Err(error) if error.status.is_client_error() => panel.error = error.message,
        Err(error) => return Err(error),
    }
    Ok(Some(panel))
}

async fn compute(
    state: &AppState,
    staff: &Staff,
    region: &RegionCode,
    item: &str,
    mode_text: &str,
    minutes_text: &str,
    form: &CoverageForm,
) -> Result<CoverageView, ApiError> {
    let actor = Actor::from(staff);
    let query = app::coverage::CoverageQuery {
        region: region.clone(),
        item: item.to_owned(),
        mode: app::coverage::parse_travel_mode(mode_text)?,
        minutes: minutes_text.parse::<f64>().map_err(|_| {
            ApiError::validation(format!("时间“{minutes_text}”无效：应为分钟数"), Vec::new())
        })?,
        complete_only: form.complete_only,
    };
    let (report, plan) = match trim(&form.sites) {
        Some(sites) => {
            let sites: usize = sites.parse().map_err(|_| {
                ApiError::validation(format!("新增站点数“{sites}”无效：应为 1 到 50"), Vec::new())
            })?;
            let plan = app::coverage::plan(&state.store, &actor, &query, sites).await?;
            (plan.coverage.clone(), Some(plan))
        }
        None => (
            app::coverage::coverage(&state.store, &actor, &query).await?,
            None,
        ),
    };
    let boundary = match region.ancestor_at(RegionLevel::County) {
        Some(county) => state
            .store
            .boundary(&county)
            .await?
            .and_then(|text| map::parse_boundary(&text)),
        None => None,
    };
    let villages: Vec<CoverageVillage> = report
        .villages
        .iter()
        .map(|v| CoverageVillage {
            name: v.name.clone(),
            lon: v.lon,
            lat: v.lat,
            population: v.population,
            covered: v.covered,
            minutes: v.minutes,
        })
        .collect();
    let stations: Vec<CoveragePlace> = report
        .stations
        .iter()
        .filter_map(|h| {
            let at = h.station.location?;
            Some(CoveragePlace {
                name: format!("{}（{}）", h.station.name, h.mode.label()),
                lon: at.lon(),
                lat: at.lat(),
            })
        })
        .collect();
    let proposed: Vec<CoveragePlace> = plan
        .iter()
        .flat_map(|p| &p.sites)
        .map(|s| CoveragePlace {
            name: s.name.clone(),
            lon: s.lon,
            lat: s.lat,
        })
        .collect();
    let title = format!(
        "{} · {}{} 分钟",
        report.region.name,
        app::coverage::mode_label(report.mode),
        minutes_text
    );
    let map_svg = map::render_coverage(&CoverageMapSpec {
        title: &title,
        boundary: boundary.as_ref(),
        villages: &villages,
        stations: &stations,
        proposed: &proposed,
    });
    let uncovered_all = report.uncovered();
    let plan_view = plan.as_ref().map(|p| PlanView {
        sites: p
            .sites
            .iter()
            .map(|s| SiteRow {
                code: s.code.clone(),
                name: s.name.clone(),
                newly_covered: grouped(s.newly_covered),
            })
            .collect(),
        objective: grouped(p.objective),
        upper_bound: grouped(p.upper_bound),
        gap: percent(p.gap),
        proven_optimal: p.proven_optimal,
        share_after: percent(if report.total_population > 0 {
            (report.covered_population + p.objective) as f64 / report.total_population as f64
        } else {
            0.0
        }),
        candidates: p.candidates,
    });
    Ok(CoverageView {
        item_name: format!("{} {}", report.item_code, report.item_name),
        mode_label: app::coverage::mode_label(report.mode),
        minutes: minutes_text.to_owned(),
        method_label: app::coverage::method_label(report.detour),
        stations: report.stations.len(),
        total: grouped(report.total_population),
        covered: grouped(report.covered_population),
        share: percent(report.share),
        villages: report.villages.len(),
        towns: report
            .towns
            .iter()
            .map(|t| TownRow {
                code: t.code.clone(),
                name: t.name.clone(),
                population: grouped(t.population),
                covered: grouped(t.covered),
                share: percent(t.share),
            })
            .collect(),
        uncovered_total: uncovered_all.len(),
        uncovered: uncovered_all
            .iter()
            .take(UNCOVERED_SHOWN)
            .map(|v| VillageRow {
                code: v.code.clone(),
                name: v.name.clone(),
                population: grouped(v.population),
                minutes: v
                    .minutes
                    .map(|m| format!("{m} 分钟"))
                    .unwrap_or_else(|| "无可办理站点".to_owned()),
            })
            .collect(),
        map_svg,
        plan: plan_view,
    })
}

#[cfg(test)]
mod tests {
    use super::grouped;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(421_454), "421,454");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }
}
