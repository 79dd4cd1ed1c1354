"""Lighting schedules on the server: the ``schedule.set`` mutation and the scheduler that runs them.

Offers (``app`` loads this module through ``EXTENSION_MODULES``):
- the mutation handler ``schedule.set`` (registered with ``push``): an operator sets a lighting
  group's schedule or the city default's (``group_schedules.set_schedule`` decides with the
  roles the database holds now; a stale ``base_version`` is refused); the row is written, a
  ``lighting_schedule`` change appended (version + 1) and the decision audited, all in the push
  batch's transaction;
- ``background(state)``: the scheduler, every ``INTERVAL`` seconds (and at once after a
  schedule changed) ``run_scheduler(state, now)``;
- ``load_schedules``, ``store_default_schedule`` (``cityops seed``).

The scheduler: for each lighting group, the circuits it switches and the schedule they follow
(``group_schedules.assign``: the group's own, else the city default), the state the schedule
wants now (``lighting_schedule.desired_state``), and, when that differs from what the scheduler
last commanded for the group, absolute group commands — ``SetPower`` on/off and, when on,
``SetLevel`` — through the same path as people's commands (``device_commands.issue_group``,
then ``handlers_devices.write_issued``: rows, superseded queued commands, changes), as the
actor ``system:scheduler`` (operator role), expiring after ``COMMAND_TTL``, audited. The power
and level commands of one group are decided together before either is written, so both are
stored or neither. What was last commanded per group (state, circuits, group command ids, when)
is kept in ``server_values`` (``LAST_NAME``), in the same transaction as the commands, so a
restart does not send again.

It is edge-triggered on purpose: it commands when the schedule's wanted state changes (or the
set of circuits a group switches changes), not every round. An operator who switches a group
by hand keeps it so until the schedule's next on/off/dim time; the schedule does not undo a
manual command every 30 s. One exception: the devices a group's last scheduled command missed
(their copy expired — the gateway was down — or failed) are commanded again, just those, at
most every ``RETRY_AFTER``, once that command has settled (none of its copies still queued or
sent); an expired "off at sunrise" must not leave the lamps on all day, whether it missed the
whole group or a few lamps. A device acked, or one a newer command on the same channel reached
since (a person's, superseding or after the miss), is never re-commanded.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import uuid6
from sqlalchemy import Table, and_, bindparam, insert, select, update
from sqlalchemy.orm import Session, aliased

from cityops.domain import device_commands as dc
from cityops.domain import group_schedules as gs
from cityops.domain.actors import Actor, Role
from cityops.domain.devices import DeviceKind
from cityops.domain.lighting_schedule import DesiredLighting, Schedule, desired_state
from cityops.domain.outcomes import Rejection
from cityops.domain.schemas import Entity, LightingScheduleDoc, ScheduleSetArgs
from cityops.server import audit, changes
from cityops.server.handlers_devices import fleet, load_group_statuses, select_in, write_issued
from cityops.server.models import DeviceCommandRow, DeviceRow, LightingScheduleRow, ServerValue
from cityops.server.push import MutationContext, audit_applied, register
from cityops.server.state import ServerState

log = logging.getLogger(__name__)

#: Seconds between scheduler rounds.
INTERVAL = 30.0
#: How long a scheduled command may wait for its gateway: a switch-on that reaches the lamps
#: ten minutes late is still right; one that lands hours later is not.
COMMAND_TTL = timedelta(minutes=10)
#: The scheduler acts as this user (audit rows, commands' ``issued_by``).
ACTOR = Actor("system:scheduler", frozenset({Role.OPERATOR}), None, "照明计划")
#: ``server_values`` row: group code → what the scheduler last commanded for it.
LAST_NAME = "lighting_scheduler.last"
#: The devices a group's last scheduled commands missed (expired — gateway down past
#: ``COMMAND_TTL`` — or failed) are commanded again, at most this often: an expired "off at
#: sunrise" must not leave the lamps on all day, nor a dead gateway cause a storm of commands.
RETRY_AFTER = timedelta(minutes=10)
#: The statuses of a device's copy that missed it.
_MISSED = (dc.CommandStatus.EXPIRED.value, dc.CommandStatus.FAILED.value)
#: Still on its way: a group command with such a copy has not settled, nothing is re-sent yet.
_UNDER_WAY = frozenset({dc.CommandStatus.QUEUED, dc.CommandStatus.SENT})

_SCHEDULES = cast(Table, LightingScheduleRow.__table__)
_DEVICES = cast(Table, DeviceRow.__table__)
_KINDS = select(_DEVICES.c.id, _DEVICES.c.kind).where(
    _DEVICES.c.id.in_(bindparam("ids", expanding=True))
)
#: Set by ``schedule.set``: the scheduler's next round starts at once.
_WAKE = threading.Event()


# ------------------------------------------------------------------ storage


def _stored(doc: dict[str, Any]) -> gs.StoredSchedule:
    parsed = LightingScheduleDoc.model_validate(doc)
    schedule = None
    if parsed.schedule is not None:
        outcome = gs.parse_schedule(parsed.schedule)
        if isinstance(outcome, Rejection):  # only this module writes these documents
            raise ValueError(f"stored schedule {parsed.group} is invalid: {outcome.message_en}")
        schedule = outcome
    return gs.StoredSchedule(parsed.group, schedule, parsed.version, parsed.set_by, parsed.set_at)


def load_schedules(session: Session) -> dict[str, gs.StoredSchedule]:
    """Every stored schedule by group code (``"*"``: the city default)."""
    return {
        row.group_code: _stored(row.doc) for row in session.scalars(select(LightingScheduleRow))
    }


def _load_one(session: Session, group: str) -> gs.StoredSchedule | None:
    doc = (
        session.connection()
        .execute(select(_SCHEDULES.c.doc).where(_SCHEDULES.c.group_code == group))
        .scalar_one_or_none()
    )
    return None if doc is None else _stored(doc)


def write_schedule(
    session: Session, stored: gs.StoredSchedule, origin: changes.Origin = changes.NO_ORIGIN
) -> int:
    """Insert or replace a group's schedule row and append its change; returns the seq."""
    doc = LightingScheduleDoc.model_validate(gs.schedule_document(stored)).model_dump(mode="json")
    values = {"version": stored.version, "doc": doc}
    conn = session.connection()
    if stored.version == 1:
        conn.execute(insert(_SCHEDULES).values(group_code=stored.group, **values))
    else:
        conn.execute(
            update(_SCHEDULES).where(_SCHEDULES.c.group_code == stored.group).values(**values)
        )
    return changes.append(
        session, Entity.LIGHTING_SCHEDULE, stored.group, stored.version, doc, origin=origin
    )


