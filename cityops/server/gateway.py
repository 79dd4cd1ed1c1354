"""The device-gateway API: gateways fetch commands, report feedback and device state.

Offers ``router`` (the ``/api/v1/gateway/…`` endpoints, plus the people-facing device command
endpoints of ``handlers_devices``, which this module imports so the ``device.command`` mutation
is registered when the app loads this extension), ``expire_commands(state, now)`` and
``background(state)`` (the expiry sweep, every ``EXPIRY_INTERVAL`` seconds).

Endpoints (integration API key, ``X-Api-Key``; shapes in ``domain.gateway_wire``):

- ``GET commands?device_ids=a&device_ids=b`` (or ``device_ids=a,b``), ``?group=CODE`` (an LED
  group or lighting group of the reference data), or neither (a gateway for the whole city):
  what ``device_commands.next_to_send`` allows now, marked *sent* in the same transaction, so
  each command is handed out once. Commands found past ``not_after`` become *expired* there and
  are never handed out; superseded ones never are either.
- ``POST acks``: ``mark_acked`` / ``mark_failed`` per ack; an ack applies the command's payload
  to the device's state (power, level, content, takeover end) as a new device version.
- ``POST status``: devices' own reports (online, power, level, content, faults); a report older
  than what the server has is ignored; one that changes nothing but the last-seen time updates
  the row without a new version (heartbeats must not flood the changes log).

Both POSTs honour ``Idempotency-Key`` (scope ``gateway:<key id>``). Every decision is in the
audit log as done by ``apikey:<key name>`` (a poll that hands out or expires nothing is not).
A gateway's ``at`` is clamped to the server's now: a fast gateway clock cannot date feedback in
the future.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Table, Text, bindparam, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from cityops.domain import device_commands as dc
from cityops.domain.gateway_wire import (
    AckBatch,
    AckOutcome,
    AckResponse,
    AckResult,
    CommandBatch,
    DeviceReport,
    GatewayCommand,
    StatusBatch,
    StatusOutcome,
    StatusResponse,
    StatusResult,
)
from cityops.domain.outcomes import Rejection
from cityops.domain.schemas import DeviceDoc, Entity
from cityops.server import audit, handlers_devices, idempotency, pending
from cityops.server.auth import IntegrationKey
from cityops.server.handlers_devices import (
    ACTIVE,
    append_changes,
    load_commands,
    load_commands_by_id,
    raw_body,
    select_in,
    store_commands,
    utc,
)
from cityops.server.models import ApiKey, DeviceCommandRow, DeviceRow
from cityops.server.problems import ProblemError
from cityops.server.state import ServerState, server_state

log = logging.getLogger(__name__)

#: Seconds between expiry sweeps.
EXPIRY_INTERVAL = 5.0
#: Most commands one poll hands out (``limit`` may ask for fewer).
MAX_POLL = 5_000
#: How many per-item decisions one audit row lists (the counts are always complete).
AUDIT_ITEMS = 200

gateway_router = APIRouter(prefix="/api/v1/gateway", tags=["gateway"])


def _actor(key: ApiKey) -> str:
    return f"apikey:{key.name}"


def _audit(
    session: Session, key: ApiKey, action: str, target: str, decision: str, **detail: Any
) -> None:
    audit.record(
        session,
        actor=_actor(key),
        roles=("gateway",),
        action=action,
        target=target,
        decision=decision,
        detail=detail,
    )


def _clamp(at: datetime, now: datetime) -> datetime:
    return min(at, now)


# ------------------------------------------------------------------ commands


def _scope(
    session: Session, state: ServerState, device_ids: list[str] | None, group: str | None
) -> list[str] | None:
    """The devices a poll is about; None for the whole city."""
    if device_ids and group:
        raise ProblemError(422, "give device_ids or group, not both")
    if device_ids:
        if any("\x00" in part for part in device_ids):
            raise ProblemError(422, "device_ids must not contain NUL characters")
        return list(dict.fromkeys(d.strip() for part in device_ids for d in part.split(",") if d))
    if group:
        lighting = state.reference.devices.lighting_groups.get(group)
        if lighting is not None:
            return list(lighting.circuits)
        members = list(session.scalars(select(DeviceRow.id).where(DeviceRow.group_code == group)))
        if not members and group not in state.reference.devices.led_groups:
            raise ProblemError(404, f"no LED group or lighting group {group}")
        return members
    return None


def _wire(command: dc.DeviceCommand) -> GatewayCommand:
    return GatewayCommand(
        command_id=command.id,
        device_id=command.device_id,
        device_kind=command.device_kind,
        payload=dc.payload_to_wire(command.payload),
        issued_at=command.issued_at,
        not_after=command.not_after,
        group_command_id=command.group_command_id,
    )


_ACTIVE_ROWS = select(
    DeviceCommandRow.id, DeviceCommandRow.device_id, DeviceCommandRow.version
).where(DeviceCommandRow.status.in_(ACTIVE))
_ACTIVE_OF = select(
    DeviceCommandRow.id,
    DeviceCommandRow.device_id,
    DeviceCommandRow.version,
    DeviceCommandRow.status,
).where(DeviceCommandRow.device_id.in_(bindparam("ids", expanding=True)))


def _current(
    session: Session, city: bool, devices: set[str], seen: Sequence[dc.DeviceCommand]
) -> list[dc.DeviceCommand]:
    """The active commands of ``devices`` now, inside the write transaction. Only their ids and
    versions are read: a command read before (``seen``) in the same version is taken as it
    was (a version changes with every change of a command), the others are read again."""
    rows: list[tuple[str, str, int]]
    if city:  # the whole city's active commands: one scan, no list of 5,000 ids
        rows = [(i, d, v) for i, d, v in session.execute(_ACTIVE_ROWS)]
    else:
        rows = [
            (i, d, v)
            for i, d, v, status in select_in(session, _ACTIVE_OF, sorted(devices))
            if status in ACTIVE
        ]
    known = {c.id: c for c in seen}
    out: list[dc.DeviceCommand] = []
    again: list[str] = []
    for command_id, device_id, version in rows:
        if device_id not in devices:
            continue
        command = known.get(command_id)
        if command is not None and command.version == version:
            out.append(command)
        else:
            again.append(command_id)
    if again:
        out += load_commands_by_id(session, again)
    return out


@gateway_router.get("/commands", response_model=CommandBatch)
def get_commands(
    key: IntegrationKey,
    state: Annotated[ServerState, Depends(server_state)],
    device_ids: Annotated[list[str] | None, Query()] = None,
    group: Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_POLL)] = 1000,
) -> Any:
    """The commands to deliver now for these devices (or the whole city), each handed out once:
    they are *sent* when this answer is made. Deliver none at or after its ``not_after``.

    Two steps, so a whole-city poll does not hold the write gate while it reads every active
    command: first, without the gate, find the devices with something to send or to expire;
    then, in the write transaction, decide again on those devices' current commands only (a
    command another poll took meanwhile is no longer queued and is not handed out twice)."""
    with state.gate.read() as session:
        scope = _scope(session, state, device_ids, group)
        conditions: list[Any] = [DeviceCommandRow.status.in_(ACTIVE)]
        if scope is not None:
            conditions.append(DeviceCommandRow.device_id.in_(scope))
        active = load_commands(session, *conditions)
    now = datetime.now(UTC)
    due = dc.expire_due(active, now)
    gone = {c.id for c in due}
    candidates = dc.next_to_send([c for c in active if c.id not in gone], now, limit + 1)
    has_more = len(candidates) > limit
    devices = {c.device_id for c in candidates[:limit]} | {c.device_id for c in due[:MAX_POLL]}
    if not devices:
        empty = CommandBatch(commands=(), server_now=now, has_more=False)
        return Response(empty.model_dump_json(), media_type="application/json")
    with state.gate.write() as session:
        now = datetime.now(UTC)
        current = _current(session, scope is None, devices, active)
        expired = dc.expire_due(current, now)
        gone = {c.id for c in expired}
        picked = dc.next_to_send([c for c in current if c.id not in gone], now, limit)
        sent: list[dc.DeviceCommand] = []
        for command in picked:
            result = dc.mark_sent(command, now)
            if isinstance(result, Rejection):  # cannot happen for a picked command; never send
                log.warning("not sending %s: %s", command.id, result.message_en)
                continue
            sent.append(result)
        seqs = store_commands(session, updated=[*expired, *sent])
        if sent or expired:
            _audit(
                session,
                key,
                "gateway.commands",
                group or ("devices" if scope is not None else "city"),
                "sent",
                sent=len(sent),
                expired=len(expired),
                sent_ids=[c.id for c in sent[:AUDIT_ITEMS]],
                expired_ids=[c.id for c in expired[:AUDIT_ITEMS]],
            )
    if seqs:
        state.hub.poke()
    answer = CommandBatch(commands=tuple(_wire(c) for c in sent), server_now=now, has_more=has_more)
    # Encoded here in one pass: FastAPI would dump, validate and dump a 5,000-command batch again.
    return Response(answer.model_dump_json(), media_type="application/json")


# ------------------------------------------------------------------ acks


def apply_payload(doc: DeviceDoc, payload: dc.Payload, at: datetime) -> DeviceDoc:
    """The device's state once it applied ``payload`` (a new version)."""
    update: dict[str, Any] = {"online": True, "version": doc.version + 1}
    match payload:
        case dc.SetPower(on=on):
            update["power"] = on
        case dc.SetLevel(percent=percent):
            update["level"] = percent
        case dc.ShowContent(content_id=content_id, text=content_text):
            update.update(content_id=content_id, content_text=content_text)
        case dc.TakeOver(until=until):
            update["takeover_until"] = until
        case dc.Restore():
            update["takeover_until"] = None
    if doc.last_seen is None or at > doc.last_seen:
        update["last_seen"] = at
    return doc.model_copy(update=update)


