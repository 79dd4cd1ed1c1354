"""The alarm map window: every located IoT alarm of the city on the offline map, live.

Offers ``AlarmMapWindow(districts, user_text)`` to the window manager (its presenter is
``alarm_map_presenter.AlarmMapPresenter``): a filter bar (severity toggles, kind / state menus,
district), layer switches (cases, heat) and "follow new critical alarms", the ``MapView`` and,
on the right, ``AlarmDetailPane`` — the clicked alarm with acknowledge / shelve / unshelve /
convert-to-case (the queue's keys: A or Ctrl+K, S, U, C) or the clicked case. Also the
critical-alarm pop-up the workstation uses, a status line (shown / held / without position)
and 文件 → 导出地图 (Ctrl+E). The window holds no store: the presenter feeds it and listens to
its signals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cityops.desktop.alarm_panel import (
    ACTIVE_STATES,
    SEVERITY_COLOURS,
    AlarmRow,
    CriticalAlarmPopup,
    ShelveDialog,
    age_text,
    card_status,
    domain_name,
    hall_clock,
)
from cityops.desktop.status_bar import (
    OfflineBanner,
    SyncStatusBar,
    message_line,
    show_message_line,
)
from cityops.domain.alarms import AlarmKind, AlarmState, Severity
from cityops.widgets.map_view import MapView

#: The states the state menu offers, and which of them are on when the window opens (shelved
#: ones are off, as in the queue: they were put aside on purpose).
MAP_STATE_CHOICES = (
    (AlarmState.ACTIVE_UNACK, True),
    (AlarmState.ACTIVE_ACK, True),
    (AlarmState.CLEARED_UNACK, True),
    (AlarmState.SHELVED, False),
)
SEVERITY_ORDER = (Severity.CRITICAL, Severity.MAJOR, Severity.MINOR, Severity.WARNING)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AlarmDetailPane(QFrame):
    """The clicked alarm (or case) and what the dispatcher can do about it."""

    ack_requested = Signal(str, str)  # alarm id, the peak severity seen
    shelve_requested = Signal(str, str, str)  # alarm id, until (ISO 8601), reason
    unshelve_requested = Signal(str)
    convert_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alarmDetailPane")
        self._row: AlarmRow | None = None
        self.shelve_dialog: ShelveDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        self.title_label = QLabel(self.tr("点击地图上的告警查看详情"))
        self.title_label.setWordWrap(True)
        self.title_label.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.body_label = QLabel()
        self.body_label.setWordWrap(True)
        self.body_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.title_label)
        layout.addWidget(self.body_label)
        self.ack_button = QPushButton(self.tr("确认 (A)"))
        self.shelve_button = QPushButton(self.tr("搁置… (S)"))
        self.unshelve_button = QPushButton(self.tr("取消搁置 (U)"))
        self.convert_button = QPushButton(self.tr("转案件 (C)"))
        for button in (
            self.ack_button,
            self.shelve_button,
            self.unshelve_button,
            self.convert_button,
        ):
            layout.addWidget(button)
        layout.addStretch(1)
        self.ack_button.clicked.connect(self._on_ack_button_clicked)
        self.shelve_button.clicked.connect(self._on_shelve_button_clicked)
        self.unshelve_button.clicked.connect(self._on_unshelve_button_clicked)
        self.convert_button.clicked.connect(self._on_convert_button_clicked)
        self._refresh_buttons()

    def alarm_id(self) -> str | None:
        return None if self._row is None else self._row.id

    def show_alarm(self, row: AlarmRow | None) -> None:
        """Show this alarm (``None``: it is gone — closed or out of the store)."""
        if row is None:
            if self._row is not None:
                self.body_label.setText(self.body_label.text() + "\n\n" + self.tr("（已关闭）"))
            self._row = None
            self._refresh_buttons()
            return
        self._row = row
        now = _utc_now()
        colour = SEVERITY_COLOURS[row.severity]
        self.title_label.setText(
            f'<span style="color:{colour}">■</span> {domain_name(row.severity)} · {row.kind}'
        )
        lines = [
            self.tr("状态：") + domain_name(row.state),
            self.tr("设备：") + row.device,
            self.tr("区县：") + row.district,
            self.tr("读数：") + row.reading,
            self.tr("首次告警：%1（%2）· ×%3")
            .replace("%1", hall_clock(row.first_raised_at, now))
            .replace("%2", age_text(row.first_raised_at, now))
            .replace("%3", str(row.occurrences)),
            card_status(row, now),
        ]
        if row.case_id:
            lines.append(self.tr("已转案件：") + row.case_id)
        self.body_label.setText("\n".join(line for line in lines if line))
        self._refresh_buttons()

    def show_case(self, title: str, body: str) -> None:
        self._row = None
        self.title_label.setText(title)
        self.body_label.setText(body)
        self._refresh_buttons()

    def _refresh_buttons(self) -> None:
        row = self._row
        self.ack_button.setEnabled(row is not None and row.needs_ack)
        self.shelve_button.setEnabled(row is not None and row.state in ACTIVE_STATES)
        self.unshelve_button.setEnabled(row is not None and row.state is AlarmState.SHELVED)
        self.convert_button.setEnabled(row is not None and row.case_id is None)

    def _on_ack_button_clicked(self) -> None:
        if self._row is not None and self._row.needs_ack:
            self.ack_requested.emit(self._row.id, self._row.peak_severity.value)

    def _on_shelve_button_clicked(self) -> None:
        row = self._row
        if row is None or row.state not in ACTIVE_STATES:
            return
        self.shelve_dialog = ShelveDialog.ask(row, _utc_now, self, self._on_shelve_chosen)

    def _on_shelve_chosen(self, alarm_id: str, until_iso: str, reason: str) -> None:
        self.shelve_dialog = None
        self.shelve_requested.emit(alarm_id, until_iso, reason)

    def _on_unshelve_button_clicked(self) -> None:
        if self._row is not None and self._row.state is AlarmState.SHELVED:
            self.unshelve_requested.emit(self._row.id)

    def _on_convert_button_clicked(self) -> None:
        if self._row is not None and self._row.case_id is None:
            self.convert_requested.emit(self._row.id)


class _ChoiceMenu(QToolButton):
    """A button with a menu of checkable choices ("all" when every one is on)."""

    changed = Signal()

    def __init__(
        self, title: str, choices: Iterable[tuple[str, str, bool]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._title = title
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self)
        self.actions_by_key: dict[str, QAction] = {}
        for key, label, on in choices:
            action = menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(on)
            action.toggled.connect(self._on_action_toggled)
            self.actions_by_key[key] = action
        self.setMenu(menu)
        self._relabel()

    def chosen(self) -> list[str]:
        return [key for key, action in self.actions_by_key.items() if action.isChecked()]

    def all_chosen(self) -> bool:
        return all(action.isChecked() for action in self.actions_by_key.values())

    def set_chosen(self, keys: Iterable[str]) -> None:
        wanted = set(keys)
        for key, action in self.actions_by_key.items():
            action.blockSignals(True)
            action.setChecked(key in wanted)
            action.blockSignals(False)
        self._relabel()
        self.changed.emit()

    def _relabel(self) -> None:
        n, total = len(self.chosen()), len(self.actions_by_key)
        self.setText(f"{self._title} ▾" if n == total else f"{self._title} ({n}/{total}) ▾")

    def _on_action_toggled(self, _on: bool) -> None:
        self._relabel()
        self.changed.emit()


class AlarmMapWindow(QMainWindow):
    filter_changed = Signal()
    layer_toggled = Signal(str, bool)  # "cases" | "heat", on
    export_requested = Signal(str)  # file path
    language_requested = Signal(str)

    ACK_KEYS = ("A", "Ctrl+K")

    def __init__(
        self,
        districts: Mapping[str, str],
        user_text: str = "",
        parent: QWidget | None = None,
        *,
        flush_ms: int = 200,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("alarmMapWindow")
        self.setWindowTitle(self.tr("告警地图 — 城市运行管理服务平台"))
        self._setup_ui(districts, user_text, flush_ms)
        self._setup_menus()

    # ------------------------------------------------------------------ UI

    def _setup_ui(self, districts: Mapping[str, str], user_text: str, flush_ms: int) -> None:
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        self.banner = OfflineBanner()
        layout.addWidget(self.banner)

        bar = QHBoxLayout()
        self.severity_buttons: dict[Severity, QToolButton] = {}
        for severity in SEVERITY_ORDER:
            button = QToolButton()
            button.setText(domain_name(severity))
            button.setCheckable(True)
            button.setChecked(True)
            button.setObjectName(f"severity_{severity.value}")
            colour = SEVERITY_COLOURS[severity]
            button.setStyleSheet(
                f"QToolButton {{ border: 2px solid {colour}; border-radius: 3px;"
                " padding: 2px 8px; }"
                f"QToolButton:checked {{ background: {colour}; color: white; }}"
            )
            button.toggled.connect(self._on_filter_control_changed)
            self.severity_buttons[severity] = button
            bar.addWidget(button)
        self.kind_menu = _ChoiceMenu(
            self.tr("类型"), ((k.value, domain_name(k), True) for k in AlarmKind)
        )
        self.state_menu = _ChoiceMenu(
            self.tr("状态"), ((s.value, domain_name(s), on) for s, on in MAP_STATE_CHOICES)
        )
        self.kind_menu.changed.connect(self._on_filter_control_changed)
        self.state_menu.changed.connect(self._on_filter_control_changed)
        bar.addWidget(self.kind_menu)
        bar.addWidget(self.state_menu)
        self.district_combo = QComboBox()
        self.district_combo.addItem(self.tr("全部区县"), None)
        for code, name in districts.items():
            self.district_combo.addItem(name, code)
        self.district_combo.currentIndexChanged.connect(self._on_filter_control_changed)
        bar.addWidget(self.district_combo)
        bar.addSpacing(16)
        self.cases_check = QCheckBox(self.tr("案件图层"))
        self.heat_check = QCheckBox(self.tr("热力图"))
        self.follow_check = QCheckBox(self.tr("跟随新紧急告警"))
        self.follow_check.setChecked(True)
        self.cases_check.toggled.connect(lambda on: self.layer_toggled.emit("cases", on))
        self.heat_check.toggled.connect(lambda on: self.layer_toggled.emit("heat", on))
        for check in (self.cases_check, self.heat_check, self.follow_check):
            bar.addWidget(check)
        bar.addStretch(1)
        self.export_button = QPushButton(self.tr("导出地图…"))
        self.export_button.clicked.connect(self._on_export_button_clicked)
        bar.addWidget(self.export_button)
        layout.addLayout(bar)

        self.message = message_line()
        layout.addWidget(self.message)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.map = MapView(flush_ms=flush_ms)
        self.map.setMinimumSize(400, 300)
        splitter.addWidget(self.map)
        self.detail = AlarmDetailPane()
        self.detail.setMinimumWidth(260)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([1200, 320])
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)

        self.count_label = QLabel()
        self.status = SyncStatusBar(user_text)
        self.status.addWidget(self.count_label)
        self.setStatusBar(self.status)
        self.popup = CriticalAlarmPopup(self)
        self.popup.locate_button.setText(self.tr("在地图上查看"))

    def _setup_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("文件(&F)"))
        export = QAction(self.tr("导出地图…"), self)
        export.setShortcut(QKeySequence("Ctrl+E"))
        export.triggered.connect(self._on_export_button_clicked)
        file_menu.addAction(export)
        self.addAction(export)
        alarm_menu = self.menuBar().addMenu(self.tr("告警(&A)"))
        pane = self.detail
        for label, keys, slot in (
            (self.tr("确认"), self.ACK_KEYS, pane.ack_button.click),
            (self.tr("搁置…"), ("S",), pane.shelve_button.click),
            (self.tr("取消搁置"), ("U",), pane.unshelve_button.click),
            (self.tr("转案件"), ("C",), pane.convert_button.click),
        ):
            action = QAction(label, self)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.triggered.connect(slot)
            alarm_menu.addAction(action)
            self.addAction(action)
        view = self.menuBar().addMenu(self.tr("视图(&V)"))
        for check, key in ((self.cases_check, "Ctrl+1"), (self.heat_check, "Ctrl+2")):
            toggle = QAction(check.text(), self)
            toggle.setShortcut(QKeySequence(key))
            toggle.triggered.connect(check.toggle)
            view.addAction(toggle)
            self.addAction(toggle)
        follow = QAction(self.follow_check.text(), self)
        follow.setShortcut(QKeySequence("F"))
        follow.triggered.connect(self.follow_check.toggle)
        view.addAction(follow)
        self.addAction(follow)
        self.windows_menu = self.menuBar().addMenu(self.tr("窗口(&W)"))
        settings = self.menuBar().addMenu(self.tr("设置(&S)"))
        for lang, label in (("zh", "简体中文"), ("en", "English")):
            choose = QAction(label, self)
            choose.triggered.connect(lambda _c=False, lg=lang: self.language_requested.emit(lg))
            settings.addAction(choose)

    # ------------------------------------------------------------------ state

    def filter_spec(self) -> dict[str, list[str] | None]:
        """What the filter bar lets through (``None``: everything of that dimension)."""
        severities = [s.value for s, b in self.severity_buttons.items() if b.isChecked()]
        district = self.district_combo.currentData()
        return {
            "kinds": None if self.kind_menu.all_chosen() else self.kind_menu.chosen(),
            "severities": None if len(severities) == len(SEVERITY_ORDER) else severities,
            "states": self.state_menu.chosen(),
            "districts": None if district is None else [str(district)],
        }

    def following(self) -> bool:
        return self.follow_check.isChecked()

    def set_counts(self, shown: int, held: int, unplaced: int) -> None:
        text = self.tr("地图显示 %1 条 / 共 %2 条告警").replace("%1", f"{shown:,}")
        text = text.replace("%2", f"{held:,}")
        if unplaced:
            text += " · " + self.tr("%1 条无位置（仅在列表中）").replace("%1", f"{unplaced:,}")
        self.count_label.setText(text)

    def show_message(self, text: str, *, error: bool = False) -> None:
        show_message_line(self.message, text, error=error)

    # ------------------------------------------------------------------ slots

    def _on_filter_control_changed(self, *_args: Any) -> None:
        self.filter_changed.emit()

    def _on_export_button_clicked(self) -> None:
        dialog = QFileDialog(self, self.tr("导出地图"), "", self.tr("网页 (*.html)"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("html")
        dialog.fileSelected.connect(self.export_requested)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()  # not exec(): no nested loop inside the qasync loop
