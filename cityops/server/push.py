"""``POST /api/v1/sync/push``: clients' intents, applied exactly once, in order.

Offers the push route and ``register(name)``, the decorator the mutation handlers
(``handlers_cases``, ``handlers_alarms``, ``handlers_devices``) use to claim mutation names.

Per mutation (DESIGN §3; a batch commits together, see ``process_batch``): ``seq ≤ last_seq`` →
the stored result is returned
again (a client retrying after a timeout cannot apply anything twice); ``seq > last_seq + 1`` →
409 with the expected seq; otherwise parse (``schemas.parse_mutation``), authorise with the roles
the database holds now, apply the domain rule, append changes, audit, store the result and
advance ``last_seq`` — all committed together. A rejection is *processed*: it is stored and
answered as ``status: rejected`` with a reason for the user, and the next mutation goes on.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Response
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from cityops.domain.outcomes import Rejection
from cityops.domain.schemas import (
    Mutation,
    MutationResult,
    ParsedArgs,
    PushRequest,
    PushResponse,
    RejectionDoc,
    parse_mutation,
)
from cityops.server import audit, bodies, pending
from cityops.server.auth import CurrentPrincipal, Principal
from cityops.server.changes import Origin
from cityops.server.models import MutationResult as MutationResultRow
from cityops.server.models import SyncClient
from cityops.server.problems import ProblemError
from cityops.server.state import ServerState, server_state

log = logging.getLogger(__name__)


@dataclass
class MutationContext:
    """What a handler gets: the open transaction, the caller, the intent and its parsed args."""

    session: Session
    state: ServerState
    who: Principal
    mutation: Mutation
    args: ParsedArgs
    #: Seqs of the changes the handler appended (the result reports the last one).
    change_seqs: list[int] = field(default_factory=list)
    #: What the mutation acts on ("case C-1", "devices LED-0001…"), for the audit row.
    target: str | None = None

    @property
    def now(self) -> datetime:
        return datetime.now(UTC)

    @functools.cached_property
    def origin(self) -> Origin:
        return Origin(self.mutation.client_id, str(self.mutation.mutation_id))


#: A handler applies one mutation inside the open transaction: None when applied (it has then
#: written rows, changes and its "applied" audit row), or the Rejection to store and answer.
#: Contract: a handler decides *before* it writes anything, so a rejection leaves nothing to
#: undo (pysqlite's savepoints are not reliable enough to roll back half a handler).
Handler = Callable[[MutationContext], Rejection | None]
_HANDLERS: dict[str, Handler] = {}


def register(*names: str) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        for name in names:
            _HANDLERS[name] = handler
        return handler

    return decorate


#: Called with a batch's mutations before any is applied, inside its transaction, to read what
#: the batch will need in one query per table (the cases a batch of verifies names, say).
Prefetch = Callable[[Session, Sequence[Mutation]], None]
_PREFETCH: list[Prefetch] = []


def register_prefetch(prefetch: Prefetch) -> Prefetch:
    _PREFETCH.append(prefetch)
    return prefetch


def _rejected(m: Mutation, rejection: Rejection) -> MutationResult:
    return MutationResult(
        mutation_id=m.mutation_id,
        seq=m.seq,
        status="rejected",
        rejection=RejectionDoc.from_domain(rejection),
    )


def audit_decision(
    session: Session,
    who: Principal,
    m: Mutation,
    target: str | None,
    decision: str,
    detail: dict[str, Any],
) -> None:
    audit.record(
        session,
        actor=who.name,
        roles=who.roles,
        client_id=m.client_id,
        mutation_id=str(m.mutation_id),
        action=m.name,
        target=target,
        decision=decision,
        detail=detail,
    )


def audit_applied(ctx: MutationContext, **detail: Any) -> None:
    m = ctx.mutation
    audit.record(
        ctx.session,
        actor=ctx.who.name,
        roles=ctx.who.roles,
        client_id=m.client_id,
        mutation_id=ctx.origin.mutation,
        action=m.name,
        target=ctx.target,
        decision="applied",
        detail=detail,
    )


_RESULTS = cast(Table, MutationResultRow.__table__)
_CLIENTS = cast(Table, SyncClient.__table__)
_INSERT_RESULT = insert(_RESULTS)
_CLIENT = select(_CLIENTS.c.user_id, _CLIENTS.c.last_seq).where(
    _CLIENTS.c.client_id == bindparam("client_id")
)
_STORED = select(_RESULTS.c.seq, _RESULTS.c.mutation_id, _RESULTS.c.result).where(
    _RESULTS.c.client_id == bindparam("client_id"),
    _RESULTS.c.seq >= bindparam("low"),
    _RESULTS.c.seq <= bindparam("high"),
)
_INSERT_CLIENT = insert(_CLIENTS)
_UPDATE_CLIENT = update(_CLIENTS).where(_CLIENTS.c.client_id == bindparam("cid"))


def _apply_one(session: Session, state: ServerState, who: Principal, m: Mutation) -> MutationResult:
    """Decide and apply one new mutation inside the batch's transaction; store its result."""
    parsed = parse_mutation(m)
    ctx = None if isinstance(parsed, Rejection) else MutationContext(session, state, who, m, parsed)
    outcome: Rejection | None
    if ctx is None:
        assert isinstance(parsed, Rejection)
        outcome = parsed
    elif (handler := _HANDLERS.get(m.name)) is None:
        outcome = Rejection(
            "not_supported", f"服务器暂不支持操作“{m.name}”", f"the server does not handle {m.name}"
        )
    else:
        outcome = handler(ctx)
    if outcome is not None:
        result = _rejected(m, outcome)
        audit_decision(
            session,
            who,
            m,
            ctx.target if ctx else None,
            "rejected",
            {"code": outcome.code, "reason": outcome.message_en},
        )
    else:
        assert ctx is not None
        result = MutationResult(
            mutation_id=m.mutation_id,
            seq=m.seq,
            status="applied",
            last_change_seq=ctx.change_seqs[-1] if ctx.change_seqs else None,
        )
    pending.add(
        session,
        _INSERT_RESULT,
        {
            "client_id": m.client_id,
            "seq": m.seq,
            "mutation_id": str(m.mutation_id),
            "result": result.model_dump(mode="json"),
            "processed_at": datetime.now(UTC),
        },
    )
    return result


