"""Scenarios: what happens to the city on top of a normal day (deterministic with the seed).

Each scenario's timeline is in *simulated* seconds from the start of the run (``--speed``
compresses it: a 1-hour storm at speed 60 is over in a real minute); after it the city goes on
as normal. A scenario may

- set sensor values (``value``) and make the sensors it involves report fast while it lasts
  and a little after (``fast_reports``), so alarms rise and clear visibly at any speed;
- multiply citizens' reports (``public_factor``; per real second, like every volume) and say
  what the extra ones are about (``extra_report``);
- cut the power of lighting cabinets (``cabinets_out``: cabinet id → whether its controller went
  offline too), which the device gateway reports.

``build(name, seed, network, ref)`` makes one; ``NAMES`` lists them:

- ``normal``: nothing beyond the everyday incidents;
- ``storm``: three low-lying districts flood — most of their underpass gauges rise above the
  waterlogging bands (peaks 12–55 cm at ~20–30 min), drains run full and surcharge, a main or
  two loses pressure, a road settles; then the water recedes below the bands by ~55 min and
  the alarms clear. Elsewhere it only rains (a few cm, no alarm). Citizens report 5× as much
  in the storm hour, the extra reports being standing water and blocked drains in the flooded
  districts;
- ``gas-leak``: one pressure station's pressure climbs through every band to critical, its
  nearest valve well's gas concentration follows to critical, three neighbouring wells to
  warning/major; the valve is shut at 40 min and everything is back to normal by ~55 min;
- ``flood-of-reports``: 10× citizens' reports for an hour (the usual mix of problems);
- ``blackout``: one district's lighting cabinets lose mains power from minute 1 to minute 90
  (a quarter of their controllers go offline with it); the gateway reports the faults.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from cityops.domain.reference import Reference
from cityops.simulator.clock import MINUTE, uniform_between
from cityops.simulator.iot import Sensor, SensorNetwork

NAMES: Final = ("normal", "storm", "gas-leak", "flood-of-reports", "blackout")

#: Districts where storms flood underpasses first (low-lying, densely built).
LOW_LYING: Final = ("330102", "330105", "330106", "330108", "330109", "330110", "330113", "330114")


@dataclass(frozen=True, slots=True)
class ExtraReport:
    """What a scenario's extra citizen report is about."""

    district_code: str
    service_code: str


def _ramp(t: float, points: Sequence[tuple[float, float]]) -> float:
    """Piecewise-linear through ``(time, value)`` points; flat outside them."""
    if t <= points[0][0]:
        return points[0][1]
    for (t0, v0), (t1, v1) in zip(points, points[1:], strict=False):
        if t <= t1:
            return v0 + (v1 - v0) * (t - t0) / (t1 - t0) if t1 > t0 else v1
    return points[-1][1]


class Scenario:
    """The normal city: no overlay, no extra reports, no outage."""

    name = "normal"
    #: Simulated seconds from the start of the run when it begins and ends.
    start: float = 0.0
    end: float = 0.0

    def value(self, sensor: Sensor, t_sim: float) -> float | None:
        """The sensor's value at ``t_sim`` if the scenario sets it, else None."""
        return None

    def fast_reports(self, network: SensorNetwork) -> Sequence[tuple[Sensor, float, float]]:
        """(sensor, from, to) in simulated seconds: who reports fast, and when."""
        return ()

    def involves(self, sensor_id: str) -> bool:
        return False

    def public_factor(self, t_sim: float) -> float:
        return 1.0

    @property
    def max_public_factor(self) -> float:
        return 1.0

    def extra_report(self, rng: random.Random) -> ExtraReport | None:
        """What one extra report is about (None: the everyday mix)."""
        return None

    def cabinets_out(self, t_sim: float) -> Mapping[str, bool]:
        """Lighting cabinets without power at ``t_sim`` → whether their controller is offline."""
        return {}

    @property
    def affected_districts(self) -> tuple[str, ...]:
        return ()

    def active(self, t_sim: float) -> bool:
        return self.start <= t_sim < self.end

    def describe(self) -> str:
        return "normal day"


# ------------------------------------------------------------------ storm


@dataclass(frozen=True, slots=True)
class _Course:
    """One sensor's course through the storm: ``points`` of (sim seconds, value)."""

    points: tuple[tuple[float, float], ...]


