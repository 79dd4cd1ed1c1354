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
manual command every 30 s. One exception: when the last scheduled commands for a group reached
none of its devices (every one expired — the gateway was down — or failed), the same state is
commanded again, at most every ``RETRY_AFTER``; an expired "off at sunrise" must not leave the
lamps on all day. A command a person superseded, or one any device acked, is never repeated.
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
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from cityops.domain import device_commands as dc
from cityops.domain import group_schedules as gs
from cityops.domain.actors import Actor, Role
from cityops.domain.devices import DeviceKind
from cityops.domain.lighting_schedule import DesiredLighting, Schedule, desired_state
from cityops.domain.outcomes import Rejection
from cityops.domain.schemas import Entity, LightingScheduleDoc, ScheduleSetArgs
from cityops.server import audit, changes
from cityops.server.handlers_devices import fleet, load_group_statuses, select_in, write_issued
from cityops.server.models import DeviceRow, LightingScheduleRow, ServerValue
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
#: A group whose last scheduled commands reached none of its devices (all expired — gateway
#: down past ``COMMAND_TTL`` — or all failed) is commanded again, at most this often: an
#: expired "off at sunrise" must not leave the lamps on all day, nor a dead gateway cause a
#: storm of commands.
RETRY_AFTER = timedelta(minutes=10)

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
    """What one scheduler round commanded for one group (``retry``: the same state again,
    because the last commands reached none of its devices; ``group_command_ids`` then names
    only the payloads sent again)."""

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
    targets: list[tuple[str, DeviceKind]],
    want: DesiredLighting,
    now: datetime,
    fleet: dict[DeviceKind, int],
) -> list[tuple[str, tuple[dc.DeviceCommand, ...]]] | Rejection:
    """The group commands (id, commands) that bring ``targets`` to ``want``, all decided before
    anything is written: the power and level commands are one decision, so a refused level
    cannot leave a stored power command behind (which, with ``last`` not updated, was sent
    again every round)."""
    decided = []
    for payload in _payloads(want):
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


def _missed(statuses: dict[dc.CommandStatus, int] | None) -> bool:
    """Whether a group command reached none of its devices: every command expired or failed
    (none acked, none still pending, none superseded by a person's newer command)."""
    if not statuses:
        return False
    return set(statuses) <= {dc.CommandStatus.EXPIRED, dc.CommandStatus.FAILED}


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
    ``RETRY_AFTER``) a group whose last commands reached none of its devices. Returns what
    was commanded."""
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
        # Unchanged groups whose last commands may have missed (one grouped status query).
        recheck = {
            code: list(last[code].get("group_command_ids") or ())
            for code in unchanged
            if _retry_due(last[code], now)
        }
        statuses = load_group_statuses(
            session, sorted({g for ids in recheck.values() for g in ids})
        )
        for code, (plan, targets, want) in wanted.items():
            # Ids are in ``_payloads`` order; only the payloads that missed are sent again (a
            # level a person superseded while the power command expired stays the person's).
            kept = recheck.get(code, [])
            missed = [i for i, g in enumerate(kept) if _missed(statuses.get(g))]
            retry = bool(missed) and len(kept) == len(_payloads(want))
            if code in unchanged and not retry:
                continue
            decided = _decide(targets, want, now, counts)
            if isinstance(decided, Rejection):
                log.error("scheduler: group %s refused: %s", code, decided.message_en)
                continue
            issued = list(kept) if retry else [gid for gid, _ in decided]
            for i, (gid, commands) in enumerate(decided):
                if retry and i not in missed:
                    continue
                write_issued(session, gid, commands, now)
                issued[i] = gid
            last[code] = {
                **marks[code],
                "source": plan.source,
                "at": now.isoformat(),
                "group_command_ids": issued,
            }
            sent = tuple(issued[i] for i in missed) if retry else tuple(issued)
            done.append(Commanded(code, want, len(targets), sent, retry))
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
                    "devices": len(targets),
                    "group_command_ids": list(sent),
                    # Sent again: the last commands reached none of the group's devices.
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
