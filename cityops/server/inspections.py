"""Supervisors' inspections: the ``inspection.record`` mutation and the inspections read route.

Offers ``router`` (registered by ``app`` through ``EXTENSION_MODULES``):
``GET /api/v1/inspections?district=&since=&until=`` — the recorded findings whose
``observed_at`` lies in ``[since, until)``, oldest first, for supervisors, commanders and
dispatchers (the ranking window and the supervisors' drill-down read it). Importing the module
registers the mutation handler with ``push``; ``load_inspections`` serves the ranking jobs.

The handler decides before it writes (``domain.inspections.record_inspection``, then the
duplicate-id check), then stores the row, appends an ``inspection`` change (version 1: an
inspection is never edited) and audits — all in the push batch's transaction. A second
inspection with an id already stored is rejected, not merged; replaying the same push is
answered from the stored result by ``push`` and never reaches the handler.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict
from sqlalchemy import ColumnElement, Table, bindparam, insert, select
from sqlalchemy.orm import Session

from cityops.domain import inspections as ins
from cityops.domain.actors import Role
from cityops.domain.outcomes import Rejection
from cityops.domain.schemas import Code, Entity, InspectionDoc, InspectionRecordArgs
from cityops.server import changes
from cityops.server.auth import Principal, require_roles
from cityops.server.models import InspectionRow
from cityops.server.problems import ProblemError
from cityops.server.push import MutationContext, audit_applied, register
from cityops.server.state import ServerState, server_state

_INSPECTIONS = cast(Table, InspectionRow.__table__)
_INSERT = insert(_INSPECTIONS)
_EXISTS = select(_INSPECTIONS.c.id).where(_INSPECTIONS.c.id == bindparam("inspection_id"))

#: Who may read inspections (supervisors record them; the hall watches the ranking).
READ_ROLES = (Role.SUPERVISOR, Role.COMMANDER, Role.DISPATCHER)
#: Most inspections one read answers; ``has_more`` says to ask again with a later ``offset``.
PAGE_MAX = 10_000
#: Largest ``offset`` accepted (far beyond any real window; keeps SQL integers in range).
OFFSET_MAX = 100_000_000


def _utc(when: datetime) -> datetime:
    # SQLite keeps timezone columns as naive text: store and compare in UTC throughout.
    return when.astimezone(UTC)


def inspection_exists(session: Session, inspection_id: str) -> bool:
    found = session.connection().execute(_EXISTS, {"inspection_id": inspection_id}).first()
    return found is not None


def write_inspection(
    session: Session, inspection: ins.Inspection, origin: changes.Origin = changes.NO_ORIGIN
) -> int:
    """Store a new inspection and append its change; returns the change's seq."""
    doc = InspectionDoc.from_domain(inspection).model_dump(mode="json")
    session.connection().execute(
        _INSERT,
        {
            "id": inspection.id,
            "district_code": inspection.district_code,
            "item_code": inspection.item_code,
            "category_code": inspection.category_code,
            "observed_at": _utc(inspection.observed_at),
            "doc": doc,
        },
    )
    return changes.append(session, Entity.INSPECTION, inspection.id, 1, doc, origin=origin)


@register("inspection.record")
def record(ctx: MutationContext) -> Rejection | None:
    args = ctx.args
    assert isinstance(args, InspectionRecordArgs)
    ctx.target = f"inspection {args.inspection_id}"
    outcome = ins.record_inspection(
        args.inspection_id,
        district_code=args.district_code,
        street_code=args.street_code,
        item_code=args.item_code,
        count=args.count,
        note=args.note,
        observed_at=args.observed_at,
        lon=args.lon,
        lat=args.lat,
        actor=ctx.who.actor(),
        now=ctx.now,
        ref=ctx.state.reference,
    )
    if isinstance(outcome, Rejection):
        return outcome
    if inspection_exists(ctx.session, outcome.id):
        return Rejection(
            "inspection_exists",
            f"检查记录 {outcome.id} 已存在",
            f"inspection {outcome.id} exists",
            {"inspection_id": outcome.id},
        )
    ctx.change_seqs.append(write_inspection(ctx.session, outcome, ctx.origin))
    audit_applied(
        ctx,
        district=outcome.district_code,
        item=outcome.item_code,
        count=outcome.count,
        deduction=outcome.deduction,
    )
    return None


def load_inspection_docs(
    session: Session,
    *,
    district: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[InspectionDoc]:
    """Inspections observed in ``[since, until)`` (either bound optional), oldest first."""
    where: list[ColumnElement[bool]] = []
    if district is not None:
        where.append(InspectionRow.district_code == district)
    if since is not None:
        where.append(InspectionRow.observed_at >= _utc(since))
    if until is not None:
        where.append(InspectionRow.observed_at < _utc(until))
    query = (
        select(InspectionRow.doc)
        .where(*where)
        .order_by(InspectionRow.observed_at, InspectionRow.id)
        .offset(offset)
        .limit(limit)
    )
    return [InspectionDoc.model_validate(d) for d in session.scalars(query)]


def load_inspections(
    session: Session,
    *,
    district: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[ins.Inspection]:
    """The domain inspections of a window, for ``inspections.findings_for`` and the ranking."""
    docs = load_inspection_docs(session, district=district, since=since, until=until)
    return [d.to_domain() for d in docs]


class InspectionsPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    inspections: tuple[InspectionDoc, ...]
    has_more: bool


router = APIRouter(prefix="/api/v1", tags=["inspections"])


@router.get("/inspections", response_model=InspectionsPage)
def list_inspections(
    who: Annotated[Principal, require_roles(*READ_ROLES)],
    state: Annotated[ServerState, Depends(server_state)],
    district: Annotated[Code | None, Query(description="district code, e.g. 330102")] = None,
    since: Annotated[AwareDatetime | None, Query(description="observed at or after")] = None,
    until: Annotated[AwareDatetime | None, Query(description="observed before")] = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 1000,
    offset: Annotated[int, Query(ge=0, le=OFFSET_MAX)] = 0,
) -> InspectionsPage:
    """Recorded inspections observed in ``[since, until)``, oldest first (then by id)."""
    try:
        since, until = (None if t is None else _utc(t) for t in (since, until))
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00 is past the calendar's end in UTC
        raise ProblemError(422, "since/until must lie within years 1..9999 in UTC") from None
    if since is not None and until is not None and until < since:
        raise ProblemError(422, "until must not be before since")
    with state.gate.read() as session:
        found = load_inspection_docs(
            session, district=district, since=since, until=until, limit=limit + 1, offset=offset
        )
    return InspectionsPage(
        inspections=tuple(found[:limit]),
        has_more=len(found) > limit,
    )
