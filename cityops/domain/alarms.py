"""Alarms from the city's IoT sensors: the model and its ISA-18.2 lifecycle, as pure functions.

Offers to the server (ingest, sync push, the shelf timer), the simulator and the client's views:

- ``AlarmKind``, ``Severity``, ``AlarmState``, ``AlarmEventKind`` with Chinese/English names;
- ``Alarm`` (frozen) and ``AlarmEvent`` (frozen);
- lifecycle functions that never mutate and return ``(alarm', events)`` or a ``Rejection``:
  ``raise_or_repeat`` and ``clear`` (server-made, from readings; see ``alarm_rules``),
  ``acknowledge``, ``shelve``, ``unshelve``, ``convert_to_case`` (what clients may send),
  ``expire_shelf`` (the server's timer), ``remove_from_service``/``return_to_service``
  (device maintenance).

Representation of state
-----------------------
``state`` is what the hall *shows*. Four values are the ISA-18.2 states of the process condition
combined with acknowledgement (``active_unack``, ``active_ack``, ``cleared_unack``, ``cleared``);
two are suppressions (``shelved``, ``out_of_service``). While suppressed, ``underlying_state``
holds the ISA-18.2 state the alarm would have without the suppression and keeps following the
process (raises and clears still apply to it), so when the suppression ends the alarm shows the
condition as it is *now*. ``underlying_state`` is ``None`` exactly when the alarm is not suppressed;
``condition_state`` gives the ISA-18.2 state in both cases.

Rules decided here (the dispatcher sees them; tests pin them down)
------------------------------------------------------------------
- De-duplication is by (device, kind): any alarm that is not closed (``state == cleared``) absorbs
  the next raise (``occurrences`` + 1, ``value``/``last_raised_at`` updated). A ``cleared_unack``
  alarm is re-activated to ``active_unack``. A shelved or out-of-service alarm absorbs raises even
  if its underlying condition had closed, because the suppression belongs to the pair: a fresh
  record would bypass it. A closed alarm never re-opens: the next raise makes a new alarm.
- An acknowledged alarm that repeats at a severity it has already had stays acknowledged (the
  dispatcher already knows). If the severity rises above the highest it has had
  (``peak_severity``), the alarm is *escalated*: it becomes unacknowledged again (``acked_by``
  and ``acked_at`` are emptied; the earlier ack stays in the event log). Comparing with the peak
  rather than the last severity keeps a level wavering across a band edge from re-alarming the
  hall at every reading. ``severity`` itself follows the latest reading.
- Raising or clearing while shelved or out of service updates the counters, the value and the
  underlying state and emits the usual events (the log is complete), but ``state`` stays the
  suppression, which does not annunciate. Acknowledging a suppressed alarm is refused: there is
  nothing on the wall to acknowledge.
- A shelf's expiry is honoured lazily by every function (an expired shelf is first returned to
  its underlying state, with a ``shelve_expired`` event dated at the expiry), so a reading that
  arrives before the timer ran still annunciates.
- A reading older than the alarm's latest raise or clear (IoT platforms deliver late) is stale:
  a stale raise is counted but changes neither state, severity nor value; a stale clear is ignored.
  Without this a late "normal" reading could clear a leak that is still going on. This holds for a
  closed alarm too: a high reading measured before the clear that closed it is counted on it (the
  ``cleared`` state stays) instead of opening a phantom alarm dated in the past.
- The first acknowledgement wins: a second one is refused, naming who acknowledged and when.
- An acknowledgement covers what the dispatcher saw. Clients send the ``peak_severity`` they were
  shown (``seen_peak``); if the alarm escalated past it meanwhile (an ack replayed from an offline
  outbox, a click racing a reading) the ack is refused (``alarm_changed_since_seen``) so the
  escalation is not silenced by someone who never saw it.
- ``version`` goes up by one in every call that changes the alarm; a call that changes nothing
  returns the same object and no events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final, TypeAlias

from cityops.domain.actors import Actor, Role
from cityops.domain.city import CITY_TZ, require_aware
from cityops.domain.outcomes import Rejection

#: A shelf must end by itself (ISA-18.2 "shelving with a time limit"); a day covers a night shift
#: plus hand-over, anything longer should be out-of-service with a maintenance reason.
MAX_SHELVE: Final = timedelta(hours=24)

#: Roles that watch the wall and may acknowledge, shelve and turn alarms into cases.
ALARM_HANDLING_ROLES: Final = (Role.DISPATCHER, Role.COMMANDER)
#: Roles that maintain devices and may take their alarms out of service. Not ADMIN: admins
#: manage users and hold no device or alarm powers by themselves (see ``actors.Role``).
MAINTENANCE_ROLES: Final = (Role.OPERATOR,)


class AlarmKind(StrEnum):
    """What went wrong in the city; values are stable wire/database codes."""

    GAS_OVERPRESSURE = "gas_overpressure"
    GAS_LEAK = "gas_leak"
    WATERLOGGING = "waterlogging"
    SUPPLY_PIPE_LEAK = "supply_pipe_leak"
    SUPPLY_NIGHT_FLOW = "supply_night_flow"
    DRAINAGE_PIPE_LEAK = "drainage_pipe_leak"
    UNDERGROUND_HAZARD = "underground_hazard"
    BRIDGE_OVERWEIGHT = "bridge_overweight"
    BRIDGE_COLLISION = "bridge_collision"
    MANHOLE_COVER = "manhole_cover"
    DEVICE_OFFLINE = "device_offline"

    @property
    def zh(self) -> str:
        return _KIND_NAMES[self][0]

    @property
    def en(self) -> str:
        return _KIND_NAMES[self][1]


_KIND_NAMES: Final[Mapping[AlarmKind, tuple[str, str]]] = {
    AlarmKind.GAS_OVERPRESSURE: ("燃气超压", "Gas over-pressure"),
    AlarmKind.GAS_LEAK: ("燃气泄漏", "Gas leak"),
    AlarmKind.WATERLOGGING: ("城市内涝积水", "Urban waterlogging"),
    AlarmKind.SUPPLY_PIPE_LEAK: ("供水管网漏损", "Water-supply pipe leakage"),
    AlarmKind.SUPPLY_NIGHT_FLOW: ("供水夜间流量异常", "Water-supply night-flow anomaly"),
    AlarmKind.DRAINAGE_PIPE_LEAK: ("排水管网漏损/满溢", "Drainage pipe leakage/overflow"),
    AlarmKind.UNDERGROUND_HAZARD: ("地下空洞/沉降隐患", "Underground cavity/settlement hazard"),
    AlarmKind.BRIDGE_OVERWEIGHT: ("桥梁超载", "Bridge overweight"),
    AlarmKind.BRIDGE_COLLISION: ("桥梁撞击", "Bridge collision"),
    AlarmKind.MANHOLE_COVER: ("井盖异动", "Manhole cover displaced"),
    AlarmKind.DEVICE_OFFLINE: ("设备离线", "Device offline"),
}


class Severity(StrEnum):
    """How urgent an alarm is. Compares by urgency (``CRITICAL > WARNING``), not alphabetically."""

    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"
    WARNING = "warning"

    @property
    def rank(self) -> int:
        """4 for critical down to 1 for warning: larger is more urgent."""
        return _SEVERITY_RANK[self]

    @property
    def zh(self) -> str:
        return _SEVERITY_ZH[self]

    @property
    def en(self) -> str:
        return self.value.capitalize()

    # A StrEnum would otherwise compare alphabetically ("critical" < "major"), which would sort
    # the wall's most urgent alarms wrongly.
    def __lt__(self, other: str, /) -> bool:
        if isinstance(other, Severity):
            return self.rank < other.rank
        return NotImplemented

    def __le__(self, other: str, /) -> bool:
        if isinstance(other, Severity):
            return self.rank <= other.rank
        return NotImplemented

    def __gt__(self, other: str, /) -> bool:
        if isinstance(other, Severity):
            return self.rank > other.rank
        return NotImplemented

    def __ge__(self, other: str, /) -> bool:
        if isinstance(other, Severity):
            return self.rank >= other.rank
        return NotImplemented


_SEVERITY_RANK: Final[Mapping[Severity, int]] = {
    Severity.CRITICAL: 4,
    Severity.MAJOR: 3,
    Severity.MINOR: 2,
    Severity.WARNING: 1,
}
_SEVERITY_ZH: Final[Mapping[Severity, str]] = {
    Severity.CRITICAL: "紧急",
    Severity.MAJOR: "重要",
    Severity.MINOR: "次要",
    Severity.WARNING: "提示",
}


class AlarmState(StrEnum):
    """What the hall shows for an alarm (see the module docstring for the representation)."""

    ACTIVE_UNACK = "active_unack"
    ACTIVE_ACK = "active_ack"
    CLEARED_UNACK = "cleared_unack"
    CLEARED = "cleared"  # closed: condition normal and acknowledged
    SHELVED = "shelved"
    OUT_OF_SERVICE = "out_of_service"

    @property
    def zh(self) -> str:
        return _STATE_NAMES[self][0]

    @property
    def en(self) -> str:
        return _STATE_NAMES[self][1]


_STATE_NAMES: Final[Mapping[AlarmState, tuple[str, str]]] = {
    AlarmState.ACTIVE_UNACK: ("告警中·未确认", "Active, unacknowledged"),
    AlarmState.ACTIVE_ACK: ("告警中·已确认", "Active, acknowledged"),
    AlarmState.CLEARED_UNACK: ("已恢复·未确认", "Cleared, unacknowledged"),
    AlarmState.CLEARED: ("已关闭", "Cleared"),
    AlarmState.SHELVED: ("已搁置", "Shelved"),
    AlarmState.OUT_OF_SERVICE: ("停用检修", "Out of service"),
}

#: The four ISA-18.2 states; ``underlying_state`` is always one of these.
ISA_STATES: Final = frozenset(
    {AlarmState.ACTIVE_UNACK, AlarmState.ACTIVE_ACK, AlarmState.CLEARED_UNACK, AlarmState.CLEARED}
)
SUPPRESSED_STATES: Final = frozenset({AlarmState.SHELVED, AlarmState.OUT_OF_SERVICE})
_ACTIVE: Final = frozenset({AlarmState.ACTIVE_UNACK, AlarmState.ACTIVE_ACK})
_ACKED: Final = frozenset({AlarmState.ACTIVE_ACK, AlarmState.CLEARED})
_AFTER_CLEAR: Final[Mapping[AlarmState, AlarmState]] = {
    AlarmState.ACTIVE_UNACK: AlarmState.CLEARED_UNACK,
    AlarmState.ACTIVE_ACK: AlarmState.CLEARED,
}
_AFTER_ACK: Final[Mapping[AlarmState, AlarmState]] = {
    AlarmState.ACTIVE_UNACK: AlarmState.ACTIVE_ACK,
    AlarmState.CLEARED_UNACK: AlarmState.CLEARED,
}


class AlarmEventKind(StrEnum):
    """What happened to an alarm; past tense, one per fact."""

    RAISED = "raised"
    REPEATED = "repeated"
    ESCALATED = "escalated"
    CLEARED = "cleared"
    ACKNOWLEDGED = "acknowledged"
    SHELVED = "shelved"
    UNSHELVED = "unshelved"
    SHELVE_EXPIRED = "shelve_expired"
    REMOVED_FROM_SERVICE = "removed_from_service"
    RETURNED_TO_SERVICE = "returned_to_service"
    CONVERTED_TO_CASE = "converted_to_case"


@dataclass(frozen=True, slots=True)
class AlarmEvent:
    """One fact about one alarm, for the changes log, the audit trail and the wall's ticker.
    ``actor_id`` is ``None`` for what the server did by itself (readings, timers)."""

    kind: AlarmEventKind
    alarm_id: str
    at: datetime
    actor_id: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Alarm:
    """One alarm for one (device, kind) episode. Built by ``raise_or_repeat``; changed only by the
    functions of this module, each of which returns a new object with ``version`` + 1."""

    id: str
    device_id: str
    kind: AlarmKind
    #: Severity of the latest (non-stale) raising reading.
    severity: Severity
    #: Highest severity this alarm has had; escalation is measured against it.
    peak_severity: Severity
    state: AlarmState
    first_raised_at: datetime
    last_raised_at: datetime
    #: The latest raising reading and the threshold (band edge) it crossed.
    value: float
    threshold: float
    #: How many raises were merged into this alarm (de-duplication count), at least 1.
    occurrences: int = 1
    #: When the condition last returned to normal; ``None`` while the condition is active.
    cleared_at: datetime | None = None
    #: The ISA-18.2 state behind a suppression; ``None`` iff ``state`` is not a suppression.
    underlying_state: AlarmState | None = None
    acked_by: str | None = None
    acked_by_name: str = ""
    acked_at: datetime | None = None
    shelved_by: str | None = None
    shelved_until: datetime | None = None
    shelve_reason: str | None = None
    out_of_service_by: str | None = None
    out_of_service_reason: str | None = None
    case_id: str | None = None
    district_code: str | None = None
    lon: float | None = None
    lat: float | None = None
    version: int = 1

    @property
    def condition_state(self) -> AlarmState:
        """The ISA-18.2 state, looking through a shelf or out-of-service."""
        return self.underlying_state if self.underlying_state is not None else self.state

    @property
    def is_suppressed(self) -> bool:
        return self.state in SUPPRESSED_STATES

    @property
    def is_condition_active(self) -> bool:
        """The process is (still) abnormal, whether or not the alarm is suppressed."""
        return self.condition_state in _ACTIVE

    @property
    def is_acknowledged(self) -> bool:
        return self.condition_state in _ACKED

    @property
    def is_closed(self) -> bool:
        """Fully cleared and not suppressed: history; the next raise makes a new alarm."""
        return self.state is AlarmState.CLEARED

    @property
    def is_annunciating(self) -> bool:
        """Shown on the wall's alarm list (active, or cleared but not yet acknowledged)."""
        return self.state in _ACTIVE or self.state is AlarmState.CLEARED_UNACK

    @property
    def needs_ack(self) -> bool:
        return self.state is AlarmState.ACTIVE_UNACK or self.state is AlarmState.CLEARED_UNACK


