"""The case lifecycle of digital urban management: who may move a case where, and what it emits.

Offers to the server (which applies it authoritatively), the client (which applies it
optimistically and shows why an action is greyed out) and the simulator:

- ``Case``: the state of one case (immutable);
- commands (``Verify``, ``File``, ``Dispatch`` …): one dataclass per action a person can take;
- ``report_case``: make a new case; ``apply``: run one command → ``(case', events)`` or a
  ``Rejection`` a dispatcher can read;
- ``allowed_commands``: which commands an actor may try on a case now (menus, shortcuts);
- ``allowed_sources``: which sources an actor may report under (``SOURCES_BY_ROLE``);
- ``unit_covers``: whether a unit reaches an area (no unit reaches nothing).

The closed loop is reported → verified → filed → dispatched → in progress → handled → checked →
closed, with returned (handling unit refused it, awaits re-dispatch), rework (check failed),
suspended (SLA clocks paused, resumes where it was), invalid and duplicate. Escalation is a
flag with a level, not a lifecycle position: an escalated case is still being handled, so it
stays where it is and gains attention. Closed, invalid and duplicate are terminal: every later
command is rejected and the rejection says who ended the case and when — except the two that
follow a case past its end: the reward decision (``case.reward``) and the hotline's
satisfaction callback (``case.rate``, closed public reports only, once).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Protocol, TypeVar

from cityops.domain.actors import Actor, Role
from cityops.domain.city import CITY_CODE, CITY_TZ, require_aware
from cityops.domain.outcomes import Rejection

#: Longest description a case may carry; the wire schemas (``schemas.Text``) use the same limit.
MAX_TEXT_LENGTH = 4000
#: The most a single reward report may earn (yuan); larger rewards go through another process.
MAX_REWARD_YUAN = 10_000
#: Public satisfaction is recorded on the ranking's 1–5 scale (``ranking.Ratings``). The
#: 12345 hotline's callback asks three answers, recorded as 满意 5, 基本满意 3, 不满意 1
#: (``SATISFACTION_ANSWERS``): evenly spaced, so they score 100 / 50 / 0 in the ranking and
#: "basically satisfied" sits exactly between the two others. The wire takes any whole 1–5,
#: so a five-star survey (an app's) needs no conversion.
MIN_SATISFACTION, MAX_SATISFACTION = 1, 5
SATISFACTION_ANSWERS: Mapping[str, int] = {"满意": 5, "基本满意": 3, "不满意": 1}
#: Valid coordinates (WGS-84 degrees); shared with ``schemas.Lon`` / ``schemas.Lat``.
MIN_LON, MAX_LON = -180.0, 180.0
MIN_LAT, MAX_LAT = -90.0, 90.0


class CaseState(StrEnum):
    REPORTED = "reported"
    VERIFIED = "verified"
    FILED = "filed"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    HANDLED = "handled"
    CHECKED = "checked"
    CLOSED = "closed"
    RETURNED = "returned"
    REWORK = "rework"
    SUSPENDED = "suspended"
    INVALID = "invalid"
    DUPLICATE = "duplicate"

    @property
    def terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def label_zh(self) -> str:
        return _STATE_ZH[self]


_TERMINAL = frozenset({CaseState.CLOSED, CaseState.INVALID, CaseState.DUPLICATE})
_STATE_ZH = {
    CaseState.REPORTED: "已上报",
    CaseState.VERIFIED: "已核实",
    CaseState.FILED: "已立案",
    CaseState.DISPATCHED: "已派遣",
    CaseState.IN_PROGRESS: "处置中",
    CaseState.HANDLED: "已处置待核查",
    CaseState.CHECKED: "核查通过",
    CaseState.CLOSED: "已结案",
    CaseState.RETURNED: "已退回待重派",
    CaseState.REWORK: "返工",
    CaseState.SUSPENDED: "挂起",
    CaseState.INVALID: "不予立案",
    CaseState.DUPLICATE: "重复案件",
}


class CaseSource(StrEnum):
    """The four sources of problems in the standard, with the public split by channel."""

    PATROL = "patrol"  # information collectors' patrols
    REFERRAL = "referral"  # referred by superiors
    MEDIA = "media"  # media / online exposure
    HOTLINE = "hotline"  # public: 12319 hotline
    APP = "app"  # public: apps, Open311
    REWARD = "reward"  # public: reward reports ("有奖举报")
    IOT = "iot"  # an IoT alarm converted into a case (the sensing network's own patrol)

    @property
    def public(self) -> bool:
        return self in (CaseSource.HOTLINE, CaseSource.APP, CaseSource.REWARD)


@dataclass(frozen=True, slots=True)
class Pause:
    """A stretch during which the SLA clocks stood still (the case was suspended)."""

    start: datetime
    end: datetime | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Case:
    """One case. Milestone times are ``None`` until reached; ``version`` grows by one on every
    accepted command, so a stale edit can be told from a fresh one."""

    id: str
    state: CaseState
    source: CaseSource
    description: str
    reported_at: datetime
    reported_by: str
    district_code: str
    street_code: str | None = None
    community_code: str | None = None
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    subcategory_code: str | None = None
    assigned_unit: str | None = None
    verified_at: datetime | None = None
    filed_at: datetime | None = None
    first_dispatched_at: datetime | None = None
    dispatched_at: datetime | None = None
    accepted_at: datetime | None = None
    responded_at: datetime | None = None
    arrived_at: datetime | None = None
    handled_at: datetime | None = None
    checked_at: datetime | None = None
    closed_at: datetime | None = None
    ended_by: str | None = None  # who closed / invalidated / merged it
    pauses: tuple[Pause, ...] = ()
    resume_state: CaseState | None = None
    escalation_level: int = 0
    rework_count: int = 0
    #: When the last check failed: a resolve deadline that passed while the case stood handled
    #: becomes a breach only then (the SLA watcher looks back for it).
    reworked_at: datetime | None = None
    return_count: int = 0
    duplicate_of: str | None = None
    end_reason: str = ""
    #: Reward reports ("有奖举报"): ``none`` for other sources, ``pending`` until a dispatcher
    #: decides, then ``approved`` (with ``reward_amount`` yuan) or ``rejected``.
    reward_status: str = "none"
    reward_amount: int = 0
    #: The public reporter's satisfaction (1–5) recorded by the hotline's callback after the
    #: case was closed (回访), with who recorded it and when; ``None`` until then.
    satisfaction: int | None = None
    satisfaction_by: str | None = None
    satisfaction_at: datetime | None = None
    version: int = 1

    @property
    def area_code(self) -> str:
        """The most specific unit code the case lies in."""
        return self.community_code or self.street_code or self.district_code

    @property
    def open_pause(self) -> Pause | None:
        return self.pauses[-1] if self.pauses and self.pauses[-1].end is None else None


class EventKind(StrEnum):
    REPORTED = "reported"
    VERIFIED = "verified"
    FILED = "filed"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    DEPARTED = "departed"
    ARRIVED = "arrived"
    RETURNED = "returned"
    HANDLED = "handled"
    CHECK_PASSED = "check_passed"
    CHECK_FAILED = "check_failed"
    CLOSED = "closed"
    SUSPENDED = "suspended"
    RESUMED = "resumed"
    ESCALATED = "escalated"
    INVALIDATED = "invalidated"
    MARKED_DUPLICATE = "marked_duplicate"
    NOTE_ADDED = "note_added"
    REWARD_DECIDED = "reward_decided"
    SATISFACTION_RATED = "satisfaction_rated"
    UPDATED = "updated"


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One line of a case's timeline: who did what, when, and from which state to which."""

    case_id: str
    kind: EventKind
    at: datetime
    actor_id: str
    from_state: CaseState | None
    to_state: CaseState
    details: Mapping[str, Any] = field(default_factory=dict)


