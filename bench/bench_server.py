"""Benchmarks of the sync server: push, ingest and the live stream, end to end over HTTP.

Run with ``make bench`` or ``.venv/bin/python bench/bench_server.py [push|ingest|sse ...]``
(default: all three, modest sizes, well under three minutes). The server is the real one: by
default a **subprocess** ``cityops server --db URL --port P --log-level warning`` started after
``cityops seed --db URL`` and ``admin.add_user`` for the test users (``tests.server.conftest``'s
``USERS``/``PASSWORD``), so the load generator in this process does not share the server's GIL.
It then runs as in production, background tasks included (the SLA watcher every 30 s, per-minute
metrics every 10 s, the change relay). ``--in-process`` instead runs it with ``start_server`` in
a thread of this process (``background_tasks=False``), as the tests do; its figures then include
the client's cost. The machine is shared and noisy: read a MISS by a few percent as "look
again". Next to every figure the script prints the server's CPU use (user + system, from
``/proc/<pid>/stat``) so a reader can see whether the server or something else was the limit.
The script always exits 0; it reports, it does not gate.

Databases: SQLite (a fresh WAL file in a temporary folder) and PostgreSQL (a fresh database
created on ``--pg-url``, default ``postgresql://postgres@127.0.0.1:5432/postgres``, dropped
afterwards, like ``tests/server/conftest.py``; skipped with a note when unreachable or with
``--no-pg``). Push and ingest run on both; the live stream on SQLite.

``push_report`` (mutations/s, target >= 2,000/s)
    ``POST /api/v1/sync/push`` with batches of 100 ``case.report`` intents (real street codes,
    each a new case: one case row, one timeline event, two changes, an audit row and a stored
    result), from ``--clients`` workstations at once (default 4, each its own client id and
    seqs, each pushing ``--batches`` batches (default 3) one after another as a sync engine
    drains its outbox). The request bodies are built before the clock starts; each sender
    keeps one keep-alive connection for the whole benchmark, opened in the warm-up. Median over
    ``--repeats`` repeats of ``clients x batches x 100`` mutations, after one untimed warm-up.

``push_verify`` (mutations/s, target >= 2,000/s)
    The same with batches of 100 ``case.verify`` on cases reported above: a command on an
    existing case (load its document, apply the rule, update the row, two changes).

``ingest_normal``, ``ingest_storm`` (readings/s, target >= 20,000/s)
    ``POST /api/v1/ingest/readings`` with an integration key (``admin.new_api_key``) and
    batches of 500 readings, re-dated to the last minute or so, from ``--clients`` senders at
    once. ``normal``: the simulator's ordinary day (the seed's sensor network and daily mix,
    the stream the 1.4 M records a day are made of). ``storm``: the storm evening
    ``bench_domain`` judges (waterlogging and drainage hovering around their bands, gas, leaks,
    covers, vehicles; ~1 % late), the hard case: about one reading in six changes an open
    alarm. The alarms they raise, repeat and clear are written with their changes, as in
    production. Median over repeats.

``sse_p99_delivery`` (ms, target < 250 ms)
    ``--subscribers`` (200) streams ``GET /api/v1/events?after=SEQ`` (bearer token) held open by a
    **separate subscriber process** (asyncio, one raw HTTP/1.1 connection per stream reading only
    the ``id:`` lines; it reconnects with ``Last-Event-ID`` if a stream ends) while this process
    pushes ``case.report`` at a steady ``--sse-rate`` changes/s (500: 25 reports = 50 changes every
    100 ms) for ``--sse-seconds`` (20), open loop (10 pushing clients take turns, so a slow
    answer does not slow the schedule; a run that falls behind by half its length stops and
    says how many batches it pushed). Delivery latency per (subscriber, change) = the
    subscriber's ``time.monotonic_ns()`` when the event's last byte arrived minus the
    ``monotonic_ns()`` when the push that committed it got its answer (CLOCK_MONOTONIC is one
    clock for all processes of the machine). Commit happens before the answer, so this is a
    slight under-estimate; the line also gives p99 measured from when the push was *sent* (an
    over-estimate). Changes pushed in the first ``--sse-warmup`` seconds are left out; a change a
    subscriber has not received 10 s after the last push counts as infinitely late. The split
    of the two cores: the server process, the subscriber process and this (mostly sleeping)
    pusher; the CPU use of each is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from array import array
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_domain import SEED, STORM_START, Result, _readings, timed  # noqa: E402

from cityops.domain.reference import load_reference  # noqa: E402
from cityops.server import admin  # noqa: E402
from cityops.server.db import make_engine  # noqa: E402
from cityops.server.settings import ServerSettings  # noqa: E402
from tests.server.conftest import (  # noqa: E402
    PASSWORD,
    USERS,
    Api,
    _drop_postgres,
    _fresh_postgres,
    free_port,
    start_server,
)

PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CITYOPS = Path(sys.executable).with_name("cityops")
CLK_TCK = os.sysconf("SC_CLK_TCK")

#: What a collector of 湖滨街道 reports (the street of the ``collector`` test user).
REPORT_ARGS = {
    "source": "patrol",
    "description": "湖滨路暴露垃圾，垃圾桶满溢",
    "district_code": "330102",
    "street_code": "330102001",
    "address": "湖滨路 23 号",
    "lon": 120.1601,
    "lat": 30.2575,
}


# ------------------------------------------------------------------------------ the server


@dataclass
class Server:
    """A seeded server on a fresh database: a subprocess (default) or a thread of this one."""

    db_url: str
    label: str
    workdir: Path
    in_process: bool = False
    url: str = ""
    api_key: str = ""
    proc: subprocess.Popen[bytes] | None = None
    _stop: Callable[[], None] | None = None

    def start(self) -> None:
        env = {**os.environ, "CITYOPS_DB": self.db_url}
        subprocess.run(
            [str(CITYOPS), "seed", "--db", self.db_url], check=True, env=env, capture_output=True
        )
        engine = make_engine(self.db_url)
        ref = load_reference()
        for name, (roles, unit) in USERS.items():
            admin.add_user(engine, name, PASSWORD, roles, unit, display_name=name, reference=ref)
        self.api_key = admin.new_api_key(engine, "bench-iot-platform")
        engine.dispose()
        if self.in_process:
            settings = ServerSettings(db_url=self.db_url, background_tasks=False)
            live, server, thread = start_server(settings)
            self.url = live.url

            def stop() -> None:
                server.should_exit = True
                thread.join(timeout=10)

            self._stop = stop
            return
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        log = (self.workdir / f"server-{self.label}.log").open("wb")
        self.proc = subprocess.Popen(
            [str(CITYOPS), "server", "--db", self.db_url, "--port", str(port)]
            + ["--log-level", "warning"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start; see {log.name}")
            time.sleep(0.1)

    def cpu_seconds(self) -> float | None:
        """User + system CPU seconds of the server process so far (None when in-process)."""
        if self.proc is None:
            return None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def last_seq(self) -> int:
        seq: int = httpx.get(f"{self.url}/healthz", timeout=10).json()["last_seq"]
        return seq

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class CpuMeter:
    """The server's CPU use over timed spans: seconds of CPU per second of wall clock."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.cpu = 0.0
        self.wall = 0.0
        self.calls = 0

    def span(self, run: Callable[[], Any]) -> Callable[[], Any]:
        def measured() -> Any:
            c0, w0 = self.server.cpu_seconds(), time.perf_counter()
            out = run()
            c1, w1 = self.server.cpu_seconds(), time.perf_counter()
            self.calls += 1
            if c0 is not None and c1 is not None and self.calls > 1:  # not the warm-up
                self.cpu += c1 - c0
                self.wall += w1 - w0
            return out

        return measured

    def text(self, items: int, unit: str) -> str:
        """CPU share, and CPU per item over the timed spans (``items`` done in them)."""
        if self.wall == 0:
            return "server CPU n/a (in-process)"
        per = 1e6 * self.cpu / items
        return f"server CPU {100 * self.cpu / self.wall:.0f} % of a core, {per:,.0f} us per {unit}"


