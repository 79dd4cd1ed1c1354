"""The dispatcher workstation: the case queues of the closed loop, the case in hand, live alarms.

Offers ``WorkstationWindow(session)``, a ``QMainWindow`` with: an offline banner and a list of
refused intents at the top; the filter bar; one tab per queue (to verify, to file, to dispatch,
in progress, awaiting check, overdue, rework, public reports, all cases); the queue table (a
million rows stay instant: ids + lazy rows, sorting and filtering in the columnar index); the
case detail on the right; the alarm queue docked on the side; the sync status bar. Every action
is in the 案件 menu with its shortcut (single keys act on the selected cases while the table has
the focus; Ctrl+N new case, Ctrl+F search, Ctrl+1…9 queues, F5 refresh). All data work runs in
``WorkstationPresenter`` (``workstation_presenter.py``); this module only builds and shows.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QListWidget,
    QMainWindow,
    QSplitter,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from cityops.desktop.case_actions import ACTIONS
from cityops.desktop.case_filters import CaseFilterBar
from cityops.desktop.case_table_model import CaseTableView
from cityops.desktop.i18n import language
from cityops.desktop.status_bar import (
    OfflineBanner,
    SyncStatusBar,
    message_line,
    show_message_line,
)
from cityops.domain.reference import Reference
from cityops.local_store.case_index import QUEUES


def queue_title(key: str) -> str:
    spec = QUEUES[key]
    return spec.title_en if language() == "en" else spec.title_zh


class WorkstationWindow(QMainWindow):
    action_requested = Signal(str)  # an ACTIONS key
    new_case_requested = Signal()
    queue_selected = Signal(str)  # a QUEUES key
    language_requested = Signal(str)

    def __init__(self, reference: Reference, user_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reference = reference
        self.case_actions: dict[str, QAction] = {}
        self._setup_ui(user_text)

    def _setup_ui(self, user_text: str) -> None:
        self.setWindowTitle(self.tr("城市运行指挥大厅 — 调度工作台"))
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.banner = OfflineBanner()
        layout.addWidget(self.banner)
        self.message = message_line()
        layout.addWidget(self.message)
        self.rejections = QListWidget()
        self.rejections.setObjectName("rejections")
        self.rejections.setMaximumHeight(90)
        self.rejections.setStyleSheet("#rejections { background: #ffebee; color: #b71c1c; }")
        self.rejections.hide()
        layout.addWidget(self.rejections)
        self.filters = CaseFilterBar(self.reference)
        layout.addWidget(self.filters)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(0)
        self.tabs = QTabBar()
        self.tabs.setExpanding(False)
        self.queue_keys = list(QUEUES)
        for key in self.queue_keys:
            self.tabs.addTab(queue_title(key))
        left_layout.addWidget(self.tabs)
        self.table = CaseTableView()
        left_layout.addWidget(self.table, 1)
        self.count_label = QLabel()
        self.count_label.setContentsMargins(8, 2, 8, 2)
        left_layout.addWidget(self.count_label)
        splitter.addWidget(left)
        self.detail_host = QWidget()
        self.detail_layout = QVBoxLayout(self.detail_host)
        self.detail_layout.setContentsMargins(0, 0, 0, 0)
        splitter.addWidget(self.detail_host)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([1000, 440])
        self.splitter = splitter
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)

        self.alarm_dock = QDockWidget(self.tr("实时告警"), self)
        self.alarm_dock.setObjectName("alarmDock")
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.alarm_dock)
        self.resizeDocks([self.alarm_dock], [400], Qt.Orientation.Horizontal)

        self.status = SyncStatusBar(user_text)
        self.setStatusBar(self.status)
        self._setup_menus()
        self.tabs.currentChanged.connect(self._on_tabs_changed)

    def _setup_menus(self) -> None:
        cases = self.menuBar().addMenu(self.tr("案件(&C)"))
        new_case = QAction(self.tr("新建案件…"), self)
        new_case.setShortcut(QKeySequence("Ctrl+N"))
        new_case.triggered.connect(self.new_case_requested)
        cases.addAction(new_case)
        self.addAction(new_case)
        cases.addSeparator()
        for spec in ACTIONS:
            action = QAction(spec.label, self)
            action.setShortcut(QKeySequence(spec.shortcut))
            # Single-key shortcuts act only while the queue has the focus: typing a search
            # text must not dispatch cases.
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setEnabled(False)
            action.triggered.connect(lambda _c=False, k=spec.key: self.action_requested.emit(k))
            self.table.addAction(action)
            cases.addAction(action)
            self.case_actions[spec.key] = action
        view = self.menuBar().addMenu(self.tr("视图(&V)"))
        search = QAction(self.tr("搜索"), self)
        search.setShortcut(QKeySequence.StandardKey.Find)
        search.triggered.connect(self.filters.focus_search)
        view.addAction(search)
        self.addAction(search)
        for i, key in enumerate(self.queue_keys[:9]):
            tab = QAction(queue_title(key), self)
            tab.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            tab.triggered.connect(lambda _c=False, n=i: self.tabs.setCurrentIndex(n))
            view.addAction(tab)
            self.addAction(tab)
        view.addAction(self.alarm_dock.toggleViewAction())
        self.windows_menu = self.menuBar().addMenu(self.tr("窗口(&W)"))
        settings = self.menuBar().addMenu(self.tr("设置(&S)"))
        for lang, label in (("zh", "简体中文"), ("en", "English")):
            choose = QAction(label, self)
            choose.triggered.connect(lambda _c=False, lg=lang: self.language_requested.emit(lg))
            settings.addAction(choose)

    def _on_tabs_changed(self, index: int) -> None:
        if 0 <= index < len(self.queue_keys):
            self.queue_selected.emit(self.queue_keys[index])

    def current_queue(self) -> str:
        return self.queue_keys[max(0, self.tabs.currentIndex())]

    def set_queue_counts(self, counts: dict[str, int]) -> None:
        for i, key in enumerate(self.queue_keys):
            title = queue_title(key)
            if key in counts:
                title = f"{title} ({counts[key]:,})"
            self.tabs.setTabText(i, title)

    def set_enabled_actions(self, keys: set[str]) -> None:
        for key, action in self.case_actions.items():
            action.setEnabled(key in keys)

    def show_message(self, text: str, *, error: bool = False) -> None:
        show_message_line(self.message, text, error=error)

    def add_rejection(self, text: str) -> None:
        self.rejections.insertItem(0, text)
        self.rejections.show()

    def set_detail(self, widget: QWidget) -> None:
        self.detail_layout.addWidget(widget)

    def set_alarm_panel(self, widget: QWidget) -> None:
        self.alarm_dock.setWidget(widget)
