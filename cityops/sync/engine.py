"""The sync engine: keeps a ``LocalStore`` in step with the server, whatever the network does.

Offers ``SyncEngine(store, api)`` with ``run()`` (a long-lived task: pull until caught up, then
the live stream and the outbox push side by side; on a network error wait with backoff and
jitter and start again), ``poke()`` (push now: the desktop calls it after a submit), ``stop()``,
the observable ``status`` (``ConnectionState``, outbox length, last sync time) and listeners:
``on_status``, ``on_changes`` (entity → ids, coalesced to a few calls a second) and
``on_rejected`` (intents the server refused, with its reason for the user), and
``set_push_gate(gate)``: the session installs one gate for its whole life
(``sync.reconfirm.ReconfirmGate``: device commands that waited offline for minutes are held
until a person confirms or voids them). Intents behind a held one wait too, because the server
applies a client's intents strictly in seq order; ``status.held`` says how many intents wait
for such a decision, so every window can say why nothing goes up. The engine re-reads the rows
the gate let through before it pushes them, and pushes only those still as the gate saw them;
a gate that raises holds the outbox (logged) rather than stopping the push.

No Qt: the desktop's adapter turns the listeners into signals. Every SQLite call runs in a worker
thread (``asyncio.to_thread``) so the loop, which in the desktop is the Qt loop, stays free.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from cityops.local_store.store import LocalStore, Settled
from cityops.sync.api import (
    AuthExpired,
    CursorTooOld,
    Offline,
    Refused,
    SeqGap,
    ServerApi,
    SyncError,
)

log = logging.getLogger(__name__)


class ConnectionState(enum.StrEnum):
    OFFLINE = "offline"
    SYNCING = "syncing"
    ONLINE = "online"
    AUTH_EXPIRED = "auth_expired"
    #: The server refuses this workstation's outbox (a seq it no longer has): support needed.
    BLOCKED = "blocked"


@dataclass(frozen=True, slots=True)
class SyncStatus:
    state: ConnectionState = ConnectionState.OFFLINE
    outbox: int = 0
    last_sync_at: str | None = None
    detail: str = ""
    #: Intents the push gate holds for a person's decision (everything behind them waits too).
    held: int = 0


#: Intents per push request (the server takes up to 500).
PUSH_BATCH = 100
#: Changes per pull page (the server allows up to 5,000).
PULL_PAGE = 2000
#: Live events read between two turns of the event loop (~5 ms of parsing on this machine).
LIVE_YIELD_EVERY = 100


class PushGate(Protocol):
    def allowed(self, pending: Sequence[Mapping[str, Any]]) -> int:
        """How many of ``pending`` (the oldest outbox intents, in seq order, as
        ``LocalStore.pending`` gives them) may be pushed now; the rest wait for a ``poke``."""
        ...

    def waiting(self) -> int:
        """How many intents wait for a person's decision (``SyncStatus.held``)."""
        ...


