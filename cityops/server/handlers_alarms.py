"""Mutation handlers for alarms: acknowledge, shelve, unshelve, convert to case.

Offers ``load_alarm``/``write_alarm``/``queue_alarm`` (the last for IoT ingest) and registers
the handlers with ``push``. Alarms are server-made; clients only send these four intents, and the
domain decides (the first acknowledgement wins; a second is rejected naming who acknowledged it
and when).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session

from cityops.domain import alarms as al
from cityops.domain import cases as cs
from cityops.domain.outcomes import Rejection
from cityops.domain.schemas import (
    AlarmAckArgs,
    AlarmArgs,
    AlarmConvertArgs,
    AlarmDoc,
    AlarmShelveArgs,
    Entity,
)
from cityops.server import changes, pending
from cityops.server.handlers_cases import case_exists, write_case
from cityops.server.models import AlarmRow
from cityops.server.parsed import ParsedCache
from cityops.server.push import MutationContext, audit_applied, register


def load_alarm(session: Session, alarm_id: str) -> al.Alarm | None:
    row = session.get(AlarmRow, alarm_id)
    return None if row is None else AlarmDoc.model_validate(row.doc).to_domain()


def _columns(alarm: al.Alarm, doc: dict[str, Any] | pending.JsonText) -> dict[str, Any]:
    """The alarm's row: its document and the columns the server filters on."""
    return {
        "device_id": alarm.device_id,
        "kind": alarm.kind.value,
        "state": alarm.state.value,
        "severity": alarm.severity.value,
        "district_code": alarm.district_code,
        "version": alarm.version,
        "doc": doc,
    }


def write_alarm(
    session: Session,
    alarm: al.Alarm,
    *,
    row: AlarmRow | None = None,
    origin: changes.Origin = changes.NO_ORIGIN,
) -> int:
    doc = AlarmDoc.from_domain(alarm).model_dump(mode="json")  # the ORM row takes a dict
    columns = _columns(alarm, doc)
    row = row or session.get(AlarmRow, alarm.id)
    if row is None:
        session.add(AlarmRow(id=alarm.id, **columns))
    else:
        for key, value in columns.items():
            setattr(row, key, value)
    return changes.append(
        session,
        Entity.ALARM,
        alarm.id,
        alarm.version,
        doc,
        origin=origin,
    )


_ALARMS = cast(Table, AlarmRow.__table__)
_INSERT_ALARM = insert(_ALARMS)
_UPDATE_ALARM = update(_ALARMS).where(_ALARMS.c.id == bindparam("alarm_id"))


def _parse_alarm(text: str) -> al.Alarm:
    return AlarmDoc.model_validate_json(text).to_domain()


#: Alarms as last stored (see ``parsed``): a storm updates the same open alarms every batch.
PARSED_ALARMS = ParsedCache(_parse_alarm)


def queue_alarm(session: Session, alarm: al.Alarm, *, new: bool) -> int:
    """``write_alarm`` for IoT ingest: the row is queued (``pending``), not written through
    the ORM, and the caller says whether it is new (ingest read every changed alarm already).
    Only for a transaction that does not also load these alarms through the ORM."""
    doc = pending.JsonText(AlarmDoc.from_domain(alarm).model_dump_json())
    columns = _columns(alarm, doc)
    if new:
        pending.add(session, _INSERT_ALARM, {"id": alarm.id, **columns}, stage=pending.NEW)
    else:
        pending.add(session, _UPDATE_ALARM, {"alarm_id": alarm.id, **columns}, stage=pending.UPDATE)
    PARSED_ALARMS.remember(alarm.id, doc, alarm)
    return changes.append(session, Entity.ALARM, alarm.id, alarm.version, doc)


def _not_found(alarm_id: str) -> Rejection:
    return Rejection("alarm_not_found", f"告警 {alarm_id} 不存在", f"alarm {alarm_id} not found")


@register("alarm.ack", "alarm.shelve", "alarm.unshelve", "alarm.convert_to_case")
def alarm_action(ctx: MutationContext) -> Rejection | None:
    args = ctx.args
    assert isinstance(args, AlarmArgs)
    ctx.target = f"alarm {args.alarm_id}"
    alarm = load_alarm(ctx.session, args.alarm_id)
    if alarm is None:
        return _not_found(args.alarm_id)
    actor, now = ctx.who.actor(), ctx.now
    new_case: tuple[cs.Case, tuple[cs.CaseEvent, ...]] | None = None
    outcome: al.Transition | Rejection
    if isinstance(args, AlarmShelveArgs):
        outcome = al.shelve(alarm, actor, args.until, args.reason, now)
    elif isinstance(args, AlarmConvertArgs):
        if case_exists(ctx.session, args.case_id):
            return Rejection(
                "case_exists", f"案件编号 {args.case_id} 已存在", f"case {args.case_id} exists"
            )
        outcome = al.convert_to_case(alarm, actor, args.case_id, now)
        if not isinstance(outcome, Rejection):
            reported = cs.report_case(
                args.case_id,
                source=cs.CaseSource.IOT,
                description=(
                    f"{alarm.kind.zh}告警（{alarm.severity.zh}）：设备 {alarm.device_id}，"
                    f"读数 {alarm.value:g}，阈值 {alarm.threshold:g}，共 {alarm.occurrences} 次"
                ),
                district_code=alarm.district_code or "330100",
                lon=alarm.lon,
                lat=alarm.lat,
                actor=actor,
                now=now,
                ref=ctx.state.reference,
            )
            if isinstance(reported, Rejection):
                return reported
            new_case = reported
    elif ctx.mutation.name == "alarm.unshelve":
        outcome = al.unshelve(alarm, actor, now)
    else:
        assert isinstance(args, AlarmAckArgs)
        # The client sends the peak severity it showed the user: an alarm that escalated since
        # must be looked at again, not silenced by an ack queued offline.
        outcome = al.acknowledge(alarm, actor, now, seen_peak=args.seen_peak)
    if isinstance(outcome, Rejection):
        return outcome
    updated, _events = outcome
    if new_case is not None:
        ctx.change_seqs += write_case(ctx.session, *new_case, ctx.origin)
    if updated is not alarm:
        ctx.change_seqs.append(write_alarm(ctx.session, updated, origin=ctx.origin))
    audit_applied(ctx, state=updated.state.value, version=updated.version)
    return None