def store_default_schedule(session: Session, now: datetime | None = None) -> bool:
    """Store ``group_schedules.DEFAULT_CITY_SCHEDULE`` as the city default unless one is
    stored already (``cityops seed``); True when it was stored."""
    if _load_one(session, gs.CITY_DEFAULT) is not None:
        return False
    seed_actor = Actor("system:seed", frozenset({Role.OPERATOR}))
    outcome = gs.set_schedule(
        gs.CITY_DEFAULT,
        gs.DEFAULT_CITY_SCHEDULE,
        actor=seed_actor,
        now=now or datetime.now(UTC),
        groups=(),
        current=None,
    )
    assert not isinstance(outcome, Rejection), outcome  # the default is valid by construction
    write_schedule(session, outcome)
    audit.record(
        session,
        actor=seed_actor.user_id,
        roles=(),
        action="schedule.set",
        target=f"lighting schedule {gs.CITY_DEFAULT}",
        decision="applied",
        detail={"group": gs.CITY_DEFAULT, "version": outcome.version, "seeded": True},
    )
    return True


# ------------------------------------------------------------------ the mutation


@register("schedule.set")
def set_schedule(ctx: MutationContext) -> Rejection | None:
    args = ctx.args
    assert isinstance(args, ScheduleSetArgs)
    ctx.target = f"lighting schedule {args.group}"
    outcome = gs.set_schedule(
        args.group,
        args.schedule,
        actor=ctx.who.actor(),
        now=ctx.now,
        groups=ctx.state.reference.devices.lighting_groups.keys(),
        current=_load_one(ctx.session, args.group),
        base_version=ctx.mutation.base_version,
    )
    if isinstance(outcome, Rejection):
        return outcome
    ctx.change_seqs.append(write_schedule(ctx.session, outcome, ctx.origin))
    audit_applied(
        ctx,
        group=outcome.group,
        version=outcome.version,
        schedule=None if args.schedule is None else gs.schedule_document(outcome)["schedule"],
    )
    _WAKE.set()
    return None


# ------------------------------------------------------------------ the scheduler


@dataclass(frozen=True, slots=True)
class Commanded:
    """What one scheduler round commanded for one group (``retry``: the same state again to
    the devices the last commands missed; ``group_command_ids`` then names only the payloads
    sent again and ``devices`` counts the devices re-commanded)."""

    group: str
    state: DesiredLighting
    devices: int
    group_command_ids: tuple[str, ...]
    retry: bool = False


