"""Benchmarks of the hall's domain rules (pure functions, no server, no client).

Run with ``make bench`` or ``.venv/bin/python bench/bench_domain.py [--repeats N]``. Every
figure is the median of several repeats measured with ``time.perf_counter`` on inputs made by a
seeded ``random.Random`` from the real reference data, so runs are comparable; the machine the
hall is developed on is shared and noisy, so read a MISS by a few percent as "look again", not as
a regression. The script always exits 0; it reports, it does not gate.

What each figure means for the hall, and where its target comes from (the seed's numbers:
~1.4 million IoT records a day, ~3,700 cases closed a day, SLA countdowns on every visible queue
row, breaches escalated by the server every minute):

``iot_readings_to_alarms`` (readings/s, target >= 20,000/s)
    ``alarm_rules.apply_reading`` over 100,000 readings of a storm evening: waterlogging depths
    and drainage fill hovering around their bands, gas pressure and concentration, water-supply
    leaks, settlement, manhole covers, device silence, overweight vehicles and impacts on bridges
    (momentary), with ~1 % late readings and a few device clocks running ahead. The readings are
    applied to a dict of the latest alarm per (device, kind), as the server's ingest holds it,
    starting from a state where alarms are already open and half of them acknowledged. 1.4 M
    readings a day is ~16/s on average; the target lets a storm burst of a whole day's volume
    (1.4 M readings) be judged in about a minute of one core's CPU.

``sla_clocks_10k_open_cases`` (ms per 10k cases, target <= 1,000 ms)
    ``case_clocks.case_clocks`` for 10,000 open ordinary (working-hours) cases at one instant,
    in the states an open case really has: dispatched, in progress (some departed or on site),
    returned, rework, suspended (open or finished pauses), escalated; opened hours to weeks
    before (~2.5 days on average), so the working-time arithmetic spans weekends. The server
    re-evaluates every open case each minute to escalate breaches, so this must stay well
    inside that minute.

``sla_clocks_200_visible_rows`` (ms per refresh, target <= 50 ms)
    The same for 200 rows, what a queue screen shows. The client recomputes only visible rows,
    a few times a second on the UI thread; 50 ms keeps a refresh from being felt.

``case_closed_loop`` (transitions/s, target >= 20,000/s)
    10,000 cases through the whole closed loop with ``cases.report_case`` and ``cases.apply``:
    report, verify, file, dispatch, accept, handle, check, close — 8 transitions per case, each
    producing one timeline event, with real actors (street collectors, the city dispatcher, the
    handling unit's staff) and real subcategories and departments. 3,700 closed cases a day are
    ~30,000 transitions a day; the target replays a whole day in under 2 s (a start-up rebuild
    from the event log, the simulator running a day at speed) and leaves the server's command
    path nowhere near the bottleneck.

``reference_load_validate`` (ms, target <= 500 ms)
    ``reference.load_reference_from(RESOURCES)``, uncached: reads and validates the taxonomy
    (288 subcategories), the unit tree (2,497 units), the evaluation standard (227 items) and
    the LED and lighting devices. Both server and client do this at start-up; half a second is
    what a start-up may spend on it.

``ranking_13_districts`` (ms, target <= 100 ms)
    ``ranking.score`` for the 13 districts, each with a month's volume of case counts and 2,000
    inspection findings over the 227 items, then ``ranking.rank`` against the previous ranking.
    The board and the supervisors' what-if views recompute it on demand: it must feel instant.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cityops.domain.actors import Actor, Role
from cityops.domain.alarm_rules import Reading, RuleSet, apply_reading, default_rules
from cityops.domain.alarms import Alarm, AlarmKind, acknowledge
from cityops.domain.case_clocks import case_clocks
from cityops.domain.cases import (
    Accept,
    Arrive,
    Case,
    CaseCommand,
    CaseSource,
    CaseState,
    CheckFail,
    CheckPass,
    Close,
    Depart,
    Dispatch,
    Escalate,
    File,
    Handle,
    Resume,
    Return,
    Suspend,
    Verify,
    apply,
    report_case,
)
from cityops.domain.city import CITY_CODE, CITY_TZ
from cityops.domain.outcomes import Rejection
from cityops.domain.ranking import (
    DistrictFacts,
    Finding,
    PeriodKind,
    Ratings,
    period_containing,
    rank,
    score,
)
from cityops.domain.reference import (
    RESOURCES,
    Reference,
    Subcategory,
    load_reference,
    load_reference_from,
)

SEED = 20261128

DISPATCHER = Actor("disp-1", frozenset({Role.DISPATCHER}), CITY_CODE, "王调度")
CITIZEN = Actor("citizen-1", frozenset({Role.CITIZEN}))


# ------------------------------------------------------------------------------ harness


@dataclass(frozen=True)
class Result:
    name: str
    median: float
    unit: str
    target: float
    higher_is_better: bool
    spread: tuple[float, float]
    detail: str

    @property
    def passed(self) -> bool:
        if self.higher_is_better:
            return self.median >= self.target
        return self.median <= self.target

    def line(self) -> str:
        op = ">=" if self.higher_is_better else "<="
        verdict = "PASS" if self.passed else "MISS"
        lo, hi = self.spread
        return (
            f"{self.name:<28} {self.median:>11,.1f} {self.unit:<13} "
            f"target {op} {self.target:>8,.0f}  {verdict}  "
            f"[range {lo:,.1f}-{hi:,.1f}; {self.detail}]"
        )


def timed(run: Callable[[], Any], repeats: int) -> tuple[list[float], list[Any]]:
    """Seconds per call of ``run`` over ``repeats`` calls (after one untimed warm-up), and what
    each call returned (the caller checks it, so the work is used)."""
    outputs = [run()]
    seconds = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        out = run()
        seconds.append(time.perf_counter() - start)
        outputs.append(out)
    return seconds, outputs


def same(outputs: Sequence[Any], what: str) -> Any:
    """Every repeat computed the same thing (deterministic inputs): a cheap sanity check."""
    first = outputs[0]
    if any(out != first for out in outputs[1:]):
        raise AssertionError(f"{what}: repeats disagree: {outputs}")
    return first


def rate_result(
    name: str, count: int, seconds: list[float], unit: str, target: float, detail: str
) -> Result:
    rates = [count / s for s in seconds]
    return Result(
        name, statistics.median(rates), unit, target, True, (min(rates), max(rates)), detail
    )


def ms_result(
    name: str, seconds: list[float], per: int, unit: str, target: float, detail: str
) -> Result:
    ms = [1000.0 * s / per for s in seconds]
    return Result(name, statistics.median(ms), unit, target, False, (min(ms), max(ms)), detail)


def ok(outcome: tuple[Case, Any] | Rejection) -> Case:
    if isinstance(outcome, Rejection):
        raise AssertionError(f"benchmark set-up rejected: {outcome}")
    return outcome[0]


# ------------------------------------------------------------------------------ IoT readings

STORM_START = datetime(2026, 11, 27, 18, 0, tzinfo=CITY_TZ)


@dataclass
class Device:
    device_id: str
    metric: str
    district_code: str
    lon: float
    lat: float
    level: float  # current process value (random walk)
    mean: float  # where the walk is pulled to
    step: float  # noise per reading
    floor: float = 0.0


def _sensor_fleet(rng: random.Random, ref: Reference) -> tuple[list[Device], list[float]]:
    """Devices per metric and how often each metric reports, for a storm evening."""
    districts = ref.units.districts

    def place(prefix: str, i: int) -> tuple[str, str, float, float]:
        d = districts[i % len(districts)]
        return (
            f"{prefix}-{d.code}-{i:04d}",
            d.code,
            d.lon + rng.uniform(-0.05, 0.05),
            d.lat + rng.uniform(-0.05, 0.05),
        )

    def walkers(
        prefix: str,
        metric: str,
        count: int,
        normal: tuple[float, float],
        troubled: tuple[float, float],
        troubled_share: float,
        step: float,
    ) -> list[Device]:
        out = []
        for i in range(count):
            device_id, district, lon, lat = place(prefix, i)
            band = troubled if rng.random() < troubled_share else normal
            mean = rng.uniform(*band)
            out.append(Device(device_id, metric, district, lon, lat, mean, mean, step))
        return out

    # (devices, share of the readings). Waterlogging and drainage dominate a storm.
    groups: list[tuple[list[Device], float]] = [
        (walkers("WL", "water_depth", 600, (0, 6), (6, 45), 0.4, 0.8), 0.30),
        (walkers("DR", "drainage_fill_pct", 400, (30, 65), (65, 125), 0.35, 2.0), 0.15),
        (walkers("GP", "gas_pressure_mp", 300, (0.30, 0.36), (0.37, 0.45), 0.03, 0.004), 0.12),
        (walkers("GL", "gas_lel", 300, (0, 3), (6, 55), 0.02, 1.5), 0.08),
        (walkers("SP", "supply_pressure_drop_pct", 200, (0, 5), (8, 45), 0.04, 1.5), 0.07),
        (walkers("NF", "supply_night_flow_excess_pct", 100, (0, 12), (15, 90), 0.05, 3.0), 0.02),
        (walkers("GS", "ground_settlement_mm", 100, (0, 7), (8, 35), 0.05, 0.3), 0.03),
        (walkers("MC", "cover_tilt_deg", 500, (0, 2), (4, 30), 0.01, 0.4), 0.06),
        (walkers("HB", "silence_min", 100, (0, 10), (25, 300), 0.03, 1.0), 0.02),
        # Momentary: every reading is one vehicle / one impact, drawn independently.
        (walkers("WIM", "vehicle_gross_weight_t", 60, (0, 0), (0, 0), 0.0, 0.0), 0.12),
        (walkers("BI", "bridge_impact_accel_g", 60, (0, 0), (0, 0), 0.0, 0.0), 0.03),
    ]
    devices: list[Device] = []
    weights: list[float] = []
    for members, share in groups:
        devices.extend(members)
        weights.extend([share / len(members)] * len(members))
    return devices, weights


def _next_value(rng: random.Random, device: Device) -> float:
    if device.metric == "vehicle_gross_weight_t":
        # Mostly cars and light trucks; ~4 % over the 49 t limit, a few over 1.3 × limit.
        if rng.random() < 0.04:
            return rng.uniform(49.0, 70.0)
        return min(48.9, rng.lognormvariate(2.3, 0.8))
    if device.metric == "bridge_impact_accel_g":
        return rng.uniform(0.05, 0.4) if rng.random() < 0.005 else rng.uniform(0.0, 0.03)
    # Mean-reverting random walk: hovers around the device's level, wavering across band edges.
    device.level += 0.05 * (device.mean - device.level) + rng.gauss(0.0, device.step)
    return max(device.floor, device.level)


def _readings(
    rng: random.Random, ref: Reference, count: int
) -> list[tuple[Reading, datetime, str]]:
    """``count`` (reading, server time, id for a new alarm) over a storm evening."""
    devices, weights = _sensor_fleet(rng, ref)
    chosen = rng.choices(devices, weights, k=count)
    out = []
    for i, device in enumerate(chosen):
        server_at = STORM_START + timedelta(milliseconds=6 * i + 2000)
        measured = server_at - timedelta(seconds=rng.uniform(0.2, 2.0))
        draw = rng.random()
        if draw < 0.01:
            measured -= timedelta(seconds=rng.uniform(30, 180))  # delivered late
        elif draw < 0.011:
            measured = server_at + timedelta(seconds=5)  # device clock running ahead
        reading = Reading(
            device.device_id,
            device.metric,
            round(_next_value(rng, device), 3),
            measured,
            device.district_code,
            device.lon,
            device.lat,
        )
        out.append((reading, server_at, f"ALM-{i:08d}"))
    return out


def ingest(
    alarms: dict[tuple[str, AlarmKind], Alarm],
    batch: Sequence[tuple[Reading, datetime, str]],
    rules: RuleSet,
) -> int:
    """What the server's ingest does per reading; returns the number of alarm events."""
    events = 0
    get_rule = rules.get
    for reading, at, new_id in batch:
        rule = get_rule(reading.metric)
        assert rule is not None
        key = (reading.device_id, rule.kind)
        alarm, produced = apply_reading(alarms.get(key), reading, rules, at, new_id)
        if alarm is not None:
            alarms[key] = alarm
        events += len(produced)
    return events


