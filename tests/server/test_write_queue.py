"""Queued writes (``server.pending``): a batch's rows are written at its end, yet nothing is
lost, doubled or seen out of order — by the transaction itself, by the changes log's readers,
by the audit chain, or by a later batch that finds the database changed behind its back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import DateTime, func, select, text, update
from sqlalchemy.dialects import sqlite

from cityops.domain.schemas import ChangesPage, Entity
from cityops.server import audit, changes, pending
from cityops.server.db import WriteGate, make_engine
from cityops.server.models import AuditEntry, CaseRow, Change
from tests.server.conftest import Api, LiveServer, new_id

REPORT = {
    "source": "patrol",
    "description": "湖滨路暴露垃圾",
    "district_code": "330102",
    "street_code": "330102001",
}


@pytest.fixture(scope="module")
def gate(live_server: LiveServer) -> WriteGate:
    gate: WriteGate = live_server.state.gate
    return gate


def test_queued_changes_get_consecutive_seqs_and_an_orm_query_sees_them(gate: WriteGate) -> None:
    with gate.write() as session:
        before = changes.last_seq(session)
        seqs = [changes.append(session, Entity.CASE, new_id(), 1, {"n": i}) for i in range(3)]
        # Not written yet, but a query through the session flushes the queue first.
        seen = session.scalars(select(Change.seq).where(Change.seq > before)).all()
    assert seqs == [before + 1, before + 2, before + 3]
    assert sorted(seen) == seqs


def test_a_rolled_back_batch_leaves_no_rows_and_no_hole_in_the_log(gate: WriteGate) -> None:
    with gate.read() as session:
        before = changes.last_seq(session)

    def failing_batch() -> None:
        with gate.write() as session:
            changes.append(session, Entity.CASE, new_id(), 1, {"lost": True})
            raise RuntimeError("the handler failed half-way")

    with pytest.raises(RuntimeError):
        failing_batch()
    with gate.write() as session:
        seq = changes.append(session, Entity.CASE, new_id(), 1, {"kept": True})
    assert seq == before + 1  # the rolled-back seq is reused: readers never see a gap
    with gate.read() as session:
        rows = session.execute(
            select(Change.seq, Change.payload).where(Change.seq > before).order_by(Change.seq)
        ).all()
    assert [(r.seq, r.payload) for r in rows] == [(before + 1, {"kept": True})]


def test_queued_values_read_back_as_written_by_another_connection(
    gate: WriteGate, live_server: LiveServer
) -> None:
    with gate.write() as session:
        first = changes.append(session, Entity.CASE, new_id(), 1, None, op="delete")
        second = changes.append(session, Entity.CASE, new_id(), 2, {"a": [1.5, "中文", None]})
        # A document queued already encoded is stored as that very text, not as a JSON string.
        third = changes.append(
            session, Entity.CASE, new_id(), 3, pending.JsonText('{"b":{"c":"中"},"d":[2]}')
        )
    engine = make_engine(live_server.db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(Change.seq, Change.op, Change.payload, Change.created_at).where(
                    Change.seq.in_([first, second, third])
                )
            ).all()
    finally:
        engine.dispose()
    assert {(r.seq, r.op, json_of(r.payload)) for r in rows} == {
        (first, "delete", "null"),
        (second, "upsert", '{"a": [1.5, "中文", null]}'),
        (third, "upsert", '{"b": {"c": "中"}, "d": [2]}'),
    }
    assert all(r.created_at is not None for r in rows)


def json_of(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def test_a_case_reported_and_worked_in_one_batch_is_read_back_from_the_batch(api: Api) -> None:
    client, case_id = new_id("ws"), new_id()
    hotline = {**REPORT, "source": "hotline"}
    r = api.push(
        "dispatcher",
        api.mutation(client, "case.report", {"case_id": case_id, **hotline}),
        api.mutation(client, "case.report", {"case_id": case_id, **hotline}),
        api.mutation(client, "case.verify", {"case_id": case_id, "note": "属实"}),
        api.mutation(client, "case.add_note", {"case_id": case_id, "text": "已通知环卫"}),
    )
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == ["applied", "rejected", "applied", "applied"], results
    assert results[1]["rejection"]["code"] == "case_exists"
    case_changes = [
        c
        for c in api.all_changes("dispatcher", after=results[0]["last_change_seq"] - 2)
        if c["entity"] == "case" and c["entity_id"] == case_id
    ]
    assert [c["version"] for c in case_changes] == [1, 2, 3]
    assert case_changes[-1]["payload"]["state"] == "verified"


def test_the_audit_chain_still_verifies_after_batched_writes(api: Api, gate: WriteGate) -> None:
    client = new_id("ws")
    r = api.push(
        "collector",
        *[api.mutation(client, "case.report", {"case_id": new_id(), **REPORT}) for _ in range(20)],
    )
    assert r.status_code == 200, r.text
    with gate.read() as session:
        verdict = audit.verify(session)
        count = session.scalar(select(func.count()).select_from(AuditEntry))
    assert verdict.ok, verdict
    assert verdict.checked == count


def test_a_case_changed_behind_the_servers_back_is_read_as_stored(
    api: Api, gate: WriteGate
) -> None:
    """The parsed-document cache must never answer with what this process last wrote when
    the database now holds something else (another server process, a restore)."""
    client, case_id = new_id("ws"), new_id()
    api.do("collector", client, "case.report", case_id=case_id, **REPORT)
    with gate.write() as session:
        doc: dict[str, Any] = dict(session.scalar(select(CaseRow.doc).where(CaseRow.id == case_id)))
        doc["description"] = "另一进程改写的描述"
        session.execute(update(CaseRow).where(CaseRow.id == case_id).values(doc=doc))
    result = api.do("dispatcher", new_id("ws"), "case.verify", case_id=case_id, note="属实")
    assert result["status"] == "applied", result
    (change,) = [
        c
        for c in api.all_changes("dispatcher", after=result["last_change_seq"] - 2)
        if c["entity"] == "case" and c["entity_id"] == case_id
    ]
    assert change["payload"]["description"] == "另一进程改写的描述"


def test_sequence_of_the_log_has_no_gaps(gate: WriteGate) -> None:
    with gate.read() as session:
        low, high, n = session.execute(
            text("SELECT min(seq), max(seq), count(*) FROM changes")
        ).one()
    assert n == high - low + 1


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 11, 28, 9, 30, tzinfo=UTC),
        datetime(2026, 11, 28, 9, 30, 0, 7, tzinfo=UTC),
        datetime(2026, 1, 2, 3, 4, 5, 999999, tzinfo=timezone(timedelta(hours=8))),
        datetime(2026, 1, 2),
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(seconds=3725))),
        None,
    ],
)
def test_the_fast_sqlite_datetime_text_is_sqlalchemys(value: datetime | None) -> None:
    dialect = sqlite.dialect()
    general = DateTime(timezone=True).dialect_impl(dialect).bind_processor(dialect)
    assert general is not None
    assert pending._sqlite_datetime(general)(value) == general(value)


def test_a_pulled_page_is_the_models_view_of_the_stored_changes(api: Api, gate: WriteGate) -> None:
    """The pull route splices stored payload text into its JSON: it must say exactly what the
    ``ChangesPage`` model of the stored rows says (odd text included)."""
    client = new_id("ws")
    odd = {**REPORT, "description": '引号 " 反斜杠 \\ 换行\n和 😀'}
    api.do("collector", client, "case.report", case_id=new_id(), **odd)
    with gate.write() as session:
        after = changes.append(session, Entity.CASE, new_id(), 1, None, op="delete") - 3
    r = api.http.get(
        "/api/v1/changes", params={"after": after, "limit": 3}, headers=api.headers("dispatcher")
    )
    assert r.status_code == 200
    page = ChangesPage.model_validate_json(r.content)
    with gate.read() as session:
        rows = session.scalars(
            select(Change).where(Change.seq > after).order_by(Change.seq).limit(4)
        ).all()
    expected = ChangesPage(
        changes=tuple(changes.to_doc(row) for row in rows[:3]),
        last_seq=rows[2].seq,
        has_more=len(rows) > 3,
        log_id=page.log_id,
    )
    assert page == expected
    assert page.log_id
    assert r.json()["changes"][0]["payload"] == rows[0].payload
