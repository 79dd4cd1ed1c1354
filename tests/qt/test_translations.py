"""The English UI: every string the code marks for translation has English (so a new Chinese
string without it fails here), and a dispatcher who picks English sees an English workstation —
menus, queue tabs, filters, the sync status, the case table, the case detail pane and the alarm
queue carry no Chinese but what people typed (descriptions, addresses, reasons, names)."""

from __future__ import annotations

import gc
import html
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QWidget,
)

from cityops.desktop import i18n
from cityops.desktop.alarm_panel import (
    AlarmQueuePanel,
    RowRole,
    ShelveDialog,
    card_detail,
    card_status,
)
from cityops.desktop.case_actions import ACTION_LABELS, ACTIONS
from cityops.desktop.case_detail import CaseDetailPanel, clocks_for
from cityops.desktop.case_table_model import (
    COL_DESCRIPTION,
    COL_ID,
    COL_SLA,
    CaseTableModel,
    make_index,
)
from cityops.desktop.workstation import WorkstationWindow
from cityops.domain import cases as cs
from cityops.domain.reference import load_reference
from cityops.domain.schemas import AlarmDoc
from cityops.local_store.case_index import QUEUES, QueueFilter
from cityops.local_store.store import LocalStore
from cityops.sync.engine import ConnectionState, SyncStatus
from tests.qt.test_case_detail import (
    CREW,
    DISPATCHER,
    T0,
    build_case,
    dispatched_emergency,
    nearby_cases,
)
from tests.unit.test_case_index import NOW, fill, synthetic_cases

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path("screenshots/tests")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")  # ideographs, CJK punctuation
REF = load_reference()


def test_every_marked_string_has_english_and_the_qm_is_current() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "translations.py"), "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def english(qapp: QApplication) -> Iterator[None]:
    assert i18n.install(qapp, "en") == "en"
    yield
    i18n.install(qapp, "zh")  # the other tests expect the default language


