"""The re-confirmation gate on the sync engine's push, with a fake server (no network): what a
held device command does to the outbox, a void that lands while the push holds an older read,
a gate that raises, and a poke that arrives while the push is between reads."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cityops.local_store.store import LocalStore
from cityops.sync.engine import SyncEngine
from cityops.sync.reconfirm import ReconfirmGate, intent_time
from tests.sync.test_engine import until


class FakeApi:
    """Answers pulls with nothing, keeps the live stream open, applies every push."""

    def __init__(self) -> None:
        self.pushed: list[dict[str, Any]] = []
        self.logged_in = True

    async def changes(self, cursor: int, limit: int) -> dict[str, Any]:
        return {"changes": [], "last_seq": cursor, "has_more": False, "log_id": "fake"}

    async def events(self, cursor: int) -> AsyncIterator[Any]:
        await asyncio.Event().wait()
        yield None  # pragma: no cover (never reached)

    async def push(self, mutations: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        self.pushed.extend(dict(m) for m in mutations)
        return {
            "results": [
                {"seq": m["seq"], "mutation_id": m["mutation_id"], "status": "applied"}
                for m in mutations
            ]
        }


@asynccontextmanager
async def engine_with(
    path: Path, gate: Any, api: FakeApi | None = None
) -> AsyncIterator[tuple[SyncEngine, FakeApi]]:
    store = LocalStore.open(path)
    api = api or FakeApi()
    engine = SyncEngine(store, api, coalesce=0.01)  # type: ignore[arg-type]
    if gate is not None:
        engine.set_push_gate(gate)
    task = asyncio.create_task(engine.run())
    try:
        yield engine, api
    finally:
        engine.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        store.close()


def lights_off(not_after: datetime) -> dict[str, Any]:
    return {
        "device_ids": ["LC-330105-0001"],
        "payload": {"type": "set_power", "on": False},
        "not_after": not_after.isoformat(),
        "group_command_id": "g-1",
        "confirmed_count": 1,
    }


def test_an_old_device_command_is_held_with_no_window_and_everything_behind_it_waits(
    tmp_path: Path,
) -> None:
    """No device window at all (a restart with an old outbox): the session's gate holds it."""
    later = datetime.now(UTC) + timedelta(minutes=5)
    gate = ReconfirmGate(clock=lambda: later)  # the command is 5 minutes old "now"
    asked: list[int] = []
    gate.on_held(lambda: asked.append(gate.waiting()))

    async def scenario() -> None:
        async with engine_with(tmp_path / "c.sqlite3", gate) as (engine, api):
            engine.store.submit("device.command", lights_off(later + timedelta(minutes=5)))
            engine.store.submit("case.note", {"case_id": "c", "text": "behind it"})
            engine.poke()
            await until(lambda: engine.status.held == 1, 5, "held shown in the status")
            await asyncio.sleep(0.5)
            assert api.pushed == []  # neither the command nor the note behind it
            assert engine.store.outbox_length() == 2
            assert asked == [1]
            held = gate.held()
            assert [h["name"] for h in held] == ["device.command"]
            gate.confirm(held[0]["mutation_id"])
            engine.poke()
            await until(lambda: engine.store.outbox_length() == 0, 5, "sent once confirmed")
            assert [m["name"] for m in api.pushed] == ["device.command", "case.note"]
            assert engine.status.held == 0

    asyncio.run(scenario())


