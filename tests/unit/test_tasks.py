"""A presenter's tasks: kept until done, a failure told to the window, all cancelled on close,
nothing started after it (Qt-free)."""

from __future__ import annotations

import asyncio
import warnings

from cityops.desktop.tasks import Tasks


def test_a_failure_is_told_and_close_cancels_what_still_runs() -> None:
    told: list[str] = []
    finished: list[str] = []

    async def fail() -> None:
        raise ValueError("disk full")

    async def slow() -> None:
        try:
            await asyncio.sleep(60)
        finally:
            finished.append("slow")

    async def scenario() -> None:
        tasks = Tasks("test", told.append)
        tasks.spawn(fail(), "save")
        tasks.spawn(slow(), "load")
        await asyncio.sleep(0.01)
        assert told == ["save: disk full"]
        await tasks.close()
        assert finished == ["slow"]  # cancelled and waited for, not left behind

    asyncio.run(scenario())


def test_nothing_starts_after_close() -> None:
    ran: list[str] = []

    async def job() -> None:
        ran.append("job")

    async def scenario() -> None:
        tasks = Tasks("test")
        await tasks.close()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "coroutine was never awaited" would be an error
            assert tasks.spawn(job(), "late") is None
        await asyncio.sleep(0.01)

    asyncio.run(scenario())
    assert ran == []
