"""The case queues' in-memory text search finds what SQL ``instr`` finds, and keeps up with
changed and deleted cases."""

from __future__ import annotations

from typing import Any

import numpy as np

from cityops.local_store.case_index import CaseIndex, QueueFilter
from cityops.local_store.store import LocalStore
from cityops.local_store.text_search import TAIL_LIMIT, TextSearch, case_text
from tests.unit.test_case_index import fill, loaded, store, upsert  # noqa: F401

CASES = [
    (1, case_text("C-001", "湖滨路井盖缺失，井盖旁有积水", "上城区东坡路 12 号")),
    (2, case_text("C-002", "暴露垃圾", "")),
    (5, case_text("C-005", "积水", "拱墅区井盖路")),
]


def found(search: TextSearch, needle: str) -> list[int]:
    return search.search(needle).tolist()


def test_a_case_is_found_once_by_any_field_and_never_across_fields() -> None:
    search = TextSearch()
    search.build(CASES)
    assert found(search, "井盖") == [1, 5]  # twice in case 1: listed once
    assert found(search, "C-002") == [2]
    assert found(search, "东坡路") == [1]
    assert found(search, "积水拱墅") == []  # description end + address start: not one text
    assert found(search, "") == []
    assert found(search, "不存在") == []


def test_changed_and_deleted_cases_are_searched_as_they_are_now() -> None:
    search = TextSearch()
    search.build(CASES)
    search.update(
        [(2, case_text("C-002", "暴露垃圾已清理，路面积水", "")), (7, case_text("C-7", "积水", ""))]
    )
    search.drop([5])
    assert found(search, "积水") == [1, 2, 7]
    assert found(search, "井盖") == [1]
    # Enough changes rebuild the blob; the answers stay the same.
    search.update((100 + n, case_text(f"C-{n}", "占道经营", "")) for n in range(TAIL_LIMIT + 1))
    assert found(search, "积水") == [1, 2, 7]
    assert len(found(search, "占道经营")) == TAIL_LIMIT + 1


def test_the_warmed_index_filters_text_as_sql_does(store: LocalStore, loaded: Any) -> None:  # noqa: F811
    index, docs = loaded
    cold = CaseIndex(store, index.reference, label=index._label)
    cold.load()
    index.warm()
    assert index._text.ready
    assert not cold._text.ready
    needles = ["井盖", "积水", docs[0]["id"][-9:], docs[3]["address"], "state", "路"]
    for queue in ("all", "to_dispatch", "in_progress"):
        for needle in needles:
            f = QueueFilter(queue, text=needle)
            assert np.array_equal(index.select(f), cold.select(f)), (queue, needle)
    # A live change reaches the warmed search.
    changed = {**docs[0], "description": "桥下涵洞积水", "version": docs[0]["version"] + 1}
    store.apply_changes([upsert(10_000, changed)], cursor=10_000)
    index.refresh([changed["id"]])
    hits = index.select(QueueFilter("all", text="桥下涵洞"))
    assert len(hits) == 1
    assert index.select(QueueFilter("all", text=docs[0]["description"])).size == sum(
        docs[0]["description"] in d["description"] for d in docs[1:]
    )  # the old text no longer finds the changed case