def test_a_void_that_lands_after_the_push_read_the_outbox_never_sends_the_old_expiry(
    tmp_path: Path,
) -> None:
    """The race: the push read the row, then the user voided it (amend → decide); the copy the
    push holds still carries the original expiry and must not go up with it."""
    later = datetime.now(UTC) + timedelta(minutes=5)
    real = ReconfirmGate(clock=lambda: later)
    original = later + timedelta(minutes=5)

    class VoidDuringRead:
        """Delegates to the real gate; the first time it sees the held command, the user voids
        it right then (after the engine's read, before its push)."""

        def __init__(self) -> None:
            self.store: LocalStore | None = None
            self.done = False

        def allowed(self, pending: Sequence[Mapping[str, Any]]) -> int:
            if not self.done and self.store is not None and pending:
                intent = pending[0]
                made = intent_time(str(intent["mutation_id"]))
                args = dict(intent["args"], not_after=made.isoformat())
                assert self.store.amend(int(intent["seq"]), args)
                real.void(str(intent["mutation_id"]), made, "g-1")
                self.done = True
            return real.allowed(pending)

        def waiting(self) -> int:
            return real.waiting()

    gate = VoidDuringRead()

    async def scenario() -> None:
        async with engine_with(tmp_path / "c.sqlite3", gate) as (engine, api):
            gate.store = engine.store
            engine.store.submit("device.command", lights_off(original))
            engine.poke()
            await until(lambda: engine.store.outbox_length() == 0, 10, "the voided copy sent")
            assert len(api.pushed) == 1
            sent = datetime.fromisoformat(api.pushed[0]["args"]["not_after"])
            assert sent < original
            assert sent == intent_time(api.pushed[0]["mutation_id"])

    asyncio.run(scenario())


def test_a_stale_copy_of_a_voided_command_is_held_by_the_gate() -> None:
    now = datetime.now(UTC)
    gate = ReconfirmGate(clock=lambda: now + timedelta(minutes=5))
    import uuid6

    mutation_id = str(uuid6.uuid7())
    stale = {"seq": 1, "mutation_id": mutation_id, "name": "device.command"}
    stale["args"] = lights_off(now + timedelta(minutes=10))
    assert gate.allowed([stale]) == 0
    made = intent_time(mutation_id)
    gate.void(mutation_id, made, "g-1")
    assert gate.allowed([stale]) == 0  # read before the amendment: still the original expiry
    fresh = dict(stale, args=dict(stale["args"], not_after=made.isoformat()))
    assert gate.allowed([fresh]) == 1
    assert gate.voided_groups == {"g-1"}


def test_a_gate_that_raises_holds_the_outbox_and_the_push_survives(tmp_path: Path) -> None:
    class Faulty:
        def __init__(self) -> None:
            self.fail = True

        def allowed(self, pending: Sequence[Mapping[str, Any]]) -> int:
            if self.fail:
                raise RuntimeError("gate bug")
            return len(pending)

        def waiting(self) -> int:
            return 0

    gate = Faulty()

    async def scenario() -> None:
        async with engine_with(tmp_path / "c.sqlite3", gate) as (engine, api):
            engine.store.submit("case.note", {"case_id": "c", "text": "x"})
            engine.poke()
            await until(lambda: engine.status.held == 1, 5, "held while the gate fails")
            assert api.pushed == []
            gate.fail = False
            engine.poke()
            await until(lambda: engine.store.outbox_length() == 0, 5, "the loop still runs")
            assert engine.status.held == 0

    asyncio.run(scenario())


def test_a_poke_during_the_outbox_read_is_not_lost(tmp_path: Path) -> None:
    """The user decides while the push is reading the outbox: the push must go round at once,
    not wait out its 5 s idle timeout."""

    class DecideDuringRead:
        def __init__(self) -> None:
            self.engine: SyncEngine | None = None
            self.open = False
            self.calls = 0

        def allowed(self, pending: Sequence[Mapping[str, Any]]) -> int:
            self.calls += 1
            if self.calls == 1 and self.engine is not None:
                self.open = True
                self.engine.poke()  # the decision arrives while this push round runs
                return 0
            return len(pending) if self.open else 0

        def waiting(self) -> int:
            return 0 if self.open else 1

    gate = DecideDuringRead()

    async def scenario() -> None:
        async with engine_with(tmp_path / "c.sqlite3", None) as (engine, api):
            gate.engine = engine
            await asyncio.sleep(0.2)  # the push loop idles
            engine.store.submit("case.note", {"case_id": "c", "text": "x"})
            engine.set_push_gate(gate)
            took = await until(lambda: engine.store.outbox_length() == 0, 10, "pushed")
            assert took < 2.0, took  # not after the 5 s idle wait

    asyncio.run(scenario())
