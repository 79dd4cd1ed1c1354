"""Tokens: the engine renews a short-lived access token by itself; when the refresh token is
refused too (the user was disabled), it says "log in again" and resumes after the login."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from cityops.domain.schemas import Entity
from cityops.server import admin
from cityops.server.db import make_engine
from cityops.server.models import User
from cityops.sync.engine import SyncEngine
from tests.server.conftest import PASSWORD, new_id
from tests.sync.conftest import RestartableServer, serve
from tests.sync.test_engine import REPORT, running, until

ACCESS_TTL = timedelta(seconds=2)


@pytest.fixture(scope="module")
def server(db_url: str) -> Iterator[RestartableServer]:
    servers = serve(db_url, access_token_ttl=ACCESS_TTL)
    running_server = next(servers)
    engine = make_engine(db_url)
    admin.add_user(engine, "temp_collector", PASSWORD, "collector", "330102001")
    engine.dispose()
    yield running_server
    next(servers, None)  # stops it


def _enable(db: Engine, name: str) -> None:
    with db.begin() as conn:
        conn.execute(update(User).where(User.name == name).values(disabled=False))


def _report(engine: SyncEngine, case_id: str) -> None:
    engine.store.submit(
        "case.report", {"case_id": case_id, **REPORT}, entity=Entity.CASE, entity_id=case_id
    )
    engine.poke()


def test_an_expired_access_token_is_renewed_without_the_user(
    server: RestartableServer, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with running(server, tmp_path / "cache.sqlite3", "collector") as engine:
            await until(lambda: engine.status.state.value == "online")
            await asyncio.sleep(ACCESS_TTL.total_seconds() + 1)
            _report(engine, new_id())
            await until(lambda: engine.store.outbox_length() == 0, what="pushed after renewal")
            assert engine.status.state.value == "online"

    asyncio.run(scenario())


def test_a_refused_refresh_asks_for_a_login_and_the_login_resumes_sync(
    server: RestartableServer, tmp_path: Path
) -> None:
    db = make_engine(server.settings.db_url)

    async def scenario() -> None:
        async with running(server, tmp_path / "cache.sqlite3", "temp_collector") as engine:
            await until(lambda: engine.status.state.value == "online")
            await asyncio.to_thread(admin.disable_user, db, "temp_collector")
            await asyncio.sleep(ACCESS_TTL.total_seconds() + 1)
            case_id = new_id()
            _report(engine, case_id)
            await until(lambda: engine.status.state.value == "auth_expired", what="log in again")
            assert engine.store.outbox_length() == 1  # kept, not dropped
            await asyncio.to_thread(_enable, db, "temp_collector")  # the admin lets them back
            await engine.login("temp_collector", PASSWORD)  # the queued intent goes out
            await until(lambda: engine.store.outbox_length() == 0, what="pushed after login")

    try:
        asyncio.run(scenario())
    finally:
        db.dispose()
