"""The supervisors' ranking window: the districts' red/black ranking of a day, week, month or year.

Offers ``RankingWindow(reference, user_text)``, a ``QMainWindow`` with: the period bar (kind:
日/周/月/年, a day inside the period, previous/next, refresh, export PDF/XLSX/CSV); the districts
table (rank, district, total, movement against the previous period, list mark, the six
indicators and the 12 inspection categories; red-list rows red, black-list rows grey); under it
the totals as a bar chart and the selected district's trend against the city's mean
(pyqtgraph); on the right the drill-down (the clicked score explained, and the cases or findings
behind it) and the supervisors' inspection form (``InspectionForm``). It only builds and shows:
``RankingPresenter`` reads, computes and writes. Signals say what the user asked for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

import pyqtgraph as pg
from PySide6.QtCore import QDate, QDateTime, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cityops.desktop.i18n import name_of
from cityops.desktop.ranking_table import (
    COL_DISTRICT,
    COL_LIST,
    COL_MOVEMENT,
    COL_RANK,
    RankingTable,
)
from cityops.desktop.status_bar import SyncStatusBar, message_line, show_message_line
from cityops.domain.city import CITY_TZ
from cityops.domain.ranking import PeriodKind
from cityops.domain.reference import Reference

RED_ROW = QColor("#fde0dc")
BLACK_ROW = QColor("#d9d9d9")
_KINDS = (PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.YEAR)


class InspectionForm(QWidget):
    """A supervisor's finding: district → street, category → item (the standard's 227 items,
    with their deduction), count, note, time, optional position. ``changed`` on every edit (the
    presenter checks it with the domain's rules and answers with ``set_problem``),
    ``submitted(args)`` with the ``inspection.record`` arguments (without the id)."""

    changed = Signal()
    submitted = Signal(dict)

    def __init__(self, reference: Reference, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reference = reference
        self._setup_ui()

    def _setup_ui(self) -> None:
        form = QFormLayout(self)
        self.district = QComboBox()
        for unit in sorted(self.reference.units.districts, key=lambda u: u.code):
            self.district.addItem(f"{name_of(unit)}（{unit.code}）", unit.code)
        self.street = QComboBox()
        self.category = QComboBox()
        for cat in self.reference.evaluation.rules.categories:
            self.category.addItem(f"{cat.code} {name_of(cat)}", cat.code)
        self.item = QComboBox()
        self.item.setMinimumContentsLength(16)
        self.item.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.deduction = QLabel()
        self.count = QSpinBox()
        self.count.setRange(0, 999)  # the domain's limit is checked inline, not hidden here
        self.count.setValue(1)
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("现场情况说明（可选）"))
        self.observed = QDateTimeEdit()
        self.observed.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.observed.setCalendarPopup(True)
        self.lon = QDoubleSpinBox()
        self.lat = QDoubleSpinBox()
        for spin, low, high in ((self.lon, -180.0, 180.0), (self.lat, -90.0, 90.0)):
            spin.setDecimals(6)
            spin.setRange(low, high)
            spin.setSpecialValueText(self.tr("未填"))
            spin.setMinimum(low)
            spin.setValue(low)  # shows 未填: no position
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setObjectName("inspectionProblem")
        self.submit = QPushButton(self.tr("提交检查结果"))
        form.addRow(self.tr("区县"), self.district)
        form.addRow(self.tr("街道"), self.street)
        form.addRow(self.tr("考评分类"), self.category)
        form.addRow(self.tr("考评项"), self.item)
        form.addRow(self.tr("每处扣分"), self.deduction)
        form.addRow(self.tr("发现数量"), self.count)
        form.addRow(self.tr("备注"), self.note)
        form.addRow(self.tr("检查时间"), self.observed)
        form.addRow(self.tr("经度"), self.lon)
        form.addRow(self.tr("纬度"), self.lat)
        form.addRow(self.problem)
        form.addRow(self.submit)
        self.district.currentIndexChanged.connect(self._on_district_changed)
        self.category.currentIndexChanged.connect(self._on_category_changed)
        self.item.currentIndexChanged.connect(self._on_item_changed)
        for signal in (
            self.street.currentIndexChanged,
            self.count.valueChanged,
            self.note.textChanged,
            self.observed.dateTimeChanged,
            self.lon.valueChanged,
            self.lat.valueChanged,
        ):
            signal.connect(self.changed)
        self.submit.clicked.connect(self._on_submit_clicked)
        self._on_district_changed()
        self._on_category_changed()
        self.reset_time(datetime.now(CITY_TZ))

    def reset_time(self, now: datetime) -> None:
        local = now.astimezone(CITY_TZ)
        self.observed.setDateTime(
            QDateTime(
                QDate(local.year, local.month, local.day),
                QDateTime.fromString(local.strftime("%H:%M"), "HH:mm").time(),
            )
        )

    def _on_district_changed(self) -> None:
        code = self.district.currentData()
        self.street.blockSignals(True)
        self.street.clear()
        self.street.addItem(self.tr("（不指定街道）"), None)
        units = self.reference.units
        for child in sorted(units.children.get(code, ())):
            unit = units.units[child]
            if unit.level == "street":
                self.street.addItem(name_of(unit), unit.code)
        self.street.blockSignals(False)
        self.changed.emit()

    def _on_category_changed(self) -> None:
        code = self.category.currentData()
        self.item.blockSignals(True)
        self.item.clear()
        for item in self.reference.evaluation.rules.items:
            if item.category == code:
                self.item.addItem(f"{item.code} {name_of(item)}", item.code)
        self.item.blockSignals(False)
        self._on_item_changed()

    def _on_item_changed(self) -> None:
        code = self.item.currentData()
        rules = self.reference.evaluation.rules
        if code and rules.has_item(code):
            item = rules.item(code)
            self.deduction.setText(
                self.tr("%1 分（本期最多扣 %2 分）")
                .replace("%1", f"{item.deduction:g}")
                .replace("%2", f"{item.max_deduction:g}")
            )
            self.item.setToolTip(self.item.currentText())
        self.changed.emit()

    def args(self) -> dict[str, object]:
        """The ``inspection.record`` arguments as entered (no id)."""
        qt = self.observed.dateTime()
        d, t = qt.date(), qt.time()
        observed = datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=CITY_TZ)
        has_position = (
            self.lon.value() > self.lon.minimum() or self.lat.value() > self.lat.minimum()
        )
        return {
            "district_code": self.district.currentData(),
            "street_code": self.street.currentData(),
            "item_code": self.item.currentData(),
            "count": self.count.value(),
            "note": self.note.text().strip(),
            "observed_at": observed.isoformat(),
            "lon": self.lon.value()
            if has_position and self.lon.value() > self.lon.minimum()
            else None,
            "lat": self.lat.value()
            if has_position and self.lat.value() > self.lat.minimum()
            else None,
        }

    def set_problem(self, text: str | None) -> None:
        """The domain's objection to what is entered (``None``: it may be submitted)."""
        self.problem.setText(text or "")
        self.problem.setStyleSheet("color: #b71c1c;" if text else "")
        self.submit.setEnabled(not text)

    def show_result(self, text: str, *, error: bool = False) -> None:
        self.problem.setText(text)
        self.problem.setStyleSheet("color: #b71c1c;" if error else "color: #1b5e20;")

    def _on_submit_clicked(self) -> None:
        self.submitted.emit(self.args())


class RankingWindow(QMainWindow):
    period_requested = Signal(str, object)  # PeriodKind value, a date inside the period
    refresh_requested = Signal()
    cell_selected = Signal(str, str)  # district code, column key
    export_requested = Signal(str, str)  # "pdf" | "xlsx" | "csv", path
    language_requested = Signal(str)

    def __init__(self, reference: Reference, user_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reference = reference
        self.table_data: RankingTable | None = None
        self._setup_ui(user_text)

    # ------------------------------------------------------------------ building

    def _setup_ui(self, user_text: str) -> None:
        self.setWindowTitle(self.tr("城市运行指挥大厅 — 考核排名"))
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(self._period_bar())
        self.message = message_line()
        layout.addWidget(self.message)

        outer = QSplitter(Qt.Orientation.Horizontal)
        left = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table.cellClicked.connect(self._on_table_cell_clicked)
        left.addWidget(self.table)
        charts = QSplitter(Qt.Orientation.Horizontal)
        pg.setConfigOptions(antialias=False, background="w", foreground="#333333")
        self.bars = pg.PlotWidget()
        self.bars.setMouseEnabled(False, False)
        self.bars.setMenuEnabled(False)
        self.bars.getPlotItem().setTitle(self.tr("各区县总分"))
        self.trend = pg.PlotWidget()
        self.trend.setMouseEnabled(False, False)
        self.trend.setMenuEnabled(False)
        self.trend.getPlotItem().setTitle(self.tr("总分走势"))
        self.trend.addLegend(offset=(10, -10))  # bottom left: the lines run high
        charts.addWidget(self.bars)
        charts.addWidget(self.trend)
        left.addWidget(charts)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 2)
        outer.addWidget(left)

        self.side = QTabWidget()
        drill = QWidget()
        drill_layout = QVBoxLayout(drill)
        self.drill_title = QLabel(self.tr("点击表中的分数查看其依据"))
        self.drill_title.setWordWrap(True)
        self.drill_text = QPlainTextEdit()
        self.drill_text.setReadOnly(True)
        self.drill_text.setMaximumHeight(190)
        self.drill_list = QTableWidget()
        self.drill_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.drill_list.verticalHeader().hide()
        drill_layout.addWidget(self.drill_title)
        drill_layout.addWidget(self.drill_text)
        drill_layout.addWidget(self.drill_list, 1)
        self.side.addTab(drill, self.tr("得分依据"))
        self.form = InspectionForm(self.reference)
        self.side.addTab(self.form, self.tr("录入检查"))
        outer.addWidget(self.side)
        outer.setStretchFactor(0, 3)
        outer.setStretchFactor(1, 1)
        outer.setSizes([1150, 450])
        layout.addWidget(outer, 1)
        self.setCentralWidget(central)
        self.status = SyncStatusBar(user_text)
        self.setStatusBar(self.status)
        self._setup_menus()

    def _period_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.kind = QComboBox()
        labels = {
            PeriodKind.DAY: self.tr("日检查"),
            PeriodKind.WEEK: self.tr("周排名"),
            PeriodKind.MONTH: self.tr("月通报"),
            PeriodKind.YEAR: self.tr("年度考核"),
        }
        for kind in _KINDS:
            self.kind.addItem(labels[kind], kind.value)
        self.kind.setCurrentIndex(_KINDS.index(PeriodKind.MONTH))
        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        today = datetime.now(CITY_TZ).date()
        self.day.setDate(QDate(today.year, today.month, today.day))
        self.previous = QPushButton(self.tr("◀ 上一期"))
        self.next = QPushButton(self.tr("下一期 ▶"))
        self.period_label = QLabel()
        self.period_label.setObjectName("periodLabel")
        self.period_label.setStyleSheet("#periodLabel { font-size: 16px; padding: 0 12px; }")
        self.refresh = QPushButton(self.tr("刷新"))
        self.export_pdf = QPushButton(self.tr("导出 PDF"))
        self.export_xlsx = QPushButton(self.tr("导出 XLSX"))
        self.export_csv = QPushButton(self.tr("导出 CSV"))
        for widget in (QLabel(self.tr("期间")), self.kind, self.day, self.previous, self.next):
            bar.addWidget(widget)
        bar.addWidget(self.period_label)
        bar.addStretch(1)
        for widget in (self.refresh, self.export_pdf, self.export_xlsx, self.export_csv):
            bar.addWidget(widget)
        self.kind.currentIndexChanged.connect(self._on_period_changed)
        self.day.dateChanged.connect(self._on_period_changed)
        self.previous.clicked.connect(lambda: self._step(-1))
        self.next.clicked.connect(lambda: self._step(1))
        self.refresh.clicked.connect(self.refresh_requested)
        self.export_pdf.clicked.connect(lambda: self._ask_export("pdf"))
        self.export_xlsx.clicked.connect(lambda: self._ask_export("xlsx"))
        self.export_csv.clicked.connect(lambda: self._ask_export("csv"))
        return bar

    def _setup_menus(self) -> None:
        self.windows_menu = self.menuBar().addMenu(self.tr("窗口(&W)"))
        settings = self.menuBar().addMenu(self.tr("设置(&S)"))
        for lang, label in (("zh", "简体中文"), ("en", "English")):
            choose = QAction(label, self)
            choose.triggered.connect(lambda _c=False, lg=lang: self.language_requested.emit(lg))
            settings.addAction(choose)

    # ------------------------------------------------------------------ period

    def period_kind(self) -> PeriodKind:
        return PeriodKind(self.kind.currentData())

    def period_day(self) -> date:
        d = self.day.date()
        return date(d.year(), d.month(), d.day())

    def set_period_day(self, day: date) -> None:
        self.day.setDate(QDate(day.year, day.month, day.day))

    def _step(self, direction: int) -> None:
        d = self.day.date()
        kind = self.period_kind()
        if kind is PeriodKind.DAY:
            d = d.addDays(direction)
        elif kind is PeriodKind.WEEK:
            d = d.addDays(7 * direction)
        elif kind is PeriodKind.MONTH:
            d = d.addMonths(direction)
        else:
            d = d.addYears(direction)
        self.day.setDate(d)

    def _on_period_changed(self) -> None:
        self.period_requested.emit(self.period_kind().value, self.period_day())

    def _ask_export(self, fmt: str) -> None:
        label = self.period_label.text() or "ranking"
        suggested = f"{self.tr('考核排名')}-{label}.{fmt}"
        filters = {"pdf": "PDF (*.pdf)", "xlsx": "Excel (*.xlsx)", "csv": "CSV (*.csv)"}
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出"), suggested, filters[fmt])
        if path:
            self.export_requested.emit(fmt, path)

    # ------------------------------------------------------------------ showing

    def show_message(self, text: str, *, error: bool = False) -> None:
        show_message_line(self.message, text, error=error)

    def show_table(self, table: RankingTable) -> None:
        self.table_data = table
        self.period_label.setText(table.period_label)
        t = self.table
        t.clear()
        t.setColumnCount(len(table.header))
        t.setRowCount(len(table.rows))
        t.setHorizontalHeaderLabels([h.replace(" ", "\n", 1) for h in table.header])
        for r, (cells, mark) in enumerate(zip(table.text_rows(), table.lists, strict=True)):
            colour = RED_ROW if mark == "red" else BLACK_ROW if mark == "black" else None
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                align = Qt.AlignmentFlag.AlignRight
                if c in (COL_DISTRICT, COL_LIST):
                    align = Qt.AlignmentFlag.AlignLeft
                elif c in (COL_RANK, COL_MOVEMENT):
                    align = Qt.AlignmentFlag.AlignCenter
                item.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
                if colour is not None:
                    item.setBackground(QBrush(colour))
                if c == COL_MOVEMENT:
                    movement = table.rows[r][c]
                    if isinstance(movement, int) and movement:
                        item.setForeground(QColor("#c62828" if movement > 0 else "#2e7d32"))
                t.setItem(r, c, item)
        header = t.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        t.resizeColumnsToContents()  # 13 rows: cheap
        t.resizeRowsToContents()
        header.setMinimumHeight(48)
        self._draw_bars(table)

    def _draw_bars(self, table: RankingTable) -> None:
        plot = self.bars.getPlotItem()
        plot.clear()
        rows = table.rows  # rank order: the race reads left to right
        heights = [float(row[2]) if isinstance(row[2], float) else 0.0 for row in rows]
        colours = {"red": "#e53935", "black": "#424242", "": "#5c8dd6"}
        brushes = [colours[mark] for mark in table.lists]
        xs = list(range(len(rows)))
        plot.addItem(pg.BarGraphItem(x=xs, height=heights, width=0.6, brushes=brushes))
        axis = plot.getAxis("bottom")
        axis.setTicks([[(i, str(row[COL_DISTRICT])) for i, row in enumerate(rows)]])
        low = min(heights, default=0.0)
        plot.setYRange(max(0.0, low - 5.0), 100.0, padding=0.02)
        plot.setXRange(-0.6, len(rows) - 0.4, padding=0)

    def show_trend(
        self,
        labels: Sequence[str],
        series: Mapping[str, Sequence[float]],
    ) -> None:
        """Lines named by their legend text, one value per period label (oldest first)."""
        plot = self.trend.getPlotItem()
        plot.clear()
        legend = plot.legend
        if legend is not None:
            legend.clear()
        colours = ("#1565c0", "#9e9e9e", "#e53935", "#2e7d32")
        for i, (name, values) in enumerate(series.items()):
            pen = pg.mkPen(colours[i % len(colours)], width=1)
            plot.plot(
                list(range(len(values))),
                list(values),
                pen=pen,
                symbol="o",
                symbolSize=6,
                symbolBrush=colours[i % len(colours)],
                name=name,
            )
        plot.getAxis("bottom").setTicks([[(i, text) for i, text in enumerate(labels)]])
        plot.setXRange(-0.5, len(labels) - 0.5, padding=0)
        every = [v for values in series.values() for v in values]
        if every:
            plot.setYRange(max(0.0, min(every) - 3.0), 100.0, padding=0.05)

    def show_drill(
        self,
        title: str,
        lines: Sequence[str],
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        flagged: Sequence[bool] = (),
    ) -> None:
        """The drill-down: a title, the explanation's lines, and a list (cases or findings);
        ``flagged`` rows (counted against the district) are tinted."""
        self.side.setCurrentIndex(0)
        self.drill_title.setText(title)
        self.drill_text.setPlainText("\n".join(lines))
        t = self.drill_list
        t.clear()
        t.setColumnCount(len(header))
        t.setRowCount(len(rows))
        t.setHorizontalHeaderLabels(list(header))
        for r, cells in enumerate(rows):
            bad = r < len(flagged) and flagged[r]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if bad:
                    item.setBackground(QBrush(RED_ROW))
                t.setItem(r, c, item)
        t.resizeColumnsToContents()

    def _on_table_cell_clicked(self, row: int, column: int) -> None:
        table = self.table_data
        if table is None or not 0 <= row < len(table.rows):
            return
        self.cell_selected.emit(table.district_codes[row], table.keys[column])

    def select_cell(self, district_code: str, key: str) -> None:
        """Select a cell as a click would (keyboard users and tests)."""
        table = self.table_data
        if table is None or district_code not in table.district_codes:
            return
        row, column = table.district_codes.index(district_code), table.column_of(key)
        self.table.setCurrentCell(row, column)
        self._on_table_cell_clicked(row, column)
