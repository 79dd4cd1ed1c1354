"""The FastAPI application: ``create_app(settings)``.

Offers ``create_app`` to the CLI (``cityops server``) and to tests. On start it brings the
database to the newest schema, loads the reference data once, reads or creates the JWT secret,
and starts this process's background tasks (the change relay that feeds live streams; the SLA
watcher and metrics when enabled). Routers come from the modules that own each endpoint.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

from fastapi import FastAPI

from cityops import __version__
from cityops.domain.reference import load_reference
from cityops.server import auth, changes, push
from cityops.server import handlers_alarms as _handlers_alarms  # noqa: F401  (registers handlers)
from cityops.server import handlers_cases as _handlers_cases  # noqa: F401  (registers handlers)
from cityops.server.db import WriteGate, create_schema, make_engine
from cityops.server.problems import install_problem_handlers
from cityops.server.settings import ServerSettings
from cityops.server.state import ServerState

log = logging.getLogger(__name__)

BackgroundTask = Callable[[ServerState], Awaitable[None]]

#: Modules of ``cityops.server`` that add endpoints: each has a ``router`` and may have
#: ``background`` (an ``async def background(state)`` that runs for the life of the process).
#: Importing a module also registers any mutation handlers it defines.
EXTENSION_MODULES: tuple[str, ...] = (
    "events",
    "ingest",
    "sla_watcher",
    "open311",
    "gateway",
    "inspections",
    "lighting_schedules",
)


def _extensions() -> list[tuple[Any, BackgroundTask | None]]:
    found = []
    for name in EXTENSION_MODULES:
        module = importlib.import_module(f"cityops.server.{name}")
        found.append((getattr(module, "router", None), getattr(module, "background", None)))
    return found


def _build_state(settings: ServerSettings) -> ServerState:
    engine = make_engine(settings.db_url)
    create_schema(engine)
    gate = WriteGate(engine)
    with gate.write() as session:
        secret = auth.jwt_secret(session, settings.jwt_secret)
        log = changes.log_id(session)
    return ServerState(
        settings=settings,
        engine=engine,
        gate=gate,
        reference=load_reference(),
        jwt_secret=secret,
        hub=changes.ChangeHub(),
        log_id=log,
    )


async def _guarded(name: str, task: BackgroundTask, state: ServerState) -> None:
    """Run a background task for the life of the process, restarting it if it fails."""
    while True:
        try:
            await task(state)
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background task %s failed; restarting in 1 s", name)
            await asyncio.sleep(1)


#: Young-generation threshold and the two older ones for a server process (Python's default
#: is 700, 10, 10). See ``tune_collector``.
GC_THRESHOLDS = (50_000, 20, 100)


def tune_collector() -> None:
    """Set the cyclic garbage collector up for a long-running server process (call it once,
    after ``create_app``, in the process that serves; the CLI does).

    Why: a pushed batch allocates a few hundred thousand short-lived objects, so with the
    default thresholds a full collection ran every few batches and walked every object the
    process holds (imported modules, reference data, the parsed-document caches): ~9 % of the
    server's CPU under push load, measured with ``gc.callbacks`` (docs/benchmarks.md, run G).
    ``gc.freeze()`` moves what start-up built into a generation the collector never walks;
    the higher thresholds make the older generations' walks rare. Reference cycles are still
    collected, only in fewer, larger passes; most objects here die by reference counting.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def create_app(settings: ServerSettings) -> FastAPI:
    state = _build_state(settings)
    extensions = _extensions()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(_guarded("relay", state.hub.run, state), name="relay")]
        if settings.background_tasks:
            for _router, task in extensions:
                if task is not None:
                    name = getattr(task, "__name__", "task")
                    tasks.append(asyncio.create_task(_guarded(name, task, state), name=name))
        state.tasks = list(tasks)
        try:
            yield
        finally:
            for t in tasks:
                t.cancel()
            for t in tasks:
                with suppress(asyncio.CancelledError):
                    await t
            state.engine.dispose()

    app = FastAPI(
        title="CityOps Command Hall server",
        version=__version__,
        lifespan=lifespan,
        description="Sync server of the city operations hall: cases, alarms, devices, events.",
    )
    app.state.cityops = state
    install_problem_handlers(app)
    app.include_router(auth.router)
    app.include_router(changes.router)
    app.include_router(push.router)
    for router, _task in extensions:
        if router is not None:
            app.include_router(router)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, Any]:
        """Liveness and the newest change seq (a load balancer and the installer check it)."""
        with state.gate.read() as session:
            newest = changes.last_seq(session)
        return {"status": "ok", "version": __version__, "last_seq": newest}

    return app
