"""Reference data: the packaged files hold the seed document's numbers, a broken file is reported
by file, entry and problem (never half-loaded, never a traceback), and ``cityops reference``
shows both to the operator."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import cityops.domain.reference as reference_module
from cityops.cli import main
from cityops.domain.durations import ClockBasis
from cityops.domain.ranking import Indicator
from cityops.domain.reference import (
    DEVICES_FILE,
    EVALUATION_FILE,
    RESOURCES,
    TAXONOMY_FILE,
    UNITS_FILE,
    Reference,
    ReferenceDataError,
    load_reference,
    load_reference_from,
)
from cityops.domain.sla import ClockKind

CITY_CODE = "330100"

# The 13 districts, counties and county-level cities of Hangzhou (2021 administrative codes).
DISTRICTS = {
    "330102": "上城区",
    "330105": "拱墅区",
    "330106": "西湖区",
    "330108": "滨江区",
    "330109": "萧山区",
    "330110": "余杭区",
    "330111": "富阳区",
    "330112": "临安区",
    "330113": "临平区",
    "330114": "钱塘区",
    "330122": "桐庐县",
    "330127": "淳安县",
    "330182": "建德市",
}

# Department types handled by the unit tree itself rather than by a professional department:
# the 街道办事处 (street office) of a case is the street unit the case lies in.
SERVED_BY_STREET_UNITS = {"street_office"}

# Roughly Hangzhou's extent (the loader's own bounds for unit positions).
HANGZHOU_LON = (118.0, 121.5)
HANGZHOU_LAT = (29.0, 31.0)

CJK = re.compile(r"[\u4e00-\u9fff]")

MINUTE = timedelta(minutes=1)
WORKING_HOUR = timedelta(hours=1)  # on a working clock, limits count working hours
WORKING_DAY = 8 * WORKING_HOUR


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference()


# ====================================================================== packaged data: taxonomy


def test_taxonomy_has_12_categories_6_component_and_6_event(ref: Reference) -> None:
    cats = ref.taxonomy.categories
    assert len(cats) == 12
    assert Counter(c.family for c in cats.values()) == {"component": 6, "event": 6}
    assert sorted(cats) == [f"{n:02d}" for n in range(1, 13)]
    assert {c.code for c in cats.values() if c.family == "component"} == {
        "01",
        "02",
        "03",
        "04",
        "05",
        "06",
    }
    assert cats["11"].name_zh == "突发事件"


def test_taxonomy_has_exactly_288_subcategories_each_in_a_category(ref: Reference) -> None:
    tax = ref.taxonomy
    assert len(tax.subcategories) == 288
    for code, sub in tax.subcategories.items():
        assert sub.code == code
        assert len(code) == 4, code
        assert code.startswith(sub.category_code), code
        assert sub.category_code in tax.categories, code
    # every category is used, and the per-category lists add up to 288
    assert sum(len(tax.in_category(c)) for c in tax.categories) == 288
    assert all(tax.in_category(c) for c in tax.categories)


def test_every_subcategory_has_both_names_and_receive_and_resolve_limits(ref: Reference) -> None:
    for code, sub in ref.taxonomy.subcategories.items():
        assert CJK.search(sub.name_zh), f"{code}: name_zh {sub.name_zh!r}"
        assert sub.name_en.strip(), code
        assert not CJK.search(sub.name_en), f"{code}: {sub.name_en!r}"
        assert sub.filing_zh.strip(), code
        assert sub.closing_zh.strip(), code
        assert ClockKind.RECEIVE in sub.limits, code
        assert ClockKind.RESOLVE in sub.limits, code
        assert all(limit > timedelta(0) for limit in sub.limits.values()), code
        assert sub.limits[ClockKind.RECEIVE] <= sub.limits[ClockKind.RESOLVE], code


def test_emergencies_run_on_the_wall_clock_with_the_135_or_103060_norm(ref: Reference) -> None:
    emergencies = ref.taxonomy.in_category("11")
    assert emergencies
    norms = Counter(s.norm for s in emergencies)
    assert set(norms) == {"135", "103060"}, norms
    for sub in emergencies:
        assert sub.clock is ClockBasis.WALL, sub.code
        assert sub.emergency, sub.code
        limits = sub.limits
        if sub.norm == "135":
            # front-line staff: receive in 1 minute, respond in 3, on site in 5
            assert limits[ClockKind.RECEIVE] == 1 * MINUTE, sub.code
            assert limits[ClockKind.RESPOND] == 3 * MINUTE, sub.code
            assert limits[ClockKind.ARRIVE] == 5 * MINUTE, sub.code
        else:
            # professional crews: out in 10 minutes, on site in 30, handled in 60
            assert limits[ClockKind.RESPOND] == 10 * MINUTE, sub.code
            assert limits[ClockKind.ARRIVE] == 30 * MINUTE, sub.code
            assert limits[ClockKind.RESOLVE] == 60 * MINUTE, sub.code
        kinds = [spec.kind for spec in sub.clock_specs()]
        assert kinds == [ClockKind.RECEIVE, ClockKind.RESPOND, ClockKind.ARRIVE, ClockKind.RESOLVE]
        assert all(spec.basis is ClockBasis.WALL for spec in sub.clock_specs())


def test_ordinary_subcategories_run_on_working_hours_without_a_norm(ref: Reference) -> None:
    ordinary = [s for s in ref.taxonomy.subcategories.values() if s.category_code != "11"]
    assert len(ordinary) == 288 - len(ref.taxonomy.in_category("11"))
    for sub in ordinary:
        assert sub.clock is ClockBasis.WORKING, sub.code
        assert not sub.emergency, sub.code
        assert sub.norm == "", sub.code


def _by_name(ref: Reference, name_zh: str) -> Any:
    found = [s for s in ref.taxonomy.subcategories.values() if s.name_zh == name_zh]
    assert len(found) == 1, f"{name_zh}: {[s.code for s in found]}"
    return found[0]


@pytest.mark.parametrize(
    ("name_zh", "resolve"),
    [
        ("暴露垃圾", 4 * WORKING_HOUR),  # exposed garbage: 4 working hours
        ("道路不洁", 2 * WORKING_HOUR),  # dirty road: 2 working hours
        ("绿化缺株死亡", 5 * WORKING_DAY),  # dead or missing greenery: 5 working days
        ("违章搭建", 20 * WORKING_DAY),  # illegal construction, demolition: 20 working days
    ],
)
def test_published_standard_examples_hold(ref: Reference, name_zh: str, resolve: timedelta) -> None:
    sub = _by_name(ref, name_zh)
    assert sub.clock is ClockBasis.WORKING
    assert sub.limits[ClockKind.RESOLVE] == resolve


def test_working_day_is_0830_to_1200_and_1330_to_1800(ref: Reference) -> None:
    periods = [(a.strftime("%H:%M"), b.strftime("%H:%M")) for a, b in ref.taxonomy.working_periods]
    assert periods == [("08:30", "12:00"), ("13:30", "18:00")]


# ====================================================================== packaged data: units


def test_unit_tree_has_exactly_2497_units_on_4_levels(ref: Reference) -> None:
    units = ref.units
    assert len(units.units) == 2497
    levels = Counter(u.level for u in units.units.values())
    assert set(levels) == {"city", "district", "street", "community"}
    assert levels["city"] == 1
    assert levels["district"] == 13
    assert sum(levels.values()) == 2497
    city = units.units[CITY_CODE]
    assert (city.level, city.name_zh, city.parent) == ("city", "杭州市", None)


def test_the_13_districts_have_their_real_codes_and_names(ref: Reference) -> None:
    districts = {d.code: d.name_zh for d in ref.units.districts}
    assert districts == DISTRICTS
    for d in ref.units.districts:
        assert d.parent == CITY_CODE
        assert d.kind in {"district", "county", "county_city"}
    kinds = {d.code: d.kind for d in ref.units.districts}
    assert kinds["330122"] == kinds["330127"] == "county"
    assert kinds["330182"] == "county_city"


def test_streets_nest_in_their_district_and_communities_in_their_street(ref: Reference) -> None:
    units = ref.units.units
    for unit in units.values():
        if unit.level == "street":
            assert units[unit.parent].level == "district", unit.code
            assert len(unit.code) == 9, unit.code
            assert unit.code.startswith(unit.parent), unit.code
            assert ref.units.district_of(unit.code).code == unit.parent
        elif unit.level == "community":
            street = units[unit.parent]
            assert street.level == "street", unit.code
            assert len(unit.code) == 12, unit.code
            assert unit.code.startswith(street.code), unit.code
            assert ref.units.district_of(unit.code).code == street.parent


def test_every_district_has_streets_and_every_street_has_communities(ref: Reference) -> None:
    units, children = ref.units.units, ref.units.children
    for unit in units.values():
        if unit.level in ("district", "street"):
            assert children.get(unit.code), f"{unit.code} {unit.name_zh} has no children"
        for child in children.get(unit.code, ()):
            assert units[child].parent == unit.code


def test_every_unit_has_names_and_lies_in_hangzhou(ref: Reference) -> None:
    for unit in ref.units.units.values():
        assert CJK.search(unit.name_zh), unit.code
        assert unit.name_en.strip(), unit.code
        assert HANGZHOU_LON[0] <= unit.lon <= HANGZHOU_LON[1], unit.code
        assert HANGZHOU_LAT[0] <= unit.lat <= HANGZHOU_LAT[1], unit.code


def test_departments_serve_every_department_type_the_taxonomy_dispatches_to(
    ref: Reference,
) -> None:
    units = ref.units
    used = {s.dept_type for s in ref.taxonomy.subcategories.values()}
    assert used <= set(units.department_types)
    for dept in units.departments.values():
        assert units.units[dept.scope].level in ("city", "district"), dept.code
    for dept_type in sorted(used - SERVED_BY_STREET_UNITS):
        for district in DISTRICTS:
            # a case anywhere in the district (down to a community) finds a department
            community = next(
                c for c, u in units.units.items() if u.level == "community" and c[:6] == district
            )
            for area in (district, community):
                serving = units.departments_for(dept_type, area)
                assert serving, f"no {dept_type} department serves {area}"
                assert all(d.dept_type == dept_type for d in serving)
                assert all(
                    units.units[d.scope].level == "city" or d.scope == district for d in serving
                )
    for dept_type in used & SERVED_BY_STREET_UNITS:
        assert dept_type in units.department_types
        assert all(units.children.get(d) for d in DISTRICTS)


# ====================================================================== packaged data: evaluation


def test_evaluation_has_12_categories_227_items_and_weights_summing_to_1(ref: Reference) -> None:
    ev = ref.evaluation
    assert len(ev.categories) == 12
    assert len(ev.items) == 227
    assert sum(c.weight for c in ev.categories) == pytest.approx(1.0)
    assert set(ev.rules.weights) == set(Indicator)
    assert sum(ev.rules.weights.values()) == pytest.approx(1.0)
    codes = {c.code for c in ev.categories}
    assert Counter(i.category for i in ev.items).keys() == codes  # every category has items
    for item in ev.items:
        assert 0 < item.deduction <= item.max_deduction, item.code
        assert CJK.search(item.name_zh), item.code
        assert item.name_en.strip(), item.code


# ====================================================================== packaged data: devices


def test_exactly_273_led_screens_each_in_a_group_of_its_district(ref: Reference) -> None:
    dev, units = ref.devices, ref.units.units
    assert len(dev.led_screens) == 273
    for screen in dev.led_screens.values():
        group = dev.led_groups[screen.group]
        assert group.district == screen.district, screen.id
        assert units[screen.street].parent == screen.district, screen.id
        assert HANGZHOU_LON[0] <= screen.lon <= HANGZHOU_LON[1], screen.id
        assert HANGZHOU_LAT[0] <= screen.lat <= HANGZHOU_LAT[1], screen.id


def test_every_lighting_circuit_is_in_exactly_one_district_group(ref: Reference) -> None:
    dev = ref.devices
    circuits = dev.circuits
    assert circuits
    assert dev.lamp_count > 0
    # the district groups: one per district and kind (LG-<district>-street / -landscape); the
    # themed groups (West Lake, Grand Canal …) are extra switches over some of the same circuits
    district_groups = [
        g for g in dev.lighting_groups.values() if g.code == f"LG-{g.district}-{g.kind}"
    ]
    assert {g.district for g in district_groups} == set(DISTRICTS)
    membership = Counter(c for g in district_groups for c in g.circuits)
    assert set(membership) == set(circuits)
    assert {c: n for c, n in membership.items() if n != 1} == {}
    for group in district_groups:
        for cid in group.circuits:
            circuit = circuits[cid]
            assert circuit.kind == group.kind, cid
            assert dev.cabinets[circuit.cabinet].district == group.district, cid
    covered = set(membership)
    for group in dev.lighting_groups.values():
        assert set(group.circuits) <= covered, group.code


# ====================================================================== broken copies


def _copy(tmp_path: Path) -> Path:
    directory = tmp_path / "resources"
    shutil.copytree(RESOURCES, directory)
    return directory


def _edit_text(
    directory: Path, name: str, old: str, new: str, *, within: str | None = None
) -> None:
    """Replace the first ``old`` (inside the TOML table that holds ``within``, if given)."""
    path = directory / name
    text = path.read_text(encoding="utf-8")
    start, end = 0, len(text)
    if within is not None:
        start = text.index(within)
        following = text.find("\n[", start)
        end = following if following != -1 else len(text)
    at = text.find(old, start, end)
    assert at != -1, f"{old!r} not found in {name} (the breakage would not break anything)"
    path.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")


def _edit_json(directory: Path, name: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = directory / name
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def _entry(entries: list[dict[str, Any]], key: str, value: str) -> dict[str, Any]:
    return next(e for e in entries if e.get(key) == value)


def _drop(entries: list[dict[str, Any]], key: str, value: str) -> None:
    entries.remove(_entry(entries, key, value))


def _set(section: str, key: str, code: str, field: str, value: Any) -> Callable[[Any], None]:
    def change(data: dict[str, Any]) -> None:
        _entry(data[section], key, code)[field] = value

    return change


Breakage = Callable[[Path], None]

SUB_0101 = 'code = "0101"'

BREAKAGES = [
    # ---------------------------------------------------------------- taxonomy.toml
    pytest.param(
        lambda d: _edit_text(d, TAXONOMY_FILE, '"water_supply"', '"gaz"', within=SUB_0101),
        TAXONOMY_FILE,
        "subcategory 0101",
        ["'gaz'", "department type"],
        id="taxonomy-unknown-dept-type",
    ),
    pytest.param(
        lambda d: _edit_text(
            d, TAXONOMY_FILE, 'resolve = "4h"', 'resolve = "4 hours"', within=SUB_0101
        ),
        TAXONOMY_FILE,
        "subcategory 0101",
        ["'4 hours'"],
        id="taxonomy-bad-limit-string",
    ),
    pytest.param(
        lambda d: _edit_text(d, TAXONOMY_FILE, ', resolve = "4h"', "", within=SUB_0101),
        TAXONOMY_FILE,
        "subcategory 0101",
        ["'resolve'"],
        id="taxonomy-missing-resolve-limit",
    ),
    pytest.param(
        lambda d: _edit_text(
            d, TAXONOMY_FILE, 'norm = "103060"', 'norm = ""', within='code = "1101"'
        ),
        TAXONOMY_FILE,
        "subcategory 1101",
        ["wall", "norm"],
        id="taxonomy-wall-clock-without-norm",
    ),
    pytest.param(
        lambda d: _edit_text(
            d, TAXONOMY_FILE, 'clock = "working"', 'clock = "sundial"', within=SUB_0101
        ),
        TAXONOMY_FILE,
        "subcategory 0101",
        ["'sundial'"],
        id="taxonomy-unknown-clock",
    ),
    pytest.param(
        lambda d: _edit_text(
            d, TAXONOMY_FILE, 'category = "01"', 'category = "99"', within=SUB_0101
        ),
        TAXONOMY_FILE,
        "subcategory 0101",
        ["'99'", "does not exist"],
        id="taxonomy-unknown-category",
    ),
    pytest.param(
        lambda d: _edit_text(d, TAXONOMY_FILE, 'code = "0102"', 'code = "0101"'),
        TAXONOMY_FILE,
        "subcategory 0101",
        ["more than once"],
        id="taxonomy-duplicate-subcategory-code",
    ),
    pytest.param(
        lambda d: _edit_text(d, TAXONOMY_FILE, "[meta]", "[meta"),
        TAXONOMY_FILE,
        "file",
        ["not valid TOML"],
        id="taxonomy-broken-toml-syntax",
    ),
    pytest.param(
        lambda d: (d / TAXONOMY_FILE).unlink(),
        TAXONOMY_FILE,
        "file",
        ["not found"],
        id="taxonomy-missing-file",
    ),
    pytest.param(
        lambda d: _edit_text(
            d,
            TAXONOMY_FILE,
            'periods = ["08:30-12:00", "13:30-18:00"]',
            'periods = ["09:00-12:00", "13:00-17:00"]',
        ),
        TAXONOMY_FILE,
        "working_hours",
        ["7 h", "8 h"],
        id="taxonomy-working-day-not-8-hours",
    ),
    pytest.param(
        lambda d: _edit_text(
            d, TAXONOMY_FILE, 'respond = "10m"', 'respond = "10h"', within='code = "1101"'
        ),
        TAXONOMY_FILE,
        "subcategory 1101",
        ["'arrive' (30m)", "'respond' (10h)", "receive ≤ respond ≤ arrive ≤ resolve"],
        id="taxonomy-respond-limit-longer-than-arrive",
    ),
    pytest.param(
        lambda d: _edit_text(
            d, TAXONOMY_FILE, 'receive = "30m"', 'receive = "5h"', within=SUB_0101
        ),
        TAXONOMY_FILE,
        "subcategory 0101",
        ["'resolve' (4h)", "'receive' (5h)"],
        id="taxonomy-receive-limit-longer-than-resolve",
    ),
    # ---------------------------------------------------------------- units.json
    pytest.param(
        lambda d: _edit_json(d, UNITS_FILE, lambda j: _drop(j["units"], "code", "330102001")),
        UNITS_FILE,
        "unit 330102001001",
        ["'330102001'", "parent"],
        id="units-parent-missing",
    ),
    pytest.param(
        lambda d: _edit_json(
            d, UNITS_FILE, _set("units", "code", "330102003007", "parent", "330102001")
        ),
        UNITS_FILE,
        "unit 330102003007",
        ["330102001", "does not start with"],
        id="units-community-not-nested-in-street",
    ),
    pytest.param(
        lambda d: _edit_json(d, UNITS_FILE, _set("units", "code", "330106", "lon", 116.4)),
        UNITS_FILE,
        "unit 330106",
        ["116.4", "not in Hangzhou"],
        id="units-position-outside-hangzhou",
    ),
    pytest.param(
        lambda d: _edit_json(
            d, UNITS_FILE, _set("units", "code", "330102001", "level", "community")
        ),
        UNITS_FILE,
        "unit 330102001",
        ["community", "district"],
        id="units-level-skipped",
    ),
    pytest.param(
        lambda d: _edit_json(
            d,
            UNITS_FILE,
            _set("departments", "code", "DEP-330100-gas", "dept_type", "gaz"),
        ),
        UNITS_FILE,
        "department DEP-330100-gas",
        ["'gaz'"],
        id="units-department-of-unknown-type",
    ),
    pytest.param(
        lambda d: _edit_json(
            d, UNITS_FILE, _set("units", "code", "330102001001", "code", "3301020017")
        ),
        UNITS_FILE,
        "unit 3301020017",
        ["community", "12 digits"],
        id="units-community-code-too-short",
    ),
    pytest.param(
        lambda d: _edit_json(
            d,
            UNITS_FILE,
            lambda j: j["units"].append(
                {**_entry(j["units"], "code", "330102001"), "code": "3301020999"}
            ),
        ),
        UNITS_FILE,
        "unit 3301020999",
        ["street", "9 digits"],
        id="units-street-code-too-long",
    ),
    pytest.param(
        lambda d: _edit_json(
            d,
            UNITS_FILE,
            lambda j: j["units"].insert(
                1, {**_entry(j["units"], "code", "330102"), "code": "110101", "name_zh": "东城区"}
            ),
        ),
        UNITS_FILE,
        "unit 110101",
        ["3301", "330100"],
        id="units-district-outside-the-city",
    ),
    pytest.param(
        lambda d: (d / UNITS_FILE).write_text('{"units": [', encoding="utf-8"),
        UNITS_FILE,
        "file",
        ["not valid JSON"],
        id="units-invalid-json",
    ),
    # ---------------------------------------------------------------- evaluation.toml
    pytest.param(
        lambda d: _edit_text(
            d, EVALUATION_FILE, "deduction = 1.0", "deduction = 25.0", within='code = "E01-001"'
        ),
        EVALUATION_FILE,
        "item E01-001",
        ["25", "max_deduction 20"],
        id="evaluation-deduction-above-cap",
    ),
    pytest.param(
        lambda d: _edit_text(d, EVALUATION_FILE, "on_time_filing = 0.15", "on_time_filing = 0.25"),
        EVALUATION_FILE,
        "ranking",
        ["must sum to 1", "1.1"],
        id="evaluation-weights-not-summing-to-1",
    ),
    pytest.param(
        lambda d: _edit_text(
            d, EVALUATION_FILE, 'category = "E01"', 'category = "E99"', within='code = "E01-001"'
        ),
        EVALUATION_FILE,
        "item E01-001",
        ["'E99'", "does not exist"],
        id="evaluation-item-in-unknown-category",
    ),
    pytest.param(
        lambda d: (d / EVALUATION_FILE).unlink(),
        EVALUATION_FILE,
        "file",
        ["not found"],
        id="evaluation-missing-file",
    ),
    # ---------------------------------------------------------------- devices.json
    pytest.param(
        lambda d: _edit_json(
            d, DEVICES_FILE, _set("led_screens", "id", "LED-0001", "group", "LEDG-999999-01")
        ),
        DEVICES_FILE,
        "LED screen LED-0001",
        ["'LEDG-999999-01'"],
        id="devices-led-screen-in-unknown-group",
    ),
    pytest.param(
        lambda d: _edit_json(
            d,
            DEVICES_FILE,
            lambda j: _entry(j["lighting_groups"], "code", "LG-330102-street")["circuits"].append(
                "LC-330102-999-C9"
            ),
        ),
        DEVICES_FILE,
        "lighting group LG-330102-street",
        ["LC-330102-999-C9"],
        id="devices-lighting-group-unknown-circuit",
    ),
    pytest.param(
        lambda d: _edit_json(
            d, DEVICES_FILE, _set("led_screens", "id", "LED-0001", "street", "330102")
        ),
        DEVICES_FILE,
        "LED screen LED-0001",
        ["'330102'", "street"],
        id="devices-led-screen-street-not-a-street",
    ),
    pytest.param(
        lambda d: _edit_json(
            d, DEVICES_FILE, _set("led_screens", "id", "LED-0001", "street", "330105002")
        ),
        DEVICES_FILE,
        "LED screen LED-0001",
        ["'330105002'", "'330102'", "not in its district"],
        id="devices-led-screen-street-in-another-district",
    ),
    pytest.param(
        lambda d: _edit_json(
            d, DEVICES_FILE, _set("lighting_cabinets", "id", "LC-330102-001", "street", "330105002")
        ),
        DEVICES_FILE,
        "cabinet LC-330102-001",
        ["'330105002'", "'330102'", "not in its district"],
        id="devices-cabinet-street-in-another-district",
    ),
    pytest.param(
        lambda d: _edit_json(
            d,
            DEVICES_FILE,
            _set("lighting_groups", "code", "LG-330102-street", "district", "330102001001"),
        ),
        DEVICES_FILE,
        "lighting group LG-330102-street",
        ["'330102001001'", "not a district"],
        id="devices-lighting-group-district-is-a-community",
    ),
    pytest.param(
        lambda d: (d / DEVICES_FILE).write_text("{'led_groups': []}", encoding="utf-8"),
        DEVICES_FILE,
        "file",
        ["not valid JSON"],
        id="devices-invalid-json",
    ),
    # ---------------------------------------------------------------- known loader gaps
    # These escape today as a bare ValueError / UnicodeDecodeError / AttributeError, so
    # `cityops reference` prints a traceback instead of "file: entry: problem" (see the report
    # on reference.py). xfail is strict: once the loader is fixed, drop the marks.
    pytest.param(
        lambda d: _edit_text(d, EVALUATION_FILE, "weight = 0.12", "weight = -0.12"),
        EVALUATION_FILE,
        "category E01",
        ["-0.12"],
        id="evaluation-negative-category-weight",
    ),
    pytest.param(
        lambda d: (d / UNITS_FILE).write_bytes(
            (RESOURCES / UNITS_FILE).read_text(encoding="utf-8").encode("gbk")
        ),
        UNITS_FILE,
        "file",
        ["UTF-8"],
        id="units-saved-as-gbk",
    ),
    pytest.param(
        lambda d: _edit_json(
            d,
            DEVICES_FILE,
            lambda j: j["lighting_cabinets"][0]["circuits"].__setitem__(0, "C1"),
        ),
        DEVICES_FILE,
        "cabinet LC-330102-001 circuit #1",
        ["expected a table"],
        id="devices-circuit-not-an-object",
    ),
]


@pytest.mark.parametrize(("breakage", "file", "entry", "fragments"), BREAKAGES)
def test_a_broken_file_is_reported_by_file_entry_and_problem(
    tmp_path: Path, breakage: Breakage, file: str, entry: str, fragments: list[str]
) -> None:
    directory = _copy(tmp_path)
    load_reference_from(directory)  # the untouched copy loads: the breakage below is the cause
    breakage(directory)
    with pytest.raises(ReferenceDataError) as caught:
        load_reference_from(directory)
    error = caught.value
    assert error.file == file
    assert error.entry == entry
    for fragment in fragments:
        assert fragment in error.problem, f"{fragment!r} not in {error.problem!r}"
    assert str(error) == f"{file}: {entry}: {error.problem}"


def test_error_text_reads_file_entry_problem() -> None:
    error = ReferenceDataError("taxonomy.toml", "subcategory 0101", "dept 'gaz' is wrong")
    assert str(error) == "taxonomy.toml: subcategory 0101: dept 'gaz' is wrong"
    assert isinstance(error, ValueError)
    assert (error.file, error.entry, error.problem) == (
        "taxonomy.toml",
        "subcategory 0101",
        "dept 'gaz' is wrong",
    )


# ====================================================================== the CLI


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    load_reference.cache_clear()
    yield
    load_reference.cache_clear()


def test_cli_reference_prints_the_counts(
    capsys: pytest.CaptureFixture[str], fresh_cache: None
) -> None:
    assert main(["reference"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    for expected in (
        "12 categories, 288 subcategories",
        "2497 on 4 levels",
        "districts 13",
        "12 categories, 227 items",
        "273 LED screens",
    ):
        assert expected in out, f"{expected!r} not in:\n{out}"


def test_cli_reference_names_the_broken_file_and_entry(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fresh_cache: None,
) -> None:
    directory = _copy(tmp_path)
    _edit_text(directory, TAXONOMY_FILE, '"water_supply"', '"gaz"', within=SUB_0101)
    monkeypatch.setattr(reference_module, "RESOURCES", directory)
    load_reference.cache_clear()
    assert main(["reference"]) == 1
    out, err = capsys.readouterr()
    assert out == ""  # nothing half-printed
    assert "taxonomy.toml: subcategory 0101: dept 'gaz'" in err
