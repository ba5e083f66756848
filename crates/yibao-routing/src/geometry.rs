//! Planar geometry shared by snapping and site planning: a local projection of WGS-84 points to
//! metres, and a uniform grid over planar points for radius and nearest-point queries.
//!
//! The projection is equirectangular around a reference latitude. Over a county (tens of km)
//! its distance error is far below a snap tolerance or a coverage radius; over a province it
//! stays within a few per cent, which is why reported snap distances are recomputed with the
//! great-circle formula. The grid stores its points sorted by cell, coordinates alongside, so a
//! query reads contiguous memory; it is built once in O(n) with a counting sort.

use yibao_domain::GeoPoint;
use yibao_domain::geo::EARTH_RADIUS_M;

/// A point in metres on a local plane: `[x (east), y (north)]`.
pub type PlanarPoint = [f64; 2];

/// Equirectangular projection around a reference point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanarProjection {
    reference_lon: f64,
    reference_lat: f64,
    metres_per_degree_lon: f64,
    metres_per_degree_lat: f64,
}

impl PlanarProjection {
    /// A projection centred on `reference`.
    pub fn new(reference: GeoPoint) -> PlanarProjection {
        let metres_per_degree_lat = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        PlanarProjection {
            reference_lon: reference.lon(),
            reference_lat: reference.lat(),
            metres_per_degree_lat,
            metres_per_degree_lon: metres_per_degree_lat * reference.lat().to_radians().cos(),
        }
    }

    /// A projection centred on the middle of the points' bounding box (the origin when empty).
    pub fn around(points: impl IntoIterator<Item = GeoPoint>) -> PlanarProjection {
        let mut bounds: Option<[f64; 4]> = None;
        for point in points {
            let b = bounds.get_or_insert([point.lon(), point.lat(), point.lon(), point.lat()]);
            b[0] = b[0].min(point.lon());
            b[1] = b[1].min(point.lat());
            b[2] = b[2].max(point.lon());
            b[3] = b[3].max(point.lat());
        }
        let [west, south, east, north] = bounds.unwrap_or([0.0; 4]);
        let centre = GeoPoint::new((west + east) / 2.0, (south + north) / 2.0)
            .expect("the middle of valid coordinates is valid");
        PlanarProjection::new(centre)
    }

    /// The point in metres east and north of the reference.
    pub fn project(&self, point: GeoPoint) -> PlanarPoint {
        [
            (point.lon() - self.reference_lon) * self.metres_per_degree_lon,
            (point.lat() - self.reference_lat) * self.metres_per_degree_lat,
        ]
    }
}

/// Squared Euclidean distance between two planar points.
pub fn distance_squared(a: PlanarPoint, b: PlanarPoint) -> f64 {
    let dx = a[0] - b[0];
    let dy = a[1] - b[1];
    dx * dx + dy * dy
}

/// A uniform grid over planar points. Cells are squares of `cell_size` metres covering the
/// points' bounding box; the number of cells is capped near the number of points, so sparse
/// outliers cannot blow up memory.
#[derive(Debug, Clone)]
pub struct PointGrid {
    origin: PlanarPoint,
    cell_size: f64,
    columns: usize,
    rows: usize,
    /// `cell_start[c]..cell_start[c + 1]` indexes `items` and `coordinates` for cell `c`.
    cell_start: Vec<u32>,
    /// Original point indices, sorted by cell.
    items: Vec<u32>,
    /// Coordinates in the same order as `items`.
    coordinates: Vec<PlanarPoint>,
}