Events: TypeAlias = tuple[AlarmEvent, ...]
#: An accepted change: the alarm after it and what happened, in order.
Transition: TypeAlias = tuple[Alarm, Events]


# --------------------------------------------------------------------------------- helpers


def _reject(code: str, message: str, message_en: str, **details: Any) -> Rejection:
    return Rejection(code=code, message=message, message_en=message_en, details=details)


def _forbidden(actor: Actor, action_zh: str, action_en: str) -> Rejection:
    return _reject(
        "alarm_forbidden",
        f"您没有{action_zh}告警的权限",
        f"You are not allowed to {action_en} alarms",
        user_id=actor.user_id,
    )


def _clock(when: datetime, reference: datetime) -> str:
    """Hall clock text: ``10:32`` on the same local day as ``reference``, else with the date."""
    local = when.astimezone(CITY_TZ)
    if local.date() == reference.astimezone(CITY_TZ).date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def _with_condition(alarm: Alarm, condition: AlarmState, **changes: Any) -> Alarm:
    """Set the ISA-18.2 state: on ``state`` if shown, behind the suppression otherwise."""
    if alarm.is_suppressed:
        changes["underlying_state"] = condition
    else:
        changes["state"] = condition
    return replace(alarm, version=alarm.version + 1, **changes)


