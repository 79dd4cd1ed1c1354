"""The client cache on its own: intents, optimistic rows, pulled changes, recovery. No server."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from cityops.domain import cases as cs
from cityops.domain.actors import Actor, Role
from cityops.domain.reference import load_reference
from cityops.domain.schemas import Entity, case_document
from cityops.local_store import tables
from cityops.local_store.store import MIGRATIONS, LocalStore, StoreError

REF = load_reference()
COLLECTOR = Actor("col-7", frozenset({Role.COLLECTOR}), "330102001", "李采集")
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def reported(case_id: str, at: datetime = T0) -> dict[str, Any]:
    outcome = cs.report_case(
        case_id,
        source=cs.CaseSource.PATROL,
        description="湖滨路暴露垃圾",
        district_code="330102",
        street_code="330102001",
        actor=COLLECTOR,
        now=at,
        ref=REF,
    )
    assert not isinstance(outcome, cs.Rejection)
    return case_document(outcome[0])


def verified(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "state": "verified", "version": doc["version"] + 1}


def change(seq: int, doc: dict[str, Any], entity: Entity = Entity.CASE) -> dict[str, Any]:
    return {
        "seq": seq,
        "entity": entity.value,
        "entity_id": doc["id"],
        "version": doc["version"],
        "op": "upsert",
        "payload": doc,
    }


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = LocalStore.open(tmp_path / "cache.sqlite3")
    yield s
    s.close()


def test_an_intent_shows_at_once_and_a_pull_does_not_overwrite_it(store: LocalStore) -> None:
    doc = reported("C-1")
    store.apply_changes([change(1, doc)], cursor=1)
    store.submit(
        "case.verify",
        {"case_id": "C-1"},
        entity=Entity.CASE,
        entity_id="C-1",
        optimistic=verified(doc),
    )
    assert store.get(Entity.CASE, "C-1")["state"] == "verified"
    # Another client's older edit arrives while ours is pending: ours stays on screen.
    store.apply_changes([change(2, {**doc, "address": "别处"})], cursor=2)
    assert store.get(Entity.CASE, "C-1")["state"] == "verified"
    assert store.outbox_length() == 1
    # The server applied ours and its change arrived: the server's copy is shown.
    server_copy = {**verified(doc), "address": "别处"}
    store.apply_changes([change(3, server_copy)], cursor=3)
    (pending,) = store.pending()
    store.settle([{"seq": pending["seq"], "status": "applied", "mutation_id": "x"}])
    assert store.get(Entity.CASE, "C-1") == server_copy
    assert store.outbox_length() == 0


def test_a_rejected_intent_is_rolled_back_and_keeps_its_reason(store: LocalStore) -> None:
    doc = reported("C-2")
    store.apply_changes([change(1, doc)], cursor=1)
    seq = store.submit(
        "case.verify",
        {"case_id": "C-2"},
        entity=Entity.CASE,
        entity_id="C-2",
        optimistic=verified(doc),
    )
    rejection = {"code": "wrong_state", "message": "案件已被王调度关闭", "message_en": "closed"}
    (settled,) = store.settle([{"seq": seq, "status": "rejected", "rejection": rejection}])
    assert settled.reason == "案件已被王调度关闭"
    assert store.get(Entity.CASE, "C-2") == doc
    assert [r.reason for r in store.rejections()] == ["案件已被王调度关闭"]
    # The answer replayed (a retried push) changes nothing.
    assert store.settle([{"seq": seq, "status": "rejected", "rejection": rejection}]) == []


def test_a_refused_new_case_disappears(store: LocalStore) -> None:
    doc = reported("C-3")
    seq = store.submit(
        "case.report", {"case_id": "C-3"}, entity=Entity.CASE, entity_id="C-3", optimistic=doc
    )
    assert store.count(Entity.CASE) == 1
    store.settle([{"seq": seq, "status": "rejected", "rejection": {"code": "c", "message": "m"}}])
    assert store.get(Entity.CASE, "C-3") is None


def test_changes_at_or_below_the_cursor_are_not_applied_again(store: LocalStore) -> None:
    doc = reported("C-4")
    applied = store.apply_changes([change(5, doc)], cursor=5)
    assert applied.touched == {"case": {"C-4"}}
    assert store.cursor() == 5
    again = store.apply_changes([change(5, {**doc, "address": "旧的重放"})], cursor=5)
    assert again.touched == {}
    assert store.get(Entity.CASE, "C-4") == doc


def test_case_queue_pages_by_keyset_without_gaps_or_repeats(store: LocalStore) -> None:
    docs = [reported(f"C-{i:03d}", T0 + timedelta(minutes=i % 17)) for i in range(250)]
    store.apply_changes([change(i + 1, d) for i, d in enumerate(docs)], cursor=250)
    seen: list[str] = []
    after = None
    while True:
        page = store.case_queue(["reported"], after=after, limit=40)
        if not page:
            break
        seen += [d["id"] for d in page]
        after = (page[-1]["reported_at"], page[-1]["id"])
    assert sorted(seen) == sorted(d["id"] for d in docs)
    assert len(seen) == len(set(seen))
    keys = [(d["reported_at"], d["id"]) for d in docs]
    assert seen == [k[1] for k in sorted(keys, reverse=True)]


def test_a_corrupt_cache_is_moved_aside_and_its_pending_intents_kept(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    store = LocalStore.open(path)
    client = store.client_id()
    store.apply_changes([change(1, reported("C-9"))], cursor=1)
    seqs = [store.submit("case.verify", {"case_id": "C-9", "n": i}) for i in range(3)]
    store.close()
    # Damage a page in the middle of the file (not the header: the file must still open).
    data = bytearray(path.read_bytes())
    page = 4096
    size = len(data)
    for offset in range(2 * page, min(size, 2 * page + page), 7):
        data[offset] = (data[offset] + 0x5A) % 256
    path.write_bytes(bytes(data))
    reopened = LocalStore.open(path)
    try:
        assert reopened.recovered is not None
        assert reopened.recovered.moved_to.exists()
        assert reopened.client_id() == client
        # The damaged page held case rows; the outbox pages were readable, so all of it is kept.
        assert [p["seq"] for p in reopened.pending()] == seqs
        assert reopened.cursor() == 0  # everything is pulled again
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        reopened.close()


def test_a_cache_from_a_newer_client_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    LocalStore.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer client"):
        LocalStore.open(path)


def test_a_full_disk_is_a_clear_error_and_leaves_no_half_written_intent(tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path / "cache.sqlite3")
    try:
        with sqlite3.connect(store.path) as conn:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]

        def cap(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 50}")

        event.listen(store.engine, "connect", cap)
        store.engine.dispose()  # every connection from now on has the cap
        big = "很长的描述" * 2000
        accepted = 0
        error: StoreError | None = None
        for i in range(200):
            try:
                store.submit("case.report", {"case_id": f"C-{i}", "description": big})
            except StoreError as exc:
                error = exc
                break
            accepted += 1
        assert error is not None
        assert "is full: nothing was saved" in str(error)
        assert accepted > 0
        assert store.outbox_length() == accepted
        assert [p["seq"] for p in store.pending(500)] == list(range(1, accepted + 1))
        with sqlite3.connect(store.path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        store.close()


def test_an_upgrade_keeps_the_pending_intents_and_the_client_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cache.sqlite3"
    old = LocalStore.open(path)
    client = old.client_id()
    seqs = [old.submit("case.verify", {"case_id": f"C-{i}"}) for i in range(3)]
    old.close()

    def add_deadline(conn: Any) -> None:  # what a real step looks like: a column and its index
        conn.exec_driver_sql("ALTER TABLE cases ADD COLUMN resolve_deadline TEXT")
        conn.exec_driver_sql("CREATE INDEX ix_cases_deadline ON cases (resolve_deadline)")

    monkeypatch.setattr(tables, "SCHEMA_VERSION", tables.SCHEMA_VERSION + 1)
    monkeypatch.setitem(MIGRATIONS, tables.SCHEMA_VERSION - 1, add_deadline)
    upgraded = LocalStore.open(path)
    try:
        assert upgraded.client_id() == client
        assert [p["seq"] for p in upgraded.pending()] == seqs
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA user_version").fetchone() == (tables.SCHEMA_VERSION,)
            columns = [row[1] for row in conn.execute("PRAGMA table_info(cases)")]
        assert "resolve_deadline" in columns
    finally:
        upgraded.close()


def test_a_delete_removes_only_its_own_entitys_row(store: LocalStore) -> None:
    doc = reported("SAME-ID")
    gone = {"seq": 2, "entity": "alarm", "entity_id": "SAME-ID", "version": 1, "op": "delete"}
    store.apply_changes([change(1, doc), gone], cursor=2)
    assert store.get(Entity.CASE, "SAME-ID") == doc
