"""``Idempotency-Key`` for integrations (IoT platform pushes, Open311 POSTs, gateway acks).

Offers ``replay_or_none`` and ``remember``, used inside the request's write transaction:
the same key with the same body returns the stored response (status and JSON) without doing the
work again; the same key with another body is a 422 problem. Keys are scoped per caller (the API
key or user), so two integrations cannot collide. ``body_hash`` hashes the raw request bytes.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from cityops.server.models import IdempotencyKey
from cityops.server.problems import ProblemError

MAX_KEY_LENGTH = 128


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def replay_or_none(
    session: Session, scope: str, key: str | None, digest: str
) -> tuple[int, Any] | None:
    """The stored (status, body) for this key, or None when the request is new."""
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ProblemError(400, f"Idempotency-Key must have 1–{MAX_KEY_LENGTH} characters")
    row = session.get(IdempotencyKey, (scope, key))
    if row is None:
        return None
    if row.body_hash != digest:
        raise ProblemError(
            422,
            "this Idempotency-Key was already used with a different request body",
            title="Idempotency key reused",
        )
    return row.status_code, row.response


def remember(
    session: Session, scope: str, key: str | None, digest: str, status: int, response: Any
) -> None:
    if key is None:
        return
    session.add(
        IdempotencyKey(
            scope=scope,
            key=key,
            body_hash=digest,
            status_code=status,
            response=response,
            created_at=datetime.now(UTC),
        )
    )
