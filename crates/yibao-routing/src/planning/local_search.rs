//! Swap local search: replace one open site by a closed one while that raises the covered
//! weight, taking the best swap of the whole neighbourhood each pass.
//!
//! A pass costs one sweep over the coverage lists. For a closed site `j` the sweep finds its
//! gain (weight it would newly cover) and, per open site `i`, the weight covered only by `i`
//! that `j` would also cover (`shared`). The swap `i → j` changes the objective by
//! `gain(j) − loss(i) + shared(i, j)`; only the open sites touched by `j`'s list need their
//! `shared` term, the rest are bounded by the smallest loss. Memory is O(open sites).

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
    let mut position_of = vec![u32::MAX; candidate_count];
    let mut shared: Vec<f64> = Vec::new();
    let mut touched_flag: Vec<bool> = Vec::new();
    let mut touched: Vec<u32> = Vec::new();
    while swaps < max_passes && !state.open.is_empty() {
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
        let mut best: Option<(f64, usize, u32)> = None;
        for site in 0..candidate_count as u32 {
            if state.is_open[site as usize] {
                continue;
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
            let mut consider = |delta: f64, position: usize| {
                if best.is_none_or(|(best_delta, _, _)| delta > best_delta) {
                    best = Some((delta, position, site));
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
        }
        match best {
            Some((delta, position, site)) if delta > tolerance => {
                let leaving = state.open[position];
                state.close_site(leaving);
                state.open_site(site);
                swaps += 1;
            }
            _ => break,
        }
    }
    swaps
}