class CaseReference(Protocol):
    """What the state machine needs to know of the reference data (``reference.Reference``
    provides it); a protocol so tests and the client can pass the loaded data directly."""

    def has_subcategory(self, code: str) -> bool: ...

    def has_unit(self, code: str) -> bool: ...


# ------------------------------------------------------------------ commands


@dataclass(frozen=True, slots=True)
class Verify:
    """A collector (or a dispatcher, by video) confirms the reported problem exists."""

    name: ClassVar[str] = "case.verify"
    note: str = ""


@dataclass(frozen=True, slots=True)
class File:
    """The dispatcher opens the case against a subcategory of the standard."""

    name: ClassVar[str] = "case.file"
    subcategory_code: str = ""


@dataclass(frozen=True, slots=True)
class Dispatch:
    name: ClassVar[str] = "case.dispatch"
    unit_code: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Accept:
    """The handling unit signs for the case (stops the receive clock)."""

    name: ClassVar[str] = "case.accept"


@dataclass(frozen=True, slots=True)
class Depart:
    """The crew moves out (stops the respond clock)."""

    name: ClassVar[str] = "case.depart"


@dataclass(frozen=True, slots=True)
class Arrive:
    """The crew is on site (stops the arrive clock)."""

    name: ClassVar[str] = "case.arrive"


@dataclass(frozen=True, slots=True)
class Return:
    """The handling unit refuses the case as not its responsibility."""

    name: ClassVar[str] = "case.return"
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Handle:
    """The handling unit reports the problem solved (stops the resolve clock)."""

    name: ClassVar[str] = "case.handle"
    feedback: str = ""


@dataclass(frozen=True, slots=True)
class CheckPass:
    name: ClassVar[str] = "case.check_pass"
    note: str = ""


@dataclass(frozen=True, slots=True)
class CheckFail:
    """The collector finds the problem not solved: back to the same unit for rework."""

    name: ClassVar[str] = "case.check_fail"
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Close:
    name: ClassVar[str] = "case.close"
    note: str = ""


@dataclass(frozen=True, slots=True)
class Suspend:
    """Pause the case and its SLA clocks (e.g. awaiting a permit, weather)."""

    name: ClassVar[str] = "case.suspend"
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Resume:
    name: ClassVar[str] = "case.resume"


