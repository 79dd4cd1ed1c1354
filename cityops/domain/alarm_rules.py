"""Threshold rules that turn IoT readings into alarms: raise, repeat, clear, or nothing.

Offers to the server's ingest path (``/api/v1/ingest/readings``) and to the simulator:

- ``Rule`` (one metric of one alarm kind: unit, severity bands, deadband, momentary or not,
  per-device limits), ``RuleSet`` (rules by metric; one rule per metric and per alarm kind),
  ``load_rules(path)`` / ``parse_rules`` (validated; a broken file raises ``ValueError`` naming
  the file, the entry and the problem) and ``default_rules()``
  (``cityops/resources/alarm_rules.toml``, loaded once);
- ``Reading`` (one sensor value), ``evaluate(rule, reading, existing) -> Decision`` and
  ``apply_reading(existing, reading, rules, at, new_id)`` which combines ``evaluate`` with
  ``alarms.raise_or_repeat`` / ``alarms.clear``.

How a reading is judged
-----------------------
Bands are thresholds per severity, crossed upwards (``direction = "above"``) or downwards
(``"below"``). A reading in no band raises nothing. While the alarm's condition is active a
reading keeps it active (a repeat, counted in ``occurrences``) unless it falls past the lowest band
by more than the *deadband*; only then does it clear. The same deadband keeps the alarm at its
current severity while the value wavers just under that band's edge. So a water level of
10.1/9.9/10.1 cm is one alarm, not three, and 39.9/40.1 cm does not flip critical/major.

*Momentary* rules (a vehicle on a weigh-in-motion station, a blow to a bridge) describe events,
not lasting conditions: each crossing raises (or repeats) and clears at once, so the alarm sits in
``cleared_unack`` counting vehicles until a dispatcher acknowledges it; the next crossing after that
makes a new alarm.

Cost: ``evaluate`` is a few comparisons and ``apply_reading`` one or two dataclass copies, for
~16 readings/s with bursts. No file access or validation happens per reading: rules are loaded
once and passed in.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Final

from cityops.domain.alarms import (
    Alarm,
    AlarmKind,
    Events,
    Severity,
    clear,
    raise_or_repeat,
)
from cityops.domain.city import require_aware

#: The rules shipped with the hall.
DEFAULT_RULES_PATH: Final = (
    Path(__file__).resolve().parent.parent / "resources" / "alarm_rules.toml"
)

SCHEMA_VERSION: Final = 1


class Direction(StrEnum):
    ABOVE = "above"  # the value is abnormal when high (depth, concentration, weight)
    BELOW = "below"  # the value is abnormal when low (e.g. supply pressure)


class Action(StrEnum):
    RAISE = "raise"  # raise a new alarm or repeat the open one
    CLEAR = "clear"  # the condition returned to normal
    NONE = "none"  # nothing to do


@dataclass(frozen=True, slots=True)
class Band:
    """From ``threshold`` on (in the rule's direction) a reading is of ``severity``."""

    severity: Severity
    threshold: float


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    severity: Severity | None = None
    #: The band edge crossed (for RAISE), shown beside the value on the wall.
    threshold: float | None = None


NOTHING: Final = Decision(Action.NONE)
CLEAR: Final = Decision(Action.CLEAR)


@dataclass(frozen=True, slots=True)
class Reading:
    """One value from one sensor, as the IoT platform delivered it. ``at`` is when it was
    measured; location, if the ingest layer knows it, is copied onto a new alarm."""

    device_id: str
    metric: str
    value: float
    at: datetime
    district_code: str | None = None
    lon: float | None = None
    lat: float | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """How one metric raises one kind of alarm. ``bands`` run from the least to the most severe;
    ``device_bands`` replace them for particular devices (e.g. a bridge with its own limit)."""

    name: str
    kind: AlarmKind
    metric: str
    unit: str
    bands: tuple[Band, ...]
    direction: Direction = Direction.ABOVE
    deadband: float = 0.0
    momentary: bool = False
    device_bands: Mapping[str, tuple[Band, ...]] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        if not self.metric:
            raise ValueError("metric must not be empty")
        if not math.isfinite(self.deadband) or self.deadband < 0:
            raise ValueError(f"deadband must be a finite number >= 0, got {self.deadband}")
        if self.momentary and self.deadband:
            raise ValueError("a momentary rule clears at once; a deadband has no meaning there")
        _check_bands(self.bands, self.direction)
        for device_id, bands in self.device_bands.items():
            try:
                _check_bands(bands, self.direction)
            except ValueError as err:
                raise ValueError(f"device {device_id!r}: {err}") from None

    def bands_for(self, device_id: str) -> tuple[Band, ...]:
        return self.device_bands.get(device_id, self.bands)

    def clear_level(self, device_id: str) -> float:
        """Past this value (in the rule's direction) an active alarm clears."""
        lowest = self.bands_for(device_id)[0].threshold
        return (
            lowest - self.deadband if self.direction is Direction.ABOVE else lowest + self.deadband
        )


def _check_bands(bands: tuple[Band, ...], direction: Direction) -> None:
    if not bands:
        raise ValueError("at least one severity band is needed")
    for band in bands:
        if not math.isfinite(band.threshold):
            raise ValueError(f"{band.severity} threshold must be a finite number")
    for lower, higher in zip(bands, bands[1:], strict=False):
        if higher.severity.rank <= lower.severity.rank:
            raise ValueError(
                "bands must run from least to most severe "
                f"({lower.severity} then {higher.severity})"
            )
        steeper = (
            higher.threshold > lower.threshold
            if direction is Direction.ABOVE
            else higher.threshold < lower.threshold
        )
        if not steeper:
            word = "above" if direction is Direction.ABOVE else "below"
            raise ValueError(
                f"{higher.severity} threshold {higher.threshold} must be {word} "
                f"{lower.severity} threshold {lower.threshold}"
            )


class RuleSet:
    """Rules by metric; each metric belongs to exactly one rule, and each alarm kind too.

    One kind per rule because an alarm is keyed by (device, kind) and judged by one rule's
    bands: two metrics feeding one kind would let a normal reading of one clear the other's
    alarm, and one's severity bands overwrite the other's (a 12 % pressure drop turning a
    critical night-flow alarm into a warning)."""

    __slots__ = ("_by_metric", "source")

    def __init__(self, rules: Iterable[Rule], source: str = "<rules>") -> None:
        self.source = source
        self._by_metric: dict[str, Rule] = {}
        by_kind: dict[AlarmKind, Rule] = {}
        for rule in rules:
            other = self._by_metric.get(rule.metric)
            if other is not None:
                raise ValueError(
                    f"{source}: rule {rule.name!r}: metric {rule.metric!r} "
                    f"is already used by rule {other.name!r}"
                )
            other = by_kind.get(rule.kind)
            if other is not None:
                raise ValueError(
                    f"{source}: rule {rule.name!r}: alarm kind {rule.kind.value!r} is already "
                    f"raised by rule {other.name!r} (metric {other.metric!r}); one alarm kind "
                    "is judged by one rule, give the other metric its own kind"
                )
            by_kind[rule.kind] = rule
            self._by_metric[rule.metric] = rule

    def get(self, metric: str) -> Rule | None:
        return self._by_metric.get(metric)

    def __getitem__(self, metric: str) -> Rule:
        return self._by_metric[metric]

    def __contains__(self, metric: object) -> bool:
        return metric in self._by_metric

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._by_metric.values())

    def __len__(self) -> int:
        return len(self._by_metric)

    @property
    def metrics(self) -> frozenset[str]:
        return frozenset(self._by_metric)


