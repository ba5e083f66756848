//! Problem reduction: a smaller maximal covering problem with the same optimum.
//!
//! Given sites fixed open and sites fixed closed (none at the root), it
//!
//! 1. counts the weight the open sites cover as a constant and drops that demand, demand of
//!    weight 0 and demand no remaining candidate covers;
//! 2. drops *dominated* candidates: `j` goes when another candidate `k` covers every demand
//!    point `j` covers (`N(j) ⊆ N(k)`; when the sets are equal the lower index stays). Any plan
//!    using `j` does at least as well with `k` instead (or without `j` when `k` is open too), and
//!    "is dominated by" is a strict partial order, so every dropped candidate has a kept one
//!    dominating it;
//! 3. merges demand points that the same kept candidates cover into one point carrying their
//!    summed weight (clustered villages give many such points).
//!
//! The optimum of "at most p sites" is unchanged; plans map back through `candidates`.
//! Lagrangian multipliers map over by summing a group's members (a point's multiplier never
//! exceeds its weight, so the relaxation's value is unchanged too).

use std::collections::HashMap;

use crate::planning::CoverageLists;

/// The reduced problem and how it maps to the original one.
#[derive(Debug, Clone)]
pub(crate) struct Reduction {
    pub lists: CoverageLists,
    pub weights: Vec<f64>,
    /// Reduced candidate → original candidate.
    pub candidates: Vec<u32>,
    /// Original demand point → reduced demand point (`u32::MAX`: dropped).
    pub group_of: Vec<u32>,
    /// Weight covered by the sites fixed open (not part of the reduced problem).
    pub covered_by_open: f64,
}

impl Reduction {
    /// Original candidate indices of reduced `sites`.
    pub fn original_sites(&self, sites: &[u32]) -> Vec<u32> {
        sites
            .iter()
            .map(|&site| self.candidates[site as usize])
            .collect()
    }

    /// Multipliers of the original demand summed per reduced demand point.
    pub fn map_multipliers(&self, multipliers: &[f64]) -> Vec<f64> {
        let mut mapped = vec![0.0; self.weights.len()];
        for (demand, &group) in self.group_of.iter().enumerate() {
            if group != u32::MAX {
                mapped[group as usize] += multipliers[demand];
            }
        }
        for (multiplier, weight) in mapped.iter_mut().zip(&self.weights) {
            *multiplier = multiplier.clamp(0.0, *weight);
        }
        mapped
    }
}

