//! CSV readers: the road network as an edge list plus a node list, stations, population
//! points, demand points and candidate sites.
//!
//! Every file has a header row; columns are found by name (case-insensitive, any order), so
//! extra columns are ignored. A malformed row is refused with its line number (the header is
//! line 1); a file with no data row is refused as empty. Formats:
//!
//! | file | columns |
//! | --- | --- |
//! | network edges | `from,to,length_m[,oneway][,highway]` (`oneway`: yes/true/1, -1, no/false/0; `highway`: an OSM value, empty = `road`) |
//! | network nodes | `id,lon,lat` |
//! | stations | `id,lon,lat[,items]` (`items`: `;`-separated item codes) |
//! | population | `id,lon,lat,population` |
//! | demand | `id,lon,lat,weight` or `id,x,y,weight` (also `w`) |
//! | candidates | `id,lon,lat` or `id,x,y` |

use std::cell::RefCell;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::io::Read;
use std::rc::Rc;

use ::csv::{ReaderBuilder, StringRecord};
use yibao_domain::{GeoPoint, RegionCode};

use crate::RoutingError;
use crate::graph::{HighwayClass, ModeSet, Oneway, RoadNetwork, RoadSegment};
use crate::places::{CandidateSite, DemandPoint, Location, PopulationPoint, StationPlace};

const EDGES: &str = "路网边表";
const NODES: &str = "路网节点表";
const STATIONS: &str = "站点表";
const POPULATION: &str = "人口点表";
const DEMAND: &str = "需求点表";
const CANDIDATES: &str = "候选站址表";
const ORIGINS: &str = "起点表";
const DESTINATIONS: &str = "终点表";

/// Newlines that passed through a [`LineCounting`] reader and have not yet been counted, with
/// whether the line they end was blank, plus the lines counted so far.
#[derive(Default)]
struct Newlines {
    /// `(byte offset, the line it ends is blank)`.
    pending: VecDeque<(u64, bool)>,
    counted: u64,
    offset: u64,
    line_has_content: bool,
}

impl Newlines {
    /// The 1-based line on which the record the csv reader places at byte `offset` begins.
    /// The csv reader's offset points before any blank lines it skipped (and, after a CRLF,
    /// at the LF), so a newline at the offset and blank lines after it are counted too.
    /// Offsets must not decrease between calls.
    fn line_of(&mut self, offset: u64) -> u64 {
        while let Some(&(newline, blank)) = self.pending.front() {
            if newline <= offset || blank {
                self.pending.pop_front();
                self.counted += 1;
            } else {
                break;
            }
        }
        self.counted + 1
    }
}

/// Passes bytes through and notes where the newlines are. The csv crate's own line numbers
/// skip blank lines, which would point users at the wrong line. Only the newlines inside the
/// csv reader's read-ahead buffer are held at any time.
struct LineCounting<R> {
    inner: R,
    newlines: Rc<RefCell<Newlines>>,
}

impl<R: Read> Read for LineCounting<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        let mut newlines = self.newlines.borrow_mut();
        let start = newlines.offset;
        for (index, &byte) in buffer[..read].iter().enumerate() {
            match byte {
                b'\n' => {
                    let blank = !newlines.line_has_content;
                    newlines.pending.push_back((start + index as u64, blank));
                    newlines.line_has_content = false;
                }
                b'\r' => {}
                _ => newlines.line_has_content = true,
            }
        }
        newlines.offset += read as u64;
        Ok(read)
    }
}

/// One data row's cells (untrimmed).
enum Row<'a> {
    /// A line without quotes: cells end at `ends` (byte offsets into `line`).
    Plain { line: &'a str, ends: &'a [usize] },
    /// A record the csv crate read.
    Quoted(&'a StringRecord),
}

impl Row<'_> {
    fn get(&self, column: usize) -> Option<&str> {
        match self {
            Row::Plain { line, ends } => {
                let end = *ends.get(column)?;
                let start = if column == 0 { 0 } else { ends[column - 1] + 1 };
                Some(&line[start..end])
            }
            Row::Quoted(record) => record.get(column),
        }
    }

    /// Every cell, in column order.
    fn cells(&self) -> impl Iterator<Item = &str> {
        (0..).map_while(|column| self.get(column))
    }

    fn is_blank(&self) -> bool {
        // On plain text a visible ASCII character other than a comma settles it at once (the
        // usual row's first byte); otherwise every cell is trimmed.
        if let Row::Plain { line, .. } = self
            && line
                .bytes()
                .any(|byte| byte.is_ascii_graphic() && byte != b',')
        {
            return false;
        }
        self.cells().all(|cell| cell.trim().is_empty())
    }
}

/// Where the rows come from.
enum Source {
    /// UTF-8 text with no quote character and no carriage return but before a line feed:
    /// every line is a record and every comma ends a cell, so the rows are split here
    /// directly, with fewer instructions than the csv crate's general parser and without
    /// building it (reading the 5k×2k planning input: 1.30 → 1.08 ms). `offset` and `line` say
    /// where the next line starts.
    Plain {
        text: String,
        offset: usize,
        line: u64,
        columns: usize,
    },
    /// Anything else goes through the csv crate.
    Quoted {
        reader: Box<::csv::Reader<LineCounting<std::io::Cursor<Vec<u8>>>>>,
        newlines: Rc<RefCell<Newlines>>,
    },
}

