# ADAPTED COPY of ../shared/peers/bench_lean.py (the project's shared peer script), made for
# bench/planning.py. Formulation, greedy and CBC call are unchanged. Changes:
#   * a JSON line is printed (and flushed) after the greedy step and after the model build, so
#     the greedy objective survives when the CBC run is killed by the caller's wall-clock cap;
#   * CPU-seconds of this Python process per phase (cpu_cover, cpu_greedy, cpu_build);
#   * a CBC run that returns no solution (PuLP error or no objective value) is recorded
#     (cbc_error / status) instead of crashing the script;
#   * `stage_reached` tells how far the run got; imports gen_instance from PYTHONPATH
#     (bench/planning.py sets it to ../shared/peers).
"""Reference MCLP runs on the same instances as bench_spopt.py, without spopt's dense
Python model build: sparse coverage (scipy cKDTree) + (a) greedy heuristic, (b) the same
MILP built sparsely in PuLP and solved by the same bundled CBC.  Gives optimal objective
values to check any other implementation against, and isolates the solver time.

Usage: python bench_lean.py N_DEMAND N_CAND P RADIUS_M [SEED] [CBC_TIME_LIMIT_S]
"""
import json
import resource
import sys
import time

import numpy as np
import pulp
import scipy.sparse as sp
from scipy.spatial import cKDTree

from gen_instance import make_instance

nd, nc, p, radius = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
seed = int(sys.argv[5]) if len(sys.argv) > 5 else 42
tl = float(sys.argv[6]) if len(sys.argv) > 6 else 250.0
rec = dict(loadavg_start=open("/proc/loadavg").read().split()[0], n_demand=nd, n_cand=nc,
           p=p, radius_m=radius, seed=seed, pulp=pulp.__version__)

dem, w, cand = make_instance(nd, nc, seed)
dem, cand = np.round(dem, 1), np.round(cand, 1)
rec["total_weight"] = int(w.sum())

# --- sparse coverage ---------------------------------------------------------
t = time.perf_counter(); c = time.process_time()
tree = cKDTree(dem)
lists = tree.query_ball_point(cand, r=radius)          # candidate -> demand indices
# exact test d <= r as in spopt (cKDTree uses <= r as well)
rows = np.concatenate([np.asarray(l, dtype=np.int64) for l in lists]) if nc else np.array([], np.int64)
cols = np.repeat(np.arange(nc), [len(l) for l in lists])
A = sp.csc_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(nd, nc))  # demand x cand
rec["t_cover"] = round(time.perf_counter() - t, 3)
rec["cpu_cover"] = round(time.process_time() - c, 3)
rec["nnz_aij"] = int(A.nnz)

# --- greedy (lazy) -----------------------------------------------------------
t = time.perf_counter(); c = time.process_time()
covered = np.zeros(nd, dtype=bool)
wf = w.astype(np.float64)
chosen = []
gain = A.T @ wf                                        # initial gains
import heapq
heap = [(-g, j) for j, g in enumerate(gain)]
heapq.heapify(heap)
Acsc = A
while len(chosen) < p and heap:
    g, j = heapq.heappop(heap)
    idx = Acsc.indices[Acsc.indptr[j]:Acsc.indptr[j + 1]]
    real = wf[idx][~covered[idx]].sum()
    if heap and real < -heap[0][0] - 1e-9:
        heapq.heappush(heap, (-real, j))
        continue
    chosen.append(j)
    covered[idx] = True
rec["t_greedy"] = round(time.perf_counter() - t, 3)
rec["greedy_objective"] = float(wf[covered].sum())
rec["greedy_sites"] = sorted(int(j) for j in chosen)
rec["cpu_greedy"] = round(time.process_time() - c, 3)
rec["cov_weight_pct_greedy"] = round(100 * rec["greedy_objective"] / rec["total_weight"], 3)


def emit(stage):
    rec["stage_reached"] = stage
    rec["peak_rss_py_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(rec), flush=True)


emit("greedy")

# --- MILP (same formulation as spopt: y_i <= sum_j a_ij x_j, sum x = p) --------
t = time.perf_counter(); c = time.process_time()
prob = pulp.LpProblem("mclp", pulp.LpMaximize)
x = [pulp.LpVariable(f"x_{j}", cat="Binary") for j in range(nc)]
y = [pulp.LpVariable(f"y_{i}", cat="Binary") for i in range(nd)]
prob += pulp.LpAffineExpression([(y[i], float(w[i])) for i in range(nd)])
Acsr = A.tocsr()
for i in range(nd):
    js = Acsr.indices[Acsr.indptr[i]:Acsr.indptr[i + 1]]
    prob += pulp.LpAffineExpression([(x[j], 1.0) for j in js] + [(y[i], -1.0)]) >= 0
prob += pulp.LpAffineExpression([(xj, 1.0) for xj in x]) == p
rec["t_build"] = round(time.perf_counter() - t, 3)
rec["cpu_build"] = round(time.process_time() - c, 3)
rec["cbc_time_limit_s"] = tl
emit("build")

t = time.perf_counter()
ch0 = resource.getrusage(resource.RUSAGE_CHILDREN)
try:
    status = prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=tl))
    cbc_error = None
except Exception as e:  # noqa: BLE001 -- e.g. PulpSolverError when CBC writes no solution
    status, cbc_error = 0, f"{type(e).__name__}: {e}"[:300]
ch1 = resource.getrusage(resource.RUSAGE_CHILDREN)
rec["t_solve"] = round(time.perf_counter() - t, 3)
rec["cpu_solve_cbc"] = round((ch1.ru_utime + ch1.ru_stime) - (ch0.ru_utime + ch0.ru_stime), 3)
rec["status"] = pulp.LpStatus[status]
# sol_status distinguishes proven optimum (1) from an incumbent returned at the time limit (2)
rec["sol_status"] = pulp.LpSolution.get(getattr(prob, "sol_status", None), str(getattr(prob, "sol_status", None)))
objective = pulp.value(prob.objective) if cbc_error is None else None
if cbc_error is not None or objective is None:
    rec["cbc_error"] = cbc_error or "CBC returned no objective value"
    emit("solve_failed")
    sys.exit(0)
rec["milp_objective"] = float(objective)
sites = [j for j in range(nc) if x[j].value() and x[j].value() > 0.5]
# recompute coverage from chosen sites (independent of y values)
cov = np.asarray((A[:, sites].sum(axis=1) > 0)).ravel()
rec["milp_objective_recomputed"] = float(wf[cov].sum())
rec["milp_sites"] = sorted(sites)
rec["cov_weight_pct_milp"] = round(100 * rec["milp_objective_recomputed"] / rec["total_weight"], 3)
emit("done")
