"""The case queues' data core without Qt: schema v2 of the cache (upgrade of a v1 file, the
timeline and nearby reads) and the columnar ``CaseIndex`` (queues, filters, sorts, refresh)."""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cityops.domain import cases as cs
from cityops.domain.case_clocks import case_clocks
from cityops.domain.reference import load_reference
from cityops.domain.schemas import CaseDoc, Entity
from cityops.domain.sla import ClockStatus
from cityops.local_store import tables
from cityops.local_store.case_index import (
    COLUMNS,
    NO_DEADLINE,
    OPEN_STATES,
    PUBLIC_SOURCES,
    QUEUES,
    CaseIndex,
    QueueFilter,
    _label_zh,
)
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


# ------------------------------------------------------------------ realistic cases


_DAY = 86_400
_OPEN_WEIGHTS = {
    "reported": 3,
    "verified": 2,
    "filed": 2,
    "dispatched": 3,
    "in_progress": 4,
    "handled": 2,
    "checked": 1,
    "returned": 1,
    "rework": 1,
    "suspended": 1,
}
_PHRASES = ("暴露垃圾", "井盖破损", "占道经营", "路灯不亮", "违章停车", "积水", "乱贴广告")


def _iso(t: float) -> str:
    return datetime.fromtimestamp(int(t), UTC).isoformat().replace("+00:00", "Z")


def synthetic_cases(
    count: int, *, seed: int = 1, now: datetime | None = None, open_share: float = 0.03
) -> Iterator[dict[str, Any]]:
    """``count`` Hangzhou case documents over the year before ``now``, oldest first: real
    district/street/subcategory codes and units, ``open_share`` of them open (spread over the
    open states, reported in the last 20 days), the rest closed (some invalid or duplicates).
    Milestone times fit the state, so the SLA clocks read off them are real ones."""
    ref = load_reference()
    rng = random.Random(seed)
    end = (now or datetime.now(UTC)).timestamp()
    streets = ref.units.at_level("street")
    subs = list(ref.taxonomy.subcategories.values())
    open_states = list(_OPEN_WEIGHTS)
    weights = list(_OPEN_WEIGHTS.values())
    units: dict[tuple[str, str], str | None] = {}
    sources = [s.value for s in cs.CaseSource]
    times = sorted(rng.uniform(end - 365 * _DAY, end - 600) for _ in range(count))
    for i, at in enumerate(times):
        street = streets[rng.randrange(len(streets))]
        sub = subs[rng.randrange(len(subs))]
        district = street.parent or street.code[:6]
        key = (sub.dept_type, district)
        if key not in units:
            found = ref.units.departments_for(sub.dept_type, street.code)
            units[key] = found[0].code if found else None
        is_open = rng.random() < open_share
        if is_open:
            state = rng.choices(open_states, weights)[0]
            at = rng.uniform(end - 20 * _DAY, end - 600)
        else:
            state = rng.choices(("closed", "invalid", "duplicate"), (95, 3, 2))[0]
        phrase = rng.choice(_PHRASES)
        doc: dict[str, Any] = {
            "id": f"C{int(at):010d}{i:07d}",
            "state": state,
            "source": rng.choice(sources),
            "description": f"{street.name_zh}{phrase}，{sub.name_zh}",
            "reported_at": _iso(at),
            "reported_by": "col-7",
            "district_code": district,
            "street_code": street.code,
            "address": f"{street.name_zh}{rng.randint(1, 300)}号",
            "lon": round(street.lon + rng.uniform(-0.01, 0.01), 6),
            "lat": round(street.lat + rng.uniform(-0.01, 0.01), 6),
            "subcategory_code": sub.code,
            "escalation_level": rng.choice((0, 0, 0, 1, 2)) if is_open else 0,
            "version": 1,
        }
        if state in ("invalid", "duplicate"):
            doc["closed_at"] = _iso(at + 3600)
            doc["ended_by"] = "disp-1"
            if state == "duplicate":
                doc["duplicate_of"] = "C0"
            yield doc
            continue
        # The lifecycle up to the state, each step minutes to hours after the one before.
        steps = ("verified_at", "filed_at", "first_dispatched_at", "accepted_at", "arrived_at",
                 "handled_at", "checked_at", "closed_at")  # fmt: skip
        reached = {
            "reported": 0, "verified": 1, "filed": 2, "returned": 3, "dispatched": 3,
            "suspended": 3, "in_progress": 4, "rework": 4, "handled": 6, "checked": 7,
            "closed": 8,
        }[state]  # fmt: skip
        t = at
        horizon = end - 60
        for name in steps[:reached]:
            t = min(t + rng.uniform(120, 4 * 3600), horizon)
            doc[name] = _iso(t)
        if reached >= 3:
            doc["dispatched_at"] = doc["first_dispatched_at"]
            doc["assigned_unit"] = units[key]
        if reached >= 4:
            doc["responded_at"] = doc["accepted_at"]
        if state == "returned":
            doc["return_count"] = 1
            doc["assigned_unit"] = None
        if state == "rework":
            doc["rework_count"] = 1
            doc["reworked_at"] = _iso(min(t + 600, horizon))
        if state == "suspended":
            doc["pauses"] = [{"start": _iso(min(t + 600, horizon)), "end": None, "reason": ""}]
            doc["resume_state"] = "dispatched"
        if state == "closed":
            doc["ended_by"] = "disp-1"
        yield doc


