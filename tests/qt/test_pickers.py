"""The pickers are driven from the keyboard: type to filter, arrows to move, Enter to take."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6.QtWidgets")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QInputMethodEvent  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QTreeView,
    QWidget,
)

from cityops.desktop.pickers import (  # noqa: E402
    ReasonDialog,
    SubcategoryPickerDialog,
    UnitPickerDialog,
    suggest_units,
)
from cityops.domain.reference import Reference, load_reference  # noqa: E402

SHOTS = Path("screenshots/tests")
CASE = {
    "id": "C-1",
    "subcategory_code": "1104",  # road collapse: roads departments
    "district_code": "330106",
    "street_code": "330106001",
}


def ime_type(widget: QWidget, text: str) -> None:
    """Type Chinese as a pinyin input method delivers it: one committed string per word.
    (QTest's key clicks take ASCII only.)"""
    widget.setFocus()
    for char in text:
        event = QInputMethodEvent()
        event.setCommitString(char)
        QApplication.sendEvent(widget, event)


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference()


def test_suggest_units_puts_the_right_department_first(ref: Reference) -> None:
    assert suggest_units(ref, "1104", "330106", "330106001") == [
        "DEP-330106-roads",
        "DEP-330100-roads",
        "330106001",
        "330106",
    ]
    # Xihu has no water company of its own: the city's comes first.
    assert suggest_units(ref, "1101", "330106", None)[:2] == ["DEP-330100-water_supply", "330106"]
    assert suggest_units(ref, None, "330106", "330106001") == ["330106001", "330106"]
    assert suggest_units(ref, "nope", "999999", None) == []


def test_unit_picker_type_filter_and_enter(qtbot: Any, ref: Reference) -> None:
    started = time.perf_counter()
    dialog = UnitPickerDialog(ref, case_doc=CASE)
    build_ms = (time.perf_counter() - started) * 1000
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    # Opens on the best suggestion.
    assert dialog.selected_code() == "DEP-330106-roads"

    community = next(c for c in ref.units.units.values() if c.level == "community")
    filter_edit = dialog.filter_edit()
    filter_edit.setFocus()
    started = time.perf_counter()
    qtbot.keyClicks(filter_edit, community.code)
    filter_ms = (time.perf_counter() - started) * 1000 / len(community.code)
    assert dialog.selected_code() == community.code
    tree = dialog.findChild(QTreeView, "tree")
    assert tree.isExpanded(tree.currentIndex().parent())  # the match is in view
    qtbot.keyClick(filter_edit, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.selected_code() == community.code
    print(f"unit picker build {build_ms:.1f} ms, filter per key {filter_ms:.1f} ms")


def test_unit_picker_by_name_and_arrow_keys(qtbot: Any, ref: Reference) -> None:
    dialog = UnitPickerDialog(ref)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    filter_edit = dialog.filter_edit()
    filter_edit.setFocus()
    ime_type(filter_edit, "西湖区城市管理局")
    first = dialog.selected_code()
    assert first is not None
    assert first.startswith("DEP-330106-")
    qtbot.keyClick(filter_edit, Qt.Key.Key_Down)
    second = dialog.selected_code()
    assert second != first
    assert second is not None
    assert second.startswith("DEP-330106-")
    assert dialog.focusWidget() is filter_edit  # typing can go on
    qtbot.keyClick(filter_edit, Qt.Key.Key_Up)
    assert dialog.selected_code() == first
    qtbot.keyClick(filter_edit, Qt.Key.Key_Enter)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.selected_code() == first


def test_unit_picker_nothing_matches_stays_open(qtbot: Any, ref: Reference) -> None:
    dialog = UnitPickerDialog(ref)
    qtbot.addWidget(dialog)
    dialog.show()
    ime_type(dialog.filter_edit(), "不存在的单位")
    qtbot.keyClick(dialog.filter_edit(), Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted
    hint = dialog.findChild(QLabel, "hint")
    assert hint.isVisible()
    assert "请先选择" in hint.text()


def test_unit_picker_screenshot(qtbot: Any, ref: Reference) -> None:
    dialog = UnitPickerDialog(ref, case_doc=CASE)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    SHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SHOTS / "unit_picker_suggested.png"))
    ime_type(dialog.filter_edit(), "丰沙")
    dialog.grab().save(str(SHOTS / "unit_picker_filtered.png"))


def test_subcategory_picker_shows_norm_and_limits(qtbot: Any, ref: Reference) -> None:
    dialog = SubcategoryPickerDialog(ref)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    ime_type(dialog.filter_edit(), "道路塌陷")
    assert dialog.selected_code() == "1104"
    details = dialog.details_text()
    assert "103060" in details
    assert "签收 1 分钟" in details
    assert "处置 60 分钟" in details
    SHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SHOTS / "subcategory_picker.png"))
    qtbot.keyClick(dialog.filter_edit(), Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.selected_code() == "1104"


def test_subcategory_picker_by_code_ordinary_limits(qtbot: Any, ref: Reference) -> None:
    dialog = SubcategoryPickerDialog(ref)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.filter_edit(), "0101")
    assert dialog.selected_code() == "0101"
    assert "工作时间" in dialog.details_text()
    assert "签收 30 工作分钟" in dialog.details_text()


def test_reason_dialog_requires_a_reason(qtbot: Any) -> None:
    dialog = ReasonDialog("退回", "请说明退回理由")
    qtbot.addWidget(dialog)
    dialog.show()
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    text = dialog.findChild(QPlainTextEdit, "reason")
    qtbot.keyClicks(text, "   ")
    ok.click()
    assert dialog.isVisible()
    assert dialog.error_text() == "请填写原因"
    SHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SHOTS / "reason_dialog_empty.png"))
    ime_type(text, "非本单位职责范围")
    assert dialog.error_text() == ""
    ok.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.reason() == "非本单位职责范围"


def test_refusing_a_reward_needs_a_reason_said_inline(qtbot: Any) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    from cityops.desktop.pickers import RewardDialog

    dialog = RewardDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    assert dialog.fields() == {"approved": True, "amount": 20, "note": ""}
    dialog.set_refused("")
    ok.click()
    assert dialog.isVisible()
    assert "原因" in dialog.error_text()
    dialog.set_refused("现场未发现问题")
    ok.click()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.fields() == {"approved": False, "amount": 0, "note": "现场未发现问题"}
