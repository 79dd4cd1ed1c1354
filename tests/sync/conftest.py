"""Sync-engine tests run against the real server (uvicorn on 127.0.0.1, a real database file),
one that a test can stop and start again on the same port to play a network outage.

Offers ``server`` (a ``RestartableServer``, one per module) and the server tests' ``api``
helper for "another workstation" pushing through the same server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from cityops.server import admin
from cityops.server.app import create_app
from cityops.server.db import make_engine
from cityops.server.settings import ServerSettings
from tests.server.conftest import PASSWORD, USERS, Api, db_url, free_port  # noqa: F401

__all__ = ["PASSWORD", "Api"]


class RestartableServer:
    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        app = create_app(self.settings)
        # A short graceful shutdown: open live streams are cut as in a real outage.
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        assert self._server is not None
        assert self._thread is not None
        self._server.should_exit = True
        self._thread.join(timeout=15)


def seed_with_users(url: str) -> None:
    """The reference data and one user per role of the server tests (``USERS``)."""
    engine = make_engine(url)
    admin.seed(engine)
    for name, (roles, unit) in USERS.items():
        admin.add_user(engine, name, PASSWORD, roles, unit, display_name=name)
    engine.dispose()


def serve(url: str, **settings: Any) -> Iterator[RestartableServer]:
    """A seeded, running server for a module's fixture (stopped when the module ends)."""
    seed_with_users(url)
    running = RestartableServer(
        ServerSettings(db_url=url, background_tasks=False, relay_poll_interval=0.2, **settings)
    )
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def server(db_url: str) -> Iterator[RestartableServer]:  # noqa: F811
    yield from serve(db_url)


@pytest.fixture(scope="module")
def api(server: RestartableServer) -> Api:
    return Api(server.url)