@dataclass(frozen=True, slots=True)
class Escalate:
    """Raise the case's attention level (a breached clock or a commander's decision)."""

    name: ClassVar[str] = "case.escalate"
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Invalidate:
    """Refuse to file: not a problem of urban management, or not found on site."""

    name: ClassVar[str] = "case.invalidate"
    reason: str = ""


@dataclass(frozen=True, slots=True)
class MarkDuplicate:
    name: ClassVar[str] = "case.mark_duplicate"
    duplicate_of: str = ""


@dataclass(frozen=True, slots=True)
class DecideReward:
    """The reward for a reward report: approved with an amount once the report proved true, or
    rejected with a reason. Decided once, and also after the case has ended (the reward follows
    the verification, often after the problem was fixed)."""

    name: ClassVar[str] = "case.reward"
    approved: bool = False
    amount: int = 0  # yuan
    note: str = ""


@dataclass(frozen=True, slots=True)
class RateSatisfaction:
    """The public reporter's satisfaction as the hotline's callback (回访) recorded it, on the
    1–5 scale (``SATISFACTION_ANSWERS`` maps the callback's three answers). Only for closed
    cases from the public (someone to call back), only once, and it leaves the case closed."""

    name: ClassVar[str] = "case.rate"
    score: int = 0
    note: str = ""


@dataclass(frozen=True, slots=True)
class AddNote:
    """Notes are append-only: nobody edits or deletes one."""

    name: ClassVar[str] = "case.add_note"
    text: str = ""


@dataclass(frozen=True, slots=True)
class UpdateDetails:
    """A plain field change. Carries the version the editor saw: a stale one is rejected,
    never silently overwritten."""

    name: ClassVar[str] = "case.update"
    base_version: int = 0
    description: str | None = None
    address: str | None = None
    lon: float | None = None
    lat: float | None = None


CaseCommand = (
    Verify
    | File
    | Dispatch
    | Accept
    | Depart
    | Arrive
    | Return
    | Handle
    | CheckPass
    | CheckFail
    | Close
    | Suspend
    | Resume
    | Escalate
    | Invalidate
    | MarkDuplicate
    | DecideReward
    | RateSatisfaction
    | AddNote
    | UpdateDetails
)

ALL_COMMANDS: tuple[type[CaseCommand], ...] = (
    Verify,
    File,
    Dispatch,
    Accept,
    Depart,
    Arrive,
    Return,
    Handle,
    CheckPass,
    CheckFail,
    Close,
    Suspend,
    Resume,
    Escalate,
    Invalidate,
    MarkDuplicate,
    DecideReward,
    RateSatisfaction,
    AddNote,
    UpdateDetails,
)
COMMANDS_BY_NAME: Mapping[str, type[CaseCommand]] = {c.name: c for c in ALL_COMMANDS}


# ------------------------------------------------------------------ who may do what, from where

_S = CaseState
_OPEN = frozenset(s for s in CaseState if not s.terminal)
_WORKING = frozenset({_S.FILED, _S.DISPATCHED, _S.IN_PROGRESS, _S.RETURNED, _S.REWORK})


class Scope(StrEnum):
    """Which cases an actor's unit reaches for a rule."""

    AREA = "area"  # the case lies inside the actor's unit (city-level staff reach all)
    ASSIGNED = "assigned"  # the actor belongs to the unit the case is assigned to
    AREA_OR_ASSIGNED = "area_or_assigned"  # either: a department's crew on its own case
    CITY = "city"  # only city-level staff: a ranked district must not record its own callbacks


@dataclass(frozen=True, slots=True)
class Rule:
    """Who may take a command, from which states, on which cases. A rule whose ``from_states``
    hold ended states (the reward decision's and the satisfaction callback's) also acts on ended
    cases; ``precondition`` is what else the case itself must satisfy (checked last, so menus
    grey the command out)."""

    from_states: frozenset[CaseState]
    roles: frozenset[Role]
    scope: Scope = Scope.AREA
    label_zh: str = ""
    precondition: Callable[[Case], Rejection | None] | None = None


def _reward_pending(case: Case) -> Rejection | None:
    """A reward is decided for reward reports only, and once."""
    if case.source is not CaseSource.REWARD:
        return _reject(
            "not_a_reward_report",
            "该案件不是有奖举报，无需审定奖励",
            "only reward reports have a reward to decide",
        )
    if case.reward_status != "pending":
        return _reject(
            "reward_decided",
            f"奖励已审定（{'已批准' if case.reward_status == 'approved' else '未批准'}），"
            "不能再次审定",
            f"the reward was already decided ({case.reward_status})",
            reward_status=case.reward_status,
        )
    return None


def _not_yet_rated(case: Case) -> Rejection | None:
    """Satisfaction is asked of the public reporter, once: a patrol or a referral has nobody
    to call back, and a second callback must not overwrite (or double-count) the first."""
    if not case.source.public:
        return _reject(
            "not_a_public_report",
            "该案件不是公众举报，无需回访满意度",
            "only public reports are called back for satisfaction",
        )
    if case.satisfaction is not None:
        return _reject(
            "already_rated",
            f"满意度已由 {case.satisfaction_by} 于 {_fmt(case.satisfaction_at)} 回访记录"
            f"（{case.satisfaction} 分），不能再次记录",
            f"satisfaction was already recorded ({case.satisfaction}) by "
            f"{case.satisfaction_by} at {_fmt(case.satisfaction_at)}",
            satisfaction=case.satisfaction,
            rated_by=case.satisfaction_by,
        )
    return None


