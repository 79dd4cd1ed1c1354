"""A case's deadlines as the dispatcher sees them, and the escalation a breach triggers."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from cityops.domain import cases as c
from cityops.domain.actors import Actor, Role
from cityops.domain.case_clocks import (
    SLA_SYSTEM_ACTOR,
    case_clocks,
    clock_inputs,
    escalate_breaches,
)
from cityops.domain.city import CITY_TZ
from cityops.domain.outcomes import Rejection
from cityops.domain.reference import Reference, load_reference
from cityops.domain.sla import ClockKind, ClockStatus

DISPATCHER = Actor("disp-1", frozenset({Role.DISPATCHER}), "330100")
COLLECTOR = Actor("col-1", frozenset({Role.COLLECTOR}), "330102001")
EXPOSED_GARBAGE, PIPE_BURST = "0702", "1101"  # 4 working hours; "103060" emergency


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CITY_TZ)


def run(case: c.Case, cmd: c.CaseCommand, actor: Actor, when: datetime, ref: Reference) -> c.Case:
    outcome = c.apply(case, cmd, actor, when, ref)
    assert not isinstance(outcome, Rejection), outcome
    return outcome[0]


def dispatched(
    ref: Reference, subcategory: str, reported: datetime, dispatched: datetime
) -> c.Case:
    case, _ = c.report_case(  # type: ignore[misc]
        "C-9",
        source=c.CaseSource.PATROL,
        description="问题",
        district_code="330102",
        street_code="330102001",
        actor=COLLECTOR,
        now=reported,
        ref=ref,
    )
    case = run(case, c.File(subcategory), DISPATCHER, reported, ref)
    unit = ref.units.departments_for("sanitation", "330102001")[0].code
    return run(case, c.Dispatch(unit), DISPATCHER, dispatched, ref)


def clock(states: tuple, kind: ClockKind):  # type: ignore[no-untyped-def,type-arg]
    return next(s for s in states if s.kind is kind)


def test_ordinary_case_dispatched_before_national_day_is_due_after_it(ref: Reference) -> None:
    sub = ref.taxonomy.subcategories[EXPOSED_GARBAGE]
    case = dispatched(ref, EXPOSED_GARBAGE, at("2026-09-30T15:00"), at("2026-09-30T16:00"))
    states = case_clocks(case, sub, at("2026-10-03T12:00"), ref.taxonomy.calendar())
    resolve = clock(states, ClockKind.RESOLVE)
    # 2 working hours on 30 Sep (16:00–18:00), holidays 1–7 Oct, 2 more on Thu 8 Oct from 08:30.
    assert resolve.deadline == at("2026-10-08T10:30")
    assert resolve.status is ClockStatus.RUNNING
    assert resolve.remaining == timedelta(hours=2)  # nothing counts during the holiday
    receive = clock(states, ClockKind.RECEIVE)  # 30 working minutes
    assert receive.deadline == at("2026-09-30T16:30")
    assert receive.status is ClockStatus.BREACHED


def test_emergency_clocks_run_from_the_report_on_the_wall_clock(ref: Reference) -> None:
    sub = ref.taxonomy.subcategories[PIPE_BURST]
    reported = at("2026-10-01T03:00")  # a holiday night: emergencies do not wait
    case = dispatched(ref, PIPE_BURST, reported, reported + timedelta(minutes=2))
    states = case_clocks(case, sub, reported + timedelta(minutes=11), ref.taxonomy.calendar())
    deadlines = {s.kind: s.deadline for s in states}
    assert deadlines == {
        ClockKind.RECEIVE: reported + timedelta(minutes=1),
        ClockKind.RESPOND: reported + timedelta(minutes=10),
        ClockKind.ARRIVE: reported + timedelta(minutes=30),
        ClockKind.RESOLVE: reported + timedelta(minutes=60),
    }
    assert clock(states, ClockKind.RESPOND).status is ClockStatus.BREACHED
    assert clock(states, ClockKind.ARRIVE).status is ClockStatus.RUNNING


def test_milestones_stop_their_clocks(ref: Reference) -> None:
    sub = ref.taxonomy.subcategories[PIPE_BURST]
    t0 = at("2026-11-23T10:00")
    case = dispatched(ref, PIPE_BURST, t0, t0)
    crew = Actor("crew", frozenset({Role.HANDLER}), case.assigned_unit)
    case = run(case, c.Accept(), crew, t0 + timedelta(seconds=40), ref)
    case = run(case, c.Depart(), crew, t0 + timedelta(minutes=8), ref)
    case = run(case, c.Handle("已关阀抢修"), crew, t0 + timedelta(minutes=75), ref)
    states = {
        s.kind: s.status
        for s in case_clocks(case, sub, t0 + timedelta(hours=3), ref.taxonomy.calendar())
    }
    assert states == {
        ClockKind.RECEIVE: ClockStatus.MET,
        ClockKind.RESPOND: ClockStatus.MET,
        ClockKind.ARRIVE: ClockStatus.BREACHED_MET,  # never reported arriving: stops at handling
        ClockKind.RESOLVE: ClockStatus.BREACHED_MET,
    }


def test_suspension_moves_the_deadline_by_the_working_time_it_lasted(ref: Reference) -> None:
    sub = ref.taxonomy.subcategories[EXPOSED_GARBAGE]
    cal = ref.taxonomy.calendar()
    case = dispatched(ref, EXPOSED_GARBAGE, at("2026-11-23T08:30"), at("2026-11-23T09:00"))
    before = clock(case_clocks(case, sub, at("2026-11-23T09:30"), cal), ClockKind.RESOLVE)
    assert before.deadline == at("2026-11-23T14:30")  # 3 h to noon + 1 h after lunch
    case = run(case, c.Suspend("等待清运车辆"), DISPATCHER, at("2026-11-23T10:00"), ref)
    paused = clock(case_clocks(case, sub, at("2026-11-23T11:00"), cal), ClockKind.RESOLVE)
    assert paused.status is ClockStatus.PAUSED
    assert paused.remaining == timedelta(hours=3)
    # 10:00–12:00 and 13:30–14:30: the pause lasted 3 working hours (lunch does not count).
    case = run(case, c.Resume(), DISPATCHER, at("2026-11-23T14:30"), ref)
    after = clock(case_clocks(case, sub, at("2026-11-23T15:00"), cal), ClockKind.RESOLVE)
    assert after.deadline == at("2026-11-23T17:30")


def test_each_breach_escalates_once_and_says_which_deadline(ref: Reference) -> None:
    sub = ref.taxonomy.subcategories[PIPE_BURST]
    t0 = at("2026-11-23T22:00")
    case = dispatched(ref, PIPE_BURST, t0, t0)
    escalated: list[c.CaseEvent] = []
    window_start = t0
    for minute in range(1, 91):  # a server checking every minute for 1.5 h
        window_end = t0 + timedelta(minutes=minute)
        case, events = escalate_breaches(
            case, sub, window_start, window_end, ref, ref.taxonomy.calendar()
        )
        escalated.extend(events)
        window_start = window_end
    assert [e.details["reason"][:2] for e in escalated] == ["签收", "响应", "到场", "处置"]
    assert [e.at for e in escalated] == [t0 + timedelta(minutes=m) for m in (1, 10, 30, 60)]
    assert all(e.actor_id == SLA_SYSTEM_ACTOR.user_id for e in escalated)
    assert case.escalation_level == 4
    assert "22:10" in escalated[1].details["reason"]


def test_ended_case_is_not_escalated(ref: Reference) -> None:
    sub = ref.taxonomy.subcategories[PIPE_BURST]
    t0 = at("2026-11-23T22:00")
    case, _ = c.report_case(  # type: ignore[misc]
        "C-10",
        source=c.CaseSource.PATROL,
        description="误报",
        district_code="330102",
        actor=COLLECTOR,
        now=t0,
        ref=ref,
    )
    case = run(case, c.File(PIPE_BURST), DISPATCHER, t0, ref)
    case = run(case, c.MarkDuplicate("C-1"), DISPATCHER, t0 + timedelta(seconds=30), ref)
    same, events = escalate_breaches(
        case, sub, t0, t0 + timedelta(hours=2), ref, ref.taxonomy.calendar()
    )
    assert events == ()
    assert same is case


def test_a_case_suspended_before_its_dispatch_still_shows_its_clocks(ref: Reference) -> None:
    # Filed at 09:10, suspended 09:20–10:00 awaiting a permit, dispatched at 10:05: the clocks
    # of an ordinary case start at the dispatch, so that pause has nothing to pause.
    sub = ref.taxonomy.subcategories[EXPOSED_GARBAGE]
    cal = ref.taxonomy.calendar()
    case, _ = c.report_case(  # type: ignore[misc]
        "C-11",
        source=c.CaseSource.PATROL,
        description="暴露垃圾",
        district_code="330102",
        street_code="330102001",
        actor=COLLECTOR,
        now=at("2026-11-23T09:00"),
        ref=ref,
    )
    case = run(case, c.File(EXPOSED_GARBAGE), DISPATCHER, at("2026-11-23T09:10"), ref)
    case = run(case, c.Suspend("等待审批"), DISPATCHER, at("2026-11-23T09:20"), ref)
    case = run(case, c.Resume(), DISPATCHER, at("2026-11-23T10:00"), ref)
    unit = ref.units.departments_for("sanitation", "330102001")[0].code
    case = run(case, c.Dispatch(unit), DISPATCHER, at("2026-11-23T10:05"), ref)
    resolve = clock(case_clocks(case, sub, at("2026-11-23T11:00"), cal), ClockKind.RESOLVE)
    assert resolve.deadline == at("2026-11-23T15:35")  # 4 working hours from 10:05
    assert resolve.paused_for == timedelta(0)
    until = at("2026-11-24T10:00")
    escalated, events = escalate_breaches(case, sub, at("2026-11-23T10:05"), until, ref, cal)
    assert [e.details["reason"][:2] for e in events] == ["签收", "处置"]
    assert escalated.escalation_level == 2


def test_a_suspension_straddling_the_clock_start_pauses_the_clocks_from_the_start(
    ref: Reference,
) -> None:
    # The state machine resumes a case before it can be dispatched, but imported or migrated
    # histories can hold a pause across the first dispatch: it counts from the dispatch on, and
    # one that ended before the dispatch does not count at all.
    sub = ref.taxonomy.subcategories[EXPOSED_GARBAGE]
    case = dispatched(ref, EXPOSED_GARBAGE, at("2026-11-23T08:30"), at("2026-11-23T10:00"))
    case = replace(
        case,
        pauses=(
            c.Pause(at("2026-11-23T08:40"), at("2026-11-23T08:50"), "立案前"),
            c.Pause(at("2026-11-23T09:30"), at("2026-11-23T10:30"), "跨越派遣"),
        ),
    )
    assert clock_inputs(case, sub).pauses == ((at("2026-11-23T10:00"), at("2026-11-23T10:30")),)
    states = case_clocks(case, sub, at("2026-11-23T11:00"), ref.taxonomy.calendar())
    resolve = clock(states, ClockKind.RESOLVE)
    assert resolve.paused_for == timedelta(minutes=30)
    assert resolve.deadline == at("2026-11-23T16:00")  # 10:30 + 1.5 h to noon + 2.5 h


def test_rework_does_not_restart_the_respond_and_arrive_clocks_a_crew_met(
    ref: Reference,
) -> None:
    # Pipe burst (103060): the crew signs, fixes it in 8 minutes without pressing Depart or
    # Arrive, and the check at +40 min fails. Respond (10 min) and arrive (30 min) were met by
    # the fix; rework must not turn them into breaches.
    sub = ref.taxonomy.subcategories[PIPE_BURST]
    cal = ref.taxonomy.calendar()
    t0 = at("2026-11-23T09:00")
    case = dispatched(ref, PIPE_BURST, t0, t0 + timedelta(minutes=1))
    crew = Actor("crew", frozenset({Role.HANDLER}), case.assigned_unit)
    case = run(case, c.Accept(), crew, t0 + timedelta(minutes=1), ref)
    case = run(case, c.Handle("已关阀"), crew, t0 + timedelta(minutes=8), ref)
    case = run(case, c.CheckFail("仍在漏水"), COLLECTOR, t0 + timedelta(minutes=40), ref)
    states = {s.kind: s for s in case_clocks(case, sub, t0 + timedelta(minutes=41), cal)}
    assert states[ClockKind.RESPOND].status is ClockStatus.MET
    assert states[ClockKind.ARRIVE].status is ClockStatus.MET
    assert not states[ClockKind.RESPOND].overdue
    assert states[ClockKind.RESOLVE].status is ClockStatus.RUNNING  # rework does not buy time
