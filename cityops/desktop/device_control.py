"""The device-control window: the 273 LED screens and the street and landscape lights.

Offers ``DeviceControlWindow(user_text)`` to the window manager (its presenter is
``device_control_presenter.DeviceControlPresenter``), plus the texts it shows, shared with the
presenter: ``describe_payload(payload, count)`` ("紧急接管 至 18:30：…"), ``cells_of(row, now)``
(one device's row in the tree), ``cell_texts()`` (the words of such a row in the current language,
for the presenter's worker) and ``local_clock(iso)``.

Layout: the device tree (district → group → device, search, offline / faulty filters) on the
left; on the right the LED panel (publish text, emergency takeover with its mandatory end,
restore now, brightness, screen power), the lighting panel (the master switch, on / off / dim
of the selected groups) and the schedule form with tonight's preview; below, the progress of
group commands (acked / failed / pending / expired as the gateway answers; retry the failed
ones) and the audit list (who commanded what, when; refusals with the reason).

Shortcuts: Ctrl+F search, Ctrl+P publish, Ctrl+T takeover, Ctrl+R restore, Ctrl+Shift+R retry
the failed devices of the chosen command. The window holds no store: it emits
``command_requested(action, scope, params)`` and the presenter decides, confirms and submits.
Actions: ``show``, ``takeover``, ``restore``, ``brightness``, ``screen_power``,
``lights_power``, ``lights_level``; scope ``selection`` or ``all``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cityops.desktop import device_feed as feed
from cityops.desktop.schedule_form import ScheduleForm
from cityops.desktop.status_bar import (
    OfflineBanner,
    SyncStatusBar,
    message_line,
    show_message_line,
)
from cityops.widgets.device_tree import DeviceCells, DeviceTree

_T = QCoreApplication.translate


local_clock = feed.local_clock  # the window's and the presenter's clock texts


def describe_payload(payload: Mapping[str, Any]) -> str:
    kind = payload.get("type")
    if kind == "take_over":
        text = _T("DeviceControl", "紧急接管 至 %1：%2")
        return text.replace("%1", local_clock(payload.get("until"))).replace(
            "%2", str(payload.get("text") or payload.get("content_id") or "")
        )
    if kind == "restore":
        return _T("DeviceControl", "结束接管，恢复原内容")
    if kind == "show_content":
        return _T("DeviceControl", "发布内容：%1").replace(
            "%1", str(payload.get("text") or payload.get("content_id") or "")
        )
    if kind == "set_power":
        if payload.get("on"):
            return _T("DeviceControl", "打开电源（开灯/开屏）")
        return _T("DeviceControl", "关闭电源（关灯/关屏）")
    if kind == "set_level":
        return _T("DeviceControl", "亮度/调光 %1%").replace("%1", str(payload.get("percent")))
    return str(kind)


def cell_texts() -> feed.CellTexts:
    """The words of a device's row in the current language (the worker fills them in)."""
    return feed.CellTexts(
        offline=_T("DeviceControl", "离线"),
        on=_T("DeviceControl", "在线·开"),
        off=_T("DeviceControl", "在线·关"),
        takeover=_T("DeviceControl", "紧急接管中（至 %1）"),
    )


def cells_of(row: feed.DeviceRow, now: datetime) -> DeviceCells:
    """One device's row (small numbers of rows; the tree's bulk is computed in a worker)."""
    return feed.cells_of(row, now, cell_texts())


