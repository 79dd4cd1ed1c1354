"""Working time in Hangzhou: which days are working days and how much working time lies
between two instants.

Offers ``WorkCalendar`` (and the ready-made ``DEFAULT_CALENDAR``) to the SLA clocks
(``cityops.domain.sla``), the ranking rules and anything else that counts "4 working hours" or
"5 working days":

- ``is_workday(day)``: China's public holidays and adjusted working days (调休, e.g. Saturday
  2026-10-10 after National Day) come from ``chinese_calendar``;
- ``add_working_time(start, amount)``: the instant at which ``amount`` of working time has
  elapsed since ``start``;
- ``working_time_between(a, b)``: the working time inside ``[a, b]``.

Holiday coverage: ``chinese_calendar`` only knows the years whose holiday schedule the State
Council has published (1.11: 2004–2026). For any other year ``is_workday`` falls back to
Monday–Friday; ``covered(year)`` tells callers (a UI banner, a start-up check) whether that
happened, and the fallback is logged once per year and process, never on every call. Upgrading
``chinesecalendar`` extends the coverage without code changes.

All instants must be timezone-aware; they are reckoned in ``CITY_TZ`` and results come back in
``CITY_TZ``. Asia/Shanghai has had no daylight-saving time since 1991, so local wall-clock
arithmetic inside one day equals elapsed time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import chinese_calendar

from cityops.domain.city import CITY_TZ, require_aware

__all__ = ["DEFAULT_CALENDAR", "DEFAULT_WORKING_PERIODS", "PeriodSpec", "WorkCalendar"]

_log = logging.getLogger(__name__)

#: A working period as given to ``WorkCalendar``: ``"08:30-12:00"``, ``("08:30", "12:00")`` or
#: ``(time(8, 30), time(12))``.
PeriodSpec = str | tuple[str | time, str | time]

#: Office hours of Hangzhou's city administration: 8 working hours, matching
#: ``durations.WORKING_DAY_HOURS`` (a "working day" limit is converted to 8 working hours).
DEFAULT_WORKING_PERIODS: tuple[PeriodSpec, ...] = (("08:30", "12:00"), ("13:30", "18:00"))

_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)


@lru_cache(maxsize=256)
def _covered(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        # Cached, so this is said once per year and process rather than on every lookup.
        _log.warning(
            "no Chinese holiday data for %d in chinesecalendar; counting Monday-Friday as "
            "working days for that year (upgrade chinesecalendar when the State Council "
            "publishes the schedule)",
            year,
        )
        return False
    return True


@lru_cache(maxsize=8192)
def _china_workday(day: date) -> bool:
    # chinese_calendar.is_workday scans its whole holiday table on every call; a year-long
    # span asks about hundreds of days, hence the cache.
    return bool(chinese_calendar.is_workday(day))


def _is_workday(day: date) -> bool:
    if _covered(day.year):
        return _china_workday(day)
    return day.weekday() < 5


@lru_cache(maxsize=8192)
def _periods_on(
    periods: tuple[tuple[time, time], ...], day: date
) -> tuple[tuple[datetime, datetime], ...]:
    # The SLA clocks of every open case ask about the same few weeks of days again and again
    # (10,000 cases re-evaluated each minute); building the aware instants once per (periods,
    # day) instead of per call is most of their cost. Keyed by the periods, not the calendar,
    # so calendars built from the same working hours share the entries.
    if not _is_workday(day):
        return ()
    return tuple(
        (
            datetime.combine(day, begin, tzinfo=CITY_TZ),
            datetime.combine(day, end, tzinfo=CITY_TZ),
        )
        for begin, end in periods
    )


def _parse_time(value: str | time, period: object) -> time:
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError(f"working period {period!r}: times are city times, drop the tzinfo")
        return value
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"working period {period!r}: {value!r} is not a time of day like '08:30'"
        ) from None


def _parse_period(spec: PeriodSpec) -> tuple[time, time]:
    if isinstance(spec, str):
        parts = spec.split("-")
        if len(parts) != 2:
            raise ValueError(f"working period {spec!r} is not written like '08:30-12:00'")
        begin, end = _parse_time(parts[0], spec), _parse_time(parts[1], spec)
    else:
        if len(spec) != 2:
            raise ValueError(f"working period {spec!r} must be a (start, end) pair")
        begin, end = _parse_time(spec[0], spec), _parse_time(spec[1], spec)
    if not begin < end:
        raise ValueError(f"working period {spec!r} must end after it starts (same day)")
    return begin, end


@dataclass(frozen=True, slots=True, init=False)
class WorkCalendar:
    """Working periods of a working day plus China's working-day calendar.

    ``periods`` are ordered, non-overlapping ``(start, end)`` times of day within one day
    (periods may touch). An instant exactly at a period's end still belongs to that period,
    so working time that runs out at 18:00 is due at 18:00, not at 08:30 the next working day.
    """

    periods: tuple[tuple[time, time], ...]
    #: Working time in one working day, computed once (``working_day``).
    _day_length: timedelta = field(init=False, repr=False, compare=False)

    def __init__(self, periods: Iterable[PeriodSpec] = DEFAULT_WORKING_PERIODS) -> None:
        parsed = tuple(_parse_period(p) for p in periods)
        if not parsed:
            raise ValueError("a work calendar needs at least one working period")
        for (_, prev_end), (next_begin, _) in zip(parsed, parsed[1:], strict=False):
            if next_begin < prev_end:
                raise ValueError(
                    "working periods must be in order and must not overlap: "
                    f"{next_begin.isoformat('minutes')} starts before "
                    f"{prev_end.isoformat('minutes')}"
                )
        object.__setattr__(self, "periods", parsed)
        day_length = _ZERO
        for begin, end in parsed:
            day_length += datetime.combine(date.min, end) - datetime.combine(date.min, begin)
        object.__setattr__(self, "_day_length", day_length)

    # ------------------------------------------------------------------ days

    @property
    def working_day(self) -> timedelta:
        """Working time in one working day (8 h by default)."""
        return self._day_length

    @staticmethod
    def covered(year: int) -> bool:
        """True when ``chinese_calendar`` knows ``year``'s holidays and adjusted working days;
        False when ``is_workday`` falls back to plain Monday–Friday for that year."""
        return _covered(year)

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` (a calendar date in city time) is a working day: public holidays are
        not, adjusted working weekends are; Monday–Friday in years not ``covered``."""
        if isinstance(day, datetime):
            # A datetime's date depends on its zone; make the caller say which day it means.
            raise TypeError("is_workday takes a date in city time, not a datetime")
        return _is_workday(day)

    def periods_on(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The working periods of ``day`` as aware instants in ``CITY_TZ``; empty when ``day``
        is not a working day. Cached per (periods, day)."""
        if isinstance(day, datetime):
            raise TypeError("periods_on takes a date in city time, not a datetime")
        return _periods_on(self.periods, day)

    def is_working_time(self, when: datetime) -> bool:
        """Whether ``when`` lies inside a working period (ends included)."""
        local = require_aware(when, "when").astimezone(CITY_TZ)
        return any(begin <= local <= end for begin, end in self.periods_on(local.date()))

    # ------------------------------------------------------------------ arithmetic

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The earliest instant at which ``amount`` of working time has elapsed since ``start``.

        Counting begins at ``start`` if it is working time, else at the next working period.
        ``amount`` zero returns ``start`` (in ``CITY_TZ``); negative amounts are refused.
        """
        local = require_aware(start, "start").astimezone(CITY_TZ)
        if amount < _ZERO:
            raise ValueError(f"working time to add must not be negative, got {amount}")
        if amount == _ZERO:
            return local
        remaining = amount
        day_length = self.working_day
        day = local.date()
        cursor = local
        while True:
            if cursor.time() == time.min and remaining > day_length:
                # A whole day lies ahead and is not the last one: skip it in one step.
                if _is_workday(day):
                    remaining -= day_length
            else:
                for begin, end in _periods_on(self.periods, day):
                    counted_from = max(begin, cursor)
                    if counted_from >= end:
                        continue
                    available = end - counted_from
                    if remaining <= available:
                        return counted_from + remaining
                    remaining -= available
            day += _ONE_DAY
            cursor = datetime.combine(day, time.min, tzinfo=CITY_TZ)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time inside ``[a, b]``; zero when ``b`` is not after ``a``."""
        lo = require_aware(a, "a").astimezone(CITY_TZ)
        hi = require_aware(b, "b").astimezone(CITY_TZ)
        if hi <= lo:
            return _ZERO
        first, last = lo.date(), hi.date()
        total = self._overlap(first, lo, hi)
        if last == first:
            return total
        day_length = self.working_day
        day = first + _ONE_DAY
        while day < last:
            # Days strictly inside the span are whole: no per-period clipping needed.
            if _is_workday(day):
                total += day_length
            day += _ONE_DAY
        return total + self._overlap(last, lo, hi)

    def _overlap(self, day: date, lo: datetime, hi: datetime) -> timedelta:
        total = _ZERO
        for begin, end in _periods_on(self.periods, day):
            overlap = min(end, hi) - max(begin, lo)
            if overlap > _ZERO:
                total += overlap
        return total


#: Hangzhou's office hours (08:30–12:00, 13:30–18:00) on China's working days.
DEFAULT_CALENDAR = WorkCalendar()
