"""The wire between server and clients: what goes out comes back the same, what is malformed is
refused with the field named, and an intent reaches the domain as the command it names."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
import uuid6
from pydantic import ValidationError

from cityops.domain import alarms as al
from cityops.domain import cases as cs
from cityops.domain import device_commands as dc
from cityops.domain import schemas as s
from cityops.domain.city import CITY_TZ
from cityops.domain.devices import DeviceKind
from cityops.domain.outcomes import Rejection

NOW = datetime(2026, 11, 28, 20, 15, tzinfo=CITY_TZ)


def mutation(name: str, args: dict[str, Any], base_version: int | None = None) -> s.Mutation:
    return s.Mutation(
        client_id="ws-07",
        seq=12,
        mutation_id=uuid6.uuid7(),
        name=name,
        args=args,
        base_version=base_version,
        client_now=NOW,
    )


def test_case_travels_and_comes_back_identical() -> None:
    case = cs.Case(
        id="C-1",
        state=cs.CaseState.SUSPENDED,
        source=cs.CaseSource.REWARD,
        description="窨井盖缺失",
        reported_at=NOW,
        reported_by="citizen-1",
        district_code="330102",
        street_code="330102001",
        lon=120.16,
        lat=30.25,
        subcategory_code="0101",
        pauses=(
            cs.Pause(NOW, NOW + timedelta(hours=1), "等待"),
            cs.Pause(NOW + timedelta(hours=2)),
        ),
        resume_state=cs.CaseState.IN_PROGRESS,
        version=7,
    )
    wire = s.CaseDoc.from_domain(case).model_dump_json()
    back = s.CaseDoc.model_validate_json(wire).to_domain()
    assert back == case


def test_alarm_travels_and_comes_back_identical() -> None:
    alarm, _ = al.raise_or_repeat(
        None,
        "WL-0042",
        al.AlarmKind.WATERLOGGING,
        al.Severity.MAJOR,
        31.5,
        27.0,
        NOW,
        "A-1",
        district_code="330105",
        lon=120.14,
        lat=30.32,
    )
    back = s.AlarmDoc.model_validate_json(s.AlarmDoc.from_domain(alarm).model_dump_json())
    assert back.to_domain() == alarm


def test_device_command_carries_its_absolute_payload() -> None:
    payload = dc.TakeOver("flood-warning", "前方积水 绕行", NOW + timedelta(hours=2))
    command = dc.DeviceCommand(
        id="G1:LED-0001",
        device_id="LED-0001",
        device_kind=DeviceKind.LED_SCREEN,
        payload=payload,
        issued_by="op-1",
        issued_at=NOW,
        not_after=NOW + timedelta(minutes=5),
        group_command_id="G1",
    )
    doc = s.DeviceCommandDoc.model_validate_json(
        s.DeviceCommandDoc.from_domain(command).model_dump_json()
    )
    assert doc.payload["type"] == "take_over"
    assert dc.payload_from_wire(doc.payload) == payload
    assert doc.status is dc.CommandStatus.QUEUED


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"mutation_id": uuid.uuid4()}, "mutation_id"),  # not time-ordered
        ({"client_now": NOW.replace(tzinfo=None)}, "client_now"),  # naive: skew unknowable
        ({"seq": 0}, "seq"),
        ({"surprise": 1}, "surprise"),  # typos are errors, not silently dropped
    ],
)
def test_malformed_mutation_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    good = mutation("case.accept", {"case_id": "C-1"}).model_dump()
    with pytest.raises(ValidationError) as info:
        s.Mutation.model_validate({**good, **change})
    assert field in str(info.value)


def test_push_request_bounds() -> None:
    with pytest.raises(ValidationError):
        s.PushRequest(mutations=())
    many = tuple(mutation("case.accept", {"case_id": f"C-{i}"}) for i in range(501))
    with pytest.raises(ValidationError):
        s.PushRequest(mutations=many)


def test_changes_page_must_be_in_seq_order() -> None:
    change = {"entity": "case", "entity_id": "C-1", "version": 1, "op": "upsert"}
    s.ChangesPage(
        changes=(s.ChangeDoc(seq=5, **change), s.ChangeDoc(seq=6, **change)),
        last_seq=6,
        has_more=False,
    )
    with pytest.raises(ValidationError, match="ascending"):
        s.ChangesPage(
            changes=(s.ChangeDoc(seq=6, **change), s.ChangeDoc(seq=5, **change)),
            last_seq=6,
            has_more=False,
        )


def test_reading_refuses_nan_and_naive_time() -> None:
    s.ReadingIn(device_id="WL-1", metric="waterlogging_depth_cm", value=12.5, at=NOW)
    with pytest.raises(ValidationError):
        s.ReadingIn(device_id="WL-1", metric="waterlogging_depth_cm", value=float("nan"), at=NOW)
    with pytest.raises(ValidationError):
        s.ReadingIn(device_id="WL-1", metric="m", value=1, at=NOW.replace(tzinfo=None))


def test_reading_may_carry_a_whole_location_never_half_of_one() -> None:
    bare = s.ReadingIn(device_id="WL-1", metric="water_depth", value=12.5, at=NOW)
    assert (bare.district_code, bare.lon, bare.lat) == (None, None, None)
    placed = s.ReadingIn(
        device_id="WL-1", metric="water_depth", value=12.5, at=NOW, lon=120.17, lat=30.25
    )
    assert (placed.district_code, placed.lon, placed.lat) == (None, 120.17, 30.25)
    for half in ({"lon": 120.17}, {"lat": 30.25}, {"district_code": "330102", "lat": 30.25}):
        with pytest.raises(ValidationError, match="lon and lat must be given together"):
            s.ReadingIn(device_id="WL-1", metric="water_depth", value=1, at=NOW, **half)
    with pytest.raises(ValidationError):
        s.ReadingIn(device_id="WL-1", metric="m", value=1, at=NOW, lon=200.0, lat=30.0)


# ------------------------------------------------------------------ intents


MINIMAL_ARGS: dict[str, dict[str, Any]] = {
    "case.verify": {"note": "现场确认"},
    "case.file": {"subcategory_code": "0702"},
    "case.dispatch": {"unit_code": "DEP-330102-sanitation"},
    "case.accept": {},
    "case.depart": {},
    "case.arrive": {},
    "case.return": {"reason": "非本单位职责"},
    "case.handle": {"feedback": "已清理"},
    "case.check_pass": {},
    "case.check_fail": {"reason": "未清理干净"},
    "case.close": {},
    "case.suspend": {"reason": "等待审批"},
    "case.resume": {},
    "case.escalate": {"reason": "超时"},
    "case.invalidate": {"reason": "非城管问题"},
    "case.mark_duplicate": {"duplicate_of": "C-0"},
    "case.reward": {"approved": True, "amount": 20},
    "case.rate": {"score": 3, "note": "基本满意"},
    "case.add_note": {"text": "已回访"},
    "case.update": {"address": "湖滨路 1 号"},
}


def test_every_case_command_has_a_wire_name() -> None:
    assert set(MINIMAL_ARGS) == set(cs.COMMANDS_BY_NAME)
    assert set(cs.COMMANDS_BY_NAME) <= s.MUTATION_NAMES


@pytest.mark.parametrize("name", sorted(MINIMAL_ARGS))
def test_each_case_intent_becomes_its_domain_command(name: str) -> None:
    parsed = s.parse_mutation(mutation(name, {"case_id": "C-9", **MINIMAL_ARGS[name]}, 4))
    assert not isinstance(parsed, Rejection), parsed
    assert isinstance(parsed, tuple)
    case_id, command = parsed
    assert case_id == "C-9"
    assert type(command) is cs.COMMANDS_BY_NAME[name]
    for key, value in MINIMAL_ARGS[name].items():
        assert getattr(command, key) == value


def test_edit_takes_the_version_the_editor_saw() -> None:
    parsed = s.parse_mutation(mutation("case.update", {"case_id": "C-9", "address": "x"}, 4))
    assert isinstance(parsed, tuple)
    assert isinstance(parsed[1], cs.UpdateDetails)
    assert parsed[1].base_version == 4


@pytest.mark.parametrize(
    ("name", "args", "code", "mentions"),
    [
        ("case.return", {"case_id": "C-1", "reasn": "x"}, "invalid_args", "reasn"),
        ("case.update", {"case_id": "C-1", "lon": "east"}, "invalid_args", "lon"),
        ("case.accept", {}, "invalid_args", "case_id"),
        (
            "alarm.shelve",
            {"alarm_id": "A", "until": "2026-12-01T08:00", "reason": "x"},
            "",
            "until",
        ),
        (
            "device.command",
            {"device_ids": [], "payload": {}, "not_after": NOW.isoformat()},
            "",
            "device_ids",
        ),
        ("case.teleport", {"case_id": "C-1"}, "unknown_mutation", "case.teleport"),
        # An ack must say which severity the dispatcher saw (see alarms.acknowledge).
        ("alarm.ack", {"alarm_id": "A-1"}, "invalid_args", "seen_peak"),
        ("alarm.ack", {"alarm_id": "A-1", "seen_peak": "red"}, "invalid_args", "seen_peak"),
    ],
)
def test_bad_intents_are_rejections_a_user_can_read(
    name: str, args: dict[str, Any], code: str, mentions: str
) -> None:
    parsed = s.parse_mutation(mutation(name, args))
    assert isinstance(parsed, Rejection)
    assert parsed.code == (code or "invalid_args")
    assert mentions in parsed.message_en
    assert parsed.message  # Chinese text for the user


def test_alarm_ack_carries_the_severity_the_dispatcher_saw() -> None:
    ack = s.parse_mutation(mutation("alarm.ack", {"alarm_id": "A-1", "seen_peak": "major"}))
    assert isinstance(ack, s.AlarmAckArgs)
    assert isinstance(ack, s.AlarmArgs)  # handlers that only need the id keep working
    assert (ack.alarm_id, ack.seen_peak) == ("A-1", al.Severity.MAJOR)


def test_device_command_reports_late_gateway_feedback() -> None:
    command = dc.DeviceCommand(
        id="G1:lamp-1",
        device_id="lamp-1",
        device_kind=DeviceKind.LAMP,
        payload=dc.SetPower(on=False),
        issued_by="op-1",
        issued_at=NOW,
        not_after=NOW + timedelta(minutes=5),
    )
    sent = dc.mark_sent(command, NOW)
    assert isinstance(sent, dc.DeviceCommand)
    (expired,) = dc.expire_due([sent], NOW + timedelta(minutes=5))
    late = dc.mark_acked(expired, NOW + timedelta(minutes=6))
    assert isinstance(late, dc.DeviceCommand)
    doc = s.DeviceCommandDoc.model_validate_json(
        s.DeviceCommandDoc.from_domain(late).model_dump_json()
    )
    assert doc.status is dc.CommandStatus.EXPIRED
    assert doc.late_feedback == "acked"
    assert doc.late_feedback_at == NOW + timedelta(minutes=6)


def test_wire_limits_are_the_domains() -> None:
    args = {"case_id": "C-1", "source": "app", "district_code": "330102"}
    s.CaseReportArgs(**args, description="x" * cs.MAX_TEXT_LENGTH, lon=cs.MAX_LON, lat=cs.MIN_LAT)
    with pytest.raises(ValidationError, match="description"):
        s.CaseReportArgs(**args, description="x" * (cs.MAX_TEXT_LENGTH + 1))
    with pytest.raises(ValidationError, match="lon"):
        s.CaseReportArgs(**args, description="x", lon=cs.MAX_LON + 0.1)
    with pytest.raises(ValidationError, match="lat"):
        s.CaseReportArgs(**args, description="x", lat=cs.MIN_LAT - 0.1)


def test_alarm_and_device_intents_parse() -> None:
    shelve = s.parse_mutation(
        mutation(
            "alarm.shelve",
            {"alarm_id": "A-1", "until": (NOW + timedelta(hours=4)).isoformat(), "reason": "检修"},
        )
    )
    assert isinstance(shelve, s.AlarmShelveArgs)
    assert shelve.until == NOW + timedelta(hours=4)
    command = s.parse_mutation(
        mutation(
            "device.command",
            {
                "device_ids": ["LED-0001", "LED-0002"],
                "payload": {"type": "set_level", "percent": 40},
                "not_after": (NOW + timedelta(minutes=5)).isoformat(),
            },
        )
    )
    assert isinstance(command, s.DeviceCommandArgs)
    assert dc.payload_from_wire(command.payload) == dc.SetLevel(percent=40)


def test_every_document_has_a_json_schema_for_the_openapi_contract() -> None:
    for model in (
        s.CaseDoc,
        s.AlarmDoc,
        s.DeviceCommandDoc,
        s.DeviceDoc,
        s.ChangesPage,
        s.PushRequest,
        s.PushResponse,
        s.Problem,
        s.ReadingsBatch,
    ):
        schema = model.model_json_schema()
        assert schema["type"] == "object"
        assert schema["properties"]
