"""The device tree under a large live update, offscreen (no server: the widget on its own).

- 3,000 lamps in 3 districts × 5 groups; 1,200 of them change at once (state, level, online,
  faults): every changed row shows its new cells, the others keep theirs; only the groups whose
  offline count changed get a new label; the selection (a group and single lamps of another)
  and the expansion (one group open, the others closed) stay; one ``dataChanged`` per group, not
  one per cell.
- New devices (a first sync's next page) go into their groups, into a new group and a new
  district, without a reset: the selection and expansion stay and the labels count them.
- A tree prepared in a worker thread (``prepare_tree``) shows the same as one built here.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtWidgets")

from PySide6.QtCore import QItemSelectionModel, QModelIndex  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from cityops.widgets.device_tree import (  # noqa: E402
    COL_CONTENT,
    COL_FAULTS,
    COL_LEVEL,
    COL_NAME,
    COL_SEEN,
    COL_STATE,
    DeviceCells,
    DeviceEntry,
    DeviceTree,
    PreparedTree,
    prepare_tree,
)

SHOTS = Path("screenshots/tests")
DISTRICTS = {"330102": "上城区", "330105": "拱墅区", "330106": "西湖区"}
GROUPS = ("A", "B", "C", "D", "E")


def entries(count: int) -> list[DeviceEntry]:
    out = []
    for n in range(count):
        code = list(DISTRICTS)[n % 3]
        group = GROUPS[(n // 3) % 5]
        out.append(
            DeviceEntry(
                f"L-{code}-{group}-{n:05d}",
                f"路灯 {n}",
                code,
                DISTRICTS[code],
                group,
                f"{group} 组",
            )
        )
    out.sort(key=lambda e: (e.district_code, e.group_code, e.id))
    return out


def cells(n: int, *, online: bool = True, faulty: bool = False, level: int = 60) -> DeviceCells:
    return DeviceCells(
        state="在线·开" if online else "离线",
        level=f"{level}%",
        content="",
        faults="灯头故障" if faulty else "",
        last_seen=f"11-29 10:{n % 60:02d}:00",
        online=online,
        faulty=faulty,
    )


def group_index(tree: DeviceTree, district: str, group: str) -> QModelIndex:
    """The proxy index of a group (as the view shows it)."""
    for d in range(tree.proxy.rowCount()):
        dindex = tree.proxy.index(d, COL_NAME)
        if not str(dindex.data()).startswith(DISTRICTS[district]):
            continue
        for g in range(tree.proxy.rowCount(dindex)):
            gindex = tree.proxy.index(g, COL_NAME, dindex)
            if str(gindex.data()).startswith(f"{group} 组"):
                return gindex
    raise AssertionError(f"no group {district}/{group}")


def select(tree: DeviceTree, index: QModelIndex) -> None:
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    tree.view.selectionModel().select(index, flags)


def test_a_large_update_changes_the_cells_and_keeps_selection_and_expansion(
    qapp: QApplication,
) -> None:
    tree = DeviceTree()
    tree.resize(1100, 700)
    tree.show()
    all_entries = entries(3000)
    before = {e.id: cells(i) for i, e in enumerate(all_entries)}
    tree.set_devices(all_entries, before)
    qapp.processEvents()
    assert tree.model.device_count() == 3000
    # The user opens one group, closes a district, selects a group and two lamps.
    west_a = group_index(tree, "330106", "A")
    tree.view.expand(west_a)
    tree.view.collapse(tree.proxy.mapFromSource(tree.model.index(0, COL_NAME)))  # 上城区
    select(tree, group_index(tree, "330105", "B"))
    lamps_in_a = [e.id for e in all_entries if e.district_code == "330106" and e.group_code == "A"]
    for lamp in lamps_in_a[3:5]:
        select(tree, tree.proxy.mapFromSource(tree.model.index_of(lamp)))
    selected_before = tree.selected_ids()
    assert len(selected_before) == 200 + 2
    labels_before = {
        key: tree.model.label_of(key)
        for key in [f"g:{d}:{g}" for d in DISTRICTS for g in GROUPS] + [f"d:{d}" for d in DISTRICTS]
    }
    assert labels_before["g:330102:A"] == "A 组（200 台 · 0 离线）"

    # 1,200 lamps change at once: the 330105 ones go offline, some 330106 ones get a fault,
    # the rest only change their level (no count changes there).
    changes: dict[str, DeviceCells] = {}
    for i, e in enumerate(all_entries[::2][:1200]):
        if e.district_code == "330105":
            changes[e.id] = cells(i, online=False)
        elif e.district_code == "330106" and e.group_code == "A":
            changes[e.id] = cells(i, faulty=True, level=80)
        else:
            changes[e.id] = cells(i, level=30)
    emitted: list[tuple[int, int]] = []
    tree.model.dataChanged.connect(lambda a, b, *_: emitted.append((a.row(), b.row())))
    tree.update(changes)
    qapp.processEvents()

    for e in all_entries:
        want = changes.get(e.id, before[e.id])
        shown = [tree.model.text_of(e.id, c) for c in (COL_STATE, COL_LEVEL, COL_FAULTS, COL_SEEN)]
        assert shown == [want.state, want.level, want.faults, want.last_seen], e.id
        assert tree.model.text_of(e.id, COL_CONTENT) == ""
    # What the view draws: a changed lamp of the open group, through the filter model.
    changed_in_a = next(i for i in lamps_in_a if i in changes)
    row = tree.proxy.mapFromSource(tree.model.index_of(changed_in_a))
    assert row.siblingAtColumn(COL_LEVEL).data() == "80%"
    assert row.siblingAtColumn(COL_FAULTS).data() == "灯头故障"
    # One signal per group with changes plus one per relabelled node, never one per cell.
    by_id = {e.id: e for e in all_entries}
    touched = {(by_id[i].district_code, by_id[i].group_code) for i in changes}
    assert len(touched) == 12  # all of 330102 and 330105, groups A and B of 330106
    offline_groups = {f"g:330105:{g}" for g in GROUPS}
    assert len(emitted) == len(touched) + len(offline_groups) + 1  # + 拱墅区's label
    for key, label in labels_before.items():
        if key in offline_groups or key == "d:330105":
            assert tree.model.label_of(key) != label, key
        else:
            assert tree.model.label_of(key) == label, key
    went_offline = sum(1 for e in all_entries if e.id in changes and e.district_code == "330105")
    assert tree.model.label_of("d:330105") == f"拱墅区（1000 台 · {went_offline} 离线）"
    # Selection and expansion as the user left them.
    assert tree.selected_ids() == selected_before
    assert tree.view.isExpanded(group_index(tree, "330106", "A"))
    assert not tree.view.isExpanded(group_index(tree, "330106", "B"))
    assert not tree.view.isExpanded(tree.proxy.mapFromSource(tree.model.index(0, COL_NAME)))
    tree.view.scrollTo(row)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert tree.grab().save(str(SHOTS / "device-tree-after-update.png"))
    # The offline filter sees the new flags (and opens every node, as it always did).
    tree.offline_check.setChecked(True)
    assert sorted(tree.selected_ids()) == sorted(
        i for i in selected_before if i in changes and not changes[i].online
    )
    tree.offline_check.setChecked(False)
    tree.deleteLater()


def test_new_devices_go_into_their_groups_without_a_reset(qapp: QApplication) -> None:
    tree = DeviceTree()
    tree.show()
    first = entries(300)
    tree.set_devices(first, {e.id: cells(i) for i, e in enumerate(first)})
    resets: list[int] = []
    tree.model.modelReset.connect(lambda: resets.append(1))
    west_b = group_index(tree, "330106", "B")
    tree.view.expand(west_b)
    select(tree, west_b)
    assert len(tree.selected_ids()) == 20
    # The next page: more lamps of existing groups (some sort between existing ones), a new
    # group in an existing district and a new district.
    page = [
        DeviceEntry("L-330106-B-00000a", "路灯 新1", "330106", "西湖区", "B", "B 组"),
        DeviceEntry("L-330106-B-99999", "路灯 新2", "330106", "西湖区", "B", "B 组"),
        DeviceEntry("L-330106-F-00001", "路灯 新3", "330106", "西湖区", "F", "F 组"),
        DeviceEntry("L-330108-A-00001", "路灯 新4", "330108", "滨江区", "A", "A 组"),
        first[0],  # already shown: ignored
    ]
    page_cells = {e.id: cells(0, online=False) for e in page[:4]}
    assert tree.add_devices(page, page_cells) == 4
    qapp.processEvents()
    assert resets == []
    assert tree.model.device_count() == 304
    assert tree.view.isExpanded(group_index(tree, "330106", "B"))
    ids = tree.selected_ids()
    assert len(ids) == 22  # the selected group now holds the two new lamps, in id order
    assert ids == sorted(ids)
    assert tree.model.label_of("g:330106:B") == "B 组（22 台 · 2 离线）"
    assert tree.model.label_of("d:330106") == "西湖区（103 台 · 3 离线）"
    assert tree.model.label_of("g:330106:F") == "F 组（1 台 · 1 离线）"
    assert tree.model.label_of("d:330108") == "滨江区（1 台 · 1 离线）"
    assert tree.model.text_of("L-330108-A-00001", COL_STATE) == "离线"
    # The new district sits by its code, after 330106, and is open on its group.
    last = tree.proxy.index(tree.proxy.rowCount() - 1, COL_NAME)
    assert str(last.data()).startswith("滨江区")
    assert tree.view.isExpanded(last)
    tree.deleteLater()


def test_a_tree_prepared_in_a_worker_shows_the_same(qapp: QApplication) -> None:
    all_entries = entries(600)
    all_cells = {e.id: cells(i, online=i % 7 != 0) for i, e in enumerate(all_entries)}
    here = DeviceTree()
    here.set_devices(all_entries, all_cells)
    prepared: list[PreparedTree] = []
    label = here.model.label
    worker = threading.Thread(
        target=lambda: prepared.append(prepare_tree(all_entries, all_cells, label))
    )
    worker.start()
    worker.join()
    there = DeviceTree()
    there.show_prepared(prepared[0])

    def texts(tree: DeviceTree) -> list[str]:
        out = []
        for d in range(tree.model.rowCount()):
            dindex = tree.model.index(d, COL_NAME)
            out.append(str(dindex.data()))
            for g in range(tree.model.rowCount(dindex)):
                gindex = tree.model.index(g, COL_NAME, dindex)
                out.append(str(gindex.data()))
                for r in range(tree.model.rowCount(gindex)):
                    out.extend(str(tree.model.index(r, c, gindex).data()) for c in range(6))
        return out

    assert texts(here) == texts(there)
    assert len(texts(there)) == 3 + 15 + 600 * 6
    here.deleteLater()
    there.deleteLater()
