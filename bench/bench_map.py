"""Benchmarks of the live alarm map window (issue 7's targets), offscreen, one process.

``.venv/bin/python bench/bench_map.py [--count 50000] [--rate 1000] [--seconds 10]``

The alarms live in a real local store (SQLite file, written through ``apply_changes`` as the
sync engine writes them); the window and its presenter are the app's own
(``AlarmMapWindow`` + ``AlarmMapPresenter``), fed by the sync bridge's ``entities_changed``.

``show_<count>`` (s, target < 3): from creating the window to the page holding every alarm of
    the store (clustered, chunked loading finished) — page build, store read, one batch.
``update_p95`` (ms, target < 500): ``--rate`` alarm changes a second for ``--seconds``, written
    to the store in 100 ms batches and announced as the engine announces them; each change's
    latency runs from its store commit to the page confirming the batch holding it
    (``MapView.landed``), p95.
``ui_stall_max`` (ms, target < 50): the longest gap of a 10 ms timer on the UI thread minus
    its 10 ms, over the update run.

Prints each figure and its target; always exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import PySide6.QtWebEngineWidgets  # noqa: E402, F401  (before the QApplication)
import qasync  # type: ignore[import-untyped]  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from cityops.desktop import i18n  # noqa: E402
from cityops.desktop.alarm_map import AlarmMapWindow  # noqa: E402
from cityops.desktop.alarm_map_presenter import AlarmMapPresenter  # noqa: E402
from cityops.desktop.session import Session  # noqa: E402
from cityops.domain.actors import Actor, Role  # noqa: E402
from cityops.domain.alarms import AlarmKind  # noqa: E402
from cityops.domain.geography import load_districts  # noqa: E402
from cityops.domain.reference import load_reference  # noqa: E402
from cityops.local_store.store import LocalStore  # noqa: E402
from cityops.sync.api import ServerApi  # noqa: E402

SEVERITIES = ("warning", "minor", "major", "critical")
STATES = ("active_unack", "active_ack", "cleared_unack")
KINDS = tuple(k.value for k in AlarmKind)
T0 = datetime(2026, 11, 28, 8, tzinfo=UTC)


def alarm_doc(
    n: int, version: int, rng: random.Random, where: tuple[str, float, float]
) -> dict[str, Any]:
    code, lon, lat = where
    severity = rng.choice(SEVERITIES)
    at = (T0 + timedelta(seconds=n)).isoformat()
    return {
        "id": f"A-{n:06d}",
        "device_id": f"DEV-{n:06d}",
        "kind": rng.choice(KINDS),
        "severity": severity,
        "peak_severity": severity,
        "state": rng.choice(STATES),
        "first_raised_at": at,
        "last_raised_at": at,
        "value": 50.0,
        "threshold": 40.0,
        "occurrences": 1,
        "district_code": code,
        "lon": lon,
        "lat": lat,
        "version": version,
    }


def change(seq: int, doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "seq": seq,
        "entity": "alarm",
        "entity_id": doc["id"],
        "op": "upsert",
        "version": doc["version"],
        "payload": doc,
    }


def places(count: int) -> list[tuple[str, float, float]]:
    """Points inside the real districts, weighted to the urban core as the sensors are."""
    rng = random.Random(11)
    districts = list(load_districts().values())
    return [
        (d.code, *(round(v, 6) for v in d.random_point(rng)))
        for d in (rng.choice(districts) for _ in range(count))
    ]


def line(name: str, value: float, unit: str, target: float, detail: str) -> str:
    verdict = "PASS" if value <= target else "MISS"
    return f"{name:<22}{value:>10.1f} {unit:<3} target <= {target:>6g}  {verdict}  [{detail}]"


async def until(check: Any, within: float) -> bool:
    started = time.perf_counter()
    while time.perf_counter() - started < within:
        if await check():
            return True
        await asyncio.sleep(0.02)
    return False


async def bench(folder: Path, count: int, rate: int, seconds: float) -> None:
    rng = random.Random(7)
    where = places(count)
    store = LocalStore.open(folder / "client.sqlite3")
    docs = [alarm_doc(n, 1, rng, where[n]) for n in range(count)]
    store.apply_changes([change(n + 1, d) for n, d in enumerate(docs)], count)
    seq = count
    me = Actor("bench", frozenset({Role.DISPATCHER}), "330100", "bench")
    session = Session(
        "http://127.0.0.1:9", store, ServerApi("http://127.0.0.1:9"), me, load_reference()
    )

    t0 = time.perf_counter()
    districts = {d.code: d.name_zh for d in session.reference.units.districts}
    window = AlarmMapWindow(districts, "bench")
    window.resize(1600, 900)
    presenter = AlarmMapPresenter(session, window)
    window.show()
    await presenter.start()
    started_at = time.perf_counter() - t0
    view = window.map
    ready_at = [0.0]

    # Every state on (the window opens with shelved ones off; none here are shelved).
    async def all_in() -> bool:
        if view.is_ready and not ready_at[0]:
            ready_at[0] = time.perf_counter() - t0
        return bool(
            view.is_ready
            and await view.evaluate(f"cityops.total() === {count} && !cityops.loading")
        )

    ok = await until(all_in, 60)
    shown = time.perf_counter() - t0
    detail = f"start() done {started_at:.2f} s, page up by {ready_at[0]:.2f} s"
    print(line(f"show_{count}", shown, "s", 3, detail + ("" if ok else ", INCOMPLETE")))

    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000 - 10)
        last[0] = now

    probe = QTimer(interval=10)
    probe.timeout.connect(tick)
    committed: dict[str, float] = {}
    latencies: list[float] = []

    def landed(ids: list[str]) -> None:
        now = time.perf_counter()
        for i in ids:
            at = committed.pop(i, None)
            if at is not None:
                latencies.append((now - at) * 1000)

    view.landed.connect(landed)
    versions = {d["id"]: 1 for d in docs}
    started = time.perf_counter()
    probe.start()
    sent = 0
    while time.perf_counter() - started < seconds:
        due = int((time.perf_counter() - started) * rate)
        batch = []
        while sent < due:
            n = rng.randrange(count)
            alarm_id = f"A-{n:06d}"
            versions[alarm_id] += 1
            batch.append(alarm_doc(n, versions[alarm_id], rng, where[n]))
            sent += 1
        if batch:
            changes = []
            for d in batch:
                seq += 1
                changes.append(change(seq, d))
            # The engine writes in a worker thread, then announces what it touched.
            applied = await asyncio.to_thread(store.apply_changes, changes, seq)
            now = time.perf_counter()
            for d in batch:
                committed[d["id"]] = now
            session.bridge._on_engine_changes(applied.touched)  # noqa: SLF001 (the engine's call)
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.5)
    probe.stop()
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95)] if latencies else float("nan")
    median = latencies[len(latencies) // 2] if latencies else float("nan")
    detail = f"{sent:,} changes at {rate}/s, {len(latencies):,} measured, median {median:.0f} ms"
    print(line("update_p95", p95, "ms", 500, detail), flush=True)
    stall = max(gaps[5:]) if len(gaps) > 5 else float("nan")
    print(line("ui_stall_max", stall, "ms", 50, "10 ms timer on the UI thread"), flush=True)
    stats = await view.evaluate("cityops.stats")
    each = stats["ms"] / max(1, stats["applies"])
    print(
        f"page: {stats['applies']} batches, {each:.1f} ms each on average, longest "
        f"{stats['maxMs']:.0f} ms (the first holds all {count:,})",
        flush=True,
    )
    await presenter.stop()
    window.close()
    store.close()


def main() -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--count", type=int, default=50_000)
    p.add_argument("--rate", type=int, default=1000)
    p.add_argument("--seconds", type=float, default=10.0)
    args = p.parse_args()
    print(
        f"alarm map benchmarks: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.2f}, {args.count:,} alarms",
        flush=True,
    )
    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)
    i18n.install(app, "zh")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop, tempfile.TemporaryDirectory(prefix="bench-map-") as tmp:
        loop.run_until_complete(bench(Path(tmp), args.count, args.rate, args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
