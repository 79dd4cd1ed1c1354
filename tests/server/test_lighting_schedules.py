"""Lighting schedules on the real server: ``schedule.set`` (who may, what is refused, the change
and the audit) and the scheduler run with a fake clock against the seeded devices."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from astral import LocationInfo
from astral.sun import sun
from sqlalchemy import select

from cityops.domain import device_commands as dc
from cityops.domain import group_schedules as gs
from cityops.domain.actors import Actor, Role
from cityops.domain.city import CITY_TZ
from cityops.domain.devices import DeviceKind
from cityops.domain.lighting_schedule import schedule_from_dict, schedule_to_dict
from cityops.domain.outcomes import Rejection
from cityops.domain.reference import load_reference
from cityops.server import admin, gateway
from cityops.server import handlers_devices as hd
from cityops.server import lighting_schedules as ls
from cityops.server.db import make_engine
from cityops.server.models import AuditEntry, DeviceCommandRow, DeviceRow, ServerValue
from tests.server.conftest import Api, LiveServer

WESTLAKE = "LG-330106-westlake"  # a scenic group inside 西湖区's landscape group
LANDSCAPE = "LG-330106-landscape"
NIGHT: dict[str, Any] = {
    "periods": [
        {"on": "sunset+15", "off": "sunrise-45", "level": 100},
        {"on": "23:00", "off": "05:00", "level": 50},
    ],
    "seasons": [],
}


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=CITY_TZ)


def newest(api: Api) -> int:
    return int(api.changes("operator", after=0, limit=1)["last_seq"])


def audit_rows(live_server: LiveServer, **where: Any) -> list[AuditEntry]:
    with live_server.state.gate.read() as session:
        return list(session.scalars(select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)))


def test_schedule_round_trips_through_its_dict_form() -> None:
    schedule = schedule_from_dict(gs.DEFAULT_CITY_SCHEDULE)
    assert schedule_to_dict(schedule) == gs.DEFAULT_CITY_SCHEDULE
    assert schedule_from_dict(schedule_to_dict(schedule)) == schedule


def test_seed_stores_the_city_default(live_server: LiveServer, api: Api) -> None:
    found = [
        c
        for c in api.all_changes("operator")
        if c["entity"] == "lighting_schedule" and c["entity_id"] == "*"
    ]
    assert found, "the seed's default city schedule is in the changes log"
    assert found[0]["payload"]["schedule"] == gs.DEFAULT_CITY_SCHEDULE
    assert found[0]["payload"]["set_by"] == "system:seed"


def test_operator_sets_a_group_schedule_and_every_client_gets_it(
    live_server: LiveServer, api: Api
) -> None:
    start = newest(api)
    result = api.do("operator", "ws-op", "schedule.set", group=WESTLAKE, schedule=NIGHT)
    assert result["status"] == "applied", result
    change = next(
        c
        for c in api.all_changes("commander", after=start)
        if c["entity"] == "lighting_schedule" and c["entity_id"] == WESTLAKE
    )
    assert change["version"] == 1
    assert change["payload"]["schedule"] == NIGHT
    assert change["payload"]["set_by"] == "operator"
    rows = audit_rows(live_server, action="schedule.set", target=f"lighting schedule {WESTLAKE}")
    assert [r.decision for r in rows][-1] == "applied"

    # A second edit made from version 1 is version 2; one made from a stale version is refused.
    edited = {**NIGHT, "periods": NIGHT["periods"][:1]}
    push = api.push(
        "operator",
        api.mutation(
            "ws-op", "schedule.set", {"group": WESTLAKE, "schedule": edited}, base_version=1
        ),
    )
    assert push.json()["results"][0]["status"] == "applied"
    stale = api.push(
        "operator",
        api.mutation(
            "ws-op", "schedule.set", {"group": WESTLAKE, "schedule": NIGHT}, base_version=1
        ),
    ).json()["results"][0]
    assert stale["status"] == "rejected"
    assert stale["rejection"]["code"] == "stale_schedule"
    assert "operator" in stale["rejection"]["message"]
    assert "版本 2" in stale["rejection"]["message"]


def test_refusals_have_reasons(live_server: LiveServer, api: Api) -> None:
    denied = api.do("dispatcher", "ws-disp", "schedule.set", group="*", schedule=NIGHT)
    assert denied["status"] == "rejected"
    assert denied["rejection"]["code"] == "forbidden"
    assert "设备操作员" in denied["rejection"]["message"]
    rows = audit_rows(live_server, actor="dispatcher", action="schedule.set")
    assert rows
    assert rows[-1].decision == "rejected"

    cases = [
        ({"group": "LG-nowhere", "schedule": NIGHT}, "unknown_group", "LG-nowhere"),
        ({"group": "*", "schedule": None}, "default_required", "不能删除"),
        (
            {
                "group": WESTLAKE,
                "schedule": {"periods": [{"on": "sunset", "off": "6:00", "levle": 50}]},
            },
            "invalid_schedule",
            "levle",
        ),
        (
            {"group": WESTLAKE, "schedule": {"periods": [{"on": "sunset+900", "off": "06:00"}]}},
            "invalid_schedule",
            "sunset+900",
        ),
    ]
    for args, code, words in cases:
        result = api.do("operator", "ws-op2", "schedule.set", **args)
        assert result["status"] == "rejected", args
        assert result["rejection"]["code"] == code
        assert words in result["rejection"]["message"]


def _commands(live_server: LiveServer, group_command_id: str) -> list[DeviceCommandRow]:
    with live_server.state.gate.read() as session:
        return list(
            session.scalars(
                select(DeviceCommandRow).where(
                    DeviceCommandRow.group_command_id == group_command_id
                )
            )
        )


def _payload_of(live_server: LiveServer, group_command_id: str) -> tuple[dict[str, Any], int]:
    rows = _commands(live_server, group_command_id)
    payloads = {tuple(sorted(r.doc["payload"].items())) for r in rows}
    assert len(payloads) == 1
    assert {r.doc["issued_by"] for r in rows} == {"system:scheduler"}
    return dict(next(iter(payloads))), len(rows)


def test_scheduler_switches_on_dims_and_off_once_each_and_follows_a_change(
    live_server: LiveServer, api: Api
) -> None:
    state = live_server.state
    result = api.do("operator", "ws-sched", "schedule.set", group=WESTLAKE, schedule=NIGHT)
    assert result["status"] == "applied"
    westlake = load_reference().devices.lighting_groups[WESTLAKE].circuits
    day = date(2026, 12, 1)

    def round_at(when: datetime) -> dict[str, ls.Commanded]:
        return {c.group: c for c in ls.run_scheduler(state, when)}

    evening = round_at(at(day, 18))
    lit = evening[WESTLAKE]
    assert (lit.state.power, lit.state.level, lit.devices) == (True, 100, len(westlake))
    power_on, level = lit.group_command_ids
    assert _payload_of(live_server, power_on) == ({"type": "set_power", "on": True}, len(westlake))
    assert _payload_of(live_server, level) == ({"type": "set_level", "percent": 100}, len(westlake))
    # Its commands expire if no gateway takes them within the scheduler's TTL.
    first = _commands(live_server, power_on)[0]
    assert datetime.fromisoformat(first.doc["not_after"]) == at(day, 18, 10)
    # The landscape group switches its other circuits by the city default, never West Lake's.
    assert evening[LANDSCAPE].devices + len(westlake) == len(
        load_reference().devices.lighting_groups[LANDSCAPE].circuits
    )
    assert evening[LANDSCAPE].state.power is True

    assert round_at(at(day, 18, 1)) == {}, "nothing changed: nothing is sent again"
    assert round_at(at(day, 22, 59)) == {}

    dimmed = round_at(at(day, 23, 30))[WESTLAKE]
    assert (dimmed.state.power, dimmed.state.level) == (True, 50)
    assert _payload_of(live_server, dimmed.group_command_ids[1])[0] == {
        "type": "set_level",
        "percent": 50,
    }
    # The evening's level command had not reached a gateway: the newer one superseded it.
    assert {r.status for r in _commands(live_server, level)} == {"superseded"}

    morning = round_at(at(day + timedelta(days=1), 6))[WESTLAKE]
    assert (morning.state.power, len(morning.group_command_ids)) == (False, 1)
    assert _payload_of(live_server, morning.group_command_ids[0])[0] == {
        "type": "set_power",
        "on": False,
    }
    assert WESTLAKE not in round_at(at(day + timedelta(days=1), 6, 1))

    # What was last commanded is in the database (a restarted server reads it, sends nothing).
    with state.gate.read() as session:
        last = session.get(ServerValue, ls.LAST_NAME)
        assert last is not None
        assert last.value[WESTLAKE]["power"] is False

    # A schedule change takes effect at the next round.
    early = {"periods": [{"on": "05:30", "off": "sunrise+30", "level": 60}], "seasons": []}
    assert (
        api.do("operator", "ws-sched", "schedule.set", group=WESTLAKE, schedule=early)["status"]
        == "applied"
    )
    changed = round_at(at(day + timedelta(days=1), 6, 2))
    assert (changed[WESTLAKE].state.power, changed[WESTLAKE].state.level) == (True, 60)
    assert set(changed) == {WESTLAKE}, "other groups' schedules did not change"

    # Back to the city default: West Lake's circuits go back to the landscape group, which
    # commands them (its set of circuits changed), at the default's state.
    assert (
        api.do("operator", "ws-sched", "schedule.set", group=WESTLAKE, schedule=None)["status"]
        == "applied"
    )
    back = round_at(at(day + timedelta(days=1), 6, 3))
    assert WESTLAKE not in back
    assert back[LANDSCAPE].devices == len(
        load_reference().devices.lighting_groups[LANDSCAPE].circuits
    )

    runs = audit_rows(live_server, actor="system:scheduler", action="schedule.run")
    assert any(r.target == f"lighting group {WESTLAKE}" for r in runs)


# ---------------------------------------------------------------------- misses and retries

QIANJIANG = "LG-330102-qianjiang"  # 6 circuits: no other test here gives it a schedule
XIANGHU = "LG-330109-xianghu"
QIANDAOHU = "LG-330127-qiandaohu"
CANAL = "LG-330105-canal"  # 20 circuits: no other test here gives it a schedule
ALL_NIGHT: dict[str, Any] = {
    "periods": [{"on": "sunset+15", "off": "sunrise-10", "level": 100}],
    "seasons": [],
}


class Gateway:
    """The device gateway's side of the REST API, for feeding back acks and failures."""

    def __init__(self, api: Api, db_url: str) -> None:
        engine = make_engine(db_url)
        self.headers = {"X-Api-Key": admin.new_api_key(engine, f"gw-{uuid.uuid4().hex[:6]}")}
        engine.dispose()
        self.http = api.http

    def answer(self, device_ids: list[str], ok: bool | None = None) -> list[str]:
        """Poll what is queued for ``device_ids`` and answer each: ``ok`` True/False, or None
        for "the first device acks, the rest fail". Returns the command ids polled."""
        r = self.http.get(
            "/api/v1/gateway/commands",
            params={"device_ids": ",".join(device_ids), "limit": 5000},
            headers=self.headers,
        )
        assert r.status_code == 200, r.text
        ids = [c["command_id"] for c in r.json()["commands"]]
        now = datetime.now(UTC).isoformat()
        first = sorted(device_ids)[0]
        acks = []
        for c in r.json()["commands"]:
            good = ok if ok is not None else c["device_id"] == first
            ack: dict[str, Any] = {"command_id": c["command_id"], "ok": good, "at": now}
            if not good:
                ack["reason"] = "设备离线，指令未送达"
            acks.append(ack)
        if acks:
            r = self.http.post("/api/v1/gateway/acks", json={"acks": acks}, headers=self.headers)
            assert r.status_code == 200, r.text
        return ids


