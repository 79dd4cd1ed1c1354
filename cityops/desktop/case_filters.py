"""The filter bar above the case queues.

Offers ``CaseFilterBar(reference)``: district → street, category → subcategory, source, SLA state
and a text search (debounced, so typing does not re-filter a million rows per key). Emits
``filter_changed(dict)`` with the ``QueueFilter`` fields it sets (``district_code``,
``street_code``, ``category_code``, ``subcategory_code``, ``source``, ``sla``, ``text``; None when
unset). ``focus_search()`` for Ctrl+F.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from cityops.desktop.i18n import language, name_of
from cityops.domain.cases import CaseSource
from cityops.domain.reference import Reference
from cityops.local_store.case_index import SOURCE_LABEL_EN, SOURCE_LABEL_ZH


class CaseFilterBar(QWidget):
    filter_changed = Signal(dict)

    def __init__(self, reference: Reference, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reference = reference
        self._debounce = QTimer(self, singleShot=True, interval=300)
        self._debounce.timeout.connect(self._emit)
        self._setup_ui()

    def _combo(self, everything: str, items: list[tuple[str, str]]) -> QComboBox:
        combo = QComboBox()
        combo.addItem(everything, None)
        for code, label in items:
            combo.addItem(label, code)
        combo.setMaxVisibleItems(20)
        # Sized by a set length, not by the longest item: English names are long and would
        # squeeze the search field to nothing (the popup still shows them whole).
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(12)
        return combo

    def _setup_ui(self) -> None:
        ref = self.reference
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        self.district = self._combo(
            self.tr("全部区县"), [(u.code, name_of(u)) for u in ref.units.districts]
        )
        self.street = self._combo(self.tr("全部街道"), [])
        self.category = self._combo(
            self.tr("全部大类"), [(c.code, name_of(c)) for c in ref.taxonomy.categories.values()]
        )
        self.subcategory = self._combo(self.tr("全部小类"), [])
        self.source = self._combo(
            self.tr("全部来源"),
            # The names the queue's 来源 column shows (one list, not one per widget).
            [
                (s.value, (SOURCE_LABEL_EN if language() == "en" else SOURCE_LABEL_ZH)[s])
                for s in CaseSource
            ],
        )
        self.sla = self._combo(
            self.tr("全部时限"),
            [
                ("overdue", self.tr("已超时")),
                ("due_soon", self.tr("1小时内到期")),
                ("running", self.tr("计时中")),
                ("none", self.tr("未计时")),
            ],
        )
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("搜索编号、描述、地址 (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        layout.addWidget(QLabel(self.tr("筛选")))
        for combo in (self.district, self.street, self.category, self.subcategory):
            layout.addWidget(combo)
        layout.addWidget(self.source)
        layout.addWidget(self.sla)
        layout.addWidget(self.search, 1)
        self.district.currentIndexChanged.connect(self._on_district_changed)
        self.category.currentIndexChanged.connect(self._on_category_changed)
        for combo in (self.street, self.subcategory, self.source, self.sla):
            combo.currentIndexChanged.connect(self._emit)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self._emit)

    def _on_district_changed(self) -> None:
        code = self.district.currentData()
        self.street.blockSignals(True)
        self.street.clear()
        self.street.addItem(self.tr("全部街道"), None)
        if code:
            for unit in self.reference.units.units.values():
                if unit.level == "street" and unit.parent == code:
                    self.street.addItem(name_of(unit), unit.code)
        self.street.blockSignals(False)
        self._emit()

    def _on_category_changed(self) -> None:
        code = self.category.currentData()
        self.subcategory.blockSignals(True)
        self.subcategory.clear()
        self.subcategory.addItem(self.tr("全部小类"), None)
        if code:
            for sub in self.reference.taxonomy.in_category(code):
                self.subcategory.addItem(name_of(sub), sub.code)
        self.subcategory.blockSignals(False)
        self._emit()

    def values(self) -> dict[str, Any]:
        text = self.search.text().strip()
        return {
            "district_code": self.district.currentData(),
            "street_code": self.street.currentData(),
            "category_code": self.category.currentData(),
            "subcategory_code": self.subcategory.currentData(),
            "source": self.source.currentData(),
            "sla": self.sla.currentData(),
            "text": text or None,
        }

    def _emit(self) -> None:
        self._debounce.stop()
        self.filter_changed.emit(self.values())

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()