/// True when `bytes` can be split without the csv crate's parser (see [`Source::Plain`]).
fn plain_text(bytes: &[u8]) -> bool {
    !bytes.contains(&b'"')
        && (!bytes.contains(&b'\r')
            || bytes
                .iter()
                .enumerate()
                .all(|(index, &byte)| byte != b'\r' || bytes.get(index + 1) == Some(&b'\n')))
}

/// Cell end offsets of `line` (no quotes in it) into `ends`.
fn split_cells(line: &str, ends: &mut Vec<usize>) {
    // Every offset is written and the write position moves past commas only: no branch per
    // byte.
    ends.resize(line.len() + 1, 0);
    let mut count = 0;
    for (index, &byte) in line.as_bytes().iter().enumerate() {
        ends[count] = index;
        count += usize::from(byte == b',');
    }
    ends[count] = line.len();
    ends.truncate(count + 1);
}

impl Source {
    /// The next record, with the line it starts on, cells in `ends` for plain text or in
    /// `record`; `None` at the end. Blank lines are skipped, as the csv crate does.
    fn next<'a>(
        &'a mut self,
        what: &'static str,
        record: &'a mut StringRecord,
        ends: &'a mut Vec<usize>,
    ) -> Result<Option<(Row<'a>, u64)>, RoutingError> {
        match self {
            Source::Plain {
                text,
                offset,
                line,
                columns,
            } => loop {
                let rest = &text[*offset..];
                if rest.is_empty() {
                    return Ok(None);
                }
                let (content, consumed) = match memchr::memchr(b'\n', rest.as_bytes()) {
                    Some(newline) => (&rest[..newline], newline + 1),
                    None => (rest, rest.len()),
                };
                let content = content.strip_suffix('\r').unwrap_or(content);
                let start = (*offset, *line);
                *offset += consumed;
                *line += 1;
                if content.is_empty() {
                    continue;
                }
                split_cells(content, ends);
                if *columns == 0 {
                    *columns = ends.len();
                } else if ends.len() != *columns {
                    return Err(RoutingError::row(
                        what,
                        start.1,
                        format!("有 {} 列，表头有 {} 列", ends.len(), columns),
                    ));
                }
                let line_text = &text[start.0..start.0 + content.len()];
                return Ok(Some((
                    Row::Plain {
                        line: line_text,
                        ends,
                    },
                    start.1,
                )));
            },
            Source::Quoted { reader, newlines } => match reader.read_record(record) {
                Ok(false) => Ok(None),
                Ok(true) => {
                    let line = record
                        .position()
                        .map_or(0, |position| newlines.borrow_mut().line_of(position.byte()));
                    Ok(Some((Row::Quoted(record), line)))
                }
                Err(error) => Err(csv_error(what, error, newlines)),
            },
        }
    }
}

/// A CSV file with a header, read row by row with line numbers.
struct Table {
    what: &'static str,
    source: Source,
    columns: HashMap<String, usize>,
    header: String,
    record: StringRecord,
    ends: Vec<usize>,
}

impl Table {
    fn open(what: &'static str, mut input: impl Read) -> Result<Table, RoutingError> {
        let mut bytes = Vec::new();
        input
            .read_to_end(&mut bytes)
            .map_err(|error| RoutingError::Unreadable {
                what,
                message: error.to_string(),
            })?;
        Table::from_bytes(what, bytes, true)
    }

    /// The table in `bytes`; `allow_plain: false` sends even plain text through the csv
    /// crate (the tests compare both readers).
    fn from_bytes(
        what: &'static str,
        bytes: Vec<u8>,
        allow_plain: bool,
    ) -> Result<Table, RoutingError> {
        let source = match String::from_utf8(bytes) {
            // A byte-order mark is dropped, as the csv crate drops it.
            Ok(text) if allow_plain && plain_text(text.as_bytes()) => Source::Plain {
                offset: if text.starts_with('\u{feff}') { 3 } else { 0 },
                text,
                line: 1,
                columns: 0,
            },
            other => {
                let bytes = other.map_or_else(|error| error.into_bytes(), String::into_bytes);
                let newlines = Rc::new(RefCell::new(Newlines::default()));
                // Cells are trimmed where they are read (`cell`): the reader's own trimming
                // builds a new record for every row.
                let reader = ReaderBuilder::new()
                    .flexible(false)
                    .has_headers(false)
                    .from_reader(LineCounting {
                        inner: std::io::Cursor::new(bytes),
                        newlines: Rc::clone(&newlines),
                    });
                Source::Quoted {
                    reader: Box::new(reader),
                    newlines,
                }
            }
        };
        let mut table = Table {
            what,
            source,
            columns: HashMap::new(),
            header: String::new(),
            record: StringRecord::new(),
            ends: Vec::new(),
        };
        let headers: Vec<String> =
            match table
                .source
                .next(what, &mut table.record, &mut table.ends)?
            {
                Some((row, _)) => row.cells().map(str::to_owned).collect(),
                None => Vec::new(),
            };
        if headers.iter().all(|cell| cell.trim().is_empty()) {
            return Err(RoutingError::EmptyInput { what });
        }
        table.columns = headers
            .iter()
            .enumerate()
            .map(|(index, name)| {
                (
                    name.trim_start_matches('\u{feff}')
                        .trim()
                        .to_ascii_lowercase(),
                    index,
                )
            })
            .collect();
        table.header = headers
            .iter()
            .map(|name| name.trim())
            .collect::<Vec<_>>()
            .join(",");
        Ok(table)
    }

