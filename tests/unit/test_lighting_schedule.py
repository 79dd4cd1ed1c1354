"""Lighting schedules: astral at Hangzhou, time specs, midnight crossing, seasons, state."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from cityops.domain.city import CITY_TZ
from cityops.domain.lighting_schedule import (
    DesiredLighting,
    Interval,
    MonthDay,
    Period,
    Schedule,
    Season,
    SunEvent,
    TimeSpec,
    desired_state,
    next_change,
    parse_timespec,
    schedule_from_dict,
    sun_times,
    tonight,
)

SUMMER_DAY = date(2026, 6, 21)
WINTER_DAY = date(2026, 12, 21)


def local(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=CITY_TZ)


def between(value: datetime, low: datetime, high: datetime) -> bool:
    return low <= value <= high


# ---------------------------------------------------------------- astral at Hangzhou
# astral gives 2026-06-21 sunrise 04:58, sunset 19:04; 2026-12-21 sunrise 06:52, sunset 17:03
# (Beijing time). The ranges are a few minutes wide: a wrong time zone shifts by hours, swapped
# latitude/longitude or a wrong hemisphere moves them by far more than that.


def test_summer_solstice_sun_times() -> None:
    sun = sun_times(SUMMER_DAY)
    assert between(sun["sunset"], local(SUMMER_DAY, 19, 0), local(SUMMER_DAY, 19, 8))
    assert between(sun["sunrise"], local(SUMMER_DAY, 4, 54), local(SUMMER_DAY, 5, 2))
    assert between(sun["dusk"], local(SUMMER_DAY, 19, 25), local(SUMMER_DAY, 19, 40))
    assert sun["sunset"].utcoffset() == timedelta(hours=8)


def test_winter_solstice_sun_times() -> None:
    sun = sun_times(WINTER_DAY)
    assert between(sun["sunset"], local(WINTER_DAY, 16, 58), local(WINTER_DAY, 17, 7))
    assert between(sun["sunrise"], local(WINTER_DAY, 6, 47), local(WINTER_DAY, 6, 56))
    assert between(sun["dawn"], local(WINTER_DAY, 6, 15), local(WINTER_DAY, 6, 30))


def test_summer_days_are_longer_than_winter_days() -> None:
    # Catches a southern-hemisphere latitude, which would swap the seasons.
    summer = sun_times(SUMMER_DAY)["sunset"] - sun_times(SUMMER_DAY)["sunrise"]
    winter = sun_times(WINTER_DAY)["sunset"] - sun_times(WINTER_DAY)["sunrise"]
    assert summer > timedelta(hours=13, minutes=45)
    assert winter < timedelta(hours=10, minutes=30)


# ---------------------------------------------------------------- time specs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18:30", TimeSpec(clock=time(18, 30))),
        ("5:05", TimeSpec(clock=time(5, 5))),
        ("sunset", TimeSpec(event=SunEvent.SUNSET)),
        ("sunset+15", TimeSpec(event=SunEvent.SUNSET, offset_minutes=15)),
        ("sunrise-10", TimeSpec(event=SunEvent.SUNRISE, offset_minutes=-10)),
        (" Dusk ", TimeSpec(event=SunEvent.DUSK)),
        ("dawn + 5", TimeSpec(event=SunEvent.DAWN, offset_minutes=5)),
    ],
)
def test_parse_timespec(text: str, expected: TimeSpec) -> None:
    assert parse_timespec(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("24:00", "valid clock time"),
        ("18:60", "valid clock time"),
        ("noon", "sunrise/sunset/dawn/dusk"),
        ("sunset*2", "sunrise/sunset/dawn/dusk"),
        ("", "sunrise/sunset/dawn/dusk"),
        ("sunset+181", "within"),
        ("18:30+5", "sunrise/sunset/dawn/dusk"),
    ],
)
def test_parse_timespec_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        parse_timespec(text)
    assert repr(text) in str(info.value)


def test_timespec_str_round_trips() -> None:
    for text in ("18:30", "sunset+15", "sunrise-10", "dusk"):
        assert str(parse_timespec(text)) == text


def test_offsets_apply_in_minutes() -> None:
    sunset = sun_times(SUMMER_DAY)["sunset"]
    assert parse_timespec("sunset+15").on(SUMMER_DAY) == sunset + timedelta(minutes=15)
    sunrise = sun_times(WINTER_DAY)["sunrise"]
    assert parse_timespec("sunrise-10").on(WINTER_DAY) == sunrise - timedelta(minutes=10)
    assert parse_timespec("18:30").on(WINTER_DAY) == local(WINTER_DAY, 18, 30)


def test_bad_periods_refused() -> None:
    with pytest.raises(ValueError, match="1..100"):
        Period.of("sunset", "sunrise", 0)
    with pytest.raises(ValueError, match="0..100"):
        Period.of("sunset", "sunrise", 101)
    with pytest.raises(ValueError, match="same time"):
        Period.of("sunset", "sunset", 50)


# ---------------------------------------------------------------- tonight

ALL_NIGHT = Schedule(periods=(Period.of("sunset+15", "sunrise-10", 100),))
# Full lighting until 23:00, then "half-night" lights at 50 % until 05:00, as in many cities.
HALF_NIGHT = Schedule(
    periods=(Period.of("sunset", "23:00", 100), Period.of("23:00", "05:00", 50)),
)


def test_tonight_crosses_midnight_to_next_sunrise() -> None:
    (interval,) = tonight(ALL_NIGHT, WINTER_DAY)
    assert interval.on_at == sun_times(WINTER_DAY)["sunset"] + timedelta(minutes=15)
    next_day = WINTER_DAY + timedelta(days=1)
    # The next morning's own sunrise, not this evening's date.
    assert interval.off_at == sun_times(next_day)["sunrise"] - timedelta(minutes=10)
    assert interval.off_at.date() == next_day
    assert interval.level == 100


def test_tonight_half_night() -> None:
    first, second = tonight(HALF_NIGHT, SUMMER_DAY)
    assert first == Interval(sun_times(SUMMER_DAY)["sunset"], local(SUMMER_DAY, 23), 100)
    assert second == Interval(local(SUMMER_DAY, 23), local(date(2026, 6, 22), 5), 50)


def test_morning_period_empty_when_sun_rises_first() -> None:
    morning = Schedule(periods=(Period.of("05:00", "sunrise", 60),))
    assert tonight(morning, SUMMER_DAY) == []  # sunrise 04:58: no 24-hour period
    (winter,) = tonight(morning, WINTER_DAY)
    assert winter.on_at == local(WINTER_DAY, 5)
    assert winter.off_at == sun_times(WINTER_DAY)["sunrise"]


# ---------------------------------------------------------------- seasons

SEASONAL = schedule_from_dict(
    {
        "seasons": [
            {
                "name": "summer",
                "from": "05-01",
                "to": "09-30",
                "periods": [{"on": "sunset", "off": "22:00", "level": 80}],
            },
            {
                "name": "winter",
                "from": "10-01",
                "to": "04-30",
                "periods": [{"on": "18:00", "off": "sunrise", "level": 100}],
            },
        ]
    }
)


def test_season_switches_on_first_day() -> None:
    (last_summer,) = tonight(SEASONAL, date(2026, 9, 30))
    (first_winter,) = tonight(SEASONAL, date(2026, 10, 1))
    assert last_summer.level == 80
    assert last_summer.off_at == local(date(2026, 9, 30), 22)
    assert first_winter == Interval(
        local(date(2026, 10, 1), 18), sun_times(date(2026, 10, 2))["sunrise"], 100
    )


def test_winter_wraps_new_year() -> None:
    assert tonight(SEASONAL, date(2027, 1, 15))[0].level == 100
    assert tonight(SEASONAL, date(2026, 4, 30))[0].level == 100
    assert tonight(SEASONAL, date(2026, 5, 1))[0].level == 80


def test_night_belongs_to_the_season_it_started_in() -> None:
    # Winter's last night (04-30) runs until the sunrise of 05-01, a summer day.
    assert desired_state(SEASONAL, local(date(2026, 5, 1), 3)) == DesiredLighting(True, 100)


def test_overlapping_seasons_refused() -> None:
    period = (Period.of("sunset", "sunrise"),)
    with pytest.raises(ValueError, match="overlap"):
        Schedule(
            seasons=(
                Season("a", MonthDay(5, 1), MonthDay(9, 30), period),
                Season("b", MonthDay(9, 30), MonthDay(4, 30), period),
            )
        )


def test_uncovered_days_use_default_periods() -> None:
    schedule = Schedule(
        periods=(Period.of("sunset", "sunrise", 30),),
        seasons=(
            Season("festival", MonthDay(10, 1), MonthDay(10, 7), (Period.of("18:00", "02:00"),)),
        ),
    )
    assert tonight(schedule, date(2026, 10, 3))[0].level == 100
    assert tonight(schedule, date(2026, 10, 8))[0].level == 30


def test_bad_month_day() -> None:
    with pytest.raises(ValueError, match="MM-DD"):
        MonthDay.parse("13-01")
    assert MonthDay.parse("02-29") == MonthDay(2, 29)


# ---------------------------------------------------------------- desired state


def test_desired_state_around_on_time() -> None:
    on_at = tonight(ALL_NIGHT, SUMMER_DAY)[0].on_at
    assert desired_state(ALL_NIGHT, on_at - timedelta(seconds=1)) == DesiredLighting(False, 0)
    assert desired_state(ALL_NIGHT, on_at) == DesiredLighting(True, 100)
    assert desired_state(ALL_NIGHT, on_at + timedelta(seconds=1)) == DesiredLighting(True, 100)


def test_desired_state_after_midnight_and_at_off_time() -> None:
    off_at = tonight(ALL_NIGHT, SUMMER_DAY)[0].off_at
    assert desired_state(ALL_NIGHT, local(date(2026, 6, 22), 2)) == DesiredLighting(True, 100)
    assert desired_state(ALL_NIGHT, off_at - timedelta(seconds=1)).power
    assert desired_state(ALL_NIGHT, off_at) == DesiredLighting(False, 0)
    assert not desired_state(ALL_NIGHT, local(date(2026, 6, 22), 12)).power


def test_desired_state_half_night_levels() -> None:
    assert desired_state(HALF_NIGHT, local(SUMMER_DAY, 22, 59)) == DesiredLighting(True, 100)
    assert desired_state(HALF_NIGHT, local(SUMMER_DAY, 23, 0)) == DesiredLighting(True, 50)
    assert desired_state(HALF_NIGHT, local(date(2026, 6, 22), 4, 59)) == DesiredLighting(True, 50)
    assert desired_state(HALF_NIGHT, local(date(2026, 6, 22), 5)) == DesiredLighting(False, 0)


def test_latest_switched_on_period_wins_overlap() -> None:
    dimmed = Schedule(
        periods=(Period.of("sunset", "sunrise", 100), Period.of("23:00", "05:00", 50)),
    )
    winter_next = date(2026, 12, 22)
    assert desired_state(dimmed, local(WINTER_DAY, 22)) == DesiredLighting(True, 100)
    assert desired_state(dimmed, local(winter_next, 1)) == DesiredLighting(True, 50)
    # After the half-night period ends, the full-night one (sunrise 06:52) is still on.
    assert desired_state(dimmed, local(winter_next, 5, 30)) == DesiredLighting(True, 100)


def test_desired_state_accepts_other_time_zones() -> None:
    on_at = tonight(ALL_NIGHT, WINTER_DAY)[0].on_at
    assert desired_state(ALL_NIGHT, on_at.astimezone(UTC)).power


def test_naive_time_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        desired_state(ALL_NIGHT, datetime(2026, 6, 21, 20, 0))


# ---------------------------------------------------------------- next change


def test_next_change_is_next_on_then_off() -> None:
    interval = tonight(ALL_NIGHT, SUMMER_DAY)[0]
    assert next_change(ALL_NIGHT, local(SUMMER_DAY, 12)) == interval.on_at
    assert next_change(ALL_NIGHT, interval.on_at) == interval.off_at
    assert next_change(ALL_NIGHT, local(date(2026, 6, 22), 1)) == interval.off_at


def test_next_change_half_night_steps() -> None:
    assert next_change(HALF_NIGHT, local(SUMMER_DAY, 21)) == local(SUMMER_DAY, 23)
    assert next_change(HALF_NIGHT, local(SUMMER_DAY, 23)) == local(date(2026, 6, 22), 5)


def test_next_change_skips_boundaries_that_change_nothing() -> None:
    # Two back-to-back periods at the same level: 22:00 is a boundary but not a change.
    joined = Schedule(periods=(Period.of("18:00", "22:00", 70), Period.of("22:00", "02:00", 70)))
    assert next_change(joined, local(WINTER_DAY, 19)) == local(date(2026, 12, 22), 2)


def test_next_change_across_an_unlit_season() -> None:
    winter_only = Schedule(
        seasons=(
            Season("winter", MonthDay(10, 1), MonthDay(4, 30), (Period.of("18:00", "06:00"),)),
        ),
    )
    assert next_change(winter_only, local(date(2026, 6, 1), 12)) == local(date(2026, 10, 1), 18)


def test_next_change_never_for_empty_schedule() -> None:
    assert next_change(Schedule(), local(SUMMER_DAY, 12)) is None


def test_next_change_agrees_with_desired_state() -> None:
    # Walk a week minute-by-minute-ish and check every reported change really is one.
    at = local(WINTER_DAY, 12)
    end = at + timedelta(days=7)
    while at < end:
        change = next_change(HALF_NIGHT, at)
        assert change is not None
        assert change > at
        assert desired_state(HALF_NIGHT, change) != desired_state(HALF_NIGHT, at)
        probe = at
        while probe < change:
            assert desired_state(HALF_NIGHT, probe) == desired_state(HALF_NIGHT, at)
            probe += timedelta(minutes=7)
        at = change


# ------------------------------------------------------- dimming steps end with the morning

# Full night until 10 minutes before sunrise, dimmed to 50 % from 23:00 to 05:00.
DIMMED_NIGHT = Schedule(
    periods=(Period.of("sunset+15", "sunrise-10", 100), Period.of("23:00", "05:00", 50)),
)


def test_a_dimming_step_does_not_light_the_street_after_the_main_lights_went_off() -> None:
    # Summer: sunrise 04:58, so the main period ends at 04:48; the 50 % step used to keep the
    # street lit in daylight until 05:00.
    morning = date(2026, 6, 22)
    main_off = sun_times(morning)["sunrise"] - timedelta(minutes=10)
    assert desired_state(DIMMED_NIGHT, main_off - timedelta(seconds=1)) == DesiredLighting(True, 50)
    assert desired_state(DIMMED_NIGHT, local(morning, 4, 50)) == DesiredLighting(False, 0)
    assert next_change(DIMMED_NIGHT, local(SUMMER_DAY + timedelta(days=1), 1)) == main_off
    main, step = tonight(DIMMED_NIGHT, SUMMER_DAY)
    assert (step.on_at, step.off_at, step.level) == (local(SUMMER_DAY, 23), main_off, 50)
    assert main.off_at == main_off


def test_in_winter_the_dimming_step_ends_inside_the_night_as_before() -> None:
    winter_next = date(2026, 12, 22)
    assert tonight(DIMMED_NIGHT, WINTER_DAY)[1].off_at == local(winter_next, 5)
    assert desired_state(DIMMED_NIGHT, local(winter_next, 4, 59)) == DesiredLighting(True, 50)
    assert desired_state(DIMMED_NIGHT, local(winter_next, 5, 30)) == DesiredLighting(True, 100)


@pytest.mark.parametrize("night", [SUMMER_DAY, WINTER_DAY])
def test_a_step_under_a_clock_bound_period_is_the_nights_lighting_and_stays(night: date) -> None:
    # An evening boost over an all-night base level, and a late period overlapping an early
    # one that ends by the clock: clipping either would darken the street at night.
    boost = Schedule(periods=(Period.of("sunset", "sunrise", 50), Period.of("18:00", "22:00", 100)))
    early_late = Schedule(
        periods=(Period.of("sunset", "23:00", 100), Period.of("22:00", "sunrise", 50))
    )
    after_midnight = local(night + timedelta(days=1), 2)
    assert desired_state(boost, after_midnight) == DesiredLighting(True, 50)
    assert desired_state(early_late, after_midnight) == DesiredLighting(True, 50)
    assert desired_state(early_late, local(night, 23, 30)) == DesiredLighting(True, 50)


def test_next_change_agrees_with_desired_state_for_a_dimmed_summer_week() -> None:
    at = local(SUMMER_DAY, 12)
    end = at + timedelta(days=7)
    while at < end:
        change = next_change(DIMMED_NIGHT, at)
        assert change is not None
        assert change > at
        assert desired_state(DIMMED_NIGHT, change) != desired_state(DIMMED_NIGHT, at)
        probe = at
        while probe < change:
            assert desired_state(DIMMED_NIGHT, probe) == desired_state(DIMMED_NIGHT, at)
            probe += timedelta(minutes=7)
        at = change
