"""Feeds the alarm map window from the local store and writes its decisions as intents.

Offers ``AlarmMapPresenter(session, window)`` to the window manager. The markers come from an
``AlarmMapFeed`` (first load in a worker thread, then only what the sync touched); on top of it
the presenter keeps the window's parts: a new unacknowledged critical alarm flashes on the map,
pulls it there when "follow" is on, and raises the critical pop-up with sound (unless another
window's pop-up already shows); clicks show the alarm or case in the detail pane, whose buttons
go through ``AlarmIntents`` like the queue's; the status line counts shown / held / without
position from the feed's tally; the cases layer loads open located cases when switched on and
follows their changes while on; export writes the filtered view as one standalone HTML file.
``ready`` (asyncio.Event) is set once the first alarms are in the page; ``shows_data()`` says the
map holds markers (the smoke run).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from cityops.desktop.alarm_feed import LISTED_STATES, load_case_markers, row_of
from cityops.desktop.alarm_intents import AlarmIntents
from cityops.desktop.alarm_map import AlarmMapWindow
from cityops.desktop.alarm_map_feed import AlarmMapFeed, for_page
from cityops.desktop.alarm_panel import CriticalAlarmPopup, alarm_row
from cityops.desktop.i18n import name_of
from cityops.desktop.session import Session
from cityops.desktop.tasks import Tasks
from cityops.domain.cases import CaseState
from cityops.domain.schemas import Entity
from cityops.widgets.map_view import standalone_page

log = logging.getLogger(__name__)

#: How often the pop-up's sound repeats while a critical alarm waits for acknowledgement.
BEEP_MS = 3000


def passes(marker: Mapping[str, Any], spec: Mapping[str, list[str] | None]) -> bool:
    """The page's filter, in Python (counts and the export show what the page shows)."""
    for key, field in (
        ("kinds", "kind"),
        ("severities", "severity"),
        ("states", "state"),
        ("districts", "district"),
    ):
        allowed = spec.get(key)
        if allowed is not None and marker.get(field) not in allowed:
            return False
    return True


