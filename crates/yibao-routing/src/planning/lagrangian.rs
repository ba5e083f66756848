//! An upper bound on the best covered weight by Lagrangian relaxation, with a Lagrangian
//! heuristic on the side.
//!
//! The maximal covering problem is `max Σ w_d y_d` subject to `y_d ≤ Σ_{j covers d} x_j`,
//! `Σ x_j = p`, binary `x`, `y`. Moving the coverage constraints into the objective with
//! multipliers `λ_d ≥ 0` leaves a problem solved by inspection:
//!
//! `L(λ) = Σ_d max(0, w_d − λ_d) + (sum of the p largest v_j)`, where `v_j = Σ_{d ∈ N(j)} λ_d`,
//!
//! and `L(λ)` bounds the optimum from above for every `λ ≥ 0` (the relaxed problem has the
//! integrality property, so the best such bound equals the LP relaxation's). `L` falls along
//! `g_d = y_d − Σ_{j∈X} a_dj` (wanted but uncovered demand raises its multiplier, demand
//! covered twice lowers it): steps `λ_d ← clamp(λ_d + t·d_d, 0, w_d)` with Polyak steps
//! `t = θ·(L − LB)/‖d‖²` lower it; θ halves when the bound stalls, and is raised again when a
//! relaxed plan beats the incumbent (the stalls came from steps aimed at the old, lower
//! `LB`; on 20k×2k this cut the iterations by 40%). The direction `d` is the
//! subgradient deflected by the previous direction (`d ← g + β·d`, projected onto the box
//! `0 ≤ λ ≤ w`), which damps the zig-zag of plain steps: on the generated benchmark instances
//! it reached the LP bound in a third of the iterations and proved optimality at the root
//! where plain steps needed branch and bound. Each iteration's sites `X`
//! (the p largest `v_j`) are a feasible plan, recounted and kept when better than the
//! incumbent. The sums `v_j` are the bulk of the work. On long lists they are lazy: a
//! candidate is summed again only when an upper estimate of its value (its last sum plus its
//! list length times the largest rise of any multiplier since) could reach the p largest, so
//! sites far below the cut wait many steps. On short lists every value is summed, except
//! those of candidates whose whole list's weight (a value's ceiling, since `λ_d ≤ w_d`) is
//! below the cut: at 5k×2k that skipped most candidates and a fifth of the instructions. Big
//! problems sum on rayon.

use rayon::prelude::*;

use crate::planning::CoverageLists;

/// Settings of the subgradient loop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LagrangianSettings {
    pub max_iterations: u32,
    /// Stop when θ falls below this.
    pub min_step_scale: f64,
    /// Iterations without a better bound before θ halves.
    pub patience: u32,
    /// How many distinct relaxed plans to keep for local search.
    pub pool_size: usize,
    /// θ of the first step (Polyak step scale).
    pub initial_step_scale: f64,
    /// Weight of the previous step direction in the next one (the deflected subgradient of
    /// Camerini, Fratta and Maffioli); 0 gives plain subgradient steps.
    pub deflection: f64,
    /// When a relaxed plan beats the incumbent, θ is raised back to at least this: the halvings
    /// so far were forced by Polyak steps aimed at the old, lower target (0: keep θ).
    pub reset_step_scale: f64,
    /// Sum a candidate's value only when it could be among the p largest (see the module
    /// notes); the outcome is the same either way, only the time differs.
    pub lazy_sums: bool,
    /// Sum the candidates' values on rayon's threads (worth it only on big problems: idle
    /// workers spin and cost CPU time).
    pub parallel: bool,
}

/// Keeps the `size` best distinct plans, best first.
fn remember_in_pool(pool: &mut Vec<(f64, Vec<u32>)>, value: f64, sites: &[u32], size: usize) {
    if size == 0 || (pool.len() == size && value <= pool[size - 1].0) {
        return;
    }
    let mut sorted = sites.to_vec();
    sorted.sort_unstable();
    if pool.iter().any(|(_, known)| *known == sorted) {
        return;
    }
    let position = pool.partition_point(|(known, _)| *known >= value);
    pool.insert(position, (value, sorted));
    pool.truncate(size);
}

