"""Benchmarks of the offline alarm map (issue 7's targets), offscreen, one process.

``.venv/bin/python bench/bench_map.py [--count 50000] [--rate 1000] [--seconds 10]``

``show_<count>`` (s, target < 3): from creating the ``MapView`` to the page holding every alarm
    (clustered, chunked loading finished) — page load, district layer, one batch of markers.
``update_p95`` (ms, target < 500): ``--rate`` marker changes a second for ``--seconds``, queued
    with ``MapView.apply`` as the store's changes would be; each change's latency is from its
    ``apply`` to the page answering that its batch is in (runJavaScript callback), p95.
``ui_stall_max`` (ms, target < 50): the longest gap of a 10 ms timer on the UI thread meanwhile.

Prints each figure and its target; always exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from datetime import UTC, datetime
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

from cityops.domain.reference import RESOURCES  # noqa: E402
from cityops.widgets.map_view import MapView  # noqa: E402

SEVERITIES = ("warning", "minor", "major", "critical")


def alarm(n: int, rng: random.Random) -> dict[str, Any]:
    return {
        "id": f"A-{n}",
        "lat": 29.9 + rng.random() * 0.6,
        "lon": 119.8 + rng.random() * 0.7,
        "severity": rng.choice(SEVERITIES),
        "kind": "waterlogging",
        "state": "active_unack",
    }


async def until(check: Any, within: float) -> bool:
    started = time.perf_counter()
    while time.perf_counter() - started < within:
        if await check():
            return True
        await asyncio.sleep(0.02)
    return False


def line(name: str, value: float, unit: str, target: float, detail: str) -> str:
    verdict = "PASS" if value <= target else "MISS"
    return f"{name:<22}{value:>10.1f} {unit:<3} target <= {target:>6g}  {verdict}  [{detail}]"


async def bench(count: int, rate: int, seconds: float) -> list[str]:
    rng = random.Random(7)
    districts = json.loads((RESOURCES / "districts.geojson").read_text(encoding="utf-8"))
    alarms = [alarm(n, rng) for n in range(count)]
    out: list[str] = []

    t0 = time.perf_counter()
    view = MapView(flush_ms=200)
    view.resize(1600, 900)
    view.show()
    view.load_map(districts)
    view.apply(add=alarms)  # sent as soon as the page is up

    async def all_in() -> bool:
        return bool(
            view.is_ready
            and await view.evaluate(f"cityops.count() === {count} && !cityops.loading")
        )

    ok = await until(all_in, 60)
    shown = time.perf_counter() - t0
    out.append(
        line(
            f"show_{count}",
            shown,
            "s",
            3,
            "page + districts + markers" + ("" if ok else ", INCOMPLETE"),
        )
    )
    print(out[-1], flush=True)

    # Sustained updates with a UI-thread probe.
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        last[0] = now

    probe = QTimer(interval=10)
    probe.timeout.connect(tick)
    probe.start()
    latencies: list[float] = []
    queued: dict[str, float] = {}

    def flush() -> None:
        sent = dict(queued)
        queued.clear()
        if not sent:
            return
        send_timed(sent)

    def send_timed(sent: dict[str, float]) -> None:
        if not view._pending_add and not view._pending_remove:  # noqa: SLF001
            return
        batch = {"add": list(view._pending_add.values()), "remove": sorted(view._pending_remove)}  # noqa: SLF001
        view._pending_add, view._pending_remove = {}, set()  # noqa: SLF001

        def landed(_result: Any) -> None:
            now = time.perf_counter()
            latencies.extend((now - at) * 1000 for at in sent.values())

        view.page().runJavaScript(f"cityops.apply({json.dumps(batch)})", 0, landed)

    view._flush.timeout.disconnect()  # noqa: SLF001
    view._flush.timeout.connect(flush)  # noqa: SLF001
    started = time.perf_counter()
    sent = 0
    while time.perf_counter() - started < seconds:
        due = int((time.perf_counter() - started) * rate)
        while sent < due:
            a = alarm(rng.randrange(count), rng)
            a["id"] = f"A-{rng.randrange(count)}"
            view.apply(add=[a])
            queued[a["id"]] = time.perf_counter()
            sent += 1
        await asyncio.sleep(0.005)
    await asyncio.sleep(1.0)
    probe.stop()
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95)] if latencies else float("nan")
    out.append(
        line(
            "update_p95",
            p95,
            "ms",
            500,
            f"{sent:,} changes at {rate}/s, {len(latencies):,} measured",
        )
    )
    print(out[-1], flush=True)
    out.append(
        line(
            "ui_stall_max",
            max(gaps[5:]) if len(gaps) > 5 else float("nan"),
            "ms",
            50,
            "10 ms timer on the UI thread",
        )
    )
    print(out[-1], flush=True)
    view.close()
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--count", type=int, default=50_000)
    p.add_argument("--rate", type=int, default=1000)
    p.add_argument("--seconds", type=float, default=10.0)
    args = p.parse_args()
    print(
        f"map benchmarks: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.2f}, {args.count:,} alarms",
        flush=True,
    )
    app = QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(bench(args.count, args.rate, args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
