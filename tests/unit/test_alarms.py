"""The alarm lifecycle as the hall's dispatchers live it: raise, repeat, clear, acknowledge,
shelve, out-of-service and convert-to-case, in every order that happens on a shift."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityops.domain.actors import Actor, Role
from cityops.domain.alarms import (
    ISA_STATES,
    MAX_SHELVE,
    SUPPRESSED_STATES,
    Alarm,
    AlarmEventKind,
    AlarmKind,
    AlarmState,
    Severity,
    Transition,
    acknowledge,
    clear,
    convert_to_case,
    expire_shelf,
    raise_or_repeat,
    remove_from_service,
    return_to_service,
    shelve,
    unshelve,
)
from cityops.domain.city import CITY_TZ
from cityops.domain.outcomes import Rejection

T0 = datetime(2026, 7, 1, 10, 0, tzinfo=CITY_TZ)
DEVICE = "WL-XH-0042"
ZHANG = Actor("u-zhang", frozenset({Role.DISPATCHER}), display_name="张三")
LI = Actor("u-li", frozenset({Role.COMMANDER}), display_name="李四")
WANG = Actor("u-wang", frozenset({Role.OPERATOR}), display_name="王五")
ZHAO = Actor("u-zhao", frozenset({Role.COLLECTOR}), display_name="赵六")


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def ok(result: Transition | Rejection) -> Transition:
    assert not isinstance(result, Rejection), f"unexpected rejection: {result}"
    return result


def refused(result: Transition | Rejection) -> Rejection:
    assert isinstance(result, Rejection), f"expected a rejection, got {result}"
    return result


def kinds(events: tuple[Any, ...]) -> list[AlarmEventKind]:
    return [event.kind for event in events]


def fire(
    existing: Alarm | None = None,
    severity: Severity = Severity.MAJOR,
    value: float = 30.0,
    minutes: float = 0,
    new_id: str = "AL-1",
) -> Transition:
    return raise_or_repeat(
        existing, DEVICE, AlarmKind.WATERLOGGING, severity, value, 27.0, at(minutes), new_id
    )


def raised(**kwargs: Any) -> Alarm:
    return fire(**kwargs)[0]


# ----------------------------------------------------------------------- enums


def test_severity_compares_by_urgency_not_alphabet() -> None:
    assert Severity.CRITICAL > Severity.MAJOR > Severity.MINOR > Severity.WARNING
    assert sorted(Severity) == [Severity.WARNING, Severity.MINOR, Severity.MAJOR, Severity.CRITICAL]
    assert max([Severity.MAJOR, Severity.CRITICAL, Severity.WARNING]) is Severity.CRITICAL
    assert Severity.MINOR <= Severity.MINOR
    assert Severity.CRITICAL.rank == 4
    assert Severity.WARNING.rank == 1
    assert Severity.CRITICAL.zh == "紧急"


def test_every_alarm_kind_has_chinese_and_english_names() -> None:
    assert AlarmKind.GAS_OVERPRESSURE.zh == "燃气超压"
    assert AlarmKind.WATERLOGGING.zh == "城市内涝积水"
    assert AlarmKind.UNDERGROUND_HAZARD.zh == "地下空洞/沉降隐患"
    assert AlarmKind.BRIDGE_OVERWEIGHT.en == "Bridge overweight"
    assert AlarmKind.SUPPLY_NIGHT_FLOW.zh == "供水夜间流量异常"
    assert len({kind.zh for kind in AlarmKind}) == len(AlarmKind) == 11
    assert all(kind.en for kind in AlarmKind)
    assert all(state.zh and state.en for state in AlarmState)


# ----------------------------------------------------------------------- raise/clear/ack


def test_raise_makes_an_active_unacknowledged_alarm() -> None:
    alarm, events = fire(value=31.5)
    assert alarm.state is AlarmState.ACTIVE_UNACK
    assert alarm.needs_ack
    assert alarm.is_annunciating
    assert alarm.occurrences == 1
    assert alarm.version == 1
    assert (alarm.value, alarm.threshold) == (31.5, 27.0)
    assert alarm.first_raised_at == alarm.last_raised_at == T0
    assert alarm.severity is alarm.peak_severity is Severity.MAJOR
    assert kinds(events) == [AlarmEventKind.RAISED]
    assert events[0].alarm_id == "AL-1"
    assert events[0].actor_id is None


def test_raise_ack_clear_closes_the_alarm() -> None:
    acked, ack_events = ok(acknowledge(raised(), ZHANG, at(2)))
    assert acked.state is AlarmState.ACTIVE_ACK
    assert (acked.acked_by, acked.acked_at) == ("u-zhang", at(2))
    assert kinds(ack_events) == [AlarmEventKind.ACKNOWLEDGED]
    assert ack_events[0].actor_id == "u-zhang"

    closed, events = clear(acked, at(30))
    assert closed.state is AlarmState.CLEARED
    assert closed.is_closed
    assert not closed.is_annunciating
    assert closed.cleared_at == at(30)
    assert closed.acked_by == "u-zhang"
    assert kinds(events) == [AlarmEventKind.CLEARED]


def test_raise_clear_ack_waits_for_the_dispatcher_then_closes() -> None:
    cleared, _ = clear(raised(), at(5))
    assert cleared.state is AlarmState.CLEARED_UNACK
    assert cleared.is_annunciating  # still on the wall: nobody has seen it yet
    assert cleared.needs_ack

    closed, events = ok(acknowledge(cleared, LI, at(6)))
    assert closed.state is AlarmState.CLEARED
    assert closed.acked_by == "u-li"
    assert kinds(events) == [AlarmEventKind.ACKNOWLEDGED]


def test_raise_repeat_ack_counts_occurrences_and_keeps_the_latest_value() -> None:
    first = raised(value=28.0)
    repeated, events = fire(first, value=33.0, minutes=1)
    assert repeated.id == first.id
    assert repeated.occurrences == 2
    assert repeated.value == 33.0
    assert repeated.last_raised_at == at(1)
    assert repeated.first_raised_at == T0
    assert repeated.state is AlarmState.ACTIVE_UNACK
    assert repeated.version == 2
    assert kinds(events) == [AlarmEventKind.REPEATED]

    acked, _ = ok(acknowledge(repeated, ZHANG, at(2)))
    assert acked.state is AlarmState.ACTIVE_ACK
    assert acked.occurrences == 2


def test_repeat_at_the_same_or_lower_severity_stays_acknowledged() -> None:
    acked, _ = ok(acknowledge(raised(severity=Severity.MAJOR), ZHANG, at(1)))
    same, events = fire(acked, severity=Severity.MAJOR, minutes=2)
    assert same.state is AlarmState.ACTIVE_ACK
    assert kinds(events) == [AlarmEventKind.REPEATED]

    lower, _ = fire(same, severity=Severity.MINOR, value=16.0, minutes=3)
    assert lower.state is AlarmState.ACTIVE_ACK
    assert lower.severity is Severity.MINOR  # the wall shows the present condition...
    assert lower.peak_severity is Severity.MAJOR  # ...and remembers the worst
    assert lower.acked_by == "u-zhang"


def test_escalation_after_ack_makes_the_alarm_unacknowledged_again() -> None:
    acked, _ = ok(acknowledge(raised(severity=Severity.MAJOR), ZHANG, at(1)))
    worse, events = fire(acked, severity=Severity.CRITICAL, value=45.0, minutes=5)
    assert worse.state is AlarmState.ACTIVE_UNACK
    assert worse.severity is Severity.CRITICAL
    assert (worse.acked_by, worse.acked_at) == (None, None)
    assert kinds(events) == [AlarmEventKind.REPEATED, AlarmEventKind.ESCALATED]
    assert events[1].details["previous"] == "major"
    assert events[1].details["severity"] == "critical"

    # The escalation needs its own acknowledgement, which anyone on duty may give.
    reacked, _ = ok(acknowledge(worse, LI, at(6)))
    assert reacked.acked_by == "u-li"


def test_escalation_is_measured_against_the_worst_severity_seen() -> None:
    alarm = raised(severity=Severity.CRITICAL)
    alarm, _ = fire(alarm, severity=Severity.MAJOR, minutes=1)
    acked, _ = ok(acknowledge(alarm, ZHANG, at(2)))
    again, events = fire(acked, severity=Severity.CRITICAL, minutes=3)
    assert again.state is AlarmState.ACTIVE_ACK
    assert AlarmEventKind.ESCALATED not in kinds(events)


def test_escalation_of_an_unacknowledged_alarm_is_reported() -> None:
    alarm, events = fire(raised(severity=Severity.WARNING), severity=Severity.MAJOR, minutes=1)
    assert alarm.state is AlarmState.ACTIVE_UNACK
    assert kinds(events) == [AlarmEventKind.REPEATED, AlarmEventKind.ESCALATED]


def test_a_late_ack_does_not_silence_an_escalation_nobody_saw() -> None:
    # 张三 clicks "ack" on a warning; the intent waits in the outbox of a flaky link while the
    # gas reading climbs to critical. The replayed ack must not cover the critical alarm.
    warning = raised(severity=Severity.WARNING)
    seen = warning.peak_severity
    critical, _ = fire(warning, severity=Severity.CRITICAL, value=55.0, minutes=3)
    rejection = refused(acknowledge(critical, ZHANG, at(4), seen_peak=seen))
    assert rejection.code == "alarm_changed_since_seen"
    assert "紧急" in rejection.message
    assert "重新确认" in rejection.message
    assert "Critical" in rejection.message_en
    assert rejection.details["seen_peak"] == "warning"
    assert rejection.details["peak_severity"] == "critical"
    # Whoever looks at it now (and sees critical) can acknowledge it.
    acked, _ = ok(acknowledge(critical, LI, at(5), seen_peak=Severity.CRITICAL))
    assert acked.state is AlarmState.ACTIVE_ACK


def test_an_ack_of_what_was_seen_still_works_when_the_level_only_wavered() -> None:
    # Seen at major; the reading dipped to minor and came back to major: nothing worse than
    # what the dispatcher saw, so the ack applies.
    alarm = raised(severity=Severity.MAJOR)
    alarm, _ = fire(alarm, severity=Severity.MINOR, minutes=1)
    alarm, _ = fire(alarm, severity=Severity.MAJOR, minutes=2)
    acked, _ = ok(acknowledge(alarm, ZHANG, at(3), seen_peak=Severity.MAJOR))
    assert acked.acked_by == "u-zhang"


def test_second_acknowledgement_is_rejected_naming_who_and_when() -> None:
    acked, _ = ok(acknowledge(raised(), ZHANG, at(32)))
    rejection = refused(acknowledge(acked, LI, at(33)))
    assert rejection.code == "alarm_already_acknowledged"
    assert rejection.message == "该告警已由 张三 于 10:32 确认"
    assert "10:32" in rejection.message_en
    assert rejection.details["acked_by"] == "u-zhang"


def test_acknowledgement_on_another_day_shows_the_date() -> None:
    acked, _ = ok(acknowledge(raised(), ZHANG, at(32)))
    rejection = refused(acknowledge(acked, LI, at(60 * 24)))
    assert "2026-07-01 10:32" in rejection.message


def test_ack_of_a_closed_alarm_is_rejected_with_the_first_ack() -> None:
    closed, _ = clear(ok(acknowledge(raised(), ZHANG, at(1)))[0], at(2))
    assert "张三" in refused(acknowledge(closed, LI, at(3))).message


@pytest.mark.parametrize("actor", [WANG, ZHAO, Actor("u-anon")])
def test_only_dispatchers_and_commanders_acknowledge(actor: Actor) -> None:
    alarm = raised()
    rejection = refused(acknowledge(alarm, actor, at(1)))
    assert rejection.code == "alarm_forbidden"
    assert rejection.message


def test_clear_twice_is_idempotent() -> None:
    once, _ = clear(raised(), at(1))
    twice, events = clear(once, at(2))
    assert twice is once
    assert events == ()


def test_clear_of_a_closed_alarm_changes_nothing() -> None:
    closed, _ = clear(ok(acknowledge(raised(), ZHANG, at(1)))[0], at(2))
    assert clear(closed, at(3)) == (closed, ())


def test_repeat_after_close_makes_a_new_alarm() -> None:
    closed, _ = clear(ok(acknowledge(raised(), ZHANG, at(1)))[0], at(2))
    fresh, events = fire(closed, minutes=10, new_id="AL-2")
    assert fresh.id == "AL-2"
    assert fresh.state is AlarmState.ACTIVE_UNACK
    assert fresh.occurrences == 1
    assert fresh.version == 1
    assert kinds(events) == [AlarmEventKind.RAISED]
    assert closed.state is AlarmState.CLEARED  # the old one is history


def test_repeat_of_a_cleared_unacknowledged_alarm_reactivates_it() -> None:
    cleared, _ = clear(raised(), at(1))
    again, events = fire(cleared, minutes=2, new_id="AL-2")
    assert again.id == "AL-1"
    assert again.state is AlarmState.ACTIVE_UNACK
    assert again.cleared_at is None
    assert again.occurrences == 2
    assert events[0].details["reactivated"] is True


def test_a_late_normal_reading_does_not_clear_a_newer_raise() -> None:
    alarm, _ = fire(raised(), minutes=10)
    late, events = clear(alarm, at(5))
    assert late is alarm
    assert events == ()


def test_a_late_raise_is_counted_but_changes_nothing_else() -> None:
    cleared, _ = clear(fire(raised(value=30.0), value=31.0, minutes=5)[0], at(10))
    late, events = fire(cleared, severity=Severity.CRITICAL, value=50.0, minutes=3)
    assert late.occurrences == 3
    assert late.state is AlarmState.CLEARED_UNACK
    assert (late.value, late.severity) == (31.0, Severity.MAJOR)
    assert events[0].details["stale"] is True


def test_a_late_high_reading_after_ack_and_clear_opens_no_phantom_alarm() -> None:
    # Depth 30 cm at 10:00, acknowledged at 10:01, normal at 10:10: closed. A 31 cm reading
    # measured at 10:05 is delivered at 10:11: it belongs to the closed episode.
    closed, _ = clear(ok(acknowledge(raised(), ZHANG, at(1)))[0], at(10))
    assert closed.state is AlarmState.CLEARED
    late, events = fire(closed, value=31.0, minutes=5, new_id="AL-2")
    assert late.id == "AL-1"
    assert late.state is AlarmState.CLEARED
    assert late.occurrences == 2
    assert (late.value, late.last_raised_at) == (closed.value, closed.last_raised_at)
    assert kinds(events) == [AlarmEventKind.REPEATED]
    assert events[0].details["stale"] is True
    # A reading measured after the clear is a new episode, as before.
    fresh, events = fire(late, value=31.0, minutes=12, new_id="AL-2")
    assert (fresh.id, fresh.state) == ("AL-2", AlarmState.ACTIVE_UNACK)
    assert kinds(events) == [AlarmEventKind.RAISED]


def test_existing_alarm_of_another_device_is_a_programming_error() -> None:
    alarm = raised()
    with pytest.raises(ValueError, match="WL-OTHER"):
        raise_or_repeat(
            alarm, "WL-OTHER", AlarmKind.WATERLOGGING, Severity.MAJOR, 30, 27, at(1), "AL-2"
        )


def test_location_is_kept_on_a_new_alarm() -> None:
    alarm, _ = raise_or_repeat(
        None,
        DEVICE,
        AlarmKind.WATERLOGGING,
        Severity.MINOR,
        16,
        15,
        T0,
        "AL-9",
        district_code="330106",
        lon=120.13,
        lat=30.27,
    )
    assert (alarm.district_code, alarm.lon, alarm.lat) == ("330106", 120.13, 30.27)


def test_functions_never_mutate_their_input() -> None:
    alarm = raised()
    snapshot = dataclasses.replace(alarm)
    fire(alarm, minutes=1)
    clear(alarm, at(1))
    acknowledge(alarm, ZHANG, at(1))
    shelve(alarm, ZHANG, at(60), "排水抢修中", at(1))
    remove_from_service(alarm, WANG, "检修", at(1))
    convert_to_case(alarm, ZHANG, "C-1", at(1))
    assert alarm == snapshot
    with pytest.raises(dataclasses.FrozenInstanceError):
        alarm.state = AlarmState.CLEARED  # type: ignore[misc]


NAIVE = datetime(2026, 7, 1, 10, 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda a: raise_or_repeat(
            a, DEVICE, AlarmKind.WATERLOGGING, Severity.MAJOR, 1, 1, NAIVE, "x"
        ),
        lambda a: clear(a, NAIVE),
        lambda a: acknowledge(a, ZHANG, NAIVE),
        lambda a: shelve(a, ZHANG, at(60), "r", NAIVE),
        lambda a: shelve(a, ZHANG, NAIVE, "r", at(1)),
        lambda a: unshelve(a, ZHANG, NAIVE),
        lambda a: expire_shelf(a, NAIVE),
        lambda a: remove_from_service(a, WANG, "r", NAIVE),
        lambda a: return_to_service(a, WANG, NAIVE),
        lambda a: convert_to_case(a, ZHANG, "C-1", NAIVE),
    ],
)
def test_naive_times_are_refused(call: Any) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call(raised())


# ----------------------------------------------------------------------- shelving


def test_shelved_alarm_leaves_the_wall_and_comes_back_at_expiry() -> None:
    shelved, events = ok(shelve(raised(), ZHANG, at(60), " 抢险队已到场 ", at(1)))
    assert shelved.state is AlarmState.SHELVED
    assert shelved.underlying_state is AlarmState.ACTIVE_UNACK
    assert not shelved.is_annunciating
    assert shelved.shelve_reason == "抢险队已到场"
    assert (shelved.shelved_by, shelved.shelved_until) == ("u-zhang", at(60))
    assert kinds(events) == [AlarmEventKind.SHELVED]

    assert expire_shelf(shelved, at(59)) == (shelved, ())
    back, events = expire_shelf(shelved, at(60))
    assert back.state is AlarmState.ACTIVE_UNACK
    assert (back.underlying_state, back.shelved_until, back.shelve_reason) == (None, None, None)
    assert kinds(events) == [AlarmEventKind.SHELVE_EXPIRED]


def test_condition_clearing_while_shelved_shows_at_expiry() -> None:
    shelved, _ = ok(shelve(raised(), ZHANG, at(60), "抢修中", at(1)))
    cleared, events = clear(shelved, at(20))
    assert cleared.state is AlarmState.SHELVED
    assert cleared.underlying_state is AlarmState.CLEARED_UNACK
    assert events[0].details["suppressed"] == "shelved"

    back, _ = expire_shelf(cleared, at(61))
    assert back.state is AlarmState.CLEARED_UNACK  # still owes the hall an acknowledgement


def test_acknowledged_alarm_clearing_while_shelved_is_closed_at_expiry() -> None:
    acked, _ = ok(acknowledge(raised(), ZHANG, at(1)))
    shelved, _ = ok(shelve(acked, ZHANG, at(60), "抢修中", at(2)))
    back, _ = expire_shelf(clear(shelved, at(20))[0], at(60))
    assert back.state is AlarmState.CLEARED
    assert back.is_closed


def test_readings_while_shelved_count_but_do_not_annunciate() -> None:
    acked, _ = ok(acknowledge(raised(severity=Severity.MAJOR), ZHANG, at(1)))
    shelved, _ = ok(shelve(acked, ZHANG, at(60), "抢修中", at(2)))
    worse, events = fire(shelved, severity=Severity.CRITICAL, value=44.0, minutes=10)
    assert worse.state is AlarmState.SHELVED
    assert not worse.is_annunciating
    assert worse.occurrences == 2
    assert worse.value == 44.0
    assert worse.underlying_state is AlarmState.ACTIVE_UNACK  # escalated behind the shelf
    assert AlarmEventKind.ESCALATED in kinds(events)

    back, _ = expire_shelf(worse, at(60))
    assert back.state is AlarmState.ACTIVE_UNACK
    assert back.acked_by is None


def test_condition_returning_while_shelved_is_absorbed_even_after_it_closed() -> None:
    acked, _ = ok(acknowledge(raised(), ZHANG, at(1)))
    shelved, _ = ok(shelve(acked, ZHANG, at(60), "传感器抖动", at(2)))
    closed_behind, _ = clear(shelved, at(3))
    again, events = fire(closed_behind, minutes=4, new_id="AL-2")
    assert again.id == "AL-1"  # the shelf keeps covering the pair
    assert again.state is AlarmState.SHELVED
    assert again.underlying_state is AlarmState.ACTIVE_UNACK
    assert again.acked_by is None


def test_a_raise_after_expiry_annunciates_even_before_the_timer_ran() -> None:
    shelved, _ = ok(shelve(raised(), ZHANG, at(30), "抢修中", at(1)))
    alarm, events = fire(shelved, minutes=31)
    assert alarm.state is AlarmState.ACTIVE_UNACK
    assert kinds(events) == [AlarmEventKind.SHELVE_EXPIRED, AlarmEventKind.REPEATED]
    assert events[0].at == at(30)


def test_a_raise_after_a_shelf_expired_onto_a_closed_alarm_is_a_new_alarm() -> None:
    acked, _ = ok(acknowledge(raised(), ZHANG, at(1)))
    shelved, _ = ok(shelve(acked, ZHANG, at(30), "抢修中", at(2)))
    closed_behind, _ = clear(shelved, at(3))
    fresh, events = fire(closed_behind, minutes=40, new_id="AL-2")
    assert fresh.id == "AL-2"
    assert fresh.state is AlarmState.ACTIVE_UNACK
    assert kinds(events) == [AlarmEventKind.RAISED]


def test_ack_while_shelved_is_rejected() -> None:
    shelved, _ = ok(shelve(raised(), ZHANG, at(60), "抢修中", at(1)))
    rejection = refused(acknowledge(shelved, LI, at(2)))
    assert rejection.code == "alarm_shelved"
    assert "11:00" in rejection.message


@pytest.mark.parametrize(
    ("until", "reason", "code"),
    [
        (at(60), "  ", "alarm_shelve_reason_required"),
        (at(1), "抢修中", "alarm_shelve_expiry_past"),
        (at(0), "抢修中", "alarm_shelve_expiry_past"),
        (at(1) + MAX_SHELVE + timedelta(seconds=1), "抢修中", "alarm_shelve_too_long"),
    ],
)
def test_shelving_needs_a_reason_and_a_near_future_expiry(
    until: datetime, reason: str, code: str
) -> None:
    assert refused(shelve(raised(), ZHANG, until, reason, at(1))).code == code


def test_shelving_for_exactly_the_maximum_is_allowed() -> None:
    shelved, _ = ok(shelve(raised(), ZHANG, at(1) + MAX_SHELVE, "夜间抢修", at(1)))
    assert shelved.shelved_until == at(1) + MAX_SHELVE


def test_shelving_twice_or_a_closed_alarm_or_without_the_role_is_rejected() -> None:
    shelved, _ = ok(shelve(raised(), ZHANG, at(60), "抢修中", at(1)))
    again = refused(shelve(shelved, LI, at(90), "另一原因", at(2)))
    assert again.code == "alarm_shelved"
    assert "u-zhang" in again.message
    closed, _ = clear(ok(acknowledge(raised(), ZHANG, at(1)))[0], at(2))
    assert refused(shelve(closed, ZHANG, at(60), "抢修中", at(3))).code == "alarm_closed"
    assert refused(shelve(raised(), WANG, at(60), "抢修中", at(1))).code == "alarm_forbidden"


def test_unshelve_early_shows_the_current_condition() -> None:
    shelved, _ = ok(shelve(raised(), ZHANG, at(60), "抢修中", at(1)))
    cleared, _ = clear(shelved, at(5))
    back, events = ok(unshelve(cleared, LI, at(10)))
    assert back.state is AlarmState.CLEARED_UNACK
    assert kinds(events) == [AlarmEventKind.UNSHELVED]
    assert events[0].actor_id == "u-li"


def test_unshelve_of_an_unshelved_alarm_is_rejected() -> None:
    assert refused(unshelve(raised(), ZHANG, at(1))).code == "alarm_not_shelved"


def test_unshelve_after_the_shelf_expired_returns_the_expiry() -> None:
    shelved, _ = ok(shelve(raised(), ZHANG, at(30), "抢修中", at(1)))
    back, events = ok(unshelve(shelved, ZHANG, at(45)))
    assert back.state is AlarmState.ACTIVE_UNACK
    assert kinds(events) == [AlarmEventKind.SHELVE_EXPIRED]


def test_expire_shelf_on_an_unshelved_alarm_does_nothing() -> None:
    alarm = raised()
    assert expire_shelf(alarm, at(1000)) == (alarm, ())


# ----------------------------------------------------------------------- out of service


def test_out_of_service_counts_readings_without_annunciating() -> None:
    removed, events = ok(remove_from_service(raised(), WANG, "工单 WX-2031 更换传感器", at(1)))
    assert removed.state is AlarmState.OUT_OF_SERVICE
    assert removed.underlying_state is AlarmState.ACTIVE_UNACK
    assert not removed.is_annunciating
    assert removed.out_of_service_by == "u-wang"
    assert kinds(events) == [AlarmEventKind.REMOVED_FROM_SERVICE]

    repeated, _ = fire(removed, value=35.0, minutes=5)
    assert repeated.state is AlarmState.OUT_OF_SERVICE
    assert (repeated.occurrences, repeated.value) == (2, 35.0)
    cleared, _ = clear(repeated, at(6))
    assert cleared.underlying_state is AlarmState.CLEARED_UNACK

    back, events = ok(return_to_service(cleared, WANG, at(7)))
    assert back.state is AlarmState.CLEARED_UNACK
    assert (back.underlying_state, back.out_of_service_by) == (None, None)
    assert kinds(events) == [AlarmEventKind.RETURNED_TO_SERVICE]


def test_out_of_service_replaces_a_shelf() -> None:
    shelved, _ = ok(shelve(raised(), ZHANG, at(60), "抢修中", at(1)))
    removed, events = ok(remove_from_service(shelved, WANG, "检修", at(2)))
    assert removed.state is AlarmState.OUT_OF_SERVICE
    assert removed.underlying_state is AlarmState.ACTIVE_UNACK
    assert (removed.shelved_by, removed.shelved_until) == (None, None)
    assert events[0].details["replaced_shelf"] is True
    # The shelf's expiry no longer applies.
    assert expire_shelf(removed, at(120)) == (removed, ())


def test_a_closed_alarm_taken_out_of_service_absorbs_the_readings_of_the_works() -> None:
    closed, _ = clear(ok(acknowledge(raised(), ZHANG, at(1)))[0], at(2))
    removed, _ = ok(remove_from_service(closed, WANG, "管网改造施工", at(3)))
    during, _ = fire(removed, minutes=4, new_id="AL-2")
    assert during.id == "AL-1"
    assert during.state is AlarmState.OUT_OF_SERVICE


def test_ack_while_out_of_service_is_rejected() -> None:
    removed, _ = ok(remove_from_service(raised(), WANG, "检修", at(1)))
    assert refused(acknowledge(removed, ZHANG, at(2))).code == "alarm_out_of_service"
    assert refused(shelve(removed, ZHANG, at(60), "x", at(2))).code == "alarm_out_of_service"


def test_out_of_service_rules() -> None:
    alarm = raised()
    assert refused(remove_from_service(alarm, ZHANG, "检修", at(1))).code == "alarm_forbidden"
    assert (
        refused(remove_from_service(alarm, WANG, " ", at(1))).code
        == "alarm_service_reason_required"
    )
    removed, _ = ok(remove_from_service(alarm, WANG, "检修", at(1)))
    assert refused(remove_from_service(removed, WANG, "检修", at(2))).code == (
        "alarm_out_of_service"
    )
    assert refused(return_to_service(alarm, WANG, at(2))).code == "alarm_not_out_of_service"
    assert refused(return_to_service(removed, ZHANG, at(2))).code == "alarm_forbidden"
    assert ok(return_to_service(removed, WANG, at(3)))[0].state is AlarmState.ACTIVE_UNACK


def test_an_admin_cannot_silence_a_gas_leak_by_taking_it_out_of_service() -> None:
    # Admins manage user accounts; device maintenance is the operators' (actors.Role.ADMIN).
    admin = Actor("u-admin", frozenset({Role.ADMIN}), display_name="系统管理员")
    leak = raised(severity=Severity.CRITICAL)
    assert refused(remove_from_service(leak, admin, "检修", at(1))).code == "alarm_forbidden"
    removed, _ = ok(remove_from_service(leak, WANG, "检修", at(1)))
    assert refused(return_to_service(removed, admin, at(2))).code == "alarm_forbidden"


# ----------------------------------------------------------------------- convert to case


def test_convert_to_case_records_the_case_once() -> None:
    converted, events = ok(convert_to_case(raised(), ZHANG, "C-20260701-0007", at(3)))
    assert converted.case_id == "C-20260701-0007"
    assert converted.state is AlarmState.ACTIVE_UNACK  # converting is not acknowledging
    assert kinds(events) == [AlarmEventKind.CONVERTED_TO_CASE]

    rejection = refused(convert_to_case(converted, LI, "C-20260701-0008", at(4)))
    assert rejection.code == "alarm_already_converted"
    assert "C-20260701-0007" in rejection.message
    assert rejection.details["case_id"] == "C-20260701-0007"


def test_convert_to_case_needs_the_role_and_a_case_id() -> None:
    assert refused(convert_to_case(raised(), ZHAO, "C-1", at(1))).code == "alarm_forbidden"
    with pytest.raises(ValueError, match="case_id"):
        convert_to_case(raised(), ZHANG, "", at(1))


def test_a_closed_or_shelved_alarm_may_still_become_a_case() -> None:
    closed, _ = clear(ok(acknowledge(raised(), ZHANG, at(1)))[0], at(2))
    assert ok(convert_to_case(closed, ZHANG, "C-1", at(3)))[0].case_id == "C-1"
    shelved, _ = ok(shelve(raised(), ZHANG, at(60), "抢修中", at(1)))
    assert ok(convert_to_case(shelved, ZHANG, "C-2", at(3)))[0].state is AlarmState.SHELVED


# ----------------------------------------------------------------------- invariants

ACTORS = [ZHANG, LI, WANG, ZHAO]

operation = st.one_of(
    st.tuples(st.just("raise"), st.sampled_from(list(Severity)), st.floats(0, 100)),
    st.tuples(st.just("clear")),
    st.tuples(st.just("ack"), st.sampled_from(ACTORS), st.sampled_from([None, *Severity])),
    st.tuples(st.just("shelve"), st.sampled_from(ACTORS), st.integers(-30, 26 * 60)),
    st.tuples(st.just("unshelve"), st.sampled_from(ACTORS)),
    st.tuples(st.just("expire")),
    st.tuples(st.just("remove"), st.sampled_from(ACTORS)),
    st.tuples(st.just("return"), st.sampled_from(ACTORS)),
    st.tuples(st.just("convert"), st.sampled_from(ACTORS)),
)
# Negative steps model readings and requests that arrive out of order.
steps = st.lists(st.tuples(st.integers(-10, 180), operation), max_size=40)


def check_invariants(alarm: Alarm) -> None:
    assert alarm.occurrences >= 1
    assert alarm.version >= 1
    assert (alarm.underlying_state is None) == (alarm.state not in SUPPRESSED_STATES)
    assert alarm.condition_state in ISA_STATES
    # Acknowledged exactly when the ISA state says so, and then we know who and when.
    acked = alarm.condition_state in (AlarmState.ACTIVE_ACK, AlarmState.CLEARED)
    assert (alarm.acked_by is not None) == acked
    assert (alarm.acked_at is not None) == acked
    cleared = alarm.condition_state in (AlarmState.CLEARED_UNACK, AlarmState.CLEARED)
    assert (alarm.cleared_at is not None) == cleared
    shelved = alarm.state is AlarmState.SHELVED
    assert (alarm.shelved_by is not None) == shelved
    assert (alarm.shelved_until is not None) == shelved
    assert (alarm.shelve_reason is not None) == shelved
    out = alarm.state is AlarmState.OUT_OF_SERVICE
    assert (alarm.out_of_service_by is not None) == out
    assert (alarm.out_of_service_reason is not None) == out
    assert alarm.peak_severity >= alarm.severity
    assert alarm.first_raised_at <= alarm.last_raised_at
    assert not (alarm.is_annunciating and alarm.is_suppressed)


def run(alarm: Alarm, op: tuple[Any, ...], now: datetime, counter: int) -> Transition | Rejection:
    name = op[0]
    if name == "raise":
        return raise_or_repeat(
            alarm, DEVICE, AlarmKind.WATERLOGGING, op[1], op[2], 10.0, now, f"AL-{counter}"
        )
    if name == "clear":
        return clear(alarm, now)
    if name == "ack":
        return acknowledge(alarm, op[1], now, seen_peak=op[2])
    if name == "shelve":
        return shelve(alarm, op[1], now + timedelta(minutes=op[2]), "抢修中", now)
    if name == "unshelve":
        return unshelve(alarm, op[1], now)
    if name == "expire":
        return expire_shelf(alarm, now)
    if name == "remove":
        return remove_from_service(alarm, op[1], "检修", now)
    if name == "return":
        return return_to_service(alarm, op[1], now)
    assert name == "convert"
    return convert_to_case(alarm, op[1], f"C-{counter}", now)


@settings(max_examples=400, deadline=None)
@given(steps)
def test_no_sequence_of_operations_breaks_the_invariants(
    sequence: list[tuple[int, tuple[Any, ...]]],
) -> None:
    alarm = raised()
    now = T0
    check_invariants(alarm)
    for counter, (step, op) in enumerate(sequence, start=2):
        now += timedelta(minutes=step)
        result = run(alarm, op, now, counter)
        if isinstance(result, Rejection):
            assert result.code.startswith("alarm_")
            assert result.message
            assert result.message_en
            continue
        after, events = result
        check_invariants(after)
        assert all(event.alarm_id == after.id for event in events)
        if after.id != alarm.id:
            # Only a raise makes a new alarm, and only once the old one is closed (or its shelf
            # expired onto a closed condition).
            assert op[0] == "raise"
            assert alarm.condition_state is AlarmState.CLEARED
            assert (after.version, after.occurrences) == (1, 1)
            assert kinds(events) == [AlarmEventKind.RAISED]
        elif events:
            assert after.version > alarm.version
            assert after.occurrences >= alarm.occurrences
            assert alarm.case_id is None or after.case_id == alarm.case_id
        else:
            assert after is alarm
        if op[0] == "raise" and after.id == alarm.id and after.last_raised_at == now:
            assert after.is_condition_active or events[-1].details.get("stale")
        if op[0] == "ack" and op[2] is not None:
            # An acknowledgement never covers a severity worse than the one seen.
            assert after.acked_at is None or after.peak_severity <= op[2]
        alarm = after
