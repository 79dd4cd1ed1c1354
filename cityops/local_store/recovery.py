"""Opening a cache file that may be damaged: check it, move a bad one aside, save its outbox.

Offers ``check(path)`` (None when the file is sound, else what is wrong) and
``move_aside(path)`` → ``Salvage`` (where the file went, the pending outbox rows and the client
id it still yielded), used by ``store.LocalStore.open``.

Why: the cache is a copy of the server's state and can always be pulled again; the outbox is
not: it holds the dispatcher's actions the server has not seen. So a damaged file is never
deleted (support may want it) and whatever pending intents can still be read from it are
carried into the new cache, under the same client id so the server's per-client seqs go on.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_SIDE_FILES = ("-wal", "-shm", "-journal")
OUTBOX_COLUMNS = (
    "seq",
    "mutation_id",
    "name",
    "args",
    "base_version",
    "entity",
    "entity_id",
    "created_at",
)


def check(path: Path) -> str | None:
    """``PRAGMA quick_check`` of an existing file: None when it is ok, else the problem."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=10)
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return f"{type(exc).__name__}: {exc}"
    if rows != [("ok",)]:
        return "; ".join(str(r[0]) for r in rows[:5])
    return None


@dataclass
class Salvage:
    moved_to: Path
    problem: str
    client_id: str | None = None
    #: Pending outbox rows that could still be read, as column dicts in seq order.
    outbox: list[dict[str, Any]] = field(default_factory=list)
    #: Rows that were pending but could not be read back (reported to the user and the log).
    unreadable: str | None = None


def move_aside(path: Path, problem: str) -> Salvage:
    """Rename the file (and its WAL/SHM) to ``<name>.corrupt-<UTC time>`` and read back what it
    still yields of the outbox and the client id."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    path.rename(target)
    for suffix in _SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    salvage = Salvage(moved_to=target, problem=problem)
    try:
        conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True, timeout=5)
    except sqlite3.DatabaseError as exc:
        salvage.unreadable = str(exc)
        return salvage
    try:
        with contextlib.suppress(sqlite3.DatabaseError):
            row = conn.execute("SELECT value FROM sync_state WHERE key = 'client_id'").fetchone()
            salvage.client_id = row[0] if row else None
        try:
            cursor = conn.execute(
                f"SELECT {', '.join(OUTBOX_COLUMNS)} FROM outbox "
                "WHERE status = 'pending' ORDER BY seq"
            )
            for values in cursor:  # row by row: keep what precedes a damaged page
                salvage.outbox.append(dict(zip(OUTBOX_COLUMNS, values, strict=True)))
        except sqlite3.DatabaseError as exc:
            salvage.unreadable = str(exc)
    finally:
        conn.close()
    return salvage