# ------------------------------------------------------------------------------ push


class Senders:
    """``count`` senders, each a thread with its own keep-alive connection kept across repeats.

    A sync engine or an IoT platform holds its connection open, so opening connections (and
    httpx's TLS context per client, ~20 ms of this process's CPU each) is left out of the timed
    repeats: the first call (the untimed warm-up) opens them.
    """

    def __init__(self, url: str, count: int) -> None:
        self.clients = [httpx.Client(base_url=url, timeout=60) for _ in range(count)]
        self.pool = ThreadPoolExecutor(count)

    def post_all(
        self, path: str, bodies: Sequence[Sequence[bytes]], headers: Sequence[dict[str, str]]
    ) -> list[list[dict[str, Any]]]:
        """Each sender posts its bodies in order; all senders at once."""

        def send(i: int) -> list[dict[str, Any]]:
            out = []
            for body in bodies[i]:
                r = self.clients[i].post(path, content=body, headers=headers[i])
                if r.status_code != 200:
                    raise RuntimeError(f"{path}: {r.status_code} {r.text[:300]}")
                out.append(r.json())
            return out

        return list(self.pool.map(send, range(len(bodies))))

    def close(self) -> None:
        self.pool.shutdown()
        for client in self.clients:
            client.close()


@dataclass
class PushPlan:
    """Pre-built push bodies: ``rounds[r][client]`` is that client's batches in round r."""

    rounds: list[list[list[bytes]]] = field(default_factory=list)
    case_ids: list[list[list[str]]] = field(default_factory=list)