_DEVICES = cast(Table, DeviceRow.__table__)
_DEVICE_DOCS = select(_DEVICES.c.id, sql_cast(_DEVICES.c.doc, Text)).where(
    _DEVICES.c.id.in_(bindparam("ids", expanding=True))
)
_UPDATE_DEVICE = update(_DEVICES).where(_DEVICES.c.id == bindparam("key"))


def _load_devices(session: Session, device_ids: Sequence[str]) -> dict[str, DeviceDoc]:
    """The stored documents of those of ``device_ids`` that exist (Core, no ORM rows: an ack
    batch of 5,000 devices spent ~0.3 s making and flushing ORM objects)."""
    return {
        device_id: DeviceDoc.model_validate_json(text)
        for device_id, text in select_in(session, _DEVICE_DOCS, device_ids)
    }


def _store_devices(session: Session, docs: Sequence[DeviceDoc]) -> list[pending.JsonText]:
    """Queue the rows' new documents and versions; returns each document's JSON text."""
    texts = []
    for doc in docs:
        text = pending.JsonText(doc.model_dump_json())
        pending.add(
            session,
            _UPDATE_DEVICE,
            {"key": doc.id, "doc": text, "version": doc.version},
            stage=pending.UPDATE,
        )
        texts.append(text)
    return texts