def _statuses(live_server: LiveServer, group_command_id: str) -> set[str]:
    return {r.status for r in _commands(live_server, group_command_id)}


def test_a_scheduled_command_that_reached_no_device_is_sent_again_at_most_every_ten_minutes(
    live_server: LiveServer, api: Api
) -> None:
    """An "on at sunset" that expired (gateway down) or failed everywhere is commanded again;
    where one device acked, the others again; one a person superseded is not; never more than
    every ``RETRY_AFTER``."""
    state = live_server.state
    gw = Gateway(api, live_server.db_url)
    circuits = sorted(load_reference().devices.lighting_groups[QIANJIANG].circuits)
    result = api.do("operator", "ws-retry", "schedule.set", group=QIANJIANG, schedule=NIGHT)
    assert result["status"] == "applied"
    day = date(2026, 12, 3)

    def round_at(when: datetime) -> ls.Commanded | None:
        return {c.group: c for c in ls.run_scheduler(state, when)}.get(QIANJIANG)

    lit = round_at(at(day, 18))
    assert lit is not None
    assert not lit.retry
    power, level = lit.group_command_ids
    assert round_at(at(day, 18, 9)) is None

    # The gateway was down: both expire unsent. Within ten minutes of the first send: wait.
    gateway.expire_commands(state, at(day, 18, 10))
    assert _statuses(live_server, power) == _statuses(live_server, level) == {"expired"}
    assert round_at(at(day, 18, 9, 30)) is None, "not before RETRY_AFTER"
    again = round_at(at(day, 18, 10))
    assert again is not None
    assert again.retry
    assert (again.state.power, again.state.level) == (True, 100)
    assert len(again.group_command_ids) == 2
    assert not {power, level} & set(again.group_command_ids)
    power, level = again.group_command_ids
    assert _payload_of(live_server, power) == ({"type": "set_power", "on": True}, len(circuits))
    assert round_at(at(day, 18, 11)) is None, "the new ones are still on their way"
    runs = audit_rows(live_server, action="schedule.run", target=f"lighting group {QIANJIANG}")
    assert runs[-1].detail["retry"] is True

    # Every device fails both: sent again, but only ten minutes after the last send.
    assert sorted(gw.answer(circuits, ok=False)) == sorted(
        f"{g}:{c}" for g in (power, level) for c in circuits
    )
    assert _statuses(live_server, power) == {"failed"}
    assert round_at(at(day, 18, 15)) is None
    third = round_at(at(day, 18, 20))
    assert third is not None
    assert third.retry
    power, level = third.group_command_ids

    # One device acks both, the others fail: the others (only they) are sent both again, ten
    # minutes after the last send; once they ack, nothing is repeated.
    gw.answer(circuits, ok=None)
    assert _statuses(live_server, power) == {"acked", "failed"}
    assert round_at(at(day, 18, 29)) is None
    fourth = round_at(at(day, 18, 30))
    assert fourth is not None
    assert fourth.retry
    assert fourth.devices == len(circuits) - 1
    assert _payload_of(live_server, fourth.group_command_ids[0]) == (
        {"type": "set_power", "on": True},
        len(circuits) - 1,
    )
    assert circuits[0] not in {
        r.device_id for r in _commands(live_server, fourth.group_command_ids[0])
    }
    gw.answer(circuits, ok=True)
    gateway.expire_commands(state, at(day, 18, 41))
    assert round_at(at(day, 18, 45)) is None
    assert round_at(at(day, 22, 59)) is None

    # 23:00 dims to 50 %; a person sets the level by hand before the gateway took it, and the
    # power command expires: only the power command is sent again, the person's level stays.
    dim = round_at(at(day, 23))
    assert dim is not None
    power, level = dim.group_command_ids
    # (Issued in-process at the fake clock's 23:05: a push would stamp the real now, which is
    # before the fake evening, and a command never supersedes a newer one.)
    by_hand = dc.issue_group(
        group_command_id=f"hand-{uuid.uuid4().hex[:8]}",
        targets=[(c, DeviceKind.LIGHT_CIRCUIT) for c in circuits],
        payload=dc.SetLevel(80),
        actor=Actor("operator", frozenset({Role.OPERATOR})),
        server_now=at(day, 23, 5),
        not_after=at(day, 23, 15),
        fleet={},
    )
    assert not isinstance(by_hand, Rejection)
    with state.gate.write() as session:
        hd.write_issued(session, by_hand[0].group_command_id or "", by_hand, at(day, 23, 5))
    assert _statuses(live_server, level) == {"superseded"}
    gateway.expire_commands(state, at(day, 23, 10))
    assert _statuses(live_server, power) == {"expired"}
    resent = round_at(at(day, 23, 10))
    assert resent is not None
    assert resent.retry
    (only,) = resent.group_command_ids
    assert _payload_of(live_server, only) == ({"type": "set_power", "on": True}, len(circuits))


