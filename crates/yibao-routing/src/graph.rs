//! Road networks and the per-mode graphs that travel times are computed on.
//!
//! A [`RoadNetwork`] is what an importer produces: nodes with WGS-84 positions and undirected
//! road segments with a length in metres, a highway class, a one-way flag and per-mode access
//! restrictions. A [`Graph`] is that network seen by one [`TravelMode`]: only the segments the
//! mode may use, directed where the mode respects one-way streets, with travel times, stored
//! as compressed sparse rows (`offsets`, `targets`, `costs`) so a search reads neighbours from
//! contiguous memory.
//!
//! **Costs are `u32` deciseconds** (tenths of a second), the unit OSRM uses for durations:
//! fine enough that rounding each segment to 0.1 s stays far below what a person notices over
//! 15 minutes, coarse enough that `u32` holds 13 years, so sums never overflow in practice
//! (searches still add with saturation).

use serde::{Deserialize, Serialize};
use yibao_domain::GeoPoint;

use crate::RoutingError;

/// Deciseconds per minute.
pub const DECISECONDS_PER_MINUTE: u32 = 600;

/// How people travel to a station.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TravelMode {
    /// On foot, both directions of every road a pedestrian may use.
    Walk,
    /// Electric bicycle (the common way to reach a town in rural China); ignores one-way.
    EBike,
    /// Car, speed by highway class, one-way respected.
    Car,
}

impl TravelMode {
    /// All modes, in a fixed order.
    pub const ALL: [TravelMode; 3] = [TravelMode::Walk, TravelMode::EBike, TravelMode::Car];

    /// Parses `walk`, `e_bike` (also `e-bike`, `ebike`) or `car`.
    pub fn parse(text: &str) -> Result<TravelMode, RoutingError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "walk" | "foot" => Ok(TravelMode::Walk),
            "e_bike" | "e-bike" | "ebike" => Ok(TravelMode::EBike),
            "car" | "drive" => Ok(TravelMode::Car),
            other => Err(RoutingError::InvalidParameter(format!(
                "出行方式“{other}”无效：应为 walk（步行）、e_bike（电动自行车）或 car（汽车）"
            ))),
        }
    }

    /// The machine name used in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            TravelMode::Walk => "walk",
            TravelMode::EBike => "e_bike",
            TravelMode::Car => "car",
        }
    }

    fn bit(self) -> u8 {
        match self {
            TravelMode::Walk => 1,
            TravelMode::EBike => 2,
            TravelMode::Car => 4,
        }
    }
}

/// A set of travel modes (used for per-segment access restrictions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct ModeSet(u8);

impl ModeSet {
    /// No mode.
    pub const EMPTY: ModeSet = ModeSet(0);

    /// Whether `mode` is in the set.
    pub fn contains(self, mode: TravelMode) -> bool {
        self.0 & mode.bit() != 0
    }

    /// The set with `mode` added.
    pub fn with(self, mode: TravelMode) -> ModeSet {
        ModeSet(self.0 | mode.bit())
    }

    /// The set with `mode` removed.
    pub fn without(self, mode: TravelMode) -> ModeSet {
        ModeSet(self.0 & !mode.bit())
    }

    /// The modes in either set.
    pub fn union(self, other: ModeSet) -> ModeSet {
        ModeSet(self.0 | other.0)
    }

    /// Whether the set holds no mode.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The set as bits (one per mode), to store compactly.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// The set [`ModeSet::bits`] gave.
    pub fn from_bits(bits: u8) -> ModeSet {
        ModeSet(bits)
    }
}

macro_rules! highway_classes {
    ($($variant:ident => $tag:literal),* $(,)?) => {
        /// The OpenStreetMap `highway=*` class of a road segment.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum HighwayClass { $($variant),* }

        impl HighwayClass {
            /// All classes, in declaration order (their index into speed tables).
            pub const ALL: &'static [HighwayClass] = &[$(HighwayClass::$variant),*];

            /// The OpenStreetMap tag value, e.g. `"primary_link"`.
            pub fn as_str(self) -> &'static str {
                match self { $(HighwayClass::$variant => $tag),* }
            }

            /// The class of an OpenStreetMap `highway` value; `None` for values that are not
            /// travelled roads (`proposed`, `construction`, `platform`, `bus_stop`…).
            pub fn from_tag(tag: &str) -> Option<HighwayClass> {
                match tag { $($tag => Some(HighwayClass::$variant),)* _ => None }
            }
        }
    };
}

