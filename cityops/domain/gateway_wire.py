"""The device-gateway protocol: JSON shapes a gateway and the server exchange (pydantic v2).

Offers to the server (``/api/v1/gateway/…`` request validation, responses, OpenAPI) and to the
simulator's fake gateway (building requests, reading answers):

- ``GET /api/v1/gateway/commands`` → ``CommandBatch`` of ``GatewayCommand``: the commands the
  gateway should deliver now, already marked *sent* by the server (so it gets each one once);
- ``POST /api/v1/gateway/acks`` with ``AckBatch`` of ``CommandAck`` → ``AckResponse``: one
  ``AckResult`` per ack, in order;
- ``POST /api/v1/gateway/status`` with ``StatusBatch`` of ``DeviceReport`` → ``StatusResponse``.

A command's ``payload`` is the domain's wire form (``device_commands.payload_to_wire``, e.g.
``{"type": "set_level", "percent": 40}``); ``device_commands.payload_from_wire`` reads it back.
A gateway must not deliver a command at or after its ``not_after`` (server time; the gateway
should keep its clock in step with ``CommandBatch.server_now``).

In a ``DeviceReport`` only the fields the gateway sends are applied: an omitted field keeps the
server's value, so a gateway that only knows "online" does not erase brightness or content.
Times must carry a timezone.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cityops.domain.device_commands import CommandStatus
from cityops.domain.devices import DeviceKind

NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=NO_NUL)]
CommandId = Annotated[str, Field(min_length=1, max_length=128, pattern=NO_NUL)]

#: At most this many entries in one acks or status POST.
MAX_BATCH = 10_000


class _Wire(BaseModel):
    """Unknown fields are an error (a misspelt field must not be dropped silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# ------------------------------------------------------------------ commands (server → gateway)


class GatewayCommand(_Wire):
    command_id: CommandId
    device_id: Code
    device_kind: DeviceKind
    payload: dict[str, Any]
    issued_at: AwareDatetime
    not_after: AwareDatetime  # server time; never deliver at or after it
    group_command_id: str | None = None


class CommandBatch(_Wire):
    commands: tuple[GatewayCommand, ...]
    server_now: AwareDatetime
    #: More commands are ready than ``limit`` allowed: poll again at once.
    has_more: bool = False


# ------------------------------------------------------------------ acks (gateway → server)


class CommandAck(_Wire):
    command_id: CommandId
    ok: bool  # True: the device applied it; False: it could not (say why in ``reason``)
    reason: Annotated[str, Field(max_length=500, pattern=NO_NUL)] | None = None
    at: AwareDatetime  # when the device applied (or refused) it


class AckBatch(_Wire):
    acks: tuple[CommandAck, ...] = Field(min_length=1, max_length=MAX_BATCH)


AckOutcome = Literal["acked", "failed", "unchanged", "late", "unknown", "rejected"]


class AckResult(_Wire):
    """What the server made of one ack.

    ``acked``/``failed``: recorded; ``unchanged``: a repeat of feedback already recorded;
    ``late``: the command had expired or been superseded, the feedback is kept beside its
    status (the device's next status report is trusted for its state); ``unknown``: no such
    command; ``rejected``: contradicts the command's lifecycle (e.g. an ack of a command the
    gateway was never given), ``reason`` says why."""

    command_id: CommandId
    outcome: AckOutcome
    status: CommandStatus | None = None
    reason: str | None = None


class AckResponse(_Wire):
    results: tuple[AckResult, ...]


# ------------------------------------------------------------------ status (gateway → server)


class DeviceReport(_Wire):
    device_id: Code
    at: AwareDatetime
    online: bool
    power: bool | None = None
    level: Annotated[int, Field(ge=0, le=100)] | None = None  # brightness or dim level, %
    content_id: Annotated[str, Field(max_length=128)] | None = None
    content_text: Annotated[str, Field(max_length=4000)] | None = None
    takeover_until: AwareDatetime | None = None
    faults: tuple[Annotated[str, Field(min_length=1, max_length=64)], ...] | None = None


class StatusBatch(_Wire):
    reports: tuple[DeviceReport, ...] = Field(min_length=1, max_length=MAX_BATCH)


StatusOutcome = Literal["updated", "seen", "stale", "unknown"]


class StatusResult(_Wire):
    """``updated``: the device's state changed (a new version went to clients); ``seen``: only
    its last-seen time moved; ``stale``: older than what the server already has, ignored;
    ``unknown``: no such device."""

    device_id: Code
    outcome: StatusOutcome
    version: int | None = None


class StatusResponse(_Wire):
    results: tuple[StatusResult, ...]


__all__ = [
    "MAX_BATCH",
    "AckBatch",
    "AckOutcome",
    "AckResponse",
    "AckResult",
    "CommandAck",
    "CommandBatch",
    "DeviceReport",
    "GatewayCommand",
    "StatusBatch",
    "StatusOutcome",
    "StatusResponse",
    "StatusResult",
]
