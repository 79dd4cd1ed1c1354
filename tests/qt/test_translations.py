"""The English UI: every string the code marks for translation has English (so a new Chinese
string without it fails here), and a dispatcher who picks English sees an English workstation —
menus, queue tabs, filters and the sync status carry no Chinese."""

from __future__ import annotations

import gc
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QLineEdit, QMenu, QWidget

from cityops.desktop import i18n
from cityops.desktop.case_actions import ACTIONS
from cityops.desktop.case_table_model import CaseTableModel, make_index
from cityops.desktop.workstation import WorkstationWindow
from cityops.domain.reference import load_reference
from cityops.local_store.case_index import QUEUES, QueueFilter
from cityops.local_store.store import LocalStore
from cityops.sync.engine import ConnectionState, SyncStatus
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


def _chinese(texts: list[str]) -> list[str]:
    return [t for t in texts if CJK.search(t)]


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
        loop = qasync.QEventLoop(qapp, already_running=False)
        try:
            loop.run_until_complete(model.load(QueueFilter("all")))
        finally:
            loop.close()
            del loop
            gc.collect()
            qapp.processEvents()
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
