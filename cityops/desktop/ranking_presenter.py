"""Feeds the ranking window from the local store and writes supervisors' findings as intents.

Offers ``RankingPresenter(window, store, reference, bridge=, user=)`` (``for_session`` builds it
from a ``Session``) to the window manager: ``await start()``, ``await stop()``, ``ready``
(asyncio.Event, set once the table shows the first ranking), ``report``/``table`` (what is
shown), ``await load(kind, day)``, ``await export(fmt, path)`` and ``await record(args)``.

The ranking is computed in a worker thread (``ranking_facts.ranking_report``: about 1.5 s for a
month of a million-case cache) and only the newest request is shown: a period picked while
another is computing supersedes it. The trend (six periods) follows in the worker once the
table shows. Cases or inspections the sync touched reload the ranking at most every
``RELOAD_S`` seconds and never while one is computing (a busy hall would otherwise keep a core
busy with superseded runs); such a reload refreshes only the trend's last two periods, from the
report itself. A clicked score shows its explanation and the cases or findings behind it (read
in a worker; a newer click or period drops an older drill-down's result). The drill-down's
title counts come from the ranking's own trace, not from the listed rows (at most
``DRILL_LIMIT``). Exports write the table on screen, every format in a worker (the PDF too:
Qt paints on a PDF writer off the GUI thread). The inspection form is checked inline with the
domain's own ``record_inspection`` (the server decides with the same rules) and submitted as an
``inspection.record`` intent with its optimistic document, so the ranking counts it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import uuid6
from PySide6.QtCore import QObject, QTimer

from cityops.desktop import ranking_export
from cityops.desktop.i18n import language, name_of
from cityops.desktop.ranking_table import RankingTable, ranking_table
from cityops.desktop.ranking_window import RankingWindow
from cityops.desktop.sync_bridge import SyncBridge
from cityops.desktop.tasks import Tasks
from cityops.domain import inspections as ins
from cityops.domain.actors import Actor
from cityops.domain.cases import CaseState
from cityops.domain.city import CITY_TZ
from cityops.domain.outcomes import Rejection
from cityops.domain.ranking import Indicator, Period, PeriodKind, period_containing
from cityops.domain.reference import Reference
from cityops.domain.schemas import Entity, InspectionDoc
from cityops.local_store import ranking_facts as rf
from cityops.local_store.store import LocalStore, Settled, StoreError

log = logging.getLogger(__name__)

#: Least seconds between two reloads caused by synced changes (a ranking takes ~1.5 s).
RELOAD_S = 5.0
TREND_PERIODS = 6


class RankingPresenter(QObject):
    def __init__(
        self,
        window: RankingWindow,
        store: LocalStore,
        reference: Reference,
        *,
        bridge: SyncBridge | None = None,
        user: Actor | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(window)
        self.window = window
        self.store = store
        self.reference = reference
        self.bridge = bridge
        self.user = user
        self._clock = clock
        self.ready = asyncio.Event()
        self.report: rf.RankingReport | None = None
        self.table: RankingTable | None = None
        #: The trend of the shown period: (period, district → total) oldest first.
        self._trend: list[tuple[Period, dict[str, float]]] = []
        self._generation = 0
        self._drills = 0  # drill-downs asked for: only the newest is shown
        self._loading = 0  # loads computing now
        self._reload_wanted = False  # synced changes arrived while one was computing
        self._stopped = False
        self._tasks = Tasks("ranking", self._on_task_failed)
        self._reload = QTimer(self, singleShot=True, interval=int(RELOAD_S * 1000))
        self._reload.timeout.connect(self._on_reload_timeout)

    @classmethod
    def for_session(cls, session: Any, window: RankingWindow) -> RankingPresenter:
        return cls(window, session.store, session.reference, bridge=session.bridge, user=session.me)

    # ------------------------------------------------------------------ lifecycle

    def _connections(self) -> list[tuple[Any, Callable[..., Any]]]:
        w = self.window
        out: list[tuple[Any, Callable[..., Any]]] = [
            (w.period_requested, self._on_window_period_requested),
            (w.refresh_requested, self._on_window_refresh_requested),
            (w.cell_selected, self._on_window_cell_selected),
            (w.export_requested, self._on_window_export_requested),
            (w.form.changed, self._on_form_changed),
            (w.form.submitted, self._on_form_submitted),
        ]
        if self.bridge is not None:
            out += [
                (self.bridge.status_changed, w.status.set_status),
                (self.bridge.entities_changed, self._on_bridge_entities_changed),
                (self.bridge.intents_rejected, self._on_bridge_intents_rejected),
            ]
        return out

    async def start(self) -> None:
        for signal, slot in self._connections():
            signal.connect(slot)
        if self.bridge is not None:  # the window opens after the link came up (or not)
            self.window.status.set_status(self.bridge.engine.status)
        self.window.form.setEnabled(self.user is not None and self.bridge is not None)
        self._on_form_changed()
        await self.load(self.window.period_kind(), self.window.period_day())

    async def stop(self) -> None:
        self._stopped = True
        self._reload.stop()
        for signal, slot in self._connections():
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)
        await self._tasks.close()

    def _on_task_failed(self, text: str) -> None:
        self.window.show_message(text, error=True)

    def _lang(self) -> Any:
        return "en" if language() == "en" else "zh"

    # ------------------------------------------------------------------ the ranking

    async def load(
        self, kind: PeriodKind | str, day: date, *, whole_trend: bool = True
    ) -> rf.RankingReport | None:
        """Compute and show the ranking of the ``kind`` period holding ``day``; ``None`` when
        a newer request superseded this one before it finished. ``whole_trend=False`` (a
        reload for synced changes) refreshes only the trend's periods the report holds."""
        self._generation += 1
        generation = self._generation
        period = period_containing(PeriodKind(kind), day)
        self.window.period_label.setText(period.label(self._lang()) + " …")
        self._loading += 1
        try:
            report, table = await asyncio.to_thread(self._compute, period)
        finally:
            self._loading -= 1
            if self._reload_wanted and not self._loading and not self._stopped:
                self._reload_wanted = False
                self._reload.start()
        if generation != self._generation or self._stopped:
            return None
        self.report, self.table = report, table
        self.window.show_table(table)
        if report.ignored_findings:
            text = self.tr("%1 条检查记录的考评项或数量不符合现行考评标准，未计分")
            self.window.show_message(text.replace("%1", str(report.ignored_findings)), error=True)
        self.ready.set()
        if whole_trend or not self._trend or self._trend[-1][0] != period:
            self._tasks.spawn(self._load_trend(report, generation), "ranking-trend")
        else:
            self._trend = _trend_with(self._trend, report)
            self._show_trend()
        return report

    def _compute(self, period: Period) -> tuple[rf.RankingReport, RankingTable]:
        report = rf.ranking_report(self.store, period, self.reference, now=self._clock())
        return report, ranking_table(report, self.reference, self._lang())

    async def _load_trend(self, report: rf.RankingReport, generation: int) -> None:
        trend = await asyncio.to_thread(
            rf.totals_over,
            self.store,
            report.period,
            self.reference,
            TREND_PERIODS,
            known=report,
            now=self._clock(),
        )
        if generation != self._generation or self._stopped:
            return
        self._trend = trend
        self._show_trend()

    def _show_trend(self, district: str | None = None) -> None:
        trend = self._trend
        if not trend:
            return
        if district is None and self.report is not None:
            district = self.report.ranking.entries[0].district_code
        labels = [p.label(self._lang()) for p, _ in trend]
        mean = [sum(t.values()) / len(t) if t else 0.0 for _, t in trend]
        series: dict[str, list[float]] = {}
        if district is not None:
            series[self._district_name(district)] = [t.get(district, 0.0) for _, t in trend]
        series[self.tr("全市平均")] = mean
        self.window.show_trend(labels, series)

    def _district_name(self, code: str) -> str:
        unit = self.reference.units.units.get(code)
        return name_of(unit) if unit is not None else code

    def _on_window_period_requested(self, kind: str, day: date) -> None:
        self._tasks.spawn(self.load(kind, day), "ranking-load")

    def _on_window_refresh_requested(self) -> None:
        self._on_window_period_requested(self.window.period_kind().value, self.window.period_day())

    def _on_bridge_entities_changed(self, touched: Mapping[str, Any]) -> None:
        if self._stopped:
            return
        ours = Entity.CASE.value in touched or Entity.INSPECTION.value in touched
        if ours and not self._reload.isActive():
            self._reload.start()

    def _on_reload_timeout(self) -> None:
        if self._loading:  # once it is done (``load`` restarts the timer)
            self._reload_wanted = True
            return
        kind, day = self.window.period_kind().value, self.window.period_day()
        self._tasks.spawn(self.load(kind, day, whole_trend=False), "ranking-load")

    # ------------------------------------------------------------------ drill-down

    def _on_window_cell_selected(self, district: str, key: str) -> None:
        self._tasks.spawn(self.drill(district, key), "ranking-drill")

    async def drill(self, district: str, key: str) -> None:
        """Show why ``district`` has the score in column ``key``: the explanation's lines and
        the cases (an indicator) or findings (inspection or a category) it was computed from."""
        report = self.report
        if report is None or district not in report.explanations:
            return
        self._drills += 1
        drill = self._drills

        def outdated() -> bool:  # a newer click or period came while this one was read
            return drill != self._drills or report is not self.report or self._stopped

        explanation = report.explanation(district)
        name = self._district_name(district)
        lines = explanation.lines(self._lang(), name)
        self._show_trend(district)
        period = report.period
        indicator = next((i for i in Indicator if i.value == key), None)
        category = (
            key if key in {c.code for c in self.reference.evaluation.rules.categories} else None
        )
        if indicator is not None and indicator in rf.drill_indicators():
            cases = await asyncio.to_thread(
                rf.cases_behind,
                self.store,
                period,
                district,
                indicator,
                limit=rf.DRILL_LIMIT,
                now=self._clock(),
            )
            if outdated():
                return
            if indicator is Indicator.PUBLIC_SATISFACTION:
                trace = explanation.indicator(indicator)
                self._show_rated(name, lines, cases, trace.numerator, trace.denominator)
                return
            # The counts are the ranking's own (every case), not the listed rows'.
            inputs = explanation.indicator(indicator).inputs_text(self._lang())
            label = indicator.label_zh if self._lang() == "zh" else indicator.label_en
            title = self.tr("%1 · %2：%3").replace("%1", name).replace("%2", label)
            title = title.replace("%3", inputs)
            if len(cases) >= rf.DRILL_LIMIT:
                title += self.tr("（列出前 %1 件）").replace("%1", str(rf.DRILL_LIMIT))
            header = [self.tr("案件编号"), self.tr("状态"), self.tr("上报时间"),
                      self.tr("节点时间"), self.tr("计分"), self.tr("描述")]  # fmt: skip
            rows = [
                [c.case_id, _state(c.state), _local(c.reported_at), _local(c.milestone_at),
                 self.tr("达标") if c.counted_ok else self.tr("未达标"), c.description]
                for c in cases
            ]  # fmt: skip
            self.window.show_drill(title, lines, header, rows, [not c.counted_ok for c in cases])
            return
        if indicator is Indicator.INSPECTION or category is not None:
            found = await asyncio.to_thread(
                rf.findings_behind,
                self.store,
                period,
                district,
                category_code=category,
                limit=rf.DRILL_LIMIT,
            )
            if outdated():
                return
            what = category or self.tr("考评检查")
            title = self.tr("%1 · %2：%3 条检查发现").replace("%1", name).replace("%2", what)
            title = title.replace("%3", f"{len(found):,}")
            if len(found) >= rf.DRILL_LIMIT:
                title = self.tr("%1 · %2：检查发现（列出前 %3 条）")
                title = title.replace("%1", name).replace("%2", what)
                title = title.replace("%3", str(rf.DRILL_LIMIT))
            rules = self.reference.evaluation.rules
            header = [self.tr("考评项"), self.tr("数量"), self.tr("扣分"), self.tr("检查时间"),
                      self.tr("街道"), self.tr("备注"), self.tr("编号")]  # fmt: skip
            rows = []
            for f in found:
                item = rules.item(f.item_code) if rules.has_item(f.item_code) else None
                street = self.reference.units.units.get(f.street_code or "")
                rows.append(
                    [f"{f.item_code} {name_of(item) if item else ''}".strip(), str(f.count),
                     f"{f.deduction:g}", _local(f.observed_at),
                     name_of(street) if street else "", f.note, f.inspection_id]
                )  # fmt: skip
            self.window.show_drill(title, lines, header, rows)
            return
        title = self.tr("%1 · 总分与各项指标").replace("%1", name)
        self.window.show_drill(title, lines, [], [])

    def _show_rated(
        self,
        name: str,
        lines: list[str],
        rated: list[rf.CaseLine],
        total: float | None,
        count: float | None,
    ) -> None:
        """The satisfaction drill-down: the closed cases the hotline's callback rated, the
        不满意 ones first (tinted), each with its answer. ``total``/``count`` are the trace's
        (every rating of the period, not only the listed ones)."""
        mean = f"{total / count:.2f}" if total is not None and count else "—"
        title = self.tr("%1 · 公众满意度：%2 件回访评价，平均 %3 分（满分 5 分）")
        title = title.replace("%1", name).replace("%2", f"{int(count or 0):,}")
        title = title.replace("%3", mean)
        if len(rated) >= rf.DRILL_LIMIT:
            title += self.tr("（列出前 %1 件）").replace("%1", str(rf.DRILL_LIMIT))
        header = [self.tr("案件编号"), self.tr("满意度"), self.tr("上报时间"),
                  self.tr("结案时间"), self.tr("描述")]  # fmt: skip
        rows = [
            [c.case_id, self._answer(c.score), _local(c.reported_at), _local(c.milestone_at),
             c.description]
            for c in rated
        ]  # fmt: skip
        self.window.show_drill(title, lines, header, rows, [not c.counted_ok for c in rated])

    def _answer(self, score: int | None) -> str:
        """A rating as the callback's answer: 5 满意, 3 基本满意, 1 不满意, others in points."""
        answers = {5: self.tr("满意"), 3: self.tr("基本满意"), 1: self.tr("不满意")}
        if score is None:
            return ""
        answer = answers.get(score)
        points = self.tr("%1 分").replace("%1", str(score))
        return f"{points} {answer}" if answer else points

    # ------------------------------------------------------------------ exports

    def _on_window_export_requested(self, fmt: str, path: str) -> None:
        self._tasks.spawn(self.export(fmt, Path(path)), "ranking-export")

    async def export(self, fmt: str, path: Path) -> Path:
        table = self.table
        if table is None:
            raise RuntimeError("no ranking to export yet")
        generated = datetime.now(CITY_TZ).strftime("%Y-%m-%d %H:%M")
        if fmt == "csv":
            await asyncio.to_thread(ranking_export.write_csv, table, path)
        elif fmt == "xlsx":
            await asyncio.to_thread(ranking_export.write_xlsx, table, path, generated)
        elif fmt == "pdf":
            # Qt paints too, but on a PDF writer: allowed off the GUI thread (~100 ms here).
            await asyncio.to_thread(ranking_export.write_pdf, table, path, generated)
        else:
            raise ValueError(f"unknown export format {fmt!r}")
        self.window.show_message(self.tr("已导出 %1").replace("%1", str(path)))
        return path

    # ------------------------------------------------------------------ inspections

    def _check(self, args: Mapping[str, Any]) -> ins.Inspection | Rejection | None:
        if self.user is None:
            return None
        try:
            observed = datetime.fromisoformat(str(args["observed_at"]))
        except ValueError:
            return Rejection("invalid_time", "检查时间无效", "invalid observed_at", {})
        return ins.record_inspection(
            "draft",
            district_code=str(args["district_code"] or ""),
            street_code=args.get("street_code"),
            item_code=str(args["item_code"] or ""),
            count=int(args["count"]),
            note=str(args.get("note") or ""),
            observed_at=observed,
            lon=args.get("lon"),
            lat=args.get("lat"),
            actor=self.user,
            now=self._clock(),
            ref=self.reference,
        )

    def _reason(self, rejection: Rejection) -> str:
        return rejection.message_en if self._lang() == "en" else rejection.message

    def _on_form_changed(self) -> None:
        outcome = self._check(self.window.form.args())
        problem = self._reason(outcome) if isinstance(outcome, Rejection) else None
        self.window.form.set_problem(problem)

    def _on_form_submitted(self, args: dict[str, Any]) -> None:
        self._tasks.spawn(self.record(args), "ranking-inspection")

    async def record(self, args: Mapping[str, Any]) -> str | None:
        """Submit a finding as an ``inspection.record`` intent; returns its id, or ``None``
        when the domain's rules refuse it here (the form says why)."""
        form = self.window.form
        if self.bridge is None or self.user is None:
            return None
        inspection_id = str(uuid6.uuid7())
        outcome = self._check(args)
        if outcome is None:
            return None
        if isinstance(outcome, Rejection):
            form.show_result(self._reason(outcome), error=True)
            return None
        optimistic = InspectionDoc.from_domain(replace(outcome, id=inspection_id)).model_dump(
            mode="json"
        )
        wire = {**{k: v for k, v in args.items() if v is not None}, "inspection_id": inspection_id}
        try:
            await self.bridge.submit(
                "inspection.record",
                wire,
                entity=Entity.INSPECTION,
                entity_id=inspection_id,
                optimistic=optimistic,
            )
        except StoreError as exc:
            form.show_result(str(exc), error=True)
            return None
        form.show_result(self.tr("已提交，编号 %1").replace("%1", inspection_id))
        self._on_window_refresh_requested()  # the supervisor's own finding counts at once
        return inspection_id

    def _on_bridge_intents_rejected(self, rejected: list[Settled]) -> None:
        ours = [s for s in rejected if s.name == "inspection.record"]
        if ours and not self._stopped:
            text = "\n".join(
                self.tr("检查记录未被接受：%1").replace("%1", s.reason or s.code or "?")
                for s in ours
            )
            self.window.show_message(text, error=True)
            self._on_window_refresh_requested()


def _state(value: str) -> str:
    try:
        state = CaseState(value)
    except ValueError:
        return value
    return value if language() == "en" else state.label_zh


def _local(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def _trend_with(
    trend: list[tuple[Period, dict[str, float]]], report: rf.RankingReport
) -> list[tuple[Period, dict[str, float]]]:
    """``trend`` with the periods ``report`` holds (its own and the previous) replaced by the
    report's totals: what a reload for synced changes can move without reading them again."""
    fresh = {
        report.period: {e.district_code: e.total for e in report.ranking.entries},
        report.period.previous(): {e.district_code: e.total for e in report.previous.entries},
    }
    return [(p, fresh.get(p, totals)) for p, totals in trend]
