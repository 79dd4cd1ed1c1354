"""What the alarm map reads from the local store (Qt-free): listed alarms as rows with their
positions (or none), only the asked ids, open located cases, device names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cityops.desktop.alarm_feed import (
    LISTED_STATES,
    device_names,
    load_alarm_docs,
    load_alarm_markers,
    load_alarm_rows,
    load_case_markers,
    row_of,
)
from cityops.domain.schemas import Entity
from cityops.local_store.store import LocalStore
from tests.unit.test_local_store import change, reported

HUBIN = (120.1655, 30.2592)


def alarm(n: int, state: str, *, placed: bool = True, severity: str = "major") -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": f"A-{n}",
        "device_id": f"WL-330102-{n:03d}",
        "kind": "waterlogging",
        "severity": severity,
        "peak_severity": severity,
        "state": state,
        "first_raised_at": f"2026-11-28T08:{n:02d}:00+00:00",
        "last_raised_at": f"2026-11-28T08:{n:02d}:00+00:00",
        "value": 30.0,
        "threshold": 27.0,
        "occurrences": 1,
        "district_code": "330102",
        "version": 1,
    }
    if placed:
        doc["lon"], doc["lat"] = HUBIN[0] + n * 0.001, HUBIN[1]
    return doc


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = LocalStore.open(tmp_path / "cache.sqlite3")
    docs = [
        alarm(1, "active_unack", severity="critical"),
        alarm(2, "active_ack"),
        alarm(3, "cleared_unack"),
        alarm(4, "shelved"),
        alarm(5, "cleared"),  # closed: not listed
        alarm(6, "out_of_service"),  # not listed
        alarm(7, "active_unack", placed=False),  # listed, no position
    ]
    s.apply_changes([change(i + 1, d, Entity.ALARM) for i, d in enumerate(docs)], cursor=7)
    yield s
    s.close()


def test_rows_are_the_listed_alarms_with_their_positions(store: LocalStore) -> None:
    rows = load_alarm_rows(store)
    assert sorted(rows) == ["A-1", "A-2", "A-3", "A-4", "A-7"]
    assert {r["state"] for r in rows.values()} <= set(LISTED_STATES)
    assert rows["A-1"]["lon"] == pytest.approx(HUBIN[0] + 0.001)
    assert rows["A-1"]["lat"] == pytest.approx(HUBIN[1])
    assert rows["A-1"]["severity"] == "critical"
    assert rows["A-1"]["district"] == "330102"
    assert rows["A-1"]["device"] == "WL-330102-001"
    assert rows["A-7"]["lat"] is None  # listed, but the map cannot place it
    assert sorted(load_alarm_markers(store)) == ["A-1", "A-2", "A-3", "A-4"]


def test_rows_read_from_columns_equal_rows_made_from_documents(store: LocalStore) -> None:
    by_docs = {d["id"]: row_of(d) for d in load_alarm_docs(store)}
    assert load_alarm_rows(store) == by_docs


def test_only_the_asked_ids_and_closed_ones_are_simply_absent(store: LocalStore) -> None:
    rows = load_alarm_rows(store, ["A-2", "A-5", "A-404"])
    assert list(rows) == ["A-2"]  # A-5 closed, A-404 unknown: the caller drops both
    many = load_alarm_rows(store, [f"A-{n}" for n in range(2000)])  # chunked IN lists
    assert sorted(many) == ["A-1", "A-2", "A-3", "A-4", "A-7"]


def test_cases_layer_holds_open_located_cases(store: LocalStore) -> None:
    open_placed = {**reported("C-1"), "lon": HUBIN[0], "lat": HUBIN[1]}
    unplaced = reported("C-2")
    closed = {**reported("C-3"), "lon": HUBIN[0], "lat": HUBIN[1], "state": "closed"}
    escalated = {**reported("C-4"), "lon": HUBIN[0], "lat": HUBIN[1], "escalation_level": 2}
    store.apply_changes(
        [change(8 + i, d) for i, d in enumerate((open_placed, unplaced, closed, escalated))],
        cursor=11,
    )
    cases = load_case_markers(store)
    assert sorted(cases) == ["C-1", "C-4"]
    assert cases["C-1"]["label"].startswith("湖滨路")
    assert not cases["C-1"]["escalated"]
    assert cases["C-4"]["escalated"]
    assert sorted(load_case_markers(store, ["C-3", "C-4"])) == ["C-4"]


def test_device_names_come_from_the_devices_table(store: LocalStore) -> None:
    screen = {
        "id": "LED-330102-01",
        "kind": "led_screen",
        "name_zh": "湖滨银泰大屏",
        "district_code": "330102",
        "version": 1,
    }
    store.apply_changes([change(20, screen, Entity.DEVICE)], cursor=20)
    assert device_names(store, ["LED-330102-01", "WL-330102-001"]) == {
        "LED-330102-01": "湖滨银泰大屏"
    }
