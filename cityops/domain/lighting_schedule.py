"""Street and landscape lighting schedules with an astronomical clock at Hangzhou.

Offers to the server's scheduler (which turns schedules into absolute ``SetPower``/``SetLevel``
commands), the simulator and the device-control window:

- ``parse_timespec``: ``"18:30"``, ``"sunset+15"``, ``"sunrise-10"``, ``"dusk"``, ``"dawn+5"``;
- ``Period`` (on, off, level), ``Season`` (month-day range with its own periods), ``Schedule``,
  ``schedule_from_dict`` (for reference data in TOML/JSON and the wire) and its inverse
  ``schedule_to_dict``;
- ``sun_times`` (astral, at ``CITY_LATITUDE``/``CITY_LONGITUDE``, in ``CITY_TZ``);
- ``tonight(schedule, day)``, ``desired_state(schedule, at)``, ``next_change(schedule, at)``.

Rules (the comments below say why):
- A period belongs to the day its *on* time falls on; its off time is on the same day if later
  than the on time, otherwise on the next morning (sunset → sunrise, "half-night" 23:00 → 05:00).
  A period switched on before noon never crosses midnight: "05:00 → sunrise" is simply empty on
  summer days when the sun rises before 05:00.
- The season is chosen by that same day, so the night that starts on the last day of summer is
  lit by summer's periods until its morning.
- Where periods overlap, the one switched on most recently wins: "full night at 100 %" plus
  "23:00–05:00 at 50 %" dims to 50 at 23:00 and returns to 100 at 05:00 until sunrise.
- A dimming step ends with the morning: a period switched on while a brighter period is lit
  whose off time is a morning sun event (sunrise or dawn, with an offset) goes off no later
  than that period. On summer nights "sunset+15 → sunrise-10 at 100 %" ends at 04:48 and
  "23:00–05:00 at 50 %" would otherwise keep the street lit in daylight until 05:00. Only a
  morning sun event clips: a brighter period that ends at a clock time (an evening boost
  "18:00–22:00 at 100 %" over an all-night 50 %) or at a dusk/sunset leaves the step alone,
  because there the step is the night's lighting and clipping it would darken the street.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any, NamedTuple

from astral import LocationInfo
from astral.sun import sun

from cityops.domain.city import (
    CITY_LATITUDE,
    CITY_LONGITUDE,
    CITY_NAME_EN,
    CITY_TZ,
    require_aware,
)
from cityops.domain.devices import check_percent

#: Hangzhou for astral. The time zone name matches ``CITY_TZ``; times are always asked for in
#: ``CITY_TZ`` explicitly, because astral's default is UTC.
HANGZHOU = LocationInfo(CITY_NAME_EN, "China", "Asia/Shanghai", CITY_LATITUDE, CITY_LONGITUDE)

#: Largest offset from a sun event. Bounded so that a typo ("sunset+1500") is an error and so
#: that every resolved time stays on its own calendar day at Hangzhou's latitude.
MAX_OFFSET_MINUTES = 180


class SunEvent(StrEnum):
    DAWN = "dawn"  # civil dawn, sun 6° below the horizon
    SUNRISE = "sunrise"
    SUNSET = "sunset"
    DUSK = "dusk"  # civil dusk


@lru_cache(maxsize=1024)
def sun_times(day: date) -> Mapping[str, datetime]:
    """Dawn, sunrise, noon, sunset and dusk at Hangzhou on ``day``, aware in ``CITY_TZ``.
    Cached: a scheduler evaluates thousands of cabinets against the same few days."""
    return sun(HANGZHOU.observer, day, tzinfo=CITY_TZ)


@dataclass(frozen=True, slots=True)
class TimeSpec:
    """A time of day: a clock time, or a sun event plus ``offset_minutes`` (may be negative)."""

    clock: time | None = None
    event: SunEvent | None = None
    offset_minutes: int = 0

    def __post_init__(self) -> None:
        if (self.clock is None) == (self.event is None):
            raise ValueError("a time spec is either a clock time or a sun event, not both")
        if self.clock is not None and self.offset_minutes:
            raise ValueError("a clock time takes no offset; write the time you mean")
        if abs(self.offset_minutes) > MAX_OFFSET_MINUTES:
            raise ValueError(f"offset must be within ±{MAX_OFFSET_MINUTES} minutes")

    def on(self, day: date) -> datetime:
        """This time on ``day`` in the city's time zone."""
        if self.clock is not None:
            return datetime.combine(day, self.clock, tzinfo=CITY_TZ)
        assert self.event is not None
        return sun_times(day)[self.event.value] + timedelta(minutes=self.offset_minutes)

    def __str__(self) -> str:
        if self.clock is not None:
            return self.clock.strftime("%H:%M")
        assert self.event is not None
        if self.offset_minutes == 0:
            return self.event.value
        return f"{self.event.value}{self.offset_minutes:+d}"


