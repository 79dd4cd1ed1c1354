"""SLA clocks as a dispatcher sees them: emergency countdowns (103060, 135), working-hour
deadlines across holidays, suspensions, and escalations raised once each."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cityops.domain.city import CITY_TZ
from cityops.domain.durations import ClockBasis
from cityops.domain.sla import (
    Breach,
    ClockKind,
    ClockSpec,
    ClockState,
    ClockStatus,
    Pause,
    breaches_between,
    clock_states,
    next_breach,
)
from cityops.domain.work_calendar import DEFAULT_CALENDAR

CAL = DEFAULT_CALENDAR
K = ClockKind
S = ClockStatus
SECOND = timedelta(seconds=1)
WALL = ClockBasis.WALL
WORKING = ClockBasis.WORKING


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=CITY_TZ)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def emergency(respond: str, arrive: str, resolve: str) -> tuple[ClockSpec, ...]:
    return (
        ClockSpec.parse(K.RESPOND, respond, WALL),
        ClockSpec.parse(K.ARRIVE, arrive, WALL),
        ClockSpec.parse(K.RESOLVE, resolve, WALL),
    )


NORM_103060 = emergency("10m", "30m", "60m")
NORM_135 = emergency("1m", "3m", "5m")
RESOLVE_4H = (ClockSpec.parse(K.RESOLVE, "4h", WORKING),)
RESOLVE_5D = (ClockSpec.parse(K.RESOLVE, "5d", WORKING),)

#: A Saturday night: emergencies run on wall time whatever the office hours.
REPORTED = at(2026, 11, 14, 23, 55)


def states(
    specs: tuple[ClockSpec, ...],
    at_: datetime,
    started: datetime | None = REPORTED,
    stops: dict[ClockKind, datetime] | None = None,
    pauses: list[Pause] | None = None,
) -> dict[ClockKind, ClockState]:
    result = clock_states(specs, started, stops or {}, pauses or [], at_, CAL)
    return {s.kind: s for s in result}


def one(
    specs: tuple[ClockSpec, ...],
    at_: datetime,
    started: datetime | None = REPORTED,
    stops: dict[ClockKind, datetime] | None = None,
    pauses: list[Pause] | None = None,
) -> ClockState:
    (state,) = clock_states(specs, started, stops or {}, pauses or [], at_, CAL)
    return state


# ---------------------------------------------------------------------- specs


def test_limits_parse_in_their_basis() -> None:
    assert ClockSpec.parse(K.RESOLVE, "5d", WORKING).limit == hours(40)
    assert ClockSpec.parse(K.RESOLVE, "1d", WALL).limit == hours(24)
    assert [s.limit for s in NORM_135] == [minutes(1), minutes(3), minutes(5)]


def test_non_positive_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        ClockSpec(K.RESPOND, WALL, timedelta(0))


# ---------------------------------------------------------------------- wall clocks


def test_103060_shows_every_deadline_not_only_the_nearest() -> None:
    s = states(NORM_103060, REPORTED + minutes(4))
    assert [x.kind for x in clock_states(NORM_103060, REPORTED, {}, [], REPORTED, CAL)] == [
        K.RESPOND,
        K.ARRIVE,
        K.RESOLVE,
    ]
    assert s[K.RESPOND].deadline == REPORTED + minutes(10)
    assert s[K.ARRIVE].deadline == REPORTED + minutes(30)
    assert s[K.RESOLVE].deadline == at(2026, 11, 15, 0, 55)  # past midnight, a Sunday
    assert s[K.RESPOND].remaining == minutes(6)
    assert s[K.RESOLVE].remaining == minutes(56)
    assert all(x.status is S.RUNNING for x in s.values())
    assert all(x.elapsed == minutes(4) for x in s.values())


@pytest.mark.parametrize(
    ("specs", "limits"),
    [(NORM_103060, (10, 30, 60)), (NORM_135, (1, 3, 5))],
    ids=["103060", "135"],
)
def test_wall_clock_breaches_the_second_after_its_deadline(
    specs: tuple[ClockSpec, ...], limits: tuple[int, int, int]
) -> None:
    for kind, limit in zip((K.RESPOND, K.ARRIVE, K.RESOLVE), limits, strict=True):
        deadline = REPORTED + minutes(limit)
        on_time = states(specs, deadline)[kind]
        assert on_time.status is S.RUNNING
        assert on_time.remaining == timedelta(0)
        assert not on_time.overdue
        late = states(specs, deadline + SECOND)[kind]
        assert late.status is S.BREACHED
        assert late.remaining == -SECOND
        assert late.deadline == deadline
        assert late.overdue


def test_135_met_when_stopped_in_time_and_breached_met_when_late() -> None:
    stops = {
        K.RESPOND: REPORTED + minutes(1),  # exactly at the deadline: on time
        K.ARRIVE: REPORTED + minutes(3) + SECOND,  # one second late
    }
    s = states(NORM_135, REPORTED + minutes(4), stops=stops)
    assert s[K.RESPOND].status is S.MET
    assert s[K.RESPOND].stopped_at == REPORTED + minutes(1)
    assert s[K.RESPOND].remaining == timedelta(0)
    assert not s[K.RESPOND].overdue
    assert s[K.ARRIVE].status is S.BREACHED_MET
    assert s[K.ARRIVE].remaining == -SECOND
    assert s[K.ARRIVE].overdue
    assert s[K.RESOLVE].status is S.RUNNING
    assert s[K.RESOLVE].remaining == minutes(1)


def test_stopped_clock_keeps_its_figures_afterwards() -> None:
    stops = {K.RESPOND: REPORTED + minutes(7)}
    later = states(NORM_103060, REPORTED + hours(5), stops=stops)[K.RESPOND]
    assert later.status is S.MET
    assert later.elapsed == minutes(7)
    assert later.remaining == minutes(3)


def test_milestone_after_the_instant_asked_is_not_yet_known() -> None:
    stops = {K.RESPOND: REPORTED + minutes(20)}
    s = states(NORM_103060, REPORTED + minutes(15), stops=stops)[K.RESPOND]
    assert s.status is S.BREACHED
    assert s.stopped_at is None


def test_clocks_not_started() -> None:
    for state in clock_states(NORM_103060, None, {}, [], REPORTED, CAL):
        assert state.status is S.NOT_STARTED
        assert state.deadline is None
        assert state.remaining == state.limit
    before = states(NORM_103060, REPORTED - minutes(1))[K.RESPOND]
    assert before.status is S.NOT_STARTED


def test_wall_pause_shifts_wall_deadlines() -> None:
    pauses: list[Pause] = [(REPORTED + minutes(2), REPORTED + minutes(7))]
    s = states(NORM_103060, REPORTED + minutes(8), pauses=pauses)
    assert s[K.RESPOND].deadline == REPORTED + minutes(15)
    assert s[K.RESPOND].paused_for == minutes(5)
    assert s[K.RESPOND].elapsed == minutes(3)
    assert s[K.RESPOND].status is S.RUNNING


# ---------------------------------------------------------------------- working clocks


def test_case_dispatched_before_national_day_is_due_after_it() -> None:
    dispatched = at(2026, 9, 30, 16)
    during = one(RESOLVE_4H, at(2026, 10, 5, 12), started=dispatched)
    assert during.deadline == at(2026, 10, 8, 10, 30)
    assert during.status is S.RUNNING
    assert during.remaining == hours(2)  # the holiday week does not count
    late = one(RESOLVE_4H, at(2026, 10, 8, 10, 30, 1), started=dispatched)
    assert late.status is S.BREACHED


def test_five_working_days_counts_the_adjusted_saturday() -> None:
    state = one(RESOLVE_5D, at(2026, 10, 1), started=at(2026, 9, 30, 9))
    assert state.deadline == at(2026, 10, 13, 9)


def test_working_clock_does_not_breach_over_the_weekend_early() -> None:
    friday = at(2026, 11, 13, 16)
    saturday = one(RESOLVE_4H, at(2026, 11, 14, 12), started=friday)
    assert saturday.status is S.RUNNING
    assert saturday.remaining == hours(2)
    assert saturday.deadline == at(2026, 11, 16, 10, 30)


def test_working_clock_due_at_period_end_is_breached_that_evening() -> None:
    started = at(2026, 11, 13, 14)
    evening = one(RESOLVE_4H, at(2026, 11, 13, 18, 0, 1), started=started)
    assert evening.deadline == at(2026, 11, 13, 18)
    assert evening.status is S.BREACHED
    assert evening.overdue
    # No working time has passed since 18:00, so nothing more is owed yet.
    assert evening.remaining == timedelta(0)
    monday = one(RESOLVE_4H, at(2026, 11, 16, 9, 30), started=started)
    assert monday.remaining == -hours(1)


# ---------------------------------------------------------------------- pause / resume

MONDAY = at(2026, 11, 16, 9)


def test_pause_of_two_working_hours_moves_the_deadline_by_two_working_hours() -> None:
    plain = one(RESOLVE_5D, at(2026, 11, 17, 15), started=MONDAY)
    # Tue 10:00-12:30 is 2 working hours (lunch starts at 12:00).
    pauses: list[Pause] = [(at(2026, 11, 17, 10), at(2026, 11, 17, 12, 30))]
    paused = one(RESOLVE_5D, at(2026, 11, 17, 15), started=MONDAY, pauses=pauses)
    assert plain.deadline is not None
    assert paused.deadline is not None
    assert plain.deadline == at(2026, 11, 23, 9)
    assert CAL.working_time_between(plain.deadline, paused.deadline) == hours(2)
    assert paused.deadline == at(2026, 11, 23, 11)
    assert paused.paused_for == hours(2)
    assert plain.remaining - paused.remaining == -hours(2)
    assert paused.status is S.RUNNING


def test_open_pause_freezes_remaining_and_hides_the_deadline() -> None:
    pauses: list[Pause] = [(at(2026, 11, 17, 10), None)]
    first = one(RESOLVE_5D, at(2026, 11, 17, 10), started=MONDAY, pauses=pauses)
    later = one(RESOLVE_5D, at(2026, 11, 25, 16), started=MONDAY, pauses=pauses)
    for state in (first, later):
        assert state.status is S.PAUSED
        assert state.deadline is None
        # Monday 09:00-18:00 minus lunch is 7.5 h, Tuesday 08:30-10:00 is 1.5 h.
        assert state.remaining == hours(40 - 9)
        assert not state.overdue
    assert later.paused_for == CAL.working_time_between(at(2026, 11, 17, 10), at(2026, 11, 25, 16))


def test_resumed_clock_runs_again_from_the_pause_end() -> None:
    pauses: list[Pause] = [(at(2026, 11, 17, 10), at(2026, 11, 18, 10))]
    at_end = one(RESOLVE_5D, at(2026, 11, 18, 10), started=MONDAY, pauses=pauses)
    assert at_end.status is S.RUNNING
    assert at_end.deadline == at(2026, 11, 24, 9)
    assert at_end.paused_for == hours(8)


def test_pause_over_a_weekend_moves_nothing_extra() -> None:
    plain = one(RESOLVE_5D, at(2026, 11, 16, 10), started=at(2026, 11, 13, 9))
    pauses: list[Pause] = [(at(2026, 11, 14, 10), at(2026, 11, 15, 18))]
    paused = one(RESOLVE_5D, at(2026, 11, 16, 10), started=at(2026, 11, 13, 9), pauses=pauses)
    assert paused.deadline == plain.deadline == at(2026, 11, 20, 9)
    assert paused.paused_for == timedelta(0)
    assert paused.remaining == plain.remaining


def test_clock_suspended_after_its_deadline_stays_overdue() -> None:
    pauses: list[Pause] = [(REPORTED + minutes(12), None)]
    s = states(NORM_103060, REPORTED + minutes(20), pauses=pauses)
    assert s[K.RESPOND].status is S.PAUSED
    assert s[K.RESPOND].overdue
    assert s[K.RESPOND].deadline == REPORTED + minutes(10)
    assert s[K.RESPOND].remaining == -minutes(2)
    assert s[K.ARRIVE].status is S.PAUSED
    assert not s[K.ARRIVE].overdue
    assert s[K.ARRIVE].deadline is None
    assert s[K.ARRIVE].remaining == minutes(18)


def test_suspension_starting_at_the_deadline_is_too_late() -> None:
    # Like working time running out at 18:00, the clock is due when its limit is used up,
    # even if a suspension begins at that very instant.
    respond = (NORM_103060[0],)
    pauses: list[Pause] = [(REPORTED + minutes(10), REPORTED + minutes(15))]
    during = one(respond, REPORTED + minutes(12), pauses=pauses)
    assert during.status is S.PAUSED
    assert during.deadline == REPORTED + minutes(10)
    assert during.remaining == timedelta(0)
    assert during.overdue
    window = (REPORTED, REPORTED + hours(1))
    assert breaches_between(respond, REPORTED, {}, pauses, *window, CAL) == (
        Breach(K.RESPOND, REPORTED + minutes(10)),
    )


# ---------------------------------------------------------------------- breaches


def test_each_breach_is_found_once_across_adjacent_windows() -> None:
    stops = {K.ARRIVE: REPORTED + minutes(29)}  # arrive is met, never escalated
    found: list[Breach] = []
    edge = REPORTED - minutes(5)
    for _ in range(24 * 6):  # 10-second windows over 24 minutes, then minute windows
        found += breaches_between(NORM_103060, REPORTED, stops, [], edge, edge + SECOND * 10, CAL)
        edge += SECOND * 10
    for _ in range(120):
        found += breaches_between(NORM_103060, REPORTED, stops, [], edge, edge + minutes(1), CAL)
        edge += minutes(1)
    assert found == [
        Breach(K.RESPOND, REPORTED + minutes(10)),
        Breach(K.RESOLVE, REPORTED + minutes(60)),
    ]


def test_working_breaches_across_a_weekend_in_hourly_windows() -> None:
    specs = (
        ClockSpec.parse(K.RECEIVE, "2h", WORKING),
        ClockSpec.parse(K.RESOLVE, "1d", WORKING),
    )
    started = at(2026, 11, 13, 15)
    found: Counter[Breach] = Counter()
    edge = started
    while edge < at(2026, 11, 18):
        found.update(breaches_between(specs, started, {}, [], edge, edge + hours(1), CAL))
        edge += hours(1)
    assert found == Counter(
        {
            Breach(K.RECEIVE, at(2026, 11, 13, 17)): 1,
            Breach(K.RESOLVE, at(2026, 11, 16, 15)): 1,  # 3 h Friday + 5 h Monday
        }
    )


def test_window_ends_are_half_open() -> None:
    due = REPORTED + minutes(10)
    respond = (NORM_103060[0],)
    assert breaches_between(respond, REPORTED, {}, [], due - SECOND, due, CAL) == (
        Breach(K.RESPOND, due),
    )
    assert breaches_between(respond, REPORTED, {}, [], due, due + SECOND, CAL) == ()


def test_late_milestone_is_still_a_breach_and_on_time_one_is_not() -> None:
    window = (REPORTED, REPORTED + hours(2))
    late = {K.RESPOND: REPORTED + minutes(11)}
    exact = {K.RESPOND: REPORTED + minutes(10)}
    respond = (NORM_103060[0],)
    assert breaches_between(respond, REPORTED, late, [], *window, CAL) == (
        Breach(K.RESPOND, REPORTED + minutes(10)),
    )
    assert breaches_between(respond, REPORTED, exact, [], *window, CAL) == ()


def test_open_pause_hides_a_breach_until_it_ends() -> None:
    open_pause: list[Pause] = [(REPORTED + minutes(5), None)]
    window = (REPORTED, REPORTED + hours(3))
    assert breaches_between(NORM_103060, REPORTED, {}, open_pause, *window, CAL) == ()
    assert next_breach(NORM_103060, REPORTED, {}, open_pause, REPORTED, CAL) is None
    closed: list[Pause] = [(REPORTED + minutes(5), REPORTED + minutes(25))]
    assert breaches_between(NORM_103060, REPORTED, {}, closed, *window, CAL) == (
        Breach(K.RESPOND, REPORTED + minutes(30)),
        Breach(K.ARRIVE, REPORTED + minutes(50)),
        Breach(K.RESOLVE, REPORTED + minutes(80)),
    )


def test_next_breach_schedules_the_server_check() -> None:
    stops = {K.RESPOND: REPORTED + minutes(3)}
    first = next_breach(NORM_103060, REPORTED, stops, [], REPORTED, CAL)
    assert first == Breach(K.ARRIVE, REPORTED + minutes(30))
    second = next_breach(NORM_103060, REPORTED, stops, [], first.due_at, CAL)
    assert second == Breach(K.RESOLVE, REPORTED + minutes(60))
    assert next_breach(NORM_103060, REPORTED, stops, [], second.due_at, CAL) is None
    assert next_breach(NORM_103060, None, {}, [], REPORTED, CAL) is None


# ---------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("pauses", "message"),
    [
        ([(REPORTED + minutes(5), REPORTED + minutes(2))], "ends .* before it starts"),
        (
            [
                (REPORTED + minutes(1), REPORTED + minutes(5)),
                (REPORTED + minutes(4), REPORTED + minutes(6)),
            ],
            "overlap",
        ),
        (
            [
                (REPORTED + minutes(7), REPORTED + minutes(8)),
                (REPORTED + minutes(1), REPORTED + minutes(2)),
            ],
            "in order",
        ),
        (
            [(REPORTED + minutes(1), None), (REPORTED + minutes(4), REPORTED + minutes(6))],
            "still open",
        ),
        ([(REPORTED - minutes(1), REPORTED + minutes(2))], "before the clocks start"),
        ([(datetime(2026, 11, 15, 0, 0), None)], "timezone-aware"),
    ],
)
def test_bad_pauses_are_refused(pauses: list[Pause], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        clock_states(NORM_103060, REPORTED, {}, pauses, REPORTED + hours(1), CAL)
    with pytest.raises(ValueError, match=message):
        breaches_between(NORM_103060, REPORTED, {}, pauses, REPORTED, REPORTED + hours(1), CAL)


def test_other_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="two specs"):
        clock_states(NORM_103060 + NORM_135[:1], REPORTED, {}, [], REPORTED, CAL)
    with pytest.raises(ValueError, match="before the clocks start"):
        clock_states(NORM_103060, REPORTED, {K.RESPOND: REPORTED - SECOND}, [], REPORTED, CAL)
    with pytest.raises(ValueError, match="timezone-aware"):
        clock_states(NORM_103060, REPORTED, {}, [], datetime(2026, 11, 15), CAL)
    with pytest.raises(ValueError, match="window ends"):
        breaches_between(NORM_103060, REPORTED, {}, [], REPORTED, REPORTED - SECOND, CAL)


# ---------------------------------------------------------------------- properties


@st.composite
def clock_cases(draw: st.DrawFn) -> tuple[ClockSpec, datetime, list[Pause]]:
    basis = draw(st.sampled_from([WALL, WORKING]))
    limit = minutes(draw(st.integers(min_value=1, max_value=20 * 8 * 60)))
    start = draw(
        st.datetimes(
            min_value=datetime(2026, 1, 1),
            max_value=datetime(2026, 12, 1),
            timezones=st.just(CITY_TZ),
        ).map(lambda d: d.replace(second=0, microsecond=0))
    )
    pauses: list[Pause] = []
    cursor = start
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        begin = cursor + minutes(draw(st.integers(min_value=0, max_value=5 * 24 * 60)))
        end = begin + minutes(draw(st.integers(min_value=0, max_value=3 * 24 * 60)))
        pauses.append((begin, end))
        cursor = end
    return ClockSpec(K.RESOLVE, basis, limit), start, pauses


offsets = st.integers(min_value=0, max_value=40 * 24 * 60).map(minutes)


def _measure(basis: ClockBasis, a: datetime, b: datetime) -> timedelta:
    return b - a if basis is WALL else CAL.working_time_between(a, b)


def _paused_at(pauses: list[Pause], t: datetime) -> bool:
    return any(b <= t and (e is None or t < e) for b, e in pauses)


@settings(max_examples=200, deadline=None)
@given(case=clock_cases(), first=offsets, gap=offsets)
def test_remaining_never_increases(
    case: tuple[ClockSpec, datetime, list[Pause]], first: timedelta, gap: timedelta
) -> None:
    spec, start, pauses = case
    t1 = start + first
    t2 = t1 + gap
    s1 = one((spec,), t1, started=start, pauses=pauses)
    s2 = one((spec,), t2, started=start, pauses=pauses)
    assert s2.remaining <= s1.remaining
    if not any(t1 < e and b < t2 for b, e in pauses if e is not None):
        # No suspension touches [t1, t2]: the clock lost exactly the time that passed.
        assert s1.remaining - s2.remaining == _measure(spec.basis, t1, t2)


@settings(max_examples=200, deadline=None)
@given(case=clock_cases())
def test_deadline_is_where_the_limit_is_used_up(
    case: tuple[ClockSpec, datetime, list[Pause]],
) -> None:
    spec, start, pauses = case
    horizon = start + timedelta(days=400)
    state = one((spec,), horizon, started=start, pauses=pauses)
    deadline = state.deadline
    assert deadline is not None
    assert deadline - start >= spec.limit
    assert _measure(spec.basis, start, deadline) >= spec.limit
    assume(not _paused_at(pauses, deadline))
    due = one((spec,), deadline, started=start, pauses=pauses)
    assert due.remaining == timedelta(0)
    assert due.status is S.RUNNING
    assert one((spec,), deadline + SECOND, started=start, pauses=pauses).status is S.BREACHED
    assert breaches_between((spec,), start, {}, pauses, deadline - SECOND, deadline, CAL) == (
        Breach(K.RESOLVE, deadline),
    )


@settings(max_examples=150, deadline=None)
@given(case=clock_cases(), offset=offsets)
def test_running_clock_is_due_after_its_remaining_time(
    case: tuple[ClockSpec, datetime, list[Pause]], offset: timedelta
) -> None:
    spec, start, pauses = case
    now = start + offset
    assume(all(b > now or (e is not None and e <= now) for b, e in pauses))
    state = one((spec,), now, started=start, pauses=pauses)
    assume(state.status is S.RUNNING)
    assert state.deadline is not None
    assert state.deadline >= now
    assert _measure(spec.basis, now, state.deadline) == state.remaining
