//! The network map: a county boundary (GeoJSON, WGS-84) and its stations drawn server-side as
//! an inline SVG, so the console needs no tile server and no map library.
//!
//! The projection is equirectangular with x scaled by the cosine of the mean latitude, which
//! keeps distances true to a few per mille across a county; one scale bar in kilometres
//! therefore holds for the whole drawing.

use std::fmt::Write;

use yibao_domain::{MultiPolygon, StationLevel};

/// Width and height of the drawing area of the SVG viewBox (the legend strip comes below).
pub const WIDTH: f64 = 640.0;
pub const HEIGHT: f64 = 520.0;
/// Empty margin around the boundary inside the drawing area.
pub const PADDING: f64 = 18.0;
/// Height of the strip under the map for the legend and the scale bar.
const LEGEND_HEIGHT: f64 = 58.0;
/// Kilometres per degree of latitude (mean Earth radius).
const KM_PER_DEGREE: f64 = 111.195;

/// Reads a GeoJSON FeatureCollection, Feature, MultiPolygon or Polygon into polygons; `None`
/// when the text holds no usable ring.
pub fn parse_boundary(text: &str) -> Option<MultiPolygon> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let mut polygons = Vec::new();
    collect_polygons(&value, &mut polygons);
    polygons.retain(|polygon: &Vec<Vec<[f64; 2]>>| polygon.first().is_some_and(|r| r.len() >= 3));
    (!polygons.is_empty()).then_some(MultiPolygon { polygons })
}

fn collect_polygons(value: &serde_json::Value, out: &mut Vec<Vec<Vec<[f64; 2]>>>) {
    match value["type"].as_str() {
        Some("FeatureCollection") => {
            for feature in value["features"].as_array().into_iter().flatten() {
                collect_polygons(feature, out);
            }
        }
        Some("Feature") => collect_polygons(&value["geometry"], out),
        Some("MultiPolygon") => {
            if let Ok(polygons) =
                serde_json::from_value::<Vec<Vec<Vec<[f64; 2]>>>>(value["coordinates"].clone())
            {
                out.extend(polygons);
            }
        }
        Some("Polygon") => {
            if let Ok(polygon) =
                serde_json::from_value::<Vec<Vec<[f64; 2]>>>(value["coordinates"].clone())
            {
                out.push(polygon);
            }
        }
        _ => {}
    }
}

/// Lon/lat → SVG pixels: equirectangular, x scaled by cos(mean latitude), fitted into the
/// drawing area with `PADDING` and centred.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    min_lon: f64,
    max_lat: f64,
    cos_lat: f64,
    /// Pixels per (cos-scaled) degree.
    scale: f64,
    offset_x: f64,
    offset_y: f64,
}

impl Projection {
    /// Fits the bounding box `[min_lon, min_lat, max_lon, max_lat]` into `width`×`height`.
    pub fn fit(bbox: [f64; 4], width: f64, height: f64, padding: f64) -> Projection {
        let [min_lon, min_lat, max_lon, max_lat] = bbox;
        let cos_lat = ((min_lat + max_lat) / 2.0).to_radians().cos();
        // A degenerate box (one point) still gets a sensible scale: about 10 km across.
        let span_x = ((max_lon - min_lon) * cos_lat).max(0.09);
        let span_y = (max_lat - min_lat).max(0.09);
        let scale = ((width - 2.0 * padding) / span_x).min((height - 2.0 * padding) / span_y);
        let offset_x = (width - (max_lon - min_lon) * cos_lat * scale) / 2.0;
        let offset_y = (height - (max_lat - min_lat) * scale) / 2.0;
        Projection {
            min_lon,
            max_lat,
            cos_lat,
            scale,
            offset_x,
            offset_y,
        }
    }

    /// Pixel position of a point.
    pub fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            self.offset_x + (lon - self.min_lon) * self.cos_lat * self.scale,
            self.offset_y + (self.max_lat - lat) * self.scale,
        )
    }

    /// How many kilometres one pixel covers.
    pub fn km_per_pixel(&self) -> f64 {
        KM_PER_DEGREE / self.scale
    }
}

