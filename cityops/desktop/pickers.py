"""Pickers the dispatcher workstation opens from its case actions.

Offers to the workstation (dispatch, file, and the commands that need a reason):
- ``UnitPickerDialog(reference, case_doc=None, suggested=[])``: a searchable tree of the units
  (district → street → community) and the professional departments by type, the suggested
  units on top in bold; ``selected_code()``.
- ``suggest_units(reference, subcategory_code, district_code, street_code)``: whom to dispatch
  a case to, best first (the departments of the subcategory's type covering the area, then the
  street, then the district).
- ``SubcategoryPickerDialog(reference)``: category → subcategory, showing the norm and time
  limits of the highlighted one; ``selected_code()``.
- ``ReasonDialog(title, prompt)``: a required reason with an inline error; ``reason()``.
- ``RewardDialog()``: approve a reward report with an amount, or refuse it with a reason.
- ``SatisfactionDialog()``: the hotline callback's answer (满意 / 基本满意 / 不满意) and a
  note; ``fields()`` gives the ``case.rate`` score (5 / 3 / 1) and note.

Keyboard first: typing goes to the filter, the arrow keys move in the tree while the filter
keeps focus, Enter takes the highlighted entry (or the first match).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont, QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from cityops.desktop.case_detail import clock_label, format_limit
from cityops.desktop.i18n import name_of
from cityops.domain import cases as cs
from cityops.domain.city import CITY_CODE
from cityops.domain.reference import Reference

CODE_ROLE = Qt.ItemDataRole.UserRole + 1  # the code an entry stands for; None on group headers
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2  # the text the filter matches: names and code

_NAVIGATION_KEYS = frozenset(
    {Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown}
)


def suggest_units(
    reference: Reference,
    subcategory_code: str | None,
    district_code: str | None,
    street_code: str | None,
) -> list[str]:
    """Whom to dispatch to, best first: the departments whose type is the subcategory's
    ``dept_type`` serving the area (the district's own before the city's), then the street,
    then the district. Unknown codes are skipped."""
    units = reference.units
    subcategory = reference.taxonomy.subcategories.get(subcategory_code or "")
    area = street_code or district_code
    found: list[str] = []
    if subcategory is not None and area:
        found.extend(d.code for d in units.departments_for(subcategory.dept_type, area))
    for code in (street_code, district_code):
        if code and code in units.units:
            found.append(code)
    return list(dict.fromkeys(found))


def _item(text: str, code: str | None, search: str = "", *, bold: bool = False) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    item.setData(code, CODE_ROLE)
    item.setData(search, SEARCH_ROLE)
    if code is None:
        # Group headers are for finding, not for choosing.
        item.setSelectable(False)
        font = QFont()
        font.setBold(True)
        item.setFont(font)
    elif bold:
        font = QFont()
        font.setBold(True)
        item.setFont(font)
    return item


def _row(
    text: str, code: str | None, search: str = "", *, bold: bool = False
) -> list[QStandardItem]:
    code_item = QStandardItem(code or "")
    code_item.setEditable(False)
    code_item.setSelectable(code is not None)
    return [_item(text, code, search, bold=bold), code_item]


def _search_text(thing: Any, code: str) -> str:
    return f"{thing.name_zh} {thing.name_en} {code}"


def error_label(name: str = "error") -> QLabel:
    """The red line under a dialog's fields that says what is wrong (hidden until then)."""
    label = QLabel()
    label.setObjectName(name)
    label.setStyleSheet("color: #cf222e;")
    label.hide()
    return label


