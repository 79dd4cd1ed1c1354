"""The alarm map window's scenario for ``test_alarm_map.py``, run as its own process.

(A QApplication that has shown a QtWebEngine page cannot leave and re-enter its event loop:
see ``map_probe.py``.) Against the real server given on the command line: a dispatcher opens
the workstation and the alarm map as the app does; the storm scenario's readings go in through
the ingest API; the probe reads back what the page holds and what the local store holds, acts
from the map (click, acknowledge, filters, layers, convert, export) and prints it all as JSON.

``python alarm_map_probe.py URL API_KEY USER PASSWORD DATA_DIR SHOT_DIR``
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")

import httpx  # noqa: E402
import PySide6.QtWebEngineWidgets  # noqa: E402, F401  (before the QApplication)
import qasync  # noqa: E402
from PySide6.QtCore import QUrl  # noqa: E402
from PySide6.QtWebEngineWidgets import QWebEngineView  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from cityops.desktop import i18n, theme  # noqa: E402
from cityops.desktop.alarm_feed import load_alarm_markers, load_case_markers  # noqa: E402
from cityops.desktop.alarm_map import AlarmMapWindow  # noqa: E402
from cityops.desktop.alarm_map_presenter import AlarmMapPresenter  # noqa: E402
from cityops.desktop.alarm_panel import CriticalAlarmPopup  # noqa: E402
from cityops.desktop.session import Session  # noqa: E402
from cityops.desktop.settings import ClientSettings  # noqa: E402
from cityops.desktop.window_manager import WindowManager  # noqa: E402
from cityops.desktop.workstation_presenter import WorkstationPresenter  # noqa: E402
from cityops.domain.reference import load_reference  # noqa: E402
from cityops.domain.schemas import Entity  # noqa: E402
from cityops.simulator.clock import MINUTE  # noqa: E402
from cityops.simulator.iot import ReadingGenerator, build_network  # noqa: E402
from cityops.simulator.scenarios import build  # noqa: E402
from cityops.widgets.map_view import MapView  # noqa: E402
from tests.qt.qt_loop import wait_until  # noqa: E402

SEED = 7
SPEED = 60.0  # simulated seconds per real second: 30 storm minutes in 30 s of readings


def storm_readings() -> list[dict[str, Any]]:
    """The storm scenario's first 30 simulated minutes, as the IoT platform would send them
    (each with its sensor's district and position)."""
    ref = load_reference()
    network = build_network(SEED)
    generator = ReadingGenerator(
        network, build("storm", SEED, network, ref), seed=SEED, speed=SPEED, rate=1.0
    )
    start = 1_796_000_000.0  # a fixed instant, 2026-11-28: the run is the same every time
    out = []
    for r in generator.until(30 * MINUTE / SPEED):
        sensor = network.by_id.get(r.device_id)
        reading: dict[str, Any] = {
            "device_id": r.device_id,
            "metric": r.metric,
            "value": r.value,
            "at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(start + r.offset * SPEED)),
        }
        if sensor is not None:
            reading.update(district_code=sensor.district_code, lon=sensor.lon, lat=sensor.lat)
        out.append(reading)
    return out


def ingest(url: str, key: str, readings: list[dict[str, Any]], tag: str) -> int:
    raised = 0
    for i in range(0, len(readings), 2000):
        r = httpx.post(
            f"{url}/api/v1/ingest/readings",
            json={"readings": readings[i : i + 2000]},
            headers={"X-Api-Key": key, "Idempotency-Key": f"{tag}-{i}"},
            timeout=60,
        )
        r.raise_for_status()
        raised += int(r.json().get("alarms_raised", 0))
    return raised


async def page_colours(view: MapView) -> dict[str, str]:
    return await view.evaluate(
        "(function () { var o = {}; cityops.shownIds().forEach(function (i) {"
        " o[i] = cityops.colour(i); }); return o; })()"
    )


async def scenario(argv: list[str]) -> dict[str, Any]:
    url, key, user, password, data, shots = argv
    out: dict[str, Any] = {}
    session = await Session.login(url, user, password, base=Path(data))
    session.start()
    manager = WindowManager(session, ClientSettings(Path(data) / "desktop.ini"))
    store = session.store
    try:
        desk = (await manager.open("workstation")).presenter
        assert isinstance(desk, WorkstationPresenter)
        opened = await manager.open("alarm_map")
        window, presenter = opened.window, opened.presenter
        assert isinstance(window, AlarmMapWindow)
        assert isinstance(presenter, AlarmMapPresenter)
        window.resize(1600, 900)
        view = window.map
        await asyncio.wait_for(presenter.ready.wait(), 60)
        out["ready"] = True

        # ---- the storm arrives through the ingest API; the sync brings it to the store
        readings = storm_readings()
        out["readings"] = len(readings)
        out["raised"] = await asyncio.to_thread(ingest, url, key, readings, "storm")
        expected: dict[str, dict[str, Any]] = {}

        async def settled() -> bool:
            nonlocal expected
            expected = await asyncio.to_thread(load_alarm_markers, store)
            total = await view.evaluate("cityops.total()")
            loading = await view.evaluate("cityops.loading")
            return bool(expected) and total == len(expected) and not loading

        await wait_until(settled, 60, "the page holds what the store holds")
        await asyncio.sleep(0.5)  # one more flush: nothing else pending
        out["store_ids"] = sorted(expected)
        out["store_severity"] = {i: m["severity"] for i, m in expected.items()}
        out["store_state"] = {i: m["state"] for i, m in expected.items()}
        out["page_ids"] = await view.evaluate("cityops.shownIds()")
        out["page_colours"] = await page_colours(view)
        await view.evaluate("cityops.fit()")
        await asyncio.sleep(1.0)
        out["visible"] = await view.evaluate("cityops.visible()")
        out["count_text"] = window.count_label.text()
        await asyncio.sleep(0.5)
        out["shot_storm"] = window.grab().save(str(Path(shots) / "alarm-map-storm.png"))

        # ---- a click in the page reaches Python: the detail pane names the alarm
        critical = sorted(
            i
            for i, m in expected.items()
            if m["severity"] == "critical" and m["state"] == "active_unack"
        )
        target = critical[0] if critical else sorted(expected)[0]
        out["clicked"] = target
        await view.evaluate(f"cityops.click({json.dumps(target)})")
        await wait_until(lambda: window.detail.alarm_id() == target, 10, "the detail pane shows it")
        out["detail_title"] = window.detail.title_label.text()
        out["ack_enabled"] = window.detail.ack_button.isEnabled()

        # ---- acknowledge from the map: the queue, the page and the server agree
        window.detail.ack_button.click()
        panel = desk.alarm_panel

        def queue_state() -> str | None:
            row = panel._row(target)
            return None if row is None else row.state.value

        await wait_until(
            lambda: queue_state() == "active_ack", 15, "the queue shows it acknowledged"
        )
        out["queue_state"] = queue_state()

        async def server_acked() -> bool:
            doc = await asyncio.to_thread(store.get, Entity.ALARM, target)
            return bool(doc) and doc["state"] == "active_ack" and doc.get("acked_by") is not None

        await wait_until(server_acked, 20, "the store holds the server's acknowledged copy")

        async def page_faded() -> bool:
            # The page follows the store a flush or two later (coalesced reads, batches).
            style = await view.evaluate(f"cityops.style({json.dumps(target)})")
            return bool(style) and style["opacity"] == 0.5

        with contextlib.suppress(AssertionError):  # the test reports what the page showed
            await wait_until(page_faded, 10, "the page draws the alarm acknowledged")
        out["page_style_acked"] = await view.evaluate(f"cityops.style({json.dumps(target)})")
        doc = store.get(Entity.ALARM, target) or {}
        out["acked_by"] = doc.get("acked_by")

        # ---- filters: severity buttons and the district choice act in the page
        for severity, button in window.severity_buttons.items():
            button.setChecked(severity.value == "critical")
        await asyncio.sleep(0.6)
        out["filter_critical_page"] = await view.evaluate("cityops.shownIds()")
        out["filter_critical_store"] = sorted(
            i for i, m in expected.items() if m["severity"] == "critical"
        )
        for button in window.severity_buttons.values():
            button.setChecked(True)
        districts = sorted({m["district"] for m in expected.values() if m["district"]})
        pick = districts[0]
        window.district_combo.setCurrentIndex(window.district_combo.findData(pick))
        await asyncio.sleep(0.6)
        expected_now = await asyncio.to_thread(load_alarm_markers, store)
        out["filter_district_page"] = await view.evaluate("cityops.shownIds()")
        out["filter_district_store"] = sorted(
            i for i, m in expected_now.items() if m["district"] == pick
        )
        window.district_combo.setCurrentIndex(0)
        await asyncio.sleep(0.4)

        # ---- convert to case, then the cases layer shows it
        convert = next(i for i in sorted(expected_now) if i != target)
        await view.evaluate(f"cityops.click({json.dumps(convert)})")
        await wait_until(lambda: window.detail.alarm_id() == convert, 10, "the pane shows it")
        window.detail.convert_button.click()

        async def converted() -> str | None:
            doc = await asyncio.to_thread(store.get, Entity.ALARM, convert)
            return (doc or {}).get("case_id")

        await wait_until(converted, 20, "the alarm names its case")
        case_id = await converted()

        async def case_synced() -> bool:
            return await asyncio.to_thread(store.get, Entity.CASE, str(case_id)) is not None

        await wait_until(case_synced, 20, "the case reached the store")
        window.cases_check.setChecked(True)
        store_cases = await asyncio.to_thread(load_case_markers, store)

        async def cases_in() -> bool:
            return await view.evaluate("cityops.caseCount()") == len(store_cases)

        await wait_until(cases_in, 15, "the cases layer holds the open located cases")
        out["case_id"] = case_id
        out["store_cases"] = sorted(store_cases)
        out["page_layers"] = await view.evaluate("cityops.layers()")
        await view.evaluate(f"cityops.clickCase({json.dumps(case_id)})")
        await wait_until(
            lambda: str(case_id) in window.detail.body_label.text(), 10, "the pane shows the case"
        )

        # ---- heat layer: the density of the shown alarms
        window.heat_check.setChecked(True)
        await asyncio.sleep(0.8)
        out["heat_points"] = await view.evaluate("cityops.heatPoints()")
        out["shown_count"] = await view.evaluate("cityops.count()")
        window.heat_check.setChecked(False)

        # ---- a new critical alarm: it flashes, the map follows it, the pop-up names it
        sensor = next(s for s in build_network(SEED).sensors if s.id.startswith("GW-"))
        now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        where = {"district_code": sensor.district_code, "lon": sensor.lon, "lat": sensor.lat}
        gas = [{"device_id": sensor.id, "metric": "gas_lel", "value": 80.0, "at": now, **where}]
        await asyncio.to_thread(ingest, url, key, gas, "gas")
        out["new_critical_sensor"] = [sensor.lat, sensor.lon]

        async def followed() -> bool:
            # Storm alarms that synced late flash too; this one must be where the map went.
            view_now = await view.evaluate("cityops.view()")
            near = abs(view_now["lat"] - sensor.lat) + abs(view_now["lon"] - sensor.lon) < 0.005
            return near and bool(await view.evaluate("cityops.flashing()"))

        await wait_until(followed, 20, "the map pulled to the new critical alarm, flashing")
        await asyncio.sleep(0.3)
        out["view_after"] = await view.evaluate("cityops.view()")
        popups = [w for w in QApplication.topLevelWidgets() if isinstance(w, CriticalAlarmPopup)]
        out["popup_visible"] = any(w.isVisible() for w in popups)
        out["popup_names"] = [w.title_label.text() for w in popups if w.isVisible()]
        await asyncio.sleep(0.3)
        out["shot_flash"] = window.grab().save(str(Path(shots) / "alarm-map-new-critical.png"))

        # ---- export: one HTML file that opens offline and holds what the map showed
        exported = Path(shots) / "alarm-map-export.html"
        out["exported_count"] = await presenter.export(exported)
        out["export_size"] = exported.stat().st_size
        text = exported.read_text(encoding="utf-8")
        out["export_external"] = sorted(
            {part.split('"')[0] for part in text.split('src="')[1:] if not part.startswith("data:")}
        )
        check = QWebEngineView()
        check.resize(1000, 700)
        loaded = asyncio.get_running_loop().create_future()
        check.loadFinished.connect(lambda ok: loaded.done() or loaded.set_result(ok))
        check.show()
        check.load(QUrl.fromLocalFile(str(exported.resolve())))
        out["export_loaded"] = await asyncio.wait_for(loaded, 30)
        counted = asyncio.get_running_loop().create_future()
        check.page().runJavaScript(
            "window.cityops ? cityops.count() : -1", 0, lambda n: counted.set_result(n)
        )
        out["export_page_count"] = int(await asyncio.wait_for(counted, 10))
        check.close()
    finally:
        await manager.close_all()
        await session.close()
    return out


def main() -> int:
    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)
    i18n.install(app, "zh")
    theme.apply_workstation(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        result = loop.run_until_complete(scenario(sys.argv[1:]))
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