/// A station to draw.
#[derive(Debug, Clone)]
pub struct MapStation {
    pub code: String,
    pub name: String,
    pub level: StationLevel,
    pub lon: f64,
    pub lat: f64,
    /// Inside the region being viewed (drawn larger when that region is a town or village).
    pub emphasised: bool,
    /// The viewer may open the station page (inside their scope).
    pub linked: bool,
}

/// Everything the map shows.
#[derive(Debug, Clone)]
pub struct MapSpec<'a> {
    /// Shown in the corner, e.g. "盐都区".
    pub title: &'a str,
    pub boundary: &'a MultiPolygon,
    pub stations: &'a [MapStation],
    /// Some station's coordinates were generated for the demo.
    pub generated: bool,
    /// Emphasise the stations of a sub-region (a town or village is being viewed).
    pub emphasis: bool,
    /// The sub-region's name, shown after the title when the map zooms to it.
    pub focus_name: &'a str,
}

/// Below this share of the county's extent (in both directions), the map zooms to the
/// emphasised stations and shows the whole county in a locator inset.
const ZOOM_SHARE: f64 = 0.5;
/// Least margin around the emphasised stations when zoomed, in degrees of latitude (~1.5 km).
const FOCUS_MARGIN: f64 = 0.0135;
/// Size and margin of the locator inset.
const INSET_WIDTH: f64 = 150.0;
const INSET_HEIGHT: f64 = 120.0;
const INSET_MARGIN: f64 = 10.0;

/// The area to draw: the emphasised stations with a margin when they cover a small part of
/// the county, else `None` (draw the whole county).
fn focus_box(spec: &MapSpec<'_>, whole: [f64; 4]) -> Option<[f64; 4]> {
    if !spec.emphasis {
        return None;
    }
    let mut bbox = yibao_domain::geo::BoundingBox::empty();
    for station in spec.stations.iter().filter(|s| s.emphasised) {
        bbox.extend(station.lon, station.lat);
    }
    if bbox.is_empty() {
        return None;
    }
    let [min_lon, min_lat, max_lon, max_lat] = whole;
    let cos = ((min_lat + max_lat) / 2.0).to_radians().cos().max(0.1);
    let margin_lat = ((bbox.max_lat - bbox.min_lat) * 0.25).max(FOCUS_MARGIN);
    let margin_lon = ((bbox.max_lon - bbox.min_lon) * 0.25).max(FOCUS_MARGIN / cos);
    let focus = [
        bbox.min_lon - margin_lon,
        bbox.min_lat - margin_lat,
        bbox.max_lon + margin_lon,
        bbox.max_lat + margin_lat,
    ];
    let small = (focus[2] - focus[0]) < ZOOM_SHARE * (max_lon - min_lon)
        && (focus[3] - focus[1]) < ZOOM_SHARE * (max_lat - min_lat);
    small.then_some(focus)
}

