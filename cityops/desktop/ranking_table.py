"""The ranking as one table: what the ranking window shows and every export writes.

Offers ``ranking_table(report, reference, lang)`` → ``RankingTable`` (Qt-free: built in a worker
thread) to the ranking window, its presenter and ``ranking_export``. Each cell has one value
(rank and movement as ``int``, scores as floats already rounded by the domain's ``round_score``,
names and list marks as text) and one text (``cell_text``: scores always with 2 decimals); the
window and the PDF and CSV show the texts, the XLSX stores the values with a 0.00 format, so
every format carries the same rounded numbers.

Columns: rank, district, total, movement against the previous period, list (红榜/黑榜), the six
indicators, then the 12 inspection categories (their scores before weighting, 0–100).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from cityops.domain.ranking import Indicator, Lang, round_score
from cityops.domain.reference import Reference
from cityops.local_store.ranking_facts import RankingReport

Cell = int | float | str | None

#: Column indices of the fixed columns.
COL_RANK: Final = 0
COL_DISTRICT: Final = 1
COL_TOTAL: Final = 2
COL_MOVEMENT: Final = 3
COL_LIST: Final = 4
COL_FIRST_INDICATOR: Final = 5
INDICATORS: Final = tuple(Indicator)
COL_FIRST_CATEGORY: Final = COL_FIRST_INDICATOR + len(INDICATORS)

_FIXED = {
    "zh": ("排名", "区县", "总分", "较上期", "红黑榜"),
    "en": ("Rank", "District", "Total", "Change", "List"),
}
_LISTS = {"zh": ("红榜", "黑榜"), "en": ("red", "black")}
_TITLE = {"zh": "城市管理考核排名", "en": "City management ranking"}

ListMark = Literal["red", "black", ""]


def movement_text(movement: int | None, lang: Lang = "zh") -> str:
    """``↑2``, ``↓1``, ``—`` (unchanged) or ``新``/``new`` (not ranked the period before)."""
    if movement is None:
        return "新" if lang == "zh" else "new"
    if movement > 0:
        return f"↑{movement}"
    if movement < 0:
        return f"↓{-movement}"
    return "—"


def cell_text(column: int, value: Cell, lang: Lang = "zh") -> str:
    if value is None:
        return movement_text(None, lang) if column == COL_MOVEMENT else ""
    if column == COL_MOVEMENT and isinstance(value, int):
        return movement_text(value, lang)
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


@dataclass(frozen=True, slots=True)
class RankingTable:
    title: str
    period_label: str
    standard: str
    header: tuple[str, ...]
    #: Per column: the code behind it (district table: "" for fixed columns, the indicator's
    #: value or the category code) — the drill-down asks by it.
    keys: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    district_codes: tuple[str, ...]  # per row
    lists: tuple[ListMark, ...]  # per row
    lang: Lang = "zh"

    def text_rows(self) -> list[list[str]]:
        return [[cell_text(c, v, self.lang) for c, v in enumerate(row)] for row in self.rows]

    def column_of(self, key: str) -> int:
        return self.keys.index(key)


def ranking_table(report: RankingReport, reference: Reference, lang: Lang = "zh") -> RankingTable:
    rules = reference.evaluation.rules
    units = reference.units.units
    categories = rules.categories

    def name(code: str) -> str:
        unit = units.get(code)
        if unit is None:
            return code
        return unit.name_en if lang == "en" and unit.name_en else unit.name_zh

    header = [
        *_FIXED[lang],
        *(i.label_zh if lang == "zh" else i.label_en for i in INDICATORS),
        *(f"{c.code} {c.name_en if lang == 'en' and c.name_en else c.name_zh}" for c in categories),
    ]
    keys = ["", "", "total", "movement", "list", *(i.value for i in INDICATORS)]
    keys += [c.code for c in categories]
    red, black = _LISTS[lang]
    rows: list[tuple[Cell, ...]] = []
    marks: list[ListMark] = []
    for entry in report.ranking.entries:
        explanation = report.explanation(entry.district_code)
        mark: ListMark = "red" if entry.red else "black" if entry.black else ""
        marks.append(mark)
        rows.append(
            (
                entry.rank,
                name(entry.district_code),
                round_score(entry.total),
                entry.movement,
                red if entry.red else black if entry.black else "",
                *(round_score(explanation.indicator(i).score) for i in INDICATORS),
                *(round_score(explanation.category(c.code).score) for c in categories),
            )
        )
    return RankingTable(
        title=_TITLE[lang],
        period_label=report.period.label(lang),
        standard=f"{reference.evaluation.name_zh} {reference.evaluation.version}",
        header=tuple(header),
        keys=tuple(keys),
        rows=tuple(rows),
        district_codes=tuple(e.district_code for e in report.ranking.entries),
        lists=tuple(marks),
        lang=lang,
    )


def score_columns(table: RankingTable) -> Sequence[int]:
    """The columns holding scores (total, indicators, categories)."""
    return [COL_TOTAL, *range(COL_FIRST_INDICATOR, len(table.header))]