def _write_devices(session: Session, docs: Sequence[DeviceDoc]) -> list[int]:
    """Store new versions of devices and append their changes (each document encoded once)."""
    texts = _store_devices(session, docs)
    return append_changes(
        session,
        [(Entity.DEVICE, doc.id, doc.version, text) for doc, text in zip(docs, texts, strict=True)],
    )


def _process_acks(
    session: Session, batch: AckBatch, now: datetime
) -> tuple[AckResponse, list[int]]:
    ids = list(dict.fromkeys(a.command_id for a in batch.acks))
    commands = {c.id: c for c in load_commands_by_id(session, ids)}
    changed: dict[str, dc.DeviceCommand] = {}
    applied: list[tuple[str, dc.Payload, datetime]] = []
    results: list[AckResult] = []
    for ack in batch.acks:
        command = commands.get(ack.command_id)
        if command is None:
            results.append(AckResult(command_id=ack.command_id, outcome="unknown"))
            continue
        at = _clamp(ack.at, now)
        outcome = (
            dc.mark_acked(command, at)
            if ack.ok
            else dc.mark_failed(command, ack.reason or "the device did not apply it", at)
        )
        if isinstance(outcome, Rejection):
            results.append(
                AckResult(
                    command_id=command.id,
                    outcome="rejected",
                    status=command.status,
                    reason=outcome.message_en,
                )
            )
            continue
        late = outcome.status in (dc.CommandStatus.EXPIRED, dc.CommandStatus.SUPERSEDED)
        repeat = outcome is command or (
            late
            and getattr(outcome, "late_feedback", None) == getattr(command, "late_feedback", None)
        )
        if repeat:
            results.append(
                AckResult(command_id=command.id, outcome="unchanged", status=command.status)
            )
            continue
        commands[command.id] = changed[command.id] = outcome
        kind: AckOutcome
        if late:
            kind = "late"
        elif outcome.status is dc.CommandStatus.ACKED:
            kind = "acked"
            applied.append((command.device_id, command.payload, at))
        else:
            kind = "failed"
        results.append(
            AckResult(
                command_id=command.id, outcome=kind, status=outcome.status, reason=outcome.reason
            )
        )
    seqs = store_commands(session, updated=list(changed.values()))
    if applied:
        stored = _load_devices(session, list(dict.fromkeys(d for d, _, _ in applied)))
        docs: dict[str, DeviceDoc] = {}
        for device_id, payload, at in applied:
            doc = docs.get(device_id) or stored.get(device_id)
            if doc is None:
                continue
            docs[device_id] = apply_payload(doc, payload, at)
        seqs += _write_devices(session, list(docs.values()))
    return AckResponse(results=tuple(results)), seqs


