"""Commands to LED screens and lights, and their lifecycle from the operator to the device.

Offers to the server (validates pushed intents, answers gateway polls, records feedback), the
client (optimistic rows, progress of group commands, confirmation prompts) and the simulator
(a fake gateway):

- payloads ``SetPower``, ``SetLevel``, ``ShowContent``, ``TakeOver``, ``Restore``, their
  ``Channel`` and ``accepts(kind, payload)``; ``payload_to_wire`` / ``payload_from_wire``;
- ``DeviceCommand`` and ``CommandStatus`` (queued → sent → acked | failed | expired |
  superseded), ``transition``;
- ``server_not_after`` (client clock-skew correction), ``issue`` and ``issue_group``;
- who may command: operators and dispatchers (DESIGN §1: dispatchers switch screens and lights
  in an incident), but a command that needs typed confirmation (city-wide all-off, takeover of
  most screens; ``needs_typed_confirmation``) only an operator, and only with
  ``typed_confirmation`` (the operator typed it, not clicked) — ``issue_group`` enforces both;
- queue rules ``supersede``, ``expire_due``, ``next_to_send``;
- gateway feedback ``mark_sent``, ``mark_acked``, ``mark_failed``;
- ``GroupCommandProgress`` and ``needs_typed_confirmation``.

Every payload is *absolute* ("power on", "level 40 %"). There is deliberately no toggle: a
command may be replayed from an offline outbox, retried by a gateway or arrive after another
operator's command, and only an absolute command means the same thing every time it lands
(DESIGN §3).

Time rule used throughout: a command is alive while ``at < not_after`` and expired from
``not_after`` on (a half-open window), so "expired" means the same thing in every function.
A routine command lives at most ``MAX_NOT_AFTER`` (1 h) from the server's now: "switch the
lights off" must not land days later. A takeover lives until its ``until`` (≤ ``MAX_TAKEOVER``).

Clocks: ``client_now`` is the client's clock as the sync engine stamps it on each push attempt
(``Mutation.client_now``), not when the operator clicked, so time an intent spent in an offline
outbox is not mistaken for clock skew: ``server_now - client_now`` is only the skew (plus the
network delay). A difference over ``MAX_CLOCK_SKEW`` (1 day) is no skew but a broken clock, and
correcting by it would stretch or shrink expiries arbitrarily: such a push is refused
(``clock_skew``) until the client's clock is set.

A sent command occupies its device/channel until it is acked, fails, or ``SENT_BLOCKS_FOR``
(2 min, the ack timeout) has passed since it was sent (or its ``not_after``, if sooner): a lost
ack must not hold back the next command — above all the Restore that ends a takeover.
All functions are pure: they return new ``DeviceCommand`` values (version + 1) or a
``Rejection``; the caller stores them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from cityops.domain.actors import Actor, Role
from cityops.domain.city import require_aware
from cityops.domain.devices import DeviceKind, check_percent
from cityops.domain.outcomes import Rejection

#: An emergency takeover must end by itself within this time (DESIGN §4: mandatory expiry), so
#: a forgotten takeover cannot keep 273 screens on an emergency message for days.
MAX_TAKEOVER = timedelta(hours=24)

#: A routine (non-takeover) command must reach its device within this time of being accepted
#: by the server, or not at all: the operator's intent is about now, not about tomorrow.
MAX_NOT_AFTER = timedelta(hours=1)

#: A client clock further than this from the server's is broken, not skewed (see the module
#: docstring); its pushes are refused rather than "corrected".
MAX_CLOCK_SKEW = timedelta(days=1)

#: Ack timeout: after this long without feedback a sent command no longer blocks the next
#: command on its device/channel (the gateway's ack may have been lost).
SENT_BLOCKS_FOR = timedelta(minutes=2)

#: Share of a kind's devices from which "power off" / "level 0" / "takeover" counts as
#: city-wide and must be confirmed by typing (``needs_typed_confirmation``).
DANGEROUS_SHARE = 0.5

#: Roles that may command screens and lights.
COMMAND_ROLES = (Role.OPERATOR, Role.DISPATCHER)


class Channel(StrEnum):
    """What part of a device a command sets. A newer command supersedes only queued commands
    on the same channel: "level 40 %" must not cancel a queued "power on"."""

    POWER = "power"
    LEVEL = "level"  # brightness of a screen, dim level of a light
    CONTENT = "content"  # a screen's scheduled content
    # Takeover and restore have their own channel: a routine content push queued after an
    # emergency takeover must not cancel it; the scheduled content is what restore returns to.
    TAKEOVER = "takeover"


# ---------------------------------------------------------------- payloads


@dataclass(frozen=True, slots=True)
class SetPower:
    on: bool
    channel: ClassVar[Channel] = Channel.POWER

    def __post_init__(self) -> None:
        if not isinstance(self.on, bool):
            raise ValueError(f"power must be true or false, got {self.on!r}")


@dataclass(frozen=True, slots=True)
class SetLevel:
    """Brightness (screens) or dim level (lights) in whole percent."""

    percent: int
    channel: ClassVar[Channel] = Channel.LEVEL

    def __post_init__(self) -> None:
        check_percent(self.percent, "level")


@dataclass(frozen=True, slots=True)
class ShowContent:
    """Set a screen's scheduled content (shown whenever no takeover is active)."""

    content_id: str
    text: str | None = None
    channel: ClassVar[Channel] = Channel.CONTENT

    def __post_init__(self) -> None:
        _check_content_id(self.content_id)
        _check_text(self.text)


