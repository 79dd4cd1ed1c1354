"""Feeds the schedule form from the local store and saves it as a ``schedule.set`` intent.

Offers ``SchedulePresenter(session, form)`` to the device-control presenter: ``await start()``,
``await stop()``, ``on_entities_changed(touched)`` (the bridge's signal, forwarded), and
``save(data)`` / ``use_default()`` (awaitable, for the form's buttons and for tests).

What it does (DESIGN §3):
- reads the stored schedules (``lighting_schedule`` entity, synced down; ``"*"`` is the city
  default) in a worker thread and shows the chosen group's — or, for a group without one, the
  city default it follows, saying so;
- on save, checks with the domain's rule (``group_schedules.set_schedule``, with this user's
  roles) and refuses inline before anything is queued; then, because the server's scheduler
  acts at once on a saved schedule, works out what the old and the new schedules want *now*
  for the circuits they govern (``group_schedules.switched_now``, in a worker, with the
  circuits' online state from the store) and, if lights would change, asks first with
  ``device_confirm.CommandConfirmDialog`` — how many circuits change and how many are
  offline, typed when it would switch off or dim ``DANGEROUS_SHARE`` or more of the city's
  circuits; Cancel leaves the form unsaved. Otherwise it writes the intent through the
  outbox with the version the user edited as ``base_version`` and an optimistic row, so the
  form shows the new version at once, offline too;
- the server's refusals of ``schedule.set`` (role taken away, another operator saved first)
  come back through the bridge and are shown inline; the store has rolled the optimistic row
  back, so the form then shows the server's schedule again;
- a schedule changed by someone else is shown when it arrives, unless the form holds unsaved
  edits (then it says so and leaves them; saving them is then refused as made from an old
  version, here or by the server, with who changed it when).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject

from cityops.desktop.device_confirm import CommandConfirmDialog, ask
from cityops.desktop.i18n import language, name_of
from cityops.desktop.schedule_form import EMPTY_SCHEDULE, ScheduleForm
from cityops.desktop.session import Session
from cityops.desktop.tasks import Tasks
from cityops.domain import group_schedules as gs
from cityops.domain.city import CITY_TZ
from cityops.domain.device_commands import DANGEROUS_SHARE
from cityops.domain.lighting_schedule import Schedule
from cityops.domain.outcomes import Rejection
from cityops.domain.schemas import Entity
from cityops.local_store.store import LocalStore, Settled, StoreError

MUTATION = "schedule.set"


def _load(store: LocalStore, codes: list[str]) -> dict[str, dict[str, Any]]:
    found = {}
    for code in codes:
        doc = store.get(Entity.LIGHTING_SCHEDULE, code)
        if doc is not None:
            found[code] = doc
    return found


#: Device ids per ``IN (…)`` list when reading online states (SQLite's variable limit).
_CHUNK = 900


def _offline(store: LocalStore, ids: list[str]) -> int:
    """How many of ``ids`` the store holds as offline (a device it does not know counts as
    offline: nothing says it is reachable)."""
    online = 0
    with store.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ", ".join("?" for _ in chunk)
            for (doc,) in raw.execute(f"SELECT doc FROM devices WHERE id IN ({marks})", chunk):
                online += bool(json.loads(doc).get("online"))
    return len(ids) - online


def _stored(docs: Mapping[str, Mapping[str, Any]]) -> dict[str, Schedule]:
    out = {}
    for code, doc in docs.items():
        parsed = gs.parse_schedule(doc.get("schedule")) if doc.get("schedule") else None
        if parsed is not None and not isinstance(parsed, Rejection):
            out[code] = parsed
    return out


def _impact(
    store: LocalStore,
    groups: Mapping[str, tuple[str, ...]],
    docs: Mapping[str, Mapping[str, Any]],
    saved: gs.StoredSchedule,
    at: datetime,
) -> tuple[gs.SwitchNow, int]:
    """What saving ``saved`` would switch at ``at`` and how many of those circuits are
    offline (worker thread: parses every stored schedule and reads the store)."""
    before = _stored(docs)
    after = dict(before)
    if saved.schedule is None:
        after.pop(saved.group, None)
    else:
        after[saved.group] = saved.schedule
    switch = gs.switched_now(groups, before, after, at)
    return switch, _offline(store, list(switch.changes))


class SchedulePresenter(QObject):
    def __init__(
        self,
        session: Session,
        form: ScheduleForm,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(form)
        self.session = session
        self.form = form
        self._clock = clock
        self._groups = session.reference.devices.lighting_groups
        #: Stored schedule documents by group code, as last read from the store.
        self.docs: dict[str, dict[str, Any]] = {}
        #: The version of the shown group's stored schedule the form started from (None: the
        #: group has none stored): sent as ``base_version``, so a save made from an old
        #: version is refused rather than overwriting the newer one.
        self.base_version: int | None = None
        self._stopped = False
        self._tasks = Tasks("lighting schedules", self._on_task_failed)
        #: The confirmation waiting for an answer before a save, if any (tests answer it).
        self.confirm_dialog: CommandConfirmDialog | None = None

    def _connections(self) -> list[tuple[Any, Callable[..., Any]]]:
        return [
            (self.form.save_requested, self._on_form_save_requested),
            (self.form.use_default_requested, self._on_form_use_default_requested),
            (self.form.group_changed, self._on_form_group_changed),
            (self.session.bridge.intents_rejected, self._on_bridge_intents_rejected),
        ]

    async def start(self) -> None:
        groups = sorted(self._groups.values(), key=lambda g: g.code)
        self.form.set_groups([(g.code, name_of(g)) for g in groups])
        for signal, slot in self._connections():
            signal.connect(slot)
        await self.reload()

    async def stop(self) -> None:
        self._stopped = True
        for signal, slot in self._connections():
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)
        await self._tasks.close()

    def _on_task_failed(self, text: str) -> None:
        self.form.show_result(text, error=True)

    # ------------------------------------------------------------------ reading

    async def reload(self) -> None:
        codes = [gs.CITY_DEFAULT, *sorted(self._groups)]
        docs = await asyncio.to_thread(_load, self.session.store, codes)
        if self._stopped:
            return
        self.docs = docs
        self.show_group()

    def _status(self, doc: Mapping[str, Any]) -> str:
        try:
            when = datetime.fromisoformat(str(doc["set_at"])).astimezone(CITY_TZ)
            at = f"{when:%Y-%m-%d %H:%M}"
        except (KeyError, ValueError):
            at = "?"
        return (
            self.tr("版本 %1，%2 于 %3 保存")
            .replace("%1", str(doc.get("version", "?")))
            .replace("%2", str(doc.get("set_by", "?")))
            .replace("%3", at)
        )

    def show_group(self) -> None:
        """Show the chosen group's schedule (or the default it follows)."""
        code = self.form.group()
        doc = self.docs.get(code)
        self.base_version = None if doc is None else int(doc["version"])
        own = doc is not None and doc.get("schedule") is not None
        if own:
            assert doc is not None
            self.form.set_schedule(doc["schedule"], status=self._status(doc), own=True)
            return
        default = self.docs.get(gs.CITY_DEFAULT)
        if code == gs.CITY_DEFAULT or default is None:
            status = (
                self.tr("尚无全市默认计划：保存后各分组按此计划开关灯")
                if default is None
                else self._status(default)
            )
            self.form.set_schedule((default or {}).get("schedule") or EMPTY_SCHEDULE, status=status)
            return
        status = self.tr("该分组沿用全市默认计划（%1）；保存即为该分组单独设定计划").replace(
            "%1", self._status(default)
        )
        self.form.set_schedule(default["schedule"], status=status)

    def on_entities_changed(self, touched: Mapping[str, list[str]]) -> None:
        changed = touched.get(Entity.LIGHTING_SCHEDULE.value)
        if not changed or self._stopped:
            return
        if self.form.dirty() and {self.form.group(), gs.CITY_DEFAULT} & set(changed):
            self.form.show_result(
                self.tr("该计划已有新版本；您的修改尚未保存，保存时服务器会核对版本"), error=True
            )
            self._tasks.spawn(self._refresh_docs(), "schedule-read")
            return
        self._tasks.spawn(self.reload(), "schedule-read")

    async def _refresh_docs(self) -> None:
        codes = [gs.CITY_DEFAULT, *sorted(self._groups)]
        self.docs = await asyncio.to_thread(_load, self.session.store, codes)

    # ------------------------------------------------------------------ saving

    def _reason(self, rejection: Rejection) -> str:
        return rejection.message_en if language() == "en" else rejection.message

    async def save(self, data: Mapping[str, Any] | None) -> bool:
        """Queue ``schedule.set`` for the chosen group (``data`` None: back to the default);
        False when refused here (the form says why) or the store failed."""
        code = self.form.group()
        doc = self.docs.get(code)
        current = None
        if doc is not None:
            current = gs.StoredSchedule(
                code,
                None,  # only the version and author matter for the check
                int(doc["version"]),
                str(doc.get("set_by") or ""),
                datetime.fromisoformat(str(doc["set_at"])),
            )
        outcome = gs.set_schedule(
            code,
            data,
            actor=self.session.me,
            now=self._clock(),
            groups=self._groups.keys(),
            current=current,
            base_version=self.base_version,
        )
        if isinstance(outcome, Rejection):
            self.form.show_result(self._reason(outcome), error=True)
            return False
        if not await self._confirm_switch(outcome):
            if not self._stopped:
                self.form.show_result(
                    self.tr("未保存：已取消，照明不变（修改仍在表单中）"), error=True
                )
            return False
        optimistic = gs.schedule_document(outcome)
        try:
            await self.session.bridge.submit(
                MUTATION,
                {"group": code, "schedule": optimistic["schedule"]},
                entity=Entity.LIGHTING_SCHEDULE,
                entity_id=code,
                base_version=self.base_version,
                optimistic=optimistic,
            )
        except StoreError as exc:
            self.form.show_result(str(exc), error=True)
            return False
        self.docs[code] = optimistic
        self.show_group()
        self.form.show_result(
            self.tr("已提交（版本 %1），服务器确认后照明按新计划开关灯").replace(
                "%1", str(outcome.version)
            )
        )
        return True

    async def _confirm_switch(self, saved: gs.StoredSchedule) -> bool:
        """Whether to go on with saving ``saved``: True when no light would change now, else
        the operator's answer to the confirmation (the scheduler switches at once)."""
        groups = {code: tuple(g.circuits) for code, g in self._groups.items()}
        switch, offline = await asyncio.to_thread(
            _impact, self.session.store, groups, dict(self.docs), saved, self._clock()
        )
        if self._stopped:
            return False
        if not switch:
            return True
        total = len(self.session.reference.devices.circuits)
        typed = total > 0 and switch.darkened / total >= DANGEROUS_SHARE
        name = (
            self.tr("全市默认计划")
            if saved.group == gs.CITY_DEFAULT
            else name_of(self._groups[saved.group])
        )
        what = (
            self.tr(
                "保存“%1”后照明将立即按新计划切换：关灯 %2 个回路，调暗 %3 个，开灯或调亮 %4 个"
            )
            .replace("%1", name)
            .replace("%2", str(len(switch.switched_off)))
            .replace("%3", str(len(switch.dimmed)))
            .replace("%4", str(switch.brightened))
        )
        dialog = CommandConfirmDialog(what, len(switch), offline, typed=typed, parent=self.form)
        self.confirm_dialog = dialog
        try:
            return await ask(dialog)
        finally:
            self.confirm_dialog = None

    async def use_default(self) -> bool:
        return await self.save(None)

    def _on_form_save_requested(self, data: dict[str, Any]) -> None:
        self._tasks.spawn(self.save(data), "schedule-save")

    def _on_form_use_default_requested(self) -> None:
        self._tasks.spawn(self.use_default(), "schedule-save")

    def _on_form_group_changed(self, _code: str) -> None:
        self.show_group()

    def _on_bridge_intents_rejected(self, rejected: list[Settled]) -> None:
        ours = [s for s in rejected if s.name == MUTATION]
        if not ours or self._stopped:
            return
        text = "\n".join(
            self.tr("照明计划未被接受：%1").replace("%1", s.reason or s.code or "?") for s in ours
        )
        self.form.show_result(text, error=True)
        self._tasks.spawn(self._reload_keeping_result(), "schedule-read")

    async def _reload_keeping_result(self) -> None:
        # The store has rolled the optimistic row back: show the server's schedule again,
        # keeping the refusal on screen.
        text, style = self.form.result_label.text(), self.form.result_label.styleSheet()
        await self.reload()
        self.form.result_label.setStyleSheet(style)
        self.form.result_label.setText(text)