class _Coursed(Scenario):
    """A scenario that drives some sensors along courses (``_courses``) while it lasts and has
    ``_fast`` report fast meanwhile."""

    _courses: dict[str, _Course]
    _fast: Sequence[Sensor]

    def value(self, sensor: Sensor, t_sim: float) -> float | None:
        if not self.start <= t_sim < self.end:
            return None
        course = self._courses.get(sensor.id)
        return None if course is None else _ramp(t_sim, course.points)

    def fast_reports(self, network: SensorNetwork) -> Sequence[tuple[Sensor, float, float]]:
        return [(s, self.start, self.end) for s in self._fast]

    def involves(self, sensor_id: str) -> bool:
        return sensor_id in self._courses


class Storm(_Coursed):
    name = "storm"
    DURATION: Final = 60 * MINUTE
    FACTOR: Final = 5.0
    EXTRA_CODES: Final = (("0719", 6.0), ("0729", 2.0), ("0103", 1.0), ("0104", 1.0), ("0227", 1.0))

    def __init__(self, rng: random.Random, network: SensorNetwork) -> None:
        self.start, self.end = 0.0, self.DURATION
        candidates = [c for c in LOW_LYING if network.by_kind.get("WL")]
        self.flooded = tuple(sorted(rng.sample(candidates, 3)))
        self._courses: dict[str, _Course] = {}
        self._fast: list[Sensor] = []
        m = MINUTE
        for s in network.by_kind.get("WL", ()):
            rise, peak_at = uniform_between(rng, 2, 8) * m, uniform_between(rng, 18, 30) * m
            hold, gone = uniform_between(rng, 2, 8) * m, uniform_between(rng, 46, 54) * m
            flooded = s.district_code in self.flooded
            if flooded and rng.random() < 0.8:
                peak = uniform_between(rng, 12, 55)
            elif flooded:
                peak = uniform_between(rng, 3, 8)
            else:
                peak = uniform_between(rng, 0.5, 6)
            self._courses[s.id] = _Course(
                ((rise, 0.0), (peak_at, peak), (peak_at + hold, peak), (gone, 0.0))
            )
            if flooded:
                self._fast.append(s)
        for s in network.by_kind.get("DR", ()):
            rise, peak_at = uniform_between(rng, 1, 6) * m, uniform_between(rng, 15, 28) * m
            gone = uniform_between(rng, 42, 52) * m
            if s.district_code in self.flooded:
                peak = uniform_between(rng, 80, 130)
                self._fast.append(s)
            else:
                peak = s.baseline + uniform_between(rng, 5, 15)
            self._courses[s.id] = _Course(
                ((rise, s.baseline), (peak_at, peak), (peak_at + 5 * m, peak), (gone, s.baseline))
            )
        # A main or two bursts under the load, a road settles over a washed-out void.
        for kind, low, high, n in (("SP", 22, 45, 2), ("GS", 12, 28, 1)):
            pool = [s for s in network.by_kind.get(kind, ()) if s.district_code in self.flooded]
            for s in rng.sample(pool, min(n, len(pool))):
                at = uniform_between(rng, 15, 30) * m
                peak = uniform_between(rng, low, high)
                self._courses[s.id] = _Course(
                    ((at, s.baseline), (at + 4 * m, peak), (48 * m, peak), (54 * m, s.baseline))
                )
                self._fast.append(s)
        self._fast_ids = frozenset(s.id for s in self._fast)

    def public_factor(self, t_sim: float) -> float:
        return self.FACTOR if self.active(t_sim) else 1.0

    @property
    def max_public_factor(self) -> float:
        return self.FACTOR

    def extra_report(self, rng: random.Random) -> ExtraReport | None:
        district = self.flooded[int(rng.random() * len(self.flooded))]
        total = sum(w for _, w in self.EXTRA_CODES)
        x = rng.random() * total
        for code, weight in self.EXTRA_CODES:
            x -= weight
            if x < 0:
                return ExtraReport(district, code)
        return ExtraReport(district, self.EXTRA_CODES[0][0])

    @property
    def affected_districts(self) -> tuple[str, ...]:
        return self.flooded

    def describe(self) -> str:
        return f"storm: {', '.join(self.flooded)} flood for an hour (simulated)"


# ------------------------------------------------------------------ gas leak


def _km(a: Sensor, b: Sensor) -> float:
    k = math.cos(math.radians((a.lat + b.lat) / 2))
    return 111.2 * math.hypot((a.lon - b.lon) * k, a.lat - b.lat)


