"""The hotline's satisfaction callback (回访, ``case.rate``) over the real push endpoint.

What a dispatcher, a supervisor and the audit see: the rating lands on the closed case's
document with who and when, a ``satisfaction_rated`` event joins the timeline, a second
callback and every one the rules refuse are answered with a reason and audited, the callback
is the city's (a district's dispatcher may not record it, not even on the cases of its own
district, which the satisfaction ranks), and the role is the one the database holds now, not
the one the token was issued with.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from cityops.server import admin
from cityops.server.db import make_engine
from cityops.server.models import AuditEntry
from tests.server.conftest import PASSWORD, Api, LiveServer, new_id


@pytest.fixture(scope="module")
def engine(live_server: LiveServer) -> Iterator[Any]:
    eng = make_engine(live_server.db_url)
    yield eng
    eng.dispose()


def walk(api: Api, case_id: str, steps: list[tuple[str, str, dict[str, Any]]]) -> None:
    client = new_id("ws")
    for user, name, args in steps:
        result = api.do(user, f"{client}-{user}", name, case_id=case_id, **args)
        assert result["status"] == "applied", result


def hotline_case(
    api: Api, *, close: bool = True, source: str = "hotline", dispatcher: str = "dispatcher"
) -> str:
    """A hotline call in 上城区 湖滨街道, walked to *closed* (or left at *checked*) by
    ``dispatcher`` (the city's unless told)."""
    case_id = new_id("SAT")
    steps = [
        (
            dispatcher,
            "case.report",
            {
                "source": source,
                "description": "湖滨路人行道暴露垃圾（市民来电）",
                "district_code": "330102",
                "street_code": "330102001",
            },
        ),
        (dispatcher, "case.verify", {}),
        (dispatcher, "case.file", {"subcategory_code": "0702"}),
        (dispatcher, "case.dispatch", {"unit_code": "DEP-330102-sanitation"}),
        ("handler", "case.accept", {}),
        ("handler", "case.handle", {"feedback": "已清运"}),
        ("collector", "case.check_pass", {}),
    ]
    if close:
        steps.append((dispatcher, "case.close", {}))
    walk(api, case_id, steps)
    return case_id


def last_case_doc(api: Api, case_id: str) -> dict[str, Any]:
    docs = [
        c["payload"]
        for c in api.all_changes("dispatcher")
        if c["entity"] == "case" and c["entity_id"] == case_id
    ]
    assert docs, case_id
    doc: dict[str, Any] = docs[-1]
    return doc


def audit_rows(engine: Any, case_id: str) -> list[AuditEntry]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(AuditEntry)
                .where(AuditEntry.action == "case.rate", AuditEntry.target == f"case {case_id}")
                .order_by(AuditEntry.id)
            )
        )


def code(result: dict[str, Any]) -> str:
    if result["status"] == "applied":
        return "applied"
    value: str = result["rejection"]["code"]
    return value


def test_a_callback_rates_the_closed_case_once_and_is_audited(api: Api, engine: Any) -> None:
    open_case = hotline_case(api, close=False)
    early = api.do("dispatcher", new_id("ws"), "case.rate", case_id=open_case, score=5)
    assert code(early) == "illegal_transition"
    assert "回访满意度" in early["rejection"]["message"]

    case_id = hotline_case(api)
    for user, expected in (
        ("collector", "forbidden"),
        ("commander", "forbidden"),
        ("handler", "forbidden"),
        ("district_dispatcher", "city_level_only"),  # 拱墅区's dispatcher, a 上城区 case
    ):
        refused = api.do(user, new_id("ws"), "case.rate", case_id=case_id, score=5)
        assert code(refused) == expected, (user, refused)
    bad = api.do("dispatcher", new_id("ws"), "case.rate", case_id=case_id, score=7)
    assert code(bad) == "bad_score"
    assert "1 到 5" in bad["rejection"]["message"]
    typo = api.do("dispatcher", new_id("ws"), "case.rate", case_id=case_id, scor=5)
    assert code(typo) == "invalid_args"

    done = api.do(
        "dispatcher", new_id("ws"), "case.rate", case_id=case_id, score=3, note="基本满意"
    )
    assert code(done) == "applied", done
    doc = last_case_doc(api, case_id)
    assert (doc["state"], doc["satisfaction"], doc["satisfaction_by"]) == (
        "closed",
        3,
        "dispatcher",
    )
    assert doc["satisfaction_at"] >= doc["closed_at"]
    events = [
        c["payload"]
        for c in api.all_changes("supervisor")
        if c["entity"] == "case_event" and c["payload"]["case_id"] == case_id
    ]
    assert events[-1]["kind"] == "satisfaction_rated"
    assert events[-1]["details"] == {"score": 3, "note": "基本满意"}
    assert (events[-1]["from_state"], events[-1]["to_state"]) == ("closed", "closed")

    again = api.do("supervisor", new_id("ws"), "case.rate", case_id=case_id, score=5)
    assert code(again) == "already_rated"
    assert "dispatcher" in again["rejection"]["message"]
    assert last_case_doc(api, case_id)["satisfaction"] == 3  # the first callback stands

    rows = audit_rows(engine, case_id)
    decisions = [(r.actor, r.decision) for r in rows]
    assert ("dispatcher", "applied") in decisions
    assert ("supervisor", "rejected") in decisions
    assert ("collector", "rejected") in decisions
    refused = next(r for r in rows if r.actor == "supervisor")
    assert refused.detail["code"] == "already_rated"


