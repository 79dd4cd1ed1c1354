"""Benchmark of the video-wall cockpit's data feed (issue 8): one ``read_snapshot`` a second.

Run with ``.venv/bin/python bench/bench_cockpit_feed.py [--size 1000000] [--repeats 3]``.

A ``LocalStore`` file as a hall's cache holds it after a year: ``--size`` cases (the queue
benchmark's synthetic year, ``tests.unit.test_case_index.synthetic_cases``: ~2,700 reported and
as many closed a day, so ~4,000 closings fall in the feed's 24-33 h window), 50,000 alarms over
30 days (mostly closed, ~1,200 active, a few shelved; ~170 overweight vehicles a day on the 10
weigh-in-motion stations), the last 24 h of metric minutes (~2 % skipped as empty, as the server
skips them), 10,000 devices (273 screens, 420 cabinets, 1,622 circuits, the rest lamps; some
offline, some faulty) and ~20,000 device commands (single, and groups of 50-300 circuits). Built
once by raw ``sqlite3`` ``executemany`` around a fixed instant (``ANCHOR``) and kept as
``/tmp/cityops-bench-cockpit-<size>-v<schema>.sqlite3`` (~1.3 GB, ~90 s to build); the feed is
asked at ``ANCHOR`` plus a few seconds, so a kept file measures the same day. No ``ANALYZE``:
a client's cache has no statistics, so the query plans are the ones it gets.

``snapshot_cold`` (ms, target < 150): ``read_snapshot`` with the feed's memory of on-time
    verdicts emptied, i.e. the first snapshot of a session: every case closed in the window
    gets its SLA clocks computed (the domain's ``case_clocks``: ~70 % of it).
``snapshot`` (ms, target < 150): the steady state, one snapshot a second: verdicts of cases
    closed earlier are remembered (a closed case's clocks no longer change).
``part_<name>`` (ms): each part of a steady snapshot alone, to see where the time goes.

Medians of ``--repeats`` runs. Always exits 0: it reports, it does not gate.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_domain import Result  # noqa: E402
from sqlalchemy import Connection  # noqa: E402

from cityops.desktop import cockpit_feed  # noqa: E402
from cityops.domain.alarms import AlarmKind, Severity  # noqa: E402
from cityops.domain.reference import load_reference  # noqa: E402
from cityops.domain.schemas import Entity  # noqa: E402
from cityops.local_store import tables  # noqa: E402
from cityops.local_store.store import LocalStore  # noqa: E402
from cityops.local_store.tables import ENTITY_TABLES  # noqa: E402
from tests.unit.test_case_index import synthetic_cases  # noqa: E402

REF = load_reference()
#: The instant the store is built around: 14:30 in Hangzhou (the wall's busy afternoon).
ANCHOR = datetime(2026, 11, 26, 6, 30, 17, tzinfo=UTC)
DAY = timedelta(days=1)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _median(values: list[float]) -> float:
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def _result(name: str, values: list[float], unit: str, target: float, detail: str) -> Result:
    return Result(name, _median(values), unit, target, False, (min(values), max(values)), detail)


# ------------------------------------------------------------------ the cache file


def _alarms(rng: random.Random, count: int) -> Iterator[dict[str, Any]]:
    """``count`` alarms over the 30 days before ``ANCHOR``, oldest first: ~4 % active, a few
    cleared-unacknowledged and shelved, the rest closed; 10 % overweight vehicles on the 10
    weigh-in-motion stations."""
    kinds = [k for k in AlarmKind if k is not AlarmKind.BRIDGE_OVERWEIGHT]
    districts = [u.code for u in REF.units.districts]
    severities = list(Severity)
    start = (ANCHOR - 30 * DAY).timestamp()
    times = sorted(rng.uniform(start, ANCHOR.timestamp() - 5) for _ in range(count))
    for i, t in enumerate(times):
        first = datetime.fromtimestamp(t, UTC)
        district = rng.choice(districts)
        if rng.random() < 0.1:
            kind, device = AlarmKind.BRIDGE_OVERWEIGHT, f"WIM-{rng.randint(1, 10):02d}01"
            weight = round(rng.uniform(49, 75), 1)
            severity = Severity.CRITICAL if weight >= 63.7 else Severity.MAJOR
            value, threshold = weight, 63.7 if severity is Severity.CRITICAL else 49.0
        else:
            kind = rng.choice(kinds)
            device = f"S-{district}-{rng.randint(1, 200):03d}"
            severity = rng.choice(severities)
            value, threshold = round(rng.uniform(10, 80), 1), 10.0
        recent = ANCHOR.timestamp() - t < 2 * 86_400
        roll = rng.random()
        if kind is AlarmKind.BRIDGE_OVERWEIGHT:
            state = "cleared_unack" if recent and roll < 0.3 else "cleared"
        elif recent and roll < 0.6:
            state = rng.choice(("active_unack", "active_ack", "shelved"))
        elif recent and roll < 0.7:
            state = "cleared_unack"
        else:
            state = "cleared"
        last = first + timedelta(seconds=rng.uniform(0, 1800))
        last = min(last, ANCHOR - timedelta(seconds=2))
        doc: dict[str, Any] = {
            "id": f"A{int(t):010d}{i:06d}",
            "device_id": device,
            "kind": kind.value,
            "severity": severity.value,
            "peak_severity": severity.value,
            "state": state,
            "first_raised_at": _iso(first),
            "last_raised_at": _iso(last),
            "value": value,
            "threshold": threshold,
            "occurrences": rng.randint(1, 5),
            "district_code": district,
            "version": 3,
        }
        if state.startswith("cleared"):
            cleared = last + timedelta(seconds=rng.uniform(1, 3600))
            if kind is AlarmKind.BRIDGE_OVERWEIGHT:
                cleared = last  # momentary: cleared when raised
            if cleared < ANCHOR:
                doc["cleared_at"] = _iso(cleared)
            else:  # not cleared yet
                doc["state"] = "active_unack"
        if state == "shelved":
            doc["underlying_state"] = "active_ack"
        yield doc


def _metrics(rng: random.Random) -> Iterator[dict[str, Any]]:
    """The last 24 h of metric minutes before ``ANCHOR``'s minute, ~2 % of them skipped."""
    current = ANCHOR.replace(second=0, microsecond=0)
    for k in range(1440, 0, -1):
        minute = current - timedelta(minutes=k)
        if k > 1 and rng.random() < 0.02:
            continue  # an empty minute: the server does not emit it
        values = {
            "readings": rng.randint(600, 1400),
            "readings.water_level_cm": rng.randint(50, 150),
            "alarms_raised": rng.randint(0, 3),
        }
        if rng.random() < 0.14:
            values["overweight_vehicles"] = 1
        yield {
            "minute": minute.isoformat(),
            "values": values,
            "active_alarms": {"waterlogging": {"major": 3}},
            "active_alarms_total": 3,
        }