_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_ASTRO = re.compile(r"^([a-z]+)\s*(?:([+-])\s*(\d+))?$")


def parse_timespec(text: str) -> TimeSpec:
    """``"18:30"`` → clock time; ``"sunset+15"``, ``"sunrise-10"``, ``"dusk"``, ``"dawn + 5"``
    → sun event with a minute offset. Raises ``ValueError`` naming the text and the forms
    accepted."""
    cleaned = text.strip().lower()
    clock = _CLOCK.match(cleaned)
    if clock is not None:
        hour, minute = int(clock.group(1)), int(clock.group(2))
        if hour > 23 or minute > 59:
            raise ValueError(f"time {text!r} is not a valid clock time 00:00..23:59")
        return TimeSpec(clock=time(hour, minute))
    astro = _ASTRO.match(cleaned)
    if astro is not None:
        try:
            event = SunEvent(astro.group(1))
        except ValueError:
            event = None
        if event is not None:
            offset = int(astro.group(3) or 0) * (-1 if astro.group(2) == "-" else 1)
            if abs(offset) > MAX_OFFSET_MINUTES:
                raise ValueError(
                    f"time {text!r}: offset must be within ±{MAX_OFFSET_MINUTES} minutes"
                )
            return TimeSpec(event=event, offset_minutes=offset)
    raise ValueError(
        f"time {text!r} is neither HH:MM nor sunrise/sunset/dawn/dusk with an optional "
        "minute offset (e.g. '18:30', 'sunset+15', 'sunrise-10')"
    )


@dataclass(frozen=True, slots=True)
class Period:
    """Lights on at ``on``, off at ``off`` (next morning if not later the same day and ``on``
    is in the afternoon or evening), at ``level`` percent. Level 0 is not a period: "off" is
    the absence of one."""

    on: TimeSpec
    off: TimeSpec
    level: int = 100

    def __post_init__(self) -> None:
        check_percent(self.level, "period level")
        if self.level == 0:
            raise ValueError("a period's level must be 1..100; leave the time out to keep off")
        if self.on == self.off:
            raise ValueError(f"period switches on and off at the same time ({self.on})")

    @classmethod
    def of(cls, on: str, off: str, level: int = 100) -> Period:
        return cls(parse_timespec(on), parse_timespec(off), level)

    def on_day(self, day: date) -> Interval | None:
        """This period on ``day``, or None if it is empty that day (see below)."""
        on_at = self.on.on(day)
        off_at = self.off.on(day)
        if off_at <= on_at:
            if on_at.hour < 12:
                # A morning period ("05:00 → sunrise") whose off time has moved before its on
                # time (summer sunrise at 04:58) is empty that day; crossing midnight would
                # light the street for 24 hours.
                return None
            # An evening period crosses midnight: the off time is the next morning's (its own
            # sunrise, not tonight's, since sun times move by a minute or two a day).
            off_at = self.off.on(day + timedelta(days=1))
        return Interval(on_at, off_at, self.level)