def test_a_supervisor_may_record_it_and_patrol_cases_have_nobody_to_call(api: Api) -> None:
    case_id = hotline_case(api, source="app")
    done = api.do("supervisor", new_id("ws"), "case.rate", case_id=case_id, score=1)
    assert code(done) == "applied", done
    assert last_case_doc(api, case_id)["satisfaction"] == 1

    patrol = new_id("SAT")
    walk(
        api,
        patrol,
        [
            (
                "collector",
                "case.report",
                {
                    "source": "patrol",
                    "description": "井盖缺失（巡查）",
                    "district_code": "330102",
                    "street_code": "330102001",
                },
            ),
            ("dispatcher", "case.file", {"subcategory_code": "0702"}),
            ("dispatcher", "case.dispatch", {"unit_code": "DEP-330102-sanitation"}),
            ("handler", "case.accept", {}),
            ("handler", "case.handle", {"feedback": "已更换"}),
            ("collector", "case.check_pass", {}),
            ("dispatcher", "case.close", {}),
        ],
    )
    refused = api.do("dispatcher", new_id("ws"), "case.rate", case_id=patrol, score=5)
    assert code(refused) == "not_a_public_report"


def test_the_role_is_read_from_the_database_not_the_token(api: Api, engine: Any) -> None:
    name = f"sup_{uuid.uuid4().hex[:8]}"
    admin.add_user(engine, name, PASSWORD, "supervisor", "330100", display_name=name)
    token = api.token(name)
    first = hotline_case(api)
    assert code(api.do(name, new_id("ws"), "case.rate", case_id=first, score=5)) == "applied"

    admin.set_roles(engine, name, "collector")  # moved to field work: no more callbacks
    assert api.token(name) == token  # the same, still valid token
    second = hotline_case(api)
    refused = api.do(name, new_id("ws"), "case.rate", case_id=second, score=5)
    assert code(refused) == "forbidden", refused
    assert last_case_doc(api, second).get("satisfaction") is None
    assert [r.decision for r in audit_rows(engine, second)] == ["rejected"]


def test_a_district_dispatcher_may_not_record_its_own_districts_callbacks(
    api: Api, engine: Any
) -> None:
    """上城区's own dispatcher works its case from report to closing, but the callback, which
    ranks 上城区, is refused to it with the reason and audited; the city's dispatcher records it."""
    name = f"sc_disp_{uuid.uuid4().hex[:8]}"
    admin.add_user(engine, name, PASSWORD, "dispatcher", "330102", display_name="上城区调度")
    case_id = hotline_case(api, dispatcher=name)

    refused = api.do(name, new_id("ws"), "case.rate", case_id=case_id, score=5, note="满意")
    assert code(refused) == "city_level_only", refused
    assert refused["rejection"]["message"] == "回访由市级热线记录，区县不得记录本区案件的满意度"
    assert last_case_doc(api, case_id).get("satisfaction") is None
    (row,) = audit_rows(engine, case_id)
    assert (row.actor, row.decision, row.detail["code"]) == (name, "rejected", "city_level_only")

    done = api.do("dispatcher", new_id("ws"), "case.rate", case_id=case_id, score=1)
    assert code(done) == "applied", done
    doc = last_case_doc(api, case_id)
    assert (doc["satisfaction"], doc["satisfaction_by"]) == (1, "dispatcher")
