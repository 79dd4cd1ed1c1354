"""The IoT platform: the city's sensors, their readings, and the push to the ingest API.

Offers:
- ``build_network(seed)`` → ``SensorNetwork``: sensors placed (seeded) inside the real district
  polygons — gas pressure stations (``GP``), gas valve-well concentration (``GW``), waterlogging
  gauges at underpasses (``WL``), supply pressure (``SP``) and night-flow meters (``SF``),
  drainage fill (``DR``), ground settlement (``GS``), manhole covers (``MC``), collision
  accelerometers on the 10 key bridges (``BC``) and their weigh-in-motion stations (``WIM``).
  Ids carry the district (``WL-330102-007``); ``district_of(device_id)`` answers it for any id;
- ``ReadingGenerator``: the pure, seeded sequence of readings on the run's timeline —
  ``until(offset)`` (everything due by then, in order) and ``take(n)``;
- ``IotPlatform``: pushes what is due to ``POST /api/v1/ingest/readings`` in batches (one
  ``Idempotency-Key`` per batch, the same key and bytes on every retry), one batch in flight;
  every reading carries its sensor's ``district_code``, ``lon`` and ``lat`` (the server has no
  device record of the sensors, so that is where their alarms get a place on the map).
  ``reading_body`` builds a batch's bytes from ``device_locations(network)``.

Volumes at ``--rate 1`` (``KINDS``; ``daily_volume``): periodic sensors ~1.25 million readings a
day, vehicles on the bridges ~150,000 (following the traffic profile; about 1 in 750 over the
49 t limit → ~200 overweight a day), plus impacts and the fast reporting of sensors in an
incident — ~1.4 million a day, ~16 a second on average. ``--rate X`` multiplies all of it.

Normal values stay clear of every alarm band; alarms come from *incidents* (a blocked drain, a
leaking main, a tilted cover, a silent device…: ~1,000 a day at rate 1, each with a course of
8–45 simulated minutes, reported fast while it lasts and after it so the alarm clears), from
vehicles and impacts, and from the scenario (``scenarios``). There is no waterlogging without a
storm. A device that falls silent stops reporting; the platform's heartbeat check then sends its
``silence_min`` until it is back.
"""

from __future__ import annotations

import bisect
import heapq
import json
import logging
import math
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from cityops.domain import alarm_rules as ar
from cityops.domain.geography import District, load_districts
from cityops.simulator.clock import (
    DAY,
    MINUTE,
    PUBLIC,
    TRAFFIC,
    Arrivals,
    RunClock,
    hour_at,
    uniform_between,
)

if TYPE_CHECKING:
    from cityops.simulator.client import Http
    from cityops.simulator.runner import Stats
    from cityops.simulator.scenarios import Scenario

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SensorKind:
    prefix: str
    metric: str
    count: int
    #: Seconds between two readings of one sensor at rate 1.
    period: float
    name_zh: str


#: The periodic sensors: (prefix, metric, how many, period at rate 1).
KINDS: Final = (
    SensorKind("GP", "gas_pressure_mp", 200, 60, "燃气调压站压力"),
    SensorKind("GW", "gas_lel", 300, 300, "燃气阀井可燃气体浓度"),
    SensorKind("WL", "water_depth", 160, 60, "下穿通道积水深度"),
    SensorKind("SP", "supply_pressure_drop_pct", 250, 60, "供水管网压力"),
    SensorKind("SF", "supply_night_flow_excess_pct", 60, 900, "供水分区夜间流量"),
    SensorKind("DR", "drainage_fill_pct", 200, 120, "排水管道充满度"),
    SensorKind("GS", "ground_settlement_mm", 150, 600, "路面沉降"),
    SensorKind("MC", "cover_tilt_deg", 400, 600, "智能井盖倾角"),
    SensorKind("BC", "bridge_impact_accel_g", 40, 60, "桥梁防撞加速度"),
)
KIND_BY_PREFIX: Final = {k.prefix: k for k in KINDS}
WIM_METRIC: Final = "vehicle_gross_weight_t"
SILENCE_METRIC: Final = "silence_min"
#: Vehicles weighed on the 10 key bridges per day at rate 1.
VEHICLES_PER_DAY: Final = 150_000.0
#: Share of vehicles over the bridge limit: 150,000 / 750 = 200 overweight a day.
OVERWEIGHT_SHARE: Final = 1 / 750
#: Vehicle and ship impacts on the bridges per day at rate 1.
IMPACTS_PER_DAY: Final = 3.0
#: Background incidents (sensors leaving their normal range) per day at rate 1.
INCIDENTS_PER_DAY: Final = 1_000.0
#: Incidents already under way when the run starts (the city is never all quiet).
INITIAL_INCIDENTS: Final = 3

