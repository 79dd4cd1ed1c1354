"""The dispatcher's alarm queue: the panel alone with documents built here (order, counts,
selection across updates, the shelve dialog, the critical alert), and the presenter against the
real server (an alarm raised by IoT ingest reaches the panel, is acknowledged there, and the
server's alarm names the dispatcher who acknowledged it)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6.QtCore")
qasync = pytest.importorskip("qasync")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from cityops.desktop.alarm_panel import (  # noqa: E402
    AlarmQueuePanel,
    ShelveChoice,
    shelve_until,
)
from cityops.desktop.alarm_presenter import AlarmPresenter  # noqa: E402
from cityops.desktop.sync_bridge import SyncBridge  # noqa: E402
from cityops.domain.actors import Actor, Role  # noqa: E402
from cityops.domain.alarms import Severity  # noqa: E402
from cityops.domain.city import CITY_TZ  # noqa: E402
from cityops.domain.reference import load_reference  # noqa: E402
from cityops.domain.schemas import AlarmDoc, Entity  # noqa: E402
from cityops.local_store.store import LocalStore  # noqa: E402
from cityops.server import admin  # noqa: E402
from cityops.server.db import make_engine  # noqa: E402
from cityops.sync.api import ServerApi  # noqa: E402
from cityops.sync.engine import SyncEngine  # noqa: E402
from tests.qt.qt_loop import run  # noqa: E402
from tests.sync.conftest import PASSWORD, Api, RestartableServer  # noqa: E402
from tests.sync.test_engine import until  # noqa: E402

NOW = datetime(2026, 7, 14, 6, 30, tzinfo=UTC)  # 14:30 in Hangzhou, mid-storm
SHOTS = Path("screenshots/tests")
DEPTH_BANDS = {"warning": 10.0, "minor": 15.0, "major": 27.0, "critical": 40.0}


def alarm(
    alarm_id: str,
    severity: str,
    *,
    state: str = "active_unack",
    minutes_ago: float = 5,
    district: str | None = "330102",
    device: str | None = None,
    value: float | None = None,
    occurrences: int = 1,
    acked_by: str | None = None,
    peak: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A valid ``AlarmDoc`` document of a waterlogging alarm (validated, so it is real)."""
    raised = NOW - timedelta(minutes=minutes_ago)
    doc: dict[str, Any] = {
        "id": alarm_id,
        "device_id": device or f"WL-{alarm_id}",
        "kind": "waterlogging",
        "severity": severity,
        "peak_severity": peak or severity,
        "state": state,
        "first_raised_at": raised.isoformat(),
        "last_raised_at": raised.isoformat(),
        "value": value if value is not None else DEPTH_BANDS[severity] + 3.5,
        "threshold": DEPTH_BANDS[severity],
        "occurrences": occurrences,
        "district_code": district,
        "version": occurrences,
        **extra,
    }
    if acked_by:
        doc.update(acked_by=acked_by, acked_by_name=acked_by, acked_at=NOW.isoformat())
    return AlarmDoc.model_validate(doc).model_dump(mode="json")


def storm() -> list[dict[str, Any]]:
    """A summer storm over Hangzhou: underpasses flooding in six districts."""
    spots = [
        ("a1", "critical", "330105", "WL-0107", "石祥路下穿通道", 46.5, 2, 3, None),
        ("a2", "critical", "330102", "WL-0012", "解放路地道", 52.0, 7, 9, "张伟"),
        ("a3", "major", "330106", "WL-0203", "文一路隧道口", 31.0, 4, 5, None),
        ("a4", "major", "330108", "WL-0311", "江南大道立交", 28.4, 12, 11, "李娜"),
        ("a5", "major", "330105", "WL-0118", "莫干山路桥洞", 29.9, 18, 2, None),
        ("a6", "minor", "330110", "WL-0420", "文一西路地铁口", 17.2, 25, 6, None),
        ("a7", "minor", "330102", "WL-0019", "中河高架匝道", 15.8, 31, 3, "张伟"),
        ("a8", "minor", "330113", "WL-0502", "临平大道下穿", 16.4, 40, 1, None),
        ("a9", "warning", "330114", "WL-0611", "下沙路涵洞", 11.0, 55, 4, None),
        ("a10", "warning", "330106", "WL-0230", "天目山路低洼段", 10.6, 70, 2, None),
        ("a11", "warning", "330109", "WL-0705", "市心路下穿", 12.3, 95, 8, "李娜"),
    ]
    docs = [
        alarm(
            i,
            s,
            district=d,
            device=dev,
            value=v,
            minutes_ago=m,
            occurrences=n,
            acked_by=who,
            state="active_ack" if who else "active_unack",
        )
        for i, s, d, dev, _name, v, m, n, who in spots
    ]
    docs.append(
        alarm(
            "s1",
            "major",
            state="shelved",
            district="330106",
            device="WL-0240",
            underlying_state="active_unack",
            shelved_by="dispatcher",
            shelved_until=(NOW + timedelta(hours=1)).isoformat(),
            shelve_reason="抢险队已在现场抽排",
        )
    )
    return docs


