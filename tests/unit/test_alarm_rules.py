"""Threshold rules as the hall sees their effect: which readings raise which severity, that a level
hovering at a threshold is one alarm and not a storm, that every overweight lorry is counted,
and that a broken rules file says exactly where it is broken."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cityops.domain.actors import Actor, Role
from cityops.domain.alarm_rules import (
    DEFAULT_RULES_PATH,
    Action,
    Band,
    Decision,
    Direction,
    Reading,
    Rule,
    RuleSet,
    apply_reading,
    default_rules,
    evaluate,
    load_rules,
    parse_rules,
)
from cityops.domain.alarms import (
    Alarm,
    AlarmEvent,
    AlarmEventKind,
    AlarmKind,
    AlarmState,
    Severity,
    acknowledge,
    shelve,
)
from cityops.domain.city import CITY_TZ
from cityops.domain.outcomes import Rejection

T0 = datetime(2026, 7, 1, 8, 0, tzinfo=CITY_TZ)
RULES = default_rules()
GAUGE = "WL-SC-0007"  # a waterlogging gauge in an underpass
WIM = "WIM-0101"  # a weigh-in-motion station on a key bridge
ZHANG = Actor("u-zhang", frozenset({Role.DISPATCHER}), display_name="张三")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


class Feed:
    """Feeds readings of one device through ``apply_reading`` and keeps what the hall would
    store: the latest alarm of the pair, every alarm id ever made and every event."""

    def __init__(self, rules: RuleSet = RULES) -> None:
        self.rules = rules
        self.alarm: Alarm | None = None
        self.ids: list[str] = []
        self.events: list[AlarmEvent] = []
        self.clock = 0.0

    def send(self, metric: str, value: float, device: str = GAUGE) -> Alarm | None:
        self.clock += 60
        new_id = f"AL-{len(self.ids) + 1}"
        reading = Reading(device, metric, value, at(self.clock))
        alarm, events = apply_reading(self.alarm, reading, self.rules, at(self.clock), new_id)
        if alarm is not None and alarm.id not in self.ids:
            self.ids.append(alarm.id)
        self.alarm = alarm
        self.events.extend(events)
        return alarm

    def depths(self, values: Iterable[float]) -> Alarm | None:
        for value in values:
            self.send("water_depth", value)
        return self.alarm

    def now(self) -> Alarm:
        """The latest alarm, which the test expects to exist."""
        assert self.alarm is not None
        return self.alarm

    def count(self, kind: AlarmEventKind) -> int:
        return sum(1 for event in self.events if event.kind is kind)


def decide(metric: str, value: float, existing: Alarm | None = None) -> Decision:
    return evaluate(RULES[metric], Reading(GAUGE, metric, value, T0), existing)


# ----------------------------------------------------------------------- waterlogging


@pytest.mark.parametrize(
    ("depth", "severity"),
    [
        (0.0, None),
        (9.9, None),
        (10.0, Severity.WARNING),
        (14.9, Severity.WARNING),
        (15.0, Severity.MINOR),
        (26.9, Severity.MINOR),
        (27.0, Severity.MAJOR),  # a car's exhaust pipe
        (39.9, Severity.MAJOR),
        (40.0, Severity.CRITICAL),
        (120.0, Severity.CRITICAL),
    ],
)
def test_waterlogging_depth_bands(depth: float, severity: Severity | None) -> None:
    decision = decide("water_depth", depth)
    if severity is None:
        assert decision.action is Action.NONE
    else:
        assert (decision.action, decision.severity) == (Action.RAISE, severity)


def test_waterlogging_threshold_is_reported_with_the_alarm() -> None:
    alarm = Feed().depths([28.0])
    assert alarm is not None
    assert (alarm.severity, alarm.value, alarm.threshold) == (Severity.MAJOR, 28.0, 27.0)
    assert alarm.kind is AlarmKind.WATERLOGGING


def test_depth_hovering_at_the_threshold_is_one_alarm_not_a_storm() -> None:
    feed = Feed()
    alarm = feed.depths([10.1, 9.9] * 20)
    assert alarm is not None
    assert feed.ids == ["AL-1"]
    assert alarm.state is AlarmState.ACTIVE_UNACK
    assert feed.count(AlarmEventKind.CLEARED) == 0
    assert alarm.occurrences == 40  # every reading that kept it active
    assert alarm.value == 9.9  # the wall shows the present depth


def test_depth_clears_only_below_the_deadband() -> None:
    feed = Feed()
    feed.depths([12.0, 8.0])
    assert feed.now().state is AlarmState.ACTIVE_UNACK  # 8.0 is still within the deadband
    feed.depths([7.9])
    assert feed.now().state is AlarmState.CLEARED_UNACK
    assert feed.now().cleared_at == at(feed.clock)
    assert feed.count(AlarmEventKind.CLEARED) == 1
    assert RULES["water_depth"].clear_level(GAUGE) == 8.0


def test_cleared_depth_needs_the_full_threshold_to_come_back() -> None:
    feed = Feed()
    feed.depths([12.0, 7.0, 9.9, 9.9])
    assert feed.now().state is AlarmState.CLEARED_UNACK
    feed.depths([10.0])
    assert feed.now().state is AlarmState.ACTIVE_UNACK
    assert feed.ids == ["AL-1"]  # not acknowledged yet: the same alarm comes back


def test_after_acknowledged_close_the_next_flood_is_a_new_alarm() -> None:
    feed = Feed()
    feed.depths([12.0, 5.0])
    feed.alarm = ok_alarm(acknowledge(feed.now(), ZHANG, at(feed.clock + 1)))
    assert feed.now().is_closed
    feed.depths([3.0, 11.0])
    assert feed.ids == ["AL-1", "AL-2"]
    assert feed.now().state is AlarmState.ACTIVE_UNACK


def test_severity_does_not_flip_at_a_band_edge() -> None:
    feed = Feed()
    feed.depths([41.0, 39.0])
    assert feed.now().severity is Severity.CRITICAL  # 39 is within 2 cm of the 40 cm edge
    feed.depths([37.9])
    assert feed.now().severity is Severity.MAJOR
    feed.depths([39.9])
    assert feed.now().severity is Severity.MAJOR  # going up needs the full 40 cm


def test_an_acknowledged_flood_wavering_at_critical_stays_acknowledged() -> None:
    feed = Feed()
    feed.depths([41.0])
    feed.alarm = ok_alarm(acknowledge(feed.now(), ZHANG, at(feed.clock + 1)))
    feed.depths([37.0, 41.0, 37.0, 41.0])
    assert feed.now().state is AlarmState.ACTIVE_ACK
    assert feed.count(AlarmEventKind.ESCALATED) == 0


def test_rising_water_after_ack_re_alarms_the_hall() -> None:
    feed = Feed()
    feed.depths([12.0])
    feed.alarm = ok_alarm(acknowledge(feed.now(), ZHANG, at(feed.clock + 1)))
    feed.depths([13.0])
    assert feed.now().state is AlarmState.ACTIVE_ACK
    feed.depths([30.0])
    assert feed.now().state is AlarmState.ACTIVE_UNACK
    assert feed.now().severity is Severity.MAJOR
    assert feed.count(AlarmEventKind.ESCALATED) == 1


def test_a_broken_reading_neither_raises_nor_clears() -> None:
    feed = Feed()
    feed.depths([30.0])
    before = feed.alarm
    feed.depths([math.nan, math.inf, -math.inf])
    assert feed.alarm is before


def test_readings_while_shelved_are_counted_but_stay_quiet() -> None:
    feed = Feed()
    feed.depths([20.0])
    feed.alarm = ok_alarm(shelve(feed.now(), ZHANG, at(3600), "泵车已到场", at(feed.clock + 1)))
    feed.depths([45.0, 50.0])
    assert feed.now().state is AlarmState.SHELVED
    assert feed.now().occurrences == 3
    assert feed.now().underlying_state is AlarmState.ACTIVE_UNACK
    feed.depths([1.0])
    assert feed.now().underlying_state is AlarmState.CLEARED_UNACK


# ----------------------------------------------------------------------- other kinds


@pytest.mark.parametrize(
    ("metric", "value", "kind", "severity"),
    [
        ("gas_lel", 9.0, AlarmKind.GAS_LEAK, None),
        ("gas_lel", 10.0, AlarmKind.GAS_LEAK, Severity.WARNING),
        ("gas_lel", 20.0, AlarmKind.GAS_LEAK, Severity.MINOR),
        ("gas_lel", 25.0, AlarmKind.GAS_LEAK, Severity.MAJOR),
        ("gas_lel", 50.0, AlarmKind.GAS_LEAK, Severity.CRITICAL),
        ("gas_pressure_mp", 0.35, AlarmKind.GAS_OVERPRESSURE, None),
        ("gas_pressure_mp", 0.41, AlarmKind.GAS_OVERPRESSURE, Severity.MINOR),
        ("gas_pressure_mp", 0.45, AlarmKind.GAS_OVERPRESSURE, Severity.CRITICAL),
        ("supply_pressure_drop_pct", 35.0, AlarmKind.SUPPLY_PIPE_LEAK, Severity.MAJOR),
        ("supply_night_flow_excess_pct", 120.0, AlarmKind.SUPPLY_NIGHT_FLOW, Severity.CRITICAL),
        ("drainage_fill_pct", 101.0, AlarmKind.DRAINAGE_PIPE_LEAK, Severity.MAJOR),
        ("ground_settlement_mm", 55.0, AlarmKind.UNDERGROUND_HAZARD, Severity.CRITICAL),
        ("cover_tilt_deg", 12.0, AlarmKind.MANHOLE_COVER, Severity.MINOR),
        ("silence_min", 45.0, AlarmKind.DEVICE_OFFLINE, Severity.WARNING),
        ("bridge_impact_accel_g", 0.02, AlarmKind.BRIDGE_COLLISION, None),
        ("bridge_impact_accel_g", 0.4, AlarmKind.BRIDGE_COLLISION, Severity.CRITICAL),
    ],
)
def test_default_rules_raise_the_expected_kind_and_severity(
    metric: str, value: float, kind: AlarmKind, severity: Severity | None
) -> None:
    feed = Feed()
    alarm = feed.send(metric, value)
    if severity is None:
        assert alarm is None
    else:
        assert alarm is not None
        assert (alarm.kind, alarm.severity) == (kind, severity)


def test_every_alarm_kind_has_a_default_rule() -> None:
    assert {rule.kind for rule in RULES} == set(AlarmKind)
    assert len(RULES) == len(AlarmKind)  # and exactly one: an alarm is judged by one rule
    assert default_rules() is RULES  # loaded once per process


def test_a_normal_pressure_reading_does_not_clear_a_night_flow_leak_alarm() -> None:
    # District meter area DMA-7: night flow 120 % over forecast (a hidden leak, critical). The
    # same device's pressure is normal. The pressure reading must neither clear the leak alarm
    # nor rewrite its severity with the pressure rule's bands.
    store: dict[tuple[str, AlarmKind], Alarm] = {}

    def send(metric: str, value: float, seconds: float, new_id: str) -> None:
        rule = RULES[metric]
        key = ("DMA-7", rule.kind)
        reading = Reading("DMA-7", metric, value, at(seconds))
        alarm, _ = apply_reading(store.get(key), reading, RULES, at(seconds), new_id)
        if alarm is not None:
            store[key] = alarm

    send("supply_night_flow_excess_pct", 120.0, 0, "S1")
    send("supply_pressure_drop_pct", 1.0, 60, "S2")
    send("supply_pressure_drop_pct", 12.0, 120, "S3")
    night = store[("DMA-7", AlarmKind.SUPPLY_NIGHT_FLOW)]
    assert night.state is AlarmState.ACTIVE_UNACK
    assert (night.severity, night.value) == (Severity.CRITICAL, 120.0)
    pressure = store[("DMA-7", AlarmKind.SUPPLY_PIPE_LEAK)]
    assert (pressure.id, pressure.severity) == ("S3", Severity.WARNING)


def test_a_reading_applied_to_the_alarm_of_another_kind_is_a_programming_error() -> None:
    night, _ = apply_reading(
        None, Reading("DMA-7", "supply_night_flow_excess_pct", 120.0, T0), RULES, T0, "S1"
    )
    assert night is not None
    normal_pressure = Reading("DMA-7", "supply_pressure_drop_pct", 1.0, at(60))
    with pytest.raises(ValueError, match="supply_night_flow"):
        apply_reading(night, normal_pressure, RULES, at(60), "S2")


def test_two_rules_for_one_alarm_kind_are_refused_naming_both() -> None:
    first = RULES["supply_pressure_drop_pct"]
    second = Rule(
        name="supply_night_flow_old",
        kind=AlarmKind.SUPPLY_PIPE_LEAK,
        metric="supply_night_flow_excess_pct",
        unit="%",
        bands=(Band(Severity.WARNING, 20.0),),
    )
    with pytest.raises(ValueError, match="alarm kind 'supply_pipe_leak'") as caught:
        RuleSet([first, second], "alarm_rules.toml")
    assert "supply_night_flow_old" in str(caught.value)
    assert first.name in str(caught.value)


def test_below_rules_alarm_on_low_values() -> None:
    low_pressure = Rule(
        name="supply_pressure_low",
        kind=AlarmKind.SUPPLY_PIPE_LEAK,
        metric="supply_pressure_mp",
        unit="MPa",
        bands=(Band(Severity.MINOR, 0.16), Band(Severity.CRITICAL, 0.10)),
        direction=Direction.BELOW,
        deadband=0.01,
    )
    rules = RuleSet([low_pressure])
    feed = Feed(rules)
    assert feed.send("supply_pressure_mp", 0.20) is None
    alarm = feed.send("supply_pressure_mp", 0.15)
    assert alarm is not None
    assert alarm.severity is Severity.MINOR
    assert feed.send("supply_pressure_mp", 0.09) is not None
    assert feed.now().severity is Severity.CRITICAL
    feed.send("supply_pressure_mp", 0.165)  # within the deadband above 0.16
    assert feed.now().is_condition_active
    feed.send("supply_pressure_mp", 0.171)
    assert feed.now().state is AlarmState.CLEARED_UNACK
    assert low_pressure.clear_level(GAUGE) == pytest.approx(0.17)


# ----------------------------------------------------------------------- momentary events


def test_overweight_vehicles_are_counted_on_one_alarm_until_acknowledged() -> None:
    rng = random.Random(20260701)
    feed = Feed()
    overweight = 0
    # A day on a key bridge: thousands of lorries, about 200 of them over the 49 t limit.
    for _ in range(3000):
        if rng.random() < 200 / 3000:
            weight = rng.uniform(49.0, 70.0)
            overweight += 1
        else:
            weight = rng.uniform(3.0, 48.9)
        feed.send("vehicle_gross_weight_t", weight, device=WIM)
    alarm = feed.alarm
    assert alarm is not None
    assert 150 < overweight < 250
    assert feed.ids == ["AL-1"]
    assert alarm.occurrences == overweight
    assert alarm.state is AlarmState.CLEARED_UNACK  # momentary: never stays active
    assert alarm.kind is AlarmKind.BRIDGE_OVERWEIGHT
    assert alarm.peak_severity is Severity.CRITICAL  # some were over 1.3 x 49 t = 63.7 t
    assert feed.count(AlarmEventKind.CLEARED) == overweight

    closed = ok_alarm(acknowledge(alarm, ZHANG, at(feed.clock + 1)))
    feed.alarm = closed
    feed.send("vehicle_gross_weight_t", 52.0, device=WIM)
    assert feed.ids == ["AL-1", "AL-2"]
    assert feed.now().occurrences == 1


@pytest.mark.parametrize(
    ("weight", "severity"),
    [(48.99, None), (49.0, Severity.MAJOR), (63.69, Severity.MAJOR), (63.7, Severity.CRITICAL)],
)
def test_overweight_bands_follow_the_bridge_limit(weight: float, severity: Severity | None) -> None:
    decision = decide("vehicle_gross_weight_t", weight)
    assert decision.severity == severity


def test_each_overweight_vehicle_raises_and_clears_at_once() -> None:
    feed = Feed()
    alarm = feed.send("vehicle_gross_weight_t", 55.0, device=WIM)
    assert alarm is not None
    assert alarm.state is AlarmState.CLEARED_UNACK
    assert [e.kind for e in feed.events] == [AlarmEventKind.RAISED, AlarmEventKind.CLEARED]
    assert alarm.value == 55.0
    assert feed.send("vehicle_gross_weight_t", 30.0, device=WIM) is alarm


def test_a_bridge_with_its_own_limit() -> None:
    rules = parse_rules(
        {
            "schema": 1,
            "rules": {
                "bridge_overweight": {
                    "kind": "bridge_overweight",
                    "metric": "vehicle_gross_weight_t",
                    "unit": "t",
                    "momentary": True,
                    "limit": 49,
                    "band_factors": {"critical": 1.3, "major": 1.0},
                    "device_limits": {"WIM-QJ-02": 30},
                }
            },
        }
    )
    rule = rules["vehicle_gross_weight_t"]
    assert evaluate(rule, Reading("WIM-QJ-02", rule.metric, 35.0, T0), None).severity == (
        Severity.MAJOR
    )
    assert evaluate(rule, Reading("WIM-QJ-02", rule.metric, 39.0, T0), None).severity == (
        Severity.CRITICAL
    )
    assert evaluate(rule, Reading(WIM, rule.metric, 35.0, T0), None).action is Action.NONE


def test_bridge_collision_is_momentary() -> None:
    feed = Feed()
    feed.send("bridge_impact_accel_g", 0.2, device="BR-ACC-0003")
    feed.send("bridge_impact_accel_g", 0.35, device="BR-ACC-0003")
    assert feed.now().state is AlarmState.CLEARED_UNACK
    assert feed.now().occurrences == 2
    assert feed.now().severity is Severity.CRITICAL
    assert feed.count(AlarmEventKind.ESCALATED) == 1


# ----------------------------------------------------------------------- apply_reading edges


def test_a_reading_from_a_clock_running_ahead_is_dated_when_received() -> None:
    reading = Reading(GAUGE, "water_depth", 20.0, T0 + timedelta(hours=2))
    alarm, _ = apply_reading(None, reading, RULES, T0, "AL-1")
    assert alarm is not None
    assert alarm.first_raised_at == T0


def test_location_from_the_reading_goes_onto_a_new_alarm() -> None:
    reading = Reading(GAUGE, "water_depth", 20.0, T0, "330102", 120.17, 30.25)
    alarm, _ = apply_reading(None, reading, RULES, T0, "AL-1")
    assert alarm is not None
    assert (alarm.district_code, alarm.lon, alarm.lat) == ("330102", 120.17, 30.25)


def test_a_normal_reading_without_an_alarm_does_nothing() -> None:
    assert apply_reading(None, Reading(GAUGE, "water_depth", 2.0, T0), RULES, T0, "x") == (
        None,
        (),
    )


def test_unknown_metric_and_naive_times_are_errors() -> None:
    with pytest.raises(ValueError, match="no alarm rule for metric 'rainfall_mm'"):
        apply_reading(None, Reading(GAUGE, "rainfall_mm", 2.0, T0), RULES, T0, "x")
    with pytest.raises(ValueError, match="timezone-aware"):
        apply_reading(
            None, Reading(GAUGE, "water_depth", 20.0, datetime(2026, 7, 1)), RULES, T0, "x"
        )
    assert "rainfall_mm" not in RULES
    assert "water_depth" in RULES


# ----------------------------------------------------------------------- rules file


def test_default_file_loads() -> None:
    rules = load_rules(DEFAULT_RULES_PATH)
    assert len(rules) >= len(AlarmKind)
    assert rules.metrics == RULES.metrics
    assert rules["vehicle_gross_weight_t"].momentary
    assert rules["water_depth"].deadband == 2.0


GOOD = """
schema = 1
[rules.depth]
kind = "waterlogging"
metric = "water_depth"
unit = "cm"
bands = { warning = 10, critical = 40 }
deadband = 2
"""


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (GOOD.replace('kind = "waterlogging"', ""), "rule 'depth': 'kind' is missing"),
        (GOOD.replace('"waterlogging"', '"flood"'), "rule 'depth': kind 'flood' is not one of"),
        (GOOD.replace("critical = 40", "critical = 5"), "rule 'depth': critical threshold 5.0"),
        (GOOD.replace("deadband = 2", "deadbnad = 2"), "rule 'depth': unknown keys ['deadbnad']"),
        (GOOD.replace("deadband = 2", "deadband = -1"), "rule 'depth': deadband must be"),
        (GOOD.replace("warning = 10", "warning = true"), "rule 'depth': bands.warning must be a"),
        (GOOD.replace("warning = 10", "severe = 10"), "rule 'depth': bands.severe is not a"),
        (GOOD.replace("bands = {", "limit = 49\nbands = {"), "rule 'depth': give either"),
        (GOOD.replace("bands = { warning = 10, critical = 40 }", ""), "rule 'depth': give either"),
        (GOOD.replace('unit = "cm"', 'unit = ""'), "rule 'depth': 'unit' must be non-empty"),
        (GOOD.replace("deadband", 'direction = "up"\ndeadband'), "direction 'up' must be"),
        (GOOD + "momentary = true\n", "rule 'depth': a momentary rule"),
        (GOOD.replace("schema = 1", "schema = 2"), "schema must be 1"),
        (GOOD + "[rules.depth2]\n" + GOOD.split("[rules.depth]")[1], "rule 'depth2': metric"),
        (
            GOOD + "[rules.depth2]\n" + GOOD.split("[rules.depth]")[1].replace("water_", "w_"),
            "rule 'depth2': alarm kind 'waterlogging' is already raised by rule 'depth'",
        ),
        (GOOD.replace("[rules.depth]", "[rules.depth"), "not valid TOML"),
        ("schema = 1\n", "no [rules.<name>] tables"),
    ],
)
def test_a_broken_rules_file_names_the_file_entry_and_problem(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "alarm_rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="alarm_rules.toml") as caught:
        load_rules(path)
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)


def test_factor_rules_are_validated_too(tmp_path: Path) -> None:
    path = tmp_path / "bridges.toml"
    path.write_text(
        """
schema = 1
[rules.bridge]
kind = "bridge_overweight"
metric = "w"
unit = "t"
momentary = true
limit = 49
band_factors = { major = 1.0, critical = 1.3 }
device_limits = { "WIM-9" = -5 }
""",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"bridges.toml: rule 'bridge': device_limits.WIM-9 must"):
        load_rules(path)


def test_a_missing_rules_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"nowhere\.toml: cannot read alarm rules"):
        load_rules(tmp_path / "nowhere.toml")


def test_the_good_example_loads(tmp_path: Path) -> None:
    path = tmp_path / "alarm_rules.toml"
    path.write_text(GOOD, encoding="utf-8")
    rule = load_rules(path)["water_depth"]
    assert rule.bands == (Band(Severity.WARNING, 10.0), Band(Severity.CRITICAL, 40.0))
    assert rule.direction is Direction.ABOVE


def ok_alarm(result: tuple[Alarm, tuple[AlarmEvent, ...]] | Rejection) -> Alarm:
    assert not isinstance(result, Rejection), str(result)
    return result[0]
