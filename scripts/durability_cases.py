#!/usr/bin/env python3
"""Durability check for case intake: submit cases under load, SIGKILL the server, restart it,
and prove that every case that got a 2xx is there, exactly once.

    python3 scripts/durability_cases.py --bin target/release/yibao [--seconds 3] [--clients 8]
        [--postgres postgres://postgres@127.0.0.1:5432/postgres]

Steps: seed a fresh demo database (SQLite, synchronous=FULL; or, with `--postgres ADMIN_URL`, a
fresh PostgreSQL database `yibao_durability` created through `psql` on that server), start `yibao serve`, let
`--clients` threads post 异地就医备案 intakes as the village clerk, each with its own
Idempotency-Key; SIGKILL the server mid-load; restart it; then (1) every acknowledged case
number must be readable, (2) retrying every unacknowledged key must return the case its first
attempt committed (200) or create it now (201), never a second case, and (3) the station's
case count must equal the number of keys. Exits non-zero on any violation.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

STATION = "320903105201-PT"
USER, PASSWORD = "qingfu", "Qingfu2026"
BODY = {
    "item_code": "JS-14",
    "channel": "counter",
    "applicant": {"name": "耐久测试", "id_number": "320903195003150027", "phone": "13800000001"},
    "materials": [
        {"name": "医保电子凭证、有效身份证件或社会保障卡", "form": "e_certificate"},
        {"name": "居住证明或个人承诺书", "form": "paper"},
    ],
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(base, method, path, token=None, body=None, headers=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    for key, value in (headers or {}).items():
        req.add_header(key, value)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def start(binary, db_url, port, workdir):
    log = open(os.path.join(workdir, "server.log"), "ab")
    proc = subprocess.Popen(
        [binary, "--database-url", db_url, "serve", "--port", str(port),
         "--sms-log", os.path.join(workdir, "sms.log")],
        stdout=log, stderr=log, cwd=workdir,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if request(base, "GET", "/api/health")[0] == 200:
                return proc, base
        except OSError:
            pass
        time.sleep(0.05)
    proc.kill()
    sys.exit("server did not start")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default="target/release/yibao")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server to run on instead of SQLite")
    args = parser.parse_args()
    args.bin = os.path.abspath(args.bin)
    # The server's files (archive index, SMS log) go to the work folder, not the caller's.
    workdir = tempfile.mkdtemp(prefix="yibao_durability_")
    if args.postgres:
        name = "yibao_durability"
        for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", args.postgres, "-qc", sql], check=True)
        db = args.postgres.rsplit("/", 1)[0] + "/" + name
        subprocess.run([args.bin, "--database-url", db, "demo", "--no-serve"], check=True,
                       stdout=subprocess.DEVNULL, cwd=workdir)
    else:
        db = "sqlite://" + os.path.join(workdir, "cases.db")
        subprocess.run([args.bin, "demo", "--no-serve", "--file", db[len("sqlite://"):]], check=True,
                       stdout=subprocess.DEVNULL)
    port = free_port()
    server, base = start(args.bin, db, port, workdir)
    status, login = request(base, "POST", "/api/session", body={"username": USER, "password": PASSWORD})
    assert status == 201, login
    token = login["token"]
    _, before = request(base, "GET", f"/api/stations/{STATION}/cases?list=taken_in&per_page=1", token)
    baseline = before["total"]

    acked = {}      # key -> case number
    attempted = []  # every key sent
    lock = threading.Lock()
    stop = threading.Event()

    def client(index):
        n = 0
        while not stop.is_set():
            key = f"dur-{index}-{n}"
            n += 1
            with lock:
                attempted.append(key)
            try:
                status, body = request(base, "POST", "/api/cases", token, BODY, {"Idempotency-Key": key}, timeout=5)
            except OSError:
                continue  # the server is gone: this key is unacknowledged
            if status in (200, 201):
                with lock:
                    acked[key] = body["number"]

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    time.sleep(args.seconds)
    server.send_signal(signal.SIGKILL)
    server.wait()
    killed_at = len(acked)
    stop.set()
    for thread in threads:
        thread.join()

    server, base = start(args.bin, db, port, workdir)
    status, login = request(base, "POST", "/api/session", body={"username": USER, "password": PASSWORD})
    token = login["token"]
    failures = []
    for key, number in acked.items():
        status, body = request(base, "GET", f"/api/cases/{number}", token)
        if status != 200:
            failures.append(f"acknowledged case {number} ({key}) is missing: {status}")
    replayed = created = 0
    for key in attempted:
        status, body = request(base, "POST", "/api/cases", token, BODY, {"Idempotency-Key": key})
        if status == 200:
            replayed += 1
        elif status == 201:
            created += 1
        else:
            failures.append(f"retry of {key} answered {status}: {body}")
            continue
        if key in acked and body["number"] != acked[key]:
            failures.append(f"retry of {key} returned {body['number']}, first answer was {acked[key]}")
    _, after = request(base, "GET", f"/api/stations/{STATION}/cases?list=taken_in&per_page=1", token)
    total = after["total"] - baseline
    if total != len(attempted):
        failures.append(f"{total} cases for {len(attempted)} idempotency keys")
    server.send_signal(signal.SIGTERM)
    server.wait()
    print(f"backend {'postgres' if args.postgres else 'sqlite'}: keys sent {len(attempted)}, acknowledged before SIGKILL {killed_at}, "
          f"retries replayed {replayed}, created on retry {created}, cases now {total}")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures[:20]))
        sys.exit(1)
    print("OK: every acknowledged case survived the SIGKILL and no key produced two cases")


if __name__ == "__main__":
    main()
