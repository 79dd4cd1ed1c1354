"""The wire: JSON shapes the server and the clients exchange (pydantic v2), shared by both.

Offers to the server (request validation, responses, OpenAPI) and to the client's sync engine
(decoding pulls and the live stream, encoding pushed intents):
- entity documents: ``CaseDoc``, ``CaseEventDoc``, ``AlarmDoc``, ``DeviceCommandDoc``,
  ``DeviceDoc``, ``InspectionDoc`` — built from the domain objects with ``from_domain``;
  ``LightingScheduleDoc`` (``group_schedules.schedule_document``);
- the sync protocol of DESIGN §3: ``ChangeDoc`` / ``ChangesPage`` (pull and SSE), ``Mutation`` /
  ``PushRequest`` / ``MutationResult`` / ``PushResponse`` (push), ``Problem`` (RFC 9457 errors);
- ``ReadingIn`` / ``ReadingsBatch`` for IoT ingest;
- ``parse_mutation``: a pushed intent → the typed domain command it names, or a ``Rejection``
  that names the bad field. The same table drives the client, so what a client may send and what
  the server accepts cannot drift apart.

Pydantic sits at the edges only: the hot paths (alarm rules, SLA clocks) work on the frozen
dataclasses of the domain, which are several times cheaper to build.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from cityops.domain import alarms as al
from cityops.domain import cases as cs
from cityops.domain import device_commands as dc
from cityops.domain import inspections as ins
from cityops.domain.devices import DeviceKind
from cityops.domain.outcomes import Rejection

#: No NUL: PostgreSQL cannot store it in text, so a NUL must be a 4xx/rejection, not a 500.
NO_NUL = r"^[^\x00]*$"
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=NO_NUL)]
# The limits are the domain's (``cases``), so the wire and the rules cannot drift apart.
Text = Annotated[str, Field(max_length=cs.MAX_TEXT_LENGTH)]
Lon = Annotated[float, Field(ge=cs.MIN_LON, le=cs.MAX_LON)]
Lat = Annotated[float, Field(ge=cs.MIN_LAT, le=cs.MAX_LAT)]


class _Doc(BaseModel):
    """Every wire document: unknown fields are an error (a typo must not be silently dropped),
    and a document once built is not changed."""

    model_config = ConfigDict(extra="forbid", frozen=True, from_attributes=True)


def json_safe(value: Any) -> Any:
    """``value`` made storable and renderable as strict JSON: non-finite floats become None and
    strings that are not valid Unicode (lone surrogates from a ``\\ud800`` escape) get U+FFFD.
    For documents that echo client input back (rejection details, problem extensions)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if isinstance(value, Mapping):
        return {json_safe(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


# ------------------------------------------------------------------ entity documents


class PauseDoc(_Doc):
    start: AwareDatetime
    end: AwareDatetime | None = None
    reason: str = ""


class CaseDoc(_Doc):
    id: Code
    state: cs.CaseState
    source: cs.CaseSource
    description: Text
    reported_at: AwareDatetime
    reported_by: str
    district_code: Code
    street_code: Code | None = None
    community_code: Code | None = None
    address: str = ""
    lon: Lon | None = None
    lat: Lat | None = None
    subcategory_code: Code | None = None
    assigned_unit: Code | None = None
    verified_at: AwareDatetime | None = None
    filed_at: AwareDatetime | None = None
    first_dispatched_at: AwareDatetime | None = None
    dispatched_at: AwareDatetime | None = None
    accepted_at: AwareDatetime | None = None
    responded_at: AwareDatetime | None = None
    arrived_at: AwareDatetime | None = None
    handled_at: AwareDatetime | None = None
    checked_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    ended_by: str | None = None
    pauses: tuple[PauseDoc, ...] = ()
    resume_state: cs.CaseState | None = None
    escalation_level: int = 0
    rework_count: int = 0
    reworked_at: AwareDatetime | None = None
    return_count: int = 0
    duplicate_of: str | None = None
    end_reason: str = ""
    reward_status: str = "none"
    reward_amount: int = Field(default=0, ge=0)
    satisfaction: int | None = Field(default=None, ge=cs.MIN_SATISFACTION, le=cs.MAX_SATISFACTION)
    satisfaction_by: str | None = None
    satisfaction_at: AwareDatetime | None = None
    version: int = Field(ge=1)

    @classmethod
    def from_domain(cls, case: cs.Case) -> CaseDoc:
        return cls.model_validate(case)

    def to_domain(self) -> cs.Case:
        data = self.model_dump()
        data["pauses"] = tuple(cs.Pause(**p) for p in data["pauses"])
        return cs.Case(**data)


class CaseEventDoc(_Doc):
    case_id: Code
    kind: cs.EventKind
    at: AwareDatetime
    actor_id: str
    from_state: cs.CaseState | None
    to_state: cs.CaseState
    details: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_domain(cls, event: cs.CaseEvent) -> CaseEventDoc:
        return cls.model_validate(event)


# The stored and sent documents of cases and their events, written in one pass straight from the
# domain dataclasses: ``CaseDoc.from_domain(case).model_dump(mode="json")`` validated again
# what the domain had just built, on every case mutation. tests/unit/test_cases.py holds the
# two equal over random command sequences.
_CASE_JSON: TypeAdapter[cs.Case] = TypeAdapter(cs.Case)
_EVENT_JSON: TypeAdapter[cs.CaseEvent] = TypeAdapter(cs.CaseEvent)


def case_document(case: cs.Case) -> dict[str, Any]:
    """The case as ``CaseDoc`` JSON data (what the server stores and sends)."""
    doc: dict[str, Any] = _CASE_JSON.dump_python(case, mode="json")
    return doc


def case_event_document(event: cs.CaseEvent) -> dict[str, Any]:
    """The timeline event as ``CaseEventDoc`` JSON data."""
    doc: dict[str, Any] = _EVENT_JSON.dump_python(event, mode="json")
    return doc


def case_document_text(case: cs.Case) -> str:
    """``case_document`` already encoded as JSON text, in one pass (the server stores it so)."""
    return _CASE_JSON.dump_json(case).decode()


def case_event_document_text(event: cs.CaseEvent) -> str:
    """``case_event_document`` already encoded as JSON text."""
    return _EVENT_JSON.dump_json(event).decode()


class AlarmDoc(_Doc):
    id: Code
    device_id: Code
    kind: al.AlarmKind
    severity: al.Severity
    peak_severity: al.Severity
    state: al.AlarmState
    first_raised_at: AwareDatetime
    last_raised_at: AwareDatetime
    value: float
    threshold: float
    occurrences: int = Field(ge=1)
    cleared_at: AwareDatetime | None = None
    underlying_state: al.AlarmState | None = None
    acked_by: str | None = None
    acked_by_name: str = ""
    acked_at: AwareDatetime | None = None
    shelved_by: str | None = None
    shelved_until: AwareDatetime | None = None
    shelve_reason: str | None = None
    out_of_service_by: str | None = None
    out_of_service_reason: str | None = None
    case_id: str | None = None
    district_code: str | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    version: int = Field(ge=1)

    @classmethod
    def from_domain(cls, alarm: al.Alarm) -> AlarmDoc:
        return cls.model_validate(alarm)

    def to_domain(self) -> al.Alarm:
        return al.Alarm(**self.model_dump())


class DeviceCommandDoc(_Doc):
    id: Code
    device_id: Code
    device_kind: DeviceKind
    payload: dict[str, Any]  # dc.payload_to_wire form: {"type": "set_level", "percent": 40}
    issued_by: str
    issued_at: AwareDatetime
    not_after: AwareDatetime
    status: dc.CommandStatus
    status_at: AwareDatetime | None = None
    reason: str | None = None
    group_command_id: str | None = None
    version: int = Field(ge=1)
    # A gateway ack/failure that came after the command expired or was superseded (the device
    # may really have acted): the operator's progress view shows it beside the status.
    late_feedback: str | None = None
    late_feedback_at: AwareDatetime | None = None

    @classmethod
    def from_domain(cls, command: dc.DeviceCommand) -> DeviceCommandDoc:
        fields = {f.name: getattr(command, f.name) for f in dataclasses.fields(command)}
        fields["payload"] = dc.payload_to_wire(command.payload)
        return cls.model_validate({k: v for k, v in fields.items() if k in cls.model_fields})


class DeviceDoc(_Doc):
    """A device's last reported state, as the device tree and the wall show it."""

    id: Code
    kind: DeviceKind
    name_zh: str
    district_code: Code
    group: Code | None = None
    online: bool = False
    power: bool = False
    level: int = Field(default=0, ge=0, le=100)
    content_id: str | None = None
    content_text: str | None = None
    takeover_until: AwareDatetime | None = None
    faults: tuple[str, ...] = ()
    last_seen: AwareDatetime | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    version: int = Field(default=1, ge=1)


class InspectionDoc(_Doc):
    """A supervisor's recorded finding; ``deduction`` is before the item's per-period cap.
    Recorded once and never changed, so its change is always version 1."""

    id: Code
    district_code: Code
    street_code: Code | None = None
    item_code: Code
    category_code: Code
    count: int = Field(ge=1, le=ins.MAX_COUNT)
    deduction: float = Field(ge=0)
    note: Text = ""
    observed_at: AwareDatetime
    recorded_by: str
    recorded_at: AwareDatetime
    lon: Lon | None = None
    lat: Lat | None = None

    @classmethod
    def from_domain(cls, inspection: ins.Inspection) -> InspectionDoc:
        return cls.model_validate(inspection)

    def to_domain(self) -> ins.Inspection:
        return ins.Inspection(**self.model_dump())


class LightingScheduleDoc(_Doc):
    """A lighting group's stored schedule (``id`` = ``group``: a lighting group code, or
    ``"*"`` for the city default); ``schedule`` None: the group follows the city default."""

    id: Code
    group: Code
    schedule: dict[str, Any] | None
    version: int = Field(ge=1)
    set_by: str
    set_at: AwareDatetime


# ------------------------------------------------------------------ sync protocol


class Entity(StrEnum):
    CASE = "case"
    CASE_EVENT = "case_event"
    ALARM = "alarm"
    DEVICE = "device"
    DEVICE_COMMAND = "device_command"
    METRIC = "metric"
    RANKING = "ranking"
    INSPECTION = "inspection"
    LIGHTING_SCHEDULE = "lighting_schedule"


class ChangeDoc(_Doc):
    """One row of the server's changes log; ``seq`` is the SSE event id and the pull cursor."""

    seq: int = Field(ge=1)
    entity: Entity
    entity_id: Code
    version: int = Field(ge=1)
    op: Literal["upsert", "delete"]
    payload: dict[str, Any] | None = None
    origin_client: str | None = None
    origin_mutation: UUID | None = None


class ChangesPage(_Doc):
    changes: tuple[ChangeDoc, ...]
    last_seq: int = Field(ge=0)
    has_more: bool
    #: Which changes log the seqs belong to: a client that sees another id than the one its
    #: cursor came from (the server's database was restored from another copy) must resync.
    log_id: str = ""

    @field_validator("changes")
    @classmethod
    def _ascending(cls, changes: tuple[ChangeDoc, ...]) -> tuple[ChangeDoc, ...]:
        # A reader must never skip a seq; an out-of-order page is a server bug to surface.
        if any(b.seq <= a.seq for a, b in zip(changes, changes[1:], strict=False)):
            raise ValueError("changes must be in strictly ascending seq order")
        return changes


class Mutation(_Doc):
    """A client's named intent, kept in its outbox until the server has processed it."""

    client_id: Code
    seq: int = Field(ge=1)
    mutation_id: UUID
    name: Code
    args: dict[str, Any] = Field(default_factory=dict)
    base_version: int | None = Field(default=None, ge=1)
    client_now: AwareDatetime

    @field_validator("mutation_id")
    @classmethod
    def _uuid7(cls, value: UUID) -> UUID:
        # Version 7 ids sort by creation time, which keeps outbox and audit in order.
        if value.version != 7:
            raise ValueError("mutation_id must be a UUIDv7")
        return value


class PushRequest(_Doc):
    mutations: tuple[Mutation, ...] = Field(min_length=1, max_length=500)


class RejectionDoc(_Doc):
    code: str
    message: str
    message_en: str
    details: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_domain(cls, rejection: Rejection) -> RejectionDoc:
        # Details may echo what the client sent (NaN, lone surrogates): the stored result must
        # serialise on every replay, or the client's retries fail for ever.
        return cls(
            code=rejection.code,
            message=json_safe(rejection.message),
            message_en=json_safe(rejection.message_en),
            details=json_safe(dict(rejection.details)),
        )


class MutationResult(_Doc):
    """``applied`` or ``rejected``: both are *processed*; a rejected one is not retried, its
    reason goes to the user who made it."""

    mutation_id: UUID
    seq: int
    status: Literal["applied", "rejected"]
    rejection: RejectionDoc | None = None
    last_change_seq: int | None = None


class PushResponse(_Doc):
    results: tuple[MutationResult, ...]
    last_seq: int  # the client's highest processed mutation seq


class Problem(BaseModel):
    """RFC 9457 problem document: every 4xx/5xx body, never a traceback."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int = Field(ge=400, le=599)
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


class ReadingIn(_Doc):
    """One sensor value as the IoT platform forwards it. A platform may forward the device's
    location with the reading (``district_code``, ``lon`` and ``lat``, as platforms do with
    device metadata): the server copies it onto the alarm the reading opens, and otherwise a new
    alarm takes its device's district and position from the devices table, when the device is
    registered there. The location of an alarm is set when it opens; the readings that repeat
    or clear it do not move it. ``lon`` and ``lat`` come together or not at all."""

    device_id: Code
    metric: Code
    value: float = Field(allow_inf_nan=False)
    at: AwareDatetime
    district_code: Code | None = None
    lon: Lon | None = None
    lat: Lat | None = None

    @model_validator(mode="after")
    def _whole_position(self) -> Self:
        # Half a position is a client error (a swapped or dropped field), not "no position".
        if (self.lon is None) is not (self.lat is None):
            raise ValueError("lon and lat must be given together")
        return self


class ReadingsBatch(_Doc):
    readings: tuple[ReadingIn, ...] = Field(min_length=1, max_length=10_000)


# ------------------------------------------------------------------ intents → domain commands


class CaseReportArgs(_Doc):
    case_id: Code  # client-made (UUIDv7 text) so the optimistic row and the server's agree
    source: cs.CaseSource
    description: Text
    district_code: Code
    street_code: Code | None = None
    community_code: Code | None = None
    address: str = ""
    lon: Lon | None = None
    lat: Lat | None = None


class AlarmArgs(_Doc):
    alarm_id: Code


class AlarmAckArgs(AlarmArgs):
    """An acknowledgement names what the dispatcher saw: the alarm's ``peak_severity`` on the
    screen when they clicked. Required, because a client always knows it; an alarm that has
    escalated past it since is refused (``alarm_changed_since_seen``), so an ack replayed from
    an offline outbox cannot silence an escalation nobody saw."""

    seen_peak: al.Severity


class AlarmShelveArgs(AlarmArgs):
    until: AwareDatetime
    reason: Text


class AlarmConvertArgs(AlarmArgs):
    case_id: Code


class DeviceCommandArgs(_Doc):
    """One absolute command to one or many devices (a group command fans out per device)."""

    device_ids: tuple[Code, ...] = Field(min_length=1, max_length=20_000)
    payload: dict[str, Any]
    not_after: AwareDatetime
    group_command_id: Code | None = None
    # How many devices the confirmation dialog showed the operator; must equal the devices sent.
    confirmed_count: int | None = None
    # True only when the operator *typed* the confirmation (the typed dialog), not clicked: a
    # command the server finds city-wide (``device_commands.needs_typed_confirmation`` against
    # its own fleet) is refused without it. Strict: only a JSON ``true`` counts, not "yes" or 1.
    typed_confirmation: StrictBool = False


class InspectionRecordArgs(_Doc):
    """A supervisor's finding; ``inspection_id`` is client-made (UUIDv7 text), so a retried
    push and the optimistic row agree. ``count`` ≤ ``inspections.MAX_COUNT``."""

    inspection_id: Code
    district_code: Code
    street_code: Code | None = None
    item_code: Code
    count: int = Field(default=1, ge=1, le=ins.MAX_COUNT)
    note: Text = ""
    observed_at: AwareDatetime
    lon: Lon | None = None
    lat: Lat | None = None


class ScheduleSetArgs(_Doc):
    """An operator sets a lighting group's schedule (``group_schedules.set_schedule``);
    ``schedule`` None: the group follows the city default again. The version the operator
    edited travels as the mutation's ``base_version``."""

    group: Code
    schedule: dict[str, Any] | None


class CaseCommandArgs(BaseModel):
    """``{"case_id": …, <fields of the command>}``; the command fields are validated against
    the domain dataclass itself, so a new field there is a new field on the wire."""

    model_config = ConfigDict(extra="allow", frozen=True)

    case_id: Code


ParsedArgs = (
    CaseReportArgs
    | AlarmArgs
    | AlarmAckArgs
    | AlarmShelveArgs
    | AlarmConvertArgs
    | DeviceCommandArgs
    | InspectionRecordArgs
    | ScheduleSetArgs
    | tuple[str, cs.CaseCommand]
)

_PLAIN_ARGS: Mapping[str, type[_Doc]] = {
    "case.report": CaseReportArgs,
    "alarm.ack": AlarmAckArgs,
    "alarm.shelve": AlarmShelveArgs,
    "alarm.unshelve": AlarmArgs,
    "alarm.convert_to_case": AlarmConvertArgs,
    "device.command": DeviceCommandArgs,
    "inspection.record": InspectionRecordArgs,
    "schedule.set": ScheduleSetArgs,
}
_COMMAND_ADAPTERS: Mapping[str, TypeAdapter[Any]] = {
    name: TypeAdapter(cls) for name, cls in cs.COMMANDS_BY_NAME.items()
}
MUTATION_NAMES: frozenset[str] = frozenset(_PLAIN_ARGS) | frozenset(_COMMAND_ADAPTERS)


def _invalid(name: str, exc: ValidationError) -> Rejection:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "args"
    return Rejection(
        code="invalid_args",
        message=f"“{name}”的参数 {where} 无效：{first['msg']}",
        message_en=f"{name}: {where}: {first['msg']}",
        details={"errors": exc.errors(include_url=False, include_context=False)},
    )


def parse_mutation(mutation: Mutation) -> ParsedArgs | Rejection:
    """The typed arguments of a pushed intent: a case command becomes ``(case_id, command)``;
    other intents their args model. Unknown names and bad fields are Rejections (processed,
    shown to the user), never exceptions."""
    name = mutation.name
    try:
        if name in _PLAIN_ARGS:
            parsed: ParsedArgs = _PLAIN_ARGS[name].model_validate(mutation.args)  # type: ignore[assignment]
            return parsed
        if name in _COMMAND_ADAPTERS:
            head = CaseCommandArgs.model_validate(mutation.args)
            fields = {k: v for k, v in mutation.args.items() if k != "case_id"}
            known = _field_names(name)
            unknown = sorted(set(fields) - known)
            if unknown:  # a misspelt field must not be dropped silently ("reasn" → no reason)
                return Rejection(
                    code="invalid_args",
                    message=f"“{name}”不接受参数 {', '.join(unknown)}",
                    message_en=f"{name}: unexpected fields {unknown}",
                    details={"unexpected": unknown},
                )
            if "base_version" in known and "base_version" not in fields:
                fields["base_version"] = mutation.base_version or 0
            command: cs.CaseCommand = _COMMAND_ADAPTERS[name].validate_python(fields)
            return head.case_id, command
    except ValidationError as exc:
        return _invalid(name, exc)
    return Rejection(
        code="unknown_mutation",
        message=f"系统不认识的操作“{name}”，请升级客户端",
        message_en=f"unknown mutation {name!r}",
    )


@functools.cache
def _field_names(name: str) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cs.COMMANDS_BY_NAME[name]))
