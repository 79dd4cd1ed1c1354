"""What the device tree shows, prepared without Qt (so a worker thread can build it).

Offers to ``device_tree`` (the model that shows it) and to the device-control presenter's
worker (``desktop/device_feed``), which builds it off the UI thread:

- ``DeviceEntry`` (where a device sits: district → group) and ``DeviceCells`` (what its row
  shows: state, level, content, faults, last seen, and the online / faulty flags);
- ``Node``: one district, group or device of the tree, with its children, its row under its
  parent, and — for a district or group — how many devices it holds and how many are offline;
- ``PreparedTree`` / ``prepare_tree(entries, cells, label)``: the whole tree with every cell and
  every "name（n 台 · k 离线）" label computed, which the model installs in one reset;
- ``group_label(label, name, total, offline)``: that label from its translated pattern.

Nothing here imports Qt; the nodes are handed to the UI thread once built and only the UI
thread changes them afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

DISTRICT, GROUP, DEVICE = range(3)


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

    def texts(self) -> tuple[str, str, str, str, str]:
        """The texts of the columns after the name, in column order."""
        return (self.state, self.level, self.content, self.faults, self.last_seen)


#: A device's row before its first cells arrive: empty texts, offline, not faulty.
NO_CELLS = DeviceCells("", "", "", "", "", online=False, faulty=False)


class Node:
    """A district, group or device. ``serial`` names it to the model (its index's id)."""

    __slots__ = (
        "kind",
        "key",
        "name",
        "search",
        "parent",
        "row",
        "children",
        "cells",
        "label",
        "total",
        "offline",
        "serial",
    )

    def __init__(self, kind: int, key: str, name: str, search: str, parent: Node | None) -> None:
        self.kind = kind
        #: A device's id; "d:<district>" / "g:<district>:<group>" for the others.
        self.key = key
        self.name = name
        self.search = search  # lower-case text the search box matches
        self.parent = parent
        self.row = 0
        self.children: list[Node] = []
        self.cells = NO_CELLS
        self.label = name  # a district's or group's "name（n 台 · k 离线）"
        self.total = 0
        self.offline = 0
        self.serial = 0


def group_label(label: str, name: str, total: int, offline: int) -> str:
    """``label`` is the translated "%1（%2 台 · %3 离线）"."""
    return label.replace("%1", name).replace("%2", str(total)).replace("%3", str(offline))


@dataclass(slots=True)
class PreparedTree:
    """A tree ready to show: ``roots`` (the districts, in order), ``devices`` by id and the
    district / group nodes by key, every label counted."""

    roots: list[Node]
    devices: dict[str, Node]
    parents: dict[str, Node]


def district_key(entry: DeviceEntry) -> str:
    return f"d:{entry.district_code}"


def group_key(entry: DeviceEntry) -> str:
    return f"g:{entry.district_code}:{entry.group_code}"


def device_node(entry: DeviceEntry, group: Node, cells: DeviceCells | None) -> Node:
    node = Node(DEVICE, entry.id, entry.name, f"{entry.name} {entry.id}".lower(), group)
    node.cells = cells or NO_CELLS
    return node


def district_node(entry: DeviceEntry) -> Node:
    name, code = entry.district_name, entry.district_code
    return Node(DISTRICT, district_key(entry), name, f"{name} {code}".lower(), None)


def group_node(entry: DeviceEntry, district: Node) -> Node:
    name, code = entry.group_name, entry.group_code
    return Node(GROUP, group_key(entry), name, f"{name} {code}".lower(), district)


def renumber(nodes: Iterable[Node], start: int = 0) -> None:
    for row, node in enumerate(nodes, start):
        node.row = row


def prepare_tree(
    entries: Sequence[DeviceEntry], cells: Mapping[str, DeviceCells], label: str
) -> PreparedTree:
    """The tree of ``entries`` (in their order: a district or group appears where its first
    device does), each device with its ``cells`` (none yet: an empty offline row), each
    district and group labelled with ``label`` ("%1（%2 台 · %3 离线）")."""
    roots: list[Node] = []
    parents: dict[str, Node] = {}
    devices: dict[str, Node] = {}
    for entry in entries:
        if entry.id in devices:
            continue
        district = parents.get(district_key(entry))
        if district is None:
            district = parents[district_key(entry)] = district_node(entry)
            roots.append(district)
        group = parents.get(group_key(entry))
        if group is None:
            group = parents[group_key(entry)] = group_node(entry, district)
            district.children.append(group)
        node = device_node(entry, group, cells.get(entry.id))
        group.children.append(node)
        devices[entry.id] = node
    renumber(roots)
    for district in roots:
        renumber(district.children)
        for group in district.children:
            renumber(group.children)
            group.total = len(group.children)
            group.offline = sum(1 for d in group.children if not d.cells.online)
            group.label = group_label(label, group.name, group.total, group.offline)
        district.total = sum(g.total for g in district.children)
        district.offline = sum(g.offline for g in district.children)
        district.label = group_label(label, district.name, district.total, district.offline)
    return PreparedTree(roots, devices, parents)
