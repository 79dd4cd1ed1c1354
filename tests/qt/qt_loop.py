"""Running a coroutine on the Qt event loop (qasync) inside a test, as the desktop app does.

``run(qapp, coro)`` returns the coroutine's result. The loop is closed and collected before
pytest-qt pumps events again: a closed qasync loop's leftovers crashed the next test's event pump.
A dialog closing while no main window is shown must not end the loop, so the application's
quit-on-last-window is off (the app turns it off too: it quits after its session closed).
"""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

import qasync
from PySide6.QtWidgets import QApplication


def run(qapp: QApplication, coro: Any) -> Any:
    qapp.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()
        asyncio.set_event_loop(None)
        del loop
        gc.collect()
        qapp.processEvents()


async def wait_until(check: Any, within: float, what: str, step: float = 0.1) -> float:
    """Wait on the running loop until ``check()`` (a value, or a coroutine giving one) holds;
    returns the seconds it took. For the probes, whose checks read the page asynchronously."""
    started = time.monotonic()
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return time.monotonic() - started
        if time.monotonic() - started > within:
            raise AssertionError(f"not within {within} s: {what}")
        await asyncio.sleep(step)