highway_classes! {
    Motorway => "motorway",
    MotorwayLink => "motorway_link",
    Trunk => "trunk",
    TrunkLink => "trunk_link",
    Primary => "primary",
    PrimaryLink => "primary_link",
    Secondary => "secondary",
    SecondaryLink => "secondary_link",
    Tertiary => "tertiary",
    TertiaryLink => "tertiary_link",
    Unclassified => "unclassified",
    Residential => "residential",
    LivingStreet => "living_street",
    Service => "service",
    Road => "road",
    Track => "track",
    Pedestrian => "pedestrian",
    Footway => "footway",
    Path => "path",
    Steps => "steps",
    Cycleway => "cycleway",
    Bridleway => "bridleway",
}

impl HighwayClass {
    /// Number of classes.
    pub const COUNT: usize = HighwayClass::ALL.len();

    /// Index into per-class tables.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Parses a CSV `highway` cell; an empty cell means a generic `road`.
    pub fn parse(text: &str) -> Result<HighwayClass, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(HighwayClass::Road);
        }
        HighwayClass::from_tag(&text.to_ascii_lowercase())
            .ok_or_else(|| format!("道路等级“{text}”无法识别（应为 OpenStreetMap 的 highway 取值，如 primary、residential、footway）"))
    }
}

/// One-way status of a segment, relative to its `from` → `to` direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Oneway {
    /// Both directions.
    #[default]
    No,
    /// Only `from` → `to`.
    Forward,
    /// Only `to` → `from` (OpenStreetMap `oneway=-1`).
    Backward,
}

impl Oneway {
    /// Parses `yes/true/1` (forward), `-1/reverse` (backward) or `no/false/0`/empty (none).
    pub fn parse(text: &str) -> Option<Oneway> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "no" | "false" | "0" => Some(Oneway::No),
            "yes" | "true" | "1" => Some(Oneway::Forward),
            "-1" | "reverse" => Some(Oneway::Backward),
            _ => None,
        }
    }
}

/// An undirected road segment between two nodes (indices into the network's node arrays).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RoadSegment {
    pub from: u32,
    pub to: u32,
    pub length_m: f64,
    pub highway: HighwayClass,
    pub oneway: Oneway,
    /// Modes that may not use this segment whatever its class (`foot=no`, `access=private`…).
    pub forbidden: ModeSet,
}

/// Nodes and road segments as imported, independent of any travel mode.
#[derive(Debug, Clone, Default)]
pub struct RoadNetwork {
    node_ids: Vec<i64>,
    positions: Vec<GeoPoint>,
    segments: Vec<RoadSegment>,
}

impl RoadNetwork {
    /// A network from its parts. Node `i` has external id `node_ids[i]` and position
    /// `positions[i]`; segments refer to nodes by index.
    pub fn new(
        node_ids: Vec<i64>,
        positions: Vec<GeoPoint>,
        segments: Vec<RoadSegment>,
    ) -> Result<RoadNetwork, RoutingError> {
        if node_ids.len() != positions.len() {
            return Err(RoutingError::InvalidParameter(format!(
                "节点编号 {} 个，坐标 {} 个，数量不一致",
                node_ids.len(),
                positions.len()
            )));
        }
        if node_ids.len() >= u32::MAX as usize {
            return Err(RoutingError::InvalidParameter("节点过多".into()));
        }
        let node_count = node_ids.len() as u32;
        for (index, segment) in segments.iter().enumerate() {
            if segment.from >= node_count || segment.to >= node_count {
                return Err(RoutingError::InvalidParameter(format!(
                    "第 {} 条路段引用了不存在的节点",
                    index + 1
                )));
            }
            if !(segment.length_m.is_finite() && segment.length_m >= 0.0) {
                return Err(RoutingError::InvalidParameter(format!(
                    "第 {} 条路段长度 {} 无效",
                    index + 1,
                    segment.length_m
                )));
            }
        }
        Ok(RoadNetwork {
            node_ids,
            positions,
            segments,
        })
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.node_ids.len()
    }

    /// External node ids (OSM ids or the CSV's `id` column), by node index.
    pub fn node_ids(&self) -> &[i64] {
        &self.node_ids
    }

    /// Node positions, by node index.
    pub fn positions(&self) -> &[GeoPoint] {
        &self.positions
    }

    /// All road segments.
    pub fn segments(&self) -> &[RoadSegment] {
        &self.segments
    }
}

/// Speeds of one travel mode: km/h per highway class (`None` = the mode may not use the
/// class) and whether one-way streets bind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModeConfig {
    pub mode: TravelMode,
    /// Indexed by [`HighwayClass::index`].
    pub speed_kmh: Vec<Option<f64>>,
    pub respect_oneway: bool,
}

