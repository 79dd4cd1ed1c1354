"""Feeds the alarm queue panel from the local store and turns its requests into intents.

Offers to the dispatcher workstation ``AlarmPresenter(store, bridge, panel, reference)``:
``start()`` (on the running qasync loop) loads the listed alarms off the UI thread, then again
whenever the sync bridge says alarms changed (bursts coalesced to one load per
``min_interval`` seconds); the panel's acknowledge / shelve / unshelve / convert requests go to
``AlarmIntents`` (optimistic rows shown at once, refusals shown in the panel).
``load_listed_alarms(store)`` is the (Qt-free) read it runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer

from cityops.desktop.alarm_feed import device_names, load_alarm_docs
from cityops.desktop.alarm_intents import AlarmIntents
from cityops.desktop.alarm_panel import AlarmQueuePanel
from cityops.desktop.i18n import name_of
from cityops.desktop.sync_bridge import SyncBridge
from cityops.desktop.tasks import Tasks
from cityops.domain.actors import Actor
from cityops.domain.reference import Reference
from cityops.domain.schemas import Entity
from cityops.local_store.store import LocalStore

log = logging.getLogger(__name__)


def load_listed_alarms(store: LocalStore) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The listed alarms' documents and their devices' names (run in a worker thread)."""
    docs = load_alarm_docs(store)
    return docs, device_names(store, (str(doc["device_id"]) for doc in docs))


class AlarmPresenter(QObject):
    """Loads alarms into ``panel`` and writes the dispatcher's alarm intents (see module)."""

    def __init__(
        self,
        store: LocalStore,
        bridge: SyncBridge,
        panel: AlarmQueuePanel,
        reference: Reference,
        *,
        user: Actor,
        min_interval: float = 0.3,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(panel)
        self.store = store
        self.bridge = bridge
        self.panel = panel
        self.intents = AlarmIntents(store, bridge, user=user, clock=clock, parent=self)
        self._min_interval = min_interval
        self._docs: dict[str, dict[str, Any]] = {}
        self._last_load = -1e9
        self._dirty = False
        self._stopped = False
        self._load_task: asyncio.Task[None] | None = None
        self._tasks = Tasks("alarm presenter")
        self.loads = 0  # how many loads ran (tests and the status bar's diagnostics)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)
        panel.set_district_names({d.code: name_of(d) for d in reference.units.districts})

    @property
    def user(self) -> Actor:
        return self.intents.user

    # ------------------------------------------------------------------ lifecycle

    def _connections(self) -> list[tuple[Any, Callable[..., Any]]]:
        return [
            (self.bridge.entities_changed, self._on_bridge_entities_changed),
            (self.panel.ack_requested, self.intents.ack),
            (self.panel.shelve_requested, self.intents.shelve),
            (self.panel.unshelve_requested, self.intents.unshelve),
            (self.panel.convert_requested, self.intents.convert),
            (self.intents.optimistic, self._on_intents_optimistic),
            (self.intents.message, self._on_intents_message),
            (self.intents.rejected, self.request_reload),
        ]

    def start(self) -> None:
        """Connect and load; call on the running qasync loop."""
        for signal, slot in self._connections():
            signal.connect(slot)
        self.request_reload()

    async def stop(self) -> None:
        """Stop loading and acting (the window closes); waits for the tasks it cancels."""
        self._stopped = True
        self._timer.stop()
        for signal, slot in self._connections():
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)
        await self.intents.stop()
        await self._tasks.close()

    # ------------------------------------------------------------------ loading

    def request_reload(self) -> None:
        """Load soon: now if the last load is ``min_interval`` old, else when it will be; one
        load at a time, and changes during a load make one more after it."""
        if self._stopped:
            return
        if self._load_task is not None and not self._load_task.done():
            self._dirty = True
            return
        if self._timer.isActive():
            return
        wait = self._last_load + self._min_interval - time.monotonic()
        self._timer.start(max(0, int(wait * 1000)))

    async def reload(self) -> None:
        """Read the listed alarms (worker thread) and hand them to the panel."""
        self._last_load = time.monotonic()
        docs, names = await asyncio.to_thread(load_listed_alarms, self.store)
        self.loads += 1
        self._docs = {str(d["id"]): d for d in docs}
        self.panel.set_device_names(names)
        self.panel.set_alarms(docs)

    def _on_timer_timeout(self) -> None:
        if self._stopped:
            return
        self._load_task = self._tasks.spawn(self.reload(), "alarm-load")
        if self._load_task is not None:
            self._load_task.add_done_callback(self._on_load_done)

    def _on_load_done(self, _task: asyncio.Task[None]) -> None:
        if self._dirty:
            self._dirty = False
            self.request_reload()

    def _on_bridge_entities_changed(self, touched: dict[str, list[str]]) -> None:
        if touched.get(Entity.ALARM.value):
            self.request_reload()

    # ------------------------------------------------------------------ intents

    def _on_intents_optimistic(self, alarm_id: str, doc: dict[str, Any]) -> None:
        if self._stopped:
            return
        self._docs[alarm_id] = doc
        self.panel.set_alarms(self._docs.values())

    def _on_intents_message(self, text: str, error: bool) -> None:
        self.panel.show_message(text, error=error)
