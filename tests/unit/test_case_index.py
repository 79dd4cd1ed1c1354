"""The case queues' data core without Qt: schema v2 of the cache (upgrade of a v1 file, the
timeline and nearby reads) and the columnar ``CaseIndex`` (queues, filters, sorts, refresh)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from cityops.domain.schemas import Entity
from cityops.local_store import tables
from cityops.local_store.store import LocalStore

# The v1 ``cases`` table exactly as v1 clients created it.
_V1_CASES = """
CREATE TABLE cases (
    id VARCHAR NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL,
    server_version INTEGER, server_doc TEXT,
    state VARCHAR NOT NULL, source VARCHAR, district_code VARCHAR, street_code VARCHAR,
    subcategory_code VARCHAR, assigned_unit VARCHAR, reported_at VARCHAR NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX ix_cases_state_reported ON cases (state, reported_at, id);
CREATE INDEX ix_cases_district_state ON cases (district_code, state, reported_at);
CREATE INDEX ix_cases_unit_state ON cases (assigned_unit, state);
"""


def case_doc(case_id: str, **over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": case_id,
        "state": "reported",
        "source": "patrol",
        "description": "湖滨路暴露垃圾",
        "reported_at": "2026-11-27T09:00:00Z",
        "reported_by": "col-7",
        "district_code": "330102",
        "street_code": "330102001",
        "address": "湖滨路 1 号",
        "lon": 120.1650,
        "lat": 30.2590,
        "subcategory_code": None,
        "escalation_level": 0,
        "version": 1,
    }
    doc.update(over)
    return doc


def upsert(seq: int, doc: dict[str, Any], entity: Entity = Entity.CASE) -> dict[str, Any]:
    return {
        "seq": seq,
        "entity": entity.value,
        "entity_id": doc["id"],
        "version": doc.get("version", 1),
        "op": "upsert",
        "payload": doc,
    }


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = LocalStore.open(tmp_path / "cache.sqlite3")
    yield s
    s.close()


def _v1_file(path: Path) -> None:
    """A cache as a v1 client left it: v1 ``cases`` and the other tables, one case, one intent."""
    v2 = LocalStore.open(path.with_name("template.sqlite3"))
    v2.close()
    with sqlite3.connect(path.with_name("template.sqlite3")) as template:
        ddl = [
            sql
            for (name, sql) in template.execute(
                "SELECT tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL"
            )
            if name != "cases"
        ]
    conn = sqlite3.connect(path)
    conn.executescript(_V1_CASES)
    for sql in ddl:
        conn.execute(sql)
    doc = case_doc("C-1", escalation_level=2)
    conn.execute(
        "INSERT INTO cases VALUES (?, 1, ?, NULL, NULL, 'reported', 'patrol', '330102', "
        "'330102001', NULL, NULL, '2026-11-27T09:00:00Z')",
        ("C-1", json.dumps(doc)),
    )
    conn.execute(
        "INSERT INTO outbox (seq, mutation_id, name, args, entity, entity_id, created_at, "
        "status, attempts) VALUES (1, 'm-1', 'case.verify', '{\"case_id\": \"C-1\"}', 'case', "
        "'C-1', '2026-11-27T09:01:00Z', 'pending', 0)"
    )
    conn.execute("INSERT INTO sync_state VALUES ('client_id', 'ws-old')")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


def test_a_v1_cache_upgrades_in_place_and_keeps_its_outbox(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    _v1_file(path)
    store = LocalStore.open(path)
    try:
        assert store.client_id() == "ws-old"
        assert [p["seq"] for p in store.pending()] == [1]
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA user_version").fetchone() == (tables.SCHEMA_VERSION,)
            row = conn.execute("SELECT lon, lat, escalation_level FROM cases").fetchone()
            indexes = {r[1] for r in conn.execute("PRAGMA index_list(cases)")}
        assert row == (120.165, 30.259, 2)  # filled from the stored document
        assert {"ix_cases_reported", "ix_cases_lon_lat"} <= indexes
        # The upgraded file reads like a new one: the nearby query finds the case.
        assert [d["id"] for d in store.cases_near(120.165, 30.259, 50)] == ["C-1"]
    finally:
        store.close()


def test_pulled_cases_fill_the_v2_columns(store: LocalStore) -> None:
    store.apply_changes([upsert(1, case_doc("C-1", escalation_level=3))], cursor=1)
    with sqlite3.connect(store.path) as conn:
        row = conn.execute("SELECT lon, lat, escalation_level FROM cases").fetchone()
    assert row == (120.165, 30.259, 3)


def test_the_timeline_comes_oldest_first_and_only_for_its_case(store: LocalStore) -> None:
    events = [
        {"id": "E-2", "case_id": "C-1", "at": "2026-11-27T09:30:00Z", "kind": "verified"},
        {"id": "E-1", "case_id": "C-1", "at": "2026-11-27T09:00:00Z", "kind": "reported"},
        {"id": "E-3", "case_id": "C-2", "at": "2026-11-27T08:00:00Z", "kind": "reported"},
        {"id": "E-4", "case_id": "C-1", "at": "2026-11-27T10:00:00Z", "kind": "filed"},
    ]
    store.apply_changes(
        [upsert(i + 1, e, Entity.CASE_EVENT) for i, e in enumerate(events)], cursor=4
    )
    assert [e["kind"] for e in store.case_events("C-1")] == ["reported", "verified", "filed"]
    assert store.case_events("C-404") == []


def test_nearby_cases_are_within_the_radius_nearest_first(store: LocalStore) -> None:
    # 0.001° of latitude is ~111 m; of longitude at 30.26° N ~96 m.
    docs = [
        case_doc("HERE"),
        case_doc("N-100", lat=30.2599),  # ~100 m north
        case_doc("E-190", lon=120.1670),  # ~192 m east
        case_doc("CORNER", lon=120.1670, lat=30.2608),  # in the 200 m box, ~270 m away
        case_doc("FAR", lat=30.2700),  # ~1.2 km
        case_doc("CLOSED", lat=30.2591, state="closed"),
        case_doc("DUP", lat=30.2591, state="duplicate"),
        case_doc("OTHER-KIND", lat=30.2592, subcategory_code="0102"),
        case_doc("NOWHERE", lon=None, lat=None),
    ]
    store.apply_changes([upsert(i + 1, d) for i, d in enumerate(docs)], cursor=len(docs))
    near = store.cases_near(120.1650, 30.2590, 200, exclude_id="HERE")
    assert [d["id"] for d in near] == ["OTHER-KIND", "N-100", "E-190"]
    everything = store.cases_near(120.1650, 30.2590, 200, open_only=False)
    assert [d["id"] for d in everything][:3] == ["HERE", "CLOSED", "DUP"]
    assert "CORNER" not in {d["id"] for d in everything}
    same_kind = store.cases_near(120.1650, 30.2590, 200, subcategory_code="0102")
    assert [d["id"] for d in same_kind] == ["OTHER-KIND"]
    assert len(store.cases_near(120.1650, 30.2590, 2000, limit=2)) == 2