impl ModeConfig {
    /// Walking at 5 km/h on every class except motorways.
    pub fn walk() -> ModeConfig {
        ModeConfig::uniform(
            TravelMode::Walk,
            5.0,
            &[HighwayClass::Motorway, HighwayClass::MotorwayLink],
        )
    }

    /// E-bike at 15 km/h on every class except motorways and steps.
    pub fn e_bike() -> ModeConfig {
        ModeConfig::uniform(
            TravelMode::EBike,
            15.0,
            &[
                HighwayClass::Motorway,
                HighwayClass::MotorwayLink,
                HighwayClass::Steps,
            ],
        )
    }

    /// Car: speeds by class (urban/rural averages, not limits), footways and paths closed,
    /// one-way respected.
    pub fn car() -> ModeConfig {
        use HighwayClass::*;
        let mut speed_kmh = vec![None; HighwayClass::COUNT];
        for (class, speed) in [
            (Motorway, 90.0),
            (MotorwayLink, 45.0),
            (Trunk, 70.0),
            (TrunkLink, 40.0),
            (Primary, 55.0),
            (PrimaryLink, 30.0),
            (Secondary, 45.0),
            (SecondaryLink, 25.0),
            (Tertiary, 40.0),
            (TertiaryLink, 20.0),
            (Unclassified, 25.0),
            (Residential, 25.0),
            (LivingStreet, 10.0),
            (Service, 15.0),
            (Road, 25.0),
            (Track, 10.0),
        ] {
            speed_kmh[class.index()] = Some(speed);
        }
        ModeConfig {
            mode: TravelMode::Car,
            speed_kmh,
            respect_oneway: true,
        }
    }

    /// The default configuration of `mode`.
    pub fn for_mode(mode: TravelMode) -> ModeConfig {
        match mode {
            TravelMode::Walk => ModeConfig::walk(),
            TravelMode::EBike => ModeConfig::e_bike(),
            TravelMode::Car => ModeConfig::car(),
        }
    }

    fn uniform(mode: TravelMode, speed: f64, closed: &[HighwayClass]) -> ModeConfig {
        let mut speed_kmh = vec![Some(speed); HighwayClass::COUNT];
        for class in closed {
            speed_kmh[class.index()] = None;
        }
        ModeConfig {
            mode,
            speed_kmh,
            respect_oneway: false,
        }
    }

    /// The same mode with every usable class at `speed_kmh` (e.g. a slower walking speed for
    /// the elderly).
    pub fn with_uniform_speed(mut self, speed_kmh: f64) -> Result<ModeConfig, RoutingError> {
        check_speed(speed_kmh)?;
        for speed in self.speed_kmh.iter_mut().flatten() {
            *speed = speed_kmh;
        }
        Ok(self)
    }

    /// The same mode with `class` at `speed_kmh` (`None` closes the class to the mode).
    pub fn with_class_speed(
        mut self,
        class: HighwayClass,
        speed_kmh: Option<f64>,
    ) -> Result<ModeConfig, RoutingError> {
        if let Some(speed) = speed_kmh {
            check_speed(speed)?;
        }
        self.speed_kmh[class.index()] = speed_kmh;
        Ok(self)
    }

    /// Speed on `class`, if the mode may use it.
    pub fn speed(&self, class: HighwayClass) -> Option<f64> {
        self.speed_kmh.get(class.index()).copied().flatten()
    }
}

fn check_speed(speed_kmh: f64) -> Result<(), RoutingError> {
    if speed_kmh.is_finite() && speed_kmh > 0.0 && speed_kmh <= 300.0 {
        Ok(())
    } else {
        Err(RoutingError::InvalidParameter(format!(
            "速度 {speed_kmh} km/h 无效：应大于 0 且不超过 300"
        )))
    }
}

/// Travel time over `length_m` metres at `speed_kmh`, rounded to deciseconds.
pub fn travel_deciseconds(length_m: f64, speed_kmh: f64) -> u32 {
    // seconds = metres / (km/h / 3.6); deciseconds = metres * 36 / (km/h).
    let deciseconds = (length_m * 36.0 / speed_kmh).round();
    if deciseconds >= u32::MAX as f64 {
        u32::MAX - 1
    } else {
        deciseconds as u32
    }
}

