"""The case queue table as a dispatcher meets it: tabs and filters show the right cases, every
column sorts by what it shows, live updates keep the selection, SLA countdowns read right."""

from __future__ import annotations

import gc
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
import qasync  # type: ignore[import-untyped]
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication

from cityops.desktop.case_table_model import (
    COL_DISTRICT,
    COL_ID,
    COL_REPORTED,
    COL_SLA,
    COL_STATE,
    SORT_KEYS,
    CaseTableModel,
    CaseTableView,
    DocRole,
    IdRole,
    countdown,
    make_index,
)
from cityops.domain.reference import load_reference
from cityops.local_store.case_index import NO_DEADLINE, QueueFilter
from cityops.local_store.store import LocalStore
from tests.unit.test_case_index import NOW, fill, synthetic_cases, upsert

REF = load_reference()
SHOTS = Path("screenshots/tests")


def run(qapp: QApplication, coro: Coroutine[Any, Any, Any]) -> Any:
    loop = qasync.QEventLoop(qapp, already_running=False)
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()
        del loop
        gc.collect()
        qapp.processEvents()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    s = LocalStore.open(tmp_path / "cache.sqlite3")
    yield s
    s.close()


@pytest.fixture
def docs(store: LocalStore) -> list[dict[str, Any]]:
    return fill(store, synthetic_cases(500, seed=11, now=NOW, open_share=0.3))


@pytest.fixture
def model(qapp: QApplication, store: LocalStore, docs: Any) -> CaseTableModel:
    m = CaseTableModel(make_index(store, REF))
    loaded: list[bool] = []
    m.loaded.connect(lambda: loaded.append(True))
    run(qapp, m.load(QueueFilter("all")))
    assert loaded == [True]
    return m


def column(model: CaseTableModel, col: int) -> list[Any]:
    return [model.index(r, col).data() for r in range(model.rowCount())]


def test_the_model_passes_qts_model_checks(model: CaseTableModel, qtmodeltester: Any) -> None:
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 500
    assert model.headerData(COL_SLA, Qt.Orientation.Horizontal) == "时限"


def test_the_first_page_paints_before_the_index_is_loaded(
    qapp: QApplication, store: LocalStore, docs: Any
) -> None:
    m = CaseTableModel(make_index(store, REF))
    seen: list[int] = []
    m.layoutChanged.connect(lambda: seen.append(m.rowCount()))
    run(qapp, m.load(QueueFilter("all")))
    assert seen[0] == 200  # the SQL page
    assert seen[-1] == 500  # then the whole tab
    newest = max(docs, key=lambda d: d["reported_at"])
    assert m.index(0, COL_ID).data() == newest["id"]


@pytest.mark.parametrize("col", range(len(SORT_KEYS)))
def test_every_column_sorts_by_what_it_shows(
    qapp: QApplication, model: CaseTableModel, col: int
) -> None:
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        run(qapp, model.sort_by(col, order))
        if col == COL_SLA:  # the text is a countdown; the order is by deadline
            due = model.index_.due_at
            shown = [int(due[model.rowid_at(r)]) for r in range(model.rowCount())]
        else:
            shown = column(model, col)
        assert shown == sorted(shown, reverse=order == Qt.SortOrder.DescendingOrder), col
    assert model.rowCount() == 500


def test_tabs_and_filters_show_only_their_cases(
    qapp: QApplication, model: CaseTableModel, docs: Any
) -> None:
    run(qapp, model.set_filter(QueueFilter("to_dispatch")))
    states = {d["state"] for d in docs if d["id"] in set(column(model, COL_ID))}
    assert states == {"filed", "returned"}
    assert set(column(model, COL_STATE)) == {"已立案", "已退回待重派"}
    district = docs[0]["district_code"]
    run(qapp, model.set_filter(QueueFilter("all", district_code=district)))
    assert model.rowCount() == sum(d["district_code"] == district for d in docs)
    assert set(column(model, COL_DISTRICT)) == {REF.units.units[district].name_zh}
    run(qapp, model.set_filter(QueueFilter("overdue")))
    assert model.rowCount() > 0
    assert all(t.startswith("超时") for t in column(model, COL_SLA))
    backgrounds = {model.index(r, COL_SLA).data(Qt.ItemDataRole.BackgroundRole).name()
                   for r in range(model.rowCount())}  # fmt: skip
    assert backgrounds == {"#f4c7c3"}