def _push_body(api: Api, client: str, name: str, args_list: Sequence[dict[str, Any]]) -> bytes:
    mutations = [api.mutation(client, name, args) for args in args_list]
    return json.dumps({"mutations": mutations}, ensure_ascii=False).encode()


def bench_push(server: Server, clients: int, batches: int, repeats: int) -> list[Result]:
    api = Api(server.url)
    run_tag = uuid.uuid4().hex[:6]
    headers = [
        {"Authorization": f"Bearer {api.token('collector')}", "Content-Type": "application/json"}
    ] * clients
    per_round = clients * batches * 100
    report_clients = [f"ws-{run_tag}-r{c}" for c in range(clients)]
    verify_clients = [f"ws-{run_tag}-v{c}" for c in range(clients)]

    reports: list[list[list[bytes]]] = []
    verifies: list[list[list[bytes]]] = []
    n = 0
    for _ in range(repeats + 1):
        round_reports: list[list[bytes]] = []
        round_verifies: list[list[bytes]] = []
        for c in range(clients):
            rb, vb = [], []
            for _ in range(batches):
                ids = [f"C-{run_tag}-{n + i:07d}" for i in range(100)]
                n += 100
                rb.append(
                    _push_body(
                        api,
                        report_clients[c],
                        "case.report",
                        [{"case_id": i, **REPORT_ARGS} for i in ids],
                    )
                )
                vb.append(
                    _push_body(
                        api,
                        verify_clients[c],
                        "case.verify",
                        [{"case_id": i, "note": "现场核实属实"} for i in ids],
                    )
                )
            round_reports.append(rb)
            round_verifies.append(vb)
        reports.append(round_reports)
        verifies.append(round_verifies)

    results = []
    senders = Senders(server.url, clients)
    try:
        for name, plan in (("push_report", reports), ("push_verify", verifies)):
            rounds = iter(plan)
            meter = CpuMeter(server)
            answers: list[list[list[dict[str, Any]]]] = []

            def run(rounds: Any = rounds, answers: Any = answers) -> int:
                out = senders.post_all("/api/v1/sync/push", next(rounds), headers)
                answers.append(out)
                return sum(len(a["results"]) for sender in out for a in sender)

            seconds, counts = timed(meter.span(run), repeats)
            statuses = [
                res["status"]
                for rnd in answers
                for sender in rnd
                for a in sender
                for res in a["results"]
            ]
            applied = statuses.count("applied")
            if applied != len(statuses) or set(counts) != {per_round}:
                raise AssertionError(
                    f"{name}: {len(statuses) - applied} of {len(statuses)} rejected"
                )
            rates = [per_round / s for s in seconds]
            what = "case.report" if name == "push_report" else "case.verify"
            results.append(
                Result(
                    f"{name}_{server.label}",
                    _median(rates),
                    "mutations/s",
                    2_000,
                    True,
                    (min(rates), max(rates)),
                    f"{clients} clients x {batches} batches x 100 {what}, all applied; "
                    + meter.text(per_round * repeats, "mutation"),
                )
            )
    finally:
        senders.close()
    api.http.close()
    return results


