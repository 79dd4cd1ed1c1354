"""The map scenario of ``test_map_view.py``, run as its own process.

A QApplication that has shown a QtWebEngine page crashes the next time its event loop is left
and entered again (PySide6 6.11: the second ``exec``'s ``exit`` segfaults; the desktop app runs
its loop once, tests run one per test). So the map runs here, in one loop, and prints what the
page holds as JSON for the test to check.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")

import PySide6.QtWebEngineWidgets  # noqa: E402, F401  (before the QApplication)
import qasync  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from cityops.domain.reference import RESOURCES  # noqa: E402
from cityops.widgets.map_view import MapView  # noqa: E402

SEVERITIES = ("warning", "minor", "major", "critical")


def alarm(n: int, lat: float, lon: float, severity: str) -> dict[str, Any]:
    return {"id": f"A-{n}", "lat": lat, "lon": lon, "severity": severity,
            "kind": "waterlogging", "state": "active_unack", "label": f"积水 {n}"}  # fmt: skip


async def scenario(shot: Path) -> dict[str, Any]:
    districts = json.loads((RESOURCES / "districts.geojson").read_text(encoding="utf-8"))
    out: dict[str, Any] = {"clicked": []}
    view = MapView(flush_ms=50)
    view.resize(1200, 800)
    view.marker_clicked.connect(out["clicked"].append)
    view.show()
    view.load_map(districts)
    for _ in range(400):
        if view.is_ready:
            break
        await asyncio.sleep(0.05)
    out["ready"] = view.is_ready
    out["cluster_library"] = await view.evaluate("typeof L.markerClusterGroup")
    # A storm's alarms: 200 spread over the city, and a knot of 40 warnings and one critical
    # at one underpass (one cluster that must be red).
    spread = [
        alarm(n, 30.10 + (n % 20) * 0.02, 119.95 + (n // 20) * 0.04, SEVERITIES[n % 3])
        for n in range(200)
    ]
    knot = [alarm(1000 + n, 30.2600, 120.1700, "warning") for n in range(40)]
    knot.append(alarm(2000, 30.2600, 120.1700, "critical"))
    view.apply(add=spread + knot)
    await asyncio.sleep(0.3)
    out["count"] = await view.evaluate("cityops.count()")
    out["colour_critical"] = await view.evaluate("cityops.colour('A-2000')")
    out["colour_major"] = await view.evaluate("cityops.colour('A-2')")
    out["clusters"] = await view.evaluate("cityops.clusters()")
    view.apply(remove=[f"A-{n}" for n in range(100)], add=[alarm(150, 30.3, 120.2, "critical")])
    await asyncio.sleep(0.3)
    out["count_after"] = await view.evaluate("cityops.count()")
    out["colour_changed"] = await view.evaluate("cityops.colour('A-150')")
    await view.evaluate("cityops.click('A-2000')")
    for _ in range(100):
        if out["clicked"]:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    out["shot"] = view.grab().save(str(shot))
    view.close()
    return out


def main() -> int:
    shot = Path(sys.argv[1])
    app = QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        result = loop.run_until_complete(scenario(shot))
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