def fill(store: LocalStore, docs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Write the documents as pulled changes (the way a real cache gets them)."""
    docs = list(docs)
    store.apply_changes([upsert(i + 1, d) for i, d in enumerate(docs)], cursor=len(docs))
    return docs


NOW = datetime.now(UTC)
REF = load_reference()


@pytest.fixture
def loaded(store: LocalStore) -> tuple[CaseIndex, list[dict[str, Any]]]:
    docs = fill(store, synthetic_cases(600, seed=7, now=NOW, open_share=0.3))
    index = CaseIndex(store, REF)
    index.load()
    return index, docs


def ids_of(index: CaseIndex, rowids: Any) -> list[str]:
    with sqlite3.connect(index.store.path) as conn:
        by_rowid = dict(conn.execute("SELECT rowid, id FROM cases"))
    return [by_rowid[int(r)] for r in rowids]


def due_at(doc: dict[str, Any]) -> int:
    """The earliest watched deadline, straight from the domain (what the index must hold)."""
    case = CaseDoc.model_validate(doc).to_domain()
    if case.state.terminal:
        return NO_DEADLINE
    sub = REF.taxonomy.subcategories[doc["subcategory_code"]]
    due = [
        int(c.deadline.timestamp())
        for c in case_clocks(case, sub, datetime.now(UTC), REF.taxonomy.calendar())
        if c.deadline is not None
        and (c.status in (ClockStatus.RUNNING, ClockStatus.BREACHED) or c.overdue)
        and c.status not in (ClockStatus.MET, ClockStatus.BREACHED_MET)
    ]
    return min(due, default=NO_DEADLINE)


def newest_first(docs: Iterable[dict[str, Any]]) -> list[str]:
    return [d["id"] for d in sorted(docs, key=lambda d: d["reported_at"], reverse=True)]


def test_every_tab_holds_its_states_newest_first(loaded: Any) -> None:
    index, docs = loaded
    wanted = {
        "to_verify": {"reported"},
        "to_file": {"verified"},
        "to_dispatch": {"filed", "returned"},
        "in_progress": {"dispatched", "in_progress", "rework"},
        "awaiting_check": {"handled", "checked"},
        "rework": {"rework"},
    }
    for queue, states in wanted.items():
        got = ids_of(index, index.select(QueueFilter(queue)))
        assert got == newest_first(d for d in docs if d["state"] in states), queue
        assert got, queue  # the data has some of each
    assert ids_of(index, index.select(QueueFilter("all"))) == newest_first(docs)
    public = [d for d in docs if d["state"] in OPEN_STATES and d["source"] in PUBLIC_SOURCES]
    assert ids_of(index, index.select(QueueFilter("public"))) == newest_first(public)
    assert list(QUEUES)[0] == "to_verify"
    assert QUEUES["to_dispatch"].title_zh == "待派遣"


def test_deadlines_and_the_sla_filters_agree_with_the_case_clocks(loaded: Any) -> None:
    index, docs = loaded
    now = int(time.time())
    due = {d["id"]: due_at(d) for d in docs}
    overdue = {i for i, t in due.items() if t <= now}
    assert overdue, "the data should hold overdue cases"
    assert set(ids_of(index, index.select(QueueFilter("overdue")))) == overdue
    assert set(ids_of(index, index.select(QueueFilter("all", sla="overdue")))) == overdue
    soon = {i for i, t in due.items() if now < t < now + 3600}
    assert set(ids_of(index, index.select(QueueFilter("all", sla="due_soon"), now=now))) == soon
    none = {i for i, t in due.items() if t == NO_DEADLINE}
    assert set(ids_of(index, index.select(QueueFilter("all", sla="none")))) == none
    closed = next(d for d in docs if d["state"] == "closed")
    assert closed["id"] in none


def test_filters_narrow_the_tab(loaded: Any) -> None:
    index, docs = loaded
    d0 = next(d for d in docs if d["state"] in OPEN_STATES)
    sub = REF.taxonomy.subcategories[d0["subcategory_code"]]
    cases = [
        (QueueFilter("all", district_code=d0["district_code"]),
         lambda d: d["district_code"] == d0["district_code"]),
        (QueueFilter("all", street_code=d0["street_code"]),
         lambda d: d["street_code"] == d0["street_code"]),
        (QueueFilter("all", category_code=sub.category_code),
         lambda d: REF.taxonomy.subcategories[d["subcategory_code"]].category_code
         == sub.category_code),
        (QueueFilter("all", subcategory_code=sub.code),
         lambda d: d["subcategory_code"] == sub.code),
        (QueueFilter("all", source="hotline"), lambda d: d["source"] == "hotline"),
        (QueueFilter("all", text="井盖"), lambda d: "井盖" in d["description"]),
        (QueueFilter("all", text=d0["id"][-9:]), lambda d: d0["id"][-9:] in d["id"]),
        (QueueFilter("all", text=d0["address"]), lambda d: d0["address"] in d["address"]),
        (QueueFilter("in_progress", text="积水"),
         lambda d: d["state"] in ("dispatched", "in_progress", "rework")
         and "积水" in d["description"]),
        (QueueFilter("all", district_code="999999"), lambda d: False),
        (QueueFilter("all", text="state"), lambda d: False),  # a JSON key is not text
    ]  # fmt: skip
    for f, keep in cases:
        assert ids_of(index, index.select(f)) == newest_first(filter(keep, docs)), f
        for rowid in index.select(QueueFilter("all"))[:50]:
            assert index.matches(int(rowid), f) == (int(rowid) in set(index.select(f))), f


def _display(column: str, doc: dict[str, Any]) -> Any:
    ref = REF
    if column == "category":
        sub = ref.taxonomy.subcategories[doc["subcategory_code"]]
        return ref.taxonomy.categories[sub.category_code].name_zh
    code = doc.get({"district": "district_code", "street": "street_code",
                    "subcategory": "subcategory_code"}.get(column, column))  # fmt: skip
    if column in ("state", "source", "district", "street", "subcategory", "assigned_unit"):
        return "" if code is None else default_label_with(ref, column, code)
    if column == "sla":
        return due_at(doc)
    return code


def default_label_with(ref: Any, column: str, code: str) -> str:
    return _label_zh(column, code, ref)


@pytest.mark.parametrize("column", COLUMNS)
def test_sorting_by_a_column_orders_by_what_it_shows(loaded: Any, column: str) -> None:
    index, docs = loaded
    by_id = {d["id"]: d for d in docs}
    for descending in (False, True):
        got = [
            by_id[i] for i in ids_of(index, index.select(QueueFilter("all"), column, descending))
        ]
        shown = [_display(column, d) for d in got]
        assert shown == sorted(shown, reverse=descending), (column, descending)
        assert len(got) == len(docs)


def test_a_refresh_moves_new_changed_and_deleted_cases(store: LocalStore, loaded: Any) -> None:
    index, docs = loaded
    filed = next(d for d in docs if d["state"] == "filed")
    reported = next(d for d in docs if d["state"] == "reported")
    gone = next(d for d in docs if d["state"] == "closed")
    new = {**filed, "id": "C-NEW", "reported_at": _iso(time.time() - 60)}
    dispatched = {
        **filed,
        "state": "dispatched",
        "first_dispatched_at": _iso(time.time() - 7 * 3600),
        "dispatched_at": _iso(time.time() - 7 * 3600),
        "version": 2,
    }
    size = index.size
    store.apply_changes(
        [
            upsert(1000, dispatched),
            upsert(1001, new),
            {"seq": 1002, "entity": "case", "entity_id": gone["id"], "version": 2,
             "op": "delete"},
        ],
        cursor=1002,
    )  # fmt: skip
    changed = index.refresh([filed["id"], new["id"], gone["id"], reported["id"]])
    assert len(changed) == 4
    assert index.size > size  # the new case's rowid is past the arrays' end
    to_dispatch = ids_of(index, index.select(QueueFilter("to_dispatch")))
    assert filed["id"] not in to_dispatch
    assert to_dispatch[0] == "C-NEW"
    assert filed["id"] in ids_of(index, index.select(QueueFilter("in_progress")))
    all_ids = ids_of(index, index.select(QueueFilter("all")))
    assert gone["id"] not in all_ids
    assert len(all_ids) == len(docs)  # one gone, one new
    # The dispatched case's clocks run now: it has a deadline.
    (row,) = [
        r for r in index.select(QueueFilter("in_progress")) if ids_of(index, [r]) == [filed["id"]]
    ]
    assert index.due_at[row] == due_at(dispatched) != NO_DEADLINE
    assert ids_of(index, index.select(QueueFilter("all"), "id"))[-1] == "C-NEW"


def test_the_first_page_comes_from_sql_in_the_tab_order(store: LocalStore) -> None:
    docs = fill(store, synthetic_cases(400, seed=3, now=NOW, open_share=0.3))
    index = CaseIndex(store, REF)  # not loaded: the first screen needs no arrays
    for f in (QueueFilter("all"), QueueFilter("to_dispatch"), QueueFilter("public"),
              QueueFilter("all", district_code=docs[0]["district_code"], text="号")):  # fmt: skip
        page = index.first_page(f, 20)
        assert page is not None
        index.load()
        assert ids_of(index, page) == ids_of(index, index.select(f)[:20]), f
    assert index.first_page(QueueFilter("overdue")) is None


def test_warmed_ranks_sort_as_the_ones_made_on_demand(store: LocalStore, loaded: Any) -> None:
    index, docs = loaded
    cold = CaseIndex(store, index.reference, label=index._label)
    cold.load()
    index.warm()
    assert set(index._ranks) >= {"id", "description"}
    for column in ("id", "description"):
        warm = index.select(QueueFilter("all"), column, descending=False)
        assert ids_of(index, warm) == ids_of(cold, cold.select(QueueFilter("all"), column, False))
    assert ids_of(index, index.select(QueueFilter("all"), "id", False)) == sorted(
        d["id"] for d in docs
    )
