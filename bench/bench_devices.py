"""Benchmark of device control (issue 9): from a group command to all acks visible in the window.

Run with ``.venv/bin/python bench/bench_devices.py [--repeats 5] [--lamps 5000]``.

A throwaway server (a fresh SQLite file under /tmp) seeded with the reference devices (273 LED
screens, the lighting circuits) plus ``--lamps`` single lamps and an operator. The server runs
in its own process as the hall runs it (uvicorn on 127.0.0.1, ``tune_collector`` as ``cityops
server`` does; ``--in-process`` puts it in a thread of this process instead, sharing the
interpreter lock and the garbage collector with the client, as the first version of this
benchmark did). A gateway that acks every command at once: a tiny loop in this process that
polls ``GET /api/v1/gateway/commands`` (0.05 s apart, 5,000 at a time) and posts one ack batch
per poll — the hall's own latency, not the devices'. The client is the real one offscreen:
login, sync engine, local store, the device-control window and its presenter, on the qasync loop.

Per run it prints when the server had every ack (the gateway's last ack post of the run was
answered: the server answers after its commit) and the gateway's timeline, to split server
from client.

``screens_273`` (s, target < 2): "brightness 60 %" to all 273 screens, from the confirmation's
    OK to the progress row showing 273 acked and nothing pending (and the tree's rows updated).
``lamps_<n>`` (s, target < 2): "power on" to all lamps, the same way.

Medians of ``--repeats`` runs. Always exits 0: it reports, it does not gate.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import qasync  # noqa: E402
import uvicorn  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from cityops.desktop.device_confirm import CommandConfirmDialog  # noqa: E402
from cityops.desktop.device_control import DeviceControlWindow  # noqa: E402
from cityops.desktop.device_control_presenter import DeviceControlPresenter  # noqa: E402
from cityops.desktop.session import Session  # noqa: E402
from cityops.domain import device_commands as dc  # noqa: E402
from cityops.domain.devices import DeviceKind  # noqa: E402
from cityops.domain.schemas import DeviceDoc, Entity  # noqa: E402
from cityops.server import admin, changes  # noqa: E402
from cityops.server.app import create_app  # noqa: E402
from cityops.server.db import WriteGate, make_engine  # noqa: E402
from cityops.server.models import DeviceRow  # noqa: E402
from cityops.server.settings import ServerSettings  # noqa: E402

PASSWORD = "bench devices password"
SERVER_URL: list[str] = []
GATEWAY: list[InstantGateway] = []
TARGET_S = 2.0


def seed(url: str, lamps: int) -> str:
    engine = make_engine(url)
    admin.seed(engine)
    admin.add_user(engine, "operator", PASSWORD, "operator", "330100", display_name="operator")
    key = admin.new_api_key(engine, "bench-gateway")
    with WriteGate(engine).write() as session:
        for n in range(lamps):
            doc = DeviceDoc(
                id=f"LAMP-{n:05d}",
                kind=DeviceKind.LAMP,
                name_zh=f"路灯 {n}",
                district_code="330106",
                group="LG-330106-street",
                online=True,
                power=False,
            ).model_dump(mode="json")
            session.add(
                DeviceRow(
                    id=doc["id"],
                    kind=doc["kind"],
                    district_code=doc["district_code"],
                    group_code=doc["group"],
                    version=1,
                    doc=doc,
                )
            )
            changes.append(session, Entity.DEVICE, doc["id"], 1, doc)
    engine.dispose()
    return key


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _settings(url: str) -> ServerSettings:
    return ServerSettings(db_url=url, background_tasks=False, relay_poll_interval=0.05)


class Server:
    """The server in a thread of this process (``--in-process``: it shares the interpreter
    lock and the garbage collector with the client)."""

    def __init__(self, url: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(_settings(url)), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)


class ServerProcess:
    """The server as the hall runs it: its own process, set up as ``cityops server`` sets it
    up (``tune_collector``), with this benchmark's settings (``serve``)."""

    def __init__(self, url: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.argv = [sys.executable, __file__, "--serve", url, "--port", str(self.port)]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/docs", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the server did not come up")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(15)


def serve(url: str, port: int) -> None:
    from cityops.server.app import tune_collector

    app = create_app(_settings(url))
    tune_collector()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


class InstantGateway:
    """Acks every command as soon as it is handed out."""

    def __init__(self, url: str, key: str) -> None:
        self.url, self.key = url, key
        self.stopping = threading.Event()
        #: (perf_counter, what) of every poll that handed out commands and every ack post.
        self.timeline: list[tuple[float, str]] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        headers = {"X-Api-Key": self.key}
        with httpx.Client(base_url=self.url, timeout=30) as http:
            while not self.stopping.is_set():
                batch = http.get(
                    "/api/v1/gateway/commands", params={"limit": 5000}, headers=headers
                ).json()
                commands = batch.get("commands") or []
                if commands:
                    self.timeline.append((time.perf_counter(), f"polled {len(commands)}"))
                    at = datetime.now(UTC).isoformat()
                    acks = [{"command_id": c["command_id"], "ok": True, "at": at} for c in commands]
                    http.post("/api/v1/gateway/acks", json={"acks": acks}, headers=headers)
                    self.timeline.append((time.perf_counter(), f"acked {len(acks)}"))
                if not batch.get("has_more"):
                    time.sleep(0.05)