_D, _CO, _CM, _SU, _H = (
    Role.DISPATCHER,
    Role.COLLECTOR,
    Role.COMMANDER,
    Role.SUPERVISOR,
    Role.HANDLER,
)
_STAFF = frozenset({_D, _CO, _CM, _SU, _H})

RULES: Mapping[type[CaseCommand], Rule] = {
    Verify: Rule(frozenset({_S.REPORTED}), frozenset({_CO, _D}), label_zh="核实"),
    File: Rule(frozenset({_S.REPORTED, _S.VERIFIED}), frozenset({_D}), label_zh="立案"),
    Dispatch: Rule(frozenset({_S.FILED, _S.RETURNED}), frozenset({_D}), label_zh="派遣"),
    Accept: Rule(
        frozenset({_S.DISPATCHED, _S.REWORK}), frozenset({_H}), Scope.ASSIGNED, label_zh="签收"
    ),
    Depart: Rule(frozenset({_S.IN_PROGRESS}), frozenset({_H}), Scope.ASSIGNED, label_zh="出动"),
    Arrive: Rule(frozenset({_S.IN_PROGRESS}), frozenset({_H}), Scope.ASSIGNED, label_zh="到场"),
    Return: Rule(frozenset({_S.DISPATCHED}), frozenset({_H}), Scope.ASSIGNED, label_zh="退回"),
    Handle: Rule(frozenset({_S.IN_PROGRESS}), frozenset({_H}), Scope.ASSIGNED, label_zh="处置反馈"),
    CheckPass: Rule(frozenset({_S.HANDLED}), frozenset({_CO, _D}), label_zh="核查通过"),
    CheckFail: Rule(frozenset({_S.HANDLED}), frozenset({_CO, _D}), label_zh="核查不通过"),
    Close: Rule(frozenset({_S.CHECKED}), frozenset({_D}), label_zh="结案"),
    Suspend: Rule(_WORKING, frozenset({_D, _CM}), label_zh="挂起"),
    Resume: Rule(frozenset({_S.SUSPENDED}), frozenset({_D, _CM}), label_zh="恢复"),
    Escalate: Rule(_OPEN, frozenset({_D, _CM, _SU}), label_zh="升级督办"),
    Invalidate: Rule(
        frozenset({_S.REPORTED, _S.VERIFIED}), frozenset({_D, _SU}), label_zh="不予立案"
    ),
    MarkDuplicate: Rule(
        frozenset({_S.REPORTED, _S.VERIFIED, _S.FILED}), frozenset({_D}), label_zh="标记重复"
    ),
    # The crew of the assigned department (whose unit code is not an area) notes its progress.
    DecideReward: Rule(
        frozenset(CaseState) - {_S.REPORTED},  # ended cases too: the reward follows them
        frozenset({_D, _SU}),
        label_zh="奖励审定",
        precondition=_reward_pending,
    ),
    # The city's 12345 hotline calls the reporter back after closing: only closed cases (an
    # invalid or duplicate report was never handled), recorded by the city hall's dispatchers or
    # a city supervisor. Public satisfaction ranks the districts (red/black list), so a
    # district's own staff may not record (or leave out) the callbacks of its cases.
    RateSatisfaction: Rule(
        frozenset({_S.CLOSED}),
        frozenset({_D, _SU}),
        Scope.CITY,
        label_zh="回访满意度",
        precondition=_not_yet_rated,
    ),
    AddNote: Rule(_OPEN, _STAFF, Scope.AREA_OR_ASSIGNED, label_zh="添加备注"),
    UpdateDetails: Rule(_OPEN, frozenset({_D, _CO}), label_zh="修改信息"),
}

_EVENT_OF: Mapping[type[CaseCommand], EventKind] = {
    Verify: EventKind.VERIFIED,
    File: EventKind.FILED,
    Dispatch: EventKind.DISPATCHED,
    Accept: EventKind.ACCEPTED,
    Depart: EventKind.DEPARTED,
    Arrive: EventKind.ARRIVED,
    Return: EventKind.RETURNED,
    Handle: EventKind.HANDLED,
    CheckPass: EventKind.CHECK_PASSED,
    CheckFail: EventKind.CHECK_FAILED,
    Close: EventKind.CLOSED,
    Suspend: EventKind.SUSPENDED,
    Resume: EventKind.RESUMED,
    Escalate: EventKind.ESCALATED,
    Invalidate: EventKind.INVALIDATED,
    MarkDuplicate: EventKind.MARKED_DUPLICATE,
    DecideReward: EventKind.REWARD_DECIDED,
    RateSatisfaction: EventKind.SATISFACTION_RATED,
    AddNote: EventKind.NOTE_ADDED,
    UpdateDetails: EventKind.UPDATED,
}

_REPORT_ROLES = frozenset({_CO, _D, _SU, _CM, Role.CITIZEN})

