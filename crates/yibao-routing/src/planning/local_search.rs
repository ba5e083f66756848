//! Swap local search: replace one open site by a closed one while that raises the covered
//! weight, taking the best swap of the whole neighbourhood each pass.
//!
//! For a closed site `j` a read of its list finds its gain (weight it would newly cover) and,
//! per open site `i`, the weight covered only by `i` that `j` would also cover (`shared`). The
//! swap `i → j` changes the objective by `gain(j) − loss(i) + shared(i, j)`; only the open
//! sites touched by `j`'s list need their `shared` term, the rest are bounded by the smallest
//! loss. Memory is O(open sites).
//!
//! Most lists need not be read at all. Every site's `gain` and `single` (weight it covers that
//! exactly one open site covers) are kept up to date as sites open and close, which touches
//! only the lists of demand whose coverage count changed. Since `shared(i, j) ≤ min(loss(i),
//! single(j))`, no swap into `j` gains more than `gain(j) − max(0, smallest loss − single(j))`:
//! a pass reads the lists of closed sites in decreasing order of that estimate and stops at the
//! first one that cannot beat the best swap found. It picks the same swap as reading every list
//! would (ties to the lower site index).

use crate::planning::state::CoverState;

/// Improves `state` by swaps until none raises the covered weight by more than `tolerance`
/// or `max_passes` swaps were made. Returns the number of swaps made.
pub(crate) fn improve_by_swaps(
    state: &mut CoverState<'_>,
    tolerance: f64,
    max_passes: usize,
) -> usize {
    let candidate_count = state.lists.candidate_count();
    let mut swaps = 0;
    if state.open.is_empty() {
        return swaps;
    }
    let mut sums = Sums::new(state);
    let mut position_of = vec![u32::MAX; candidate_count];
    let mut shared: Vec<f64> = Vec::new();
    let mut touched_flag: Vec<bool> = Vec::new();
    let mut touched: Vec<u32> = Vec::new();
    let mut estimates: Vec<(f64, u32)> = Vec::new();
    // Estimates are sums kept up to date through many changes; their rounding is far below
    // this (it is also the least gain a swap must bring).
    let slack = tolerance;
    while swaps < max_passes {
        let open_count = state.open.len();
        for (position, &site) in state.open.iter().enumerate() {
            position_of[site as usize] = position as u32;
        }
        let losses: Vec<f64> = state.open.iter().map(|&site| state.loss(site)).collect();
        let (smallest_loss_position, smallest_loss) = losses
            .iter()
            .copied()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("at least one open site");
        shared.clear();
        shared.resize(open_count, 0.0);
        touched_flag.clear();
        touched_flag.resize(open_count, false);
        estimates.clear();
        for site in 0..candidate_count {
            if state.is_open[site] {
                continue;
            }
            let estimate = sums.gain[site] - (smallest_loss - sums.single[site]).max(0.0);
            if estimate + slack > tolerance {
                estimates.push((estimate, site as u32));
            }
        }
        estimates.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut best: Option<(f64, usize, u32)> = None;
        for &(estimate, site) in &estimates {
            if best.is_some_and(|(best_delta, _, _)| estimate + slack < best_delta) {
                break;
            }
            let mut gain = 0.0;
            for &demand in state.lists.demand_of(site) {
                let demand = demand as usize;
                match state.count[demand] {
                    0 => gain += state.weights[demand],
                    1 => {
                        let position = position_of[state.xor[demand] as usize] as usize;
                        if !touched_flag[position] {
                            touched_flag[position] = true;
                            touched.push(position as u32);
                        }
                        shared[position] += state.weights[demand];
                    }
                    _ => {}
                }
            }
            // The best swap into `site`, its first maximum in the order a full read meets
            // them; across sites the lower index wins a tie.
            let mut site_best: Option<(f64, usize)> = None;
            let mut consider = |delta: f64, position: usize| {
                if site_best.is_none_or(|(known, _)| delta > known) {
                    site_best = Some((delta, position));
                }
            };
            consider(gain - smallest_loss, smallest_loss_position);
            for &position in &touched {
                let position = position as usize;
                consider(gain - losses[position] + shared[position], position);
                shared[position] = 0.0;
                touched_flag[position] = false;
            }
            touched.clear();
            let (delta, position) = site_best.expect("one swap considered");
            if best.is_none_or(|(best_delta, _, best_site)| {
                delta > best_delta || (delta == best_delta && site < best_site)
            }) {
                best = Some((delta, position, site));
            }
        }
        match best {
            Some((delta, position, site)) if delta > tolerance => {
                let leaving = state.open[position];
                sums.close(state, leaving);
                state.close_site(leaving);
                sums.open(state, site);
                state.open_site(site);
                swaps += 1;
            }
            _ => break,
        }
    }
    swaps
}

