"""The case lifecycle as a dispatcher meets it: each legal move, each refusal and its reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityops.domain import cases as c
from cityops.domain import schemas
from cityops.domain.actors import Actor, Role
from cityops.domain.city import CITY_TZ
from cityops.domain.outcomes import Rejection
from cityops.domain.reference import Reference, load_reference

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=CITY_TZ)  # a Monday morning
DISTRICT, STREET = "330102", "330102001"  # 上城区, 湖滨街道


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference()


@pytest.fixture(scope="module")
def unit(ref: Reference) -> str:
    """A real sanitation department serving 上城区."""
    return ref.units.departments_for("sanitation", STREET)[0].code


@pytest.fixture(scope="module")
def other_unit(ref: Reference, unit: str) -> str:
    return next(d for d in ref.units.departments if d != unit)


DISPATCHER = Actor("disp-1", frozenset({Role.DISPATCHER}), "330100", "王调度")
COLLECTOR = Actor("col-7", frozenset({Role.COLLECTOR}), STREET, "李采集")
FAR_COLLECTOR = Actor("col-9", frozenset({Role.COLLECTOR}), "330105001", "赵采集")
COMMANDER = Actor("cmd-1", frozenset({Role.COMMANDER}), "330100", "陈指挥")
SUPERVISOR = Actor("sup-1", frozenset({Role.SUPERVISOR}), "330100", "周督查")
CITIZEN = Actor("citizen-42", frozenset({Role.CITIZEN}))
OPERATOR = Actor("op-1", frozenset({Role.OPERATOR}), "330100")


def handler(unit: str) -> Actor:
    return Actor(f"h-{unit}", frozenset({Role.HANDLER}), unit, "处置员")


def ok(outcome: c.Outcome) -> tuple[c.Case, tuple[c.CaseEvent, ...]]:
    assert not isinstance(outcome, Rejection), outcome
    return outcome


def rejected(outcome: c.Outcome, code: str) -> Rejection:
    assert isinstance(outcome, Rejection), f"expected rejection {code}, got {outcome}"
    assert outcome.code == code, outcome
    assert outcome.message
    assert outcome.message_en
    return outcome


def new_case(
    ref: Reference, source: c.CaseSource = c.CaseSource.PATROL, actor: Actor = COLLECTOR
) -> c.Case:
    case, events = ok(
        c.report_case(
            "C-1",
            source=source,
            description="西湖大道暴露垃圾",
            district_code=DISTRICT,
            street_code=STREET,
            actor=actor,
            now=T0,
            ref=ref,
        )
    )
    assert events[0].kind is c.EventKind.REPORTED
    return case


def step(
    case: c.Case, cmd: c.CaseCommand, actor: Actor, ref: Reference, minutes: int = 10
) -> c.Case:
    new, events = ok(c.apply(case, cmd, actor, T0 + timedelta(minutes=minutes), ref))
    assert new.version == case.version + 1
    assert len(events) == 1
    assert events[0].actor_id == actor.user_id
    assert events[0].from_state is case.state
    assert events[0].to_state is new.state
    return new


def to_state(ref: Reference, unit: str, state: c.CaseState) -> c.Case:
    """Walk a patrol case along the happy path until ``state``."""
    path: list[tuple[c.CaseCommand, Actor]] = [
        (c.Verify(), COLLECTOR),
        (c.File("0101"), DISPATCHER),
        (c.Dispatch(unit), DISPATCHER),
        (c.Accept(), handler(unit)),
        (c.Handle("已清理"), handler(unit)),
        (c.CheckPass(), COLLECTOR),
        (c.Close(), DISPATCHER),
    ]
    case = new_case(ref)
    for i, (cmd, actor) in enumerate(path):
        if case.state is state:
            return case
        case = step(case, cmd, actor, ref, minutes=10 * (i + 1))
    assert case.state is state
    return case


# ------------------------------------------------------------------ the closed loop


def test_happy_path_runs_the_closed_loop_and_records_every_milestone(
    ref: Reference, unit: str
) -> None:
    case = to_state(ref, unit, c.CaseState.CLOSED)
    assert case.state is c.CaseState.CLOSED
    assert case.subcategory_code == "0101"
    assert case.assigned_unit == unit
    for milestone in ("verified_at", "filed_at", "dispatched_at", "accepted_at", "handled_at"):
        assert getattr(case, milestone) is not None, milestone
    assert case.closed_at == T0 + timedelta(minutes=70)
    assert case.ended_by == DISPATCHER.user_id
    assert case.version == 8


@pytest.mark.parametrize(
    ("state", "cmd", "actor_kind", "to"),
    [
        (c.CaseState.REPORTED, c.Verify("现场确认"), "collector", c.CaseState.VERIFIED),
        (c.CaseState.REPORTED, c.File("0101"), "dispatcher", c.CaseState.FILED),
        (c.CaseState.VERIFIED, c.File("0101"), "dispatcher", c.CaseState.FILED),
        (c.CaseState.FILED, c.Dispatch("UNIT"), "dispatcher", c.CaseState.DISPATCHED),
        (c.CaseState.DISPATCHED, c.Accept(), "handler", c.CaseState.IN_PROGRESS),
        (c.CaseState.DISPATCHED, c.Return("非本单位职责"), "handler", c.CaseState.RETURNED),
        (c.CaseState.IN_PROGRESS, c.Depart(), "handler", c.CaseState.IN_PROGRESS),
        (c.CaseState.IN_PROGRESS, c.Arrive(), "handler", c.CaseState.IN_PROGRESS),
        (c.CaseState.IN_PROGRESS, c.Handle("已清理"), "handler", c.CaseState.HANDLED),
        (c.CaseState.HANDLED, c.CheckPass(), "collector", c.CaseState.CHECKED),
        (c.CaseState.HANDLED, c.CheckFail("仍有垃圾"), "collector", c.CaseState.REWORK),
        (c.CaseState.CHECKED, c.Close(), "dispatcher", c.CaseState.CLOSED),
        (c.CaseState.FILED, c.Suspend("等待审批"), "dispatcher", c.CaseState.SUSPENDED),
        (c.CaseState.IN_PROGRESS, c.Suspend("暴雨停工"), "commander", c.CaseState.SUSPENDED),
        (c.CaseState.REPORTED, c.Invalidate("非城管问题"), "supervisor", c.CaseState.INVALID),
        (c.CaseState.VERIFIED, c.Invalidate("现场未发现"), "dispatcher", c.CaseState.INVALID),
        (c.CaseState.FILED, c.MarkDuplicate("C-0"), "dispatcher", c.CaseState.DUPLICATE),
        (c.CaseState.DISPATCHED, c.Escalate("超时"), "commander", c.CaseState.DISPATCHED),
        (c.CaseState.HANDLED, c.AddNote("已电话回访"), "dispatcher", c.CaseState.HANDLED),
    ],
)
def test_each_legal_transition(
    ref: Reference,
    unit: str,
    state: c.CaseState,
    cmd: c.CaseCommand,
    actor_kind: str,
    to: c.CaseState,
) -> None:
    actors = {
        "collector": COLLECTOR,
        "dispatcher": DISPATCHER,
        "handler": handler(unit),
        "commander": COMMANDER,
        "supervisor": SUPERVISOR,
    }
    if isinstance(cmd, c.Dispatch):
        cmd = c.Dispatch(unit)
    case = to_state(ref, unit, state)
    new = step(case, cmd, actors[actor_kind], ref, minutes=100)
    assert new.state is to


def test_returned_case_is_redispatched_to_another_unit(
    ref: Reference, unit: str, other_unit: str
) -> None:
    case = to_state(ref, unit, c.CaseState.DISPATCHED)
    case = step(case, c.Return("非本单位职责"), handler(unit), ref)
    assert case.state is c.CaseState.RETURNED
    assert case.return_count == 1
    rejected(c.apply(case, c.Dispatch(unit), DISPATCHER, T0, ref), "same_unit")
    case = step(case, c.Dispatch(other_unit), DISPATCHER, ref, minutes=20)
    assert case.state is c.CaseState.DISPATCHED
    assert case.assigned_unit == other_unit
    assert case.first_dispatched_at == T0 + timedelta(minutes=30)  # SLA clocks keep their start


def test_rework_goes_back_to_the_same_unit_and_resolve_clock_runs_again(
    ref: Reference, unit: str
) -> None:
    case = to_state(ref, unit, c.CaseState.HANDLED)
    case = step(case, c.CheckFail("垃圾未清运"), COLLECTOR, ref, minutes=60)
    assert case.state is c.CaseState.REWORK
    assert case.rework_count == 1
    assert case.handled_at is None
    case = step(case, c.Accept(), handler(unit), ref, minutes=70)
    assert case.state is c.CaseState.IN_PROGRESS
    assert case.accepted_at == T0 + timedelta(minutes=40)  # receive clock was met the first time
    case = step(case, c.Handle("已彻底清理"), handler(unit), ref, minutes=80)
    assert case.handled_at == T0 + timedelta(minutes=80)


def test_suspend_and_resume_returns_to_where_it_was_and_records_the_pause(
    ref: Reference, unit: str
) -> None:
    case = to_state(ref, unit, c.CaseState.IN_PROGRESS)
    case = step(case, c.Suspend("等待燃气公司停气"), DISPATCHER, ref, minutes=50)
    assert case.open_pause is not None
    assert case.resume_state is c.CaseState.IN_PROGRESS
    rejected(c.apply(case, c.Handle("x"), handler(unit), T0, ref), "illegal_transition")
    case = step(case, c.Resume(), DISPATCHER, ref, minutes=170)
    assert case.state is c.CaseState.IN_PROGRESS
    assert case.open_pause is None
    assert case.pauses == (
        c.Pause(T0 + timedelta(minutes=50), T0 + timedelta(minutes=170), "等待燃气公司停气"),
    )


def test_depart_and_arrive_are_recorded_once(ref: Reference, unit: str) -> None:
    case = to_state(ref, unit, c.CaseState.IN_PROGRESS)
    case = step(case, c.Arrive(), handler(unit), ref, minutes=45)
    assert case.responded_at == case.arrived_at == T0 + timedelta(minutes=45)
    rejected(c.apply(case, c.Arrive(), handler(unit), T0, ref), "already_arrived")
    rejected(c.apply(case, c.Depart(), handler(unit), T0, ref), "already_departed")


def test_escalation_raises_the_level_without_moving_the_case(ref: Reference, unit: str) -> None:
    case = to_state(ref, unit, c.CaseState.IN_PROGRESS)
    case = step(case, c.Escalate("处置超时"), COMMANDER, ref)
    case = step(case, c.Escalate("再次超时"), SUPERVISOR, ref)
    assert case.escalation_level == 2
    assert case.state is c.CaseState.IN_PROGRESS


# ------------------------------------------------------------------ refusals a user reads


def test_closed_case_rejects_every_command_and_says_who_closed_it_and_when(
    ref: Reference, unit: str
) -> None:
    case = to_state(ref, unit, c.CaseState.CLOSED)
    # Every command but the reward decision and the satisfaction callback, which follow the
    # case past its end.
    after_end = (c.DecideReward, c.RateSatisfaction)
    for cls in (cmd for cmd in c.ALL_COMMANDS if cmd not in after_end):
        r = rejected(c.apply(case, cls(), DISPATCHER, T0 + timedelta(hours=5), ref), "case_ended")
        assert "disp-1" in r.message
        assert "2026-11-23 10:10" in r.message
        assert "结案" in r.message


def test_illegal_move_is_rejected_with_the_current_state_named(ref: Reference, unit: str) -> None:
    case = to_state(ref, unit, c.CaseState.FILED)
    r = rejected(c.apply(case, c.Close(), DISPATCHER, T0, ref), "illegal_transition")
    assert "已立案" in r.message
    assert "结案" in r.message


def test_public_report_must_be_verified_before_filing(ref: Reference) -> None:
    case = new_case(ref, source=c.CaseSource.HOTLINE, actor=CITIZEN)
    r = rejected(c.apply(case, c.File("0101"), DISPATCHER, T0, ref), "needs_verification")
    assert "核实" in r.message
    case = step(case, c.Verify("视频核实"), DISPATCHER, ref)
    assert step(case, c.File("0101"), DISPATCHER, ref).state is c.CaseState.FILED


@pytest.mark.parametrize(
    ("actor", "cmd", "code"),
    [
        (COLLECTOR, c.File("0101"), "forbidden"),
        (OPERATOR, c.Verify(), "forbidden"),
        (FAR_COLLECTOR, c.Verify(), "out_of_area"),
        (DISPATCHER, c.File("9999"), "unknown_subcategory"),
        (DISPATCHER, c.Invalidate(""), "missing_field"),
    ],
)
def test_refusals_on_a_reported_case(
    ref: Reference, actor: Actor, cmd: c.CaseCommand, code: str
) -> None:
    rejected(c.apply(new_case(ref), cmd, actor, T0, ref), code)


def test_only_the_assigned_unit_may_work_the_case(
    ref: Reference, unit: str, other_unit: str
) -> None:
    case = to_state(ref, unit, c.CaseState.DISPATCHED)
    r = rejected(c.apply(case, c.Accept(), handler(other_unit), T0, ref), "not_assigned")
    assert unit in r.message


def test_dispatch_to_unknown_unit_and_empty_feedback_are_refused(ref: Reference, unit: str) -> None:
    filed = to_state(ref, unit, c.CaseState.FILED)
    rejected(c.apply(filed, c.Dispatch("NOPE"), DISPATCHER, T0, ref), "unknown_unit")
    working = to_state(ref, unit, c.CaseState.IN_PROGRESS)
    rejected(c.apply(working, c.Handle("  "), handler(unit), T0, ref), "missing_field")


def test_stale_edit_is_rejected_not_silently_overwritten(ref: Reference) -> None:
    case = new_case(ref)
    edited = step(case, c.UpdateDetails(base_version=1, address="湖滨路 1 号"), COLLECTOR, ref)
    r = rejected(
        c.apply(
            edited, c.UpdateDetails(base_version=1, address="湖滨路 3 号"), DISPATCHER, T0, ref
        ),
        "stale_version",
    )
    assert r.details["current_version"] == 2
    rejected(
        c.apply(
            edited, c.UpdateDetails(base_version=2, address="湖滨路 1 号"), DISPATCHER, T0, ref
        ),
        "no_change",
    )


def test_report_validates_area_and_role(ref: Reference) -> None:
    kwargs = dict(source=c.CaseSource.APP, description="路灯不亮", now=T0, ref=ref)
    rejected(
        c.report_case(
            "X", district_code="330102", street_code="330105001", actor=CITIZEN, **kwargs
        ),
        "area_mismatch",
    )
    rejected(c.report_case("X", district_code="999999", actor=CITIZEN, **kwargs), "unknown_unit")
    rejected(c.report_case("X", district_code="330102", actor=OPERATOR, **kwargs), "forbidden")
    with pytest.raises(ValueError, match="timezone-aware"):
        c.report_case(
            "X", district_code="330102", actor=CITIZEN, **{**kwargs, "now": T0.replace(tzinfo=None)}
        )


def test_allowed_commands_match_what_apply_accepts(ref: Reference, unit: str) -> None:
    case = to_state(ref, unit, c.CaseState.HANDLED)
    assert set(c.allowed_commands(case, COLLECTOR)) == {
        c.CheckPass,
        c.CheckFail,
        c.AddNote,
        c.UpdateDetails,
    }
    assert c.allowed_commands(replace(case, state=c.CaseState.CLOSED), DISPATCHER) == ()


# ------------------------------------------------------------------ properties

ACTORS = [DISPATCHER, COLLECTOR, COMMANDER, SUPERVISOR, CITIZEN, OPERATOR]


def _commands(unit: str) -> list[c.CaseCommand]:
    return [
        c.Verify("ok"),
        c.File("0101"),
        c.File("1101"),
        c.Dispatch(unit),
        c.Accept(),
        c.Depart(),
        c.Arrive(),
        c.Return("不是我们的"),
        c.Handle("已处理"),
        c.CheckPass(),
        c.CheckFail("未处理好"),
        c.Close(),
        c.Suspend("等待"),
        c.Resume(),
        c.Escalate("超时"),
        c.Invalidate("无效"),
        c.MarkDuplicate("C-0"),
        c.AddNote("备注"),
        c.UpdateDetails(base_version=1, address="新地址"),
        c.RateSatisfaction(5, "满意"),
    ]


def _invariants(case: c.Case) -> None:
    assert case.state in set(c.CaseState)
    if case.state is c.CaseState.SUSPENDED:
        assert case.open_pause is not None
        assert case.resume_state is not None
    else:
        assert case.open_pause is None
        assert case.resume_state is None
    if case.state in (c.CaseState.DISPATCHED, c.CaseState.IN_PROGRESS, c.CaseState.HANDLED):
        assert case.assigned_unit is not None
        assert case.subcategory_code is not None
    if case.state is c.CaseState.CLOSED:
        assert case.checked_at
        assert case.handled_at
        assert case.closed_at
        assert case.ended_by
    if case.state.terminal:
        assert case.closed_at is not None
    for earlier, later in zip(case.pauses, case.pauses[1:], strict=False):
        assert earlier.end is not None
        assert earlier.end <= later.start


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.integers(0, 19), st.integers(0, len(ACTORS)), st.integers(0, 600)),
        max_size=40,
    )
)
def test_random_sequences_stay_defined_and_never_close_twice(
    ref: Reference, unit: str, steps: list[tuple[int, int, int]]
) -> None:
    commands = _commands(unit)
    the_handler = handler(unit)
    case = new_case(ref)
    now = T0
    closes = 0
    for cmd_i, actor_i, minutes in steps:
        now += timedelta(minutes=minutes)
        actor = the_handler if actor_i == len(ACTORS) else ACTORS[actor_i]
        outcome = c.apply(case, commands[cmd_i], actor, now, ref)
        if isinstance(outcome, Rejection):
            assert outcome.code
            assert outcome.message
            continue
        new, events = outcome
        assert new.version == case.version + 1
        closes += sum(e.kind is c.EventKind.CLOSED for e in events)
        case = new
        _invariants(case)
        # The server's one-pass documents are exactly the validated wire documents.
        assert schemas.case_document(case) == schemas.CaseDoc.from_domain(case).model_dump(
            mode="json"
        )
        for e in events:
            assert schemas.case_event_document(e) == schemas.CaseEventDoc.from_domain(e).model_dump(
                mode="json"
            )
    assert closes <= 1


# ------------------------------------------------------------------ review fixes


def test_handling_records_response_and_arrival_the_crew_did_not_press(
    ref: Reference, unit: str
) -> None:
    # A crew that fixed the problem has been out and on site; a failed check (rework) must not
    # find those milestones missing and set their clocks running again.
    case = to_state(ref, unit, c.CaseState.IN_PROGRESS)
    case = step(case, c.Handle("已清理"), handler(unit), ref, minutes=45)
    assert case.responded_at == case.arrived_at == T0 + timedelta(minutes=45)
    case = step(case, c.CheckFail("仍有垃圾"), COLLECTOR, ref, minutes=60)
    assert case.handled_at is None
    assert case.responded_at == case.arrived_at == T0 + timedelta(minutes=45)


def test_handling_keeps_the_departure_and_arrival_the_crew_did_press(
    ref: Reference, unit: str
) -> None:
    case = to_state(ref, unit, c.CaseState.IN_PROGRESS)
    case = step(case, c.Depart(), handler(unit), ref, minutes=41)
    case = step(case, c.Arrive(), handler(unit), ref, minutes=43)
    case = step(case, c.Handle("已清理"), handler(unit), ref, minutes=50)
    assert case.responded_at == T0 + timedelta(minutes=41)
    assert case.arrived_at == T0 + timedelta(minutes=43)


@pytest.mark.parametrize(
    ("actor", "source", "allowed"),
    [
        (CITIZEN, c.CaseSource.HOTLINE, True),
        (CITIZEN, c.CaseSource.APP, True),
        (CITIZEN, c.CaseSource.REWARD, True),
        (CITIZEN, c.CaseSource.PATROL, False),
        (CITIZEN, c.CaseSource.IOT, False),
        (COLLECTOR, c.CaseSource.PATROL, True),
        (COLLECTOR, c.CaseSource.MEDIA, False),
        (COLLECTOR, c.CaseSource.HOTLINE, False),
        (DISPATCHER, c.CaseSource.HOTLINE, True),
        (DISPATCHER, c.CaseSource.APP, True),
        (DISPATCHER, c.CaseSource.REFERRAL, True),
        (DISPATCHER, c.CaseSource.MEDIA, True),
        (DISPATCHER, c.CaseSource.IOT, True),
        (DISPATCHER, c.CaseSource.PATROL, False),
        (DISPATCHER, c.CaseSource.REWARD, False),
        (SUPERVISOR, c.CaseSource.REFERRAL, True),
        (SUPERVISOR, c.CaseSource.MEDIA, True),
        (SUPERVISOR, c.CaseSource.IOT, False),
        (COMMANDER, c.CaseSource.IOT, True),
        (COMMANDER, c.CaseSource.REFERRAL, True),
        (COMMANDER, c.CaseSource.HOTLINE, False),
    ],
)
def test_the_source_of_a_report_follows_the_reporters_role(
    ref: Reference, actor: Actor, source: c.CaseSource, allowed: bool
) -> None:
    outcome = c.report_case(
        "C-2",
        source=source,
        description="路灯不亮",
        district_code=DISTRICT,
        street_code=STREET,
        actor=actor,
        now=T0,
        ref=ref,
    )
    if allowed:
        assert ok(outcome)[0].source is source
        assert source in c.allowed_sources(actor)
    else:
        rejected(outcome, "source_not_allowed")
        assert source not in c.allowed_sources(actor)


def test_a_citizen_cannot_skip_verification_by_claiming_to_be_a_patrol(ref: Reference) -> None:
    outcome = c.report_case(
        "C-3",
        source=c.CaseSource.PATROL,
        description="井盖缺失",
        district_code=DISTRICT,
        actor=CITIZEN,
        now=T0,
        ref=ref,
    )
    r = rejected(outcome, "source_not_allowed")
    assert "市民" in r.message
    assert "巡查发现" in r.message
    assert "12319 热线" in r.message  # says what the citizen may use instead
    assert r.details["allowed"] == ["app", "hotline", "reward"]


def test_a_user_with_several_roles_may_use_the_sources_of_each() -> None:
    both = Actor("x", frozenset({Role.COLLECTOR, Role.SUPERVISOR}), STREET)
    assert c.allowed_sources(both) == {
        c.CaseSource.PATROL,
        c.CaseSource.REFERRAL,
        c.CaseSource.MEDIA,
    }


def test_staff_without_a_unit_reach_no_case(ref: Reference) -> None:
    # A user record without a unit is a data error; it must not grant city-wide reach.
    nounit_collector = Actor("col-x", frozenset({Role.COLLECTOR}), None)
    nounit_supervisor = Actor("sup-x", frozenset({Role.SUPERVISOR}), None)
    r = rejected(c.apply(new_case(ref), c.Verify(), nounit_collector, T0, ref), "out_of_area")
    assert "未设置所属单位" in r.message
    assert c.Invalidate not in c.allowed_commands(new_case(ref), nounit_supervisor)
    assert c.Invalidate in c.allowed_commands(new_case(ref), SUPERVISOR)  # city unit 330100
    assert not c.unit_covers(None, STREET)
    assert c.unit_covers("330100", STREET)


def test_the_assigned_departments_crew_may_add_notes_to_its_case(
    ref: Reference, unit: str, other_unit: str
) -> None:
    # A department's code is not an area code, so only the assignment gives it the case.
    case = to_state(ref, unit, c.CaseState.IN_PROGRESS)
    noted = step(case, c.AddNote("人手不足，预计 30 分钟到场"), handler(unit), ref, minutes=45)
    assert noted.state is c.CaseState.IN_PROGRESS
    assert c.AddNote in c.allowed_commands(case, handler(unit))
    rejected(c.apply(case, c.AddNote("不是我的案件"), handler(other_unit), T0, ref), "out_of_area")


@pytest.mark.parametrize(
    ("edit", "code", "field"),
    [
        ({"description": ""}, "missing_field", "description"),
        ({"description": "   "}, "missing_field", "description"),
        ({"description": "垃圾" * 2001}, "text_too_long", "description"),
        ({"lon": 200.0}, "bad_position", "lon"),
        ({"lon": float("nan")}, "bad_position", "lon"),
        ({"lat": -91.0}, "bad_position", "lat"),
    ],
)
def test_an_edit_cannot_blank_the_description_or_move_the_case_off_the_globe(
    ref: Reference, edit: dict[str, object], code: str, field: str
) -> None:
    case = new_case(ref)
    command = c.UpdateDetails(base_version=1, **edit)  # type: ignore[arg-type]
    r = rejected(c.apply(case, command, COLLECTOR, T0, ref), code)
    assert r.details["field"] == field


def test_an_edit_at_the_limits_is_accepted(ref: Reference) -> None:
    case = new_case(ref)
    longest = "垃" * c.MAX_TEXT_LENGTH
    edit = c.UpdateDetails(base_version=1, description=longest, lon=c.MAX_LON, lat=c.MIN_LAT)
    edited = step(case, edit, COLLECTOR, ref)
    assert (len(edited.description), edited.lon, edited.lat) == (4000, 180.0, -90.0)


# ------------------------------------------------------------------ reward reports


def test_a_reward_report_is_rewarded_once_even_after_it_was_closed(ref: Reference) -> None:
    case = new_case(ref, source=c.CaseSource.REWARD, actor=CITIZEN)
    assert case.reward_status == "pending"
    assert new_case(ref).reward_status == "none"  # a patrol's report earns nothing
    # Not before the report proved true.
    rejected(c.apply(case, c.DecideReward(True, 20), DISPATCHER, T0, ref), "illegal_transition")
    case = step(case, c.Verify("视频核实属实"), DISPATCHER, ref)
    rejected(c.apply(case, c.DecideReward(True, 0), DISPATCHER, T0, ref), "bad_amount")
    rejected(c.apply(case, c.DecideReward(True, 10_001), DISPATCHER, T0, ref), "bad_amount")
    rejected(c.apply(case, c.DecideReward(True, 20), COLLECTOR, T0, ref), "forbidden")
    case = step(case, c.File("0702"), DISPATCHER, ref)
    new, events = ok(c.apply(case, c.DecideReward(True, 20, "属实"), SUPERVISOR, T0, ref))
    assert (new.reward_status, new.reward_amount, new.state) == ("approved", 20, case.state)
    assert events[0].kind is c.EventKind.REWARD_DECIDED
    assert events[0].details == {"approved": True, "amount": 20, "note": "属实"}
    again = rejected(
        c.apply(new, c.DecideReward(False, 0, "x"), DISPATCHER, T0, ref), "reward_decided"
    )
    assert "已批准" in again.message


def test_a_false_reward_report_is_refused_with_a_reason_even_once_invalid(
    ref: Reference,
) -> None:
    case = step(
        new_case(ref, source=c.CaseSource.REWARD, actor=CITIZEN), c.Verify(), DISPATCHER, ref
    )
    case = step(case, c.Invalidate("现场未发现问题"), DISPATCHER, ref)
    assert case.state is c.CaseState.INVALID
    rejected(
        c.apply(case, c.DecideReward(True, 20), DISPATCHER, T0, ref), "reward_needs_valid_report"
    )
    rejected(c.apply(case, c.DecideReward(False, 0, " "), DISPATCHER, T0, ref), "missing_field")
    rejected(c.apply(case, c.DecideReward(False, 5, "虚假"), DISPATCHER, T0, ref), "bad_amount")
    new, _ = ok(c.apply(case, c.DecideReward(False, 0, "现场未发现问题"), DISPATCHER, T0, ref))
    assert (new.reward_status, new.reward_amount) == ("rejected", 0)
    plain = step(new_case(ref), c.Verify(), DISPATCHER, ref)
    rejected(c.apply(plain, c.DecideReward(True, 20), DISPATCHER, T0, ref), "not_a_reward_report")


# ------------------------------------------------------------------ satisfaction callback (回访)


def closed_public_case(ref: Reference, unit: str, source: c.CaseSource) -> c.Case:
    """A public report walked through verification to closing."""
    case = step(new_case(ref, source=source, actor=CITIZEN), c.Verify(), DISPATCHER, ref)
    path: list[tuple[c.CaseCommand, Actor]] = [
        (c.File("0101"), DISPATCHER),
        (c.Dispatch(unit), DISPATCHER),
        (c.Accept(), handler(unit)),
        (c.Handle("已清理"), handler(unit)),
        (c.CheckPass(), COLLECTOR),
        (c.Close(), DISPATCHER),
    ]
    for i, (cmd, actor) in enumerate(path):
        case = step(case, cmd, actor, ref, minutes=20 + 10 * i)
    assert case.state is c.CaseState.CLOSED
    return case


def test_the_hotline_records_satisfaction_once_after_closing(ref: Reference, unit: str) -> None:
    case = closed_public_case(ref, unit, c.CaseSource.HOTLINE)
    assert case.satisfaction is None
    assert c.RateSatisfaction in c.allowed_commands(case, DISPATCHER)
    assert c.RateSatisfaction in c.allowed_commands(case, SUPERVISOR)
    at = T0 + timedelta(days=1)
    rejected(c.apply(case, c.RateSatisfaction(3), COLLECTOR, at, ref), "forbidden")
    rejected(c.apply(case, c.RateSatisfaction(3), COMMANDER, at, ref), "forbidden")
    rejected(c.apply(case, c.RateSatisfaction(0), DISPATCHER, at, ref), "bad_score")
    rejected(c.apply(case, c.RateSatisfaction(6), DISPATCHER, at, ref), "bad_score")
    rejected(c.apply(case, c.RateSatisfaction(True), DISPATCHER, at, ref), "bad_score")  # type: ignore[arg-type]
    answer = c.SATISFACTION_ANSWERS["基本满意"]
    new, events = ok(
        c.apply(case, c.RateSatisfaction(answer, "路面已清理，但等了两天"), SUPERVISOR, at, ref)
    )
    assert (new.satisfaction, new.satisfaction_by, new.satisfaction_at) == (3, "sup-1", at)
    assert (new.state, new.closed_at, new.ended_by) == (case.state, case.closed_at, case.ended_by)
    assert new.version == case.version + 1
    (event,) = events
    assert event.kind is c.EventKind.SATISFACTION_RATED
    assert (event.from_state, event.to_state) == (c.CaseState.CLOSED, c.CaseState.CLOSED)
    assert event.details == {"score": 3, "note": "路面已清理，但等了两天"}
    # Once: a second callback is refused, naming who recorded the first and when.
    assert c.RateSatisfaction not in c.allowed_commands(new, DISPATCHER)
    again = rejected(
        c.apply(new, c.RateSatisfaction(5), DISPATCHER, at + timedelta(hours=1), ref),
        "already_rated",
    )
    assert "sup-1" in again.message
    assert "2026-11-24 09:00" in again.message
    # The rated case is on the wire as it is in the domain.
    doc = schemas.case_document(new)
    assert (doc["satisfaction"], doc["satisfaction_by"]) == (3, "sup-1")
    assert schemas.CaseDoc.model_validate(doc).to_domain() == new


def test_the_three_callback_answers_are_evenly_spaced_on_the_ranking_scale() -> None:
    assert c.SATISFACTION_ANSWERS == {"满意": 5, "基本满意": 3, "不满意": 1}


def test_satisfaction_is_not_recorded_before_closing_nor_for_patrols_nor_ended_reports(
    ref: Reference, unit: str
) -> None:
    public = new_case(ref, source=c.CaseSource.APP, actor=CITIZEN)
    r = rejected(c.apply(public, c.RateSatisfaction(5), DISPATCHER, T0, ref), "illegal_transition")
    assert "回访满意度" in r.message
    patrol = to_state(ref, unit, c.CaseState.CLOSED)
    assert c.RateSatisfaction not in c.allowed_commands(patrol, DISPATCHER)
    rejected(c.apply(patrol, c.RateSatisfaction(5), DISPATCHER, T0, ref), "not_a_public_report")
    invalid = step(public, c.Invalidate("现场未发现问题"), DISPATCHER, ref)
    r = rejected(c.apply(invalid, c.RateSatisfaction(1), DISPATCHER, T0, ref), "case_ended")
    assert "不予立案" in r.message


def test_only_city_level_staff_record_the_callback(ref: Reference, unit: str) -> None:
    """Satisfaction ranks the districts, so the city's hotline records it: a district's own
    dispatcher or supervisor may not, not even (above all not) on its own district's cases."""
    closed = closed_public_case(ref, unit, c.CaseSource.REWARD)
    assert closed.area_code.startswith(DISTRICT)
    own = Actor("disp-2", frozenset({Role.DISPATCHER}), DISTRICT, "上城调度")
    own_street = Actor("disp-3", frozenset({Role.DISPATCHER}), STREET, "湖滨调度")
    far = Actor("disp-9", frozenset({Role.DISPATCHER}), "330105", "拱墅调度")
    district_sup = Actor("sup-2", frozenset({Role.SUPERVISOR}), DISTRICT, "区督查")
    for actor in (own, own_street, far, district_sup):
        assert c.RateSatisfaction not in c.allowed_commands(closed, actor), actor
        r = rejected(c.apply(closed, c.RateSatisfaction(5), actor, T0, ref), "city_level_only")
        assert r.message == "回访由市级热线记录，区县不得记录本区案件的满意度"
    # The refusal is the callback's alone: the same dispatcher still works its district's cases.
    assert c.UpdateDetails in c.allowed_commands(step(new_case(ref), c.Verify(), own, ref), own)
    # An account without a unit is a data error: refused as such, not as a district.
    nounit = Actor("disp-0", frozenset({Role.DISPATCHER}), None, "无单位")
    r = rejected(c.apply(closed, c.RateSatisfaction(5), nounit, T0, ref), "out_of_area")
    assert "未设置所属单位" in r.message
    # City-level dispatchers and supervisors (unit 330100) record it.
    for actor in (DISPATCHER, SUPERVISOR):
        assert c.RateSatisfaction in c.allowed_commands(closed, actor)
    new, _ = ok(c.apply(closed, c.RateSatisfaction(5), DISPATCHER, T0, ref))
    assert (new.satisfaction, new.satisfaction_by) == (5, "disp-1")
