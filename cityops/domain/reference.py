"""The city's reference data, loaded from ``cityops/resources`` and validated on load.

Offers ``load_reference()`` (cached for the packaged files) and the typed records the rest of the
system reads: the case taxonomy (12 categories / 288 subcategories with time limits), the unit
tree (city → 13 districts → streets → communities, 2,497 units) with professional departments,
the evaluation standard (12 categories / 227 items) as ``RankingRules``, and the LED screens and
lighting of the "one picture" / "one switch" systems.

A broken file never half-loads: ``ReferenceDataError`` names the file, the entry and what is
wrong, so whoever edited it can fix it without reading code.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from cityops.domain.durations import WORKING_DAY_HOURS, ClockBasis, parse_limit
from cityops.domain.ranking import CategoryRule, Indicator, ItemRule, RankingRules
from cityops.domain.sla import ClockKind, ClockSpec
from cityops.domain.work_calendar import WorkCalendar

RESOURCES = Path(__file__).resolve().parent.parent / "resources"

TAXONOMY_FILE = "taxonomy.toml"
UNITS_FILE = "units.json"
EVALUATION_FILE = "evaluation.toml"
DEVICES_FILE = "devices.json"

_T = TypeVar("_T")


class ReferenceDataError(ValueError):
    """A reference file is unreadable or inconsistent. ``str()`` reads
    ``taxonomy.toml: subcategory 0101: dept 'gaz' is not a department type``."""

    def __init__(self, file: str, entry: str, problem: str) -> None:
        self.file, self.entry, self.problem = file, entry, problem
        super().__init__(f"{file}: {entry}: {problem}")


class _Entry:
    """Reads one entry (a TOML table or JSON object) of a file, raising errors that name both."""

    def __init__(self, file: str, label: str, raw: Any) -> None:
        self.file, self.label = file, label
        if not isinstance(raw, dict):
            raise ReferenceDataError(file, label, f"expected a table, got {type(raw).__name__}")
        self.raw: dict[str, Any] = raw

    def fail(self, problem: str) -> ReferenceDataError:
        return ReferenceDataError(self.file, self.label, problem)

    def get(self, key: str, kind: type[_T], default: _T | None = None) -> _T:
        value = self.raw.get(key, default)
        if value is None:
            raise self.fail(f"missing '{key}'")
        # JSON/TOML integers are acceptable where a float is asked for; bools are not numbers.
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise self.fail(f"'{key}' must be {kind.__name__}, got {value!r}")
        if isinstance(value, str) and not value.strip() and default is None:
            raise self.fail(f"'{key}' is empty")
        return value

    def optional(self, key: str, kind: type[_T]) -> _T | None:
        return None if self.raw.get(key) is None else self.get(key, kind)


def _read_toml(directory: Path, name: str) -> dict[str, Any]:
    try:
        with (directory / name).open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ReferenceDataError(name, "file", f"not found in {directory}") from None
    except OSError as exc:
        raise ReferenceDataError(name, "file", f"cannot be read: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ReferenceDataError(name, "file", f"not UTF-8 text: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ReferenceDataError(name, "file", f"not valid TOML: {exc}") from None


def _read_json(directory: Path, name: str) -> dict[str, Any]:
    try:
        data = json.loads((directory / name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReferenceDataError(name, "file", f"not found in {directory}") from None
    except OSError as exc:
        raise ReferenceDataError(name, "file", f"cannot be read: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ReferenceDataError(name, "file", f"not UTF-8 text: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ReferenceDataError(name, "file", f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ReferenceDataError(name, "file", "top level must be an object")
    return data


def _entries(file: str, data: Mapping[str, Any], key: str, label: str) -> list[_Entry]:
    raw = data.get(key)
    if not isinstance(raw, list) or not raw:
        raise ReferenceDataError(file, key, "missing or empty list")
    out = []
    for i, item in enumerate(raw):
        name = item.get("code") or item.get("id") if isinstance(item, dict) else None
        out.append(_Entry(file, f"{label} {name}" if name else f"{label} #{i + 1}", item))
    return out


def _unique(file: str, label: str, codes: Iterable[str]) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise ReferenceDataError(file, f"{label} {code}", "code appears more than once")
        seen.add(code)


# ------------------------------------------------------------------ taxonomy


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    family: str  # "component" (部件) | "event" (事件)
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Subcategory:
    code: str
    category_code: str
    name_zh: str
    name_en: str
    clock: ClockBasis
    norm: str  # "" | "135" | "103060"
    dept_type: str
    accuracy: str | None  # A / B / C for components
    filing_zh: str
    closing_zh: str
    limits: Mapping[ClockKind, timedelta]

    @property
    def emergency(self) -> bool:
        return self.clock is ClockBasis.WALL

    def clock_specs(self) -> tuple[ClockSpec, ...]:
        """The SLA clocks a case of this subcategory runs, in lifecycle order."""
        return tuple(
            ClockSpec(kind=k, basis=self.clock, limit=self.limits[k])
            for k in ClockKind
            if k in self.limits
        )


@dataclass(frozen=True, slots=True)
class Taxonomy:
    name_zh: str
    version: str
    working_periods: tuple[tuple[time, time], ...]
    categories: Mapping[str, Category]
    subcategories: Mapping[str, Subcategory]

    def calendar(self) -> WorkCalendar:
        """The working calendar of this standard's working hours (China's holidays included)."""
        return WorkCalendar(self.working_periods)

    def in_category(self, category_code: str) -> tuple[Subcategory, ...]:
        return tuple(s for s in self.subcategories.values() if s.category_code == category_code)


_FAMILIES = ("component", "event")
_NORMS = {"": None, "135": ClockBasis.WALL, "103060": ClockBasis.WALL}


def _parse_period(file: str, text: Any) -> tuple[time, time]:
    try:
        start, end = (time.fromisoformat(p.strip()) for p in str(text).split("-"))
    except ValueError:
        raise ReferenceDataError(
            file, "working_hours", f"period {text!r} is not HH:MM-HH:MM"
        ) from None
    if end <= start:
        raise ReferenceDataError(file, "working_hours", f"period {text!r} ends before it starts")
    return start, end


def _length(start: time, end: time) -> timedelta:
    return datetime.combine(date.min, end) - datetime.combine(date.min, start)


def load_taxonomy(directory: Path, dept_types: frozenset[str]) -> Taxonomy:
    f = TAXONOMY_FILE
    data = _read_toml(directory, f)
    meta = _Entry(f, "meta", data.get("meta"))
    periods_raw = _Entry(f, "working_hours", data.get("working_hours")).get("periods", list)
    periods = tuple(sorted(_parse_period(f, p) for p in periods_raw))
    for (_, end), (start, _) in zip(periods, periods[1:], strict=False):
        if start < end:
            raise ReferenceDataError(f, "working_hours", "periods overlap")
    # A "5d" limit is converted with WORKING_DAY_HOURS per day (durations.parse_limit) while the
    # clocks count the working time of these periods: they must agree, or "1d" would not be one
    # working day.
    day = sum((_length(a, b) for a, b in periods), timedelta())
    if day != timedelta(hours=WORKING_DAY_HOURS):
        hours = day.total_seconds() / 3600
        raise ReferenceDataError(
            f,
            "working_hours",
            f"periods add up to {hours:g} h a day, but a working day counts "
            f"{WORKING_DAY_HOURS} h (durations.WORKING_DAY_HOURS)",
        )

    categories: dict[str, Category] = {}
    for e in _entries(f, data, "category", "category"):
        cat = Category(
            code=e.get("code", str),
            family=e.get("family", str),
            name_zh=e.get("name_zh", str),
            name_en=e.get("name_en", str),
        )
        if cat.family not in _FAMILIES:
            raise e.fail(f"family {cat.family!r} is not one of {', '.join(_FAMILIES)}")
        if cat.code in categories:
            raise e.fail("code appears more than once")
        categories[cat.code] = cat

    subcategories: dict[str, Subcategory] = {}
    for e in _entries(f, data, "subcategory", "subcategory"):
        code, cat_code = e.get("code", str), e.get("category", str)
        if cat_code not in categories:
            raise e.fail(f"category {cat_code!r} does not exist")
        if not code.startswith(cat_code):
            raise e.fail(f"code does not start with its category code {cat_code!r}")
        if code in subcategories:
            raise e.fail("code appears more than once")
        try:
            clock = ClockBasis(e.get("clock", str))
        except ValueError:
            raise e.fail(f"clock {e.raw.get('clock')!r} is not 'working' or 'wall'") from None
        norm = e.get("norm", str, default="")
        if norm not in _NORMS:
            raise e.fail(f"norm {norm!r} is not '', '135' or '103060'")
        if (norm != "") != (clock is ClockBasis.WALL):
            raise e.fail("wall-clock limits go with an emergency norm ('135' or '103060') only")
        dept = e.get("dept", str)
        if dept not in dept_types:
            raise e.fail(f"dept {dept!r} is not a department type of {UNITS_FILE}")
        accuracy = e.optional("accuracy", str)
        family = categories[cat_code].family
        if accuracy is not None and (family != "component" or accuracy not in ("A", "B", "C")):
            raise e.fail(f"accuracy {accuracy!r}: only components take class A, B or C")
        limits_raw = e.get("limits", dict)
        limits: dict[ClockKind, timedelta] = {}
        for name, text in limits_raw.items():
            try:
                kind = ClockKind(name)
            except ValueError:
                kinds = [k.value for k in ClockKind]
                raise e.fail(f"limit {name!r} is not one of {kinds}") from None
            try:
                limits[kind] = parse_limit(str(text), clock)
            except ValueError as exc:
                raise e.fail(str(exc)) from None
        for needed in (ClockKind.RECEIVE, ClockKind.RESOLVE):
            if needed not in limits:
                raise e.fail(f"limits lack '{needed.value}'")
        # Milestones come in order (sign for it, move out, arrive, resolve), so a later clock
        # cannot have a shorter limit than an earlier one.
        present = [k for k in ClockKind if k in limits]
        for earlier, later in zip(present, present[1:], strict=False):
            if limits[later] < limits[earlier]:
                raise e.fail(
                    f"limit '{later.value}' ({limits_raw[later.value]}) is shorter than "
                    f"'{earlier.value}' ({limits_raw[earlier.value]}); limits must run "
                    "receive ≤ respond ≤ arrive ≤ resolve"
                )
        subcategories[code] = Subcategory(
            code=code,
            category_code=cat_code,
            name_zh=e.get("name_zh", str),
            name_en=e.get("name_en", str),
            clock=clock,
            norm=norm,
            dept_type=dept,
            accuracy=accuracy,
            filing_zh=e.get("filing_zh", str),
            closing_zh=e.get("closing_zh", str),
            limits=limits,
        )
    for cat in categories.values():
        if not any(s.category_code == cat.code for s in subcategories.values()):
            raise ReferenceDataError(f, f"category {cat.code}", "has no subcategories")
    return Taxonomy(
        name_zh=meta.get("name_zh", str),
        version=meta.get("version", str),
        working_periods=periods,
        categories=categories,
        subcategories=subcategories,
    )


# ------------------------------------------------------------------ units


LEVELS = ("city", "district", "street", "community")
#: Length of a unit code per level (administrative division codes: 6 digits for the city and
#: its districts, 9 for streets, 12 for communities).
CODE_LENGTHS = {"city": 6, "district": 6, "street": 9, "community": 12}
#: A district's code shares the first 4 digits (province + city) with its city's code.
CITY_PREFIX_LENGTH = 4


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    level: str
    name_zh: str
    name_en: str
    parent: str | None
    lon: float
    lat: float
    kind: str | None = None  # districts: district / county / county_city


@dataclass(frozen=True, slots=True)
class DepartmentType:
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Department:
    code: str
    name_zh: str
    name_en: str
    dept_type: str
    scope: str  # unit code served


@dataclass(frozen=True, slots=True)
class Units:
    units: Mapping[str, Unit]
    department_types: Mapping[str, DepartmentType]
    departments: Mapping[str, Department]
    children: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def at_level(self, level: str) -> tuple[Unit, ...]:
        return tuple(u for u in self.units.values() if u.level == level)

    @property
    def districts(self) -> tuple[Unit, ...]:
        return self.at_level("district")

    def district_of(self, code: str) -> Unit:
        """The district a unit lies in (unit codes nest by prefix)."""
        return self.units[code[:6]]

    def departments_for(self, dept_type: str, area_code: str) -> tuple[Department, ...]:
        """Departments of a type serving an area, the nearest (district) first, then the city."""
        found = [
            d
            for d in self.departments.values()
            if d.dept_type == dept_type and area_code.startswith(d.scope[:6])
        ]
        city = [d for d in self.departments.values() if d.dept_type == dept_type]
        ordered = sorted(found, key=lambda d: -len(d.scope)) + [
            d for d in city if d not in found and self.units[d.scope].level == "city"
        ]
        return tuple(ordered)


def load_units(directory: Path) -> Units:
    f = UNITS_FILE
    data = _read_json(directory, f)
    types: dict[str, DepartmentType] = {}
    for e in _entries(f, data, "department_types", "department type"):
        t = DepartmentType(e.get("code", str), e.get("name_zh", str), e.get("name_en", str))
        types[t.code] = t
    _unique(
        f,
        "department type",
        (e.raw.get("code", "") for e in _entries(f, data, "department_types", "t")),
    )

    units: dict[str, Unit] = {}
    children: dict[str, list[str]] = {}
    for e in _entries(f, data, "units", "unit"):
        code, level = e.get("code", str), e.get("level", str)
        if level not in LEVELS:
            raise e.fail(f"level {level!r} is not one of {', '.join(LEVELS)}")
        if code in units:
            raise e.fail("code appears more than once")
        parent = e.optional("parent", str)
        if level == "city":
            if parent is not None:
                raise e.fail("the city has no parent")
        else:
            if parent is None or parent not in units:
                raise e.fail(f"parent {parent!r} is not listed before it")
            if LEVELS.index(units[parent].level) != LEVELS.index(level) - 1:
                raise e.fail(f"a {level} cannot sit under a {units[parent].level}")
            if level != "district" and not code.startswith(parent):
                raise e.fail(f"code does not start with its parent's code {parent}")
            prefix = parent[:CITY_PREFIX_LENGTH]
            if level == "district" and not code.startswith(prefix):
                raise e.fail(f"code does not start with {prefix}, the prefix of its city {parent}")
        if len(code) != CODE_LENGTHS[level] or not code.isdigit():
            raise e.fail(f"a {level} code has {CODE_LENGTHS[level]} digits, got {code!r}")
        if parent is not None:
            children.setdefault(parent, []).append(code)
        lon, lat = e.get("lon", float), e.get("lat", float)
        if not (118.0 <= lon <= 121.5 and 29.0 <= lat <= 31.0):
            raise e.fail(f"position {lon},{lat} is not in Hangzhou")
        units[code] = Unit(
            code=code,
            level=level,
            name_zh=e.get("name_zh", str),
            name_en=e.get("name_en", str),
            parent=parent,
            lon=lon,
            lat=lat,
            kind=e.optional("kind", str),
        )

    departments: dict[str, Department] = {}
    for e in _entries(f, data, "departments", "department"):
        dep = Department(
            code=e.get("code", str),
            name_zh=e.get("name_zh", str),
            name_en=e.get("name_en", str),
            dept_type=e.get("dept_type", str),
            scope=e.get("scope", str),
        )
        if dep.dept_type not in types:
            raise e.fail(f"dept_type {dep.dept_type!r} is not a department type")
        if dep.scope not in units:
            raise e.fail(f"scope {dep.scope!r} is not a unit")
        if dep.code in departments or dep.code in units:
            raise e.fail("code appears more than once")
        departments[dep.code] = dep
    return Units(
        units=units,
        department_types=types,
        departments=departments,
        children={k: tuple(v) for k, v in children.items()},
    )


# ------------------------------------------------------------------ evaluation standard


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The evaluation standard: names and version for reports, ``rules`` for the ranking."""

    name_zh: str
    version: str
    rules: RankingRules

    @property
    def categories(self) -> Sequence[CategoryRule]:
        return self.rules.categories

    @property
    def items(self) -> Sequence[ItemRule]:
        return self.rules.items