STORM_DEVICE_NAMES = {
    "WL-0107": "石祥路下穿通道",
    "WL-0012": "解放路地道",
    "WL-0203": "文一路隧道口",
    "WL-0311": "江南大道立交",
    "WL-0118": "莫干山路桥洞",
    "WL-0420": "文一西路地铁口",
    "WL-0019": "中河高架匝道",
    "WL-0502": "临平大道下穿",
    "WL-0611": "下沙路涵洞",
    "WL-0230": "天目山路低洼段",
    "WL-0705": "市心路下穿",
    "WL-0240": "古墩路涵洞",
}


@pytest.fixture
def panel(qtbot: Any) -> Iterator[AlarmQueuePanel]:
    ref = load_reference()
    widget = AlarmQueuePanel(clock=lambda: NOW)
    widget.set_district_names({d.code: d.name_zh for d in ref.units.districts})
    widget.resize(420, 800)
    qtbot.addWidget(widget)
    yield widget
    widget.popup.close()


@pytest.fixture
def beeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    heard: list[float] = []
    monkeypatch.setattr(QApplication, "beep", staticmethod(lambda: heard.append(time.monotonic())))
    return heard


def shoot(widget: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


# ----------------------------------------------------------------------------- the panel alone


def test_most_severe_first_then_newest_with_counts_in_the_header(panel: AlarmQueuePanel) -> None:
    docs = [
        alarm("w-old", "warning", minutes_ago=60),
        alarm("c-old", "critical", minutes_ago=30, state="active_ack", acked_by="张伟"),
        alarm("m-new", "major", minutes_ago=1),
        alarm("c-new", "critical", minutes_ago=2),
        alarm("w-new", "warning", minutes_ago=3, state="cleared_unack"),
        alarm("closed", "critical", state="cleared", acked_by="张伟", minutes_ago=0),
        alarm(
            "oos",
            "major",
            state="out_of_service",
            underlying_state="active_unack",
            out_of_service_by="operator",
            out_of_service_reason="检修",
        ),
        alarm(
            "shelf",
            "minor",
            state="shelved",
            underlying_state="active_unack",
            shelved_by="dispatcher",
            shelved_until=(NOW + timedelta(hours=1)).isoformat(),
            shelve_reason="现场已处置",
        ),
    ]
    panel.set_alarms(docs)
    assert panel.visible_alarm_ids() == ["c-new", "c-old", "m-new", "w-new", "w-old"]
    texts = [label.text() for label in panel.count_labels.values()]
    assert texts == ["紧急 2", "重要 1", "次要 0", "提示 2"]
    assert "已搁置 1" in panel.shelved_toggle.text()

    panel.shelved_toggle.click()
    assert panel.visible_alarm_ids() == ["shelf"]
    assert panel.unshelve_button.isVisible() or not panel.isVisible()
    panel.select_alarm("shelf")
    assert panel.unshelve_button.isEnabled()
    panel.shelved_toggle.click()
    assert panel.visible_alarm_ids()[0] == "c-new"


def test_selection_stays_on_the_same_alarm_across_updates(
    panel: AlarmQueuePanel, qtbot: Any
) -> None:
    panel.set_alarms([alarm("x", "major"), alarm("y", "minor"), alarm("z", "warning")])
    selected: list[str] = []
    panel.alarm_selected.connect(selected.append)
    qtbot.mouseClick(
        panel.view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=panel.view.visualRect(panel.model.index(1)).center(),
    )
    assert panel.selected_alarm_id() == "y"
    assert selected == ["y"]

    # A new major alarm lands above it and "y" repeats: the cursor stays on "y".
    panel.set_alarms(
        [
            alarm("new", "critical", minutes_ago=0, state="active_ack", acked_by="李娜"),
            alarm("x", "major"),
            alarm("y", "minor", occurrences=4),
            alarm("z", "warning"),
        ]
    )
    assert panel.visible_alarm_ids().index("y") == 2
    assert panel.selected_alarm_id() == "y"
    assert panel.view.currentIndex().row() == 2
    assert panel.view.selectionModel().isSelected(panel.model.index(2))
    assert selected == ["y"]  # the same alarm: no new selection event

    # Acknowledge from the panel: the button and the keyboard say the same thing.
    acks: list[tuple[str, str]] = []
    panel.ack_requested.connect(lambda *a: acks.append(a))
    panel.ack_button.click()
    assert acks == [("y", "minor")]
    assert "A" in panel.ack_button.toolTip()

    # Once it is gone (closed elsewhere) nothing is selected and the buttons are off.
    panel.set_alarms([alarm("x", "major"), alarm("z", "warning")])
    assert panel.selected_alarm_id() is None
    assert not panel.ack_button.isEnabled()


def test_keyboard_acknowledges_the_selected_alarm(panel: AlarmQueuePanel, qtbot: Any) -> None:
    panel.set_alarms([alarm("k", "major")])
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    panel.select_alarm("k")
    panel.view.setFocus()
    qtbot.waitUntil(panel.view.hasFocus, timeout=2000)
    with qtbot.waitSignal(panel.ack_requested, timeout=2000) as signal:
        qtbot.keyClick(panel.view, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert signal.args == ["k", "major"]


def test_shelve_dialog_refuses_an_empty_reason_inline(panel: AlarmQueuePanel, qtbot: Any) -> None:
    panel.set_alarms([alarm("s", "major")])
    panel.show()
    panel.select_alarm("s")
    shelved: list[tuple[str, str, str]] = []
    panel.shelve_requested.connect(lambda *a: shelved.append(a))
    panel.shelve_button.click()
    dialog = panel.shelve_dialog
    assert dialog is not None
    assert dialog.isVisible()

    dialog.ok_button.click()
    assert dialog.isVisible()
    assert dialog.error_label.isVisible()
    assert dialog.error_label.text() == "请填写搁置原因"
    assert shelved == []
    shoot(dialog, "alarm_shelve_dialog_error")

    dialog.reason_edit.setText("   ")  # blanks are no reason either
    dialog.ok_button.click()
    assert dialog.isVisible()
    assert shelved == []

    dialog.reason_edit.setText("抢险队已在现场抽排")
    assert not dialog.error_label.isVisible()
    dialog.choice_buttons[ShelveChoice.MINUTES_15].click()
    dialog.ok_button.click()
    assert not dialog.isVisible()
    assert shelved == [("s", (NOW + timedelta(minutes=15)).isoformat(), "抢险队已在现场抽排")]


def test_shelving_until_tomorrow_morning_means_the_next_0800_in_the_city() -> None:
    def local(day: int, hour: int) -> datetime:
        return datetime(2026, 7, day, hour, 0, tzinfo=CITY_TZ)

    assert shelve_until(ShelveChoice.MORNING, local(14, 21)) == local(15, 8)
    assert shelve_until(ShelveChoice.MORNING, local(15, 2)) == local(15, 8)  # within 24 h
    assert shelve_until(ShelveChoice.HOURS_4, NOW) == NOW + timedelta(hours=4)


def test_a_new_critical_alarm_sounds_until_the_dispatcher_acknowledges(
    panel: AlarmQueuePanel, qtbot: Any, beeps: list[float]
) -> None:
    panel.beep_timer.setInterval(40)
    panel.set_alarms([alarm("m", "major", district="330105")])
    assert not panel.alert_active
    assert not panel.popup.isVisible()
    assert beeps == []

    crit = alarm("c", "critical", district="330105", device="WL-0107", value=46.5)
    panel.set_alarms([alarm("m", "major", district="330105"), crit])
    assert panel.alert_active
    assert panel.popup.isVisible()
    assert panel.popup.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    assert not panel.popup.isModal()
    assert "城市内涝积水" in panel.popup.title_label.text()
    assert "拱墅区" in panel.popup.title_label.text()
    assert "WL-0107" in panel.popup.detail_label.text()
    qtbot.waitUntil(lambda: len(beeps) >= 3, timeout=2000)  # it repeats
    shoot(panel.popup, "alarm_critical_popup")

    # The pop-up's button asks for the acknowledgement of what it showed.
    with qtbot.waitSignal(panel.ack_requested) as signal:
        panel.popup.ack_button.click()
    assert signal.args == ["c", "critical"]
    assert panel.alert_active  # until the acknowledgement is in the documents

    acked = alarm("c", "critical", district="330105", state="active_ack", acked_by="dispatcher")
    panel.set_alarms([alarm("m", "major", district="330105"), acked])
    assert not panel.alert_active
    assert not panel.popup.isVisible()
    heard = len(beeps)
    qtbot.wait(200)
    assert len(beeps) == heard  # silent


def test_an_escalation_sounds_and_an_acknowledgement_elsewhere_silences_it(
    panel: AlarmQueuePanel, qtbot: Any, beeps: list[float]
) -> None:
    panel.beep_timer.setInterval(40)
    panel.set_alarms([alarm("e", "major", state="active_ack", acked_by="dispatcher")])
    assert not panel.alert_active
    # Escalated past its peak: the server emptied the acknowledgement.
    panel.set_alarms([alarm("e", "critical", peak="critical", occurrences=3)])
    assert panel.alert_active
    assert panel.popup.isVisible()
    qtbot.waitUntil(lambda: len(beeps) >= 2, timeout=2000)

    # A second one arrives: the pop-up names the newest and says one more waits.
    panel.set_alarms(
        [
            alarm("e", "critical", peak="critical", occurrences=3, minutes_ago=9),
            alarm("f", "critical", district="330110", minutes_ago=0),
        ]
    )
    assert "余杭区" in panel.popup.title_label.text()
    assert "另有 1 条紧急告警未确认" in panel.popup.more_label.text()

    # The commander acknowledged both on the wall: no click here, the alert stops.
    panel.set_alarms(
        [
            alarm("e", "critical", state="active_ack", acked_by="commander", occurrences=3),
            alarm("f", "critical", district="330110", state="active_ack", acked_by="commander"),
        ]
    )
    assert not panel.alert_active
    assert not panel.popup.isVisible()
    heard = len(beeps)
    qtbot.wait(200)
    assert len(beeps) == heard


def test_storm_screenshots(panel: AlarmQueuePanel, qtbot: Any, beeps: list[float]) -> None:
    panel.set_device_names(STORM_DEVICE_NAMES)
    docs = storm()
    started = time.perf_counter()
    panel.set_alarms(docs)
    panel.show()
    qtbot.waitExposed(panel)
    panel.select_alarm("a3")
    panel.show_message("确认告警未成功：该告警已由 commander 于 14:21 确认")
    qtbot.wait(50)
    shoot(panel, "alarm_panel_storm_420")
    panel.resize(960, 620)
    qtbot.wait(50)
    shoot(panel, "alarm_panel_storm_wide")
    panel.clear_message()
    panel.shelved_toggle.click()
    panel.select_alarm("s1")
    qtbot.wait(50)  # the layout follows the toggle's new text on the next event pass
    shoot(panel, "alarm_panel_shelved")
    assert panel.visible_alarm_ids() == ["s1"]
    assert started  # set_alarms timing of a big storm is measured in the next test


def test_two_thousand_alarms_update_in_a_few_milliseconds(
    panel: AlarmQueuePanel, beeps: list[float]
) -> None:
    severities = ["critical", "major", "minor", "warning"]
    docs = [
        alarm(f"b{i}", severities[i % 4], minutes_ago=i % 300, state="active_ack", acked_by="x")
        for i in range(2000)
    ]
    panel.set_alarms(docs)
    panel.select_alarm("b7")
    docs[7] = alarm("b7", "warning", minutes_ago=7, occurrences=5, state="active_ack", acked_by="x")
    started = time.perf_counter()
    panel.set_alarms(docs)
    took = time.perf_counter() - started
    print(f"set_alarms of 2,000 alarms: {took * 1000:.1f} ms")
    assert panel.selected_alarm_id() == "b7"
    assert took < 0.25  # generous: 2 slow shared cores


# ----------------------------------------------------------------------------- with the server


def test_presenter_coalesces_reloads_and_queues_intents_with_optimistic_rows(
    qapp: Any, tmp_path: Path, beeps: list[float]
) -> None:
    """Offline (no server at all): the intents wait in the outbox, the rows already show them."""
    panel = AlarmQueuePanel()
    docs = [alarm("p1", "critical"), alarm("p2", "major"), alarm("p3", "minor")]
    user = Actor("dispatcher", frozenset({Role.DISPATCHER}), "330100", "王调度")
    counts: dict[str, int] = {}

    def shown(alarm_id: str) -> Any:
        return panel.model.rows()[panel.model.row_of(alarm_id) or 0]

    async def scenario() -> None:
        store = LocalStore.open(tmp_path / "cache.sqlite3")
        changes = [
            {"seq": i + 1, "entity": "alarm", "entity_id": d["id"], "version": d["version"]}
            | {"op": "upsert", "payload": d}
            for i, d in enumerate(docs)
        ]
        store.apply_changes(changes, cursor=len(changes))
        http = ServerApi("http://127.0.0.1:9")  # nothing listens: the desk is offline
        bridge = SyncBridge(SyncEngine(store, http))
        presenter = AlarmPresenter(store, bridge, panel, load_reference(), user=user)
        presenter.start()
        try:
            await until(lambda: len(panel.visible_alarm_ids()) == 3, what="the first load")
            assert panel.alert_active
            # A burst of 20 change notices over ~0.4 s: loads are throttled to one per 0.3 s.
            before = presenter.loads
            for _ in range(20):
                bridge.entities_changed.emit({"alarm": ["p2"]})
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.5)
            counts["loads_for_20_notices"] = presenter.loads - before
            assert 1 <= counts["loads_for_20_notices"] <= 3

            assert panel.select_alarm("p1")
            panel.ack_button.click()
            await until(lambda: shown("p1").acked_by == "王调度", what="the optimistic ack")
            assert not panel.alert_active
            panel.shelve_requested.emit(
                "p2", (datetime.now(UTC) + timedelta(hours=1)).isoformat(), "抽排中"
            )
            await until(lambda: "p2" not in panel.visible_alarm_ids(), what="the shelf")
            panel.convert_requested.emit("p3")
            await until(lambda: "已提交转案件" in panel.message(), what="the conversion")
            intents = [(p["name"], p["args"]) for p in store.pending()]
            assert [name for name, _ in intents] == [
                "alarm.ack",
                "alarm.shelve",
                "alarm.convert_to_case",
            ]
            assert intents[0][1] == {"alarm_id": "p1", "seen_peak": "critical"}
            assert intents[1][1]["reason"] == "抽排中"
            case_id = intents[2][1]["case_id"]
            assert case_id in panel.message()
            assert (store.get(Entity.ALARM, "p3") or {})["case_id"] == case_id
            shelved = store.get(Entity.ALARM, "p2") or {}
            assert (shelved["state"], shelved["underlying_state"]) == ("shelved", "active_unack")

            # What the rules refuse here is said at once and not queued.
            panel.ack_requested.emit("p1", "critical")
            await until(lambda: "已由 王调度" in panel.message(), what="the local refusal")
            assert len(store.pending()) == 3
        finally:
            await presenter.stop()
            await bridge.stop()
            await http.aclose()
            store.close()

    try:
        run(qapp, scenario())
    finally:
        panel.popup.close()
        panel.close()
    print(f"reloads for 20 change notices in 0.4 s: {counts.get('loads_for_20_notices')}")


def test_an_ingested_alarm_is_acknowledged_from_the_panel(
    qapp: Any,
    server: RestartableServer,
    api: Api,
    tmp_path: Path,
    beeps: list[float],
) -> None:
    engine = make_engine(server.settings.db_url)
    try:
        key = admin.new_api_key(engine, "iot-alarm-panel")
    finally:
        engine.dispose()
    device = f"WL-{time.time_ns() % 10**10}"
    raced = f"WL-{time.time_ns() % 10**10 + 1}"
    panel = AlarmQueuePanel()
    panel.resize(420, 800)
    numbers: dict[str, float] = {}

    def server_alarm(device_id: str) -> dict[str, Any] | None:
        found = None
        for change in api.all_changes("dispatcher"):
            if change["entity"] == "alarm" and change["payload"]["device_id"] == device_id:
                found = change["payload"]
        return found

    def listed(device_id: str) -> str | None:
        for row in panel.model.rows():
            if row.device == device_id:
                return row.id
        return None

    def shown(alarm_id: str) -> Any:
        return panel.model.rows()[panel.model.row_of(alarm_id) or 0]

    def ingest(*readings: tuple[str, float]) -> None:
        at = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        body = {
            "readings": [
                {"device_id": d, "metric": "water_depth", "value": v, "at": at} for d, v in readings
            ]
        }
        r = api.http.post("/api/v1/ingest/readings", json=body, headers={"X-Api-Key": key})
        assert r.status_code == 200, r.text

    async def scenario() -> None:
        store = LocalStore.open(tmp_path / "cache.sqlite3")
        http = ServerApi(server.url)
        sync = SyncEngine(store, http, backoff_base=0.1, coalesce=0.05)
        bridge = SyncBridge(sync)
        me = Actor("dispatcher", frozenset({Role.DISPATCHER}), "330100", "dispatcher")
        presenter = AlarmPresenter(store, bridge, panel, load_reference(), user=me)
        await sync.login("dispatcher", PASSWORD)
        bridge.start()
        presenter.start()
        try:
            started = time.monotonic()
            await asyncio.to_thread(ingest, (device, 45.0))  # 45 cm: critical
            await until(lambda: listed(device) is not None, what="the alarm in the panel")
            numbers["ingest_to_panel_s"] = time.monotonic() - started
            alarm_id = listed(device)
            assert alarm_id is not None
            assert panel.alert_active  # critical and unacknowledged: it sounds
            assert panel.count_labels[Severity.CRITICAL].text() == "紧急 1"
            await until(lambda: presenter.user is not None, what="who is logged in")

            assert panel.select_alarm(alarm_id)
            clicked = time.monotonic()
            panel.ack_button.click()
            # The optimistic row: acknowledged by this dispatcher at once, the alert stops.
            await until(lambda: not panel.alert_active, what="the optimistic acknowledgement")
            numbers["click_to_panel_s"] = time.monotonic() - clicked
            assert shown(alarm_id).acked_by == "dispatcher"
            await until(
                lambda: (server_alarm(device) or {}).get("state") == "active_ack",
                what="the server's acknowledgement",
            )
            numbers["click_to_server_s"] = time.monotonic() - clicked
            on_server = server_alarm(device)
            assert on_server is not None
            assert on_server["acked_by"] == "dispatcher"
            assert on_server["acked_by_name"] == "dispatcher"
            # The optimistic document was what the server made (apart from the moment).
            await until(lambda: store.outbox_length() == 0, what="the outbox to drain")
            await until(
                lambda: (
                    (store.get(Entity.ALARM, alarm_id) or {}).get("acked_at")
                    == on_server["acked_at"]
                ),
                what="the server's copy in the cache",
            )
            local = store.get(Entity.ALARM, alarm_id)
            assert local == on_server

            # Someone else acknowledges first; this dispatcher's click is refused and says who.
            await asyncio.to_thread(ingest, (raced, 30.0))
            await until(lambda: listed(raced) is not None, what="the second alarm")
            raced_id = listed(raced)
            assert raced_id is not None
            result = await asyncio.to_thread(
                api.do, "commander", "ws-wall", "alarm.ack", alarm_id=raced_id, seen_peak="major"
            )
            assert result["status"] == "applied"
            # The click on the screen as it was a moment before the commander's ack arrived.
            panel.ack_requested.emit(raced_id, "major")
            await until(lambda: "commander" in panel.message(), what="the refusal in the panel")
            assert "已由 commander" in panel.message()
            # The refused optimistic row is rolled back to the server's: the commander's ack.
            await until(lambda: shown(raced_id).acked_by == "commander", what="the rolled-back row")
        finally:
            await presenter.stop()
            await bridge.stop()
            await http.aclose()
            store.close()

    try:
        run(qapp, scenario())
        shoot(panel, "alarm_panel_after_ack")
    finally:
        panel.popup.close()
        panel.close()
    print(
        "ingest→panel {ingest_to_panel_s:.2f} s, click→panel {click_to_panel_s:.3f} s, "
        "click→server {click_to_server_s:.2f} s".format(**numbers)
    )
