"""The case detail pane shows what a dispatcher needs about one case: the whole timeline with
who and when, every SLA clock counting down, the map, and nearby duplicates to merge."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6.QtWidgets")

from PySide6.QtWidgets import QLabel, QPushButton  # noqa: E402

from cityops.desktop.case_detail import (  # noqa: E402
    CaseDetailPanel,
    clocks_for,
    local_time,
)
from cityops.domain import cases as cs  # noqa: E402
from cityops.domain.actors import Actor, Role  # noqa: E402
from cityops.domain.city import CITY_CODE, CITY_TZ  # noqa: E402
from cityops.domain.geography import load_districts  # noqa: E402
from cityops.domain.reference import Reference, load_reference  # noqa: E402
from cityops.domain.schemas import case_document, case_event_document  # noqa: E402
from cityops.domain.sla import ClockKind, ClockStatus  # noqa: E402
from cityops.widgets.location_map import LocationMap  # noqa: E402

SHOTS = Path("screenshots/tests")
DISPATCHER = Actor("u-disp-07", frozenset({Role.DISPATCHER}), CITY_CODE, "王调度")
COLLECTOR = Actor("u-coll-12", frozenset({Role.COLLECTOR}), "330106", "李采集")
CREW = Actor("u-crew-03", frozenset({Role.HANDLER}), "DEP-330106-roads", "张班长")
T0 = datetime(2026, 11, 23, 9, 0, 5, tzinfo=CITY_TZ)
LON, LAT = 120.1301, 30.2592  # Xihu District, near the lake


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference()


def build_case(
    ref: Reference, steps: list[tuple[cs.CaseCommand, Actor, timedelta]], **report: Any
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A case reported by phone at T0 and moved through ``steps``: its document and events."""
    fields: dict[str, Any] = {
        "source": cs.CaseSource.HOTLINE,
        "description": "文三路与学院路交叉口路面塌陷，约 2 米见方，已有车辆绕行",
        "district_code": "330106",
        "street_code": "330106001",
        "address": "文三路学院路口东侧",
        "lon": LON,
        "lat": LAT,
    }
    fields.update(report)
    case_id = fields.pop("case_id", "C-20261123-0001")
    outcome = cs.report_case(case_id, actor=DISPATCHER, now=T0, ref=ref, **fields)
    assert not isinstance(outcome, cs.Rejection)
    case, events = outcome
    all_events = list(events)
    for command, actor, offset in steps:
        outcome = cs.apply(case, command, actor, T0 + offset, ref)
        assert not isinstance(outcome, cs.Rejection), outcome
        case, events = outcome
        all_events.extend(events)
    return case_document(case), [case_event_document(e) for e in all_events]


def dispatched_emergency(ref: Reference) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return build_case(
        ref,
        [
            (cs.Verify("视频核实属实"), DISPATCHER, timedelta(seconds=40)),
            (cs.File("1104"), DISPATCHER, timedelta(minutes=1, seconds=10)),
            (cs.Dispatch("DEP-330106-roads", "请立即封闭现场"), DISPATCHER, timedelta(minutes=2)),
            (cs.Accept(), CREW, timedelta(minutes=2, seconds=50)),
            (cs.Escalate("到场超时，请处置单位说明"), DISPATCHER, timedelta(minutes=31)),
        ],
    )


def nearby_cases(ref: Reference) -> list[dict[str, Any]]:
    """One duplicate 20 m away, one of another kind, one too far, one already closed."""
    dup, _ = build_case(
        ref,
        [
            (cs.Verify(), DISPATCHER, timedelta(minutes=1)),
            (cs.File("1104"), DISPATCHER, timedelta(minutes=3)),
        ],
        case_id="C-20261123-0007",
        description="学院路口地面下陷，有坑",
        lon=LON + 0.0002,
        lat=LAT,
    )
    unfiled, _ = build_case(
        ref, [], case_id="C-20261123-0009", description="路口有个大坑", lon=LON, lat=LAT + 0.0001
    )
    other_kind, _ = build_case(
        ref,
        [
            (cs.Verify(), DISPATCHER, timedelta(minutes=1)),
            (cs.File("1101"), DISPATCHER, timedelta(minutes=2)),
        ],
        case_id="C-20261123-0011",
        lon=LON + 0.0001,
        lat=LAT,
    )
    far, _ = build_case(
        ref,
        [
            (cs.Verify(), DISPATCHER, timedelta(minutes=1)),
            (cs.File("1104"), DISPATCHER, timedelta(minutes=2)),
        ],
        case_id="C-20261123-0012",
        lon=LON + 0.003,
        lat=LAT,
    )
    closed, _ = build_case(
        ref,
        [(cs.Invalidate("非城管问题"), DISPATCHER, timedelta(minutes=1))],
        case_id="C-20261123-0013",
        lon=LON,
        lat=LAT,
    )
    return [dup, unfiled, other_kind, far, closed]


