"""The video-wall cockpit's scenario for ``test_cockpit.py``, run as its own process.

(QtWebEngine: see ``map_probe.py``.) A small hall of its own, as ``cityops demo`` builds it: a
seeded SQLite file, ``cityops server`` and ``cityops simulate --scenario storm`` as child
processes. The commander's cockpit renders the default layout at 3840×2160 offscreen; then the
server is stopped (the wall must keep running and grey its panels within 30 s) and started
again on the same port (the panels must come back). Prints what it saw as JSON.

``python cockpit_probe.py VAR_DIR SHOT_DIR``
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
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
from PySide6.QtWidgets import QApplication  # noqa: E402

from cityops import demo  # noqa: E402
from cityops.desktop import i18n, theme  # noqa: E402
from cityops.desktop.cockpit import CockpitWindow  # noqa: E402
from cityops.desktop.cockpit_layout import load_config  # noqa: E402
from cityops.desktop.cockpit_presenter import CockpitPresenter  # noqa: E402
from cityops.desktop.session import Session  # noqa: E402
from cityops.widgets.cockpit_panels import BoardPanel  # noqa: E402
from tests.qt.qt_loop import wait_until  # noqa: E402

CLI = [sys.executable, "-m", "cityops.cli"]


class Hall:
    """The server and the simulator as child processes (the server can be stopped and started
    again on its port)."""

    def __init__(self, var: Path, *, speed: float = 60.0, rate: float = 10.0) -> None:
        self.var = var
        self.speed, self.rate = speed, rate
        self.db = f"sqlite:///{var / 'hall.sqlite3'}"
        self.credentials = var / "credentials.json"
        self.port = demo.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: subprocess.Popen[bytes] | None = None
        self.simulator: subprocess.Popen[bytes] | None = None

    def seed(self) -> None:
        argv = [*CLI, "seed", "--db", self.db, "--demo", "--credentials", str(self.credentials)]
        subprocess.run(argv, check=True, capture_output=True, timeout=180)

    def start_server(self) -> None:
        log = open(self.var / "server.log", "ab")  # noqa: SIM115 (lives with the server)
        argv = [*CLI, "server", "--db", self.db, "--port", str(self.port), "--log-level", "warning"]
        self.server = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not come up: " + demo.tail(self.var / "server.log"))

    def stop_server(self) -> None:
        demo.stop_process(self.server)
        self.server = None

    def start_simulator(self) -> None:
        log = open(self.var / "simulator.log", "ab")  # noqa: SIM115
        argv = [*CLI, "simulate", "--server", self.url, "--credentials", str(self.credentials)]
        argv += ["--scenario", "storm", "--rate", f"{self.rate:g}", "--speed", f"{self.speed:g}"]
        argv += ["--seed", "3"]
        self.simulator = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)

    def password(self, user: str) -> str:
        data = json.loads(self.credentials.read_text(encoding="utf-8"))
        return str(data["users"][user]["password"])

    def stop(self) -> None:
        demo.stop_process(self.simulator)
        demo.stop_process(self.server)


async def scenario(var: Path, shots: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    hall = Hall(var)
    await asyncio.to_thread(hall.seed)
    await asyncio.to_thread(hall.start_server)
    hall.start_simulator()
    session = await Session.login(hall.url, "commander", hall.password("commander"), base=var)
    session.start()
    window = CockpitWindow(load_config())
    presenter = CockpitPresenter(session, window, place=False)
    try:
        window.resize(3840, 2160)
        window.show()
        await presenter.start()
        assert presenter.feed is not None
        await asyncio.wait_for(presenter.feed.ready.wait(), 60)

        def busy() -> bool:
            s = presenter.snapshot
            return bool(s and s.kpis.active_alarms_total > 0 and s.kpis.cases_reported_today > 0)

        out["data_after_s"] = await wait_until(busy, 90, "storm alarms and cases on the wall")

        def storm() -> bool:  # the storm's peak: most underpasses of three districts flooded
            s = presenter.snapshot
            return bool(s and s.kpis.active_alarms_total >= 20)

        with contextlib.suppress(AssertionError):  # a screenshot of what there is, then
            await wait_until(storm, 45, "the storm's alarms")
        await asyncio.sleep(2)  # a few refreshes: the trends and the ticker fill
        snap = presenter.snapshot
        assert snap is not None
        out["kpis"] = {
            "alarms": snap.kpis.active_alarms_total,
            "cases": snap.kpis.cases_reported_today,
            "screens": [snap.kpis.screens_online, snap.kpis.screens_total],
        }
        out["ticker"] = len(snap.ticker)
        out["map_markers"] = await window.map.evaluate("cityops.total()") if window.map else 0
        out["feed_markers"] = len(presenter.feed.markers)
        out["panels"] = [spec.type for spec, _ in window.current_panels()]
        out["stale_before"] = [p.is_stale() for _, p in window.current_panels()]
        out["link_online"] = window.link_label.text()
        out["size"] = [window.width(), window.height()]
        out["shot"] = window.grab().save(str(shots / "cockpit-4k.png"))
        out["snapshots_before"] = presenter.snapshots

        # ---- the server stops: the wall keeps running and greys out within 30 s
        stale_after = max(spec.stale_after_s for spec, _ in window.current_panels())
        out["stale_after_s"] = stale_after
        states: list[tuple[float, str]] = []
        stopping = time.monotonic()
        session.bridge.status_changed.connect(
            lambda st: states.append((round(time.monotonic() - stopping, 1), st.state.value))
        )
        await asyncio.to_thread(hall.stop_server)
        out["server_stop_took_s"] = round(time.monotonic() - stopping, 1)
        clock_before = window.clock_label.text()
        out["stale_in_s"] = await wait_until(
            lambda: all(p.is_stale() for _, p in window.current_panels()),
            60,
            "every panel marked stale",
        )
        out["stale_in_s"] += out["server_stop_took_s"]  # from the moment the stop began
        out["link_states"] = states
        out["clock_moved"] = window.clock_label.text() != clock_before  # still running
        out["link_offline"] = window.link_label.text()
        out["footers_stale"] = [p.footer_text() for _, p in window.current_panels()][:3]
        if window.map is not None:
            await asyncio.sleep(0.3)
            out["map_filter_stale"] = await window.map.evaluate("document.body.style.filter")
        out["shot_stale"] = window.grab().save(str(shots / "cockpit-4k-stale.png"))

        # ---- the server returns: the panels come back
        await asyncio.to_thread(hall.start_server)
        out["recovered_in_s"] = await wait_until(
            lambda: not any(p.is_stale() for _, p in window.current_panels()),
            60,
            "every panel fresh again",
        )
        out["link_back"] = window.link_label.text()
        snapshots = presenter.snapshots
        await wait_until(lambda: presenter.snapshots > snapshots, 30, "snapshots again")

        # ---- the playlist's next layout: the map moves with it
        window.next_requested.emit()
        await asyncio.sleep(2)
        out["second_layout"] = window.current()
        out["second_panels"] = [spec.type for spec, _ in window.current_panels()]
        out["map_parent_is_second"] = window.map is None or (
            window.map_panel() is not None and window.map.isVisible()
        )
        boards = [p for spec, p in window.current_panels() if spec.type == "board"]
        if boards:  # this week's ranking so far, from the supervisors' aggregation
            board = boards[0]
            assert isinstance(board, BoardPanel)
            await wait_until(lambda: not board.placeholder_shown(), 30, "the board's ranking")
            out["board_title"] = board.title()
            out["board_rows"] = len(board.table().rows())
        out["shot_second"] = window.grab().save(str(shots / "cockpit-4k-layout2.png"))
    finally:
        await presenter.stop()
        window.close()
        await session.close()
        await asyncio.to_thread(hall.stop)
    return out


def main() -> int:
    var, shots = Path(sys.argv[1]), Path(sys.argv[2])
    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)
    i18n.install(app, "zh")
    theme.apply_workstation(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        result = loop.run_until_complete(scenario(var, shots))
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