class Interval(NamedTuple):
    """One lit stretch on a concrete night."""

    on_at: datetime
    off_at: datetime
    level: int


@dataclass(frozen=True, slots=True)
class MonthDay:
    month: int
    day: int

    def __post_init__(self) -> None:
        date(2000, self.month, self.day)  # a leap year, so 02-29 is allowed; raises ValueError

    @classmethod
    def parse(cls, text: str) -> MonthDay:
        try:
            month, day = (int(part) for part in text.strip().split("-"))
            return cls(month, day)
        except ValueError:
            raise ValueError(f"month-day {text!r} is not MM-DD (e.g. '05-01')") from None

    def key(self) -> tuple[int, int]:
        return self.month, self.day


@dataclass(frozen=True, slots=True)
class Season:
    """Periods used on days from ``start`` to ``end`` inclusive; the range may wrap the new
    year (winter 10-01..04-30)."""

    name: str
    start: MonthDay
    end: MonthDay
    periods: tuple[Period, ...]

    def covers(self, day: date) -> bool:
        key = (day.month, day.day)
        start, end = self.start.key(), self.end.key()
        if start <= end:
            return start <= key <= end
        return key >= start or key <= end


@dataclass(frozen=True, slots=True)
class Schedule:
    """Periods for every day, or per season. A day no season covers uses ``periods``."""

    periods: tuple[Period, ...] = ()
    seasons: tuple[Season, ...] = field(default=())

    def __post_init__(self) -> None:
        # Overlapping seasons would make the lights depend on list order; refuse them. A leap
        # year visits every month-day once.
        day = date(2000, 1, 1)
        while day.year == 2000:
            names = [s.name for s in self.seasons if s.covers(day)]
            if len(names) > 1:
                raise ValueError(f"seasons {names} overlap on {day:%m-%d}")
            day += timedelta(days=1)

    def periods_for(self, day: date) -> tuple[Period, ...]:
        for season in self.seasons:
            if season.covers(day):
                return season.periods
        return self.periods


def schedule_from_dict(data: Mapping[str, Any]) -> Schedule:
    """Build a schedule from reference data::

    {"periods": [{"on": "sunset+15", "off": "sunrise-10", "level": 100}],
     "seasons": [{"name": "summer", "from": "05-01", "to": "09-30", "periods": [...]}]}
    """

    def periods(items: Iterable[Mapping[str, Any]]) -> tuple[Period, ...]:
        return tuple(Period.of(p["on"], p["off"], int(p.get("level", 100))) for p in items)

    seasons = tuple(
        Season(
            name=str(s["name"]),
            start=MonthDay.parse(s["from"]),
            end=MonthDay.parse(s["to"]),
            periods=periods(s.get("periods", ())),
        )
        for s in data.get("seasons", ())
    )
    return Schedule(periods=periods(data.get("periods", ())), seasons=seasons)


def schedule_to_dict(schedule: Schedule) -> dict[str, Any]:
    """The ``schedule_from_dict`` form of ``schedule`` (the wire and the stored document):
    ``schedule_from_dict(schedule_to_dict(s)) == s``."""

    def periods(items: Iterable[Period]) -> list[dict[str, Any]]:
        return [{"on": str(p.on), "off": str(p.off), "level": p.level} for p in items]

    return {
        "periods": periods(schedule.periods),
        "seasons": [
            {
                "name": s.name,
                "from": f"{s.start.month:02d}-{s.start.day:02d}",
                "to": f"{s.end.month:02d}-{s.end.day:02d}",
                "periods": periods(s.periods),
            }
            for s in schedule.seasons
        ],
    }


_MORNING_EVENTS = frozenset({SunEvent.SUNRISE, SunEvent.DAWN})


def _raw_intervals(schedule: Schedule, day: date) -> list[tuple[int, Period, Interval]]:
    found: list[tuple[int, Period, Interval]] = []
    for index, period in enumerate(schedule.periods_for(day)):
        interval = period.on_day(day)
        if interval is not None:
            found.append((index, period, interval))
    return found