def _event(
    kind: AlarmEventKind,
    alarm: Alarm,
    at: datetime,
    actor: Actor | None = None,
    **details: Any,
) -> AlarmEvent:
    return AlarmEvent(kind, alarm.id, at, actor.user_id if actor else None, details)


def _settle(alarm: Alarm, at: datetime) -> Transition:
    """Return an expired shelf to its underlying state (lazily, see the module docstring)."""
    if (
        alarm.state is AlarmState.SHELVED
        and alarm.shelved_until is not None
        and at >= alarm.shelved_until
    ):
        assert alarm.underlying_state is not None
        expired = replace(
            alarm,
            state=alarm.underlying_state,
            underlying_state=None,
            shelved_by=None,
            shelved_until=None,
            shelve_reason=None,
            version=alarm.version + 1,
        )
        event = _event(
            AlarmEventKind.SHELVE_EXPIRED,
            expired,
            alarm.shelved_until,
            state=expired.state.value,
        )
        return expired, (event,)
    return alarm, ()


# ------------------------------------------------------------------ server-made: readings


def raise_or_repeat(
    existing: Alarm | None,
    device_id: str,
    kind: AlarmKind,
    severity: Severity,
    value: float,
    threshold: float,
    at: datetime,
    new_id: str,
    *,
    district_code: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
) -> Transition:
    """A reading crossed ``threshold``: repeat ``existing`` if it is still open for this
    (device, kind), else raise a new alarm ``new_id``. Location only applies to a new alarm.
    ``existing`` must be the latest alarm of this (device, kind), or ``None``."""
    require_aware(at, "at")
    if existing is not None:
        if existing.device_id != device_id or existing.kind is not kind:
            raise ValueError(
                f"alarm {existing.id} is for ({existing.device_id}, {existing.kind}), "
                f"not ({device_id}, {kind})"
            )
        settled, events = _settle(existing, at)
        # A reading measured before the closed alarm's latest raise or clear (delivered late)
        # belongs to that episode: it is counted there as stale, and opens no phantom alarm.
        if not settled.is_closed or _is_stale(settled, at):
            return _repeat(settled, severity, value, threshold, at, events)
        # A shelf that expired onto a closed alarm: the raise is a new episode. The old record
        # is left to the shelf timer, so every transition returned here concerns one alarm.
    alarm = Alarm(
        id=new_id,
        device_id=device_id,
        kind=kind,
        severity=severity,
        peak_severity=severity,
        state=AlarmState.ACTIVE_UNACK,
        first_raised_at=at,
        last_raised_at=at,
        value=value,
        threshold=threshold,
        district_code=district_code,
        lon=lon,
        lat=lat,
    )
    event = _event(
        AlarmEventKind.RAISED,
        alarm,
        at,
        severity=severity.value,
        value=value,
        threshold=threshold,
    )
    return alarm, (event,)


