"""Rows a write transaction writes at its end, one ``executemany`` per statement.

Offers to the modules that write in the server's hot paths (``changes``, ``audit``, ``push``,
``handlers_cases``, ``ingest``):

- ``add(session, statement, params, stage=…)`` queues one row for a prebuilt Core statement;
- ``flush(session)`` writes what is queued now, stage by stage, each statement as one
  ``executemany`` in the order its rows were queued;
- ``next_change_seq(session)`` hands out the changes log's seqs inside the transaction;
- ``overlay(session, name)`` a per-transaction dict for read-your-writes caches (the case
  documents a batch has written and not yet flushed).

Why: a pushed batch of 100 intents used to run ~700 single-row statements, and SQLAlchemy's cost
per ``execute`` (~150 µs of Python: cache key, parameter processing, result set-up) was most of
the server's time, with SQLite itself ~7 %; on PostgreSQL each was also a round trip. Queued rows
cost one statement per table per batch (psycopg sends them as multi-row ``VALUES``).

Safety: queued rows are flushed automatically before every commit, before every ORM flush and
before every ORM-level ``session.execute`` of the session, so a query through the session always
sees them; a rollback drops them with everything else. Only Core statements run directly on
``session.connection()`` bypass this, and the modules that queue rows read their own tables
through their overlays (``handlers_cases.load_case``) or flush first.

Seqs are allocated here (``max(seq) + 1`` once per transaction, then counting) rather than by
the database, so a queued change knows its seq at once: every appender holds the write gate
(SQLite's in-process lock, PostgreSQL's advisory lock), so no two transactions count from the
same maximum — the same rule SQLite's own ``INTEGER PRIMARY KEY`` applies.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

from pydantic_core import to_json
from sqlalchemy import JSON, DateTime, Dialect, Executable, event, func, select
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from cityops.server.models import Change


def json_text(value: Any) -> str:
    """JSON text of a document as the server stores it (also the engines' JSON serializer).

    pydantic-core's encoder takes about half the time of ``json.dumps``; it refuses what
    ``json.dumps`` writes as escapes (a lone surrogate from a ``\\ud800`` a client sent), and
    those few take the old path, so nothing that was storable stops being so.
    """
    try:
        return to_json(value).decode()
    except ValueError:
        return json.dumps(value)


class JsonText(str):
    """A document already encoded as JSON text: a queued row's JSON column takes it as is.

    Writers that also remember what they stored (``parsed.ParsedCache``) queue their documents
    so, and readers compare the stored text with it, without decoding either.
    """

    __slots__ = ()


_ROWS = "pending_rows"  # {(stage, statement): [params, ...]} in first-queued order
_SEQ = "pending_next_seq"
_OVERLAYS = "pending_overlays"

#: Stages of a flush: new rows, then updates (a row inserted and changed in one batch is
#: inserted first), then rows that refer to them (timeline events: foreign keys are on).
NEW, UPDATE, CHILD = 0, 1, 2


def add(
    session: Session, statement: Executable, params: dict[str, Any], *, stage: int = CHILD
) -> None:
    """Queue one row; the dict may still be changed by the caller until the flush."""
    rows: dict[tuple[int, Executable], list[dict[str, Any]]] | None = session.info.get(_ROWS)
    if rows is None:
        rows = session.info[_ROWS] = {}
    key = (stage, statement)
    queued = rows.get(key)
    if queued is None:
        rows[key] = [params]
    else:
        queued.append(params)


@dataclass(frozen=True, slots=True)
class _Plan:
    """A statement compiled once for a dialect and a set of parameter names."""

    sql: str
    #: The dialect's own bind processors (JSON encoding, SQLite's datetime text) by bind name.
    processors: dict[str, Callable[[Any], Any]]
    #: For positional styles: the values in order, and which positions need a processor.
    values: Callable[[dict[str, Any]], Any] | None
    processed_at: tuple[tuple[int, Callable[[Any], Any]], ...]

    @classmethod
    def make(cls, statement: Executable, dialect: Dialect, keys: tuple[str, ...]) -> _Plan:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))  # type: ignore[attr-defined]
        processors = {}
        for name, bind in compiled.binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None and dialect.name == "sqlite" and isinstance(bind.type, DateTime):
                process = _sqlite_datetime(process)
            elif process is not None and isinstance(bind.type, JSON):
                process = _once_per_flush(process)
            if process is not None:
                processors[name] = process
        if not compiled.positional:
            return cls(str(compiled), processors, None, ())
        order = tuple(compiled.positiontup)
        get = itemgetter(*order)
        values = get if len(order) > 1 else (lambda row: (get(row),))
        at = tuple((i, processors[k]) for i, k in enumerate(order) if k in processors)
        return cls(str(compiled), processors, values, at)

    def driver_rows(self, rows: list[dict[str, Any]]) -> list[Any]:
        if self.values is None:  # named style (psycopg): a dict per row
            processors = self.processors
            return [
                {k: (processors[k](v) if k in processors else v) for k, v in row.items()}
                for row in rows
            ]
        values, processed_at = self.values, self.processed_at
        if not processed_at:
            return [values(row) for row in rows]
        out: list[Any] = []
        for row in rows:
            vals = list(values(row))
            for i, process in processed_at:
                vals[i] = process(vals[i])
            out.append(tuple(vals))  # the driver API wants tuples (SQLAlchemy checks)
        return out


def _sqlite_datetime(general: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """SQLAlchemy's SQLite DATETIME text ("2026-11-28 09:30:00.000000", the wall time without
    its offset) for a datetime, in one C call instead of a %-format of eight fields; anything
    else goes to SQLAlchemy's own processor. tests/server/test_write_queue.py compares them."""

    def process(value: Any) -> Any:
        if type(value) is datetime:
            # The wall time is the first 26 characters, with or without an offset after it.
            return value.isoformat(" ", "microseconds")[:26]
        return general(value)

    return process


