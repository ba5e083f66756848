"""Tidal window planner benchmark (issue 5), refreshing the section "Counter: tidal window
planner" of bench/RESULTS.md.

On the generated payment-season peak day (the crate's `peak_day` example, which calls
`plan_station_day` exactly as `yibao plan-windows --generate` does: eight weeks of
history, then Monday 2026-12-14 with 1,000+ tickets over 缴费, 参保登记, 异地就医备案, 零星报销 and
咨询, a mid-day shift in the mix, 12 windows with three skill groups) it compares, in one run
and on the same replayed tickets: the best static layout (every split of the 12 windows into
category counts that the skills allow, each replayed, the least mean time in queue kept), the
naive per-slot Erlang C plan, and the lag-aware tidal plan; plus, for reference, every window
serving all its skills. Seeds: 42 (one of the five seeds 7, 42, 99, 1234, 2026 the planner's
target weight was chosen on) and five fresh ones (1–5), in full; then the two goals alone on a
wider set of fresh seeds (1–40), since one seed's day is noisy. Then, with `--replicate-day`,
the same comparison in expectation (the crate's `replicate_day` example): each seed's peak day
replayed R = 30 times (replication 0 = the seed's own day, the others fresh days from the same
hall model and date, common random numbers across layouts) under the tidal plan, the naive plan
and three static baselines, on seeds 42 and 1–5 in full and on 1–40 as a summary. Then the
criterion bench of the planner per station-day.

    python3 bench/queueing.py --peak-day <path of the release peak_day example>
        [--replicate-day <path of the release replicate_day example>] [--replications 30]
        [--no-criterion]
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import re
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import benchlib  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parent.parent
SEEDS = [42, 1, 2, 3, 4, 5]
WIDE_SEEDS = list(range(1, 41))
# replicate_day's static baselines (JSON keys) and their short names in the tables.
STATICS = [("hindsight", "h"), ("fixed", "f"), ("by_wait", "w")]
KEYS = ["best_static", "naive_per_slot", "tidal", "all_skills"]
LABELS = {
    "best_static": "best static layout (searched)",
    "naive_per_slot": "naive per-slot Erlang C plan",
    "tidal": "lag-aware tidal plan",
    "all_skills": "reference: every window serves all its skills",
}
CRITERION = [
    "forecast_and_lagged_plan_per_station_day",
    "lagged_plan_only",
    "naive_plan_only",
    "simulate_peak_day",
    "station_day_without_static_search",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--peak-day", required=True)
    parser.add_argument("--replicate-day")
    parser.add_argument("--replications", type=int, default=30)
    parser.add_argument("--no-criterion", action="store_true")
    parser.add_argument("--results", default=str(REPO / "bench" / "RESULTS.md"))
    args = parser.parse_args()
    work = REPO / "target" / "bench-queueing"
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    load_start = benchlib.loadavg()
    runs = []
    for seed in SEEDS:
        out = work / f"plan-{seed}.json"
        cmd = [args.peak_day, str(seed)]
        measured = benchlib.run_measured(cmd, timeout=600, stdout_path=out,
                                         stderr_path=work / f"stderr-{seed}.txt")
        if measured["rc"] != 0:
            sys.exit(f"seed {seed} failed: {(work / f'stderr-{seed}.txt').read_text()}")
        report = json.loads(out.read_text())
        stderr = (work / f"stderr-{seed}.txt").read_text()
        inner = re.search(r"station-day with static search in ([0-9.]+) s", stderr)
        runs.append(dict(seed=seed, report=report, measured=measured,
                         inner_s=float(inner.group(1)) if inner else None))
        print(f"seed {seed}: {measured['wall_s']} s", file=sys.stderr)
    detailed = {run["seed"]: run["report"] for run in runs}
    wide = []
    for seed in WIDE_SEEDS:
        report = detailed.get(seed)
        if report is None:
            out = work / f"plan-{seed}.json"
            done = subprocess.run([args.peak_day, str(seed)], stdout=out.open("w"),
                                  stderr=subprocess.PIPE, text=True, timeout=600)
            if done.returncode != 0:
                sys.exit(f"seed {seed} failed: {done.stderr}")
            report = json.loads(out.read_text())
        wide.append((seed, report))
    print(f"wider check: {len(wide)} seeds", file=sys.stderr)

    replicated = None
    if args.replicate_day:
        # One process for the bench seeds and the wider ones (each seed's replications depend
        # on that seed alone), 42 first.
        rep_seeds = SEEDS + [seed for seed in WIDE_SEEDS if seed not in SEEDS]
        out = work / "replicate.jsonl"
        cmd = [args.replicate_day, "--replications", str(args.replications), "--json", str(out),
               *(str(seed) for seed in rep_seeds)]
        measured = benchlib.run_measured(cmd, timeout=3600, stdout_path=work / "replicate.txt",
                                         stderr_path=work / "replicate-stderr.txt")
        if measured["rc"] != 0:
            sys.exit(f"replicate_day failed: {(work / 'replicate-stderr.txt').read_text()}")
        per_seed = {}
        for text in out.read_text().splitlines():
            line = json.loads(text)
            if not line.get("summary"):
                per_seed[line["seed"]] = line
        replicated = dict(per_seed=per_seed, measured=measured, seeds=rep_seeds,
                          replications=args.replications)
        print(f"replicate_day: {len(per_seed)} seeds, {measured['wall_s']} s", file=sys.stderr)

    criterion = {}
    criterion_cmd = "cargo bench -p yibao-queueing --bench planner"
    if not args.no_criterion:
        subprocess.run(["nice", "-n", "19", "cargo", "bench", "-p", "yibao-queueing", "--bench",
                        "planner"], cwd=REPO, check=True)
        target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
        for name in CRITERION:
            estimates = target / "criterion" / name / "new" / "estimates.json"
            if estimates.exists():
                data = json.loads(estimates.read_text())
                mean = data["mean"]
                criterion[name] = (mean["point_estimate"] / 1e6,
                                   mean["confidence_interval"]["lower_bound"] / 1e6,
                                   mean["confidence_interval"]["upper_bound"] / 1e6)
    wall = time.perf_counter() - started
    write(args, runs, wide, replicated, criterion, criterion_cmd, wall, load_start)


def replicated_section(replicated: dict, layouts: int) -> list[str]:
    per_seed, r = replicated["per_seed"], replicated["replications"]
    lines = [
        "",
        f"### Replicated days (R = {r} per seed)",
        "",
        f"Method: the release `replicate_day` example builds each seed's history, forecast and "
        f"plans as `peak_day` does and replays the peak day {r} times: replication 0 is the "
        f"seed's own day (the one above, checked to give the same figures), the others are fresh "
        f"days drawn from the same hall model and date, with common random numbers (within a "
        f"replication every layout sees the same tickets, handling times and patience, so the "
        f"comparisons are paired). Three static baselines from the same {layouts} layouts: h is "
        f"searched on each replication as above (least mean time in queue, with hindsight), f is "
        f"the seed's own day's layout kept for every replication (what a hall would actually "
        f"run), and w is searched on each replication by the least mean wait of called tickets, "
        f"goal (a)'s own measure: on every day it has the lowest mean wait any static layout "
        f"reaches, so the cut against it is the smallest. Mean waits are means over the {r} "
        f"days (cut = 1 − tidal/static of these means); the pooled P90 is taken over all "
        f"replications' called tickets together, the mean of P90 averages the {r} per-day P90s, "
        f"and ΔP90 is the mean over days of tidal − naive P90 ± its standard error.",
        "",
        "| Seed | Tickets (mean) | Tidal | Naive | Static h | Static f | Static w | Cut vs h | "
        "Cut vs f | Cut vs w ± s.e. | Pooled P90 tidal / naive | Mean of P90 tidal / naive | "
        "Days tidal P90 < naive | ΔP90 ± s.e. (min) | Own day's ΔP90 (rank of R, 1 = largest) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for seed in SEEDS:
        line = per_seed[seed]
        wait, cut, se = line["mean_wait_min"], line["mean_wait_cut"], line["mean_wait_cut_se"]
        pooled, mean_p90 = line["pooled_p90_wait_min"], line["mean_of_p90_wait_min"]
        own, rank = own_day_rank(line)
        tickets = sum(line["tickets"]) / len(line["tickets"])
        ties = line["paired_p90_ties"]
        lines.append(
            f"| {seed}{' (tuning)' if seed == 42 else ''} | {tickets:,.0f} | "
            f"{wait['tidal']:.2f} | {wait['naive']:.2f} | {wait['static_hindsight']:.2f} | "
            f"{wait['static_fixed']:.2f} | {wait['static_by_wait']:.2f} | "
            f"{cut['hindsight'] * 100:.1f}% | {cut['fixed'] * 100:.1f}% | "
            f"{cut['by_wait'] * 100:.1f}% ± {se['by_wait'] * 100:.1f} | "
            f"{pooled['tidal']:.2f} / {pooled['naive']:.2f} | "
            f"{mean_p90['tidal']:.2f} / {mean_p90['naive']:.2f} | "
            f"{line['paired_p90_tidal_below_naive']} of {line['replications']}"
            f"{f' ({ties} equal)' if ties else ''} | "
            f"{line['p90_tidal_minus_naive_mean']:+.2f} ± {line['p90_tidal_minus_naive_se']:.2f} | "
            f"{own:+.2f} ({rank} of {line['replications']}) |")
    wider = replicated_facts(per_seed, WIDE_SEEDS)
    seed, cut, se = wider["smallest_cut"]
    days = wider["days"]
    lines += [
        "",
        f"Seeds {seed_list(WIDE_SEEDS)} (R = {r} each): goal (a) in expectation met on "
        f"{wider['a']['hindsight']} against h, {wider['a']['fixed']} against f and "
        f"{wider['a']['by_wait']} against w of {wider['seeds']}; goal (b) on {wider['b_pooled']} "
        f"by pooled P90 and {wider['b_mean']} by mean of per-day P90; both, under every baseline "
        f"and both measures, on {wider['both']}. Smallest cut vs w: {cut * 100:.1f}% ± "
        f"{se * 100:.1f} (seed {seed}). ΔP90 more than 2 s.e. below 0 on {wider['significant']} "
        f"of {wider['seeds']} seeds. Single days ({days:,}): tidal's P90 below naive's on "
        f"{wider['day_p90']:,} ({wider['day_p90'] / days * 100:.0f}%); both goals on "
        + ", ".join(f"{wider['day_both'][name]:,} ({wider['day_both'][name] / days * 100:.0f}%) "
                    f"vs {short}" for name, short in STATICS) + ".",
    ]
    return lines


def summary(report: dict, key: str) -> dict:
    for scenario in report["scenarios"]:
        if scenario["key"] == key:
            return scenario["report"]["overall"]
    raise KeyError(key)


def seed_list(seeds: list[int]) -> str:
    """42, 1–5 for [42, 1, 2, 3, 4, 5]: runs of consecutive seeds as ranges."""
    parts, start = [], 0
    for i in range(1, len(seeds) + 1):
        if i == len(seeds) or seeds[i] != seeds[i - 1] + 1:
            run = seeds[start:i]
            parts.append(str(run[0]) if len(run) == 1 else
                         f"{run[0]}, {run[1]}" if len(run) == 2 else f"{run[0]}–{run[-1]}")
            start = i
    return ", ".join(parts)


def replicated_facts(per_seed: dict, seeds: list[int]) -> dict:
    """Counts over `seeds` of replicate_day's per-seed JSON: goals in expectation, the
    smallest cut against the strictest baseline, significant P90 differences, single days."""
    lines = [per_seed[seed] for seed in seeds]
    days = sum(line["replications"] for line in lines)
    goals = [line["goals"] for line in lines]
    smallest = min(lines, key=lambda line: line["mean_wait_cut"]["by_wait"])
    return dict(
        seeds=len(lines),
        days=days,
        a={name: sum(g[f"a_{name}"] for g in goals) for name, _ in STATICS},
        b_pooled=sum(g["b_pooled"] for g in goals),
        b_mean=sum(g["b_mean_of_p90"] for g in goals),
        both=sum(all(g.values()) for g in goals),
        smallest_cut=(smallest["seed"], smallest["mean_wait_cut"]["by_wait"],
                      smallest["mean_wait_cut_se"]["by_wait"]),
        significant=sum(line["p90_tidal_minus_naive_mean"]
                        + 2 * line["p90_tidal_minus_naive_se"] < 0 for line in lines),
        day_p90=sum(line["paired_p90_tidal_below_naive"] for line in lines),
        day_both={name: sum(line["replications_meeting_both"][name] for line in lines)
                  for name, _ in STATICS},
    )


def own_day_rank(line: dict) -> tuple[float, int]:
    """The seed's own day's (replication 0's) tidal − naive P90 and its rank among the
    replications' (1 = largest)."""
    p90 = line["per_replication"]["p90_wait_min"]
    diffs = [t - n for t, n in zip(p90["tidal"], p90["naive"])]
    return diffs[0], 1 + sum(d > diffs[0] for d in diffs)


def write(args, runs, wide, replicated, criterion, criterion_cmd, wall, load_start) -> None:
    facts = benchlib.machine_facts()
    head = benchlib.command_output(["git", "-C", str(REPO), "log", "-1", "--format=%h %s"])
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Run on {now} (script wall time {wall:.0f} s). Generated by `bench/queueing.py`; "
        "rerunning it replaces this section.",
        "",
        "Command:",
        "",
        "```sh",
        "bench/run-queueing.sh  # = cargo build --release -p yibao-queueing --example peak_day --example replicate_day; "
        "python3 bench/queueing.py --peak-day <it> --replicate-day <it>"
        if replicated else
        "bench/run-queueing.sh  # = cargo build --release -p yibao-queueing --example peak_day; python3 bench/queueing.py --peak-day <it>",
        "```",
        "",
        "Machine:",
        "",
        f"- nproc: {facts['nproc']}; CPU: {facts['cpu']}; RAM: {facts['ram_gib']} GiB; "
        f"kernel {facts['kernel']}; {facts['rustc']}",
        f"- load average at start: {load_start}; at end: {benchlib.loadavg()}",
        f"- git HEAD at run time: {head}",
        "",
        "Method: the release `peak_day` example (the same `plan_station_day` call as `yibao "
        "plan-windows --generate --seed S`) generates eight weeks of "
        "history and the peak day from seed S, forecasts the day from the history only, plans it "
        "with the lag-aware method and with the naive per-slot Erlang C method (target: 90% "
        "called within 5 minutes; mean patience 60 min), searches every static layout (one "
        "category per window all day, all splits of the 12 windows the skills allow) on the "
        "day's own tickets — so the static baseline is chosen with hindsight — and replays the "
        "same tickets (same handling times and patience) under each. Windows: 1–4 can do all "
        "five categories, 5–8 缴费/参保登记/咨询, 9–12 异地就医备案/零星报销/咨询. Waits are "
        "those of called tickets; people who leave are counted in the abandonment share and, with "
        "the time they waited before leaving, in the mean time in queue. A static layout must "
        "give every category with tickets at least one window (a hall cannot refuse a business "
        "all day); the tidal plans do the same.",
        "",
        "### Simulated waits per seed",
        "",
        "| Seed | Tickets | Layout | Mean wait (min) | P90 wait (min) | Max wait (min) | "
        "Mean time in queue, all tickets (min) | Abandoned | Called within 5 min |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    cuts, queue_cuts, p90_wins, p90_ties = [], [], 0, 0
    for run in runs:
        report = run["report"]
        for key in KEYS:
            o = summary(report, key)
            label = LABELS[key]
            if key == "best_static":
                counts = "/".join(str(c) for c in report["best_static"]["counts"])
                label += f" ({counts}, {report['best_static']['evaluated']} layouts)"
            lines.append(
                f"| {run['seed']}{' (tuning)' if run['seed'] == 42 else ''} | "
                f"{report['replay_tickets']:,} | {label} | {o['mean_wait_min']:.2f} | "
                f"{o['p90_wait_min']:.2f} | {o['max_wait_min']:.1f} | {o['mean_queue_time_min']:.2f} | "
                f"{o['abandon_share'] * 100:.1f}% | {o['within_target_share'] * 100:.1f}% |")
        static, naive, tidal = (summary(report, k) for k in KEYS[:3])
        cuts.append(1 - tidal["mean_wait_min"] / static["mean_wait_min"])
        queue_cuts.append(1 - tidal["mean_queue_time_min"] / static["mean_queue_time_min"])
        if tidal["p90_wait_min"] < naive["p90_wait_min"]:
            p90_wins += 1
        elif tidal["p90_wait_min"] == naive["p90_wait_min"]:
            p90_ties += 1
    lines += [
        "",
        "### Goals",
        "",
        "| Goal | Measured | Met |",
        "|---|---|---|",
        f"| tidal cuts mean wait ≥ 40% vs the best static layout | "
        f"{', '.join(f'{c * 100:.0f}%' for c in cuts)} (seeds {', '.join(str(r['seed']) for r in runs)}) | "
        f"{'yes' if all(c >= 0.4 for c in cuts) else 'on ' + str(sum(c >= 0.4 for c in cuts)) + ' of ' + str(len(cuts)) + ' seeds'} |",
        f"| (same, on mean time in queue over all tickets) | "
        f"{', '.join(f'{c * 100:.0f}%' for c in queue_cuts)} | "
        f"{'yes' if all(c >= 0.4 for c in queue_cuts) else 'on ' + str(sum(c >= 0.4 for c in queue_cuts)) + ' of ' + str(len(queue_cuts)) + ' seeds'} |",
        f"| tidal beats the naive per-slot Erlang C plan on P90 wait | lower on {p90_wins} of "
        f"{len(runs)} seeds, equal on {p90_ties} | "
        f"{'yes' if p90_wins == len(runs) else 'not on every seed'} |",
    ]
    if replicated:
        per_seed, r = replicated["per_seed"], replicated["replications"]
        bench, wider = (replicated_facts(per_seed, seeds) for seeds in (SEEDS, WIDE_SEEDS))
        names = "/".join(short for _, short in STATICS)

        def counts(facts: dict, values: list[int]) -> str:
            return f"{'/'.join(str(v) for v in values)} of {facts['seeds']}"

        def met(ok: bool) -> str:
            return "yes" if ok else "not on every seed"

        seed, cut, se = wider["smallest_cut"]
        bench_cuts = [per_seed[s]["mean_wait_cut"]["by_wait"] for s in SEEDS]
        lines += [
            f"| (replicated, R = {r} per seed) tidal cuts the expected mean wait ≥ 40% vs the "
            f"best static layout ({names}) | vs w on seeds {seed_list(SEEDS)}: "
            f"{', '.join(f'{c * 100:.0f}%' for c in bench_cuts)}; "
            f"met ({names}) on {counts(bench, list(bench['a'].values()))} bench seeds and "
            f"{counts(wider, list(wider['a'].values()))} seeds {seed_list(WIDE_SEEDS)}; "
            f"smallest cut vs w {cut * 100:.1f}% ± {se * 100:.1f} (seed {seed}) | "
            f"{met(all(f['a'][n] == f['seeds'] for f in (bench, wider) for n, _ in STATICS))} |",
            f"| (replicated, R = {r}) tidal's P90 below naive's in expectation (pooled / mean of "
            f"per-day P90) | on {counts(bench, [bench['b_pooled'], bench['b_mean']])} bench "
            f"seeds and {counts(wider, [wider['b_pooled'], wider['b_mean']])} seeds "
            f"{seed_list(WIDE_SEEDS)}; ΔP90 more than 2 s.e. below 0 on {bench['significant']} "
            f"and {wider['significant']} of them | "
            f"{met(all(f['b_pooled'] == f['b_mean'] == f['seeds'] for f in (bench, wider)))} |",
            f"| (replicated) both goals in expectation, every baseline and both P90 measures | "
            f"{bench['both']} of {bench['seeds']} bench seeds, {wider['both']} of "
            f"{wider['seeds']} seeds {seed_list(WIDE_SEEDS)} | "
            f"{met(bench['both'] == bench['seeds'] and wider['both'] == wider['seeds'])} |",
            f"| (replicated) the goals on single replayed days | tidal's P90 below naive's on "
            f"{bench['day_p90']} of {bench['days']:,} days ({bench['day_p90'] / bench['days'] * 100:.0f}%) "
            f"of the bench seeds and {wider['day_p90']:,} of {wider['days']:,} "
            f"({wider['day_p90'] / wider['days'] * 100:.0f}%) of seeds {seed_list(WIDE_SEEDS)}; "
            f"both goals (vs w) on {bench['day_both']['by_wait']} "
            f"({bench['day_both']['by_wait'] / bench['days'] * 100:.0f}%) and "
            f"{wider['day_both']['by_wait']:,} ({wider['day_both']['by_wait'] / wider['days'] * 100:.0f}%) "
            f"| no: not on every day |",
        ]
    if criterion:
        per_day = criterion.get("forecast_and_lagged_plan_per_station_day")
        lines.append(
            f"| planner < 50 ms per station-day (forecast + lag-aware plan) | "
            f"{per_day[0]:.1f} ms | {'yes' if per_day and per_day[0] < 50 else 'no'} |")
    lines += [
        "",
        f"### Wider check: the two goals on seeds {WIDE_SEEDS[0]}–{WIDE_SEEDS[-1]}",
        "",
        "| Seed | Tickets | Best static mean | Tidal mean | Cut | Naive P90 | Tidal P90 | Both goals |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    mean_met = p90_met = both_met = 0
    for seed, report in wide:
        static, naive, tidal = (summary(report, k) for k in KEYS[:3])
        cut = 1 - tidal["mean_wait_min"] / static["mean_wait_min"]
        mean_ok = cut >= 0.4
        p90_ok = tidal["p90_wait_min"] < naive["p90_wait_min"]
        mean_met += mean_ok
        p90_met += p90_ok
        both_met += mean_ok and p90_ok
        missed = [name for name, ok in (("mean", mean_ok), ("P90", p90_ok)) if not ok]
        lines.append(
            f"| {seed} | {report['replay_tickets']:,} | {static['mean_wait_min']:.2f} | "
            f"{tidal['mean_wait_min']:.2f} | {cut * 100:.0f}% | {naive['p90_wait_min']:.2f} | "
            f"{tidal['p90_wait_min']:.2f} | {'yes' if not missed else 'missed: ' + ', '.join(missed)} |")
    lines += [
        "",
        f"Over these {len(wide)} days: mean wait cut ≥ 40% on {mean_met}, P90 below naive on "
        f"{p90_met}, both on {both_met}.",
    ]
    if replicated:
        lines += replicated_section(replicated, runs[0]["report"]["best_static"]["evaluated"])
    lines += [
        "",
        "### Times",
        "",
        "| Step | Time |",
        "|---|---:|",
    ]
    for run in runs:
        lines.append(
            f"| `peak_day {run['seed']}` whole process (generate 8 weeks, "
            f"forecast, 2 plans, {run['report']['best_static']['evaluated']}-layout static search, "
            f"4 replays) | {run['measured']['wall_s']:.2f} s wall, in-process {run['inner_s']} s |")
    if replicated:
        measured, per_seed = replicated["measured"], replicated["per_seed"]
        seconds = [line["seconds"] for line in per_seed.values()]
        lines.append(
            f"| `replicate_day --replications {replicated['replications']}` on seeds "
            f"{seed_list(replicated['seeds'])} ({len(seconds)} seeds; per seed: history, plans, "
            f"{replicated['replications']} replications × (5 replays + every static layout "
            f"replayed)) | {measured['wall_s']:.1f} s wall, {measured['cpu_s']:.1f} s CPU; "
            f"per seed {sum(seconds) / len(seconds):.2f} s mean, {max(seconds):.2f} s max |")
    if criterion:
        lines += ["", f"Criterion (`{criterion_cmd}`, 20 samples, mean and 95% interval):", "",
                  "| Bench | Mean | Interval |", "|---|---:|---:|"]
        for name, (mean, low, high) in criterion.items():
            lines.append(f"| `{name}` | {mean:.2f} ms | {low:.2f}–{high:.2f} ms |")
    benchlib.write_section(pathlib.Path(args.results), "Counter: tidal window planner",
                           "\n".join(lines))


if __name__ == "__main__":
    main()
