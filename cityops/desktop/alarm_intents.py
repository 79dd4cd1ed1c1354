"""A dispatcher's alarm decisions written as intents: one place for the queue and the map.

Offers ``AlarmIntents(store, bridge, user=)`` to the alarm queue's and the alarm map's
presenters: ``ack(id, seen_peak)``, ``shelve(id, until_iso, reason)``, ``unshelve(id)``,
``convert(id)`` each become a ``bridge.submit`` intent with an optimistic document made by the
domain's own lifecycle functions (so what shows at once is what the server will send back).
Signals: ``optimistic(id, doc)`` once an intent is durable, ``message(text, is_error)`` (a
refusal by the domain here, a store error, the case number of a conversion, the server's
refusals of alarm intents), ``rejected()`` after the server refused some (the store has rolled
the optimistic rows back: reload). ``await stop()`` cancels what is in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import uuid6
from PySide6.QtCore import QObject, Signal

from cityops.desktop.i18n import language
from cityops.desktop.sync_bridge import SyncBridge
from cityops.desktop.tasks import Tasks
from cityops.domain import alarms as al
from cityops.domain.actors import Actor
from cityops.domain.outcomes import Rejection
from cityops.domain.schemas import AlarmDoc, Entity
from cityops.local_store.store import LocalStore, Settled, StoreError

log = logging.getLogger(__name__)

Change = Callable[[al.Alarm, Actor, datetime], al.Transition | Rejection]


class AlarmIntents(QObject):
    optimistic = Signal(str, dict)  # alarm id, the document to show at once
    message = Signal(str, bool)  # text, is an error
    rejected = Signal()

    def __init__(
        self,
        store: LocalStore,
        bridge: SyncBridge,
        *,
        user: Actor,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.bridge = bridge
        #: Who acts here (the session's user): the optimistic rows are made in their name.
        self.user = user
        self._clock = clock
        self._stopped = False
        self._tasks = Tasks("alarm intents")
        bridge.intents_rejected.connect(self._on_bridge_intents_rejected)

    async def stop(self) -> None:
        self._stopped = True
        with contextlib.suppress(RuntimeError, TypeError):
            self.bridge.intents_rejected.disconnect(self._on_bridge_intents_rejected)
        await self._tasks.close()

    # ------------------------------------------------------------------ decisions

    def ack(self, alarm_id: str, seen_peak: str) -> None:
        peak = al.Severity(seen_peak)
        self._act(
            "alarm.ack",
            alarm_id,
            {"alarm_id": alarm_id, "seen_peak": peak.value},
            lambda alarm, actor, now: al.acknowledge(alarm, actor, now, seen_peak=peak),
        )

    def shelve(self, alarm_id: str, until_iso: str, reason: str) -> None:
        until = datetime.fromisoformat(until_iso)
        self._act(
            "alarm.shelve",
            alarm_id,
            {"alarm_id": alarm_id, "until": until.isoformat(), "reason": reason},
            lambda alarm, actor, now: al.shelve(alarm, actor, until, reason, now),
        )

    def unshelve(self, alarm_id: str) -> None:
        self._act(
            "alarm.unshelve",
            alarm_id,
            {"alarm_id": alarm_id},
            lambda alarm, actor, now: al.unshelve(alarm, actor, now),
        )

    def convert(self, alarm_id: str) -> None:
        case_id = str(uuid6.uuid7())  # client-made, so a retried push makes one case
        self._act(
            "alarm.convert_to_case",
            alarm_id,
            {"alarm_id": alarm_id, "case_id": case_id},
            lambda alarm, actor, now: al.convert_to_case(alarm, actor, case_id, now),
        )

    # ------------------------------------------------------------------ writing

    def _act(self, name: str, alarm_id: str, args: dict[str, Any], change: Change) -> None:
        if self._stopped:
            return
        self._tasks.spawn(self._submit(name, alarm_id, args, change), f"alarm-{name}")

    async def _submit(self, name: str, alarm_id: str, args: dict[str, Any], change: Change) -> None:
        """The domain's own transition makes the optimistic row (so it equals the server's
        answer); a transition the domain refuses here is shown and not sent, because the
        server, deciding by the same rules on a copy at least as new, would refuse it too."""
        doc = await asyncio.to_thread(self.store.get, Entity.ALARM, alarm_id)
        optimistic: dict[str, Any] | None = None
        base_version = None if doc is None else int(doc["version"])
        if doc is not None:
            outcome = change(AlarmDoc.model_validate(doc).to_domain(), self.user, self._clock())
            if isinstance(outcome, Rejection):
                self.message.emit(self._reason(outcome.message, outcome.message_en), True)
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
            self.message.emit(str(exc), True)
            return
        if self._stopped:
            return
        if optimistic is not None:
            # Shown at once (it is durable now): the reload the submit asks for may wait for
            # a throttle, and a dispatcher's click must show at once.
            self.optimistic.emit(alarm_id, optimistic)
        if name == "alarm.convert_to_case":
            text = self.tr("已提交转案件，案件编号 %1").replace("%1", args["case_id"])
            self.message.emit(text, False)

    @staticmethod
    def _reason(zh: str, en: str) -> str:
        return en if language() == "en" and en else zh

    def _on_bridge_intents_rejected(self, rejected: list[Settled]) -> None:
        ours = [s for s in rejected if s.entity == Entity.ALARM.value]
        if not ours or self._stopped:
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
        self.message.emit("\n".join(lines), True)
        self.rejected.emit()