/// One travel mode's directed graph over a network's nodes, in compressed sparse rows.
#[derive(Debug, Clone)]
pub struct Graph {
    mode: TravelMode,
    /// `offsets[v]..offsets[v + 1]` index the arcs leaving node `v`.
    offsets: Vec<u32>,
    targets: Vec<u32>,
    /// Travel time of each arc in deciseconds.
    costs: Vec<u32>,
    positions: Vec<GeoPoint>,
    node_ids: Vec<i64>,
    /// Whether the mode can enter or leave the node at all.
    usable: Vec<bool>,
    /// Whether every arc has a reverse arc of equal cost (no one-way streets for this mode).
    symmetric: bool,
}

impl Graph {
    /// The graph of `network` for `config`'s mode: unusable segments left out, one-way
    /// segments directed when the mode respects them, costs from the class speed.
    pub fn build(network: &RoadNetwork, config: &ModeConfig) -> Graph {
        let mut arcs: Vec<(u32, u32, u32)> = Vec::with_capacity(network.segments.len() * 2);
        for segment in &network.segments {
            if segment.forbidden.contains(config.mode) || segment.from == segment.to {
                continue;
            }
            let Some(speed) = config.speed(segment.highway) else {
                continue;
            };
            let cost = travel_deciseconds(segment.length_m, speed);
            let oneway = if config.respect_oneway {
                segment.oneway
            } else {
                Oneway::No
            };
            if oneway != Oneway::Backward {
                arcs.push((segment.from, segment.to, cost));
            }
            if oneway != Oneway::Forward {
                arcs.push((segment.to, segment.from, cost));
            }
        }
        let mut graph = Graph::from_arcs(
            config.mode,
            network.positions.clone(),
            network.node_ids.clone(),
            &arcs,
        )
        .expect("segments were checked against the node count");
        graph.symmetric = !config.respect_oneway;
        graph
    }

    /// A graph from directed arcs `(from, to, deciseconds)` over `positions.len()` nodes.
    pub fn from_arcs(
        mode: TravelMode,
        positions: Vec<GeoPoint>,
        node_ids: Vec<i64>,
        arcs: &[(u32, u32, u32)],
    ) -> Result<Graph, RoutingError> {
        let node_count = positions.len();
        if node_ids.len() != node_count {
            return Err(RoutingError::InvalidParameter(
                "节点编号与坐标数量不一致".into(),
            ));
        }
        if arcs.len() >= u32::MAX as usize || node_count >= u32::MAX as usize {
            return Err(RoutingError::InvalidParameter("路网过大".into()));
        }
        let mut offsets = vec![0u32; node_count + 1];
        let mut usable = vec![false; node_count];
        for &(from, to, _) in arcs {
            if from as usize >= node_count || to as usize >= node_count {
                return Err(RoutingError::InvalidParameter(format!(
                    "弧 {from}→{to} 引用了不存在的节点"
                )));
            }
            offsets[from as usize + 1] += 1;
            usable[from as usize] = true;
            usable[to as usize] = true;
        }
        for node in 0..node_count {
            offsets[node + 1] += offsets[node];
        }
        let mut next = offsets.clone();
        let mut targets = vec![0u32; arcs.len()];
        let mut costs = vec![0u32; arcs.len()];
        for &(from, to, cost) in arcs {
            let slot = next[from as usize] as usize;
            next[from as usize] += 1;
            targets[slot] = to;
            costs[slot] = cost;
        }
        Ok(Graph {
            mode,
            offsets,
            targets,
            costs,
            positions,
            node_ids,
            usable,
            symmetric: false,
        })
    }

    /// The mode this graph was built for.
    pub fn mode(&self) -> TravelMode {
        self.mode
    }

    /// Number of nodes (including those the mode cannot use).
    pub fn node_count(&self) -> usize {
        self.positions.len()
    }

    /// Number of directed arcs.
    pub fn arc_count(&self) -> usize {
        self.targets.len()
    }

