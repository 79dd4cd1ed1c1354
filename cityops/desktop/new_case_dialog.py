"""The new-case form of the dispatcher workstation: a problem taken by phone (12319 hotline)
or from someone at the counter.

Offers ``NewCaseDialog(reference, allowed_sources)`` to the workstation's presenter: after
``exec()`` returns Accepted, ``report_args()`` is the ``case.report`` intent's arguments exactly
as ``schemas.CaseReportArgs`` accepts them (with a client-made UUIDv7 ``case_id``, the same
for every call on one dialog, so a retried write does not make two cases), and
``reporter_phone()`` the caller's number (the wire has no field for it; the presenter decides
where it goes). Every bad field says so in red under itself; OK stays disabled until all are
good, its tooltip naming what is missing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import uuid6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from cityops.desktop.case_detail import source_label
from cityops.desktop.i18n import name_of
from cityops.desktop.pickers import ok_cancel
from cityops.domain import cases as cs
from cityops.domain.city import CITY_CODE
from cityops.domain.geography import district_at
from cityops.domain.reference import Reference

#: A phone number: digits only (a landline with area code has 11-12, a mobile 11, a short
#: service number 5), optionally written with spaces or dashes, which are dropped.
PHONE_MIN_DIGITS, PHONE_MAX_DIGITS = 5, 20


def _error_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(f"error_{name}")
    label.setStyleSheet("color: #cf222e; font-size: 12px;")
    label.setWordWrap(True)
    label.hide()
    return label


class NewCaseDialog(QDialog):
    """Record a reported problem; validates as the user types."""

    def __init__(
        self,
        reference: Reference,
        allowed_sources: Iterable[cs.CaseSource | str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ref = reference
        allowed = {cs.CaseSource(s) for s in allowed_sources}
        self._sources = [s for s in cs.CaseSource if s in allowed]  # the standard's order
        self._case_id = str(uuid6.uuid7())
        self._errors: dict[str, QLabel] = {}
        self._problems: dict[str, str] = {}
        self._setup_ui()
        self._validate()

    # ------------------------------------------------------------------ ui

    def _setup_ui(self) -> None:
        self.setWindowTitle(self.tr("新建案件"))
        self.setMinimumWidth(520)
        column = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        column.addLayout(form)

        def add(title: str, field: QWidget, name: str, extra: QWidget | None = None) -> None:
            box = QVBoxLayout()
            box.setSpacing(2)
            if extra is None:
                box.addWidget(field)
            else:
                line = QHBoxLayout()
                line.addWidget(field, 1)
                line.addWidget(extra)
                box.addLayout(line)
            error = _error_label(name)
            self._errors[name] = error
            box.addWidget(error)
            form.addRow(title, box)

        self._source = QComboBox()
        self._source.setObjectName("source")
        for source in self._sources:
            self._source.addItem(source_label(source), source.value)
        if cs.CaseSource.HOTLINE in self._sources:
            self._source.setCurrentIndex(self._sources.index(cs.CaseSource.HOTLINE))
        add(self.tr("来源 *"), self._source, "source")

        self._description = QPlainTextEdit()
        self._description.setObjectName("description")
        self._description.setTabChangesFocus(True)
        self._description.setPlaceholderText(self.tr("问题是什么、在哪里、有多严重"))
        self._description.setFixedHeight(96)
        self._count = QLabel()
        self._count.setObjectName("count")
        self._count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
        self._count.setStyleSheet("color: #57606a; font-size: 11px;")
        add(self.tr("问题描述 *"), self._description, "description", self._count)

        self._district = QComboBox()
        self._district.setObjectName("district")
        self._district.addItem(self.tr("请选择区县"), None)
        for code in self._ref.units.children.get(CITY_CODE, ()):
            self._district.addItem(name_of(self._ref.units.units[code]), code)
        add(self.tr("区县 *"), self._district, "district")

        self._street = QComboBox()
        self._street.setObjectName("street")
        add(self.tr("街道"), self._street, "street")
        self._community = QComboBox()
        self._community.setObjectName("community")
        add(self.tr("社区"), self._community, "community")

        self._address = QLineEdit()
        self._address.setObjectName("address")
        self._address.setPlaceholderText(self.tr("路名门牌或地标"))
        self._address.setMaxLength(500)
        add(self.tr("地址"), self._address, "address")

        position = QWidget()
        line = QHBoxLayout(position)
        line.setContentsMargins(0, 0, 0, 0)
        self._lon = QLineEdit()
        self._lon.setObjectName("lon")
        self._lon.setPlaceholderText(self.tr("经度，如 120.1551"))
        self._lat = QLineEdit()
        self._lat.setObjectName("lat")
        self._lat.setPlaceholderText(self.tr("纬度，如 30.2741"))
        line.addWidget(self._lon)
        line.addWidget(self._lat)
        add(self.tr("坐标"), position, "position")
        self._position_note = QLabel()
        self._position_note.setObjectName("note_position")
        self._position_note.setStyleSheet("color: #9a6700; font-size: 12px;")
        self._position_note.setWordWrap(True)
        self._position_note.hide()
        form.addRow("", self._position_note)

        self._phone = QLineEdit()
        self._phone.setObjectName("phone")
        self._phone.setPlaceholderText(self.tr("选填，仅数字"))
        self._phone.setMaxLength(32)
        add(self.tr("来电号码"), self._phone, "phone")

        buttons, self._ok = ok_cancel(self, self._on_buttons_accepted, self.tr("上报"))
        column.addWidget(buttons)

        self._description.textChanged.connect(self._validate)
        self._district.currentIndexChanged.connect(self._on_district_changed)
        self._street.currentIndexChanged.connect(self._on_street_changed)
        for edit in (self._lon, self._lat, self._phone):
            edit.textChanged.connect(self._validate)
        self._on_district_changed()
        self._description.setFocus()

    # ------------------------------------------------------------------ cascading areas

    def _fill(self, combo: QComboBox, parent: str | None, anything: str) -> None:
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(anything, None)
        for code in self._ref.units.children.get(parent or "", ()) if parent else ():
            combo.addItem(name_of(self._ref.units.units[code]), code)
        combo.setEnabled(combo.count() > 1)
        combo.blockSignals(False)

    def _on_district_changed(self) -> None:
        self._fill(self._street, self._district.currentData(), self.tr("（不限街道）"))
        self._on_street_changed()

    def _on_street_changed(self) -> None:
        self._fill(self._community, self._street.currentData(), self.tr("（不限社区）"))
        self._validate()

    # ------------------------------------------------------------------ validation

    def _parse_position(self) -> tuple[float | None, float | None, str]:
        texts = (self._lon.text().strip(), self._lat.text().strip())
        if not any(texts):
            return None, None, ""
        if not all(texts):
            return None, None, self.tr("经度和纬度要么都填，要么都不填")
        values: list[float] = []
        for text, low, high, name in (
            (texts[0], cs.MIN_LON, cs.MAX_LON, self.tr("经度")),
            (texts[1], cs.MIN_LAT, cs.MAX_LAT, self.tr("纬度")),
        ):
            try:
                value = float(text)
            except ValueError:
                return None, None, name + self.tr("应为数字，如 120.1551")
            if not math.isfinite(value) or not low <= value <= high:
                return (
                    None,
                    None,
                    name
                    + self.tr("应在 %1 到 %2 之间")
                    .replace("%1", f"{low:g}")
                    .replace("%2", f"{high:g}"),
                )
            values.append(value)
        return values[0], values[1], ""

    def _phone_digits(self) -> tuple[str, str]:
        raw = self._phone.text().strip()
        digits = raw.replace(" ", "").replace("-", "")
        if not raw:
            return "", ""
        if not digits.isascii() or not digits.isdigit():
            return "", self.tr("电话号码只能包含数字")
        if not PHONE_MIN_DIGITS <= len(digits) <= PHONE_MAX_DIGITS:
            return "", self.tr("电话号码应为 %1 到 %2 位数字").replace(
                "%1", str(PHONE_MIN_DIGITS)
            ).replace("%2", str(PHONE_MAX_DIGITS))
        return digits, ""

    def _validate(self) -> None:
        problems: dict[str, str] = {}
        if not self._sources:
            problems["source"] = self.tr("您的角色不能上报案件")
        text = self._description.toPlainText()
        self._count.setText(f"{len(text)}/{cs.MAX_TEXT_LENGTH}")
        if not text.strip():
            problems["description"] = self.tr("请填写问题描述")
        elif len(text) > cs.MAX_TEXT_LENGTH:
            problems["description"] = (
                self.tr("问题描述最多 %1 字（当前 %2 字）")
                .replace("%1", str(cs.MAX_TEXT_LENGTH))
                .replace("%2", str(len(text)))
            )
        if self._district.currentData() is None:
            problems["district"] = self.tr("请选择区县")
        lon, lat, position_problem = self._parse_position()
        if position_problem:
            problems["position"] = position_problem
        _, phone_problem = self._phone_digits()
        if phone_problem:
            problems["phone"] = phone_problem

        for name, label in self._errors.items():
            label.setText(problems.get(name, ""))
            label.setVisible(name in problems)
        # Not an error (the caller may stand at a district border): a hint worth a second look.
        note = ""
        district = self._district.currentData()
        if lon is not None and lat is not None and district is not None:
            found = district_at(lon, lat)
            if found != district:
                where = name_of(self._ref.units.units[found]) if found else self.tr("杭州市外")
                note = self.tr("注意：该坐标位于 %1，不在所选区县内").replace("%1", where)
        self._position_note.setText(note)
        self._position_note.setVisible(bool(note))

        self._problems = problems
        self._ok.setEnabled(not problems)
        self._ok.setToolTip("\n".join(problems.values()))

    def problems(self) -> dict[str, str]:
        """Field name → what is wrong with it (empty when the form can be sent)."""
        return dict(self._problems)

    def _on_buttons_accepted(self) -> None:
        self._validate()
        if not self._problems:
            self.accept()

    # ------------------------------------------------------------------ result

    def report_args(self) -> dict[str, Any]:
        """The ``case.report`` arguments (``schemas.CaseReportArgs``); valid only when
        ``problems()`` is empty."""
        lon, lat, _ = self._parse_position()
        return {
            "case_id": self._case_id,
            "source": cs.CaseSource(self._source.currentData()).value,
            "description": self._description.toPlainText().strip(),
            "district_code": self._district.currentData(),
            "street_code": self._street.currentData(),
            "community_code": self._community.currentData(),
            "address": self._address.text().strip(),
            "lon": lon,
            "lat": lat,
        }

    def reporter_phone(self) -> str:
        """The caller's number as digits, "" when not given."""
        return self._phone_digits()[0]