/// What the loop found.
#[derive(Debug, Clone)]
pub(crate) struct LagrangianOutcome {
    pub upper_bound: f64,
    /// The few best distinct relaxed plans (sites sorted), best first, as starting points
    /// for local search.
    pub pool: Vec<(f64, Vec<u32>)>,
    pub iterations: u32,
    /// The multipliers that gave `upper_bound` (empty when no iteration ran).
    pub multipliers: Vec<f64>,
}

/// Where the multipliers start.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Start<'a> {
    /// Derived from the incumbent plan's sites.
    Incumbent(&'a [u32]),
    /// Given (a parent problem's multipliers, mapped).
    Multipliers(&'a [f64]),
}

/// Runs the subgradient loop from `start`. `lower_bound` is the incumbent's covered weight;
/// `bound_floor` turns a bound into the best value an integral-weight plan could have
/// (identity for real weights), so the loop stops as soon as the incumbent is proven optimal.
pub(crate) fn lagrangian_bound(
    lists: &CoverageLists,
    weights: &[f64],
    sites: usize,
    start: Start<'_>,
    lower_bound: f64,
    bound_floor: impl Fn(f64) -> f64,
    settings: LagrangianSettings,
) -> LagrangianOutcome {
    let demand_count = lists.demand_count();
    let candidate_count = lists.candidate_count();
    // Demand no candidate covers never counts: it is left out of the bound by weight 0 here
    // (its multiplier is then held at 0, so it adds nothing to the bound, the gradient or any
    // value).
    let capped: Vec<f64> = (0..demand_count as u32)
        .map(|demand| {
            if lists.candidates_of(demand).is_empty() {
                0.0
            } else {
                weights[demand as usize]
            }
        })
        .collect();
    let coverable_weight: f64 = capped.iter().sum();
    let mut outcome = LagrangianOutcome {
        upper_bound: coverable_weight,
        pool: Vec::new(),
        iterations: 0,
        multipliers: Vec::new(),
    };
    if sites == 0 || candidate_count == 0 {
        outcome.upper_bound = 0.0;
        return outcome;
    }
    if sites >= candidate_count {
        // Every site opens: the bound is exact.
        outcome.pool = vec![(coverable_weight, (0..candidate_count as u32).collect())];
        return outcome;
    }
    let mut lower_bound = lower_bound;
    // Start from the incumbent, as the LP's complementary slackness suggests: demand it leaves
    // uncovered at λ = w (an optimal dual has λ_d = w_d wherever y_d = 0), covered demand
    // halfway. The first bound is then at most the incumbent plus the p largest marginal
    // gains, already far below the trivial one.
    // A warm start (multipliers of a parent problem) replaces this.
    let mut multipliers: Vec<f64> = match start {
        Start::Multipliers(start) => start.to_vec(),
        Start::Incumbent(incumbent) => {
            let mut start = weights.to_vec();
            for &site in incumbent {
                for &demand in lists.demand_of(site) {
                    start[demand as usize] = weights[demand as usize] * 0.5;
                }
            }
            start
        }
    };
    for (multiplier, cap) in multipliers.iter_mut().zip(&capped) {
        *multiplier = multiplier.clamp(0.0, *cap);
    }
    // v_j is kept exact only where it matters. Every candidate has a value computed at some
    // step and the multipliers' total rise since then (`drift`, the sum over steps of the
    // largest single increase): its true value is at most the old one plus its list length
    // times that rise. Only candidates whose upper estimate reaches the p largest are summed
    // again; far below the cut, a candidate can wait many steps. (Falling multipliers can only
    // lower a value, so they need no bound.)
    let mut values = vec![0.0f64; candidate_count];
    let mut upper = vec![0.0f64; candidate_count];
    // The step each value was summed at, and the drift then.
    let mut summed_at = vec![0u32; candidate_count];
    let mut drift_then = vec![0.0f64; candidate_count];
    let sizes: Vec<f64> = (0..candidate_count as u32)
        .map(|site| lists.demand_of(site).len() as f64)
        .collect();
    let mut drift = 0.0f64;
    let mut stale: Vec<u32> = Vec::new();
    let mut fresh: Vec<f64> = Vec::new();
    // Filled by `gather` each step.
    let mut order: Vec<u32> = Vec::with_capacity(candidate_count);
    let mut scratch: Vec<f64> = Vec::with_capacity(candidate_count);
    // How many of the sites `counted` (last step's relaxed plan, sorted) cover each demand
    // point. Consecutive plans share most sites, so only the lists of sites that left or
    // joined are read.
    let mut count = vec![0.0f64; demand_count];
    let mut counted: Vec<u32> = Vec::with_capacity(sites);
    let mut step_scale = settings.initial_step_scale;
    let mut stalled = 0;
    let tolerance = 1e-9 * coverable_weight.max(1.0);
    // Rounding slack on an upper estimate, relative to the largest possible value.
    let slack = 1e-12 * coverable_weight.max(1.0);
    // Every value, summed in place.
    let sum_all = |values: &mut [f64], multipliers: &[f64]| {
        if settings.parallel {
            values
                .par_iter_mut()
                .with_min_len(256)
                .enumerate()
                .for_each(|(site, value)| *value = lists.sum_over(site as u32, multipliers));
        } else {
            for (site, value) in values.iter_mut().enumerate() {
                *value = lists.sum_over(site as u32, multipliers);
            }
        }
    };
    // The values of the `stale` sites, in `fresh`.
    let recompute = |stale: &[u32], fresh: &mut Vec<f64>, multipliers: &[f64]| {
        fresh.clear();
        if settings.parallel && stale.len() >= 512 {
            stale
                .par_iter()
                .with_min_len(128)
                .map(|&site| lists.sum_over(site, multipliers))
                .collect_into_vec(fresh);
        } else {
            fresh.extend(stale.iter().map(|&site| lists.sum_over(site, multipliers)));
        }
    };
    let lazy = settings.lazy_sums;
    // Lazy sums start from every value; otherwise each step sums what it needs.
    if lazy {
        sum_all(&mut values, &multipliers);
    }
    // No value exceeds the candidate's cap sum (the capped weights of its list: every
    // multiplier is at most its cap, and rounded sums in the same order keep that order). So
    // where every value is summed on one thread, a step sums only the candidates whose cap sum
    // reaches last step's cut: ranked by cap sum, those are a prefix of `by_cap`, and the rest
    // hold -∞ (they are summed too when the p-th largest value falls to their cap sums).
    let skip_hopeless = !lazy && !settings.parallel;
    let (cap_sums, by_cap) = if skip_hopeless {
        ranked_values(lists, &capped)
    } else {
        (Vec::new(), Vec::new())
    };
    // How many of `by_cap` hold current values (none before the first step, whose cut of -∞
    // sums them all).
    let mut summed_prefix = 0;
    // Σ_d max(0, w_d − λ_d), the demand part of the bound; each step recomputes it for the
    // multipliers it sets.
    let mut excess: f64 = capped
        .iter()
        .zip(&multipliers)
        .map(|(cap, multiplier)| (cap - multiplier).max(0.0))
        .sum();
    // The step direction: this iteration's subgradient plus `deflection` times the previous
    // direction, projected so no component pushes a multiplier already at 0 or w_d further out.
    let mut direction = vec![0.0f64; demand_count];
    let mut last_cut = f64::NEG_INFINITY;
    for iteration in 0..settings.max_iterations {
        outcome.iterations = iteration + 1;
        // The selection works on "contenders": the candidates at or above a cut that at least
        // p of them reach (last step's p-th largest value, lowered if need be). Everyone else is
        // strictly below the p largest, so selecting among the few contenders gives the same
        // p sites, ties to the lower index, as selecting among all candidates.
        let gather = |order: &mut Vec<u32>, keys: &[f64], cut: f64| {
            order.resize(candidate_count, 0);
            // When fewer than p reach the cut, it is lowered (by a 64th of its size, doubling
            // each time; after a few tries to below everyone) and the candidates are gathered
            // again: a pass is much cheaper than selecting among all of them.
            let mut cut = cut;
            let mut lower_by = (cut.abs() / 64.0).max(tolerance);
            for attempt in 0.. {
                // Every candidate is written, and the write position moves past those at or
                // above the cut: no branch per candidate to mispredict.
                let mut kept = 0;
                for (site, &key) in keys.iter().enumerate() {
                    order[kept] = site as u32;
                    kept += usize::from(key >= cut);
                }
                if kept >= sites {
                    order.truncate(kept);
                    return;
                }
                cut = if attempt < 6 {
                    cut - lower_by
                } else {
                    f64::NEG_INFINITY
                };
                lower_by *= 2.0;
            }
        };
        if skip_hopeless {
            // Sum the candidates whose cap sum reaches last step's cut; the rest are below it.
            let reach = by_cap.partition_point(|&site| cap_sums[site as usize] >= last_cut);
            for &site in &by_cap[..reach] {
                values[site as usize] = lists.sum_over(site, &multipliers);
            }
            for &site in by_cap.get(reach..summed_prefix).unwrap_or(&[]) {
                values[site as usize] = f64::NEG_INFINITY;
            }
            summed_prefix = reach;
            loop {
                gather(&mut order, &values, last_cut);
                select_largest(&mut order, &values, sites, &mut scratch);
                // The p-th largest summed value; an unsummed candidate could reach it only if
                // its cap sum does. Then those are summed too and the selection runs again.
                let kth = order[..sites]
                    .iter()
                    .map(|&site| values[site as usize])
                    .fold(f64::INFINITY, f64::min);
                let next_cap = by_cap
                    .get(summed_prefix)
                    .map_or(f64::NEG_INFINITY, |&site| cap_sums[site as usize]);
                if next_cap < kth || summed_prefix == candidate_count {
                    break;
                }
                let reach = by_cap
                    .partition_point(|&site| cap_sums[site as usize] >= kth)
                    .max(summed_prefix + 1);
                for &site in &by_cap[summed_prefix..reach] {
                    values[site as usize] = lists.sum_over(site, &multipliers);
                }
                summed_prefix = reach;
            }
        } else if !lazy {
            sum_all(&mut values, &multipliers);
            gather(&mut order, &values, last_cut);
            select_largest(&mut order, &values, sites, &mut scratch);
        } else {
            // Take the p largest upper estimates and sum the stale ones among them. Those p
            // are exact then, so the p-th largest value is at least the smallest of theirs:
            // every other candidate estimated at or above that is summed too, in one sweep,
            // and the p largest estimates are then all exact values, the p largest. (Last
            // step's p sites are estimated at or above last step's cut, so at least p
            // candidates are.)
            if iteration == 0 {
                // Everything was summed just before the loop.
                upper.copy_from_slice(&values);
            } else {
                // Nothing is summed at this step yet: every value is an old one.
                for (((upper, value), size), then) in
                    upper.iter_mut().zip(&values).zip(&sizes).zip(&drift_then)
                {
                    *upper = value + size * (drift - then) + slack;
                }
            }
            gather(&mut order, &upper, last_cut);
            select_largest(&mut order, &upper, sites, &mut scratch);
            stale.clear();
            stale.extend(
                order[..sites]
                    .iter()
                    .copied()
                    .filter(|&site| summed_at[site as usize] != iteration),
            );
            if !stale.is_empty() {
                let mut cut = f64::INFINITY;
                for round in 0..2 {
                    recompute(&stale, &mut fresh, &multipliers);
                    for (&site, &value) in stale.iter().zip(&fresh) {
                        values[site as usize] = value;
                        upper[site as usize] = value;
                        summed_at[site as usize] = iteration;
                        drift_then[site as usize] = drift;
                    }
                    if round == 1 {
                        break;
                    }
                    cut = order[..sites]
                        .iter()
                        .map(|&site| values[site as usize])
                        .fold(f64::INFINITY, f64::min);
                    // Everyone estimated at or above the cut, and the stale ones among them;
                    // nobody else is summed, so the contenders after summing are among them.
                    // (Branch-free, as in `gather`.)
                    order.resize(candidate_count, 0);
                    stale.resize(candidate_count, 0);
                    let (mut kept, mut old) = (0, 0);
                    for (site, (&estimate, &at)) in upper.iter().zip(&summed_at).enumerate() {
                        let contends = estimate >= cut;
                        order[kept] = site as u32;
                        stale[old] = site as u32;
                        kept += usize::from(contends);
                        old += usize::from(contends && at != iteration);
                    }
                    order.truncate(kept);
                    stale.truncate(old);
                }
                order.retain(|&site| upper[site as usize] >= cut);
                select_largest(&mut order, &upper, sites, &mut scratch);
                debug_assert!(
                    order[..sites]
                        .iter()
                        .all(|&site| summed_at[site as usize] == iteration)
                );
            }
        }
        // In index order, so the bound's rounding does not depend on how the selection
        // happened to leave them.
        order[..sites].sort_unstable();
        let chosen = &order[..sites];
        last_cut = chosen
            .iter()
            .map(|&site| values[site as usize])
            .fold(f64::INFINITY, f64::min);
        let bound: f64 = chosen
            .iter()
            .map(|&site| values[site as usize])
            .sum::<f64>()
            + excess;
        if bound < outcome.upper_bound {
            outcome.upper_bound = bound;
            outcome.multipliers.clone_from(&multipliers);
            stalled = 0;
        } else {
            stalled += 1;
            if stalled >= settings.patience {
                step_scale /= 2.0;
                stalled = 0;
            }
        }
        // The relaxed solution's sites as a plan: how many of them cover each demand point.
        recount(lists, &mut count, &mut counted, chosen);
        let (value, norm) = direction_pass(
            &capped,
            &multipliers,
            &count,
            &mut direction,
            settings.deflection,
        );
        remember_in_pool(&mut outcome.pool, value, chosen, settings.pool_size);
        if value > lower_bound + tolerance {
            step_scale = step_scale.max(settings.reset_step_scale);
            stalled = 0;
        }
        lower_bound = lower_bound.max(value);
        if bound_floor(outcome.upper_bound) <= lower_bound + tolerance
            || step_scale < settings.min_step_scale
            || norm == 0.0
        {
            break;
        }
        let step = step_scale * (bound - lower_bound).max(tolerance) / norm;
        let rise;
        (excess, rise) = step_pass(&mut multipliers, &capped, &direction, step);
        drift += rise;
    }
    outcome
}

/// Moves the `sites` candidates of `order` with the largest keys (ties to the lower index) to
/// its front, in any order; `order` must list candidates in ascending index order and hold at
/// least `sites`. The p-th largest key is selected among plain numbers, then one sweep keeps
/// everything above it and the lowest-numbered ties.
fn select_largest(order: &mut [u32], keys: &[f64], sites: usize, scratch: &mut Vec<f64>) {
    use std::cmp::Ordering;
    scratch.clear();
    scratch.extend(order.iter().map(|&site| keys[site as usize]));
    let (_, &mut cut, _) = scratch.select_nth_unstable_by(sites - 1, |a, b| b.total_cmp(a));
    let above = order
        .iter()
        .filter(|&&site| keys[site as usize].total_cmp(&cut) == Ordering::Greater)
        .count();
    let mut ties = sites - above;
    let mut kept = 0;
    for position in 0..order.len() {
        let keep = match keys[order[position] as usize].total_cmp(&cut) {
            Ordering::Greater => true,
            Ordering::Equal if ties > 0 => {
                ties -= 1;
                true
            }
            _ => false,
        };
        if keep {
            // Everything after `position` stays in ascending order.
            order.swap(kept, position);
            kept += 1;
        }
    }
    debug_assert_eq!(kept, sites);
}

/// Moves `count` (how many of the sites `counted` cover each demand point, as a float for the
/// demand pass's arithmetic) to the sites `chosen`, reading only the lists of sites that left
/// or joined. Both lists are sorted.
fn recount(lists: &CoverageLists, count: &mut [f64], counted: &mut Vec<u32>, chosen: &[u32]) {
    let (mut old, mut new) = (0, 0);
    loop {
        let (leaving, joining) = match (counted.get(old), chosen.get(new)) {
            (None, None) => break,
            (Some(&left), Some(&right)) if left == right => {
                old += 1;
                new += 1;
                continue;
            }
            (Some(&left), Some(&right)) if left < right => (Some(left), None),
            (Some(&left), None) => (Some(left), None),
            (_, Some(&right)) => (None, Some(right)),
        };
        if let Some(site) = leaving {
            old += 1;
            for &demand in lists.demand_of(site) {
                count[demand as usize] -= 1.0;
            }
        }
        if let Some(site) = joining {
            new += 1;
            for &demand in lists.demand_of(site) {
                count[demand as usize] += 1.0;
            }
        }
    }
    counted.clear();
    counted.extend_from_slice(chosen);
}

/// One step's pass over the demand points, written without data-dependent branches (they
/// mispredicted on about every other demand point): the relaxed plan's covered weight, the
/// subgradient `g_d = [w_d > λ_d] − count_d`, the deflected direction (stored in `direction`)
/// and its squared norm. Demand point `d` adds to partial sum `d mod 4`, so the additions do
/// not wait on each other.
fn direction_pass(
    capped: &[f64],
    multipliers: &[f64],
    count: &[f64],
    direction: &mut [f64],
    deflection: f64,
) -> (f64, f64) {
    let mut values = [0.0f64; 4];
    let mut norms = [0.0f64; 4];
    // Four neighbouring demand points at once, each operation over the four lanes (packed
    // loads and compares rather than one point at a time).
    for_lanes(
        [capped, multipliers, count],
        direction,
        |[caps, multipliers, counts], towards| {
            // (Counts are whole numbers: `min(1)` is 1 where covered and 0 where not.)
            let value: [f64; 4] = std::array::from_fn(|l| caps[l] * counts[l].min(1.0));
            let wanted: [f64; 4] =
                std::array::from_fn(|l| if caps[l] > multipliers[l] { 1.0 } else { 0.0 });
            let next: [f64; 4] =
                std::array::from_fn(|l| (wanted[l] - counts[l]) + deflection * towards[l]);
            // A multiplier at 0 may not be pushed down, one at w_d not up: clamp the component
            // into [lowest, highest].
            let lowest: [f64; 4] = std::array::from_fn(|l| {
                if multipliers[l] <= 0.0 {
                    0.0
                } else {
                    f64::NEG_INFINITY
                }
            });
            let highest: [f64; 4] = std::array::from_fn(|l| {
                if multipliers[l] >= caps[l] {
                    0.0
                } else {
                    f64::INFINITY
                }
            });
            let next: [f64; 4] = std::array::from_fn(|l| {
                if next[l] < lowest[l] {
                    lowest[l]
                } else {
                    next[l]
                }
            });
            let next: [f64; 4] = std::array::from_fn(|l| {
                if next[l] > highest[l] {
                    highest[l]
                } else {
                    next[l]
                }
            });
            *towards = next;
            values = std::array::from_fn(|l| values[l] + value[l]);
            norms = std::array::from_fn(|l| norms[l] + next[l] * next[l]);
        },
    );
    (
        (values[0] + values[1]) + (values[2] + values[3]),
        (norms[0] + norms[1]) + (norms[2] + norms[3]),
    )
}

/// Moves every multiplier `step` along `direction`, clamped to `[0, w_d]`; returns the new
/// `Σ_d max(0, w_d − λ_d)` (partial sums by `d mod 4`, as in [`direction_pass`]) and the
/// largest single rise.
fn step_pass(multipliers: &mut [f64], capped: &[f64], direction: &[f64], step: f64) -> (f64, f64) {
    let mut excess = [0.0f64; 4];
    let mut rise = [0.0f64; 4];
    for_lanes(
        [capped, direction],
        multipliers,
        |[caps, towards], multipliers| {
            let old = *multipliers;
            let moved: [f64; 4] = std::array::from_fn(|l| old[l] + step * towards[l]);
            let new: [f64; 4] =
                std::array::from_fn(|l| if moved[l] < 0.0 { 0.0 } else { moved[l] });
            let new: [f64; 4] =
                std::array::from_fn(|l| if new[l] > caps[l] { caps[l] } else { new[l] });
            *multipliers = new;
            // `new ≤ cap`, so the excess is never negative.
            excess = std::array::from_fn(|l| excess[l] + (caps[l] - new[l]));
            rise = std::array::from_fn(|l| {
                let up = new[l] - old[l];
                if up > rise[l] { up } else { rise[l] }
            });
        },
    );
    (
        (excess[0] + excess[1]) + (excess[2] + excess[3]),
        rise.iter().copied().fold(0.0, f64::max),
    )
}

/// Calls `each` on every group of four neighbouring demand points: lanes of the `inputs`, and
/// of `output` to update. The last group is padded with zeros (a capped weight, multiplier,
/// count and direction of 0, which change no sum above and stay 0), and only its real lanes
/// are written back.
fn for_lanes<const N: usize>(
    inputs: [&[f64]; N],
    output: &mut [f64],
    mut each: impl FnMut([[f64; 4]; N], &mut [f64; 4]),
) {
    let whole = output.len() / 4 * 4;
    for (group, lanes) in output[..whole].chunks_exact_mut(4).enumerate() {
        let at = group * 4;
        let inputs =
            inputs.map(|input| <[f64; 4]>::try_from(&input[at..at + 4]).expect("a group of four"));
        each(inputs, lanes.try_into().expect("a group of four"));
    }
    let real = output.len() - whole;
    if real > 0 {
        let padded = |values: &[f64]| -> [f64; 4] {
            std::array::from_fn(|l| if l < real { values[whole + l] } else { 0.0 })
        };
        let mut lanes = padded(output);
        each(inputs.map(padded), &mut lanes);
        output[whole..].copy_from_slice(&lanes[..real]);
    }
}

/// Every candidate's sum of `multipliers` over its list, and the candidates from the largest
/// sum to the smallest (ties to the lower index).
fn ranked_values(lists: &CoverageLists, multipliers: &[f64]) -> (Vec<f64>, Vec<u32>) {
    let candidate_count = lists.candidate_count() as u32;
    let values: Vec<f64> = (0..candidate_count)
        .map(|site| lists.sum_over(site, multipliers))
        .collect();
    let mut order: Vec<u32> = (0..candidate_count).collect();
    order.sort_by(|&a, &b| {
        values[b as usize]
            .total_cmp(&values[a as usize])
            .then(a.cmp(&b))
    });
    (values, order)
}

/// What reduced-cost fixing proved about any plan covering at least the threshold.
#[derive(Debug, Clone)]
pub(crate) enum Fixing {
    /// No plan reaches the threshold.
    NoneReaches,
    /// Every plan reaching the threshold opens all of `open` and none of `closed`.
    Fixed { open: Vec<u32>, closed: Vec<bool> },
}

/// Reduced-cost fixing with the multipliers of the best bound. Forcing site `j` open in the
/// relaxation swaps it for the p-th largest `v`; forcing an open one closed swaps in the
/// (p+1)-th. When the bound after such a swap falls below `threshold`, every plan reaching
/// `threshold` must keep `j` as the relaxation has it.
pub(crate) fn fix_by_reduced_costs(
    lists: &CoverageLists,
    weights: &[f64],
    multipliers: &[f64],
    sites: usize,
    threshold: f64,
) -> Fixing {
    let candidate_count = lists.candidate_count();
    let mut base = 0.0;
    for demand in 0..lists.demand_count() {
        if !lists.candidates_of(demand as u32).is_empty() && weights[demand] > multipliers[demand] {
            base += weights[demand] - multipliers[demand];
        }
    }
    let (values, order) = ranked_values(lists, multipliers);
    let sites = sites.min(candidate_count);
    let bound = base
        + order[..sites]
            .iter()
            .map(|&s| values[s as usize])
            .sum::<f64>();
    if bound < threshold {
        return Fixing::NoneReaches;
    }
    let last_in = if sites > 0 {
        values[order[sites - 1] as usize]
    } else {
        0.0
    };
    let first_out = order.get(sites).map_or(0.0, |&s| values[s as usize]);
    let mut open = Vec::new();
    let mut closed = vec![false; candidate_count];
    for (rank, &site) in order.iter().enumerate() {
        let value = values[site as usize];
        if rank < sites {
            if bound - value + first_out < threshold {
                open.push(site);
            }
        } else if sites == 0 || bound - last_in + value < threshold {
            closed[site as usize] = true;
        }
    }
    Fixing::Fixed { open, closed }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Long lists (a candidate covers 20–60 of up to 300 demand points), so lazy sums matter.
    fn long_list_instance() -> impl Strategy<Value = (Vec<f64>, Vec<Vec<u32>>, usize)> {
        (50usize..300, 10usize..60).prop_flat_map(|(n, m)| {
            (
                prop::collection::vec(prop_oneof![1u32..50, 0u32..3].prop_map(f64::from), n),
                prop::collection::vec(prop::collection::vec(0..n as u32, 20..60), m),
                1usize..8,
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(60))]

        /// Moving the counts from plan to plan, reading only the lists of sites that left or
        /// joined, leaves the same counts as counting each plan from scratch.
        #[test]
        fn recounting_the_changed_sites_equals_counting_afresh(
            (weights, raw, _) in long_list_instance(),
            plans in prop::collection::vec(prop::collection::btree_set(0u32..60, 0..12), 1..6),
        ) {
            let lists = CoverageLists::from_candidate_lists(weights.len(), &raw).unwrap();
            let mut count = vec![0.0f64; lists.demand_count()];
            let mut counted = Vec::new();
            for plan in plans {
                let plan: Vec<u32> = plan
                    .into_iter()
                    .filter(|&site| (site as usize) < raw.len())
                    .collect();
                recount(&lists, &mut count, &mut counted, &plan);
                let mut fresh = vec![0.0f64; lists.demand_count()];
                for &site in &plan {
                    for &demand in lists.demand_of(site) {
                        fresh[demand as usize] += 1.0;
                    }
                }
                prop_assert_eq!(&count, &fresh);
                prop_assert_eq!(&counted, &plan);
            }
        }

        /// Skipping the sums of candidates that cannot reach the p largest changes nothing,
        /// whether they are skipped by estimate (lazy sums) or by cap sum (one thread, every
        /// value otherwise): the same bound, multipliers, plans and iteration count as summing
        /// every value (the parallel path sums them all). Lists of 1 to 60 points, so cap sums
        /// spread widely.
        #[test]
        fn skipped_sums_give_the_same_run_as_summing_everything(
            (weights, raw, sites) in long_list_instance(),
            short in prop::collection::vec(prop::collection::vec(0..50u32, 1..60), 10..60),
        ) {
            for (weights, raw) in [(weights.clone(), raw), (weights[..50.min(weights.len())].to_vec(), short)] {
                let raw: Vec<Vec<u32>> = raw
                    .into_iter()
                    .map(|list| list.into_iter().filter(|&d| (d as usize) < weights.len()).collect())
                    .collect();
                let lists = CoverageLists::from_candidate_lists(weights.len(), &raw).unwrap();
                let run = |lazy_sums: bool, parallel: bool| {
                    lagrangian_bound(
                        &lists,
                        &weights,
                        sites,
                        Start::Incumbent(&[0]),
                        0.0,
                        |bound| bound,
                        LagrangianSettings {
                            max_iterations: 300,
                            min_step_scale: 0.005,
                            patience: 20,
                            pool_size: 4,
                            initial_step_scale: 2.0,
                            deflection: 0.7,
                            reset_step_scale: 0.5,
                            lazy_sums,
                            parallel,
                        },
                    )
                };
                let every = run(false, true);
                for skipped in [run(false, false), run(true, false)] {
                    prop_assert_eq!(every.upper_bound.to_bits(), skipped.upper_bound.to_bits());
                    prop_assert_eq!(every.iterations, skipped.iterations);
                    prop_assert_eq!(&every.multipliers, &skipped.multipliers);
                    prop_assert_eq!(&every.pool, &skipped.pool);
                }
            }
        }
    }
}