class GasLeak(_Coursed):
    name = "gas-leak"
    DURATION: Final = 60 * MINUTE

    def __init__(self, rng: random.Random, network: SensorNetwork) -> None:
        self.start, self.end = 0.0, self.DURATION
        m = MINUTE
        stations = [s for s in network.by_kind.get("GP", ()) if s.district_code in LOW_LYING]
        self.station = stations[int(rng.random() * len(stations))]
        wells = sorted(network.by_kind.get("GW", ()), key=lambda w: (_km(self.station, w), w.id))
        self.well = wells[0]
        self.neighbours = tuple(wells[1:4])
        base = self.station.baseline
        self._courses: dict[str, _Course] = {
            self.station.id: _Course(
                (
                    (5 * m, base),
                    (12 * m, 0.39),
                    (18 * m, 0.415),
                    (24 * m, 0.43),
                    (30 * m, 0.452),
                    (40 * m, 0.455),
                    (45 * m, base),
                )
            ),
            self.well.id: _Course(
                (
                    (8 * m, self.well.baseline),
                    (14 * m, 12.0),
                    (18 * m, 22.0),
                    (22 * m, 30.0),
                    (28 * m, 65.0),
                    (40 * m, 70.0),
                    (55 * m, self.well.baseline),
                )
            ),
        }
        for w in self.neighbours:
            scale = uniform_between(rng, 0.25, 0.45)
            self._courses[w.id] = _Course(
                (
                    (12 * m, w.baseline),
                    (32 * m, 70.0 * scale),
                    (44 * m, 70.0 * scale),
                    (56 * m, w.baseline),
                )
            )
        self._sensors = self._fast = (self.station, self.well, *self.neighbours)

    @property
    def involved(self) -> tuple[Sensor, ...]:
        return self._sensors

    @property
    def affected_districts(self) -> tuple[str, ...]:
        return tuple(sorted({s.district_code for s in self._sensors}))

    def describe(self) -> str:
        return f"gas leak at {self.station.id} (well {self.well.id}), an hour (simulated)"


# ------------------------------------------------------------------ flood of reports


class FloodOfReports(Scenario):
    name = "flood-of-reports"
    DURATION: Final = 60 * MINUTE
    FACTOR: Final = 10.0

    def __init__(self) -> None:
        self.start, self.end = 0.0, self.DURATION

    def public_factor(self, t_sim: float) -> float:
        return self.FACTOR if self.active(t_sim) else 1.0

    @property
    def max_public_factor(self) -> float:
        return self.FACTOR

    def describe(self) -> str:
        return "10× citizens' reports for an hour (simulated)"


# ------------------------------------------------------------------ blackout


class Blackout(Scenario):
    name = "blackout"
    OFFLINE_SHARE: Final = 0.25

    def __init__(self, rng: random.Random, ref: Reference) -> None:
        self.start, self.end = 1 * MINUTE, 90 * MINUTE
        districts = sorted({c.district for c in ref.devices.cabinets.values()})
        self.district = districts[int(rng.random() * len(districts))]
        cabinets = sorted(
            c.id for c in ref.devices.cabinets.values() if c.district == self.district
        )
        self.cabinets: Mapping[str, bool] = {c: rng.random() < self.OFFLINE_SHARE for c in cabinets}

    def cabinets_out(self, t_sim: float) -> Mapping[str, bool]:
        return self.cabinets if self.active(t_sim) else {}

    @property
    def affected_districts(self) -> tuple[str, ...]:
        return (self.district,)

    def describe(self) -> str:
        return (
            f"blackout: {len(self.cabinets)} lighting cabinets of {self.district} lose power "
            "from minute 1 to minute 90 (simulated)"
        )


def build(name: str, seed: int, network: SensorNetwork, ref: Reference) -> Scenario:
    """The scenario ``name`` for seed ``seed`` (same seed, same districts, stations, cabinets)."""
    rng = random.Random(f"{seed}:scenario:{name}")
    match name:
        case "normal":
            return Scenario()
        case "storm":
            return Storm(rng, network)
        case "gas-leak":
            return GasLeak(rng, network)
        case "flood-of-reports":
            return FloodOfReports()
        case "blackout":
            return Blackout(rng, ref)
    raise ValueError(f"unknown scenario {name!r}; scenarios are: {', '.join(NAMES)}")
