"""Holds device commands that waited in the outbox for minutes until a person decides again.

Offers ``ReconfirmGate(reconfirm_after=, clock=)``: the session installs one on its sync engine
(``SyncEngine.set_push_gate``) for the session's whole life, so an old command is held whether
or not the device-control window is open, also right after a restart with an old outbox; the
device-control presenter asks the user about what it holds:

- ``allowed(pending)`` / ``waiting()``: the engine's ``PushGate`` (how many of the oldest
  intents may go up; how many device commands wait for a decision);
- ``held()``: copies of the intents waiting for a decision, in seq order, ``held_ids()``
  their mutation ids (the progress list marks their rows), and ``on_held(listener)`` /
  ``remove_listener(listener)``: told when an intent starts to wait (the device window,
  when open, asks at once, and its progress row says it waits);
- ``confirm(mutation_id)`` (send it as it is) and ``void(mutation_id, not_after)`` (the
  presenter has rewritten its expiry in the outbox to ``not_after``, its creation time, so
  the server refuses it as expired and nothing is executed); ``voided_groups``.

The rule: a ``device.command`` older than ``reconfirm_after`` (its UUIDv7's time) and still
alive (``not_after`` in the future) is held until confirmed or voided. An expired one goes up
unasked: the server refuses it and the user sees why. The gate judges the copy it is given:
a voided command passes only once that copy carries the voided expiry, so an outbox read made
before the amendment landed cannot carry the original expiry past it.

No Qt, no I/O: the engine calls ``allowed`` on its loop (the Qt loop in the desktop).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

log = logging.getLogger(__name__)

#: A device command older than this when it is about to go up is confirmed again first.
RECONFIRM_AFTER = timedelta(minutes=3)

DEVICE_COMMAND = "device.command"


def intent_time(mutation_id: str) -> datetime:
    """When an intent was made: the millisecond timestamp at the head of its UUIDv7."""
    millis = uuid.UUID(mutation_id).int >> 80
    return datetime.fromtimestamp(millis / 1000, UTC)


def _not_after(intent: Mapping[str, Any]) -> datetime | None:
    args = intent.get("args") or {}
    try:
        at = datetime.fromisoformat(str(args.get("not_after")))
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


class ReconfirmGate:
    def __init__(
        self,
        *,
        reconfirm_after: timedelta = RECONFIRM_AFTER,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.reconfirm_after = reconfirm_after
        self._clock = clock
        self._confirmed: set[str] = set()
        self._voided: dict[str, datetime] = {}  # mutation id → the expiry it was voided to
        self._held: dict[str, dict[str, Any]] = {}  # mutation id → the copy last judged
        self._listeners: list[Callable[[], None]] = []
        #: Group command ids voided on re-confirmation (the progress panel says so).
        self.voided_groups: set[str] = set()

    # ------------------------------------------------------------------ the engine's side

    def allowed(self, pending: Sequence[Mapping[str, Any]]) -> int:
        """How many of ``pending`` (the oldest outbox intents, in seq order) may go up now:
        everything before the first device command that waits for a decision."""
        now = self._clock()
        first: int | None = None
        held: dict[str, dict[str, Any]] = {}
        for n, intent in enumerate(pending):
            if intent.get("name") != DEVICE_COMMAND:
                continue
            mutation_id = str(intent.get("mutation_id"))
            if mutation_id in self._confirmed:
                continue
            not_after = _not_after(intent)
            voided_to = self._voided.get(mutation_id)
            if voided_to is not None:
                if not_after is not None and not_after <= voided_to:
                    continue  # the voided copy: the server refuses it as expired
                # A copy read before the void reached the outbox: wait for a fresh read.
                first = n if first is None else first
                continue
            if not_after is None or not_after <= now:
                continue  # malformed or expired: the server refuses it with its reason
            try:
                made = intent_time(mutation_id)
            except ValueError:
                continue  # not a UUID: the server refuses it
            if now - made < self.reconfirm_after:
                continue
            held[mutation_id] = dict(intent)
            first = n if first is None else first
        new = held.keys() - self._held.keys()
        self._held = held
        if new:
            self._notify()
        return len(pending) if first is None else first

    def waiting(self) -> int:
        return len(self._held)

    # ------------------------------------------------------------------ the user's side

    def held(self) -> list[dict[str, Any]]:
        return sorted(self._held.values(), key=lambda i: int(i.get("seq") or 0))

    def held_ids(self) -> frozenset[str]:
        """The mutation ids waiting for a decision now."""
        return frozenset(self._held)

    def is_held(self, mutation_id: str) -> bool:
        return mutation_id in self._held

    def on_held(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def confirm(self, mutation_id: str) -> None:
        """Send it as it is (the user confirmed it again)."""
        self._confirmed.add(mutation_id)
        self._held.pop(mutation_id, None)

    def void(self, mutation_id: str, not_after: datetime, group_command_id: str = "") -> None:
        """It was voided: its outbox row now expires at ``not_after`` (call after the amendment
        is durable); only a copy with that expiry may go up."""
        self._voided[mutation_id] = not_after
        self._held.pop(mutation_id, None)
        self.voided_groups.add(group_command_id or mutation_id)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:  # a window's failure must not stop the push
                log.exception("re-confirmation listener failed")
