"""Benchmark of the supervisors' monthly ranking read from the client's cache (issue 10).

Run with ``.venv/bin/python bench/bench_ranking.py [--size 1000000] [--findings 100000]
[--repeats 5]``.

A ``LocalStore`` file holding ``--size`` cases (the queue benchmark's synthetic year before
``ANCHOR``, ``tests.unit.test_case_index.synthetic_cases``: ~2,700 reported and as many closed
a day; here closed cases also carry returns (8 %), reworks (6 %) and escalations (10 %) so every
indicator has both sides, and 70 % of the closed public reports (hotline, app, reward: 3/7 of
the cases) a satisfaction rating from the hotline's callback, 5 / 3 / 1 with district-dependent
shares: ~23,000 ratings a month) and ``--findings`` inspection findings spread over the 90 days
before ``ANCHOR`` (random districts, streets and of the 227 items, counts 1-3, a tenth with a
"+08:00" time as a client may record it). Built once by raw ``sqlite3`` ``executemany`` and
kept as ``/tmp/cityops-bench-ranking-<size>-<findings>-v<schema>-<DATA>.sqlite3``. No
``ANALYZE``: a client's cache has no statistics, so the query plans are the ones it gets.

``monthly_ranking`` (ms, target < 2,000): ``ranking_facts.ranking_report`` for October 2026 (a
    complete month: its facts and September's for the movement, every district scored,
    explained and ranked), one read transaction.
``monthly_ranking_current`` (ms, target < 2,000): the same for November (the month ``ANCHOR``
    lies in, so far).
``trend_6_months`` (ms, no target of its own; the window draws it after the table): the
    totals of the six months up to October.

Medians of ``--repeats`` runs after one untimed warm-up. Always exits 0: it reports.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_cockpit_feed import _insert, _iso, _median  # noqa: E402
from bench_domain import Result  # noqa: E402

from cityops.domain.city import CITY_TZ  # noqa: E402
from cityops.domain.ranking import Period, PeriodKind, format_score  # noqa: E402
from cityops.domain.reference import load_reference  # noqa: E402
from cityops.domain.schemas import Entity  # noqa: E402
from cityops.local_store import ranking_facts, tables  # noqa: E402
from cityops.local_store.store import LocalStore  # noqa: E402
from cityops.simulator.casework import satisfaction_weights  # noqa: E402
from tests.unit.test_case_index import synthetic_cases  # noqa: E402

REF = load_reference()
ANCHOR = datetime(2026, 11, 26, 6, 30, 17, tzinfo=UTC)
OCTOBER = Period(PeriodKind.MONTH, date(2026, 10, 1))
NOVEMBER = Period(PeriodKind.MONTH, date(2026, 11, 1))
#: The synthetic data's version, in the file name: a change to ``_cases`` builds a new file.
DATA = "sat1"
#: Share of the closed public reports the hotline reached on its callback.
CALLED_BACK = 0.7
_PUBLIC = ("hotline", "app", "reward")


def _cases(size: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    weights = satisfaction_weights(REF)  # the simulator's district shares
    for doc in synthetic_cases(size, seed=2026, now=ANCHOR):
        if doc.get("first_dispatched_at") and rng.random() < 0.08:
            doc["return_count"] = max(doc.get("return_count", 0), 1)
        if doc["state"] == "closed":
            if rng.random() < 0.06:
                doc["rework_count"] = 1
            if rng.random() < 0.10:
                doc["escalation_level"] = 1
            if doc["source"] in _PUBLIC and rng.random() < CALLED_BACK:
                share = weights.get(doc["district_code"], (0.8, 0.15, 0.05))
                doc["satisfaction"] = rng.choices((5, 3, 1), share)[0]
                doc["satisfaction_by"] = "disp-1"
                doc["satisfaction_at"] = doc["closed_at"]
        yield doc


def _findings(count: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    streets = REF.units.at_level("street")
    items = REF.evaluation.rules.items
    start = (ANCHOR - timedelta(days=90)).timestamp()
    for i in range(count):
        street = rng.choice(streets)
        item = rng.choice(items)
        n = rng.randint(1, 3)
        at = datetime.fromtimestamp(rng.uniform(start, ANCHOR.timestamp() - 60), UTC)
        observed = _iso(at)
        if rng.random() < 0.1:
            observed = at.astimezone(CITY_TZ).isoformat()  # "…+08:00", as a client sent it
        yield {
            "id": f"INS{i:08d}",
            "district_code": street.parent or street.code[:6],
            "street_code": street.code,
            "item_code": item.code,
            "category_code": item.category,
            "count": n,
            "deduction": item.deduction * n,
            "note": "",
            "observed_at": observed,
            "recorded_by": "sup-1",
            "recorded_at": observed,
        }


def build(size: int, findings: int) -> Path:
    """The cache file, made once and kept under /tmp (its name carries the schema version)."""
    path = Path(
        f"/tmp/cityops-bench-ranking-{size}-{findings}-v{tables.SCHEMA_VERSION}-{DATA}.sqlite3"
    )
    if path.exists():
        with sqlite3.connect(path) as conn:
            (n_cases,) = conn.execute("SELECT count(*) FROM cases").fetchone()
            (n_found,) = conn.execute("SELECT count(*) FROM inspections").fetchone()
        if (n_cases, n_found) == (size, findings):
            return path
        path.unlink()
    t0 = time.perf_counter()
    LocalStore.open(path).close()  # the schema, as the client makes it
    rng = random.Random(2026)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    n_cases = _insert(conn, Entity.CASE, _cases(size, rng))
    n_found = _insert(conn, Entity.INSPECTION, _findings(findings, rng))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    print(
        f"built {path} ({n_cases:,} cases, {n_found:,} findings) in "
        f"{time.perf_counter() - t0:.0f} s",
        flush=True,
    )
    return path


def _runs(run: Any, repeats: int) -> tuple[list[float], Any]:
    result = run()  # warm-up: imports, the page cache
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - t0) * 1000)
    return times, result


def _result(name: str, values: list[float], target: float, detail: str) -> Result:
    return Result(name, _median(values), "ms", target, False, (min(values), max(values)), detail)


def bench(path: Path, repeats: int) -> list[Result]:
    store = LocalStore.open(path)
    out: list[Result] = []
    try:
        with store.engine.connect() as conn:
            counts = {
                p.label_en: conn.exec_driver_sql(
                    "SELECT count(*) FROM inspections WHERE observed_at >= ? AND observed_at < ?",
                    (p.start.isoformat(), p.end.isoformat()),
                ).scalar_one()
                for p in (OCTOBER, NOVEMBER)
            }
        for name, period in (("monthly_ranking", OCTOBER), ("monthly_ranking_current", NOVEMBER)):
            times, report = _runs(
                lambda period=period: ranking_facts.ranking_report(store, period, REF), repeats
            )
            facts = report.facts.values()
            top = report.ranking.entries[0]
            detail = (
                f"{period.label_en}: {sum(f.filed for f in facts):,} filed, "
                f"{sum(f.closed for f in facts):,} closed, "
                f"{sum(f.satisfaction_ratings.count for f in facts):,} rated, "
                f"~{counts[period.label_en]:,} "
                f"inspections; #1 {top.district_code} {format_score(top.total)}"
            )
            out.append(_result(name, times, 2000, detail))
            print(out[-1].line(), flush=True)
        times, _ = _runs(lambda: ranking_facts.totals_over(store, OCTOBER, REF, 6), repeats)
        out.append(_result("trend_6_months", times, 6 * 2000, "six months of totals"))
        print(out[-1].line(), flush=True)
    finally:
        store.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    print(
        f"ranking benchmarks: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python "
        f"{sys.version.split()[0]}, {os.cpu_count()} cores, {platform.release()}, "
        f"load {os.getloadavg()[0]:.2f}, {args.size:,} cases, {args.findings:,} findings",
        flush=True,
    )
    path = build(args.size, args.findings)
    results = bench(path, args.repeats)
    print(f"{sum(r.passed for r in results)}/{len(results)} within target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