def texts(panel: CaseDetailPanel, name: str) -> list[str]:
    return [label.text() for label in panel.findChildren(QLabel, name)]


def test_timeline_lists_every_step_with_actor_and_local_time(qtbot: Any, ref: Reference) -> None:
    doc, events = dispatched_emergency(ref)
    panel = CaseDetailPanel(ref)
    qtbot.addWidget(panel)
    now = T0 + timedelta(minutes=33)
    panel.show_case(doc, events, clocks_for(doc, ref, now), nearby_cases(ref), now)

    entries = texts(panel, "timelineEntry")
    assert len(entries) == len(events) == 6
    expected = [
        ("上报", DISPATCHER.user_id, "2026-11-23 09:00:05", "来源：12319 热线"),
        ("核实", DISPATCHER.user_id, "2026-11-23 09:00:45", "已上报 → 已核实"),
        ("立案", DISPATCHER.user_id, "2026-11-23 09:01:15", "道路塌陷（1104）"),
        (
            "派遣",
            DISPATCHER.user_id,
            "2026-11-23 09:02:05",
            "处置单位：西湖区城市管理局市政设施管理所",
        ),
        ("签收", CREW.user_id, "2026-11-23 09:02:55", "已派遣 → 处置中"),
        ("升级督办", DISPATCHER.user_id, "2026-11-23 09:31:05", "到场超时"),
    ]
    for entry, (what, who, when, detail) in zip(entries, expected, strict=True):
        for part in (f'bold">{what}</span>', who, when, detail):
            assert part in entry, (part, entry)
    # Stored UTC instants are shown in the city's time, not UTC.
    assert local_time("2026-11-23T01:00:05Z") == "2026-11-23 09:00:05"


def test_facts_and_emergency_norm_show(qtbot: Any, ref: Reference) -> None:
    doc, events = dispatched_emergency(ref)
    panel = CaseDetailPanel(ref)
    qtbot.addWidget(panel)
    now = T0 + timedelta(minutes=33)
    panel.show_case(doc, events, clocks_for(doc, ref, now), [], now)

    field = {
        k: panel.findChild(QLabel, f"field_{k}").text()
        for k in ("source", "subcategory", "unit", "area", "escalation", "counts")
    }
    assert "12319 热线" in field["source"]
    assert "道路塌陷" in field["subcategory"]
    assert "103060" in field["subcategory"]
    assert field["unit"] == ref.units.departments["DEP-330106-roads"].name_zh
    assert field["area"].startswith("西湖区 / 丰沙街道")
    assert field["escalation"] == "1 级"
    assert "返工 0 次" in field["counts"]
    assert panel.findChild(QLabel, "caseState").text() == "处置中"


def test_clocks_show_limits_deadlines_and_count_down(qtbot: Any, ref: Reference) -> None:
    doc, events = dispatched_emergency(ref)
    panel = CaseDetailPanel(ref)
    qtbot.addWidget(panel)
    now = T0 + timedelta(minutes=20)
    clocks = clocks_for(doc, ref, now)
    assert [c.kind for c in clocks] == list(ClockKind)
    panel.show_case(doc, events, clocks, [], now)

    def label(kind: str, part: str) -> str:
        return panel.findChild(QLabel, f"clock_{kind}_{part}").text()

    # 103060 from the report at 09:00:05: signed for at 2:50 (1 min limit), respond 10 min
    # breached, arrive 30 min still running.
    assert label("receive", "status") == "超时完成"
    assert label("respond", "status") == "已超时"
    assert label("respond", "deadline") == "2026-11-23 09:10:05"
    assert label("arrive", "remaining") == "剩余 00:10:00"
    assert label("resolve", "deadline") == "2026-11-23 10:00:05"
    assert label("respond", "remaining").startswith("超时 00:10:00")

    panel.tick(now + timedelta(seconds=75))
    assert label("arrive", "remaining") == "剩余 00:08:45"
    panel.tick(now + timedelta(minutes=11))
    assert label("arrive", "status") == "已超时"
    assert label("arrive", "remaining").startswith("超时 00:01:00")


