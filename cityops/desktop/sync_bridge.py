"""The sync engine on the Qt event loop, its notifications as Qt signals.

Offers ``SyncBridge(engine)``: ``start()`` runs ``engine.run()`` as a task of the running qasync
loop (the Qt loop), ``submit(...)`` writes an intent into the local store off the UI thread and
asks the engine to push it; the signals ``status_changed(SyncStatus)``,
``entities_changed(dict)`` (entity → sorted ids, already coalesced by the engine) and
``intents_rejected(list)`` (``Settled`` rows with the server's reason) are what windows and the
status bar connect to. Windows never talk to the engine or the server themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QObject, Signal

from cityops.domain.schemas import Entity
from cityops.local_store.store import Settled
from cityops.sync.engine import SyncEngine, SyncStatus

log = logging.getLogger(__name__)


class SyncBridge(QObject):
    status_changed = Signal(object)  # SyncStatus
    entities_changed = Signal(dict)  # {entity: [ids]}
    intents_rejected = Signal(list)  # [Settled]

    def __init__(self, engine: SyncEngine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self._task: asyncio.Task[None] | None = None
        # The engine calls these on its loop, which is the Qt loop: emitting is safe here.
        engine.on_status(self._on_engine_status)
        engine.on_changes(self._on_engine_changes)
        engine.on_rejected(self._on_engine_rejected)

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.engine.run(), name="sync")
            self._task.add_done_callback(self._on_task_done)

    async def stop(self) -> None:
        self.engine.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def submit(
        self,
        name: str,
        args: Mapping[str, Any],
        *,
        entity: Entity | None = None,
        entity_id: str | None = None,
        base_version: int | None = None,
        optimistic: Mapping[str, Any] | None = None,
    ) -> int:
        """Queue an intent (durably, in a worker thread) and push it as soon as the link allows."""
        seq = await asyncio.to_thread(
            self.engine.store.submit,
            name,
            args,
            entity=entity,
            entity_id=entity_id,
            base_version=base_version,
            optimistic=optimistic,
        )
        if entity is not None and entity_id is not None:
            self.entities_changed.emit({entity.value: [entity_id]})  # the optimistic row
        self.engine.poke()
        return seq

    def _on_engine_status(self, status: SyncStatus) -> None:
        self.status_changed.emit(status)

    def _on_engine_changes(self, touched: dict[str, set[str]]) -> None:
        self.entities_changed.emit({entity: sorted(ids) for entity, ids in touched.items()})

    def _on_engine_rejected(self, rejected: list[Settled]) -> None:
        self.intents_rejected.emit(list(rejected))

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("sync engine stopped", exc_info=task.exception())
