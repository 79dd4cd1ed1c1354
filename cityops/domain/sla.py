"""A case's SLA clocks: how much time each clock has left, when it falls due and which clocks
breached in a window of time.

Offers to the server (escalation, scheduling of its next check), the client (countdowns on the
case queue and the wall) and reports (on-time rates):

- ``ClockSpec``: one clock of a case — kind (receive, respond, arrive, resolve), basis (wall
  time for emergencies, working time for ordinary cases) and limit;
- ``clock_states(...)``: every clock's status, deadline and remaining time at an instant;
- ``breaches_between(...)``: the clocks whose deadline passed in ``(since, until]`` without their
  milestone — each breach falls in exactly one of adjacent windows, so a periodic job raises
  every escalation once;
- ``next_breach(...)``: the earliest breach still ahead, for scheduling the next check.

All functions are pure. A case's clocks share one start instant (the caller decides which: the
dispatch time, or the report time for emergencies) and one list of suspensions (pauses); each
clock stops at its own milestone. On a wall basis a clock's elapsed time is the wall time since
its start minus paused wall time; on a working basis it is the working time since its start
minus the working time inside pauses, reckoned by a ``WorkCalendar``. A clock is due at the
earliest instant its elapsed time reaches its limit and counts as breached at any later instant
(so one second after the deadline, not at it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from cityops.domain.city import CITY_TZ, require_aware
from cityops.domain.durations import ClockBasis, parse_limit
from cityops.domain.work_calendar import DEFAULT_CALENDAR, WorkCalendar

__all__ = [
    "Breach",
    "ClockKind",
    "ClockSpec",
    "ClockState",
    "ClockStatus",
    "Pause",
    "breaches_between",
    "clock_states",
    "next_breach",
]

_ZERO = timedelta(0)

#: A suspension of the case: ``(start, end)``, ``end`` None while it is still suspended.
Pause = tuple[datetime, datetime | None]


class ClockKind(StrEnum):
    """The milestones a case is timed against, in the order they normally happen."""

    RECEIVE = "receive"  # the handling unit accepts the dispatched case
    RESPOND = "respond"  # first response (emergencies: the "1" of 135, the "10" of 103060)
    ARRIVE = "arrive"  # someone is on site
    RESOLVE = "resolve"  # handled and fed back


class ClockStatus(StrEnum):
    NOT_STARTED = "not_started"  # no start instant yet, or the start lies after the instant asked
    RUNNING = "running"  # counting, not past its deadline
    PAUSED = "paused"  # inside a suspension: remaining is frozen (see ``ClockState.overdue``)
    MET = "met"  # milestone reached at or before the deadline
    BREACHED = "breached"  # counting and past its deadline
    BREACHED_MET = "breached_met"  # milestone reached after the deadline


@dataclass(frozen=True, slots=True)
class ClockSpec:
    """One clock a case is timed by; ``limit`` is working time on a working basis."""

    kind: ClockKind
    basis: ClockBasis
    limit: timedelta

    def __post_init__(self) -> None:
        if self.limit <= _ZERO:
            raise ValueError(f"{self.kind} clock limit must be positive, got {self.limit}")

    @classmethod
    def parse(cls, kind: ClockKind, limit: str, basis: ClockBasis) -> ClockSpec:
        """``ClockSpec.parse(ClockKind.RESOLVE, "5d", ClockBasis.WORKING)`` → 40 working hours."""
        return cls(kind, basis, parse_limit(limit, basis))


@dataclass(frozen=True, slots=True)
class ClockState:
    """One clock at one instant.

    ``deadline`` is the due instant given the pauses so far; it is None while not started, and
    while paused before falling due (the remaining time is then frozen and the due instant
    depends on when the suspension ends). Once a clock has fallen due its deadline is a fixed
    past instant and is shown even while paused or stopped. ``remaining`` is ``limit - elapsed``:
    zero or negative once breached (on a working basis it stays zero until more working time
    passes, e.g. over a weekend). ``paused_for`` is the paused time counted in the clock's basis.
    ``overdue`` is true when the deadline passed without the milestone, whatever the status —
    it is the flag to filter on, because a clock suspended after its deadline shows PAUSED.
    """

    kind: ClockKind
    basis: ClockBasis
    limit: timedelta
    status: ClockStatus
    deadline: datetime | None
    remaining: timedelta
    elapsed: timedelta
    paused_for: timedelta
    stopped_at: datetime | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class Breach:
    """A clock whose deadline ``due_at`` passed before its milestone; the server turns each one
    into an escalation event."""

    kind: ClockKind
    due_at: datetime


# ---------------------------------------------------------------------- validation


def _validate_specs(specs: Iterable[ClockSpec]) -> tuple[ClockSpec, ...]:
    result = tuple(specs)
    seen: set[ClockKind] = set()
    for spec in result:
        if spec.kind in seen:
            raise ValueError(f"two specs for the {spec.kind} clock; a case has one of each kind")
        seen.add(spec.kind)
    return result


def _validate_pauses(pauses: Sequence[Pause], started_at: datetime | None) -> tuple[Pause, ...]:
    result: list[Pause] = []
    previous_end: datetime | None = None
    for index, (begin, end) in enumerate(pauses):
        begin = require_aware(begin, f"pause {index} start").astimezone(CITY_TZ)
        if end is not None:
            end = require_aware(end, f"pause {index} end").astimezone(CITY_TZ)
            if end < begin:
                raise ValueError(
                    f"pause {index} ends ({end.isoformat()}) before it starts ({begin.isoformat()})"
                )
        if result and previous_end is None:
            raise ValueError(
                f"pause {index - 1} is still open (no end), so no pause can follow it; "
                "close a suspension before starting the next"
            )
        if previous_end is not None and begin < previous_end:
            raise ValueError(
                f"pauses must be in order and must not overlap: pause {index} starts at "
                f"{begin.isoformat()}, before pause {index - 1} ends at {previous_end.isoformat()}"
            )
        if started_at is not None and begin < started_at:
            raise ValueError(
                f"pause {index} starts at {begin.isoformat()}, before the clocks start at "
                f"{started_at.isoformat()}"
            )
        result.append((begin, end))
        previous_end = end
    return tuple(result)


def _validate_stops(
    stopped_at: Mapping[ClockKind, datetime], started_at: datetime | None
) -> dict[ClockKind, datetime]:
    result: dict[ClockKind, datetime] = {}
    for kind, when in stopped_at.items():
        local = require_aware(when, f"{kind} stop").astimezone(CITY_TZ)
        if started_at is not None and local < started_at:
            raise ValueError(
                f"the {kind} clock stops at {local.isoformat()}, before the clocks start at "
                f"{started_at.isoformat()}"
            )
        result[kind] = local
    return result


# ---------------------------------------------------------------------- measuring


def _measure(basis: ClockBasis, calendar: WorkCalendar, a: datetime, b: datetime) -> timedelta:
    """Time inside ``[a, b]`` counted in ``basis``."""
    if b <= a:
        return _ZERO
    if basis is ClockBasis.WALL:
        return b - a
    return calendar.working_time_between(a, b)


def _advance(basis: ClockBasis, calendar: WorkCalendar, a: datetime, amount: timedelta) -> datetime:
    """The earliest instant at which ``amount`` counted in ``basis`` has passed since ``a``."""
    if basis is ClockBasis.WALL:
        return a + amount
    return calendar.add_working_time(a, amount)


def _known_pauses(pauses: tuple[Pause, ...], horizon: datetime) -> list[Pause]:
    """The pauses as known at ``horizon``: later ones are ignored, one still running at the
    horizon is open. This keeps a clock's state at ``t`` independent of what happens after
    ``t`` (and a stopped clock independent of suspensions after its milestone)."""
    known: list[Pause] = []
    for begin, end in pauses:
        if begin > horizon:
            break
        known.append((begin, end if end is not None and end <= horizon else None))
    return known


def _deadline(
    spec: ClockSpec,
    started_at: datetime,
    pauses: Sequence[Pause],
    calendar: WorkCalendar,
) -> datetime | None:
    """Earliest instant the clock's elapsed time reaches its limit; None when that falls inside
    (or after) a pause that has not ended, so the due instant is not known yet."""
    cursor = started_at
    budget = spec.limit
    for begin, end in pauses:
        active = _measure(spec.basis, calendar, cursor, begin)
        if budget <= active:
            return _advance(spec.basis, calendar, cursor, budget)
        budget -= active
        if end is None:
            return None
        cursor = max(cursor, end)
    return _advance(spec.basis, calendar, cursor, budget)


def _state(
    spec: ClockSpec,
    started_at: datetime | None,
    stop: datetime | None,
    pauses: tuple[Pause, ...],
    at: datetime,
    calendar: WorkCalendar,
) -> ClockState:
    if started_at is None or at < started_at:
        return ClockState(
            kind=spec.kind,
            basis=spec.basis,
            limit=spec.limit,
            status=ClockStatus.NOT_STARTED,
            deadline=None,
            remaining=spec.limit,
            elapsed=_ZERO,
            paused_for=_ZERO,
            stopped_at=None,
            overdue=False,
        )
    # A milestone recorded after ``at`` has not happened yet as seen from ``at``.
    stopped = stop if stop is not None and stop <= at else None
    horizon = stopped if stopped is not None else at
    known = _known_pauses(pauses, horizon)

    paused_for = _ZERO
    for begin, end in known:
        paused_for += _measure(spec.basis, calendar, begin, end if end is not None else horizon)
    elapsed = _measure(spec.basis, calendar, started_at, horizon) - paused_for
    deadline = _deadline(spec, started_at, known, calendar)
    is_paused = bool(known) and known[-1][1] is None

    if stopped is not None:
        late = deadline is not None and stopped > deadline
        status = ClockStatus.BREACHED_MET if late else ClockStatus.MET
        overdue = late
    elif is_paused:
        status = ClockStatus.PAUSED
        overdue = deadline is not None and at > deadline
    elif deadline is not None and at > deadline:
        status, overdue = ClockStatus.BREACHED, True
    else:
        status, overdue = ClockStatus.RUNNING, False

    return ClockState(
        kind=spec.kind,
        basis=spec.basis,
        limit=spec.limit,
        status=status,
        deadline=deadline,
        remaining=spec.limit - elapsed,
        elapsed=elapsed,
        paused_for=paused_for,
        stopped_at=stopped,
        overdue=overdue,
    )


# ---------------------------------------------------------------------- public


def clock_states(
    specs: Iterable[ClockSpec],
    started_at: datetime | None,
    stopped_at: Mapping[ClockKind, datetime],
    pauses: Sequence[Pause],
    at: datetime,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
) -> tuple[ClockState, ...]:
    """Every clock's state at instant ``at``, in the order of ``specs``.

    ``started_at`` None means the clocks have not started. ``stopped_at`` maps a clock kind to
    its milestone instant (kinds without a spec are ignored); milestones and pauses after ``at``
    are not yet known at ``at`` and are ignored. Raises ``ValueError`` on naive times,
    duplicate kinds, pauses out of order or overlapping or before the start, or a milestone
    before the start.
    """
    checked_specs = _validate_specs(specs)
    start = None if started_at is None else require_aware(started_at, "started_at")
    start = None if start is None else start.astimezone(CITY_TZ)
    stops = _validate_stops(stopped_at, start)
    checked_pauses = _validate_pauses(pauses, start)
    now = require_aware(at, "at").astimezone(CITY_TZ)
    return tuple(
        _state(spec, start, stops.get(spec.kind), checked_pauses, now, calendar)
        for spec in checked_specs
    )


def _pending_breaches(
    specs: Iterable[ClockSpec],
    started_at: datetime | None,
    stopped_at: Mapping[ClockKind, datetime],
    pauses: Sequence[Pause],
    calendar: WorkCalendar,
) -> list[Breach]:
    """Every breach implied by the history given: a clock with a known deadline whose
    milestone is missing or came after it. Sorted by due instant, then by kind order."""
    checked_specs = _validate_specs(specs)
    if started_at is None:
        _validate_pauses(pauses, None)
        return []
    start = require_aware(started_at, "started_at").astimezone(CITY_TZ)
    stops = _validate_stops(stopped_at, start)
    checked_pauses = _validate_pauses(pauses, start)
    order = list(ClockKind)
    breaches: list[Breach] = []
    for spec in checked_specs:
        deadline = _deadline(spec, start, checked_pauses, calendar)
        if deadline is None:
            continue
        stop = stops.get(spec.kind)
        if stop is None or stop > deadline:
            breaches.append(Breach(spec.kind, deadline))
    breaches.sort(key=lambda b: (b.due_at, order.index(b.kind)))
    return breaches


def breaches_between(
    specs: Iterable[ClockSpec],
    started_at: datetime | None,
    stopped_at: Mapping[ClockKind, datetime],
    pauses: Sequence[Pause],
    since: datetime,
    until: datetime,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
) -> tuple[Breach, ...]:
    """Clocks whose deadline lies in ``(since, until]`` and whose milestone had not happened by
    then, ordered by due instant. Windows ``(t0, t1], (t1, t2], …`` report every breach exactly
    once. A clock whose due instant is hidden by an open pause is not reported until the pause
    ends (or at all, if its deadline passed before the pause: then it is reported for that
    earlier instant)."""
    lo = require_aware(since, "since").astimezone(CITY_TZ)
    hi = require_aware(until, "until").astimezone(CITY_TZ)
    if hi < lo:
        raise ValueError(
            f"breach window ends ({hi.isoformat()}) before it starts ({lo.isoformat()})"
        )
    candidates = _pending_breaches(specs, started_at, stopped_at, pauses, calendar)
    return tuple(b for b in candidates if lo < b.due_at <= hi)


def next_breach(
    specs: Iterable[ClockSpec],
    started_at: datetime | None,
    stopped_at: Mapping[ClockKind, datetime],
    pauses: Sequence[Pause],
    after: datetime,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
) -> Breach | None:
    """The earliest breach due strictly after ``after`` given the history so far, or None.

    A server schedules its next check at ``due_at`` and then asks ``breaches_between(after,
    due_at)``; any new milestone or suspension changes the answer, so recompute after each.
    """
    lo = require_aware(after, "after").astimezone(CITY_TZ)
    for breach in _pending_breaches(specs, started_at, stopped_at, pauses, calendar):
        if breach.due_at > lo:
            return breach
    return None
