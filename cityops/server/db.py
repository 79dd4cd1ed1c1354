"""Database engines for the server: SQLite (WAL) by default, PostgreSQL to scale.

Offers ``make_engine(url)``, ``is_postgres(engine)``, ``WriteGate`` (serialises writers where the
database needs it) and ``create_schema(engine)`` (Alembic upgrade to head).

Why a write gate: the changes log must be read in seq order without gaps. On SQLite one writer
at a time is all the file allows anyway, and taking the gate in-process avoids "database is
locked" retries. On PostgreSQL concurrent transactions may commit out of seq order, so each
transaction that appends changes first takes a transaction-scoped advisory lock: commits then
happen in seq order and a reader never skips a seq that commits later.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from cityops.server import pending

CHANGES_LOCK_KEY = 0x0C17_0095  # advisory lock id for appending to the changes log


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across app crashes
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    # Checkpoint every ~80 MB of WAL instead of every 4 MB: a checkpoint runs inside the commit
    # that crosses the mark and fsyncs the database file while the write gate is held; fewer,
    # larger ones gave pushes ~5 % more throughput (docs/benchmarks.md, run E).
    cur.execute("PRAGMA wal_autocheckpoint=20000")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 10},
            pool_size=8,
            json_serializer=pending.json_text,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(
        url, pool_size=10, max_overflow=10, pool_pre_ping=True, json_serializer=pending.json_text
    )


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


class WriteGate:
    """Serialises the transactions that append to the changes log (see module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self._postgres = is_postgres(engine)
        self._lock = threading.Lock()
        #: The newest change seq this process has committed (0 until it appends one).
        self.committed_seq = 0
        # Per-transaction caches (queued rows, the audit chain's tail) end with the
        # transaction: ``pending`` clears ``session.info`` then, for every session.
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction; committed on success, rolled back on error."""
        if self._postgres:
            with self.sessions.begin() as session:
                session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHANGES_LOCK_KEY})
                yield session
                newest = pending.last_allocated_seq(session)
        else:
            with self._lock, self.sessions.begin() as session:
                yield session
                newest = pending.last_allocated_seq(session)
        # Committed: the live relay may take this as the log's end without asking the database.
        self.committed_seq = max(self.committed_seq, newest)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session


def create_schema(engine: Engine) -> None:
    """Bring the database to the newest schema with Alembic (idempotent)."""
    from alembic import command
    from alembic.config import Config

    here = Path(__file__).resolve().parent
    cfg = Config()
    cfg.set_main_option("script_location", str(here / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
