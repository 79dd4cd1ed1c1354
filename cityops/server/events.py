"""The live stream: ``GET /api/v1/events`` (Server-Sent Events) for the desktop clients.

Offers ``router`` (registered by ``app`` through ``EXTENSION_MODULES``). A signed-in user opens
one stream and receives every committed change as it happens:

- first ``retry: <sse_retry_ms>``, then one ``event: change`` per change with ``id:`` = its seq
  and ``data:`` = the ``ChangeDoc`` JSON (what ``GET /api/v1/changes`` pages hold), in seq
  order; a ``: ping`` comment every ``sse_heartbeat`` seconds keeps proxies from closing it;
- it resumes after the ``Last-Event-ID`` header (an ``EventSource`` sends it on reconnect), else
  after ``?after=SEQ``; with neither it starts at the newest change (pull first, then stream);
- a cursor the server no longer has gets a single ``event: resync`` with
  ``data: {"oldest_seq": N}`` and the stream ends: the client must pull a snapshot;
- a client too slow to keep up is dropped by the hub: its stream ends, it reconnects with
  ``Last-Event-ID`` and catches up from the database. Nothing is lost either way.

The token and the user's active state are checked when connecting; an open stream outlives the
access token's expiry (it only carries changes every signed-in user may pull anyway).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from sse_starlette import EventSourceResponse, ServerSentEvent

from cityops.domain.schemas import ChangeDoc
from cityops.server import changes
from cityops.server.auth import CurrentPrincipal
from cityops.server.problems import ProblemError
from cityops.server.state import ServerState, server_state

#: Rows per catch-up read: bounded memory and short database reads for a far-behind client.
CATCH_UP_PAGE = 1000
#: Seconds one write to the client may take before the stream is cut (a client that stopped
#: reading would otherwise hold its connection open for ever).
SEND_TIMEOUT = 30.0

router = APIRouter(prefix="/api/v1", tags=["sync"])


def _ping() -> ServerSentEvent:
    return ServerSentEvent(comment="ping")


def _parse_cursor(last_event_id: str | None, after: int | None) -> int | None:
    """The seq to resume after: ``Last-Event-ID`` wins (a reconnecting ``EventSource`` keeps
    the URL it started with, ``?after=`` included), else ``after``; None when neither."""
    if last_event_id is not None and last_event_id.strip():
        try:
            cursor = int(last_event_id.strip())
        except ValueError:
            cursor = -1
        if cursor < 0:
            raise ProblemError(400, f"Last-Event-ID must be a change seq, got {last_event_id!r}")
        return cursor
    return after


def _start(state: ServerState, cursor: int | None) -> tuple[int, int | None]:
    """Where the stream starts: ``(cursor, None)``, or ``(_, oldest_seq)`` when it is too old."""
    with state.gate.read() as session:
        if cursor is None:
            return changes.last_seq(session), None
        if changes.cursor_too_old(session, cursor):
            return cursor, changes.oldest_seq(session)
        return cursor, None


def _page(state: ServerState, after: int) -> list[ChangeDoc]:
    with state.gate.read() as session:
        return [changes.to_doc(r) for r in changes.read_after(session, after, CATCH_UP_PAGE)]


async def _stream(state: ServerState, cursor: int | None) -> AsyncIterator[ServerSentEvent | bytes]:
    hub = state.hub
    yield ServerSentEvent(retry=state.settings.sse_retry_ms)
    await hub.wait_started()
    # Subscribe before reading the database: whatever commits during the catch-up is then
    # queued too (the hub's contract), and the seq check below drops what was already sent.
    queue = hub.subscribe()
    try:
        sent, oldest = await asyncio.to_thread(_start, state, cursor)
        if oldest is not None:
            yield ServerSentEvent(data=json.dumps({"oldest_seq": oldest}), event="resync")
            return
        while True:
            page = await asyncio.to_thread(_page, state, sent)
            if page:
                yield changes.encode_events(page)  # one write per page, not per change
                sent = page[-1].seq
            if len(page) < CATCH_UP_PAGE:
                break
        while True:
            batch = await queue.get()
            if batch is None:  # dropped by the hub for being too slow
                return
            if batch.docs[0].seq > sent:  # the usual case: the hub's encoding as it is
                yield batch.encoded
            else:  # overlaps the catch-up read: send only what is new
                fresh = [d for d in batch.docs if d.seq > sent]
                if not fresh:
                    continue
                yield changes.encode_events(fresh)
            sent = batch.docs[-1].seq
    finally:
        hub.unsubscribe(queue)


@router.get(
    "/events",
    response_class=EventSourceResponse,
    responses={
        200: {
            "description": "Server-Sent Events: `change` (id = seq, data = ChangeDoc) and "
            "`resync` (data = {oldest_seq}); `: ping` comments as heartbeat.",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        }
    },
)
async def events(
    who: CurrentPrincipal,
    state: Annotated[ServerState, Depends(server_state)],
    after: Annotated[int | None, Query(ge=0, description="resume after this seq")] = None,
    last_event_id: Annotated[str | None, Header(max_length=32)] = None,
) -> EventSourceResponse:
    """Every committed change, live, resuming after ``Last-Event-ID`` (or ``after``)."""
    cursor = _parse_cursor(last_event_id, after)
    return EventSourceResponse(
        _stream(state, cursor),
        ping=state.settings.sse_heartbeat,
        ping_message_factory=_ping,
        send_timeout=SEND_TIMEOUT,
    )
