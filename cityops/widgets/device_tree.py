"""The device tree: district → group → device, with search and the offline / faulty filters.

Offers to the device-control window (which formats every text; this widget knows nothing of
the store or the app):

- ``DeviceEntry`` (where a device sits in the tree) and ``DeviceCells`` (what its row shows:
  state, level, content, faults, last seen, and the online / faulty flags the filters use);
- ``DeviceTreeModel``: ``set_devices(entries)`` builds the tree once, ``update(cells)`` changes
  only the rows given (``dataChanged``, no reset) and keeps each group's and district's
  "n devices · k offline" label right, ``ids_under(index)`` lists the devices a node holds;
- ``DeviceTree``: search box, "offline only" / "faulty only" filters, the view (several nodes
  may be selected) and ``selection_changed(list[str])``: the devices under the selection that
  the search and filters show, in tree order, which is what a group command will target
  (``selected_ids(visible_only=False)`` also lists the hidden ones, for the confirmation).

Columns: ``COL_NAME``, ``COL_STATE``, ``COL_LEVEL``, ``COL_CONTENT``, ``COL_FAULTS``,
``COL_SEEN``; roles ``IdRole`` (device id, or None on a district / group node), ``OnlineRole``,
``FaultyRole``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import (
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

COL_NAME, COL_STATE, COL_LEVEL, COL_CONTENT, COL_FAULTS, COL_SEEN = range(6)
IdRole = Qt.ItemDataRole.UserRole + 1
OnlineRole = Qt.ItemDataRole.UserRole + 2
FaultyRole = Qt.ItemDataRole.UserRole + 3
SearchRole = Qt.ItemDataRole.UserRole + 4

_OFFLINE = QBrush(QColor("#9e9e9e"))
_FAULTY = QBrush(QColor("#c62828"))
_NORMAL = QBrush()


@dataclass(frozen=True, slots=True)
class DeviceEntry:
    id: str
    name: str
    district_code: str
    district_name: str
    group_code: str
    group_name: str


@dataclass(frozen=True, slots=True)
class DeviceCells:
    state: str
    level: str
    content: str
    faults: str
    last_seen: str
    online: bool
    faulty: bool


class DeviceTreeModel(QStandardItemModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 6, parent)
        self.setHorizontalHeaderLabels(
            [
                self.tr("名称"),
                self.tr("状态"),
                self.tr("亮度/调光"),
                self.tr("当前内容"),
                self.tr("故障"),
                self.tr("最后在线"),
            ]
        )
        self._rows: dict[str, list[QStandardItem]] = {}
        self._parents: dict[str, QStandardItem] = {}  # "d:<code>" / "g:<code>" → node
        self._names: dict[int, str] = {}  # id(node) → its bare name
        self._members: dict[int, list[str]] = {}  # id(node) → device ids under it
        self._online: dict[str, bool] = {}

    def set_devices(self, entries: Sequence[DeviceEntry]) -> None:
        self.beginResetModel()
        self.blockSignals(True)
        try:
            self.removeRows(0, self.rowCount())
            self._rows.clear()
            self._parents.clear()
            self._names.clear()
            self._members.clear()
            root = self.invisibleRootItem()
            for entry in entries:
                district = self._node(
                    root, f"d:{entry.district_code}", entry.district_name, entry.district_code
                )
                group = self._node(
                    district,
                    f"g:{entry.district_code}:{entry.group_code}",
                    entry.group_name,
                    entry.group_code,
                )
                row = [QStandardItem(entry.name)] + [QStandardItem("") for _ in range(5)]
                for item in row:
                    item.setEditable(False)
                row[COL_NAME].setData(entry.id, IdRole)
                row[COL_NAME].setData(f"{entry.name} {entry.id}".lower(), SearchRole)
                row[COL_NAME].setToolTip(entry.id)
                group.appendRow(row)
                self._rows[entry.id] = row
                for node in (district, group):
                    self._members[id(node)].append(entry.id)
        finally:
            self.blockSignals(False)
            self.endResetModel()
        self._relabel()

    def _node(self, parent: QStandardItem, key: str, name: str, code: str) -> QStandardItem:
        node = self._parents.get(key)
        if node is None:
            node = QStandardItem(name)
            node.setEditable(False)
            node.setData(None, IdRole)
            node.setData(f"{name} {code}".lower(), SearchRole)
            filler = [QStandardItem("") for _ in range(5)]
            for item in filler:
                item.setEditable(False)
            parent.appendRow([node, *filler])
            self._parents[key] = node
            self._names[id(node)] = name
            self._members[id(node)] = []
        return node

    def update(self, cells: Mapping[str, DeviceCells]) -> None:
        """Show these devices' new state; rows not in ``cells`` stay as they are."""
        for device_id, cell in cells.items():
            row = self._rows.get(device_id)
            if row is None:
                continue
            for column, value in (
                (COL_STATE, cell.state),
                (COL_LEVEL, cell.level),
                (COL_CONTENT, cell.content),
                (COL_FAULTS, cell.faults),
                (COL_SEEN, cell.last_seen),
            ):
                if row[column].text() != value:
                    row[column].setText(value)
            name = row[COL_NAME]
            if name.data(OnlineRole) != cell.online or name.data(FaultyRole) != cell.faulty:
                name.setData(cell.online, OnlineRole)
                name.setData(cell.faulty, FaultyRole)
                brush = _FAULTY if cell.faulty else _NORMAL if cell.online else _OFFLINE
                for item in row:
                    item.setForeground(brush)
            self._online[device_id] = cell.online
        self._relabel()

    def _relabel(self) -> None:
        for node in self._parents.values():
            members = self._members[id(node)]
            offline = sum(1 for m in members if not self._online.get(m, False))
            label = self.tr("%1（%2 台 · %3 离线）")
            label = label.replace("%1", self._names[id(node)]).replace("%2", str(len(members)))
            label = label.replace("%3", str(offline))
            if node.text() != label:
                node.setText(label)

    def ids_under(self, index: QModelIndex) -> list[str]:
        """The devices ``index`` (of this model) is or holds."""
        item = self.itemFromIndex(index.siblingAtColumn(COL_NAME))
        if item is None:
            return []
        device_id = item.data(IdRole)
        if device_id is not None:
            return [str(device_id)]
        return list(self._members.get(id(item), ()))

    def index_of(self, device_id: str) -> QModelIndex:
        row = self._rows.get(device_id)
        return QModelIndex() if row is None else row[COL_NAME].index()

    def text_of(self, device_id: str, column: int) -> str:
        row = self._rows.get(device_id)
        return "" if row is None else row[column].text()

    def device_count(self) -> int:
        return len(self._rows)


