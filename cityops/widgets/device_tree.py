"""The device tree: district → group → device, with search and the offline / faulty filters.

Offers to the device-control window (which formats every text; this widget knows nothing of
the store or the app):

- ``DeviceEntry`` (where a device sits in the tree) and ``DeviceCells`` (what its row shows:
  state, level, content, faults, last seen, and the online / faulty flags the filters use),
  from ``device_tree_data``, where a worker thread prepares a whole tree without Qt
  (``prepare_tree``);
- ``DeviceTreeModel`` (a Python item model over those nodes, no item per cell):
  ``show_prepared(tree)`` installs a prepared tree in one reset, ``set_devices(entries)`` builds
  and installs one; ``add_devices(entries, cells)`` inserts new devices into their groups (new
  groups and districts too) without a reset, so selection and expansion stay;
  ``update(cells)`` changes only the rows given, one ``dataChanged`` per group, and relabels
  only the groups and districts whose "n devices · k offline" changed; ``ids_under(index)``
  lists the devices a node holds;
- ``DeviceTree``: search box, "offline only" / "faulty only" filters, the view (several nodes
  may be selected) and ``selection_changed(list[str])``: the devices under the selection that
  the search and filters show, in tree order, which is what a group command will target
  (``selected_ids(visible_only=False)`` also lists the hidden ones, for the confirmation).

Columns: ``COL_NAME``, ``COL_STATE``, ``COL_LEVEL``, ``COL_CONTENT``, ``COL_FAULTS``,
``COL_SEEN``; roles ``IdRole`` (device id, or None on a district / group node), ``OnlineRole``,
``FaultyRole``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelection,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
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

from cityops.widgets.device_tree_data import (
    DEVICE,
    GROUP,
    NO_CELLS,
    DeviceCells,
    DeviceEntry,
    Node,
    PreparedTree,
    device_node,
    district_key,
    district_node,
    group_key,
    group_label,
    group_node,
    prepare_tree,
    renumber,
)

__all__ = [
    "COL_CONTENT",
    "COL_FAULTS",
    "COL_LEVEL",
    "COL_NAME",
    "COL_SEEN",
    "COL_STATE",
    "DeviceCells",
    "DeviceEntry",
    "DeviceTree",
    "DeviceTreeModel",
    "FaultyRole",
    "IdRole",
    "OnlineRole",
    "PreparedTree",
    "prepare_tree",
]

COL_NAME, COL_STATE, COL_LEVEL, COL_CONTENT, COL_FAULTS, COL_SEEN = range(6)
COLUMNS = 6
IdRole = Qt.ItemDataRole.UserRole + 1
OnlineRole = Qt.ItemDataRole.UserRole + 2
FaultyRole = Qt.ItemDataRole.UserRole + 3
SearchRole = Qt.ItemDataRole.UserRole + 4

_OFFLINE = QBrush(QColor("#9e9e9e"))
_FAULTY = QBrush(QColor("#c62828"))
_DISPLAY = Qt.ItemDataRole.DisplayRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_ROOT = QModelIndex()  # the default "parent" of Qt's model calls (never changed)


def _runs(positions: list[tuple[int, Node]]) -> list[tuple[int, list[Node]]]:
    """(insert position, nodes) sorted by position → runs of nodes going to one position,
    last position first (inserting from the end keeps the earlier positions right)."""
    runs: list[tuple[int, list[Node]]] = []
    for position, node in positions:
        if runs and runs[-1][0] == position:
            runs[-1][1].append(node)
        else:
            runs.append((position, [node]))
    runs.reverse()
    return runs


class DeviceTreeModel(QAbstractItemModel):
    """The tree's nodes (``device_tree_data.Node``) as a Qt model. An index's internal id is
    its node's serial, so ``parent()`` and ``data()`` are dictionary-free list look-ups."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._headers = [
            self.tr("名称"),
            self.tr("状态"),
            self.tr("亮度/调光"),
            self.tr("当前内容"),
            self.tr("故障"),
            self.tr("最后在线"),
        ]
        #: The translated "%1（%2 台 · %3 离线）" of a district's or group's name.
        self.label = self.tr("%1（%2 台 · %3 离线）")
        self._roots: list[Node] = []
        self._devices: dict[str, Node] = {}
        self._parents: dict[str, Node] = {}  # "d:<code>" / "g:<district>:<group>" → node
        self._nodes: list[Node] = []  # by serial

    # ------------------------------------------------------------------ Qt's model interface

    def index(
        self, row: int, column: int, parent: QModelIndex | QPersistentModelIndex = _ROOT
    ) -> QModelIndex:
        if parent.isValid():
            if parent.column() != 0:
                return QModelIndex()
            children = self._nodes[parent.internalId()].children
        else:
            children = self._roots
        if 0 <= row < len(children) and 0 <= column < COLUMNS:
            return self.createIndex(row, column, children[row].serial)
        return QModelIndex()

    def parent(self, child: Any = None) -> Any:
        if child is None:  # QObject.parent()
            return QObject.parent(self)
        if not child.isValid():
            return QModelIndex()
        up = self._nodes[child.internalId()].parent
        return QModelIndex() if up is None else self.createIndex(up.row, 0, up.serial)

    def rowCount(  # noqa: N802 (Qt's name)
        self, parent: QModelIndex | QPersistentModelIndex = _ROOT
    ) -> int:
        if not parent.isValid():
            return len(self._roots)
        if parent.column() != 0:
            return 0
        return len(self._nodes[parent.internalId()].children)

    def columnCount(  # noqa: N802 (Qt's name)
        self, parent: QModelIndex | QPersistentModelIndex = _ROOT
    ) -> int:
        return COLUMNS

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(  # noqa: N802 (Qt's name)
        self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return self._headers[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        node = self._nodes[index.internalId()]
        column = index.column()
        device = node.kind == DEVICE
        if role == _DISPLAY:
            if column == COL_NAME:
                return node.name if device else node.label
            return node.cells.texts()[column - 1] if device else ""
        if not device:
            if role == SearchRole:
                return node.search
            return None
        cells = node.cells
        if role == _FOREGROUND:
            return _FAULTY if cells.faulty else None if cells.online else _OFFLINE
        if role == IdRole:
            return node.key
        if role == _TOOLTIP:
            return node.key if column == COL_NAME else None
        if role == OnlineRole:
            return None if cells is NO_CELLS else cells.online
        if role == FaultyRole:
            return None if cells is NO_CELLS else cells.faulty
        if role == SearchRole:
            return node.search
        return None

    # ------------------------------------------------------------------ what the tree shows

    def node_at(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> Node:
        """The node at ``row`` under ``parent`` (for the filter: no QVariant round trips)."""
        children = self._nodes[parent.internalId()].children if parent.isValid() else self._roots
        return children[row]

    def _index(self, node: Node, column: int = COL_NAME) -> QModelIndex:
        return self.createIndex(node.row, column, node.serial)

    def _adopt(self, nodes: Iterable[Node]) -> None:
        for node in nodes:
            node.serial = len(self._nodes)
            self._nodes.append(node)

    def show_prepared(self, tree: PreparedTree) -> None:
        """Show ``tree`` (built by ``prepare_tree``, e.g. in a worker) instead: one reset."""
        self.beginResetModel()
        self._nodes = []
        self._roots = tree.roots
        self._devices = tree.devices
        self._parents = tree.parents
        for district in self._roots:
            self._adopt((district,))
            self._adopt(district.children)
            for group in district.children:
                self._adopt(group.children)
        self.endResetModel()

    def set_devices(
        self, entries: Sequence[DeviceEntry], cells: Mapping[str, DeviceCells] | None = None
    ) -> None:
        """Show these devices instead (on this thread: a large tree is better prepared in a
        worker with ``prepare_tree`` and shown with ``show_prepared``)."""
        self.show_prepared(prepare_tree(entries, cells or {}, self.label))

    def add_devices(
        self, entries: Sequence[DeviceEntry], cells: Mapping[str, DeviceCells] | None = None
    ) -> int:
        """Insert the devices of ``entries`` the tree does not hold yet, each into its group
        (by id), a new group at the end of its district, a new district by code; no reset:
        selection and expansion stay. Returns how many were added."""
        cells = cells or {}
        fresh: dict[str, Node] = {}  # new districts and groups by key, not yet in the tree
        into_groups: dict[str, list[Node]] = {}  # existing group key → new devices
        into_districts: dict[str, list[Node]] = {}  # existing district key → new groups
        new_districts: list[Node] = []
        added: set[str] = set()
        for entry in entries:
            if entry.id in self._devices or entry.id in added:
                continue
            added.add(entry.id)
            dkey, gkey = district_key(entry), group_key(entry)
            district = self._parents.get(dkey) or fresh.get(dkey)
            if district is None:
                district = fresh[dkey] = district_node(entry)
                new_districts.append(district)
            group = self._parents.get(gkey) or fresh.get(gkey)
            if group is None:
                group = fresh[gkey] = group_node(entry, district)
                if dkey in fresh:
                    district.children.append(group)
                else:
                    into_districts.setdefault(dkey, []).append(group)
            node = device_node(entry, group, cells.get(entry.id))
            if gkey in fresh:
                group.children.append(node)
            else:
                into_groups.setdefault(gkey, []).append(node)
            self._devices[entry.id] = node
        if not added:
            return 0
        relabel: dict[int, Node] = {}
        for gkey, nodes in into_groups.items():
            group = self._parents[gkey]
            keys = [child.key for child in group.children]
            nodes.sort(key=lambda n: n.key)
            self._insert(group, [(bisect_right(keys, n.key), n) for n in nodes])
            self._count(group, nodes, relabel)
        for dkey, groups in into_districts.items():
            district = self._parents[dkey]
            for group in groups:
                self._complete(group)
            end = len(district.children)
            self._insert(district, [(end, g) for g in groups])
            for group in groups:
                self._count(district, group.children, relabel)
        if new_districts:
            for district in new_districts:
                for group in district.children:
                    self._complete(group)
                self._complete(district)
            keys = [d.key for d in self._roots]
            new_districts.sort(key=lambda n: n.key)
            self._insert(None, [(bisect_right(keys, d.key), d) for d in new_districts])
        self._parents.update(fresh)
        self._relabel(relabel.values())
        return len(added)

    def _complete(self, node: Node) -> None:
        """A new district or group, before it goes into the tree: rows, serials, label."""
        renumber(node.children)
        if node.kind == GROUP:  # a group: its devices
            self._adopt(node.children)
            node.total = len(node.children)
            node.offline = sum(1 for d in node.children if not d.cells.online)
        else:
            node.total = sum(g.total for g in node.children)
            node.offline = sum(g.offline for g in node.children)
        node.label = group_label(self.label, node.name, node.total, node.offline)
        self._adopt((node,))

    def _insert(self, parent: Node | None, positions: list[tuple[int, Node]]) -> None:
        children = self._roots if parent is None else parent.children
        where = QModelIndex() if parent is None else self._index(parent)
        for position, run in _runs(positions):
            for node in run:
                if node.kind == DEVICE:
                    self._adopt((node,))
            self.beginInsertRows(where, position, position + len(run) - 1)
            children[position:position] = run
            renumber(children[position:], position)
            self.endInsertRows()

    def _count(self, parent: Node, devices: Sequence[Node], relabel: dict[int, Node]) -> None:
        """``devices`` were added under ``parent`` (a group, or a district: a new group's)."""
        offline = sum(1 for d in devices if not d.cells.online)
        node: Node | None = parent
        while node is not None:
            node.total += len(devices)
            node.offline += offline
            relabel[node.serial] = node
            node = node.parent

    def update(self, cells: Mapping[str, DeviceCells]) -> bool:
        """Show these devices' new state; rows not in ``cells`` stay as they are. One
        ``dataChanged`` per group (the span of its changed rows), and only the groups and
        districts whose offline count changed are relabelled. True when a device's online or
        faulty flag changed (what the offline / faulty filters look at)."""
        spans: dict[int, list[int]] = {}  # group serial → [first row, last row]
        groups: dict[int, Node] = {}
        relabel: dict[int, Node] = {}
        flags_changed = False
        devices = self._devices
        for device_id, new in cells.items():
            node = devices.get(device_id)
            if node is None:
                continue
            old = node.cells
            if old == new and old is not NO_CELLS:
                continue
            node.cells = new
            group = node.parent
            assert group is not None
            span = spans.get(group.serial)
            if span is None:
                spans[group.serial] = [node.row, node.row]
                groups[group.serial] = group
            elif node.row < span[0]:
                span[0] = node.row
            elif node.row > span[1]:
                span[1] = node.row
            if old.online != new.online or old.faulty != new.faulty or old is NO_CELLS:
                flags_changed = True
                if old.online != new.online:
                    step = -1 if new.online else 1
                    up: Node | None = group
                    while up is not None:
                        up.offline += step
                        relabel[up.serial] = up
                        up = up.parent
        for serial, (first, last) in spans.items():
            group = groups[serial]
            self.dataChanged.emit(
                self.createIndex(first, 0, group.children[first].serial),
                self.createIndex(last, COLUMNS - 1, group.children[last].serial),
            )
        self._relabel(relabel.values())
        return flags_changed

    def _relabel(self, nodes: Iterable[Node]) -> None:
        for node in nodes:
            label = group_label(self.label, node.name, node.total, node.offline)
            if label != node.label:
                node.label = label
                index = self._index(node)
                self.dataChanged.emit(index, index)

    def ids_under(self, index: QModelIndex) -> list[str]:
        """The devices ``index`` (of this model) is or holds, in tree order."""
        if not index.isValid():
            return []
        node = self._nodes[index.internalId()]
        if node.kind == DEVICE:
            return [node.key]
        groups = [node] if node.kind == GROUP else node.children
        return [device.key for group in groups for device in group.children]

    def device_node(self, device_id: str) -> Node | None:
        return self._devices.get(device_id)

    def index_of(self, device_id: str) -> QModelIndex:
        node = self._devices.get(device_id)
        return QModelIndex() if node is None else self._index(node)

    def text_of(self, device_id: str, column: int) -> str:
        node = self._devices.get(device_id)
        if node is None:
            return ""
        return node.name if column == COL_NAME else node.cells.texts()[column - 1]

    def label_of(self, key: str) -> str:
        """A district's ("d:<code>") or group's ("g:<district>:<group>") label."""
        node = self._parents.get(key)
        return "" if node is None else node.label

    def device_count(self) -> int:
        return len(self._devices)


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

    def hasChildren(  # noqa: N802 (Qt's name)
        self, parent: QModelIndex | QPersistentModelIndex = _ROOT
    ) -> bool:
        # Qt answers by filtering every child (a Python call per device: 20,000 of them when
        # the view lays out the expanded districts); with no filter on, every child shows.
        if self.active():
            return super().hasChildren(parent)
        return self.sourceModel().hasChildren(self.mapToSource(parent))

    def filterAcceptsRow(  # noqa: N802 (Qt's name)
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        model = self.sourceModel()
        assert isinstance(model, DeviceTreeModel)
        return self.accepts(model.node_at(source_row, source_parent))

    def accepts(self, node: Node) -> bool:
        """Whether ``node`` passes on its own (a device is shown exactly then)."""
        if self.needle and self.needle not in node.search:
            return False
        if node.kind != DEVICE:
            # A node passes on its own only by name and when no state filter is on; with one
            # on it shows when a device under it passes (recursive filtering).
            return not (self.offline_only or self.faulty_only)
        cells = node.cells
        if self.offline_only and (cells is NO_CELLS or cells.online):
            return False
        return not (self.faulty_only and not cells.faulty)


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

    def set_devices(
        self, entries: Sequence[DeviceEntry], cells: Mapping[str, DeviceCells] | None = None
    ) -> None:
        """Show these devices instead, built on this thread (small trees, tests)."""
        self.show_prepared(prepare_tree(entries, cells or {}, self.model.label))

    def show_prepared(self, tree: PreparedTree) -> None:
        """Show a tree a worker prepared (``prepare_tree``): one model reset."""
        self.model.show_prepared(tree)
        self.proxy.refresh()
        self.view.expandToDepth(0)  # districts open on their groups
        if self.proxy.active():
            self.view.expandAll()

    def add_devices(
        self, entries: Sequence[DeviceEntry], cells: Mapping[str, DeviceCells] | None = None
    ) -> int:
        """Insert the devices not shown yet into their groups; selection and expansion stay
        (a new district opens on its groups, as the first ones did)."""
        before = self.model.rowCount()
        added = self.model.add_devices(entries, cells)
        if self.model.rowCount() != before:
            for row in range(self.model.rowCount()):
                index = self.proxy.mapFromSource(self.model.index(row, COL_NAME))
                if index.isValid() and not self.view.isExpanded(index):
                    self.view.expand(index)
        return added

    def update(self, cells: Mapping[str, DeviceCells]) -> None:  # type: ignore[override]
        flags_changed = self.model.update(cells)
        # The search does not look at the cells: only a flip of a flag the offline / faulty
        # filters read makes the filter run again (over every row: not per ack).
        if flags_changed and (self.proxy.offline_only or self.proxy.faulty_only):
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
        # A device row has no children: recursive filtering shows it exactly when it passes
        # itself (asking the proxy to map thousands of rows would take the UI thread long).
        node = self.model.device_node(device_id)
        return node is not None and self.proxy.accepts(node)

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