def bench_iot(ref: Reference, repeats: int) -> Result:
    rng = random.Random(SEED)
    rules = default_rules()
    count = 100_000
    stream = _readings(rng, ref, 20_000 + count)
    history, batch = stream[:20_000], stream[20_000:]
    # The state the server holds when the burst starts: alarms open, half acknowledged.
    initial: dict[tuple[str, AlarmKind], Alarm] = {}
    ingest(initial, history, rules)
    ack_at = history[-1][1]
    for key, alarm in initial.items():
        if alarm.needs_ack and rng.random() < 0.5:
            acked = acknowledge(alarm, DISPATCHER, ack_at)
            if not isinstance(acked, Rejection):
                initial[key] = acked[0]

    def run() -> tuple[int, int, int]:
        alarms = dict(initial)
        events = ingest(alarms, batch, rules)
        annunciating = sum(a.is_annunciating for a in alarms.values())
        return events, len(alarms), annunciating

    seconds, outputs = timed(run, repeats)
    events, pairs, annunciating = same(outputs, "iot")
    detail = (
        f"{count:,} readings, {len(initial):,} alarms held at start; {events:,} events, "
        f"{pairs:,} (device, kind) pairs, {annunciating:,} annunciating at end"
    )
    return rate_result("iot_readings_to_alarms", count, seconds, "readings/s", 20_000, detail)