impl PointGrid {
    /// Builds a grid of cells about `cell_size` metres wide (enlarged when the box would need
    /// more than about four cells per point).
    pub fn build(points: &[PlanarPoint], cell_size: f64) -> PointGrid {
        assert!(
            points.len() < u32::MAX as usize,
            "at most 2^32 - 1 points per grid"
        );
        let mut min = [f64::INFINITY; 2];
        let mut max = [f64::NEG_INFINITY; 2];
        for point in points {
            for axis in 0..2 {
                min[axis] = min[axis].min(point[axis]);
                max[axis] = max[axis].max(point[axis]);
            }
        }
        if points.is_empty() {
            min = [0.0; 2];
            max = [0.0; 2];
        }
        let width = (max[0] - min[0]).max(0.0);
        let height = (max[1] - min[1]).max(0.0);
        let mut cell_size = if cell_size.is_finite() && cell_size > 0.0 {
            cell_size
        } else {
            1.0
        };
        let cell_budget = (4 * points.len()).max(16) as f64;
        while (width / cell_size + 1.0) * (height / cell_size + 1.0) > cell_budget {
            cell_size *= 1.5;
        }
        let columns = (width / cell_size) as usize + 1;
        let rows = (height / cell_size) as usize + 1;
        let mut grid = PointGrid {
            origin: min,
            cell_size,
            columns,
            rows,
            cell_start: vec![0; columns * rows + 1],
            items: vec![0; points.len()],
            coordinates: vec![[0.0; 2]; points.len()],
        };
        let cells: Vec<u32> = points
            .iter()
            .map(|&point| grid.cell_of_inside(point) as u32)
            .collect();
        for &cell in &cells {
            grid.cell_start[cell as usize + 1] += 1;
        }
        for cell in 0..columns * rows {
            grid.cell_start[cell + 1] += grid.cell_start[cell];
        }
        let mut next = grid.cell_start.clone();
        for (index, &cell) in cells.iter().enumerate() {
            let slot = next[cell as usize] as usize;
            next[cell as usize] += 1;
            grid.items[slot] = index as u32;
            grid.coordinates[slot] = points[index];
        }
        grid
    }

    /// Number of points in the grid.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the grid holds no point.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Cell side in metres (possibly enlarged from the requested size).
    pub fn cell_size(&self) -> f64 {
        self.cell_size
    }

    fn cell_coordinates(&self, point: PlanarPoint) -> (i64, i64) {
        (
            floor_to_i64((point[0] - self.origin[0]) / self.cell_size),
            floor_to_i64((point[1] - self.origin[1]) / self.cell_size),
        )
    }

    fn cell_of_inside(&self, point: PlanarPoint) -> usize {
        let (column, row) = self.cell_coordinates(point);
        let column = column.clamp(0, self.columns as i64 - 1) as usize;
        let row = row.clamp(0, self.rows as i64 - 1) as usize;
        row * self.columns + column
    }

    fn cell_range(&self, column: i64, row: i64) -> std::ops::Range<usize> {
        let cell = row as usize * self.columns + column as usize;
        self.cell_start[cell] as usize..self.cell_start[cell + 1] as usize
    }

    /// Appends to `found` every point within `radius` of `centre` (boundary included), in
    /// grid order. Branch-free: each point examined is written and kept only when in reach,
    /// since about half the points of the cells a disc touches lie outside it and a branch
    /// on that mispredicts.
    pub fn collect_within(&self, centre: PlanarPoint, radius: f64, found: &mut Vec<u32>) {
        if self.is_empty() || radius.is_nan() || radius < 0.0 {
            return;
        }
        let radius_squared = radius * radius;
        let (low_column, low_row) = self.cell_coordinates([centre[0] - radius, centre[1] - radius]);
        let (high_column, high_row) =
            self.cell_coordinates([centre[0] + radius, centre[1] + radius]);
        let low_column = low_column.max(0);
        let low_row = low_row.max(0);
        let high_column = high_column.min(self.columns as i64 - 1);
        let high_row = high_row.min(self.rows as i64 - 1);
        if low_column > high_column {
            return;
        }
        for row in low_row..=high_row {
            // Cells of one row are contiguous, so the whole row span is one slice.
            let start = self.cell_range(low_column, row).start;
            let end = self.cell_range(high_column, row).end;
            let mut kept = found.len();
            found.resize(kept + (end - start), 0);
            for (&item, &point) in self.items[start..end]
                .iter()
                .zip(&self.coordinates[start..end])
            {
                found[kept] = item;
                kept += usize::from(distance_squared(point, centre) <= radius_squared);
            }
            found.truncate(kept);
        }
    }

