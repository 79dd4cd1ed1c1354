"""Feeds the device-control window from the local store and turns its requests into commands.

Offers ``DeviceControlPresenter(session, window, command_ttl=)`` to the
window manager: ``await start()``, ``await stop()``, ``ready``
(asyncio.Event, set once the tree holds the devices: at once from a warm cache, after the first
pull otherwise), ``shows_data()``.

What it does (DESIGN §3 device commands):
- the tree: every device read in a worker thread, then only what the sync touched, coalesced
  (``REFRESH_MS``); the worker also computes every cell and group count (``device_feed``), the
  UI thread only applies them, ``APPLY_CHUNK`` devices per event-loop turn: changed rows in
  place, new devices inserted into their groups (selection and expansion stay); a takeover's
  end is shown when it comes (the screen restores itself), even before the gateway's report
  says so;
- a command: targets resolved (the selection — only the devices the tree's search and filters
  show, the confirmation says how many the selection hides — or all devices of the kind), a
  confirmation with the target count and how many are offline; typed confirmation when the
  domain says the command is city-wide (``needs_typed_confirmation``), with a warning when this
  user lacks the operator role (the server decides with the roles it holds now, refuses and
  audits); then one ``device.command`` intent (absolute payload, ``not_after`` = now +
  ``command_ttl``, or the takeover's end, a client-made group command id, ``confirmed_count``,
  and ``typed_confirmation: true`` only when the user passed the typed confirmation);
- progress: per group command, acked / failed / pending / expired as the changes arrive; the
  rows of this workstation's intents that are still in the outbox ("queued offline") or that
  the server refused (its reason, e.g. expired before it reached the server), or that the
  re-confirmation gate holds ("waiting for re-confirmation", from when the hold starts until
  the user decides); retry sends the
  chosen command again, as a new group command, to its failed devices that no newer command
  on the same channel has reached since (a second retry does not re-send to devices the first
  one reached), names the original command and its time in the confirmation, and is refused
  once the original is older than ``command_ttl`` (a takeover: once it ended);
- replay after an outage: the session's ``ReconfirmGate`` (``session.reconfirm``, on the push
  for the session's whole life) holds a device command that waited in the outbox longer than
  its ``reconfirm_after``; this window, while shown, asks the user (at once when it opens on a
  held command). Closing the window, or the dialog going away with it, decides nothing: the
  command stays held (the status bar of every window says so). "Send" re-asks the typed
  confirmation of a city-wide command; "void" rewrites its expiry to its creation time so the
  server refuses it as expired and nothing is executed (it keeps its seq: the server needs
  every seq) — unless an earlier attempt already reached the server unanswered, which the
  dialog says. A command already past its expiry goes up unasked: the server refuses it and
  the user sees why;
- schedules: the schedule tab is fed and saved by ``schedule_presenter`` (``schedules``): the
  server stores and runs them, the form writes ``schedule.set`` intents.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import uuid6
from PySide6.QtCore import QObject, QTimer

from cityops.desktop import device_feed as feed
from cityops.desktop.device_confirm import CommandConfirmDialog, ReconfirmDialog, ask
from cityops.desktop.device_control import (
    DeviceControlWindow,
    cell_texts,
    cells_of,
    describe_payload,
    local_clock,
)
from cityops.desktop.i18n import name_of
from cityops.desktop.schedule_presenter import SchedulePresenter
from cityops.desktop.session import Session
from cityops.desktop.tasks import Tasks
from cityops.domain import device_commands as dc
from cityops.domain.actors import Role
from cityops.domain.devices import LIGHTING_KINDS, DeviceKind
from cityops.domain.outcomes import Rejection
from cityops.domain.schemas import Entity
from cityops.local_store.store import Settled, StoreError
from cityops.sync.reconfirm import intent_time

log = logging.getLogger(__name__)

#: Coalescing of live changes into one tree / progress update.
REFRESH_MS = 100
#: Devices applied to the tree per event-loop turn (about 2–4 ms of the UI thread here), so
#: 5,000 acks at once never hold the UI thread for long.
APPLY_CHUNK = 1000
#: A routine command must reach the server within this time or not at all.
COMMAND_TTL = timedelta(minutes=10)
#: Progress and audit rows kept on screen.
HISTORY = 50

__all__ = ["DeviceControlPresenter", "intent_time"]


class DeviceControlPresenter(QObject):
    def __init__(
        self,
        session: Session,
        window: DeviceControlWindow,
        *,
        command_ttl: timedelta = COMMAND_TTL,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(window)
        self.session = session
        self.window = window
        self.store = session.store
        self.bridge = session.bridge
        self.command_ttl = command_ttl
        self.gate = session.reconfirm
        self.schedules = SchedulePresenter(session, window.schedule, clock=clock)
        #: What one unit of the takeover spin box is (tests shorten it to seconds).
        self.takeover_unit = timedelta(minutes=1)
        #: The confirmation dialog waiting for an answer, if any (tests answer it).
        self.last_dialog: Any = None
        self._clock = clock
        self.ready = asyncio.Event()
        self.rows: dict[str, feed.DeviceRow] = {}
        self.fleet = feed.Fleet({})
        self._touched_devices: set[str] = set()
        self._reading: asyncio.Task[None] | None = None  # the one tree refresh running
        self._history_due = False
        self._taken_over: set[str] = set()
        self._asking: asyncio.Task[None] | None = None  # the re-confirmation dialog's task
        self._stopped = False
        self._tasks = Tasks("device control", self._on_task_failed)
        self._refresh = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._refresh.timeout.connect(self._on_refresh_timeout)
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self._on_tick_timeout)

    # ------------------------------------------------------------------ lifecycle

    def _connections(self) -> list[tuple[Any, Callable[..., Any]]]:
        w = self.window
        return [
            (self.bridge.status_changed, w.status.set_status),
            (self.bridge.status_changed, w.banner.set_status),
            (self.bridge.entities_changed, self._on_bridge_entities_changed),
            (self.bridge.intents_rejected, self._on_bridge_intents_rejected),
            (w.command_requested, self._on_window_command_requested),
            (w.retry_requested, self._on_window_retry_requested),
            (w.tree.selection_changed, self._on_tree_selection_changed),
            (w.shown, self._on_window_shown),
            (w.closed, self._on_window_closed),
        ]

    async def start(self) -> None:
        for signal, slot in self._connections():
            signal.connect(slot)
        status = self.session.engine.status
        self.window.status.set_status(status)
        self.window.banner.set_status(status)
        await self.schedules.start()
        # The first load counts as the running refresh: changes arriving meanwhile are read
        # after it, not into a tree it is about to replace.
        self._reading = self._tasks.spawn(self._load_all(), "device-load")
        if self._reading is not None:
            await self._reading
        await self._reload_history()
        self._tick.start()
        # The gate is the session's; this window only asks about what it holds.
        self.gate.on_held(self._on_gate_held)
        self.gate.on_held(self._on_gate_hold_started)
        self._on_gate_held()  # already holding one (held before this window opened): ask now

    def shows_data(self) -> bool:
        return self.window.tree.model.device_count() > 0

    async def stop(self) -> None:
        self._stopped = True
        self._refresh.stop()
        self._tick.stop()
        # Nothing is released: the session's gate keeps holding until someone decides.
        self.gate.remove_listener(self._on_gate_held)
        self.gate.remove_listener(self._on_gate_hold_started)
        await self.schedules.stop()
        for signal, slot in self._connections():
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)
        await self._tasks.close()

    def _on_task_failed(self, text: str) -> None:
        self.window.show_message(text, error=True)

    # ------------------------------------------------------------------ the tree

    def _tree_names(self) -> feed.TreeNames:
        """District and group names in the current language, for the worker."""
        ref = self.session.reference
        groups: dict[str, str] = {g.code: name_of(g) for g in ref.devices.led_groups.values()}
        groups.update({g.code: name_of(g) for g in ref.devices.lighting_groups.values()})
        return feed.TreeNames(
            districts={d.code: name_of(d) for d in ref.units.districts},
            groups=groups,
            ungrouped=self.tr("未分组"),
            label=self.window.tree.model.label,
        )

    async def _load_all(self) -> None:
        load = await asyncio.to_thread(
            feed.load_tree, self.store, self._clock(), cell_texts(), self._tree_names()
        )
        if self._stopped:
            return
        self._show_all(load)
        await self._read_touched()

    def _show_all(self, load: feed.TreeLoad) -> None:
        """Install the tree the worker prepared (cells and counts included): one reset."""
        self.rows = {r.id: r for r in load.rows}
        self.fleet = feed.fleet_of(load.rows)
        now = self._clock()
        self._taken_over = {r.id for r in load.rows if r.taken_over(now)}
        self.window.tree.show_prepared(load.tree)
        if load.rows:
            self.ready.set()  # the window shows the devices (a first sync may come later)

    def _show_rows(self, rows: Iterable[feed.DeviceRow]) -> None:
        now = self._clock()
        cells = {}
        for row in rows:
            self.rows[row.id] = row
            cells[row.id] = cells_of(row, now)
            if row.taken_over(now):
                self._taken_over.add(row.id)
            else:
                self._taken_over.discard(row.id)
        self.window.tree.update(cells)

    def _on_tick_timeout(self) -> None:
        # A takeover ends by itself at its ``until``: show the screen restored at that moment.
        now = self._clock()
        ended = [self.rows[i] for i in self._taken_over if not self.rows[i].taken_over(now)]
        if ended:
            self._show_rows(ended)
        if self._history_due:
            self._schedule_refresh()

    def _on_bridge_entities_changed(self, touched: Mapping[str, list[str]]) -> None:
        self.schedules.on_entities_changed(touched)
        devices = touched.get(Entity.DEVICE.value)
        commands = touched.get(Entity.DEVICE_COMMAND.value)
        if devices:
            self._touched_devices.update(devices)
        if commands:
            self._history_due = True
        if devices or commands:
            self._schedule_refresh()

    def _schedule_refresh(self) -> None:
        if not self._refresh.isActive():
            self._refresh.start()

    def _on_refresh_timeout(self) -> None:
        # One refresh at a time, so changes are applied in the order they were read; the
        # running one picks up what was touched meanwhile.
        if self._reading is None or self._reading.done():
            self._reading = self._tasks.spawn(self._read_touched(), "device-refresh")

    async def _read_touched(self) -> None:
        while (self._touched_devices or self._history_due) and not self._stopped:
            ids, self._touched_devices = self._touched_devices, set()
            if ids:
                await self._apply_touched(ids)
            if self._history_due and not self._stopped:
                await self._reload_history()

    async def _apply_touched(self, ids: set[str]) -> None:
        """Read the touched devices and compute their cells in a worker; then apply them,
        ``APPLY_CHUNK`` at a time with the event loop turning in between. Devices the tree
        does not hold yet (a first sync after the window opened) go into their groups."""
        tree = self.window.tree
        known = self.rows.__contains__  # only this task adds rows, and not while it reads
        load = await asyncio.to_thread(
            feed.load_touched,
            self.store,
            ids,
            self._clock(),
            cell_texts(),
            self._tree_names(),
            known,
        )
        if self._stopped:
            return
        now = self._clock()
        for row in load.rows:
            self.rows[row.id] = row
            if row.taken_over(now):
                self._taken_over.add(row.id)
            else:
                self._taken_over.discard(row.id)
        if load.new:
            self.fleet = feed.fleet_of(self.rows.values())
            for start in range(0, len(load.new), APPLY_CHUNK):
                tree.add_devices(load.new[start : start + APPLY_CHUNK], load.cells)
                await asyncio.sleep(0)
                if self._stopped:
                    return
            self.ready.set()
        items = list(load.cells.items())
        for start in range(0, len(items), APPLY_CHUNK):
            tree.update(dict(items[start : start + APPLY_CHUNK]))
            if start + APPLY_CHUNK < len(items):
                await asyncio.sleep(0)
                if self._stopped:
                    return
        self._on_tree_selection_changed(tree.selected_ids())

    def _on_tree_selection_changed(self, ids: list[str]) -> None:
        rows = [self.rows[i] for i in ids if i in self.rows]
        screens = sum(1 for r in rows if r.kind is DeviceKind.LED_SCREEN)
        offline = sum(1 for r in rows if not r.online)
        self.window.set_selection_summary(screens, len(rows) - screens, offline)

    # ------------------------------------------------------------------ progress and audit

    async def _reload_history(self) -> None:
        self._history_due = False
        outbox = await asyncio.to_thread(feed.load_outbox_commands, self.store, limit=HISTORY)
        groups = await asyncio.to_thread(feed.load_group_commands, self.store, limit=HISTORY)
        mine = [o.group_command_id for o in outbox if o.status == "applied"]
        known = {g.id for g in groups}
        missing = [g for g in mine if g not in known]
        if missing:
            groups += await asyncio.to_thread(feed.load_group_commands, self.store, missing)
        if self._stopped:
            return
        rows, audit = self._history_rows(outbox, groups)
        self.window.set_progress(rows)
        self.window.set_audit(audit)

    def _reason(self, text: str | None, code: str | None) -> str:
        return text or code or "?"

    def _reconfirm_minutes(self) -> str:
        # The gate's age in whole minutes (3 in the product); at least 1, as the text says
        # "more than %1 minutes" (tests shorten the age to seconds).
        return str(max(1, int(self.gate.reconfirm_after.total_seconds() // 60)))

    def _history_rows(
        self, outbox: Sequence[feed.OutboxCommand], groups: Sequence[feed.GroupCommand]
    ) -> tuple[list[dict[str, Any]], list[str]]:
        by_id = {g.id: g for g in groups}
        items: list[tuple[str, dict[str, Any]]] = []
        me = self.session.me.user_id
        held = self.gate.held_ids()
        for o in outbox:
            if o.group_command_id in by_id:
                continue  # the server's rows say more
            count = len(o.args.get("device_ids") or ())
            row: dict[str, Any] = {
                "id": o.group_command_id,
                "at": intent_time(o.mutation_id).isoformat(),
                "who": me,
                "what": describe_payload(o.args.get("payload") or {}),
                "total": count,
                "acked": 0,
                "failed": 0,
                "pending": count if o.status != "rejected" else 0,
                "expired": 0,
                "bad": o.status == "rejected",
            }
            if o.status == "pending" and o.mutation_id in held:
                row["state"] = self.tr("等待重新确认（离线排队超过 %1 分钟）").replace(
                    "%1", self._reconfirm_minutes()
                )
            elif o.status == "pending":
                row["state"] = self.tr("离线排队，待上送服务器")
            elif o.status == "rejected":
                if o.group_command_id in self.gate.voided_groups:
                    row["state"] = self.tr("已作废（重新确认时取消），未执行")
                else:
                    row["state"] = self.tr("服务器拒绝，未执行：%1").replace(
                        "%1", self._reason(o.reason, o.code)
                    )
            else:
                row["state"] = self.tr("服务器已受理")
            items.append((row["at"], row))
        for g in groups:
            p = g.progress
            # Every device is counted somewhere: acked, failed (with reasons), pending,
            # expired (with reasons) or superseded by a newer command (in the state text).
            parts = [f"{r or self.tr('未说明原因')}×{n}" for r, n in sorted(g.reasons.items())]
            parts += [
                self.tr("过期：%1×%2").replace("%1", r or self.tr("未送达")).replace("%2", str(n))
                for r, n in sorted(g.expired_reasons.items())
            ]
            if p.superseded:
                parts.append(self.tr("被新指令取代 ×%1").replace("%1", str(p.superseded)))
            if p.done:
                state = self.tr("完成")
                if p.failed or p.expired:
                    state = self.tr("完成（有失败：%1）").replace("%1", "；".join(parts) or "—")
                elif parts:
                    state = self.tr("完成（%1）").replace("%1", "；".join(parts))
            else:
                state = self.tr("进行中 %1/%2").replace("%1", str(p.total - p.pending))
                state = state.replace("%2", str(p.total))
                if parts:
                    state += "（" + "；".join(parts) + "）"
            items.append(
                (
                    g.issued_at,
                    {
                        "id": g.id,
                        "at": g.issued_at,
                        "who": g.issued_by,
                        "what": describe_payload(g.payload),
                        "total": p.total,
                        "acked": p.acked,
                        "failed": p.failed,
                        "pending": p.pending,
                        "expired": p.expired,
                        "state": state,
                        "bad": bool(p.failed or p.expired),
                    },
                )
            )
        items.sort(key=lambda item: item[0], reverse=True)
        rows = [row for _, row in items[:HISTORY]]
        audit = [
            self.tr("%1  %2  %3（%4 台）— %5")
            .replace("%1", local_clock(r["at"], seconds=True))
            .replace("%2", str(r["who"]))
            .replace("%3", str(r["what"]))
            .replace("%4", str(r["total"]))
            .replace("%5", str(r["state"]))
            for r in rows
        ]
        return rows, audit

    def _on_bridge_intents_rejected(self, rejected: list[Settled]) -> None:
        ours = [s for s in rejected if s.name == "device.command"]
        if not ours or self._stopped:
            return
        lines = [
            self.tr("设备指令未执行：%1").replace("%1", self._reason(s.reason, s.code))
            for s in ours
        ]
        self.window.show_message("\n".join(lines), error=True)
        self._history_due = True
        self._schedule_refresh()

    # ------------------------------------------------------------------ commands

    def _targets(
        self, action: str, scope: str, *, visible_only: bool = True
    ) -> list[feed.DeviceRow]:
        screens = action in ("show", "takeover", "restore", "brightness", "screen_power")
        if scope == "all":
            pool: Iterable[feed.DeviceRow] = self.rows.values()
        else:
            ids = self.window.tree.selected_ids(visible_only=visible_only)
            pool = (self.rows[i] for i in ids if i in self.rows)
        if screens:
            return [r for r in pool if r.kind is DeviceKind.LED_SCREEN]
        return [r for r in pool if r.kind in LIGHTING_KINDS]

    def _payload(self, action: str, params: Mapping[str, Any], now: datetime) -> dc.Payload:
        content_id = f"msg-{uuid6.uuid7().hex[-12:]}"
        if action == "show":
            return dc.ShowContent(content_id, str(params["text"]))
        if action == "takeover":
            until = now + int(params["minutes"]) * self.takeover_unit
            return dc.TakeOver(content_id, str(params["text"]), until.replace(microsecond=0))
        if action == "restore":
            return dc.Restore()
        if action in ("brightness", "lights_level"):
            return dc.SetLevel(int(params["percent"]))
        return dc.SetPower(bool(params["on"]))

    def _on_window_command_requested(self, action: str, scope: str, params: dict[str, Any]) -> None:
        if self._stopped:
            return
        targets = self._targets(action, scope)
        if not targets:
            self.window.show_message(self.tr("没有可作用的设备：请先在树中选择设备"), error=True)
            return
        note = ""
        if scope != "all":
            # Only what the search / filters show is targeted; say what the selection hides.
            hidden = len(self._targets(action, scope, visible_only=False)) - len(targets)
            if hidden:
                note = self.tr("另有 %1 台被筛选隐藏，不在此次范围").replace("%1", str(hidden))
        payload = self._payload(action, params, self._clock())
        self._tasks.spawn(self.issue(targets, payload, note=note), f"device-{action}")

    def _on_window_retry_requested(self, group_command_id: str) -> None:
        self._tasks.spawn(self._retry(group_command_id), "device-retry")

    async def _retry(self, group_command_id: str) -> None:
        groups = await asyncio.to_thread(feed.load_group_commands, self.store, [group_command_id])
        failed = await asyncio.to_thread(feed.failed_devices, self.store, group_command_id)
        if not failed or not groups:
            self.window.show_message(self.tr("该指令没有失败的设备"))
            return
        group = groups[0]
        wire = dict(group.payload)
        now = self._clock()
        if wire.get("type") == "take_over":
            # A takeover is alive until its end, which the user chose: retry until then.
            until = datetime.fromisoformat(str(wire["until"]))
            if until <= now:
                self.window.show_message(self.tr("接管已结束，不再重试"), error=True)
                return
        else:
            issued = datetime.fromisoformat(group.issued_at)
            if now - issued >= self.command_ttl:
                self.window.show_message(
                    self.tr("原指令下发于 %1，已超过 %2 分钟，不再重试：请确认现场情况后重新下发")
                    .replace("%1", local_clock(group.issued_at, seconds=True))
                    .replace("%2", str(int(self.command_ttl.total_seconds() // 60))),
                    error=True,
                )
                return
        payload = dc.payload_from_wire(wire)
        if isinstance(payload, Rejection):  # only the server writes these; shown, not retried
            self.window.show_message(payload.message, error=True)
            return
        ids = await asyncio.to_thread(feed.retry_targets, self.store, group_command_id)
        if not ids:
            self.window.show_message(
                self.tr("失败的设备此后都已收到更新的同类指令，无需重试"), error=True
            )
            return
        note = (
            self.tr("重试：原指令“%1”（%2 由 %3 下发）中失败的设备")
            .replace("%1", describe_payload(wire))
            .replace("%2", local_clock(group.issued_at, seconds=True))
            .replace("%3", group.issued_by)
        )
        skipped = len(failed) - len(ids)
        if skipped:
            note += "\n" + self.tr(
                "另有 %1 台失败的设备此后已收到更新的同类指令，不再重试"
            ).replace("%1", str(skipped))
        targets = [self.rows[d] for d in ids if d in self.rows]
        self.window.tree.select_ids(ids)
        await self.issue(targets, payload, note=note)

    def needs_typed(self, targets: Sequence[feed.DeviceRow], payload: dc.Payload) -> bool:
        per_kind: dict[DeviceKind, int] = {}
        for row in targets:
            per_kind[row.kind] = per_kind.get(row.kind, 0) + 1
        return any(
            dc.needs_typed_confirmation(payload, n, max(n, self.fleet.total(kind)))
            for kind, n in per_kind.items()
        )

    async def issue(
        self, targets: Sequence[feed.DeviceRow], payload: dc.Payload, *, note: str = ""
    ) -> str | None:
        """Confirm with the user (``note``: what the dialog says first, e.g. which command a
        retry repeats), then queue one group command; returns its id (None: not sent)."""
        typed = self.needs_typed(targets, payload)
        offline = sum(1 for r in targets if not r.online)
        wire = dc.payload_to_wire(payload)
        dialog = CommandConfirmDialog(
            describe_payload(wire),
            len(targets),
            offline,
            typed=typed,
            operator_missing=typed and not self.session.me.has(Role.OPERATOR),
            note=note,
            parent=self.window,
        )
        self.last_dialog = dialog
        confirmed = await ask(dialog)
        self.last_dialog = None  # deleted once answered
        if not confirmed or self._stopped:
            self.window.show_message(self.tr("已取消，未下发"))
            return None
        now = self._clock()
        not_after = payload.until if isinstance(payload, dc.TakeOver) else now + self.command_ttl
        group_command_id = str(uuid6.uuid7())
        args = {
            "device_ids": [r.id for r in targets],
            "payload": wire,
            "not_after": not_after.isoformat(),
            "group_command_id": group_command_id,
            "confirmed_count": len(targets),
        }
        if typed:
            # Only now: the user typed the count (the dialog's OK does nothing otherwise). The
            # server refuses a city-wide command without it.
            args["typed_confirmation"] = True
        try:
            await self.bridge.submit("device.command", args)
        except StoreError as exc:
            self.window.show_message(str(exc), error=True)
            return None
        self.window.show_message(
            self.tr("已提交：%1（%2 台）")
            .replace("%1", describe_payload(wire))
            .replace("%2", str(len(targets)))
        )
        await self._reload_history()
        return group_command_id

    # ------------------------------------------------------------------ replay after an outage

    def _on_gate_held(self) -> None:
        """Ask about the held commands, one at a time, while this window is shown."""
        if self._stopped or not self.window.isVisible() or not self.gate.held():
            return
        if self._asking is None or self._asking.done():
            self._asking = self._tasks.spawn(self._reconfirm_held(), "device-reconfirm")

    def _on_gate_hold_started(self) -> None:
        # Its progress row says it waits for re-confirmation, shown or not; the hold ends
        # by a decision here (the history is read again then) or by expiring, when it goes
        # up and the server's refusal is read again.
        self._history_due = True
        self._schedule_refresh()

    def _on_window_shown(self) -> None:
        self._on_gate_held()

    def _on_window_closed(self) -> None:
        # The dialog goes with the window, unanswered: the command stays held; asked again
        # when the window is opened again.
        if self._asking is not None and not self._asking.done():
            self._asking.cancel()

    async def _reconfirm_held(self) -> None:
        while not self._stopped and self.window.isVisible():
            held = self.gate.held()
            if not held:
                return
            if not await self._reconfirm(held[0]):
                return

    async def _reconfirm(self, intent: dict[str, Any]) -> bool:
        """Ask about one held command; True once decided (sent or voided)."""
        mutation_id = str(intent["mutation_id"])
        seq = int(intent["seq"])
        args = dict(intent["args"])
        made = intent_time(mutation_id)
        attempts = await asyncio.to_thread(feed.outbox_attempts, self.store, seq)
        ids = [str(d) for d in args.get("device_ids") or ()]
        payload = dc.payload_from_wire(args.get("payload") or {})
        targets = [self.rows[d] for d in ids if d in self.rows]
        typed = bool(args.get("typed_confirmation")) or (
            not isinstance(payload, Rejection) and self.needs_typed(targets, payload)
        )
        age = int((self._clock() - made).total_seconds() // 60)
        dialog = ReconfirmDialog(
            describe_payload(args.get("payload") or {}),
            age,
            len(ids),
            typed=typed,
            attempted=attempts > 0,
            parent=self.window,
        )
        self.last_dialog = dialog
        try:
            send = await ask(dialog)
        finally:
            self.last_dialog = None
        if self._stopped or not self.window.isVisible():
            return False  # the window went away with the dialog: nothing decided, still held
        if not self.gate.is_held(mutation_id):
            return True  # expired meanwhile: it went up unasked, the server refuses it
        if send:
            self.gate.confirm(mutation_id)
        else:
            # Void it: an expiry at its creation makes the server refuse it as expired. The
            # amendment is durable before the gate hears of it (the gate passes only a copy
            # that carries it).
            args["not_after"] = made.isoformat()
            await asyncio.to_thread(self.store.amend, seq, args)
            self.gate.void(mutation_id, made, str(args.get("group_command_id") or mutation_id))
        self.session.engine.poke()
        await self._reload_history()
        return True
