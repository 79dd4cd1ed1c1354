"""The wall's red/black board: this week's ranking so far, from the supervisors' aggregation.

Offers ``read_board(store, reference, now)`` → ``Board`` (rows for ``cockpit_model.BoardRow``
and the title's period) to the cockpit presenter, which calls it in a worker every
``BOARD_EVERY_S`` and when the week turns. Qt-free (runs in a worker thread; tested without Qt).

Why this week so far and not the last published week: the hall watches the race while it is run
(the supervisors' window shows the published periods); the title says "截至" the day so nobody
mistakes a running week for the published bulletin. The numbers are the ranking window's own
(``local_store.ranking_facts.ranking_report``), so the wall and the bulletin never disagree on
how a district is scored. A ranking takes up to ~1.5 s over a month of a million cases, far
over the wall's 1 s snapshot budget, which is why it is not part of ``read_snapshot``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from cityops.domain.city import CITY_TZ
from cityops.domain.ranking import Period, PeriodKind, period_containing, round_score
from cityops.domain.reference import Reference
from cityops.local_store.ranking_facts import ranking_report
from cityops.local_store.store import LocalStore
from cityops.widgets.cockpit_model import BoardRow

#: The board is recomputed this often (a ranking moves slowly; each read costs ~0.1–1.5 s).
BOARD_EVERY_S: Final = 300.0


@dataclass(frozen=True, slots=True)
class Board:
    period: Period
    rows: tuple[BoardRow, ...]
    title: str  # e.g. "2026年第48周 截至11月29日"


def board_period(now: datetime) -> Period:
    """The week the wall ranks at ``now`` (aware): the ISO week containing it in city time."""
    return period_containing(PeriodKind.WEEK, now)


def read_board(store: LocalStore, reference: Reference, now: datetime) -> Board:
    """This week's ranking at ``now`` with each district's move against last week."""
    period = board_period(now)
    report = ranking_report(store, period, reference)
    rows = tuple(
        BoardRow(
            district_code=e.district_code,
            rank=e.rank,
            score=round_score(e.total),  # half-up, as the bulletin shows it
            standing="red" if e.red else "black" if e.black else None,
            change=e.movement,
        )
        for e in report.ranking.entries
    )
    today = now.astimezone(CITY_TZ)
    return Board(period, rows, f"{period.label_zh} 截至{today.month}月{today.day}日")
