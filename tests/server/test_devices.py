"""Device commands end to end: operator → push → server queue → gateway → ack → device state.

Each test works on its own LED group or devices, because the module shares one server and a
gateway poll hands out everything queued for the devices it names.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cityops.domain import device_commands as dc
from cityops.domain.actors import Actor, Role
from cityops.domain.devices import DeviceKind
from cityops.domain.outcomes import Rejection
from cityops.domain.reference import load_reference
from cityops.server import admin, gateway
from cityops.server import handlers_devices as hd
from cityops.server.db import make_engine
from cityops.server.models import AuditEntry, DeviceCommandRow
from tests.server.conftest import Api, LiveServer, new_id

REF = load_reference()
SCREENS_BY_GROUP: dict[str, list[str]] = {}
for _screen in REF.devices.led_screens.values():
    SCREENS_BY_GROUP.setdefault(_screen.group, []).append(_screen.id)
LED_GROUPS = sorted(SCREENS_BY_GROUP)
ALL_CIRCUITS = sorted(REF.devices.circuits)
REF_KIND = DeviceKind.LED_SCREEN


def screens(index: int) -> tuple[str, list[str]]:
    """An LED group of its own for one test (index into the sorted group codes)."""
    code = LED_GROUPS[index]
    return code, sorted(SCREENS_BY_GROUP[code])


def soon(minutes: float = 10) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


@pytest.fixture(scope="module")
def gw_key(live_server: LiveServer) -> str:
    engine = make_engine(live_server.db_url)
    key = admin.new_api_key(engine, "test-gateway")
    engine.dispose()
    return key


class Gateway:
    def __init__(self, http: httpx.Client, key: str) -> None:
        self.http, self.headers = http, {"X-Api-Key": key}

    def poll(self, **params: Any) -> list[dict[str, Any]]:
        r = self.http.get("/api/v1/gateway/commands", params=params, headers=self.headers)
        assert r.status_code == 200, r.text
        commands: list[dict[str, Any]] = r.json()["commands"]
        return commands

    def acks(self, acks: list[dict[str, Any]], key: str | None = None) -> httpx.Response:
        headers = dict(self.headers)
        if key:
            headers["Idempotency-Key"] = key
        return self.http.post("/api/v1/gateway/acks", json={"acks": acks}, headers=headers)

    def status(self, reports: list[dict[str, Any]]) -> httpx.Response:
        return self.http.post(
            "/api/v1/gateway/status", json={"reports": reports}, headers=self.headers
        )


@pytest.fixture
def gw(api: Api, gw_key: str) -> Gateway:
    return Gateway(api.http, gw_key)


def command(
    api: Api, user: str, device_ids: list[str], payload: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    args = {"device_ids": device_ids, "payload": payload, "not_after": soon()} | extra
    return api.do(user, new_id("ws"), "device.command", **args)


def ok(command_ids: list[str]) -> list[dict[str, Any]]:
    at = datetime.now(UTC).isoformat()
    return [{"command_id": c, "ok": True, "at": at} for c in command_ids]


def progress(api: Api, group_command_id: str) -> dict[str, Any]:
    r = api.http.get(
        f"/api/v1/devices/commands/{group_command_id}", headers=api.headers("dispatcher")
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def newest(api: Api) -> int:
    """The newest change seq (the changes log's head)."""
    seq: int = api.http.get("/healthz").json()["last_seq"]
    return seq


def audit_rows(live_server: LiveServer, **where: Any) -> list[AuditEntry]:
    with live_server.state.gate.read() as session:
        stmt = select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)
        return list(session.scalars(stmt))


