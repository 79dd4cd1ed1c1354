"""Benchmarks of the client's cache and sync engine (issue 5's targets).

Run with ``make bench`` or ``.venv/bin/python bench/bench_client.py [apply first_sync live]``.

``apply_pulled`` (changes/s, target >= 10,000/s), ``apply_vs_raw`` (target >= 80 % of raw)
    A cache file that already holds ``--cases`` (1,000,000) cases (real report documents, filled
    before the clock by raw inserts) takes pulled pages of 1,000 ``case`` changes (updates of
    existing cases, a verify each) through ``LocalStore.apply_changes``: one transaction per page
    with the cursor, WAL + ``synchronous=FULL`` as in production. In the same run, the same rows
    go through a raw ``sqlite3`` ``executemany`` upsert (same table, same columns, one
    transaction per page) on a copy of the same file: the ratio is printed. Median of
    ``--repeats`` repeats of ``--pages`` pages each.

``first_sync`` (seconds, target < 15 s)
    A server (subprocess, SQLite) holding ``--sync-cases`` (100,000) cases reported through the
    real push API (each report is two changes: the case and its timeline event); a fresh cache
    and ``SyncEngine`` log in and pull until caught up. One timed run (the server's content is
    made once).

``live_p95`` (ms, target < 100 ms)
    The engine connected to that server's live stream while another workstation pushes
    ``case.report`` at 25 reports (50 changes) per second for ``--live-seconds`` (20 s). For each
    change: the moment ``LocalStore.apply_changes`` returned with it minus the moment the push
    that committed it was answered (both ``time.monotonic`` in this process). p95 over all.

Always exits 0: it reports, it does not gate.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uuid6
from pydantic_core import to_json

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_domain import Result  # noqa: E402
from bench_server import REPORT_ARGS, Server, _median  # noqa: E402

from cityops.domain import cases as cs  # noqa: E402
from cityops.domain.actors import Actor, Role  # noqa: E402
from cityops.domain.reference import load_reference  # noqa: E402
from cityops.domain.schemas import Entity, case_document  # noqa: E402
from cityops.local_store.store import LocalStore  # noqa: E402
from cityops.local_store.tables import ENTITY_TABLES  # noqa: E402
from cityops.sync.api import ServerApi  # noqa: E402
from cityops.sync.engine import SyncEngine  # noqa: E402
from tests.server.conftest import PASSWORD  # noqa: E402

COLLECTOR = Actor("col-7", frozenset({Role.COLLECTOR}), "330102001", "李采集")
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _template() -> dict[str, Any]:
    outcome = cs.report_case(
        "C-TEMPLATE",
        source=cs.CaseSource.PATROL,
        description="湖滨路暴露垃圾，垃圾桶满溢",
        district_code="330102",
        street_code="330102001",
        address="湖滨路 23 号",
        lon=120.1601,
        lat=30.2575,
        actor=COLLECTOR,
        now=T0,
        ref=load_reference(),
    )
    assert not isinstance(outcome, cs.Rejection)
    return case_document(outcome[0])


def _case(template: dict[str, Any], i: int, state: str = "reported") -> dict[str, Any]:
    at = (T0 + timedelta(seconds=30 * i)).isoformat().replace("+00:00", "Z")
    return {**template, "id": f"C-{i:08d}", "reported_at": at, "state": state}


# ------------------------------------------------------------------ apply_pulled


def _fill(path: Path, count: int, template: dict[str, Any]) -> None:
    """``count`` cases written straight into the cache's table (before the clock)."""
    LocalStore.open(path).close()  # the schema
    spec = ENTITY_TABLES[Entity.CASE]
    names = ("id", "version", "doc", "server_version", "server_doc", *spec.extra)
    sql = f"INSERT INTO cases ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    chunk = 20_000
    for start in range(0, count, chunk):
        rows = []
        for i in range(start, min(count, start + chunk)):
            doc = _case(template, i)
            columns = spec.columns(doc)
            rows.append(
                (
                    doc["id"],
                    1,
                    json.dumps(doc, ensure_ascii=False),
                    1,
                    None,
                    *(columns[n] for n in spec.extra),
                )
            )
        with conn:
            conn.executemany(sql, rows)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _pages(
    template: dict[str, Any], count: int, pages: int, seq0: int
) -> list[list[dict[str, Any]]]:
    out = []
    seq = seq0
    step = max(1, count // (pages * 1000))
    i = 0
    for _ in range(pages):
        page = []
        for _ in range(1000):
            seq += 1
            doc = {**_case(template, i % count, "verified"), "version": 2}
            page.append(
                {
                    "seq": seq,
                    "entity": "case",
                    "entity_id": doc["id"],
                    "version": 2,
                    "op": "upsert",
                    "payload": doc,
                }
            )
            i += step
        out.append(page)
    return out


def bench_apply(workdir: Path, cases: int, pages: int, repeats: int) -> list[Result]:
    template = _template()
    base = workdir / "filled.sqlite3"
    started = time.perf_counter()
    _fill(base, cases, template)
    print(
        f"  filled a cache with {cases:,} cases in {time.perf_counter() - started:.1f} s "
        f"({base.stat().st_size / 1e6:,.0f} MB)",
        flush=True,
    )
    spec = ENTITY_TABLES[Entity.CASE]
    names = ("id", "version", "doc", "server_version", "server_doc", *spec.extra)
    raw_sql = (
        f"INSERT INTO cases ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)}) "
        "ON CONFLICT(id) DO UPDATE SET "
        + ", ".join(f"{n} = excluded.{n}" for n in ("version", "doc", *spec.extra))
        + ", server_version = excluded.version, server_doc = NULL"
    )
    store_rates, raw_rates = [], []
    seq = 0
    for r in range(repeats + 1):
        work = [_pages(template, cases, pages, seq)]
        seq += pages * 1000
        # The store (what the engine runs) ...
        store = LocalStore.open(base)
        t = time.perf_counter()
        for page in work[0]:
            store.apply_changes(page, page[-1]["seq"])
        store_s = time.perf_counter() - t
        store.close()
        # ... and the same rows through raw sqlite3, same pragmas, one transaction per page.
        conn = sqlite3.connect(base)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        t = time.perf_counter()
        for page in work[0]:
            rows = []
            for change in page:
                doc = change["payload"]
                columns = spec.columns(doc)
                rows.append(
                    (
                        change["entity_id"],
                        change["version"],
                        to_json(doc).decode(),  # the fastest JSON encoder at hand, as the store
                        change["version"],
                        None,
                        *(columns[n] for n in spec.extra),
                    )
                )
            with conn:
                conn.executemany(raw_sql, rows)
                conn.execute(
                    "UPDATE sync_state SET value = ? WHERE key = 'cursor'", (str(page[-1]["seq"]),)
                )
        raw_s = time.perf_counter() - t
        conn.close()
        if r:  # the first round warms the file's pages into the cache
            store_rates.append(pages * 1000 / store_s)
            raw_rates.append(pages * 1000 / raw_s)
    ratios = [100 * s / w for s, w in zip(store_rates, raw_rates, strict=True)]
    store_med, raw_med = _median(store_rates), _median(raw_rates)
    return [
        Result(
            "apply_pulled",
            store_med,
            "changes/s",
            10_000,
            True,
            (min(store_rates), max(store_rates)),
            f"{pages} pages x 1,000 case updates into a cache of {cases:,} cases; raw "
            f"sqlite3 {raw_med:,.0f}/s",
        ),
        Result(
            "apply_vs_raw",
            _median(ratios),
            "% of raw",
            80,
            True,
            (min(ratios), max(ratios)),
            "LocalStore.apply_changes / raw executemany upsert, same rows, same run",
        ),
    ]


# ------------------------------------------------------------------ first sync and live


def _report_bodies(client: str, count: int, start_seq: int, tag: str) -> list[bytes]:
    now = datetime.now(UTC).isoformat()
    bodies = []
    for b in range(0, count, 100):
        mutations = [
            {
                "client_id": client,
                "seq": start_seq + b + i,
                "mutation_id": str(uuid6.uuid7()),
                "name": "case.report",
                "args": {"case_id": f"C-{tag}-{b + i:07d}", **REPORT_ARGS},
                "client_now": now,
            }
            for i in range(min(100, count - b))
        ]
        bodies.append(json.dumps({"mutations": mutations}, ensure_ascii=False).encode())
    return bodies


def _token(url: str, user: str) -> str:
    r = httpx.post(f"{url}/api/v1/auth/token", data={"username": user, "password": PASSWORD})
    r.raise_for_status()
    return str(r.json()["access_token"])


def _fill_server(server: Server, count: int) -> None:
    headers = {
        "Authorization": f"Bearer {_token(server.url, 'collector')}",
        "Content-Type": "application/json",
    }
    tag = uuid.uuid4().hex[:6]
    with httpx.Client(base_url=server.url, timeout=60) as http:
        for body in _report_bodies(f"fill-{tag}", count, 1, tag):
            r = http.post("/api/v1/sync/push", content=body, headers=headers)
            r.raise_for_status()


async def _until(check: Any, within: float = 600.0) -> None:
    deadline = time.monotonic() + within
    while True:
        if check():
            return
        if time.monotonic() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.02)