def _median(values: Sequence[float]) -> float:
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


# ------------------------------------------------------------------------------ ingest


def _reading_batches(count: int, size: int, stream: str = "storm") -> list[bytes]:
    """``count`` readings as JSON bodies of ``size``, re-dated to the last minute or so.

    ``storm``: ``bench_domain``'s storm evening (gauges hovering around their bands, ~17 % of
    readings change an open alarm). ``normal``: the simulator's city on an ordinary day
    (``cityops simulate``'s generator, the seed's sensor network and daily mix at 50x its rate:
    periodic sensors, lorries on the bridges, the odd incident)."""
    if stream == "normal":
        from cityops.simulator.runner import build_world

        generated = build_world(seed=SEED, rate=50, scenario="normal").readings.take(count)
        base = datetime.now(UTC) - timedelta(seconds=5 + generated[-1].offset)
        rows = [
            {
                "device_id": g.device_id,
                "metric": g.metric,
                "value": g.value,
                "at": (base + timedelta(seconds=g.offset)).isoformat(),
            }
            for g in generated
        ]
    else:
        rng = random.Random(SEED + 10)
        storm = _readings(rng, load_reference(), count)
        span = storm[-1][1] - STORM_START
        shift = datetime.now(UTC) - timedelta(seconds=5) - (STORM_START + span)
        rows = [
            {
                "device_id": r.device_id,
                "metric": r.metric,
                "value": r.value,
                "at": (r.at + shift).astimezone(UTC).isoformat(),
            }
            for r, _server_at, _id in storm
        ]
    return [
        json.dumps({"readings": rows[i : i + size]}).encode() for i in range(0, len(rows), size)
    ]


def bench_ingest(
    server: Server, clients: int, batches: int, repeats: int, stream: str = "storm"
) -> Result:
    size = 500
    per_round = clients * batches * size
    bodies = _reading_batches(per_round * (repeats + 1), size, stream)
    headers = [{"X-Api-Key": server.api_key, "Content-Type": "application/json"}] * clients
    rounds = iter(
        [
            [bodies[r * clients * batches + c * batches :][:batches] for c in range(clients)]
            for r in range(repeats + 1)
        ]
    )
    meter = CpuMeter(server)
    tallies: list[tuple[int, int, int, int]] = []

    senders = Senders(server.url, clients)

    def run() -> int:
        out = senders.post_all("/api/v1/ingest/readings", next(rounds), headers)
        answers = [a for sender in out for a in sender]
        tallies.append(
            (
                sum(a["accepted"] for a in answers),
                sum(a["alarms_raised"] for a in answers),
                sum(a["alarms_repeated"] for a in answers),
                sum(a["alarms_cleared"] for a in answers),
            )
        )
        return sum(a["accepted"] + a["unknown_metric"] for a in answers)

    try:
        seconds, counts = timed(meter.span(run), repeats)
    finally:
        senders.close()
    if set(counts) != {per_round}:
        raise AssertionError(f"ingest: counted {counts}, sent {per_round} a round")
    rates = [per_round / s for s in seconds]
    timed_tallies = tallies[1:]
    raised = sum(t[1] for t in timed_tallies) // len(timed_tallies)
    repeated = sum(t[2] for t in timed_tallies) // len(timed_tallies)
    cleared = sum(t[3] for t in timed_tallies) // len(timed_tallies)
    return Result(
        f"ingest_{stream}_{server.label}",
        _median(rates),
        "readings/s",
        20_000,
        True,
        (min(rates), max(rates)),
        f"{stream} stream, {clients} senders x {batches} batches x {size}; a round raised "
        f"{raised}, repeated "
        f"{repeated}, cleared {cleared} alarms; {meter.text(per_round * repeats, 'reading')}",
    )


# ------------------------------------------------------------------------------ live stream