#: Sensors per district, by weight (the urban core is densely instrumented).
DISTRICT_WEIGHTS: Final = {
    "330102": 1.6,
    "330105": 1.5,
    "330106": 1.4,
    "330108": 1.0,
    "330109": 1.4,
    "330110": 1.4,
    "330111": 0.6,
    "330112": 0.5,
    "330113": 0.9,
    "330114": 0.8,
    "330122": 0.3,
    "330127": 0.25,
    "330182": 0.3,
}

#: The 10 key bridges with weigh-in-motion: (name, district, share of the vehicles). Positions
#: are drawn inside the district, not surveyed.
BRIDGES: Final = (
    ("钱塘江大桥", "330106", 1.2),
    ("钱江二桥", "330102", 1.0),
    ("西兴大桥", "330108", 1.1),
    ("复兴大桥", "330102", 1.3),
    ("之江大桥", "330106", 0.8),
    ("九堡大桥", "330102", 1.0),
    ("江东大桥", "330114", 0.8),
    ("下沙大桥", "330114", 0.9),
    ("彭埠大桥", "330102", 0.9),
    ("秋石高架桥", "330105", 1.0),
)

#: What background incidents hit, by weight ("silence": any sensor falls silent).
INCIDENT_MIX: Final = (
    ("DR", 20.0),
    ("SP", 14.0),
    ("SF", 4.0),
    ("GS", 7.0),
    ("MC", 22.0),
    ("GW", 9.0),
    ("GP", 6.0),
    ("silence", 10.0),
)
#: Longest a device stays silent in an incident, minutes (a major silence; critical is a day).
MAX_SILENCE: Final = 300.0
#: How severe an incident gets at its peak, by weight.
SEVERITY_MIX: Final = (("warning", 0.45), ("minor", 0.30), ("major", 0.18), ("critical", 0.07))


@dataclass(frozen=True, slots=True)
class Sensor:
    id: str
    kind: str  # prefix of ``KINDS``, or "WIM"
    metric: str
    district_code: str
    lon: float
    lat: float
    #: Its normal level (per sensor: stations differ).
    baseline: float = 0.0
    bridge: str | None = None


@dataclass(frozen=True, slots=True)
class Bridge:
    code: str
    name_zh: str
    district_code: str
    lon: float
    lat: float
    wim_id: str
    share: float


@dataclass(frozen=True)
class SensorNetwork:
    sensors: tuple[Sensor, ...]
    bridges: tuple[Bridge, ...]
    by_id: Mapping[str, Sensor] = field(init=False)
    by_kind: Mapping[str, tuple[Sensor, ...]] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {s.id: s for s in self.sensors})
        kinds: dict[str, list[Sensor]] = {}
        for s in self.sensors:
            kinds.setdefault(s.kind, []).append(s)
        object.__setattr__(self, "by_kind", {k: tuple(v) for k, v in kinds.items()})

    def district_of(self, device_id: str) -> str | None:
        sensor = self.by_id.get(device_id)
        return sensor.district_code if sensor is not None else None

    @staticmethod
    def daily_volume(rate: float = 1.0) -> float:
        """Readings a day at ``rate`` without incidents and scenarios (the steady base)."""
        periodic = sum(k.count * DAY / k.period for k in KINDS)
        return rate * (periodic + VEHICLES_PER_DAY + IMPACTS_PER_DAY)


