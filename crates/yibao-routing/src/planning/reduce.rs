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
//! Both sides are numbered in breadth-first order over the coverage graph, so a candidate's
//! demand points have nearby indices (the subgradient loop's sums then stay in cache: 20–40%
//! less time on the bigger benchmark instances, whose input order is random).
//! Lagrangian multipliers map over by summing a group's members (a point's multiplier never
//! exceeds its weight, so the relaxation's value is unchanged too).

use std::borrow::Cow;

use rustc_hash::FxHashMap;

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

    // The allowed candidates' lists over live demand (original indices on both sides); at
    // the root nothing is left out and the given relation serves as it is.
    let restricted = if allowed.iter().all(|&a| a) && live.iter().all(|&l| l) {
        Cow::Borrowed(lists)
    } else {
        let mut starts = Vec::with_capacity(candidate_count + 1);
        let mut rows = Vec::with_capacity(lists.pair_count());
        starts.push(0u32);
        for site in 0..candidate_count as u32 {
            if allowed[site as usize] {
                rows.extend(
                    lists
                        .demand_of(site)
                        .iter()
                        .copied()
                        .filter(|&d| live[d as usize]),
                );
            }
            starts.push(rows.len() as u32);
        }
        Cow::Owned(CoverageLists::from_sorted_rows(demand_count, starts, rows))
    };
    let restricted = restricted.as_ref();

    // A 64-bit signature per candidate (one bit per demand point, by index): `N(j) ⊆ N(k)`
    // needs `sig(j) ⊆ sig(k)`, which rules out most pairs before any list is read.
    let signature = |site: u32| -> u64 {
        restricted.demand_of(site).iter().fold(0u64, |sig, &d| {
            sig | 1u64 << (d.wrapping_mul(0x9E37_79B9) >> 26)
        })
    };
    let signatures: Vec<u64> = (0..candidate_count as u32).map(signature).collect();
    // How many candidates cover each demand point, and each candidate's list length.
    let reach: Vec<u32> = (0..demand_count as u32)
        .map(|demand| restricted.candidates_of(demand).len() as u32)
        .collect();
    let lengths: Vec<u32> = (0..candidate_count as u32)
        .map(|site| restricted.demand_of(site).len() as u32)
        .collect();
    let is_dominated = |site: u32| -> bool {
        let own = restricted.demand_of(site);
        let Some(&rarest) = own.iter().min_by_key(|&&d| reach[d as usize]) else {
            return true;
        };
        let own_signature = signatures[site as usize];
        let own_length = own.len() as u32;
        // Cheapest tests first: the signatures, then the lengths, then the lists.
        restricted.candidates_of(rarest).iter().any(|&other| {
            let their_length = lengths[other as usize];
            own_signature & !signatures[other as usize] == 0
                && (their_length > own_length || (their_length == own_length && other < site))
                && is_sorted_subset(own, restricted.demand_of(other))
        })
    };
    let candidates: Vec<u32> = (0..candidate_count as u32)
        .filter(|&site| allowed[site as usize] && !is_dominated(site))
        .collect();

    // Each demand point's kept candidates (reduced indices, ascending: the reduced index grows
    // with the original one); demand points with the same kept candidates merge.
    let mut reduced_index = vec![u32::MAX; candidate_count];
    for (reduced, &site) in candidates.iter().enumerate() {
        reduced_index[site as usize] = reduced as u32;
    }
    // Written without a branch per pair (most candidates are dominated, so a branch would
    // mispredict often): every pair is stored, and the write position moves past kept ones.
    let mut key_starts = Vec::with_capacity(demand_count + 1);
    let mut keys = vec![0u32; restricted.pair_count()];
    let mut written = 0usize;
    key_starts.push(0usize);
    for demand in 0..demand_count as u32 {
        for &site in restricted.candidates_of(demand) {
            let reduced = reduced_index[site as usize];
            keys[written] = reduced;
            written += usize::from(reduced != u32::MAX);
        }
        key_starts.push(written);
    }
    keys.truncate(written);
    let key = |demand: usize| &keys[key_starts[demand]..key_starts[demand + 1]];
    let mut group_of = vec![u32::MAX; demand_count];
    let mut group_weights: Vec<f64> = Vec::new();
    // One member per group, whose key stands for the group's.
    let mut representative: Vec<u32> = Vec::new();
    {
        let mut groups: FxHashMap<&[u32], u32> = FxHashMap::default();
        for demand in 0..demand_count {
            let key = key(demand);
            if key.is_empty() {
                continue;
            }
            let next = group_weights.len() as u32;
            let group = *groups.entry(key).or_insert(next);
            if group == next {
                group_weights.push(0.0);
                representative.push(demand as u32);
            }
            group_of[demand] = group;
            group_weights[group as usize] += weights[demand];
        }
    }
    // Each group's kept candidates (its members' key) as a row; the transpose gives each kept
    // candidate's groups, ascending.
    let mut group_key_start = Vec::with_capacity(representative.len() + 1);
    let mut group_keys = Vec::with_capacity(keys.len());
    group_key_start.push(0u32);
    for &demand in &representative {
        group_keys.extend_from_slice(key(demand as usize));
        group_key_start.push(group_keys.len() as u32);
    }
    let by_group = CoverageLists::from_sorted_rows(candidates.len(), group_key_start, group_keys);
    // Renumber both sides in breadth-first order so that a candidate's demand points have
    // nearby indices and neighbouring candidates are visited one after another: the
    // subgradient loop's sums then read the multipliers from cache instead of all over memory.
    let (candidate_order, group_rank) = breadth_first_order(
        candidates.len(),
        group_weights.len(),
        |site| by_group.candidates_of(site),
        |group| by_group.demand_of(group),
    );
    // Each renumbered candidate's row of ranks, ascending: the groups are visited in rank
    // order and appended to their candidates' rows, so no row needs sorting.
    let mut new_index = vec![0u32; candidates.len()];
    for (position, &site) in candidate_order.iter().enumerate() {
        new_index[site as usize] = position as u32;
    }
    let mut starts = Vec::with_capacity(candidate_order.len() + 1);
    starts.push(0u32);
    for &site in &candidate_order {
        let length = by_group.candidates_of(site).len() as u32;
        starts.push(starts[starts.len() - 1] + length);
    }
    let mut by_rank = vec![0u32; group_rank.len()];
    for (group, &rank) in group_rank.iter().enumerate() {
        by_rank[rank as usize] = group as u32;
    }
    let mut next: Vec<u32> = starts[..candidate_order.len()].to_vec();
    let mut rows = vec![0u32; by_group.pair_count()];
    for (rank, &group) in by_rank.iter().enumerate() {
        for &reduced in by_group.demand_of(group) {
            let slot = &mut next[new_index[reduced as usize] as usize];
            rows[*slot as usize] = rank as u32;
            *slot += 1;
        }
    }
    let lists = CoverageLists::from_sorted_rows(group_weights.len(), starts, rows);
    let mut weights = vec![0.0; group_weights.len()];
    for (group, &rank) in group_rank.iter().enumerate() {
        weights[rank as usize] = group_weights[group];
    }
    for group in group_of.iter_mut().filter(|group| **group != u32::MAX) {
        *group = group_rank[*group as usize];
    }
    Reduction {
        lists,
        weights,
        candidates: candidate_order
            .iter()
            .map(|&site| candidates[site as usize])
            .collect(),
        group_of,
        covered_by_open,
    }
}