    /// The index of the first of `names` present in the header.
    fn column(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|name| self.columns.get(*name).copied())
    }

    fn require(&self, names: &[&'static str]) -> Result<usize, RoutingError> {
        self.column(names)
            .ok_or_else(|| RoutingError::MissingColumn {
                what: self.what,
                column: names[0],
                header: self.header.clone(),
            })
    }

    /// Calls `row(record, line)` for every data row; refuses a file without one.
    fn each_row(
        &mut self,
        mut row: impl FnMut(&Row<'_>, u64) -> Result<(), RoutingError>,
    ) -> Result<(), RoutingError> {
        let mut count = 0usize;
        while let Some((record, line)) =
            self.source
                .next(self.what, &mut self.record, &mut self.ends)?
        {
            if record.is_blank() {
                continue;
            }
            row(&record, line)?;
            count += 1;
        }
        if count == 0 {
            return Err(RoutingError::EmptyInput { what: self.what });
        }
        Ok(())
    }
}

fn csv_error(
    what: &'static str,
    error: ::csv::Error,
    newlines: &RefCell<Newlines>,
) -> RoutingError {
    let line = error
        .position()
        .map(|position| newlines.borrow_mut().line_of(position.byte()));
    let message = match error.kind() {
        ::csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("有 {len} 列，表头有 {expected_len} 列"),
        ::csv::ErrorKind::Utf8 { .. } => "不是有效的 UTF-8 文本".to_owned(),
        other => format!("{other:?}"),
    };
    match line {
        Some(line) => RoutingError::row(what, line, message),
        None => RoutingError::Unreadable { what, message },
    }
}

/// The trimmed cell (empty when the row has no such column). Cells with no space or
/// non-ASCII byte at either end, the usual case, are returned as they are.
fn cell<'a>(record: &'a Row<'_>, column: usize) -> &'a str {
    match record.get(column) {
        Some(text) => match (text.as_bytes().first(), text.as_bytes().last()) {
            (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => {
                text
            }
            _ => text.trim(),
        },
        None => "",
    }
}

fn parse_id(text: &str, what: &'static str, line: u64) -> Result<String, RoutingError> {
    if text.is_empty() {
        return Err(RoutingError::row(what, line, "编号为空"));
    }
    Ok(text.to_owned())
}

fn parse_node_id(
    text: &str,
    what: &'static str,
    line: u64,
    role: &str,
) -> Result<i64, RoutingError> {
    text.parse::<i64>()
        .map_err(|_| RoutingError::row(what, line, format!("{role}“{text}”不是整数")))
}

fn parse_position(
    record: &Row<'_>,
    lon: usize,
    lat: usize,
    what: &'static str,
    line: u64,
) -> Result<GeoPoint, RoutingError> {
    let (lon, lat) = (cell(record, lon), cell(record, lat));
    // `parse_number` reads what `GeoPoint::parse` reads, faster; its error wording comes from
    // `GeoPoint::parse`.
    match (parse_number(lon), parse_number(lat)) {
        (Some(lon), Some(lat)) => GeoPoint::new(lon, lat),
        _ => GeoPoint::parse(lon, lat),
    }
    .map_err(|error| RoutingError::row(what, line, error.to_string()))
}

/// `text` as a number, as `str::parse::<f64>` reads it. Plain decimals of at most 15 digits
/// (`-12345.6`, the usual coordinate or weight) take Clinger's fast path: the digits as an
/// integer below 10^15 < 2^53 divided by a power of ten up to 10^15, both exact in an `f64`, so the one
/// correctly rounded division gives the correctly rounded value, bit for bit what the standard
/// parser returns. Anything else (exponents, more digits, `inf`, junk) goes to that parser.
/// Float parsing was 17% of the instructions of reading a planning input; this path cut the
/// 7,000-row 5k×2k input from 20.1 M to 18.9 M instructions per read (callgrind).
fn parse_number(text: &str) -> Option<f64> {
    // At most 15 digits, so at most 15 after the point.
    const POWERS: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let bytes = text.as_bytes();
    let (negative, digits) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    let mut mantissa = 0u64;
    let mut count = 0usize;
    let mut fraction: Option<usize> = None;
    for &byte in digits {
        match byte {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(byte - b'0');
                count += 1;
                if let Some(places) = fraction.as_mut() {
                    *places += 1;
                }
            }
            b'.' if fraction.is_none() => fraction = Some(0),
            _ => return text.parse().ok(),
        }
        if count > 15 {
            return text.parse().ok();
        }
    }
    if count == 0 {
        return text.parse().ok();
    }
    let value = mantissa as f64 / POWERS[fraction.unwrap_or(0)];
    Some(if negative { -value } else { value })
}

fn parse_non_negative(
    text: &str,
    what: &'static str,
    line: u64,
    role: &str,
) -> Result<f64, RoutingError> {
    match parse_number(text) {
        Some(value) if value.is_finite() && value >= 0.0 => Ok(value),
        _ => Err(RoutingError::row(
            what,
            line,
            format!("{role}“{text}”不是有效的非负数"),
        )),
    }
}

/// The error for an id first seen on line `first` and repeated on line `line`.
fn repeated_id(
    what: &'static str,
    line: u64,
    id: impl std::fmt::Display,
    first: u64,
) -> RoutingError {
    RoutingError::row(
        what,
        line,
        format!("编号“{id}”重复（首次出现在第 {first} 行）"),
    )
}

/// Refuses the first repeated id in file order, naming the line it first appeared on — the
/// error a row-by-row check would give. Ids are checked once their rows are read (on a failed
/// read, those of the rows before the failure come first), so reading a row clones nothing.
fn check_ids<T>(
    what: &'static str,
    read: Result<(), RoutingError>,
    rows: &[T],
    lines: &[u64],
    id: impl Fn(&T) -> &str,
) -> Result<(), RoutingError> {
    // foldhash: several times faster than the standard SipHash on short ids, and seeded per
    // process, so a crafted file cannot force collisions.
    let mut first_line: HashMap<&str, u64, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(rows.len(), foldhash::fast::RandomState::default());
    for (row, &line) in rows.iter().zip(lines) {
        match first_line.entry(id(row)) {
            Entry::Occupied(first) => return Err(repeated_id(what, line, id(row), *first.get())),
            Entry::Vacant(slot) => {
                slot.insert(line);
            }
        }
    }
    read
}

/// Either `lon,lat` or `x,y` columns.
enum Coordinates {
    LonLat(usize, usize),
    Planar(usize, usize),
}

impl Coordinates {
    fn find(table: &Table) -> Result<Coordinates, RoutingError> {
        if let (Some(x), Some(y)) = (table.column(&["x"]), table.column(&["y"]))
            && table.column(&["lon", "lng", "longitude"]).is_none()
        {
            return Ok(Coordinates::Planar(x, y));
        }
        Ok(Coordinates::LonLat(
            table.require(&["lon", "lng", "longitude"])?,
            table.require(&["lat", "latitude"])?,
        ))
    }

    fn read(
        &self,
        record: &Row<'_>,
        what: &'static str,
        line: u64,
    ) -> Result<Location, RoutingError> {
        match *self {
            Coordinates::LonLat(lon, lat) => {
                parse_position(record, lon, lat, what, line).map(Location::LonLat)
            }
            Coordinates::Planar(x, y) => {
                let number = |column: usize, axis: &str| {
                    let text = cell(record, column);
                    parse_number(text)
                        .filter(|value| value.is_finite())
                        .ok_or_else(|| {
                            RoutingError::row(what, line, format!("{axis} 坐标“{text}”不是数字"))
                        })
                };
                Ok(Location::Planar([number(x, "x")?, number(y, "y")?]))
            }
        }
    }
}

/// Where each node id sits in the node table. Every edge looks up its two ends, so on a
/// million-node network the lookups were a quarter of the whole coverage run while they went
/// through a hash map (each one a cache miss).
enum NodeIndex {
    /// Ids within a span at most about twice the node count (ids numbered from 0 or 1, the
    /// usual export): one slot per id of the span, `u32::MAX` where no node has the id.
    Dense { min: i64, slots: Vec<u32> },
    /// Sparse ids (OpenStreetMap's, say): a hash map, with foldhash (seeded per process).
    Hashed(HashMap<i64, u32, foldhash::fast::RandomState>),
}

impl NodeIndex {
    /// Indexes `ids` (file order; `lines` are their lines) and refuses the first repeat,
    /// naming the line where the id first appeared.
    fn build(ids: &[i64], lines: &[u64]) -> Result<NodeIndex, RoutingError> {
        let repeat = |index: usize, first: u32| {
            repeated_id(NODES, lines[index], ids[index], lines[first as usize])
        };
        let (min, max) = ids.iter().fold((i64::MAX, i64::MIN), |(low, high), &id| {
            (low.min(id), high.max(id))
        });
        let span = i128::from(max) - i128::from(min) + 1;
        if !ids.is_empty() && span <= 2 * ids.len() as i128 + 1024 {
            let mut slots = vec![u32::MAX; span as usize];
            for (index, &id) in ids.iter().enumerate() {
                let slot = &mut slots[id.wrapping_sub(min) as u64 as usize];
                if *slot != u32::MAX {
                    return Err(repeat(index, *slot));
                }
                *slot = index as u32;
            }
            Ok(NodeIndex::Dense { min, slots })
        } else {
            let mut map = HashMap::with_capacity_and_hasher(ids.len(), Default::default());
            for (index, &id) in ids.iter().enumerate() {
                if let Some(first) = map.insert(id, index as u32) {
                    return Err(repeat(index, first));
                }
            }
            Ok(NodeIndex::Hashed(map))
        }
    }

    /// The index of the node with `id`, if there is one.
    fn get(&self, id: i64) -> Option<u32> {
        match self {
            NodeIndex::Dense { min, slots } => {
                let offset = usize::try_from(id.wrapping_sub(*min) as u64).ok()?;
                slots.get(offset).copied().filter(|&slot| slot != u32::MAX)
            }
            NodeIndex::Hashed(map) => map.get(&id).copied(),
        }
    }
}

/// Reads a road network from an edge list and a node list.
pub fn read_network_csv(edges: impl Read, nodes: impl Read) -> Result<RoadNetwork, RoutingError> {
    let mut node_ids = Vec::new();
    let mut positions = Vec::new();
    let mut node_lines: Vec<u64> = Vec::new();
    let read = {
        let mut table = Table::open(NODES, nodes)?;
        let id = table.require(&["id"])?;
        let lon = table.require(&["lon", "lng", "longitude"])?;
        let lat = table.require(&["lat", "latitude"])?;
        table.each_row(|record, line| {
            let node_id = parse_node_id(cell(record, id), NODES, line, "节点编号")?;
            let position = parse_position(record, lon, lat, NODES, line)?;
            node_lines.push(line);
            node_ids.push(node_id);
            positions.push(position);
            Ok(())
        })
    };
    // Repeated ids among the rows read come first, as a row-by-row check would find them.
    let index_of = NodeIndex::build(&node_ids, &node_lines)?;
    read?;
    let mut segments = Vec::new();
    let mut table = Table::open(EDGES, edges)?;
    let from = table.require(&["from", "source", "u"])?;
    let to = table.require(&["to", "target", "v"])?;
    let length = table.require(&["length_m", "length"])?;
    let oneway = table.column(&["oneway"]);
    let highway = table.column(&["highway"]);
    table.each_row(|record, line| {
        let endpoint = |column: usize, role: &str| -> Result<u32, RoutingError> {
            let node_id = parse_node_id(cell(record, column), EDGES, line, role)?;
            index_of.get(node_id).ok_or_else(|| {
                RoutingError::row(EDGES, line, format!("{role} {node_id} 不在节点表中"))
            })
        };
        let from = endpoint(from, "起点节点")?;
        let to = endpoint(to, "终点节点")?;
        let length_m = parse_non_negative(cell(record, length), EDGES, line, "长度")?;
        let oneway = match oneway {
            None => Oneway::No,
            Some(column) => Oneway::parse(cell(record, column)).ok_or_else(|| {
                RoutingError::row(
                    EDGES,
                    line,
                    format!(
                        "单行标记“{}”无效：应为 yes/true/1、-1 或 no/false/0",
                        cell(record, column)
                    ),
                )
            })?,
        };
        let highway = match highway {
            None => HighwayClass::Road,
            Some(column) => HighwayClass::parse(cell(record, column))
                .map_err(|message| RoutingError::row(EDGES, line, message))?,
        };
        segments.push(RoadSegment {
            from,
            to,
            length_m,
            highway,
            oneway,
            forbidden: ModeSet::EMPTY,
        });
        Ok(())
    })?;
    RoadNetwork::new(node_ids, positions, segments)
}

/// Reads stations: `id,lon,lat[,items]`.
pub fn read_stations(input: impl Read) -> Result<Vec<StationPlace>, RoutingError> {
    let mut table = Table::open(STATIONS, input)?;
    let id = table.require(&["id"])?;
    let lon = table.require(&["lon", "lng", "longitude"])?;
    let lat = table.require(&["lat", "latitude"])?;
    let items = table.column(&["items"]);
    let mut stations = Vec::new();
    let mut lines = Vec::new();
    let read = table.each_row(|record, line| {
        let station_id = parse_id(cell(record, id), STATIONS, line)?;
        stations.push(StationPlace {
            position: parse_position(record, lon, lat, STATIONS, line)?,
            items: items
                .map(|column| {
                    cell(record, column)
                        .split(';')
                        .map(str::trim)
                        .filter(|code| !code.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            id: station_id,
        });
        lines.push(line);
        Ok(())
    });
    check_ids(STATIONS, read, &stations, &lines, |row| row.id.as_str())?;
    Ok(stations)
}

/// Reads population points: `id,lon,lat,population[,region]` (`region` or `region_code`: the
/// code of the region the point belongs to; an empty cell means none).
pub fn read_population(input: impl Read) -> Result<Vec<PopulationPoint>, RoutingError> {
    let mut table = Table::open(POPULATION, input)?;
    let id = table.require(&["id"])?;
    let lon = table.require(&["lon", "lng", "longitude"])?;
    let lat = table.require(&["lat", "latitude"])?;
    let population = table.require(&["population", "pop"])?;
    let region = table.column(&["region", "region_code"]);
    let mut points = Vec::new();
    let mut lines = Vec::new();
    let read = table.each_row(|record, line| {
        let point_id = parse_id(cell(record, id), POPULATION, line)?;
        let text = cell(record, population);
        let people = text.parse::<u64>().map_err(|_| {
            RoutingError::row(POPULATION, line, format!("人口“{text}”不是非负整数"))
        })?;
        let region = match region.map(|column| cell(record, column).trim()) {
            None | Some("") => None,
            Some(code) => Some(RegionCode::parse(code).map_err(|_| {
                RoutingError::row(
                    POPULATION,
                    line,
                    format!("区划代码“{code}”无效：应为 2、4、6、9 或 12 位的行政区划代码"),
                )
            })?),
        };
        points.push(PopulationPoint {
            position: parse_position(record, lon, lat, POPULATION, line)?,
            population: people,
            region,
            id: point_id,
        });
        lines.push(line);
        Ok(())
    });
    check_ids(POPULATION, read, &points, &lines, |row| row.id.as_str())?;
    Ok(points)
}

/// Reads demand points: `id,lon,lat,weight` or `id,x,y,weight` (`w` accepted for `weight`).
pub fn read_demand(input: impl Read) -> Result<Vec<DemandPoint>, RoutingError> {
    let mut table = Table::open(DEMAND, input)?;
    let id = table.require(&["id"])?;
    let coordinates = Coordinates::find(&table)?;
    let weight = table.require(&["weight", "w", "population"])?;
    let mut points = Vec::new();
    let mut lines = Vec::new();
    let read = table.each_row(|record, line| {
        let point_id = parse_id(cell(record, id), DEMAND, line)?;
        points.push(DemandPoint {
            location: coordinates.read(record, DEMAND, line)?,
            weight: parse_non_negative(cell(record, weight), DEMAND, line, "权重")?,
            id: point_id,
        });
        lines.push(line);
        Ok(())
    });
    check_ids(DEMAND, read, &points, &lines, |row| row.id.as_str())?;
    Ok(points)
}

/// Reads candidate sites: `id,lon,lat` or `id,x,y`.
pub fn read_candidates(input: impl Read) -> Result<Vec<CandidateSite>, RoutingError> {
    read_places(CANDIDATES, input)
}

/// Reads start or end points of a travel-time table: `id,lon,lat` (or `id,x,y`).
pub fn read_points(input: impl Read, origins: bool) -> Result<Vec<CandidateSite>, RoutingError> {
    read_places(if origins { ORIGINS } else { DESTINATIONS }, input)
}

/// Points with an id and a location, for the table named `what`.
fn read_places(what: &'static str, input: impl Read) -> Result<Vec<CandidateSite>, RoutingError> {
    let mut table = Table::open(what, input)?;
    let id = table.require(&["id"])?;
    let coordinates = Coordinates::find(&table)?;
    let mut sites = Vec::new();
    let mut lines = Vec::new();
    let read = table.each_row(|record, line| {
        let site_id = parse_id(cell(record, id), what, line)?;
        sites.push(CandidateSite {
            location: coordinates.read(record, what, line)?,
            id: site_id,
        });
        lines.push(line);
        Ok(())
    });
    check_ids(what, read, &sites, &lines, |row| row.id.as_str())?;
    Ok(sites)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn numbers_parse_bit_for_bit_as_the_standard_parser_reads_them(
            text in "[+-]?[0-9]{0,18}(\\.[0-9]{0,12})?([eE][+-]?[0-9]{1,3})?|[-+.0-9a-z ]{0,8}"
        ) {
            let ours = parse_number(&text).map(f64::to_bits);
            let standard = text.parse::<f64>().ok().map(f64::to_bits);
            prop_assert_eq!(ours, standard, "{:?}", text);
        }
    }

    /// A table's header and its data rows, each with its line.
    type TableRead = (String, Vec<(u64, Vec<String>)>);

    /// The header and every data row (line, cells) as a table reads them, or its error.
    fn rows_of(bytes: &[u8], allow_plain: bool) -> Result<TableRead, String> {
        let mut table =
            Table::from_bytes(DEMAND, bytes.to_vec(), allow_plain).map_err(|e| e.to_string())?;
        let mut rows = Vec::new();
        table
            .each_row(|row, line| {
                rows.push((line, row.cells().map(str::to_owned).collect()));
                Ok(())
            })
            .map_err(|e| e.to_string())?;
        Ok((table.header.clone(), rows))
    }

    proptest! {
        #[test]
        fn plain_rows_read_exactly_as_the_csv_crate_reads_them(
            text in "\u{feff}?[a1,, \r\n\n\né]{0,48}",
            broken in prop::option::weighted(0.1, 0..48usize)
        ) {
            // Sometimes with a byte that is not UTF-8 somewhere.
            let mut bytes = text.into_bytes();
            if let Some(at) = broken {
                bytes.insert(at.min(bytes.len()), 0xff);
            }
            prop_assert_eq!(rows_of(&bytes, true), rows_of(&bytes, false));
        }
    }

    #[test]
    fn ordinary_files_take_the_plain_reader_and_quoted_ones_the_csv_crate() {
        let plain = "\u{feff}id,x,y,w\r\n1,2.5,3,4\r\n\r\n2, 5 ,6,7\n";
        let table = Table::from_bytes(DEMAND, plain.as_bytes().to_vec(), true).unwrap();
        assert!(matches!(table.source, Source::Plain { .. }));
        for text in ["id,x\n\"1\",2\n", "id,x\r1,2\n"] {
            let table = Table::from_bytes(DEMAND, text.as_bytes().to_vec(), true).unwrap();
            assert!(matches!(table.source, Source::Quoted { .. }), "{text:?}");
        }
        let (header, rows) = rows_of(plain.as_bytes(), true).unwrap();
        assert_eq!(header, "id,x,y,w");
        assert_eq!(
            rows,
            vec![
                (2, vec!["1".into(), "2.5".into(), "3".into(), "4".into()]),
                (4, vec!["2".into(), " 5 ".into(), "6".into(), "7".into()]),
            ]
        );
        assert_eq!(
            rows_of(b"id,x\n1,2\n\n3\n", true).unwrap_err(),
            "需求点表第 4 行：有 1 列，表头有 2 列"
        );
    }

    #[test]
    fn the_number_fast_path_covers_the_usual_cells() {
        for (text, value) in [
            ("12345.6", 12345.6),
            ("-0.1", -0.1),
            ("+7", 7.0),
            ("1.", 1.0),
        ] {
            assert_eq!(
                parse_number(text).map(f64::to_bits),
                Some(f64::to_bits(value))
            );
        }
        assert_eq!(
            parse_number("-0").map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(parse_number("."), None);
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number("1.2.3"), None);
        assert_eq!(parse_number("1e3"), Some(1000.0));
    }

    const NODES_OK: &str = "id,lon,lat\n1,120.0,36.0\n2,120.001,36.0\n3,120.002,36.0\n";

    fn network_error(edges: &str, nodes: &str) -> String {
        read_network_csv(edges.as_bytes(), nodes.as_bytes())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_network_reads_with_optional_columns_in_any_order() {
        let edges = "highway,to,from,length_m,oneway\nresidential,2,1,90.5,yes\n,3,2,88,\n";
        let network = read_network_csv(edges.as_bytes(), NODES_OK.as_bytes()).unwrap();
        assert_eq!(network.node_count(), 3);
        let segments = network.segments();
        assert_eq!(segments.len(), 2);
        assert_eq!((segments[0].from, segments[0].to), (0, 1));
        assert_eq!(segments[0].oneway, Oneway::Forward);
        assert_eq!(segments[0].highway, HighwayClass::Residential);
        assert_eq!(segments[1].highway, HighwayClass::Road);
        assert_eq!(segments[1].oneway, Oneway::No);
    }

    #[test]
    fn a_bad_length_is_refused_with_its_line_number() {
        let error = network_error("from,to,length_m\n1,2,10\n2,3,abc\n", NODES_OK);
        assert_eq!(error, "路网边表第 3 行：长度“abc”不是有效的非负数");
        let error = network_error("from,to,length_m\n1,2,-4\n", NODES_OK);
        assert_eq!(error, "路网边表第 2 行：长度“-4”不是有效的非负数");
    }

    #[test]
    fn an_edge_to_an_unknown_node_is_refused_with_its_line_number() {
        let error = network_error("from,to,length_m\n1,2,10\n\n2,9,5\n", NODES_OK);
        assert_eq!(error, "路网边表第 4 行：终点节点 9 不在节点表中");
    }

    #[test]
    fn bad_oneway_and_highway_values_name_their_line() {
        let error = network_error("from,to,length_m,oneway\n1,2,10,maybe\n", NODES_OK);
        assert!(
            error.starts_with("路网边表第 2 行：单行标记“maybe”无效"),
            "{error}"
        );
        let error = network_error("from,to,length_m,highway\n1,2,10,runway\n", NODES_OK);
        assert!(
            error.starts_with("路网边表第 2 行：道路等级“runway”无法识别"),
            "{error}"
        );
    }

    #[test]
    fn a_node_with_a_bad_coordinate_or_a_repeated_id_names_its_line() {
        let error = network_error(
            "from,to,length_m\n1,2,1\n",
            "id,lon,lat\n1,120,36\n2,200,36\n",
        );
        assert_eq!(
            error,
            "路网节点表第 3 行：坐标无效：经度 200 超出 -180～180 的范围"
        );
        let error = network_error(
            "from,to,length_m\n1,2,1\n",
            "id,lon,lat\n1,120,36\n1,120,36\n",
        );
        assert_eq!(error, "路网节点表第 3 行：编号“1”重复（首次出现在第 2 行）");
    }

    #[test]
    fn dense_and_sparse_node_ids_find_the_same_ends_and_repeats() {
        // Ids 0..3 take the slot table, OpenStreetMap-like ids the hash map; both must find
        // every end, refuse an unknown one and name a repeat's first line.
        for base in [0i64, 7_000_000_000, -5] {
            let step = if base == 7_000_000_000 { 1_000_003 } else { 1 };
            let id = |k: i64| base + k * step;
            let nodes = format!(
                "id,lon,lat\n{},120.0,36.0\n{},120.001,36.0\n{},120.002,36.0\n",
                id(0),
                id(1),
                id(2)
            );
            let edges = format!(
                "from,to,length_m\n{},{},10\n{},{},12\n",
                id(2),
                id(0),
                id(1),
                id(2)
            );
            let network = read_network_csv(edges.as_bytes(), nodes.as_bytes()).unwrap();
            let ends: Vec<(u32, u32)> = network.segments().iter().map(|s| (s.from, s.to)).collect();
            assert_eq!(ends, vec![(2, 0), (1, 2)], "base {base}");
            let error = network_error(
                &format!("from,to,length_m\n{},{},10\n", id(0), id(3)),
                &nodes,
            );
            assert_eq!(
                error,
                format!("路网边表第 2 行：终点节点 {} 不在节点表中", id(3))
            );
            let error = network_error(
                "from,to,length_m\n1,2,1\n",
                &format!(
                    "id,lon,lat\n{},120,36\n{},120,36\n{},120,36\nx,1,1\n",
                    id(0),
                    id(1),
                    id(0)
                ),
            );
            assert_eq!(
                error,
                format!(
                    "路网节点表第 4 行：编号“{}”重复（首次出现在第 2 行）",
                    id(0)
                )
            );
        }
    }

    #[test]
    fn blank_lines_and_windows_line_ends_keep_line_numbers_true() {
        let error = network_error(
            "from,to,length_m\r\n\r\n1,2,10\r\n\r\n\r\n2,3,x\r\n",
            NODES_OK,
        );
        assert_eq!(error, "路网边表第 6 行：长度“x”不是有效的非负数");
        let error = network_error("from,to,length_m\n\n1,2\n", NODES_OK);
        assert_eq!(error, "路网边表第 3 行：有 2 列，表头有 3 列");
    }

    #[test]
    fn a_row_with_a_missing_cell_names_its_line() {
        let error = network_error("from,to,length_m\n1,2,10\n1,2\n", NODES_OK);
        assert_eq!(error, "路网边表第 3 行：有 2 列，表头有 3 列");
    }

    #[test]
    fn empty_inputs_are_refused() {
        assert_eq!(network_error("", NODES_OK), "路网边表为空：没有任何数据行");
        assert_eq!(
            network_error("from,to,length_m\n", NODES_OK),
            "路网边表为空：没有任何数据行"
        );
        assert_eq!(
            network_error("from,to,length_m\n1,2,3\n", "id,lon,lat\n"),
            "路网节点表为空：没有任何数据行"
        );
        assert_eq!(
            read_population("id,lon,lat,population\n".as_bytes())
                .unwrap_err()
                .to_string(),
            "人口点表为空：没有任何数据行"
        );
    }

    #[test]
    fn a_missing_column_is_named() {
        let error = network_error("from,to\n1,2\n", NODES_OK);
        assert_eq!(error, "路网边表缺少必需的列“length_m”（表头：from,to）");
    }

    #[test]
    fn stations_carry_their_items_and_population_must_be_whole_people() {
        let stations =
            read_stations("id,lon,lat,items\nS1,120,36, A01 ; B02;\nS2,120.1,36,\n".as_bytes())
                .unwrap();
        assert_eq!(stations[0].items, vec!["A01", "B02"]);
        assert!(stations[1].items.is_empty());
        let error = read_population("id,lon,lat,population\nV1,120,36,12.5\n".as_bytes())
            .unwrap_err()
            .to_string();
        assert_eq!(error, "人口点表第 2 行：人口“12.5”不是非负整数");
    }

    #[test]
    fn population_points_may_name_their_region() {
        let points = read_population(
            "id,lon,lat,population,region\nV1,120,36,12,320903001\nV2,120,36,3,\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(points[0].region.as_ref().unwrap().as_str(), "320903001");
        assert_eq!(points[1].region, None);
        let error =
            read_population("id,lon,lat,population,region_code\nV1,120,36,12,32AB\n".as_bytes())
                .unwrap_err()
                .to_string();
        assert_eq!(
            error,
            "人口点表第 2 行：区划代码“32AB”无效：应为 2、4、6、9 或 12 位的行政区划代码"
        );
        let without = read_population("id,lon,lat,population\nV1,120,36,12\n".as_bytes()).unwrap();
        assert_eq!(without[0].region, None);
    }

    #[test]
    fn demand_and_candidates_accept_planar_metres() {
        let demand = read_demand("id,x,y,w\n0,100.5,200,3\n1,0,0,1.5\n".as_bytes()).unwrap();
        assert_eq!(demand[0].location, Location::Planar([100.5, 200.0]));
        assert_eq!(demand[1].weight, 1.5);
        let sites = read_candidates("id,lon,lat\nC1,120,36\n".as_bytes()).unwrap();
        assert!(matches!(sites[0].location, Location::LonLat(_)));
        let error = read_demand("id,x,y,weight\n0,1,2,-1\n".as_bytes())
            .unwrap_err()
            .to_string();
        assert_eq!(error, "需求点表第 2 行：权重“-1”不是有效的非负数");
    }

    #[test]
    fn a_repeated_point_id_names_both_lines_and_comes_before_later_errors() {
        let error =
            |result: Result<Vec<DemandPoint>, RoutingError>| result.unwrap_err().to_string();
        assert_eq!(
            error(read_demand(
                "id,x,y,w\nA,0,0,1\nB,1,1,1\n\nA,2,2,1\n".as_bytes()
            )),
            "需求点表第 5 行：编号“A”重复（首次出现在第 2 行）"
        );
        // The first error in file order wins: the repeat on line 4, not the bad weight on 5,
        // and the bad weight on line 3 before the repeat on line 4.
        assert_eq!(
            error(read_demand(
                "id,x,y,w\nA,0,0,1\nB,1,1,1\nA,2,2,1\nC,0,0,-1\n".as_bytes()
            )),
            "需求点表第 4 行：编号“A”重复（首次出现在第 2 行）"
        );
        assert_eq!(
            error(read_demand(
                "id,x,y,w\nA,0,0,1\nB,1,1,x\nA,2,2,1\n".as_bytes()
            )),
            "需求点表第 3 行：权重“x”不是有效的非负数"
        );
        let sites = read_candidates("id,x,y\nC1,0,0\nC1,1,1\n".as_bytes());
        assert_eq!(
            sites.unwrap_err().to_string(),
            "候选站址表第 3 行：编号“C1”重复（首次出现在第 2 行）"
        );
        let stations = read_stations("id,lon,lat\nS1,120,36\nS2,120,36\nS1,120,36\n".as_bytes());
        assert_eq!(
            stations.unwrap_err().to_string(),
            "站点表第 4 行：编号“S1”重复（首次出现在第 2 行）"
        );
        let population =
            read_population("id,lon,lat,population\nV,120,36,1\nV,120,36,2\n".as_bytes());
        assert_eq!(
            population.unwrap_err().to_string(),
            "人口点表第 3 行：编号“V”重复（首次出现在第 2 行）"
        );
    }

    #[test]
    fn cells_and_header_names_are_trimmed() {
        let demand = read_demand(" id , x ,y, weight \n A , 1 ,2 , 3 \n".as_bytes()).unwrap();
        assert_eq!(demand[0].id, "A");
        assert_eq!(demand[0].location, Location::Planar([1.0, 2.0]));
        assert_eq!(demand[0].weight, 3.0);
        // A row of blanks counts as a blank line, not as a row with an empty id.
        let sites = read_candidates("id,x,y\nC1,0,0\n  ,  , \nC2,1,1\n".as_bytes()).unwrap();
        assert_eq!(sites.len(), 2);
        let error = read_candidates("id,x,y\n  ,1,1\n".as_bytes()).unwrap_err();
        assert_eq!(error.to_string(), "候选站址表第 2 行：编号为空");
    }
}
