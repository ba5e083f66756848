#!/usr/bin/env python3
"""Counter benchmark for Yibao Circle: ticket issue and call latency (Python 3.11, stdlib only).

For each backend (SQLite file, PostgreSQL database), from a fresh database:
  1. `yibao import regions --from fixtures/regions`, `yibao admin create`, then `yibao serve`;
  2. over the API: one town station, 4 business categories, 6 windows (each serving 2–4
     categories);
  3. a prefill of `--queue` waiting tickets (a busy hall), then `--rounds` rounds of
     issue one ticket (kiosk, `POST …/tickets`), call the next ticket at the next window
     (`POST /api/counter/windows/{id}/call`) and finish it (`POST …/finish`), so the queue
     stays at its prefill length while 1,000+ tickets pass through, as on a peak day;
  4. a contention pass: all windows call and finish at once from one thread each until the
     queue is empty (checks that no ticket is called twice and none is lost).
Latency is client-side, per request, on one keep-alive connection per client, including
HTTP, JSON, the transaction with its audit row and the commit (SQLite WAL with
synchronous=FULL; PostgreSQL with fsync on). Every figure written comes from the run that
writes it.

Usage: bench/run-counter.sh [--backends sqlite,postgres] [--rounds 1200] [--queue 100]
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import pathlib
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import benchlib  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parent.parent
SECTION = "Counter: ticket issue and call latency"
STATION = "BENCH-HALL"
CATEGORIES = [("A", "参保登记"), ("B", "医保缴费"), ("C", "零星报销"), ("D", "异地就医备案")]
WINDOWS = [["A", "B"], ["A", "B"], ["B", "C"], ["C", "D"], ["A", "D"], ["A", "B", "C", "D"]]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


class Client:
    def __init__(self, port: int, token: str | None = None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def send(self, method: str, path: str, body: dict | None = None, expect=(200, 201)) -> tuple[dict, float]:
        payload = json.dumps(body or {})
        started = time.perf_counter()
        self.connection.request(method, path, body=payload, headers=self.headers)
        response = self.connection.getresponse()
        data = response.read()
        elapsed = (time.perf_counter() - started) * 1000.0
        if response.status not in expect:
            raise SystemExit(f"{method} {path}: HTTP {response.status} {data[:300]!r}")
        return (json.loads(data) if data else {}), elapsed


def fresh_database(backend: str, work: pathlib.Path, pg_admin_url: str) -> str:
    if backend == "sqlite":
        return f"sqlite://{work / 'counter.db'}"
    subprocess.run(["psql", pg_admin_url, "-X", "-q", "-v", "ON_ERROR_STOP=1",
                    "-c", "DROP DATABASE IF EXISTS yibao_bench_counter WITH (FORCE)",
                    "-c", "CREATE DATABASE yibao_bench_counter"], check=True)
    return f"{pg_admin_url.rsplit('/', 1)[0]}/yibao_bench_counter"


def run_backend(backend: str, binary: pathlib.Path, args, work: pathlib.Path) -> dict:
    url = fresh_database(backend, work, args.pg_admin_url)
    env = {**os.environ, "YIBAO_ADMIN_PASSWORD": "Bench2026x"}
    subprocess.run([str(binary), "--database-url", url, "import", "regions", "--from", str(REPO / "fixtures/regions")],
                   check=True, stdout=subprocess.DEVNULL, env=env, cwd=work)
    subprocess.run([str(binary), "--database-url", url, "admin", "create", "--username", "bench",
                    "--display-name", "压测"], check=True, stdout=subprocess.DEVNULL, env=env, cwd=work)
    port = free_port()
    log_file = open(work / f"serve-{backend}.log", "w", encoding="utf-8")
    # One client address issues every ticket here: the per-address limit on anonymous writes
    # is turned off for the load test.
    server = subprocess.Popen([str(binary), "--database-url", url, "serve", "--port", str(port),
                               "--public-rate-limit", "0"],
                              stdout=log_file, stderr=subprocess.STDOUT, env=env, cwd=work)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                probe.request("GET", "/api/health")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"yibao serve did not start; see {work}/serve-{backend}.log")
            time.sleep(0.1)
        anonymous = Client(port)
        session, _ = anonymous.send("POST", "/api/session", {"username": "bench", "password": "Bench2026x"})
        staff = Client(port, session["token"])
        staff.send("POST", "/api/stations", {
            "code": STATION, "name": "压测镇医保服务站", "level": "town", "region_code": "320903105",
            "host_type": "service_center", "lon": 119.93, "lat": 33.30, "windows": len(WINDOWS),
            "opening_hours": "1-7 00:00-23:59"})
        for position, (prefix, name) in enumerate(CATEGORIES):
            staff.send("PUT", f"/api/counter/stations/{STATION}/categories/{prefix}",
                       {"name": name, "position": position})
        windows = []
        for number, categories in enumerate(WINDOWS, start=1):
            window, _ = staff.send("POST", f"/api/counter/stations/{STATION}/windows",
                                   {"number": number, "categories": categories})
            windows.append(window["id"])
        kiosk = Client(port)
        issued: set[str] = set()

        def issue(index: int) -> float:
            body = {"category": CATEGORIES[index % len(CATEGORIES)][0]}
            if index % 9 == 0:
                body["disability"] = True
            slip, elapsed = kiosk.send("POST", f"/api/counter/stations/{STATION}/tickets", body)
            number = slip["ticket"]["number"]
            if number in issued:
                raise SystemExit(f"number {number} issued twice")
            issued.add(number)
            return elapsed

        log(f"{backend}: prefill {args.queue} tickets")
        for index in range(args.queue):
            issue(index)
        issue_ms, call_ms, finish_ms = [], [], []
        called: list[str] = []
        log(f"{backend}: {args.rounds} rounds of issue → call → finish")
        started = time.perf_counter()
        for round_index in range(args.rounds):
            issue_ms.append(issue(args.queue + round_index))
            window = windows[round_index % len(windows)]
            reply, elapsed = staff.send("POST", f"/api/counter/windows/{window}/call")
            call_ms.append(elapsed)
            if reply["ticket"] is None:
                continue
            called.append(reply["ticket"]["number"])
            _, elapsed = staff.send("POST", f"/api/counter/windows/{window}/finish")
            finish_ms.append(elapsed)
        sequential_s = time.perf_counter() - started

        log(f"{backend}: contention pass, {len(windows)} windows at once")
        contention_ms: list[float] = []
        lock = threading.Lock()
        failures: list[str] = []

        def window_worker(window_id: int) -> None:
            client = Client(port, session["token"])
            try:
                while True:
                    reply, elapsed = client.send("POST", f"/api/counter/windows/{window_id}/call")
                    with lock:
                        contention_ms.append(elapsed)
                    if reply["ticket"] is None:
                        return
                    with lock:
                        called.append(reply["ticket"]["number"])
                    client.send("POST", f"/api/counter/windows/{window_id}/finish")
            except BaseException as error:  # noqa: BLE001 - reported below
                failures.append(repr(error))

        threads = [threading.Thread(target=window_worker, args=(w,)) for w in windows]
        contention_started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        contention_s = time.perf_counter() - contention_started
        if failures:
            raise SystemExit(f"contention pass failed: {failures[:3]}")
        duplicates = len(called) - len(set(called))
        lost = len(issued - set(called))
        log(f"{backend}: issued {len(issued)}, called {len(called)}, duplicates {duplicates}, lost {lost}")
        return {
            "issued": len(issued), "called": len(called), "duplicates": duplicates, "lost": lost,
            "issue": issue_ms, "call": call_ms, "finish": finish_ms, "contention": contention_ms,
            "sequential_s": sequential_s, "contention_s": contention_s,
        }
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log_file.close()


def row(label: str, values: list[float]) -> str:
    return (f"| {label} | {len(values):,} | {statistics.fmean(values):.2f} | {percentile(values, 50):.2f} | "
            f"{percentile(values, 90):.2f} | {percentile(values, 99):.2f} | {max(values):.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--rounds", type=int, default=1200)
    parser.add_argument("--queue", type=int, default=100)
    parser.add_argument("--binary", default=str(REPO / "target/release/yibao"))
    parser.add_argument("--pg-admin-url", default=os.environ.get("YIBAO_TEST_POSTGRES_URL",
                                                                 "postgres://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--results", default=str(REPO / "bench/RESULTS.md"))
    args = parser.parse_args()
    binary = pathlib.Path(args.binary)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    facts = benchlib.machine_facts()
    load_start = benchlib.loadavg()
    wall = time.perf_counter()
    results = {}
    work = pathlib.Path(tempfile.mkdtemp(prefix="yibao-counter-bench-"))
    try:
        for backend in backends:
            results[backend] = run_backend(backend, binary, args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    wall = time.perf_counter() - wall
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True).stdout.strip()
    head = subprocess.run(["git", "-C", str(REPO), "log", "-1", "--format=%h %s"], capture_output=True,
                          text=True).stdout.strip()
    pg_version = ""
    if "postgres" in backends:
        pg_version = subprocess.run(["psql", args.pg_admin_url, "-X", "-A", "-t", "-c", "SHOW server_version"],
                                    capture_output=True, text=True).stdout.strip()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Run on {now} (script wall time {wall:.0f} s, build excluded). Generated by `bench/counter.py`; "
        "rerunning it replaces this section.",
        "",
        "Command:",
        "",
        "```sh",
        f"bench/run-counter.sh  # = python3 bench/counter.py --backends {','.join(backends)} "
        f"--rounds {args.rounds} --queue {args.queue}",
        "```",
        "",
        "Machine:",
        "",
        f"- nproc: {facts['nproc']}; CPU: {facts['cpu']}; RAM: {facts['ram_gib']} GiB; kernel {facts['kernel']}",
        f"- {facts['rustc']}; yibao binary: {version} (`{args.binary}`)",
        f"- PostgreSQL server {pg_version}" if pg_version else "- PostgreSQL: not run",
        f"- load average at start: {load_start}; at end: {benchlib.loadavg()} (the machine is shared with other builds)",
        f"- git HEAD at run time: {head}",
        "",
        "Method: a fresh database per backend, one town station with 4 categories and 6 windows serving 2–4 "
        f"categories each; {args.queue} tickets waiting (prefill), then {args.rounds} rounds of *issue* (kiosk, "
        "`POST /api/counter/stations/{s}/tickets`), *call* at the next window (`POST /api/counter/windows/{id}/call`, "
        "which reads the day's waiting tickets, applies the call order and claims one with a conditional UPDATE) "
        "and *finish*; the server runs with `--public-rate-limit 0`, since one client address issues every ticket; each request commits its audit row in the same transaction before answering (SQLite WAL "
        "with synchronous=FULL, PostgreSQL with fsync on). Client-side latency in milliseconds on one keep-alive "
        "connection, sequential. Then the contention pass: 6 windows call and finish at once (one thread and "
        "connection each) until the queue is empty.",
        "",
        "Goal: ticket issue and call p99 under 5 ms.",
        "",
    ]
    for backend, result in results.items():
        lines += [
            f"### {backend}",
            "",
            "| request | n | mean | p50 | p90 | p99 | max |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
            row("issue ticket (kiosk)", result["issue"]),
            row("call next (one window at a time)", result["call"]),
            row("finish", result["finish"]),
            row("call next (6 windows at once)", result["contention"]),
            "",
            f"Tickets issued {result['issued']:,}, called {result['called']:,}; called twice: "
            f"{result['duplicates']}; never called: {result['lost']}. Sequential rounds took "
            f"{result['sequential_s']:.1f} s, the contention pass {result['contention_s']:.1f} s.",
            "",
        ]
    lines += ["Reading: see the paragraph below the tables, written after looking at the figures."]
    benchlib.write_section(pathlib.Path(args.results), SECTION, "\n".join(lines))
    log(f"wrote the '{SECTION}' section of {args.results}")


if __name__ == "__main__":
    main()