/// Whether every element of `small` occurs in `large` (both ascending, without repeats). One
/// merge step per element of `large`; a match advances `small` without a branch, and the loop's
/// only branches leave it.
fn is_sorted_subset(small: &[u32], large: &[u32]) -> bool {
    let (Some(&first), Some(&last)) = (small.first(), small.last()) else {
        return true;
    };
    if small.len() > large.len() || large[0] > first || large[large.len() - 1] < last {
        return false;
    }
    let mut wanted = 0;
    for &item in large {
        let next = small[wanted];
        if item > next {
            return false;
        }
        wanted += usize::from(item == next);
        if wanted == small.len() {
            return true;
        }
    }
    false
}

/// A breadth-first search over the bipartite coverage graph given by `demand_of` (a
/// candidate's demand points) and `candidates_of` (a demand point's candidates), from each
/// unvisited candidate in turn: the order candidates are visited in, and each demand point's
/// rank in the order demand points are first reached. Each list is read once, so this costs
/// O(pairs).
fn breadth_first_order<'a>(
    candidate_count: usize,
    demand_count: usize,
    demand_of: impl Fn(u32) -> &'a [u32],
    candidates_of: impl Fn(u32) -> &'a [u32],
) -> (Vec<u32>, Vec<u32>) {
    let mut visited = vec![false; candidate_count];
    let mut group_rank = vec![u32::MAX; demand_count];
    let mut next_rank = 0u32;
    // The visit order doubles as the queue: `head` is the next candidate to expand.
    let mut order: Vec<u32> = Vec::with_capacity(candidate_count);
    let mut head = 0;
    for start in 0..candidate_count as u32 {
        if visited[start as usize] {
            continue;
        }
        visited[start as usize] = true;
        order.push(start);
        while head < order.len() {
            let site = order[head];
            head += 1;
            for &demand in demand_of(site) {
                if group_rank[demand as usize] != u32::MAX {
                    continue;
                }
                group_rank[demand as usize] = next_rank;
                next_rank += 1;
                for &other in candidates_of(demand) {
                    if !visited[other as usize] {
                        visited[other as usize] = true;
                        order.push(other);
                    }
                }
            }
        }
    }
    (order, group_rank)
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
    fn sorted_subsets_are_recognised() {
        assert!(is_sorted_subset(&[], &[1, 2]));
        assert!(is_sorted_subset(&[2, 5], &[1, 2, 3, 5]));
        assert!(!is_sorted_subset(&[2, 4], &[1, 2, 3, 5]));
        assert!(!is_sorted_subset(&[6], &[1, 2, 3, 5]));
        assert!(!is_sorted_subset(&[1], &[]));
        assert!(is_sorted_subset(&[1, 2, 3], &[1, 2, 3]));
        assert!(is_sorted_subset(&[3], &[1, 2, 3]));
        assert!(!is_sorted_subset(&[0, 2], &[1, 2]));
        assert!(!is_sorted_subset(&[2, 5], &[1, 2]));
        assert!(!is_sorted_subset(&[1, 2, 3], &[1, 3]));
    }

    #[test]
    fn breadth_first_numbering_keeps_neighbours_together() {
        // A chain: candidate j covers demand j and j + 1, given in scrambled order.
        let order = [3u32, 0, 4, 1, 2];
        let mut lists = vec![Vec::new(); 5];
        for (position, &j) in order.iter().enumerate() {
            lists[position] = vec![j, j + 1];
        }
        let lists = CoverageLists::from_candidate_lists(6, &lists).unwrap();
        let (visit, rank) = breadth_first_order(
            lists.candidate_count(),
            lists.demand_count(),
            |site| lists.demand_of(site),
            |demand| lists.candidates_of(demand),
        );
        // From the first candidate (chain position 3) outwards; every demand point ranked once.
        assert_eq!(visit.len(), 5);
        assert_eq!(visit[0], 0);
        let mut ranks = rank.clone();
        ranks.sort_unstable();
        assert_eq!(ranks, (0..6).collect::<Vec<u32>>());
        // Chain neighbours are at most two visits apart.
        let mut visited_at = [0usize; 5];
        for (step, &site) in visit.iter().enumerate() {
            visited_at[order[site as usize] as usize] = step;
        }
        for j in 0..4 {
            assert!(
                visited_at[j].abs_diff(visited_at[j + 1]) <= 2,
                "{visited_at:?}"
            );
        }
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