@dataclass(frozen=True, slots=True)
class TakeOver:
    """Emergency takeover of a screen until ``until`` (mandatory; the screen returns to its
    scheduled content by itself then, even if the server is unreachable)."""

    content_id: str
    text: str | None
    until: datetime
    channel: ClassVar[Channel] = Channel.TAKEOVER

    def __post_init__(self) -> None:
        _check_content_id(self.content_id)
        _check_text(self.text)
        if not isinstance(self.until, datetime):
            raise ValueError("a takeover needs an end time (until)")
        require_aware(self.until, "takeover until")


@dataclass(frozen=True, slots=True)
class Restore:
    """End a takeover now and return to the scheduled content."""

    channel: ClassVar[Channel] = Channel.TAKEOVER


Payload = SetPower | SetLevel | ShowContent | TakeOver | Restore

_LIGHT_PAYLOADS: frozenset[type[Payload]] = frozenset({SetPower, SetLevel})
_SCREEN_PAYLOADS: frozenset[type[Payload]] = frozenset(
    {SetPower, SetLevel, ShowContent, TakeOver, Restore}
)
_WIRE_NAMES: dict[type[Payload], str] = {
    SetPower: "set_power",
    SetLevel: "set_level",
    ShowContent: "show_content",
    TakeOver: "take_over",
    Restore: "restore",
}


def _check_text(text: str | None) -> None:
    if text is not None and not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")


def _check_content_id(content_id: str) -> None:
    if not isinstance(content_id, str) or not content_id.strip():
        raise ValueError("content_id must be a non-empty string")


def accepts(kind: DeviceKind, payload: Payload) -> bool:
    """Whether a device of ``kind`` understands ``payload``: lights take power and level,
    screens take everything."""
    allowed = _SCREEN_PAYLOADS if kind is DeviceKind.LED_SCREEN else _LIGHT_PAYLOADS
    return type(payload) in allowed


def payload_to_wire(payload: Payload) -> dict[str, Any]:
    """JSON-ready form of a payload: ``{"type": "set_level", "percent": 40}``."""
    data: dict[str, Any] = {"type": _WIRE_NAMES[type(payload)]}
    match payload:
        case SetPower(on=on):
            data["on"] = on
        case SetLevel(percent=percent):
            data["percent"] = percent
        case ShowContent(content_id=content_id, text=text):
            data.update(content_id=content_id, text=text)
        case TakeOver(content_id=content_id, text=text, until=until):
            data.update(content_id=content_id, text=text, until=until.isoformat())
        case Restore():
            pass
    return data