# ------------------------------------------------------------------------------ cases


class Cast:
    """The people who move cases, made once per unit as the server would know them."""

    def __init__(self) -> None:
        self._collectors: dict[str, Actor] = {}
        self._handlers: dict[str, Actor] = {}

    def collector(self, street: str) -> Actor:
        actor = self._collectors.get(street)
        if actor is None:
            actor = Actor(f"col-{street}", frozenset({Role.COLLECTOR}), street, "采集员")
            self._collectors[street] = actor
        return actor

    def handler(self, unit: str) -> Actor:
        actor = self._handlers.get(unit)
        if actor is None:
            actor = Actor(f"h-{unit}", frozenset({Role.HANDLER}), unit, "处置员")
            self._handlers[unit] = actor
        return actor


@dataclass(frozen=True)
class Place:
    district: str
    street: str
    community: str
    lon: float
    lat: float


def _places(ref: Reference) -> list[Place]:
    units = ref.units.units
    out = []
    for community in ref.units.at_level("community"):
        street = units[community.parent or ""]
        out.append(
            Place(street.parent or "", street.code, community.code, community.lon, community.lat)
        )
    return out


def _department_picker(ref: Reference) -> Callable[[str, Place], str]:
    cache: dict[tuple[str, str], str] = {}

    def pick(dept_type: str, place: Place) -> str:
        """The handling unit for a subcategory's department type at a community: the nearest
        department of that type; street-office problems go to the street itself."""
        if dept_type == "street_office":
            return place.street
        key = (dept_type, place.district)
        if key not in cache:
            cache[key] = ref.units.departments_for(dept_type, place.community)[0].code
        return cache[key]

    return pick


