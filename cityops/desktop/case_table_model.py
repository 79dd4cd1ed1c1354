"""The dispatcher's case queues as a Qt table: a million cases that sort, filter and take live
updates without freezing the hall's workstations.

Offers to the case queue window and its presenter:

- ``CaseTableModel(index)``: a ``QAbstractTableModel`` over a ``CaseIndex``; its rows are a numpy
  array of SQLite rowids, documents come from a lazy LRU cache filled a page at a time.
  ``load(filter)`` paints the first page from indexed SQL, then loads the full index off the UI
  thread (``loaded`` when done); ``set_filter``/``sort_by`` compute in a worker thread and apply
  as one layout change that keeps the selection; ``apply_updates(case_ids)`` merges live
  changes in place (never a model reset); a 1 Hz tick repaints the SLA countdowns.
- ``CaseTableView``: a ``QTableView`` that keeps the case at the top of the viewport where it
  is across a live merge.
- ``make_index(store, reference)``: a ``CaseIndex`` whose codes rank by the names shown here.

No ``QSortFilterProxyModel`` over the set: DESIGN §8 measured it at 11 s for a sort of 100k.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Iterable
from datetime import datetime
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from cityops.desktop.i18n import language, name_of
from cityops.domain.cases import CaseState
from cityops.domain.city import CITY_TZ
from cityops.domain.reference import Reference
from cityops.local_store.case_index import (
    COLUMNS,
    DUE_SOON_S,
    NO_DEADLINE,
    SOURCE_LABEL_EN,
    SOURCE_LABEL_ZH,
    CaseIndex,
    IntArray,
    QueueFilter,
    rowids_of,
)
from cityops.local_store.store import LocalStore

COL_ID = 0
COL_STATE = 1
COL_SLA = 2
COL_REPORTED = 3
COL_DISTRICT = 4
COL_STREET = 5
COL_CATEGORY = 6
COL_SUBCATEGORY = 7
COL_SOURCE = 8
COL_UNIT = 9
COL_DESCRIPTION = 10

IdRole = Qt.ItemDataRole.UserRole + 1
DocRole = Qt.ItemDataRole.UserRole + 2
_ANSWERED_ROLES = frozenset(
    int(r)
    for r in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.ToolTipRole,
        IdRole,
        DocRole,
    )
)

#: The index's sort column of each table column: the index's own columns, in its order, but
#: the escalation level (a filter, not a column of the table).
SORT_KEYS = COLUMNS[: COLUMNS.index("escalation_level")]
#: Column titles, marked for lupdate here and translated where the header is painted.
_HEADERS = (
    QT_TRANSLATE_NOOP("CaseTableModel", "编号"),
    QT_TRANSLATE_NOOP("CaseTableModel", "状态"),
    QT_TRANSLATE_NOOP("CaseTableModel", "时限"),
    QT_TRANSLATE_NOOP("CaseTableModel", "上报时间"),
    QT_TRANSLATE_NOOP("CaseTableModel", "区"),
    QT_TRANSLATE_NOOP("CaseTableModel", "街道"),
    QT_TRANSLATE_NOOP("CaseTableModel", "大类"),
    QT_TRANSLATE_NOOP("CaseTableModel", "小类"),
    QT_TRANSLATE_NOOP("CaseTableModel", "来源"),
    QT_TRANSLATE_NOOP("CaseTableModel", "处置单位"),
    QT_TRANSLATE_NOOP("CaseTableModel", "描述"),
)
_OVERDUE = QColor("#f4c7c3")
_DUE_SOON = QColor("#fce8b2")
_PAGE = 100  # rows read around the one asked for
_CACHE = 4000  # documents kept


def queue_label(reference: Reference) -> Callable[[str, str], str]:
    """The displayed name of a coded value, as the table shows it (the index ranks by it)."""

    def label(column: str, code: str) -> str:
        if column == "state":
            try:
                state = CaseState(code)
            except ValueError:
                return code
            # The detail pane's words for a state (same context), so both read alike.
            return QCoreApplication.translate("CaseLabels", state.label_zh)
        if column == "source":
            names = SOURCE_LABEL_ZH if language() == "zh" else SOURCE_LABEL_EN
            return names.get(code, code)
        if column in ("district", "street", "assigned_unit"):
            units = reference.units
            thing: Any = units.units.get(code) or units.departments.get(code)
        elif column == "subcategory":
            thing = reference.taxonomy.subcategories.get(code)
        elif column == "category":
            thing = reference.taxonomy.categories.get(code)
        else:
            thing = None
        return code if thing is None else name_of(thing)

    return label


def make_index(store: LocalStore, reference: Reference) -> CaseIndex:
    return CaseIndex(store, reference, label=queue_label(reference))


def countdown(seconds: int) -> str:
    """ "剩余 2时15分" / "超时 35分": what is left, or how long ago it fell due."""
    left = abs(seconds) // 60
    days, rest = divmod(left, 24 * 60)
    hours, minutes = divmod(rest, 60)
    # Spelled out (no alias): lupdate only sees ``QCoreApplication.translate(...)`` calls.
    if days:
        span = QCoreApplication.translate("CaseTableModel", "{d}天{h}时").format(d=days, h=hours)
    elif hours:
        span = QCoreApplication.translate("CaseTableModel", "{h}时{m}分").format(h=hours, m=minutes)
    else:
        span = QCoreApplication.translate("CaseTableModel", "{m}分").format(m=minutes)
    if seconds <= 0:
        return QCoreApplication.translate("CaseTableModel", "超时 {span}").format(span=span)
    return QCoreApplication.translate("CaseTableModel", "剩余 {span}").format(span=span)


class CaseTableModel(QAbstractTableModel):
    #: The full index is in (after ``load``): sorting and every filter are available.
    loaded = Signal()
    #: A live merge is about to move rows / has moved them (views keep their anchor).
    merge_started = Signal()
    merge_finished = Signal()

    def __init__(self, index: CaseIndex, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.index_ = index
        self._label = queue_label(index.reference)
        self._filter = QueueFilter("all")
        self._sort_column = COL_REPORTED
        self._descending = True
        self._packed: IntArray | None = None  # sorted packed keys (None: a first page only)
        self._rows: IntArray = np.zeros(0, dtype=np.int64)
        self._pos = np.zeros(0, dtype=np.int64)  # rowid → row, -1 when not shown
        self._docs: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._generation = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._warming: asyncio.Future[None] | None = None  # kept referenced until done
        self._now = int(time.time())
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick_timeout)
        self._tick.start()

    # ------------------------------------------------------------------ Qt model

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal and 0 <= section < len(_HEADERS):
                return QCoreApplication.translate("CaseTableModel", str(_HEADERS[section]))
            if orientation == Qt.Orientation.Vertical:
                return section + 1
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        # A paint asks ~7 roles a cell (2,600 calls for a screen): the ones never answered go
        # first and cheaply, before any index arithmetic.
        if role not in _ANSWERED_ROLES:
            return None
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = index.row(), index.column()
        rowid = int(self._rows[row])
        if column == COL_SLA and role in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.BackgroundRole,
        ):
            return self._sla(rowid, role)  # no document needed: the tick repaints this
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, IdRole, DocRole):
            return None
        doc = self._doc(row, rowid)
        if doc is None:
            return None
        if role == IdRole:
            return doc["id"]
        if role == DocRole:
            return doc
        if role == Qt.ItemDataRole.ToolTipRole:
            return doc.get("description") if column == COL_DESCRIPTION else None
        return self._text(column, doc)

    def _text(self, column: int, doc: dict[str, Any]) -> str:
        if column == COL_ID:
            return str(doc["id"])
        if column == COL_STATE:
            return self._label("state", doc["state"])
        if column == COL_REPORTED:
            at = datetime.fromisoformat(doc["reported_at"]).astimezone(CITY_TZ)
            return at.strftime("%Y-%m-%d %H:%M")
        if column == COL_CATEGORY:
            sub = self.index_.reference.taxonomy.subcategories.get(
                doc.get("subcategory_code") or ""
            )
            return self._label("category", sub.category_code) if sub else ""
        if column == COL_DESCRIPTION:
            return str(doc.get("description") or "")[:40]
        field, key = {
            COL_DISTRICT: ("district_code", "district"),
            COL_STREET: ("street_code", "street"),
            COL_SUBCATEGORY: ("subcategory_code", "subcategory"),
            COL_SOURCE: ("source", "source"),
            COL_UNIT: ("assigned_unit", "assigned_unit"),
        }[column]
        code = doc.get(field)
        return self._label(key, code) if code else ""

    def _sla(self, rowid: int, role: int) -> Any:
        due_at = self.index_.due_at
        if rowid >= len(due_at) or due_at[rowid] == NO_DEADLINE:
            return None if role == Qt.ItemDataRole.BackgroundRole else ""
        left = int(due_at[rowid]) - self._now
        if role == Qt.ItemDataRole.BackgroundRole:
            if left <= 0:
                return _OVERDUE
            return _DUE_SOON if left < DUE_SOON_S else None
        return countdown(left)

    def _doc(self, row: int, rowid: int) -> dict[str, Any] | None:
        doc = self._docs.get(rowid)
        if doc is not None:
            self._docs.move_to_end(rowid)
            return doc
        # One query for the page around the row: scrolling asks for neighbours next.
        start = max(0, row - _PAGE // 2)
        page = [int(r) for r in self._rows[start : start + _PAGE] if int(r) not in self._docs]
        marks = ", ".join("?" for _ in page)
        with self.index_.store.engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            found = raw.execute(f"SELECT rowid, doc FROM cases WHERE rowid IN ({marks})", page)
            for r, text in found:
                self._docs[r] = json.loads(text)
        while len(self._docs) > _CACHE:
            self._docs.popitem(last=False)
        return self._docs.get(rowid)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """A header click: the sort runs in a worker thread and lands as a layout change."""
        self._sort_column = column
        self._descending = order == Qt.SortOrder.DescendingOrder
        self._schedule(self._reselect(self._bump()))

    # ------------------------------------------------------------------ what presenters call

    def filter(self) -> QueueFilter:
        return self._filter

    def sort_order(self) -> tuple[int, Qt.SortOrder]:
        order = Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder
        return self._sort_column, order

    def total(self) -> int:
        return len(self._rows)

    def rowid_at(self, row: int) -> int:
        return int(self._rows[row])

    def row_of_rowid(self, rowid: int) -> int:
        return int(self._pos[rowid]) if 0 <= rowid < len(self._pos) else -1

    def case_id_at(self, row: int) -> str | None:
        if not 0 <= row < len(self._rows):
            return None
        doc = self._doc(row, int(self._rows[row]))
        return None if doc is None else str(doc["id"])

    def row_of(self, case_id: str) -> int:
        """The row showing the case, -1 when it is not in the current tab."""
        with self.index_.store.engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            found = raw.execute("SELECT rowid FROM cases WHERE id = ?", (case_id,)).fetchone()
        return -1 if found is None else self.row_of_rowid(int(found[0]))

    async def load(self, f: QueueFilter | None = None) -> None:
        """Show the tab: its first page from indexed SQL at once, then the full index (read in
        a worker thread) replaces it, keeping the selection; ``loaded`` then."""
        f = f or self._filter
        self._filter = f
        generation = self._bump()
        page = await asyncio.to_thread(self.index_.first_page, f, 200)
        if page is not None and generation == self._generation:
            self._replace(None, page)
        await asyncio.to_thread(self.index_.load)
        await self._reselect(self._bump())
        self.loaded.emit()
        # The ranks of id and description in the background: the first sort by them is then
        # as quick as any other (they were 0.4 s and 1.8 s at 1M when made on demand).
        self._warming = asyncio.get_running_loop().run_in_executor(None, self.index_.warm)

    async def set_filter(self, f: QueueFilter) -> None:
        self._filter = f
        await self._reselect(self._bump())

    async def sort_by(self, column: int, order: Qt.SortOrder) -> None:
        self._sort_column = column
        self._descending = order == Qt.SortOrder.DescendingOrder
        await self._reselect(self._bump())

    async def apply_updates(self, case_ids: Iterable[str]) -> None:
        """Merge changed cases into the shown order without a reset: only their rows move,
        appear or go; selection and current row stay on the same cases."""
        ids = list(case_ids)
        if not ids:
            return
        generation = self._generation
        f, key, descending = self._filter, SORT_KEYS[self._sort_column], self._descending
        plan = await asyncio.to_thread(self._plan_merge, ids, f, key, descending)
        if generation != self._generation or self._packed is None:
            # The tab or order changed meanwhile: its select may predate the refresh.
            await self._reselect(self._bump())
            return
        changed, keys, full, docs = plan
        for rowid in changed:
            self._docs.pop(int(rowid), None)
        self._docs.update(docs)  # read in the worker: the repaint need not read them again
        if full is not None:
            self._replace(full, None, merge=True)
        else:
            self._merge(changed, keys)

    def _plan_merge(
        self, ids: list[str], f: QueueFilter, key: str, descending: bool
    ) -> tuple[IntArray, IntArray, IntArray | None, dict[int, dict[str, Any]]]:
        """Worker thread: refresh the index, then the changed rows' new packed keys (or the
        whole order when the sort is by a text rank that a refresh invalidates), and their
        documents."""
        index = self.index_
        docs: dict[int, dict[str, Any]] = {}
        changed = index.refresh(ids, docs)
        if key in ("id", "description"):
            return changed, changed[:0], index.select_packed(f, key, descending), docs
        keep = index.matches_many(changed, f)
        keys = index.packed(changed[keep], key, descending)
        keys.sort()
        return changed, keys, None, docs

    # ------------------------------------------------------------------ applying orders

    def _bump(self) -> int:
        self._generation += 1
        return self._generation

    def _schedule(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            task = asyncio.get_running_loop().create_task(coro)
        except RuntimeError:  # no loop (a plain script): run it to the end here
            coro.close()
            if self.index_.loaded:
                self._replace(self.index_.select_packed(*self._order()), None)
            return
        self._tasks.add(task)  # keep it referenced; log what it raised
        task.add_done_callback(self._on_task_done)

    def _on_task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            import logging

            logging.getLogger(__name__).error("case queue update failed", exc_info=task.exception())

    def _order(self) -> tuple[QueueFilter, str, bool]:
        return self._filter, SORT_KEYS[self._sort_column], self._descending

    async def _reselect(self, generation: int) -> None:
        if not self.index_.loaded:
            return
        packed = await asyncio.to_thread(self.index_.select_packed, *self._order())
        if generation == self._generation:  # a newer order supersedes this one
            self._replace(packed, None)

    def _replace(self, packed: IntArray | None, rows: IntArray | None, merge: bool = False) -> None:
        """Show a new set/order as one layout change; persistent indexes follow their cases."""
        new_rows = rowids_of(packed) if packed is not None else rows
        assert new_rows is not None
        if merge:
            self.merge_started.emit()
        self.layoutAboutToBeChanged.emit()
        old_rows = self._rows
        self._packed, self._rows = packed, new_rows
        self._pos = _positions(new_rows, max(self.index_.size, _end(new_rows)))
        self._follow_persistent(old_rows)
        self.layoutChanged.emit()
        if merge:
            self.merge_finished.emit()

    def _follow_persistent(self, old_rows: IntArray) -> None:
        persistent = self.persistentIndexList()
        if not persistent:
            return
        rows = np.array([p.row() for p in persistent], dtype=np.int64)
        valid = (rows >= 0) & (rows < len(old_rows))
        rowids = np.where(valid, old_rows[np.clip(rows, 0, max(len(old_rows) - 1, 0))], -1)
        inside = (rowids >= 0) & (rowids < len(self._pos))
        new = np.full(len(rows), -1, dtype=np.int64)
        new[inside] = self._pos[rowids[inside]]
        moved = [
            self.index(int(r), p.column()) if r >= 0 else QModelIndex()
            for p, r in zip(persistent, new, strict=True)
        ]
        self.changePersistentIndexList(persistent, moved)

    def _merge(self, changed: IntArray, keys: IntArray) -> None:
        """Take the changed rows out of the sorted keys and put back those still in the tab,
        each where ``searchsorted`` says: O(n) copies, no full sort."""
        assert self._packed is not None
        pos = self._pos
        known = changed[changed < len(pos)]
        old_at = pos[known]
        old_at = np.sort(old_at[old_at >= 0])
        if len(old_at) == len(keys) and np.array_equal(self._packed[old_at], keys):
            # Same rows, same places (a note added, a countdown's case edited): repaint them.
            for row in old_at:
                self.dataChanged.emit(
                    self.index(int(row), 0), self.index(int(row), len(_HEADERS) - 1)
                )
            return
        packed = np.delete(self._packed, old_at)
        packed = np.insert(packed, np.searchsorted(packed, keys), keys)
        self._replace(packed, None, merge=True)

    def _on_tick_timeout(self) -> None:
        self._now = int(time.time())
        if len(self._rows):
            # The whole column: a view repaints only the cells it shows.
            self.dataChanged.emit(
                self.index(0, COL_SLA),
                self.index(len(self._rows) - 1, COL_SLA),
                [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.BackgroundRole],
            )


def _end(rows: IntArray) -> int:
    return int(rows.max()) + 1 if len(rows) else 0


def _positions(rows: IntArray, size: int) -> IntArray:
    pos = np.full(size, -1, dtype=np.int64)
    pos[rows] = np.arange(len(rows), dtype=np.int64)
    return pos


class CaseTableView(QTableView):
    """The queue's table: fixed row heights and column widths (``resizeColumnsToContents`` over
    a million rows costs 150 ms), sorting by header click, whole-row selection, and the case at
    the top of the viewport kept there while live updates move rows above it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._anchor: tuple[int, int] | None = None
        self._setup_ui()

    def _setup_ui(self) -> None:
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setSortingEnabled(True)
        vertical = self.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(26)
        vertical.hide()
        horizontal = self.horizontalHeader()
        horizontal.setSortIndicatorShown(True)
        horizontal.setStretchLastSection(True)
        horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

    def setModel(self, model: Any) -> None:  # noqa: N802
        old = self.model()
        if isinstance(old, CaseTableModel):
            old.merge_started.disconnect(self.anchor)
            old.merge_finished.disconnect(self.restore_anchor)
        # Keep the model's default order on screen: no sort request when the view attaches.
        self.horizontalHeader().setSortIndicator(COL_REPORTED, Qt.SortOrder.DescendingOrder)
        super().setModel(model)
        if isinstance(model, CaseTableModel):
            model.merge_started.connect(self.anchor)
            model.merge_finished.connect(self.restore_anchor)
            for column, width in enumerate((170, 110, 110, 130, 80, 110, 110, 150, 90, 150)):
                self.setColumnWidth(column, width)

    def anchor(self) -> None:
        """Remember which case is at the top of the viewport and how far it is scrolled."""
        model = self.model()
        top = self.rowAt(0)
        if not isinstance(model, CaseTableModel) or top < 0:
            self._anchor = None
            return
        self._anchor = (model.rowid_at(top), self.rowViewportPosition(top))

    def restore_anchor(self) -> None:
        """Scroll so that the remembered case is at the top again (if it is still shown)."""
        model = self.model()
        if self._anchor is None or not isinstance(model, CaseTableModel):
            return
        rowid, _offset = self._anchor
        self._anchor = None
        row = model.row_of_rowid(rowid)
        if row >= 0:
            self.scrollTo(model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop)
