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
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from cityops.server import pending
from cityops.server.models import AuditEntry

GENESIS = "0" * 64
_AUDIT = cast(Table, AuditEntry.__table__)
_LAST_HASH = select(_AUDIT.c.hash).order_by(_AUDIT.c.id.desc()).limit(1)
_INSERT_AUDIT = insert(_AUDIT)
_TAIL = "audit_tail"
_HASHED = ("actor", "roles", "client_id", "mutation_id", "action", "target", "decision", "detail")


# The hash covers exactly this encoding; changing it would break every existing chain.
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
_PLAIN = (str, int, float, bool, type(None))


def _canonical(fields: dict[str, Any]) -> str:
    at: datetime = fields["at"]
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return _ENCODER.encode(
        {
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            **{k: fields[k] for k in _HASHED},
        }
    )


def _as_stored(detail: dict[str, Any]) -> dict[str, Any]:
    """``detail`` as it reads back from the JSON column (what the hash must cover)."""
    if all(
        type(v) in _PLAIN and (type(v) is not float or math.isfinite(v)) for v in detail.values()
    ):
        return dict(detail)  # the common case (a state and a version): nothing to convert
    loaded: dict[str, Any] = json.loads(json.dumps(detail, ensure_ascii=False, default=str))
    return loaded


def _chain(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + _canonical(fields)).encode()).hexdigest()


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
) -> str:
    """Queue the audit row in the caller's transaction (``pending``); returns its hash."""
    # Within one write transaction the gate is held, so the chain's tail is the last record
    # this session wrote: no need to read it back for every mutation of a pushed batch.
    prev = session.info.get(_TAIL)
    if prev is None:
        prev = session.connection().execute(_LAST_HASH).scalar_one_or_none() or GENESIS
    row: dict[str, Any] = {
        "at": datetime.now(UTC),
        "actor": actor,
        "roles": ",".join(sorted(str(r) for r in roles)),
        "client_id": client_id,
        "mutation_id": mutation_id,
        "action": action,
        "target": target,
        "decision": decision,
        # Stored as it will read back (what the hash covers must survive the JSON round trip).
        "detail": _as_stored(detail),
        "prev_hash": prev,
    }
    row["hash"] = _chain(prev, row)
    pending.add(session, _INSERT_AUDIT, row)
    session.info[_TAIL] = row["hash"]
    return str(row["hash"])


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
        if _chain(prev, {c: getattr(entry, c) for c in ("at", *_HASHED)}) != entry.hash:
            return Verification(False, checked, entry.id, "content does not match its hash")
        prev = entry.hash
        checked += 1
    return Verification(True, checked)
