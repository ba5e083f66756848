//! Combinatorial branch and bound for tiny instances, used when no Lagrangian multipliers are
//! at hand (the relaxation was switched off); otherwise `exact_lagrangian` searches.
//!
//! Candidates are branched on, "open" before "closed", in order of decreasing marginal gain.
//! The bound at a node is the covered weight so far plus the largest remaining marginal gains,
//! one per site still to open — valid because coverage is submodular (a gain only shrinks as
//! other sites open). The incumbent prunes from the start, and with integral weights a plan
//! must beat it by one whole unit. A node limit keeps the search bounded; a search that hits
//! it proves nothing.

use crate::planning::state::CoverState;

/// Result of the search.
#[derive(Debug, Clone)]
pub(crate) struct ExactOutcome {
    /// A better plan than the incumbent, if one was found.
    pub improved: Option<(Vec<u32>, f64)>,
    /// Whether the whole tree was searched (the best plan is optimal).
    pub complete: bool,
    pub nodes: u64,
}

struct Search<'s, 'a> {
    state: &'s mut CoverState<'a>,
    order: Vec<u32>,
    sites: usize,
    best_value: f64,
    best_sites: Option<Vec<u32>>,
    nodes: u64,
    node_limit: u64,
    aborted: bool,
    tolerance: f64,
    /// A plan must beat the best by this much to count (1 for integral weights).
    min_improvement: f64,
    gains: Vec<f64>,
}

/// Searches for a plan covering at least `incumbent + min_improvement` with at most `sites`
/// sites in all: those already open in `state` plus some of `free`.
pub(crate) fn branch_and_bound(
    state: &mut CoverState<'_>,
    free: &[u32],
    sites: usize,
    incumbent: f64,
    min_improvement: f64,
    node_limit: u64,
) -> ExactOutcome {
    let total: f64 = state.weights.iter().sum();
    let mut order: Vec<u32> = free
        .iter()
        .copied()
        .filter(|&site| !state.is_open[site as usize] && state.gain(site) > 0.0)
        .collect();
    // Gains given the sites already open, so fixed-open sites shape the order.
    let key: Vec<f64> = (0..state.lists.candidate_count() as u32)
        .map(|site| {
            if state.is_open[site as usize] {
                0.0
            } else {
                state.gain(site)
            }
        })
        .collect();
    order.sort_by(|&a, &b| key[b as usize].total_cmp(&key[a as usize]).then(a.cmp(&b)));
    let mut search = Search {
        state,
        order,
        sites,
        best_value: incumbent,
        best_sites: None,
        nodes: 0,
        node_limit,
        aborted: false,
        tolerance: 1e-9 * total.max(1.0),
        min_improvement,
        gains: Vec::new(),
    };
    search.branch(0);
    ExactOutcome {
        improved: search.best_sites.map(|sites| (sites, search.best_value)),
        complete: !search.aborted,
        nodes: search.nodes,
    }
}

impl Search<'_, '_> {
    /// Whether a bound leaves no room for a plan good enough to count.
    fn hopeless(&self, bound: f64) -> bool {
        bound < self.best_value + self.min_improvement - self.tolerance
    }

    fn branch(&mut self, next: usize) {
        if self.aborted {
            return;
        }
        self.nodes += 1;
        if self.nodes > self.node_limit {
            self.aborted = true;
            return;
        }
        let covered = self.state.covered;
        if !self.hopeless(covered) {
            self.best_value = covered;
            self.best_sites = Some(self.state.open.clone());
        }
        let remaining = self.sites.saturating_sub(self.state.open.len());
        if remaining == 0 || next == self.order.len() {
            return;
        }
        // Bound: covered + the `remaining` largest marginal gains among the undecided.
        self.gains.clear();
        for &site in &self.order[next..] {
            let gain = self.state.gain(site);
            if gain > 0.0 {
                self.gains.push(gain);
            }
        }
        if self.gains.is_empty() {
            return;
        }
        let take = remaining.min(self.gains.len());
        if take < self.gains.len() {
            self.gains
                .select_nth_unstable_by(take - 1, |a, b| b.total_cmp(a));
        }
        let bound = covered + self.gains[..take].iter().sum::<f64>();
        if self.hopeless(bound) {
            return;
        }
        let site = self.order[next];
        if self.state.gain(site) > 0.0 {
            self.state.open_site(site);
            self.branch(next + 1);
            self.state.close_site(site);
        }
        self.branch(next + 1);
    }
}