/// Reduces the problem with `open` sites fixed open and `closed[j]` sites fixed closed.
pub(crate) fn reduce(
    lists: &CoverageLists,
    weights: &[f64],
    open: &[u32],
    closed: &[bool],
) -> Reduction {
    let demand_count = lists.demand_count();
    let candidate_count = lists.candidate_count();
    let mut covered = vec![false; demand_count];
    let mut allowed: Vec<bool> = (0..candidate_count).map(|site| !closed[site]).collect();
    for &site in open {
        allowed[site as usize] = false;
        for &demand in lists.demand_of(site) {
            covered[demand as usize] = true;
        }
    }
    let covered_by_open: f64 = (0..demand_count)
        .filter(|&d| covered[d])
        .map(|d| weights[d])
        .sum();
    let live: Vec<bool> = (0..demand_count)
        .map(|d| !covered[d] && weights[d] > 0.0)
        .collect();

    // The allowed candidates' lists over live demand (original indices on both sides).
    let restricted: Vec<Vec<u32>> = (0..candidate_count as u32)
        .map(|site| {
            if !allowed[site as usize] {
                return Vec::new();
            }
            lists
                .demand_of(site)
                .iter()
                .copied()
                .filter(|&d| live[d as usize])
                .collect()
        })
        .collect();
    let restricted = CoverageLists::from_candidate_lists(demand_count, &restricted)
        .expect("a sub-relation of a valid relation is valid");

    let is_dominated = |site: u32| -> bool {
        let own = restricted.demand_of(site);
        let Some(&rarest) = own
            .iter()
            .min_by_key(|&&d| restricted.candidates_of(d).len())
        else {
            return true;
        };
        restricted.candidates_of(rarest).iter().any(|&other| {
            let theirs = restricted.demand_of(other).len();
            other != site
                && (theirs > own.len() || (theirs == own.len() && other < site))
                && own
                    .iter()
                    .all(|&d| restricted.candidates_of(d).binary_search(&other).is_ok())
        })
    };
    let candidates: Vec<u32> = (0..candidate_count as u32)
        .filter(|&site| allowed[site as usize] && !is_dominated(site))
        .collect();

    // Merge demand points covered by the same kept candidates (reduced indices, ascending).
    let mut kept_lists: Vec<Vec<u32>> = vec![Vec::new(); demand_count];
    for (reduced, &site) in candidates.iter().enumerate() {
        for &demand in restricted.demand_of(site) {
            kept_lists[demand as usize].push(reduced as u32);
        }
    }
    let mut group_of = vec![u32::MAX; demand_count];
    let mut group_weights: Vec<f64> = Vec::new();
    {
        let mut groups: HashMap<&[u32], u32> = HashMap::new();
        for demand in 0..demand_count {
            let key = kept_lists[demand].as_slice();
            if key.is_empty() {
                continue;
            }
            let next = group_weights.len() as u32;
            let group = *groups.entry(key).or_insert(next);
            if group == next {
                group_weights.push(0.0);
            }
            group_of[demand] = group;
            group_weights[group as usize] += weights[demand];
        }
    }
    let mut candidate_lists: Vec<Vec<u32>> = vec![Vec::new(); candidates.len()];
    for demand in 0..demand_count {
        let group = group_of[demand];
        if group == u32::MAX {
            continue;
        }
        for &reduced in &kept_lists[demand] {
            let list = &mut candidate_lists[reduced as usize];
            if list.last() != Some(&group) {
                list.push(group);
            }
        }
    }
    let lists = CoverageLists::from_candidate_lists(group_weights.len(), &candidate_lists)
        .expect("group indices are in range");
    Reduction {
        lists,
        weights: group_weights,
        candidates,
        group_of,
        covered_by_open,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dominated_candidates_go_and_identically_covered_demand_merges() {
        // Candidate 1 covers a subset of candidate 0; 2 equals 3 (the lower index stays);
        // demand 0 and 1 are covered by exactly {0}; demand 5 has weight 0.
        let lists = CoverageLists::from_candidate_lists(
            6,
            &[vec![0, 1, 2], vec![1, 2], vec![3, 4, 5], vec![3, 4]],
        )
        .unwrap();
        let weights = [1.0, 2.0, 3.0, 4.0, 5.0, 0.0];
        let reduction = reduce(&lists, &weights, &[], &[false; 4]);
        assert_eq!(reduction.candidates, vec![0, 2]);
        assert_eq!(reduction.weights, vec![6.0, 9.0]);
        assert_eq!(reduction.lists.demand_of(0), &[0]);
        assert_eq!(reduction.lists.demand_of(1), &[1]);
        assert_eq!(reduction.group_of, vec![0, 0, 0, 1, 1, u32::MAX]);
        assert_eq!(reduction.covered_by_open, 0.0);
    }

    #[test]
    fn fixed_sites_leave_the_problem_and_their_coverage_becomes_a_constant() {
        let lists =
            CoverageLists::from_candidate_lists(4, &[vec![0, 1], vec![1, 2], vec![2, 3], vec![3]])
                .unwrap();
        let weights = [1.0, 2.0, 4.0, 8.0];
        // 0 open, 2 closed: demand 0 and 1 are covered; 1 covers {2}, 3 covers {3}.
        let reduction = reduce(&lists, &weights, &[0], &[false, false, true, false]);
        assert_eq!(reduction.covered_by_open, 3.0);
        assert_eq!(reduction.candidates, vec![1, 3]);
        assert_eq!(reduction.weights, vec![4.0, 8.0]);
        assert_eq!(reduction.original_sites(&[1]), vec![3]);
        let multipliers = reduction.map_multipliers(&[0.5, 0.5, 3.0, 9.0]);
        assert_eq!(multipliers, vec![3.0, 8.0]);
    }
}