class SyncEngine:
    def __init__(
        self,
        store: LocalStore,
        api: ServerApi,
        *,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        coalesce: float = 0.25,
    ) -> None:
        self.store = store
        self.api = api
        #: Read (made, the first time) in ``run``: a durable write has no place on the UI thread.
        self.client_id = ""
        self.status = SyncStatus()
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._coalesce = coalesce
        self._wake_push = asyncio.Event()
        self._relogged = asyncio.Event()
        self._stopping = False
        self._status_listeners: list[Callable[[SyncStatus], None]] = []
        self._change_listeners: list[Callable[[dict[str, set[str]]], None]] = []
        self._rejected_listeners: list[Callable[[list[Settled]], None]] = []
        self._touched: dict[str, set[str]] = {}
        self._flush_task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()  # kept referenced until done
        self._gate: PushGate | None = None

    # ------------------------------------------------------------------ listeners

    def on_status(self, listener: Callable[[SyncStatus], None]) -> None:
        self._status_listeners.append(listener)

    def on_changes(self, listener: Callable[[dict[str, set[str]]], None]) -> None:
        self._change_listeners.append(listener)

    def on_rejected(self, listener: Callable[[list[Settled]], None]) -> None:
        self._rejected_listeners.append(listener)

    def set_push_gate(self, gate: PushGate | None) -> None:
        """Install (or with None remove) the gate every push asks first; pokes the push so a
        removed gate releases what it held."""
        self._gate = gate
        self._wake_push.set()

    def _set_status(self, **changes: Any) -> None:
        new = replace(self.status, **changes)
        if new != self.status:
            self.status = new
            for listener in self._status_listeners:
                listener(new)

    def _touch(self, touched: Mapping[str, set[str]]) -> None:
        for entity, ids in touched.items():
            self._touched.setdefault(entity, set()).update(ids)
        if self._touched and self._flush_task is None:
            self._flush_task = asyncio.get_running_loop().create_task(self._flush_later())

    async def _flush_later(self) -> None:
        # Coalesce: every change that arrives within the window goes out in one call.
        await asyncio.sleep(self._coalesce)
        touched, self._touched, self._flush_task = self._touched, {}, None
        for listener in self._change_listeners:
            listener(touched)

    # ------------------------------------------------------------------ control

    def poke(self) -> None:
        """Push now (after the user submitted an intent); call it on the engine's loop."""
        self._wake_push.set()
        # Offline, nothing pushes: the status must still show the outbox growing.
        task = asyncio.get_running_loop().create_task(self._refresh_outbox())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def login(self, username: str, password: str) -> None:
        await self.api.login(username, password)
        self._relogged.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake_push.set()
        self._relogged.set()

    async def run(self) -> None:
        """Sync until ``stop()``; survives any number of outages."""
        try:
            await self._run()
        finally:
            # A change notice still waiting out its coalescing window dies with the engine
            # (nobody listens after a stop); left pending, asyncio reports it destroyed.
            flush, self._flush_task = self._flush_task, None
            if flush is not None:
                flush.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await flush

    async def _run(self) -> None:
        failures = 0
        self.client_id = await asyncio.to_thread(self.store.client_id)
        await self._refresh_outbox()
        while not self._stopping:
            try:
                self._set_status(state=ConnectionState.SYNCING, detail="")
                await self._catch_up()
                failures = 0
                self._set_status(state=ConnectionState.ONLINE)
                await self._live_and_push()
            except* CursorTooOld:
                log.warning("cursor no longer valid on the server: pulling everything again")
                await asyncio.to_thread(self.store.reset_for_resync)
            except* AuthExpired as group:
                self._set_status(
                    state=ConnectionState.AUTH_EXPIRED, detail=str(group.exceptions[0])
                )
                self._relogged.clear()
                await self._relogged.wait()
            except* SeqGap as group:
                gap = group.exceptions[0]
                assert isinstance(gap, SeqGap)
                self._set_status(
                    state=ConnectionState.BLOCKED,
                    detail=f"服务器缺少本机第 {gap.expected} 号操作之前的记录 / {gap}",
                )
                self._stopping = True  # nothing to retry: a person must look at it
            except* (Offline, Refused) as group:
                failures += 1
                delay = min(self._backoff_max, self._backoff_base * 2 ** min(failures, 10))
                delay *= random.uniform(0.5, 1.0)  # jitter: workstations do not retry in step
                self._set_status(state=ConnectionState.OFFLINE, detail=str(group.exceptions[0]))
                log.info("sync offline (%s); retrying in %.1f s", group.exceptions[0], delay)
                await self._sleep_unless_stopped(delay)

    async def _sleep_unless_stopped(self, seconds: float) -> None:
        self._wake_push.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake_push.wait(), seconds)

    # ------------------------------------------------------------------ down

    async def _catch_up(self) -> None:
        """Pull pages until the server has nothing newer. The next page is fetched while the
        current one is written (the server's work and ours overlap: a first sync of 100,000
        cases took ~1.5× as long one page at a time)."""
        cursor = await asyncio.to_thread(self.store.cursor)
        known = await asyncio.to_thread(self.store.state, "log_id")
        fetch = asyncio.ensure_future(self.api.changes(cursor, PULL_PAGE))
        try:
            while True:
                page = await fetch
                log = str(page.get("log_id") or "")
                if log and known and log != known:
                    # Same seqs, another log: the server's database was restored from a copy.
                    raise CursorTooOld(f"the server's changes log changed ({known} -> {log})")
                if log and not known:
                    await asyncio.to_thread(self.store.set_state, "log_id", log)
                    known = log
                last = int(page["last_seq"])
                if page["has_more"]:
                    fetch = asyncio.ensure_future(self.api.changes(last, PULL_PAGE))
                await self._apply(page["changes"], last)
                if not page["has_more"]:
                    return
        finally:
            if not fetch.done():
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError, SyncError):
                    await fetch

    async def _apply(self, changes: Sequence[Mapping[str, Any]], cursor: int) -> None:
        applied = await asyncio.to_thread(self.store.apply_changes, changes, cursor)
        if applied.touched:
            self._touch(applied.touched)
        self._set_status(last_sync_at=datetime.now(UTC).isoformat())

    async def _live_and_push(self) -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(self._live(), name="sync-live")
            group.create_task(self._push_loop(), name="sync-push")

    async def _live(self) -> None:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        applier = asyncio.get_running_loop().create_task(self._apply_live(queue))
        try:
            while not self._stopping:
                cursor = await asyncio.to_thread(self.store.cursor)
                read = 0
                async for event in self.api.events(cursor):
                    if event.event == "resync":
                        raise CursorTooOld("the live stream asked for a resync")
                    queue.put_nowait(event.data)
                    if applier.done():
                        applier.result()  # surface its error
                    read += 1
                    if read % LIVE_YIELD_EVERY == 0:
                        # A burst (a city-wide command makes ~20,000 changes) arrives already
                        # buffered: the stream then never waits, and its parsing would hold the
                        # loop — the Qt UI thread in the client — until the buffer is empty.
                        await asyncio.sleep(0)
                # The server ended the stream (a restart): resume from the cursor.
                await queue.join()
        finally:
            applier.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await applier

    async def _apply_live(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        """Apply live changes in batches: whatever arrived while the last batch was written."""
        while True:
            batch = [await queue.get()]
            while not queue.empty() and len(batch) < PULL_PAGE:
                batch.append(queue.get_nowait())
            cursor = await asyncio.to_thread(self.store.cursor)
            if batch[0]["seq"] > cursor + 1:
                await self._catch_up()  # a hole (should not happen): pull what is missing
            await self._apply(batch, max(c["seq"] for c in batch))
            for _ in batch:
                queue.task_done()

    # ------------------------------------------------------------------ up

    async def _refresh_outbox(self) -> None:
        self._set_status(outbox=await asyncio.to_thread(self.store.outbox_length))

    async def _push_loop(self) -> None:
        while not self._stopping:
            # Cleared before the outbox is read: a poke from here on (a decision, a submit)
            # finds the event set and the wait below returns at once instead of after 5 s.
            self._wake_push.clear()
            pending = await asyncio.to_thread(self.store.pending, PUSH_BATCH)
            if pending and self._gate is not None:
                pending = await self._gated(pending, self._gate)
            else:
                self._set_status(held=0)
            if not pending:
                await self._refresh_outbox()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake_push.wait(), 5.0)
                continue
            now = datetime.now(UTC).isoformat()
            mutations = [{**m, "client_id": self.client_id, "client_now": now} for m in pending]
            await asyncio.to_thread(self.store.note_attempt, [m["seq"] for m in pending])
            answer = await self.api.push(mutations)
            settled = await asyncio.to_thread(self.store.settle, answer["results"])
            await self._refresh_outbox()
            touched: dict[str, set[str]] = {}
            for s in settled:
                if s.entity and s.entity_id:
                    touched.setdefault(s.entity, set()).add(s.entity_id)
            if touched:
                self._touch(touched)
            rejected = [s for s in settled if s.status == "rejected"]
            if rejected:
                for listener in self._rejected_listeners:
                    listener(rejected)

    async def _gated(self, pending: list[dict[str, Any]], gate: PushGate) -> list[dict[str, Any]]:
        """What of ``pending`` the gate lets up, as the outbox holds it now."""
        try:
            allowed = max(0, min(len(pending), int(gate.allowed(pending))))
            held = gate.waiting()
        except Exception:
            # A faulty gate must not stop the push loop, nor let through what it was to hold.
            log.exception("push gate failed: holding the outbox")
            allowed, held = 0, len(pending)
        self._set_status(held=held)
        if not allowed:
            return []
        passed = pending[:allowed]
        # A decision may have rewritten a row (a voided command's expiry) after our read:
        # push only the rows that are still exactly what the gate judged; the rest go round.
        fresh = await asyncio.to_thread(self.store.pending, allowed)
        same = 0
        for seen, now in zip(passed, fresh, strict=False):
            if seen != now:
                break
            same += 1
        return passed[:same]
