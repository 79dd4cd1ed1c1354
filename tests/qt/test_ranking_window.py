"""The supervisors' ranking window offscreen: the hand-computed month on screen, the drill-down,
the exports (PDF text, XLSX and CSV read back equal the table), the period chooser, and a
finding recorded through the form reaching the real server and the ranking."""

from __future__ import annotations

import asyncio
import csv
import shutil
import subprocess
import threading
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtWidgets")
pytest.importorskip("qasync")

from pypdf import PdfReader  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from cityops.desktop import ranking_export  # noqa: E402
from cityops.desktop.ranking_presenter import RankingPresenter  # noqa: E402
from cityops.desktop.ranking_table import COL_DISTRICT, COL_TOTAL  # noqa: E402
from cityops.desktop.ranking_window import RankingWindow  # noqa: E402
from cityops.desktop.session import Session  # noqa: E402
from cityops.domain.city import CITY_TZ  # noqa: E402
from cityops.domain.ranking import Indicator  # noqa: E402
from cityops.domain.schemas import Entity  # noqa: E402
from cityops.local_store.store import LocalStore  # noqa: E402
from tests.qt.qt_loop import run, wait_until  # noqa: E402
from tests.sync.conftest import PASSWORD, Api, RestartableServer  # noqa: E402
from tests.unit import test_ranking_facts as fixture  # noqa: E402

SCREENS = Path("screenshots/tests")
A, C, D = fixture.A, fixture.C, fixture.D


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    s = LocalStore.open(tmp_path / "cache.sqlite3")
    cases = fixture.changes(fixture.month_cases(), Entity.CASE, 1)
    found = fixture.changes(fixture.month_findings(), Entity.INSPECTION, len(cases) + 1)
    s.apply_changes([*cases, *found], cursor=len(cases) + len(found))
    return s


def row_texts(window: RankingWindow) -> dict[str, list[str]]:
    """District name → the row's texts as the table on screen shows them."""
    t = window.table
    rows = {}
    for r in range(t.rowCount()):
        cells = [t.item(r, c).text() for c in range(t.columnCount())]
        rows[cells[COL_DISTRICT]] = cells
    return rows