SEP = b"\r\n\r\n"
ID_LINE = re.compile(rb"\nid: (\d+)\r\n")
#: Concurrent pushing clients of the live-stream benchmark (see ``bench_sse``).
PUSHERS = 10
#: Seconds the subscribers may take, after the last push, to receive everything.
GRACE = 10.0


def _subscriber_main(
    url: str, token: str, after: int, count: int, conn: Any
) -> None:  # pragma: no cover - runs in the subscriber process
    """The subscriber process: ``count`` streams; answers with what each received and when."""
    seqs = [array("q") for _ in range(count)]
    times = [array("q") for _ in range(count)]
    last = [after] * count
    reconnects = [0] * count
    connected: set[int] = set()
    reached: set[int] = set()
    final = [sys.maxsize]
    received = [0]

    host, port = url.removeprefix("http://").split(":")

    async def one(i: int, ready: asyncio.Event, done: asyncio.Event) -> None:
        # A raw HTTP/1.1 stream, not httpx: 200 streams of 500 events/s parsed by httpx (h11,
        # chunk decoding, SSE fields) took a core of their own on a two-core machine and
        # delayed what they measured. Only what timing needs is read: each event's ``id:``
        # line, found after a newline (JSON data holds no raw newline), in complete events.
        first = True
        s_append, t_append = seqs[i].append, times[i].append
        find_ids = ID_LINE.findall
        while True:
            if first:
                target = f"/api/v1/events?after={after}"
                resume = ""
            else:  # resume as an EventSource does
                target = "/api/v1/events"
                resume = f"Last-Event-ID: {last[i]}\r\n"
                reconnects[i] += 1
            first = False
            writer = None
            try:
                reader, writer = await asyncio.open_connection(host, int(port), limit=1 << 22)
                writer.write(
                    f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                    f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n"
                    f"{resume}\r\n".encode()
                )
                head = await reader.readuntil(SEP)
                if not head.startswith(b"HTTP/1.1 200"):
                    raise RuntimeError(f"stream {i}: {head[:40]!r}")
                buf = b""
                while True:
                    chunk = await reader.read(1 << 20)
                    if not chunk:
                        raise ConnectionError("stream ended")
                    now = time.monotonic_ns()
                    if i not in connected:
                        connected.add(i)
                        if len(connected) == count:
                            ready.set()
                    received[0] += len(chunk)
                    buf += chunk
                    end = buf.rfind(SEP)
                    if end < 0:
                        continue
                    complete, buf = buf[: end + 4], buf[end + 4 :]
                    for raw in find_ids(complete):
                        seq = int(raw)
                        if seq > last[i]:
                            s_append(seq)
                            t_append(now)
                            last[i] = seq
                    if last[i] >= final[0] and i not in reached:
                        reached.add(i)
                        if len(reached) == count:
                            done.set()
            except (OSError, asyncio.IncompleteReadError, RuntimeError):
                await asyncio.sleep(0.5)
            finally:
                if writer is not None:
                    writer.close()

    async def main() -> None:
        ready, done = asyncio.Event(), asyncio.Event()
        tasks = [asyncio.create_task(one(i, ready, done)) for i in range(count)]
        await ready.wait()
        cpu0, wall0 = time.process_time(), time.monotonic()
        conn.send(("ready", None))
        final[0] = await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        reached.update(i for i in range(count) if last[i] >= final[0])
        if len(reached) < count:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), GRACE)
        cpu = (time.process_time() - cpu0) / (time.monotonic() - wall0)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        conn.send(
            (
                "done",
                {
                    "seqs": [s.tobytes() for s in seqs],
                    "times": [t.tobytes() for t in times],
                    "reconnects": reconnects,
                    "cpu": cpu,
                    "bytes": received[0],
                },
            )
        )

    try:
        import uvloop  # the same loop the server runs on (uvicorn[standard])
    except ImportError:  # e.g. Windows
        asyncio.run(main())
    else:
        uvloop.run(main())


