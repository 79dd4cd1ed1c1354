"""The wall's red/black board: this week's ranking so far, read from a real local store.

One district (拱墅区 330105) files a report of this week two days late and has it returned:
it scores below the others and is the black list, alone (the twelve others tie at 100, and no
list takes a district for its code); last week nobody had a case, so nobody moved.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cityops.desktop.cockpit_board import board_period, read_board
from cityops.domain.ranking import PeriodKind
from cityops.domain.reference import load_reference
from cityops.domain.schemas import Entity
from cityops.local_store.store import LocalStore

REF = load_reference()
LATE = "330105"
NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)  # Wednesday of ISO week 48 (23–29 Nov)


def _late_case() -> dict[str, object]:
    return {
        "id": "late-1",
        "state": "returned",
        "source": "patrol",
        "description": "占道经营",
        "reported_at": "2026-11-23T02:00:00Z",
        "filed_at": "2026-11-25T02:00:00Z",  # 48 h after the report: late
        "first_dispatched_at": "2026-11-25T03:00:00Z",
        "reported_by": "col-7",
        "district_code": LATE,
        "escalation_level": 0,
        "rework_count": 0,
        "return_count": 1,  # dispatched to the wrong unit
        "version": 3,
    }


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    s = LocalStore.open(tmp_path / "cache.sqlite3")
    change = {
        "seq": 1,
        "entity": Entity.CASE.value,
        "entity_id": "late-1",
        "version": 3,
        "op": "upsert",
        "payload": _late_case(),
    }
    s.apply_changes([change], cursor=1)
    yield s
    s.close()


def test_the_board_ranks_this_week_so_far_with_lists_and_moves(store: LocalStore) -> None:
    board = read_board(store, REF, NOW)
    districts = sorted(d.code for d in REF.units.districts)
    rules = REF.evaluation.rules

    assert board.period == board_period(NOW)
    assert board.period.kind is PeriodKind.WEEK
    assert board.title == "2026年第48周 截至11月25日"
    assert [r.rank for r in board.rows] == list(range(1, len(districts) + 1))
    assert {r.district_code for r in board.rows} == set(districts)

    last = board.rows[-1]
    assert last.district_code == LATE
    assert last.score < 100
    assert last.standing == "black"
    # Last week nothing happened anywhere: no move is shown (a move against a ranking by
    # district code alone would be noise).
    assert all(r.change is None for r in board.rows)
    assert all(r.score == 100 for r in board.rows[:-1])
    # The twelve others tie on everything but their codes: no list takes any of them.
    assert [r.standing for r in board.rows[:-1]] == [None] * (len(districts) - 1)
    assert rules.black_list_size > 1


def test_the_board_turns_with_the_week() -> None:
    sunday_night = datetime(2026, 11, 29, 15, 59, tzinfo=UTC)  # 23:59 in Beijing
    monday = datetime(2026, 11, 29, 16, 0, tzinfo=UTC)  # 00:00 on Monday in Beijing
    assert board_period(sunday_night) == board_period(NOW)
    assert board_period(monday) == board_period(NOW).next()


def test_the_board_rounds_half_up_as_the_bulletin_does(store: LocalStore) -> None:
    """One half-point finding (E01-002) takes 0.12 × 0.5 × 0.25 = 0.015 off 100: 99.985, which
    the bulletin prints 99.99 (四舍五入) and binary floating point's round() makes 99.98."""
    item = REF.evaluation.rules.item("E01-002")
    assert item.deduction == 0.5
    finding = {
        "id": "i-1",
        "district_code": "330106",
        "item_code": "E01-002",
        "category_code": item.category,
        "count": 1,
        "deduction": 0.5,
        "note": "",
        "observed_at": "2026-11-24T02:00:00Z",
        "recorded_by": "sup-1",
        "recorded_at": "2026-11-24T02:00:00Z",
    }
    change = {
        "seq": 2,
        "entity": Entity.INSPECTION.value,
        "entity_id": "i-1",
        "version": 1,
        "op": "upsert",
        "payload": finding,
    }
    store.apply_changes([change], cursor=2)
    row = next(r for r in read_board(store, REF, NOW).rows if r.district_code == "330106")
    assert round(99.985, 2) == 99.98  # why the board must not use round()
    assert row.score == 99.99