_PUBLIC = frozenset({CaseSource.HOTLINE, CaseSource.APP, CaseSource.REWARD})

#: Which sources a role may report under. The source decides the workflow (a public report must
#: be verified before it is filed) and the statistics (patrol finding rate, public
#: participation), so a reporter may not choose it freely: a citizen claiming "patrol" would
#: skip verification. Citizens report through the public channels only; collectors report what
#: they find on patrol; dispatchers record hotline calls and app reports taken by the hall,
#: referrals, media exposure and IoT alarms they turn into cases; supervisors referrals and
#: media; commanders referrals, media and IoT alarms. An actor with several roles has the union.
SOURCES_BY_ROLE: Mapping[Role, frozenset[CaseSource]] = {
    Role.CITIZEN: _PUBLIC,
    Role.COLLECTOR: frozenset({CaseSource.PATROL}),
    Role.DISPATCHER: frozenset(
        {
            CaseSource.HOTLINE,
            CaseSource.APP,
            CaseSource.REFERRAL,
            CaseSource.MEDIA,
            CaseSource.IOT,
        }
    ),
    Role.SUPERVISOR: frozenset({CaseSource.REFERRAL, CaseSource.MEDIA}),
    Role.COMMANDER: frozenset({CaseSource.REFERRAL, CaseSource.MEDIA, CaseSource.IOT}),
}

_SOURCE_ZH: Mapping[CaseSource, str] = {
    CaseSource.PATROL: "巡查发现",
    CaseSource.REFERRAL: "上级交办",
    CaseSource.MEDIA: "媒体曝光",
    CaseSource.HOTLINE: "12319 热线",
    CaseSource.APP: "公众 App",
    CaseSource.REWARD: "有奖举报",
    CaseSource.IOT: "物联感知",
}
_ROLE_ZH: Mapping[Role, str] = {
    Role.CITIZEN: "市民",
    Role.COLLECTOR: "信息采集员",
    Role.DISPATCHER: "调度员",
    Role.SUPERVISOR: "监督员",
    Role.COMMANDER: "指挥长",
}


def allowed_sources(actor: Actor) -> frozenset[CaseSource]:
    """The sources ``actor`` may report a case under (a reporting form offers only these)."""
    allowed: frozenset[CaseSource] = frozenset()
    for role in actor.roles:
        allowed |= SOURCES_BY_ROLE.get(role, frozenset())
    return allowed


def unit_covers(unit_code: str | None, area_code: str) -> bool:
    """True when a unit reaches an area: the city (``CITY_CODE``, the unit of city-wide staff)
    reaches everything, otherwise unit codes nest by prefix (district 330102 ⊃ street
    330102001 ⊃ community 330102001001). No unit reaches nothing: a user record without a unit
    is a data error, and it must not grant city-wide powers (fail closed)."""
    if unit_code is None:
        return False
    if unit_code == CITY_CODE:
        return True
    return area_code.startswith(unit_code)


def _fmt(when: datetime | None) -> str:
    return when.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M") if when else "?"


def _reject(code: str, zh: str, en: str, **details: Any) -> Rejection:
    return Rejection(code=code, message=zh, message_en=en, details=details)


def _check_permission(case: Case, command: CaseCommand, actor: Actor) -> Rejection | None:
    rule = RULES[type(command)]
    label = rule.label_zh
    if case.state.terminal and case.state not in rule.from_states:
        ended = {
            CaseState.CLOSED: "结案",
            CaseState.INVALID: "作废（不予立案）",
            CaseState.DUPLICATE: "标记为重复",
        }[case.state]
        return _reject(
            "case_ended",
            f"案件已由 {case.ended_by} 于 {_fmt(case.closed_at)} {ended}，不能再{label}",
            f"case was {case.state.value} by {case.ended_by} at {_fmt(case.closed_at)}",
            ended_by=case.ended_by,
            ended_at=case.closed_at.isoformat() if case.closed_at else None,
        )
    if not actor.has(*rule.roles):
        wanted = "、".join(sorted(r.value for r in rule.roles))
        return _reject(
            "forbidden",
            f"您的角色无权{label}（需要：{wanted}）",
            f"{command.name} needs one of the roles: {wanted}",
        )
    if case.state not in rule.from_states:
        return _reject(
            "illegal_transition",
            f"案件当前状态为“{case.state.label_zh}”，不能{label}",
            f"cannot {command.name} a case in state {case.state.value}",
            state=case.state.value,
        )
    assigned = actor.unit_code is not None and actor.unit_code == case.assigned_unit
    # City-level staff are those whose unit is the city; an account without a unit falls
    # through to the area check below, which refuses it as the data error it is.
    if rule.scope is Scope.CITY and actor.unit_code is not None and actor.unit_code != CITY_CODE:
        return _reject(
            "city_level_only",
            "回访由市级热线记录，区县不得记录本区案件的满意度",
            f"{command.name} is recorded by city-level staff only (unit {CITY_CODE}), "
            f"not by unit {actor.unit_code}",
            unit=actor.unit_code,
        )
    if rule.scope is Scope.ASSIGNED:
        if not assigned:
            return _reject(
                "not_assigned",
                f"案件派遣给 {case.assigned_unit}，您所在单位不能{label}",
                f"case is assigned to {case.assigned_unit}, not to {actor.unit_code}",
            )
    elif rule.scope is Scope.AREA_OR_ASSIGNED and assigned:
        pass
    elif not unit_covers(actor.unit_code, case.area_code):
        if actor.unit_code is None:
            return _reject(
                "out_of_area",
                f"您的账号未设置所属单位，不能{label}，请联系管理员",
                f"your account has no unit, so it reaches no case area ({command.name})",
            )
        return _reject(
            "out_of_area",
            f"案件位于 {case.area_code}，不在您单位 {actor.unit_code} 的辖区内",
            f"case area {case.area_code} is outside unit {actor.unit_code}",
        )
    return None if rule.precondition is None else rule.precondition(case)


