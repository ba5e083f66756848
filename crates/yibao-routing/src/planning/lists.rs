//! Coverage lists: which demand points each candidate site covers, and the transpose, in
//! compressed rows. Built from a Euclidean radius with a grid over the demand points (never
//! all pairs), one rayon task per block of candidates, or from precomputed network lists.

use rayon::prelude::*;

use crate::RoutingError;
use crate::geometry::{PlanarPoint, PointGrid};

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
        let grid = PointGrid::build(demand, radius_m.max(1.0));
        let lists: Vec<Vec<u32>> = candidates
            .par_iter()
            .with_min_len(64)
            .map(|&centre| {
                let mut covered = Vec::new();
                grid.for_each_within(centre, radius_m, |index, _| covered.push(index));
                covered.sort_unstable();
                covered
            })
            .collect();
        CoverageLists::from_candidate_lists(demand.len(), &lists)
    }

    /// Lists given per candidate (demand indices, any order, repeats ignored).
    pub fn from_candidate_lists(
        demand_count: usize,
        lists: &[Vec<u32>],
    ) -> Result<CoverageLists, RoutingError> {
        let total: usize = lists.iter().map(Vec::len).sum();
        if total >= u32::MAX as usize || demand_count >= u32::MAX as usize {
            return Err(RoutingError::InvalidParameter(
                "覆盖关系过多：请缩小半径或分区计算".into(),
            ));
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
        let mut rest = 0.0;
        for &demand in quads.remainder() {
            rest += values[demand as usize];
        }
        ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + rest
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

    #[test]
    fn precomputed_lists_are_deduplicated_and_checked() {
        let lists = CoverageLists::from_candidate_lists(3, &[vec![2, 0, 2], vec![]]).unwrap();
        assert_eq!(lists.demand_of(0), &[0, 2]);
        assert_eq!(lists.candidates_of(2), &[0]);
        assert!(CoverageLists::from_candidate_lists(3, &[vec![3]]).is_err());
    }
}
