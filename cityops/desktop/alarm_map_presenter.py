"""Feeds the alarm map window from the local store and writes its decisions as intents.

Offers ``AlarmMapPresenter(session, window)`` to the window manager: ``await start()`` builds
the page (off the UI thread), loads every located listed alarm in a worker thread and hands them
to the map in one batch; from then on only what the sync touched is read again (by id, in a
worker thread; bursts coalesced to one read per ``min_interval``) and sent as add/remove
batches, so 1,000 changes a second cost the UI thread one small diff per flush. A new
unacknowledged critical alarm flashes on the map, pans it when "follow" is on, and raises the
critical pop-up with sound (unless another window's pop-up already shows). Clicks show the alarm
or case in the detail pane; its buttons go through ``AlarmIntents`` like the queue's. The cases
layer loads open located cases when switched on and follows their changes while on; export
writes the filtered view as one standalone HTML file. ``ready`` (asyncio.Event) is set once the
first alarms are in the page; ``shows_data()`` says the map holds markers (the smoke run).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from cityops.desktop.alarm_feed import (
    LISTED_STATES,
    device_names,
    load_alarm_rows,
    load_case_markers,
    row_of,
)
from cityops.desktop.alarm_intents import AlarmIntents
from cityops.desktop.alarm_map import AlarmMapWindow
from cityops.desktop.alarm_panel import CriticalAlarmPopup, alarm_row, domain_name
from cityops.desktop.i18n import name_of
from cityops.desktop.session import Session
from cityops.domain.alarms import AlarmKind, AlarmState, Severity
from cityops.domain.cases import CaseState
from cityops.domain.geography import load_districts
from cityops.domain.reference import RESOURCES
from cityops.domain.schemas import Entity
from cityops.widgets.map_view import MapView, build_page, standalone_page

log = logging.getLogger(__name__)

#: How often the pop-up's sound repeats while a critical alarm waits for acknowledgement.
BEEP_MS = 3000
#: Following new critical alarms, the map stays at least this long on one (seconds).
FOLLOW_HOLD = 5.0


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


def _alerting(row: Mapping[str, Any]) -> bool:
    return row.get("severity") == Severity.CRITICAL and row.get("state") == AlarmState.ACTIVE_UNACK


Key = tuple[str, str, str, str | None]  # kind, severity, state, district: what filters see


def _key(marker: Mapping[str, Any]) -> Key:
    return (marker["kind"], marker["severity"], marker["state"], marker.get("district"))


def _for_page(marker: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """What the page gets: the marker without Python's ordering field, with the device's
    name when it is known (the page makes the tooltip from it)."""
    out = {k: v for k, v in marker.items() if k != "since"}
    name = names.get(str(marker.get("device")))
    if name:
        out["name"] = name
    return out


@dataclass
class _FirstLoad:
    """Everything the window's first load needs, made in a worker thread: 50,000 alarms'
    markers and JSON would stall the UI thread for most of a second."""

    rows: dict[str, dict[str, Any]]
    names: dict[str, str]
    batch: tuple[str, list[str]]


def _first_load(store: Any) -> _FirstLoad:
    rows = load_alarm_rows(store)
    names = device_names(store, {str(r["device"]) for r in rows.values()})
    placed = (_for_page(r, names) for r in rows.values() if r["lat"] is not None)
    return _FirstLoad(rows, names, MapView.serialise("alarms", placed))


def _changed_rows(
    store: Any, ids: set[str], known: set[str]
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    rows = load_alarm_rows(store, ids)
    unknown = {str(r["device"]) for r in rows.values()} - known
    return rows, device_names(store, unknown) if unknown else {}


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
        self._min_interval = min_interval
        self._tile_url = tile_url
        self._rows: dict[str, dict[str, Any]] = {}  # every listed alarm, placed or not
        self._markers: dict[str, dict[str, Any]] = {}  # the placed ones: what the page holds
        self._names: dict[str, str] = {}
        self._alerting: set[str] = set()
        self._no_names: set[str] = set()  # device ids the devices table does not know
        self._tally: Counter[Key] = Counter()  # markers by what the filters look at
        self._touched: set[str] = set()
        self._touched_cases: set[str] = set()
        self._cases_on = False
        self._geojson: dict[str, Any] | None = None
        self._stopped = False
        self._last_read = -1e9
        self._reading = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._counts_due = False
        self._counts_timer = QTimer(self, interval=1000)
        self._counts_timer.timeout.connect(self._on_counts_timer_timeout)
        self._beep = QTimer(self, interval=BEEP_MS)
        self._beep.timeout.connect(self._on_beep_timeout)
        self._followed_at = -1e9
        self.ready = asyncio.Event()
        self.landed = 0  # markers the page confirmed (ids in landed batches)

    # ------------------------------------------------------------------ lifecycle

    def _connections(self) -> list[tuple[Any, Callable[..., Any]]]:
        w, pane = self.window, self.window.detail
        return [
            (self.bridge.status_changed, w.status.set_status),
            (self.bridge.status_changed, w.banner.set_status),
            (self.bridge.entities_changed, self._on_bridge_entities_changed),
            (w.map.marker_clicked, self._on_map_marker_clicked),
            (w.map.case_clicked, self._on_map_case_clicked),
            (w.map.landed, self._on_map_landed),
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
            (self.intents.rejected, self._on_intents_rejected),
        ]

    async def start(self) -> None:
        for signal, slot in self._connections():
            signal.connect(slot)
        status = self.session.engine.status  # the window opens after the link came up
        self.window.status.set_status(status)
        self.window.banner.set_status(status)
        page, self._geojson = await asyncio.to_thread(self._build_page)
        self.window.map.load_page(page)
        self._on_window_filter_changed()  # the window's initial filter (shelved ones off)
        first = await asyncio.to_thread(_first_load, self.store)
        self._names.update(first.names)
        self._no_names = {str(r["device"]) for r in first.rows.values()} - first.names.keys()
        self._rows = first.rows
        self._markers = {i: r for i, r in first.rows.items() if r["lat"] is not None}
        self._tally = Counter(_key(m) for m in self._markers.values())
        self._alerting = {i for i, r in first.rows.items() if _alerting(r)}
        if self._markers:
            self.window.map.apply_serialised(*first.batch)
        self._update_alert([], opening=True)  # named by the pop-up, not flashed: not new
        self._counts_due = True
        self._on_counts_timer_timeout()
        self._counts_timer.start()
        self._spawn(self._await_first_landing(), "map-ready")

    def _build_page(self) -> tuple[str, dict[str, Any]]:
        geojson = json.loads((RESOURCES / "districts.geojson").read_text(encoding="utf-8"))
        return build_page(geojson, self._tile_url, config=self.page_config()), geojson

    def page_config(self) -> dict[str, Any]:
        """The legend and the district names (at each district's centroid) for the page."""
        labels = [
            [round(d.centroid[1], 5), round(d.centroid[0], 5), self._districts.get(code, code)]
            for code, d in load_districts().items()
        ]
        names = {
            "severities": {s.value: domain_name(s) for s in Severity},
            "kinds": {k.value: domain_name(k) for k in AlarmKind},
        }
        return {"legend": self.legend(), "labels": labels, "names": names}

    async def _await_first_landing(self) -> None:
        # Ready once the page is up and holds the first batch (or there was nothing to send).
        while not self._stopped:
            if self.window.map.is_ready and (self.landed or not self._markers):
                self.ready.set()
                return
            await asyncio.sleep(0.05)

    def shows_data(self) -> bool:
        return self.landed > 0

    async def stop(self) -> None:
        self._stopped = True
        for timer in (self._timer, self._counts_timer, self._beep):
            timer.stop()
        self.window.popup.hide()
        for signal, slot in self._connections():
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)
        await self.intents.stop()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        if self._stopped:
            coro.close()
            return
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._on_task_done)

    def _on_task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("alarm map task %s failed", task.get_name(), exc_info=task.exception())
            self.window.show_message(f"{task.get_name()}: {task.exception()}", error=True)

    def legend(self) -> dict[str, Any]:
        return {
            "title": self.tr("图例"),
            "severities": {s.value: domain_name(s) for s in Severity},
            "shapes": [
                ["triangle", self.tr("燃气")],
                ["circle", self.tr("供排水、积水")],
                ["square", self.tr("地下空间、井盖")],
                ["diamond", self.tr("桥梁")],
                ["cross", self.tr("设备离线")],
            ],
            "acked": self.tr("已确认（淡色）"),
            "shelved": self.tr("已搁置"),
            "cases": self.tr("案件（紫圈）"),
        }

    # ------------------------------------------------------------------ alarms in

    def _drop_marker(self, alarm_id: str, remove: list[str]) -> None:
        old = self._markers.pop(alarm_id, None)
        if old is not None:
            self._tally[_key(old)] -= 1
            remove.append(alarm_id)

    def _merge(self, rows: Mapping[str, dict[str, Any]], gone: set[str]) -> None:
        """Take the new rows of some alarms (and ids no longer listed) into the window."""
        add: list[dict[str, Any]] = []
        remove: list[str] = []
        arrived: list[str] = []
        for alarm_id in gone:
            self._rows.pop(alarm_id, None)
            self._alerting.discard(alarm_id)
            self._drop_marker(alarm_id, remove)
        for alarm_id, row in rows.items():
            self._rows[alarm_id] = row
            if row["lat"] is None:
                self._drop_marker(alarm_id, remove)
            elif self._markers.get(alarm_id) != row:
                old = self._markers.get(alarm_id)
                if old is not None:
                    self._tally[_key(old)] -= 1
                self._tally[_key(row)] += 1
                self._markers[alarm_id] = row
                add.append(_for_page(row, self._names))
            if _alerting(row):
                if alarm_id not in self._alerting:
                    self._alerting.add(alarm_id)
                    arrived.append(alarm_id)
            else:
                self._alerting.discard(alarm_id)
        if add or remove:
            self.window.map.apply(add, remove)
        self._counts_due = True
        shown = self.window.detail.alarm_id()
        if shown is not None and (shown in rows or shown in gone):
            self._show_detail(shown)
        self._update_alert(arrived)

    def _on_bridge_entities_changed(self, touched: dict[str, list[str]]) -> None:
        alarms = touched.get(Entity.ALARM.value)
        if alarms:
            self._touched.update(alarms)
        cases = touched.get(Entity.CASE.value)
        if cases and self._cases_on:
            self._touched_cases.update(cases)
        if alarms or (cases and self._cases_on):
            self._schedule()

    def _schedule(self) -> None:
        if self._stopped or self._reading or self._timer.isActive():
            return  # a read in flight takes the rest when it ends
        wait = self._last_read + self._min_interval - time.monotonic()
        self._timer.start(max(0, int(wait * 1000)))

    def _on_timer_timeout(self) -> None:
        self._reading = True
        self._spawn(self._read_touched(), "map-changes")

    async def _read_touched(self) -> None:
        try:
            self._last_read = time.monotonic()
            ids, self._touched = self._touched, set()
            cases, self._touched_cases = self._touched_cases, set()
            if ids:
                known = self._names.keys() | self._no_names
                rows, names = await asyncio.to_thread(_changed_rows, self.store, ids, known)
                self._names.update(names)
                self._no_names |= {str(r["device"]) for r in rows.values()} - self._names.keys()
                self._merge(rows, ids - rows.keys())
            if cases and self._cases_on:
                found = await asyncio.to_thread(load_case_markers, self.store, cases)
                if self._cases_on:
                    self.window.map.apply(found.values(), cases - found.keys(), layer="cases")
        finally:
            self._reading = False
        if self._touched or self._touched_cases:
            self._schedule()

    def _on_map_landed(self, ids: list[str]) -> None:
        self.landed += len(ids)

    # ------------------------------------------------------------------ the window's requests

    def _on_window_filter_changed(self) -> None:
        spec = self.window.filter_spec()
        self.window.map.set_filter(**spec)
        self._counts_due = True
        self._on_counts_timer_timeout()

    def _on_counts_timer_timeout(self) -> None:
        # At most once a second: counting 50,000 markers is a few ms, not one per batch.
        if not self._counts_due:
            return
        self._counts_due = False
        spec = self.window.filter_spec()
        # Over the tally of (kind, severity, state, district): a few hundred keys, not 50,000.
        shown = sum(
            n
            for (kind, severity, state, district), n in self._tally.items()
            if n
            and passes(
                {"kind": kind, "severity": severity, "state": state, "district": district}, spec
            )
        )
        self.window.set_counts(shown, len(self._markers), len(self._rows) - len(self._markers))

    def _on_window_layer_toggled(self, name: str, on: bool) -> None:
        if name == "cases":
            self._cases_on = on
            if on:
                self._spawn(self._load_cases(), "map-cases")
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
        self._spawn(self._fetch_detail(alarm_id), "map-detail")

    async def _fetch_detail(self, alarm_id: str) -> None:
        """The pane shows the whole document, read when asked (the map keeps only rows)."""
        doc = await asyncio.to_thread(self.store.get, Entity.ALARM, alarm_id)
        listed = doc is not None and doc.get("state") in LISTED_STATES
        row = alarm_row(doc, self._districts, self._names) if doc and listed else None
        if row is None and self.window.detail.alarm_id() != alarm_id:
            return  # a click on something already gone: keep what the pane shows
        self.window.detail.show_alarm(row)

    def _on_map_case_clicked(self, case_id: str) -> None:
        self._spawn(self._show_case(case_id), "map-case")

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
        self._spawn(self.export(Path(path)), "map-export")

    async def export(self, path: Path) -> int:
        """Write what the map shows now (filter, layers, view) as one HTML file; returns how
        many alarms it holds."""
        spec = self.window.filter_spec()
        alarms = [_for_page(m, self._names) for m in self._markers.values() if passes(m, spec)]
        cases: list[dict[str, Any]] = []
        if self._cases_on:
            cases = list((await asyncio.to_thread(load_case_markers, self.store)).values())
        view = (
            await self.window.map.evaluate("cityops.view()") if self.window.map.is_ready else None
        )
        layers = await self.window.map.evaluate("cityops.layers()") if view else None
        html = await asyncio.to_thread(
            standalone_page,
            self._geojson,
            alarms,
            cases,
            config=self.page_config(),
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
        if not self._alerting:
            self.window.popup.hide()
            self._beep.stop()
            return
        if opening:
            arrived = sorted(self._alerting)
        else:
            self._flash([i for i in arrived if i in self._markers])
        if arrived or self.window.popup.alarm_id() not in self._alerting:
            newest = max(arrived or self._alerting, key=lambda i: str(self._rows[i]["since"]))
            self._spawn(self._show_popup(newest, sound=bool(arrived)), "map-popup")

    async def _show_popup(self, alarm_id: str, *, sound: bool) -> None:
        doc = await asyncio.to_thread(self.store.get, Entity.ALARM, alarm_id)
        popup = self.window.popup
        if doc is None or alarm_id not in self._alerting or self._stopped:
            return
        row = alarm_row(doc, self._districts, self._names)
        popup.show_alarm(row, len(self._alerting) - 1, datetime.now(UTC))
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

    def _flash(self, ids: list[str]) -> None:
        """Flash them all; follow the newest, but hold each view at least ``FOLLOW_HOLD`` s:
        in a storm a map that jumps with every new alarm cannot be read."""
        if not ids:
            return
        follow = None
        now = time.monotonic()
        if self.window.following() and now - self._followed_at >= FOLLOW_HOLD:
            follow = max(ids, key=lambda i: str(self._rows[i]["since"]))
            self._followed_at = now
        self.window.map.flash(ids, follow=follow)

    def _other_popup_showing(self) -> bool:
        return any(
            isinstance(w, CriticalAlarmPopup) and w is not self.window.popup and w.isVisible()
            for w in QApplication.topLevelWidgets()
        )

    def _on_beep_timeout(self) -> None:
        if self._alerting and self.window.popup.isVisible():
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
            self._merge({}, {alarm_id})
            return
        self._merge({alarm_id: row_of(doc)}, set())

    def _on_intents_message(self, text: str, error: bool) -> None:
        self.window.show_message(text, error=error)

    def _on_intents_rejected(self) -> None:
        # The store rolled the optimistic rows back: read every listed alarm again.
        self._touched.update(self._rows)
        self._schedule()