def test_countdowns_read_like_a_dispatcher_says_them() -> None:
    assert countdown(2 * 3600 + 15 * 60 + 20) == "剩余 2时15分"
    assert countdown(-35 * 60) == "超时 35分"
    assert countdown(3 * 86400 + 3600) == "剩余 3天1时"


def test_a_live_update_keeps_the_selection_and_never_resets(
    qapp: QApplication, qtbot: Any, store: LocalStore, model: CaseTableModel, docs: Any
) -> None:
    view = CaseTableView()
    qtbot.addWidget(view)
    view.resize(1600, 900)
    view.setModel(model)
    view.show()
    qtbot.waitExposed(view)
    run(qapp, model.set_filter(QueueFilter("to_verify")))
    assert model.rowCount() > 10
    chosen = [model.index(r, COL_ID).data() for r in (3, 7)]
    selection = view.selectionModel()
    for row in (3, 7):
        selection.select(
            model.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    selection.setCurrentIndex(model.index(7, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    by_id = {d["id"]: d for d in docs}
    top, gone = model.index(0, COL_ID).data(), model.index(1, COL_ID).data()
    older = model.index(model.rowCount() - 1, COL_ID).data()
    # A case verified elsewhere leaves the tab; an old one is re-reported newest; a new one.
    new = {**by_id[top], "id": "C-LIVE", "reported_at": "2030-01-01T00:00:00Z"}
    changes = [
        upsert(10_001, {**by_id[gone], "state": "verified", "version": 2}),
        upsert(10_002, {**by_id[older], "reported_at": "2029-01-01T00:00:00Z", "version": 2}),
        upsert(10_003, new),
    ]
    store.apply_changes(changes, cursor=10_003)
    before = model.rowCount()
    run(qapp, model.apply_updates([gone, older, "C-LIVE"]))
    assert resets == []
    assert model.rowCount() == before  # one out, one in
    assert model.index(0, COL_ID).data() == "C-LIVE"
    assert model.index(1, COL_ID).data() == older
    assert model.row_of(gone) == -1
    selected = sorted(i.data(IdRole) for i in selection.selectedRows())
    assert selected == sorted(chosen)
    assert selection.currentIndex().data(IdRole) == chosen[1]
    assert model.index(0, 0).data(DocRole)["reported_at"] == "2030-01-01T00:00:00Z"
    view.grab().save(str(SHOTS / "case_table_to_verify.png"))


def test_a_header_click_sorts_through_the_loop(
    qapp: QApplication, qtbot: Any, model: CaseTableModel
) -> None:
    view = CaseTableView()
    qtbot.addWidget(view)
    view.resize(1600, 900)
    view.setModel(model)
    view.show()

    async def click() -> None:  # the header click arrives while the loop runs, as in the app
        view.sortByColumn(COL_REPORTED, Qt.SortOrder.AscendingOrder)
        await _settle(model)

    run(qapp, click())
    shown = column(model, COL_REPORTED)
    assert shown == sorted(shown)
    assert model.sort_order() == (COL_REPORTED, Qt.SortOrder.AscendingOrder)
    SHOTS.mkdir(parents=True, exist_ok=True)
    view.grab().save(str(SHOTS / "case_table_all.png"))
    assert time.time() < NO_DEADLINE


async def _settle(model: CaseTableModel) -> None:
    import asyncio

    for _ in range(200):
        await asyncio.sleep(0.01)
        if not model._tasks:
            return