def _is_stale(alarm: Alarm, at: datetime) -> bool:
    """A reading measured before the alarm's latest raise or clear: delivered late."""
    return at < alarm.last_raised_at or (alarm.cleared_at is not None and at < alarm.cleared_at)


def _repeat(
    alarm: Alarm,
    severity: Severity,
    value: float,
    threshold: float,
    at: datetime,
    prior: Events,
) -> Transition:
    occurrences = alarm.occurrences + 1
    suppressed = alarm.state.value if alarm.is_suppressed else None
    if _is_stale(alarm, at):
        counted = replace(alarm, occurrences=occurrences, version=alarm.version + 1)
        event = _event(
            AlarmEventKind.REPEATED,
            counted,
            at,
            occurrences=occurrences,
            value=value,
            severity=severity.value,
            stale=True,
            suppressed=suppressed,
        )
        return counted, (*prior, event)

    condition = alarm.condition_state
    escalated = severity.rank > alarm.peak_severity.rank
    reactivated = condition not in _ACTIVE
    changes: dict[str, Any] = {
        "occurrences": occurrences,
        "value": value,
        "threshold": threshold,
        "severity": severity,
        "peak_severity": severity if escalated else alarm.peak_severity,
        "last_raised_at": at,
        "cleared_at": None,
    }
    if escalated or reactivated:
        # Worse than ever, or a new episode after the condition had cleared: the hall must be
        # told again, so any earlier acknowledgement no longer covers it.
        new_condition = AlarmState.ACTIVE_UNACK
        changes.update(acked_by=None, acked_by_name="", acked_at=None)
    else:
        new_condition = condition
    repeated = _with_condition(alarm, new_condition, **changes)
    events = [
        _event(
            AlarmEventKind.REPEATED,
            repeated,
            at,
            occurrences=occurrences,
            value=value,
            severity=severity.value,
            reactivated=reactivated,
            suppressed=suppressed,
        )
    ]
    if escalated:
        events.append(
            _event(
                AlarmEventKind.ESCALATED,
                repeated,
                at,
                previous=alarm.peak_severity.value,
                severity=severity.value,
                suppressed=suppressed,
            )
        )
    return repeated, (*prior, *events)