def ok_cancel(
    dialog: QDialog, on_ok: Callable[[], None], ok_text: str | None = None
) -> tuple[QDialogButtonBox, QPushButton]:
    """OK and Cancel in Chinese; OK runs ``on_ok`` (which accepts once the fields are valid),
    Cancel rejects. Returns the box and its OK button."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text or QCoreApplication.translate("Dialogs", "确定"))
    cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
    cancel.setText(QCoreApplication.translate("Dialogs", "取消"))
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(dialog.reject)
    return buttons, ok


class _TreePickerDialog(QDialog):
    """A filter line over a two-column tree (name, code); subclasses fill ``self._model``."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._chosen: str | None = None
        self._model = QStandardItemModel(self)
        self._model.setHorizontalHeaderLabels([self.tr("名称"), self.tr("代码")])
        self._proxy = QSortFilterProxyModel(self)
        self._proxy.setSourceModel(self._model)
        self._proxy.setFilterRole(SEARCH_ROLE)
        self._proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._proxy.setRecursiveFilteringEnabled(True)  # a match keeps its ancestors
        self._proxy.setAutoAcceptChildRows(True)  # and a matched street shows its communities
        self._setup_ui()

    def _setup_ui(self) -> None:
        column = QVBoxLayout(self)
        self._filter = QLineEdit()
        self._filter.setObjectName("filter")
        self._filter.setClearButtonEnabled(True)
        self._filter.setPlaceholderText(self.tr("输入名称或代码筛选，↑↓ 选择，回车确定"))
        self._filter.textChanged.connect(self._on_filter_text_changed)
        self._filter.installEventFilter(self)
        column.addWidget(self._filter)

        self._tree = QTreeView()
        self._tree.setObjectName("tree")
        self._tree.setModel(self._proxy)
        self._tree.setUniformRowHeights(True)  # thousands of rows scroll without measuring each
        self._tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._tree.header().setStretchLastSection(False)
        self._tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self._tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self._tree.doubleClicked.connect(self._on_tree_double_clicked)
        column.addWidget(self._tree, 1)

        self._extra = QVBoxLayout()
        column.addLayout(self._extra)

        self._hint = error_label("hint")
        column.addWidget(self._hint)

        buttons, self._ok = ok_cancel(self, self._on_buttons_accepted)
        self._ok.setDefault(True)
        column.addWidget(buttons)
        self._tree.selectionModel().currentChanged.connect(self._on_tree_current_changed)

    # ------------------------------------------------------------------ public

    def selected_code(self) -> str | None:
        """The code taken with Enter/OK, or (before that) the highlighted entry's."""
        return self._chosen if self._chosen is not None else self._current_code()

    def filter_edit(self) -> QLineEdit:
        return self._filter

    # ------------------------------------------------------------------ behaviour

    def _current_code(self) -> str | None:
        index = self._tree.currentIndex()
        if not index.isValid():
            return None
        code = index.siblingAtColumn(0).data(CODE_ROLE)
        return str(code) if code else None

    def _initial_view(self) -> None:
        """What the tree shows with an empty filter (subclasses expand their defaults)."""

    def _on_filter_text_changed(self, text: str) -> None:
        self._hint.hide()
        self._proxy.setFilterFixedString(text.strip())
        if not text.strip():
            self._tree.collapseAll()
            self._initial_view()
            return
        first = self._reveal_matches(text.strip().casefold())
        if first is not None:
            self._tree.setCurrentIndex(first)
            self._tree.scrollTo(first)

    def _reveal_matches(self, needle: str) -> QModelIndex | None:
        """Expand the ancestors of every entry that matches by itself (not only kept for a
        matching child or parent); returns the first selectable match in tree order."""
        first: QModelIndex | None = None
        to_expand: list[QModelIndex] = []

        def walk(parent: QModelIndex) -> None:
            nonlocal first
            for row in range(self._proxy.rowCount(parent)):
                index = self._proxy.index(row, 0, parent)
                selectable = bool(index.data(CODE_ROLE))
                if needle in str(index.data(SEARCH_ROLE) or "").casefold():
                    if parent.isValid():
                        to_expand.append(parent)
                    if selectable:
                        first = first or index
                        continue  # its children show anyway (auto-accepted), collapsed
                if self._proxy.hasChildren(index):
                    walk(index)

        walk(QModelIndex())
        for index in to_expand:
            while index.isValid() and not self._tree.isExpanded(index):
                self._tree.expand(index)
                index = index.parent()
        return first

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Arrow keys typed in the filter move the tree's highlight; focus stays in the filter.
        if (
            watched is self._filter
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in _NAVIGATION_KEYS
        ):
            # Group headers cannot be chosen: step over them (a bounded number of times).
            for _ in range(8):
                before = self._tree.currentIndex()
                forwarded = QKeyEvent(event.type(), event.key(), event.modifiers())
                QApplication.sendEvent(self._tree, forwarded)
                current = self._tree.currentIndex()
                if current == before or self._current_code() is not None:
                    break
            # The view takes focus when none is set (an inactive window): keep typing here.
            self._filter.setFocus()
            return True
        return super().eventFilter(watched, event)

    def _on_tree_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._hint.hide()
        self._show_details(
            current.siblingAtColumn(0).data(CODE_ROLE) if current.isValid() else None
        )

    def _show_details(self, code: str | None) -> None:
        """Subclasses show more about the highlighted entry."""

    def _on_tree_double_clicked(self, index: QModelIndex) -> None:
        if index.siblingAtColumn(0).data(CODE_ROLE):
            self._on_buttons_accepted()

    def _on_buttons_accepted(self) -> None:
        code = self._current_code()
        if code is None and self._filter.text().strip():
            first = self._reveal_matches(self._filter.text().strip().casefold())
            code = str(first.data(CODE_ROLE)) if first is not None else None
        if code is None:
            self._hint.setText(self.tr("请先选择一项（分组标题不能选）"))
            self._hint.show()
            return
        self._chosen = code
        self.accept()