@lru_cache(maxsize=4096)
def _day_intervals(schedule: Schedule, day: date) -> tuple[tuple[int, Interval], ...]:
    """The intervals switched on on ``day`` with their period's list index, each dimming step
    clipped to the morning end of the brighter period it dims (see the module docstring).
    A step can only dim a period lit at its on time, which started on ``day`` or the day
    before (offsets are bounded), so those two days are all that is looked at."""
    own = _raw_intervals(schedule, day)
    candidates = _raw_intervals(schedule, day - timedelta(days=1)) + own
    result: list[tuple[int, Interval]] = []
    for index, _period, interval in own:
        ends = [
            other.off_at
            for _, other_period, other in candidates
            if other is not interval
            and other.level > interval.level
            and other.on_at <= interval.on_at < other.off_at
            and other_period.off.event in _MORNING_EVENTS
        ]
        if ends and max(ends) < interval.off_at:
            interval = interval._replace(off_at=max(ends))
        result.append((index, interval))
    return tuple(result)


def tonight(schedule: Schedule, day: date) -> list[Interval]:
    """The lit intervals that start on ``day`` (in ``CITY_TZ``), by on time; an off time may
    be on the next day. Dimming steps are clipped to the morning (module docstring)."""
    return sorted(interval for _, interval in _day_intervals(schedule, day))


class DesiredLighting(NamedTuple):
    power: bool
    level: int


_OFF = DesiredLighting(False, 0)


def _intervals_around(schedule: Schedule, day: date) -> Sequence[tuple[int, Interval]]:
    # Intervals that can be lit on ``day``: those starting on it and last night's, which may
    # run into this morning. Offsets are bounded, so none reaches further. The index keeps
    # list order as the tie-break between periods switched on at the same moment.
    found: list[tuple[int, Interval]] = []
    for start in (day - timedelta(days=1), day):
        found.extend(_day_intervals(schedule, start))
    return found


def desired_state(schedule: Schedule, at: datetime) -> DesiredLighting:
    """``(power, level)`` the lights should have at ``at``: on from each on time (inclusive)
    to its off time (exclusive); among overlapping periods the latest switched on wins."""
    local = require_aware(at).astimezone(CITY_TZ)
    active = [
        (interval.on_at, index, interval)
        for index, interval in _intervals_around(schedule, local.date())
        if interval.on_at <= local < interval.off_at
    ]
    if not active:
        return _OFF
    _, _, winner = max(active, key=lambda item: (item[0], item[1]))
    return DesiredLighting(True, winner.level)


#: How far ``next_change`` looks: a full year plus a day covers a season without periods.
_HORIZON_DAYS = 367


def next_change(schedule: Schedule, at: datetime) -> datetime | None:
    """The first moment after ``at`` when ``desired_state`` differs from its value at ``at``,
    or None if it never changes within a year (e.g. a schedule with no periods at all)."""
    local = require_aware(at).astimezone(CITY_TZ)
    current = desired_state(schedule, local)
    pending: set[datetime] = set()
    day = local.date() - timedelta(days=1)
    for _ in range(_HORIZON_DAYS + 1):
        for _index, interval in _day_intervals(schedule, day):
            pending.update(b for b in (interval.on_at, interval.off_at) if b > local)
        # The state only changes at on/off times. Every on time falls on its own day (offsets
        # are bounded) and off times come after on times, so no later day can add a boundary
        # before tomorrow's midnight: the boundaries before it can be checked in order now.
        cutoff = datetime.combine(day + timedelta(days=1), time(), tzinfo=CITY_TZ)
        for boundary in sorted(b for b in pending if b < cutoff):
            if desired_state(schedule, boundary) != current:
                return boundary
        pending = {b for b in pending if b >= cutoff}
        day += timedelta(days=1)
    return None