def _need(text: str, what_zh: str, what_en: str) -> Rejection | None:
    if text.strip():
        return None
    return _reject("missing_field", f"请填写{what_zh}", f"{what_en} is required", field=what_en)


def _check_details(
    description: str | None, lon: float | None, lat: float | None
) -> Rejection | None:
    """The rules a case's description and position obey, however they arrive (a report, an
    edit, a replayed intent whose fields the wire schema did not see)."""
    if description is not None:
        if not description.strip():
            return _reject(
                "missing_field",
                "问题描述不能为空",
                "description must not be empty",
                field="description",
            )
        if len(description) > MAX_TEXT_LENGTH:
            return _reject(
                "text_too_long",
                f"问题描述最多 {MAX_TEXT_LENGTH} 字（当前 {len(description)} 字）",
                f"description may be at most {MAX_TEXT_LENGTH} characters, got {len(description)}",
                field="description",
                max_length=MAX_TEXT_LENGTH,
            )
    for name, value, low, high, zh in (
        ("lon", lon, MIN_LON, MAX_LON, "经度"),
        ("lat", lat, MIN_LAT, MAX_LAT, "纬度"),
    ):
        if value is not None and not low <= value <= high:  # also refuses NaN
            return _reject(
                "bad_position",
                f"{zh} {value} 无效，应在 {low:g} 到 {high:g} 之间",
                f"{name} {value} must lie in [{low:g}, {high:g}]",
                field=name,
            )
    return None


def _close_pause(case: Case, now: datetime) -> tuple[Pause, ...]:
    pause = case.open_pause
    if pause is None:
        return case.pauses
    return (*case.pauses[:-1], replace(pause, end=now))


Outcome = tuple[Case, tuple[CaseEvent, ...]] | Rejection
_T = TypeVar("_T")


def _changed(new: _T | None, old: _T) -> _T | None:
    """The new value of a field edit, or None when the edit leaves it as it was."""
    return None if new is None or new == old else new


def _next(case: Case, **changes: Any) -> Case:
    """The case after an accepted command: ``changes`` applied and the version bumped, in one
    ``replace`` (a second one per command was ~5 % of a pushed ``case.verify``)."""
    return replace(case, version=case.version + 1, **changes)


