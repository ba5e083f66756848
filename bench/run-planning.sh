#!/usr/bin/env bash
# Site-planning and coverage benchmarks against the peers of issue 3 (spopt, sparse MILP + CBC,
# pandana, OSRM, Valhalla), refreshing the sections "Site planning (MCLP) vs spopt and CBC",
# "Coverage on a 1M-node network" and "Travel times on Helsinki vs OSRM and Valhalla" of
# bench/RESULTS.md.
#
#   bench/run-planning.sh [all|planning|coverage|realnet] [extra args for the python script]
#
# Builds the release `yibao` at low priority (in $CARGO_TARGET_DIR when set) and copies the binary to
# target/bench-planning/bin/yibao (so concurrent rebuilds cannot swap it mid-run), sets up the
# Python 3.11 virtualenv target/bench-planning/venv (spopt, pulp with its bundled CBC,
# pandana), then runs bench/planning.py and/or bench/coverage.py with that venv's Python.
# OSRM and Valhalla ship wheels only for Python 3.12: `realnet` sets up
# target/bench-planning/venv312 (python3.12, osrm-bindings, pyvalhalla, numpy) and runs
# bench/realnet.py with it.
# Total run time on a 2-core machine: about 45 minutes (most of it peers hitting their caps).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
STEP="${1:-all}"; [ $# -gt 0 ] && shift
WORK="$REPO/target/bench-planning"
mkdir -p "$WORK/bin"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    nice -n 19 cargo build --release -p yibao
    cp -f "${CARGO_TARGET_DIR:-target}/release/yibao" "$WORK/bin/yibao"
fi
if [ "$STEP" = realnet ]; then
    PY312="${PYTHON312:-$(command -v python3.12 || ls -d /root/.pyenv/versions/3.12.*/bin/python3.12 | tail -1)}"
    if [ ! -x "$WORK/venv312/bin/python" ]; then
        "$PY312" -m venv "$WORK/venv312"
    fi
    if ! "$WORK/venv312/bin/python" -c "import osrm, valhalla, numpy" 2>/dev/null; then
        "$WORK/venv312/bin/pip" install -q osrm-bindings==26.10.0 pyvalhalla==3.9.1 numpy
    fi
    exec "$WORK/venv312/bin/python" bench/realnet.py "$@"
fi
if [ ! -x "$WORK/venv/bin/python" ]; then
    python3.11 -m venv "$WORK/venv"
fi
if ! "$WORK/venv/bin/python" -c "import spopt, pulp" 2>/dev/null; then
    "$WORK/venv/bin/pip" install -q spopt pulp
fi
# pandana is optional: bench/coverage.py records why it is missing if this fails
"$WORK/venv/bin/python" -c "import pandana" 2>/dev/null \
    || "$WORK/venv/bin/pip" install -q pandana > "$WORK/pandana-install.log" 2>&1 || true
PY="$WORK/venv/bin/python"
case "$STEP" in
    planning) exec "$PY" bench/planning.py "$@" ;;
    coverage) exec "$PY" bench/coverage.py "$@" ;;
    all) "$PY" bench/planning.py && exec "$PY" bench/coverage.py ;;
    *) echo "usage: $0 [all|planning|coverage|realnet] [args]" >&2; exit 2 ;;
esac
