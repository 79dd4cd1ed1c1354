"""The simulator's clocks, daily rhythms and arrival processes.

Two clocks run side by side:

- **real offset** — seconds since the run started. Volumes live here: ``--rate 1`` is the seed's
  real city per real second (~16 readings/s on average, ~3,700 problems a day), ``--rate 10``
  ten times that. The time of day that shapes the daily profiles advances with it, and every
  timestamp sent is the real "now" (the server refuses readings from the future).
- **simulated offset** — real offset × ``--speed``. Durations live here: a scenario's timeline
  (a 1-hour storm at speed 60 lasts a real minute), a background incident's course, how long a
  collector takes to verify or a crew to fix. So ``--speed`` compresses what takes time without
  multiplying what happens per second.

Offers ``RunClock``, ``Profile`` (a 24-hour curve with mean 1) with the city's rhythms
(``TRAFFIC``, ``PUBLIC``, ``PATROL``, ``OFFICE``), ``Arrivals`` (a Poisson process with a varying
rate, by thinning: its times depend only on its ``random.Random``) and ``uniform_between``.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cityops.domain.city import CITY_TZ

DAY = 86_400.0
HOUR = 3_600.0
MINUTE = 60.0


def city_hour(at: datetime) -> float:
    """Hour of the day in Hangzhou (0 ≤ h < 24, fractional)."""
    local = at.astimezone(CITY_TZ)
    return local.hour + local.minute / 60 + local.second / 3600


@dataclass
class RunClock:
    """Where the run is: ``elapsed()`` real seconds since start, ``sim(offset)`` simulated
    seconds, ``hour(offset)`` the time of day the profiles use, ``at(offset)`` the timestamp of
    something that happened at ``offset`` (never later than now)."""

    speed: float = 1.0
    #: Time of day (Hangzhou, hours) at offset 0 for the daily profiles; default: now.
    profile_hour: float | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    _t0: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.speed <= 0:
            raise ValueError(f"speed must be > 0, got {self.speed}")
        if self.profile_hour is None:
            self.profile_hour = city_hour(self.started_at)

    def restart(self) -> None:
        """Start counting now (the run calls it when the city starts moving)."""
        self.started_at = datetime.now(UTC)
        self._t0 = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self._t0

    def sim(self, offset: float) -> float:
        return offset * self.speed

    def real(self, sim_seconds: float) -> float:
        """Real seconds that ``sim_seconds`` of simulated time take."""
        return sim_seconds / self.speed

    def hour(self, offset: float) -> float:
        return ((self.profile_hour or 0.0) + offset / HOUR) % 24

    def at(self, offset: float) -> datetime:
        when = self.started_at + timedelta(seconds=offset)
        now = datetime.now(UTC)
        return when if when <= now else now


def hour_at(profile_hour: float, offset: float) -> float:
    return (profile_hour + offset / HOUR) % 24


class Profile:
    """A daily curve from 24 hourly values, scaled to mean 1 and interpolated linearly, so a
    rate × profile keeps the day's total whatever the shape."""

    __slots__ = ("name", "peak", "values")

    def __init__(self, name: str, hourly: Sequence[float]) -> None:
        if len(hourly) != 24 or any(v < 0 for v in hourly) or not any(hourly):
            raise ValueError(f"profile {name}: 24 non-negative hourly values needed")
        mean = sum(hourly) / 24
        self.name = name
        self.values = tuple(v / mean for v in hourly)
        self.peak = max(self.values)

    def at(self, hour: float) -> float:
        h = hour % 24
        i = int(h)
        frac = h - i
        return self.values[i] * (1 - frac) + self.values[(i + 1) % 24] * frac


#: Vehicles on the bridges: night lull, morning and evening peaks.
TRAFFIC = Profile(
    "traffic",
    (0.25, 0.15, 0.1, 0.1, 0.15, 0.35, 0.8, 1.6, 1.9, 1.5, 1.2, 1.15)
    + (1.1, 1.15, 1.2, 1.3, 1.5, 1.9, 1.8, 1.3, 1.0, 0.8, 0.6, 0.4),
)
#: Citizens' reports: quiet at night, busy from mid-morning into the evening.
PUBLIC = Profile(
    "public",
    (0.3, 0.2, 0.12, 0.1, 0.1, 0.2, 0.45, 0.9, 1.4, 1.6, 1.6, 1.5)
    + (1.3, 1.4, 1.5, 1.5, 1.5, 1.5, 1.4, 1.4, 1.3, 1.1, 0.8, 0.5),
)
#: Collectors' patrols: day shifts with a lunch dip, a thin night watch.
PATROL = Profile(
    "patrol",
    (0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 1.0, 2.2, 2.4, 2.4, 2.2)
    + (1.0, 1.6, 2.4, 2.4, 2.3, 1.8, 0.6, 0.4, 0.3, 0.3, 0.2, 0.15),
)
#: Office work (supervisors' inspections, routine screen programming).
OFFICE = Profile(
    "office",
    (0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.1, 0.6, 2.0, 2.6, 2.6, 1.6)
    + (0.6, 1.6, 2.6, 2.6, 2.4, 1.4, 0.5, 0.3, 0.2, 0.1, 0.05, 0.02),
)


class Arrivals:
    """Arrival times (real offsets) of a Poisson process with rate ``base × factor(t)``.

    Thinning: candidates come at the bound ``base × factor_max`` and each is kept with
    probability ``factor(t) / factor_max``. The times depend only on ``rng``, so the same seed
    gives the same arrivals however the caller's loop is timed."""

    __slots__ = ("_bound", "_factor", "_factor_max", "_rng", "t")

    def __init__(
        self,
        rng: random.Random,
        base_per_s: float,
        factor: Callable[[float], float] = lambda _t: 1.0,
        factor_max: float = 1.0,
        start: float = 0.0,
    ) -> None:
        self._rng = rng
        self._factor = factor
        self._factor_max = factor_max
        self._bound = base_per_s * factor_max
        self.t = start

    def next(self) -> float:
        """The next arrival (``math.inf`` for a process with rate 0)."""
        if self._bound <= 0:
            self.t = math.inf
            return self.t
        while True:
            self.t += self._rng.expovariate(self._bound)
            if self._rng.random() * self._factor_max <= self._factor(self.t):
                return self.t


def uniform_between(rng: random.Random, low: float, high: float) -> float:
    return low + (high - low) * rng.random()