def _transition(
    case: Case, command: CaseCommand, actor: Actor, now: datetime, ref: CaseReference
) -> tuple[Case, dict[str, Any]] | Rejection:
    """The effect of a permitted command: the new case (its version bumped by ``_next``) and
    the details its event carries, or a rejection of what the command asks for."""
    s = CaseState
    match command:
        case Verify():
            return _next(case, state=s.VERIFIED, verified_at=now), {"note": command.note}
        case File(subcategory_code=code):
            if case.state is s.REPORTED and case.source.public:
                return _reject(
                    "needs_verification",
                    "公众举报需先经核实才能立案",
                    "public reports must be verified before filing",
                )
            if not code or not ref.has_subcategory(code):
                return _reject(
                    "unknown_subcategory",
                    f"问题小类 {code or '（空）'} 不在分类标准中",
                    f"subcategory {code!r} is not in the taxonomy",
                )
            return _next(case, state=s.FILED, filed_at=now, subcategory_code=code), {
                "subcategory_code": code
            }
        case Dispatch(unit_code=unit):
            if not unit or not ref.has_unit(unit):
                return _reject(
                    "unknown_unit",
                    f"处置单位 {unit or '（空）'} 不存在",
                    f"handling unit {unit!r} does not exist",
                )
            if case.state is s.RETURNED and unit == case.assigned_unit:
                return _reject(
                    "same_unit",
                    f"案件刚被 {unit} 退回，请改派其他单位",
                    f"case was just returned by {unit}; dispatch to another unit",
                )
            return _next(
                case,
                state=s.DISPATCHED,
                assigned_unit=unit,
                dispatched_at=now,
                first_dispatched_at=case.first_dispatched_at or now,
            ), {"unit_code": unit, "note": command.note}
        case Accept():
            accepted = case.accepted_at or now
            return _next(case, state=s.IN_PROGRESS, accepted_at=accepted), {
                "rework": case.state is s.REWORK
            }
        case Depart():
            if case.responded_at is not None:
                return _reject(
                    "already_departed",
                    f"已于 {_fmt(case.responded_at)} 出动",
                    "crew already departed",
                )
            return _next(case, responded_at=now), {}
        case Arrive():
            if case.arrived_at is not None:
                return _reject(
                    "already_arrived", f"已于 {_fmt(case.arrived_at)} 到场", "crew already on site"
                )
            return _next(case, arrived_at=now, responded_at=case.responded_at or now), {}
        case Return(reason=reason):
            if (missing := _need(reason, "退回理由", "reason")) is not None:
                return missing
            return _next(case, state=s.RETURNED, return_count=case.return_count + 1), {
                "reason": reason,
                "unit_code": case.assigned_unit,
            }
        case Handle(feedback=feedback):
            if (missing := _need(feedback, "处置反馈", "feedback")) is not None:
                return missing
            # A crew that fixed the problem has responded and arrived, whether or not it pressed
            # Depart/Arrive: record it, so a failed check (rework clears ``handled_at``) does not
            # set met respond/arrive clocks running again.
            return _next(
                case,
                state=s.HANDLED,
                handled_at=now,
                responded_at=case.responded_at or now,
                arrived_at=case.arrived_at or now,
            ), {"feedback": feedback}
        case CheckPass():
            return _next(case, state=s.CHECKED, checked_at=now), {"note": command.note}
        case CheckFail(reason=reason):
            if (missing := _need(reason, "核查不通过的原因", "reason")) is not None:
                return missing
            # The resolve clock runs again from its original start: rework does not buy time.
            return _next(
                case,
                state=s.REWORK,
                handled_at=None,
                reworked_at=now,
                rework_count=case.rework_count + 1,
            ), {"reason": reason}
        case Close():
            return _next(case, state=s.CLOSED, closed_at=now, ended_by=actor.user_id), {
                "note": command.note
            }
        case Suspend(reason=reason):
            if (missing := _need(reason, "挂起原因", "reason")) is not None:
                return missing
            return _next(
                case,
                state=s.SUSPENDED,
                resume_state=case.state,
                pauses=(*case.pauses, Pause(start=now, reason=reason)),
            ), {"reason": reason}
        case Resume():
            back = case.resume_state or s.FILED
            return _next(case, state=back, resume_state=None, pauses=_close_pause(case, now)), {
                "resumed_to": back.value
            }
        case Escalate(reason=reason):
            if (missing := _need(reason, "升级原因", "reason")) is not None:
                return missing
            level = case.escalation_level + 1
            return _next(case, escalation_level=level), {"reason": reason, "level": level}
        case Invalidate(reason=reason):
            if (missing := _need(reason, "不予立案理由", "reason")) is not None:
                return missing
            return _next(
                case, state=s.INVALID, closed_at=now, ended_by=actor.user_id, end_reason=reason
            ), {"reason": reason}
        case MarkDuplicate(duplicate_of=other):
            if not other or other == case.id:
                return _reject(
                    "bad_duplicate",
                    "请指定与之重复的另一案件",
                    "duplicate_of must name another case",
                )
            return _next(
                case,
                state=s.DUPLICATE,
                duplicate_of=other,
                closed_at=now,
                ended_by=actor.user_id,
                pauses=_close_pause(case, now),
            ), {"duplicate_of": other}
        case DecideReward(approved=approved, amount=amount, note=note):
            if approved:
                if case.state in (s.INVALID, s.DUPLICATE):
                    return _reject(
                        "reward_needs_valid_report",
                        "不予立案或重复的举报不能给予奖励",
                        "an invalid or duplicate report earns no reward",
                    )
                if not 1 <= amount <= MAX_REWARD_YUAN:
                    return _reject(
                        "bad_amount",
                        f"奖励金额应在 1 到 {MAX_REWARD_YUAN} 元之间",
                        f"amount must lie in [1, {MAX_REWARD_YUAN}] yuan, got {amount}",
                        field="amount",
                    )
                status = "approved"
            else:
                if amount:
                    return _reject(
                        "bad_amount",
                        "不予奖励时金额应为 0",
                        "a rejected reward has no amount",
                        field="amount",
                    )
                if (missing := _need(note, "不予奖励的原因", "note")) is not None:
                    return missing
                status = "rejected"
            return _next(case, reward_status=status, reward_amount=amount), {
                "approved": approved,
                "amount": amount,
                "note": note,
            }
        case RateSatisfaction(score=score, note=note):
            # ``bool`` is an ``int``: a replayed ``true`` must not become a score of 1.
            if isinstance(score, bool) or not MIN_SATISFACTION <= score <= MAX_SATISFACTION:
                return _reject(
                    "bad_score",
                    f"满意度应为 {MIN_SATISFACTION} 到 {MAX_SATISFACTION} 分",
                    f"score must lie in [{MIN_SATISFACTION}, {MAX_SATISFACTION}], got {score}",
                    field="score",
                )
            if len(note) > MAX_TEXT_LENGTH:
                return _reject(
                    "text_too_long",
                    f"回访备注最多 {MAX_TEXT_LENGTH} 字",
                    f"note may be at most {MAX_TEXT_LENGTH} characters",
                    field="note",
                )
            return _next(
                case, satisfaction=score, satisfaction_by=actor.user_id, satisfaction_at=now
            ), {"score": score, "note": note}
        case AddNote(text=text):
            if (missing := _need(text, "备注内容", "text")) is not None:
                return missing
            return _next(case), {"text": text}
        case UpdateDetails():
            if command.base_version != case.version:
                return _reject(
                    "stale_version",
                    f"案件已被他人修改（您看到的是第 {command.base_version} 版，"
                    f"当前为第 {case.version} 版），请刷新后再改",
                    f"case changed since version {command.base_version} (now {case.version})",
                    current_version=case.version,
                )
            invalid = _check_details(command.description, command.lon, command.lat)
            if invalid is not None:
                return invalid
            description = _changed(command.description, case.description)
            address = _changed(command.address, case.address)
            lon, lat = _changed(command.lon, case.lon), _changed(command.lat, case.lat)
            changes = {
                k: v
                for k, v in (
                    ("description", description),
                    ("address", address),
                    ("lon", lon),
                    ("lat", lat),
                )
                if v is not None
            }
            if not changes:
                return _reject("no_change", "没有需要保存的修改", "nothing to change")
            return _next(
                case,
                description=case.description if description is None else description,
                address=case.address if address is None else address,
                lon=case.lon if lon is None else lon,
                lat=case.lat if lat is None else lat,
            ), {"changes": changes}
    raise TypeError(f"not a case command: {command!r}")  # pragma: no cover - typing guards it


