//! Coverage lists: which demand points each candidate site covers, and the transpose, in
//! compressed rows. Built from a Euclidean radius with a grid over the candidates (never all
//! pairs), one rayon task per block of demand points, or from precomputed network lists.

use rayon::prelude::*;

use crate::RoutingError;
use crate::geometry::{PlanarPoint, PointGrid};

/// Demand points per block (and rayon task) when Euclidean lists are built.
const EUCLIDEAN_BLOCK: usize = 2048;

/// Demand points from which the blocks run on rayon's threads. Below it the pool's start costs
/// more CPU than it saves time: at 5,000 points (5k×10k, 267k pairs) two threads took 3.4 ms of
/// wall time against 4.0 ms for one, while spawning the pool's threads.
const EUCLIDEAN_PARALLEL_MIN: usize = 16_384;

fn too_many_pairs() -> RoutingError {
    RoutingError::InvalidParameter("覆盖关系过多：请缩小半径或分区计算".into())
}

/// Which demand points each candidate covers (and which candidates cover each demand point).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageLists {
    demand_count: usize,
    candidate_start: Vec<u32>,
    candidate_demand: Vec<u32>,
    demand_start: Vec<u32>,
    demand_candidate: Vec<u32>,
}

impl CoverageLists {
    /// Candidate `j` covers demand `d` when their planar distance is at most `radius_m`.
    pub fn euclidean(
        demand: &[PlanarPoint],
        candidates: &[PlanarPoint],
        radius_m: f64,
    ) -> Result<CoverageLists, RoutingError> {
        if !(radius_m.is_finite() && radius_m >= 0.0) {
            return Err(RoutingError::InvalidParameter(format!(
                "覆盖半径 {radius_m} 米无效"
            )));
        }
        // Each demand point looks up the candidates within reach; walking the demand points
        // in order then fills every candidate's row already ascending (no sorting). Blocks of
        // demand points are rayon tasks when there are many.
        let grid = PointGrid::build(candidates, radius_m.max(1.0));
        let block_pairs = |block: &[PlanarPoint]| {
            let mut ends = Vec::with_capacity(block.len());
            let mut reached = Vec::new();
            for &point in block {
                grid.collect_within(point, radius_m, &mut reached);
                ends.push(reached.len());
            }
            (ends, reached)
        };
        let blocks: Vec<(Vec<usize>, Vec<u32>)> = if demand.len() < EUCLIDEAN_PARALLEL_MIN {
            demand.chunks(EUCLIDEAN_BLOCK).map(block_pairs).collect()
        } else {
            demand
                .par_chunks(EUCLIDEAN_BLOCK)
                .map(block_pairs)
                .collect()
        };
        let total: usize = blocks.iter().map(|(_, reached)| reached.len()).sum();
        if total >= u32::MAX as usize || demand.len() >= u32::MAX as usize {
            return Err(too_many_pairs());
        }
        let mut candidate_start = vec![0u32; candidates.len() + 1];
        for (_, reached) in &blocks {
            for &candidate in reached {
                candidate_start[candidate as usize + 1] += 1;
            }
        }
        for candidate in 0..candidates.len() {
            candidate_start[candidate + 1] += candidate_start[candidate];
        }
        let mut next = candidate_start.clone();
        let mut candidate_demand = vec![0u32; total];
        let mut point = 0u32;
        for (ends, reached) in &blocks {
            let mut begin = 0;
            for &end in ends {
                for &candidate in &reached[begin..end] {
                    let slot = &mut next[candidate as usize];
                    candidate_demand[*slot as usize] = point;
                    *slot += 1;
                }
                begin = end;
                point += 1;
            }
        }
        Ok(CoverageLists::from_sorted_rows(
            demand.len(),
            candidate_start,
            candidate_demand,
        ))
    }