def _devices(rng: random.Random, count: int) -> Iterator[dict[str, Any]]:
    devices = REF.devices
    docs: list[dict[str, Any]] = []
    for screen in devices.led_screens.values():
        docs.append(
            {
                "id": screen.id,
                "kind": "led_screen",
                "name_zh": screen.name_zh,
                "district_code": screen.district,
                "group": screen.group,
            }  # fmt: skip
        )
    for cabinet in devices.cabinets.values():
        docs.append(
            {
                "id": cabinet.id,
                "kind": "light_cabinet",
                "name_zh": f"{cabinet.id} 控制柜",
                "district_code": cabinet.district,
            }  # fmt: skip
        )
        for circuit in cabinet.circuits:
            docs.append(
                {
                    "id": circuit.id,
                    "kind": "light_circuit",
                    "name_zh": f"{circuit.id} 回路",
                    "district_code": cabinet.district,
                }  # fmt: skip
            )
    circuits = [d for d in docs if d["kind"] == "light_circuit"]
    n = 0
    while len(docs) < count:
        circuit = circuits[n % len(circuits)]
        n += 1
        docs.append(
            {
                "id": f"{circuit['id']}-L{n:05d}",
                "kind": "lamp",
                "name_zh": f"路灯 {n}",
                "district_code": circuit["district_code"],
            }  # fmt: skip
        )
    for doc in docs[:count]:
        online = rng.random() < 0.97
        doc.update(
            online=online,
            power=online and rng.random() < 0.9,
            level=100,
            faults=["lamp_failure"] if rng.random() < 0.02 else [],
            last_seen=_iso(ANCHOR - timedelta(seconds=rng.uniform(0, 600))),
            version=1,
        )
        yield doc


def _commands(rng: random.Random, count: int) -> Iterator[dict[str, Any]]:
    """``count`` commands over the 30 days before ``ANCHOR``, oldest first: groups of 50-300
    circuits at dusk and dawn, single screen and circuit commands in between."""
    circuits = sorted(REF.devices.circuits)
    screens = sorted(REF.devices.led_screens)
    made = 0
    t = (ANCHOR - 30 * DAY).timestamp()
    while made < count:
        t += rng.uniform(60, 600)
        at = datetime.fromtimestamp(min(t, ANCHOR.timestamp() - 1), UTC)
        if rng.random() < 0.02:
            group = f"G{int(t)}"
            on = rng.random() < 0.5
            targets = rng.sample(circuits, rng.randint(50, 300))
            kind = "light_circuit"
            payload: dict[str, Any] = {"type": "set_power", "on": on}
        else:
            group = None
            if rng.random() < 0.5:
                targets, kind = [rng.choice(screens)], "led_screen"
                payload = {"type": "show_content", "content_id": "notice-1", "text": "雨天路滑"}
            else:
                targets, kind = [rng.choice(circuits)], "light_circuit"
                payload = {"type": "set_level", "percent": rng.choice((40, 60, 80))}
        for device in targets:
            made += 1
            yield {
                "id": f"CMD{made:08d}",
                "device_id": device,
                "device_kind": kind,
                "payload": payload,
                "issued_by": "op-1",
                "issued_at": _iso(at),
                "not_after": _iso(at + timedelta(hours=1)),
                "status": "acked",
                "status_at": _iso(at + timedelta(seconds=5)),
                "group_command_id": group,
                "version": 3,
            }