def _menu_texts(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def _texts_in(widget: QWidget) -> list[str]:
    """What a user can read in a widget: labels, combo items, placeholders."""
    texts = [label.text() for label in widget.findChildren(QLabel)]
    for combo in widget.findChildren(QComboBox):
        texts += [combo.itemText(i) for i in range(combo.count())]
    for edit in widget.findChildren(QLineEdit):
        texts.append(edit.placeholderText())
    return [t for t in texts if t]


def _chinese(texts: list[str], *, typed: tuple[str, ...] = ()) -> list[str]:
    """The texts that still show Chinese once what people typed (``typed``) is taken out."""
    left = []
    for text in texts:
        for data in sorted(typed, key=len, reverse=True):
            text = text.replace(html.escape(data), "").replace(data, "")
        if CJK.search(text):
            left.append(text)
    return left


def _everything_in(widget: QWidget) -> list[str]:
    """Labels, group titles, buttons and every tooltip a user can hover."""
    texts = _texts_in(widget)
    texts += [box.title() for box in widget.findChildren(QGroupBox)]
    texts += [button.text() for button in widget.findChildren(QAbstractButton)]
    texts += [w.toolTip() for w in widget.findChildren(QWidget)]
    return [t for t in texts if t]


def _run(qapp: QApplication, coro: Any) -> None:
    loop = qasync.QEventLoop(qapp, already_running=False)
    try:
        loop.run_until_complete(coro)
    finally:
        loop.close()
        del loop
        gc.collect()
        qapp.processEvents()


def test_the_workstation_in_english(
    english: None, qapp: QApplication, qtbot: Any, tmp_path: Path
) -> None:
    window = WorkstationWindow(REF, "tester")
    qtbot.addWidget(window)
    window.resize(1600, 900)

    bar = window.menuBar()
    menus = [m for a in bar.actions() if isinstance(m := a.menu(), QMenu)]
    assert [a.text().replace("&", "") for a in bar.actions()] == [
        "Cases",
        "View",
        "Window",
        "Settings",
    ]
    cases, view, _windows, settings = menus
    assert "Dispatch" in _menu_texts(cases)
    assert "Escalate" in _menu_texts(cases)
    assert len(_menu_texts(cases)) == 1 + len(ACTIONS)
    assert "To verify" in _menu_texts(view)
    # The language choices name each language in itself: 简体中文 stays for who needs it.
    assert _menu_texts(settings) == ["简体中文", "English"]
    assert _chinese(_menu_texts(cases) + _menu_texts(view)) == []
    assert window.windowTitle() == "City Operations Command Center — Dispatch workstation"
    assert window.alarm_dock.windowTitle() == "Live alarms"

    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert tabs == [spec.title_en for spec in QUEUES.values()]
    assert tabs[:3] == ["To verify", "To file", "To dispatch"]
    window.set_queue_counts({"to_verify": 1234})
    assert window.tabs.tabText(0) == "To verify (1,234)"

    filters = window.filters
    filters.district.setCurrentIndex(1)  # fills the streets of that district
    filters.category.setCurrentIndex(1)  # and the subcategories of that category
    assert filters.street.count() > 1
    assert filters.subcategory.count() > 1
    assert filters.district.itemText(0) == "All districts"
    assert "Hotline" in [filters.source.itemText(i) for i in range(filters.source.count())]
    assert _chinese(_texts_in(filters)) == []

    window.banner.set_status(SyncStatus(ConnectionState.OFFLINE, outbox=3))
    window.status.set_status(SyncStatus(ConnectionState.OFFLINE, outbox=3))
    status_texts = _texts_in(window.status)
    assert "3 waiting to upload" in status_texts
    assert any("Offline" in t for t in status_texts)
    assert _chinese(status_texts) == []
    assert "(3 waiting to upload)" in window.banner.label.text()
    assert _chinese(_texts_in(window.banner)) == []
    window.status.set_status(SyncStatus(ConnectionState.ONLINE, outbox=1))
    assert "1 waiting to upload" in _texts_in(window.status)

    # A screenshot with a queue in it, to look at the English workstation as a whole.
    store = LocalStore.open(tmp_path / "cache.sqlite3")
    try:
        fill(store, synthetic_cases(300, seed=5, now=NOW, open_share=0.4))
        model = CaseTableModel(make_index(store, REF))
        _run(qapp, model.load(QueueFilter("all")))
        window.table.setModel(model)
        window.tabs.setCurrentIndex(len(QUEUES) - 1)
        window.show()
        qtbot.waitExposed(window)
        SHOTS.mkdir(parents=True, exist_ok=True)
        assert window.grab().save(str(SHOTS / "workstation-english.png"))
    finally:
        window.table.setModel(None)
        store.close()


def test_chinese_is_back_after_switching(qapp: QApplication, qtbot: Any) -> None:
    assert i18n.install(qapp, "en") == "en"
    assert i18n.install(qapp, "zh") == "zh"
    window = WorkstationWindow(REF, "tester")
    qtbot.addWidget(window)
    assert window.tabs.tabText(0) == "待核实"
    assert window.menuBar().actions()[0].text() == "案件(&C)"


def test_action_labels_are_all_marked_for_translation() -> None:
    # case_actions translates the domain's label at run time: lupdate sees only this list.
    assert {cs.RULES[a.command].label_zh for a in ACTIONS} <= set(ACTION_LABELS)


def test_the_case_table_in_english(english: None, qapp: QApplication, tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path / "cache.sqlite3")
    try:
        fill(store, synthetic_cases(200, seed=3, now=NOW, open_share=0.6))
        model = CaseTableModel(make_index(store, REF))
        _run(qapp, model.load(QueueFilter("all")))
        horizontal = Qt.Orientation.Horizontal
        headers = [model.headerData(c, horizontal) for c in range(model.columnCount())]
        assert headers[:4] == ["Case", "State", "Deadline", "Reported"]
        assert _chinese(headers) == []

        shown = [
            [model.data(model.index(r, c)) or "" for c in range(model.columnCount())]
            for r in range(min(60, model.rowCount()))
        ]
        countdowns = [row[COL_SLA] for row in shown if row[COL_SLA]]
        assert countdowns, "no case with a deadline among the first rows"
        assert all(t.endswith(" left") or t.startswith("Overdue ") for t in countdowns)
        # Every coded column (state, source, district, street, categories, unit) in English;
        # ids and descriptions are data.
        coded = [
            t for row in shown for c, t in enumerate(row) if c not in (COL_ID, COL_DESCRIPTION)
        ]
        assert _chinese(coded) == []
        states = {row[1] for row in shown}
        assert states & {"Reported", "Filed", "Dispatched", "In progress"}, states
    finally:
        store.close()


def _typed_in_case(doc: dict[str, Any], events: list[dict[str, Any]]) -> tuple[str, ...]:
    """What people typed into a case and its steps (shown as they typed it)."""
    typed = [str(doc.get(k) or "") for k in ("description", "address", "reported_by")]
    for event in events:
        details = event.get("details") or {}
        typed += [str(details.get(k) or "") for k in ("reason", "note", "text", "feedback")]
    return tuple(t for t in typed if t)


def test_the_case_detail_pane_in_english(english: None, qapp: QApplication, qtbot: Any) -> None:
    doc, events = dispatched_emergency(REF)
    nearby = nearby_cases(REF)
    panel = CaseDetailPanel(REF)
    qtbot.addWidget(panel)
    panel.resize(480, 900)
    panel.show()
    now = T0 + timedelta(minutes=33)
    panel.show_case(doc, events, clocks_for(doc, REF, now), nearby, now)
    qapp.processEvents()

    typed = _typed_in_case(doc, events)
    for other in nearby:
        typed += (str(other.get("description") or "")[:60], str(other.get("description") or ""))
    texts = _everything_in(panel)
    assert _chinese(texts, typed=typed) == []

    def shown(name: str) -> str:
        label = panel.findChild(QLabel, name)
        assert label is not None, name
        return label.text()

    assert shown("field_source") == "12319 hotline"
    assert "Road collapse (1104)" in shown("field_subcategory")
    assert shown("field_area").startswith("Xihu District / Fengsha Subdistrict")
    assert shown("caseState") == "In progress"
    assert shown("clock_arrive_remaining") == "Overdue 00:03:00"
    assert shown("clock_respond_status") == "Overdue"
    assert "Source:" in texts
    timeline = [label.text() for label in panel.findChildren(QLabel, "timelineEntry")]
    assert "Accepted" in timeline[4]
    assert "Dispatched → In progress" in timeline[4]

    SHOTS.mkdir(parents=True, exist_ok=True)
    qtbot.wait(50)
    assert panel.grab().save(str(SHOTS / "case_detail_english.png"))
    bar = panel._scroll.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.wait(10)
    assert panel.grab().save(str(SHOTS / "case_detail_english_bottom.png"))


def test_a_suspended_case_on_working_hours_in_english(
    english: None, qapp: QApplication, qtbot: Any
) -> None:
    # A non-emergency subcategory (working-hour limits) with a pause: the other clock texts.
    subcategory = next(
        s for s in REF.taxonomy.subcategories.values() if not s.emergency and s.dept_type == "roads"
    )
    doc, events = build_case(
        REF,
        [
            (cs.Verify(), DISPATCHER, timedelta(minutes=1)),
            (cs.File(subcategory.code), DISPATCHER, timedelta(minutes=2)),
            (cs.Dispatch("DEP-330106-roads", ""), DISPATCHER, timedelta(minutes=3)),
            (cs.Accept(), CREW, timedelta(minutes=4)),
            (cs.Suspend("等待燃气公司配合"), DISPATCHER, timedelta(minutes=30)),
        ],
    )
    panel = CaseDetailPanel(REF)
    qtbot.addWidget(panel)
    now = T0 + timedelta(hours=2)
    panel.show_case(doc, events, clocks_for(doc, REF, now), [], now)
    texts = _everything_in(panel)
    assert _chinese(texts, typed=_typed_in_case(doc, events)) == []
    assert any(t.startswith("Paused") for t in texts), texts


def _alarm(
    alarm_id: str, kind: str, severity: str, minutes_ago: float, **extra: Any
) -> dict[str, Any]:
    raised = ALARM_NOW - timedelta(minutes=minutes_ago)
    doc = {
        "id": alarm_id,
        "device_id": extra.pop("device_id", f"DEV-{alarm_id}"),
        "kind": kind,
        "severity": severity,
        "peak_severity": severity,
        "state": extra.pop("state", "active_unack"),
        "first_raised_at": raised.isoformat(),
        "last_raised_at": raised.isoformat(),
        "value": extra.pop("value", 1.0),
        "threshold": extra.pop("threshold", 0.5),
        "occurrences": extra.pop("occurrences", 1),
        "district_code": extra.pop("district_code", "330106"),
        "version": 1,
        **extra,
    }
    return AlarmDoc.model_validate(doc).model_dump(mode="json")


ALARM_NOW = datetime(2026, 7, 14, 6, 30, tzinfo=UTC)
DEVICE_NAMES = {"GAS-0031": "古墩路燃气调压站", "WL-0107": "石祥路下穿通道"}


def test_the_alarm_queue_in_english(english: None, qapp: QApplication, qtbot: Any) -> None:
    docs = [
        _alarm("g1", "gas_leak", "critical", 3, device_id="GAS-0031", value=28, threshold=25),
        _alarm(
            "w1",
            "waterlogging",
            "major",
            70,
            device_id="WL-0107",
            value=31,
            threshold=27,
            district_code="330105",
            occurrences=4,
            state="active_ack",
            acked_by="u-disp-07",
            acked_by_name="王调度",
            acked_at=ALARM_NOW.isoformat(),
        ),
        _alarm("m1", "manhole_cover", "minor", 0.2, state="cleared_unack", case_id="C-1"),
        _alarm("o1", "device_offline", "warning", 3000, value=45, threshold=30),
        _alarm(
            "s1",
            "supply_pipe_leak",
            "major",
            20,
            state="shelved",
            underlying_state="active_unack",
            shelved_by="dispatcher",
            shelved_until=(ALARM_NOW + timedelta(hours=1)).isoformat(),
            shelve_reason="抢修队已在现场",
        ),
    ]
    typed = (*DEVICE_NAMES.values(), "王调度", "抢修队已在现场")
    panel = AlarmQueuePanel(clock=lambda: ALARM_NOW)
    qtbot.addWidget(panel)
    try:
        panel.set_district_names({d.code: i18n.name_of(d) for d in REF.units.districts})
        panel.set_device_names(DEVICE_NAMES)
        panel.resize(420, 640)
        panel.set_alarms(docs)
        panel.show()
        qtbot.waitExposed(panel)

        rows = [panel.model.index(i).data(RowRole) for i in range(panel.model.rowCount())]
        cards = []
        for i, row in enumerate(rows):
            index = panel.model.index(i)
            cards += [
                index.data(Qt.ItemDataRole.DisplayRole),
                index.data(Qt.ItemDataRole.ToolTipRole),
            ]
            cards += [card_detail(row), card_status(row, ALARM_NOW)]
        assert _chinese(cards + _everything_in(panel), typed=typed) == []
        assert [r.kind for r in rows][:2] == ["Gas leak", "Urban waterlogging"]
        assert rows[0].district == "Xihu District"
        assert [panel.count_labels[s].text() for s in panel.count_labels] == [
            "Critical 1",
            "Major 1",
            "Minor 1",
            "Warning 1",
        ]
        assert panel.shelved_toggle.text() == "Shelved 1"
        assert card_status(rows[0], ALARM_NOW) == "Unacked"
        assert card_status(rows[2], ALARM_NOW) == "Cleared · unacked"
        assert card_detail(rows[2]).endswith(" · → case")
        assert "threshold 25 %LEL" in rows[0].reading

        # The critical alert names the gas leak in English, its age a plural.
        popup = panel.popup
        assert popup.isVisible()
        assert popup.title_label.text() == "Gas leak · Xihu District"
        assert "(3 min ago)" in popup.detail_label.text()
        assert _chinese(_everything_in(popup), typed=typed) == []

        panel.select_alarm("w1")
        panel.shelve_button.click()
        dialog = panel.shelve_dialog
        assert isinstance(dialog, ShelveDialog)
        assert _chinese(_everything_in(dialog), typed=typed) == []
        dialog.reject()

        panel.select_alarm("g1")
        qtbot.wait(50)
        SHOTS.mkdir(parents=True, exist_ok=True)
        assert panel.grab().save(str(SHOTS / "alarm_panel_english.png"))
        assert popup.grab().save(str(SHOTS / "alarm_popup_english.png"))
        panel.shelved_toggle.click()
        assert panel.shelved_toggle.text() == "Back to active (4)"
        shelved = panel.model.index(0).data(RowRole)
        assert card_status(shelved, ALARM_NOW) == "Shelved until 15:30"
    finally:
        panel.popup.close()
