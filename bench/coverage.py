#!/usr/bin/env python3
"""Coverage benchmark: `yibao coverage --mode walk --minutes 15` on a 1,000,000-node road-like
lattice from 1,000 stations for 100,000 population points, against pandana's nearest-station
query on the same network.

Network (seeded, --seed 7): a SIDE x SIDE lattice (1000 x 1000), nominal spacing 100 m, node
coordinates jittered by +-20% of the spacing (as ../shared/peers/bench_pandana.py builds it),
two-way edges whose length is the straight-line length in metres (0.1 m), placed around a city
centre (default Xuzhou, 117.1848 E 34.2618 N) with an equirectangular projection. Stations:
1,000 distinct random nodes (at the node's position). Population: 100,000 points uniform over
the lattice, lognormal integer population. Written as the CSVs the CLI reads (`edges.csv`
`from,to,length_m`; `nodes.csv` `id,lon,lat`; `stations.csv` `id,lon,lat`; `population.csv`
`id,lon,lat,population`) and as an .npz (planar metres) for pandana.

Timed:
* yibao, --repeats times, with RAYON_NUM_THREADS=1 (one core); its own phase timings from stderr
  and result.json (reading CSV, graph build, components + snap index, snapping + search);
* pandana (bench/peers/pandana_nearest.py, OMP_NUM_THREADS=1): contraction build, set_pois,
  nearest_pois, get_node_ids; killed after --pandana-timeout seconds (600);
* and whether OSRM / Valhalla Python bindings can be installed here (binary wheels for
  Python 3.11 and 3.12), recorded, not benchmarked.

Raw records: bench/results/coverage.jsonl; section "## Coverage on a 1M-node network" of
bench/RESULTS.md (re-rendered after every step). Run through bench/run-planning.sh coverage.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import benchlib  # noqa: E402
from benchlib import fmt_int, fmt_s  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parent.parent
SECTION = "Coverage on a 1M-node network"
EARTH_RADIUS_M = 6_371_008.8   # as yibao_domain::geo
WALK_KMH, MINUTES = 5.0, 15.0
MAXDIST_M = WALK_KMH * 1000 / 60 * MINUTES   # 1,250 m


def log(msg: str) -> None:
    print(f"[{datetime.datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def generate(args, out: pathlib.Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    side, spacing, jit = args.side, args.spacing, args.jitter
    n = side * side
    ii, jj = np.divmod(np.arange(n), side)
    half = (side - 1) * spacing / 2
    x = jj * spacing + rng.uniform(-jit, jit, n) * spacing - half
    y = ii * spacing + rng.uniform(-jit, jit, n) * spacing - half
    ids = np.arange(n)
    h_from = ids[jj < side - 1]
    v_from = ids[ii < side - 1]
    src = np.concatenate([h_from, v_from])
    dst = np.concatenate([h_from + 1, v_from + side])
    length = np.round(np.hypot(x[src] - x[dst], y[src] - y[dst]), 1)
    stations = np.sort(rng.choice(n, size=args.stations, replace=False))
    pop_x = rng.uniform(x.min(), x.max(), args.population)
    pop_y = rng.uniform(y.min(), y.max(), args.population)
    pop = np.clip(np.round(rng.lognormal(3.0, 1.0, args.population)), 1, 2000).astype(np.int64)
    lon0, lat0 = args.centre
    m_lat = EARTH_RADIUS_M * math.pi / 180
    m_lon = m_lat * math.cos(math.radians(lat0))

    def lonlat(px, py):
        return np.round(lon0 + px / m_lon, 7), np.round(lat0 + py / m_lat, 7)

    lon, lat = lonlat(x, y)
    plon, plat = lonlat(pop_x, pop_y)
    pd.DataFrame({"id": ids, "lon": lon, "lat": lat}).to_csv(out / "nodes.csv", index=False, float_format="%.7f")
    pd.DataFrame({"from": src, "to": dst, "length_m": length}).to_csv(out / "edges.csv", index=False, float_format="%.1f")
    pd.DataFrame({"id": [f"S{i}" for i in range(len(stations))], "lon": lon[stations],
                  "lat": lat[stations]}).to_csv(out / "stations.csv", index=False, float_format="%.7f")
    pd.DataFrame({"id": np.arange(args.population), "lon": plon, "lat": plat,
                  "population": pop}).to_csv(out / "population.csv", index=False, float_format="%.7f")
    # pandana works in the planar metres the lon/lat were projected from
    np.savez(out / "net.npz", x=x, y=y, src=src, dst=dst, len=length, station_nodes=stations,
             pop_x=pop_x, pop_y=pop_y, pop=pop)
    sizes = {f: round((out / f).stat().st_size / 2**20, 1)
             for f in ("nodes.csv", "edges.csv", "stations.csv", "population.csv")}
    return dict(n_nodes=int(n), n_edges=int(len(src)), n_stations=int(len(stations)),
                n_points=int(args.population), total_population=int(pop.sum()),
                extent_km=round(float(x.max() - x.min()) / 1000, 1), file_mb=sizes,
                gen_s=round(time.perf_counter() - t, 1))


STEP_LINE = re.compile(r"^\s+(.*)（([0-9.]+) 秒）\s*$")


def parse_steps(stderr: str) -> list[dict]:
    steps, title = [], None
    for line in stderr.splitlines():
        m = STEP_LINE.match(line)
        if m and title is not None:
            steps.append(dict(step=title, detail=m.group(1), seconds=float(m.group(2))))
            title = None
        elif line.endswith("…"):
            title = line[:-1]
    return steps


def run_ours(args, data: pathlib.Path, work: pathlib.Path, i: int) -> dict:
    out = work / f"result-{i}.json"
    cmd = [str(args.yibao), "coverage", "--network", str(data / "edges.csv"),
           "--nodes", str(data / "nodes.csv"), "--stations", str(data / "stations.csv"),
           "--population", str(data / "population.csv"), "--mode", "walk", "--minutes", "15",
           "--out", str(out)]
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    m = benchlib.run_measured(cmd, timeout=600, stdout_path=work / f"ours-{i}.out",
                              stderr_path=work / f"ours-{i}.err", env=env)
    stderr = (work / f"ours-{i}.err").read_text(errors="replace")
    rec = dict(run=m, steps=parse_steps(stderr), stderr=stderr,
               stdout=(work / f"ours-{i}.out").read_text(errors="replace"))
    if m["rc"] == 0:
        res = json.loads(out.read_text())
        rec.update({k: res[k] for k in ("total_population", "covered_population", "covered_share",
                                        "stations_snapped", "seconds", "network", "components")})
        rec["findings"] = len(res["findings"])
        rec["result_file"] = str(out)
    return rec


def compare(ours_result: pathlib.Path, pandana_dist: pathlib.Path, pop: np.ndarray) -> dict:
    res = json.loads(ours_result.read_text())
    minutes = np.full(len(pop), np.nan)
    for p in res["points"]:
        if p["minutes"] is not None:
            minutes[int(p["id"])] = p["minutes"]
    dist = np.load(pandana_dist)
    pd_cov = dist < MAXDIST_M
    our_cov = ~np.isnan(minutes)
    pd_min = dist / (WALK_KMH * 1000 / 60)
    both = pd_cov & our_cov
    diff = np.abs(minutes[both] - pd_min[both])
    return dict(points=int(len(pop)), agree=int((pd_cov == our_cov).sum()),
                only_ours=int((our_cov & ~pd_cov).sum()), only_pandana=int((pd_cov & ~our_cov).sum()),
                both=int(both.sum()),
                max_abs_min_diff=round(float(diff.max()), 3) if len(diff) else None,
                p99_abs_min_diff=round(float(np.percentile(diff, 99)), 3) if len(diff) else None,
                median_abs_min_diff=round(float(np.median(diff)), 4) if len(diff) else None,
                our_covered_pop=int(pop[our_cov].sum()), pandana_covered_pop=int(pop[pd_cov].sum()))


def pip_probe(python: str, packages: list[str]) -> dict:
    """Can binary wheels of `packages` be fetched for this interpreter? (pip download, no install)"""
    if not pathlib.Path(python).exists():
        return dict(python=python, ok=False, detail="interpreter not present")
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.run([python, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                            "-d", d] + packages, capture_output=True, text=True, timeout=300)
        files = sorted(os.listdir(d))
    tail = [ln for ln in (p.stdout + p.stderr).splitlines() if ln.strip()][-2:]
    return dict(python=python, version=benchlib.command_output([python, "--version"]),
                packages=packages, ok=p.returncode == 0, wheels=files, detail=" / ".join(tail)[:400])


def source_build_probe(python: str, package: str, scratch: pathlib.Path) -> dict:
    """Tries `pip install PACKAGE` (a source build when no wheel fits) in a throwaway venv."""
    venv = scratch / "venv-probe"
    subprocess.run([python, "-m", "venv", "--clear", str(venv)], check=True, capture_output=True)
    t = time.perf_counter()
    try:
        p = subprocess.run([str(venv / "bin" / "pip"), "install", package], capture_output=True,
                           text=True, timeout=600)
        rc, text = p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        rc, text = None, (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else str(e.stdout or "")
    lines = text.splitlines()
    why = []
    for i, ln in enumerate(lines):
        if "Could NOT find" in ln or "required packages were not found" in ln:
            why.append(" ".join(x.strip() for x in lines[i:i + 4]
                                if x.strip() and "Call Stack" not in x and ".cmake:" not in x))
    sdist = next((ln.strip() for ln in lines if "Downloading" in ln and ".tar.gz" in ln), "")
    return dict(package=package, python=benchlib.command_output([python, "--version"]), rc=rc,
                seconds=round(time.perf_counter() - t, 1), sdist=sdist[:120],
                why=[w[:300] for w in why][:2] or [ln.strip()[:300] for ln in lines if "error" in ln.lower()][-2:])


def render(meta: dict, st: dict, finished: bool) -> str:
    f = meta["facts"]
    g = st.get("gen")
    L = [f"Run started {meta['started']} (local time of the machine); "
         + (f"script wall time {meta['wall_s']:.0f} s. " if finished else
            "**partial: the run is still going or was interrupted.** ")
         + "Generated by `bench/coverage.py`; rerunning it replaces this section.", "",
         "Command:", "", "```sh", "bench/run-planning.sh coverage   # = " + meta["command"], "```", "",
         "Machine and tools:", "",
         f"- nproc: {f['nproc']}; CPU: {f['cpu']}; RAM: {f['ram_gib']} GiB; kernel {f['kernel']}",
         f"- load average at start: {meta['load_start']}" + (f"; at end: {meta['load_end']}" if finished else ""),
         f"- {f['rustc']}; yibao binary: copy of target/release/yibao at {meta['binary']} "
         f"({meta['yibao_version']}, built {meta['binary_mtime']}), git HEAD {meta['git_head']}",
         f"- Python {f['python']} venv: {meta['py_versions']}", ""]
    if g:
        L += [f"Input (seed {meta['seed']}): {g['n_nodes']:,} nodes, {g['n_edges']:,} two-way edges "
              f"(lattice {meta['side']}×{meta['side']}, {meta['spacing']:g} m spacing, ±{meta['jitter']:.0%} jitter, "
              f"{g['extent_km']} km across, centred on {meta['centre'][0]} E {meta['centre'][1]} N), "
              f"{g['n_stations']:,} stations on random nodes, {g['n_points']:,} population points "
              f"(total population {g['total_population']:,}) uniform over the lattice. CSV sizes: "
              + ", ".join(f"{k} {v} MB" for k, v in g["file_mb"].items())
              + f". Generation took {g['gen_s']} s (not part of any figure). Query: walk 5 km/h, "
              f"15 minutes (= {MAXDIST_M:,.0f} m of network distance for pandana).", ""]
    ours = st.get("ours", [])
    if ours:
        L += ["### yibao coverage (RAYON_NUM_THREADS=1)", "",
              "Phase timings are the CLI's own (stderr progress lines and `seconds` in result.json). "
              "The CLI times snapping (looking up the nearest spot on the nearest road segment of every "
              "station and population point in the prebuilt snap index) and the bounded multi-source search "
              "as one phase; "
              "\"components + snap index\" is the preprocessing that builds that index.", "",
              "| Run | read stations+population (s) | read network CSV (s) | graph build (s) | "
              "components + snap index (s) | snapping + search (s) | CLI total (s) | process wall (s) | "
              "process CPU (s) | peak RSS | other load | covered population |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for i, r in enumerate(ours, 1):
            if r["run"]["rc"] != 0:
                L.append(f"| {i} | failed rc={r['run']['rc']}: {r['stderr'][-200:]!r} |||||||||||")
                continue
            steps = {s["step"][:6]: s["seconds"] for s in r["steps"]}
            read_pts = next((s["seconds"] for s in r["steps"] if s["step"].startswith("读取站点")), None)
            read_net = next((s["seconds"] for s in r["steps"] if s["step"].startswith("读取 CSV 路网")), None)
            s = r["seconds"]
            L.append(f"| {i} | {fmt_s(read_pts)} | {fmt_s(read_net)} | {s['graph']:.3f} | "
                     f"{s['prepare']:.3f} | {s['cover']:.3f} | {s['total']:.2f} | "
                     f"{r['run']['wall_s']:.2f} | {r['run']['cpu_s']:.2f} | {r['run']['peak_rss_mb']} MiB | "
                     f"{r['run']['other_share']:.0%} | {r['covered_population']:,} / "
                     f"{r['total_population']:,} ({100 * r['covered_share']:.2f}%) |")
            del steps
        last = next((r for r in reversed(ours) if r["run"]["rc"] == 0), None)
        if last:
            L += ["", "CLI progress lines of the last run (stderr):", "", "```"]
            L += [ln for ln in last["stderr"].splitlines() if ln.strip()][:20]
            L += ["```", ""]
    pdn = st.get("pandana")
    L += ["### pandana on the same network (OMP_NUM_THREADS=1)", ""]
    if pdn is None:
        L += ["Not run yet.", ""]
    elif "missing" in pdn:
        L += [f"pandana could not be used: {pdn['missing']}", ""]
    else:
        r, run = pdn.get("result") or {}, pdn["run"]
        state = ("finished" if r.get("stage_reached") == "done" else
                 f"**no answer in {run['timeout_s']:.0f} s** (killed; last stage completed: "
                 f"{r.get('stage_reached', 'none — still in the contraction build')})" if run["timed_out"]
                 else f"failed rc={run['rc']} (last stage: {r.get('stage_reached')})")
        L += [f"`bench/peers/pandana_nearest.py` (pandana {r.get('pandana', meta.get('pandana_version', '?'))}): {state}. "
              f"Process wall {run['wall_s']:.1f} s, CPU {run['cpu_s']:.1f} s ({run['cpu_source']}), "
              f"peak RSS {run['peak_rss_mb']:,} MiB, other load {run['other_share']:.0%}.", "",
              "| Stage | wall (s) | CPU (s) |", "|---|---:|---:|"]
        for k, name in (("load", "load .npz into DataFrames"), ("build", "Network(): contraction hierarchies build"),
                        ("set_pois", f"set_pois ({r.get('n_stations', 0):,} stations)"),
                        ("nearest", "nearest_pois (all nodes, 1,250 m)"),
                        ("map_points", f"get_node_ids ({r.get('n_points', 0):,} points)")):
            if f"t_{k}" in r:
                L.append(f"| {name} | {r[f't_{k}']:.3f} | {r[f'cpu_{k}']:.3f} |")
        tail = pdn.get("progress_tail", "")
        if run["timed_out"] and tail:
            progress = " ".join(ln.strip() for ln in tail.splitlines() if ln.strip())[-300:]
            L += ["", f"pandana's own progress output (its stdout) when it was killed: `{progress}`"]
        if "covered_pop" in r:
            L += ["", f"Covered population (distance < 1,250 m): {r['covered_pop']:,} / {r['total_pop']:,}."]
        cmpd = pdn.get("compare")
        if cmpd:
            L += ["", f"Agreement with yibao per population point: covered/uncovered agree on "
                  f"{cmpd['agree']:,} of {cmpd['points']:,} points ({cmpd['only_ours']} covered only by "
                  f"yibao, {cmpd['only_pandana']} only by pandana); on the {cmpd['both']:,} points both cover, "
                  f"|yibao minutes − pandana metres / 83.33| has median {cmpd['median_abs_min_diff']}, "
                  f"p99 {cmpd['p99_abs_min_diff']}, max {cmpd['max_abs_min_diff']} minutes. Covered "
                  f"population: yibao {cmpd['our_covered_pop']:,}, pandana {cmpd['pandana_covered_pop']:,}. "
                  "(Points are snapped independently: yibao on lon/lat through its own projection, pandana "
                  "on the planar metres; the only travel-time difference expected is yibao's rounding of "
                  "each arc to 0.1 s.)"]
        L.append("")
    osrm = st.get("osrm")
    L += ["### OSRM / Valhalla", ""]
    if osrm is None:
        L += ["Not probed in this run (--skip-osrm-probe): bench/realnet.py installs them in a Python 3.12 "
              "venv and compares their travel times with yibao's on the Helsinki extract, see the section "
              "\"Travel times on Helsinki vs OSRM and Valhalla\".", ""]
    else:
        for p in osrm["probes"]:
            L.append(f"- `pip download --only-binary=:all: {' '.join(p.get('packages', []))}` with "
                     f"{p.get('version', p['python'])}: "
                     + (f"binary wheels available ({', '.join(p['wheels'])})" if p["ok"]
                        else f"no binary wheels ({p['detail']})"))
        for b in osrm.get("source_builds", []):
            L.append(f"- `pip install {b['package']}` in a fresh {b['python']} venv (source build from "
                     f"the sdist): " + ("succeeded" if b["rc"] == 0 else
                                       f"failed after {b['seconds']} s (rc {b['rc']}): " + "; ".join(b["why"])))
        L += [f"- {n}" for n in osrm["notes"]]
        L.append("")
    L += ["### Goals", ""]
    ok_runs = [r for r in ours if r["run"]["rc"] == 0]
    if ok_runs:
        cover = [r["seconds"]["cover"] for r in ok_runs]
        graph = [r["seconds"]["graph"] for r in ok_runs]
        prep = [r["seconds"]["prepare"] for r in ok_runs]
        read = [r["seconds"]["read"] for r in ok_runs]
        med = statistics.median
        ok_cover = max(cover) < 1.0
        ok_pre = max(graph) < 1.0 and max(prep) < 1.0
        L.append(f"- Coverage of the 1,000,000-node network from 1,000 stations in under 1 s on one core: "
                 f"**{'met' if ok_cover else 'missed' if min(cover) >= 1.0 else 'met in some runs only'}** "
                 f"(snapping + search {', '.join(f'{c:.3f}' for c in cover)} s; median {med(cover):.3f} s).")
        L.append(f"- No preprocessing step slower than that (graph build, components + snap index): "
                 f"**{'met' if ok_pre else 'missed'}** (graph build {', '.join(f'{c:.3f}' for c in graph)} s; "
                 f"components + snap index {', '.join(f'{c:.3f}' for c in prep)} s).")
        L.append(f"- Reading the CSV files (I/O and parsing, counted separately): "
                 f"{', '.join(f'{c:.2f}' for c in read)} s; whole CLI run median "
                 f"{med([r['seconds']['total'] for r in ok_runs]):.2f} s.")
        if pdn and pdn.get("run") and pdn["run"]["timed_out"] and "t_build" not in (pdn.get("result") or {}):
            L.append(f"- Against pandana: its contraction hierarchies build on the same network had not finished "
                     f"when it was killed after {pdn['run']['wall_s']:.0f} s wall ({pdn['run']['cpu_s']:.0f} CPU-s, one "
                     f"thread), so it gave no travel times; yibao's whole preprocessing + query (graph + index + "
                     f"snapping + search, median) took "
                     f"{med([a + b + c for a, b, c in zip(graph, prep, cover)]):.3f} s.")
        if pdn and pdn.get("result") and "t_build" in pdn["result"]:
            r = pdn["result"]
            L.append(f"- Against pandana: its contraction build took {r['cpu_build']:.1f} CPU-s"
                     + (f", its nearest query {r['cpu_nearest']:.2f} CPU-s" if "cpu_nearest" in r else "")
                     + f"; yibao's whole preprocessing + query (graph + index + snapping + search, median) "
                     f"{med([a + b + c for a, b, c in zip(graph, prep, cover)]):.3f} s.")
    if meta.get("notes"):
        L += ["", "### Notes", ""] + [f"- {n}" for n in meta["notes"]]
    return "\n".join(L) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--yibao", type=pathlib.Path, default=REPO / "target" / "bench-planning" / "bin" / "yibao")
    ap.add_argument("--work", type=pathlib.Path, default=REPO / "target" / "bench-planning" / "coverage")
    ap.add_argument("--results", type=pathlib.Path, default=REPO / "bench" / "RESULTS.md")
    ap.add_argument("--jsonl", type=pathlib.Path, default=REPO / "bench" / "results" / "coverage.jsonl")
    ap.add_argument("--side", type=int, default=1000)
    ap.add_argument("--spacing", type=float, default=100.0)
    ap.add_argument("--jitter", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--stations", type=int, default=1000)
    ap.add_argument("--population", type=int, default=100_000)
    ap.add_argument("--centre", type=lambda s: tuple(float(v) for v in s.split(",")), default=(117.1848, 34.2618))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--pandana-timeout", type=float, default=600.0)
    ap.add_argument("--skip-pandana", action="store_true")
    ap.add_argument("--skip-osrm-probe", action="store_true")
    ap.add_argument("--render-only", action="store_true",
                    help="re-render the section from --jsonl without running anything")
    args = ap.parse_args()
    if args.render_only:
        lines = [json.loads(ln) for ln in args.jsonl.read_text().splitlines() if ln.strip()]
        meta = {k: v for k, v in lines[0].items() if k != "kind"}
        st = {"ours": []}
        end = None
        for ln in lines[1:]:
            if ln["kind"] == "ours":
                st["ours"].append(ln["value"])
            elif ln["kind"] == "end":
                end = ln
            else:
                st[ln["kind"]] = ln["value"]
        pdn = st.get("pandana")
        err = args.work / "pandana.err"
        if pdn and pdn.get("run") and "stderr_tail" not in pdn and err.exists():
            pdn["stderr_tail"] = err.read_text(errors="replace")[-600:]
        out = args.work / "pandana.out"
        if pdn and pdn.get("run") and "progress_tail" not in pdn and out.exists():
            pdn["progress_tail"] = "\n".join(ln for ln in out.read_text(errors="replace").splitlines()
                                             if not ln.startswith("{"))[-600:]
        for b in (st.get("osrm") or {}).get("source_builds", []):
            b["why"] = [" ".join(part for part in w.split(" ") if ".cmake:" not in part and "cmake/data" not in part)
                        for w in b["why"]]
        if end:
            meta["load_end"], meta["wall_s"] = end["load_end"], end["wall_s"]
        benchlib.write_section(args.results, SECTION, render(meta, st, finished=end is not None))
        return
    t0 = time.perf_counter()
    meta = dict(
        started=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        command=" ".join(["python", "bench/coverage.py"] + sys.argv[1:]),
        facts=benchlib.machine_facts(), load_start=benchlib.loadavg(),
        binary=str(args.yibao.relative_to(REPO)) if args.yibao.is_relative_to(REPO) else str(args.yibao),
        yibao_version=benchlib.command_output([str(args.yibao), "--version"]),
        binary_mtime=datetime.datetime.fromtimestamp(args.yibao.stat().st_mtime).strftime("%Y-%m-%d %H:%M"),
        git_head=benchlib.command_output(["git", "-C", str(REPO), "log", "-1", "--format=%h %s"]),
        py_versions=benchlib.command_output([sys.executable, "-c", (
            "import importlib.metadata as m\nout=[]\nfor p in ['pandana','numpy','pandas']:\n"
            "    try: out.append(f'{p} {m.version(p)}')\n    except Exception: out.append(f'{p} not installed')\n"
            "print(', '.join(out))")]),
        seed=args.seed, side=args.side, spacing=args.spacing, jitter=args.jitter,
        centre=args.centre, notes=[])
    st: dict = {}
    args.jsonl.parent.mkdir(parents=True, exist_ok=True)
    args.jsonl.write_text(json.dumps(dict(kind="meta", **meta)) + "\n")

    def save(kind: str, value) -> None:
        with args.jsonl.open("a") as fh:
            fh.write(json.dumps(dict(kind=kind, value=value)) + "\n")
        benchlib.write_section(args.results, SECTION, render(meta, st, finished=False))

    data = args.work / "data"
    log(f"generating {args.side}x{args.side} lattice")
    st["gen"] = generate(args, data)
    save("gen", st["gen"])
    log(f"  {st['gen']}")
    st["ours"] = []
    for i in range(1, args.repeats + 1):
        log(f"yibao coverage run {i}")
        r = run_ours(args, data, args.work, i)
        st["ours"].append(r)
        log(f"  rc {r['run']['rc']} wall {r['run']['wall_s']} cpu {r['run']['cpu_s']} seconds {r.get('seconds')}")
        save("ours", {k: v for k, v in r.items() if k != "stderr"} | {"stderr": r["stderr"]})
    if args.skip_pandana:
        st["pandana"] = dict(missing="skipped (--skip-pandana)")
    else:
        probe = subprocess.run([sys.executable, "-c", "import pandana"], capture_output=True, text=True)
        if probe.returncode != 0:
            logf = REPO / "target" / "bench-planning" / "pandana-install.log"
            why = logf.read_text(errors="replace")[-400:] if logf.exists() else probe.stderr[-400:]
            st["pandana"] = dict(missing=f"`import pandana` fails in the venv: {why!r}")
        else:
            log(f"pandana (timeout {args.pandana_timeout:g} s)")
            env = dict(os.environ, OMP_NUM_THREADS="1")
            dist = args.work / "pandana-dist.npy"
            if dist.exists():
                dist.unlink()
            run = benchlib.run_measured(
                [sys.executable, str(REPO / "bench" / "peers" / "pandana_nearest.py"),
                 str(data / "net.npz"), f"{MAXDIST_M:g}", str(dist)],
                timeout=args.pandana_timeout, stdout_path=args.work / "pandana.out",
                stderr_path=args.work / "pandana.err", env=env)
            lines = [ln for ln in (args.work / "pandana.out").read_text(errors="replace").splitlines()
                     if ln.startswith("{")]
            st["pandana"] = dict(run=run, result=json.loads(lines[-1]) if lines else None)
            st["pandana"]["stderr_tail"] = (args.work / "pandana.err").read_text(errors="replace")[-600:]
            # pandana's C++ progress lines (CH build) go to stdout
            st["pandana"]["progress_tail"] = "\n".join(
                ln for ln in (args.work / "pandana.out").read_text(errors="replace").splitlines()
                if not ln.startswith("{"))[-600:]
            ok_runs = [r for r in st["ours"] if r["run"]["rc"] == 0]
            if dist.exists() and ok_runs:
                pop = np.load(data / "net.npz")["pop"]
                st["pandana"]["compare"] = compare(pathlib.Path(ok_runs[-1]["result_file"]), dist, pop)
            log(f"  {st['pandana'].get('result')} timed_out {run['timed_out']}")
    save("pandana", st["pandana"])
    if not args.skip_osrm_probe:
        log("probing OSRM / Valhalla wheels")
        py312 = "/root/.pyenv/versions/3.12.1/bin/python3.12"
        pkgs = ["osrm-bindings==26.10.0", "pyvalhalla==3.9.1"]
        probes = [pip_probe(py, [pkg]) for py in (sys.executable, py312) for pkg in pkgs]
        ok311 = all(p["ok"] for p in probes[:2])
        ok312 = all(p["ok"] for p in probes[2:])
        st["osrm"] = dict(probes=probes, notes=[], source_builds=[])
        if ok312 and not ok311:
            st["osrm"]["notes"].append(
                "So OSRM/Valhalla can be set up here only in a Python 3.12 venv (as the peer README "
                "says); bench/realnet.py does that and compares their Helsinki travel times with yibao's "
                "(section \"Travel times on Helsinki vs OSRM and Valhalla\").")
        if not ok311:
            for pkg in [p["packages"][0] for p in probes[:2] if not p["ok"]]:
                log(f"  source build probe {pkg}")
                st["osrm"]["source_builds"].append(source_build_probe(sys.executable, pkg, args.work))
        save("osrm", st["osrm"])
    meta["load_end"] = benchlib.loadavg()
    meta["wall_s"] = time.perf_counter() - t0
    benchlib.write_section(args.results, SECTION, render(meta, st, finished=True))
    with args.jsonl.open("a") as fh:
        fh.write(json.dumps(dict(kind="end", load_end=meta["load_end"], wall_s=meta["wall_s"])) + "\n")
    log(f"done in {meta['wall_s']:.0f} s")


if __name__ == "__main__":
    main()