class _DeviceFilter(QSortFilterProxyModel):
    """Search text, offline only, faulty only — on devices; a district or group shows while
    any device under it passes (recursive filtering)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        # Live updates must not re-filter row by row (thousands of acks in a second); the
        # tree calls ``refresh`` once per batch instead, and only while a filter is on.
        self.setDynamicSortFilter(False)
        self.needle = ""
        self.offline_only = False
        self.faulty_only = False

    def active(self) -> bool:
        return bool(self.needle or self.offline_only or self.faulty_only)

    def refresh(self) -> None:
        # Qt 6.10's replacement of the deprecated invalidateFilter().
        self.beginFilterChange()
        self.endFilterChange()

    def filterAcceptsRow(  # noqa: N802 (Qt's name)
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        model = self.sourceModel()
        index = model.index(source_row, COL_NAME, source_parent)
        is_device = index.data(IdRole) is not None
        if self.needle and self.needle not in str(index.data(SearchRole) or ""):
            return False
        if not is_device:
            # A node passes on its own only by name and when no state filter is on; with one
            # on it shows when a device under it passes (recursive filtering).
            return not (self.offline_only or self.faulty_only)
        if self.offline_only and index.data(OnlineRole) is not False:
            return False
        return not (self.faulty_only and not index.data(FaultyRole))


class DeviceTree(QWidget):
    selection_changed = Signal(list)  # device ids under the selected nodes

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = DeviceTreeModel(self)
        self.proxy = _DeviceFilter(self)
        self.proxy.setSourceModel(self.model)
        self._setup_ui()

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("搜索设备名称或编号…"))
        self.search.setClearButtonEnabled(True)
        self.offline_check = QCheckBox(self.tr("仅离线"))
        self.faulty_check = QCheckBox(self.tr("仅故障"))
        bar.addWidget(self.search, 1)
        bar.addWidget(self.offline_check)
        bar.addWidget(self.faulty_check)
        layout.addLayout(bar)
        self.view = QTreeView()
        self.view.setModel(self.proxy)
        self.view.setUniformRowHeights(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.view.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in (
            (COL_NAME, 300),
            (COL_STATE, 90),
            (COL_LEVEL, 80),
            (COL_CONTENT, 220),
        ):
            self.view.setColumnWidth(column, width)
        layout.addWidget(self.view, 1)
        self.search.textChanged.connect(self._on_filter_changed)
        self.offline_check.toggled.connect(self._on_filter_changed)
        self.faulty_check.toggled.connect(self._on_filter_changed)
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection_changed)

    def set_devices(self, entries: Sequence[DeviceEntry]) -> None:
        self.model.set_devices(entries)
        self.proxy.refresh()
        self.view.expandToDepth(0)  # districts open on their groups

    def update(self, cells: Mapping[str, DeviceCells]) -> None:  # type: ignore[override]
        self.model.update(cells)
        if self.proxy.active():
            self.proxy.refresh()

    def selected_ids(self, *, visible_only: bool = True) -> list[str]:
        """The devices under the selected nodes, in tree order. While a search or filter is
        on, only those it shows (a selected district must not reach the devices the user
        filtered out of sight); ``visible_only=False``: all of them."""
        seen: dict[str, None] = {}
        for index in self.view.selectionModel().selectedRows(COL_NAME):
            for device_id in self.model.ids_under(self.proxy.mapToSource(index)):
                seen[device_id] = None
        if visible_only and self.proxy.active():
            return [d for d in seen if self._shown(d)]
        return list(seen)

    def _shown(self, device_id: str) -> bool:
        return self.proxy.mapFromSource(self.model.index_of(device_id)).isValid()

    def select_ids(self, ids: Iterable[str]) -> None:
        """Select these devices (their rows), e.g. the failed ones of a command."""
        selection = QItemSelection()
        for device_id in ids:
            index = self.proxy.mapFromSource(self.model.index_of(device_id))
            if index.isValid():
                selection.select(index, index.siblingAtColumn(COL_SEEN))
        model = self.view.selectionModel()
        model.select(selection, model.SelectionFlag.ClearAndSelect)

    def select_all(self) -> None:
        self.view.selectAll()

    def _on_filter_changed(self, *_args: object) -> None:
        self.proxy.needle = self.search.text().strip().lower()
        self.proxy.offline_only = self.offline_check.isChecked()
        self.proxy.faulty_only = self.faulty_check.isChecked()
        self.proxy.refresh()
        if self.proxy.active():
            self.view.expandAll()

    def _on_view_selection_changed(self, *_args: object) -> None:
        self.selection_changed.emit(self.selected_ids())