    /// Lists given per candidate (demand indices, any order, repeats ignored).
    pub fn from_candidate_lists(
        demand_count: usize,
        lists: &[Vec<u32>],
    ) -> Result<CoverageLists, RoutingError> {
        let total: usize = lists.iter().map(Vec::len).sum();
        if total >= u32::MAX as usize || demand_count >= u32::MAX as usize {
            return Err(too_many_pairs());
        }
        let mut candidate_start = Vec::with_capacity(lists.len() + 1);
        let mut candidate_demand = Vec::with_capacity(total);
        candidate_start.push(0u32);
        for (candidate, list) in lists.iter().enumerate() {
            let begin = candidate_demand.len();
            for &demand in list {
                if demand as usize >= demand_count {
                    return Err(RoutingError::InvalidParameter(format!(
                        "候选站址 {candidate} 的覆盖列表引用了不存在的需求点 {demand}"
                    )));
                }
                candidate_demand.push(demand);
            }
            let row = &mut candidate_demand[begin..];
            row.sort_unstable();
            let unique = dedup_sorted(row);
            candidate_demand.truncate(begin + unique);
            candidate_start.push(candidate_demand.len() as u32);
        }
        Ok(CoverageLists::from_sorted_rows(
            demand_count,
            candidate_start,
            candidate_demand,
        ))
    }

    /// Lists given as compressed rows: candidate `j` covers `rows[starts[j]..starts[j + 1]]`,
    /// each row ascending without repeats and every index below `demand_count`.
    pub(crate) fn from_sorted_rows(
        demand_count: usize,
        candidate_start: Vec<u32>,
        candidate_demand: Vec<u32>,
    ) -> CoverageLists {
        debug_assert!(candidate_start.windows(2).all(|pair| {
            let row = &candidate_demand[pair[0] as usize..pair[1] as usize];
            row.windows(2).all(|two| two[0] < two[1])
                && row.iter().all(|&d| (d as usize) < demand_count)
        }));
        let mut demand_start = vec![0u32; demand_count + 1];
        for &demand in &candidate_demand {
            demand_start[demand as usize + 1] += 1;
        }
        for demand in 0..demand_count {
            demand_start[demand + 1] += demand_start[demand];
        }
        let mut next = demand_start.clone();
        let mut demand_candidate = vec![0u32; candidate_demand.len()];
        for candidate in 0..candidate_start.len() - 1 {
            let range =
                candidate_start[candidate] as usize..candidate_start[candidate + 1] as usize;
            for &demand in &candidate_demand[range] {
                let slot = &mut next[demand as usize];
                demand_candidate[*slot as usize] = candidate as u32;
                *slot += 1;
            }
        }
        CoverageLists {
            demand_count,
            candidate_start,
            candidate_demand,
            demand_start,
            demand_candidate,
        }
    }

    /// Number of demand points.
    pub fn demand_count(&self) -> usize {
        self.demand_count
    }

    /// Number of candidate sites.
    pub fn candidate_count(&self) -> usize {
        self.candidate_start.len() - 1
    }

    /// Number of (candidate, demand) coverage pairs.
    pub fn pair_count(&self) -> usize {
        self.candidate_demand.len()
    }

    /// Demand points covered by `candidate`, ascending.
    pub fn demand_of(&self, candidate: u32) -> &[u32] {
        let candidate = candidate as usize;
        &self.candidate_demand
            [self.candidate_start[candidate] as usize..self.candidate_start[candidate + 1] as usize]
    }

    /// `Σ values[d]` over the demand points `candidate` covers, in four interleaved partial
    /// sums: one running sum waits on each addition's latency, four keep the loads flowing (it
    /// is most of the subgradient loop's time).
    pub fn sum_over(&self, candidate: u32, values: &[f64]) -> f64 {
        let list = self.demand_of(candidate);
        let mut lanes = [0.0f64; 4];
        let mut quads = list.chunks_exact(4);
        for quad in &mut quads {
            for (lane, &demand) in lanes.iter_mut().zip(quad) {
                *lane += values[demand as usize];
            }
        }
        // The last one to three points without a loop: a loop of varying length here cost a
        // mispredicted exit on most calls. Short of three, the last point is read again and
        // counted as zero (adding zeros leaves the sum in order bit for bit).
        let rest = quads.remainder();
        let mut tail = 0.0;
        if !rest.is_empty() {
            for slot in 0..3 {
                let demand = rest[slot.min(rest.len() - 1)];
                let keep = if slot < rest.len() { 1.0 } else { 0.0 };
                tail += values[demand as usize] * keep;
            }
        }
        ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + tail
    }