def apply(
    case: Case, command: CaseCommand, actor: Actor, now: datetime, ref: CaseReference
) -> Outcome:
    """Run one command. Returns the new case (version + 1) and the events to append to its
    timeline, or a ``Rejection`` whose message says why, in words a dispatcher can act on."""
    require_aware(now, "now")
    denied = _check_permission(case, command, actor)
    if denied is not None:
        return denied
    result = _transition(case, command, actor, now, ref)
    if isinstance(result, Rejection):
        return result
    new_case, details = result
    event = CaseEvent(
        case_id=case.id,
        kind=_EVENT_OF[type(command)],
        at=now,
        actor_id=actor.user_id,
        from_state=case.state,
        to_state=new_case.state,
        details=details,
    )
    return new_case, (event,)


def report_case(
    case_id: str,
    *,
    source: CaseSource,
    description: str,
    district_code: str,
    actor: Actor,
    now: datetime,
    ref: CaseReference,
    street_code: str | None = None,
    community_code: str | None = None,
    address: str = "",
    lon: float | None = None,
    lat: float | None = None,
) -> Outcome:
    """A new problem enters the loop in state *reported*."""
    require_aware(now, "now")
    if not actor.has(*_REPORT_ROLES):
        return _reject("forbidden", "您的角色无权上报问题", "role may not report cases")
    allowed = allowed_sources(actor)
    if source not in allowed:
        roles = "、".join(sorted(_ROLE_ZH[r] for r in actor.roles if r in _ROLE_ZH))
        may = "、".join(_SOURCE_ZH[s] for s in CaseSource if s in allowed)
        return _reject(
            "source_not_allowed",
            f"{roles}不能以“{_SOURCE_ZH[source]}”来源上报问题（可选：{may}）",
            f"a {'/'.join(sorted(r.value for r in actor.roles))} may not report a case with "
            f"source {source.value!r} (allowed: {', '.join(sorted(s.value for s in allowed))})",
            source=source.value,
            allowed=sorted(s.value for s in allowed),
        )
    if (missing := _need(description, "问题描述", "description")) is not None:
        return missing
    if (invalid := _check_details(description, lon, lat)) is not None:
        return invalid
    for code in (district_code, street_code, community_code):
        if code is not None and not ref.has_unit(code):
            return _reject("unknown_unit", f"区域 {code} 不存在", f"unit {code!r} does not exist")
    for outer, inner in ((district_code, street_code), (street_code, community_code)):
        if outer is not None and inner is not None and not inner.startswith(outer):
            return _reject(
                "area_mismatch",
                f"{inner} 不属于 {outer}",
                f"{inner} does not lie in {outer}",
            )
    case = Case(
        id=case_id,
        state=CaseState.REPORTED,
        source=source,
        description=description,
        reported_at=now,
        reported_by=actor.user_id,
        district_code=district_code,
        street_code=street_code,
        community_code=community_code,
        address=address,
        lon=lon,
        lat=lat,
        reward_status="pending" if source is CaseSource.REWARD else "none",
    )
    event = CaseEvent(
        case_id=case_id,
        kind=EventKind.REPORTED,
        at=now,
        actor_id=actor.user_id,
        from_state=None,
        to_state=CaseState.REPORTED,
        details={"source": source.value},
    )
    return case, (event,)


def allowed_commands(case: Case, actor: Actor) -> tuple[type[CaseCommand], ...]:
    """The commands this actor may try on this case now (menus and shortcuts grey out the rest).
    A listed command can still be rejected for what it carries (an empty reason, a stale edit)."""
    return tuple(c for c in ALL_COMMANDS if _check_permission(case, c(), actor) is None)
