"""Push: a dispatcher's action is applied exactly once, in order, and a refusal is explained."""

from __future__ import annotations

import json

from cityops.server import admin
from cityops.server.db import make_engine
from tests.server.conftest import Api, LiveServer, new_id


def report(
    api: Api, client: str, case_id: str, user: str = "collector", source: str = "patrol"
) -> dict:
    result = api.do(
        user,
        client,
        "case.report",
        case_id=case_id,
        source=source,
        description="湖滨路暴露垃圾",
        district_code="330102",
        street_code="330102001",
    )
    assert result["status"] == "applied", result
    return result


def test_same_mutation_pushed_twice_is_applied_once_with_the_same_result(api: Api) -> None:
    client, case_id = new_id("ws"), new_id()
    m = api.mutation(
        client,
        "case.report",
        {
            "case_id": case_id,
            "source": "patrol",
            "description": "井盖缺失",
            "district_code": "330102",
            "street_code": "330102001",
        },
    )
    first = api.push("collector", m)
    again = api.push("collector", m)  # e.g. the response was lost and the client retried
    assert first.status_code == again.status_code == 200
    assert first.json()["results"] == again.json()["results"]
    assert first.json()["results"][0]["status"] == "applied"
    case_changes = [
        c
        for c in api.all_changes("dispatcher")
        if c["entity"] == "case" and c["entity_id"] == case_id
    ]
    assert len(case_changes) == 1  # applied once: one version 1 of the case, no duplicate


def test_gap_in_seq_is_409_with_the_expected_seq(api: Api) -> None:
    client = new_id("ws")
    report(api, client, new_id())
    r = api.push("collector", api.mutation(client, "case.add_note", {"case_id": "x"}, seq=5))
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["expected_seq"] == 2


def test_rejected_mutation_is_processed_and_does_not_block_the_next(api: Api) -> None:
    client, case_id = new_id("ws"), new_id()
    report(api, client, case_id, user="dispatcher", source="referral")
    bad = api.mutation(client, "case.close", {"case_id": case_id})  # not checked yet
    good = api.mutation(client, "case.file", {"case_id": case_id, "subcategory_code": "0702"})
    r = api.push("dispatcher", bad, good)
    assert r.status_code == 200, r.text
    first, second = r.json()["results"]
    assert first["status"] == "rejected"
    assert first["rejection"]["code"] == "illegal_transition"
    assert "已上报" in first["rejection"]["message"]  # a reason the dispatcher can read
    assert second["status"] == "applied"
    # Replaying the batch returns the stored outcomes, the rejection included.
    assert api.push("dispatcher", bad, good).json()["results"] == [first, second]


def test_a_client_id_cannot_be_used_by_another_user(api: Api) -> None:
    client = new_id("ws")
    report(api, client, new_id())
    r = api.push("dispatcher", api.mutation(client, "case.add_note", {"case_id": "x"}))
    assert r.status_code == 403


def test_closed_loop_over_the_wire_reaches_every_client_as_changes(api: Api) -> None:
    client, case_id = new_id("ws"), new_id()
    start = api.changes("commander")["last_seq"]
    report(api, client, case_id)
    steps = [
        ("dispatcher", "case.file", {"subcategory_code": "0702"}),
        ("dispatcher", "case.dispatch", {"unit_code": "DEP-330102-sanitation"}),
        ("handler", "case.accept", {}),
        ("handler", "case.handle", {"feedback": "已清运"}),
        ("collector", "case.check_pass", {}),
        ("dispatcher", "case.close", {}),
    ]
    for user, name, args in steps:
        result = api.do(user, f"{client}-{user}", name, case_id=case_id, **args)
        assert result["status"] == "applied", result
    changes = api.all_changes("commander", after=start)
    versions = [
        c["payload"]["state"]
        for c in changes
        if c["entity"] == "case" and c["entity_id"] == case_id
    ]
    assert versions == [
        "reported",
        "filed",
        "dispatched",
        "in_progress",
        "handled",
        "checked",
        "closed",
    ]
    timeline = [c for c in changes if c["entity"] == "case_event"]
    assert [c["payload"]["kind"] for c in timeline if c["payload"]["case_id"] == case_id] == [
        "reported",
        "filed",
        "dispatched",
        "accepted",
        "handled",
        "check_passed",
        "closed",
    ]
    again = api.do("dispatcher", f"{client}-dispatcher", "case.add_note", case_id=case_id, text="x")
    assert again["rejection"]["code"] == "case_ended"
    assert "dispatcher" in again["rejection"]["message"]  # who closed it


def test_revoked_role_blocks_the_next_command_with_the_old_token(
    api: Api, live_server: LiveServer
) -> None:
    engine = make_engine(live_server.db_url)
    admin.add_user(engine, "temp_disp", "correct horse battery", "dispatcher", "330100")
    client, case_id = new_id("ws"), new_id()
    report(api, client, case_id, user="temp_disp", source="referral")
    admin.set_roles(engine, "temp_disp", "supervisor")  # token still valid for minutes
    r = api.do("temp_disp", client, "case.file", case_id=case_id, subcategory_code="0702")
    assert r["status"] == "rejected"
    assert r["rejection"]["code"] == "forbidden"
    admin.disable_user(engine, "temp_disp")
    blocked = api.push("temp_disp", api.mutation(client, "case.add_note", {"case_id": case_id}))
    assert blocked.status_code == 401
    engine.dispose()


def test_the_contract_still_describes_the_push_and_ingest_bodies(api: Api) -> None:
    """Both routes parse their bytes themselves (``server.bodies``); generated clients and the
    fuzzing suite must still find the body's schema, nested models written out."""
    spec = api.http.get("/openapi.json").json()
    push = spec["paths"]["/api/v1/sync/push"]["post"]["requestBody"]
    mutation = push["content"]["application/json"]["schema"]["properties"]["mutations"]["items"]
    assert push["required"] is True
    assert {"client_id", "seq", "mutation_id", "name", "args"} <= set(mutation["properties"])
    ingest = spec["paths"]["/api/v1/ingest/readings"]["post"]["requestBody"]
    reading = ingest["content"]["application/json"]["schema"]["properties"]["readings"]["items"]
    assert {"device_id", "metric", "value", "at"} <= set(reading["properties"])
    assert "$ref" not in json.dumps(push) + json.dumps(ingest)