#: Per thread, during a flush: id(document) → (document, encoded). A case's document is both its
#: row's ``doc`` and its change's ``payload`` (the same dict): encode it once.
_ENCODED = threading.local()


def _once_per_flush(general: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def process(value: Any) -> Any:
        if type(value) is JsonText:
            # Both drivers take JSON as text (psycopg sends a str untyped, PostgreSQL casts it).
            return str(value)
        memo: dict[int, tuple[Any, Any]] | None = getattr(_ENCODED, "memo", None)
        if memo is None or type(value) is not dict:
            return general(value)
        hit = memo.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        encoded = general(value)
        memo[id(value)] = (value, encoded)
        return encoded

    return process


_PLANS: dict[tuple[Executable, str, tuple[str, ...]], _Plan] = {}


def flush(session: Session) -> None:
    """Write every queued row now (a no-op when nothing is queued).

    Each statement goes to the driver's ``executemany`` as SQL compiled once, with the values
    passed through the dialect's bind processors: the same rows SQLAlchemy would write, without
    its per-row parameter machinery (which cost more than SQLite's own work).
    """
    rows: dict[tuple[int, Executable], list[dict[str, Any]]] | None = session.info.pop(_ROWS, None)
    if not rows:
        return
    _ENCODED.memo = {}
    try:
        conn = session.connection()
        dialect = conn.dialect
        for (_stage, statement), params in sorted(rows.items(), key=lambda kv: kv[0][0]):
            # Rows of one statement normally share their keys; group any that do not.
            start = 0
            while start < len(params):
                keys = tuple(params[start])
                end = start + 1
                while end < len(params) and tuple(params[end]) == keys:
                    end += 1
                plan = _PLANS.get((statement, dialect.name, keys))
                if plan is None:
                    plan = _PLANS[(statement, dialect.name, keys)] = _Plan.make(
                        statement, dialect, keys
                    )
                conn.exec_driver_sql(plan.sql, plan.driver_rows(params[start:end]))
                start = end
    finally:
        _ENCODED.memo = None


def next_change_seq(session: Session) -> int:
    """The seq for the next change this transaction appends (the caller holds the gate)."""
    seq: int | None = session.info.get(_SEQ)
    if seq is None:
        newest = session.connection().execute(select(func.max(Change.seq))).scalar()
        seq = (newest or 0) + 1
    session.info[_SEQ] = seq + 1
    return seq


def last_allocated_seq(session: Session) -> int:
    """The newest seq this transaction handed out, 0 when it appended no change."""
    seq: int | None = session.info.get(_SEQ)
    return 0 if seq is None else seq - 1


def overlay(session: Session, name: str) -> dict[str, Any]:
    """A dict that lives exactly as long as the session's current transaction."""
    overlays: dict[str, dict[str, Any]] | None = session.info.get(_OVERLAYS)
    if overlays is None:
        overlays = session.info[_OVERLAYS] = {}
    found = overlays.get(name)
    if found is None:
        found = overlays[name] = {}
    return found


def _before_commit(session: Session) -> None:
    flush(session)


def _before_flush(session: Session, _flush_context: Any, _instances: Any) -> None:
    flush(session)


def _before_orm_execute(state: ORMExecuteState) -> None:
    flush(state.session)


def _forget(session: Session, transaction: SessionTransaction) -> None:
    # Only the outermost transaction owns queued rows, seqs and overlays; every per-transaction
    # cache (the audit chain's tail, "NOTIFY sent") goes with it: after a commit another
    # process may append, and a cached value would be stale.
    if transaction.parent is None:
        session.info.clear()


event.listen(Session, "before_commit", _before_commit)
event.listen(Session, "before_flush", _before_flush)
event.listen(Session, "do_orm_execute", _before_orm_execute)
event.listen(Session, "after_transaction_end", _forget)
