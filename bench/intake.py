#!/usr/bin/env python3
"""Case intake benchmark for Yibao Circle (Python 3.11, stdlib only; pgbench for the PostgreSQL peer).

For each backend, from a fresh demo database (`yibao demo --no-serve`), with `yibao serve`:
  1. the village clerk posts 异地就医备案 intakes (`POST /api/cases`, each with its own
     Idempotency-Key; the case, its timeline, its SMS outbox rows and its audit row commit in one
     transaction before the 201) over `--clients` keep-alive connections as fast as they can for
     `--seconds`, twice: driven by `wrk` (Debian package `wrk`, with bench/intake_wrk.lua; skipped
     with a notice when it is not installed) and by Python threads: the throughput, and the
     latency of each request;
  2. the same intakes offered open-loop at `--rate` per second for `--seconds`: the latency
     (measured from each request's scheduled start, so a queue behind a slow request counts);
  3. the raw limit in the same run and with the same durability: a bare loop of transactions
     each inserting one ~1 KB row and one audit-sized row and committing — SQLite in WAL with
     synchronous=FULL through Python's sqlite3 (one writer, as SQLite allows), PostgreSQL with
     fsync on through `pgbench` with the same number of clients.
Every figure written comes from the run that writes it.

Usage: python3 bench/intake.py --binary target/release/yibao [--backends sqlite,postgres]
           [--seconds 10] [--clients 8] [--rate 500]
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import pathlib
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import benchlib  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parent.parent
SECTION = "Cases: intake throughput and latency"
USER, PASSWORD = "qingfu", "Qingfu2026"
BODY = {
    "item_code": "JS-14",
    "channel": "counter",
    "applicant": {"name": "压测居民", "id_number": "320903195003150027", "phone": "13800000001"},
    "materials": [
        {"name": "医保电子凭证、有效身份证件或社会保障卡", "form": "e_certificate"},
        {"name": "居住证明或个人承诺书", "form": "paper"},
    ],
}
PG_DB = "yibao_bench_intake"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def summary(latencies: list[float], seconds: float) -> dict:
    return {
        "n": len(latencies),
        "per_s": len(latencies) / seconds if seconds > 0 else 0.0,
        "p50": percentile(latencies, 50) if latencies else float("nan"),
        "p99": percentile(latencies, 99) if latencies else float("nan"),
        "max": max(latencies) if latencies else float("nan"),
    }


def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    def __init__(self, port: int, token: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        self.body = json.dumps(BODY)

    def intake(self) -> None:
        headers = dict(self.headers)
        headers["Idempotency-Key"] = str(uuid.uuid4())
        self.connection.request("POST", "/api/cases", body=self.body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        if response.status != 201:
            raise RuntimeError(f"intake answered {response.status}: {data[:300]!r}")


def login(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", "/api/session", body=json.dumps({"username": USER, "password": PASSWORD}),
                       headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    data = json.loads(response.read())
    if response.status != 201:
        raise RuntimeError(f"login failed: {data}")
    return data["token"]


def wait_ready(port: int, process: subprocess.Popen) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError("yibao serve exited early")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/openapi.json")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("yibao serve did not come up")


def closed_loop(port: int, token: str, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    errors: list[str] = []

    def worker() -> None:
        client = Client(port, token)
        mine = []
        try:
            while time.perf_counter() < stop:
                started = time.perf_counter()
                client.intake()
                mine.append((time.perf_counter() - started) * 1000.0)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(str(error))
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(errors[0])
    return summary(latencies, time.perf_counter() - started)


def wrk_milliseconds(text: str) -> float:
    value, unit = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def closed_loop_wrk(port: int, token: str, clients: int, seconds: float, work: pathlib.Path) -> dict:
    """The same closed loop driven by wrk (C, epoll; Debian package `wrk`): 2 threads, `clients`
    keep-alive connections, each request with its own Idempotency-Key (bench/intake_wrk.lua)."""
    body_file = work / "intake-body.json"
    body_file.write_text(json.dumps(BODY, ensure_ascii=False), encoding="utf-8")
    output = subprocess.run(
        ["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds:g}s", "--latency",
         "-s", str(REPO / "bench" / "intake_wrk.lua"), f"http://127.0.0.1:{port}",
         "--", token, str(body_file), uuid.uuid4().hex[:12]],
        capture_output=True, text=True, check=True).stdout
    created, other = map(int, re.search(r"intake-statuses created=(\d+) other=(\d+)", output).groups())
    if other:
        raise RuntimeError(f"wrk: {other} intakes answered other than 201:\n{output}")
    duration = float(re.search(r"requests in ([0-9.]+)s", output).group(1))
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", output, re.MULTILINE))
    return {
        "n": created,
        "per_s": created / duration,
        "p50": wrk_milliseconds(percentiles["50"]),
        "p99": wrk_milliseconds(percentiles["99"]),
    }


def open_loop(port: int, token: str, rate: float, seconds: float, threads_n: int = 16) -> dict:
    """Requests scheduled every 1/rate s; thread k takes the k-th of every `threads_n`."""
    total = int(rate * seconds)
    interval = 1.0 / rate
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []
    begin = time.perf_counter() + 0.5

    def worker(k: int) -> None:
        client = Client(port, token)
        mine = []
        try:
            for i in range(k, total, threads_n):
                scheduled = begin + i * interval
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                client.intake()
                mine.append((time.perf_counter() - scheduled) * 1000.0)
        except Exception as error:  # noqa: BLE001
            errors.append(str(error))
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(errors[0])
    # Completions over the time they really took (a server that falls behind runs over).
    achieved = summary(latencies, time.perf_counter() - begin)
    achieved["offered"] = rate
    return achieved


def raw_sqlite(path: pathlib.Path, seconds: float) -> dict:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("CREATE TABLE raw_cases (id INTEGER PRIMARY KEY, number TEXT, body TEXT, at TEXT)")
    connection.execute("CREATE TABLE raw_audit (id INTEGER PRIMARY KEY, action TEXT, detail TEXT, at TEXT)")
    body = json.dumps(BODY, ensure_ascii=False) * 3
    latencies = []
    stop = time.perf_counter() + seconds
    started = time.perf_counter()
    n = 0
    while time.perf_counter() < stop:
        t = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO raw_cases (number, body, at) VALUES (?, ?, datetime('now'))",
                           (f"R{n}", body))
        connection.execute("INSERT INTO raw_audit (action, detail, at) VALUES ('case.create', ?, datetime('now'))",
                           (json.dumps({"n": n}),))
        connection.execute("COMMIT")
        latencies.append((time.perf_counter() - t) * 1000.0)
        n += 1
    connection.close()
    return summary(latencies, time.perf_counter() - started)


def raw_postgres(admin_url: str, clients: int, seconds: float, work: pathlib.Path) -> dict:
    db_url = admin_url.rsplit("/", 1)[0] + "/" + PG_DB + "_raw"
    subprocess.run(["psql", admin_url, "-X", "-q", "-c", f"DROP DATABASE IF EXISTS {PG_DB}_raw"], check=True)
    subprocess.run(["psql", admin_url, "-X", "-q", "-c", f"CREATE DATABASE {PG_DB}_raw"], check=True)
    subprocess.run(["psql", db_url, "-X", "-q", "-c",
                    "CREATE TABLE raw_cases (id BIGSERIAL PRIMARY KEY, number TEXT, body TEXT, at TIMESTAMPTZ);"
                    "CREATE TABLE raw_audit (id BIGSERIAL PRIMARY KEY, action TEXT, detail TEXT, at TIMESTAMPTZ);"],
                   check=True)
    body = (json.dumps(BODY, ensure_ascii=False) * 3).replace("'", "''")
    script = work / "raw.sql"
    script.write_text(
        "BEGIN;\n"
        f"INSERT INTO raw_cases (number, body, at) VALUES ('R' || :client_id, '{body}', now());\n"
        "INSERT INTO raw_audit (action, detail, at) VALUES ('case.create', '{\"n\": 1}', now());\n"
        "END;\n",
        encoding="utf-8",
    )
    pgbench = shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench"
    output = subprocess.run([pgbench, "-n", "-c", str(clients), "-j", "2", "-T", str(int(seconds)),
                             "--protocol=simple", "-f", str(script), db_url],
                            capture_output=True, text=True, check=True).stdout
    tps = float(re.search(r"tps = ([0-9.]+)", output).group(1))
    mean = float(re.search(r"latency average = ([0-9.]+) ms", output).group(1))
    subprocess.run(["psql", admin_url, "-X", "-q", "-c", f"DROP DATABASE IF EXISTS {PG_DB}_raw"], check=True)
    return {"per_s": tps, "mean": mean}


def count_cases(backend: str, db_url: str) -> int:
    if backend == "sqlite":
        with sqlite3.connect(db_url.removeprefix("sqlite://")) as connection:
            return connection.execute("SELECT count(*) FROM cases").fetchone()[0]
    output = subprocess.run(["psql", db_url, "-X", "-q", "-t", "-A", "-c", "SELECT count(*) FROM cases"],
                            capture_output=True, text=True, check=True).stdout
    return int(output.strip())


def run_backend(backend: str, args, work: pathlib.Path) -> dict:
    folder = work / backend
    folder.mkdir()
    # Dirty page cache left by whatever ran before (a release build writes hundreds of MB) is
    # written back while the benchmark runs, and every commit's fsync queues behind it: with
    # 1.5 GB dirty the open-loop p99 on SQLite was 522 ms instead of 5 ms. Start clean.
    log(f"{backend}: flushing the page cache's dirty data (sync)")
    os.sync()
    if backend == "sqlite":
        db_file = folder / "intake.db"
        seed = [args.binary, "demo", "--no-serve", "--file", str(db_file)]
        db_url = f"sqlite://{db_file}"
    else:
        subprocess.run(["psql", args.pg_admin_url, "-X", "-q", "-c", f"DROP DATABASE IF EXISTS {PG_DB}"], check=True)
        subprocess.run(["psql", args.pg_admin_url, "-X", "-q", "-c", f"CREATE DATABASE {PG_DB}"], check=True)
        db_url = args.pg_admin_url.rsplit("/", 1)[0] + "/" + PG_DB
        seed = [args.binary, "demo", "--no-serve", "--database-url", db_url, "--file", str(folder / "demo.db")]
    log(f"{backend}: seeding the demo database")
    subprocess.run(seed, cwd=folder, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([args.binary, "serve", "--database-url", db_url, "--port", str(port)],
                              cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port, server)
        token = login(port)
        warm = Client(port, token)
        for _ in range(100):
            warm.intake()
        log(f"{backend}: closed loop, {args.clients} Python client threads for {args.seconds} s")
        closed = closed_loop(port, token, args.clients, args.seconds)
        closed_wrk = None
        if shutil.which("wrk"):
            log(f"{backend}: closed loop, wrk with {args.clients} connections for {args.seconds} s")
            before = count_cases(backend, db_url)
            closed_wrk = closed_loop_wrk(port, token, args.clients, args.seconds, folder)
            stored = count_cases(backend, db_url) - before
            # Requests still in flight when wrk stops may commit without being counted.
            if not closed_wrk["n"] <= stored <= closed_wrk["n"] + args.clients:
                raise RuntimeError(f"wrk counted {closed_wrk['n']} created intakes, the database holds {stored} new cases")
            closed_wrk["stored"] = stored
        else:
            log("wrk not found (Debian package wrk): the wrk closed loop is skipped")
        log(f"{backend}: open loop at {args.rate}/s for {args.seconds} s")
        opened = open_loop(port, token, args.rate, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    log(f"{backend}: raw insert-transaction loop")
    if backend == "sqlite":
        raw = raw_sqlite(folder / "raw.db", args.seconds)
    else:
        raw = raw_postgres(args.pg_admin_url, args.clients, args.seconds, folder)
        subprocess.run(["psql", args.pg_admin_url, "-X", "-q", "-c", f"DROP DATABASE IF EXISTS {PG_DB}"], check=True)
    return {"closed": closed, "closed_wrk": closed_wrk, "open": opened, "raw": raw}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=str(REPO / "target/release/yibao"))
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--pg-admin-url", default=os.environ.get("YIBAO_TEST_POSTGRES_URL",
                                                                   "postgres://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--results", default=str(REPO / "bench/RESULTS.md"))
    args = parser.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    facts = benchlib.machine_facts()
    load_start = benchlib.loadavg()
    wall = time.perf_counter()
    work = pathlib.Path(tempfile.mkdtemp(prefix="yibao-intake-bench-"))
    results = {}
    try:
        for backend in backends:
            results[backend] = run_backend(backend, args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    wall = time.perf_counter() - wall
    version = subprocess.run([args.binary, "--version"], capture_output=True, text=True).stdout.strip()
    head = subprocess.run(["git", "-C", str(REPO), "log", "-1", "--format=%h %s"], capture_output=True,
                          text=True).stdout.strip()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Run on {now} (script wall time {wall:.0f} s, build excluded). Generated by `bench/intake.py`; "
        "rerunning it replaces this section.",
        "",
        "Command:",
        "",
        "```sh",
        f"python3 bench/intake.py --binary {args.binary} --backends {','.join(backends)} "
        f"--seconds {args.seconds:g} --clients {args.clients} --rate {args.rate:g}",
        "```",
        "",
        "Machine:",
        "",
        f"- nproc: {facts['nproc']}; CPU: {facts['cpu']}; RAM: {facts['ram_gib']} GiB; kernel {facts['kernel']}",
        f"- {facts['rustc']}; yibao binary: {version} (`{args.binary}`)",
        f"- load average at start: {load_start}; at end: {benchlib.loadavg()}",
        f"- git HEAD at run time: {head}",
        "",
        "Method: a fresh demo database per backend; the village clerk (`qingfu`) posts 异地就医备案 intakes "
        "(`POST /api/cases` with an Idempotency-Key; case, timeline, SMS outbox rows and audit row in one "
        "transaction, committed before the 201; SQLite WAL with synchronous=FULL, PostgreSQL with fsync on). "
        f"Closed loop, two clients in turn on the same server: (a) `wrk` (C, epoll, Debian package `wrk`; "
        f"2 threads, {args.clients} keep-alive connections, bench/intake_wrk.lua gives each request its own "
        "Idempotency-Key; the new cases are counted in the database afterwards and must match the 201s), "
        f"(b) {args.clients} Python threads with http.client, one keep-alive connection each; {args.seconds:g} s each. "
        f"Open loop: {args.rate:g} intakes/s scheduled evenly over 16 Python threads, latency from each request's "
        "scheduled start; achieved = completions ÷ the time from the first scheduled start to the last answer. "
        "Raw limit, same run, same durability: a bare loop of transactions each inserting "
        "one ~1 KB row and one audit-sized row (SQLite: Python's sqlite3, one writer; PostgreSQL: `pgbench` "
        f"with {args.clients} clients). Latencies in milliseconds (Python: nearest-rank percentiles; wrk: its "
        "own latency distribution). The clients run on the same 2 cores as the server and the database.",
        "",
        "Goals: intake throughput at least half the raw limit; p99 under 20 ms at 500 intakes/s.",
        "",
        "Throughput (closed loop):",
        "",
        "| backend | raw limit tx/s | wrk intakes/s | p50 | p99 | share of raw | Python intakes/s | p50 | p99 | share of raw |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for backend, r in results.items():
        c, w, raw = r["closed"], r["closed_wrk"], r["raw"]
        def share(x):
            return f"{x['per_s'] / raw['per_s']:.0%}" if raw["per_s"] else "n/a"
        wrk_cells = (f"{w['per_s']:,.0f} | {w['p50']:.2f} | {w['p99']:.2f} | {share(w)}" if w
                     else "not run (no wrk) | | |")
        lines.append(
            f"| {backend} | {raw['per_s']:,.0f} | {wrk_cells} | {c['per_s']:,.0f} | {c['p50']:.2f} | "
            f"{c['p99']:.2f} | {share(c)} |"
        )
    lines += [
        "",
        "Latency (open loop):",
        "",
        "| backend | offered/s | achieved/s | p50 | p99 | max |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for backend, r in results.items():
        o = r["open"]
        lines.append(
            f"| {backend} | {o['offered']:,.0f} | {o['per_s']:,.0f} | {o['p50']:.2f} | {o['p99']:.2f} | {o['max']:.1f} |"
        )
    lines += ["", "Reading: written by hand below after looking at the figures."]
    benchlib.write_section(pathlib.Path(args.results), SECTION, "\n".join(lines))
    log(f"wrote the '{SECTION}' section of {args.results}")


if __name__ == "__main__":
    main()