/// The boundary as one SVG path (even-odd fill keeps holes open).
fn boundary_path(boundary: &MultiPolygon, projection: &Projection) -> String {
    let mut path = String::new();
    for ring in boundary.polygons.iter().flatten() {
        for (i, [lon, lat]) in ring.iter().enumerate() {
            let (x, y) = projection.project(*lon, *lat);
            let _ = write!(path, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" });
        }
        path.push('Z');
    }
    path
}

/// The whole county, small, in the top right corner, with the zoomed area marked.
fn inset(svg: &mut String, spec: &MapSpec<'_>, whole: [f64; 4], focus: [f64; 4]) {
    let x0 = WIDTH - INSET_WIDTH - INSET_MARGIN;
    let y0 = INSET_MARGIN;
    let projection = Projection::fit(whole, INSET_WIDTH, INSET_HEIGHT, 6.0);
    let _ = write!(
        svg,
        r##"<g class="map-inset" transform="translate({x0},{y0})"><rect x="0" y="0" width="{INSET_WIDTH}" height="{INSET_HEIGHT}" fill="#ffffff" stroke="#9fb3c8" rx="4"/><path d="{}" fill="#dce8f6" stroke="#3f6a9a" stroke-width="0.8" fill-rule="evenodd"/>"##,
        boundary_path(spec.boundary, &projection)
    );
    let (left, top) = projection.project(focus[0], focus[3]);
    let (right, bottom) = projection.project(focus[2], focus[1]);
    let _ = write!(
        svg,
        r##"<rect x="{left:.1}" y="{top:.1}" width="{w:.1}" height="{h:.1}" fill="none" stroke="#c0392b" stroke-width="1.5"/><text x="{tx}" y="{ty}" font-size="12" text-anchor="middle" fill="#52606d" stroke="#eef1f4" stroke-width="3" paint-order="stroke">县域位置</text></g>"##,
        w = (right - left).max(3.0),
        h = (bottom - top).max(3.0),
        tx = INSET_WIDTH / 2.0,
        ty = INSET_HEIGHT + 15.0,
    );
}

fn bbox_of(boundary: &MultiPolygon, stations: &[MapStation]) -> [f64; 4] {
    let mut bbox = boundary.bounding_box();
    for station in stations {
        bbox.extend(station.lon, station.lat);
    }
    if bbox.is_empty() {
        return [0.0, 0.0, 0.0, 0.0];
    }
    [bbox.min_lon, bbox.min_lat, bbox.max_lon, bbox.max_lat]
}

/// How a level is drawn: fill colour, radius and legend label.
fn style(level: StationLevel) -> (&'static str, f64, &'static str) {
    match level {
        StationLevel::City => ("#4a1f1f", 9.5, "市级服务大厅"),
        StationLevel::County => ("#7a1f2b", 9.0, "县级服务大厅"),
        StationLevel::Town => ("#1f5fa8", 6.0, "镇街服务站"),
        StationLevel::Village => ("#2e8b57", 4.0, "村社区服务点"),
        StationLevel::Residential => ("#e08a1e", 3.0, "小区便捷点"),
        StationLevel::Building => ("#7b4fa0", 3.0, "楼栋暖心点"),
    }
}

/// XML text escaping for names and titles.
pub(super) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Points of a five-pointed star centred at `(x, y)`.
fn star_points(x: f64, y: f64, outer: f64) -> String {
    let inner = outer * 0.45;
    (0..10)
        .map(|i| {
            let radius = if i % 2 == 0 { outer } else { inner };
            let angle = std::f64::consts::PI / 5.0 * f64::from(i) - std::f64::consts::FRAC_PI_2;
            format!(
                "{:.1},{:.1}",
                x + radius * angle.cos(),
                y + radius * angle.sin()
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A round length for the scale bar, about a fifth of the map width.
fn scale_bar_km(km_per_pixel: f64) -> f64 {
    let target = km_per_pixel * WIDTH / 5.0;
    let candidates = [
        0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0,
    ];
    candidates
        .into_iter()
        .rev()
        .find(|km| *km <= target)
        .unwrap_or(0.1)
}

/// The SVG document (an inline `<svg id="network-map">` element).
pub fn render(spec: &MapSpec<'_>) -> String {
    let whole = bbox_of(spec.boundary, spec.stations);
    let focus = focus_box(spec, whole);
    let projection = Projection::fit(focus.unwrap_or(whole), WIDTH, HEIGHT, PADDING);
    let total_height = HEIGHT + LEGEND_HEIGHT;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg id="network-map" class="network-map{zoomed}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {total_height}" role="img" aria-labelledby="network-map-title">"##,
        zoomed = if focus.is_some() { " zoomed" } else { "" },
    );
    let _ = write!(
        svg,
        r##"<title id="network-map-title">{}站点分布图</title>"##,
        esc(spec.title)
    );
    // The drawing area clips whatever a zoomed view leaves outside it.
    let _ = write!(
        svg,
        r##"<defs><clipPath id="network-map-area"><rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}"/></clipPath></defs><rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#eef1f4"/><g clip-path="url(#network-map-area)">"##
    );
    let _ = write!(
        svg,
        r##"<path class="boundary" d="{}" fill="#dce8f6" stroke="#3f6a9a" stroke-width="1.6" stroke-linejoin="round" fill-rule="evenodd"/>"##,
        boundary_path(spec.boundary, &projection)
    );
    // Stations: lowest levels first so halls and town stations stay on top.
    let mut order: Vec<&MapStation> = spec.stations.iter().collect();
    order.sort_by_key(|s| std::cmp::Reverse(s.level.rank()));
    for station in order {
        let (colour, base, label) = style(station.level);
        let (x, y) = projection.project(station.lon, station.lat);
        let enlarged = spec.emphasis && station.emphasised;
        let radius = if enlarged { base * 1.6 } else { base };
        let faded = spec.emphasis && !station.emphasised;
        let opacity = if faded { "0.45" } else { "1" };
        let code = esc(&station.code);
        if station.linked {
            let _ = write!(svg, r##"<a href="/stations/{code}">"##);
        }
        let _ = write!(
            svg,
            r##"<circle class="station level-{level}" data-code="{code}" data-level="{level}" cx="{x:.1}" cy="{y:.1}" r="{radius:.1}" fill="{colour}" fill-opacity="{opacity}" stroke="#ffffff" stroke-width="{stroke}"><title>{name}（{label}）</title></circle>"##,
            level = station.level.as_str(),
            name = esc(&station.name),
            stroke = if radius >= 4.0 { "1.5" } else { "0.8" },
        );
        if matches!(station.level, StationLevel::County | StationLevel::City) {
            let _ = write!(
                svg,
                r##"<polygon points="{}" fill="#ffd34d" pointer-events="none"/>"##,
                star_points(x, y, radius * 0.72)
            );
        }
        if station.linked {
            svg.push_str("</a>");
        }
    }
    svg.push_str("</g>");
    let heading = match focus {
        Some(_) if !spec.focus_name.is_empty() => {
            format!("{} · {}（局部）", spec.title, spec.focus_name)
        }
        _ => spec.title.to_owned(),
    };
    let _ = write!(
        svg,
        r##"<text x="14" y="28" font-size="18" font-weight="bold" fill="#23364d" stroke="#eef1f4" stroke-width="4" paint-order="stroke">{}</text>"##,
        esc(&heading)
    );
    if let Some(focus) = focus {
        inset(&mut svg, spec, whole, focus);
    }
    // Legend strip.
    let top = HEIGHT;
    let _ = write!(
        svg,
        r##"<rect x="0" y="{top}" width="{WIDTH}" height="{LEGEND_HEIGHT}" fill="#ffffff"/><line x1="0" y1="{top}" x2="{WIDTH}" y2="{top}" stroke="#d5dde6"/>"##
    );
    let mut present: Vec<StationLevel> = spec.stations.iter().map(|s| s.level).collect();
    present.sort();
    present.dedup();
    if present.is_empty() {
        present = vec![
            StationLevel::County,
            StationLevel::Town,
            StationLevel::Village,
        ];
    }
    let mut x = 16.0;
    let legend_y = top + 22.0;
    for level in present {
        let (colour, radius, label) = style(level);
        let _ = write!(
            svg,
            r##"<circle cx="{cx:.1}" cy="{legend_y}" r="{radius}" fill="{colour}" stroke="#ffffff" stroke-width="1"/>"##,
            cx = x + 6.0,
        );
        if matches!(level, StationLevel::County | StationLevel::City) {
            let _ = write!(
                svg,
                r##"<polygon points="{}" fill="#ffd34d"/>"##,
                star_points(x + 6.0, legend_y, radius * 0.72)
            );
        }
        let _ = write!(
            svg,
            r##"<text x="{tx:.1}" y="{ty}" font-size="13" fill="#33414f">{label}</text>"##,
            tx = x + 18.0,
            ty = legend_y + 4.5,
        );
        x += 18.0 + label.chars().count() as f64 * 13.0 + 18.0;
    }
    // Scale bar, bottom right of the strip.
    let km = scale_bar_km(projection.km_per_pixel());
    let bar = km / projection.km_per_pixel();
    let bar_right = WIDTH - 16.0;
    let bar_left = bar_right - bar;
    let bar_y = top + 40.0;
    let km_text = if km < 1.0 {
        format!("{} 米", (km * 1000.0).round())
    } else {
        format!("{km} 公里")
    };
    let _ = write!(
        svg,
        r##"<g class="scale-bar"><path d="M{bar_left:.1},{y0:.1}V{bar_y:.1}H{bar_right:.1}V{y0:.1}" fill="none" stroke="#33414f" stroke-width="1.5"/><text x="{mid:.1}" y="{ty:.1}" font-size="12" text-anchor="middle" fill="#33414f">{km_text}</text></g>"##,
        y0 = bar_y - 5.0,
        mid = (bar_left + bar_right) / 2.0,
        ty = bar_y - 8.0,
    );
    if spec.generated {
        let _ = write!(
            svg,
            r##"<text class="map-caption" x="16" y="{y:.1}" font-size="12" fill="#6b7785">站点坐标为演示生成数据</text>"##,
            y = top + 48.0,
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A village on the coverage map.
#[derive(Debug, Clone)]
pub struct CoverageVillage {
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    pub population: i64,
    pub covered: bool,
    pub minutes: Option<f64>,
}

/// A station or proposed site on the coverage map.
#[derive(Debug, Clone)]
pub struct CoveragePlace {
    pub name: String,
    pub lon: f64,
    pub lat: f64,
}

/// What the coverage map shows.
#[derive(Debug, Clone)]
pub struct CoverageMapSpec<'a> {
    pub title: &'a str,
    /// The county boundary, when imported.
    pub boundary: Option<&'a MultiPolygon>,
    pub villages: &'a [CoverageVillage],
    pub stations: &'a [CoveragePlace],
    pub proposed: &'a [CoveragePlace],
}

const COVERED: &str = "#2e8b57";
const UNCOVERED: &str = "#c0392b";
const HANDLING: &str = "#1f5fa8";
const PROPOSED: &str = "#f2b600";

/// The coverage map (`<svg id="coverage-map">`): villages as circles sized by population,
/// green when covered and red when not, the stations handling the item as blue squares and
/// proposed sites as stars; fitted to the villages (the boundary is drawn behind them).
pub fn render_coverage(spec: &CoverageMapSpec<'_>) -> String {
    let mut bbox = yibao_domain::geo::BoundingBox::empty();
    for v in spec.villages {
        bbox.extend(v.lon, v.lat);
    }
    for p in spec.proposed {
        bbox.extend(p.lon, p.lat);
    }
    if bbox.is_empty() {
        if let Some(boundary) = spec.boundary {
            bbox = boundary.bounding_box();
        }
        for s in spec.stations {
            bbox.extend(s.lon, s.lat);
        }
    }
    let area = if bbox.is_empty() {
        [0.0; 4]
    } else {
        let margin_lat = ((bbox.max_lat - bbox.min_lat) * 0.08).max(0.005);
        let margin_lon = ((bbox.max_lon - bbox.min_lon) * 0.08).max(0.005);
        [
            bbox.min_lon - margin_lon,
            bbox.min_lat - margin_lat,
            bbox.max_lon + margin_lon,
            bbox.max_lat + margin_lat,
        ]
    };
    let projection = Projection::fit(area, WIDTH, HEIGHT, PADDING);
    let total_height = HEIGHT + LEGEND_HEIGHT;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg id="coverage-map" class="network-map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {total_height}" role="img" aria-labelledby="coverage-map-title"><title id="coverage-map-title">{}覆盖图</title>"##,
        esc(spec.title)
    );
    let _ = write!(
        svg,
        r##"<defs><clipPath id="coverage-map-area"><rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}"/></clipPath></defs><rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#eef1f4"/><g clip-path="url(#coverage-map-area)">"##
    );
    if let Some(boundary) = spec.boundary {
        let _ = write!(
            svg,
            r##"<path class="boundary" d="{}" fill="#dce8f6" stroke="#3f6a9a" stroke-width="1.6" stroke-linejoin="round" fill-rule="evenodd"/>"##,
            boundary_path(boundary, &projection)
        );
    }
    // Circle area proportional to population: the largest village gets radius 11 px.
    let largest = spec
        .villages
        .iter()
        .map(|v| v.population)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let mut order: Vec<&CoverageVillage> = spec.villages.iter().collect();
    order.sort_by_key(|v| std::cmp::Reverse(v.population));
    for village in order {
        let (x, y) = projection.project(village.lon, village.lat);
        let radius = (11.0 * (village.population as f64 / largest).sqrt()).max(2.5);
        let (colour, class) = if village.covered {
            (COVERED, "covered")
        } else {
            (UNCOVERED, "uncovered")
        };
        let minutes = match village.minutes {
            Some(m) => format!("，约 {m} 分钟"),
            None => "，县内无可办理站点".to_owned(),
        };
        let _ = write!(
            svg,
            r##"<circle class="village {class}" cx="{x:.1}" cy="{y:.1}" r="{radius:.1}" fill="{colour}" fill-opacity="0.7" stroke="#ffffff" stroke-width="1"><title>{name}：{population} 人{minutes}</title></circle>"##,
            name = esc(&village.name),
            population = village.population,
        );
    }
    for station in spec.stations {
        let (x, y) = projection.project(station.lon, station.lat);
        let _ = write!(
            svg,
            r##"<rect class="handling-station" x="{:.1}" y="{:.1}" width="9" height="9" fill="{HANDLING}" stroke="#ffffff" stroke-width="1.5"><title>{}</title></rect>"##,
            x - 4.5,
            y - 4.5,
            esc(&station.name)
        );
    }
    for site in spec.proposed {
        let (x, y) = projection.project(site.lon, site.lat);
        let _ = write!(
            svg,
            r##"<polygon class="proposed-site" points="{}" fill="{PROPOSED}" stroke="#5c4400" stroke-width="1.2"><title>建议新增：{}</title></polygon>"##,
            star_points(x, y, 11.0),
            esc(&site.name)
        );
    }
    svg.push_str("</g>");
    let _ = write!(
        svg,
        r##"<text x="14" y="28" font-size="18" font-weight="bold" fill="#23364d" stroke="#eef1f4" stroke-width="4" paint-order="stroke">{}</text>"##,
        esc(spec.title)
    );
    let top = HEIGHT;
    let _ = write!(
        svg,
        r##"<rect x="0" y="{top}" width="{WIDTH}" height="{LEGEND_HEIGHT}" fill="#ffffff"/><line x1="0" y1="{top}" x2="{WIDTH}" y2="{top}" stroke="#d5dde6"/>"##
    );
    let legend_y = top + 22.0;
    let mut x = 16.0;
    let entries: [(&str, &str); 4] = [
        ("covered", "已覆盖村"),
        ("uncovered", "未覆盖村"),
        ("station", "可办理站点"),
        ("proposed", "建议新增"),
    ];
    for (kind, label) in entries {
        match kind {
            "covered" | "uncovered" => {
                let colour = if kind == "covered" {
                    COVERED
                } else {
                    UNCOVERED
                };
                let _ = write!(
                    svg,
                    r##"<circle cx="{:.1}" cy="{legend_y}" r="6" fill="{colour}" fill-opacity="0.7"/>"##,
                    x + 6.0
                );
            }
            "station" => {
                let _ = write!(
                    svg,
                    r##"<rect x="{:.1}" y="{:.1}" width="9" height="9" fill="{HANDLING}"/>"##,
                    x + 1.5,
                    legend_y - 4.5
                );
            }
            _ => {
                let _ = write!(
                    svg,
                    r##"<polygon points="{}" fill="{PROPOSED}" stroke="#5c4400" stroke-width="1"/>"##,
                    star_points(x + 6.0, legend_y, 8.0)
                );
            }
        }
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="13" fill="#33414f">{label}</text>"##,
            x + 18.0,
            legend_y + 4.5
        );
        x += 18.0 + label.chars().count() as f64 * 13.0 + 18.0;
    }
    let km = scale_bar_km(projection.km_per_pixel());
    let bar = km / projection.km_per_pixel();
    let bar_right = WIDTH - 16.0;
    let bar_left = bar_right - bar;
    let bar_y = top + 40.0;
    let km_text = if km < 1.0 {
        format!("{} 米", (km * 1000.0).round())
    } else {
        format!("{km} 公里")
    };
    let _ = write!(
        svg,
        r##"<g class="scale-bar"><path d="M{bar_left:.1},{y0:.1}V{bar_y:.1}H{bar_right:.1}V{y0:.1}" fill="none" stroke="#33414f" stroke-width="1.5"/><text x="{mid:.1}" y="{ty:.1}" font-size="12" text-anchor="middle" fill="#33414f">{km_text}</text></g>"##,
        y0 = bar_y - 5.0,
        mid = (bar_left + bar_right) / 2.0,
        ty = bar_y - 8.0,
    );
    let _ = write!(
        svg,
        r##"<text class="map-caption" x="16" y="{:.1}" font-size="12" fill="#6b7785">圆点面积与人口成正比；时间为直线距离估算</text>"##,
        top + 48.0
    );
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square() -> MultiPolygon {
        MultiPolygon {
            polygons: vec![vec![vec![
                [120.0, 33.0],
                [121.0, 33.0],
                [121.0, 34.0],
                [120.0, 34.0],
                [120.0, 33.0],
            ]]],
        }
    }

    #[test]
    fn projection_keeps_every_point_inside_the_view_box() {
        let projection = Projection::fit([119.5, 33.1, 120.4, 33.6], WIDTH, HEIGHT, PADDING);
        for lon in [119.5, 119.9, 120.4] {
            for lat in [33.1, 33.35, 33.6] {
                let (x, y) = projection.project(lon, lat);
                assert!(
                    (PADDING - 1e-9..=WIDTH - PADDING + 1e-9).contains(&x),
                    "x {x}"
                );
                assert!(
                    (PADDING - 1e-9..=HEIGHT - PADDING + 1e-9).contains(&y),
                    "y {y}"
                );
            }
        }
    }

    #[test]
    fn a_known_point_maps_to_the_expected_pixel() {
        // A 1°×1° box at 33.5° mean latitude: its height limits the scale
        // ((520 − 36) / 1 = 484 px per degree), and it is centred horizontally.
        let projection = Projection::fit([120.0, 33.0, 121.0, 34.0], WIDTH, HEIGHT, PADDING);
        let cos = 33.5f64.to_radians().cos();
        let width = cos * 484.0;
        let (x, y) = projection.project(120.0, 34.0);
        assert!((x - (WIDTH - width) / 2.0).abs() < 1e-9, "x {x}");
        assert!((y - PADDING).abs() < 1e-9, "y {y}");
        let (x, y) = projection.project(120.5, 33.5);
        assert!((x - WIDTH / 2.0).abs() < 1e-9, "x {x}");
        assert!((y - HEIGHT / 2.0).abs() < 1e-9, "y {y}");
        // One pixel is 111.195 / 484 km.
        assert!((projection.km_per_pixel() - 111.195 / 484.0).abs() < 1e-12);
    }

    #[test]
    fn a_single_point_does_not_divide_by_zero() {
        let projection = Projection::fit([120.0, 33.0, 120.0, 33.0], WIDTH, HEIGHT, PADDING);
        let (x, y) = projection.project(120.0, 33.0);
        assert!(x.is_finite() && y.is_finite());
        assert!((0.0..=WIDTH).contains(&x) && (0.0..=HEIGHT).contains(&y));
    }

    #[test]
    fn the_svg_links_stations_and_names_them() {
        let stations = vec![
            MapStation {
                code: "320903-HALL".into(),
                name: "盐都区医保服务大厅".into(),
                level: StationLevel::County,
                lon: 120.2,
                lat: 33.4,
                emphasised: false,
                linked: true,
            },
            MapStation {
                code: "320903105-ST".into(),
                name: "尚庄镇<服务站>".into(),
                level: StationLevel::Town,
                lon: 120.5,
                lat: 33.5,
                emphasised: true,
                linked: false,
            },
        ];
        let boundary = square();
        let svg = render(&MapSpec {
            title: "盐都区",
            boundary: &boundary,
            stations: &stations,
            generated: true,
            emphasis: true,
            focus_name: "",
        });
        assert!(svg.starts_with("<svg id=\"network-map\""));
        assert!(svg.contains(r#"<a href="/stations/320903-HALL"><circle"#));
        assert!(svg.contains(r#"data-code="320903105-ST""#));
        assert!(!svg.contains(r#"href="/stations/320903105-ST""#));
        assert!(svg.contains("尚庄镇&lt;服务站&gt;（镇街服务站）"));
        assert!(svg.contains("站点坐标为演示生成数据"));
        assert!(svg.contains("公里"));
        assert_eq!(svg.matches("<circle class=\"station").count(), 2);
    }

    #[test]
    fn a_town_in_a_corner_of_the_county_is_zoomed_with_a_locator() {
        let station = |code: &str, lon, lat, emphasised| MapStation {
            code: code.into(),
            name: code.into(),
            level: StationLevel::Village,
            lon,
            lat,
            emphasised,
            linked: true,
        };
        let stations = vec![
            station("HALL", 120.5, 33.5, false),
            station("A", 120.90, 33.90, true),
            station("B", 120.92, 33.91, true),
        ];
        let boundary = square();
        let spec = MapSpec {
            title: "某区",
            boundary: &boundary,
            stations: &stations,
            generated: false,
            emphasis: true,
            focus_name: "某街道",
        };
        let svg = render(&spec);
        assert!(svg.contains("network-map zoomed"));
        assert!(svg.contains("县域位置"));
        assert!(svg.contains("某区 · 某街道（局部）"));
        // The zoomed projection keeps the town's stations inside the drawing area.
        let whole = bbox_of(&boundary, &stations);
        let focus = focus_box(&spec, whole).unwrap();
        let projection = Projection::fit(focus, WIDTH, HEIGHT, PADDING);
        for s in stations.iter().filter(|s| s.emphasised) {
            let (x, y) = projection.project(s.lon, s.lat);
            assert!((PADDING..=WIDTH - PADDING).contains(&x), "x {x}");
            assert!((PADDING..=HEIGHT - PADDING).contains(&y), "y {y}");
        }
        // Viewing the whole county never zooms.
        let county = MapSpec {
            emphasis: false,
            ..spec
        };
        assert!(focus_box(&county, whole).is_none());
        assert!(!render(&county).contains("县域位置"));
    }

    #[test]
    fn geojson_feature_collections_are_read() {
        let text = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
            "geometry":{"type":"MultiPolygon","coordinates":[[[[120,33],[121,33],[121,34],[120,33]]]]}}]}"#;
        let shape = parse_boundary(text).unwrap();
        assert_eq!(shape.polygons.len(), 1);
        assert!(parse_boundary("{}").is_none());
        assert!(parse_boundary("not json").is_none());
    }

    #[test]
    fn the_scale_bar_is_a_round_length() {
        assert_eq!(scale_bar_km(0.1), 10.0);
        assert_eq!(scale_bar_km(0.02), 2.0);
        assert_eq!(scale_bar_km(0.0001), 0.1);
    }
}
