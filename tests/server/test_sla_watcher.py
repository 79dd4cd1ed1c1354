"""The SLA watcher: breached clocks escalate once, on time, and survive a restart.

Cases are made over the wire (push) with the real current time; the watcher is then run with a
chosen ``now`` so that minutes and working hours pass without waiting. Every test first sets
the watcher's ``last_check`` itself, because the tests of this module share one database.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from cityops.domain import alarms as al
from cityops.domain import cases as cs
from cityops.domain.actors import Actor, Role
from cityops.domain.city import CITY_TZ
from cityops.domain.outcomes import Rejection
from cityops.server import sla_watcher
from cityops.server.app import create_app
from cityops.server.handlers_alarms import write_alarm
from cityops.server.handlers_cases import write_case
from cityops.server.models import AuditEntry, ServerValue
from cityops.server.settings import ServerSettings
from cityops.server.sla_watcher import VALUE_NAME, watch_once
from tests.server.conftest import Api, LiveServer, new_id

SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
UNIT = "DEP-330102-sanitation"


# ---------------------------------------------------------------------------- helpers


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def set_last_check(live: LiveServer, when: datetime) -> None:
    with live.state.gate.write() as session:
        row = session.get(ServerValue, VALUE_NAME)
        value = {"last_check": when.isoformat()}
        if row is None:
            session.add(ServerValue(name=VALUE_NAME, value=value))
        else:
            row.value = value


def stored_mark(live: LiveServer) -> dict[str, Any] | None:
    with live.state.gate.read() as session:
        row = session.get(ServerValue, VALUE_NAME)
        return None if row is None else dict(row.value)


def make_case(
    api: Api, code: str, *steps: tuple[str, str, dict[str, Any]], case_id: str | None = None
) -> str:
    """Report (a collector's patrol in 湖滨街道), file as ``code``, dispatch to sanitation, then
    the further ``steps`` (user, mutation, args)."""
    case_id = case_id or new_id()
    client = new_id("ws")
    plan = [
        (
            "collector",
            "case.report",
            {
                "source": "patrol",
                "description": "湖滨路问题",
                "district_code": "330102",
                "street_code": "330102001",
            },
        ),
        ("dispatcher", "case.file", {"subcategory_code": code}),
        ("dispatcher", "case.dispatch", {"unit_code": UNIT}),
        *steps,
    ]
    for user, name, args in plan:
        result = api.do(user, f"{client}-{user}", name, case_id=case_id, **args)
        assert result["status"] == "applied", result
    return case_id


def case_doc(api: Api, case_id: str) -> dict[str, Any]:
    docs = [
        c["payload"]
        for c in api.all_changes("commander")
        if c["entity"] == "case" and c["entity_id"] == case_id
    ]
    return docs[-1]


def escalations(api: Api, case_id: str, after: int = 0) -> list[dict[str, Any]]:
    return [
        c["payload"]
        for c in api.all_changes("commander", after=after)
        if c["entity"] == "case_event"
        and c["payload"]["case_id"] == case_id
        and c["payload"]["kind"] == "escalated"
    ]


def clocks(events: list[dict[str, Any]]) -> list[tuple[str, datetime]]:
    return [(e["details"]["clock"], at(e["at"])) for e in events]


def newest(api: Api) -> int:
    seq: int = api.http.get("/healthz").json()["last_seq"]
    return seq


@pytest.fixture
def last_seq(api: Api) -> int:
    return newest(api)


# ---------------------------------------------------------------------------- emergencies


def test_emergency_clocks_escalate_once_each_dated_at_the_due_instant(
    api: Api, live_server: LiveServer, last_seq: int
) -> None:
    case_id = make_case(api, "1101")  # 供水管道爆裂: "103060", clocks run from the report
    unfiled = new_id()
    assert (
        api.do(
            "collector",
            new_id("ws"),
            "case.report",
            case_id=unfiled,
            source="patrol",
            description="未立案",
            district_code="330102",
        )["status"]
        == "applied"
    )
    reported = at(case_doc(api, case_id)["reported_at"])
    set_last_check(live_server, reported - SECOND)

    first = watch_once(live_server.state, reported + 11 * MINUTE)
    assert first.completed
    assert first.escalations >= 2
    events = escalations(api, case_id, after=last_seq)
    assert clocks(events) == [("receive", reported + MINUTE), ("respond", reported + 10 * MINUTE)]
    assert all(e["actor_id"] == "system:sla" for e in events)
    assert [e["details"]["level"] for e in events] == [1, 2]
    assert "签收时限超时" in events[0]["details"]["reason"]
    assert case_doc(api, case_id)["escalation_level"] == 2
    assert escalations(api, unfiled) == []  # not filed: no clocks, nothing to escalate

    with live_server.state.gate.read() as session:
        audited = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "case.escalate", AuditEntry.target == f"case {case_id}"
            )
        ).all()
    assert [(a.actor, a.decision, a.detail["clock"]) for a in audited] == [
        ("system:sla", "applied", "receive"),
        ("system:sla", "applied", "respond"),
    ]
    assert at(audited[0].detail["due_at"]) == reported + MINUTE

    # The same window again adds nothing: not an escalation, not a change.
    seq = newest(api)
    again = watch_once(live_server.state, reported + 11 * MINUTE)
    assert again.escalations == 0
    assert again.change_seqs == ()
    assert api.all_changes("commander", after=seq) == []

    # The next window holds the arrive (30 min) and resolve (60 min) clocks.
    watch_once(live_server.state, reported + 61 * MINUTE)
    assert clocks(escalations(api, case_id, after=last_seq)) == [
        ("receive", reported + MINUTE),
        ("respond", reported + 10 * MINUTE),
        ("arrive", reported + 30 * MINUTE),
        ("resolve", reported + 60 * MINUTE),
    ]
    assert case_doc(api, case_id)["escalation_level"] == 4


def _filed_late(live: LiveServer, reported: datetime, filed: datetime) -> str:
    """An emergency case reported at ``reported`` and filed (as 1101) at ``filed``, written
    straight into the database (pushes take the real time)."""
    case_id = new_id()
    ref = live.state.reference
    collector = Actor("collector", frozenset({Role.COLLECTOR}), "330102001")
    dispatcher = Actor("dispatcher", frozenset({Role.DISPATCHER}), "330100")
    outcome = cs.report_case(
        case_id,
        source=cs.CaseSource.PATROL,
        description="供水管道爆裂",
        district_code="330102",
        street_code="330102001",
        actor=collector,
        now=reported,
        ref=ref,
    )
    assert not isinstance(outcome, Rejection)
    case, events = outcome
    filing = cs.apply(case, cs.File("1101"), dispatcher, filed, ref)
    assert not isinstance(filing, Rejection)
    with live.state.gate.write() as session:
        write_case(session, filing[0], (*events, *filing[1]))
    return case_id


def test_a_breach_before_the_filing_is_escalated_by_the_check_after_the_filing(
    api: Api, live_server: LiveServer, last_seq: int
) -> None:
    """The 1-minute receive clock of an emergency runs from the report. A case filed later
    had no clocks when that minute passed; the check whose window holds the filing escalates
    it, dated at the due instant all the same."""
    reported = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    case_id = _filed_late(live_server, reported, filed=reported + 2 * MINUTE)
    set_last_check(live_server, reported + 90 * SECOND)  # after the deadline, before the filing
    watch_once(live_server.state, reported + 100 * SECOND)  # the filing is still ahead
    assert escalations(api, case_id, after=last_seq) == []
    watch_once(live_server.state, reported + 3 * MINUTE)
    assert clocks(escalations(api, case_id, after=last_seq)) == [("receive", reported + MINUTE)]
    watch_once(live_server.state, reported + 4 * MINUTE)  # not again in a later window
    assert len(escalations(api, case_id, after=last_seq)) == 1


def test_rework_after_the_deadline_escalates_the_reopened_resolve_clock_once(
    api: Api, live_server: LiveServer, last_seq: int
) -> None:
    """Handled in time, the check fails after the resolve deadline: the breach exists only
    from the failed check on, in a window already checked for that deadline. The watcher looks
    back for it and escalates it once, and does not repeat what it escalated before."""
    ref = live_server.state.reference
    r = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    unit = "DEP-330102-sanitation"
    collector = Actor("collector", frozenset({Role.COLLECTOR}), "330102001")
    dispatcher = Actor("dispatcher", frozenset({Role.DISPATCHER}), "330100")
    crew = Actor("crew", frozenset({Role.HANDLER}), unit)
    outcome = cs.report_case(
        new_id(),
        source=cs.CaseSource.PATROL,
        description="供水管道爆裂",
        district_code="330102",
        street_code="330102001",
        actor=collector,
        now=r,
        ref=ref,
    )
    assert not isinstance(outcome, Rejection)
    case, events = outcome
    steps: list[tuple[cs.CaseCommand, Actor, timedelta]] = [
        (cs.File("1101"), dispatcher, 5 * SECOND),
        (cs.Dispatch(unit), dispatcher, 10 * SECOND),
        (cs.Accept(), crew, 30 * SECOND),  # receive (1 min) met
        (cs.Depart(), crew, 2 * MINUTE),  # respond (10 min) met
        (cs.Arrive(), crew, 20 * MINUTE),  # arrive (30 min) met
        (cs.Handle("已关阀"), crew, 50 * MINUTE),  # resolve (60 min) met — for now
    ]
    for command, actor, offset in steps:
        applied = cs.apply(case, command, actor, r + offset, ref)
        assert not isinstance(applied, Rejection), applied
        case, events = applied[0], (*events, *applied[1])
    with live_server.state.gate.write() as session:
        write_case(session, case, events)
    set_last_check(live_server, r + 49 * MINUTE)
    watch_once(live_server.state, r + 70 * MINUTE)  # covers the resolve deadline: met, quiet
    assert escalations(api, case.id, after=last_seq) == []
    failed = cs.apply(case, cs.CheckFail("管道仍在渗水"), collector, r + 80 * MINUTE, ref)
    assert not isinstance(failed, Rejection)
    with live_server.state.gate.write() as session:
        write_case(session, *failed)
    watch_once(live_server.state, r + 90 * MINUTE)
    assert clocks(escalations(api, case.id, after=last_seq)) == [("resolve", r + 60 * MINUTE)]
    watch_once(live_server.state, r + 100 * MINUTE)
    assert len(escalations(api, case.id, after=last_seq)) == 1


def test_closed_and_suspended_cases_are_not_escalated_while_so(
    api: Api, live_server: LiveServer, last_seq: int
) -> None:
    closed = make_case(
        api,
        "1101",
        ("handler", "case.accept", {}),
        ("handler", "case.handle", {"feedback": "已关阀抢修"}),
        ("collector", "case.check_pass", {}),
        ("dispatcher", "case.close", {}),
    )
    suspended = make_case(api, "1101", ("dispatcher", "case.suspend", {"reason": "等待停水许可"}))
    reported = at(case_doc(api, suspended)["reported_at"])
    set_last_check(live_server, reported - SECOND)
    watch_once(live_server.state, reported + 2 * 60 * MINUTE)
    assert escalations(api, closed, after=last_seq) == []
    assert escalations(api, suspended, after=last_seq) == []

    # Resumed: the clocks run on, later by the time the case stood suspended.
    client = new_id("ws")
    assert api.do("dispatcher", client, "case.resume", case_id=suspended)["status"] == "applied"
    (pause,) = case_doc(api, suspended)["pauses"]
    paused = at(pause["end"]) - at(pause["start"])
    set_last_check(live_server, at(pause["end"]))
    watch_once(live_server.state, at(pause["end"]) + 2 * MINUTE)
    assert clocks(escalations(api, suspended, after=last_seq)) == [
        ("receive", reported + MINUTE + paused)
    ]


# ---------------------------------------------------------------------------- working time


def test_ordinary_case_escalates_only_after_its_working_time_deadline(
    api: Api, live_server: LiveServer, last_seq: int
) -> None:
    case_id = make_case(api, "0702")  # 暴露垃圾: receive 30 min, resolve 4 working hours
    dispatched = at(case_doc(api, case_id)["first_dispatched_at"])
    calendar = live_server.state.reference.taxonomy.calendar()
    receive_due = calendar.add_working_time(dispatched, 30 * MINUTE)
    resolve_due = calendar.add_working_time(dispatched, 4 * 60 * MINUTE)
    # The deadline lies in working hours of a working day, 4 working hours after the dispatch.
    local = (resolve_due - SECOND).astimezone(CITY_TZ)
    assert calendar.is_workday(local.date())
    assert calendar.is_working_time(local)
    assert calendar.working_time_between(dispatched, resolve_due) == timedelta(hours=4)
    set_last_check(live_server, dispatched)

    # Four wall-clock hours are not four working hours (unless all of them were working time).
    wall = dispatched + timedelta(hours=4)
    if wall < resolve_due:
        watch_once(live_server.state, wall)
        assert [c for c, _ in clocks(escalations(api, case_id, after=last_seq))] in (
            [],
            ["receive"],
        )
    watch_once(live_server.state, resolve_due - SECOND)
    assert clocks(escalations(api, case_id, after=last_seq)) == [("receive", receive_due)]
    watch_once(live_server.state, resolve_due)
    assert clocks(escalations(api, case_id, after=last_seq)) == [
        ("receive", receive_due),
        ("resolve", resolve_due),
    ]


# ---------------------------------------------------------------------------- alarms


def _shelved_alarm(live: LiveServer, raised: datetime, until: datetime) -> str:
    alarm_id = f"A-{uuid.uuid4().hex[:12]}"
    alarm, _ = al.raise_or_repeat(
        None,
        f"DEV-{uuid.uuid4().hex[:8]}",
        al.AlarmKind.WATERLOGGING,
        al.Severity.MAJOR,
        0.35,
        0.3,
        raised,
        alarm_id,
        district_code="330102",
    )
    dispatcher = Actor("dispatcher", frozenset({Role.DISPATCHER}), "330100")
    shelved = al.shelve(alarm, dispatcher, until, "泵站检修中", raised + SECOND)
    assert not isinstance(shelved, Rejection)
    with live.state.gate.write() as session:
        write_alarm(session, shelved[0])
    return alarm_id


def test_a_shelved_alarm_returns_when_its_shelf_expires(api: Api, live_server: LiveServer) -> None:
    raised = datetime.now(UTC)
    until = raised + timedelta(hours=2)
    alarm_id = _shelved_alarm(live_server, raised, until)
    seq = newest(api)
    set_last_check(live_server, raised)

    early = watch_once(live_server.state, until - SECOND)
    assert early.shelves_expired == 0
    assert [c for c in api.all_changes("commander", after=seq) if c["entity_id"] == alarm_id] == []

    late = watch_once(live_server.state, until + SECOND)
    assert late.shelves_expired >= 1
    (change,) = [c for c in api.all_changes("commander", after=seq) if c["entity_id"] == alarm_id]
    assert change["entity"] == "alarm"
    assert change["payload"]["state"] == "active_unack"
    assert change["payload"]["shelved_until"] is None
    assert change["version"] == 3  # raised (1), shelved (2), back (3)
    assert watch_once(live_server.state, until + 2 * SECOND).shelves_expired == 0


# ---------------------------------------------------------------------------- restarts


def test_last_check_survives_a_restart(api: Api, live_server: LiveServer, last_seq: int) -> None:
    case_id = make_case(api, "1101")
    reported = at(case_doc(api, case_id)["reported_at"])
    set_last_check(live_server, reported - SECOND)
    now = reported + 11 * MINUTE
    watch_once(live_server.state, now)
    assert stored_mark(live_server) == {"last_check": now.astimezone(UTC).isoformat()}
    assert len(escalations(api, case_id, after=last_seq)) == 2

    # A second process on the same database ("after a restart") reads the persisted mark.
    restarted = create_app(live_server.settings).state.cityops
    try:
        result = watch_once(restarted, now)
        assert result.escalations == 0
        assert result.change_seqs == ()
        assert result.since == result.until == now
    finally:
        restarted.engine.dispose()
    assert len(escalations(api, case_id, after=last_seq)) == 2


def test_a_check_interrupted_midway_is_finished_without_escalating_twice(
    api: Api, live_server: LiveServer, last_seq: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    tag = uuid.uuid4().hex[:10]
    first, second = f"C-{tag}-a", f"C-{tag}-b"  # checked in this order (ids in order)
    make_case(api, "1101", case_id=first)
    make_case(api, "1101", case_id=second)
    reported = at(case_doc(api, second)["reported_at"])
    set_last_check(live_server, reported - 2 * MINUTE)
    now = reported + 11 * MINUTE

    real_batch = sla_watcher._escalate_batch

    def crashing_batch(session: Any, state: Any, ids: Any, *args: Any) -> Any:
        if second in ids:
            raise RuntimeError("power cut")
        return real_batch(session, state, ids, *args)

    monkeypatch.setattr(sla_watcher, "BATCH", 1)
    monkeypatch.setattr(sla_watcher, "_escalate_batch", crashing_batch)
    with pytest.raises(RuntimeError, match="power cut"):
        watch_once(live_server.state, now)
    mark = stored_mark(live_server)
    assert mark is not None
    assert mark["run"]["through"] == first
    assert len(escalations(api, first, after=last_seq)) == 2
    assert escalations(api, second, after=last_seq) == []

    monkeypatch.undo()
    watch_once(live_server.state, now + MINUTE)  # after the restart
    assert [c for c, _ in clocks(escalations(api, first, after=last_seq))] == [
        "receive",
        "respond",
    ]
    assert [c for c, _ in clocks(escalations(api, second, after=last_seq))] == [
        "receive",
        "respond",
    ]
    assert stored_mark(live_server) == {"last_check": (now + MINUTE).astimezone(UTC).isoformat()}


def test_a_check_stops_when_another_process_moved_last_check(
    api: Api, live_server: LiveServer, last_seq: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = make_case(api, "1101")
    reported = at(case_doc(api, case_id)["reported_at"])
    set_last_check(live_server, reported - SECOND)
    other = reported + 11 * MINUTE  # another server process checked up to here meanwhile
    real_chunks = sla_watcher._chunks

    def racing_chunks(items: Any, size: int) -> Any:
        set_last_check(live_server, other)
        yield from real_chunks(items, size)

    monkeypatch.setattr(sla_watcher, "_chunks", racing_chunks)
    result = watch_once(live_server.state, reported + 11 * MINUTE)
    assert not result.completed
    assert result.escalations == 0
    assert escalations(api, case_id, after=last_seq) == []  # the other process's to escalate
    assert stored_mark(live_server) == {"last_check": other.isoformat()}


# ---------------------------------------------------------------------------- background


def test_background_checks_every_interval_and_survives_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[datetime] = []

    def fake_watch(state: Any, now: datetime) -> Any:
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("database away")
        return sla_watcher.WatchResult(since=now, until=now)

    monkeypatch.setattr(sla_watcher, "watch_once", fake_watch)
    state = SimpleNamespace(settings=ServerSettings(db_url="sqlite://", sla_check_interval=0.02))

    async def run() -> None:
        task = asyncio.create_task(sla_watcher.background(state))  # type: ignore[arg-type]
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())
    assert len(calls) >= 3  # the failure did not stop it
    assert all(c.tzinfo is not None for c in calls)


@pytest.fixture(autouse=True)
def _no_leftover_run(live_server: LiveServer) -> Iterator[None]:
    yield
    mark = stored_mark(live_server)
    if mark is not None and "run" in mark:  # a test that crashed a check leaves none behind
        set_last_check(live_server, datetime.fromisoformat(mark["last_check"]))
