"""Device commands from people: the ``device.command`` mutation and its REST twin.

Offers:
- the mutation handler ``device.command`` (registered with ``push``; ``gateway`` imports this
  module, so the handler is registered when the app loads the ``gateway`` extension);
- ``router``: ``POST /api/v1/devices/commands`` (scripts and integrators, bearer token: 201,
  403 + audit when the caller may not command, 422 problem for a bad command) and
  ``GET /api/v1/devices/commands/{group_command_id}`` (progress and per-device statuses);
- storage helpers shared with ``gateway`` and ``lighting_schedules``: ``command_from_doc``,
  ``store_commands``, ``write_issued`` (a decided group command with what it supersedes),
  ``load_group_statuses``, ``append_changes`` (batched: a city-wide command of 20,000 devices
  is a handful of statements, not 20,000), ``raw_body``.

Rules (DESIGN §3): commands are absolute and carry ``not_after`` on the client's clock, corrected
with ``client_now``; who may command and what is too long or too wide is the domain's
(``device_commands.issue_group``, with the roles the database holds *now*, so a replayed intent of
a demoted user is refused, and the fleet counted here from the device table, so whether a command
is city-wide — ``needs_typed_confirmation`` — is the server's judgement, not the client cache's:
such a command is refused unless ``typed_confirmation`` says the operator typed the confirmation).
The server adds: every device must exist (one query); a ``confirmed_count`` that differs from the
number of devices sent means the client confirmed one list and sent another (a client fault; the
server cannot know which group the operator had in mind, so it only checks the two agree); a
group command id is used once.
A newer command supersedes the queued ones on the same device/channel in the same transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, cast

import uuid6
from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict
from pydantic_core import from_json, to_json
from sqlalchemy import Table, Text, bindparam, func, insert, literal_column, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from cityops.domain import device_commands as dc
from cityops.domain.actors import Actor
from cityops.domain.devices import DeviceKind
from cityops.domain.outcomes import Rejection
from cityops.domain.schemas import DeviceCommandArgs, DeviceCommandDoc, Entity
from cityops.server import audit, auth, changes, idempotency, inlists, pending
from cityops.server.auth import CurrentPrincipal, Principal
from cityops.server.models import DeviceCommandRow, DeviceRow
from cityops.server.problems import ProblemError
from cityops.server.push import MutationContext, audit_applied, register
from cityops.server.state import ServerState, server_state

#: Longest command id the changes log can carry (``changes.entity_id``, ``ChangeDoc``).
MAX_COMMAND_ID = 64

#: Statuses a command can still move from on its own (the gateway or the clock moves it).
ACTIVE = (dc.CommandStatus.QUEUED.value, dc.CommandStatus.SENT.value)

#: Rejection codes that mean "this caller may not" (REST: 403 and a denial in the audit log).
DENIED_CODES = frozenset({"forbidden", "operator_required"})


# ------------------------------------------------------------------ storage helpers


def utc(value: datetime) -> datetime:
    """Datetime columns are written in UTC (SQLite keeps no offset)."""
    return value.astimezone(UTC)


_COMMAND_FIELDS = frozenset(f.name for f in dataclasses.fields(dc.DeviceCommand))


def command_from_doc(doc: dict[str, Any]) -> dc.DeviceCommand:
    """The domain command stored as ``doc`` (a ``DeviceCommandDoc`` in JSON form)."""
    parsed = DeviceCommandDoc.model_validate(doc)
    payload = dc.payload_from_wire(parsed.payload)
    if isinstance(payload, Rejection):  # only the server writes these documents
        raise ValueError(f"stored command {parsed.id} has a bad payload: {payload.message_en}")
    fields = {
        name: getattr(parsed, name)
        for name in DeviceCommandDoc.model_fields
        if name in _COMMAND_FIELDS and name != "payload"
    }
    return dc.DeviceCommand(payload=payload, **fields)


def command_doc(command: dc.DeviceCommand) -> dict[str, Any]:
    return DeviceCommandDoc.from_domain(command).model_dump(mode="json")


#: What tells one device's command from another's in the same group command.
_PER_DEVICE = ("id", "device_id", "device_kind")
_SHARED_FIELDS = tuple(sorted(_COMMAND_FIELDS - set(_PER_DEVICE)))
_SHARED_DOC_FIELDS = tuple(sorted(set(DeviceCommandDoc.model_fields) - set(_PER_DEVICE)))


def command_docs(commands: Iterable[dc.DeviceCommand]) -> list[dict[str, Any]]:
    """``command_doc`` of each command. The commands of one group command differ only in id
    and device, so the document is built (and validated) once per distinct rest and copied:
    20,000 pydantic round trips would cost seconds."""
    templates: dict[tuple[Any, ...], dict[str, Any]] = {}
    docs = []
    for command in commands:
        key = tuple(getattr(command, name) for name in _SHARED_FIELDS)
        template = templates.get(key)
        if template is None:
            template = templates[key] = command_doc(command)
            docs.append(template)
            continue
        doc = dict(template)
        doc.update(id=command.id, device_id=command.device_id)
        doc["device_kind"] = command.device_kind.value
        docs.append(doc)
    return docs


def _columns(command: dc.DeviceCommand, doc: dict[str, Any] | str) -> dict[str, Any]:
    return {
        "id": command.id,
        "device_id": command.device_id,
        "channel": command.channel.value,
        "status": command.status.value,
        "issued_at": utc(command.issued_at),
        "not_after": utc(command.not_after),
        "group_command_id": command.group_command_id,
        "version": command.version,
        "doc": doc,
    }


_COMMANDS = cast(Table, DeviceCommandRow.__table__)


def append_changes(
    session: Session,
    entries: Sequence[tuple[Entity, str, int, dict[str, Any] | pending.JsonText | None]],
    origin: changes.Origin = changes.NO_ORIGIN,
) -> list[int]:
    """``changes.append`` for many rows; returns their seqs in order (the rows are queued and
    written with the transaction's other queued rows, see ``pending``)."""
    now = datetime.now(UTC)
    return [
        changes.append(session, entity, entity_id, version, payload, origin=origin, at=now)
        for entity, entity_id, version, payload in entries
    ]


#: Executed with the full column dicts of ``_columns`` plus ``key`` (the row's id).
_UPDATE_COMMAND = update(_COMMANDS).where(_COMMANDS.c.id == bindparam("key"))
_INSERT_COMMAND = insert(_COMMANDS)


def json_doc(doc: dict[str, Any]) -> pending.JsonText:
    """A document encoded once, as the server stores it, for both its row and its change
    (``pending`` writes a ``JsonText`` as it is: a group command of 5,000 devices was
    encoded twice, 10,000 documents, per step)."""
    return pending.JsonText(to_json(doc).decode())


def store_commands(
    session: Session,
    *,
    new: Sequence[dc.DeviceCommand] = (),
    updated: Sequence[dc.DeviceCommand] = (),
    origin: changes.Origin = changes.NO_ORIGIN,
) -> list[int]:
    """Insert ``new`` and update ``updated`` commands (batched) and append their changes;
    returns the change seqs. ``updated`` must hold each command once, in its latest version.
    The rows are written when this returns (a Core read on the connection sees them)."""
    entries: list[tuple[Entity, str, int, dict[str, Any] | pending.JsonText | None]] = []
    # Queued with ``pending``: one executemany per statement through a plan compiled once
    # (SQLAlchemy's own executemany spent more time in Python than SQLite in the database).
    for stage, statement, commands in (
        (pending.UPDATE, _UPDATE_COMMAND, updated),
        (pending.NEW, _INSERT_COMMAND, new),
    ):
        for command, doc in zip(commands, command_docs(commands), strict=True):
            text = json_doc(doc)
            row = _columns(command, text)
            if stage == pending.UPDATE:
                row["key"] = command.id
            pending.add(session, statement, row, stage=stage)
            entries.append((Entity.DEVICE_COMMAND, command.id, command.version, text))
    seqs = append_changes(session, entries, origin)
    pending.flush(session)
    return seqs


def _frozen(value: Any) -> Any:
    return tuple(sorted(value.items())) if isinstance(value, dict) else value


def commands_from_docs(docs: Iterable[dict[str, Any]]) -> list[dc.DeviceCommand]:
    """``command_from_doc`` of each document, validating once per distinct group of fields
    (see ``command_docs``): a whole-city gateway poll may read 20,000 active commands."""
    templates: dict[tuple[Any, ...], dc.DeviceCommand] = {}
    out = []
    for doc in docs:
        key = tuple(_frozen(doc.get(name)) for name in _SHARED_DOC_FIELDS)
        template = templates.get(key)
        if template is None:
            template = templates[key] = command_from_doc(doc)
            out.append(template)
            continue
        out.append(
            dataclasses.replace(
                template,
                id=doc["id"],
                device_id=doc["device_id"],
                device_kind=DeviceKind(doc["device_kind"]),
            )
        )
    return out


_DOC_TEXT = sql_cast(_COMMANDS.c.doc, Text)


def load_commands(session: Session, *conditions: Any) -> list[dc.DeviceCommand]:
    """The commands matching ``conditions``. Documents are read as their stored text and
    decoded by pydantic-core (SQLAlchemy's JSON column decodes each with ``json.loads``)."""
    texts = session.execute(select(_DOC_TEXT).where(*conditions)).scalars()
    return commands_from_docs(from_json(t) for t in texts)


#: Keys per ``IN`` list: ``inlists`` pads a list to a power of two, and SQLite allows 32,766
#: parameters per statement (a city-wide command may name 20,000 devices).
IN_CHUNK = 8192


def select_in(session: Session, statement: Any, values: Sequence[Any]) -> list[tuple[Any, ...]]:
    """``inlists.select_in`` on the session's connection (its queued rows written first) for a
    list of any length; ``statement``'s one expanding parameter is named ``ids``."""
    pending.flush(session)  # a Core read on the connection does not flush queued rows
    conn = session.connection()
    out: list[tuple[Any, ...]] = []
    for start in range(0, len(values), IN_CHUNK):
        out += inlists.select_in(conn, statement, "ids", values[start : start + IN_CHUNK])
    return out


_BY_ID = select(_DOC_TEXT).where(_COMMANDS.c.id.in_(bindparam("ids", expanding=True)))


def load_commands_by_id(session: Session, ids: Sequence[str]) -> list[dc.DeviceCommand]:
    """The commands of ``ids`` that exist (any order): an ack batch names 5,000 at a time,
    and ``inlists`` renders such a list once per size instead of once per statement."""
    rows = select_in(session, _BY_ID, ids)
    return commands_from_docs(from_json(t) for (t,) in rows)


_QUEUED_ON: dict[str, Any] = {}


def load_queued(
    session: Session, device_ids: Sequence[str], channel: dc.Channel
) -> list[dc.DeviceCommand]:
    """The queued commands on ``channel`` of ``device_ids`` (what a new command supersedes)."""
    statement = _QUEUED_ON.get(channel.value)
    if statement is None:
        # Status and channel as literals: ``select_in`` wants the id list as the only parameter.
        statement = _QUEUED_ON[channel.value] = select(_DOC_TEXT).where(
            _COMMANDS.c.device_id.in_(bindparam("ids", expanding=True)),
            _COMMANDS.c.status == literal_column(f"'{dc.CommandStatus.QUEUED.value}'"),
            _COMMANDS.c.channel == literal_column(f"'{channel.value}'"),
        )
    rows = select_in(session, statement, device_ids)
    return commands_from_docs(from_json(t) for (t,) in rows)


_STATUSES_OF = (
    select(_COMMANDS.c.group_command_id, _COMMANDS.c.status, func.count())
    .where(_COMMANDS.c.group_command_id.in_(bindparam("ids", expanding=True)))
    .group_by(_COMMANDS.c.group_command_id, _COMMANDS.c.status)
)


def load_group_statuses(
    session: Session, group_command_ids: Sequence[str]
) -> dict[str, dict[dc.CommandStatus, int]]:
    """Per group command, how many of its commands are in each status (one grouped query)."""
    out: dict[str, dict[dc.CommandStatus, int]] = {}
    for gid, status, n in select_in(session, _STATUSES_OF, list(group_command_ids)):
        out.setdefault(gid, {})[dc.CommandStatus(status)] = n
    return out


def fleet(session: Session) -> dict[DeviceKind, int]:
    """How many devices of each kind the city has (the domain's ``fleet``)."""
    rows = session.execute(select(DeviceRow.kind, func.count()).group_by(DeviceRow.kind))
    return {DeviceKind(kind): count for kind, count in rows}


async def raw_body(request: Request) -> bytes:
    """The request's bytes (for ``Idempotency-Key`` hashing); FastAPI has read them already."""
    return await request.body()


# ------------------------------------------------------------------ issuing


@dataclass(frozen=True, slots=True)
class Issued:
    group_command_id: str
    commands: tuple[dc.DeviceCommand, ...]
    superseded: tuple[dc.DeviceCommand, ...]
    change_seqs: list[int]


def _reject(code: str, zh: str, en: str, **details: Any) -> Rejection:
    return Rejection(code, zh, en, details)


def describe(group_command_id: str, device_ids: Sequence[str]) -> str:
    """The audit target of a command (short enough for the audit column)."""
    first = device_ids[0] if device_ids else "-"
    more = f" +{len(device_ids) - 1}" if len(device_ids) > 1 else ""
    return f"devices {first}{more} (group {group_command_id})"[:128]


_DEVICES = cast(Table, DeviceRow.__table__)
_KINDS = select(_DEVICES.c.id, _DEVICES.c.kind).where(
    _DEVICES.c.id.in_(bindparam("ids", expanding=True))
)


def issue_command(
    session: Session,
    *,
    actor: Actor,
    args: DeviceCommandArgs,
    client_now: datetime,
    group_command_id: str,
    origin: changes.Origin = changes.NO_ORIGIN,
) -> Issued | Rejection:
    """Decide on a command and, when accepted, write it: rows, superseded rows, changes.

    Decides everything before writing (push's handler contract: a rejection leaves nothing to
    undo). The caller audits."""
    payload = dc.payload_from_wire(args.payload)
    if isinstance(payload, Rejection):
        return payload
    device_ids = list(dict.fromkeys(args.device_ids))
    rows = select_in(session, _KINDS, device_ids)
    kinds = {device_id: DeviceKind(kind) for device_id, kind in rows}
    unknown = [d for d in device_ids if d not in kinds]
    if unknown:
        return _reject(
            "unknown_devices",
            f"设备不存在：{', '.join(unknown[:5])}{' 等' if len(unknown) > 5 else ''}"
            f"（共 {len(unknown)} 台）",
            f"unknown devices: {', '.join(unknown[:5])} ({len(unknown)} in all)",
            unknown=unknown[:20],
            count=len(unknown),
        )
    longest = max(len(d) for d in device_ids)
    if len(group_command_id) + 1 + longest > MAX_COMMAND_ID:
        return _reject(
            "group_command_id_too_long",
            "指令组编号过长",
            f"group_command_id is too long (a command id may have {MAX_COMMAND_ID} characters)",
            group_command_id=group_command_id,
        )
    targets = [(d, kinds[d]) for d in device_ids]
    counts = fleet(session)
    server_now = datetime.now(UTC)
    outcome = dc.issue_group(
        group_command_id=group_command_id,
        targets=targets,
        payload=payload,
        actor=actor,
        server_now=server_now,
        not_after=args.not_after,
        fleet=counts,
        client_now=client_now,
        typed_confirmation=args.typed_confirmation,
    )
    if isinstance(outcome, Rejection):
        return outcome
    if args.confirmed_count is not None and args.confirmed_count != len(device_ids):
        return _reject(
            "confirmed_count_mismatch",
            f"确认框显示的是 {args.confirmed_count} 台设备，指令中却有 {len(device_ids)} 台："
            "确认的与下发的不是同一批设备，未执行，请重新确认",
            f"the confirmation showed {args.confirmed_count} devices but the command names "
            f"{len(device_ids)}: what was confirmed is not what was sent; not executed",
            confirmed_count=args.confirmed_count,
            target_count=len(device_ids),
        )
    taken = session.scalar(
        select(DeviceCommandRow.id)
        .where(DeviceCommandRow.group_command_id == group_command_id)
        .limit(1)
    )
    if taken is not None:
        return _reject(
            "group_command_exists",
            f"指令组 {group_command_id} 已下发过，不重复下发",
            f"group command {group_command_id} was already issued; it is not issued twice",
            group_command_id=group_command_id,
        )
    return write_issued(session, group_command_id, outcome, server_now, origin)


def write_issued(
    session: Session,
    group_command_id: str,
    commands: Sequence[dc.DeviceCommand],
    at: datetime,
    origin: changes.Origin = changes.NO_ORIGIN,
) -> Issued:
    """Store one decided group command (``dc.issue_group``'s output, one payload): the queued
    commands on the same devices and channel give way to it (``dc.supersede``), then rows and
    changes are written. People's commands and the lighting scheduler's go through here."""
    queued: dict[str, list[dc.DeviceCommand]] = {}
    device_ids = [c.device_id for c in commands]
    for channel in {c.channel for c in commands}:
        for old in load_queued(session, device_ids, channel):
            queued.setdefault(old.device_id, []).append(old)
    superseded: list[dc.DeviceCommand] = []
    for command in commands:
        superseded += dc.supersede(queued.get(command.device_id, ()), command, at)
    seqs = store_commands(session, new=commands, updated=superseded, origin=origin)
    return Issued(group_command_id, tuple(commands), tuple(superseded), seqs)


def _applied_detail(issued: Issued) -> dict[str, Any]:
    first = issued.commands[0]
    return {
        "group_command_id": issued.group_command_id,
        "payload": dc.payload_to_wire(first.payload),
        "devices": len(issued.commands),
        "not_after": first.not_after.isoformat(),
        "superseded": len(issued.superseded),
    }


@register("device.command")
def device_command(ctx: MutationContext) -> Rejection | None:
    args = ctx.args
    assert isinstance(args, DeviceCommandArgs)
    # The mutation id is stable across replays, so it makes a stable group id.
    group_command_id = args.group_command_id or str(ctx.mutation.mutation_id)
    ctx.target = describe(group_command_id, args.device_ids)
    outcome = issue_command(
        ctx.session,
        actor=ctx.who.actor(),
        args=args,
        client_now=ctx.mutation.client_now,
        group_command_id=group_command_id,
        origin=ctx.origin,
    )
    if isinstance(outcome, Rejection):
        return outcome
    ctx.change_seqs += outcome.change_seqs
    audit_applied(ctx, **_applied_detail(outcome))
    return None


# ------------------------------------------------------------------ REST


class DeviceCommandRequest(DeviceCommandArgs):
    """``device.command``'s arguments plus the caller's clock (``not_after`` is on it)."""

    client_now: AwareDatetime


class DeviceCommandCreated(BaseModel):
    model_config = ConfigDict(frozen=True)

    group_command_id: str
    command_ids: list[str]
    not_after: AwareDatetime  # server time, after the clock correction
    superseded_ids: list[str]
    last_change_seq: int | None


class CommandState(BaseModel):
    model_config = ConfigDict(frozen=True)

    command_id: str
    device_id: str
    status: dc.CommandStatus
    status_at: AwareDatetime | None
    reason: str | None
    late_feedback: str | None = None


class GroupProgress(BaseModel):
    model_config = ConfigDict(frozen=True)

    acked: int
    failed: int
    pending: int
    expired: int
    superseded: int
    total: int
    done: bool


class GroupCommandView(BaseModel):
    model_config = ConfigDict(frozen=True)

    group_command_id: str
    progress: GroupProgress
    commands: list[CommandState]


router = APIRouter(prefix="/api/v1/devices", tags=["devices"])

_ACTION = "device.command"


def _problem_for(rejection: Rejection, status: int) -> ProblemError:
    return ProblemError(
        status,
        rejection.message_en,
        title="Command refused",
        code=rejection.code,
        message=rejection.message,
        details=dict(rejection.details),
    )


@router.post(
    "/commands",
    status_code=201,
    response_model=DeviceCommandCreated,
    responses={403: {"description": "may not command"}, 422: {"description": "bad command"}},
)
def post_command(
    body: DeviceCommandRequest,
    who: CurrentPrincipal,
    state: Annotated[ServerState, Depends(server_state)],
    raw: Annotated[bytes, Depends(raw_body)],
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Any:
    """Issue one absolute command to one or many devices, as the ``device.command`` mutation
    does (same rules, same audit). Answers the created command ids; supports
    ``Idempotency-Key``. Without ``group_command_id`` the server makes one."""
    scope = f"user:{who.user_id}"
    digest = idempotency.body_hash(raw)
    group_command_id = body.group_command_id or str(uuid6.uuid7())
    target = describe(group_command_id, body.device_ids)
    with state.gate.write() as session:
        replay = idempotency.replay_or_none(session, scope, idempotency_key, digest)
        if replay is not None:
            return JSONResponse(replay[1], status_code=replay[0])
        outcome = issue_command(
            session,
            actor=who.actor(),
            args=body,
            client_now=body.client_now,
            group_command_id=group_command_id,
        )
        if isinstance(outcome, Rejection):
            if outcome.code not in DENIED_CODES:
                _audit(
                    session, who, target, "rejected", code=outcome.code, reason=outcome.message_en
                )
        else:
            _audit(session, who, target, "applied", **_applied_detail(outcome))
            created = DeviceCommandCreated(
                group_command_id=group_command_id,
                command_ids=[c.id for c in outcome.commands],
                not_after=outcome.commands[0].not_after,
                superseded_ids=[c.id for c in outcome.superseded],
                last_change_seq=outcome.change_seqs[-1] if outcome.change_seqs else None,
            ).model_dump(mode="json")
            idempotency.remember(session, scope, idempotency_key, digest, 201, created)
    if isinstance(outcome, Rejection):
        if outcome.code in DENIED_CODES:
            auth.deny(state, who, _ACTION, target, outcome.message_en)  # audits, raises 403
        raise _problem_for(outcome, 409 if outcome.code == "group_command_exists" else 422)
    state.hub.poke()
    return JSONResponse(created, status_code=201)


def _audit(session: Session, who: Principal, target: str, decision: str, **detail: Any) -> None:
    audit.record(
        session,
        actor=who.name,
        roles=who.roles,
        action=_ACTION,
        target=target,
        decision=decision,
        detail=detail,
    )


def progress_view(group_command_id: str, commands: Iterable[dc.DeviceCommand]) -> GroupCommandView:
    ordered = sorted(commands, key=lambda c: c.device_id)
    progress = dc.GroupCommandProgress.of(ordered)
    return GroupCommandView(
        group_command_id=group_command_id,
        progress=GroupProgress(**dataclasses.asdict(progress), done=progress.done),
        commands=[
            CommandState(
                command_id=c.id,
                device_id=c.device_id,
                status=c.status,
                status_at=c.status_at,
                reason=c.reason,
                late_feedback=getattr(c, "late_feedback", None),
            )
            for c in ordered
        ],
    )


@router.get("/commands/{group_command_id}", response_model=GroupCommandView)
def get_group_command(
    group_command_id: Annotated[str, Path(max_length=MAX_COMMAND_ID, pattern=r"^[^\x00]*$")],
    who: CurrentPrincipal,
    state: Annotated[ServerState, Depends(server_state)],
) -> GroupCommandView:
    """Progress of a group command (acked, failed, pending, expired, superseded) and the status
    of each device's command."""
    with state.gate.read() as session:
        commands = load_commands(session, DeviceCommandRow.group_command_id == group_command_id)
    if not commands:
        raise ProblemError(404, f"no group command {group_command_id}")
    return progress_view(group_command_id, commands)
