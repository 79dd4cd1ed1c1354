"""Keeps a ``MapView`` in step with the local store's alarms: the alarm map window's and the
cockpit's live layer.

Offers ``AlarmMapFeed(store, bridge, view, districts)`` to the alarm map presenter and the
cockpit: ``await start()`` builds the page (off the UI thread: folium over the district layer),
loads every listed alarm in a worker thread (rows from the table's columns, device names, the
JSON of the whole batch) and hands the placed ones to the page in one batch; from then on only
what the sync touched is read again (by id, in a worker thread, coalesced to one read per
``min_interval``) and only markers that changed cross to the page. ``merge(rows, gone)`` takes
rows from elsewhere (an intent's optimistic document). ``flash(ids)`` rings new critical
alarms and, when following, pulls the map to the newest (each view held ``FOLLOW_HOLD`` s).
State read by the callers: ``rows`` (every listed alarm, placed or not), ``markers`` (the placed
ones), ``tally`` (markers by kind × severity × state × district), ``alerting`` (critical and
unacknowledged), ``names`` (device names). Signals: ``changed(set)`` (ids whose rows changed or
went), ``arrived(list)`` (ids that just became critical and unacknowledged; not at the first
load), ``failed(str)``. ``ready`` (asyncio.Event): the page is up and holds the first batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from PySide6.QtCore import QObject, QTimer, Signal

from cityops.desktop.alarm_feed import device_names, load_alarm_rows
from cityops.desktop.alarm_panel import domain_name
from cityops.desktop.sync_bridge import SyncBridge
from cityops.desktop.tasks import Tasks
from cityops.domain.alarms import AlarmKind, AlarmState, Severity
from cityops.domain.geography import load_districts
from cityops.domain.reference import RESOURCES
from cityops.domain.schemas import Entity
from cityops.local_store.store import LocalStore
from cityops.widgets.map_view import MapView, build_page

log = logging.getLogger(__name__)

#: Following new critical alarms, the map stays at least this long on one (seconds): in a storm
#: a map that jumps with every new alarm cannot be read.
FOLLOW_HOLD: Final = 5.0

Key = tuple[str, str, str, str | None]  # kind, severity, state, district: what filters see


def key_of(marker: Mapping[str, Any]) -> Key:
    return (marker["kind"], marker["severity"], marker["state"], marker.get("district"))


def is_alerting(row: Mapping[str, Any]) -> bool:
    return row.get("severity") == Severity.CRITICAL and row.get("state") == AlarmState.ACTIVE_UNACK


def for_page(marker: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """What the page gets: the marker without Python's ordering field, with the device's
    name when it is known (the page makes the tooltip from it)."""
    out = {k: v for k, v in marker.items() if k != "since"}
    name = names.get(str(marker.get("device")))
    if name:
        out["name"] = name
    return out


@dataclass
class _FirstLoad:
    """Everything the first load needs, made in a worker thread: 50,000 alarms' markers and
    JSON would stall the UI thread for most of a second."""

    rows: dict[str, dict[str, Any]]
    names: dict[str, str]
    batch: tuple[str, list[str]]


def _first_load(store: LocalStore) -> _FirstLoad:
    rows = load_alarm_rows(store)
    names = device_names(store, {str(r["device"]) for r in rows.values()})
    placed = (for_page(r, names) for r in rows.values() if r["lat"] is not None)
    return _FirstLoad(rows, names, MapView.serialise("alarms", placed))


def _changed_rows(
    store: LocalStore, ids: set[str], known: set[str]
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    rows = load_alarm_rows(store, ids)
    unknown = {str(r["device"]) for r in rows.values()} - known
    return rows, device_names(store, unknown) if unknown else {}


class AlarmMapFeed(QObject):
    changed = Signal(set)
    arrived = Signal(list)
    failed = Signal(str)

    def __init__(
        self,
        store: LocalStore,
        bridge: SyncBridge,
        view: MapView,
        districts: Mapping[str, str],
        *,
        min_interval: float = 0.15,
        tile_url: str | None = None,
        legend: bool = True,
        theme: str = "light",
        fit: bool = False,
        follow_zoom: int = 14,
    ) -> None:
        super().__init__(view)
        self.store = store
        self.bridge = bridge
        self.view = view
        self.districts = dict(districts)
        self._min_interval = min_interval
        self._tile_url = tile_url
        self._legend = legend
        self._theme = theme  # "dark" on the video wall
        self._fit = fit  # open on the whole city rather than the urban core
        self._follow_zoom = follow_zoom
        self.rows: dict[str, dict[str, Any]] = {}
        self.markers: dict[str, dict[str, Any]] = {}
        self.names: dict[str, str] = {}
        self.alerting: set[str] = set()
        self.tally: Counter[Key] = Counter()
        self.geojson: dict[str, Any] | None = None
        self._no_names: set[str] = set()  # device ids the devices table does not know
        self._touched: set[str] = set()
        self._stopped = False
        self._last_read = -1e9
        self._reading = False
        self._followed_at = -1e9
        self._tasks = Tasks("alarm map feed", self.failed.emit)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.ready = asyncio.Event()
        self.landed = 0  # markers the page confirmed (ids in landed batches)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self.bridge.entities_changed.connect(self._on_bridge_entities_changed)
        self.view.landed.connect(self._on_view_landed)
        page, self.geojson = await asyncio.to_thread(self._build_page)
        self.view.load_page(page)
        first = await asyncio.to_thread(_first_load, self.store)
        self.names.update(first.names)
        self._no_names = {str(r["device"]) for r in first.rows.values()} - first.names.keys()
        self.rows = first.rows
        self.markers = {i: r for i, r in first.rows.items() if r["lat"] is not None}
        self.tally = Counter(key_of(m) for m in self.markers.values())
        self.alerting = {i for i, r in first.rows.items() if is_alerting(r)}
        if self.markers:
            self.view.apply_serialised(*first.batch)
        self._tasks.spawn(self._await_first_landing(), "map-ready")

    async def stop(self) -> None:
        self._stopped = True
        self._timer.stop()
        for signal, slot in (
            (self.bridge.entities_changed, self._on_bridge_entities_changed),
            (self.view.landed, self._on_view_landed),
        ):
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)
        await self._tasks.close()

    async def _await_first_landing(self) -> None:
        # Ready once the page is up and holds the first batch (or there was nothing to send).
        while not self._stopped:
            if self.view.is_ready and (self.landed or not self.markers):
                self.ready.set()
                return
            await asyncio.sleep(0.05)

    # ------------------------------------------------------------------ the page

    def _build_page(self) -> tuple[str, dict[str, Any]]:
        geojson = json.loads((RESOURCES / "districts.geojson").read_text(encoding="utf-8"))
        return build_page(geojson, self._tile_url, config=self.page_config()), geojson

    def page_config(self) -> dict[str, Any]:
        """The legend, the district names (at each district's centroid) and the names the
        page makes tooltips from."""
        labels = [
            [round(d.centroid[1], 5), round(d.centroid[0], 5), self.districts.get(code, code)]
            for code, d in load_districts().items()
        ]
        names = {
            "severities": {s.value: domain_name(s) for s in Severity},
            "kinds": {k.value: domain_name(k) for k in AlarmKind},
        }
        config: dict[str, Any] = {
            "labels": labels,
            "names": names,
            "theme": self._theme,
            "followZoom": self._follow_zoom,
        }
        if self._fit:
            boxes = [d.bbox for d in load_districts().values()]
            west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
            east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
            config["bounds"] = [[south, west], [north, east]]
        if self._legend:
            config["legend"] = self.legend()
        return config

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

    def flash(self, ids: list[str], *, follow: bool) -> bool:
        """Ring them all; when following, pull the map to the newest, holding each view at
        least ``FOLLOW_HOLD`` s. True when the map moved."""
        placed = [i for i in ids if i in self.markers]
        if not placed:
            return False
        target = None
        now = time.monotonic()
        if follow and now - self._followed_at >= FOLLOW_HOLD:
            target = max(placed, key=lambda i: str(self.rows[i]["since"]))
            self._followed_at = now
        self.view.flash(placed, follow=target)
        return target is not None

    # ------------------------------------------------------------------ rows in

    def _drop_marker(self, alarm_id: str, remove: list[str]) -> None:
        old = self.markers.pop(alarm_id, None)
        if old is not None:
            self.tally[key_of(old)] -= 1
            remove.append(alarm_id)

    def merge(self, rows: Mapping[str, dict[str, Any]], gone: set[str]) -> None:
        """Take the new rows of some alarms (and ids no longer listed) into the page."""
        add: list[dict[str, Any]] = []
        remove: list[str] = []
        arrived: list[str] = []
        for alarm_id in gone:
            self.rows.pop(alarm_id, None)
            self.alerting.discard(alarm_id)
            self._drop_marker(alarm_id, remove)
        for alarm_id, row in rows.items():
            self.rows[alarm_id] = row
            if row["lat"] is None:
                self._drop_marker(alarm_id, remove)
            elif self.markers.get(alarm_id) != row:
                old = self.markers.get(alarm_id)
                if old is not None:
                    self.tally[key_of(old)] -= 1
                self.tally[key_of(row)] += 1
                self.markers[alarm_id] = row
                add.append(for_page(row, self.names))
            if is_alerting(row):
                if alarm_id not in self.alerting:
                    self.alerting.add(alarm_id)
                    arrived.append(alarm_id)
            else:
                self.alerting.discard(alarm_id)
        if add or remove:
            self.view.apply(add, remove)
        self.changed.emit(set(rows) | gone)
        if arrived:
            self.arrived.emit(arrived)

    def reload_all(self) -> None:
        """Read every listed alarm again (the store rolled optimistic rows back)."""
        self._touched.update(self.rows)
        self._schedule()

    def _on_bridge_entities_changed(self, touched: dict[str, list[str]]) -> None:
        alarms = touched.get(Entity.ALARM.value)
        if alarms:
            self._touched.update(alarms)
            self._schedule()

    def _schedule(self) -> None:
        if self._stopped or self._reading or self._timer.isActive():
            return  # a read in flight takes the rest when it ends
        wait = self._last_read + self._min_interval - time.monotonic()
        self._timer.start(max(0, int(wait * 1000)))

    def _on_timer_timeout(self) -> None:
        self._reading = True
        self._tasks.spawn(self._read_touched(), "map-changes")

    async def _read_touched(self) -> None:
        try:
            self._last_read = time.monotonic()
            ids, self._touched = self._touched, set()
            if ids:
                known = self.names.keys() | self._no_names
                rows, names = await asyncio.to_thread(_changed_rows, self.store, ids, known)
                self.names.update(names)
                self._no_names |= {str(r["device"]) for r in rows.values()} - self.names.keys()
                if not self._stopped:
                    self.merge(rows, ids - rows.keys())
        finally:
            self._reading = False
        if self._touched:
            self._schedule()

    def _on_view_landed(self, ids: list[str]) -> None:
        self.landed += len(ids)
