"""Device commands: absolute payloads, skew-corrected expiry, supersede, gateway feedback."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityops.domain.actors import Actor, Role
from cityops.domain.city import CITY_TZ
from cityops.domain.device_commands import (
    MAX_CLOCK_SKEW,
    MAX_NOT_AFTER,
    MAX_TAKEOVER,
    SENT_BLOCKS_FOR,
    Channel,
    CommandStatus,
    DeviceCommand,
    GroupCommandProgress,
    Payload,
    Restore,
    SetLevel,
    SetPower,
    ShowContent,
    TakeOver,
    accepts,
    expire_due,
    issue,
    issue_group,
    mark_acked,
    mark_failed,
    mark_sent,
    needs_typed_confirmation,
    next_to_send,
    payload_from_wire,
    payload_to_wire,
    server_not_after,
    supersede,
    transition,
)
from cityops.domain.devices import DeviceKind
from cityops.domain.outcomes import Rejection

NOW = datetime(2026, 7, 1, 20, 0, tzinfo=CITY_TZ)
OPERATOR = Actor("op1", frozenset({Role.OPERATOR}), display_name="王操作")
DISPATCHER = Actor("d1", frozenset({Role.DISPATCHER}))


def make(
    command_id: str,
    payload: Payload,
    *,
    device: str = "lamp-1",
    kind: DeviceKind = DeviceKind.LAMP,
    at: datetime = NOW,
    ttl: timedelta = timedelta(minutes=10),
    actor: Actor = OPERATOR,
) -> DeviceCommand:
    result = issue(
        command_id=command_id,
        device_id=device,
        device_kind=kind,
        payload=payload,
        actor=actor,
        server_now=at,
        not_after=at + ttl,
    )
    assert isinstance(result, DeviceCommand), result
    return result


def ok(result: DeviceCommand | Rejection) -> DeviceCommand:
    assert isinstance(result, DeviceCommand), result
    return result


def contains_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# ---------------------------------------------------------------- payloads


def test_there_is_no_toggle_command() -> None:
    result = payload_from_wire({"type": "toggle"})
    assert isinstance(result, Rejection)
    assert result.code == "unknown_command"
    assert "toggle" in result.message_en


@pytest.mark.parametrize(
    "payload",
    [
        SetPower(on=True),
        SetLevel(percent=40),
        ShowContent("c-1", "文明出行"),
        TakeOver("flood", "暴雨预警", NOW + timedelta(hours=2)),
        Restore(),
    ],
)
def test_payload_wire_round_trip(payload: Payload) -> None:
    assert payload_from_wire(payload_to_wire(payload)) == payload


@pytest.mark.parametrize("percent", [-1, 101, True])
def test_level_out_of_range_refused(percent: int) -> None:
    with pytest.raises(ValueError, match="0..100"):
        SetLevel(percent=percent)
    result = payload_from_wire({"type": "set_level", "percent": percent})
    assert isinstance(result, Rejection)
    assert result.code == "invalid_payload"


def test_channels() -> None:
    assert SetPower(on=True).channel is Channel.POWER
    assert SetLevel(percent=1).channel is Channel.LEVEL
    assert ShowContent("c").channel is Channel.CONTENT
    assert TakeOver("c", None, NOW).channel is Channel.TAKEOVER
    assert Restore().channel is Channel.TAKEOVER


@pytest.mark.parametrize("kind", [DeviceKind.LIGHT_CABINET, DeviceKind.LIGHT_CIRCUIT])
def test_lights_accept_power_and_level_only(kind: DeviceKind) -> None:
    assert accepts(kind, SetPower(on=True))
    assert accepts(kind, SetLevel(percent=30))
    assert not accepts(kind, ShowContent("c"))
    assert not accepts(kind, Restore())
    result = issue(
        command_id="x",
        device_id="cab-1",
        device_kind=kind,
        payload=TakeOver("c", None, NOW + timedelta(hours=1)),
        actor=OPERATOR,
        server_now=NOW,
        not_after=NOW + timedelta(minutes=5),
    )
    assert isinstance(result, Rejection)
    assert result.code == "command_not_supported"


def test_screens_accept_everything() -> None:
    for payload in (SetPower(on=False), SetLevel(percent=5), ShowContent("c"), Restore()):
        assert accepts(DeviceKind.LED_SCREEN, payload)


# ---------------------------------------------------------------- issuing


@pytest.mark.parametrize(
    "roles", [{Role.ADMIN}, {Role.COLLECTOR}, {Role.SUPERVISOR}, {Role.COMMANDER}, set()]
)
def test_only_operators_and_dispatchers_command_devices(roles: set[Role]) -> None:
    result = issue(
        command_id="x",
        device_id="lamp-1",
        device_kind=DeviceKind.LAMP,
        payload=SetPower(on=False),
        actor=Actor("u", frozenset(roles)),
        server_now=NOW,
        not_after=NOW + timedelta(minutes=5),
    )
    assert isinstance(result, Rejection)
    assert result.code == "forbidden"
    assert contains_cjk(result.message)
    assert "操作员" in result.message
    assert "调度员" in result.message


def test_a_dispatcher_switches_a_screen_during_an_incident() -> None:
    # DESIGN §1: the dispatcher on duty puts a flood warning on the screens near the underpass.
    take = make(
        "t",
        TakeOver("flood", "前方积水 请绕行", NOW + timedelta(hours=2)),
        device="LED-0001",
        kind=DeviceKind.LED_SCREEN,
        actor=DISPATCHER,
    )
    assert take.issued_by == "d1"


def test_issue_creates_queued_command() -> None:
    cmd = make("c1", SetLevel(percent=40))
    assert cmd.status is CommandStatus.QUEUED
    assert cmd.issued_by == "op1"
    assert cmd.issued_at == NOW
    assert cmd.version == 1


def test_issue_rejects_past_not_after() -> None:
    result = issue(
        command_id="x",
        device_id="lamp-1",
        device_kind=DeviceKind.LAMP,
        payload=SetPower(on=True),
        actor=OPERATOR,
        server_now=NOW,
        not_after=NOW,
    )
    assert isinstance(result, Rejection)
    assert result.code == "command_expired"


@pytest.mark.parametrize("skew", [timedelta(minutes=5), timedelta(minutes=-5)])
def test_skew_correction(skew: timedelta) -> None:
    # The client's clock reads server time + skew; it asks for 2 minutes of validity.
    client_now = NOW + skew
    corrected = server_not_after(client_now + timedelta(minutes=2), client_now, NOW)
    assert corrected == NOW + timedelta(minutes=2)


def test_fast_client_does_not_get_a_longer_life() -> None:
    # Without correction a 5-min-fast client's "2 minutes" would last 7 on the server.
    client_now = NOW + timedelta(minutes=5)
    cmd = ok(
        issue(
            command_id="c",
            device_id="lamp-1",
            device_kind=DeviceKind.LAMP,
            payload=SetPower(on=True),
            actor=OPERATOR,
            server_now=NOW,
            not_after=client_now + timedelta(minutes=2),
            client_now=client_now,
        )
    )
    assert cmd.not_after == NOW + timedelta(minutes=2)


def test_slow_client_command_that_already_expired_is_rejected() -> None:
    # Queued offline at client 19:50 with 5 min validity; pushed when the client reads 20:00
    # but its clock is 5 min slow (server 20:05): expired at 19:55 + 5 = 20:00 server time.
    client_now = NOW
    result = server_not_after(
        datetime(2026, 7, 1, 19, 55, tzinfo=CITY_TZ), client_now, NOW + timedelta(minutes=5)
    )
    assert isinstance(result, Rejection)
    assert result.code == "command_expired"
    assert "到达服务器之前已过期" in result.message
    assert "expired before it reached the server" in result.message_en


def test_a_client_clock_a_month_off_is_refused_not_corrected() -> None:
    # 30 days of "skew" would stretch a 1-minute expiry into a month.
    result = issue(
        command_id="x",
        device_id="lamp-1",
        device_kind=DeviceKind.LAMP,
        payload=SetPower(on=False),
        actor=OPERATOR,
        server_now=NOW,
        not_after=NOW + timedelta(minutes=1),
        client_now=NOW - timedelta(days=30),
    )
    assert isinstance(result, Rejection)
    assert result.code == "clock_skew"
    assert "客户端时钟偏差过大" in result.message


@pytest.mark.parametrize("skew", [MAX_CLOCK_SKEW, -MAX_CLOCK_SKEW])
def test_a_skew_up_to_a_day_is_still_corrected(skew: timedelta) -> None:
    client_now = NOW + skew
    assert server_not_after(client_now + timedelta(minutes=2), client_now, NOW) == (
        NOW + timedelta(minutes=2)
    )
    result = server_not_after(client_now + timedelta(minutes=2), client_now + skew / 1000, NOW)
    assert isinstance(result, Rejection)
    assert result.code == "clock_skew"


def test_a_routine_command_lives_at_most_an_hour() -> None:
    assert make("ok", SetPower(on=False), ttl=MAX_NOT_AFTER).not_after == NOW + MAX_NOT_AFTER
    result = issue(
        command_id="off",
        device_id="lamp-1",
        device_kind=DeviceKind.LAMP,
        payload=SetPower(on=False),
        actor=OPERATOR,
        server_now=NOW,
        not_after=NOW + timedelta(days=365),
    )
    assert isinstance(result, Rejection)
    assert result.code == "not_after_too_long"
    assert "60 分钟" in result.message


def test_a_takeover_is_bounded_by_its_until_not_by_the_routine_hour() -> None:
    until = NOW + timedelta(hours=6)
    take = make(
        "t",
        TakeOver("flood", None, until),
        device="scr-1",
        kind=DeviceKind.LED_SCREEN,
        ttl=timedelta(hours=6),
    )
    assert take.not_after == until


def test_skew_correction_across_time_zones() -> None:
    client_now = datetime(2026, 7, 1, 12, 3, tzinfo=UTC)  # 20:03 Beijing: 3 min fast
    corrected = server_not_after(client_now + timedelta(minutes=10), client_now, NOW)
    assert corrected == NOW + timedelta(minutes=10)


def test_takeover_must_have_expiry() -> None:
    result = payload_from_wire({"type": "take_over", "content_id": "flood", "text": "暴雨"})
    assert isinstance(result, Rejection)
    assert result.code == "takeover_expiry_required"
    assert contains_cjk(result.message)
    with pytest.raises(ValueError, match="end time"):
        TakeOver("flood", None, None)  # type: ignore[arg-type]


def _takeover(until: datetime) -> DeviceCommand | Rejection:
    return issue(
        command_id="t",
        device_id="scr-1",
        device_kind=DeviceKind.LED_SCREEN,
        payload=TakeOver("flood", "暴雨红色预警", until),
        actor=OPERATOR,
        server_now=NOW,
        not_after=NOW + timedelta(minutes=10),
    )


def test_takeover_too_long_rejected() -> None:
    result = _takeover(NOW + MAX_TAKEOVER + timedelta(minutes=1))
    assert isinstance(result, Rejection)
    assert result.code == "takeover_too_long"
    assert "24" in result.message


def test_takeover_ending_in_the_past_rejected() -> None:
    result = _takeover(NOW - timedelta(minutes=1))
    assert isinstance(result, Rejection)
    assert result.code == "takeover_until_past"


def test_takeover_within_limit_accepted_and_expiry_clamped() -> None:
    assert isinstance(_takeover(NOW + MAX_TAKEOVER), DeviceCommand)
    short = ok(_takeover(NOW + timedelta(minutes=3)))
    assert short.not_after == NOW + timedelta(minutes=3)


FLEET = {
    DeviceKind.LAMP: 10,
    DeviceKind.LIGHT_CABINET: 4,
    DeviceKind.LIGHT_CIRCUIT: 8,
    DeviceKind.LED_SCREEN: 4,
}


def test_issue_group_fans_out_all_or_nothing() -> None:
    targets = [("lamp-1", DeviceKind.LAMP), ("cab-1", DeviceKind.LIGHT_CABINET)]
    result = issue_group(
        group_command_id="g1",
        targets=targets,
        payload=SetLevel(percent=50),
        actor=OPERATOR,
        server_now=NOW,
        not_after=NOW + timedelta(minutes=5),
        fleet=FLEET,
    )
    assert isinstance(result, tuple)
    assert [c.id for c in result] == ["g1:lamp-1", "g1:cab-1"]
    assert {c.group_command_id for c in result} == {"g1"}
    mixed = issue_group(
        group_command_id="g2",
        targets=[*targets, ("scr-1", DeviceKind.LED_SCREEN)],
        payload=ShowContent("c"),
        actor=OPERATOR,
        server_now=NOW,
        not_after=NOW + timedelta(minutes=5),
        fleet=FLEET,
    )
    assert isinstance(mixed, Rejection)


def _group(
    payload: Payload,
    targets: list[tuple[str, DeviceKind]],
    actor: Actor,
    *,
    typed_confirmation: bool = False,
) -> tuple[DeviceCommand, ...] | Rejection:
    return issue_group(
        group_command_id="g",
        targets=targets,
        payload=payload,
        actor=actor,
        server_now=NOW,
        not_after=NOW + timedelta(minutes=5),
        fleet=FLEET,
        typed_confirmation=typed_confirmation,
    )


SCREENS = [(f"LED-{i}", DeviceKind.LED_SCREEN) for i in range(3)]  # 3 of the 4 screens
LAMPS = [(f"lamp-{i}", DeviceKind.LAMP) for i in range(5)]  # half the lamps


@pytest.mark.parametrize(
    ("payload", "targets"),
    [
        (TakeOver("flood", "暴雨红色预警", NOW + timedelta(hours=2)), SCREENS),
        (SetPower(on=False), LAMPS),
        (SetLevel(percent=0), LAMPS),
    ],
)
def test_city_wide_darkening_or_takeover_needs_an_operator(
    payload: Payload, targets: list[tuple[str, DeviceKind]]
) -> None:
    # A dispatcher is refused for the role, typed or not.
    for typed in (False, True):
        result = _group(payload, targets, DISPATCHER, typed_confirmation=typed)
        assert isinstance(result, Rejection)
        assert result.code == "operator_required"
        assert "操作员" in result.message
        assert result.details["required_role"] == "operator"
    # An operator who only clicked (no typed confirmation) is refused with the reason ...
    clicked = _group(payload, targets, OPERATOR)
    assert isinstance(clicked, Rejection)
    assert clicked.code == "typed_confirmation_required"
    assert "输入确认" in clicked.message
    assert "未执行" in clicked.message
    assert clicked.details["target_count"] == len(targets)
    # ... and one who typed it is obeyed.
    issued = _group(payload, targets, OPERATOR, typed_confirmation=True)
    assert isinstance(issued, tuple)
    assert len(issued) == len(targets)


def test_routine_commands_need_no_typed_confirmation() -> None:
    """Below half the kind's fleet, or a payload that does not darken (power on, level 30),
    is a click: the typed flag is neither needed nor harmful."""
    few_off = _group(SetPower(on=False), LAMPS[:4], OPERATOR)
    assert isinstance(few_off, tuple)
    all_dimmed = _group(SetLevel(percent=30), LAMPS, DISPATCHER)
    assert isinstance(all_dimmed, tuple)
    typed_anyway = _group(SetPower(on=True), LAMPS, OPERATOR, typed_confirmation=True)
    assert isinstance(typed_anyway, tuple)


def test_the_fleet_not_the_target_list_decides_what_is_city_wide() -> None:
    """Half the city's lamps, split over two kinds, is judged per kind against the server's
    fleet: 5 of 10 lamps off needs typing even alongside 1 of 8 circuits."""
    mixed = [*LAMPS, ("cir-1", DeviceKind.LIGHT_CIRCUIT)]
    result = _group(SetPower(on=False), mixed, OPERATOR)
    assert isinstance(result, Rejection)
    assert result.code == "typed_confirmation_required"
    assert result.details["device_kind"] == "lamp"
    assert result.details["total_devices"] == FLEET[DeviceKind.LAMP]


def test_a_dispatcher_may_switch_a_few_devices_and_light_everything() -> None:
    few = _group(TakeOver("flood", None, NOW + timedelta(hours=1)), SCREENS[:1], DISPATCHER)
    assert isinstance(few, tuple)
    lights_on = _group(SetPower(on=True), LAMPS, DISPATCHER)
    assert isinstance(lights_on, tuple)


def test_an_unknown_fleet_size_counts_as_city_wide() -> None:
    result = issue_group(
        group_command_id="g",
        targets=LAMPS[:1],
        payload=SetPower(on=False),
        actor=DISPATCHER,
        server_now=NOW,
        not_after=NOW + timedelta(minutes=5),
        fleet={},
    )
    assert isinstance(result, Rejection)
    assert result.code == "operator_required"


# ---------------------------------------------------------------- lifecycle


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (CommandStatus.ACKED, CommandStatus.SENT),
        (CommandStatus.ACKED, CommandStatus.FAILED),
        (CommandStatus.FAILED, CommandStatus.ACKED),
        (CommandStatus.EXPIRED, CommandStatus.SENT),
        (CommandStatus.SUPERSEDED, CommandStatus.QUEUED),
        (CommandStatus.QUEUED, CommandStatus.ACKED),
        (CommandStatus.SENT, CommandStatus.SUPERSEDED),
        (CommandStatus.SENT, CommandStatus.QUEUED),
    ],
)
def test_illegal_transitions_rejected(start: CommandStatus, to: CommandStatus) -> None:
    cmd = dataclasses.replace(make("c", SetPower(on=True)), status=start)
    result = transition(cmd, to, NOW)
    assert isinstance(result, Rejection)
    assert result.code == "illegal_command_transition"
    assert contains_cjk(result.message)


def test_happy_path_bumps_version() -> None:
    cmd = make("c", SetPower(on=True))
    sent = ok(mark_sent(cmd, NOW + timedelta(seconds=1)))
    acked = ok(mark_acked(sent, NOW + timedelta(seconds=2)))
    assert (sent.status, acked.status) == (CommandStatus.SENT, CommandStatus.ACKED)
    assert acked.version == 3
    assert acked.status_at == NOW + timedelta(seconds=2)
    assert mark_acked(acked, NOW + timedelta(seconds=3)) == acked  # gateway retry


def test_failure_keeps_reason() -> None:
    sent = ok(mark_sent(make("c", SetPower(on=True)), NOW))
    failed = ok(mark_failed(sent, "cabinet offline", NOW))
    assert failed.status is CommandStatus.FAILED
    assert failed.reason == "cabinet offline"
    assert isinstance(mark_acked(failed, NOW), Rejection)


def test_ack_of_queued_command_rejected() -> None:
    assert isinstance(mark_acked(make("c", SetPower(on=True)), NOW), Rejection)


def test_late_ack_recorded_without_resurrecting() -> None:
    sent = ok(mark_sent(make("c", SetPower(on=True)), NOW))
    (expired,) = expire_due([sent], NOW + timedelta(minutes=10))
    late = ok(mark_acked(expired, NOW + timedelta(minutes=11)))
    assert late.status is CommandStatus.EXPIRED
    assert late.late_feedback == "acked"
    assert late.late_feedback_at == NOW + timedelta(minutes=11)
    late_fail = ok(mark_failed(expired, "timeout", NOW + timedelta(minutes=11)))
    assert late_fail.status is CommandStatus.EXPIRED
    assert late_fail.late_feedback == "failed: timeout"


# ---------------------------------------------------------------- expiry and sending


def test_queued_past_not_after_is_never_sent_and_expires() -> None:
    cmd = make("c", SetPower(on=False), ttl=timedelta(minutes=5))
    later = NOW + timedelta(minutes=5)
    assert next_to_send([cmd], later - timedelta(seconds=1)) == [cmd]
    assert next_to_send([cmd], later) == []
    assert isinstance(mark_sent(cmd, later), Rejection)
    (expired,) = expire_due([cmd], later)
    assert expired.status is CommandStatus.EXPIRED
    assert next_to_send([expired], later) == []


def test_expire_due_leaves_live_and_terminal_commands() -> None:
    live = make("live", SetPower(on=True), ttl=timedelta(hours=1))
    acked = ok(mark_acked(ok(mark_sent(make("a", SetLevel(percent=1)), NOW)), NOW))
    assert expire_due([live, acked], NOW + timedelta(minutes=30)) == ()


def test_next_to_send_oldest_first_one_in_flight_per_channel() -> None:
    a = make("a", SetLevel(percent=10), device="lamp-2", at=NOW)
    b = make("b", SetPower(on=True), device="lamp-1", at=NOW + timedelta(seconds=1))
    c = make("c", SetLevel(percent=20), device="lamp-1", at=NOW + timedelta(seconds=2))
    later = NOW + timedelta(seconds=5)
    assert [x.id for x in next_to_send([c, b, a], later)] == ["a", "b", "c"]
    assert [x.id for x in next_to_send([c, b, a], later, limit=2)] == ["a", "b"]
    # A sent level command on lamp-1 holds back the next level command, not the power one.
    in_flight = ok(mark_sent(make("s", SetLevel(percent=5), device="lamp-1"), NOW))
    assert [x.id for x in next_to_send([in_flight, c, b], later)] == ["b"]
    # ... until it expires (the gateway drops it then too).
    assert [x.id for x in next_to_send([in_flight, c], NOW + timedelta(minutes=10))] == ["c"]


def test_a_lost_takeover_ack_does_not_hold_back_the_restore() -> None:
    # 09:00 a flood takeover until 15:00 goes to the gateway; its ack is lost. At 09:20 the
    # water is gone and the operator restores the screen: the restore goes out at once.
    until = NOW + timedelta(hours=6)
    take = make(
        "tk",
        TakeOver("flood", "积水", until),
        device="LED-1",
        kind=DeviceKind.LED_SCREEN,
        ttl=timedelta(hours=6),
    )
    take = ok(mark_sent(take, NOW + timedelta(seconds=5)))
    assert take.blocks_channel(NOW + timedelta(minutes=1))
    assert not take.blocks_channel(NOW + timedelta(seconds=5) + SENT_BLOCKS_FOR)
    restore = make(
        "rs",
        Restore(),
        device="LED-1",
        kind=DeviceKind.LED_SCREEN,
        at=NOW + timedelta(minutes=20),
        ttl=timedelta(minutes=5),
    )
    poll = NOW + timedelta(minutes=21)
    assert [c.id for c in next_to_send([take, restore], poll)] == ["rs"]


def test_a_sent_command_holds_its_channel_for_the_ack_timeout() -> None:
    sent = ok(mark_sent(make("s", SetLevel(percent=5)), NOW))
    queued = make("q", SetLevel(percent=80), at=NOW + timedelta(seconds=10))
    assert next_to_send([sent, queued], NOW + SENT_BLOCKS_FOR - timedelta(seconds=1)) == []
    assert next_to_send([sent, queued], NOW + SENT_BLOCKS_FOR) == [queued]


def test_next_to_send_one_queued_per_channel_oldest_first() -> None:
    older = make("o", SetLevel(percent=10), at=NOW)
    newer = make("n", SetLevel(percent=90), at=NOW + timedelta(seconds=1))
    assert next_to_send([newer, older], NOW + timedelta(seconds=2)) == [older]


# ---------------------------------------------------------------- supersede


def test_supersede_rules() -> None:
    queued_same = make("q", SetLevel(percent=10), at=NOW)
    sent_same = ok(mark_sent(make("s", SetLevel(percent=20), at=NOW), NOW))
    other_channel = make("p", SetPower(on=True), at=NOW)
    other_device = make("d", SetLevel(percent=30), device="lamp-9", at=NOW)
    new = make("new", SetLevel(percent=40), at=NOW + timedelta(seconds=5))
    queue = [queued_same, sent_same, other_channel, other_device, new]
    changed = supersede(queue, new, NOW + timedelta(seconds=5))
    assert [c.id for c in changed] == ["q"]
    assert changed[0].status is CommandStatus.SUPERSEDED
    assert changed[0].reason is not None
    assert "new" in changed[0].reason


def test_routine_content_push_does_not_cancel_a_queued_emergency_takeover() -> None:
    take = make(
        "t",
        TakeOver("flood", None, NOW + timedelta(hours=1)),
        device="scr-1",
        kind=DeviceKind.LED_SCREEN,
    )
    push = make(
        "p",
        ShowContent("ad-42"),
        device="scr-1",
        kind=DeviceKind.LED_SCREEN,
        at=NOW + timedelta(seconds=1),
    )
    assert supersede([take], push, push.issued_at) == ()


def test_restore_supersedes_a_queued_takeover_on_the_same_screen() -> None:
    take = make(
        "t",
        TakeOver("flood", None, NOW + timedelta(hours=1)),
        device="scr-1",
        kind=DeviceKind.LED_SCREEN,
    )
    restore = make(
        "r", Restore(), device="scr-1", kind=DeviceKind.LED_SCREEN, at=NOW + timedelta(seconds=1)
    )
    assert [c.id for c in supersede([take], restore, restore.issued_at)] == ["t"]


def test_older_command_does_not_supersede_newer() -> None:
    newer = make("n", SetLevel(percent=10), at=NOW + timedelta(seconds=5))
    older = make("o", SetLevel(percent=90), at=NOW)
    assert supersede([newer], older, NOW + timedelta(seconds=6)) == ()


# ---------------------------------------------------------------- groups and confirmation


def test_group_progress_counts() -> None:
    base = [make(f"c{i}", SetPower(on=False), device=f"lamp-{i}") for i in range(7)]
    sent = [ok(mark_sent(c, NOW)) for c in base]
    commands = [
        ok(mark_acked(sent[0], NOW)),
        ok(mark_acked(sent[1], NOW)),
        ok(mark_failed(sent[2], "fault", NOW)),
        sent[3],
        base[4],
        expire_due([base[5]], NOW + timedelta(hours=1))[0],
        supersede([base[6]], make("z", SetPower(on=True), device="lamp-6", at=NOW), NOW)[0],
    ]
    progress = GroupCommandProgress.of(commands)
    assert progress == GroupCommandProgress(
        acked=2, failed=1, pending=2, expired=1, superseded=1, total=7
    )
    assert not progress.done
    assert GroupCommandProgress.of([]).done


@pytest.mark.parametrize(
    ("payload", "count", "total", "expected"),
    [
        (SetPower(on=False), 5000, 10000, True),
        (SetPower(on=False), 4999, 10000, False),
        (SetPower(on=True), 10000, 10000, False),
        (SetLevel(percent=0), 10000, 10000, True),
        (SetLevel(percent=30), 10000, 10000, False),
        (TakeOver("flood", None, NOW), 273, 273, True),
        (TakeOver("flood", None, NOW), 3, 273, False),
        (ShowContent("c"), 273, 273, False),
        (SetPower(on=False), 0, 0, False),
    ],
)
def test_needs_typed_confirmation(payload: Payload, count: int, total: int, expected: bool) -> None:
    assert needs_typed_confirmation(payload, count, total) is expected


def test_needs_typed_confirmation_refuses_nonsense_counts() -> None:
    with pytest.raises(ValueError, match="bad target count"):
        needs_typed_confirmation(SetPower(on=False), 11, 10)


# ---------------------------------------------------------------- property


DEVICES = ("lamp-1", "lamp-2")
PAYLOADS: tuple[Payload, ...] = (SetPower(on=True), SetPower(on=False), SetLevel(percent=30))

operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("issue"),
            st.sampled_from(DEVICES),
            st.sampled_from(PAYLOADS),
            st.integers(1, 20),
        ),
        st.tuples(st.just("poll"), st.integers(1, 3)),
        st.tuples(st.just("ack"), st.integers(0, 50)),
        st.tuples(st.just("fail"), st.integers(0, 50)),
        st.tuples(st.just("tick"), st.integers(1, 600)),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(operations)
def test_random_sequences_keep_the_queue_sane(ops: list[tuple[object, ...]]) -> None:
    """Server loop as the real one will run it: every issue supersedes, every tick expires,
    every poll sends what next_to_send returns, feedback hits arbitrary commands."""
    store: dict[str, DeviceCommand] = {}
    terminal_seen: dict[str, CommandStatus] = {}
    now = NOW
    counter = 0

    def save(commands: tuple[DeviceCommand, ...] | list[DeviceCommand]) -> None:
        for command in commands:
            store[command.id] = command

    for op in ops:
        match op:
            case ("issue", str(device), payload, int(ttl)):
                counter += 1
                now += timedelta(seconds=1)  # server time moves on between requests
                new = make(
                    f"c{counter:03d}",
                    payload,  # type: ignore[arg-type]
                    device=device,
                    at=now,
                    ttl=timedelta(minutes=ttl),
                )
                save(supersede(list(store.values()), new, now))
                store[new.id] = new
            case ("poll", int(limit)):
                for command in next_to_send(store.values(), now, limit=limit):
                    save([ok(mark_sent(command, now))])
            case ("ack" | "fail", int(index)):
                if store:
                    target = sorted(store)[index % len(store)]
                    result = (
                        mark_acked(store[target], now)
                        if op[0] == "ack"
                        else mark_failed(store[target], "fault", now)
                    )
                    if isinstance(result, DeviceCommand):
                        save([result])
            case ("tick", int(seconds)):
                now += timedelta(seconds=seconds)
                save(expire_due(store.values(), now))

        # Terminal states never change.
        for command_id, status in terminal_seen.items():
            assert store[command_id].status is status
        for command in store.values():
            if command.status.terminal:
                terminal_seen.setdefault(command.id, command.status)

        # A queued command never has a newer command on its device/channel beside it, so no
        # older command can be sent after a newer one was issued.
        by_key: dict[tuple[str, Channel], list[DeviceCommand]] = {}
        for command in store.values():
            by_key.setdefault(command.key, []).append(command)
        for commands in by_key.values():
            commands.sort(key=lambda c: c.issued_at)
            for i, older in enumerate(commands):
                if older.status is CommandStatus.QUEUED:
                    assert commands[i + 1 :] == [], (older, commands[i + 1 :])
            # At most one command holds a channel (sent, within its ack timeout and life).
            assert sum(c.blocks_channel(now) for c in commands) <= 1