def test_power_and_level_are_stored_together_or_not_at_all(
    live_server: LiveServer, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused level command must not leave the power command stored (and, with nothing
    recorded as done, stored again every round)."""
    state = live_server.state
    circuits = set(load_reference().devices.lighting_groups[XIANGHU].circuits)
    result = api.do("operator", "ws-pair", "schedule.set", group=XIANGHU, schedule=NIGHT)
    assert result["status"] == "applied"
    real = dc.issue_group

    def refuse_xianghu_levels(**kw: Any) -> Any:
        if isinstance(kw["payload"], dc.SetLevel) and {d for d, _ in kw["targets"]} == circuits:
            return Rejection("test_refused", "测试拒绝", "refused by the test")
        return real(**kw)

    def scheduled_power_rows() -> int:
        with state.gate.read() as session:
            rows = session.scalars(
                select(DeviceCommandRow).where(DeviceCommandRow.device_id.in_(circuits))
            )
            return sum(
                r.doc["issued_by"] == "system:scheduler" and r.doc["payload"]["type"] == "set_power"
                for r in rows
            )

    before = scheduled_power_rows()
    monkeypatch.setattr(dc, "issue_group", refuse_xianghu_levels)
    day = date(2026, 12, 5)
    for minute in (0, 1, 2):
        assert XIANGHU not in {c.group for c in ls.run_scheduler(state, at(day, 18, minute))}
    assert scheduled_power_rows() == before, "a half-issued pair was stored"
    monkeypatch.setattr(dc, "issue_group", real)
    done = {c.group: c for c in ls.run_scheduler(state, at(day, 18, 3))}
    assert len(done[XIANGHU].group_command_ids) == 2
    assert scheduled_power_rows() == before + len(circuits)


def test_devices_a_scheduled_command_missed_are_sent_it_again_the_others_left_alone(
    live_server: LiveServer, api: Api
) -> None:
    """Some lamps ack "on at sunset", the rest miss it (expired): only those are commanded
    again, as a new group command (audited as a retry), except a lamp a person switched since
    on the same channel (the person's level channel leaves the scheduler's level to it only);
    not again within ``RETRY_AFTER``."""
    state = live_server.state
    gw = Gateway(api, live_server.db_url)
    circuits = sorted(load_reference().devices.lighting_groups[CANAL].circuits)
    assert len(circuits) >= 10
    result = api.do("operator", "ws-partial", "schedule.set", group=CANAL, schedule=NIGHT)
    assert result["status"] == "applied"
    day = date(2026, 12, 7)

    def round_at(when: datetime) -> ls.Commanded | None:
        return {c.group: c for c in ls.run_scheduler(state, when)}.get(CANAL)

    lit = round_at(at(day, 18))
    assert lit is not None
    assert not lit.retry
    power, level = lit.group_command_ids
    acked, missed = circuits[:6], circuits[6:]
    gw.answer(acked, ok=True)  # the gateway reached these, then went down
    gateway.expire_commands(state, at(day, 18, 10))
    assert _statuses(live_server, power) == {"acked", "expired"}
    # A person switches one missed lamp off by hand, another one's level: after the miss.
    off_by_hand, level_by_hand = missed[0], missed[1]
    with state.gate.write() as session:
        for device_id, payload in (
            (off_by_hand, dc.SetPower(False)),
            (level_by_hand, dc.SetLevel(30)),
        ):
            device = session.get(DeviceRow, device_id)
            assert device is not None
            by_hand = dc.issue_group(
                group_command_id=f"hand-{uuid.uuid4().hex[:8]}",
                targets=[(device_id, DeviceKind(device.kind))],
                payload=payload,
                actor=Actor("operator", frozenset({Role.OPERATOR})),
                server_now=at(day, 18, 10, 30),
                not_after=at(day, 18, 20),
                fleet=hd.fleet(session),
            )
            assert not isinstance(by_hand, Rejection)
            hd.write_issued(
                session, by_hand[0].group_command_id or "", by_hand, at(day, 18, 10, 30)
            )

    again = round_at(at(day, 18, 11))
    assert again is not None
    assert again.retry
    assert (again.state.power, again.state.level) == (True, 100)
    assert again.devices == len(missed)
    new_power, new_level = again.group_command_ids
    assert not {power, level} & {new_power, new_level}
    assert _payload_of(live_server, new_power)[0] == {"type": "set_power", "on": True}
    assert _payload_of(live_server, new_level)[0] == {"type": "set_level", "percent": 100}
    # Power again to the missed lamps but the one switched off by hand; level again to the
    # missed lamps but the one whose level a person set. The acked lamps get nothing.
    assert sorted(r.device_id for r in _commands(live_server, new_power)) == sorted(
        set(missed) - {off_by_hand}
    )
    assert sorted(r.device_id for r in _commands(live_server, new_level)) == sorted(
        set(missed) - {level_by_hand}
    )
    runs = audit_rows(live_server, action="schedule.run", target=f"lighting group {CANAL}")
    assert runs[-1].detail["retry"] is True
    assert runs[-1].detail["group_command_ids"] == [new_power, new_level]
    assert runs[-1].detail["devices"] == len(missed)

    # They fail again at once: not again before ten minutes after the retry.
    gw.answer(missed, ok=False)
    assert _statuses(live_server, new_power) == {"failed"}
    assert round_at(at(day, 18, 15)) is None
    assert round_at(at(day, 18, 20, 59)) is None
    third = round_at(at(day, 18, 21))
    assert third is not None
    assert third.retry
    assert sorted(
        r.device_id for r in _commands(live_server, third.group_command_ids[0])
    ) == sorted(set(missed) - {off_by_hand})


# ---------------------------------------------------------------------- astral at the boundary

HANGZHOU = LocationInfo("Hangzhou", "China", "Asia/Shanghai", 30.2741, 120.1551)


def _sun(day: date, event: str) -> datetime:
    moment: datetime = sun(HANGZHOU.observer, day, tzinfo=CITY_TZ)[event]
    return moment


@pytest.mark.parametrize("day", [date(2026, 6, 21), date(2026, 12, 21)], ids=["summer", "winter"])
def test_the_scheduler_switches_exactly_at_sunset_plus_15_and_sunrise_minus_10(
    live_server: LiveServer, api: Api, day: date
) -> None:
    """Computed with astral in the test (Hangzhou, independent of the domain's constants):
    a minute before sunset+15 the lights are off, a minute after on; a minute before the next
    morning's sunrise-10 still on, a minute after off."""
    state = live_server.state
    result = api.do(
        "operator", f"ws-astral-{day:%m}", "schedule.set", group=QIANDAOHU, schedule=ALL_NIGHT
    )
    assert result["status"] == "applied"
    on = _sun(day, "sunset") + timedelta(minutes=15)
    off = _sun(day + timedelta(days=1), "sunrise") - timedelta(minutes=10)
    minute = timedelta(minutes=1)

    def state_at(when: datetime) -> tuple[bool, int] | None:
        done = {c.group: c for c in ls.run_scheduler(state, when)}.get(QIANDAOHU)
        return None if done is None else (done.state.power, done.state.level)

    first = state_at(on - minute)
    assert first in (None, (False, 0)), "before sunset+15 the lights are (or stay) off"
    assert state_at(on + minute) == (True, 100)
    assert state_at(off - minute) is None, "still on before sunrise-10"
    assert state_at(off + minute) == (False, 0)
    # The switching times really are the season's: summer evenings are late, winter's early.
    assert (on.hour, on.minute) > (19, 0) if day.month == 6 else (on.hour, on.minute) < (17, 30)
