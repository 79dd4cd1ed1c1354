"""The ranking bulletin exported: PDF (Qt's PDF writer, the CJK font embedded), XLSX and CSV.

Offers to the ranking presenter and its tests, all from one ``RankingTable`` so that every format
carries the same rounded numbers:

- ``write_csv(table, path)``: UTF-8 with BOM (Excel opens it as UTF-8), header then the rows'
  texts, exactly as the window shows them;
- ``write_xlsx(table, path)``: openpyxl; the sheet "排名" holds the header in row 1 and each
  row's values (scores as numbers with a ``0.00`` format, movement as a number), red and black
  rows filled in their colour; a second sheet "说明" holds period, standard and generation time;
- ``bulletin_html(table, generated)`` and ``write_pdf(table, path, generated)``: the monthly
  bulletin as a ``QTextDocument`` printed on a ``QPdfWriter`` (A4 landscape), red list and
  black list named under the table. Qt embeds a subset of the font (WenQuanYi Micro Hei) with
  its Unicode map, so the PDF's text can be extracted.

All three run in a worker thread (the presenter awaits them with ``asyncio.to_thread``): the
PDF takes ~100 ms, too long for the UI thread. Qt allows that for the PDF: ``QPdfWriter``,
``QPainter`` on it, ``QTextDocument`` and ``QFont`` work outside the GUI thread (the font
database is shared and locked); only widgets and ``QPixmap`` are GUI-thread-only, and the
bulletin uses neither (no images in its HTML).
"""

from __future__ import annotations

import csv
import html
from pathlib import Path
from typing import Final

from cityops.desktop.ranking_table import (
    COL_LIST,
    COL_MOVEMENT,
    RankingTable,
    cell_text,
    score_columns,
)

#: The font the bulletin asks for (the Debian package fonts-wqy-microhei); Qt falls back to
#: another CJK font when it is missing.
FONT_FAMILY: Final = "WenQuanYi Micro Hei"
RED: Final = "#fde0dc"
BLACK: Final = "#d9d9d9"
_SHEET = {"zh": ("排名", "说明"), "en": ("Ranking", "About")}


def write_csv(table: RankingTable, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(table.header)
        writer.writerows(table.text_rows())


def write_xlsx(table: RankingTable, path: Path, generated: str = "") -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    names = _SHEET[table.lang]
    sheet.title = names[0]
    sheet.append(list(table.header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    scores = set(score_columns(table))
    fills = {
        "red": PatternFill("solid", fgColor=RED[1:]),
        "black": PatternFill("solid", fgColor=BLACK[1:]),
    }
    for r, (row, mark) in enumerate(zip(table.rows, table.lists, strict=True), start=2):
        sheet.append(list(row))
        for c in range(len(row)):
            cell = sheet.cell(row=r, column=c + 1)
            if c in scores:
                cell.number_format = "0.00"
            if mark:
                cell.fill = fills[mark]
    sheet.freeze_panes = "C2"
    sheet.column_dimensions["B"].width = 12
    about = book.create_sheet(names[1])
    for line in (
        (table.title,),
        ("期间" if table.lang == "zh" else "Period", table.period_label),
        ("标准" if table.lang == "zh" else "Standard", table.standard),
        ("生成时间" if table.lang == "zh" else "Generated", generated),
    ):
        about.append(list(line))
    book.save(path)


def read_xlsx_rows(path: Path) -> list[list[object]]:
    """The ranking sheet's rows as values (header first): what a reader of the file gets."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _lists_text(table: RankingTable) -> tuple[str, str]:
    names = [str(row[1]) for row in table.rows]
    red = "、".join(n for n, m in zip(names, table.lists, strict=True) if m == "red")
    black = "、".join(n for n, m in zip(names, table.lists, strict=True) if m == "black")
    return red or "—", black or "—"


def bulletin_html(table: RankingTable, generated: str = "") -> str:
    zh = table.lang == "zh"
    esc = html.escape
    # No bold anywhere: the CJK font has no bold face, and Qt's synthetic bold paints each
    # glyph twice, which a PDF reader then extracts twice.
    head = "".join(f'<td align="center">{esc(h)}</td>' for h in table.header)
    body = []
    for row, mark in zip(table.rows, table.lists, strict=True):
        colour = {"red": RED, "black": BLACK}.get(mark, "#ffffff")
        cells = []
        for c, value in enumerate(row):
            align = "left" if c in (1, COL_LIST) else "right"
            if c == COL_MOVEMENT:
                align = "center"
            cells.append(f'<td align="{align}">{esc(cell_text(c, value, table.lang))}</td>')
        body.append(f'<tr bgcolor="{colour}">{"".join(cells)}</tr>')
    red, black = _lists_text(table)
    period = ("考核期间：" if zh else "Period: ") + table.period_label
    lists = (
        f"<p>{'红榜' if zh else 'Red list'}：{esc(red)}　"
        f"{'黑榜' if zh else 'Black list'}：{esc(black)}</p>"
    )
    notes = (
        "<p style='font-size:7pt; color:#555555'>"
        + esc(
            "总分为六项指标加权之和（0–100），四舍五入保留两位小数；并列时依次比较按期结案率、"
            "考评检查得分、区县代码；仅因区县代码先后而分出名次者不列入红黑榜。"
            "各分类得分为扣分后的分数（0–100）。"
            if zh
            else "Total = weighted sum of the six indicators (0–100), rounded half-up to 2 "
            "decimals; ties go by on-time closing, then inspection, then district code; "
            "nobody is listed red or black by the district code alone. "
            "Category scores are after deductions (0–100)."
        )
        + "</p>"
    )
    return (
        f"<html><body style=\"font-family:'{FONT_FAMILY}'; font-size:8pt\">"
        f"<p align='center' style='font-size:16pt'>{esc(table.title)}</p>"
        f"<p align='center'>{esc(period)}　{esc(table.standard)}　{esc(generated)}</p>"
        '<table border="1" cellspacing="0" cellpadding="2" width="100%" '
        'style="border-collapse:collapse; border-color:#888888">'
        f"<thead><tr bgcolor='#eeeeee'>{head}</tr></thead>{''.join(body)}</table>"
        f"{lists}{notes}</body></html>"
    )


def write_pdf(table: RankingTable, path: Path, generated: str = "") -> None:
    """Print the bulletin to ``path``; meant for a worker thread (no widgets, no pixmaps).

    The writer and the document are created, used and dropped in the calling thread, so no
    Qt object outlives the call or is shared with the UI thread."""
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPdfWriter, QTextDocument

    writer = QPdfWriter(str(path))
    writer.setTitle(f"{table.title} {table.period_label}")
    writer.setCreator("CityOps")
    writer.setResolution(300)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Landscape,
            QMarginsF(10, 10, 10, 10),
            QPageLayout.Unit.Millimeter,
        )
    )
    doc = QTextDocument()
    doc.setDefaultFont(QFont(FONT_FAMILY, 8))
    doc.setHtml(bulletin_html(table, generated))
    # No page size of its own: print_() paginates a copy on the writer's page, scaled from
    # the document's logical resolution to the writer's.
    doc.print_(writer)
