"""Server tests run the real thing: uvicorn on 127.0.0.1 on a free port, a real database file.

Offers the fixtures ``db_url`` (a fresh SQLite file, or a fresh PostgreSQL database when
``CITYOPS_TEST_PG_URL`` is set), ``live_server`` (a running server with one user per role) and
``api`` (a small client that logs in, pushes intents with per-client seqs and pulls changes).
One server per test module keeps the suite quick; tests use their own ids so they do not meet.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count
from typing import Any

import httpx
import pytest
import uuid6
import uvicorn
from sqlalchemy import create_engine, text

from cityops.server import admin
from cityops.server.app import create_app
from cityops.server.db import make_engine
from cityops.server.settings import ServerSettings

PASSWORD = "correct horse battery"

#: name → (roles, unit): one account per role in real units of the reference data.
USERS: dict[str, tuple[str, str | None]] = {
    "commander": ("commander", "330100"),
    "dispatcher": ("dispatcher", "330100"),
    "district_dispatcher": ("dispatcher", "330105"),  # 拱墅区 only
    "supervisor": ("supervisor", "330100"),
    "operator": ("operator", "330100"),
    "admin": ("admin", None),
    "collector": ("collector", "330102001"),  # 湖滨街道
    "handler": ("handler", "DEP-330102-sanitation"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _fresh_postgres(base_url: str) -> tuple[str, str]:
    """Create an empty database for this module on the test PostgreSQL; returns its URL."""
    name = f"cityops_t_{uuid.uuid4().hex[:10]}"
    engine = create_engine(make_engine(base_url).url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = make_engine(base_url).url.set(database=name)
    return url.render_as_string(hide_password=False), name


def _drop_postgres(base_url: str, name: str) -> None:
    engine = create_engine(make_engine(base_url).url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pg = os.environ.get("CITYOPS_TEST_PG_URL")
    if pg:
        url, name = _fresh_postgres(pg)
        yield url
        _drop_postgres(pg, name)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'server.sqlite3'}"


@dataclass
class LiveServer:
    url: str
    db_url: str
    settings: ServerSettings
    app: Any

    @property
    def state(self) -> Any:
        return self.app.state.cityops


def start_server(settings: ServerSettings) -> tuple[LiveServer, uvicorn.Server, threading.Thread]:
    app = create_app(settings)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("server did not start")
        time.sleep(0.02)
    return LiveServer(f"http://127.0.0.1:{port}", settings.db_url, settings, app), server, thread


@pytest.fixture(scope="module")
def server_settings(db_url: str) -> ServerSettings:
    return ServerSettings(db_url=db_url, background_tasks=False, relay_poll_interval=0.2)


@pytest.fixture(scope="module")
def live_server(server_settings: ServerSettings) -> Iterator[LiveServer]:
    engine = make_engine(server_settings.db_url)
    admin.seed(engine)
    for name, (roles, unit) in USERS.items():
        admin.add_user(engine, name, PASSWORD, roles, unit, display_name=name)
    engine.dispose()
    live, server, thread = start_server(server_settings)
    yield live
    server.should_exit = True
    thread.join(timeout=10)


@dataclass
class Api:
    """A test client speaking the sync protocol as the desktop's sync engine will."""

    base: str
    http: httpx.Client = field(init=False)
    tokens: dict[str, str] = field(default_factory=dict)
    seqs: dict[str, count[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base, timeout=30)

    def login(self, user: str, password: str = PASSWORD) -> dict[str, Any]:
        r = self.http.post("/api/v1/auth/token", data={"username": user, "password": password})
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def token(self, user: str) -> str:
        if user not in self.tokens:
            self.tokens[user] = self.login(user)["access_token"]
        return self.tokens[user]

    def headers(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user)}"}

    def mutation(
        self,
        client_id: str,
        name: str,
        args: dict[str, Any],
        *,
        seq: int | None = None,
        base_version: int | None = None,
        mutation_id: str | None = None,
    ) -> dict[str, Any]:
        counter = self.seqs.setdefault(client_id, count(1))
        return {
            "client_id": client_id,
            "seq": seq if seq is not None else next(counter),
            "mutation_id": mutation_id or str(uuid6.uuid7()),
            "name": name,
            "args": args,
            "base_version": base_version,
            "client_now": datetime.now(UTC).isoformat(),
        }

    def push(self, user: str, *mutations: dict[str, Any]) -> httpx.Response:
        return self.http.post(
            "/api/v1/sync/push", json={"mutations": list(mutations)}, headers=self.headers(user)
        )

    def do(self, user: str, client_id: str, name: str, **args: Any) -> dict[str, Any]:
        """Push one intent and return its result (asserting the push itself succeeded)."""
        r = self.push(user, self.mutation(client_id, name, args))
        assert r.status_code == 200, r.text
        result: dict[str, Any] = r.json()["results"][0]
        return result

    def all_changes(self, user: str, after: int = 0) -> list[dict[str, Any]]:
        """Every change after ``after``, paging as a client's first sync does."""
        out: list[dict[str, Any]] = []
        while True:
            page = self.changes(user, after=after, limit=5000)
            out += page["changes"]
            after = page["last_seq"]
            if not page["has_more"]:
                return out

    def changes(self, user: str, after: int = 0, limit: int = 1000) -> dict[str, Any]:
        r = self.http.get(
            "/api/v1/changes", params={"after": after, "limit": limit}, headers=self.headers(user)
        )
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body


@pytest.fixture
def api(live_server: LiveServer) -> Iterator[Api]:
    client = Api(live_server.url)
    yield client
    client.http.close()


def new_id(prefix: str = "C") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
