"""Inspections over the wire: a supervisor's finding is decided, stored once, reaches every
client as a change, is read back for the ranking window; the schema upgrades from 0001."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

import cityops.server
from cityops.domain import inspections as ins
from cityops.domain import ranking
from cityops.domain.city import CITY_TZ
from cityops.server.db import create_schema, make_engine
from cityops.server.inspections import load_inspections
from cityops.server.models import Base
from tests.server.conftest import Api, LiveServer, _drop_postgres, _fresh_postgres, new_id


def _ago(**delta: float) -> str:
    return (datetime.now(CITY_TZ) - timedelta(**delta)).isoformat()


def record(api: Api, user: str, client: str, **overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "inspection_id": new_id("I"),
        "district_code": "330102",
        "street_code": "330102001",
        "item_code": "E01-001",
        "observed_at": _ago(hours=1),
    }
    return api.do(user, client, "inspection.record", **(args | overrides))


def last_seq(api: Api) -> int:
    """The newest change seq (a first page of changes stops at the seeded devices)."""
    seq: int = api.http.get("/healthz").json()["last_seq"]
    return seq


def rejection_code(result: dict[str, Any]) -> str:
    assert result["status"] == "rejected", result
    code: str = result["rejection"]["code"]
    return code


@pytest.mark.parametrize("user", ["dispatcher", "commander", "collector", "operator", "admin"])
def test_only_a_supervisor_records(api: Api, user: str) -> None:
    result = record(api, user, new_id("ws"))
    assert rejection_code(result) == "forbidden"
    assert "监督员" in result["rejection"]["message"]


def test_unknown_item_and_street_outside_the_district_are_refused(api: Api) -> None:
    client = new_id("ws")
    unknown = record(api, "supervisor", client, item_code="E99-001")
    assert rejection_code(unknown) == "unknown_item"
    assert "E99-001" in unknown["rejection"]["message"]
    outside = record(api, "supervisor", client, district_code="330105", street_code="330102001")
    assert rejection_code(outside) == "area_mismatch"
    assert rejection_code(record(api, "supervisor", client, district_code="330100")) == (
        "unknown_district"
    )


def test_future_and_old_observations_are_refused(api: Api) -> None:
    client = new_id("ws")
    future = record(api, "supervisor", client, observed_at=_ago(minutes=-10))
    assert rejection_code(future) == "observed_in_future"
    old = record(api, "supervisor", client, observed_at=_ago(days=8))
    assert rejection_code(old) == "observed_too_long_ago"
    assert "补录" in old["rejection"]["message"]
    # Slightly ahead is clock skew, not the future.
    assert record(api, "supervisor", client, observed_at=_ago(minutes=-2))["status"] == "applied"
    bad_count = record(api, "supervisor", client, count=ins.MAX_COUNT + 1)
    assert rejection_code(bad_count) == "invalid_args"
    # At the calendar's edge: refused with a reason, not a server error that blocks the outbox.
    edge = record(api, "supervisor", client, observed_at="9999-12-31T23:59:59+00:00")
    assert rejection_code(edge) == "observed_in_future"


def test_applied_inspection_reaches_clients_as_a_change_with_its_deduction(api: Api) -> None:
    client, inspection_id = new_id("ws"), new_id("I")
    start = last_seq(api)
    result = record(
        api,
        "supervisor",
        client,
        inspection_id=inspection_id,
        item_code="E01-012",  # 2.0 points per finding
        count=3,
        note="东坡路背街积存垃圾",
        lon=120.168,
        lat=30.257,
    )
    assert result["status"] == "applied", result
    found = [c for c in api.all_changes("commander", after=start) if c["entity"] == "inspection"]
    assert [c["entity_id"] for c in found] == [inspection_id]
    change = found[0]
    assert change["seq"] == result["last_change_seq"]
    assert change["version"] == 1
    assert change["origin_client"] == client
    payload = change["payload"]
    assert payload["deduction"] == pytest.approx(6.0)
    assert (payload["category_code"], payload["count"], payload["recorded_by"]) == (
        "E01",
        3,
        "supervisor",
    )
    assert (payload["street_code"], payload["note"]) == ("330102001", "东坡路背街积存垃圾")


def test_replayed_push_does_not_duplicate_and_a_reused_id_is_refused(api: Api) -> None:
    client, inspection_id = new_id("ws"), new_id("I")
    start = last_seq(api)
    m = api.mutation(
        client,
        "inspection.record",
        {
            "inspection_id": inspection_id,
            "district_code": "330102",
            "item_code": "E01-001",
            "observed_at": _ago(hours=2),
        },
    )
    first = api.push("supervisor", m)
    again = api.push("supervisor", m)  # the response was lost; the client retries
    assert first.status_code == again.status_code == 200
    assert first.json()["results"] == again.json()["results"]
    assert first.json()["results"][0]["status"] == "applied"
    # Another intent (another mutation id) with the same inspection id: refused, not merged.
    other = record(api, "supervisor", client, inspection_id=inspection_id, count=2)
    assert rejection_code(other) == "inspection_exists"
    found = [
        c
        for c in api.all_changes("commander", after=start)
        if c["entity"] == "inspection" and c["entity_id"] == inspection_id
    ]
    assert len(found) == 1
    assert found[0]["payload"]["count"] == 1


def get_inspections(api: Api, user: str, **params: Any) -> Any:
    return api.http.get("/api/v1/inspections", params=params, headers=api.headers(user))


def test_read_a_district_window_for_the_ranking(api: Api, live_server: LiveServer) -> None:
    client = new_id("ws")
    district = "330110"  # 余杭区: only this test records there
    now = datetime.now(UTC)
    ids = []
    for hours, item, count in ((30, "E01-001", 2), (20, "E01-001", 1), (10, "E04-004", 3)):
        inspection_id = new_id("I")
        result = record(
            api,
            "supervisor",
            client,
            inspection_id=inspection_id,
            district_code=district,
            street_code=None,
            item_code=item,
            count=count,
            # A client in Beijing time; the server must compare instants, not wall digits.
            observed_at=(now - timedelta(hours=hours)).astimezone(CITY_TZ).isoformat(),
        )
        assert result["status"] == "applied", result
        ids.append(inspection_id)
    record(api, "supervisor", client, district_code="330106", street_code=None)  # elsewhere

    since, until = now - timedelta(hours=25), now - timedelta(hours=5)
    for user in ("supervisor", "commander", "dispatcher"):
        r = get_inspections(
            api, user, district=district, since=since.isoformat(), until=until.isoformat()
        )
        assert r.status_code == 200, r.text
        assert [d["id"] for d in r.json()["inspections"]] == ids[1:]
        assert r.json()["has_more"] is False
    everything = get_inspections(api, "commander", district=district).json()["inspections"]
    assert [d["id"] for d in everything] == ids
    page = get_inspections(api, "commander", district=district, limit=2).json()
    assert ([d["id"] for d in page["inspections"]], page["has_more"]) == (ids[:2], True)
    rest = get_inspections(api, "commander", district=district, limit=2, offset=2).json()
    assert ([d["id"] for d in rest["inspections"]], rest["has_more"]) == (ids[2:], False)

    assert get_inspections(api, "operator").status_code == 403
    assert api.http.get("/api/v1/inspections").status_code == 401
    backwards = get_inspections(api, "commander", since=until.isoformat(), until=since.isoformat())
    assert backwards.status_code == 422
    assert get_inspections(api, "commander", since="2026-11-26T08:00:00").status_code == 422
    assert get_inspections(api, "commander", until="9999-12-31T23:00:00-05:00").status_code == 422
    assert get_inspections(api, "commander", offset=2**63).status_code == 422

    # The server's own window read feeds the ranking exactly as the domain computes it.
    state = live_server.state
    with state.gate.read() as session:
        stored = load_inspections(session, district=district, since=now - timedelta(days=2))
    assert [i.id for i in stored] == ids
    days = sorted(
        {ranking.period_containing(ranking.PeriodKind.DAY, i.observed_at) for i in stored}
    )
    findings = [f for day in days for f in ins.findings_for(stored, district, day)]
    assert sum(f.count for f in findings if f.item_code == "E01-001") == 3
    assert sum(f.count for f in findings if f.item_code == "E04-004") == 3


# ------------------------------------------------------------------ migration


@pytest.fixture
def fresh_db_url(tmp_path: Path) -> Iterator[str]:
    pg = os.environ.get("CITYOPS_TEST_PG_URL")
    if pg:
        url, name = _fresh_postgres(pg)
        yield url
        _drop_postgres(pg, name)
    else:
        yield f"sqlite:///{tmp_path / 'at_0001.sqlite3'}"


def _alembic(connection: Any) -> Config:
    cfg = Config()
    cfg.set_main_option(
        "script_location", str(Path(cityops.server.__file__).resolve().parent / "migrations")
    )
    cfg.attributes["connection"] = connection
    return cfg


def _inspections_only(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table == "inspections"


def test_create_schema_upgrades_a_database_made_at_0001(fresh_db_url: str) -> None:
    engine = make_engine(fresh_db_url)
    try:
        with engine.begin() as conn:
            command.upgrade(_alembic(conn), "0001")
            conn.execute(
                text("INSERT INTO server_values (name, value) VALUES ('kept', '{\"a\": 1}')")
            )
        assert "inspections" not in inspect(engine).get_table_names()

        create_schema(engine)  # what a server start does

        tables = inspect(engine)
        assert "inspections" in tables.get_table_names()
        indexes = {i["name"]: i["column_names"] for i in tables.get_indexes("inspections")}
        assert indexes["ix_inspections_district_observed"] == ["district_code", "observed_at"]
        with engine.connect() as conn:
            head = ScriptDirectory.from_config(_alembic(conn)).get_current_head()
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
            assert conn.execute(text("SELECT name FROM server_values")).scalar() == "kept"
            # Migration 0002 and the ORM model describe the same table.
            only_ours = {"include_object": _inspections_only}
            context = MigrationContext.configure(conn, opts=only_ours)
            assert compare_metadata(context, Base.metadata) == []
        create_schema(engine)  # idempotent

        with engine.begin() as conn:
            command.downgrade(_alembic(conn), "0001")
        assert "inspections" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