class AlarmMapPresenter(QObject):
    def __init__(
        self,
        session: Session,
        window: AlarmMapWindow,
        *,
        min_interval: float = 0.15,
        tile_url: str | None = None,
    ) -> None:
        super().__init__(window)
        self.session = session
        self.window = window
        self.store = session.store
        self.bridge = session.bridge
        self.intents = AlarmIntents(self.store, self.bridge, user=session.me, parent=self)
        self._districts = {d.code: name_of(d) for d in session.reference.units.districts}
        self.feed = AlarmMapFeed(
            self.store,
            self.bridge,
            window.map,
            self._districts,
            min_interval=min_interval,
            tile_url=tile_url,
        )
        self._touched_cases: set[str] = set()
        self._cases_on = False
        self._stopped = False
        self._tasks = Tasks("alarm map", self._on_feed_failed)
        self._counts_due = False
        self._counts_timer = QTimer(self, interval=1000)
        self._counts_timer.timeout.connect(self._on_counts_timer_timeout)
        self._beep = QTimer(self, interval=BEEP_MS)
        self._beep.timeout.connect(self._on_beep_timeout)
        self._cases_timer = QTimer(self, singleShot=True, interval=500)
        self._cases_timer.timeout.connect(self._on_cases_timer_timeout)

    @property
    def ready(self) -> asyncio.Event:
        return self.feed.ready

    # ------------------------------------------------------------------ lifecycle

    def _connections(self) -> list[tuple[Any, Callable[..., Any]]]:
        w, pane = self.window, self.window.detail
        return [
            (self.bridge.status_changed, w.status.set_status),
            (self.bridge.status_changed, w.banner.set_status),
            (self.bridge.entities_changed, self._on_bridge_entities_changed),
            (self.feed.changed, self._on_feed_changed),
            (self.feed.arrived, self._on_feed_arrived),
            (self.feed.failed, self._on_feed_failed),
            (w.map.marker_clicked, self._on_map_marker_clicked),
            (w.map.case_clicked, self._on_map_case_clicked),
            (w.filter_changed, self._on_window_filter_changed),
            (w.layer_toggled, self._on_window_layer_toggled),
            (w.export_requested, self._on_window_export_requested),
            (pane.ack_requested, self.intents.ack),
            (pane.shelve_requested, self.intents.shelve),
            (pane.unshelve_requested, self.intents.unshelve),
            (pane.convert_requested, self.intents.convert),
            (w.popup.ack_requested, self.intents.ack),
            (w.popup.locate_requested, self._on_popup_locate_requested),
            (self.intents.optimistic, self._on_intents_optimistic),
            (self.intents.message, self._on_intents_message),
            (self.intents.rejected, self.feed.reload_all),
        ]

    async def start(self) -> None:
        for signal, slot in self._connections():
            signal.connect(slot)
        status = self.session.engine.status  # the window opens after the link came up
        self.window.status.set_status(status)
        self.window.banner.set_status(status)
        self._on_window_filter_changed()  # the window's initial filter (shelved ones off)
        await self.feed.start()
        self._update_alert([], opening=True)  # named by the pop-up, not flashed: not new
        self._counts_due = True
        self._on_counts_timer_timeout()
        self._counts_timer.start()

    def shows_data(self) -> bool:
        return self.feed.landed > 0

    async def stop(self) -> None:
        self._stopped = True
        for timer in (self._counts_timer, self._beep, self._cases_timer):
            timer.stop()
        self.window.popup.hide()
        for signal, slot in self._connections():
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)
        await self.feed.stop()
        await self.intents.stop()
        await self._tasks.close()

    def _on_feed_failed(self, text: str) -> None:
        self.window.show_message(text, error=True)

    # ------------------------------------------------------------------ the feed's news

    def _on_feed_changed(self, ids: set[str]) -> None:
        self._counts_due = True
        shown = self.window.detail.alarm_id()
        if shown is not None and shown in ids:
            self._show_detail(shown)
        if not (ids & self.feed.alerting) and self.window.popup.alarm_id() in ids:
            self._update_alert([])  # the alarm the pop-up names was acknowledged or cleared

    def _on_feed_arrived(self, ids: list[str]) -> None:
        self._update_alert(ids)

    def _on_bridge_entities_changed(self, touched: dict[str, list[str]]) -> None:
        cases = touched.get(Entity.CASE.value)
        if cases and self._cases_on:
            self._touched_cases.update(cases)
            if not self._cases_timer.isActive():
                self._cases_timer.start()

    def _on_cases_timer_timeout(self) -> None:
        self._tasks.spawn(self._read_touched_cases(), "map-cases-changed")

    async def _read_touched_cases(self) -> None:
        cases, self._touched_cases = self._touched_cases, set()
        if not cases or not self._cases_on:
            return
        found = await asyncio.to_thread(load_case_markers, self.store, cases)
        if self._cases_on:
            self.window.map.apply(found.values(), cases - found.keys(), layer="cases")

    # ------------------------------------------------------------------ the window's requests

    def _on_window_filter_changed(self) -> None:
        spec = self.window.filter_spec()
        self.window.map.set_filter(**spec)
        self._counts_due = True
        self._on_counts_timer_timeout()

    def _on_counts_timer_timeout(self) -> None:
        # At most once a second, over the tally of (kind, severity, state, district): a few
        # hundred keys, not 50,000 markers.
        if not self._counts_due:
            return
        self._counts_due = False
        spec = self.window.filter_spec()
        shown = sum(
            n
            for (kind, severity, state, district), n in self.feed.tally.items()
            if n
            and passes(
                {"kind": kind, "severity": severity, "state": state, "district": district}, spec
            )
        )
        held = len(self.feed.markers)
        self.window.set_counts(shown, held, len(self.feed.rows) - held)

    def _on_window_layer_toggled(self, name: str, on: bool) -> None:
        if name == "cases":
            self._cases_on = on
            if on:
                self._tasks.spawn(self._load_cases(), "map-cases")
            else:
                self._touched_cases.clear()
        self.window.map.show_layer(name, on)

    async def _load_cases(self) -> None:
        found = await asyncio.to_thread(load_case_markers, self.store)
        if self._cases_on:
            self.window.map.apply(found.values(), layer="cases")

    def _on_map_marker_clicked(self, alarm_id: str) -> None:
        self._show_detail(alarm_id)

    def _show_detail(self, alarm_id: str) -> None:
        self._tasks.spawn(self._fetch_detail(alarm_id), "map-detail")

    async def _fetch_detail(self, alarm_id: str) -> None:
        """The pane shows the whole document, read when asked (the map keeps only rows)."""
        doc = await asyncio.to_thread(self.store.get, Entity.ALARM, alarm_id)
        listed = doc is not None and doc.get("state") in LISTED_STATES
        row = alarm_row(doc, self._districts, self.feed.names) if doc and listed else None
        if row is None and self.window.detail.alarm_id() != alarm_id:
            return  # a click on something already gone: keep what the pane shows
        self.window.detail.show_alarm(row)

    def _on_map_case_clicked(self, case_id: str) -> None:
        self._tasks.spawn(self._show_case(case_id), "map-case")

    async def _show_case(self, case_id: str) -> None:
        doc = await asyncio.to_thread(self.store.get, Entity.CASE, case_id)
        if doc is None:
            return
        state = CaseState(doc["state"])
        title = self.tr("案件 · %1").replace("%1", state.label_zh)
        district = self._districts.get(doc.get("district_code") or "", "")
        body = "\n".join(
            part
            for part in (
                str(doc.get("description") or ""),
                f"{district} {doc.get('address') or ''}".strip(),
                self.tr("编号：") + case_id,
            )
            if part
        )
        self.window.detail.show_case(title, body)

    def _on_window_export_requested(self, path: str) -> None:
        self._tasks.spawn(self.export(Path(path)), "map-export")

    async def export(self, path: Path) -> int:
        """Write what the map shows now (filter, layers, view) as one HTML file; returns how
        many alarms it holds."""
        spec = self.window.filter_spec()
        names = self.feed.names
        alarms = [for_page(m, names) for m in self.feed.markers.values() if passes(m, spec)]
        cases: list[dict[str, Any]] = []
        if self._cases_on:
            cases = list((await asyncio.to_thread(load_case_markers, self.store)).values())
        view = (
            await self.window.map.evaluate("cityops.view()") if self.window.map.is_ready else None
        )
        layers = await self.window.map.evaluate("cityops.layers()") if view else None
        html = await asyncio.to_thread(
            standalone_page,
            self.feed.geojson,
            alarms,
            cases,
            config=self.feed.page_config(),
            view=view,
            heat=bool(layers and layers.get("heat")),
        )
        await asyncio.to_thread(path.write_text, html, "utf-8")
        self.window.show_message(
            self.tr("已导出 %1 条告警到 %2")
            .replace("%1", f"{len(alarms):,}")
            .replace("%2", str(path))
        )
        return len(alarms)

    # ------------------------------------------------------------------ alerting

    def _update_alert(self, arrived: list[str], *, opening: bool = False) -> None:
        """New critical alarms flash (and pull the map when following); the pop-up names the
        newest of those still unacknowledged, with sound, unless another window's pop-up
        already does (the workstation's, when both are open). At opening nothing flashes
        (those alarms are not new), but the pop-up names them as the queue's does."""
        alerting = self.feed.alerting
        if not alerting:
            self.window.popup.hide()
            self._beep.stop()
            return
        if opening:
            arrived = sorted(alerting)
        else:
            self.feed.flash(arrived, follow=self.window.following())
        if arrived or self.window.popup.alarm_id() not in alerting:
            rows = self.feed.rows
            newest = max(arrived or alerting, key=lambda i: str(rows[i]["since"]))
            self._tasks.spawn(self._show_popup(newest, sound=bool(arrived)), "map-popup")

    async def _show_popup(self, alarm_id: str, *, sound: bool) -> None:
        doc = await asyncio.to_thread(self.store.get, Entity.ALARM, alarm_id)
        popup = self.window.popup
        if doc is None or alarm_id not in self.feed.alerting or self._stopped:
            return
        row = alarm_row(doc, self._districts, self.feed.names)
        popup.show_alarm(row, len(self.feed.alerting) - 1, datetime.now(UTC))
        if self._other_popup_showing():
            popup.hide()
            self._beep.stop()
            return
        if sound and not popup.isVisible():
            popup.adjustSize()
            geometry = self.window.geometry()
            popup.move(geometry.center().x() - popup.width() // 2, geometry.top() + 80)
            popup.show()
            popup.raise_()
        if sound:
            QApplication.beep()
            self._beep.start()

    def _other_popup_showing(self) -> bool:
        return any(
            isinstance(w, CriticalAlarmPopup) and w is not self.window.popup and w.isVisible()
            for w in QApplication.topLevelWidgets()
        )

    def _on_beep_timeout(self) -> None:
        if self.feed.alerting and self.window.popup.isVisible():
            QApplication.beep()
        else:
            self._beep.stop()

    def _on_popup_locate_requested(self, alarm_id: str) -> None:
        self._show_detail(alarm_id)
        self.window.map.flash([alarm_id], follow=alarm_id)
        self.window.raise_()
        self.window.activateWindow()

    # ------------------------------------------------------------------ intents out

    def _on_intents_optimistic(self, alarm_id: str, doc: dict[str, Any]) -> None:
        if self._stopped:
            return
        if doc.get("state") not in LISTED_STATES:
            self.feed.merge({}, {alarm_id})
            return
        self.feed.merge({alarm_id: row_of(doc)}, set())

    def _on_intents_message(self, text: str, error: bool) -> None:
        self.window.show_message(text, error=error)
