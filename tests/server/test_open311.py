"""Open311 GeoReport v2: a citizen's report becomes a case the hall handles, and the citizen can
follow it; every malformed request is a 4xx problem with the spec's error list."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from cityops.server import admin
from cityops.server.db import make_engine
from tests.server.conftest import Api, LiveServer, new_id

BASE = "/open311/v2"
HUBIN = {"lat": "30.2592", "long": "120.1655"}  # 湖滨街道, 上城区
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def api_key(live_server: LiveServer) -> str:
    engine = make_engine(live_server.db_url)
    try:
        return admin.new_api_key(engine, "citizen-app")
    finally:
        engine.dispose()


def form(api_key: str, **extra: str) -> dict[str, str]:
    return {
        "api_key": api_key,
        "service_code": "0702",
        "description": "湖滨路人行道上有一堆暴露垃圾",
        **HUBIN,
        **extra,
    }


def post(api: Api, data: dict[str, str], **headers: str) -> httpx.Response:
    return api.http.post(f"{BASE}/requests.json", data=data, headers=headers)


def created_id(r: httpx.Response) -> str:
    assert r.status_code == 201, r.text
    body = r.json()
    assert isinstance(body, list)
    assert len(body) == 1
    assert body[0]["account_id"] is None
    assert body[0]["service_notice"]
    case_id: str = body[0]["service_request_id"]
    return case_id


def get_one(api: Api, case_id: str) -> dict[str, Any]:
    r = api.http.get(f"{BASE}/requests/{case_id}.json")
    assert r.status_code == 200, r.text
    body = r.json()
    assert isinstance(body, list)
    assert len(body) == 1
    one: dict[str, Any] = body[0]
    return one


def assert_problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    assert body["title"]
    assert body["errors"]
    assert body["errors"][0]["code"] == status
    assert isinstance(body["errors"][0]["description"], str)
    return body


def case_change(api: Api, case_id: str) -> dict[str, Any]:
    found = [
        c
        for c in api.all_changes("dispatcher")
        if c["entity"] == "case" and c["entity_id"] == case_id
    ]
    assert found, f"no change for case {case_id}"
    last: dict[str, Any] = found[-1]
    return last


def walk(api: Api, case_id: str, steps: list[tuple[str, str, dict[str, Any]]]) -> None:
    client = new_id("ws")
    for user, name, args in steps:
        result = api.do(user, f"{client}-{user}", name, case_id=case_id, **args)
        assert result["status"] == "applied", result


# ------------------------------------------------------------------ services


def test_services_are_the_public_subcategories_with_chinese_names(api: Api) -> None:
    r = api.http.get(f"{BASE}/services.json")
    assert r.status_code == 200, r.text
    services = r.json()
    assert len(services) >= 150
    by_code = {s["service_code"]: s for s in services}
    garbage = by_code["0702"]
    assert garbage["service_name"] == "暴露垃圾"
    assert garbage["type"] == "realtime"
    assert garbage["metadata"] is False
    assert garbage["description"]
    assert garbage["group"]
    assert garbage["keywords"]
    assert all(CJK.search(s["service_name"]) for s in services)
    assert "1117" not in by_code  # fire: an emergency, phoned in, not an Open311 service

    english = api.http.get(f"{BASE}/services.json", params={"lang": "en"}).json()
    assert {s["service_code"]: s for s in english}["0702"]["service_name"] == "Exposed garbage"


def test_service_definition_and_unknown_service(api: Api) -> None:
    r = api.http.get(f"{BASE}/services/0702.json")
    assert r.status_code == 200, r.text
    assert r.json() == {"service_code": "0702", "attributes": []}
    assert_problem(api.http.get(f"{BASE}/services/9999.json"), 404)
    assert_problem(api.http.get(f"{BASE}/services.json", params={"jurisdiction_id": "x"}), 404)


# ------------------------------------------------------------------ round trip


def test_reward_report_round_trip_to_a_case_the_dispatcher_files(api: Api, api_key: str) -> None:
    photo = "https://img.example.cn/p/123.jpg"
    r = post(api, form(api_key, reward="true", media_url=photo, email="zhang@example.cn"))
    case_id = created_id(r)
    assert case_id.startswith("P")
    assert len(case_id) <= 64

    mine = get_one(api, case_id)
    assert mine["service_request_id"] == case_id
    assert mine["status"] == "open"
    assert mine["service_code"] == "0702"
    assert mine["service_name"] == "暴露垃圾"
    assert mine["reward_status"] == "pending"
    assert mine["media_url"] == photo
    assert mine["lat"] == pytest.approx(30.2592)
    assert mine["long"] == pytest.approx(120.1655)
    assert mine["requested_datetime"].endswith("+08:00")
    assert mine["agency_responsible"] is None
    assert mine["expected_datetime"] is None
    assert "email" not in mine  # the reporter's contact is not published

    change = case_change(api, case_id)["payload"]
    assert change["source"] == "reward"
    assert change["state"] == "reported"
    assert change["district_code"] == "330102"
    assert change["street_code"] == "330102001"
    assert change["reported_by"] == "open311:citizen-app"
    events = [
        c["payload"]
        for c in api.all_changes("dispatcher")
        if c["entity"] == "case_event" and c["payload"]["case_id"] == case_id
    ]
    assert events[0]["details"]["media_url"] == photo
    assert events[0]["details"]["service_code"] == "0702"

    walk(
        api,
        case_id,
        [
            ("dispatcher", "case.verify", {}),
            ("dispatcher", "case.file", {"subcategory_code": "0702"}),
            ("dispatcher", "case.dispatch", {"unit_code": "DEP-330102-sanitation"}),
        ],
    )
    after = get_one(api, case_id)
    assert after["status"] == "open"
    assert after["status_notes"] == "已派遣"
    assert after["agency_responsible"]  # the sanitation department's name
    assert after["expected_datetime"] is not None  # the resolve deadline runs from dispatch
    assert after["updated_datetime"] >= after["requested_datetime"]

    # The dispatcher approves the reward: the citizen sees it; a second decision is refused.
    walk(api, case_id, [("dispatcher", "case.reward", {"approved": True, "amount": 20})])
    assert get_one(api, case_id)["reward_status"] == "approved"
    assert case_change(api, case_id)["payload"]["reward_amount"] == 20
    again = api.do("supervisor", new_id("ws"), "case.reward", case_id=case_id, note="重复")
    assert again["status"] == "rejected"
    assert again["rejection"]["code"] == "reward_decided"


def test_plain_report_in_json_is_an_app_case(api: Api, api_key: str) -> None:
    body: dict[str, Any] = {**form(api_key), "lat": 30.2592, "long": 120.1655}
    r = api.http.post(f"{BASE}/requests.json", json=body)
    case_id = created_id(r)
    assert get_one(api, case_id)["reward_status"] == "none"
    assert case_change(api, case_id)["payload"]["source"] == "app"


def test_address_string_alone_locates_the_street(api: Api, api_key: str) -> None:
    data = form(api_key, address_string="杭州市上城区湖滨街道东坡路 12 号")
    del data["lat"], data["long"]
    case_id = created_id(post(api, data))
    payload = case_change(api, case_id)["payload"]
    assert payload["street_code"] == "330102001"
    assert payload["address"] == "杭州市上城区湖滨街道东坡路 12 号"

    data["address_string"] = "somewhere nice"
    assert_problem(post(api, data), 400)


# ------------------------------------------------------------------ refusals


def test_unknown_or_emergency_service_code_is_400_with_spec_errors(api: Api, api_key: str) -> None:
    body = assert_problem(post(api, form(api_key, service_code="9999")), 400)
    assert "9999" in body["errors"][0]["description"]
    assert_problem(post(api, form(api_key, service_code="1117")), 400)  # fire


def test_missing_or_bad_api_key(api: Api, api_key: str) -> None:
    data = form(api_key)
    del data["api_key"]
    missing = assert_problem(post(api, data), 401)
    assert "api_key" in missing["detail"]
    assert_problem(post(api, form("cok_not-a-real-key")), 403)
    created_id(post(api, data, **{"X-Api-Key": api_key}))  # an integrator's gateway sets it


def test_location_outside_hangzhou_is_400(api: Api, api_key: str) -> None:
    shanghai = form(api_key, lat="31.2304", long="121.4737")
    body = assert_problem(post(api, shanghai), 400)
    assert "Hangzhou" in body["detail"]


@pytest.mark.parametrize(
    "change",
    [
        {"long": ""},  # lat without long
        {"lat": "north", "long": "east"},
        {"lat": "nan", "long": "120.16"},
        {"lat": "95", "long": "120.16"},
        {"email": "not an address"},
        {"media_url": "javascript:alert(1)"},
        {"description": "长" * 4001},
        {"attribute[": "x"},
        {"description": "nul\x00byte"},  # PostgreSQL cannot store it
    ],
)
def test_malformed_fields_are_400_problems(api: Api, api_key: str, change: dict[str, str]) -> None:
    assert_problem(post(api, form(api_key, **change)), 400)


def test_malformed_bodies_and_formats_are_4xx_problems(api: Api, api_key: str) -> None:
    url = f"{BASE}/requests.json"
    assert_problem(api.http.post(url, content=b"[1, 2]", headers=_json()), 400)
    assert_problem(api.http.post(url, content=b"{not json", headers=_json()), 400)
    assert_problem(api.http.post(url, content=b"<x/>", headers={"content-type": "text/xml"}), 415)
    assert_problem(api.http.post(url, content=b"a=%ff%fe", headers=_form()), 400)
    twice = "api_key=k&service_code=0702&service_code=0703"
    assert_problem(api.http.post(url, content=twice.encode(), headers=_form()), 400)
    assert_problem(api.http.get(f"{BASE}/services.xml"), 415)
    assert_problem(api.http.get(f"{BASE}/requests.json", params={"status": "lost"}), 400)
    assert_problem(api.http.get(f"{BASE}/requests.json", params={"start_date": "soon"}), 400)
    late = {"start_date": "9999-12-31T23:59:59-14:00"}
    assert_problem(api.http.get(f"{BASE}/requests.json", params=late), 400)
    order = {"start_date": "2026-02-01T00:00:00+08:00", "end_date": "2026-01-01T00:00:00Z"}
    assert_problem(api.http.get(f"{BASE}/requests.json", params=order), 400)
    assert_problem(api.http.get(f"{BASE}/requests/{'x' * 65}.json"), 400)
    assert_problem(api.http.get(f"{BASE}/requests/P-none.json"), 404)
    nul = {"service_code": "07\x0002"}
    assert_problem(api.http.get(f"{BASE}/requests.json", params=nul), 400)


def _json() -> dict[str, str]:
    return {"content-type": "application/json"}


def _form() -> dict[str, str]:
    return {"content-type": "application/x-www-form-urlencoded"}


# ------------------------------------------------------------------ listing


def test_status_filter_follows_the_case_through_closing(api: Api, api_key: str) -> None:
    closing = created_id(post(api, form(api_key, description="东坡路垃圾堆")))
    staying = created_id(post(api, form(api_key, description="平海路垃圾堆")))
    refused = created_id(post(api, form(api_key, description="不是城管问题")))
    walk(
        api,
        closing,
        [
            ("dispatcher", "case.verify", {}),
            ("dispatcher", "case.file", {"subcategory_code": "0702"}),
            ("dispatcher", "case.dispatch", {"unit_code": "DEP-330102-sanitation"}),
            ("handler", "case.accept", {}),
            ("handler", "case.handle", {"feedback": "已清运"}),
            ("collector", "case.check_pass", {}),
            ("dispatcher", "case.close", {}),
        ],
    )
    walk(api, refused, [("dispatcher", "case.invalidate", {"reason": "私人庭院"})])

    def listed(**params: str) -> dict[str, dict[str, Any]]:
        r = api.http.get(f"{BASE}/requests.json", params=params)
        assert r.status_code == 200, r.text
        return {x["service_request_id"]: x for x in r.json()}

    closed, open_ = listed(status="closed"), listed(status="open")
    assert closing in closed
    assert refused in closed
    assert staying not in closed
    assert staying in open_
    assert closing not in open_
    assert refused not in open_
    assert closed[closing]["status"] == "closed"
    assert closed[closing]["status_notes"] == "已结案"
    assert "私人庭院" in closed[refused]["status_notes"]
    both = listed(status="open,closed")
    assert {closing, staying, refused} <= set(both)

    by_id = listed(service_request_id=f"{closing},{staying}", status="open")
    assert set(by_id) == {closing, staying}  # ids given: the other filters are ignored
    assert set(listed(service_code="0702")) >= {closing, staying}
    assert closing not in listed(service_code="0703")
    assert listed(end_date="2020-01-01T00:00:00Z") == {}  # the 90 days before it: nothing
    english = get_one_lang(api, closing)
    assert english["status_notes"] == "closed"
    assert english["service_name"] == "Exposed garbage"


def get_one_lang(api: Api, case_id: str) -> dict[str, Any]:
    r = api.http.get(f"{BASE}/requests/{case_id}.json", params={"lang": "en"})
    assert r.status_code == 200, r.text
    one: dict[str, Any] = r.json()[0]
    return one


def test_only_open311_cases_are_listed(api: Api) -> None:
    case_id = new_id()
    result = api.do(
        "collector",
        new_id("ws"),
        "case.report",
        case_id=case_id,
        source="patrol",
        description="巡查发现暴露垃圾",
        district_code="330102",
        street_code="330102001",
    )
    assert result["status"] == "applied"
    assert_problem(api.http.get(f"{BASE}/requests/{case_id}.json"), 404)


# ------------------------------------------------------------------ idempotency


def test_idempotency_key_replays_and_refuses_another_body(api: Api, api_key: str) -> None:
    key = str(uuid.uuid4())
    data = form(api_key, description="同一请求重发")
    first = post(api, data, **{"Idempotency-Key": key})
    again = post(api, data, **{"Idempotency-Key": key})
    case_id = created_id(first)
    assert again.status_code == 201
    assert again.json() == first.json()
    listed = api.http.get(f"{BASE}/requests.json").json()
    assert sum(1 for x in listed if x["description"] == "同一请求重发") == 1
    other = post(api, form(api_key, description="换了内容"), **{"Idempotency-Key": key})
    assert_problem(other, 422)
    assert get_one(api, case_id)["description"] == "同一请求重发"