def load_evaluation(directory: Path) -> Evaluation:
    f = EVALUATION_FILE
    data = _read_toml(directory, f)
    meta = _Entry(f, "meta", data.get("meta"))
    ranking = _Entry(f, "ranking", data.get("ranking"))
    weights: dict[str, float] = {}
    for name, value in ranking.get("weights", dict).items():
        if name not in set(Indicator) or not isinstance(value, int | float):
            raise ranking.fail(f"weight {name}={value!r} is not an indicator with a number")
        weights[name] = float(value)
    categories = []
    for e in _entries(f, data, "category", "category"):
        try:
            categories.append(
                CategoryRule(
                    code=e.get("code", str),
                    weight=e.get("weight", float),
                    base_score=e.get("base_score", float),
                    name_zh=e.get("name_zh", str),
                    name_en=e.get("name_en", str),
                )
            )
        except ValueError as exc:  # negative weight, base_score outside (0, 100] …
            raise e.fail(str(exc)) from None
    category_codes = {c.code for c in categories}
    items = []
    for e in _entries(f, data, "item", "item"):
        cat = e.get("category", str)
        if cat not in category_codes:
            raise e.fail(f"category {cat!r} does not exist")
        deduction, cap = e.get("deduction", float), e.get("max_deduction", float)
        if not deduction > 0 or not cap >= deduction:  # also rejects nan
            raise e.fail(f"deduction {deduction} must be > 0 and ≤ max_deduction {cap}")
        items.append(
            ItemRule(
                code=e.get("code", str),
                category=cat,
                deduction=deduction,
                max_deduction=cap,
                name_zh=e.get("name_zh", str),
                name_en=e.get("name_en", str),
            )
        )
    try:
        rules = RankingRules(
            weights=weights,
            red_list_size=ranking.get("red_list_size", int),
            black_list_size=ranking.get("black_list_size", int),
            categories=categories,
            items=items,
        )
    except ValueError as exc:
        # RankingRules names the inconsistency (weights not summing to 1, duplicate codes …).
        raise ranking.fail(str(exc)) from None
    return Evaluation(
        name_zh=meta.get("name_zh", str), version=meta.get("version", str), rules=rules
    )