# ------------------------------------------------------------------------- judging


def evaluate(rule: Rule, reading: Reading, existing: Alarm | None) -> Decision:
    """What ``reading`` means for the (device, kind) whose latest alarm is ``existing``."""
    value = reading.value
    if not math.isfinite(value):
        # A broken sensor says nothing about the process; above all it must not clear a leak.
        return NOTHING
    bands = rule.device_bands.get(reading.device_id, rule.bands)
    # Work "upwards" in both directions by flipping the sign for below-rules.
    sign = 1.0 if rule.direction is Direction.ABOVE else -1.0
    signed = sign * value

    if rule.momentary or existing is None or not existing.is_condition_active:
        for band in reversed(bands):
            if signed >= sign * band.threshold:
                return Decision(Action.RAISE, band.severity, band.threshold)
        return NOTHING

    # The condition is active: bands at or below the alarm's severity (and always the lowest,
    # which is the clearing edge) are held by the deadband, higher ones need their full threshold.
    current = existing.severity.rank
    deadband = rule.deadband
    lowest = bands[0]
    for band in reversed(bands):
        held = band.severity.rank <= current or band is lowest
        if signed >= sign * band.threshold - (deadband if held else 0.0):
            return Decision(Action.RAISE, band.severity, band.threshold)
    return CLEAR


