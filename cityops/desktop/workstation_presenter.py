"""What makes the workstation work: it reads the local store, listens to the sync bridge and
turns the user's keys into intents.

Offers ``WorkstationPresenter(session, window)``: ``await start()`` loads the case index (off the
UI thread), shows the first queue and wires everything: filters and tabs re-query the index;
live changes merge into the queue without resetting it (selection and scroll stay); the case in
hand is re-read when it or its timeline changes; rejections are listed with the server's reason;
actions and the new-case form go through ``CaseActions`` and the bridge. Background work runs as
named tasks: a new one cancels the old one of the same name (FeelUOwn's habit), so a fast typist
never waits for the filter of three keystrokes ago.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QItemSelection, QObject, QTimer

from cityops.desktop.alarm_panel import AlarmQueuePanel
from cityops.desktop.alarm_presenter import AlarmPresenter
from cityops.desktop.case_actions import ACTIONS_BY_KEY, CaseActions, ask
from cityops.desktop.case_detail import CaseDetailPanel, clocks_for
from cityops.desktop.case_table_model import CaseTableModel, DocRole, make_index
from cityops.desktop.new_case_dialog import NewCaseDialog
from cityops.desktop.session import Session
from cityops.desktop.workstation import WorkstationWindow
from cityops.domain import cases as cs
from cityops.domain.city import CITY_TZ
from cityops.domain.outcomes import Rejection
from cityops.domain.schemas import Entity, case_document
from cityops.local_store.case_index import QUEUES, QueueFilter
from cityops.local_store.store import Settled

log = logging.getLogger(__name__)

#: Nearby open cases of the same kind within this distance are offered as duplicates.
DUPLICATE_RADIUS_M = 50.0


class WorkstationPresenter(QObject):
    def __init__(self, session: Session, window: WorkstationWindow) -> None:
        super().__init__(window)
        self.session = session
        self.window = window
        self.index = make_index(session.store, session.reference)
        self.model = CaseTableModel(self.index, window)
        self.actions = CaseActions(session, window)
        self.detail = CaseDetailPanel(session.reference)
        window.set_detail(self.detail)
        self.alarm_panel = AlarmQueuePanel()
        window.set_alarm_panel(self.alarm_panel)
        self.alarms = AlarmPresenter(
            session.store,
            session.bridge,
            self.alarm_panel,
            session.reference,
            user=session.me,
        )
        self.current_case: str | None = None
        self._filters: dict[str, Any] = {}
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self._stopped = False
        #: Every task not yet done, replaced ones included: ``stop`` waits for them all (a
        #: cancelled task that never ran would otherwise outlive the loop, never awaited).
        self._live: set[asyncio.Task[Any]] = set()
        self._merges = itertools.count()  # merges are never cancelled: each one has its name
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(lambda: self.detail.tick(datetime.now(UTC)))
        #: Set once the first queue is on screen (tests and the smoke run wait on it).
        self.ready = asyncio.Event()

    # ------------------------------------------------------------------ tasks

    def _run(self, name: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any] | None:
        if self._stopped:  # the window is closing: selection changes start nothing new
            coro.close()
            return None
        old = self._tasks.get(name)
        if old is not None and not old.done():
            old.cancel()
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks[name] = task
        self._live.add(task)
        task.add_done_callback(self._on_task_done)
        return task

    def _on_task_done(self, task: asyncio.Task[Any]) -> None:
        self._live.discard(task)
        if self._tasks.get(task.get_name()) is task:
            del self._tasks[task.get_name()]
        if not task.cancelled() and task.exception() is not None:
            log.error("workstation task %s failed", task.get_name(), exc_info=task.exception())
            self.window.show_message(f"{task.get_name()}: {task.exception()}", error=True)

    # ------------------------------------------------------------------ start

    async def start(self) -> None:
        w, bridge = self.window, self.session.bridge
        bridge.status_changed.connect(w.status.set_status)
        bridge.status_changed.connect(w.banner.set_status)
        bridge.entities_changed.connect(self._on_bridge_entities_changed)
        bridge.intents_rejected.connect(self._on_bridge_intents_rejected)
        w.banner.relogin_requested.connect(self._on_banner_relogin_requested)
        w.queue_selected.connect(lambda _key: self._run("filter", self._apply_filter()))
        w.filters.filter_changed.connect(self._on_filters_changed)
        w.action_requested.connect(lambda key: self._run("action", self._perform(key)))
        w.new_case_requested.connect(lambda: self._run("new_case", self._new_case()))
        self.actions.performed.connect(w.show_message)
        self.actions.refused.connect(lambda text: w.show_message(text, error=True))
        self.detail.mark_duplicate_requested.connect(
            lambda case_id, of: self._run("action", self._mark_duplicate(case_id, of))
        )
        self.detail.case_link_activated.connect(self.select_case)
        w.table.setModel(self.model)
        w.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.model.modelReset.connect(self._on_selection_maybe_changed)
        self.model.layoutChanged.connect(self._on_selection_maybe_changed)
        self.alarms.start()
        await self.model.load(self.queue_filter())
        self._show_count()
        self._run("counts", self._count_queues())
        self._tick.start()
        self.ready.set()

    def shows_data(self) -> bool:
        """True once the queue shows cases (the smoke run waits on it)."""
        return self.model.total() > 0

    async def stop(self) -> None:
        self._stopped = True
        self._tick.stop()
        live = list(self._live)
        for task in live:
            task.cancel()
        if live:
            # Bounded: closing the window must never hang on a task that does not end.
            _done, stuck = await asyncio.wait(live, timeout=5.0)
            for task in stuck:
                log.warning("task %s did not stop", task.get_name())
        await self.alarms.stop()

    # ------------------------------------------------------------------ queues

    def _on_filters_changed(self, values: dict[str, Any]) -> None:
        self._filters = values
        self._run("filter", self._apply_filter())

    def queue_filter(self) -> QueueFilter:
        return QueueFilter(queue=self.window.current_queue(), **self._filters)

    async def _apply_filter(self) -> None:
        await self.model.set_filter(self.queue_filter())
        self._show_count()
        self._on_selection_maybe_changed()

    def _count_later(self) -> None:
        # Counts of every tab after changes, at most once a second: ~5 ms a queue at 1M rows.
        if "counts" not in self._tasks:
            self._run("counts", self._count_queues(delay=1.0))

    async def _count_queues(self, delay: float = 0.0) -> None:
        await asyncio.sleep(delay)

        def count() -> dict[str, int]:
            return {k: int(self.index.mask(QueueFilter(queue=k)).sum()) for k in QUEUES}

        self.window.set_queue_counts(await asyncio.to_thread(count))

    def _show_count(self) -> None:
        total = f"{self.model.total():,}"
        self.window.count_label.setText(self.tr("共 %1 件").replace("%1", total))

    def _on_bridge_entities_changed(self, touched: dict[str, list[str]]) -> None:
        case_ids = set(touched.get(Entity.CASE.value, ()))
        event_cases = {i.rsplit(":", 1)[0] for i in touched.get(Entity.CASE_EVENT.value, ())}
        if case_ids:
            self._run(f"merge-{next(self._merges)}", self._merge(sorted(case_ids)))
        if self.current_case and self.current_case in case_ids | event_cases:
            self._run("detail", self._show_detail(self.current_case))

    async def _merge(self, case_ids: list[str]) -> None:
        await self.model.apply_updates(case_ids)
        self._show_count()
        self._count_later()
        self._on_selection_maybe_changed()

    def _on_bridge_intents_rejected(self, rejected: list[Settled]) -> None:
        now = datetime.now(CITY_TZ).strftime("%H:%M:%S")
        for item in rejected:
            spec = next((a for a in ACTIONS_BY_KEY.values() if a.command.name == item.name), None)
            label = spec.label if spec else item.name
            refused = self.tr("被拒绝")
            reason = item.reason or item.code
            self.window.add_rejection(f"{now}  {item.entity_id or ''} “{label}”{refused}：{reason}")
        ids = sorted(
            {i.entity_id for i in rejected if i.entity == Entity.CASE.value and i.entity_id}
        )
        if ids:
            self._run(f"merge-{next(self._merges)}", self._merge(ids))

    def _on_banner_relogin_requested(self) -> None:
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        dialog = QInputDialog(self.window)
        dialog.setWindowTitle(self.tr("重新登录"))
        dialog.setLabelText(self.tr("用户 %1 的密码").replace("%1", self.session.me.user_id))
        dialog.setTextEchoMode(QLineEdit.EchoMode.Password)

        async def relogin() -> None:
            if await ask(dialog):
                await self.session.relogin(dialog.textValue())

        self._run("relogin", relogin())

    # ------------------------------------------------------------------ selection and detail

    def selected_docs(self) -> list[dict[str, Any]]:
        rows = sorted({i.row() for i in self.window.table.selectionModel().selectedRows()})
        model = self.model
        return [doc for r in rows if (doc := model.data(model.index(r, 0), DocRole)) is not None]

    def select_case(self, case_id: str) -> bool:
        row = self.model.row_of(case_id)
        if row < 0:
            return False
        self.window.table.selectRow(row)
        self.window.table.scrollTo(self.model.index(row, 0))
        return True

    def _on_table_selection_changed(self, _new: QItemSelection, _old: QItemSelection) -> None:
        self._on_selection_maybe_changed()

    def _on_selection_maybe_changed(self) -> None:
        docs = self.selected_docs()
        self.window.set_enabled_actions(self.actions.enabled(docs))
        current = docs[0]["id"] if len(docs) == 1 else None
        if current != self.current_case:
            self.current_case = current
            if current is None:
                self.detail.clear()
            else:
                self._run("detail", self._show_detail(current))

    async def _show_detail(self, case_id: str) -> None:
        store, ref = self.session.store, self.session.reference

        def read() -> tuple[dict[str, Any] | None, list[dict[str, Any]], list[dict[str, Any]]]:
            doc = store.get(Entity.CASE, case_id)
            if doc is None:
                return None, [], []
            events = store.case_events(case_id)
            nearby: list[dict[str, Any]] = []
            if doc.get("lon") is not None and doc.get("lat") is not None:
                nearby = store.cases_near(
                    doc["lon"],
                    doc["lat"],
                    DUPLICATE_RADIUS_M,
                    exclude_id=case_id,
                    subcategory_code=doc.get("subcategory_code"),
                )
            return doc, events, nearby

        doc, events, nearby = await asyncio.to_thread(read)
        if self.current_case != case_id:
            return
        if doc is None:
            self.detail.clear()
            return
        now = datetime.now(UTC)
        self.detail.show_case(doc, events, clocks_for(doc, ref, now), nearby, now)

    # ------------------------------------------------------------------ actions

    async def _perform(self, key: str) -> None:
        await self.actions.perform(key, self.selected_docs())

    async def _mark_duplicate(self, case_id: str, duplicate_of: str) -> None:
        doc = await asyncio.to_thread(self.session.store.get, Entity.CASE, case_id)
        if doc is not None:
            await self.actions.perform("duplicate", [doc], fields={"duplicate_of": duplicate_of})

    async def _new_case(self) -> None:
        actor = self.session.me
        dialog = NewCaseDialog(self.session.reference, cs.allowed_sources(actor))
        dialog.setParent(self.window, dialog.windowFlags())
        if not await ask(dialog):
            return
        args = dialog.report_args()
        fields = {k: v for k, v in args.items() if k not in ("case_id", "source")}
        outcome = cs.report_case(
            args["case_id"],
            source=cs.CaseSource(args["source"]),
            actor=actor,
            now=datetime.now(UTC),
            ref=self.session.reference,
            **fields,
        )
        if isinstance(outcome, Rejection):
            self.window.show_message(outcome.message, error=True)
            return
        case, _events = outcome
        await self.session.bridge.submit(
            "case.report",
            args,
            entity=Entity.CASE,
            entity_id=case.id,
            optimistic=case_document(case),
        )
        self.window.show_message(self.tr("新案件已提交：%1").replace("%1", case.id))