async def _first_sync(server: Server, path: Path) -> tuple[float, int]:
    store = LocalStore.open(path)
    api = ServerApi(server.url)
    engine = SyncEngine(store, api)
    await engine.login("dispatcher", PASSWORD)
    newest = server.last_seq()
    start = time.perf_counter()
    task = asyncio.create_task(engine.run())
    await _until(lambda: store.cursor() >= newest)
    took = time.perf_counter() - start
    engine.stop()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await api.aclose()
    count = store.count(Entity.CASE)
    store.close()
    return took, count


async def _live(server: Server, path: Path, seconds: float) -> list[float]:
    store = LocalStore.open(path)
    api = ServerApi(server.url)
    engine = SyncEngine(store, api)
    applied_at: dict[int, float] = {}
    original = store.apply_changes

    def recording(changes: Sequence[dict[str, Any]], cursor: int) -> Any:
        out = original(changes, cursor)
        now = time.monotonic()
        for c in changes:
            applied_at.setdefault(int(c["seq"]), now)
        return out

    store.apply_changes = recording  # type: ignore[method-assign]
    await engine.login("dispatcher", PASSWORD)
    task = asyncio.create_task(engine.run())
    newest = server.last_seq()
    await _until(lambda: store.cursor() >= newest)
    await asyncio.sleep(1.0)  # the live stream is open

    answered: dict[int, float] = {}  # change seq -> push answered
    headers = {
        "Authorization": f"Bearer {_token(server.url, 'collector')}",
        "Content-Type": "application/json",
    }
    tag = uuid.uuid4().hex[:6]
    ticks = int(seconds * 10)
    bodies = [_report_bodies(f"live-{tag}", 3, 1 + 3 * t, f"{tag}{t}")[0] for t in range(ticks)]

    def push() -> None:
        # 3 reports every 100 ms = 30 reports/s = 60 changes/s, just above the target's 50.
        with httpx.Client(base_url=server.url, timeout=30) as http:
            start = time.monotonic()
            for t, body in enumerate(bodies):
                delay = start + t / 10 - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                r = http.post("/api/v1/sync/push", content=body, headers=headers)
                r.raise_for_status()
                at = time.monotonic()
                last = max(x["last_change_seq"] for x in r.json()["results"])
                for seq in range(last - 5, last + 1):  # each report: 2 changes
                    answered[seq] = at

    pusher = threading.Thread(target=push)
    pusher.start()
    await _until(lambda: not pusher.is_alive(), within=seconds * 3)
    pusher.join()
    with contextlib.suppress(TimeoutError):  # what never arrives counts as infinitely late
        await _until(lambda: all(s in applied_at for s in answered), within=10)
    engine.stop()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await api.aclose()
    store.close()
    return [1000 * (applied_at.get(s, float("inf")) - a) for s, a in answered.items()]