def apply_reading(
    existing: Alarm | None,
    reading: Reading,
    rules: RuleSet,
    at: datetime,
    new_id: str,
) -> tuple[Alarm | None, Events]:
    """Judge ``reading`` and apply it to the latest alarm of its (device, kind). ``at`` is when the
    server handles it: a reading dated later (a device clock running ahead) is dated ``at``, so no
    alarm carries a time in the future. ``new_id`` is used only if a new alarm is raised.
    Raises ``ValueError`` for a metric without a rule (the ingest layer checks ``metric in rules``
    up front and answers 422) and for an ``existing`` alarm of another (device, kind): the
    caller keys alarms by ``(reading.device_id, rules[reading.metric].kind)``."""
    require_aware(at, "at")
    require_aware(reading.at, "reading.at")
    rule = rules.get(reading.metric)
    if rule is None:
        raise ValueError(f"no alarm rule for metric {reading.metric!r}")
    if existing is not None and (
        existing.kind is not rule.kind or existing.device_id != reading.device_id
    ):
        # Checked here, not only when raising: a "normal" reading of one metric must never
        # clear the alarm of another kind because the caller looked up the wrong alarm.
        raise ValueError(
            f"alarm {existing.id} is for ({existing.device_id}, {existing.kind}), not for "
            f"({reading.device_id}, {rule.kind}) that metric {reading.metric!r} raises"
        )
    when = reading.at if reading.at <= at else at
    decision = evaluate(rule, reading, existing)
    if decision.action is Action.RAISE:
        assert decision.severity is not None
        assert decision.threshold is not None
        alarm, events = raise_or_repeat(
            existing,
            reading.device_id,
            rule.kind,
            decision.severity,
            reading.value,
            decision.threshold,
            when,
            new_id,
            district_code=reading.district_code,
            lon=reading.lon,
            lat=reading.lat,
        )
        if rule.momentary:
            alarm, cleared = clear(alarm, when, value=reading.value)
            events = (*events, *cleared)
        return alarm, events
    if decision.action is Action.CLEAR:
        assert existing is not None
        return clear(existing, when, value=reading.value)
    return existing, ()


# ------------------------------------------------------------------------- loading

_RULE_KEYS: Final = frozenset(
    {
        "kind",
        "metric",
        "unit",
        "direction",
        "deadband",
        "momentary",
        "bands",
        "limit",
        "band_factors",
        "device_limits",
        "description",
    }
)


class _EntryError(ValueError):
    """A problem inside one entry; the loader adds the file and entry name."""