def test_group_command_reaches_the_gateway_once_and_acks_update_devices_and_progress(
    api: Api, gw: Gateway
) -> None:
    group, ids = screens(0)
    gid = new_id("G")
    start = newest(api)
    result = command(
        api,
        "operator",
        ids,
        {"type": "set_level", "percent": 40},
        group_command_id=gid,
        confirmed_count=len(ids),
    )
    assert result["status"] == "applied", result

    first = gw.poll(group=group)
    assert sorted(c["command_id"] for c in first) == sorted(f"{gid}:{d}" for d in ids)
    assert all(c["payload"] == {"type": "set_level", "percent": 40} for c in first)
    assert gw.poll(group=group) == []  # handed out once
    assert progress(api, gid)["progress"]["pending"] == len(ids)

    r = gw.acks(ok([c["command_id"] for c in first]))
    assert r.status_code == 200, r.text
    assert {x["outcome"] for x in r.json()["results"]} == {"acked"}

    view = progress(api, gid)
    assert view["progress"] == {
        "acked": len(ids),
        "failed": 0,
        "pending": 0,
        "expired": 0,
        "superseded": 0,
        "total": len(ids),
        "done": True,
    }
    assert {c["status"] for c in view["commands"]} == {"acked"}

    changes = api.all_changes("commander", after=start)
    statuses: dict[str, list[str]] = {}
    for c in changes:
        if c["entity"] == "device_command":
            statuses.setdefault(c["entity_id"], []).append(c["payload"]["status"])
    assert statuses == {f"{gid}:{d}": ["queued", "sent", "acked"] for d in ids}
    devices = {
        c["entity_id"]: c["payload"]
        for c in changes
        if c["entity"] == "device" and c["entity_id"] in ids
    }
    assert set(devices) == set(ids)
    assert all(d["level"] == 40 and d["online"] for d in devices.values())


def test_newer_level_command_supersedes_a_queued_older_one(api: Api, gw: Gateway) -> None:
    _, ids = screens(1)
    device = ids[0]
    old = command(api, "operator", [device], {"type": "set_level", "percent": 20})
    power = command(api, "operator", [device], {"type": "set_power", "on": True})
    new = command(api, "operator", [device], {"type": "set_level", "percent": 80})
    assert old["status"] == power["status"] == new["status"] == "applied"

    got = gw.poll(device_ids=device)
    assert sorted(c["payload"]["type"] for c in got) == ["set_level", "set_power"]
    level = next(c for c in got if c["payload"]["type"] == "set_level")
    assert level["payload"]["percent"] == 80  # never the old one
    assert gw.poll(device_ids=device) == []
    assert progress(api, old["mutation_id"])["progress"]["superseded"] == 1
    assert progress(api, power["mutation_id"])["progress"]["pending"] == 1  # other channel


def test_expired_commands_are_never_handed_out(
    api: Api, gw: Gateway, live_server: LiveServer
) -> None:
    _, ids = screens(2)
    swept = command(api, "operator", [ids[1]], {"type": "set_power", "on": True}, not_after=soon(1))
    assert swept["status"] == "applied"
    # The sweep, run as if two minutes had passed, expires it.
    assert gateway.expire_commands(live_server.state, datetime.now(UTC) + timedelta(minutes=2))
    assert progress(api, swept["mutation_id"])["commands"][0]["status"] == "expired"
    assert audit_rows(live_server, action="device.command.expire")

    # This one passes its not_after while it waits: the poll expires it rather than send it.
    short = command(
        api, "operator", [ids[0]], {"type": "set_power", "on": True}, not_after=soon(0.02)
    )
    assert short["status"] == "applied"
    time.sleep(1.5)
    assert gw.poll(device_ids=ids[:2]) == []
    assert progress(api, short["mutation_id"])["commands"][0]["status"] == "expired"


@pytest.mark.parametrize("user", ["collector", "supervisor"])
def test_rest_command_by_a_user_who_may_not_is_403_and_audited(
    api: Api, live_server: LiveServer, user: str
) -> None:
    _, ids = screens(3)
    gid = new_id("R")
    r = api.http.post(
        "/api/v1/devices/commands",
        json={
            "device_ids": ids,
            "payload": {"type": "set_power", "on": True},
            "not_after": soon(),
            "client_now": datetime.now(UTC).isoformat(),
            "group_command_id": gid,
        },
        headers=api.headers(user),
    )
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    rows = audit_rows(live_server, actor=user, action="device.command", decision="denied")
    assert any(gid in (row.target or "") for row in rows)
    with live_server.state.gate.read() as session:
        assert (
            session.scalar(
                select(DeviceCommandRow.id).where(DeviceCommandRow.group_command_id == gid)
            )
            is None
        )