def clear(alarm: Alarm, at: datetime, *, value: float | None = None) -> Transition:
    """The process returned to normal at ``at`` (``value``: the normal reading, logged only).
    ``active_unack`` → ``cleared_unack``, ``active_ack`` → ``cleared`` (closed); no change when the
    condition is already cleared or the clear is older than the latest raise."""
    require_aware(at, "at")
    alarm, events = _settle(alarm, at)
    condition = alarm.condition_state
    if condition not in _ACTIVE or at < alarm.last_raised_at:
        return alarm, events
    cleared = _with_condition(alarm, _AFTER_CLEAR[condition], cleared_at=at)
    event = _event(
        AlarmEventKind.CLEARED,
        cleared,
        at,
        value=value,
        state=cleared.condition_state.value,
        suppressed=alarm.state.value if alarm.is_suppressed else None,
    )
    return cleared, (*events, event)


# ------------------------------------------------------------------ what clients may send


def acknowledge(
    alarm: Alarm, actor: Actor, at: datetime, *, seen_peak: Severity | None = None
) -> Transition | Rejection:
    """A dispatcher or commander acknowledges: ``active_unack`` → ``active_ack``,
    ``cleared_unack`` → ``cleared``. The first acknowledgement wins.

    ``seen_peak`` is the ``peak_severity`` the alarm had on the acknowledger's screen; when the
    alarm has since escalated above it the ack is refused (``alarm_changed_since_seen``) and must
    be given again on the current alarm. Every pushed ack carries it; ``None`` (server-side
    callers only) skips the check."""
    require_aware(at, "at")
    if not actor.has(*ALARM_HANDLING_ROLES):
        return _forbidden(actor, "确认", "acknowledge")
    alarm, events = _settle(alarm, at)
    if alarm.acked_at is not None:
        who = alarm.acked_by_name or alarm.acked_by or "?"
        when = _clock(alarm.acked_at, at)
        return _reject(
            "alarm_already_acknowledged",
            f"该告警已由 {who} 于 {when} 确认",
            f"This alarm was already acknowledged by {who} at {when}",
            acked_by=alarm.acked_by,
            acked_at=alarm.acked_at.isoformat(),
        )
    if alarm.is_suppressed:
        return _suppressed_rejection(alarm, at)
    if seen_peak is not None and alarm.peak_severity.rank > seen_peak.rank:
        peak = alarm.peak_severity
        return _reject(
            "alarm_changed_since_seen",
            f"该告警在您查看后已升级为“{peak.zh}”，请查看最新情况后重新确认",
            f"This alarm escalated to {peak.en} after you saw it ({seen_peak.en}); "
            "look at it again and acknowledge it anew",
            seen_peak=seen_peak.value,
            peak_severity=peak.value,
            severity=alarm.severity.value,
            version=alarm.version,
        )
    acked = _with_condition(
        alarm,
        _AFTER_ACK[alarm.state],
        acked_by=actor.user_id,
        acked_by_name=actor.display_name,
        acked_at=at,
    )
    event = _event(AlarmEventKind.ACKNOWLEDGED, acked, at, actor, state=acked.state.value)
    return acked, (*events, event)