# ------------------------------------------------------------------ devices


@dataclass(frozen=True, slots=True)
class LedGroup:
    code: str
    name_zh: str
    district: str


@dataclass(frozen=True, slots=True)
class LedScreen:
    id: str
    name_zh: str
    group: str
    district: str
    street: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class Circuit:
    id: str
    cabinet: str
    kind: str  # street / landscape
    lamps: int


@dataclass(frozen=True, slots=True)
class LightingCabinet:
    id: str
    district: str
    street: str
    lon: float
    lat: float
    circuits: tuple[Circuit, ...]


@dataclass(frozen=True, slots=True)
class LightingGroup:
    code: str
    name_zh: str
    kind: str
    district: str | None
    circuits: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Devices:
    led_groups: Mapping[str, LedGroup]
    led_screens: Mapping[str, LedScreen]
    cabinets: Mapping[str, LightingCabinet]
    lighting_groups: Mapping[str, LightingGroup]

    @property
    def circuits(self) -> Mapping[str, Circuit]:
        return {c.id: c for cab in self.cabinets.values() for c in cab.circuits}

    @property
    def lamp_count(self) -> int:
        return sum(c.lamps for cab in self.cabinets.values() for c in cab.circuits)


def load_devices(directory: Path, units: Units) -> Devices:
    f = DEVICES_FILE
    data = _read_json(directory, f)

    def unit_ref(e: _Entry, key: str, level: str) -> str:
        code = e.get(key, str)
        if code not in units.units or units.units[code].level != level:
            raise e.fail(f"{key} {code!r} is not a {level} of {UNITS_FILE}")
        return code

    def street_in(e: _Entry, district: str) -> str:
        street = unit_ref(e, "street", "street")
        if not street.startswith(district):
            raise e.fail(f"street {street!r} is not in its district {district!r}")
        return street

    groups: dict[str, LedGroup] = {}
    for e in _entries(f, data, "led_groups", "LED group"):
        g = LedGroup(e.get("code", str), e.get("name_zh", str), unit_ref(e, "district", "district"))
        if g.code in groups:
            raise e.fail("code appears more than once")
        groups[g.code] = g
    screens: dict[str, LedScreen] = {}
    for e in _entries(f, data, "led_screens", "LED screen"):
        district = unit_ref(e, "district", "district")
        s = LedScreen(
            id=e.get("id", str),
            name_zh=e.get("name_zh", str),
            group=e.get("group", str),
            district=district,
            street=street_in(e, district),
            lon=e.get("lon", float),
            lat=e.get("lat", float),
        )
        if s.group not in groups:
            raise e.fail(f"group {s.group!r} is not an LED group")
        if s.id in screens:
            raise e.fail("id appears more than once")
        screens[s.id] = s
    cabinets: dict[str, LightingCabinet] = {}
    circuit_ids: set[str] = set()
    for e in _entries(f, data, "lighting_cabinets", "cabinet"):
        cab_id = e.get("id", str)
        circuits = []
        for i, c in enumerate(e.get("circuits", list)):
            cid = c.get("id") if isinstance(c, dict) else None
            ce = _Entry(f, f"cabinet {cab_id} circuit {cid or f'#{i + 1}'}", c)
            circuit = Circuit(ce.get("id", str), cab_id, ce.get("kind", str), ce.get("lamps", int))
            if circuit.kind not in ("street", "landscape") or circuit.lamps <= 0:
                raise ce.fail("kind must be street or landscape, with lamps > 0")
            if circuit.id in circuit_ids:
                raise ce.fail("id appears more than once")
            circuit_ids.add(circuit.id)
            circuits.append(circuit)
        if cab_id in cabinets:
            raise e.fail("id appears more than once")
        district = unit_ref(e, "district", "district")
        cabinets[cab_id] = LightingCabinet(
            id=cab_id,
            district=district,
            street=street_in(e, district),
            lon=e.get("lon", float),
            lat=e.get("lat", float),
            circuits=tuple(circuits),
        )
    lighting_groups: dict[str, LightingGroup] = {}
    for e in _entries(f, data, "lighting_groups", "lighting group"):
        members = tuple(e.get("circuits", list))
        unknown = [c for c in members if c not in circuit_ids]
        if unknown:
            raise e.fail(f"circuits {unknown[:3]} are not circuits of any cabinet")
        group_district = (
            unit_ref(e, "district", "district") if e.raw.get("district") is not None else None
        )
        g2 = LightingGroup(
            e.get("code", str), e.get("name_zh", str), e.get("kind", str), group_district, members
        )
        if g2.code in lighting_groups:
            raise e.fail("code appears more than once")
        lighting_groups[g2.code] = g2
    return Devices(groups, screens, cabinets, lighting_groups)


# ------------------------------------------------------------------ all of it


@dataclass(frozen=True, slots=True)
class Reference:
    """Everything above, cross-checked. Implements ``cases.CaseReference``."""

    taxonomy: Taxonomy
    units: Units
    evaluation: Evaluation
    devices: Devices

    def has_subcategory(self, code: str) -> bool:
        return code in self.taxonomy.subcategories

    def has_unit(self, code: str) -> bool:
        return code in self.units.units or code in self.units.departments


def load_reference_from(directory: Path) -> Reference:
    """Load and validate every reference file in ``directory`` (tests pass broken copies)."""
    units = load_units(directory)
    return Reference(
        taxonomy=load_taxonomy(directory, frozenset(units.department_types)),
        units=units,
        evaluation=load_evaluation(directory),
        devices=load_devices(directory, units),
    )


@cache
def load_reference() -> Reference:
    """The packaged reference data, loaded once per process."""
    return load_reference_from(RESOURCES)
