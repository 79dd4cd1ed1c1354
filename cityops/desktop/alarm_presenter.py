"""Feeds the alarm queue panel from the local store and turns its requests into intents.

Offers to the dispatcher workstation ``AlarmPresenter(store, bridge, panel, reference)``:
``start()`` (on the running qasync loop) loads the listed alarms off the UI thread, then again
whenever the sync bridge says alarms changed (bursts coalesced to one load per
``min_interval`` seconds); the panel's acknowledge / shelve / unshelve / convert requests become
``bridge.submit`` intents with an optimistic document made by the domain's own lifecycle
functions, so the row shows what the server will send back; refused alarm intents are shown in
the panel. ``load_listed_alarms(store)`` is the (Qt-free) read it runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, Final

import uuid6
from PySide6.QtCore import QObject, QTimer
from sqlalchemy import func, select

from cityops.desktop.alarm_panel import AlarmQueuePanel
from cityops.desktop.i18n import language, name_of
from cityops.desktop.sync_bridge import SyncBridge
from cityops.domain import alarms as al
from cityops.domain.actors import Actor
from cityops.domain.outcomes import Rejection
from cityops.domain.reference import Reference
from cityops.domain.schemas import AlarmDoc, Entity
from cityops.local_store.store import LocalStore, Settled, StoreError
from cityops.local_store.tables import ALARMS, DEVICES

log = logging.getLogger(__name__)

#: What the queue lists: annunciating alarms and shelved ones (behind the panel's toggle).
LISTED_STATES: Final = (
    al.AlarmState.ACTIVE_UNACK.value,
    al.AlarmState.ACTIVE_ACK.value,
    al.AlarmState.CLEARED_UNACK.value,
    al.AlarmState.SHELVED.value,
)
_CHUNK: Final = 500  # ids per IN list (SQLite's variable limit is far above; keeps plans small)


def load_listed_alarms(store: LocalStore) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The listed alarms' documents and their devices' names (run in a worker thread): one
    query on the indexed ``state`` column, then the names by id from the devices table."""
    with store.engine.connect() as conn:
        texts = conn.execute(select(ALARMS.c.doc).where(ALARMS.c.state.in_(LISTED_STATES)))
        docs = [json.loads(text) for text in texts.scalars()]
        device_ids = sorted({str(doc["device_id"]) for doc in docs})
        names: dict[str, str] = {}
        name = func.json_extract(DEVICES.c.doc, "$.name_zh")
        for start in range(0, len(device_ids), _CHUNK):
            chunk = device_ids[start : start + _CHUNK]
            query = select(DEVICES.c.id, name).where(DEVICES.c.id.in_(chunk))
            names.update({i: n for i, n in conn.execute(query) if n})
    return docs, names


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
        #: Who acts here (the session's user): the optimistic rows are made in their name.
        self.user = user
        self._clock = clock
        self._min_interval = min_interval
        self._docs: dict[str, dict[str, Any]] = {}
        self._last_load = -1e9
        self._dirty = False
        self._stopped = False
        self._load_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()  # kept referenced until done
        self.loads = 0  # how many loads ran (tests and the status bar's diagnostics)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)
        panel.set_district_names({d.code: name_of(d) for d in reference.units.districts})

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Connect and load; call on the running qasync loop."""
        self.bridge.entities_changed.connect(self._on_bridge_entities_changed)
        self.bridge.intents_rejected.connect(self._on_bridge_intents_rejected)
        self.panel.ack_requested.connect(self._on_panel_ack_requested)
        self.panel.shelve_requested.connect(self._on_panel_shelve_requested)
        self.panel.unshelve_requested.connect(self._on_panel_unshelve_requested)
        self.panel.convert_requested.connect(self._on_panel_convert_requested)
        self.request_reload()

    async def stop(self) -> None:
        """Stop loading and acting (the window closes); waits for the tasks it cancels."""
        self._stopped = True
        self._timer.stop()
        for signal, slot in (
            (self.bridge.entities_changed, self._on_bridge_entities_changed),
            (self.bridge.intents_rejected, self._on_bridge_intents_rejected),
            (self.panel.ack_requested, self._on_panel_ack_requested),
            (self.panel.shelve_requested, self._on_panel_shelve_requested),
            (self.panel.unshelve_requested, self._on_panel_unshelve_requested),
            (self.panel.convert_requested, self._on_panel_convert_requested),
        ):
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._on_task_done)
        return task

    def _on_task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("alarm presenter task %s failed", task.get_name(), exc_info=task.exception())

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
        docs, device_names = await asyncio.to_thread(load_listed_alarms, self.store)
        self.loads += 1
        self._docs = {str(d["id"]): d for d in docs}
        self.panel.set_device_names(device_names)
        self.panel.set_alarms(docs)

    def _on_timer_timeout(self) -> None:
        if self._stopped:
            return
        self._load_task = self._spawn(self.reload(), "alarm-load")
        self._load_task.add_done_callback(self._on_load_done)

    def _on_load_done(self, _task: asyncio.Task[None]) -> None:
        if self._dirty:
            self._dirty = False
            self.request_reload()

    def _on_bridge_entities_changed(self, touched: dict[str, list[str]]) -> None:
        if touched.get(Entity.ALARM.value):
            self.request_reload()

    # ------------------------------------------------------------------ intents

    def _on_panel_ack_requested(self, alarm_id: str, seen_peak: str) -> None:
        peak = al.Severity(seen_peak)
        self._act(
            "alarm.ack",
            alarm_id,
            {"alarm_id": alarm_id, "seen_peak": peak.value},
            lambda alarm, actor, now: al.acknowledge(alarm, actor, now, seen_peak=peak),
        )

    def _on_panel_shelve_requested(self, alarm_id: str, until_iso: str, reason: str) -> None:
        until = datetime.fromisoformat(until_iso)
        self._act(
            "alarm.shelve",
            alarm_id,
            {"alarm_id": alarm_id, "until": until.isoformat(), "reason": reason},
            lambda alarm, actor, now: al.shelve(alarm, actor, until, reason, now),
        )

    def _on_panel_unshelve_requested(self, alarm_id: str) -> None:
        self._act(
            "alarm.unshelve",
            alarm_id,
            {"alarm_id": alarm_id},
            lambda alarm, actor, now: al.unshelve(alarm, actor, now),
        )

    def _on_panel_convert_requested(self, alarm_id: str) -> None:
        case_id = str(uuid6.uuid7())  # client-made, so a retried push makes one case
        self._act(
            "alarm.convert_to_case",
            alarm_id,
            {"alarm_id": alarm_id, "case_id": case_id},
            lambda alarm, actor, now: al.convert_to_case(alarm, actor, case_id, now),
        )

    def _act(
        self,
        name: str,
        alarm_id: str,
        args: dict[str, Any],
        change: Callable[[al.Alarm, Actor, datetime], al.Transition | Rejection],
    ) -> None:
        self._spawn(self._submit(name, alarm_id, args, change), f"alarm-{name}")

    async def _submit(
        self,
        name: str,
        alarm_id: str,
        args: dict[str, Any],
        change: Callable[[al.Alarm, Actor, datetime], al.Transition | Rejection],
    ) -> None:
        """The domain's own transition makes the optimistic row (so it equals the server's
        answer); a transition the domain refuses here is shown and not sent, because the
        server, deciding by the same rules on a copy at least as new, would refuse it too."""
        doc = await asyncio.to_thread(self.store.get, Entity.ALARM, alarm_id)
        optimistic: dict[str, Any] | None = None
        base_version = None if doc is None else int(doc["version"])
        if doc is not None:
            outcome = change(AlarmDoc.model_validate(doc).to_domain(), self.user, self._clock())
            if isinstance(outcome, Rejection):
                self.panel.show_message(self._reason(outcome.message, outcome.message_en))
                return
            optimistic = AlarmDoc.from_domain(outcome[0]).model_dump(mode="json")
        try:
            await self.bridge.submit(
                name,
                args,
                entity=Entity.ALARM,
                entity_id=alarm_id,
                base_version=base_version,
                optimistic=optimistic,
            )
        except StoreError as exc:  # e.g. a full disk: the user must hear it was not saved
            self.panel.show_message(str(exc))
            return
        if optimistic is not None and not self._stopped:
            # Shown at once (it is durable now): the reload the submit asks for may wait for
            # the throttle, and a dispatcher's click must show at once.
            self._docs[alarm_id] = optimistic
            self.panel.set_alarms(self._docs.values())
        if name == "alarm.convert_to_case":
            self.panel.show_message(
                self.tr("已提交转案件，案件编号 %1").replace("%1", args["case_id"]), error=False
            )

    @staticmethod
    def _reason(zh: str, en: str) -> str:
        return en if language() == "en" and en else zh

    def _on_bridge_intents_rejected(self, rejected: list[Settled]) -> None:
        ours = [s for s in rejected if s.entity == Entity.ALARM.value]
        if not ours:
            return
        actions = {
            "alarm.ack": self.tr("确认告警"),
            "alarm.shelve": self.tr("搁置告警"),
            "alarm.unshelve": self.tr("取消搁置"),
            "alarm.convert_to_case": self.tr("转案件"),
        }
        lines = [
            self.tr("%1未成功：%2")
            .replace("%1", actions.get(s.name, s.name))
            .replace("%2", s.reason or s.code or "?")
            for s in ours
        ]
        self.panel.show_message("\n".join(lines))
        self.request_reload()  # the store rolled the optimistic rows back