_SOURCES = (
    [CaseSource.PATROL] * 6 + [CaseSource.HOTLINE] * 2 + [CaseSource.APP] * 2 + [CaseSource.MEDIA]
)


def _reporter(source: CaseSource, street: str, cast: Cast) -> Actor:
    if source is CaseSource.MEDIA:  # media exposure is entered by the dispatch centre
        return DISPATCHER
    return CITIZEN if source.public else cast.collector(street)


# --- SLA countdowns


SLA_AT = datetime(2026, 11, 27, 15, 0, tzinfo=CITY_TZ)  # a Friday afternoon


def _open_cases(ref: Reference, count: int) -> list[tuple[Case, Subcategory]]:
    """``count`` open ordinary cases in the states an open case has, all dispatched."""
    rng = random.Random(SEED + 1)
    cast, places, pick = Cast(), _places(ref), _department_picker(ref)
    ordinary = [s for s in ref.taxonomy.subcategories.values() if not s.emergency]
    rows = []
    for i in range(count):
        sub, place = rng.choice(ordinary), rng.choice(places)
        source = rng.choice(_SOURCES)
        # A queue turning over ~3,700 cases a day: ages ~2.5 days on average, a tail of weeks.
        age = min(rng.expovariate(1 / (2.5 * 24 * 60)), 20 * 24 * 60)
        t = SLA_AT - timedelta(minutes=10 + age)
        case = ok(
            report_case(
                f"C-{i:06d}",
                source=source,
                description="路面破损",
                district_code=place.district,
                street_code=place.street,
                community_code=place.community,
                lon=place.lon,
                lat=place.lat,
                actor=_reporter(source, place.street, cast),
                now=t,
                ref=ref,
            )
        )
        collector = cast.collector(place.street)
        unit = pick(sub.dept_type, place)
        crew = cast.handler(unit)
        steps: list[tuple[CaseCommand, Actor]] = [
            (Verify(), collector),
            (File(sub.code), DISPATCHER),
            (Dispatch(unit), DISPATCHER),
        ]
        fate = rng.random()
        if fate < 0.20:
            pass  # dispatched, not yet accepted
        elif fate < 0.55:
            steps.append((Accept(), crew))
        elif fate < 0.65:
            steps += [(Accept(), crew), (Depart(), crew)]
        elif fate < 0.75:
            steps += [(Accept(), crew), (Arrive(), crew)]
        elif fate < 0.80:
            steps.append((Return("非本单位职责"), crew))
        elif fate < 0.87:
            steps += [
                (Accept(), crew),
                (Handle("已处理"), crew),
                (CheckFail("仍有垃圾"), collector),
            ]
        elif fate < 0.93:
            steps += [(Accept(), crew), (Suspend("等待审批"), DISPATCHER)]
        else:
            steps += [
                (Accept(), crew),
                (Suspend("恶劣天气"), DISPATCHER),
                (Resume(), DISPATCHER),
            ]
        if rng.random() < 0.08:
            steps.append((Escalate("督办"), DISPATCHER))
        for command, actor in steps:
            t += (SLA_AT - t) * rng.uniform(0.02, 0.25)  # each step later, all before SLA_AT
            case = ok(apply(case, command, actor, t, ref))
        assert not case.state.terminal
        assert case.first_dispatched_at is not None
        rows.append((case, sub))
    return rows


