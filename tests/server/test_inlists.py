"""``inlists.select_in`` answers exactly what SQLAlchemy's expanding ``IN`` answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, bindparam, select, tuple_

from cityops.server.db import make_engine
from cityops.server.inlists import select_in

_META = MetaData()
_ITEMS = Table(
    "inlist_items",
    _META,
    Column("id", Integer, primary_key=True),
    Column("device", String(16)),
    Column("kind", String(16)),
)
_BY_PAIR = select(_ITEMS.c.id).where(
    tuple_(_ITEMS.c.device, _ITEMS.c.kind).in_(bindparam("pairs", expanding=True))
)
_BY_DEVICE = select(_ITEMS.c.id, _ITEMS.c.device).where(
    _ITEMS.c.device.in_(bindparam("devices", expanding=True))
)


@pytest.fixture(scope="module")
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    _META.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            _ITEMS.insert(),
            [
                {"id": i, "device": f"D{i % 37}", "kind": ("gas", "water", "cover")[i % 3]}
                for i in range(600)
            ],
        )
    yield engine
    _META.drop_all(engine)
    engine.dispose()


@pytest.mark.parametrize("count", [1, 7, 8, 9, 100, 300])
def test_row_value_lists_of_any_size_match_sqlalchemy(engine: Engine, count: int) -> None:
    pairs = [(f"D{i % 50}", ("gas", "water", "cover", "none")[i % 4]) for i in range(count)]
    with engine.connect() as conn:
        expected = sorted(conn.execute(_BY_PAIR, {"pairs": pairs}).scalars())
        got = sorted(row[0] for row in select_in(conn, _BY_PAIR, "pairs", pairs))
    assert got == expected
    assert got or count < 2  # the fixture makes most pairs match


@pytest.mark.parametrize("count", [0, 1, 5, 40])
def test_scalar_lists_match_sqlalchemy_and_pad_without_duplicates(
    engine: Engine, count: int
) -> None:
    devices = [f"D{i}" for i in range(count)]
    with engine.connect() as conn:
        expected = sorted(tuple(r) for r in conn.execute(_BY_DEVICE, {"devices": devices}))
        got = sorted(select_in(conn, _BY_DEVICE, "devices", devices)) if devices else []
    assert got == expected
    assert len(got) == len(set(got))  # padding repeats a value; IN must not repeat rows
