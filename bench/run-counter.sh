#!/usr/bin/env bash
# Builds the release `yibao` binary at low priority and runs the counter benchmark (ticket
# issue and call latency on SQLite and PostgreSQL), refreshing its section of bench/RESULTS.md.
# Extra arguments go to bench/counter.py (e.g. --backends sqlite --rounds 300).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
nice -n 19 cargo build --release -p yibao
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
exec python3 "$REPO/bench/counter.py" --binary "$TARGET/release/yibao" "$@"