def _percentile(sorted_values: Sequence[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def bench_sse(server: Server, subscribers: int, rate: int, seconds: float, warmup: float) -> Result:
    api = Api(server.url)
    token = api.token("dispatcher")
    collector = {
        "Authorization": f"Bearer {api.token('collector')}",
        "Content-Type": "application/json",
    }
    per_tick = max(1, round(rate * 0.1 / 2))  # a case.report appends two changes
    tick = 2 * per_tick / rate  # 0.1 s at 500 changes/s
    ticks = round(seconds / tick)
    tag = uuid.uuid4().hex[:6]
    # Open loop: tick t is pushed by client t % PUSHERS, each in its own thread, so a slow
    # answer delays the schedule only once PUSHERS pushes are outstanding (a client's pushes
    # must stay in seq order, so one client cannot have two in flight).
    bodies = [
        _push_body(
            api,
            f"ws-sse-{tag}-{t % PUSHERS}",
            "case.report",
            [{"case_id": f"C-{tag}-{t:05d}-{i:02d}", **REPORT_ARGS} for i in range(per_tick)],
        )
        for t in range(ticks)
    ]
    after = server.last_seq()

    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(
        target=_subscriber_main, args=(server.url, token, after, subscribers, child), daemon=True
    )
    proc.start()
    if not parent.poll(60):
        proc.kill()
        raise RuntimeError("subscribers did not connect")
    parent.recv()
    time.sleep(1.0)  # let every stream reach its live queue

    # seq -> (push sent, push answered, tick), monotonic ns; only the pushers write meanwhile
    # (a background task's change, if any, has no entry and is left out).
    committed: dict[int, tuple[int, int, int]] = {}
    late: list[int] = []
    pushed: list[int] = []
    cpu0, wall0 = server.cpu_seconds(), time.perf_counter()
    start = time.monotonic()

    def pusher(k: int) -> None:
        with httpx.Client(base_url=server.url, timeout=120) as http:
            for t in range(k, ticks, PUSHERS):
                due = start + t * tick
                if due - start > 1.5 * seconds:
                    return  # far behind: stop, and say so
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                elif pause < -tick:
                    late.append(t)
                if time.monotonic() - start > 1.5 * seconds:
                    return
                sent = time.monotonic_ns()
                r = http.post("/api/v1/sync/push", content=bodies[t], headers=collector)
                answered = time.monotonic_ns()
                if r.status_code != 200:
                    raise RuntimeError(f"push: {r.status_code} {r.text[:300]}")
                pushed.append(t)
                for res in r.json()["results"]:
                    last = res["last_change_seq"]
                    committed[last - 1] = committed[last] = (sent, answered, t)

    with ThreadPoolExecutor(PUSHERS) as pool:
        list(pool.map(pusher, range(PUSHERS)))
    pushed_for = time.monotonic() - start
    final_seq = max(committed)
    parent.send(final_seq)
    _done, got = parent.recv()
    cpu1, wall1 = server.cpu_seconds(), time.perf_counter()  # pushing and delivering all
    proc.join(timeout=30)
    api.http.close()

    first_tick = round(warmup / tick)
    window = sorted(s for s, (_a, _b, t) in committed.items() if t >= first_tick)
    from_answer: list[float] = []
    from_send: list[float] = []
    missing = 0
    for raw_seqs, raw_times in zip(got["seqs"], got["times"], strict=True):
        seqs_i, times_i = array("q"), array("q")
        seqs_i.frombytes(raw_seqs)
        times_i.frombytes(raw_times)
        seen = 0
        for seq, at in zip(seqs_i, times_i, strict=True):
            c = committed.get(seq)
            if c is None or c[2] < first_tick:
                continue
            seen += 1
            from_answer.append((at - c[1]) / 1e6)
            from_send.append((at - c[0]) / 1e6)
        missing += len(window) - seen
    # A change a subscriber never got (within GRACE after the last push) counts as infinitely
    # late, so a backlog cannot make the percentiles look better than they are.
    from_answer += [float("inf")] * missing
    from_send += [float("inf")] * missing
    from_answer.sort()
    from_send.sort()
    p50, p90 = _percentile(from_answer, 50), _percentile(from_answer, 90)
    p99, worst = _percentile(from_answer, 99), _percentile(from_answer, 100)
    achieved = len(committed) / pushed_for
    delivered = sum(len(raw) // 8 for raw in got["seqs"])
    server_cpu = (
        f"server CPU {100 * (cpu1 - cpu0) / (wall1 - wall0):.0f} %, "
        f"{1e6 * (cpu1 - cpu0) / max(1, delivered):.0f} us per delivered event"
        if cpu0 is not None and cpu1 is not None
        else "server CPU n/a"
    )
    mb = got["bytes"] / 1e6
    p99_sent = _percentile(from_send, 99)
    reconnects = sum(got["reconnects"])
    return Result(
        f"sse_p99_delivery_{server.label}",
        p99,
        "ms (p99)",
        250,
        False,
        (p50, worst),
        f"range = p50-max; p90 {p90:.1f} ms; p99 from push sent {p99_sent:.1f} ms; "
        f"{subscribers} subscribers, {achieved:,.0f} changes/s pushed for {pushed_for:.1f} s "
        f"({len(pushed)} of {ticks} batches pushed, {len(late)} late); {len(from_answer):,} "
        f"deliveries timed, {missing:,} missing, {reconnects} reconnects, {mb:,.0f} MB; "
        f"{server_cpu}, subscriber process CPU {100 * got['cpu']:.0f} %",
    )


# ------------------------------------------------------------------------------ main


def _pg_available(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3):
            return True
    except Exception:
        return False


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("benchmarks", nargs="*", help="push, ingest, sse (default: all)")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats (push, ingest)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent senders")
    parser.add_argument("--batches", type=int, default=3, help="batches per sender per repeat")
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--sse-rate", type=int, default=500, help="changes/s pushed")
    parser.add_argument("--sse-seconds", type=float, default=20.0)
    parser.add_argument("--sse-warmup", type=float, default=2.0)
    parser.add_argument("--pg-url", default=os.environ.get("CITYOPS_BENCH_PG_URL", PG_URL))
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--in-process", action="store_true", help="server in a thread of this")
    args = parser.parse_args(argv)
    which = set(args.benchmarks or ("push", "ingest", "sse"))
    if which - {"push", "ingest", "sse"}:
        parser.error(f"unknown benchmarks {sorted(which - {'push', 'ingest', 'sse'})}")
    repeats = max(1, args.repeats)
    if args.sse_rate < 1 or args.subscribers < 1 or args.clients < 1 or args.batches < 1:
        parser.error("rates, counts and sizes must be at least 1")

    started = time.perf_counter()
    load = os.getloadavg()
    print(
        f"server benchmarks: median of {repeats} repeats, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, server "
        f"{'in-process (thread)' if args.in_process else 'subprocess'}",
        flush=True,
    )
    results: list[Result] = []

    def show(result: Result) -> None:
        results.append(result)
        print(result.line(), flush=True)

    workdir = Path(tempfile.mkdtemp(prefix="cityops-bench-"))
    databases: list[tuple[str, str, Callable[[], None]]] = [
        ("sqlite", f"sqlite:///{workdir / 'server.sqlite3'}", lambda: None)
    ]
    if (which & {"push", "ingest"}) and not args.no_pg:
        if _pg_available(args.pg_url):
            pg_url, pg_name = _fresh_postgres(args.pg_url)
            databases.append(("postgres", pg_url, lambda: _drop_postgres(args.pg_url, pg_name)))
        else:
            print(f"PostgreSQL not reachable at {args.pg_url}: skipped", flush=True)
    try:
        for label, url, drop in databases:
            server = Server(url, label, workdir, in_process=args.in_process)
            try:
                server.start()
                if "push" in which:
                    for result in bench_push(server, args.clients, args.batches, repeats):
                        show(result)
                if "ingest" in which:
                    for stream in ("normal", "storm"):
                        show(bench_ingest(server, args.clients, args.batches, repeats, stream))
                if "sse" in which and label == "sqlite":
                    show(
                        bench_sse(
                            server,
                            args.subscribers,
                            args.sse_rate,
                            args.sse_seconds,
                            args.sse_warmup,
                        )
                    )
            finally:
                server.stop()
                drop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    missed = sum(not r.passed for r in results)
    load = os.getloadavg()
    print(
        f"{len(results) - missed}/{len(results)} within target; "
        f"total {time.perf_counter() - started:.1f} s; load {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f}"
    )
    return 0


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    raise SystemExit(main())
