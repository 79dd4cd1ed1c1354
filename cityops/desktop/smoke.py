"""``cityops --smoke``: every window the build has, opened offscreen against a throwaway server.

Offers ``main(argv) -> exit code``. Seeds a temporary SQLite file and starts ``cityops server``
on a free port (child processes, as ``cityops demo`` does), adds a user holding every role that
opens a window, reports a few cases through the server's API and raises a few located
alarms through the ingest API (an integration key), then opens each window of
``WINDOWS`` in this process offscreen, waits until each shows data, writes a screenshot of each
to ``--out`` (default ``smoke-out/``) and prints ``SMOKE OK`` — or names what failed and exits 1.
Installers run it on a fresh workstation; CI runs it on the packaged build.

It also prints how long the client took to start (a ``startup:`` line): Qt start → first window
shown (and showing data); with ``CITYOPS_LAUNCHED_AT`` (epoch seconds, set by whoever launched
the process: ``build/smoke_frozen.py``) also launch → ``main`` and their sum, the start to the
first window without the smoke's own server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from cityops import demo

SMOKE_USER = "smoke"
#: Roles of the smoke user: the union of what every window of the hall needs.
SMOKE_ROLES = "dispatcher,commander,supervisor,operator,collector"
CASES = 12
ALARMS = 12
TIMEOUT = 60.0
#: Epoch seconds at which the measuring script launched this process (docs/benchmarks.md).
LAUNCHED_AT_ENV = "CITYOPS_LAUNCHED_AT"


class SmokeFailed(Exception):
    pass


def _cli() -> list[str]:
    if getattr(sys, "frozen", False):  # the packaged app: the executable is the CLI
        return [sys.executable]
    return [sys.executable, "-m", "cityops.cli"]


def _check(proc: subprocess.CompletedProcess[bytes], what: str) -> None:
    if proc.returncode != 0:
        raise SmokeFailed(f"{what} failed (exit {proc.returncode}): {proc.stderr.decode()[-800:]}")


def start_server(folder: Path) -> tuple[str, subprocess.Popen[bytes], str, str]:
    db = f"sqlite:///{folder / 'smoke.sqlite3'}"
    cli = _cli()
    seeded = subprocess.run([*cli, "seed", "--db", db], capture_output=True, timeout=120)
    _check(seeded, "cityops seed")
    password = secrets.token_urlsafe(16)
    added = subprocess.run(
        [*cli, "users", "add", SMOKE_USER, "--role", SMOKE_ROLES, "--unit", "330100", "--db", db],
        input=f"{password}\n".encode(),
        capture_output=True,
        timeout=60,
    )
    _check(added, "cityops users add")
    keyed = subprocess.run(
        [*cli, "apikey", "create", "smoke-iot", "--db", db], capture_output=True, timeout=60
    )
    _check(keyed, "cityops apikey create")
    api_key = keyed.stdout.decode().strip().splitlines()[-1]
    port = demo.free_port()
    log = open(folder / "server.log", "wb")  # noqa: SIM115 (lives as long as the server)
    server = subprocess.Popen(
        [*cli, "server", "--db", db, "--port", str(port), "--log-level", "warning"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + demo.SERVER_START_TIMEOUT
    while True:
        if server.poll() is not None:
            raise SmokeFailed(f"the server exited: {demo.tail(folder / 'server.log')}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return url, server, password, api_key
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise SmokeFailed("the server did not answer /healthz")
        time.sleep(0.2)


def report_cases(url: str, password: str) -> None:
    from datetime import UTC, datetime

    import uuid6

    from cityops.domain.reference import load_reference

    ref = load_reference()
    districts = ref.units.districts
    with httpx.Client(base_url=url, timeout=30) as http:
        token = http.post(
            "/api/v1/auth/token", data={"username": SMOKE_USER, "password": password}
        ).json()["access_token"]
        mutations = [
            {
                "client_id": "smoke-reporter",
                "seq": i + 1,
                "mutation_id": str(uuid6.uuid7()),
                "name": "case.report",
                "args": {
                    "case_id": str(uuid6.uuid7()),
                    "source": "patrol",
                    "description": f"烟雾测试案件 {i + 1}：人行道井盖破损",
                    "district_code": districts[i % len(districts)].code,
                    "address": "测试路 1 号",
                },
                "base_version": None,
                "client_now": datetime.now(UTC).isoformat(),
            }
            for i in range(CASES)
        ]
        r = http.post(
            "/api/v1/sync/push",
            json={"mutations": mutations},
            headers={"Authorization": f"Bearer {token}"},
        )
        if r.status_code != 200:
            raise SmokeFailed(f"reporting the smoke cases failed: {r.status_code} {r.text[:300]}")


def raise_alarms(url: str, api_key: str) -> None:
    """Waterlogging readings from a few underpass gauges at points inside the real districts,
    one per severity band and a few more, each carrying its position as an IoT platform
    forwards it: the alarm map has markers to draw."""
    import random
    from datetime import UTC, datetime

    from cityops.domain.geography import load_districts

    rng = random.Random(1)
    districts = list(load_districts().values())
    depths = (12.0, 18.0, 30.0, 45.0)  # warning, minor, major, critical (cm)
    now = datetime.now(UTC).isoformat()
    readings = []
    for i in range(ALARMS):
        district = districts[i % len(districts)]
        lon, lat = district.random_point(rng)
        readings.append(
            {
                "device_id": f"WL-{district.code}-S{i:02d}",
                "metric": "water_depth",
                "value": depths[i % len(depths)],
                "at": now,
                "district_code": district.code,
                "lon": round(lon, 6),
                "lat": round(lat, 6),
            }
        )
    r = httpx.post(
        f"{url}/api/v1/ingest/readings",
        json={"readings": readings},
        headers={"X-Api-Key": api_key, "Idempotency-Key": "smoke-alarms"},
        timeout=30,
    )
    if r.status_code != 200 or not r.json().get("alarms_raised"):
        raise SmokeFailed(f"raising the smoke alarms failed: {r.status_code} {r.text[:300]}")


def _startup_line(marks: dict[str, float]) -> str:
    """The ``startup:`` line from the marks taken on the way (epoch seconds)."""
    parts = []
    try:
        launched: float | None = float(os.environ.get(LAUNCHED_AT_ENV, ""))
    except ValueError:
        launched = None
    if launched is not None:
        parts.append(f"launch → main {marks['main'] - launched:.2f} s")
    if "shown" in marks:
        parts.append(f"Qt start → first window shown {marks['shown'] - marks['qt']:.2f} s")
    if "data" in marks:
        parts.append(f"showing data {marks['data'] - marks['qt']:.2f} s")
    if launched is not None and "shown" in marks:
        # The throwaway server's seeding and start happen between the two: left out.
        total = (marks["main"] - launched) + (marks["shown"] - marks["qt"])
        parts.append(f"start to first window {total:.2f} s")
    return "startup: " + "; ".join(parts)


async def _open_windows(
    url: str, password: str, out: Path, data: Path, marks: dict[str, float]
) -> list[str]:
    from cityops.desktop.session import Session
    from cityops.desktop.settings import ClientSettings
    from cityops.desktop.window_manager import WINDOWS, WindowManager

    failures: list[str] = []
    session = await Session.login(url, SMOKE_USER, password, base=data)
    session.start()
    manager = WindowManager(session, ClientSettings(data / "desktop.ini"))
    try:
        for spec in WINDOWS:
            try:
                opened = await asyncio.wait_for(manager.open(spec.key), TIMEOUT)
                marks.setdefault("shown", time.time())
                ready = getattr(opened.presenter, "ready", None)
                if ready is not None:
                    await asyncio.wait_for(ready.wait(), TIMEOUT)
                shows = getattr(opened.presenter, "shows_data", None)
                # The run is only worth something if the window shows what the server holds.
                deadline = time.monotonic() + TIMEOUT
                while shows is not None and not shows():
                    if time.monotonic() > deadline:
                        raise SmokeFailed("no data shown")
                    await asyncio.sleep(0.2)
                marks.setdefault("data", time.time())
                await asyncio.sleep(0.3)  # let the last repaint land
            except Exception as exc:  # noqa: BLE001 (name every failure, keep going)
                failures.append(f"{spec.key}: {type(exc).__name__}: {exc}")
        for path in manager.grab_all(out):
            print(f"screenshot {path}")
    finally:
        await manager.close_all()
        await session.close()
    return failures


def main(argv: Sequence[str] | None = None) -> int:
    marks = {"main": time.time()}
    p = argparse.ArgumentParser(prog="cityops --smoke")
    p.add_argument("--out", default="smoke-out", help="folder for the screenshots")
    args = p.parse_args(list(argv or []))
    from cityops.desktop.app import prepare_qt_environment

    prepare_qt_environment(offscreen=True)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    out = Path(args.out)
    with tempfile.TemporaryDirectory(prefix="cityops-smoke-") as tmp:
        folder = Path(tmp)
        server = None
        try:
            url, server, password, api_key = start_server(folder)
            report_cases(url, password)
            raise_alarms(url, api_key)
            failures = _run_qt(url, password, out, folder, marks)
        except SmokeFailed as exc:
            failures = [str(exc)]
        finally:
            if server is not None:
                demo.stop_process(server)
    print(_startup_line(marks))
    if failures:
        for failure in failures:
            print(f"SMOKE FAILED: {failure}", file=sys.stderr)
        return 1
    print("SMOKE OK")
    return 0


def _run_qt(url: str, password: str, out: Path, folder: Path, marks: dict[str, float]) -> list[str]:
    marks["qt"] = time.time()  # before Qt's libraries load: part of a client's start
    import PySide6.QtWebEngineWidgets  # noqa: F401  (before the QApplication)
    import qasync
    from PySide6.QtWidgets import QApplication

    from cityops.desktop import i18n, theme

    app = QApplication.instance() or QApplication(["cityops-smoke"])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)  # closing a window must not end the run mid-way
    i18n.install(app, "zh")
    theme.apply_workstation(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        failures: list[str] = loop.run_until_complete(
            _open_windows(url, password, out, folder, marks)
        )
    if theme.cjk_font_missing():
        # The windows open, but an operator could not read them: this workstation is not ready.
        failures.append(theme.CJK_FONT_HINT)
    return failures