async def one_run(presenter: DeviceControlPresenter, targets: list, payload: dc.Payload) -> float:
    window = presenter.window
    issuing = asyncio.ensure_future(presenter.issue(targets, payload))
    while not isinstance(presenter.last_dialog, CommandConfirmDialog):  # noqa: ASYNC110
        await asyncio.sleep(0.005)
    dialog = presenter.last_dialog
    if dialog.entry is not None:  # "all lamps off" is city-wide: typed confirmation
        dialog.entry.setText(str(len(targets)))
    dialog.ok_button.click()
    started = time.perf_counter()
    gid = await issuing
    assert gid is not None
    total = str(len(targets))
    while True:
        row = window.progress_row(gid)
        if row and row["acked"] == total and row["pending"] == "0":
            took = time.perf_counter() - started
            # The server has every ack once the gateway's last ack post of this run is
            # answered (it answers after the commit): no probe of our own loads the server.
            mine = [(at - started, what) for at, what in GATEWAY[0].timeline if at > started]
            acked = [at for at, what in mine if what.startswith("acked")]
            on_server = f"{acked[-1]:.2f}" if acked else "?"
            steps = [f"{what} {at:.2f}" for at, what in mine]
            print(
                f"{len(targets)} devices: all acked on the server at {on_server} s, "
                f"in the window at {took:.2f} s (gateway: {', '.join(steps)})",
                file=sys.stderr,
            )
            return took
        if time.perf_counter() - started > 60:
            raise TimeoutError(f"not all acked within 60 s: {row}")
        await asyncio.sleep(0.01)


async def bench(url: str, base: Path, repeats: int, lamps: int) -> dict[str, list[float]]:
    session = await Session.login(url, "operator", PASSWORD, base=base)
    session.start()
    window = DeviceControlWindow("operator")
    presenter = DeviceControlPresenter(session, window)
    window.resize(1600, 1000)
    window.show()
    await presenter.start()
    want = 273 + lamps
    kinds = (DeviceKind.LED_SCREEN, DeviceKind.LAMP)
    while sum(1 for r in presenter.rows.values() if r.kind in kinds) < want:  # noqa: ASYNC110
        await asyncio.sleep(0.1)  # the first pull lands in the tree
    print(f"tree holds {len(presenter.rows)} devices", file=sys.stderr)
    await asyncio.sleep(1.0)
    screens = [r for r in presenter.rows.values() if r.kind is DeviceKind.LED_SCREEN]
    lamp_rows = [r for r in presenter.rows.values() if r.kind is DeviceKind.LAMP]
    out: dict[str, list[float]] = {"screens_273": [], f"lamps_{lamps}": []}
    try:
        for n in range(repeats):
            out["screens_273"].append(await one_run(presenter, screens, dc.SetLevel(50 + n)))
            await asyncio.sleep(0.5)
            out[f"lamps_{lamps}"].append(
                await one_run(presenter, lamp_rows, dc.SetPower(n % 2 == 0))
            )
            await asyncio.sleep(0.5)
        window.grab().save("/tmp/h/bench-devices.png")
    finally:
        await presenter.stop()
        window.close()
        await session.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--lamps", type=int, default=5000)
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run the server in a thread of the client's process (as before 2026-11-29)",
    )
    parser.add_argument("--serve", help=argparse.SUPPRESS)  # the server child: its database
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    folder = Path(tempfile.mkdtemp(prefix="cityops-bench-devices-"))
    url = f"sqlite:///{folder / 'server.sqlite3'}"
    key = seed(url, args.lamps)
    server = Server(url) if args.in_process else ServerProcess(url)
    server.start()
    SERVER_URL.append(server.url)
    gateway = InstantGateway(server.url, key)
    gateway.thread.start()
    GATEWAY.append(gateway)
    app = QApplication.instance() or QApplication(sys.argv)
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        results = loop.run_until_complete(bench(server.url, folder, args.repeats, args.lamps))
    finally:
        gateway.stopping.set()
        gateway.thread.join(10)
        server.stop()
    where = "server in the client's process" if args.in_process else "server in its own process"
    print(
        f"bench_devices  {platform.node()}  {os.cpu_count()} cores  {datetime.now():%Y-%m-%d}  "
        f"{where}  load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    for name, values in results.items():
        median = statistics.median(values)
        verdict = "PASS" if median < TARGET_S else "MISS"
        spread = f"min {min(values):.2f} max {max(values):.2f}"
        print(
            f"{name:14s} median {median:.2f} s  ({spread}, n={len(values)})  "
            f"target < {TARGET_S:g} s  {verdict}"
        )


if __name__ == "__main__":
    main()
