"""A device hall for the device-control tests and benchmark: the simulator's device gateway on
its own thread and loop, talking to a real server over HTTP with an integration key, and the
device-control window of a logged-in user.

``GatewayThread(url, api_key, …)``: ``start()`` / ``stop()``, ``offline_screens()`` (what the
gateway's fleet says now), ``reported`` (set once the first full status report is in).
``control(url, user, base, reconfirm_after=None, **presenter_options)``: an async context
manager yielding a ``Console`` (session, window, presenter) and closing everything after;
``reconfirm_after`` shortens the session's re-confirmation age (``session.reconfirm``).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from cityops.desktop.device_control import DeviceControlWindow
from cityops.desktop.device_control_presenter import DeviceControlPresenter
from cityops.desktop.session import Session
from cityops.domain.devices import DeviceKind
from cityops.domain.reference import load_reference
from cityops.simulator.client import Http
from cityops.simulator.clock import RunClock
from cityops.simulator.gateway import DeviceGateway
from cityops.simulator.runner import Stats
from cityops.simulator.scenarios import Scenario

PASSWORD = "correct horse battery"


class GatewayThread:
    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        seed: int = 3,  # five of its screens are offline at the start
        poll_interval: float = 0.3,
        status_interval: float = 1.0,
        instant: bool = False,
    ) -> None:
        self.url, self.api_key = url, api_key
        self.options = {
            "seed": seed,
            "poll_interval": poll_interval,
            "status_interval": status_interval,
            "instant": instant,
        }
        self.loop = asyncio.new_event_loop()
        self.gateway: DeviceGateway | None = None
        self.reported = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="sim-gateway")
        self._stop: asyncio.Event | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._main())

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        http = Http(self.url, self.api_key, self._stop, timeout=30)
        stats = Stats()
        self.gateway = DeviceGateway(
            http, load_reference(), Scenario(), RunClock(), stats, **self.options
        )
        task = asyncio.create_task(self.gateway.run())
        while stats.status_reports < len(self.gateway.fleet.devices):  # noqa: ASYNC110
            await asyncio.sleep(0.05)  # (the gateway counts; it has no event to wait on)
        self.reported.set()
        await self._stop.wait()
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        await http.close()

    def start(self) -> None:
        self._thread.start()
        assert self.reported.wait(60), "the gateway's first status report did not land"

    def stop(self) -> None:
        if self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(15)

    def offline_screens(self) -> set[str]:
        assert self.gateway is not None
        return {
            d.id
            for d in self.gateway.fleet.devices
            if d.kind is DeviceKind.LED_SCREEN and not d.online
        }


class Console:
    def __init__(
        self, session: Session, window: DeviceControlWindow, presenter: DeviceControlPresenter
    ) -> None:
        self.session, self.window, self.presenter = session, window, presenter


@asynccontextmanager
async def control(
    url: str, user: str, base: Path, reconfirm_after: timedelta | None = None, **options: Any
) -> AsyncIterator[Console]:
    session = await Session.login(url, user, PASSWORD, base=base)
    if reconfirm_after is not None:
        session.reconfirm.reconfirm_after = reconfirm_after
    session.start()
    window = DeviceControlWindow(user)
    presenter = DeviceControlPresenter(session, window, **options)
    window.resize(1600, 1000)
    window.show()
    try:
        await presenter.start()
        yield Console(session, window, presenter)
    finally:
        await presenter.stop()
        window.close()
        await session.close()
        window.deleteLater()