def _read_last(session: Session) -> dict[str, dict[str, Any]]:
    row = session.get(ServerValue, LAST_NAME)
    return {} if row is None else dict(row.value)


def _write_last(session: Session, value: dict[str, dict[str, Any]]) -> None:
    row = session.get(ServerValue, LAST_NAME)
    if row is None:
        session.add(ServerValue(name=LAST_NAME, value=value))
    else:
        row.value = value
    session.flush()


def _fingerprint(circuits: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(circuits).encode()).hexdigest()[:16]


def _payloads(want: DesiredLighting) -> list[dc.Payload]:
    # Absolute, both channels: "on at 50 %" must mean the same whatever the lamp did before.
    if not want.power:
        return [dc.SetPower(False)]
    return [dc.SetPower(True), dc.SetLevel(want.level)]


def _decide(
    jobs: Sequence[tuple[dc.Payload, list[tuple[str, DeviceKind]]]],
    now: datetime,
    fleet: dict[DeviceKind, int],
) -> list[tuple[str, tuple[dc.DeviceCommand, ...]]] | Rejection:
    """The group commands (id, commands) that send each payload to its targets, all decided
    before anything is written: the power and level commands are one decision, so a refused
    level cannot leave a stored power command behind (which, with ``last`` not updated, was
    sent again every round)."""
    decided = []
    for payload, targets in jobs:
        group_command_id = str(uuid6.uuid7())
        outcome = dc.issue_group(
            group_command_id=group_command_id,
            targets=targets,
            payload=payload,
            actor=ACTOR,
            server_now=now,
            not_after=now + COMMAND_TTL,
            fleet=fleet,
            # The schedule is the confirmation: the operator confirmed (typed, when it darkens
            # half the city) what it would switch when saving it (``schedule_presenter``).
            typed_confirmation=True,
        )
        if isinstance(outcome, Rejection):
            return outcome
        decided.append((group_command_id, outcome))
    return decided


def _may_have_missed(statuses: dict[dc.CommandStatus, int] | None) -> bool:
    """Whether a group command settled with some copies expired or failed (none still
    queued or sent: those may yet be acked, and are judged once they settled)."""
    if not statuses:
        return False
    return not statuses.keys() & _UNDER_WAY and any(
        dc.CommandStatus(s) in statuses for s in _MISSED
    )


_MINE = aliased(DeviceCommandRow)
_NEWER = aliased(DeviceCommandRow)


def _missed_devices(session: Session, group_command_ids: Sequence[str]) -> dict[str, set[str]]:
    """Per group command, the devices its copy missed (expired or failed) that no newer
    command on the same channel was issued to since (a person's, or anyone's)."""
    if not group_command_ids:
        return {}
    mine = and_(_MINE.group_command_id.in_(list(group_command_ids)), _MINE.status.in_(_MISSED))
    out: dict[str, set[str]] = {}
    for gid, device_id in session.execute(
        select(_MINE.group_command_id, _MINE.device_id).where(mine)
    ):
        out.setdefault(str(gid), set()).add(str(device_id))
    # A group command's copies share one issue time: a later one is another command.
    newer = (
        select(_MINE.group_command_id, _MINE.device_id)
        .distinct()
        .join(
            _NEWER,
            and_(
                _NEWER.device_id == _MINE.device_id,
                _NEWER.channel == _MINE.channel,
                _NEWER.issued_at > _MINE.issued_at,
            ),
        )
        .where(mine)
    )
    for gid, device_id in session.execute(newer):
        out.get(str(gid), set()).discard(str(device_id))
    return {gid: devices for gid, devices in out.items() if devices}


def _retry_due(before: dict[str, Any], now: datetime) -> bool:
    at = before.get("at")
    return at is not None and now - datetime.fromisoformat(at) >= RETRY_AFTER


def _stored_schedules(session: Session) -> dict[str, Schedule]:
    return {
        code: stored.schedule
        for code, stored in load_schedules(session).items()
        if stored.schedule is not None
    }