def test_rest_command_is_201_and_a_bad_payload_is_422(api: Api, gw: Gateway) -> None:
    _, ids = screens(4)
    body = {
        "device_ids": ids[:2],
        "payload": {"type": "show_content", "content_id": "civility-2026", "text": "文明杭州"},
        "not_after": soon(),
        "client_now": datetime.now(UTC).isoformat(),
    }
    r = api.http.post("/api/v1/devices/commands", json=body, headers=api.headers("operator"))
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["command_ids"] == [f"{created['group_command_id']}:{d}" for d in ids[:2]]
    assert sorted(c["command_id"] for c in gw.poll(device_ids=ids[:2])) == sorted(
        created["command_ids"]
    )

    toggle = body | {"payload": {"type": "toggle"}}
    r = api.http.post("/api/v1/devices/commands", json=toggle, headers=api.headers("operator"))
    assert r.status_code == 422
    assert r.json()["code"] == "unknown_command"
    missing = {k: v for k, v in body.items() if k != "client_now"}
    r = api.http.post("/api/v1/devices/commands", json=missing, headers=api.headers("operator"))
    assert r.status_code == 422
    r = api.http.get("/api/v1/devices/commands/nope", headers=api.headers("operator"))
    assert r.status_code == 404


def test_city_wide_all_off_needs_an_operator(api: Api, live_server: LiveServer) -> None:
    off = {"type": "set_power", "on": False}
    n = len(ALL_CIRCUITS)
    by_dispatcher = command(
        api, "dispatcher", ALL_CIRCUITS, off, confirmed_count=n, typed_confirmation=True
    )
    assert by_dispatcher["status"] == "rejected"
    assert by_dispatcher["rejection"]["code"] == "operator_required"
    assert audit_rows(live_server, actor="dispatcher", action="device.command", decision="rejected")

    unconfirmed = command(api, "operator", ALL_CIRCUITS, off)
    assert unconfirmed["rejection"]["code"] == "typed_confirmation_required"

    # A click (the count the dialog showed, as every confirmation sends) is not a typed
    # confirmation: refused with the reason, audited, nothing queued.
    clicked = command(api, "operator", ALL_CIRCUITS, off, confirmed_count=n)
    assert clicked["status"] == "rejected", clicked
    assert clicked["rejection"]["code"] == "typed_confirmation_required"
    assert "输入确认" in clicked["rejection"]["message"]
    assert f"{n} / {n} 台" in clicked["rejection"]["message"]
    refused = audit_rows(
        live_server, actor="operator", action="device.command", decision="rejected"
    )
    assert any(
        r.mutation_id == clicked["mutation_id"]
        and r.detail["code"] == "typed_confirmation_required"
        for r in refused
    )
    r = api.http.get(
        f"/api/v1/devices/commands/{clicked['mutation_id']}", headers=api.headers("operator")
    )
    assert r.status_code == 404

    by_operator = command(
        api, "operator", ALL_CIRCUITS, off, confirmed_count=n, typed_confirmation=True
    )
    assert by_operator["status"] == "applied", by_operator
    assert progress(api, by_operator["mutation_id"])["progress"]["total"] == n

    # A dispatcher's routine command on a few lights is fine.
    routine = command(api, "dispatcher", ALL_CIRCUITS[:3], {"type": "set_level", "percent": 60})
    assert routine["status"] == "applied", routine