def _idempotent(
    state: ServerState,
    key: ApiKey,
    idempotency_key: str | None,
    raw: bytes,
    work: Any,
) -> Any:
    """Run ``work(session)`` → (response model, seqs) once per Idempotency-Key and body."""
    scope = f"gateway:{key.id}"
    digest = idempotency.body_hash(raw)
    with state.gate.write() as session:
        replay = idempotency.replay_or_none(session, scope, idempotency_key, digest)
        if replay is not None:
            return JSONResponse(replay[1], status_code=replay[0])
        response, seqs = work(session)
        body = response.model_dump(mode="json")
        idempotency.remember(session, scope, idempotency_key, digest, 200, body)
    if seqs:
        state.hub.poke()
    return JSONResponse(body)


@gateway_router.post("/acks", response_model=AckResponse)
def post_acks(
    batch: AckBatch,
    key: IntegrationKey,
    state: Annotated[ServerState, Depends(server_state)],
    raw: Annotated[bytes, Depends(raw_body)],
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Any:
    """Feedback on sent commands: ``ok`` → acked (the device's state follows the command),
    else failed with ``reason``. One result per ack, in order."""

    def work(session: Session) -> tuple[AckResponse, list[int]]:
        now = datetime.now(UTC)
        response, seqs = _process_acks(session, batch, now)
        counts: dict[str, int] = {}
        for r in response.results:
            counts[r.outcome] = counts.get(r.outcome, 0) + 1
        _audit(
            session,
            key,
            "gateway.acks",
            f"{len(batch.acks)} acks",
            "recorded",
            counts=counts,
            decisions=[[r.command_id, r.outcome] for r in response.results[:AUDIT_ITEMS]],
        )
        return response, seqs

    return _idempotent(state, key, idempotency_key, raw, work)


# ------------------------------------------------------------------ status


_REPORTED = ("online", "power", "level", "content_id", "content_text", "takeover_until", "faults")


def _process_status(
    session: Session, batch: StatusBatch, now: datetime
) -> tuple[StatusResponse, list[int]]:
    ids = list(dict.fromkeys(r.device_id for r in batch.reports))
    stored = _load_devices(session, ids)
    docs: dict[str, DeviceDoc] = {}
    versioned: set[str] = set()
    results: list[StatusResult] = []
    for report in batch.reports:
        if report.device_id not in stored:
            results.append(StatusResult(device_id=report.device_id, outcome="unknown"))
            continue
        doc = docs.get(report.device_id) or stored[report.device_id]
        at = _clamp(report.at, now)
        if doc.last_seen is not None and at < doc.last_seen:
            results.append(StatusResult(device_id=doc.id, outcome="stale", version=doc.version))
            continue
        update = _changes_of(report, doc)
        outcome: StatusOutcome
        if update:
            doc = doc.model_copy(update={**update, "last_seen": at, "version": doc.version + 1})
            versioned.add(doc.id)
            outcome = "updated"
        else:
            doc = doc.model_copy(update={"last_seen": at})
            outcome = "seen"
        docs[doc.id] = doc
        results.append(StatusResult(device_id=doc.id, outcome=outcome, version=doc.version))
    # Versioned documents go to clients as changes; a mere "seen" only updates the row.
    _store_devices(session, [d for d in docs.values() if d.id not in versioned])
    seqs = _write_devices(session, [d for d in docs.values() if d.id in versioned])
    return StatusResponse(results=tuple(results)), seqs


def _changes_of(report: DeviceReport, doc: DeviceDoc) -> dict[str, Any]:
    """The reported fields that differ from the server's document (omitted ones are kept)."""
    update: dict[str, Any] = {}
    for name in _REPORTED:
        if name not in report.model_fields_set:
            continue
        value = getattr(report, name)
        if name == "faults":
            value = tuple(value or ())
        if getattr(doc, name) != value:
            update[name] = value
    return update


@gateway_router.post("/status", response_model=StatusResponse)
def post_status(
    batch: StatusBatch,
    key: IntegrationKey,
    state: Annotated[ServerState, Depends(server_state)],
    raw: Annotated[bytes, Depends(raw_body)],
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Any:
    """Devices' reported state. One result per report, in order."""

    def work(session: Session) -> tuple[StatusResponse, list[int]]:
        response, seqs = _process_status(session, batch, datetime.now(UTC))
        updated = [r.device_id for r in response.results if r.outcome == "updated"]
        counts: dict[str, int] = {}
        for r in response.results:
            counts[r.outcome] = counts.get(r.outcome, 0) + 1
        _audit(
            session,
            key,
            "gateway.status",
            f"{len(batch.reports)} reports",
            "recorded",
            counts=counts,
            updated=updated[:AUDIT_ITEMS],
        )
        return response, seqs

    return _idempotent(state, key, idempotency_key, raw, work)


# ------------------------------------------------------------------ expiry


def expire_commands(state: ServerState, now: datetime | None = None) -> int:
    """Mark queued and sent commands whose ``not_after`` has come as expired (changes appended,
    one audit row). Returns how many expired."""
    now = now or datetime.now(UTC)
    with state.gate.write() as session:
        due = load_commands(
            session,
            DeviceCommandRow.status.in_(ACTIVE),
            DeviceCommandRow.not_after <= utc(now),
        )
        expired = dc.expire_due(due, now)
        if expired:
            store_commands(session, updated=expired)
            audit.record(
                session,
                actor="system:expiry",
                roles=(),
                action="device.command.expire",
                target=f"{len(expired)} commands",
                decision="expired",
                detail={"ids": [c.id for c in expired[:AUDIT_ITEMS]], "count": len(expired)},
            )
    if expired:
        state.hub.poke()
    return len(expired)


async def background(state: ServerState) -> None:
    """The expiry sweep, for the life of the process."""
    while True:
        try:
            await asyncio.to_thread(expire_commands, state)
        except Exception:  # keep sweeping; the next round retries
            log.exception("device command expiry sweep failed")
        await asyncio.sleep(EXPIRY_INTERVAL)


router = APIRouter()
router.include_router(gateway_router)
router.include_router(handlers_devices.router)
