//! The state every planning heuristic shares: which sites are open, how many open sites cover
//! each demand point, and — for demand points covered exactly once — which site that is (the
//! XOR of the covering sites' indices, which equals the single site when the count is one).

use crate::planning::CoverageLists;

/// Open sites and the coverage they give.
#[derive(Debug, Clone)]
pub(crate) struct CoverState<'a> {
    pub lists: &'a CoverageLists,
    pub weights: &'a [f64],
    /// Open sites cover each demand point this many times.
    pub count: Vec<u32>,
    /// XOR of the open sites covering each demand point.
    pub xor: Vec<u32>,
    /// Covered weight, updated incrementally (recounted exactly at the end).
    pub covered: f64,
    pub open: Vec<u32>,
    pub is_open: Vec<bool>,
}

impl<'a> CoverState<'a> {
    pub fn new(lists: &'a CoverageLists, weights: &'a [f64]) -> CoverState<'a> {
        CoverState {
            lists,
            weights,
            count: vec![0; lists.demand_count()],
            xor: vec![0; lists.demand_count()],
            covered: 0.0,
            open: Vec::new(),
            is_open: vec![false; lists.candidate_count()],
        }
    }

    pub fn with_sites(lists: &'a CoverageLists, weights: &'a [f64], sites: &[u32]) -> Self {
        let mut state = CoverState::new(lists, weights);
        for &site in sites {
            state.open_site(site);
        }
        state
    }

    /// Weight that opening `site` would add.
    pub fn gain(&self, site: u32) -> f64 {
        let mut gain = 0.0;
        for &demand in self.lists.demand_of(site) {
            if self.count[demand as usize] == 0 {
                gain += self.weights[demand as usize];
            }
        }
        gain
    }

    /// Weight that closing the open `site` would lose.
    pub fn loss(&self, site: u32) -> f64 {
        let mut loss = 0.0;
        for &demand in self.lists.demand_of(site) {
            if self.count[demand as usize] == 1 {
                loss += self.weights[demand as usize];
            }
        }
        loss
    }

    pub fn open_site(&mut self, site: u32) {
        debug_assert!(!self.is_open[site as usize]);
        self.is_open[site as usize] = true;
        self.open.push(site);
        for &demand in self.lists.demand_of(site) {
            let demand = demand as usize;
            if self.count[demand] == 0 {
                self.covered += self.weights[demand];
            }
            self.count[demand] += 1;
            self.xor[demand] ^= site;
        }
    }

    pub fn close_site(&mut self, site: u32) {
        debug_assert!(self.is_open[site as usize]);
        self.is_open[site as usize] = false;
        let position = self
            .open
            .iter()
            .position(|&s| s == site)
            .expect("site is open");
        self.open.swap_remove(position);
        for &demand in self.lists.demand_of(site) {
            let demand = demand as usize;
            self.count[demand] -= 1;
            self.xor[demand] ^= site;
            if self.count[demand] == 0 {
                self.covered -= self.weights[demand];
            }
        }
    }
}
