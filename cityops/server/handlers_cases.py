"""Mutation handlers for cases: ``case.report`` and every command of ``domain.cases``.

Offers nothing to import; registering the handlers with ``push`` is its effect (``app`` imports
it). Also offers ``write_case``, used by Open311 and alarm conversion to store a case, its
timeline events and their changes in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from cityops.domain import cases as cs
from cityops.domain.outcomes import Rejection
from cityops.domain.schemas import CaseDoc, CaseEventDoc, CaseReportArgs, Entity
from cityops.server import changes
from cityops.server.models import CaseEventRow, CaseRow
from cityops.server.push import MutationContext, audit_applied, register

_CASES, _EVENTS = cast(Table, CaseRow.__table__), cast(Table, CaseEventRow.__table__)
_INSERT_CASE = insert(_CASES)
_UPDATE_CASE = update(_CASES).where(_CASES.c.id == bindparam("case_id"))
_INSERT_EVENT = insert(_EVENTS)


_CASE_DOC = select(_CASES.c.doc).where(_CASES.c.id == bindparam("case_id"))
_CASE_ID = select(_CASES.c.id).where(_CASES.c.id == bindparam("case_id"))


def load_case(session: Session, case_id: str) -> cs.Case | None:
    doc = session.connection().execute(_CASE_DOC, {"case_id": case_id}).scalar_one_or_none()
    return None if doc is None else CaseDoc.model_validate(doc).to_domain()


def case_exists(session: Session, case_id: str) -> bool:
    return session.connection().execute(_CASE_ID, {"case_id": case_id}).first() is not None


def write_case(
    session: Session,
    case: cs.Case,
    events: tuple[cs.CaseEvent, ...],
    origin: changes.Origin = changes.NO_ORIGIN,
) -> list[int]:
    """Store the case and its new events; append their changes. Returns the change seqs.

    A case is new exactly when one of its events is ``reported``. Each event is named
    ``<case id>:<case version it produced>`` (every command bumps the version once), so the
    timeline needs no database-made ids. Core statements: this runs on every case mutation.
    """
    doc = CaseDoc.from_domain(case).model_dump(mode="json")
    columns = {
        "state": case.state.value,
        "source": case.source.value,
        "district_code": case.district_code,
        "subcategory_code": case.subcategory_code,
        "assigned_unit": case.assigned_unit,
        "reported_at": case.reported_at,
        "version": case.version,
        "doc": doc,
    }
    conn = session.connection()
    if any(e.kind is cs.EventKind.REPORTED for e in events):
        conn.execute(_INSERT_CASE, {"id": case.id, **columns})
    else:
        conn.execute(_UPDATE_CASE, {"case_id": case.id, **columns})
    seqs = [changes.append(session, Entity.CASE, case.id, case.version, doc, origin=origin)]
    first_version = case.version - len(events) + 1
    event_docs = [CaseEventDoc.from_domain(e).model_dump(mode="json") for e in events]
    if events:
        conn.execute(
            _INSERT_EVENT,
            [
                {"case_id": case.id, "kind": e.kind.value, "at": e.at, "doc": d}
                for e, d in zip(events, event_docs, strict=True)
            ],
        )
    for i, event_doc in enumerate(event_docs):
        seqs.append(
            changes.append(
                session,
                Entity.CASE_EVENT,
                f"{case.id}:{first_version + i}",
                1,
                event_doc,
                origin=origin,
            )
        )
    return seqs


def _store(ctx: MutationContext, case: cs.Case, events: tuple[cs.CaseEvent, ...]) -> None:
    ctx.change_seqs += write_case(ctx.session, case, events, ctx.origin)
    audit_applied(ctx, state=case.state.value, version=case.version)


@register("case.report")
def report(ctx: MutationContext) -> Rejection | None:
    args = ctx.args
    assert isinstance(args, CaseReportArgs)
    ctx.target = f"case {args.case_id}"
    if case_exists(ctx.session, args.case_id):
        return Rejection(
            "case_exists", f"案件编号 {args.case_id} 已存在", f"case {args.case_id} exists"
        )
    outcome = cs.report_case(
        args.case_id,
        source=args.source,
        description=args.description,
        district_code=args.district_code,
        street_code=args.street_code,
        community_code=args.community_code,
        address=args.address,
        lon=args.lon,
        lat=args.lat,
        actor=ctx.who.actor(),
        now=ctx.now,
        ref=ctx.state.reference,
    )
    if isinstance(outcome, Rejection):
        return outcome
    _store(ctx, *outcome)
    return None


def apply_to_case(
    ctx: MutationContext, case_id: str, command: cs.CaseCommand, now: datetime
) -> Rejection | None:
    ctx.target = f"case {case_id}"
    case = load_case(ctx.session, case_id)
    if case is None:
        return Rejection("case_not_found", f"案件 {case_id} 不存在", f"case {case_id} not found")
    outcome = cs.apply(case, command, ctx.who.actor(), now, ctx.state.reference)
    if isinstance(outcome, Rejection):
        return outcome
    _store(ctx, *outcome)
    return None


@register(*cs.COMMANDS_BY_NAME)
def command(ctx: MutationContext) -> Rejection | None:
    assert isinstance(ctx.args, tuple)
    case_id, cmd = ctx.args
    return apply_to_case(ctx, case_id, cmd, ctx.now)