def process_batch(
    state: ServerState, who: Principal, mutations: tuple[Mutation, ...]
) -> list[MutationResult]:
    """Apply one client's consecutive mutations in one transaction (group commit).

    Each mutation is still all-or-nothing: a handler decides before it writes, and a rejection
    leaves nothing behind. One commit per batch instead of per mutation is what lets a SQLite
    server take thousands of intents a second; an unexpected error rolls the whole batch back
    and the client retries it (already-stored results come back unchanged).
    """
    first = mutations[0]
    with state.gate.write() as session:
        conn = session.connection()
        client = conn.execute(_CLIENT, {"client_id": first.client_id}).first()
        if client is not None and client.user_id != who.user_id:
            # A client id belongs to the user who first pushed from it: another user cannot
            # replay or read its stored results.
            raise ProblemError(403, f"client {first.client_id} belongs to another user")
        last_seq: int = 0 if client is None else client.last_seq
        if first.seq > last_seq + 1:
            raise ProblemError(
                409,
                f"mutation seq {first.seq} skips ahead; the server expects {last_seq + 1}",
                title="Sequence gap",
                expected_seq=last_seq + 1,
            )
        stored = (
            {
                row.seq: row
                for row in conn.execute(
                    _STORED, {"client_id": first.client_id, "low": first.seq, "high": last_seq}
                )
            }
            if first.seq <= last_seq
            else {}
        )
        new = [m for m in mutations if m.seq > last_seq]
        for prefetch in _PREFETCH if new else ():
            prefetch(session, new)
        results: list[MutationResult] = []
        applied_any = False
        for m in mutations:
            if m.seq <= last_seq:
                row = stored.get(m.seq)
                if row is None or row.mutation_id != str(m.mutation_id):
                    raise ProblemError(
                        409,
                        f"seq {m.seq} of client {m.client_id} was already used by another mutation",
                        expected_seq=last_seq + 1,
                    )
                results.append(MutationResult.model_validate(row.result))
                continue
            result = _apply_one(session, state, who, m)
            applied_any = applied_any or result.last_change_seq is not None
            results.append(result)
        cursor = {"last_seq": max(last_seq, mutations[-1].seq), "updated_at": datetime.now(UTC)}
        if client is None:
            pending.add(
                session,
                _INSERT_CLIENT,
                {"client_id": first.client_id, "user_id": who.user_id, **cursor},
            )
        elif new:
            pending.add(session, _UPDATE_CLIENT, {"cid": first.client_id, **cursor})
    if applied_any:
        state.hub.poke()
    return results


router = APIRouter(prefix="/api/v1/sync", tags=["sync"])


@router.post(
    "/push",
    response_model=PushResponse,
    openapi_extra=bodies.openapi_body(PushRequest),
    responses={409: {"description": "seq gap or seq reuse (problem)"}},
)
def push(
    who: CurrentPrincipal,
    state: Annotated[ServerState, Depends(server_state)],
    raw: Annotated[bytes, Depends(bodies.raw_body)],
) -> Response:
    """Apply a batch of one client's mutations in seq order; see the module docstring."""
    body = bodies.parse(PushRequest, raw)
    clients = {m.client_id for m in body.mutations}
    if len(clients) != 1:
        raise ProblemError(422, "a push carries the mutations of one client only")
    seqs = [m.seq for m in body.mutations]
    if seqs != list(range(seqs[0], seqs[0] + len(seqs))):
        raise ProblemError(422, "mutations in a push must have consecutive seqs in order")
    results = process_batch(state, who, body.mutations)
    answer = PushResponse(results=tuple(results), last_seq=body.mutations[-1].seq)
    # Serialised here in one pass (FastAPI would validate the model again first).
    return Response(answer.model_dump_json(), media_type="application/json")