def _allocate(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """``total`` split by weight (largest remainder), at least one each."""
    codes = sorted(weights)
    scale = sum(weights.values())
    raw = {c: total * weights[c] / scale for c in codes}
    counts = {c: max(1, int(raw[c])) for c in codes}
    rest = total - sum(counts.values())
    for c in sorted(codes, key=lambda c: (-(raw[c] - int(raw[c])), c))[: max(0, rest)]:
        counts[c] += 1
    return counts


def _baseline(kind: str, rng: random.Random) -> float:
    match kind:
        case "GP":
            return round(uniform_between(rng, 0.28, 0.34), 4)
        case "GW":
            return round(uniform_between(rng, 0.0, 2.0), 2)
        case "SP":
            return round(uniform_between(rng, 0.0, 3.0), 2)
        case "SF":
            return round(uniform_between(rng, 0.0, 10.0), 2)
        case "DR":
            return round(uniform_between(rng, 20.0, 45.0), 1)
        case "GS":
            return round(uniform_between(rng, 0.0, 6.0), 2)
        case "MC":
            return round(uniform_between(rng, 0.0, 1.5), 2)
        case "BC":
            return round(uniform_between(rng, 0.002, 0.01), 4)
    return 0.0


def build_network(seed: int, districts: Mapping[str, District] | None = None) -> SensorNetwork:
    """The sensor network of seed ``seed``: the same seed places the same sensors."""
    districts = districts if districts is not None else load_districts()
    rng = random.Random(f"{seed}:placement")
    weights = {c: DISTRICT_WEIGHTS.get(c, 0.5) for c in districts}
    sensors: list[Sensor] = []
    for kind in KINDS:
        if kind.prefix == "BC":
            continue
        for code, n in _allocate(kind.count, weights).items():
            for i in range(1, n + 1):
                lon, lat = districts[code].random_point(rng)
                sensors.append(
                    Sensor(
                        id=f"{kind.prefix}-{code}-{i:03d}",
                        kind=kind.prefix,
                        metric=kind.metric,
                        district_code=code,
                        lon=round(lon, 6),
                        lat=round(lat, 6),
                        baseline=_baseline(kind.prefix, rng),
                    )
                )
    bridges: list[Bridge] = []
    per_bridge = KIND_BY_PREFIX["BC"].count // len(BRIDGES)
    for n, (name, code, share) in enumerate(BRIDGES, start=1):
        lon, lat = districts[code].random_point(rng)
        bridge = Bridge(
            f"B{n:02d}", name, code, round(lon, 6), round(lat, 6), f"WIM-{n:02d}01", share
        )
        bridges.append(bridge)
        sensors.append(
            Sensor(bridge.wim_id, "WIM", WIM_METRIC, code, bridge.lon, bridge.lat, 0.0, bridge.code)
        )
        for k in range(1, per_bridge + 1):
            sensors.append(
                Sensor(
                    f"BC-{n:02d}-{k}",
                    "BC",
                    KIND_BY_PREFIX["BC"].metric,
                    code,
                    bridge.lon,
                    bridge.lat,
                    _baseline("BC", rng),
                    bridge.code,
                )
            )
    return SensorNetwork(tuple(sensors), tuple(bridges))


# ------------------------------------------------------------------ generation


@dataclass(frozen=True, slots=True)
class GeneratedReading:
    """One reading on the run's timeline: ``offset`` real seconds after the start."""

    offset: float
    device_id: str
    metric: str
    value: float


@dataclass(frozen=True, slots=True)
class Incident:
    """A sensor out of its normal range for a while (simulated seconds): up to ``peak`` over the
    first fifth, held until seven tenths, back to normal by ``end``."""

    sensor_id: str
    metric: str
    start: float
    end: float
    peak: float

    def shape(self, t_sim: float) -> float:
        span = self.end - self.start
        x = (t_sim - self.start) / span if span > 0 else 1.0
        if x <= 0 or x >= 1:
            return 0.0
        if x < 0.2:
            return x / 0.2
        if x < 0.7:
            return 1.0
        return (1 - x) / 0.3


def band_value(rule: ar.Rule, severity: str, rng: random.Random) -> float:
    """A value inside ``severity``'s band of ``rule`` (above its threshold, below the next)."""
    bands = rule.bands
    names = [b.severity.value for b in bands]
    i = names.index(severity) if severity in names else len(bands) - 1
    low = bands[i].threshold
    high = bands[i + 1].threshold if i + 1 < len(bands) else low * 1.25
    return low + (high - low) * (0.15 + 0.7 * rng.random())


def _pick(rng: random.Random, mix: Sequence[tuple[str, float]]) -> str:
    total = sum(w for _, w in mix)
    x = rng.random() * total
    for name, weight in mix:
        x -= weight
        if x < 0:
            return name
    return mix[-1][0]


_PERIODIC, _FAST, _VEHICLE, _IMPACT, _INCIDENT = range(5)


class ReadingGenerator:
    """The seeded sequence of readings of one run.

    Streams, each on its own ``random.Random`` derived from the seed: periodic sensors (each
    kind round-robin at ``count / period × rate`` readings per second), vehicles (Poisson,
    traffic profile), impacts, incidents, and the fast reporting of the sensors the scenario or an
    incident involves. The merge is ordered by time with a deterministic tie-break, so the
    sequence depends only on (seed, rate, speed, profile hour, scenario)."""

    def __init__(
        self,
        network: SensorNetwork,
        scenario: Scenario,
        *,
        seed: int,
        rate: float = 1.0,
        speed: float = 1.0,
        profile_hour: float = 12.0,
        rules: ar.RuleSet | None = None,
    ) -> None:
        if rate <= 0 or speed <= 0:
            raise ValueError("rate and speed must be > 0")
        self.network = network
        self.scenario = scenario
        self.rate = rate
        self.speed = speed
        self.profile_hour = profile_hour
        self.rules = rules or ar.default_rules()
        self._values = random.Random(f"{seed}:readings")
        self._incident_rng = random.Random(f"{seed}:incidents")
        self._heap: list[tuple[float, int, int, Any]] = []
        self._n = 0
        self._incidents: dict[str, Incident] = {}
        self._silent: dict[str, float] = {}  # sensor id → sim time it speaks again
        self.generated = 0

        self._periodic: list[tuple[tuple[Sensor, ...], float, float]] = []
        for kind in KINDS:
            sensors = network.by_kind.get(kind.prefix, ())
            if not sensors:
                continue
            step = kind.period / (rate * len(sensors))
            phase = self._values.random() * step
            self._periodic.append((sensors, step, phase))
            self._push(phase, _PERIODIC, (len(self._periodic) - 1, 0))

        bridges = network.bridges
        self._bridge_cum = list(_cumulative([b.share for b in bridges]))

        def traffic(t: float) -> float:
            return TRAFFIC.at(hour_at(profile_hour, t))

        self._vehicles = Arrivals(
            random.Random(f"{seed}:traffic"), VEHICLES_PER_DAY / DAY * rate, traffic, TRAFFIC.peak
        )
        self._impacts = Arrivals(random.Random(f"{seed}:impacts"), IMPACTS_PER_DAY / DAY * rate)
        self._incident_arrivals = Arrivals(self._incident_rng, INCIDENTS_PER_DAY / DAY * rate)
        if bridges:
            self._push(self._vehicles.next(), _VEHICLE, None)
            if network.by_kind.get("BC"):
                self._push(self._impacts.next(), _IMPACT, None)
        self._push(self._incident_arrivals.next(), _INCIDENT, None)
        for _ in range(INITIAL_INCIDENTS):
            self._start_incident(0.0, ongoing=True)

        for sensor, start, end in scenario.fast_reports(network):
            dt = max(1.0, min(60.0, (end - start) / speed / 20))
            self._push(start / speed, _FAST, (sensor.id, sensor.metric, end / speed + 2 * dt, dt))

    # -- public

    def until(self, offset: float) -> list[GeneratedReading]:
        """Every reading due at or before ``offset`` (real seconds), in order."""
        out: list[GeneratedReading] = []
        heap = self._heap
        while heap and heap[0][0] <= offset:
            t, _, kind, data = heapq.heappop(heap)
            reading = self._fire(t, kind, data)
            if reading is not None:
                out.append(reading)
        self.generated += len(out)
        return out

    def take(self, n: int) -> list[GeneratedReading]:
        """The next ``n`` readings (for tests: the same seed gives the same list)."""
        out: list[GeneratedReading] = []
        while len(out) < n and self._heap:
            t, _, kind, data = heapq.heappop(self._heap)
            reading = self._fire(t, kind, data)
            if reading is not None:
                out.append(reading)
        self.generated += len(out)
        return out

    def __iter__(self) -> Iterator[GeneratedReading]:
        while self._heap:
            yield from self.take(1)

    def expected_per_s(self, offset: float) -> float:
        """The base volume asked for at ``offset`` (periodic + traffic), readings per second."""
        periodic = sum(1 / step for _, step, _ in self._periodic)
        traffic = (
            VEHICLES_PER_DAY / DAY * self.rate * TRAFFIC.at(hour_at(self.profile_hour, offset))
        )
        return periodic + traffic

    def district_of(self, device_id: str) -> str | None:
        return self.network.district_of(device_id)

    # -- inner workings

    def _push(self, t: float, kind: int, data: Any) -> None:
        if math.isfinite(t):
            self._n += 1
            heapq.heappush(self._heap, (t, self._n, kind, data))

    def _fire(self, t: float, kind: int, data: Any) -> GeneratedReading | None:
        if kind == _PERIODIC:
            index, j = data
            sensors, step, phase = self._periodic[index]
            self._push(phase + (j + 1) * step, _PERIODIC, (index, j + 1))
            sensor = sensors[j % len(sensors)]
            if self._is_silent(sensor.id, t * self.speed):
                return None
            return self._reading(t, sensor, sensor.metric)
        if kind == _FAST:
            device_id, metric, end, dt = data
            if t + dt <= end:
                self._push(t + dt, _FAST, data)
            if metric == SILENCE_METRIC:
                return self._silence_reading(t, device_id)
            sensor = self.network.by_id[device_id]
            if self._is_silent(sensor.id, t * self.speed):
                return None
            return self._reading(t, sensor, metric)
        if kind == _VEHICLE:
            self._push(self._vehicles.next(), _VEHICLE, None)
            return self._vehicle(t)
        if kind == _IMPACT:
            self._push(self._impacts.next(), _IMPACT, None)
            return self._impact(t)
        self._push(self._incident_arrivals.next(), _INCIDENT, None)
        self._start_incident(t)
        return None

    def _reading(self, t: float, sensor: Sensor, metric: str) -> GeneratedReading:
        t_sim = t * self.speed
        rng = self._values
        value = self.scenario.value(sensor, t_sim)
        if value is not None:
            value += rng.gauss(0, abs(value) * 0.01 + 1e-4)
        else:
            incident = self._incidents.get(sensor.id)
            base = self._normal(sensor, t, rng)
            if incident is not None and incident.metric == metric:
                if t_sim >= incident.end:
                    del self._incidents[sensor.id]
                    value = base
                else:
                    value = base + (incident.peak - base) * incident.shape(t_sim)
            else:
                value = base
        return GeneratedReading(round(t, 3), sensor.id, metric, _round(metric, max(0.0, value)))

    def _normal(self, s: Sensor, t: float, rng: random.Random) -> float:
        h = hour_at(self.profile_hour, t)
        match s.kind:
            case "GP":
                return (
                    s.baseline + 0.006 * math.sin((h - 7) / 24 * 2 * math.pi) + rng.gauss(0, 0.002)
                )
            case "GW":
                return s.baseline + rng.gauss(0, 0.4)
            case "WL":
                return rng.gauss(0, 0.15)
            case "SP":
                return s.baseline + rng.gauss(0, 0.8)
            case "SF":
                return s.baseline + rng.gauss(0, 2.0)
            case "DR":
                return s.baseline + 8 * (PUBLIC.at(h) - 1) * 0.6 + rng.gauss(0, 2.0)
            case "GS":
                return s.baseline + rng.gauss(0, 0.15)
            case "MC":
                return s.baseline + abs(rng.gauss(0, 0.3))
            case "BC":
                return s.baseline + abs(rng.gauss(0, 0.003))
        return s.baseline

    def _vehicle(self, t: float) -> GeneratedReading:
        rng = self._values
        bridge = self.network.bridges[
            min(len(self.network.bridges) - 1, bisect.bisect(self._bridge_cum, rng.random()))
        ]
        u = rng.random()
        if u < OVERWEIGHT_SHARE:
            weight = (
                uniform_between(rng, 49.5, 60.0)
                if rng.random() < 0.75
                else uniform_between(rng, 64.0, 80.0)
            )
        elif u < 0.70:
            weight = uniform_between(rng, 1.1, 2.6)  # cars
        elif u < 0.88:
            weight = uniform_between(rng, 3.0, 12.0)  # vans and light trucks
        else:
            weight = uniform_between(rng, 15.0, 48.5)  # heavy trucks within the limit
        return GeneratedReading(round(t, 3), bridge.wim_id, WIM_METRIC, round(weight, 1))

    def _impact(self, t: float) -> GeneratedReading:
        rng = self._values
        sensors = self.network.by_kind["BC"]
        sensor = sensors[int(rng.random() * len(sensors))]
        g = (
            uniform_between(rng, 0.06, 0.2)
            if rng.random() < 0.7
            else uniform_between(rng, 0.2, 0.5)
        )
        return GeneratedReading(round(t, 3), sensor.id, sensor.metric, round(g, 4))

    def _is_silent(self, sensor_id: str, t_sim: float) -> bool:
        until = self._silent.get(sensor_id)
        if until is None:
            return False
        if t_sim >= until:
            del self._silent[sensor_id]
            return False
        return True

    def _silence_reading(self, t: float, device_id: str) -> GeneratedReading:
        """The platform's heartbeat check: minutes since the device was last heard, 0 once it
        reports again."""
        t_sim = t * self.speed
        incident = self._incidents.get(device_id)
        minutes = 0.0
        if incident is not None and incident.metric == SILENCE_METRIC:
            if t_sim >= incident.end:
                del self._incidents[device_id]
            else:
                minutes = max(0.0, (t_sim - incident.start) / MINUTE)
        return GeneratedReading(round(t, 3), device_id, SILENCE_METRIC, round(minutes, 1))

    def _start_incident(self, t: float, *, ongoing: bool = False) -> None:
        rng = self._incident_rng
        what = _pick(rng, INCIDENT_MIX)
        if what == "silence":
            pool = [s for s in self.network.sensors if s.kind != "WIM"]
        else:
            pool = list(self.network.by_kind.get(what, ()))
        duration = uniform_between(rng, 8.0, 45.0) * MINUTE
        severity = _pick(rng, SEVERITY_MIX)
        if not pool:
            return
        sensor = pool[int(rng.random() * len(pool))]
        phase = uniform_between(rng, 0.25, 0.65) if ongoing else 0.0
        t_sim = t * self.speed
        if (
            sensor.id in self._incidents
            or sensor.id in self._silent
            or self.scenario.involves(sensor.id)
        ):
            return
        start = t_sim - phase * duration
        end = start + duration
        metric = SILENCE_METRIC if what == "silence" else sensor.metric
        rule = self.rules.get(metric)
        if rule is None:
            return
        peak = band_value(rule, severity, rng)
        if what == "silence":
            # Silent for ``peak`` minutes (its band's, at most MAX_SILENCE): the heartbeat check
            # counts up to it, then the device reports again.
            peak = min(peak, MAX_SILENCE)
            end = start + peak * MINUTE
            self._silent[sensor.id] = end
        incident = Incident(sensor.id, metric, start, end, peak)
        self._incidents[sensor.id] = incident
        real_start, real_end = max(t, start / self.speed), end / self.speed
        dt = max(1.0, min(15.0, (real_end - real_start) / 10))
        self._push(real_start, _FAST, (sensor.id, metric, real_end + dt, dt))


def _cumulative(weights: Sequence[float]) -> Iterator[float]:
    total = sum(weights)
    acc = 0.0
    for w in weights:
        acc += w / total
        yield acc


_DECIMALS: Final = {
    "gas_pressure_mp": 4,
    "bridge_impact_accel_g": 4,
    "ground_settlement_mm": 2,
}


def _round(metric: str, value: float) -> float:
    return round(value, _DECIMALS.get(metric, 1))


# ------------------------------------------------------------------ the platform

_NOWHERE: Final[Mapping[str, Any]] = {}


def device_locations(network: SensorNetwork) -> dict[str, Mapping[str, Any]]:
    """Device id → the location fields the platform forwards with its readings
    (``district_code``, ``lon``, ``lat``), for every sensor of ``network`` (bridges' WIM
    stations included). Built once per platform: a batch then costs one lookup a reading."""
    return {
        s.id: {"district_code": s.district_code, "lon": s.lon, "lat": s.lat}
        for s in network.sensors
    }


def reading_body(
    readings: Sequence[GeneratedReading],
    at: Callable[[float], datetime],
    where: Mapping[str, Mapping[str, Any]],
) -> bytes:
    """The JSON body of ``POST /api/v1/ingest/readings`` for ``readings``: each dated
    ``at(offset)`` and carrying its device's location from ``where`` (``device_locations``), as
    IoT platforms forward device metadata with telemetry, so the server can place the alarms
    of sensors it has no device record of. A device not in ``where`` is sent without one."""
    return json.dumps(
        {
            "readings": [
                {
                    "device_id": r.device_id,
                    "metric": r.metric,
                    "value": r.value,
                    "at": at(r.offset).isoformat(),
                    **where.get(r.device_id, _NOWHERE),
                }
                for r in readings
            ]
        }
    ).encode()


class IotPlatform:
    """Pushes the generator's readings to the ingest API as they fall due.

    Every ``batch_interval`` seconds what is due goes out in one batch (split at 5,000). A
    batch is sent until the server takes it: network errors and 5xx are retried with the same
    ``Idempotency-Key`` and the same bytes, so a batch the server applied but whose answer was
    lost is not applied twice. The backlog (due but not yet accepted) is what ``Stats`` reports
    as falling behind."""

    MAX_BATCH: Final = 5_000

    def __init__(
        self,
        http: Http,
        generator: ReadingGenerator,
        clock: RunClock,
        stats: Stats,
        *,
        batch_interval: float = 1.0,
    ) -> None:
        self.http = http
        self.generator = generator
        self.clock = clock
        self.stats = stats
        self.batch_interval = batch_interval
        self._batch_no = 0
        self._run = f"{random.getrandbits(40):010x}"  # keys unique per run, not part of the city
        self._where = device_locations(generator.network)

    async def run(self) -> None:
        while True:
            started = self.clock.elapsed()
            due = self.generator.until(started)
            self.stats.readings_generated += len(due)
            for i in range(0, len(due), self.MAX_BATCH):
                chunk = due[i : i + self.MAX_BATCH]
                await self._send(chunk)
                lag = self.clock.elapsed() - chunk[0].offset
                self.stats.max_lag_s = max(self.stats.max_lag_s, lag)
            await self.http.sleep(max(0.0, self.batch_interval - (self.clock.elapsed() - started)))

    async def _send(self, readings: list[GeneratedReading]) -> None:
        self._batch_no += 1
        key = f"sim-{self._run}-{self._batch_no}"
        body = reading_body(readings, self.clock.at, self._where)
        headers = {**self.http.integration_headers(key), "Content-Type": "application/json"}
        r = await self.http.request(
            "POST", "/api/v1/ingest/readings", content=body, headers=headers
        )
        if r.status_code != 200:
            self.stats.errors[f"ingest HTTP {r.status_code}"] += 1
            log.error(
                "ingest refused a batch of %d: HTTP %d %s",
                len(readings),
                r.status_code,
                r.text[:300],
            )
            return
        answer = r.json()
        self.stats.readings_sent += len(readings)
        self.stats.reading_batches += 1
        self.stats.alarms_raised += int(answer.get("alarms_raised", 0))
        self.stats.alarms_cleared += int(answer.get("alarms_cleared", 0))
