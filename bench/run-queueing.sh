#!/usr/bin/env bash
# Tidal window planner benchmark (issue 5): builds the release `peak_day` and `replicate_day`
# examples of yibao-queueing at low priority (peak_day calls plan_station_day exactly as `yibao
# plan-windows --generate` does, without building the whole server; replicate_day replays each
# seed's peak day R = 30 times with common random numbers), copies them to
# target/bench-queueing/bin/ and runs bench/queueing.py (standard-library Python 3): the
# generated peak day replayed under the best static layout, the naive per-slot Erlang C plan and
# the lag-aware tidal plan for six seeds (and the two goals on seeds 1–40), the same in
# expectation over 30 replications per seed, then the criterion bench of the planner; it
# refreshes the section "Counter: tidal window planner" of bench/RESULTS.md.
#
#   bench/run-queueing.sh [--no-criterion]
#
# Honours CARGO_TARGET_DIR. About 5 minutes on a 2-core machine after the build, most of it
# replicate_day (41 seeds × 30 replications, about 4 s per seed).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
WORK="$REPO/target/bench-queueing"
mkdir -p "$WORK/bin"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    nice -n 19 cargo build --release -p yibao-queueing --example peak_day --example replicate_day
    cp -f "$TARGET/release/examples/peak_day" "$WORK/bin/peak_day"
    cp -f "$TARGET/release/examples/replicate_day" "$WORK/bin/replicate_day"
fi
exec python3 bench/queueing.py --peak-day "$WORK/bin/peak_day" \
    --replicate-day "$WORK/bin/replicate_day" "$@"