/// Per site: `gain`, the weight of its demand no open site covers, and `single`, the weight of
/// its demand exactly one open site covers.
struct Sums {
    gain: Vec<f64>,
    single: Vec<f64>,
}

impl Sums {
    fn new(state: &CoverState<'_>) -> Sums {
        let lists = state.lists;
        let mut gain = vec![0.0; lists.candidate_count()];
        let mut single = vec![0.0; lists.candidate_count()];
        for site in 0..lists.candidate_count() as u32 {
            for &demand in lists.demand_of(site) {
                let weight = state.weights[demand as usize];
                match state.count[demand as usize] {
                    0 => gain[site as usize] += weight,
                    1 => single[site as usize] += weight,
                    _ => {}
                }
            }
        }
        Sums { gain, single }
    }

    /// Updates the sums for `site` closing (call before `state` closes it).
    fn close(&mut self, state: &CoverState<'_>, site: u32) {
        for &demand in state.lists.demand_of(site) {
            let weight = state.weights[demand as usize];
            let (gain, single) = match state.count[demand as usize] {
                1 => (weight, -weight),
                2 => (0.0, weight),
                _ => continue,
            };
            self.add(state, demand, gain, single);
        }
    }

    /// Updates the sums for `site` opening (call before `state` opens it).
    fn open(&mut self, state: &CoverState<'_>, site: u32) {
        for &demand in state.lists.demand_of(site) {
            let weight = state.weights[demand as usize];
            let (gain, single) = match state.count[demand as usize] {
                0 => (-weight, weight),
                1 => (0.0, -weight),
                _ => continue,
            };
            self.add(state, demand, gain, single);
        }
    }

    fn add(&mut self, state: &CoverState<'_>, demand: u32, gain: f64, single: f64) {
        for &other in state.lists.candidates_of(demand) {
            self.gain[other as usize] += gain;
            self.single[other as usize] += single;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planning::CoverageLists;
    use proptest::prelude::*;

    /// The search as it was before the estimates: every closed site's list read each pass.
    fn reference(state: &mut CoverState<'_>, tolerance: f64) -> usize {
        let mut swaps = 0;
        loop {
            let mut best: Option<(f64, u32, u32)> = None;
            let base = state.covered;
            for closed in 0..state.lists.candidate_count() as u32 {
                if state.is_open[closed as usize] {
                    continue;
                }
                for &open in &state.open.clone() {
                    let mut trial = state.clone();
                    trial.close_site(open);
                    trial.open_site(closed);
                    let delta = trial.covered - base;
                    if best.is_none_or(|(known, _, _)| delta > known + 1e-12) {
                        best = Some((delta, open, closed));
                    }
                }
            }
            match best {
                Some((delta, open, closed)) if delta > tolerance => {
                    state.close_site(open);
                    state.open_site(closed);
                    swaps += 1;
                }
                _ => return swaps,
            }
        }
    }

    fn instance() -> impl Strategy<Value = (Vec<f64>, Vec<Vec<u32>>, Vec<u32>)> {
        (2usize..40, 2usize..14).prop_flat_map(|(n, m)| {
            (
                prop::collection::vec((0u32..30).prop_map(f64::from), n),
                prop::collection::vec(prop::collection::vec(0..n as u32, 0..10), m),
                prop::collection::btree_set(0..m as u32, 1..m.min(5)),
            )
                .prop_map(|(w, l, s)| (w, l, s.into_iter().collect()))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// The kept sums match a recount after every swap, and the search stops where no swap
        /// helps: at a plan the exhaustive reference cannot improve.
        #[test]
        fn swaps_end_at_a_local_optimum_with_exact_sums((weights, raw, start) in instance()) {
            let lists = CoverageLists::from_candidate_lists(weights.len(), &raw).unwrap();
            let mut state = CoverState::with_sites(&lists, &weights, &start);
            let before = state.covered;
            improve_by_swaps(&mut state, 1e-9, usize::MAX);
            prop_assert!(state.covered >= before);
            let mut check = state.clone();
            prop_assert_eq!(reference(&mut check, 1e-9), 0);
            // One swap at a time, the sums stay exact.
            let mut state = CoverState::with_sites(&lists, &weights, &start);
            let mut sums = Sums::new(&state);
            let closed: Vec<u32> = (0..lists.candidate_count() as u32)
                .filter(|&site| !state.is_open[site as usize])
                .collect();
            if let (Some(&leaving), Some(&entering)) = (state.open.first(), closed.first()) {
                sums.close(&state, leaving);
                state.close_site(leaving);
                sums.open(&state, entering);
                state.open_site(entering);
                let fresh = Sums::new(&state);
                for site in 0..lists.candidate_count() {
                    prop_assert!((sums.gain[site] - fresh.gain[site]).abs() < 1e-9);
                    prop_assert!((sums.single[site] - fresh.single[site]).abs() < 1e-9);
                }
            }
        }
    }
}