def test_the_month_on_screen_drilled_and_exported(
    qapp: QApplication, store: LocalStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    # Which thread printed each file: the exports must leave the UI thread free.
    writers: dict[str, threading.Thread] = {}
    for fmt in ("pdf", "xlsx", "csv"):
        real = getattr(ranking_export, f"write_{fmt}")

        def recorded(*args: object, _fmt: str = fmt, _real: Callable[..., None] = real) -> None:
            writers[_fmt] = threading.current_thread()
            _real(*args)

        monkeypatch.setattr(ranking_export, f"write_{fmt}", recorded)
    window = RankingWindow(fixture.REF, "supervisor")
    window.resize(1600, 900)
    window.set_period_day(date(2026, 11, 20))
    window.show()
    presenter = RankingPresenter(window, store, fixture.REF)

    async def scenario() -> None:
        await presenter.start()
        await asyncio.wait_for(presenter.ready.wait(), 10)
        assert window.period_label.text() == "2026年11月"
        rows = row_texts(window)
        # The hand-computed totals, ranks (after the nine untouched districts at 100: the
        # domain's full marks when nothing happened) and the black list of the real rules (3);
        # the nine tie on everything but their codes, so nobody is on the red list.
        assert rows["西湖区"][:5] == ["10", "西湖区", "91.07", "↓7", ""]
        assert rows["上城区"][:5] == ["11", "上城区", "75.33", "↓10", "黑榜"]
        assert rows["拱墅区"][:5] == ["12", "拱墅区", "75.29", "↓10", "黑榜"]
        assert rows["滨江区"][:5] == ["13", "滨江区", "75.00", "↓9", "黑榜"]
        assert not any(row[4] == "红榜" for row in rows.values())
        table = presenter.table
        assert table is not None
        filing = table.column_of(Indicator.ON_TIME_FILING.value)
        assert rows["上城区"][filing] == "66.67"
        assert rows["西湖区"][table.column_of("E01")] == "80.00"
        satisfaction = table.column_of(Indicator.PUBLIC_SATISFACTION.value)
        assert rows["上城区"][satisfaction] == "75.00"  # 满意 5 and 基本满意 3
        assert rows["西湖区"][satisfaction] == "66.67"
        assert rows["滨江区"][satisfaction] == "100.00"  # nobody called back: full marks

        # Drill-down: the filing score of 上城区 → its three cases, the late one first.
        window.select_cell(A, Indicator.ON_TIME_FILING.value)
        await wait_until(lambda: window.drill_list.rowCount() == 3, 5, "the cases behind it")
        assert "2/3" in window.drill_title.text()
        assert [window.drill_list.item(r, 0).text() for r in range(3)] == ["a2", "a1", "a3"]
        assert "66.67 × 0.15 = 10.00" in window.drill_text.toPlainText()
        # The satisfaction score of 西湖区 → the three rated closings, the 不满意 one first.
        window.select_cell(C, Indicator.PUBLIC_SATISFACTION.value)
        await wait_until(lambda: "回访评价" in window.drill_title.text(), 5, "the ratings")
        assert "3 件回访评价，平均 3.67 分" in window.drill_title.text()
        listed = [
            [window.drill_list.item(r, c).text() for c in range(2)]
            for r in range(window.drill_list.rowCount())
        ]
        assert listed == [["c2", "1 分 不满意"], ["c3", "5 分 满意"], ["c1", "5 分 满意"]]
        assert "66.67 × 0.15 = 10.00" in window.drill_text.toPlainText()
        assert window.grab().save(str(SCREENS / "ranking_satisfaction.png"))
        window.select_cell(C, "E01")
        await wait_until(lambda: "2 条检查发现" in window.drill_title.text(), 5, "findings")
        assert window.drill_list.item(0, 1).text() == "15"
        assert window.grab().save(str(SCREENS / "ranking_window.png"))

        # Exports: the same table in every format.
        pdf, xlsx, text = tmp_path / "r.pdf", tmp_path / "r.xlsx", tmp_path / "r.csv"
        for fmt, path in (("pdf", pdf), ("xlsx", xlsx), ("csv", text)):
            await presenter.export(fmt, path)
        ui = threading.current_thread()
        assert ui is threading.main_thread()
        assert set(writers) == {"pdf", "xlsx", "csv"}
        assert all(thread is not ui for thread in writers.values()), writers
        extracted = "".join(page.extract_text() for page in PdfReader(pdf).pages)
        words = extracted.split()
        for row in table.text_rows():
            assert row[COL_DISTRICT] in extracted
            assert row[COL_TOTAL] in extracted
            # The whole row, every score in its column order, as one run of words.
            cells = [c for c in row if c]
            assert any(words[i : i + len(cells)] == cells for i in range(len(words))), cells
        assert "2026年11月" in extracted
        lists = "".join(extracted.split())
        assert "红榜：—黑榜：上城区、拱墅区、滨江区" in lists
        # An empty cell (no list mark) reads back as None; numbers as numbers.
        read = ranking_export.read_xlsx_rows(xlsx)
        assert [["" if v is None else v for v in row] for row in read] == [
            list(table.header),
            *(list(row) for row in table.rows),
        ]
        with text.open(encoding="utf-8-sig", newline="") as f:
            assert list(csv.reader(f)) == [list(table.header), *table.text_rows()]
        if shutil.which("pdftoppm"):
            png = SCREENS / "ranking_pdf"
            command = ["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf), str(png)]
            await asyncio.to_thread(subprocess.run, command, check=True)
            image = QImage(str(SCREENS / "ranking_pdf.png"))
            assert image.width() > image.height() > 0  # A4 landscape

        # Another period: the week holding 10 November (a2 reported, a1 not).
        window.kind.setCurrentIndex(1)
        window.set_period_day(date(2026, 11, 10))
        await wait_until(lambda: window.period_label.text() == "2026年第46周", 10, "the week")
        assert row_texts(window)["上城区"][filing] == "0.00"  # a2 filed after 30 h
        await presenter.stop()

    try:
        run(qapp, scenario())
    finally:
        window.close()
        store.close()


def test_drill_titles_count_every_case_not_only_the_listed_ones(
    qapp: QApplication, store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A month of a real district has thousands of cases behind a score and the list shows
    the first DRILL_LIMIT; the title's counts and mean are the ranking's own. Here the limit is
    2 and the fixture has 3 cases behind each score."""
    from cityops.local_store import ranking_facts

    monkeypatch.setattr(ranking_facts, "DRILL_LIMIT", 2)
    window = RankingWindow(fixture.REF, "supervisor")
    window.set_period_day(date(2026, 11, 20))
    presenter = RankingPresenter(window, store, fixture.REF)

    async def scenario() -> None:
        await presenter.start()
        await asyncio.wait_for(presenter.ready.wait(), 10)
        window.select_cell(A, Indicator.ON_TIME_FILING.value)
        await wait_until(lambda: window.drill_list.rowCount() == 2, 5, "two cases listed")
        assert "2/3" in window.drill_title.text()  # not 1/2, the listed rows' count
        assert "列出前 2 件" in window.drill_title.text()
        window.select_cell(C, Indicator.PUBLIC_SATISFACTION.value)
        await wait_until(lambda: "回访评价" in window.drill_title.text(), 5, "the ratings")
        assert window.drill_list.rowCount() == 2
        assert "3 件回访评价，平均 3.67 分" in window.drill_title.text()
        await presenter.stop()

    run(qapp, scenario())


def test_a_finding_entered_in_the_form_reaches_the_server_and_the_ranking(
    qapp: QApplication, server: RestartableServer, api: Api, tmp_path: Path
) -> None:
    async def scenario() -> None:
        session = await Session.login(server.url, "supervisor", PASSWORD, base=tmp_path)
        session.start()
        window = RankingWindow(session.reference, "supervisor")
        window.resize(1600, 900)
        window.show()
        presenter = RankingPresenter.for_session(session, window)
        try:
            await presenter.start()
            await asyncio.wait_for(presenter.ready.wait(), 10)
            before = row_texts(window)["上城区"]
            inspection = presenter.table.column_of(Indicator.INSPECTION.value)  # type: ignore[union-attr]
            form = window.form
            window.side.setCurrentIndex(1)
            form.district.setCurrentIndex(form.district.findData(A))
            form.street.setCurrentIndex(1)
            form.category.setCurrentIndex(form.category.findData("E08"))
            form.item.setCurrentIndex(form.item.findData("E08-001"))
            # Inline validation with the domain's rules: 0 findings is refused, button off.
            form.count.setValue(0)
            assert "1 到 50" in form.problem.text()
            assert not form.submit.isEnabled()
            form.count.setValue(2)
            assert form.submit.isEnabled(), form.problem.text()
            form.note.setText("井盖缺失，未设警示")
            form.reset_time(datetime.now(CITY_TZ))
            assert window.grab().save(str(SCREENS / "ranking_form.png"))
            form.submit.click()
            await wait_until(lambda: "已提交" in form.problem.text(), 5, "the intent queued")
            await wait_until(lambda: session.store.outbox_length() == 0, 10, "pushed")
            found = api.http.get("/api/v1/inspections", headers=api.headers("supervisor")).json()
            ours = [i for i in found["inspections"] if i["district_code"] == A]
            assert [(i["item_code"], i["count"], i["deduction"]) for i in ours] == [
                ("E08-001", 2, 10.0)
            ]
            assert ours[0]["note"] == "井盖缺失，未设警示"
            # E08 weight 0.1: inspection 100 − 0.1 × 10 = 99.00 (the month had nothing else).
            await wait_until(
                lambda: row_texts(window)["上城区"][inspection] == "99.00", 10, "the ranking"
            )
            assert before[inspection] == "100.00"
        finally:
            await presenter.stop()
            window.close()
            await session.close()

    run(qapp, scenario())
