//! Development tool: plans sites on a benchmark instance written by
//! `shared/peers/gen_instance.py` (`demand.csv` = `id,x,y,w`, `cand.csv` = `id,x,y`, metres)
//! and prints the plan's figures and phase times, without the CLI's I/O around it.
//!
//! `cargo run --release -p yibao-routing --example plan_instance -- DIR [SITES] [RADIUS_M]`
//! (`PLAN_REPEAT=N` solves N times, for profiling)

use std::time::Instant;

use yibao_routing::{CoverageLists, PlanConfig, covered_weight, plan_sites};

fn read_rows(path: &str) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .skip(1)
        .filter(|line| !line.is_empty())
        .map(|line| {
            line.split(',')
                .map(|v| v.parse().expect("number"))
                .collect()
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args.get(1).expect("instance directory");
    let sites: usize = args.get(2).map_or(50, |s| s.parse().expect("sites"));
    let radius: f64 = args.get(3).map_or(1250.0, |s| s.parse().expect("radius"));
    let started = Instant::now();
    let demand = read_rows(&format!("{dir}/demand.csv"));
    let candidates = read_rows(&format!("{dir}/cand.csv"));
    let read = started.elapsed().as_secs_f64();
    let demand_xy: Vec<[f64; 2]> = demand.iter().map(|r| [r[1], r[2]]).collect();
    let weights: Vec<f64> = demand.iter().map(|r| r[3]).collect();
    let candidate_xy: Vec<[f64; 2]> = candidates.iter().map(|r| [r[1], r[2]]).collect();
    let started = Instant::now();
    let lists = CoverageLists::euclidean(&demand_xy, &candidate_xy, radius).expect("lists");
    let relation = started.elapsed().as_secs_f64();
    // PLAN_REPEAT=N solves N times (for profiling); the median time is printed, with the fastest.
    let repeat: usize = std::env::var("PLAN_REPEAT").map_or(1, |s| s.parse().expect("repeat"));
    let mut solved = None;
    let mut times = Vec::new();
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        solved = Some(plan_sites(&weights, &lists, &PlanConfig::new(sites)).expect("plan"));
        times.push(started.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let solve = times[times.len() / 2];
    if times.len() > 1 {
        println!(
            "solve over {} runs: min {:.3} ms, median {:.3} ms",
            times.len(),
            times[0] * 1e3,
            solve * 1e3
        );
    }
    let plan = solved.expect("at least one run");
    assert_eq!(
        plan.objective,
        covered_weight(&weights, &lists, &plan.sites)
    );
    println!(
        "{dir}: pairs {} read {read:.3}s relation {relation:.3}s solve {solve:.3}s",
        lists.pair_count()
    );
    println!(
        "objective {} bound {} gap {:.4}% proven {} greedy {} reduced {}x{} iterations {} fixed {}/{} nodes {} swaps {}",
        plan.objective,
        plan.upper_bound,
        plan.gap * 100.0,
        plan.proven_optimal,
        plan.greedy_objective,
        plan.reduced_demand,
        plan.reduced_candidates,
        plan.lagrangian_iterations,
        plan.fixed_open,
        plan.fixed_closed,
        plan.exact_nodes,
        plan.swaps
    );
}