def _suppressed_rejection(alarm: Alarm, at: datetime) -> Rejection:
    if alarm.state is AlarmState.SHELVED:
        assert alarm.shelved_until is not None
        until = _clock(alarm.shelved_until, at)
        return _reject(
            "alarm_shelved",
            f"该告警已由 {alarm.shelved_by} 搁置至 {until}，请先取消搁置",
            f"This alarm is shelved by {alarm.shelved_by} until {until}; unshelve it first",
            shelved_by=alarm.shelved_by,
            shelved_until=alarm.shelved_until.isoformat(),
        )
    return _reject(
        "alarm_out_of_service",
        f"该告警已由 {alarm.out_of_service_by} 停用检修（{alarm.out_of_service_reason}）",
        f"This alarm is out of service by {alarm.out_of_service_by} "
        f"({alarm.out_of_service_reason})",
        out_of_service_by=alarm.out_of_service_by,
    )


def shelve(
    alarm: Alarm, actor: Actor, until: datetime, reason: str, at: datetime
) -> Transition | Rejection:
    """Hide an annunciating alarm from the wall until ``until`` (after ``at``, at most
    ``MAX_SHELVE`` later) for a stated reason; it keeps following the process meanwhile."""
    require_aware(at, "at")
    require_aware(until, "until")
    if not actor.has(*ALARM_HANDLING_ROLES):
        return _forbidden(actor, "搁置", "shelve")
    alarm, events = _settle(alarm, at)
    if alarm.is_suppressed:
        return _suppressed_rejection(alarm, at)
    if alarm.is_closed:
        return _reject(
            "alarm_closed",
            "该告警已关闭，无需搁置",
            "This alarm is closed; there is nothing to shelve",
        )
    if not reason.strip():
        return _reject(
            "alarm_shelve_reason_required",
            "搁置告警必须填写原因",
            "Shelving an alarm needs a reason",
        )
    if until <= at:
        return _reject(
            "alarm_shelve_expiry_past",
            "搁置截止时间必须晚于当前时间",
            "The shelving expiry must be in the future",
            until=until.isoformat(),
        )
    if until - at > MAX_SHELVE:
        hours = int(MAX_SHELVE.total_seconds() // 3600)
        return _reject(
            "alarm_shelve_too_long",
            f"搁置时间最长 {hours} 小时",
            f"An alarm may be shelved for at most {hours} hours",
            until=until.isoformat(),
            max_hours=hours,
        )
    shelved = replace(
        alarm,
        state=AlarmState.SHELVED,
        underlying_state=alarm.state,
        shelved_by=actor.user_id,
        shelved_until=until,
        shelve_reason=reason.strip(),
        version=alarm.version + 1,
    )
    event = _event(
        AlarmEventKind.SHELVED,
        shelved,
        at,
        actor,
        until=until.isoformat(),
        reason=shelved.shelve_reason,
    )
    return shelved, (*events, event)


def unshelve(alarm: Alarm, actor: Actor, at: datetime) -> Transition | Rejection:
    """End a shelf early; the alarm shows its current underlying state. If the shelf has already
    expired the expiry is returned (the user got what they asked for), not a rejection."""
    require_aware(at, "at")
    if not actor.has(*ALARM_HANDLING_ROLES):
        return _forbidden(actor, "取消搁置", "unshelve")
    settled, events = _settle(alarm, at)
    if events:
        return settled, events
    if alarm.state is not AlarmState.SHELVED:
        return _reject(
            "alarm_not_shelved",
            "该告警未被搁置",
            "This alarm is not shelved",
            state=alarm.state.value,
        )
    assert alarm.underlying_state is not None
    unshelved = replace(
        alarm,
        state=alarm.underlying_state,
        underlying_state=None,
        shelved_by=None,
        shelved_until=None,
        shelve_reason=None,
        version=alarm.version + 1,
    )
    event = _event(AlarmEventKind.UNSHELVED, unshelved, at, actor, state=unshelved.state.value)
    return unshelved, (event,)


def expire_shelf(alarm: Alarm, at: datetime) -> Transition:
    """The server's shelf timer: past ``shelved_until`` the alarm returns to its underlying state
    (which reflects whatever the process did meanwhile); otherwise nothing changes."""
    require_aware(at, "at")
    return _settle(alarm, at)


def convert_to_case(
    alarm: Alarm, actor: Actor, case_id: str, at: datetime
) -> Transition | Rejection:
    """Record that the alarm became case ``case_id`` (made by the case module). Allowed in any
    state; an alarm becomes at most one case."""
    require_aware(at, "at")
    if not case_id:
        raise ValueError("case_id must not be empty")
    if not actor.has(*ALARM_HANDLING_ROLES):
        return _forbidden(actor, "转案件处理", "convert")
    alarm, events = _settle(alarm, at)
    if alarm.case_id is not None:
        return _reject(
            "alarm_already_converted",
            f"该告警已转为案件 {alarm.case_id}",
            f"This alarm was already converted to case {alarm.case_id}",
            case_id=alarm.case_id,
        )
    converted = replace(alarm, case_id=case_id, version=alarm.version + 1)
    event = _event(AlarmEventKind.CONVERTED_TO_CASE, converted, at, actor, case_id=case_id)
    return converted, (*events, event)


# ------------------------------------------------------------------ device maintenance


def remove_from_service(
    alarm: Alarm, actor: Actor, reason: str, at: datetime
) -> Transition | Rejection:
    """Take the (device, kind) out of service for maintenance: readings keep being counted but
    nothing annunciates until ``return_to_service``. Replaces a shelf (the stronger suppression);
    allowed on a closed alarm too, so that it absorbs the readings of the works."""
    require_aware(at, "at")
    if not actor.has(*MAINTENANCE_ROLES):
        return _forbidden(actor, "停用", "take out of service")
    alarm, events = _settle(alarm, at)
    if alarm.state is AlarmState.OUT_OF_SERVICE:
        return _suppressed_rejection(alarm, at)
    if not reason.strip():
        return _reject(
            "alarm_service_reason_required",
            "停用告警必须填写原因（如检修工单）",
            "Taking an alarm out of service needs a reason (e.g. the maintenance order)",
        )
    removed = replace(
        alarm,
        state=AlarmState.OUT_OF_SERVICE,
        underlying_state=alarm.condition_state,
        shelved_by=None,
        shelved_until=None,
        shelve_reason=None,
        out_of_service_by=actor.user_id,
        out_of_service_reason=reason.strip(),
        version=alarm.version + 1,
    )
    event = _event(
        AlarmEventKind.REMOVED_FROM_SERVICE,
        removed,
        at,
        actor,
        reason=removed.out_of_service_reason,
        replaced_shelf=alarm.state is AlarmState.SHELVED,
    )
    return removed, (*events, event)


def return_to_service(alarm: Alarm, actor: Actor, at: datetime) -> Transition | Rejection:
    """Maintenance is over: the alarm shows its current underlying state again."""
    require_aware(at, "at")
    if not actor.has(*MAINTENANCE_ROLES):
        return _forbidden(actor, "恢复", "return to service")
    if alarm.state is not AlarmState.OUT_OF_SERVICE:
        return _reject(
            "alarm_not_out_of_service",
            "该告警未停用",
            "This alarm is not out of service",
            state=alarm.state.value,
        )
    assert alarm.underlying_state is not None
    returned = replace(
        alarm,
        state=alarm.underlying_state,
        underlying_state=None,
        out_of_service_by=None,
        out_of_service_reason=None,
        version=alarm.version + 1,
    )
    event = _event(
        AlarmEventKind.RETURNED_TO_SERVICE, returned, at, actor, state=returned.state.value
    )
    return returned, (event,)