def payload_from_wire(data: Mapping[str, Any]) -> Payload | Rejection:
    """Parse a payload pushed by a client; anything malformed becomes a readable Rejection
    (a pushed intent is user input, so it must not raise)."""
    kind = data.get("type")
    try:
        if kind == "set_power":
            return SetPower(on=data["on"])
        if kind == "set_level":
            return SetLevel(percent=data["percent"])
        if kind == "show_content":
            return ShowContent(content_id=data["content_id"], text=data.get("text"))
        if kind == "take_over":
            until = data.get("until")
            if until is None:
                return _takeover_without_expiry()
            if isinstance(until, str):
                until = datetime.fromisoformat(until)
            return TakeOver(content_id=data["content_id"], text=data.get("text"), until=until)
        if kind == "restore":
            return Restore()
    except (KeyError, TypeError, ValueError) as exc:
        return Rejection(
            "invalid_payload",
            f"设备指令内容无效：{exc}",
            f"invalid device command: {exc}",
            {"payload": dict(data)},
        )
    return Rejection(
        "unknown_command",
        f"未知的设备指令类型：{kind!r}（不支持“切换”类指令，请下发明确的开/关或数值）",
        f"unknown device command type {kind!r} (there is no toggle; send an absolute value)",
        {"type": kind},
    )


def _takeover_without_expiry() -> Rejection:
    return Rejection(
        "takeover_expiry_required",
        "紧急接管必须设置结束时间",
        "an emergency takeover must have an end time",
    )


# ---------------------------------------------------------------- lifecycle


class CommandStatus(StrEnum):
    QUEUED = "queued"  # accepted by the server, waiting for the gateway's poll
    SENT = "sent"  # handed to the gateway; the device may or may not have it yet
    ACKED = "acked"  # the gateway confirmed the device applied it
    FAILED = "failed"  # the gateway reported the device could not apply it
    EXPIRED = "expired"  # not_after passed before an ack: never (re)sent
    SUPERSEDED = "superseded"  # a newer command on the same device/channel replaced it

    @property
    def terminal(self) -> bool:
        return self in TERMINAL


TERMINAL = frozenset(
    {CommandStatus.ACKED, CommandStatus.FAILED, CommandStatus.EXPIRED, CommandStatus.SUPERSEDED}
)

