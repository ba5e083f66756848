#!/usr/bin/env python3
"""SQLite FTS5 (trigram tokenizer) peer of the archive benchmark, on the corpus and labelled
queries that `cargo run --release -p yibao-search --example archive_bench -- N DIR` wrote.

The obvious FTS5 usage: each whitespace-separated part of the query is a quoted string (a
substring match with the trigram tokenizer), all parts ANDed, ranked by bm25(); filters are
plain WHERE clauses on the same rows. Prints one JSON line like the Rust side.

    python3 bench/archive_fts5.py /tmp/archive-bench
"""
import json, os, resource, sqlite3, sys, time

args = [a for a in sys.argv[1:] if not a.startswith("--")]
d = args[0] if args else "/tmp/archive-bench"
reuse = "--reuse" in sys.argv  # query an existing fts5.db (its build figures are then absent)
# --one-round: one timed round instead of three; --every=K: see below.
rounds = 1 if "--one-round" in sys.argv else 3
db_path = os.path.join(d, "fts5.db")
if os.path.exists(db_path) and not reuse:
    os.remove(db_path)
db = sqlite3.connect(db_path)
if reuse:
    db.execute("PRAGMA query_only=ON")
db.execute("PRAGMA journal_mode=OFF")
db.execute("PRAGMA synchronous=OFF")
started = loaded = built = time.perf_counter()
n = db.execute("SELECT COUNT(*) FROM sqlite_master WHERE name='archives'").fetchone()[0] and db.execute("SELECT COUNT(*) FROM archives").fetchone()[0] if reuse else 0
if not reuse:
  db.execute("CREATE TABLE archives (id INTEGER PRIMARY KEY, region TEXT, record_type TEXT, year INTEGER, station TEXT, title TEXT, text TEXT)")
  db.execute("CREATE VIRTUAL TABLE archives_fts USING fts5(title, text, content='archives', content_rowid='id', tokenize='trigram')")

  rows = []
  started = time.perf_counter()
  n = 0
  with open(os.path.join(d, "corpus.jsonl"), encoding="utf-8") as f:
      for line in f:
          r = json.loads(line)
          rows.append((r["id"], r["region"], r["record_type"], r["year"], r["station"], r["title"], r["text"]))
          if len(rows) == 10000:
              db.executemany("INSERT INTO archives VALUES (?,?,?,?,?,?,?)", rows)
              n += len(rows)
              rows.clear()
  if rows:
      db.executemany("INSERT INTO archives VALUES (?,?,?,?,?,?,?)", rows)
      n += len(rows)
  db.commit()
  loaded = time.perf_counter()
  db.execute("INSERT INTO archives_fts(rowid, title, text) SELECT id, title, text FROM archives")
  db.execute("CREATE INDEX archives_filters ON archives(record_type, year)")
  db.execute("CREATE INDEX archives_region ON archives(region)")
  db.commit()
  built = time.perf_counter()

queries = [json.loads(l) for l in open(os.path.join(d, "queries.jsonl"), encoding="utf-8")]
# `--every=K`: only every K-th labelled query, when the full set is too slow at 1M records
# (K = 7 is coprime with the mix's period of 60, so the subset spreads over its text variants
# and filter combinations).
every = next((int(a.split("=", 1)[1]) for a in sys.argv if a.startswith("--every=")), 1)
queries = queries[::every]

def run(q):
    parts = [p for p in q["text"].split() if p]
    match = " AND ".join('"' + p.replace('"', '""') + '"' for p in parts)
    sql = "SELECT a.id FROM archives_fts JOIN archives a ON a.id = archives_fts.rowid WHERE archives_fts MATCH ?"
    args = [match]
    if q.get("record_type"):
        sql += " AND a.record_type = ?"; args.append(q["record_type"])
    if q.get("year_from") is not None:
        sql += " AND a.year >= ?"; args.append(q["year_from"])
    if q.get("year_to") is not None:
        sql += " AND a.year <= ?"; args.append(q["year_to"])
    if q.get("scope"):
        sql += " AND a.region >= ? AND a.region < ?"; args += [q["scope"], q["scope"] + "~"]
    sql += " ORDER BY bm25(archives_fts) LIMIT 10"
    return [r[0] for r in db.execute(sql, args)]

for q in queries:
    run(q)
lat, precision, judged, empty = [], 0.0, 0, 0
for rnd in range(rounds):
    for q in queries:
        t = time.perf_counter()
        ids = run(q)
        lat.append((time.perf_counter() - t) * 1000)
        if rnd == 0:
            rel = set(q["relevant_ids"])
            den = min(len(rel), 10)
            if den:
                judged += 1
                precision += sum(1 for i in ids if i in rel) / den
            if not ids:
                empty += 1
lat.sort()
pct = lambda p: lat[max(1, min(len(lat), -(-int(p * len(lat)) // 100))) - 1]
print(json.dumps({
    "system": "SQLite %s FTS5 trigram" % sqlite3.sqlite_version,
    "records": n,
    "load_s": loaded - started,
    "index_s": built - loaded,
    "build_records_per_s": n / (built - loaded) if not reuse else None,
    "timed_rounds": rounds,
    "every_kth_query": every,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "db_mb": os.path.getsize(db_path) / 1e6,
    "queries": len(queries),
    "query_p50_ms": pct(50),
    "query_p99_ms": pct(99),
    "precision_at_10": precision / judged if judged else 0,
    "judged_queries": judged,
    "queries_without_hits": empty,
}, ensure_ascii=False))
