"""The lighting schedule editor with a preview of tonight's on/off times at Hangzhou.

Offers to the device-control window (``schedule_presenter`` feeds it and saves what it asks):

- ``ScheduleForm``: which schedule is edited (the city's default ``"*"`` or one lighting
  group's, ``set_groups`` / ``group()`` / ``group_changed(code)``), and a seasonal calendar
  edited in a form — the all-year periods and any number of seasons (name, from MM-DD,
  to MM-DD), each with periods "on → off at level %" where a time is a clock time (``18:30``)
  or a sun event with a minute offset (``sunset+15``, ``sunrise-10``, ``dusk``, ``dawn+5``);
  a date picker and the preview of that night's lit intervals (``lighting_schedule.tonight``),
  refreshed as the form changes; a readable error when a time, a date or overlapping seasons
  are wrong. ``schedule_dict()`` / ``set_schedule(data, status=)`` in the
  ``schedule_from_dict`` shape; ``save_requested(dict)``; ``use_default_requested()`` (a group
  goes back to the city default); ``show_result(text, error=)`` (the server's answer, inline);
  ``dirty()`` (edited since last shown).

Where schedules live: on the server (``server/lighting_schedules.py`` stores and runs them),
synced down into the local store like every entity; the form keeps no file. An edit not yet
saved lives only in the form: closing the window drops it.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cityops.domain.city import CITY_TZ
from cityops.domain.group_schedules import CITY_DEFAULT
from cityops.domain.lighting_schedule import schedule_from_dict, tonight

#: What the form shows before the first schedule is read (no periods: nothing lit).
EMPTY_SCHEDULE: dict[str, Any] = {"periods": [], "seasons": []}


class ScheduleForm(QWidget):
    save_requested = Signal(dict)
    group_changed = Signal(str)
    use_default_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data: dict[str, Any] = json.loads(json.dumps(EMPTY_SCHEDULE))
        self._current = -1  # -1: the all-year periods; else the season's index
        self._loading = False
        self._dirty = False
        self._setup_ui()
        self.set_schedule(self._data)

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        which = QHBoxLayout()
        self.group_combo = QComboBox()
        self.group_combo.addItem(self.tr("全市默认计划"), CITY_DEFAULT)
        self.use_default_button = QPushButton(self.tr("改为沿用全市默认"))
        self.use_default_button.setEnabled(False)
        which.addWidget(QLabel(self.tr("适用于：")))
        which.addWidget(self.group_combo, 1)
        which.addWidget(self.use_default_button)
        layout.addLayout(which)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        top = QHBoxLayout()
        self.season_combo = QComboBox()
        self.add_season_button = QPushButton(self.tr("添加季节"))
        self.remove_season_button = QPushButton(self.tr("删除季节"))
        top.addWidget(QLabel(self.tr("日历：")))
        top.addWidget(self.season_combo, 1)
        top.addWidget(self.add_season_button)
        top.addWidget(self.remove_season_button)
        layout.addLayout(top)
        form = QFormLayout()
        self.name_edit = QLineEdit()
        self.from_edit = QLineEdit()
        self.from_edit.setPlaceholderText("05-01")
        self.to_edit = QLineEdit()
        self.to_edit.setPlaceholderText("09-30")
        form.addRow(self.tr("季节名称"), self.name_edit)
        form.addRow(self.tr("起（月-日）"), self.from_edit)
        form.addRow(self.tr("止（月-日）"), self.to_edit)
        layout.addLayout(form)
        self.periods = QTableWidget(0, 3)
        self.periods.setHorizontalHeaderLabels(
            [self.tr("开灯"), self.tr("关灯"), self.tr("亮度 %")]
        )
        self.periods.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.periods.setToolTip(
            self.tr("时间可写 18:30，或 sunset+15 / sunrise-10 / dusk / dawn+5（日落后 15 分钟等）")
        )
        layout.addWidget(self.periods, 1)
        rows = QHBoxLayout()
        self.add_period_button = QPushButton(self.tr("添加时段"))
        self.remove_period_button = QPushButton(self.tr("删除时段"))
        rows.addWidget(self.add_period_button)
        rows.addWidget(self.remove_period_button)
        rows.addStretch(1)
        layout.addLayout(rows)
        preview = QHBoxLayout()
        preview.addWidget(QLabel(self.tr("预览日期：")))
        self.date_edit = QDateEdit(QDate.currentDate())
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        preview.addWidget(self.date_edit)
        preview.addStretch(1)
        self.save_button = QPushButton(self.tr("保存计划"))
        preview.addWidget(self.save_button)
        layout.addLayout(preview)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)
        self.preview_label = QLabel()
        self.preview_label.setWordWrap(True)
        self.preview_label.setStyleSheet("font-family: monospace;")
        layout.addWidget(self.preview_label)
        self.season_combo.currentIndexChanged.connect(self._on_season_combo_changed)
        self.add_season_button.clicked.connect(self._on_add_season_clicked)
        self.remove_season_button.clicked.connect(self._on_remove_season_clicked)
        self.add_period_button.clicked.connect(self._on_add_period_clicked)
        self.remove_period_button.clicked.connect(self._on_remove_period_clicked)
        self.periods.itemChanged.connect(self._on_form_changed)
        for edit in (self.name_edit, self.from_edit, self.to_edit):
            edit.textChanged.connect(self._on_form_changed)
        self.date_edit.dateChanged.connect(self._on_form_changed)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.group_combo.currentIndexChanged.connect(self._on_group_combo_changed)
        self.use_default_button.clicked.connect(self.use_default_requested)

    # ------------------------------------------------------------------ data

    def set_groups(self, groups: list[tuple[str, str]]) -> None:
        """The lighting groups that may have their own schedule: ``(code, name)``."""
        self.group_combo.blockSignals(True)
        current = self.group()
        while self.group_combo.count() > 1:
            self.group_combo.removeItem(1)
        for code, name in groups:
            self.group_combo.addItem(name, code)
        index = self.group_combo.findData(current)
        self.group_combo.setCurrentIndex(max(index, 0))
        self.group_combo.blockSignals(False)

    def group(self) -> str:
        """The code of the schedule being edited (``"*"``: the city default)."""
        code = self.group_combo.currentData()
        return str(code) if code is not None else CITY_DEFAULT

    def select_group(self, code: str) -> None:
        index = self.group_combo.findData(code)
        if index >= 0:
            self.group_combo.setCurrentIndex(index)

    def set_schedule(self, data: dict[str, Any], *, status: str = "", own: bool = False) -> None:
        """Show ``data``; ``status`` says whose schedule it is (version, who saved it when);
        ``own``: the group has a schedule of its own (it may go back to the city default)."""
        self._data = json.loads(json.dumps(data))
        self._data.setdefault("periods", [])
        self._data.setdefault("seasons", [])
        self._current = -1
        self.status_label.setText(status)
        self.use_default_button.setEnabled(own and self.group() != CITY_DEFAULT)
        self._fill_combo(0)
        self._dirty = False

    def dirty(self) -> bool:
        """Whether the form was edited since it last showed a stored schedule."""
        return self._dirty

    def show_result(self, text: str, *, error: bool = False) -> None:
        self.result_label.setStyleSheet("color: #c62828;" if error else "color: #2e7d32;")
        self.result_label.setText(text)

    def schedule_dict(self) -> dict[str, Any]:
        self._store_current()
        copy: dict[str, Any] = json.loads(json.dumps(self._data))
        return copy

    def preview_day(self) -> date:
        chosen = self.date_edit.date()
        return date(chosen.year(), chosen.month(), chosen.day())

    def set_preview_day(self, day: date) -> None:
        self.date_edit.setDate(QDate(day.year, day.month, day.day))

    def _fill_combo(self, index: int) -> None:
        self._loading = True
        self.season_combo.clear()
        self.season_combo.addItem(self.tr("全年（未被季节覆盖的日子）"))
        for season in self._data["seasons"]:
            self.season_combo.addItem(
                f"{season.get('name', '')}  {season.get('from', '')} → {season.get('to', '')}"
            )
        self._loading = False
        self.season_combo.setCurrentIndex(index)
        self._show(index - 1)

    def _show(self, season: int) -> None:
        self._loading = True
        self._current = season
        is_season = season >= 0
        block = self._data["seasons"][season] if is_season else self._data
        for edit, key in ((self.name_edit, "name"), (self.from_edit, "from"), (self.to_edit, "to")):
            edit.setEnabled(is_season)
            edit.setText(str(block.get(key, "")) if is_season else "")
        self.remove_season_button.setEnabled(is_season)
        self.periods.setRowCount(0)
        for period in block.get("periods", []):
            self._append_period(period)
        self._loading = False
        self._refresh_preview()

    def _append_period(self, period: dict[str, Any]) -> None:
        row = self.periods.rowCount()
        self.periods.insertRow(row)
        for column, key in enumerate(("on", "off", "level")):
            self.periods.setItem(row, column, QTableWidgetItem(str(period.get(key, ""))))

    def _store_current(self) -> None:
        periods = []
        for row in range(self.periods.rowCount()):
            cells = [self.periods.item(row, c) for c in range(3)]
            on, off, level = (c.text().strip() if c is not None else "" for c in cells)
            try:
                level_value: Any = int(level or 100)
            except ValueError:
                level_value = level
            periods.append({"on": on, "off": off, "level": level_value})
        if self._current >= 0:
            season = self._data["seasons"][self._current]
            season.update(
                name=self.name_edit.text().strip(),
                **{"from": self.from_edit.text().strip(), "to": self.to_edit.text().strip()},
            )
            season["periods"] = periods
        else:
            self._data["periods"] = periods

    # ------------------------------------------------------------------ preview

    def preview_lines(self) -> list[str]:
        """The chosen night's lit intervals ("18:52 → 05:03 100 %"), or the error."""
        data = self.schedule_dict()
        day = self.preview_day()
        try:
            schedule = schedule_from_dict(data)
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(str(exc)) from exc
        lines = []
        for interval in tonight(schedule, day):
            on = interval.on_at.astimezone(CITY_TZ)
            off = interval.off_at.astimezone(CITY_TZ)
            next_day = self.tr("（次日）") if off.date() > day else ""
            lines.append(f"{on:%H:%M} → {off:%H:%M}{next_day}  {interval.level} %")
        return lines

    def _refresh_preview(self) -> None:
        day = self.preview_day()
        try:
            lines = self.preview_lines()
        except ValueError as exc:
            self.preview_label.setStyleSheet("color: #c62828;")
            self.preview_label.setText(self.tr("计划有误：") + str(exc))
            self.save_button.setEnabled(False)
            return
        self.preview_label.setStyleSheet("font-family: monospace;")
        self.save_button.setEnabled(True)
        head = self.tr("%1 当晚（杭州）亮灯时段：").replace("%1", day.isoformat())
        body = "\n".join(lines) if lines else self.tr("（不亮灯）")
        self.preview_label.setText(f"{head}\n{body}")

    # ------------------------------------------------------------------ slots

    def _on_form_changed(self, *_args: object) -> None:
        if not self._loading:
            if self.sender() is not self.date_edit:
                self._dirty = True
            self._refresh_preview()

    def _on_group_combo_changed(self, _index: int) -> None:
        self.result_label.clear()
        self.group_changed.emit(self.group())

    def _on_season_combo_changed(self, index: int) -> None:
        if self._loading or index < 0:
            return
        self._store_current()
        self._show(index - 1)

    def _on_add_season_clicked(self) -> None:
        self._dirty = True
        self._store_current()
        self._data["seasons"].append(
            {
                "name": self.tr("夏季"),
                "from": "05-01",
                "to": "09-30",
                "periods": [{"on": "sunset+15", "off": "sunrise-10", "level": 100}],
            }
        )
        self._fill_combo(len(self._data["seasons"]))

    def _on_remove_season_clicked(self) -> None:
        if self._current >= 0:
            self._dirty = True
            del self._data["seasons"][self._current]
            self._current = -1
            self._fill_combo(0)

    def _on_add_period_clicked(self) -> None:
        self._dirty = True
        self._append_period({"on": "sunset", "off": "sunrise", "level": 100})
        self._refresh_preview()

    def _on_remove_period_clicked(self) -> None:
        row = self.periods.currentRow()
        if row >= 0:
            self._dirty = True
            self.periods.removeRow(row)
            self._refresh_preview()

    def _on_save_clicked(self) -> None:
        self.save_requested.emit(self.schedule_dict())
