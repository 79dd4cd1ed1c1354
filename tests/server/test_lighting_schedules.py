"""Lighting schedules on the real server: ``schedule.set`` (who may, what is refused, the change
and the audit) and the scheduler run with a fake clock against the seeded devices."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from cityops.domain import group_schedules as gs
from cityops.domain.city import CITY_TZ
from cityops.domain.lighting_schedule import schedule_from_dict, schedule_to_dict
from cityops.domain.reference import load_reference
from cityops.server import lighting_schedules as ls
from cityops.server.models import AuditEntry, DeviceCommandRow, ServerValue
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


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CITY_TZ)


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
