"""The tasks a presenter starts on the qasync loop: kept referenced until done, cancelled together.

Offers ``Tasks(owner, on_error=None)`` to the presenters and feeds: ``spawn(coro, name)`` starts
a task (after ``close()`` the coroutine is closed unstarted: a window that is closing starts
nothing new), ``await close()`` cancels every task still running and waits for them (a cancelled
task that never ran would otherwise outlive the loop, never awaited). A task that fails is logged
with ``owner`` and, when given, ``on_error("<name>: <error>")`` tells the window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Tasks:
    def __init__(self, owner: str, on_error: Callable[[str], None] | None = None) -> None:
        self.owner = owner
        self.on_error = on_error
        self.closed = False
        self._live: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any] | None:
        if self.closed:
            coro.close()
            return None
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._live.add(task)
        task.add_done_callback(self._on_done)
        return task

    def _on_done(self, task: asyncio.Task[Any]) -> None:
        self._live.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        log.error("%s task %s failed", self.owner, task.get_name(), exc_info=task.exception())
        if self.on_error is not None:
            self.on_error(f"{task.get_name()}: {task.exception()}")

    async def close(self) -> None:
        self.closed = True
        live = list(self._live)
        for task in live:
            task.cancel()
        for task in live:
            with contextlib.suppress(asyncio.CancelledError):
                await task
