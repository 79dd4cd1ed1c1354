"""The SLA watcher: escalates cases whose clocks fell due and returns expired alarm shelves.

Offers ``watch_once(state, now)`` (one check, synchronous; tests and the CLI call it directly)
and ``background(state)`` (``app`` runs it for the life of the process: a check every
``settings.sla_check_interval`` seconds, off the event loop).

One check covers the window ``(last_check, now]``: every open case whose subcategory is known
gets one ``Escalate`` per clock that fell due inside it (``case_clocks.escalate_breaches``;
the escalation is dated at the due instant and made by ``system:sla``), written with its
changes and an audit row. Windows are adjacent, so each breach is escalated exactly once.

Restart safety: ``last_check`` is kept in ``server_values`` (``sla_watcher.last_check``) and
written in the same transaction as the escalations it accounts for. Cases are handled in
batches of ``BATCH`` in id order, one write transaction each (so pushes are not held up behind
a long check); each batch also records how far the check got (``run``: the window's end and the
last case id done). A check interrupted by a crash is finished by the next one (the cases after
that id, over the interrupted window) before it looks at the new window. So a restart neither
escalates twice nor misses a breach. Each batch re-reads the value under the write gate and
stops if another process moved it (several server processes on one PostgreSQL database then
never escalate the same breach twice).

A breach is escalated in the window in which it became known: its due instant, or the filing
if that came later (an emergency's clocks run from the report, and its 1-minute receive clock
has often fallen due before the hall files the case; until then the case had no clocks).

On the first check ever ``last_check`` is ``now - sla_check_interval``.

Alarms: shelved alarms whose ``shelved_until`` has passed return to their underlying state
(``alarms.expire_shelf``), stamped at the expiry instant. This is state-based, not windowed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityops.domain import alarms as al
from cityops.domain import cases as cs
from cityops.domain.case_clocks import SLA_SYSTEM_ACTOR, due_breaches, escalate_breaches
from cityops.domain.city import require_aware
from cityops.domain.reference import Subcategory
from cityops.domain.schemas import AlarmDoc, CaseDoc
from cityops.domain.sla import Breach, ClockKind
from cityops.domain.work_calendar import WorkCalendar
from cityops.server import audit
from cityops.server.handlers_alarms import write_alarm
from cityops.server.handlers_cases import write_case
from cityops.server.models import AlarmRow, CaseEventRow, CaseRow, ServerValue
from cityops.server.state import ServerState

log = logging.getLogger(__name__)

#: The ``server_values`` row that holds the watcher's progress.
VALUE_NAME = "sla_watcher.last_check"
#: Cases (and alarms) per write transaction.
BATCH = 200

_OPEN_STATES = frozenset(s.value for s in cs.CaseState if not s.terminal)
_SHELVED = al.AlarmState.SHELVED.value
_TINY = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class WatchResult:
    """What one check did. ``until`` is the end of the window (the new ``last_check``)."""

    since: datetime
    until: datetime
    cases_checked: int = 0
    cases_escalated: int = 0
    escalations: int = 0
    shelves_expired: int = 0
    #: Cases skipped because their document or clocks could not be read (logged).
    errors: int = 0
    #: False when another process moved ``last_check`` meanwhile and this check stopped.
    completed: bool = True
    change_seqs: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class _Mark:
    """The stored progress: every case was checked up to ``last_check``; an unfinished check
    (``run_until``) had checked cases with id ≤ ``run_through`` up to ``run_until``."""

    last_check: datetime
    run_until: datetime | None = None
    run_through: str | None = None

    def to_json(self) -> dict[str, Any]:
        value: dict[str, Any] = {"last_check": self.last_check.isoformat()}
        if self.run_until is not None:
            value["run"] = {"until": self.run_until.isoformat(), "through": self.run_through}
        return value

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> _Mark:
        run = value.get("run") or {}
        until = run.get("until")
        return cls(
            last_check=datetime.fromisoformat(value["last_check"]),
            run_until=datetime.fromisoformat(until) if until else None,
            run_through=run.get("through"),
        )


def _read_mark(session: Session) -> _Mark | None:
    row = session.get(ServerValue, VALUE_NAME)
    return None if row is None else _Mark.from_json(row.value)


def _write_mark(session: Session, mark: _Mark) -> None:
    row = session.get(ServerValue, VALUE_NAME)
    if row is None:
        session.add(ServerValue(name=VALUE_NAME, value=mark.to_json()))
    else:
        row.value = mark.to_json()
    session.flush()


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _clock_started(doc: dict[str, Any], subcategory: Subcategory) -> bool:
    """Cheap test on the stored document: have the case's clocks started at all? (An ordinary
    case's clocks start at its first dispatch; most filed-but-undispatched cases stop here
    without building the case.)"""
    return subcategory.emergency or doc.get("first_dispatched_at") is not None


def _annotate(
    events: tuple[cs.CaseEvent, ...], breaches: tuple[Breach, ...]
) -> list[tuple[cs.CaseEvent, Breach | None]]:
    """Pair each escalation event with the breach it answers (``escalate_breaches`` applies one
    ``Escalate`` per breach, in order, dated at its due instant) and make sure the event carries
    the clock and the due time."""
    paired: list[tuple[cs.CaseEvent, Breach | None]] = []
    pending = list(breaches)
    for event in events:
        match = None
        if event.kind is cs.EventKind.ESCALATED:
            match = next((b for b in pending if b.due_at == event.at), None)
        if match is not None:
            pending.remove(match)
            details = {
                "clock": match.kind.value,
                "due_at": match.due_at.isoformat(),
                **dict(event.details),
            }
            event = dataclasses.replace(event, details=details)
        paired.append((event, match))
    return paired


def _window_start(case: cs.Case, since: datetime, until: datetime) -> datetime | None:
    """Where this case's window really starts, or None to leave it to the next check.

    A breach is escalated in the window in which it became known: at its due instant, or at
    the filing if that came later. An emergency's clocks run from the report, so a 1-minute
    receive clock often falls due before the hall has filed the case; it had no clocks then,
    and the check after the filing escalates it (dated at the due instant all the same). A
    case filed after ``until`` waits for the next check, whose window holds its filing."""
    filed = case.filed_at
    if filed is None or filed <= since:
        return since
    if filed > until:
        return None
    return min(since, case.reported_at - _TINY)


def _escalated_before(session: Session, case_id: str) -> set[tuple[ClockKind, datetime]]:
    """The (clock, due time) pairs this watcher has escalated for a case, from its timeline."""
    found: set[tuple[ClockKind, datetime]] = set()
    for doc in session.scalars(
        select(CaseEventRow.doc).where(
            CaseEventRow.case_id == case_id, CaseEventRow.kind == cs.EventKind.ESCALATED.value
        )
    ):
        details = doc.get("details") or {}
        clock, due = details.get("clock"), details.get("due_at")
        if isinstance(clock, str) and clock in set(ClockKind) and isinstance(due, str):
            found.add((ClockKind(clock), datetime.fromisoformat(due)))
    return found


def _escalate_batch(
    session: Session,
    state: ServerState,
    ids: Sequence[str],
    since: datetime,
    until: datetime,
    calendar: WorkCalendar,
) -> tuple[int, int, int, int, list[int]]:
    """Escalate the breaches of one batch of cases inside ``session``; returns (checked,
    escalated cases, escalations, errors, change seqs)."""
    subcategories = state.reference.taxonomy.subcategories
    # Plain columns, not ORM objects (the few cases escalated are loaded again by
    # ``write_case``). The state is tested here, not in SQL: with both conditions SQLite
    # prefers the state index and scans every open case once per batch.
    rows = session.execute(
        select(CaseRow.id, CaseRow.state, CaseRow.subcategory_code, CaseRow.doc).where(
            CaseRow.id.in_(ids)
        )
    ).all()
    checked = escalated_cases = escalations = errors = 0
    seqs: list[int] = []
    for case_id, case_state, code, doc in rows:
        subcategory = subcategories.get(code or "")
        if subcategory is None or case_state not in _OPEN_STATES:
            continue
        checked += 1
        if not _clock_started(doc, subcategory):
            continue
        try:
            case = CaseDoc.model_validate(doc).to_domain()
            start = _window_start(case, since, until)
            if start is None:
                continue
            skip: set[tuple[ClockKind, datetime]] = set()
            if case.reworked_at is not None and since < case.reworked_at <= until:
                # A failed check re-opens the resolve clock; if its deadline passed while the
                # case stood handled, that breach becomes known now. Look back from the report
                # and skip what earlier checks escalated already.
                start = min(start, case.reported_at - _TINY)
                skip = _escalated_before(session, case_id)
            breaches = tuple(
                b
                for b in due_breaches(case, subcategory, start, until, calendar)
                if (b.kind, b.due_at) not in skip
            )
            if not breaches:
                continue
            updated, events = escalate_breaches(
                case, subcategory, start, until, state.reference, calendar, skip
            )
        except ValueError:  # pydantic's ValidationError included: one bad case must not
            log.exception("SLA watcher: cannot check case %s; skipped", case_id)  # stop all
            errors += 1
            continue
        if not events:
            continue
        paired = _annotate(events, breaches)
        seqs += write_case(session, updated, tuple(e for e, _b in paired))
        for event, breach in paired:
            if event.kind is not cs.EventKind.ESCALATED:
                continue
            audit.record(
                session,
                actor=SLA_SYSTEM_ACTOR.user_id,
                roles=SLA_SYSTEM_ACTOR.roles,
                action=cs.Escalate.name,
                target=f"case {case_id}",
                decision="applied",
                detail={
                    "clock": breach.kind.value if breach else event.details.get("clock"),
                    "due_at": (breach.due_at if breach else event.at).isoformat(),
                    "level": event.details.get("level"),
                    "reason": event.details.get("reason"),
                    "state": updated.state.value,
                    "version": updated.version,
                },
            )
        escalated_cases += 1
        escalations += sum(1 for e, _b in paired if e.kind is cs.EventKind.ESCALATED)
    return checked, escalated_cases, escalations, errors, seqs


def _expire_shelves(state: ServerState, now: datetime) -> tuple[int, list[int]]:
    """Return every shelved alarm whose shelf has expired; one transaction per batch."""
    with state.gate.read() as session:
        ids = list(
            session.scalars(
                select(AlarmRow.id).where(AlarmRow.state == _SHELVED).order_by(AlarmRow.id)
            )
        )
    expired = 0
    seqs: list[int] = []
    for chunk in _chunks(ids, BATCH):
        batch_seqs: list[int] = []
        with state.gate.write() as session:
            rows = session.scalars(
                select(AlarmRow).where(AlarmRow.id.in_(chunk), AlarmRow.state == _SHELVED)
            ).all()
            for row in rows:
                try:
                    alarm = AlarmDoc.model_validate(row.doc).to_domain()
                except ValueError:
                    log.exception("SLA watcher: cannot read alarm %s; skipped", row.id)
                    continue
                updated, events = al.expire_shelf(alarm, now)
                if events:
                    batch_seqs.append(write_alarm(session, updated, row=row))
                    expired += 1
        if batch_seqs:
            seqs += batch_seqs
            state.hub.poke()
    return expired, seqs


@dataclass
class _Tally:
    checked: int = 0
    escalated: int = 0
    escalations: int = 0
    errors: int = 0
    seqs: list[int] = dataclasses.field(default_factory=list)


def _check_pass(
    state: ServerState,
    ids: Sequence[str],
    since: datetime,
    until: datetime,
    expected: _Mark | None,
    tally: _Tally,
    *,
    after: str = "",
) -> bool:
    """Check the cases ``ids`` with id > ``after`` over ``(since, until]``, one transaction per
    batch, then record ``last_check = until``. ``expected`` is the stored mark as this process
    last saw it; False when another process moved it (this pass then stops)."""
    calendar = state.reference.taxonomy.calendar()
    todo = [case_id for case_id in ids if case_id > after]
    for chunk in _chunks(todo, BATCH):
        with state.gate.write() as session:
            if _read_mark(session) != expected:
                log.info("SLA watcher: another process moved last_check; stopping this check")
                return False
            c, e, n, err, seqs = _escalate_batch(session, state, chunk, since, until, calendar)
            # The progress, in the same transaction as the escalations it accounts for.
            expected = _Mark(last_check=since, run_until=until, run_through=chunk[-1])
            _write_mark(session, expected)
        tally.checked += c
        tally.escalated += e
        tally.escalations += n
        tally.errors += err
        if seqs:
            tally.seqs += seqs
            state.hub.poke()
    with state.gate.write() as session:
        if _read_mark(session) != expected:
            return False
        _write_mark(session, _Mark(last_check=until))
    return True


def watch_once(state: ServerState, now: datetime) -> WatchResult:
    """Check every open case for clocks that fell due in ``(last_check, now]`` and escalate
    them; return expired alarm shelves. Synchronous (call it off the event loop)."""
    now = require_aware(now, "now").astimezone(UTC)
    subcategories = state.reference.taxonomy.subcategories
    interval = timedelta(seconds=state.settings.sla_check_interval)

    # Under the write gate (a short, read-only transaction): a push that filed a case with a
    # time before ``now`` has then committed, so its case is in the list.
    with state.gate.write() as session:
        stored = _read_mark(session)
        # Open cases with a known subcategory (the state index; the rest have no clocks).
        candidates = session.execute(
            select(CaseRow.id, CaseRow.subcategory_code).where(
                CaseRow.state.in_(sorted(_OPEN_STATES)), CaseRow.subcategory_code.is_not(None)
            )
        ).all()
    # Sorted here, not by SQL: the progress mark compares ids in Python's order, and a
    # database's collation need not agree with it.
    ids = sorted(case_id for case_id, code in candidates if code in subcategories)

    mark = stored or _Mark(last_check=now - interval)
    first_since = mark.last_check
    tally = _Tally()
    completed = True
    expected = stored
    if mark.run_until is not None:
        # A check was interrupted (crash, restart): finish its window for the cases it had not
        # reached, so the window ``(last_check, run_until]`` is then done for every case.
        completed = _check_pass(
            state,
            ids,
            mark.last_check,
            mark.run_until,
            expected,
            tally,
            after=mark.run_through or "",
        )
        mark = expected = _Mark(last_check=mark.run_until)
    # Time never runs backwards for the watcher: a ``now`` at or before the last check has
    # nothing new to look at (a restart with the same clock reading does nothing).
    until = max(now, mark.last_check)
    if completed and (until > mark.last_check or stored is None):
        completed = _check_pass(state, ids, mark.last_check, until, expected, tally)

    shelves, alarm_seqs = _expire_shelves(state, now)
    return WatchResult(
        since=first_since,
        until=until,
        cases_checked=tally.checked,
        cases_escalated=tally.escalated,
        escalations=tally.escalations,
        shelves_expired=shelves,
        errors=tally.errors,
        completed=completed,
        change_seqs=(*tally.seqs, *alarm_seqs),
    )


async def background(state: ServerState) -> None:
    """Check every ``settings.sla_check_interval`` seconds for the life of the process; an error
    is logged and the next check goes ahead (the window then simply covers both intervals)."""
    interval = state.settings.sla_check_interval
    while True:
        started = time.monotonic()
        try:
            result = await asyncio.to_thread(watch_once, state, datetime.now(UTC))
        except Exception:
            log.exception("SLA watcher check failed; retrying in %.0f s", interval)
        else:
            if result.escalations or result.shelves_expired or result.errors:
                log.info(
                    "SLA watcher: %d escalations on %d cases, %d shelves expired, %d errors "
                    "(%d cases checked in %.2f s)",
                    result.escalations,
                    result.cases_escalated,
                    result.shelves_expired,
                    result.errors,
                    result.cases_checked,
                    time.monotonic() - started,
                )
        await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))
