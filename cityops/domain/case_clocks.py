"""A case's SLA clocks, read off the case itself, and the escalation a breach triggers.

Offers to the server (which escalates breached cases on a timer) and the client (countdowns in
the queues, every deadline in the case detail):
- ``clock_inputs(case, subcategory)``: when the clocks started, which milestones stopped them,
  the pauses (clipped to the start);
- ``case_clocks(case, subcategory, at, calendar)``: the state of every clock at ``at``;
- ``escalate_breaches(case, subcategory, since, until, ref, calendar)``: apply one ``Escalate``
  per clock that fell due in ``(since, until]`` — a server run every minute escalates each
  breach once.

``calendar`` is always passed (``reference.taxonomy.calendar()``), never defaulted: a default
calendar would silently count the built-in office hours instead of the loaded standard's.

Which instant starts the clocks: emergencies (wall clock, "135"/"103060") count from the report,
because the norms are about minutes from the alarm; ordinary cases count from the first dispatch,
because the handling unit cannot act before it has the case (a redispatch does not restart them).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from cityops.domain.actors import Actor, Role
from cityops.domain.cases import Case, CaseEvent, CaseReference, Escalate, apply
from cityops.domain.cases import Pause as CasePause
from cityops.domain.city import CITY_CODE, CITY_TZ
from cityops.domain.outcomes import Rejection
from cityops.domain.reference import Subcategory
from cityops.domain.sla import (
    Breach,
    ClockKind,
    ClockState,
    Pause,
    breaches_between,
    clock_states,
)
from cityops.domain.work_calendar import WorkCalendar

#: The actor in whose name the server escalates breached cases (the audit shows it as such).
SLA_SYSTEM_ACTOR = Actor("system:sla", frozenset({Role.COMMANDER}), CITY_CODE, "时限监控")

CLOCK_LABEL_ZH = {
    ClockKind.RECEIVE: "签收",
    ClockKind.RESPOND: "响应",
    ClockKind.ARRIVE: "到场",
    ClockKind.RESOLVE: "处置",
}


@dataclass(frozen=True, slots=True)
class ClockInputs:
    started_at: datetime | None
    stopped_at: dict[ClockKind, datetime]
    pauses: tuple[Pause, ...]


def clock_inputs(case: Case, subcategory: Subcategory) -> ClockInputs:
    started = case.reported_at if subcategory.emergency else case.first_dispatched_at
    handled = case.handled_at
    # A clock cannot keep running once the problem is handled (a crew that fixed it has
    # responded and arrived), nor once the case has ended some other way.
    ended = case.closed_at if case.state.terminal else None
    stops = {
        ClockKind.RECEIVE: case.accepted_at or handled or ended,
        ClockKind.RESPOND: case.responded_at or handled or ended,
        ClockKind.ARRIVE: case.arrived_at or handled or ended,
        ClockKind.RESOLVE: handled or ended,
    }
    stopped = {
        k: v for k, v in stops.items() if v is not None and started is not None and v >= started
    }
    return ClockInputs(started, stopped, _pauses_after(case.pauses, started))


def _pauses_after(pauses: tuple[CasePause, ...], started: datetime | None) -> tuple[Pause, ...]:
    """The suspensions as the clocks see them: only what lies after the clocks started. A case
    may be suspended before its first dispatch (it is filed, awaiting a permit), and an
    ordinary case's clocks start at that dispatch: such a pause has nothing to pause, and one
    straddling the start pauses the clocks from the start on."""
    if started is None:
        return tuple((p.start, p.end) for p in pauses)
    clipped: list[Pause] = []
    for pause in pauses:
        if pause.end is not None and pause.end <= started:
            continue
        clipped.append((max(pause.start, started), pause.end))
    return tuple(clipped)


def case_clocks(
    case: Case, subcategory: Subcategory, at: datetime, calendar: WorkCalendar
) -> tuple[ClockState, ...]:
    """Remaining time and state of each of the case's clocks at ``at`` (all, not just the
    nearest). ``calendar`` is the standard's (``reference.taxonomy.calendar()``): the working
    hours a limit counts are those of the taxonomy the limit came from."""
    inputs = clock_inputs(case, subcategory)
    return clock_states(
        subcategory.clock_specs(),
        inputs.started_at,
        inputs.stopped_at,
        inputs.pauses,
        at,
        calendar,
    )


def due_breaches(
    case: Case,
    subcategory: Subcategory,
    since: datetime,
    until: datetime,
    calendar: WorkCalendar,
) -> tuple[Breach, ...]:
    inputs = clock_inputs(case, subcategory)
    if inputs.started_at is None or case.state.terminal:
        return ()
    return breaches_between(
        subcategory.clock_specs(),
        inputs.started_at,
        inputs.stopped_at,
        inputs.pauses,
        since,
        until,
        calendar,
    )


def escalate_breaches(
    case: Case,
    subcategory: Subcategory,
    since: datetime,
    until: datetime,
    ref: CaseReference,
    calendar: WorkCalendar,
    skip: Collection[tuple[ClockKind, datetime]] = (),
) -> tuple[Case, tuple[CaseEvent, ...]]:
    """Escalate once for each clock that fell due in ``(since, until]``; the events carry the
    clock and its due time so the timeline reads "处置时限超时（应于 11-23 13:30 前）".
    ``skip`` names (clock, due time) pairs already escalated, for a caller that looks back over
    a window it has checked before (a rework re-opens the resolve clock after its deadline)."""
    events: list[CaseEvent] = []
    for breach in due_breaches(case, subcategory, since, until, calendar):
        if (breach.kind, breach.due_at) in skip:
            continue
        due = breach.due_at.astimezone(CITY_TZ).strftime("%m-%d %H:%M")
        reason = f"{CLOCK_LABEL_ZH[breach.kind]}时限超时（应于 {due} 前）"
        outcome = apply(case, Escalate(reason), SLA_SYSTEM_ACTOR, breach.due_at, ref)
        if isinstance(outcome, Rejection):  # e.g. the case ended meanwhile: nothing to escalate
            continue
        case, new_events = outcome
        events.extend(new_events)
    return case, tuple(events)