def test_pauses_and_unfiled_case(qtbot: Any, ref: Reference) -> None:
    panel = CaseDetailPanel(ref)
    qtbot.addWidget(panel)
    doc, events = build_case(ref, [])
    assert clocks_for(doc, ref, T0) == ()
    panel.show_case(doc, events, (), [], T0)
    assert panel.findChild(QLabel, "clock_receive_status") is None

    doc, events = build_case(
        ref,
        [
            (cs.Verify(), DISPATCHER, timedelta(minutes=1)),
            (
                cs.File(
                    "0101"
                    if "0101" in ref.taxonomy.subcategories
                    else next(iter(ref.taxonomy.subcategories))
                ),
                DISPATCHER,
                timedelta(minutes=2),
            ),
            (cs.Dispatch("330106001"), DISPATCHER, timedelta(minutes=3)),
            (cs.Suspend("等待占道许可"), DISPATCHER, timedelta(hours=1)),
        ],
        source=cs.CaseSource.REFERRAL,
    )
    now = T0 + timedelta(hours=2)
    clocks = clocks_for(doc, ref, now)
    assert clocks
    assert all(c.status is ClockStatus.PAUSED for c in clocks if c.stopped_at is None)
    panel.show_case(doc, events, clocks, [], now)
    pauses = panel.findChild(QLabel, "pauses").text()
    assert "2026-11-23 10:00:05" in pauses
    assert "至今" in pauses
    assert "等待占道许可" in pauses
    assert panel.findChild(QLabel, "clock_resolve_status").text() == "已暂停"


def test_suspected_duplicates_and_mark_button(qtbot: Any, ref: Reference) -> None:
    doc, events = build_case(
        ref,
        [
            (cs.Verify(), DISPATCHER, timedelta(minutes=5)),
            (cs.File("1104"), DISPATCHER, timedelta(minutes=6)),
        ],
        case_id="C-20261123-0020",
    )
    # Reported after the others: it is the duplicate.
    doc = {**doc, "reported_at": (T0 + timedelta(minutes=5)).isoformat()}
    nearby = nearby_cases(ref)
    panel = CaseDetailPanel(ref)
    qtbot.addWidget(panel)
    panel.show_case(doc, events, clocks_for(doc, ref, T0 + timedelta(minutes=7)), nearby, T0)

    listed = [d["id"] for d, _ in panel.suspected_duplicates(doc, nearby)]
    # Same kind within 50 m, plus the not yet filed report; not the other kind, the far one
    # (~290 m) or the invalidated one.
    assert sorted(listed) == ["C-20261123-0007", "C-20261123-0009"]
    rows = panel.findChildren(QPushButton)
    marks = [b for b in rows if b.objectName().startswith("markDuplicate_")]
    assert len(marks) == 2

    button = panel.findChild(QPushButton, "markDuplicate_C-20261123-0007")
    with qtbot.waitSignal(panel.mark_duplicate_requested) as signal:
        button.click()
    assert signal.args == ["C-20261123-0020", "C-20261123-0007"]

    link = next(lbl for lbl in panel.findChildren(QLabel) if 'href="C-20261123-0009"' in lbl.text())
    with qtbot.waitSignal(panel.case_link_activated) as signal:
        link.linkActivated.emit("C-20261123-0009")
    assert signal.args == ["C-20261123-0009"]


def test_dispatched_case_offers_to_mark_the_new_report(qtbot: Any, ref: Reference) -> None:
    doc, events = dispatched_emergency(ref)
    nearby = nearby_cases(ref)
    panel = CaseDetailPanel(ref)
    qtbot.addWidget(panel)
    now = T0 + timedelta(minutes=33)
    panel.show_case(doc, events, clocks_for(doc, ref, now), nearby, now)
    # This case is being handled: the nearby report is the one to mark.
    button = panel.findChild(QPushButton, "markDuplicate_C-20261123-0007")
    with qtbot.waitSignal(panel.mark_duplicate_requested) as signal:
        button.click()
    assert signal.args == ["C-20261123-0007", doc["id"]]