class DeviceControlWindow(QMainWindow):
    command_requested = Signal(str, str, dict)  # action, scope (selection/all), parameters
    retry_requested = Signal(str)  # group command id
    language_requested = Signal(str)
    shown = Signal()  # the window (re)appeared: a held command is asked about now
    closed = Signal()  # the user closed it: a question still open stays unanswered

    def __init__(self, user_text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("设备控制 — LED 大屏与路灯"))
        self._progress_ids: list[str] = []
        self._setup_ui(user_text)

    # ------------------------------------------------------------------ building

    def _setup_ui(self, user_text: str) -> None:
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(6, 6, 6, 6)
        self.banner = OfflineBanner()
        outer.addWidget(self.banner)
        self.message = message_line()  # named messageLine: show_message_line colours it
        outer.addWidget(self.message)
        vertical = QSplitter(Qt.Orientation.Vertical)
        horizontal = QSplitter(Qt.Orientation.Horizontal)
        self.tree = DeviceTree()
        horizontal.addWidget(self.tree)
        self.panels = QTabWidget()
        self.panels.addTab(self._led_panel(), self.tr("LED 大屏"))
        self.panels.addTab(self._lights_panel(), self.tr("照明"))
        self.schedule = ScheduleForm()
        self.panels.addTab(self.schedule, self.tr("照明计划"))
        horizontal.addWidget(self.panels)
        horizontal.setSizes([900, 600])
        vertical.addWidget(horizontal)
        vertical.addWidget(self._bottom())
        vertical.setSizes([620, 280])
        outer.addWidget(vertical, 1)
        self.setCentralWidget(central)
        self.status = SyncStatusBar(user_text)
        self.setStatusBar(self.status)
        self._menus()

    def _led_panel(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        self.selection_label = QLabel(self.tr("未选择设备"))
        self.selection_label.setWordWrap(True)
        layout.addWidget(self.selection_label)
        scope_row = QHBoxLayout()
        scope_row.addWidget(QLabel(self.tr("作用范围：")))
        self.led_scope = QComboBox()
        self.led_scope.addItem(self.tr("树中所选的大屏"), "selection")
        self.led_scope.addItem(self.tr("全部大屏（“一张图”）"), "all")
        scope_row.addWidget(self.led_scope, 1)
        layout.addLayout(scope_row)
        content = QGroupBox(self.tr("内容"))
        grid = QGridLayout(content)
        self.content_edit = QLineEdit()
        self.content_edit.setPlaceholderText(self.tr("要显示的文字，或图片编号 img:…"))
        grid.addWidget(self.content_edit, 0, 0, 1, 3)
        self.show_button = QPushButton(self.tr("发布内容 (Ctrl+P)"))
        grid.addWidget(self.show_button, 1, 0)
        grid.addWidget(QLabel(self.tr("接管时长（分钟）")), 2, 0)
        self.takeover_minutes = QSpinBox()
        self.takeover_minutes.setRange(1, 24 * 60)
        self.takeover_minutes.setValue(30)
        grid.addWidget(self.takeover_minutes, 2, 1)
        self.takeover_button = QPushButton(self.tr("紧急接管 (Ctrl+T)"))
        self.takeover_button.setStyleSheet("color: #c62828; font-weight: bold;")
        grid.addWidget(self.takeover_button, 3, 0)
        self.restore_button = QPushButton(self.tr("立即恢复 (Ctrl+R)"))
        grid.addWidget(self.restore_button, 3, 1)
        layout.addWidget(content)
        screen = QGroupBox(self.tr("亮度与电源"))
        row = QHBoxLayout(screen)
        self.brightness = QSpinBox()
        self.brightness.setRange(0, 100)
        self.brightness.setValue(80)
        self.brightness.setSuffix(" %")
        self.brightness_button = QPushButton(self.tr("设置亮度"))
        self.screen_on_button = QPushButton(self.tr("开屏"))
        self.screen_off_button = QPushButton(self.tr("关屏"))
        for widget in (
            self.brightness,
            self.brightness_button,
            self.screen_on_button,
            self.screen_off_button,
        ):
            row.addWidget(widget)
        layout.addWidget(screen)
        layout.addStretch(1)
        self.show_button.clicked.connect(self._on_show_clicked)
        self.takeover_button.clicked.connect(self._on_takeover_clicked)
        self.restore_button.clicked.connect(self._on_restore_clicked)
        self.brightness_button.clicked.connect(
            lambda: self._emit_led("brightness", {"percent": self.brightness.value()})
        )
        self.screen_on_button.clicked.connect(lambda: self._emit_led("screen_power", {"on": True}))
        self.screen_off_button.clicked.connect(
            lambda: self._emit_led("screen_power", {"on": False})
        )
        return panel

    def _lights_panel(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        master = QGroupBox(self.tr("总开关（全市道路与景观照明“一个开关”）"))
        row = QHBoxLayout(master)
        self.all_on_button = QPushButton(self.tr("全部开灯"))
        self.all_off_button = QPushButton(self.tr("全部关灯"))
        self.all_off_button.setStyleSheet("color: #c62828; font-weight: bold;")
        row.addWidget(self.all_on_button)
        row.addWidget(self.all_off_button)
        layout.addWidget(master)
        group = QGroupBox(self.tr("树中所选的照明设备"))
        grid = QGridLayout(group)
        self.lights_on_button = QPushButton(self.tr("开灯"))
        self.lights_off_button = QPushButton(self.tr("关灯"))
        grid.addWidget(self.lights_on_button, 0, 0)
        grid.addWidget(self.lights_off_button, 0, 1)
        self.dim_level = QSpinBox()
        self.dim_level.setRange(0, 100)
        self.dim_level.setValue(50)
        self.dim_level.setSuffix(" %")
        self.dim_button = QPushButton(self.tr("调光"))
        grid.addWidget(self.dim_level, 1, 0)
        grid.addWidget(self.dim_button, 1, 1)
        layout.addWidget(group)
        layout.addStretch(1)
        self.all_on_button.clicked.connect(
            lambda: self.command_requested.emit("lights_power", "all", {"on": True})
        )
        self.all_off_button.clicked.connect(
            lambda: self.command_requested.emit("lights_power", "all", {"on": False})
        )
        self.lights_on_button.clicked.connect(
            lambda: self.command_requested.emit("lights_power", "selection", {"on": True})
        )
        self.lights_off_button.clicked.connect(
            lambda: self.command_requested.emit("lights_power", "selection", {"on": False})
        )
        self.dim_button.clicked.connect(
            lambda: self.command_requested.emit(
                "lights_level", "selection", {"percent": self.dim_level.value()}
            )
        )
        return panel

    def _bottom(self) -> QWidget:
        self.bottom = QTabWidget()
        progress = QWidget()
        layout = QVBoxLayout(progress)
        layout.setContentsMargins(0, 0, 0, 0)
        self.progress_table = QTableWidget(0, 9)
        self.progress_table.setHorizontalHeaderLabels(
            [
                self.tr("时间"),
                self.tr("操作人"),
                self.tr("指令"),
                self.tr("设备数"),
                self.tr("已确认"),
                self.tr("失败"),
                self.tr("待回执"),
                self.tr("已过期"),
                self.tr("状态"),
            ]
        )
        header = self.progress_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(8, QHeaderView.ResizeMode.Stretch)
        self.progress_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.progress_table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.progress_table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.progress_table.verticalHeader().setVisible(False)
        layout.addWidget(self.progress_table, 1)
        row = QHBoxLayout()
        self.retry_button = QPushButton(self.tr("重试失败的设备 (Ctrl+Shift+R)"))
        self.retry_button.clicked.connect(self._on_retry_clicked)
        row.addWidget(self.retry_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.bottom.addTab(progress, self.tr("指令进度"))
        self.audit_list = QListWidget()
        self.bottom.addTab(self.audit_list, self.tr("操作审计"))
        return self.bottom

    def _menus(self) -> None:
        for text, keys, slot in (
            (self.tr("搜索设备"), "Ctrl+F", self._on_search_shortcut),
            (self.tr("发布内容"), "Ctrl+P", self._on_show_clicked),
            (self.tr("紧急接管"), "Ctrl+T", self._on_takeover_clicked),
            (self.tr("立即恢复"), "Ctrl+R", self._on_restore_clicked),
            (self.tr("重试失败的设备"), "Ctrl+Shift+R", self._on_retry_clicked),
        ):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(slot)
            self.addAction(action)
        self.windows_menu = self.menuBar().addMenu(self.tr("窗口(&W)"))
        settings = self.menuBar().addMenu(self.tr("设置(&S)"))
        for lang, label in (("zh", "简体中文"), ("en", "English")):
            choose = QAction(label, self)
            choose.triggered.connect(lambda _c=False, lg=lang: self.language_requested.emit(lg))
            settings.addAction(choose)

    # ------------------------------------------------------------------ state shown

    def show_message(self, text: str, *, error: bool = False) -> None:
        show_message_line(self.message, text, error=error)

    def set_selection_summary(self, screens: int, lights: int, offline: int) -> None:
        if not screens and not lights:
            self.selection_label.setText(self.tr("未选择设备"))
            return
        self.selection_label.setText(
            self.tr("已选择 %1 块大屏、%2 个照明设备（%3 台离线）")
            .replace("%1", str(screens))
            .replace("%2", str(lights))
            .replace("%3", str(offline))
        )

    def set_progress(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Rows: ``id, at, who, what, total, acked, failed, pending, expired, state``."""
        table = self.progress_table
        chosen = self.chosen_command()
        self._progress_ids = [str(r["id"]) for r in rows]
        table.setRowCount(len(rows))
        for n, row in enumerate(rows):
            values = (
                local_clock(row["at"], seconds=True),
                row["who"],
                row["what"],
                row["total"],
                row["acked"],
                row["failed"],
                row["pending"],
                row["expired"],
                row["state"],
            )
            for column, value in enumerate(values):
                text = "" if value is None else str(value)
                item = table.item(n, column)
                if item is None:
                    item = QTableWidgetItem(text)
                    table.setItem(n, column, item)
                elif item.text() != text:
                    item.setText(text)
                if column == 8:
                    item.setForeground(
                        Qt.GlobalColor.darkRed if row.get("bad") else Qt.GlobalColor.black
                    )
        if chosen in self._progress_ids:
            table.selectRow(self._progress_ids.index(chosen))

    def progress_row(self, group_command_id: str) -> dict[str, str] | None:
        """The progress table's texts for one command (tests and the smoke run read them)."""
        if group_command_id not in self._progress_ids:
            return None
        n = self._progress_ids.index(group_command_id)
        keys = ("at", "who", "what", "total", "acked", "failed", "pending", "expired", "state")
        out = {}
        for column, key in enumerate(keys):
            item = self.progress_table.item(n, column)
            out[key] = item.text() if item is not None else ""
        return out

    def chosen_command(self) -> str | None:
        """The command selected in the progress table; None without a selection (a retry
        must name its command, never fall back to the newest)."""
        rows = self.progress_table.selectionModel().selectedRows()
        if rows and rows[0].row() < len(self._progress_ids):
            return self._progress_ids[rows[0].row()]
        return None

    def set_audit(self, lines: Sequence[str]) -> None:
        if [self.audit_list.item(i).text() for i in range(self.audit_list.count())] == list(lines):
            return
        self.audit_list.clear()
        self.audit_list.addItems(list(lines))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.shown.emit()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self.closed.emit()
        super().closeEvent(event)

    # ------------------------------------------------------------------ slots

    def _emit_led(self, action: str, params: dict[str, Any]) -> None:
        self.command_requested.emit(action, str(self.led_scope.currentData()), params)

    def _on_show_clicked(self) -> None:
        text = self.content_edit.text().strip()
        if not text:
            self.show_message(self.tr("请先输入要显示的内容"), error=True)
            return
        self._emit_led("show", {"text": text})

    def _on_takeover_clicked(self) -> None:
        text = self.content_edit.text().strip()
        if not text:
            self.show_message(self.tr("紧急接管需要输入显示内容"), error=True)
            return
        self._emit_led("takeover", {"text": text, "minutes": self.takeover_minutes.value()})

    def _on_restore_clicked(self) -> None:
        self._emit_led("restore", {})

    def _on_retry_clicked(self) -> None:
        chosen = self.chosen_command()
        if chosen is None:
            self.show_message(self.tr("请先在“指令进度”中选择要重试的指令"), error=True)
            return
        self.retry_requested.emit(chosen)

    def _on_search_shortcut(self) -> None:
        self.tree.search.setFocus()
        self.tree.search.selectAll()
