//! Lazy greedy ("CELF"): open, one at a time, the site adding the most uncovered weight.
//!
//! Coverage is submodular — a site's gain never grows as others open — so a gain computed in an
//! earlier round is an upper bound on its current gain. Sites wait in a max-heap under their
//! last computed gain; the top is recomputed and taken only when it is still on top. Most
//! candidates are never looked at again after the first round.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::planning::state::CoverState;

#[derive(Debug, Clone, Copy)]
struct Entry {
    gain: f64,
    site: u32,
    /// Number of sites open when `gain` was computed.
    round: u32,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // Larger gain first; among equal gains the lower site index first.
        self.gain
            .total_cmp(&other.gain)
            .then_with(|| other.site.cmp(&self.site))
    }
}

/// Opens sites greedily until `sites` are open, no site adds weight, or `stop(state)` says so
/// (checked after each opening; the set-covering variant stops at its target).
pub(crate) fn greedy(
    state: &mut CoverState<'_>,
    sites: usize,
    stop: impl Fn(&CoverState<'_>) -> bool,
) {
    let round = |state: &CoverState<'_>| state.open.len() as u32;
    let mut heap: BinaryHeap<Entry> = (0..state.lists.candidate_count() as u32)
        .filter(|&site| !state.is_open[site as usize])
        .map(|site| Entry {
            gain: state.gain(site),
            site,
            round: round(state),
        })
        .filter(|entry| entry.gain > 0.0)
        .collect();
    while state.open.len() < sites && !stop(state) {
        let Some(top) = heap.pop() else { break };
        if top.round == round(state) {
            state.open_site(top.site);
            continue;
        }
        let gain = state.gain(top.site);
        if gain > 0.0 {
            heap.push(Entry {
                gain,
                site: top.site,
                round: round(state),
            });
        }
    }
}
