"""pandana nearest-station query on the network bench/coverage.py generated.

ADAPTED from ../shared/peers/bench_pandana.py (the project's shared peer script): the same
pandana calls and settings -- `pandana.Network(x, y, from, to, [len], twoway=True)` (contraction
hierarchies build), `set_pois(category, maxdist, maxitems=1, x, y)`, `nearest_pois(maxdist,
category, num_pois=1)` -- but
  * the network, stations and population points are read from the .npz that bench/coverage.py
    wrote next to the CSV files yibao reads (same nodes, same edge lengths, same stations), so
    both tools answer the same query;
  * precompute/aggregate are left out (they are not part of the nearest-station query);
  * population points are mapped to their nearest network node with `get_node_ids` (timed), and
    the per-point distance to the nearest station is saved for comparison with yibao's result.
Prints one JSON line (flushed) after every stage, so a run killed at its cap still tells how far
it got. Run with OMP_NUM_THREADS=1 for the one-core figure.

Usage: python pandana_nearest.py NET.npz MAXDIST_M OUT_DIST.npy
"""
import json
import os
import resource
import sys
import time

import numpy as np
import pandas as pd
import pandana

npz, maxdist, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
rec = dict(pandana=pandana.__version__, maxdist_m=maxdist,
           omp_threads=os.environ.get("OMP_NUM_THREADS", "default"))


def emit(stage):
    rec["stage_reached"] = stage
    rec["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(rec), flush=True)


def tick():
    return time.perf_counter(), time.process_time()


def tock(name, t0):
    rec["t_" + name] = round(time.perf_counter() - t0[0], 3)
    rec["cpu_" + name] = round(time.process_time() - t0[1], 3)


t = tick()
d = np.load(npz)
x, y, src, dst, length = d["x"], d["y"], d["src"], d["dst"], d["len"]
st, px, py = d["station_nodes"], d["pop_x"], d["pop_y"]
n = len(x)
ids = np.arange(n)
nodes = pd.DataFrame({"x": x, "y": y}, index=ids)
edges = pd.DataFrame({"from": src, "to": dst, "len": length})
tock("load", t)
rec.update(n_nodes=int(n), n_edges=int(len(src)), n_stations=int(len(st)), n_points=int(len(px)))
emit("load")

t = tick()
net = pandana.Network(nodes["x"], nodes["y"], edges["from"], edges["to"], edges[["len"]], twoway=True)
tock("build", t)
emit("build")

t = tick()
net.set_pois("stations", maxdist, 1, pd.Series(x[st]), pd.Series(y[st]))
tock("set_pois", t)

t = tick()
nearest = net.nearest_pois(maxdist, "stations", num_pois=1)
tock("nearest", t)
emit("nearest")

t = tick()
node_of_point = net.get_node_ids(pd.Series(px), pd.Series(py)).to_numpy()
tock("map_points", t)
dist = nearest[1].reindex(node_of_point).to_numpy()   # pandana fills unreachable with maxdist
np.save(out, dist)
rec["covered_points"] = int((dist < maxdist).sum())
rec["covered_pop"] = int(d["pop"][dist < maxdist].sum())
rec["total_pop"] = int(d["pop"].sum())
emit("done")