def bench_sla(ref: Reference, repeats: int) -> tuple[Result, Result]:
    rows = _open_cases(ref, 10_000)
    visible = rows[:200]
    refreshes = 5  # per timed repeat of the queue screen
    calendar = ref.taxonomy.calendar()

    def clocks(batch: Sequence[tuple[Case, Subcategory]]) -> tuple[int, int]:
        running = overdue = 0
        for case, sub in batch:
            for clock in case_clocks(case, sub, SLA_AT, calendar):
                overdue += clock.overdue
                running += clock.deadline is not None
        return running, overdue

    def screen() -> tuple[int, int]:
        out = (0, 0)
        for _ in range(refreshes):
            out = clocks(visible)
        return out

    seconds, outputs = timed(lambda: clocks(rows), repeats)
    with_deadline, overdue = same(outputs, "sla 10k")
    states = sorted({case.state.value for case, _ in rows})
    whole = ms_result(
        "sla_clocks_10k_open_cases",
        seconds,
        1,
        "ms/10k cases",
        1_000,
        f"10,000 cases in {len(states)} states, {with_deadline:,} clocks with a deadline, "
        f"{overdue:,} overdue",
    )
    seconds, outputs = timed(screen, max(repeats, 7))
    _, overdue_visible = same(outputs, "sla 200")
    rows_result = ms_result(
        "sla_clocks_200_visible_rows",
        seconds,
        refreshes,
        "ms/refresh",
        50,
        f"200 rows, {refreshes} refreshes per repeat, {overdue_visible} overdue clocks",
    )
    return whole, rows_result