    /// Arcs leaving `node`: `(target, deciseconds)`.
    pub fn arcs(&self, node: u32) -> impl Iterator<Item = (u32, u32)> + '_ {
        let range = self.offsets[node as usize] as usize..self.offsets[node as usize + 1] as usize;
        self.targets[range.clone()]
            .iter()
            .copied()
            .zip(self.costs[range].iter().copied())
    }

    /// The raw rows: `(offsets, targets, costs)`.
    pub fn rows(&self) -> (&[u32], &[u32], &[u32]) {
        (&self.offsets, &self.targets, &self.costs)
    }

    /// Node positions, by node index.
    pub fn positions(&self) -> &[GeoPoint] {
        &self.positions
    }

    /// External node ids, by node index.
    pub fn node_ids(&self) -> &[i64] {
        &self.node_ids
    }

    /// Whether the mode can enter or leave `node`.
    pub fn is_usable(&self, node: u32) -> bool {
        self.usable[node as usize]
    }

    /// Whether travel times are the same both ways (true when built for a mode that ignores
    /// one-way streets; false for graphs built from arbitrary arcs).
    pub fn is_symmetric(&self) -> bool {
        self.symmetric
    }

    /// Declares that every arc has a reverse arc of equal cost (callers building graphs from
    /// arcs that know it), so searches towards stations need not reverse the graph.
    pub fn assume_symmetric(mut self) -> Graph {
        self.symmetric = true;
        self
    }

    /// The reversed graph (every arc turned around), for searches towards a target.
    pub fn reversed(&self) -> Graph {
        let mut arcs = Vec::with_capacity(self.arc_count());
        for node in 0..self.node_count() as u32 {
            for (target, cost) in self.arcs(node) {
                arcs.push((target, node, cost));
            }
        }
        let mut reversed = Graph::from_arcs(
            self.mode,
            self.positions.clone(),
            self.node_ids.clone(),
            &arcs,
        )
        .expect("arcs of a valid graph");
        reversed.symmetric = self.symmetric;
        reversed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(lon: f64) -> GeoPoint {
        GeoPoint::new(lon, 30.0).unwrap()
    }

    fn one_street(oneway: Oneway, highway: HighwayClass) -> RoadNetwork {
        RoadNetwork::new(
            vec![10, 20],
            vec![point(120.0), point(120.001)],
            vec![RoadSegment {
                from: 0,
                to: 1,
                length_m: 100.0,
                highway,
                oneway,
                forbidden: ModeSet::EMPTY,
            }],
        )
        .unwrap()
    }

    fn arcs(graph: &Graph) -> Vec<(u32, u32, u32)> {
        (0..graph.node_count() as u32)
            .flat_map(|node| graph.arcs(node).map(move |(to, cost)| (node, to, cost)))
            .collect()
    }

    #[test]
    fn a_one_way_street_binds_cars_but_not_walkers_or_e_bikes() {
        let network = one_street(Oneway::Forward, HighwayClass::Residential);
        // 100 m at 5 km/h = 72 s; at 15 km/h = 24 s; at 25 km/h = 14.4 s.
        let walk = Graph::build(&network, &ModeConfig::walk());
        assert_eq!(arcs(&walk), vec![(0, 1, 720), (1, 0, 720)]);
        let e_bike = Graph::build(&network, &ModeConfig::e_bike());
        assert_eq!(arcs(&e_bike), vec![(0, 1, 240), (1, 0, 240)]);
        let car = Graph::build(&network, &ModeConfig::car());
        assert_eq!(arcs(&car), vec![(0, 1, 144)]);
    }

    #[test]
    fn a_reverse_one_way_street_runs_from_to_to_from_for_cars() {
        let network = one_street(Oneway::Backward, HighwayClass::Residential);
        let car = Graph::build(&network, &ModeConfig::car());
        assert_eq!(arcs(&car), vec![(1, 0, 144)]);
    }

    #[test]
    fn cars_stay_off_footways_and_walkers_off_motorways() {
        let footway = one_street(Oneway::No, HighwayClass::Footway);
        assert_eq!(Graph::build(&footway, &ModeConfig::car()).arc_count(), 0);
        assert_eq!(Graph::build(&footway, &ModeConfig::walk()).arc_count(), 2);
        let motorway = one_street(Oneway::No, HighwayClass::Motorway);
        assert_eq!(Graph::build(&motorway, &ModeConfig::walk()).arc_count(), 0);
        assert!(!Graph::build(&motorway, &ModeConfig::walk()).is_usable(0));
    }

    #[test]
    fn speeds_are_configurable() {
        let network = one_street(Oneway::No, HighwayClass::Residential);
        let slow = ModeConfig::walk().with_uniform_speed(4.0).unwrap();
        assert_eq!(arcs(&Graph::build(&network, &slow))[0].2, 900);
        let car = ModeConfig::car()
            .with_class_speed(HighwayClass::Residential, Some(36.0))
            .unwrap();
        assert_eq!(arcs(&Graph::build(&network, &car))[0].2, 100);
        assert!(ModeConfig::walk().with_uniform_speed(0.0).is_err());
    }

    #[test]
    fn modes_parse_from_their_command_line_names() {
        assert_eq!(TravelMode::parse("e-bike").unwrap(), TravelMode::EBike);
        assert_eq!(TravelMode::parse("Walk").unwrap(), TravelMode::Walk);
        let error = TravelMode::parse("boat").unwrap_err().to_string();
        assert!(error.contains("boat"), "{error}");
    }
}
