"""The server goes down and comes back, again and again, while changes stream in and the
workstation pushes: afterwards its cache equals the server's state, nothing missed or doubled."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import sqlite3
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from cityops.domain.schemas import Entity
from cityops.local_store.tables import ENTITY_TABLES
from tests.server.conftest import PASSWORD, _drop_postgres, _fresh_postgres, new_id
from tests.sync.conftest import Api, RestartableServer, seed_with_users
from tests.sync.test_engine import REPORT, running, until

OUTAGES = 3


def _fingerprint(docs: dict[str, dict[str, Any]]) -> str:
    text = json.dumps(sorted(docs.items()), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _server_state(api: Api, entity: str) -> dict[str, dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for change in api.all_changes("dispatcher"):
        if change["entity"] == entity:
            latest[change["entity_id"]] = change["payload"]
    return latest


def _cache_state(path: Path, entity: Entity) -> dict[str, dict[str, Any]]:
    table = ENTITY_TABLES[entity].table.name
    with sqlite3.connect(path) as conn:
        return {i: json.loads(d) for i, d in conn.execute(f"SELECT id, doc FROM {table}")}


def test_outages_during_live_stream_and_push_leave_the_cache_equal_to_the_server(
    server: RestartableServer, api: Api, tmp_path: Path
) -> None:
    cache = tmp_path / "cache.sqlite3"
    rng = random.Random(7)
    stop = threading.Event()
    other = new_id("ws")
    token = api.token("collector")

    def other_workstation() -> None:
        # Reports from elsewhere, through the outages (failed pushes are simply retried).
        seq = 1
        with httpx.Client(base_url=server.url, timeout=5) as http:
            while not stop.is_set():
                body = {
                    "mutations": [
                        api.mutation(other, "case.report", {"case_id": new_id(), **REPORT}, seq=seq)
                    ]
                }
                try:
                    r = http.post(
                        "/api/v1/sync/push", json=body, headers={"Authorization": f"Bearer {token}"}
                    )
                    if r.status_code == 200:
                        seq += 1
                except httpx.TransportError:
                    pass
                stop.wait(0.03)

    async def scenario() -> None:
        async with running(server, cache, "collector") as engine:
            await until(lambda: engine.status.state.value == "online")
            feeder = threading.Thread(target=other_workstation)
            feeder.start()
            made = 0
            try:
                for _ in range(OUTAGES):
                    for _ in range(rng.randint(20, 60)):
                        case_id = new_id()
                        await asyncio.to_thread(
                            engine.store.submit,
                            "case.report",
                            {"case_id": case_id, **REPORT},
                            entity=Entity.CASE,
                            entity_id=case_id,
                        )
                        engine.poke()
                        made += 1
                        await asyncio.sleep(rng.uniform(0, 0.02))
                    await asyncio.to_thread(server.stop)  # mid-stream, mid-push
                    await asyncio.sleep(rng.uniform(0.2, 1.0))
                    await asyncio.to_thread(server.start)
            finally:
                stop.set()
                feeder.join()
            await until(lambda: engine.store.outbox_length() == 0, within=30, what="drained")
            last = api.all_changes("dispatcher")[-1]["seq"]
            await until(lambda: engine.store.cursor() >= last, within=30, what="caught up")
            assert made > 0

    asyncio.run(scenario())
    for entity in (Entity.CASE, Entity.CASE_EVENT):
        on_server = _server_state(api, entity.value)
        in_cache = _cache_state(cache, entity)
        assert len(in_cache) == len(on_server)
        assert _fingerprint(in_cache) == _fingerprint(on_server)
    # Exactly once on the server: one "reported" event per case.
    events = _server_state(api, "case_event")
    reported = [e["case_id"] for e in events.values() if e["kind"] == "reported"]
    assert len(reported) == len(set(reported)) == len(_server_state(api, "case"))


def test_a_server_restored_to_another_database_is_resynced(
    server: RestartableServer, api: Api, tmp_path: Path
) -> None:
    """The operators restore the server from another copy: our cursor is past its log's end,
    the server answers "resync", and the cache is rebuilt to what the server now holds; an
    intent still pending locally is kept and delivered."""
    pg = os.environ.get("CITYOPS_TEST_PG_URL")
    fresh, name = _fresh_postgres(pg) if pg else (f"sqlite:///{tmp_path / 'restored.db'}", "")
    seed_with_users(fresh)
    original = server.settings
    old_case = new_id()
    api.do("collector", new_id("ws"), "case.report", case_id=old_case, **REPORT)

    async def scenario() -> None:
        async with running(server, tmp_path / "cache.sqlite3", "collector") as engine:
            await until(lambda: engine.store.get(Entity.CASE, old_case) is not None)
            await asyncio.to_thread(server.stop)
            server.settings = replace(original, db_url=fresh)
            mine = new_id()
            await asyncio.to_thread(
                engine.store.submit,
                "case.report",
                {"case_id": mine, **REPORT},
                entity=Entity.CASE,
                entity_id=mine,
            )
            engine.poke()
            await asyncio.to_thread(server.start)
            # The restored copy has its own signing key and refresh tokens: log in again.
            await until(lambda: engine.status.state.value == "auth_expired", what="login asked")
            await engine.login("collector", PASSWORD)
            await until(
                lambda: engine.store.get(Entity.CASE, old_case) is None, what="old state gone"
            )
            await until(lambda: engine.store.outbox_length() == 0, what="pending delivered")
            await until(lambda: engine.store.count(Entity.CASE) == 1, what="only the new state")
            assert engine.store.get(Entity.CASE, mine) is not None

    try:
        asyncio.run(scenario())
    finally:
        server.stop()
        server.settings = original
        server.start()
        if pg:
            _drop_postgres(pg, name)