def _insert(conn: sqlite3.Connection, entity: Entity, docs: Iterator[dict[str, Any]]) -> int:
    spec = ENTITY_TABLES[entity]
    names = ("id", "version", "doc", "server_version", "server_doc", *spec.extra)
    sql = (
        f"INSERT INTO {spec.table.name} ({', '.join(names)}) "
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    rows: list[tuple[Any, ...]] = []
    count = 0
    for doc in docs:
        columns = spec.columns(doc)
        version = int(doc.get("version") or 1)
        rows.append(
            (doc.get("id") or f"minute:{doc['minute']}", version,
             json.dumps(doc, ensure_ascii=False), version, None)
            + tuple(columns[n] for n in spec.extra)
        )  # fmt: skip
        count += 1
        if len(rows) == 50_000:
            with conn:
                conn.executemany(sql, rows)
            rows.clear()
    with conn:
        conn.executemany(sql, rows)
    return count


def build(size: int) -> Path:
    """The cache file, made once and kept under /tmp (its name carries the schema version)."""
    path = Path(f"/tmp/cityops-bench-cockpit-{size}-v{tables.SCHEMA_VERSION}.sqlite3")
    if path.exists():
        with sqlite3.connect(path) as conn:
            (count,) = conn.execute("SELECT count(*) FROM cases").fetchone()
        if count == size:
            return path
        path.unlink()
    t0 = time.perf_counter()
    LocalStore.open(path).close()  # the schema, as the client makes it
    rng = random.Random(2026)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    counts = {
        "cases": _insert(conn, Entity.CASE, synthetic_cases(size, seed=2026, now=ANCHOR)),
        "alarms": _insert(conn, Entity.ALARM, _alarms(rng, 50_000)),
        "metrics": _insert(conn, Entity.METRIC, _metrics(rng)),
        "devices": _insert(conn, Entity.DEVICE, _devices(rng, 10_000)),
        "commands": _insert(conn, Entity.DEVICE_COMMAND, _commands(rng, 20_000)),
    }
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    what = ", ".join(f"{n:,} {k}" for k, n in counts.items())
    print(f"built {path} ({what}) in {time.perf_counter() - t0:.0f} s", flush=True)
    return path


# ------------------------------------------------------------------ the benchmark


def _ms(run: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    run()
    return (time.perf_counter() - t0) * 1000


def bench_feed(path: Path, repeats: int) -> list[Result]:
    store = LocalStore.open(path)
    out: list[Result] = []
    try:
        size = store.count(Entity.CASE)
        at = [ANCHOR + timedelta(seconds=i) for i in range(repeats + 1)]
        snapshot = cockpit_feed.read_snapshot(store, REF, at[0])  # imports, rules, calendar
        k = snapshot.kpis
        detail = (
            f"{size:,} cases; today {k.cases_reported_today:,} reported, "
            f"{k.cases_closed_today:,} closed"
        )
        cold = []
        for i in range(repeats):
            cockpit_feed.forget_verdicts()
            gc.collect()
            cold.append(_ms(lambda i=i: cockpit_feed.read_snapshot(store, REF, at[i])))
        out.append(_result("snapshot_cold", cold, "ms", 150, f"{detail}; every verdict anew"))
        print(out[-1].line(), flush=True)
        warm = []
        for i in range(repeats):
            gc.collect()
            warm.append(_ms(lambda i=i: cockpit_feed.read_snapshot(store, REF, at[i + 1])))
        out.append(_result("snapshot", warm, "ms", 150, f"{detail}; steady, 1 Hz"))
        print(out[-1].line(), flush=True)

        frame = cockpit_feed.Frame.at(at[-1])
        parts: dict[str, Callable[[Connection], Any]] = {
            "cases": lambda c: cockpit_feed._read_cases(c, frame, REF),
            "active_alarms": cockpit_feed._active_alarms,
            "metrics": lambda c: cockpit_feed._read_metrics(c, frame),
            "devices": cockpit_feed._read_devices,
            "wim": lambda c: cockpit_feed._read_wim(c, frame),
            "ticker": lambda c: cockpit_feed._read_ticker(c, frame, REF),
        }
        with store.engine.connect() as conn:
            for name, part in parts.items():
                runs = [_ms(lambda part=part: part(conn)) for _ in range(repeats)]
                out.append(_result(f"part_{name}", runs, "ms", 150, "alone, steady"))
                print(out[-1].line(), flush=True)
    finally:
        store.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print(
        f"cockpit feed benchmarks: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python "
        f"{sys.version.split()[0]}, {os.cpu_count()} cores, {platform.release()}, "
        f"load {os.getloadavg()[0]:.2f}, {args.size:,} cases",
        flush=True,
    )
    path = build(args.size)
    results = bench_feed(path, args.repeats)
    print(f"{sum(r.passed for r in results)}/{len(results)} within target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