# Sent commands are never superseded: the gateway already holds them, and pretending otherwise
# would make the server's view disagree with what the device does.
_ALLOWED: dict[CommandStatus, frozenset[CommandStatus]] = {
    CommandStatus.QUEUED: frozenset(
        {CommandStatus.SENT, CommandStatus.EXPIRED, CommandStatus.SUPERSEDED}
    ),
    CommandStatus.SENT: frozenset(
        {CommandStatus.ACKED, CommandStatus.FAILED, CommandStatus.EXPIRED}
    ),
    CommandStatus.ACKED: frozenset(),
    CommandStatus.FAILED: frozenset(),
    CommandStatus.EXPIRED: frozenset(),
    CommandStatus.SUPERSEDED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class DeviceCommand:
    """One command to one device. ``issued_at``, ``not_after`` and ``status_at`` are server
    times. ``late_feedback`` records a gateway ack/failure that arrived after the command had
    already expired or been superseded: the device may really have applied it, so the server
    should trust the device's next state report rather than this command's status."""

    id: str
    device_id: str
    device_kind: DeviceKind
    payload: Payload
    issued_by: str
    issued_at: datetime
    not_after: datetime
    status: CommandStatus = CommandStatus.QUEUED
    status_at: datetime | None = None
    reason: str | None = None
    group_command_id: str | None = None
    version: int = 1
    late_feedback: str | None = None
    late_feedback_at: datetime | None = None

    def __post_init__(self) -> None:
        require_aware(self.issued_at, "issued_at")
        require_aware(self.not_after, "not_after")

    @property
    def channel(self) -> Channel:
        return self.payload.channel

    @property
    def key(self) -> tuple[str, Channel]:
        """What a command competes for: one device's one channel."""
        return self.device_id, self.payload.channel

    def expired_at(self, at: datetime) -> bool:
        return require_aware(at) >= self.not_after

    def blocks_channel(self, at: datetime) -> bool:
        """Whether this command holds its device/channel at ``at``: sent, and neither past its
        ``not_after`` nor past the ack timeout (``SENT_BLOCKS_FOR`` after it was sent)."""
        if self.status is not CommandStatus.SENT:
            return False
        sent_at = self.status_at if self.status_at is not None else self.issued_at
        return require_aware(at) < min(sent_at + SENT_BLOCKS_FOR, self.not_after)


def transition(
    command: DeviceCommand, to: CommandStatus, at: datetime, reason: str | None = None
) -> DeviceCommand | Rejection:
    """Move ``command`` to ``to`` if the lifecycle allows it; terminal states never change."""
    require_aware(at)
    if to not in _ALLOWED[command.status]:
        return Rejection(
            "illegal_command_transition",
            f"指令状态不能从“{_STATUS_ZH[command.status]}”变为“{_STATUS_ZH[to]}”",
            f"a command cannot go from {command.status} to {to}",
            {"command_id": command.id, "from": str(command.status), "to": str(to)},
        )
    return replace(
        command,
        status=to,
        status_at=at,
        reason=reason if reason is not None else command.reason,
        version=command.version + 1,
    )


_STATUS_ZH = {
    CommandStatus.QUEUED: "排队中",
    CommandStatus.SENT: "已下发",
    CommandStatus.ACKED: "已确认",
    CommandStatus.FAILED: "失败",
    CommandStatus.EXPIRED: "已过期",
    CommandStatus.SUPERSEDED: "已被新指令取代",
}


# ---------------------------------------------------------------- issuing


def server_not_after(
    client_not_after: datetime, client_now: datetime, server_now: datetime
) -> datetime | Rejection:
    """Translate a client's expiry into server time: the client computed ``not_after`` on its
    own clock, so shift it by ``server_now - client_now``. (A client 5 min fast sends an
    expiry 5 min "too late"; this pulls it back.) Offline replay keeps the skew estimate
    honest because ``client_now`` is the client's clock at push time, not at intent time.
    A difference over ``MAX_CLOCK_SKEW`` is refused (``clock_skew``)."""
    require_aware(client_not_after, "client not_after")
    require_aware(client_now, "client_now")
    require_aware(server_now, "server_now")
    skew = server_now - client_now
    if abs(skew) > MAX_CLOCK_SKEW:
        hours = abs(skew).total_seconds() / 3600
        return Rejection(
            "clock_skew",
            f"客户端时钟偏差过大（与服务器相差约 {hours:.0f} 小时），请校准本机时间后重试",
            f"the client's clock is {hours:.0f} h off the server's; set it right and retry",
            {"client_now": client_now.isoformat(), "server_now": server_now.isoformat()},
        )
    try:
        corrected = client_not_after + skew
    except OverflowError:
        # Within a day of year 1 or 9999: long expired, or far beyond any allowed expiry.
        low = client_not_after.year == 1
        corrected = (datetime.min if low else datetime.max).replace(tzinfo=UTC)
    if corrected <= server_now:
        return Rejection(
            "command_expired",
            "指令在到达服务器之前已过期，未执行",
            "the command expired before it reached the server; it was not executed",
            {"not_after": corrected.isoformat(), "server_now": server_now.isoformat()},
        )
    return corrected


def issue(
    *,
    command_id: str,
    device_id: str,
    device_kind: DeviceKind,
    payload: Payload,
    actor: Actor,
    server_now: datetime,
    not_after: datetime,
    client_now: datetime | None = None,
    group_command_id: str | None = None,
    max_takeover: timedelta = MAX_TAKEOVER,
) -> DeviceCommand | Rejection:
    """Validate and create a queued command. Run at replay time on the server with the roles
    read from the database, so an operator demoted while offline cannot replay commands.
    Operators and dispatchers may command (``COMMAND_ROLES``); the operator-only city-wide
    commands are checked by ``issue_group``, which sees the whole target list.

    ``not_after`` is on the client's clock when ``client_now`` is given (corrected with
    ``server_not_after``), else already server time. A takeover's ``until`` is *not* corrected:
    it is the wall-clock time the operator chose ("until 18:00"), and the limit is checked
    against server time. A takeover's expiry is clamped to its ``until``, because delivering it
    after its end would show nothing; any other command's expiry may be at most
    ``MAX_NOT_AFTER`` after ``server_now``.
    """
    require_aware(server_now, "server_now")
    if not actor.has(*COMMAND_ROLES):
        return Rejection(
            "forbidden",
            "无权操作设备：只有设备操作员和调度员可以控制大屏和照明",
            "not allowed: only operators and dispatchers may command screens and lights",
            {"user_id": actor.user_id, "required_roles": [str(r) for r in COMMAND_ROLES]},
        )
    if not accepts(device_kind, payload):
        return Rejection(
            "command_not_supported",
            f"设备类型“{_KIND_ZH[device_kind]}”不支持该指令",
            f"a {device_kind} does not accept {_WIRE_NAMES[type(payload)]}",
            {"device_id": device_id, "device_kind": str(device_kind)},
        )
    if client_now is not None:
        corrected = server_not_after(not_after, client_now, server_now)
        if isinstance(corrected, Rejection):
            return corrected
        not_after = corrected
    elif require_aware(not_after, "not_after") <= server_now:
        return Rejection(
            "command_expired",
            "指令的有效期已过，未执行",
            "the command's expiry is not in the future; it was not executed",
            {"not_after": not_after.isoformat(), "server_now": server_now.isoformat()},
        )
    if isinstance(payload, TakeOver):
        if payload.until <= server_now:
            return Rejection(
                "takeover_until_past",
                "紧急接管的结束时间必须晚于当前时间",
                "an emergency takeover must end in the future",
                {"until": payload.until.isoformat()},
            )
        if payload.until - server_now > max_takeover:
            hours = max_takeover.total_seconds() / 3600
            return Rejection(
                "takeover_too_long",
                f"紧急接管最长 {hours:g} 小时，请缩短结束时间",
                f"an emergency takeover may last at most {hours:g} h",
                {"until": payload.until.isoformat(), "max_hours": hours},
            )
        not_after = min(not_after, payload.until)
    elif not_after - server_now > MAX_NOT_AFTER:
        minutes = MAX_NOT_AFTER.total_seconds() / 60
        return Rejection(
            "not_after_too_long",
            f"设备指令的有效期最长 {minutes:g} 分钟，请缩短有效期",
            f"a device command may stay deliverable for at most {minutes:g} min",
            {"not_after": not_after.isoformat(), "max_minutes": minutes},
        )
    return DeviceCommand(
        id=command_id,
        device_id=device_id,
        device_kind=device_kind,
        payload=payload,
        issued_by=actor.user_id,
        issued_at=server_now,
        not_after=not_after,
        status=CommandStatus.QUEUED,
        status_at=server_now,
        group_command_id=group_command_id,
    )


_KIND_ZH = {
    DeviceKind.LED_SCREEN: "LED 大屏",
    DeviceKind.LIGHT_CABINET: "照明控制柜",
    DeviceKind.LIGHT_CIRCUIT: "照明回路",
    DeviceKind.LAMP: "路灯",
}


def issue_group(
    *,
    group_command_id: str,
    targets: Sequence[tuple[str, DeviceKind]],
    payload: Payload,
    actor: Actor,
    server_now: datetime,
    not_after: datetime,
    fleet: Mapping[DeviceKind, int],
    client_now: datetime | None = None,
    max_takeover: timedelta = MAX_TAKEOVER,
    typed_confirmation: bool = False,
) -> tuple[DeviceCommand, ...] | Rejection:
    """Fan a group/bulk command out into one command per ``(device_id, kind)`` target, all or
    nothing. Ids are ``"{group_command_id}:{device_id}"`` so a replayed group command produces
    the same ids and the server's idempotency check catches it.

    ``fleet`` is how many devices of each kind the city has (the server's device table, never
    the client's cache): a command that ``needs_typed_confirmation`` for any kind among the
    targets (all lights off, most screens taken over) may be issued by an operator only, not by
    a dispatcher, and only with ``typed_confirmation`` — the operator typed the confirmation
    text (the client sets it from its typed dialog alone; a click is not enough)."""
    if not targets:
        return Rejection("empty_group", "没有选择任何设备", "no devices selected")
    per_kind = Counter(kind for _, kind in targets)
    city_wide = [
        (kind, count)
        for kind, count in per_kind.items()
        if needs_typed_confirmation(payload, count, max(count, fleet.get(kind, 0)))
    ]
    if city_wide and not actor.has(Role.OPERATOR):
        kind, count = city_wide[0]
        return Rejection(
            "operator_required",
            f"该指令将作用于全市大部分{_KIND_ZH[kind]}（{count} 台），"
            "只有设备操作员（operator）可以下发，请联系操作员",
            f"this command reaches most {kind.value} devices of the city ({count}); "
            f"only the operator role may issue it",
            {
                "required_role": str(Role.OPERATOR),
                "device_kind": str(kind),
                "target_count": count,
                "total_devices": fleet.get(kind, 0),
            },
        )
    if city_wide and not typed_confirmation:
        kind, count = city_wide[0]
        return Rejection(
            "typed_confirmation_required",
            f"该指令将关闭或接管全市大部分{_KIND_ZH[kind]}（{count} / "
            f"{max(count, fleet.get(kind, 0))} 台），须在确认框中输入确认文字后才能下发；"
            "本次未经输入确认，未执行",
            f"this command darkens or takes over most {kind.value} devices of the city "
            f"({count} of {max(count, fleet.get(kind, 0))}); it is issued only after the "
            "operator typed the confirmation, and this one was not typed — not executed",
            {
                "device_kind": str(kind),
                "target_count": count,
                "total_devices": fleet.get(kind, 0),
            },
        )
    commands: list[DeviceCommand] = []
    for device_id, kind in targets:
        result = issue(
            command_id=f"{group_command_id}:{device_id}",
            device_id=device_id,
            device_kind=kind,
            payload=payload,
            actor=actor,
            server_now=server_now,
            not_after=not_after,
            client_now=client_now,
            group_command_id=group_command_id,
            max_takeover=max_takeover,
        )
        if isinstance(result, Rejection):
            return result
        commands.append(result)
    return tuple(commands)


# ---------------------------------------------------------------- queue rules


def supersede(
    queue: Sequence[DeviceCommand], new: DeviceCommand, at: datetime
) -> tuple[DeviceCommand, ...]:
    """Commands in ``queue`` that ``new`` replaces, already moved to superseded: queued ones
    on the same device and channel issued no later than ``new``. Sent ones are left alone (the
    gateway has them; the newer absolute command will simply land after them), as are other
    channels and other devices."""
    changed: list[DeviceCommand] = []
    for command in queue:
        if (
            command.id != new.id
            and command.status is CommandStatus.QUEUED
            and command.key == new.key
            and command.issued_at <= new.issued_at
        ):
            result = transition(command, CommandStatus.SUPERSEDED, at, f"superseded by {new.id}")
            assert isinstance(result, DeviceCommand)  # queued → superseded is always legal
            changed.append(result)
    return tuple(changed)


def expire_due(commands: Iterable[DeviceCommand], at: datetime) -> tuple[DeviceCommand, ...]:
    """Queued and sent commands whose ``not_after`` has come, moved to expired. A command that
    sat in a queue (or an offline outbox) past its expiry is thereby never sent."""
    changed: list[DeviceCommand] = []
    for command in commands:
        if command.status in (CommandStatus.QUEUED, CommandStatus.SENT) and command.expired_at(at):
            result = transition(command, CommandStatus.EXPIRED, at, "not_after passed")
            assert isinstance(result, DeviceCommand)
            changed.append(result)
    return tuple(changed)


def next_to_send(
    queue: Iterable[DeviceCommand], at: datetime, limit: int | None = None
) -> list[DeviceCommand]:
    """What a gateway poll at ``at`` should get, oldest first (by ``issued_at``, then id).

    Rule: a queued, unexpired command is sent unless its device/channel already has a command
    in flight (``DeviceCommand.blocks_channel``) or an older queued command waiting; then it
    waits for the next poll. One in flight per channel keeps "level 20" and "level 80" from
    racing on a flaky link while still letting power and level go out together. A sent command
    stops blocking at its ``not_after`` (the gateway drops it then too) or ``SENT_BLOCKS_FOR``
    after it was sent, whichever is first: an ack lost on the way must not hold the channel for
    the command's whole life (a takeover's can be hours, and the Restore would wait for it).
    Normally ``supersede`` leaves at most one queued command per channel; if not, the oldest
    goes first so the newest still lands last.
    """
    require_aware(at)
    ordered = sorted(queue, key=lambda c: (c.issued_at, c.id))
    busy = {c.key for c in ordered if c.blocks_channel(at)}
    picked: list[DeviceCommand] = []
    for command in ordered:
        if command.status is not CommandStatus.QUEUED or command.expired_at(at):
            continue
        if command.key in busy:
            continue
        busy.add(command.key)
        picked.append(command)
        if limit is not None and len(picked) >= limit:
            break
    return picked


# ---------------------------------------------------------------- gateway feedback


def mark_sent(command: DeviceCommand, at: datetime) -> DeviceCommand | Rejection:
    """The gateway took the command. Refused once ``not_after`` has come: expired commands are
    never sent, whatever order the server's jobs run in."""
    if command.status is CommandStatus.QUEUED and command.expired_at(at):
        return Rejection(
            "command_expired",
            "指令已过期，不再下发",
            "the command has expired and will not be sent",
            {"command_id": command.id, "not_after": command.not_after.isoformat()},
        )
    return transition(command, CommandStatus.SENT, at)


def mark_acked(command: DeviceCommand, at: datetime) -> DeviceCommand | Rejection:
    """The gateway confirmed the device applied the command.

    - sent → acked;
    - acked again → unchanged (gateways retry);
    - expired/superseded → status stays, the ack is recorded in ``late_feedback``: a late ack
      must not resurrect a command the operator was told had expired, but the device did act;
    - queued or failed → Rejection (the gateway never had it / contradicts itself).
    """
    require_aware(at)
    if command.status is CommandStatus.ACKED:
        return command
    if command.status in (CommandStatus.EXPIRED, CommandStatus.SUPERSEDED):
        return _late(command, "acked", at)
    return transition(command, CommandStatus.ACKED, at)


def mark_failed(command: DeviceCommand, reason: str, at: datetime) -> DeviceCommand | Rejection:
    """The gateway reported the device could not apply the command (``reason`` is shown to the
    operator). Same rules as ``mark_acked``: repeated failure → unchanged, late failure on an
    expired/superseded command → recorded only."""
    require_aware(at)
    if command.status is CommandStatus.FAILED:
        return command
    if command.status in (CommandStatus.EXPIRED, CommandStatus.SUPERSEDED):
        return _late(command, f"failed: {reason}", at)
    return transition(command, CommandStatus.FAILED, at, reason)


def _late(command: DeviceCommand, feedback: str, at: datetime) -> DeviceCommand:
    return replace(
        command, late_feedback=feedback, late_feedback_at=at, version=command.version + 1
    )


# ---------------------------------------------------------------- groups and confirmation


@dataclass(frozen=True, slots=True)
class GroupCommandProgress:
    """Counts over a group command's per-device commands; ``pending`` is queued + sent."""

    acked: int
    failed: int
    pending: int
    expired: int
    superseded: int
    total: int

    @classmethod
    def of(cls, commands: Iterable[DeviceCommand]) -> GroupCommandProgress:
        counts = dict.fromkeys(CommandStatus, 0)
        for command in commands:
            counts[command.status] += 1
        return cls(
            acked=counts[CommandStatus.ACKED],
            failed=counts[CommandStatus.FAILED],
            pending=counts[CommandStatus.QUEUED] + counts[CommandStatus.SENT],
            expired=counts[CommandStatus.EXPIRED],
            superseded=counts[CommandStatus.SUPERSEDED],
            total=sum(counts.values()),
        )

    @property
    def done(self) -> bool:
        return self.pending == 0


def needs_typed_confirmation(payload: Payload, target_count: int, total_devices: int) -> bool:
    """True when a command would darken or take over a large part of the city: power off,
    level 0 (dark as well, even with power on) or takeover, aimed at ``DANGEROUS_SHARE`` or
    more of the ``total_devices`` of that kind. The UI then asks the operator to type a
    confirmation instead of clicking, because one misclick would switch off a city's lights."""
    if target_count < 0 or total_devices < 0 or target_count > total_devices:
        raise ValueError(f"bad target count {target_count} of {total_devices} devices")
    if total_devices == 0:
        return False
    dangerous = (
        (isinstance(payload, SetPower) and not payload.on)
        or (isinstance(payload, SetLevel) and payload.percent == 0)
        or isinstance(payload, TakeOver)
    )
    return dangerous and target_count / total_devices >= DANGEROUS_SHARE


__all__ = [
    "COMMAND_ROLES",
    "DANGEROUS_SHARE",
    "MAX_CLOCK_SKEW",
    "MAX_NOT_AFTER",
    "MAX_TAKEOVER",
    "SENT_BLOCKS_FOR",
    "TERMINAL",
    "Channel",
    "CommandStatus",
    "DeviceCommand",
    "GroupCommandProgress",
    "Payload",
    "Restore",
    "SetLevel",
    "SetPower",
    "ShowContent",
    "TakeOver",
    "accepts",
    "expire_due",
    "issue",
    "issue_group",
    "mark_acked",
    "mark_failed",
    "mark_sent",
    "needs_typed_confirmation",
    "next_to_send",
    "payload_from_wire",
    "payload_to_wire",
    "server_not_after",
    "supersede",
    "transition",
]