def bench_sync(workdir: Path, sync_cases: int, live_seconds: float) -> list[Result]:
    server = Server(f"sqlite:///{workdir / 'server.sqlite3'}", "sqlite", workdir)
    server.start()
    try:
        started = time.perf_counter()
        _fill_server(server, sync_cases)
        print(
            f"  server holds {sync_cases:,} cases ({server.last_seq():,} changes), made in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        took, count = asyncio.run(_first_sync(server, workdir / "first.sqlite3"))
        results = [
            Result(
                "first_sync",
                took,
                "s",
                15,
                False,
                (took, took),
                f"{count:,} cases, {server.last_seq():,} changes pulled into a fresh cache",
            )
        ]
        latencies = sorted(asyncio.run(_live(server, workdir / "live.sqlite3", live_seconds)))
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        p50 = latencies[len(latencies) // 2]
        missing = sum(1 for x in latencies if x == float("inf"))
        results.append(
            Result(
                "live_p95",
                p95,
                "ms (p95)",
                100,
                False,
                (p50, latencies[-1]),
                f"range = p50-max; {len(latencies):,} changes at ~60/s for "
                f"{live_seconds:.0f} s, push answered -> applied in the cache; "
                f"{missing} missing",
            )
        )
        return results
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("benchmarks", nargs="*", help="apply, sync (default: both)")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sync-cases", type=int, default=100_000)
    parser.add_argument("--live-seconds", type=float, default=20.0)
    args = parser.parse_args(argv)
    which = set(args.benchmarks or ("apply", "sync"))
    load = os.getloadavg()
    print(
        f"client benchmarks: Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
        f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
        flush=True,
    )
    workdir = Path(tempfile.mkdtemp(prefix="cityops-client-bench-"))
    results: list[Result] = []
    try:
        if "apply" in which:
            for r in bench_apply(workdir, args.cases, args.pages, args.repeats):
                results.append(r)
                print(r.line(), flush=True)
        if "sync" in which:
            for r in bench_sync(workdir, args.sync_cases, args.live_seconds):
                results.append(r)
                print(r.line(), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    load = os.getloadavg()
    print(f"{sum(r.passed for r in results)}/{len(results)} within target; load {load[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
