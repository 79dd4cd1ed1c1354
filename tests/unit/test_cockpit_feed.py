"""What the video-wall cockpit reads from the local store (Qt-free): today's KPIs in the city's
day (Asia/Shanghai, not UTC), the series' buckets around local midnight, the ticker's order and
texts, the weigh-in-motion rows, the device fleet; and the schema v3 upgrade its indexes need.

The store is made by hand around ``NOW`` = 2026-11-26 09:30 in Hangzhou (01:30 UTC): the city's
day began at 2026-11-25 16:00 UTC, eight hours before the UTC day, and every figure below has
something in those eight hours, so a UTC day boundary fails them.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from cityops.desktop.cockpit_feed import Frame, forget_verdicts, read_snapshot
from cityops.domain.city import CITY_TZ
from cityops.domain.reference import load_reference
from cityops.domain.schemas import AlarmDoc, CaseDoc, DeviceCommandDoc, DeviceDoc, Entity
from cityops.local_store import tables
from cityops.local_store.store import LocalStore
from cityops.widgets.cockpit_model import CockpitSnapshot, DeviceStatus, TickerItem

REF = load_reference()
NOW = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)  # 09:30 in Hangzhou
EMERGENCY = "1101"  # 供水管道爆裂: wall clocks from the report, resolve within 1 h


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def upserts(entity: Entity, docs: list[dict[str, Any]], first_seq: int) -> list[dict[str, Any]]:
    return [
        {
            "seq": first_seq + i,
            "entity": entity.value,
            "entity_id": doc.get("id") or f"minute:{doc['minute']}",
            "version": int(doc.get("version") or 1),
            "op": "upsert",
            "payload": doc,
        }
        for i, doc in enumerate(docs)
    ]


# ------------------------------------------------------------------ the hand-made city


def case(
    case_id: str,
    reported: str,
    *,
    closed: str | None = None,
    handled_after: timedelta = timedelta(minutes=50),
    state: str | None = None,
    district: str = "330102",
    description: str = "湖滨路供水管道爆裂，路面大量积水漫延",
) -> dict[str, Any]:
    """An emergency case (clocks from the report: receive 1 min, respond 10 min, arrive 30 min,
    resolve 1 h). Closed at ``closed``: handled ``handled_after`` the report (over 1 h: late)."""
    at = utc(reported)
    doc: dict[str, Any] = {
        "id": case_id,
        "state": state or ("closed" if closed else "reported"),
        "source": "patrol",
        "description": description,
        "reported_at": iso(at),
        "reported_by": "col-7",
        "district_code": district,
        "street_code": f"{district}001",
        "subcategory_code": EMERGENCY,
        "version": 1,
    }
    if closed is not None and doc["state"] == "closed":
        doc.update(
            verified_at=iso(at + timedelta(seconds=10)),
            filed_at=iso(at + timedelta(seconds=20)),
            first_dispatched_at=iso(at + timedelta(seconds=25)),
            dispatched_at=iso(at + timedelta(seconds=25)),
            accepted_at=iso(at + timedelta(seconds=40)),
            responded_at=iso(at + timedelta(minutes=5)),
            arrived_at=iso(at + timedelta(minutes=20)),
            handled_at=iso(at + handled_after),
            checked_at=iso(utc(closed) - timedelta(minutes=1)),
            closed_at=iso(utc(closed)),
            assigned_unit="D-330102-water",
            ended_by="disp-1",
            version=9,
        )
    elif closed is not None:  # invalid / duplicate: ended, not handled
        doc.update(closed_at=iso(utc(closed)), ended_by="disp-1", version=2)
    return CaseDoc.model_validate(doc).model_dump(mode="json")


CASES = [
    # Yesterday evening in Hangzhou (23:50): not today, the 15:00 UTC hour.
    case("R1", "2026-11-25T15:50:00"),
    # Ten minutes into the city's day (00:10 local, still "yesterday" in UTC); closed on time.
    case("R2", "2026-11-25T16:10:00", closed="2026-11-25T17:05:00"),
    # 04:00 local; handled 2.5 h after the report: closed late.
    case(
        "R3",
        "2026-11-25T20:00:00",
        closed="2026-11-25T23:00:00",
        handled_after=timedelta(hours=2, minutes=30),
    ),  # fmt: skip
    # Reported and closed (on time) yesterday in Hangzhou, inside the 24-hour window.
    case(
        "R4",
        "2026-11-25T14:40:00",
        closed="2026-11-25T15:30:00",
        handled_after=timedelta(minutes=40),
    ),  # fmt: skip
    # 08:00 local, closed on time 08:55 local.
    case(
        "R5",
        "2026-11-26T00:00:00",
        closed="2026-11-26T00:55:00",
        district="330106",
        description="西湖区文三路供水管道爆裂",
    ),  # fmt: skip
    # 09:00 local, ended as invalid: reported today, not closed.
    case("R6", "2026-11-26T01:00:00", closed="2026-11-26T01:10:00", state="invalid"),
    # Reported two days ago, handled a day later: closed today (01:30 local), late.
    case(
        "R7", "2026-11-24T10:00:00", closed="2026-11-25T17:30:00", handled_after=timedelta(hours=31)
    ),  # fmt: skip
]


def alarm(
    alarm_id: str,
    kind: str,
    severity: str,
    state: str,
    first: str,
    *,
    last: str | None = None,
    cleared: str | None = None,
    device: str = "WL-330102-007",
    district: str | None = "330102",
    value: float = 45.0,
    threshold: float = 40.0,
    occurrences: int = 1,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": alarm_id,
        "device_id": device,
        "kind": kind,
        "severity": severity,
        "peak_severity": severity,
        "state": state,
        "first_raised_at": iso(utc(first)),
        "last_raised_at": iso(utc(last or first)),
        "value": value,
        "threshold": threshold,
        "occurrences": occurrences,
        "cleared_at": iso(utc(cleared)) if cleared else None,
        "district_code": district,
        "version": 2,
    }
    if state == "shelved":
        doc.update(
            underlying_state="active_unack",
            shelved_by="disp-1",
            shelved_until=iso(NOW + timedelta(hours=2)),
            shelve_reason="施工",
        )
    return AlarmDoc.model_validate(doc).model_dump(mode="json")


ALARMS = [
    alarm(
        "A1",
        "waterlogging",
        "critical",
        "active_unack",
        "2026-11-26T01:20:00",
        last="2026-11-26T01:25:00",
    ),  # fmt: skip
    alarm(
        "A2",
        "waterlogging",
        "major",
        "active_ack",
        "2026-11-26T00:50:00",
        device="WL-330106-002",
        district="330106",
        value=28.0,
        threshold=20.0,
    ),  # fmt: skip
    alarm(
        "A3",
        "gas_leak",
        "critical",
        "active_unack",
        "2026-11-26T01:10:00",
        device="GS-330105-001",
        district="330105",
        value=52.0,
        threshold=50.0,
    ),  # fmt: skip
    alarm(
        "A4",
        "gas_leak",
        "warning",
        "cleared",
        "2026-11-26T00:30:00",
        last="2026-11-26T00:40:00",
        cleared="2026-11-26T01:15:00",
        device="GS-330102-003",
        value=12.5,
        threshold=10.0,
    ),  # fmt: skip
    alarm(
        "A5",
        "manhole_cover",
        "minor",
        "shelved",
        "2026-11-26T01:05:00",
        device="MC-330102-011",
        value=15.0,
        threshold=10.0,
    ),  # fmt: skip
    # Raised days ago, cleared a moment ago (and not yet acknowledged).
    alarm(
        "A6",
        "waterlogging",
        "major",
        "cleared_unack",
        "2026-11-20T03:00:00",
        last="2026-11-26T01:00:00",
        cleared="2026-11-26T01:28:00",
        device="WL-330105-004",
        district="330105",
    ),  # fmt: skip
    # A screen that fell silent: the device table knows its name.
    alarm(
        "A7",
        "device_offline",
        "major",
        "active_unack",
        "2026-11-26T01:26:00",
        device="LED-0001",
        value=12.0,
        threshold=10.0,
    ),  # fmt: skip
    # Overweight vehicles (momentary: raised and cleared at once). W1 has counted 3 vehicles
    # since it was raised; the row shows the latest (52.3 t at 01:29).
    alarm(
        "W1",
        "bridge_overweight",
        "major",
        "cleared_unack",
        "2026-11-26T00:10:00",
        last="2026-11-26T01:29:00",
        cleared="2026-11-26T01:29:00",
        device="WIM-0101",
        district="330106",
        value=52.3,
        threshold=49.0,
        occurrences=3,
    ),  # fmt: skip
    # A critical vehicle: its threshold is the critical band's (63.7 t); the limit is 49 t.
    alarm(
        "W2",
        "bridge_overweight",
        "critical",
        "cleared",
        "2026-11-26T00:45:00",
        cleared="2026-11-26T00:45:00",
        device="WIM-0201",
        district="330102",
        value=70.0,
        threshold=63.7,
    ),  # fmt: skip
    alarm(
        "W3",
        "bridge_overweight",
        "major",
        "cleared",
        "2026-11-20T09:00:00",
        cleared="2026-11-20T09:00:00",
        device="WIM-0101",
        district="330106",
        value=50.1,
        threshold=49.0,
    ),  # fmt: skip
]


def metric(minute: str, values: dict[str, int]) -> dict[str, Any]:
    """A metric document as ``server.metrics`` emits it (its id: ``minute:<iso>``)."""
    return {
        "minute": utc(minute).isoformat(),
        "values": values,
        "active_alarms": {"waterlogging": {"critical": 1}},
        "active_alarms_total": 1,
    }


METRICS = [
    metric("2026-11-25T15:58:00", {"readings": 100}),
    metric("2026-11-25T15:59:00", {"readings": 200, "overweight_vehicles": 1}),
    # 16:00 (local midnight) counted nothing: the server skipped it.
    metric("2026-11-25T16:01:00", {"readings": 300, "overweight_vehicles": 3}),
    metric("2026-11-25T16:02:00", {"readings": 400, "readings.water_level_cm": 40}),
    metric("2026-11-26T01:20:00", {"readings": 50, "overweight_vehicles": 2}),
    metric("2026-11-26T01:27:00", {}),  # the latest finished minute, emitted though empty
]


def device(
    device_id: str,
    kind: str,
    name: str,
    *,
    online: bool = True,
    power: bool = True,
    faults: tuple[str, ...] = (),
) -> dict[str, Any]:
    return DeviceDoc(
        id=device_id,
        kind=kind,
        name_zh=name,
        district_code="330102",
        online=online,
        power=power,
        faults=faults,
    ).model_dump(mode="json")


DEVICES = [
    device("LED-0001", "led_screen", "湖滨商圈1号屏"),
    device("LED-0002", "led_screen", "湖滨商圈2号屏", online=False, power=False),
    device("LED-0003", "led_screen", "湖滨商圈3号屏", faults=("panel_fault",)),
    device("LC-330102-001", "light_cabinet", "湖滨1号控制柜"),
    device("LC-330102-001-C1", "light_circuit", "湖滨1号柜1回路"),
    device("LC-330102-001-C2", "light_circuit", "湖滨1号柜2回路", power=False),
    # Offline: counted as last reported (on), and not online.
    device("LC-330102-001-C3", "light_circuit", "湖滨1号柜3回路", online=False),
]


def command(
    command_id: str, device_id: str, kind: str, payload: dict[str, Any], issued: str,
    group: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    at = utc(issued)
    return DeviceCommandDoc(
        id=command_id,
        device_id=device_id,
        device_kind=kind,
        payload=payload,
        issued_by="op-1",
        issued_at=at,
        not_after=at + timedelta(hours=1),
        status="acked",
        status_at=at + timedelta(seconds=5),
        group_command_id=group,
        version=3,
    ).model_dump(mode="json")


COMMANDS = [
    command(
        "CMD-1",
        "LED-0001",
        "led_screen",
        {"type": "show_content", "content_id": "rain", "text": "雨天路滑"},
        "2026-11-26T01:12:00",
    ),  # fmt: skip
    *(
        command(
            f"CMD-G{n}",
            f"LC-330102-001-C{n}",
            "light_circuit",
            {"type": "set_power", "on": True},
            "2026-11-26T01:18:00",
            group="G-1",
        )  # fmt: skip
        for n in (1, 2, 3)
    ),
]


def fill(store: LocalStore, **extra: list[dict[str, Any]]) -> None:
    batches = {
        Entity.CASE: CASES,
        Entity.ALARM: ALARMS,
        Entity.METRIC: METRICS,
        Entity.DEVICE: DEVICES,
        Entity.DEVICE_COMMAND: COMMANDS,
    }
    for name, docs in extra.items():
        batches[Entity(name)] = [*batches.get(Entity(name), []), *docs]
    changes: list[dict[str, Any]] = []
    for entity, docs in batches.items():
        changes += upserts(entity, docs, len(changes) + 1)
    store.apply_changes(changes, cursor=len(changes))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    s = LocalStore.open(tmp_path / "cache.sqlite3")
    fill(s)
    forget_verdicts()
    yield s
    s.close()


@pytest.fixture
def snap(store: LocalStore) -> CockpitSnapshot:
    return read_snapshot(store, REF, NOW)


def nan(value: float) -> bool:
    return math.isnan(value)


# ------------------------------------------------------------------ the city's day


def test_the_day_is_the_citys_local_day() -> None:
    frame = Frame.at(NOW)
    assert frame.day_start == utc("2026-11-25T16:00:00")
    assert frame.day_end == utc("2026-11-26T16:00:00")
    assert frame.day_start.astimezone(CITY_TZ).hour == 0
    # A minute before local midnight, the day is still the 25th.
    before = Frame.at(utc("2026-11-25T15:59:00"))
    assert before.day_start == utc("2026-11-24T16:00:00")
    with pytest.raises(ValueError, match="timezone-aware"):
        Frame.at(datetime(2026, 11, 26, 9, 30))


def test_cases_reported_and_closed_today_count_from_local_midnight(snap: CockpitSnapshot) -> None:
    k = snap.kpis
    # R2 (00:10 local), R3, R5, R6; not R1 (23:50 local yesterday), R4, R7.
    assert k.cases_reported_today == 4
    # R2, R3, R5, R7; not R4 (23:30 local yesterday), not R6 (invalid is not closed).
    assert k.cases_closed_today == 4
    # R2 and R5 on time, R3 and R7 resolved after their 1 h limit.
    assert k.on_time_rate_today == pytest.approx(0.5)


def test_cases_per_hour_place_each_report_in_its_hour(snap: CockpitSnapshot) -> None:
    series = snap.cases_per_hour
    assert series.name == "cases_per_hour"
    assert series.step_s == 3600
    assert series.start == utc("2026-11-25T02:00:00")  # 10:00 local yesterday; now's hour last
    assert len(series.values) == 24
    expected = [0.0] * 24
    expected[12] = 1  # R4 14:40 UTC
    expected[13] = 1  # R1 15:50 UTC = 23:50 local: the last hour of yesterday
    expected[14] = 1  # R2 16:10 UTC = 00:10 local: the first hour of today
    expected[18] = 1  # R3
    expected[22] = 1  # R5
    expected[23] = 1  # R6, in now's hour
    assert list(series.values) == expected


def test_sla_compliance_per_hour_of_closing(snap: CockpitSnapshot) -> None:
    values = snap.sla_compliance.values
    assert snap.sla_compliance.start == utc("2026-11-25T02:00:00")
    assert values[13] == 100.0  # R4 closed 15:30 UTC on time
    assert values[15] == 50.0  # R2 on time (17:05), R7 late (17:30)
    assert values[21] == 0.0  # R3 late
    assert values[22] == 100.0  # R5
    assert all(nan(v) for i, v in enumerate(values) if i not in (13, 15, 21, 22))


def test_a_closed_cases_verdict_is_remembered_until_it_changes(store: LocalStore) -> None:
    read_snapshot(store, REF, NOW)
    # R2's document changes (a correction: it was handled 3 h after the report, closed at
    # 19:30): a new version, judged again.
    late = case("R2", "2026-11-25T16:10:00", closed="2026-11-25T19:30:00",
                handled_after=timedelta(hours=3))  # fmt: skip
    late["version"] = 10
    store.apply_changes(upserts(Entity.CASE, [late], 1000), cursor=1000)
    assert read_snapshot(store, REF, NOW).kpis.on_time_rate_today == pytest.approx(0.25)


# ------------------------------------------------------------------ alarms, metrics, devices


def test_active_alarms_by_kind_and_severity(snap: CockpitSnapshot) -> None:
    assert snap.kpis.active_alarms == {
        "gas_leak": {"critical": 1},
        "waterlogging": {"critical": 1, "major": 1},
        "device_offline": {"major": 1},
    }
    assert list(snap.kpis.active_alarms) == ["gas_leak", "waterlogging", "device_offline"]
    assert snap.kpis.active_alarms_total == 4  # shelved and cleared ones are not active


def test_readings_and_overweight_today_from_the_metric_minutes(snap: CockpitSnapshot) -> None:
    # Since 16:00 UTC (local midnight): 300 + 400 + 50; the minutes before are yesterday's.
    assert snap.kpis.readings_today == 750
    assert snap.kpis.overweight_today == 5


def test_readings_per_minute_zero_in_a_skipped_minute_nan_where_unknown(
    snap: CockpitSnapshot,
) -> None:
    series = snap.readings_per_minute
    assert series.name == "readings_per_minute"
    assert series.step_s == 60
    assert series.start == utc("2026-11-25T01:30:00")
    values = series.values
    assert len(values) == 1440

    def at(minute: str) -> float:
        return values[int((utc(minute) - series.start) / timedelta(minutes=1))]

    assert nan(at("2026-11-25T01:30:00"))  # before the first metric document: unknown
    assert nan(at("2026-11-25T15:57:00"))
    assert at("2026-11-25T15:58:00") == 100
    assert at("2026-11-25T15:59:00") == 200
    assert at("2026-11-25T16:00:00") == 0  # skipped by the server between two emitted ones
    assert at("2026-11-25T16:01:00") == 300
    assert at("2026-11-25T16:02:00") == 400
    assert at("2026-11-25T20:00:00") == 0
    assert at("2026-11-26T01:20:00") == 50
    assert at("2026-11-26T01:27:00") == 0  # emitted, counted nothing
    assert nan(at("2026-11-26T01:28:00"))  # after the latest document: not known yet
    assert nan(values[-1])  # 01:29, the last finished minute
    assert sum(1 for v in values if not nan(v)) == 1437 - 868 + 1  # 15:58 … 01:27


def test_minutes_before_the_window_known_when_older_documents_exist(tmp_path: Path) -> None:
    s = LocalStore.open(tmp_path / "cache.sqlite3")
    try:
        old = metric("2026-11-24T12:00:00", {"readings": 9})
        fill(s, metric=[old])
        values = read_snapshot(s, REF, NOW).readings_per_minute.values
        assert values[0] == 0  # the server was emitting before: 01:30 yesterday counted none
        assert values[868] == 100
    finally:
        s.close()


def test_device_fleet_and_the_screens_and_lights_tiles(snap: CockpitSnapshot) -> None:
    assert snap.devices == (
        DeviceStatus("led_screen", total=3, online=2, faulty=1, powered=2),
        DeviceStatus("light_cabinet", total=1, online=1, faulty=0, powered=1),
        DeviceStatus("light_circuit", total=3, online=2, faulty=0, powered=2),
    )
    k = snap.kpis
    assert (k.screens_online, k.screens_total) == (2, 3)
    assert (k.lights_on, k.lights_total) == (2, 3)  # no lamps in the store: circuits
    assert k.parking_free is None


def test_lights_count_lamps_when_the_store_has_lamps(tmp_path: Path) -> None:
    s = LocalStore.open(tmp_path / "cache.sqlite3")
    try:
        lamps = [device(f"LAMP-{n}", "lamp", f"路灯{n}", power=n != 1) for n in range(1, 5)]
        fill(s, device=lamps)
        k = read_snapshot(s, REF, NOW).kpis
        assert (k.lights_on, k.lights_total) == (3, 4)
    finally:
        s.close()


# ------------------------------------------------------------------ bridges and ticker


def test_wim_rows_are_the_newest_overweight_alarms_with_the_bridges_limit(
    snap: CockpitSnapshot,
) -> None:
    rows = [(r.device_id, r.bridge_name, r.weight_t, r.limit_t, r.at) for r in snap.wim]
    assert rows == [
        ("WIM-0101", "WIM-0101", 52.3, 49.0, utc("2026-11-26T01:29:00")),  # latest of its 3
        ("WIM-0201", "WIM-0201", 70.0, 49.0, utc("2026-11-26T00:45:00")),  # not 63.7
        ("WIM-0101", "WIM-0101", 50.1, 49.0, utc("2026-11-20T09:00:00")),  # six days old
    ]
    assert snap.wim[0].district_code == "330106"


def test_the_ticker_merges_every_source_newest_first(snap: CockpitSnapshot) -> None:
    ticker = snap.ticker
    assert [t.at for t in ticker] == sorted((t.at for t in ticker), reverse=True)
    assert ticker[:9] == (
        TickerItem(
            utc("2026-11-26T01:28:00"),
            "alarm_cleared",
            "拱墅区 城市内涝积水 告警恢复：WL-330105-004",
        ),  # fmt: skip
        TickerItem(
            utc("2026-11-26T01:26:00"),
            "alarm",
            "上城区 设备离线 重要告警：湖滨商圈1号屏 12 min",
            "major",
        ),  # fmt: skip
        TickerItem(
            utc("2026-11-26T01:20:00"),
            "alarm",
            "上城区 城市内涝积水 紧急告警：WL-330102-007 45 cm",
            "critical",
        ),  # fmt: skip
        TickerItem(utc("2026-11-26T01:18:00"), "command", "群控指令：照明回路×3 开启"),
        TickerItem(
            utc("2026-11-26T01:15:00"), "alarm_cleared", "上城区 燃气泄漏 告警恢复：GS-330102-003"
        ),  # fmt: skip
        TickerItem(
            utc("2026-11-26T01:12:00"), "command", "设备指令：湖滨商圈1号屏 发布内容「雨天路滑」"
        ),  # fmt: skip
        TickerItem(
            utc("2026-11-26T01:10:00"),
            "alarm",
            "拱墅区 燃气泄漏 紧急告警：GS-330105-001 52 %LEL",
            "critical",
        ),  # fmt: skip
        TickerItem(
            utc("2026-11-26T01:05:00"),
            "alarm",
            "上城区 井盖异动 次要告警：MC-330102-011 15 °",
            "minor",
        ),  # fmt: skip
        TickerItem(
            utc("2026-11-26T01:00:00"),
            "case",
            "新案件：湖滨路供水管道爆裂，路面大量积水漫延（上城区）",
        ),  # fmt: skip
    )
    texts = [t.text_zh for t in ticker]
    assert "案件办结：西湖区文三路供水管道爆裂（西湖区）" in texts
    # Closed ones only: R6 was ended as invalid.
    assert sum(t.kind == "case_closed" for t in ticker) == 5  # R2 R3 R4 R5 R7
    # Overweight alarms clear the moment they are raised: no "cleared" line for them.
    assert not any(t.kind == "alarm_cleared" and "桥梁超载" in t.text_zh for t in ticker)
    # Each raise once, at its first raise (A6 was raised days ago).
    raised = [t for t in ticker if t.kind == "alarm"]
    assert [t.at for t in raised if "WL-330105-004" in t.text_zh] == [utc("2026-11-20T03:00:00")]
    assert len(ticker) == 26  # everything in this small city, fewer than 30


def test_the_ticker_keeps_the_newest_thirty(tmp_path: Path) -> None:
    s = LocalStore.open(tmp_path / "cache.sqlite3")
    try:
        many = [
            case(f"N{n:02d}", iso(NOW - timedelta(minutes=n)).rstrip("Z"), description=f"新{n}")
            for n in range(1, 41)
        ]
        fill(s, case=many)
        ticker = read_snapshot(s, REF, NOW).ticker
        assert len(ticker) == 30
        assert ticker[0].at == utc("2026-11-26T01:29:00")
        assert ticker[0].text_zh == "新案件：新1（上城区）"
    finally:
        s.close()


def test_the_snapshot_is_stamped_and_has_no_board_yet(snap: CockpitSnapshot) -> None:
    assert snap.taken_at == NOW
    assert snap.board is None  # no ranking documents have a shape yet (issue 10)


# ------------------------------------------------------------------ speed and the schema


def test_no_query_walks_the_cases_or_alarms_without_an_index(store: LocalStore) -> None:
    """The feed must stay fast at 1,000,000 cases: every statement on ``cases`` goes through
    an index. (The alarms' last resort, all alarms when fewer than 30 were raised in a week,
    is allowed: such a table is small.)"""
    seen: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, params: Any, *_args: Any) -> None:
        seen.append((statement, params))

    event.listen(store.engine, "before_cursor_execute", note)
    try:
        read_snapshot(store, REF, NOW)
    finally:
        event.remove(store.engine, "before_cursor_execute", note)
    with sqlite3.connect(store.path) as conn:
        for statement, params in seen:
            if "FROM cases" not in statement and "FROM alarms WHERE state" not in statement:
                continue
            plan = conn.execute(f"EXPLAIN QUERY PLAN {statement}", params or ()).fetchall()
            for _id, _parent, _unused, detail in plan:
                if detail.startswith(("SCAN", "SEARCH")) and "INDEX" not in detail:
                    raise AssertionError(f"{detail!r} in {statement}")
    assert any("ix_cases_closed" in s or tables.CASE_CLOSED_AT in s for s, _p in seen)


def _v2_file(path: Path) -> None:
    """A cache as a v2 client left it: no v3 indexes, one closed case, one intent."""
    s = LocalStore.open(path)
    s.apply_changes(upserts(Entity.CASE, [CASES[1]], 1), cursor=1)
    s.submit("case.note", {"case_id": "R2", "text": "已回访"})
    s.close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP INDEX ix_cases_closed")
        conn.execute("DROP INDEX ix_alarms_cleared")
        conn.execute("PRAGMA user_version = 2")


def test_a_v2_cache_gets_the_v3_indexes_and_keeps_its_outbox(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    _v2_file(path)
    store = LocalStore.open(path)
    try:
        assert tables.SCHEMA_VERSION >= 3
        assert [p["name"] for p in store.pending()] == ["case.note"]
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA user_version").fetchone() == (tables.SCHEMA_VERSION,)
            indexes = {r[1] for r in conn.execute("PRAGMA index_list(cases)")}
            indexes |= {r[1] for r in conn.execute("PRAGMA index_list(alarms)")}
            plan = conn.execute(
                f"EXPLAIN QUERY PLAN SELECT id FROM cases WHERE {tables.CASE_CLOSED_AT} >= ?",
                ("2026-11-25",),
            ).fetchall()
        assert {"ix_cases_closed", "ix_alarms_cleared"} <= indexes
        assert "ix_cases_closed" in plan[0][3]
        forget_verdicts()
        assert read_snapshot(store, REF, NOW).kpis.cases_closed_today == 1
    finally:
        store.close()
