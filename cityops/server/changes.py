"""The changes log: how every committed mutation reaches every client.

Offers ``append(session, …)`` (call inside the write transaction of the mutation; returns the
change's seq), ``read_after(session, after, limit)``, ``oldest_seq``, the pull route
``GET /api/v1/changes`` and ``ChangeHub``, the in-process fan-out the live stream (``events``)
subscribes to.

Seq order equals commit order (the write gate serialises appenders, see ``db``), so a reader
that asks for ``seq > cursor`` never misses a change that commits later with a smaller seq.
On PostgreSQL each appending transaction also sends ``NOTIFY cityops_changes`` so the relays of
the other server processes wake at once; SQLite wakes this process's relay directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, NamedTuple, cast

import psycopg
from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import Table, Text, bindparam, func, insert, select, text
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from cityops.domain.schemas import ChangeDoc, ChangesPage, Entity
from cityops.server import pending
from cityops.server.auth import CurrentPrincipal
from cityops.server.models import Change, ServerValue
from cityops.server.problems import ProblemError
from cityops.server.state import ServerState, server_state

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "cityops_changes"
_NOTIFY = text(f"NOTIFY {NOTIFY_CHANNEL}")


class Origin(NamedTuple):
    """Which client mutation caused a change (lets a client recognise its own echo)."""

    client: str | None = None
    mutation: str | None = None


NO_ORIGIN = Origin()
_CHANGES = cast(Table, Change.__table__)
_INSERT_CHANGE = insert(_CHANGES)


def append(
    session: Session,
    entity: Entity,
    entity_id: str,
    version: int,
    payload: dict[str, Any] | pending.JsonText | None,
    *,
    op: str = "upsert",
    origin: Origin = NO_ORIGIN,
    at: datetime | None = None,
) -> int:
    """Queue a change in the caller's write transaction; returns the seq it will have.

    The row is written with the transaction's other queued rows (``pending``): several
    changes per mutation, hundreds per pushed batch, as one statement.
    """
    seq = pending.next_change_seq(session)
    pending.add(
        session,
        _INSERT_CHANGE,
        {
            "seq": seq,
            "entity": entity.value,
            "entity_id": entity_id,
            "version": version,
            "op": op,
            "payload": payload,
            "origin_client": origin.client,
            "origin_mutation": origin.mutation,
            "created_at": at or datetime.now(UTC),
        },
    )
    if not session.info.get("notified") and session.get_bind().dialect.name == "postgresql":
        session.connection().execute(_NOTIFY)  # delivered at commit, once is enough
        session.info["notified"] = True
    return seq


def to_doc(row: Change) -> ChangeDoc:
    return ChangeDoc(
        seq=row.seq,
        entity=Entity(row.entity),
        entity_id=row.entity_id,
        version=row.version,
        op=row.op,
        payload=row.payload,
        origin_client=row.origin_client,
        origin_mutation=row.origin_mutation,
    )


def read_after(session: Session, after: int, limit: int) -> Sequence[Change]:
    return session.scalars(
        select(Change).where(Change.seq > after).order_by(Change.seq).limit(limit)
    ).all()


def last_seq(session: Session) -> int:
    return session.scalar(select(func.max(Change.seq))) or 0


LOG_ID_KEY = "changes_log_id"


def log_id(session: Session) -> str:
    """This database's changes log's identity, made once (call in a write transaction).

    A client keeps it with its cursor: after a restore from another copy the seqs may cover the
    same range but mean other changes, and only a different id tells the client to resync."""
    row = session.get(ServerValue, LOG_ID_KEY)
    if row is None:
        row = ServerValue(name=LOG_ID_KEY, value={"id": uuid.uuid4().hex})
        session.add(row)
        session.flush()
    return str(row.value["id"])


def oldest_seq(session: Session) -> int:
    """The oldest seq still kept (0 when the log is empty)."""
    return session.scalar(select(func.min(Change.seq))) or 0


def cursor_too_old(session: Session, after: int) -> bool:
    """True when the client must resync: changes after ``after`` were pruned, or the cursor is
    beyond anything this server has written (its database was replaced or restored)."""
    oldest = oldest_seq(session)
    return (oldest > 0 and after < oldest - 1) or after > last_seq(session)


def encode_events(docs: Sequence[ChangeDoc]) -> bytes:
    """Changes as Server-Sent Events (``id`` = seq, ``event: change``, ``data`` = ChangeDoc
    JSON), ready to write to every stream as one chunk."""
    # CRLF like sse-starlette's own events (retry, pings), so one stream uses one separator.
    return "".join(
        f"id: {d.seq}\r\nevent: change\r\ndata: {d.model_dump_json()}\r\n\r\n" for d in docs
    ).encode()


class Batch(NamedTuple):
    """What the hub hands each live stream: the changes and their encoded events."""

    docs: list[ChangeDoc]
    encoded: bytes


router = APIRouter(prefix="/api/v1", tags=["sync"])


_PAGE_ROWS = (
    select(
        _CHANGES.c.seq,
        _CHANGES.c.entity,
        _CHANGES.c.entity_id,
        _CHANGES.c.version,
        _CHANGES.c.op,
        sql_cast(_CHANGES.c.payload, Text),
        _CHANGES.c.origin_client,
        _CHANGES.c.origin_mutation,
    )
    .where(_CHANGES.c.seq > bindparam("after"))
    .order_by(_CHANGES.c.seq)
    .limit(bindparam("limit"))
)
_text = json.JSONEncoder(ensure_ascii=False).encode


def _page_json(rows: Sequence[Any], limit: int, after: int, log: str) -> str:
    """A ``ChangesPage`` as JSON text, each payload spliced in as the JSON text it is stored as.

    Why: a first sync pulls hundreds of thousands of changes; decoding every stored payload,
    validating it into models and encoding it again cost ~60 µs a change and made the server
    the bottleneck of a workstation's first sync. The shape is the model's (a test compares).
    """
    parts = [
        f'{{"seq":{seq},"entity":{_text(entity)},"entity_id":{_text(entity_id)},'
        f'"version":{version},"op":{_text(op)},"payload":{payload or "null"},'
        f'"origin_client":{_text(client) if client is not None else "null"},'
        f'"origin_mutation":{_text(mutation) if mutation is not None else "null"}}}'
        for seq, entity, entity_id, version, op, payload, client, mutation in rows[:limit]
    ]
    last = rows[min(limit, len(rows)) - 1][0] if rows else after
    more = "true" if len(rows) > limit else "false"
    return (
        f'{{"changes":[{",".join(parts)}],"last_seq":{last},"has_more":{more},'
        f'"log_id":{_text(log)}}}'
    )


@router.get("/changes", response_model=ChangesPage)
def pull(
    who: CurrentPrincipal,
    state: Annotated[ServerState, Depends(server_state)],
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> Response:
    """Changes with ``seq > after`` in seq order; ``has_more`` says to ask again at once."""
    with state.gate.read() as session:
        if cursor_too_old(session, after):
            raise ProblemError(
                410,
                f"changes after {after} are no longer kept; resync from a snapshot",
                title="Cursor too old",
                oldest_seq=oldest_seq(session),
            )
        rows = session.connection().execute(_PAGE_ROWS, {"after": after, "limit": limit + 1})
        body = _page_json(rows.all(), limit, after, state.log_id)
    return Response(body, media_type="application/json")


class ChangeHub:
    """Fans committed changes out to this process's live subscribers.

    One relay task reads the log after the last seq it delivered, woken by ``poke()`` (a commit in
    this process), by PostgreSQL NOTIFY (a commit in another process, heard on a dedicated
    ``LISTEN`` connection), or by a timer (fallback). Subscribers get ``ChangeDoc`` batches on
    bounded queues; a subscriber that falls too far behind is dropped and reconnects with
    ``Last-Event-ID`` — it then catches up from the database, so slowness never loses a change
    and never stalls the others.

    Contract for subscribers (``events`` relies on it): every change with a seq above
    ``delivered_seq`` *at the moment of* ``subscribe()`` reaches the queue, in seq order, and
    every change at or below it is already committed. So subscribe first, then read the
    database, then skip queued changes already sent. ``wait_started()`` makes sure
    ``delivered_seq`` is known before that.
    """

    #: Rows per relay read (also the page that tells "read again at once").
    PAGE = 1000
    #: Seconds between attempts to (re)open the LISTEN connection after it failed.
    LISTEN_RETRY = 5.0

    def __init__(self, queue_size: int = 10_000) -> None:
        self.queue_size = queue_size
        self.delivered_seq = 0
        self._subscribers: set[asyncio.Queue[Batch | None]] = set()
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # Set once delivered_seq has been read from the database; a restarted relay keeps it,
        # so changes committed while the relay was down still reach the subscribers.
        self._started = asyncio.Event()
        # Counts subscribe() calls: the relay skips reading changes nobody listens to only if
        # nobody subscribed while it looked (both run on the event loop, so no lock is needed).
        self._subscriptions = 0
        # Set when another process may have appended (a NOTIFY): its seqs are not in the gate.
        self._foreign = False

    def subscribe(self) -> asyncio.Queue[Batch | None]:
        queue: asyncio.Queue[Batch | None] = asyncio.Queue(self.queue_size)
        self._subscribers.add(queue)
        self._subscriptions += 1
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Batch | None]) -> None:
        self._subscribers.discard(queue)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    async def wait_started(self) -> None:
        """Return once the relay knows where the log stands (at once after the first start)."""
        await self._started.wait()

    def poke(self) -> None:
        """Wake the relay; safe to call from any thread (request handlers run in a pool)."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def publish(self, docs: list[ChangeDoc]) -> None:
        if not docs:
            return
        # Encoded once here, not once per subscriber: with 200 streams open, per-subscriber
        # encoding and one write per change cost ~50 µs × 200 per change.
        batch = Batch(docs, encode_events(docs))
        self.delivered_seq = docs[-1].seq
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(batch)
            except asyncio.QueueFull:
                # Too slow: end its stream; it resumes from the database with Last-Event-ID.
                self._subscribers.discard(queue)
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(None)

    async def run(self, state: ServerState) -> None:
        """The relay loop; runs for the life of the process (restarted by the app if it fails)."""
        self._loop = asyncio.get_running_loop()
        wake = self._wake = asyncio.Event()
        if not self._started.is_set():
            self.delivered_seq = await asyncio.to_thread(self._last_seq, state)
            self._started.set()
        else:
            self._foreign = True  # restarted: catch up on what was committed while it was down
            wake.set()
        listener = None
        if state.engine.dialect.name == "postgresql":
            listener = asyncio.create_task(self._listen(state, wake), name="relay-listen")
        try:
            await self._relay(state, wake)
        finally:
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener

    async def _relay(self, state: ServerState, wake: asyncio.Event) -> None:
        interval = state.settings.relay_poll_interval
        while True:
            woken = False
            with contextlib.suppress(TimeoutError):
                woken = await asyncio.wait_for(wake.wait(), timeout=interval)
            wake.clear()
            try:
                if not self._subscribers:
                    # Nobody listens: move the cursor without reading and decoding the changes
                    # (a busy push load would otherwise spend a quarter of the server on it).
                    # This process's own commits are known; others' (PostgreSQL NOTIFY, the
                    # timer) are asked of the database. A stream that subscribed meanwhile
                    # expects what is above the old cursor, so then read as usual.
                    subscriptions = self._subscriptions
                    if self._foreign or not woken:
                        self._foreign = False
                        newest = await asyncio.to_thread(self._last_seq, state)
                    else:
                        newest = state.gate.committed_seq
                    if not self._subscribers and subscriptions == self._subscriptions:
                        self.delivered_seq = max(self.delivered_seq, newest)
                        continue
                while True:
                    rows = await asyncio.to_thread(self._read, state, self.delivered_seq)
                    self.publish(rows)
                    if len(rows) < self.PAGE:
                        break
            except Exception:  # keep relaying; the next wake retries from the same seq
                log.exception("change relay failed; retrying")

    async def _listen(self, state: ServerState, wake: asyncio.Event) -> None:
        """Wake the relay on every NOTIFY from any server process on this PostgreSQL.

        A dedicated autocommit connection (a pooled one would be handed back and lose its
        LISTEN). If it breaks, the timer poll carries on alone until it is reopened.
        """
        conninfo = state.engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        failing = False
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    if failing:
                        log.info("listening for changes of other server processes again")
                    failing = False
                    self._foreign = True
                    wake.set()  # anything committed while nobody was listening
                    while True:
                        async for _note in conn.notifies(timeout=30.0):
                            self._foreign = True
                            wake.set()
                        # Quiet for a while: make sure the connection is still alive.
                        await conn.execute("SELECT 1")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Log once per outage, not every retry (e.g. PostgreSQL restarting).
                if not failing:
                    log.warning(
                        "cannot listen for changes of other server processes (%s); "
                        "polling every %.1f s until it works again",
                        exc,
                        state.settings.relay_poll_interval,
                    )
                failing = True
            await asyncio.sleep(self.LISTEN_RETRY)

    @staticmethod
    def _last_seq(state: ServerState) -> int:
        with state.gate.read() as session:
            return last_seq(session)

    @classmethod
    def _read(cls, state: ServerState, after: int) -> list[ChangeDoc]:
        with state.gate.read() as session:
            return [to_doc(r) for r in read_after(session, after, cls.PAGE)]
