"""The new-case form: a dispatcher records a phone call; bad fields say so where they are and
the form cannot be sent until they are fixed; what it sends is what the server accepts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6.QtWidgets")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
)

from cityops.desktop.new_case_dialog import NewCaseDialog  # noqa: E402
from cityops.domain import cases as cs  # noqa: E402
from cityops.domain.actors import Actor, Role  # noqa: E402
from cityops.domain.city import CITY_CODE  # noqa: E402
from cityops.domain.reference import Reference, load_reference  # noqa: E402
from cityops.domain.schemas import CaseReportArgs  # noqa: E402
from tests.qt.test_pickers import ime_type  # noqa: E402

SHOTS = Path("screenshots/tests")
DISPATCHER = Actor("u-disp-07", frozenset({Role.DISPATCHER}), CITY_CODE)


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference()


def make(qtbot: Any, ref: Reference) -> NewCaseDialog:
    dialog = NewCaseDialog(ref, cs.allowed_sources(DISPATCHER))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def ok_button(dialog: NewCaseDialog) -> Any:
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


def error(dialog: NewCaseDialog, name: str) -> str:
    label = dialog.findChild(QLabel, f"error_{name}")
    return label.text() if label.isVisible() else ""


def choose(combo: QComboBox, text: str) -> None:
    """Pick an entry by its visible text."""
    index = combo.findText(text)
    assert index >= 0, text
    combo.setCurrentIndex(index)


def test_empty_description_shows_inline_error_and_disables_ok(qtbot: Any, ref: Reference) -> None:
    dialog = make(qtbot, ref)
    # Opens on the hotline: a call is the usual case.
    assert dialog.findChild(QComboBox, "source").currentText() == "12319 热线"
    assert error(dialog, "description") == "请填写问题描述"
    assert error(dialog, "district") == "请选择区县"
    assert not ok_button(dialog).isEnabled()

    description = dialog.findChild(QPlainTextEdit, "description")
    ime_type(description, "西湖边路灯不亮")
    assert error(dialog, "description") == ""
    assert not ok_button(dialog).isEnabled()  # still no district
    choose(dialog.findChild(QComboBox, "district"), "西湖区")
    assert error(dialog, "district") == ""
    assert ok_button(dialog).isEnabled()

    # Clearing the description again blocks sending.
    description.selectAll()
    qtbot.keyClick(description, Qt.Key.Key_Delete)
    assert error(dialog, "description") == "请填写问题描述"
    assert not ok_button(dialog).isEnabled()
    SHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SHOTS / "new_case_dialog_inline_error.png"))


def test_streets_follow_the_district(qtbot: Any, ref: Reference) -> None:
    dialog = make(qtbot, ref)
    street = dialog.findChild(QComboBox, "street")
    assert not street.isEnabled()
    choose(dialog.findChild(QComboBox, "district"), "西湖区")
    codes = [street.itemData(i) for i in range(1, street.count())]
    assert codes == list(ref.units.children["330106"])
    choose(street, "丰沙街道")
    community = dialog.findChild(QComboBox, "community")
    assert [community.itemData(i) for i in range(1, community.count())] == list(
        ref.units.children["330106001"]
    )
    choose(dialog.findChild(QComboBox, "district"), "滨江区")
    assert street.currentData() is None
    assert community.currentData() is None
    assert all(street.itemData(i).startswith("330108") for i in range(1, street.count()))


def test_coordinates_both_or_neither_in_range(qtbot: Any, ref: Reference) -> None:
    dialog = make(qtbot, ref)
    ime_type(dialog.findChild(QPlainTextEdit, "description"), "窨井盖缺失")
    choose(dialog.findChild(QComboBox, "district"), "西湖区")
    lon, lat = dialog.findChild(QLineEdit, "lon"), dialog.findChild(QLineEdit, "lat")
    qtbot.keyClicks(lon, "120.13")
    assert error(dialog, "position") == "经度和纬度要么都填，要么都不填"
    assert not ok_button(dialog).isEnabled()
    qtbot.keyClicks(lat, "95")
    assert error(dialog, "position") == "纬度应在 -90 到 90 之间"
    lat.clear()
    qtbot.keyClicks(lat, "abc")
    assert "纬度应为数字" in error(dialog, "position")
    lat.clear()
    qtbot.keyClicks(lat, "30.2592")
    assert error(dialog, "position") == ""
    assert ok_button(dialog).isEnabled()
    # A point in another district is a hint, not an error.
    lon.clear()
    qtbot.keyClicks(lon, "120.21")
    lat.clear()
    qtbot.keyClicks(lat, "30.21")
    note = dialog.findChild(QLabel, "note_position")
    assert note.isVisible()
    assert "不在所选区县内" in note.text()
    assert ok_button(dialog).isEnabled()


def test_phone_digits_only(qtbot: Any, ref: Reference) -> None:
    dialog = make(qtbot, ref)
    ime_type(dialog.findChild(QPlainTextEdit, "description"), "占道经营")
    choose(dialog.findChild(QComboBox, "district"), "上城区")
    phone = dialog.findChild(QLineEdit, "phone")
    qtbot.keyClicks(phone, "138abc")
    assert error(dialog, "phone") == "电话号码只能包含数字"
    assert not ok_button(dialog).isEnabled()
    phone.clear()
    qtbot.keyClicks(phone, "0571-8765 4321")
    assert error(dialog, "phone") == ""
    assert dialog.reporter_phone() == "057187654321"
    assert ok_button(dialog).isEnabled()


def test_report_args_validate_and_report(qtbot: Any, ref: Reference) -> None:
    dialog = make(qtbot, ref)
    choose(dialog.findChild(QComboBox, "source"), "上级交办")
    ime_type(dialog.findChild(QPlainTextEdit, "description"), "文三路路面塌陷")
    choose(dialog.findChild(QComboBox, "district"), "西湖区")
    choose(dialog.findChild(QComboBox, "street"), "丰沙街道")
    ime_type(dialog.findChild(QLineEdit, "address"), "文三路学院路口")
    qtbot.keyClicks(dialog.findChild(QLineEdit, "lon"), "120.1301")
    qtbot.keyClicks(dialog.findChild(QLineEdit, "lat"), "30.2592")
    assert dialog.problems() == {}
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted

    args = dialog.report_args()
    parsed = CaseReportArgs.model_validate(args)
    assert parsed.source is cs.CaseSource.REFERRAL
    assert (parsed.district_code, parsed.street_code, parsed.community_code) == (
        "330106",
        "330106001",
        None,
    )
    assert (parsed.lon, parsed.lat) == (120.1301, 30.2592)
    assert args["case_id"] == dialog.report_args()["case_id"]  # one id per dialog
    # And the domain takes it as a report by this dispatcher.
    fields = parsed.model_dump()
    outcome = cs.report_case(fields.pop("case_id"), actor=DISPATCHER, now=_now(), ref=ref, **fields)
    assert not isinstance(outcome, cs.Rejection), outcome


def test_only_allowed_sources_are_offered(qtbot: Any, ref: Reference) -> None:
    dialog = NewCaseDialog(ref, {cs.CaseSource.REFERRAL, cs.CaseSource.MEDIA})
    qtbot.addWidget(dialog)
    source = dialog.findChild(QComboBox, "source")
    assert [source.itemText(i) for i in range(source.count())] == ["上级交办", "媒体曝光"]
    nobody = NewCaseDialog(ref, ())
    qtbot.addWidget(nobody)
    assert "source" in nobody.problems()


def test_description_length_limit(qtbot: Any, ref: Reference) -> None:
    dialog = make(qtbot, ref)
    choose(dialog.findChild(QComboBox, "district"), "西湖区")
    dialog.findChild(QPlainTextEdit, "description").setPlainText("坑" * (cs.MAX_TEXT_LENGTH + 1))
    assert "最多 4000 字" in error(dialog, "description")
    assert not ok_button(dialog).isEnabled()


def _now() -> Any:
    from datetime import datetime

    from cityops.domain.city import CITY_TZ

    return datetime(2026, 11, 23, 9, 0, tzinfo=CITY_TZ)
