"""Working time in Hangzhou as a dispatcher reads it off a case: due instants across weekends,
National Day and its adjusted working Saturday, lunch breaks and nights."""

from __future__ import annotations

import logging
import time as wallclock
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityops.domain import work_calendar
from cityops.domain.city import CITY_TZ
from cityops.domain.durations import ClockBasis, parse_limit
from cityops.domain.work_calendar import DEFAULT_CALENDAR, WorkCalendar

CAL = DEFAULT_CALENDAR


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=CITY_TZ)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


# ---------------------------------------------------------------------- construction


def test_default_periods_make_an_eight_hour_day() -> None:
    assert CAL.periods == ((time(8, 30), time(12)), (time(13, 30), time(18)))
    assert CAL.working_day == hours(8)


@pytest.mark.parametrize(
    "periods",
    [
        ["08:30-12:00", "13:30-18:00"],
        [("08:30", "12:00"), ("13:30", "18:00")],
        [(time(8, 30), time(12)), (time(13, 30), time(18))],
    ],
)
def test_periods_accept_strings_and_time_pairs(periods: list[object]) -> None:
    assert WorkCalendar(periods) == DEFAULT_CALENDAR  # type: ignore[arg-type]


def test_touching_periods_are_allowed() -> None:
    assert WorkCalendar(["09:00-12:00", "12:00-17:00"]).working_day == hours(8)


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        (["13:30-18:00", "08:30-12:00"], "in order"),
        (["08:30-12:00", "11:00-18:00"], "overlap"),
        (["12:00-08:30"], "end after it starts"),
        (["08:30-08:30"], "end after it starts"),
        (["8.30 to 12"], "written like"),
        (["08:30-noon"], "time of day"),
        ([], "at least one"),
    ],
)
def test_invalid_periods_are_refused_with_a_reason(periods: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkCalendar(periods)


def test_calendar_is_frozen() -> None:
    with pytest.raises(AttributeError):
        CAL.periods = ()  # type: ignore[misc]


# ---------------------------------------------------------------------- days


def test_national_day_2026_holidays_and_adjusted_saturday() -> None:
    # chinese_calendar's own answer, so a data change shows up here rather than in SLA tests.
    for day in range(1, 8):
        assert not CAL.is_workday(date(2026, 10, day)), f"2026-10-0{day} is a holiday"
    assert date(2026, 10, 10).weekday() == 5
    assert CAL.is_workday(date(2026, 10, 10)), "Saturday 2026-10-10 is an adjusted working day"
    assert CAL.is_workday(date(2026, 9, 30))
    assert CAL.is_workday(date(2026, 10, 8))
    assert not CAL.is_workday(date(2026, 10, 11))


def test_plain_weekend_is_not_working() -> None:
    assert not CAL.is_workday(date(2026, 11, 14))
    assert not CAL.is_workday(date(2026, 11, 15))
    assert CAL.is_workday(date(2026, 11, 16))


def test_is_workday_refuses_datetimes() -> None:
    with pytest.raises(TypeError, match="date in city time"):
        CAL.is_workday(at(2026, 11, 16, 9))


def test_periods_on_a_holiday_are_empty() -> None:
    assert CAL.periods_on(date(2026, 10, 1)) == ()
    assert CAL.periods_on(date(2026, 10, 10)) == (
        (at(2026, 10, 10, 8, 30), at(2026, 10, 10, 12)),
        (at(2026, 10, 10, 13, 30), at(2026, 10, 10, 18)),
    )


def test_is_working_time() -> None:
    assert CAL.is_working_time(at(2026, 11, 16, 8, 30))
    assert CAL.is_working_time(at(2026, 11, 16, 18))
    assert not CAL.is_working_time(at(2026, 11, 16, 12, 30))
    assert not CAL.is_working_time(at(2026, 11, 14, 10))
    # 02:00 UTC is 10:00 in Hangzhou.
    assert CAL.is_working_time(datetime(2026, 11, 16, 2, tzinfo=UTC))


def test_year_beyond_the_holiday_data_falls_back_to_monday_to_friday() -> None:
    assert CAL.covered(2026)
    assert not CAL.covered(2027)
    # 2027-01-01 is New Year's Day, a Friday: without data it counts as a plain Friday.
    assert CAL.is_workday(date(2027, 1, 1))
    assert not CAL.is_workday(date(2027, 1, 2))
    assert not CAL.is_workday(date(2027, 1, 3))
    assert CAL.add_working_time(at(2027, 1, 1, 16), hours(4)) == at(2027, 1, 4, 10, 30)


def test_fallback_is_logged_once_per_year_not_on_every_call(
    caplog: pytest.LogCaptureFixture,
) -> None:
    work_calendar._covered.cache_clear()
    with caplog.at_level(logging.WARNING, logger="cityops.domain.work_calendar"):
        for offset in range(60):
            CAL.is_workday(date(2028, 1, 1) + timedelta(days=offset))
        assert not CAL.covered(2028)
    messages = [r.getMessage() for r in caplog.records if "2028" in r.getMessage()]
    assert len(messages) == 1
    assert "Monday-Friday" in messages[0]


# ---------------------------------------------------------------------- add_working_time


def test_four_hours_from_friday_afternoon_end_on_monday_morning() -> None:
    friday = at(2026, 11, 13, 16)
    assert friday.weekday() == 4
    assert CAL.add_working_time(friday, hours(4)) == at(2026, 11, 16, 10, 30)


def test_time_running_out_at_period_end_is_due_at_period_end() -> None:
    assert CAL.add_working_time(at(2026, 11, 13, 14), hours(4)) == at(2026, 11, 13, 18)
    assert CAL.add_working_time(at(2026, 11, 16, 8, 30), hours(3.5)) == at(2026, 11, 16, 12)


def test_case_dispatched_before_national_day_is_due_after_it() -> None:
    # 2 h on Wed 09-30, then the holiday week, then 2 h from 08:30 on Thu 10-08.
    assert CAL.add_working_time(at(2026, 9, 30, 16), hours(4)) == at(2026, 10, 8, 10, 30)


def test_adjusted_working_saturday_counts() -> None:
    assert CAL.add_working_time(at(2026, 10, 9, 16), hours(4)) == at(2026, 10, 10, 10, 30)


def test_five_working_days_is_forty_working_hours() -> None:
    limit = parse_limit("5d", ClockBasis.WORKING)
    assert limit == hours(40)
    assert CAL.add_working_time(at(2026, 11, 16, 8, 30), limit) == at(2026, 11, 20, 18)
    # 7.5 h on 09-30, 8 h on 10-08, 10-09, Sat 10-10 and Mon 10-12, 0.5 h on 10-13.
    assert CAL.add_working_time(at(2026, 9, 30, 9), limit) == at(2026, 10, 13, 9)


def test_twenty_working_days() -> None:
    limit = parse_limit("20d", ClockBasis.WORKING)
    # Mon 2026-11-02 08:30 + 4 full weeks (no holidays in November) ends Fri 2026-11-27 18:00.
    assert CAL.add_working_time(at(2026, 11, 2, 8, 30), limit) == at(2026, 11, 27, 18)


@pytest.mark.parametrize(
    ("start", "amount", "due"),
    [
        (at(2026, 11, 17, 22), hours(1), at(2026, 11, 18, 9, 30)),  # night
        (at(2026, 11, 17, 3), timedelta(minutes=30), at(2026, 11, 17, 9)),  # early morning
        (at(2026, 11, 17, 12, 30), hours(1), at(2026, 11, 17, 14, 30)),  # lunch break
        (at(2026, 11, 17, 12), hours(1), at(2026, 11, 17, 14, 30)),  # at the start of lunch
        (at(2026, 11, 14, 10), hours(1), at(2026, 11, 16, 9, 30)),  # Saturday
        (at(2026, 10, 3, 10), hours(1), at(2026, 10, 8, 9, 30)),  # inside the holiday week
        (at(2026, 11, 17, 11), hours(2), at(2026, 11, 17, 14, 30)),  # across lunch
    ],
)
def test_start_outside_working_hours(start: datetime, amount: timedelta, due: datetime) -> None:
    assert CAL.add_working_time(start, amount) == due


def test_zero_amount_is_the_start_itself() -> None:
    assert CAL.add_working_time(at(2026, 11, 14, 10), timedelta(0)) == at(2026, 11, 14, 10)


def test_result_is_in_city_time_whatever_the_input_zone() -> None:
    # 08:00 UTC Friday = 16:00 in Hangzhou.
    due = CAL.add_working_time(datetime(2026, 11, 13, 8, tzinfo=UTC), hours(4))
    assert due == at(2026, 11, 16, 10, 30)
    assert due.tzinfo is CITY_TZ
    assert due.hour == 10


def test_naive_and_negative_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_working_time(datetime(2026, 11, 16, 9), hours(1))
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_time(at(2026, 11, 16, 9), hours(-1))
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.working_time_between(datetime(2026, 11, 16, 9), at(2026, 11, 16, 10))


# ---------------------------------------------------------------------- working_time_between


def test_working_time_across_a_weekend() -> None:
    assert CAL.working_time_between(at(2026, 11, 13, 16), at(2026, 11, 16, 10, 30)) == hours(4)
    assert CAL.working_time_between(at(2026, 11, 14, 0), at(2026, 11, 16, 0)) == timedelta(0)


def test_working_time_across_national_day() -> None:
    span = CAL.working_time_between(at(2026, 9, 30, 0), at(2026, 10, 11, 0))
    assert span == hours(8 * 4)  # 09-30, 10-08, 10-09 and Saturday 10-10


def test_working_time_excludes_lunch_and_night() -> None:
    assert CAL.working_time_between(at(2026, 11, 17, 11), at(2026, 11, 17, 14)) == hours(1.5)
    assert CAL.working_time_between(at(2026, 11, 17, 17), at(2026, 11, 18, 9)) == hours(1.5)


def test_working_time_is_zero_when_b_is_not_after_a() -> None:
    assert CAL.working_time_between(at(2026, 11, 17, 10), at(2026, 11, 17, 10)) == timedelta(0)
    assert CAL.working_time_between(at(2026, 11, 17, 11), at(2026, 11, 17, 10)) == timedelta(0)


def test_working_days_in_2026() -> None:
    total = CAL.working_time_between(at(2026, 1, 1), at(2027, 1, 1))
    expected = sum(
        CAL.is_workday(date(2026, 1, 1) + timedelta(days=i)) for i in range(365)
    ) * hours(8)
    assert total == expected
    assert 240 * hours(8) < total < 255 * hours(8)


def test_long_spans_are_computed_day_by_day_not_minute_by_minute() -> None:
    CAL.working_time_between(at(2025, 1, 1), at(2026, 12, 31))  # warm the holiday cache
    began = wallclock.perf_counter()
    for _ in range(20):
        CAL.working_time_between(at(2025, 1, 1, 9, 17), at(2026, 12, 31, 15, 2))
        CAL.add_working_time(at(2026, 1, 5, 9, 17), hours(8 * 20))
    # Minute stepping would take seconds per call; day stepping takes about a millisecond.
    assert wallclock.perf_counter() - began < 1.0


# ---------------------------------------------------------------------- properties

instants = st.datetimes(
    min_value=datetime(2025, 12, 1),
    max_value=datetime(2027, 2, 28),
    timezones=st.just(CITY_TZ),
).map(lambda d: d.replace(microsecond=0))
amounts = st.integers(min_value=0, max_value=20 * 8 * 60).map(lambda m: timedelta(minutes=m))


@settings(max_examples=300, deadline=None)
@given(start=instants, amount=amounts)
def test_add_then_between_round_trips(start: datetime, amount: timedelta) -> None:
    due = CAL.add_working_time(start, amount)
    assert due >= start
    assert CAL.working_time_between(start, due) == amount
    if amount > timedelta(0):
        assert CAL.is_working_time(due)
        # Earliest such instant: a second earlier the amount has not yet elapsed.
        assert CAL.working_time_between(start, due - timedelta(seconds=1)) < amount


@settings(max_examples=200, deadline=None)
@given(start=instants, first=amounts, second=amounts)
def test_adding_in_two_steps_equals_adding_once(
    start: datetime, first: timedelta, second: timedelta
) -> None:
    once = CAL.add_working_time(start, first + second)
    assert CAL.add_working_time(CAL.add_working_time(start, first), second) == once


@settings(max_examples=200, deadline=None)
@given(a=instants, b=instants)
def test_between_then_add_does_not_overshoot(a: datetime, b: datetime) -> None:
    lo, hi = min(a, b), max(a, b)
    worked = CAL.working_time_between(lo, hi)
    assert timedelta(0) <= worked <= hi - lo
    assert CAL.add_working_time(lo, worked) <= hi