# --- closed loop


@dataclass(frozen=True)
class Plan:
    case_id: str
    source: CaseSource
    place: Place
    reporter: Actor
    reported_at: datetime
    steps: tuple[tuple[CaseCommand, Actor, datetime], ...]


def _plans(ref: Reference, count: int) -> list[Plan]:
    rng = random.Random(SEED + 2)
    cast, places, pick = Cast(), _places(ref), _department_picker(ref)
    subs = list(ref.taxonomy.subcategories.values())
    day = datetime(2026, 11, 26, 8, 0, tzinfo=CITY_TZ)
    plans = []
    for i in range(count):
        sub, place = rng.choice(subs), rng.choice(places)
        source = rng.choice(_SOURCES)
        unit = pick(sub.dept_type, place)
        collector, crew = cast.collector(place.street), cast.handler(unit)
        t = day + timedelta(seconds=rng.uniform(0, 10 * 3600))
        commands: list[tuple[CaseCommand, Actor]] = [
            (Verify("现场核实属实"), collector),
            (File(sub.code), DISPATCHER),
            (Dispatch(unit), DISPATCHER),
            (Accept(), crew),
            (Handle("已处置完毕"), crew),
            (CheckPass("核查通过"), collector),
            (Close(), DISPATCHER),
        ]
        steps = []
        when = t
        for command, actor in commands:
            when += timedelta(minutes=rng.uniform(1, 90))
            steps.append((command, actor, when))
        plans.append(
            Plan(
                f"C-{i:06d}", source, place, _reporter(source, place.street, cast), t, tuple(steps)
            )
        )
    return plans


def bench_closed_loop(ref: Reference, repeats: int) -> Result:
    plans = _plans(ref, 10_000)
    per_case = 1 + len(plans[0].steps)

    def run() -> tuple[int, int]:
        transitions = closed = 0
        for plan in plans:
            place = plan.place
            outcome = report_case(
                plan.case_id,
                source=plan.source,
                description="道路积水",
                district_code=place.district,
                street_code=place.street,
                community_code=place.community,
                lon=place.lon,
                lat=place.lat,
                actor=plan.reporter,
                now=plan.reported_at,
                ref=ref,
            )
            if isinstance(outcome, Rejection):
                raise AssertionError(outcome)
            case, events = outcome
            transitions += len(events)
            for command, actor, now in plan.steps:
                outcome = apply(case, command, actor, now, ref)
                if isinstance(outcome, Rejection):
                    raise AssertionError(outcome)
                case, events = outcome
                transitions += len(events)
            closed += case.state is CaseState.CLOSED
        return transitions, closed

    seconds, outputs = timed(run, repeats)
    transitions, closed = same(outputs, "closed loop")
    assert transitions == per_case * len(plans)
    assert closed == len(plans)
    return rate_result(
        "case_closed_loop",
        transitions,
        seconds,
        "transitions/s",
        20_000,
        f"{len(plans):,} cases x {per_case} transitions, {closed:,} closed",
    )