def load_rules(path: str | os.PathLike[str]) -> RuleSet:
    """Read and validate a rules file.

    Raises ``ValueError`` worded ``"<file>: rule '<name>': <problem>"``."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as err:
        raise ValueError(f"{file}: cannot read alarm rules: {err}") from err
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{file}: not valid TOML: {err}") from err
    return parse_rules(data, source=str(file))


@cache
def default_rules() -> RuleSet:
    """The shipped rules, read once per process."""
    return load_rules(DEFAULT_RULES_PATH)


def parse_rules(data: Mapping[str, Any], source: str = "<rules>") -> RuleSet:
    """Validate already-parsed TOML (see ``resources/alarm_rules.toml`` for the format)."""
    unknown = set(data) - {"schema", "rules"}
    if unknown:
        raise ValueError(f"{source}: unknown top-level keys {sorted(unknown)}")
    schema = data.get("schema")
    if schema != SCHEMA_VERSION:
        raise ValueError(f"{source}: schema must be {SCHEMA_VERSION}, got {schema!r}")
    entries = data.get("rules")
    if not isinstance(entries, Mapping) or not entries:
        raise ValueError(f"{source}: no [rules.<name>] tables")
    rules = []
    for name, entry in entries.items():
        try:
            if not isinstance(entry, Mapping):
                raise _EntryError("must be a table")
            rules.append(_parse_rule(name, entry))
        except (_EntryError, ValueError) as err:
            raise ValueError(f"{source}: rule {name!r}: {err}") from None
    return RuleSet(rules, source)


def _parse_rule(name: str, entry: Mapping[str, Any]) -> Rule:
    unknown = set(entry) - _RULE_KEYS
    if unknown:
        raise _EntryError(f"unknown keys {sorted(unknown)} (allowed: {sorted(_RULE_KEYS)})")
    kind_text = _text(entry, "kind")
    try:
        kind = AlarmKind(kind_text)
    except ValueError:
        raise _EntryError(
            f"kind {kind_text!r} is not one of {[k.value for k in AlarmKind]}"
        ) from None
    direction_text = _text(entry, "direction", Direction.ABOVE.value)
    try:
        direction = Direction(direction_text)
    except ValueError:
        raise _EntryError(f"direction {direction_text!r} must be 'above' or 'below'") from None
    momentary = entry.get("momentary", False)
    if not isinstance(momentary, bool):
        raise _EntryError(f"momentary must be true or false, got {momentary!r}")
    deadband = _number(entry.get("deadband", 0.0), "deadband")

    has_bands = "bands" in entry
    has_limit = "limit" in entry or "band_factors" in entry
    if has_bands == has_limit:
        raise _EntryError("give either 'bands' (absolute) or 'limit' with 'band_factors'")
    device_bands: dict[str, tuple[Band, ...]] = {}
    if has_bands:
        if "device_limits" in entry:
            raise _EntryError("'device_limits' needs 'limit' and 'band_factors'")
        bands = tuple(Band(severity, value) for severity, value in _severity_table(entry, "bands"))
    else:
        limit = _positive(entry.get("limit"), "limit")
        factors = _severity_table(entry, "band_factors")
        for severity, factor in factors:
            if factor <= 0:
                raise _EntryError(f"band_factors.{severity} must be > 0, got {factor}")
        bands = _scaled(factors, limit)
        limits = entry.get("device_limits", {})
        if not isinstance(limits, Mapping):
            raise _EntryError("device_limits must be a table of device id = limit")
        for device_id, device_limit in limits.items():
            device_bands[device_id] = _scaled(
                factors, _positive(device_limit, f"device_limits.{device_id}")
            )
    description = entry.get("description", "")
    if not isinstance(description, str):
        raise _EntryError("description must be text")
    return Rule(
        name=name,
        kind=kind,
        metric=_text(entry, "metric"),
        unit=_text(entry, "unit"),
        bands=bands,
        direction=direction,
        deadband=deadband,
        momentary=momentary,
        device_bands=device_bands,
        description=description,
    )


def _scaled(factors: list[tuple[Severity, float]], limit: float) -> tuple[Band, ...]:
    return tuple(Band(severity, round(factor * limit, 6)) for severity, factor in factors)


def _text(entry: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = entry.get(key, default)
    if value is None:
        raise _EntryError(f"'{key}' is missing")
    if not isinstance(value, str) or not value.strip():
        raise _EntryError(f"'{key}' must be non-empty text, got {value!r}")
    return value


def _number(value: Any, what: str) -> float:
    # TOML booleans are Python ints; "true" as a threshold is a typo, not 1.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _EntryError(f"{what} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise _EntryError(f"{what} must be finite, got {value!r}")
    return float(value)


def _positive(value: Any, what: str) -> float:
    if value is None:
        raise _EntryError(f"'{what}' is missing")
    number = _number(value, what)
    if number <= 0:
        raise _EntryError(f"{what} must be > 0, got {number}")
    return number


def _severity_table(entry: Mapping[str, Any], key: str) -> list[tuple[Severity, float]]:
    """A ``{warning = 10, minor = 15, ...}`` table, sorted from least to most severe."""
    table = entry.get(key)
    if not isinstance(table, Mapping) or not table:
        raise _EntryError(f"'{key}' must be a table like {{ warning = 10, critical = 40 }}")
    pairs = []
    for severity_text, value in table.items():
        try:
            severity = Severity(severity_text)
        except ValueError:
            raise _EntryError(
                f"{key}.{severity_text} is not a severity ({', '.join(s.value for s in Severity)})"
            ) from None
        pairs.append((severity, _number(value, f"{key}.{severity_text}")))
    pairs.sort(key=lambda pair: pair[0].rank)
    return pairs