def run_scheduler(state: ServerState, now: datetime | None = None) -> list[Commanded]:
    """One round at ``now`` (default: the clock): command every group whose wanted state
    differs from what was last commanded for it, and re-command (at most every
    ``RETRY_AFTER``) the devices a group's last commands missed. Returns what was commanded."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    groups = {
        code: tuple(g.circuits) for code, g in state.reference.devices.lighting_groups.items()
    }
    done: list[Commanded] = []
    with state.gate.write() as session:
        plans = gs.assign(groups, _stored_schedules(session))
        if not plans:
            return done
        circuits = sorted({c for plan in plans.values() for c in plan.circuits})
        kinds = {
            device_id: DeviceKind(kind) for device_id, kind in select_in(session, _KINDS, circuits)
        }
        counts = fleet(session)
        last = _read_last(session)
        wanted: dict[str, tuple[gs.GroupPlan, list[tuple[str, DeviceKind]], DesiredLighting]] = {}
        marks: dict[str, dict[str, Any]] = {}
        unchanged: list[str] = []
        for code, plan in sorted(plans.items()):
            targets = [(c, kinds[c]) for c in plan.circuits if c in kinds]
            if not targets:
                continue
            want = desired_state(plan.schedule, now)
            wanted[code] = (plan, targets, want)
            marks[code] = {
                "power": want.power,
                "level": want.level,
                "circuits": _fingerprint([c for c, _ in targets]),
            }
            before = last.get(code) or {}
            if all(before.get(k) == v for k, v in marks[code].items()):
                unchanged.append(code)
        # Unchanged groups whose last commands may have missed devices: one grouped status
        # query, then the devices of those that settled with misses.
        recheck = {
            code: list(last[code].get("group_command_ids") or ())
            for code in unchanged
            if _retry_due(last[code], now)
        }
        statuses = load_group_statuses(
            session, sorted({g for ids in recheck.values() for g in ids})
        )
        missed_by_command = _missed_devices(
            session, sorted(g for g, s in statuses.items() if _may_have_missed(s))
        )
        for code, (plan, targets, want) in wanted.items():
            payloads = _payloads(want)
            # Ids are in ``_payloads`` order; each payload goes again only to the devices it
            # missed (a level a person set while the power command expired stays the
            # person's; a lamp that acked is not commanded twice).
            kept = recheck.get(code, [])
            missed = {i: missed_by_command[g] for i, g in enumerate(kept) if g in missed_by_command}
            retry = bool(missed) and len(kept) == len(payloads)
            if code in unchanged and not retry:
                continue
            # (index in ``payloads``, payload, targets) of each group command to send.
            jobs = [(i, payload, targets) for i, payload in enumerate(payloads)]
            if retry:
                jobs = [
                    (i, payloads[i], [t for t in targets if t[0] in missed[i]])
                    for i in sorted(missed)
                ]
                jobs = [job for job in jobs if job[2]]
                if not jobs:  # the missed devices left the group: nothing to send
                    continue
            decided = _decide([(p, chosen) for _, p, chosen in jobs], now, counts)
            if isinstance(decided, Rejection):
                log.error("scheduler: group %s refused: %s", code, decided.message_en)
                continue
            for gid, commands in decided:
                write_issued(session, gid, commands, now)
            sent = tuple(gid for gid, _ in decided)
            # A retried payload is followed by its new command from now on (the devices that
            # acked the old one are done).
            issued = list(kept) if retry else list(sent)
            for (i, _, _), gid in zip(jobs, sent, strict=True):
                issued[i] = gid
            devices = len({d for _, _, chosen in jobs for d, _ in chosen})
            last[code] = {
                **marks[code],
                "source": plan.source,
                "at": now.isoformat(),
                "group_command_ids": issued,
            }
            done.append(Commanded(code, want, devices, sent, retry))
            audit.record(
                session,
                actor=ACTOR.user_id,
                roles=[str(r) for r in ACTOR.roles],
                action="schedule.run",
                target=f"lighting group {code}",
                decision="applied",
                detail={
                    "group": code,
                    "schedule": plan.source,
                    "power": want.power,
                    "level": want.level,
                    "devices": devices,
                    "group_command_ids": list(sent),
                    # Sent again, to the devices the last commands missed.
                    "retry": retry,
                },
            )
        if done:
            _write_last(session, last)
    if done:
        state.hub.poke()
    return done


async def background(state: ServerState) -> None:
    """The scheduler, for the life of the process: a round every ``INTERVAL`` seconds, and
    at once after a ``schedule.set`` (so an operator sees a change take effect)."""
    while True:
        _WAKE.clear()
        started = time.monotonic()
        try:
            done = await asyncio.to_thread(run_scheduler, state)
        except Exception:  # keep scheduling; the next round retries
            log.exception("lighting scheduler round failed")
        else:
            for c in done:
                log.info(
                    "scheduler: %s → %s %d %% on %d devices",
                    c.group,
                    "on" if c.state.power else "off",
                    c.state.level,
                    c.devices,
                )
        # ``_WAKE`` is set from push's worker threads, where an asyncio.Event may not be touched.
        while time.monotonic() - started < INTERVAL and not _WAKE.is_set():  # noqa: ASYNC110
            await asyncio.sleep(0.5)
