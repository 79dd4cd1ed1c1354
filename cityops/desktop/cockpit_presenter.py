"""Feeds the video-wall cockpit from the local store, coalesced, and says when it is stale.

Offers ``CockpitPresenter(session, window)`` to the window manager. Updates are coalesced: the
sync bridge's change signals only mark the data dirty; every ``refresh_s`` (about 1 s, from the
layout file) one snapshot is read in a worker thread (``cockpit_feed.read_snapshot``) when
something changed or 10 s went by (the minute series move on and the day turns at midnight), and
the panels shown get it — each panel repaints only if its part changed: never one repaint per
event. The live alarm map has its own ``AlarmMapFeed`` (new critical alarms flash and, where
the layout says ``follow``, pull the map). Every second the clock ticks and each panel's "data as
of" is set: the store is current while the sync link is up; when it drops, "as of" stays at the
last moment it was up and a panel greys out once that is older than its ``stale_after_s``; when
the link returns the next snapshot brings them back. The playlist rotates every ``rotate_s``
(→ / ← step, Space pauses). ``ready`` (asyncio.Event): the first snapshot is on the wall;
``shows_data()`` the same (the smoke run). The red/black board is this week's ranking so far
(``cockpit_board.read_board``, ~0.1–1.5 s), read in its own worker at start, every
``BOARD_EVERY_S`` and when the week turns, and carried by every snapshot after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from PySide6.QtCore import QObject, QTimer

from cityops.desktop.alarm_map_feed import AlarmMapFeed
from cityops.desktop.cockpit import CockpitWindow, MapPanel
from cityops.desktop.cockpit_board import BOARD_EVERY_S, Board, board_period, read_board
from cityops.desktop.cockpit_feed import read_snapshot
from cityops.desktop.i18n import name_of
from cityops.desktop.session import Session
from cityops.desktop.tasks import Tasks
from cityops.domain.city import CITY_TZ
from cityops.sync.engine import ConnectionState, SyncStatus
from cityops.widgets.cockpit_model import CockpitSnapshot

log = logging.getLogger(__name__)

#: A snapshot is read at least this often even when nothing changed (series move each minute).
MAX_QUIET_S: Final = 10.0
#: Between two panels' updates: Qt paints the one just updated before the next is touched.
PANEL_PAUSE_S: Final = 0.012
#: The wall's map returns to the whole city this long after it last followed an alarm.
HOME_AFTER_S: Final = 30.0
#: Only a live stream means the store holds what the server holds: SYNCING is also each retry's
#: first moment while the server is down (it must not make stale data look fresh again).
_LINKED: Final = (ConnectionState.ONLINE,)


def _parse(iso: str | None) -> datetime | None:
    if not iso:
        return None
    try:
        value = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class CockpitPresenter(QObject):
    def __init__(
        self,
        session: Session,
        window: CockpitWindow,
        *,
        screens: Sequence[int] = (),
        place: bool = True,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(window)
        self.session = session
        self.window = window
        self.config = window.config
        self._screens = tuple(screens)
        self._place = place
        self._clock = clock
        self._districts = {d.code: name_of(d) for d in session.reference.units.districts}
        self.feed: AlarmMapFeed | None = None
        if window.map is not None:
            self.feed = AlarmMapFeed(
                session.store,
                session.bridge,
                window.map,
                self._districts,
                min_interval=0.5,
                theme="dark",
                fit=True,
                follow_zoom=12,
            )
        self.snapshot: CockpitSnapshot | None = None
        self.snapshots = 0  # how many were read (tests, diagnostics)
        self._status = session.engine.status
        self._started_at = clock()
        self._fresh_at: datetime = self._started_at
        self._dirty = True
        self._reading = False
        self.board: Board | None = None
        self._board_reading = False
        self._board_read = -1e9
        self._last_read = -1e9
        self._shown_version: dict[int, int] = {}  # page → snapshot number it last got
        self._paused = False
        self._stopped = False
        self._tasks = Tasks("cockpit")
        self._refresh = QTimer(self, interval=int(self.config.refresh_s * 1000))
        self._refresh.timeout.connect(self._on_refresh_timeout)
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self._on_tick_timeout)
        self._rotate = QTimer(self, interval=int(self.config.playlist.rotate_s * 1000))
        self._rotate.timeout.connect(self._on_rotate_timeout)
        #: After following an alarm the wall goes back to the whole city (its overview).
        self._home = QTimer(self, singleShot=True, interval=int(HOME_AFTER_S * 1000))
        self._home.timeout.connect(self._on_home_timeout)
        self.ready = asyncio.Event()

    # ------------------------------------------------------------------ lifecycle

    def _connections(self) -> list[tuple[Any, Callable[..., Any]]]:
        w, bridge = self.window, self.session.bridge
        pairs: list[tuple[Any, Callable[..., Any]]] = [
            (bridge.status_changed, self._on_bridge_status_changed),
            (bridge.entities_changed, self._on_bridge_entities_changed),
            (w.next_requested, lambda: self._step(+1)),
            (w.previous_requested, lambda: self._step(-1)),
            (w.pause_toggled, self._on_window_pause_toggled),
            (w.close_requested, w.close),
        ]
        if self.feed is not None:
            pairs.append((self.feed.arrived, self._on_feed_arrived))
        return pairs

    async def start(self) -> None:
        self._connections_made = self._connections()
        for signal, slot in self._connections_made:
            signal.connect(slot)
        if self._place:
            self.window.place_on_screens(self._screens)
        self._on_bridge_status_changed(self.session.engine.status)
        if self.feed is not None:
            self._tasks.spawn(self.feed.start(), "cockpit-map")
        self._refresh.start()
        self._tick.start()
        if self.config.playlist.rotate_s > 0 and len(self.window.pages) > 1:
            self._rotate.start()
        self._on_tick_timeout()
        self._tasks.spawn(self._read_board(), "cockpit-board")
        await self._read()
        self.ready.set()

    def shows_data(self) -> bool:
        return self.snapshot is not None

    async def stop(self) -> None:
        self._stopped = True
        for timer in (self._refresh, self._tick, self._rotate, self._home):
            timer.stop()
        for signal, slot in getattr(self, "_connections_made", []):
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)
        if self.feed is not None:
            await self.feed.stop()
        await self._tasks.close()

    # ------------------------------------------------------------------ data

    def _on_bridge_entities_changed(self, _touched: dict[str, list[str]]) -> None:
        self._dirty = True  # coalesced: read on the next refresh tick, not per event

    def _on_refresh_timeout(self) -> None:
        quiet = time.monotonic() - self._last_read >= MAX_QUIET_S
        if not self._reading and (self._dirty or quiet):
            self._tasks.spawn(self._read(), "cockpit-snapshot")
        if not self._board_reading and self._board_due():
            self._tasks.spawn(self._read_board(), "cockpit-board")

    def _board_due(self) -> bool:
        if time.monotonic() - self._board_read >= BOARD_EVERY_S:
            return True
        return self.board is not None and board_period(self._clock()) != self.board.period

    async def _read_board(self) -> None:
        if self._board_reading:
            return
        self._board_reading = True
        self._board_read = time.monotonic()
        try:
            board = await asyncio.to_thread(
                read_board, self.session.store, self.session.reference, self._clock()
            )
        finally:
            self._board_reading = False
        if self._stopped:
            return
        self.board = board
        self._dirty = True  # the next snapshot carries it to the wall

    async def _read(self) -> None:
        if self._reading:
            return
        self._reading = True
        self._dirty = False
        self._last_read = time.monotonic()
        try:
            snapshot = await asyncio.to_thread(
                read_snapshot, self.session.store, self.session.reference, self._clock()
            )
        finally:
            self._reading = False
        if self._stopped:
            return
        if self.board is not None:
            snapshot = dataclasses.replace(
                snapshot, board=self.board.rows, board_period=self.board.title
            )
        self.snapshot = snapshot
        self.snapshots += 1
        await self._show_snapshot()

    async def _show_snapshot(self) -> None:
        """The panels of the page shown get the newest snapshot (hidden pages get it when they
        are shown: painting what nobody sees costs the wall its frame rate). One panel per turn
        of the event loop, with a pause for Qt to paint it: all panels and one paint of their
        union at 4K held the UI thread 100+ ms."""
        page = self.window.current()
        snapshot, number = self.snapshot, self.snapshots
        if snapshot is None or self._shown_version.get(page) == number:
            return
        self._shown_version[page] = number
        for _spec, panel in self.window.current_panels():
            if self._stopped or self.window.current() != page or self.snapshots != number:
                self._shown_version.pop(page, None)  # overtaken: the next one shows it all
                return
            panel.update_snapshot(snapshot)
            await asyncio.sleep(PANEL_PAUSE_S)
        self._mark_freshness()

    def _on_feed_arrived(self, ids: list[str]) -> None:
        slot = self.window.map_panel()
        if self.feed is not None and self.feed.flash(ids, follow=slot is not None and slot.follow):
            self._home.start()

    def _on_home_timeout(self) -> None:
        if self.window.map is not None:
            self.window.map.home()

    # ------------------------------------------------------------------ staleness

    def _on_bridge_status_changed(self, status: SyncStatus) -> None:
        self._status = status
        self._mark_freshness()

    def fresh_at(self) -> datetime:
        """Until when the store is known to hold what the server holds."""
        now = self._clock()
        if self._status.state in _LINKED:
            self._fresh_at = now
        else:
            synced = _parse(self._status.last_sync_at)
            if synced is not None and synced > self._fresh_at:
                self._fresh_at = synced
        return self._fresh_at

    def _mark_freshness(self) -> None:
        now = self._clock()
        fresh = self.fresh_at()
        taken = self.snapshot.taken_at if self.snapshot is not None else fresh
        as_of = min(fresh, taken)
        for spec, panel in self.window.current_panels():
            panel.set_as_of(as_of)
            panel.set_stale((now - fresh).total_seconds() > spec.stale_after_s)
        linked = self._status.state in _LINKED
        local = as_of.astimezone(CITY_TZ).strftime("%H:%M:%S")
        if linked:
            text = self.tr("● 在线 · 数据截至 %1").replace("%1", local)
        else:
            text = self.tr("● 连接中断 · 数据截至 %1").replace("%1", local)
        self.window.set_link(text, ok=linked)

    def _on_tick_timeout(self) -> None:
        self.window.set_clock(self._clock().astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M:%S"))
        self._mark_freshness()

    # ------------------------------------------------------------------ playlist

    def _step(self, delta: int) -> None:
        self.window.show_layout(self.window.current() + delta)
        self._tasks.spawn(self._show_snapshot(), "cockpit-show")
        self._mark_freshness()
        if self._rotate.isActive():
            self._rotate.start()  # a hand on the keyboard restarts the dwell

    def _on_rotate_timeout(self) -> None:
        if not self._paused:
            self._step(+1)

    def _on_window_pause_toggled(self) -> None:
        self._paused = not self._paused

    def map_slot(self) -> MapPanel | None:
        return self.window.map_panel()
