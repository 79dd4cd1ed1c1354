"""Simulator tests run the real city against a real server (uvicorn on a free port, SQLite).

Offers ``template`` (a database seeded once per session by ``admin.seed(demo=True,
credentials=…)``: devices, demo users, the simulator's 138 accounts and API key), ``city``
(a fresh copy of it served by a running server, with its ``Credentials``), ``simulate(city,
**config)`` (one run of ``runner.run``) and ``changes(city)`` (the whole changes log, as a
client pulls it). Copying the seeded file keeps each test from paying the seeding again.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from cityops.server import admin
from cityops.server.db import make_engine
from cityops.server.settings import ServerSettings
from cityops.simulator.credentials import Credentials
from cityops.simulator.runner import SimConfig, Stats, run
from tests.server.conftest import LiveServer, start_server


@dataclass(frozen=True)
class Template:
    db: Path
    credentials: Path


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    folder = tmp_path_factory.mktemp("city-template")
    db = folder / "city.sqlite3"
    creds = folder / "credentials.json"
    engine = make_engine(f"sqlite:///{db}")
    admin.seed(engine, demo=True, credentials=creds)
    engine.dispose()
    return Template(db, creds)


@dataclass
class City:
    server: LiveServer
    credentials: Credentials
    db: Path

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture
def city(template: Template, tmp_path: Path) -> Iterator[City]:
    db = tmp_path / "city.sqlite3"
    shutil.copyfile(template.db, db)
    settings = ServerSettings(
        db_url=f"sqlite:///{db}", background_tasks=False, relay_poll_interval=0.2
    )
    live, server, thread = start_server(settings)
    yield City(live, Credentials.load(template.credentials), db)
    server.should_exit = True
    thread.join(timeout=15)


def simulate(city: City, **config: Any) -> Stats:
    """One run of the simulator against ``city``; the intervals default to test-friendly ones."""
    options: dict[str, Any] = {
        "pull_interval": 0.3,
        "poll_interval": 0.5,
        "status_interval": 2.0,
        "profile_hour": 10.0,
        **config,
    }
    return asyncio.run(run(SimConfig(server=city.url, credentials=city.credentials, **options)))


def changes(city: City, user: str = "commander") -> list[dict[str, Any]]:
    """The whole changes log, read by ``user`` from the credentials file."""
    password = city.credentials.users[user].password
    with httpx.Client(base_url=city.url, timeout=30) as http:
        r = http.post("/api/v1/auth/token", data={"username": user, "password": password})
        r.raise_for_status()
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        out: list[dict[str, Any]] = []
        after = 0
        while True:
            page = http.get(
                "/api/v1/changes", params={"after": after, "limit": 5000}, headers=headers
            ).json()
            out += page["changes"]
            after = page["last_seq"]
            if not page["has_more"]:
                return out


def latest(log: list[dict[str, Any]], entity: str) -> dict[str, dict[str, Any]]:
    """The newest payload of each ``entity`` in the log, by id."""
    docs: dict[str, dict[str, Any]] = {}
    for change in log:
        if change["entity"] == entity and change["payload"] is not None:
            docs[change["entity_id"]] = change["payload"]
    return docs


def history(log: list[dict[str, Any]], entity: str) -> list[dict[str, Any]]:
    """Every payload of ``entity`` in the log, in order."""
    return [c["payload"] for c in log if c["entity"] == entity and c["payload"] is not None]