# ------------------------------------------------------------------------------ reference


def bench_reference(repeats: int) -> Result:
    def run() -> tuple[int, int, int, int]:
        ref = load_reference_from(RESOURCES)
        return (
            len(ref.taxonomy.subcategories),
            len(ref.units.units),
            len(ref.evaluation.items),
            len(ref.devices.led_screens),
        )

    seconds, outputs = timed(run, repeats)
    subs, units, items, screens = same(outputs, "reference")
    return ms_result(
        "reference_load_validate",
        seconds,
        1,
        "ms",
        500,
        f"{subs} subcategories, {units:,} units, {items} items, {screens} LED screens",
    )


# ------------------------------------------------------------------------------ ranking


def _district_facts(ref: Reference, rng: random.Random, findings: int) -> list[DistrictFacts]:
    items = [item.code for item in ref.evaluation.items]
    # Some items are chronic (found again and again), most are rare.
    item_weights = [rng.paretovariate(1.2) for _ in items]
    facts = []
    for district in ref.units.districts:
        filed = rng.randint(5_000, 12_000)
        dispatched = filed - rng.randint(0, 200)
        closed = dispatched - rng.randint(0, 400)
        handled = closed + rng.randint(0, 300)
        ratings = rng.randint(300, 2_000)
        facts.append(
            DistrictFacts(
                district.code,
                filed=filed,
                filed_on_time=int(filed * rng.uniform(0.92, 1.0)),
                dispatched=dispatched,
                dispatched_correctly=int(dispatched * rng.uniform(0.95, 1.0)),
                closed=closed,
                closed_on_time=int(closed * rng.uniform(0.85, 0.99)),
                handled=handled,
                reworked=int(handled * rng.uniform(0.0, 0.06)),
                satisfaction_ratings=Ratings(ratings, ratings * rng.uniform(3.4, 4.8)),
                findings=[Finding(code) for code in rng.choices(items, item_weights, k=findings)],
            )
        )
    return facts


def bench_ranking(ref: Reference, repeats: int) -> Result:
    rng = random.Random(SEED + 3)
    rules = ref.evaluation.rules
    period = period_containing(PeriodKind.MONTH, SLA_AT)
    facts = _district_facts(ref, rng, 2_000)
    before = _district_facts(ref, rng, 2_000)
    previous = rank([score(f, rules) for f in before], rules, period=period.previous())

    def run() -> tuple[str, ...]:
        ranking = rank([score(f, rules) for f in facts], rules, previous, period=period)
        return tuple(e.district_code for e in ranking.entries)

    seconds, outputs = timed(run, max(repeats, 7))
    order = same(outputs, "ranking")
    return ms_result(
        "ranking_13_districts",
        seconds,
        1,
        "ms",
        100,
        f"{len(facts)} districts x 2,000 findings; first {order[0]}, last {order[-1]}",
    )


# ------------------------------------------------------------------------------ main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per benchmark")
    args = parser.parse_args(argv)
    repeats = max(1, args.repeats)

    started = time.perf_counter()
    ref = load_reference()
    print(
        f"domain benchmarks: median of {repeats}+ repeats, Python {sys.version.split()[0]}",
        flush=True,
    )
    results: list[Result] = []

    def show(result: Result) -> None:
        results.append(result)
        print(result.line(), flush=True)

    show(bench_iot(ref, repeats))
    for result in bench_sla(ref, repeats):
        show(result)
    show(bench_closed_loop(ref, repeats))
    show(bench_reference(repeats))
    show(bench_ranking(ref, repeats))
    missed = sum(not r.passed for r in results)
    print(
        f"{len(results) - missed}/{len(results)} within target; "
        f"total {time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