    /// The nearest point to `centre` for which `accept(index)` holds, no farther than
    /// `max_distance`: `(index, distance)`. Ties go to the lower index.
    pub fn nearest(
        &self,
        centre: PlanarPoint,
        max_distance: f64,
        accept: impl Fn(u32) -> bool,
    ) -> Option<(u32, f64)> {
        if self.is_empty() || max_distance.is_nan() || max_distance < 0.0 {
            return None;
        }
        let (centre_column, centre_row) = self.cell_coordinates(centre);
        let max_squared = max_distance * max_distance;
        let mut best: Option<(u32, f64)> = None;
        let columns = self.columns as i64;
        let rows = self.rows as i64;
        // Rings of cells at Chebyshev distance `ring` from the centre's cell. A point in a ring
        // beyond `ring` lies at least `ring * cell_size` away, which is when the search stops.
        let mut ring: i64 = 0;
        loop {
            let low_column = centre_column - ring;
            let high_column = centre_column + ring;
            let low_row = centre_row - ring;
            let high_row = centre_row + ring;
            if low_column < 0 && low_row < 0 && high_column >= columns && high_row >= rows {
                // The ring lies wholly outside the grid, and so do all later ones.
                break;
            }
            for row in low_row.max(0)..=high_row.min(rows - 1) {
                let on_edge_row = row == low_row || row == high_row;
                let mut visit_cell = |column: i64| {
                    if column < 0 || column >= columns {
                        return;
                    }
                    for slot in self.cell_range(column, row) {
                        let squared = distance_squared(self.coordinates[slot], centre);
                        if squared > max_squared {
                            continue;
                        }
                        let index = self.items[slot];
                        let better = match best {
                            None => true,
                            Some((best_index, best_squared)) => {
                                squared < best_squared
                                    || (squared == best_squared && index < best_index)
                            }
                        };
                        if better && accept(index) {
                            best = Some((index, squared));
                        }
                    }
                };
                if on_edge_row {
                    for column in low_column..=high_column {
                        visit_cell(column);
                    }
                } else {
                    visit_cell(low_column);
                    if high_column != low_column {
                        visit_cell(high_column);
                    }
                }
            }
            let reach = ring as f64 * self.cell_size;
            if reach > max_distance {
                break;
            }
            if let Some((_, best_squared)) = best
                && best_squared <= reach * reach
            {
                break;
            }
            ring += 1;
        }
        best.map(|(index, squared)| (index, squared.sqrt()))
    }
}

/// `x.floor() as i64` without the call to libm's `floor` that baseline x86-64 (no SSE4.1)
/// makes for it: truncate, then step down where truncation went up (negative fractions).
/// Saturates like the cast; NaN gives 0.
fn floor_to_i64(x: f64) -> i64 {
    let truncated = x as i64;
    truncated.saturating_sub(i64::from(truncated as f64 > x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_to_i64_matches_floor_then_cast() {
        for x in [
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.0,
            -1.0,
            2.999,
            -2.001,
            1e300,
            -1e300,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            9.3e18,
            -9.3e18,
            -4503599627370497.0,
        ] {
            assert_eq!(floor_to_i64(x), x.floor() as i64, "{x}");
        }
    }
    use proptest::prelude::*;

    fn brute_nearest(points: &[PlanarPoint], centre: PlanarPoint, max: f64) -> Option<(u32, f64)> {
        let mut best: Option<(u32, f64)> = None;
        for (index, &point) in points.iter().enumerate() {
            let squared = distance_squared(point, centre);
            if squared <= max * max && best.is_none_or(|(_, b)| squared < b) {
                best = Some((index as u32, squared));
            }
        }
        best.map(|(index, squared)| (index, squared.sqrt()))
    }

    proptest! {
        #[test]
        fn grid_queries_agree_with_scanning_every_point(
            points in prop::collection::vec((-500.0..500.0f64, -300.0..300.0f64), 0..80),
            centre in (-700.0..700.0f64, -500.0..500.0f64),
            radius in 0.0..400.0f64,
            cell in 1.0..200.0f64,
        ) {
            let points: Vec<PlanarPoint> = points.into_iter().map(|(x, y)| [x, y]).collect();
            let centre = [centre.0, centre.1];
            let grid = PointGrid::build(&points, cell);
            let mut found = vec![u32::MAX];
            grid.collect_within(centre, radius, &mut found);
            prop_assert_eq!(found.remove(0), u32::MAX, "what was there stays");
            found.sort_unstable();
            let expected: Vec<u32> = (0..points.len() as u32)
                .filter(|&i| distance_squared(points[i as usize], centre) <= radius * radius)
                .collect();
            prop_assert_eq!(found, expected);
            let nearest = grid.nearest(centre, radius, |_| true);
            let brute = brute_nearest(&points, centre, radius);
            prop_assert_eq!(nearest.map(|n| n.1), brute.map(|b| b.1));
        }
    }

    #[test]
    fn the_projection_measures_metres_near_its_reference() {
        let reference = GeoPoint::new(120.0, 36.0).unwrap();
        let projection = PlanarProjection::new(reference);
        let east = GeoPoint::new(120.01, 36.0).unwrap();
        let planar = projection.project(east);
        let great_circle = reference.distance_m(east);
        assert!(
            (planar[0] - great_circle).abs() < 0.5,
            "{planar:?} vs {great_circle}"
        );
        assert!(planar[1].abs() < 1e-9);
    }
}