class UnitPickerDialog(_TreePickerDialog):
    """Choose the unit to dispatch a case to."""

    def __init__(
        self,
        reference: Reference,
        *,
        case_doc: Mapping[str, Any] | None = None,
        suggested: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(self.tr("选择处置单位"), parent)
        self._ref = reference
        self._case = case_doc
        if not suggested and case_doc is not None:
            suggested = suggest_units(
                reference,
                case_doc.get("subcategory_code"),
                case_doc.get("district_code"),
                case_doc.get("street_code"),
            )
        self._suggested = [c for c in suggested if reference.has_unit(c)]
        self._suggested_root: QStandardItem | None = None
        self._area_items: dict[str, QStandardItem] = {}
        self._fill()
        self.resize(560, 640)
        self._initial_view()

    def _name(self, code: str) -> str:
        thing = self._ref.units.units.get(code) or self._ref.units.departments.get(code)
        return name_of(thing) if thing is not None else code

    def _fill(self) -> None:
        units = self._ref.units
        root = self._model.invisibleRootItem()
        if self._suggested:
            group = _row(self.tr("推荐"), None, self.tr("推荐"))
            for code in self._suggested:
                thing = units.units.get(code) or units.departments.get(code)
                group[0].appendRow(
                    _row(self._name(code), code, _search_text(thing, code), bold=True)
                )
            root.appendRow(group)
            self._suggested_root = group[0]

        areas = _row(self.tr("属地（区县 › 街道 › 社区）"), None)
        for district_code in units.children.get(CITY_CODE, ()):
            district = units.units[district_code]
            d_row = _row(name_of(district), district_code, _search_text(district, district_code))
            self._area_items[district_code] = d_row[0]
            for street_code in units.children.get(district_code, ()):
                street = units.units[street_code]
                s_row = _row(name_of(street), street_code, _search_text(street, street_code))
                self._area_items[street_code] = s_row[0]
                s_row[0].appendRows(
                    [
                        _row(name_of(units.units[c]), c, _search_text(units.units[c], c))[0]
                        for c in units.children.get(street_code, ())
                    ]
                )
                d_row[0].appendRow(s_row)
            areas[0].appendRow(d_row)
        root.appendRow(areas)
        # Communities got one column only (appendRows takes items): add their code cells.
        for street_item in (i for c, i in self._area_items.items() if len(c) == 9):
            for row in range(street_item.rowCount()):
                code = street_item.child(row, 0).data(CODE_ROLE)
                cell = QStandardItem(code)
                cell.setEditable(False)
                street_item.setChild(row, 1, cell)

        departments = _row(self.tr("专业部门"), None)
        by_type: dict[str, list[Any]] = {}
        for dep in units.departments.values():
            by_type.setdefault(dep.dept_type, []).append(dep)
        for type_code, members in by_type.items():
            kind = units.department_types[type_code]
            t_row = _row(name_of(kind), None, _search_text(kind, type_code))
            # The city's department first, then the districts' in code order.
            for dep in sorted(members, key=lambda d: (d.scope != CITY_CODE, d.scope)):
                t_row[0].appendRow(_row(name_of(dep), dep.code, _search_text(dep, dep.code)))
            departments[0].appendRow(t_row)
        root.appendRow(departments)

    def _initial_view(self) -> None:
        first: QModelIndex | None = None
        if self._suggested_root is not None:
            group = self._proxy.mapFromSource(self._suggested_root.index())
            self._tree.expand(group)
            first = self._proxy.index(0, 0, group)
        if self._case is not None:
            # Open the tree at the case's street, so a neighbour is one arrow key away.
            for code in (self._case.get("district_code"), self._case.get("street_code")):
                item = self._area_items.get(str(code)) if code else None
                if item is not None:
                    index = self._proxy.mapFromSource(item.index())
                    self._tree.expand(index.parent())
                    self._tree.expand(index)
                    first = first or index
        if first is not None and first.isValid():
            self._tree.setCurrentIndex(first)


class SubcategoryPickerDialog(_TreePickerDialog):
    """Choose the subcategory to file a case under; the standard's limits show alongside."""

    def __init__(self, reference: Reference, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("选择问题小类"), parent)
        self._ref = reference
        self._details = QLabel()
        self._details.setObjectName("details")
        self._details.setWordWrap(True)
        self._details.setTextFormat(Qt.TextFormat.RichText)
        self._details.setMinimumHeight(110)
        self._details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._details.setStyleSheet("background: #f6f8fa; border: 1px solid #d0d7de; padding: 6px;")
        self._extra.addWidget(self._details)
        taxonomy = reference.taxonomy
        root = self._model.invisibleRootItem()
        for category in taxonomy.categories.values():
            c_row = _row(name_of(category), None, _search_text(category, category.code))
            c_row[1].setText(category.code)
            for sub in taxonomy.in_category(category.code):
                text = name_of(sub) + (f"（{sub.norm}）" if sub.emergency else "")
                c_row[0].appendRow(_row(text, sub.code, _search_text(sub, sub.code)))
            root.appendRow(c_row)
        self.resize(560, 640)
        self._show_details(None)

    def _show_details(self, code: str | None) -> None:
        sub = self._ref.taxonomy.subcategories.get(code or "")
        if sub is None:
            self._details.setText(self.tr("选择一个小类查看其处置时限"))
            return
        kind = self._ref.units.department_types.get(sub.dept_type)
        limits = " · ".join(
            f"{clock_label(spec.kind)} {format_limit(spec.limit, spec.basis)}"
            for spec in sub.clock_specs()
        )
        norm = (
            self.tr("应急规范 %1（按自然时间计）").replace("%1", sub.norm)
            if sub.emergency
            else self.tr("常规（按工作时间计）")
        )
        self._details.setText(
            f"<b>{name_of(sub)}</b>（{sub.code}）<br>"
            + self.tr("规范：")
            + norm
            + "<br>"
            + self.tr("时限：")
            + limits
            + "<br>"
            + self.tr("主管部门类型：")
            + (name_of(kind) if kind is not None else sub.dept_type)
            + "<br>"
            + self.tr("立案标准：")
            + sub.filing_zh
            + "<br>"
            + self.tr("结案标准：")
            + sub.closing_zh
        )

    def details_text(self) -> str:
        return self._details.text()


class ReasonDialog(QDialog):
    """Ask for the reason a command needs (return, failed check, suspend, escalate,
    invalidate); OK with an empty reason shows an error under the text instead of closing."""

    def __init__(self, title: str, prompt: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        column = QVBoxLayout(self)
        label = QLabel(prompt)
        label.setWordWrap(True)
        column.addWidget(label)
        self._text = QPlainTextEdit()
        self._text.setObjectName("reason")
        self._text.setTabChangesFocus(True)
        self._text.textChanged.connect(self._on_text_changed)
        column.addWidget(self._text, 1)
        self._error = error_label()
        column.addWidget(self._error)
        buttons, self._ok = ok_cancel(self, self._on_buttons_accepted)
        column.addWidget(buttons)
        self.resize(420, 220)
        self._text.setFocus()

    def reason(self) -> str:
        return self._text.toPlainText().strip()

    def error_text(self) -> str:
        return self._error.text() if not self._error.isHidden() else ""

    def _on_text_changed(self) -> None:
        if self.reason() and len(self.reason()) <= cs.MAX_TEXT_LENGTH:
            self._error.hide()

    def _on_buttons_accepted(self) -> None:
        text = self.reason()
        if not text:
            self._error.setText(self.tr("请填写原因"))
        elif len(text) > cs.MAX_TEXT_LENGTH:
            self._error.setText(
                self.tr("原因最多 %1 字（当前 %2 字）")
                .replace("%1", str(cs.MAX_TEXT_LENGTH))
                .replace("%2", str(len(text)))
            )
        else:
            self.accept()
            return
        self._error.show()
        self._text.setFocus()


class RewardDialog(QDialog):
    """The reward for a reward report (有奖举报): approve with an amount in yuan, or refuse
    with a reason. The domain's limits are checked here too, inline, before anything is sent."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("奖励审定"))
        column = QVBoxLayout(self)
        self._approve = QRadioButton(self.tr("举报属实，给予奖励"))
        self._refuse = QRadioButton(self.tr("不予奖励"))
        self._approve.setChecked(True)
        column.addWidget(self._approve)
        amount_row = QHBoxLayout()
        amount_row.addWidget(QLabel(self.tr("奖励金额（元）")))
        self._amount = QSpinBox()
        self._amount.setObjectName("amount")
        self._amount.setRange(1, cs.MAX_REWARD_YUAN)
        self._amount.setValue(20)
        amount_row.addWidget(self._amount, 1)
        column.addLayout(amount_row)
        column.addWidget(self._refuse)
        self._note = QPlainTextEdit()
        self._note.setObjectName("note")
        self._note.setPlaceholderText(self.tr("说明（不予奖励时必填）"))
        self._note.setTabChangesFocus(True)
        column.addWidget(self._note, 1)
        self._error = error_label()
        column.addWidget(self._error)
        buttons, _ok = ok_cancel(self, self._on_buttons_accepted)
        column.addWidget(buttons)
        self._approve.toggled.connect(self._amount.setEnabled)
        self.resize(400, 260)
        self._amount.setFocus()

    def set_refused(self, note: str) -> None:
        self._refuse.setChecked(True)
        self._note.setPlainText(note)

    def fields(self) -> dict[str, object]:
        """The ``case.reward`` fields: approved, amount (0 when refused), note."""
        approved = self._approve.isChecked()
        return {
            "approved": approved,
            "amount": self._amount.value() if approved else 0,
            "note": self._note.toPlainText().strip(),
        }

    def error_text(self) -> str:
        return self._error.text() if not self._error.isHidden() else ""

    def _on_buttons_accepted(self) -> None:
        if not self._approve.isChecked() and not self._note.toPlainText().strip():
            self._error.setText(self.tr("不予奖励时请说明原因"))
            self._error.show()
            self._note.setFocus()
            return
        self.accept()


class SatisfactionDialog(QDialog):
    """The public reporter's answer on the hotline's callback (回访) after closing: the three
    answers of the 12345 script, recorded on the ranking's 1–5 scale as the domain maps them
    (``cases.SATISFACTION_ANSWERS``: 5 / 3 / 1), and an optional note. An answer must be
    picked (none is preselected: a callback nobody answered is not a rating)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("回访满意度"))
        column = QVBoxLayout(self)
        column.addWidget(QLabel(self.tr("结案后电话回访举报人，记录其评价（每件只记录一次）：")))
        labels = {
            "满意": self.tr("满意"),
            "基本满意": self.tr("基本满意"),
            "不满意": self.tr("不满意"),
        }
        self._answers: dict[int, QRadioButton] = {}
        for answer, score in cs.SATISFACTION_ANSWERS.items():
            button = QRadioButton(labels.get(answer, answer))
            button.setObjectName(f"score_{score}")
            button.toggled.connect(self._on_answer_toggled)
            self._answers[score] = button
            column.addWidget(button)
        self._note = QPlainTextEdit()
        self._note.setObjectName("note")
        self._note.setPlaceholderText(self.tr("回访记录（可选）"))
        self._note.setTabChangesFocus(True)
        column.addWidget(self._note, 1)
        self._error = error_label()
        column.addWidget(self._error)
        buttons, _ok = ok_cancel(self, self._on_buttons_accepted)
        column.addWidget(buttons)
        self.resize(380, 260)
        next(iter(self._answers.values())).setFocus()

    def choose(self, score: int, note: str = "") -> None:
        """Pick an answer as a click would (keyboard users and tests)."""
        self._answers[score].setChecked(True)
        self._note.setPlainText(note)

    def score(self) -> int | None:
        return next((s for s, b in self._answers.items() if b.isChecked()), None)

    def fields(self) -> dict[str, object]:
        """The ``case.rate`` fields: score (1–5) and note."""
        return {"score": self.score() or 0, "note": self._note.toPlainText().strip()}

    def error_text(self) -> str:
        return self._error.text() if not self._error.isHidden() else ""

    def _on_answer_toggled(self, checked: bool) -> None:
        if checked:
            self._error.hide()

    def _on_buttons_accepted(self) -> None:
        if self.score() is None:
            self._error.setText(self.tr("请选择回访结果"))
            self._error.show()
            return
        if len(self._note.toPlainText().strip()) > cs.MAX_TEXT_LENGTH:
            self._error.setText(
                self.tr("回访记录最多 %1 字").replace("%1", str(cs.MAX_TEXT_LENGTH))
            )
            self._error.show()
            return
        self.accept()
