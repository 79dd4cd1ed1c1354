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
``ui_stall_lamps_<n>`` (ms, target < 50): the longest gap of a 5 ms UI-thread timer beyond its
    5 ms while one ``lamps_<n>`` run's acks arrive (from the OK to all acked on screen), as
    ``bench_cockpit`` measures its stalls; the median over the runs of each run's longest.
``ui_stall_first_sync`` (ms, target < 50): the same while the first pull brings every device
    into the open window (one run: the client's first sync).
``set_devices_<m>`` (ms, target < 50): the tree shows ``--tree-devices`` devices (default 20,000
    in 20 districts × 10 groups) with their cells: the UI thread's share, median of
    ``--repeats`` (the share a worker thread prepares is printed beside it).

Medians of ``--repeats`` runs. Always exits 0: it reports, it does not gate.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import qasync  # noqa: E402
import uvicorn  # noqa: E402
from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from cityops.desktop.device_confirm import CommandConfirmDialog  # noqa: E402
from cityops.desktop.device_control import DeviceControlWindow  # noqa: E402
from cityops.desktop.device_control_presenter import DeviceControlPresenter  # noqa: E402
from cityops.desktop.session import Session  # noqa: E402
from cityops.desktop.window_manager import settle_heap  # noqa: E402
from cityops.domain import device_commands as dc  # noqa: E402
from cityops.domain.devices import DeviceKind  # noqa: E402
from cityops.domain.schemas import DeviceDoc, Entity  # noqa: E402
from cityops.server import admin, changes  # noqa: E402
from cityops.server.app import create_app  # noqa: E402
from cityops.server.db import WriteGate, make_engine  # noqa: E402
from cityops.server.models import DeviceRow  # noqa: E402
from cityops.server.settings import ServerSettings  # noqa: E402
from cityops.widgets.device_tree import (  # noqa: E402
    DeviceCells,
    DeviceEntry,
    DeviceTree,
    prepare_tree,
)

PASSWORD = "bench devices password"
SERVER_URL: list[str] = []
GATEWAY: list[InstantGateway] = []
TARGET_S = 2.0
STALL_TARGET_MS = 50.0
STALL_STACKS: list[bool] = []
TREE_TARGET_MS = 50.0


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


class GcPauses:
    """The cyclic collector's pauses (they stop every thread, the UI's too): the longest, by
    generation, printed with each run."""

    def __init__(self) -> None:
        self.started = 0.0
        self.worst: dict[int, float] = {}
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.started = time.perf_counter()
            return
        took = (time.perf_counter() - self.started) * 1000
        generation = info["generation"]
        self.worst[generation] = max(self.worst.get(generation, 0.0), took)

    def text(self) -> str:
        return ", ".join(f"gen{g} {ms:.0f} ms" for g, ms in sorted(self.worst.items()))


class StallMeter:
    """The longest gap between ticks of a 5 ms timer on the UI thread, beyond its 5 ms: how
    long the UI thread was busy with something else (nothing can be drawn or clicked then)."""

    INTERVAL_MS = 5

    def __init__(self) -> None:
        self.timer = QTimer(interval=self.INTERVAL_MS)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.last = 0.0
        self.worst = 0.0
        self.ticks = 0

    def start(self) -> None:
        self.reset()
        self.timer.start()

    def sample_stalls(self) -> None:
        """``--stall-stacks``: a thread notes where the UI thread is while it has not ticked
        for 30 ms (what the stalls are made of), printed at the end."""
        self.stacks: Counter[str] = Counter()
        main = threading.main_thread().ident

        def sample() -> None:
            while True:
                time.sleep(0.005)
                if time.perf_counter() - self.last > 0.03:
                    frame = sys._current_frames().get(main)
                    where = []
                    while frame is not None and len(where) < 8:
                        code = frame.f_code
                        where.append(f"{Path(code.co_filename).name}:{code.co_name}")
                        frame = frame.f_back
                    self.stacks[" < ".join(where)] += 1

        threading.Thread(target=sample, daemon=True).start()

    def reset(self) -> None:
        self.last = time.perf_counter()
        self.worst = 0.0
        self.ticks = 0

    def _on_timer_timeout(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, (now - self.last) * 1000 - self.INTERVAL_MS)
        self.last = now
        self.ticks += 1


async def one_run(
    presenter: DeviceControlPresenter, targets: list, payload: dc.Payload, meter: StallMeter
) -> tuple[float, float]:
    window = presenter.window
    issuing = asyncio.ensure_future(presenter.issue(targets, payload))
    while not isinstance(presenter.last_dialog, CommandConfirmDialog):  # noqa: ASYNC110
        await asyncio.sleep(0.005)
    dialog = presenter.last_dialog
    if dialog.entry is not None:  # "all lamps off" is city-wide: typed confirmation
        dialog.entry.setText(str(len(targets)))
    dialog.ok_button.click()
    started = time.perf_counter()
    meter.reset()
    gid = await issuing
    assert gid is not None
    total = str(len(targets))
    while True:
        row = window.progress_row(gid)
        if row and row["acked"] == total and row["pending"] == "0":
            took = time.perf_counter() - started
            stall = meter.worst
            # The server has every ack once the gateway's last ack post of this run is
            # answered (it answers after the commit): no probe of our own loads the server.
            mine = [(at - started, what) for at, what in GATEWAY[0].timeline if at > started]
            acked = [at for at, what in mine if what.startswith("acked")]
            on_server = f"{acked[-1]:.2f}" if acked else "?"
            steps = [f"{what} {at:.2f}" for at, what in mine]
            print(
                f"{len(targets)} devices: all acked on the server at {on_server} s, "
                f"in the window at {took:.2f} s, longest UI stall {stall:.0f} ms "
                f"({meter.ticks} ticks) (gateway: {', '.join(steps)})",
                file=sys.stderr,
            )
            return took, stall
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
    meter = StallMeter()
    meter.start()
    if STALL_STACKS:
        meter.sample_stalls()
    await presenter.start()
    want = 273 + lamps
    kinds = (DeviceKind.LED_SCREEN, DeviceKind.LAMP)
    while sum(1 for r in presenter.rows.values() if r.kind in kinds) < want:  # noqa: ASYNC110
        await asyncio.sleep(0.1)  # the first pull lands in the tree
    while window.tree.model.device_count() < len(presenter.rows):  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    first_sync = meter.worst
    settle_heap()  # as the window manager does once a window has opened
    pauses = GcPauses()
    print(
        f"tree holds {len(presenter.rows)} devices; longest UI stall during the first sync "
        f"{first_sync:.0f} ms",
        file=sys.stderr,
    )
    await asyncio.sleep(1.0)
    screens = [r for r in presenter.rows.values() if r.kind is DeviceKind.LED_SCREEN]
    lamp_rows = [r for r in presenter.rows.values() if r.kind is DeviceKind.LAMP]
    lamps_key = f"lamps_{lamps}"
    out: dict[str, list[float]] = {
        "screens_273": [],
        lamps_key: [],
        f"ui_stall_{lamps_key}": [],
        "ui_stall_first_sync": [first_sync],
    }
    try:
        for n in range(repeats):
            took, _stall = await one_run(presenter, screens, dc.SetLevel(50 + n), meter)
            out["screens_273"].append(took)
            await asyncio.sleep(0.5)
            pauses.worst.clear()
            took, stall = await one_run(presenter, lamp_rows, dc.SetPower(n % 2 == 0), meter)
            print(f"  collector pauses in that run: {pauses.text() or 'none'}", file=sys.stderr)
            out[lamps_key].append(took)
            out[f"ui_stall_{lamps_key}"].append(stall)
            await asyncio.sleep(0.5)
        window.grab().save("/tmp/h/bench-devices.png")
    finally:
        meter.timer.stop()
        if STALL_STACKS:
            for where, n in meter.stacks.most_common(12):
                print(f"stalled {n * 5:5d} ms in {where}", file=sys.stderr)
        await presenter.stop()
        window.close()
        await session.close()
    return out


def tree_entries(count: int) -> list[DeviceEntry]:
    """``count`` lamps in 20 districts × 10 groups, in the order the presenter sorts them."""
    entries = []
    for n in range(count):
        d, g = n % 20, (n // 20) % 10
        entries.append(
            DeviceEntry(
                id=f"LAMP-{d:02d}-{g}-{n:06d}",
                name=f"路灯 {n}",
                district_code=f"33{d:04d}",
                district_name=f"区 {d}",
                group_code=f"G{g}",
                group_name=f"照明组 {g}",
            )
        )
    entries.sort(key=lambda e: (e.district_code, e.group_code, e.id))
    return entries


def tree_cells(entries: list[DeviceEntry], online: bool) -> dict[str, DeviceCells]:
    return {
        e.id: DeviceCells(
            state="在线·开" if online else "离线",
            level="60%",
            content="",
            faults="",
            last_seen="11-29 10:00:00",
            online=online,
            faulty=False,
        )
        for e in entries
    }


def bench_tree(count: int, repeats: int) -> dict[str, list[float]]:
    """The tree shows ``count`` devices: the UI thread's share (and the worker's, if any)."""
    app = QApplication.instance() or QApplication(sys.argv)
    entries = tree_entries(count)
    ui: list[float] = []
    worker: list[float] = []
    for n in range(repeats):
        tree = DeviceTree()
        tree.resize(1200, 900)
        tree.show()
        app.processEvents()
        cells = tree_cells(entries, online=n % 2 == 0)
        started = time.perf_counter()
        # The worker's share (the presenter runs it in ``asyncio.to_thread``): every node,
        # cell and label; then the UI thread's: one model reset and the first paint.
        prepared = prepare_tree(entries, cells, tree.model.label)
        prepared_at = time.perf_counter()
        tree.show_prepared(prepared)
        done = time.perf_counter()
        app.processEvents()  # the first paint of the new rows
        painted = time.perf_counter()
        ui.append((done - prepared_at + painted - done) * 1000)
        worker.append((prepared_at - started) * 1000)
        tree.close()
        tree.deleteLater()
        app.processEvents()
    gc.collect()  # the dropped trees' nodes, not during a later measurement
    return {f"set_devices_{count}": ui, f"set_devices_{count}_worker": worker}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--lamps", type=int, default=5000)
    parser.add_argument("--tree-devices", type=int, default=20000)
    parser.add_argument(
        "--stall-stacks", action="store_true", help="print where the UI thread stalled"
    )
    parser.add_argument(
        "--tree-only", action="store_true", help="only set_devices: no server, no sync"
    )
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
    if args.stall_stacks:
        STALL_STACKS.append(True)
    app = QApplication.instance() or QApplication(sys.argv)
    tree_results = bench_tree(args.tree_devices, args.repeats)
    if args.tree_only:
        report(tree_results, "tree only")
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
    report({**results, **tree_results}, where)


def report(results: dict[str, list[float]], where: str) -> None:
    print(
        f"bench_devices  {platform.node()}  {os.cpu_count()} cores  {datetime.now():%Y-%m-%d}  "
        f"{where}  load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    for name, values in results.items():
        median = statistics.median(values)
        if name.endswith("_worker"):
            print(f"{name:24s} median {median:.0f} ms  (worker thread, not the UI's)")
            continue
        if name.startswith("ui_stall"):
            target, unit, digits = STALL_TARGET_MS, "ms", 0
        elif name.startswith("set_devices"):
            target, unit, digits = TREE_TARGET_MS, "ms", 0
        else:
            target, unit, digits = TARGET_S, "s", 2
        verdict = "PASS" if median < target else "MISS"
        spread = f"min {min(values):.{digits}f} max {max(values):.{digits}f}"
        print(
            f"{name:24s} median {median:.{digits}f} {unit}  ({spread}, n={len(values)})  "
            f"target < {target:g} {unit}  {verdict}"
        )


if __name__ == "__main__":
    main()