    /// Candidates covering `demand`, ascending.
    pub fn candidates_of(&self, demand: u32) -> &[u32] {
        let demand = demand as usize;
        &self.demand_candidate
            [self.demand_start[demand] as usize..self.demand_start[demand + 1] as usize]
    }
}

/// Removes adjacent repeats in place; returns the new length.
fn dedup_sorted(values: &mut [u32]) -> usize {
    if values.is_empty() {
        return 0;
    }
    let mut write = 1;
    for read in 1..values.len() {
        if values[read] != values[write - 1] {
            values[write] = values[read];
            write += 1;
        }
    }
    write
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lists of every length from 0 to 13 (each remainder after the groups of four), summed
    /// against a plain sum of the same values (powers of two, so both sums are exact).
    #[test]
    fn sums_over_lists_of_every_length_are_exact() {
        let values: Vec<f64> = (0..14).map(|d| f64::from(1u32 << d)).collect();
        let rows: Vec<Vec<u32>> = (0..14u32).map(|length| (0..length).collect()).collect();
        let lists = CoverageLists::from_candidate_lists(14, &rows).unwrap();
        for (site, row) in rows.iter().enumerate() {
            let expected: f64 = row.iter().map(|&d| values[d as usize]).sum();
            assert_eq!(
                lists.sum_over(site as u32, &values),
                expected,
                "length {}",
                row.len()
            );
        }
    }

    #[test]
    fn euclidean_lists_hold_the_points_within_the_radius_both_ways() {
        let demand = [[0.0, 0.0], [100.0, 0.0], [250.0, 0.0]];
        let candidates = [[50.0, 0.0], [250.0, 100.0], [1000.0, 0.0]];
        let lists = CoverageLists::euclidean(&demand, &candidates, 100.0).unwrap();
        assert_eq!(lists.demand_of(0), &[0, 1]);
        assert_eq!(lists.demand_of(1), &[2]);
        assert!(lists.demand_of(2).is_empty());
        assert_eq!(lists.candidates_of(1), &[0]);
        assert_eq!(lists.candidates_of(2), &[1]);
        assert_eq!(lists.pair_count(), 3);
    }

    /// Every candidate's row against a scan of all pairs, both ways; sizes on both sides of
    /// the block size and of the parallel threshold, so joined blocks are checked both when
    /// they are built in turn and on rayon's threads.
    #[test]
    fn euclidean_lists_equal_a_scan_of_all_pairs() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |range: f64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 * range
        };
        for (demand_count, candidate_count, radius) in [
            (0, 3, 10.0),
            (40, 7, 0.0),
            (300, 60, 90.0),
            (5_000, 80, 400.0),
            (EUCLIDEAN_PARALLEL_MIN + 3_000, 40, 150.0),
        ] {
            let demand: Vec<PlanarPoint> = (0..demand_count)
                .map(|_| [next(3_000.0), next(2_000.0)])
                .collect();
            let candidates: Vec<PlanarPoint> = (0..candidate_count)
                .map(|_| [next(3_000.0), next(2_000.0)])
                .collect();
            let lists = CoverageLists::euclidean(&demand, &candidates, radius).unwrap();
            let mut pairs = 0;
            for (site, &centre) in candidates.iter().enumerate() {
                let expected: Vec<u32> = (0..demand_count as u32)
                    .filter(|&d| {
                        crate::geometry::distance_squared(demand[d as usize], centre)
                            <= radius * radius
                    })
                    .collect();
                pairs += expected.len();
                assert_eq!(lists.demand_of(site as u32), expected.as_slice());
            }
            assert_eq!(lists.pair_count(), pairs);
            for point in 0..demand_count as u32 {
                for &site in lists.candidates_of(point) {
                    assert!(lists.demand_of(site).contains(&point));
                }
            }
        }
    }

    #[test]
    fn precomputed_lists_are_deduplicated_and_checked() {
        let lists = CoverageLists::from_candidate_lists(3, &[vec![2, 0, 2], vec![]]).unwrap();
        assert_eq!(lists.demand_of(0), &[0, 2]);
        assert_eq!(lists.candidates_of(2), &[0]);
        assert!(CoverageLists::from_candidate_lists(3, &[vec![3]]).is_err());
    }
}