def test_clear_and_rebuild_leave_no_stale_rows(qtbot: Any, ref: Reference) -> None:
    doc, events = dispatched_emergency(ref)
    panel = CaseDetailPanel(ref)
    qtbot.addWidget(panel)
    now = T0 + timedelta(minutes=33)
    for _ in range(3):
        panel.show_case(doc, events, clocks_for(doc, ref, now), nearby_cases(ref), now)
    assert len(texts(panel, "timelineEntry")) == 6
    panel.clear()
    assert panel.case_id() is None
    assert texts(panel, "timelineEntry") == []


def test_screenshot_and_timing(qtbot: Any, qapp: Any, ref: Reference) -> None:
    doc, events = dispatched_emergency(ref)
    panel = CaseDetailPanel(ref)
    qtbot.addWidget(panel)
    panel.resize(480, 900)
    panel.show()
    now = T0 + timedelta(minutes=33)
    nearby = nearby_cases(ref)
    clocks = clocks_for(doc, ref, now)
    started = time.perf_counter()
    panel.show_case(doc, events, clocks, nearby, now)
    qapp.processEvents()
    show_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    for second in range(50):
        panel.tick(now + timedelta(seconds=second))
    tick_ms = (time.perf_counter() - started) * 1000 / 50
    started = time.perf_counter()
    panel.show_case(doc, events, clocks, nearby, now + timedelta(seconds=1))
    qapp.processEvents()  # the new rows are shown and laid out by queued events
    again_ms = (time.perf_counter() - started) * 1000
    print(f"show_case first {show_ms:.1f} ms, again {again_ms:.1f} ms, tick {tick_ms:.2f} ms")
    assert tick_ms < 5
    SHOTS.mkdir(parents=True, exist_ok=True)
    qtbot.wait(50)
    panel.grab().save(str(SHOTS / "case_detail_dispatched_emergency.png"))
    # The bottom half too (the pane scrolls).
    bar = panel._scroll.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.wait(10)
    panel.grab().save(str(SHOTS / "case_detail_dispatched_emergency_bottom.png"))


def test_location_map_zooms_to_the_district(qtbot: Any) -> None:
    districts = load_districts()
    shown = LocationMap(list(districts.values()))
    qtbot.addWidget(shown)
    shown.resize(440, 260)
    shown.show()
    qtbot.waitExposed(shown)
    shown.show_location("330106", LON, LAT, [(LON + 0.002, LAT)])
    assert shown.highlighted == "西湖区"
    assert shown.view_contains(LON, LAT)
    # Zoomed to the district: the far west county is out of view.
    assert not shown.view_contains(*districts["330127"].centroid)

    # Parsed GeoJSON features work the same way, and so do (name, rings) pairs.
    import json

    from cityops.domain.geography import DISTRICTS_FILE
    from cityops.domain.reference import RESOURCES

    features = json.loads((RESOURCES / DISTRICTS_FILE).read_text(encoding="utf-8"))["features"]
    from_features = LocationMap(features)
    qtbot.addWidget(from_features)
    from_features.show_location("西湖区", LON, LAT)
    assert from_features.highlighted == "西湖区"
    square = [[(120.0, 30.0), (120.1, 30.0), (120.1, 30.1), (120.0, 30.1), (120.0, 30.0)]]
    pairs = LocationMap([("测试区", square)])
    qtbot.addWidget(pairs)
    pairs.show_location("测试区", 120.05, 30.05)
    assert pairs.highlighted == "测试区"
    assert pairs.view_contains(120.05, 30.05)

    started = time.perf_counter()
    for _ in range(20):
        shown.grab()  # renders through paintEvent, offscreen or not
    paint_ms = (time.perf_counter() - started) * 1000 / 20
    print(f"LocationMap paint {paint_ms:.2f} ms")
    assert paint_ms < 30
    SHOTS.mkdir(parents=True, exist_ok=True)
    shown.grab().save(str(SHOTS / "location_map_xihu.png"))