def test_a_skewed_client_clock_is_corrected(api: Api) -> None:
    _, ids = screens(5)
    client_now = datetime.now(UTC) + timedelta(minutes=30)  # the client's clock runs fast
    m = api.mutation(
        new_id("ws"),
        "device.command",
        {
            "device_ids": ids[:1],
            "payload": {"type": "set_level", "percent": 10},
            "not_after": (client_now + timedelta(minutes=10)).isoformat(),
        },
    )
    m["client_now"] = client_now.isoformat()
    start = newest(api)
    r = api.push("operator", m)
    assert r.json()["results"][0]["status"] == "applied", r.text
    stored = next(
        c["payload"]
        for c in api.all_changes("commander", after=start)
        if c["entity"] == "device_command"
    )
    not_after = datetime.fromisoformat(stored["not_after"])
    expected = datetime.now(UTC) + timedelta(minutes=10)
    assert abs((not_after - expected).total_seconds()) < 10

    broken = api.mutation(
        new_id("ws"),
        "device.command",
        {
            "device_ids": ids[:1],
            "payload": {"type": "set_level", "percent": 10},
            "not_after": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
        },
    )
    broken["client_now"] = (datetime.now(UTC) + timedelta(days=3, minutes=-5)).isoformat()
    result = api.push("operator", broken).json()["results"][0]
    assert result["rejection"]["code"] == "clock_skew"


