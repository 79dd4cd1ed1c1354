"""The audit log: every case decision, device command, login and denial, hash-chained.

Offers ``record(session, …)`` (call it inside the write transaction of the decision it records,
so a decision and its audit row commit or fail together) and ``verify(session)`` for
``cityops audit verify``. Each row's hash covers the previous row's hash and the row's own
canonical JSON, so editing, deleting or reordering any row breaks the chain from there on.
Writers are serialised by the write gate, which keeps the chain linear.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from cityops.server.models import AuditEntry

GENESIS = "0" * 64
_AUDIT = cast(Table, AuditEntry.__table__)
_LAST_HASH = select(_AUDIT.c.hash).order_by(_AUDIT.c.id.desc()).limit(1)
_INSERT_AUDIT = insert(_AUDIT)
_TAIL = "audit_tail"
_AUDIT_COLUMNS = tuple(c.key for c in _AUDIT.columns if c.key != "id")


def _canonical(entry: AuditEntry) -> str:
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
    return json.dumps(
        {
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": entry.actor,
            "roles": entry.roles,
            "client_id": entry.client_id,
            "mutation_id": entry.mutation_id,
            "action": entry.action,
            "target": entry.target,
            "decision": entry.decision,
            "detail": entry.detail,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )


def _chain(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((prev_hash + _canonical(entry)).encode()).hexdigest()


def record(
    session: Session,
    *,
    actor: str,
    roles: Iterable[str],
    action: str,
    target: str | None,
    decision: str,
    detail: dict[str, Any],
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> AuditEntry:
    # Within one write transaction the gate is held, so the chain's tail is the last record
    # this session wrote: no need to read it back for every mutation of a pushed batch.
    prev = session.info.get(_TAIL) or session.connection().execute(_LAST_HASH).scalar_one_or_none()
    entry = AuditEntry(
        at=datetime.now(UTC),
        actor=actor,
        roles=",".join(sorted(str(r) for r in roles)),
        client_id=client_id,
        mutation_id=mutation_id,
        action=action,
        target=target,
        decision=decision,
        detail=json.loads(json.dumps(detail, ensure_ascii=False, default=str)),
        prev_hash=prev or GENESIS,
        hash="",
    )
    entry.hash = _chain(entry.prev_hash, entry)
    # Prebuilt Core insert on the connection (see changes.append for why).
    session.connection().execute(_INSERT_AUDIT, {c: getattr(entry, c) for c in _AUDIT_COLUMNS})
    session.info[_TAIL] = entry.hash
    return entry


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str = ""


def verify(session: Session) -> Verification:
    prev = GENESIS
    checked = 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)).yield_per(2000):
        if entry.prev_hash != prev:
            return Verification(False, checked, entry.id, "previous hash does not match")
        if _chain(prev, entry) != entry.hash:
            return Verification(False, checked, entry.id, "content does not match its hash")
        prev = entry.hash
        checked += 1
    return Verification(True, checked)
