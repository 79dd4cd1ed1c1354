"""Mutation handlers for cases: ``case.report`` and every command of ``domain.cases``.

Offers nothing to import; registering the handlers with ``push`` is its effect (``app`` imports
it). Also offers ``write_case``, used by Open311 and alarm conversion to store a case, its
timeline events and their changes in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast as typing_cast

from sqlalchemy import Table, Text, bindparam, cast, insert, select, update
from sqlalchemy.orm import Session

from cityops.domain import cases as cs
from cityops.domain.outcomes import Rejection
from cityops.domain.schemas import (
    CaseDoc,
    CaseReportArgs,
    Entity,
    Mutation,
    case_document_text,
    case_event_document_text,
)
from cityops.server import changes, pending
from cityops.server.inlists import select_in
from cityops.server.models import CaseEventRow, CaseRow
from cityops.server.parsed import ParsedCache
from cityops.server.push import MutationContext, audit_applied, register, register_prefetch

_CASES = typing_cast(Table, CaseRow.__table__)
_EVENTS = typing_cast(Table, CaseEventRow.__table__)
_INSERT_CASE = insert(_CASES)
_UPDATE_CASE = update(_CASES).where(_CASES.c.id == bindparam("case_id"))
_INSERT_EVENT = insert(_EVENTS)

#: Documents are read as their stored JSON text: ``_PARSED`` compares it with what this process
#: wrote and decodes it only when it differs.
_DOC_TEXT = cast(_CASES.c.doc, Text)
_CASE_DOC = select(_DOC_TEXT).where(_CASES.c.id == bindparam("case_id"))
_CASE_DOCS = select(_CASES.c.id, _DOC_TEXT).where(_CASES.c.id.in_(bindparam("ids", expanding=True)))
#: The transaction's view of the cases it has read or written: id → ``cs.Case``, the stored
#: document's text not yet parsed (``str``), or None for "no such case". Rows a batch writes are
#: queued, not written, so reads within the batch must come from here.
_KNOWN = "cases"
_PREFETCH_CHUNK = 500


def _plausible_id(case_id: str) -> bool:
    # The arguments are not parsed yet: an id the schema will refuse (a NUL, which PostgreSQL
    # cannot even compare, or an over-long one) must not reach a query.
    return 0 < len(case_id) <= 64 and "\x00" not in case_id


def prefetch_cases(session: Session, mutations: Sequence[Mutation]) -> None:
    """Read the cases a pushed batch names in one query instead of one per intent."""
    known = pending.overlay(session, _KNOWN)
    wanted = sorted(
        {
            case_id
            for m in mutations
            if isinstance(case_id := m.args.get("case_id"), str)
            and _plausible_id(case_id)
            and case_id not in known
        }
    )
    conn = session.connection()
    for i in range(0, len(wanted), _PREFETCH_CHUNK):
        chunk = wanted[i : i + _PREFETCH_CHUNK]
        known.update(dict.fromkeys(chunk))  # absent unless the query finds it
        known.update(dict(select_in(conn, _CASE_DOCS, "ids", chunk)))


def _parse_case(text: str) -> cs.Case:
    return CaseDoc.model_validate_json(text).to_domain()


_PARSED = ParsedCache(_parse_case)


def load_case(session: Session, case_id: str) -> cs.Case | None:
    known = pending.overlay(session, _KNOWN)
    if case_id in known:
        found = known[case_id]
    else:
        found = known[case_id] = (
            session.connection().execute(_CASE_DOC, {"case_id": case_id}).scalar_one_or_none()
        )
    if isinstance(found, str):
        found = known[case_id] = _PARSED.get(case_id, found)
    case: cs.Case | None = found
    return case


def case_exists(session: Session, case_id: str) -> bool:
    return load_case(session, case_id) is not None


def write_case(
    session: Session,
    case: cs.Case,
    events: tuple[cs.CaseEvent, ...],
    origin: changes.Origin = changes.NO_ORIGIN,
) -> list[int]:
    """Queue the case and its new events; append their changes. Returns the change seqs.

    A case is new exactly when one of its events is ``reported``. Each event is named
    ``<case id>:<case version it produced>`` (every command bumps the version once), so the
    timeline needs no database-made ids. The rows are written at the end of the transaction
    (``pending``): this runs on every case mutation.
    """
    doc = pending.JsonText(case_document_text(case))
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
    if any(e.kind is cs.EventKind.REPORTED for e in events):
        pending.add(session, _INSERT_CASE, {"id": case.id, **columns}, stage=pending.NEW)
    else:
        pending.add(session, _UPDATE_CASE, {"case_id": case.id, **columns}, stage=pending.UPDATE)
    pending.overlay(session, _KNOWN)[case.id] = case
    _PARSED.remember(case.id, doc, case)
    seqs = [changes.append(session, Entity.CASE, case.id, case.version, doc, origin=origin)]
    first_version = case.version - len(events) + 1
    for i, e in enumerate(events):
        event_doc = pending.JsonText(case_event_document_text(e))
        pending.add(
            session,
            _INSERT_EVENT,
            {"case_id": case.id, "kind": e.kind.value, "at": e.at, "doc": event_doc},
            stage=pending.CHILD,
        )
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


register_prefetch(prefetch_cases)


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