def test_rest_city_wide_off_without_typed_confirmation_is_422_and_audited(
    api: Api, live_server: LiveServer
) -> None:
    """The REST twin judges the same way: the server counts its own fleet (a caller cannot
    make "all off" routine by sending a small ``confirmed_count``)."""
    half = ALL_CIRCUITS[: (len(ALL_CIRCUITS) + 1) // 2]
    gid = new_id("RT")
    body = {
        "device_ids": half,
        "payload": {"type": "set_level", "percent": 0},
        "not_after": soon(),
        "client_now": datetime.now(UTC).isoformat(),
        "group_command_id": gid,
        "confirmed_count": len(half),
    }
    r = api.http.post("/api/v1/devices/commands", json=body, headers=api.headers("operator"))
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "typed_confirmation_required"
    assert "输入确认" in r.json()["message"]
    rows = audit_rows(live_server, actor="operator", action="device.command", decision="rejected")
    assert any(
        gid in (row.target or "") and row.detail["code"] == "typed_confirmation_required"
        for row in rows
    )
    # Only a JSON true is a typed confirmation (not "true", not 1).
    for loose in ("true", 1):
        r = api.http.post(
            "/api/v1/devices/commands",
            json=body | {"typed_confirmation": loose},
            headers=api.headers("operator"),
        )
        assert r.status_code == 422, r.text
    typed = body | {"typed_confirmation": True}
    r = api.http.post("/api/v1/devices/commands", json=typed, headers=api.headers("operator"))
    assert r.status_code == 201, r.text
    assert len(r.json()["command_ids"]) == len(half)


def test_confirmed_count_that_differs_from_the_targets_is_rejected(
    api: Api, live_server: LiveServer
) -> None:
    _, ids = screens(6)
    gid = new_id("G")
    result = command(
        api,
        "operator",
        ids,
        {"type": "set_power", "on": True},
        group_command_id=gid,
        confirmed_count=len(ids) + 1,
    )
    assert result["status"] == "rejected"
    assert result["rejection"]["code"] == "confirmed_count_mismatch"
    assert f"确认框显示的是 {len(ids) + 1} 台设备" in result["rejection"]["message"]
    r = api.http.get(f"/api/v1/devices/commands/{gid}", headers=api.headers("operator"))
    assert r.status_code == 404
    rows = audit_rows(live_server, actor="operator", decision="rejected")
    assert any(gid in (row.target or "") for row in rows)


def test_a_replayed_push_does_not_duplicate_commands(api: Api, gw: Gateway) -> None:
    _, ids = screens(7)
    gid = new_id("G")
    args = {
        "device_ids": ids,
        "payload": {"type": "set_power", "on": True},
        "not_after": soon(),
        "group_command_id": gid,
    }
    client = new_id("ws")
    m = api.mutation(client, "device.command", args)
    start = newest(api)
    first = api.push("operator", m)
    again = api.push("operator", m)
    assert first.json()["results"] == again.json()["results"]
    assert first.json()["results"][0]["status"] == "applied"
    # The same group id in a new intent (e.g. an outbox rebuilt after a crash) is refused.
    twice = api.do("operator", client, "device.command", **args)
    assert twice["rejection"]["code"] == "group_command_exists"
    made = [c for c in api.all_changes("commander", after=start) if c["entity"] == "device_command"]
    assert sorted(c["entity_id"] for c in made) == sorted(f"{gid}:{d}" for d in ids)
    assert len(gw.poll(device_ids=ids)) == len(ids)


def test_acks_honour_idempotency_key(api: Api, gw: Gateway, live_server: LiveServer) -> None:
    _, ids = screens(8)
    result = command(api, "operator", ids[:2], {"type": "set_power", "on": False})
    sent = gw.poll(device_ids=ids[:2])
    acks = ok([c["command_id"] for c in sent])
    acks[1] = acks[1] | {"ok": False, "reason": "controller offline"}
    start = newest(api)
    key = new_id("K")
    first = gw.acks(acks, key=key)
    assert first.status_code == 200, first.text
    assert [x["outcome"] for x in first.json()["results"]] == ["acked", "failed"]
    middle = newest(api)
    again = gw.acks(acks, key=key)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert newest(api) == middle  # nothing done twice
    assert middle > start
    other = gw.acks(acks[:1], key=key)
    assert other.status_code == 422
    # Without a key, a repeated ack is recognised as a repeat.
    repeat = gw.acks(acks[:1])
    assert repeat.json()["results"][0]["outcome"] == "unchanged"
    view = progress(api, result["mutation_id"])
    assert (view["progress"]["acked"], view["progress"]["failed"]) == (1, 1)
    failed = next(c for c in view["commands"] if c["status"] == "failed")
    assert failed["reason"] == "controller offline"
    assert audit_rows(live_server, action="gateway.acks")


def test_acks_of_unknown_or_unsent_commands_are_reported_not_applied(api: Api, gw: Gateway) -> None:
    _, ids = screens(9)
    result = command(api, "operator", ids[:1], {"type": "set_level", "percent": 30})
    queued_id = f"{result['mutation_id']}:{ids[0]}"
    r = gw.acks(ok(["no-such-command", queued_id]))
    assert [x["outcome"] for x in r.json()["results"]] == ["unknown", "rejected"]
    assert progress(api, result["mutation_id"])["commands"][0]["status"] == "queued"


def test_status_reports_update_devices(api: Api, gw: Gateway) -> None:
    _, ids = screens(10)
    device = ids[0]
    start = newest(api)
    at = datetime.now(UTC)
    report = {
        "device_id": device,
        "at": at.isoformat(),
        "online": True,
        "power": True,
        "level": 55,
        "faults": ["module_failure"],
    }
    r = gw.status([report, {"device_id": "LED-none", "at": at.isoformat(), "online": True}])
    assert r.status_code == 200, r.text
    assert [x["outcome"] for x in r.json()["results"]] == ["updated", "unknown"]
    later = report | {"at": (at + timedelta(seconds=5)).isoformat()}
    assert gw.status([later]).json()["results"][0]["outcome"] == "seen"
    older = report | {"at": (at - timedelta(minutes=1)).isoformat(), "level": 1}
    assert gw.status([older]).json()["results"][0]["outcome"] == "stale"
    partial = {"device_id": device, "at": (at + timedelta(seconds=6)).isoformat(), "online": False}
    assert gw.status([partial]).json()["results"][0]["outcome"] == "updated"
    docs = [
        c["payload"]
        for c in api.all_changes("commander", after=start)
        if c["entity"] == "device" and c["entity_id"] == device
    ]
    assert [(d["online"], d["level"], d["faults"]) for d in docs] == [
        (True, 55, ["module_failure"]),
        (False, 55, ["module_failure"]),  # what was not reported is kept
    ]


def test_gateway_needs_an_api_key(api: Api) -> None:
    assert api.http.get("/api/v1/gateway/commands").status_code == 401
    r = api.http.get("/api/v1/gateway/commands", headers={"X-Api-Key": "cok_wrong"})
    assert r.status_code == 401
    r = api.http.get(
        "/api/v1/gateway/commands", params={"group": "LEDG-none"}, headers=api.headers("operator")
    )
    assert r.status_code == 401


def test_late_ack_of_an_expired_command_is_kept_beside_its_status(
    api: Api, gw: Gateway, live_server: LiveServer
) -> None:
    _, ids = screens(11)
    result = command(
        api, "operator", ids[:1], {"type": "set_level", "percent": 70}, not_after=soon(1)
    )
    sent = gw.poll(device_ids=ids[:1])
    assert len(sent) == 1
    gateway.expire_commands(live_server.state, datetime.now(UTC) + timedelta(minutes=2))
    r = gw.acks(ok([sent[0]["command_id"]]))
    assert r.json()["results"][0]["outcome"] == "late"
    view = progress(api, result["mutation_id"])["commands"][0]
    assert (view["status"], view["late_feedback"]) == ("expired", "acked")


def test_takeover_and_restore_acks_set_and_clear_the_takeover(api: Api, gw: Gateway) -> None:
    _, ids = screens(12)
    device = ids[0]
    until = datetime.now(UTC) + timedelta(minutes=30)
    take = {
        "type": "take_over",
        "content_id": "flood-warning",
        "text": "暴雨预警",
        "until": until.isoformat(),
    }
    assert command(api, "operator", [device], take)["status"] == "applied"
    start = newest(api)
    gw.acks(ok([c["command_id"] for c in gw.poll(device_ids=device)]))
    assert command(api, "operator", [device], {"type": "restore"})["status"] == "applied"
    gw.acks(ok([c["command_id"] for c in gw.poll(device_ids=device)]))
    docs = [
        c["payload"]
        for c in api.all_changes("commander", after=start)
        if c["entity"] == "device" and c["entity_id"] == device
    ]
    assert [d["takeover_until"] is not None for d in docs] == [True, False]
    assert datetime.fromisoformat(docs[0]["takeover_until"]) == until


def test_a_gateway_for_the_whole_city_gets_commands_without_naming_devices(
    api: Api, gw: Gateway
) -> None:
    _, ids = screens(13)
    result = command(api, "operator", ids[:1], {"type": "set_power", "on": True})
    wanted = f"{result['mutation_id']}:{ids[0]}"
    got: list[str] = []
    for _ in range(10):  # other tests' queued commands may come first
        batch = gw.poll(limit=5000)
        got += [c["command_id"] for c in batch]
        if wanted in got or not batch:
            break
    assert wanted in got
    assert wanted not in [c["command_id"] for c in gw.poll(limit=5000)]


def test_batched_documents_equal_one_by_one_documents() -> None:
    """The template shortcut of ``command_docs``/``commands_from_docs`` must give exactly what
    building each document on its own gives, both ways."""
    now = datetime.now(UTC)
    targets = [(d, REF_KIND) for d in sorted(REF.devices.led_screens)[:5]]
    issued = dc.issue_group(
        group_command_id="G-doc",
        targets=targets,
        payload=dc.SetLevel(35),
        actor=Actor("op", frozenset({Role.OPERATOR})),
        server_now=now,
        not_after=now + timedelta(minutes=5),
        fleet={REF_KIND: len(REF.devices.led_screens)},
    )
    assert not isinstance(issued, Rejection)
    docs = hd.command_docs(issued)
    assert docs == [hd.command_doc(c) for c in issued]
    assert hd.commands_from_docs(docs) == list(issued)
