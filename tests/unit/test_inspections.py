"""Supervisors' inspections: who may record, what a record must name, and how findings rank."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from cityops.domain import inspections as ins
from cityops.domain import ranking
from cityops.domain.actors import Actor, Role
from cityops.domain.city import CITY_TZ
from cityops.domain.outcomes import Rejection
from cityops.domain.reference import Reference, load_reference
from cityops.domain.schemas import InspectionDoc, InspectionRecordArgs, Mutation, parse_mutation

REF: Reference = load_reference()
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=CITY_TZ)
SUPERVISOR = Actor("sup1", frozenset({Role.SUPERVISOR}), "330100", "督查甲")


def record(**overrides: object) -> ins.Inspection | Rejection:
    args: dict[str, object] = {
        "district_code": "330102",
        "street_code": "330102001",
        "item_code": "E01-001",
        "observed_at": NOW - timedelta(hours=2),
        "actor": SUPERVISOR,
        "now": NOW,
        "ref": REF,
    }
    args |= overrides
    inspection_id = str(args.pop("inspection_id", "I-1"))
    return ins.record_inspection(inspection_id, **args)  # type: ignore[arg-type]


def rejected(outcome: ins.Inspection | Rejection) -> Rejection:
    assert isinstance(outcome, Rejection), outcome
    return outcome


def accepted(outcome: ins.Inspection | Rejection) -> ins.Inspection:
    assert isinstance(outcome, ins.Inspection), outcome
    return outcome


def test_supervisor_records_a_finding_with_its_uncapped_deduction() -> None:
    outcome = record(item_code="E01-012", count=3, note="垃圾堆积", lon=120.168, lat=30.257)
    assert isinstance(outcome, ins.Inspection)
    assert outcome.category_code == "E01"
    assert outcome.deduction == pytest.approx(6.0)  # 2.0 points × 3
    assert outcome.recorded_by == "sup1"
    assert outcome.recorded_at == NOW
    assert (outcome.street_code, outcome.lon, outcome.lat) == ("330102001", 120.168, 30.257)
    # 30 findings × 1.0 = 30 points: above the item's cap of 20, which the ranking applies.
    assert accepted(record(count=30)).deduction == pytest.approx(30.0)


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.SUPERVISOR])
def test_only_a_supervisor_may_record(role: Role) -> None:
    r = rejected(record(actor=Actor("u", frozenset({role}), "330100")))
    assert r.code == "forbidden"
    assert "监督员" in r.message


def test_unknown_item_is_refused() -> None:
    r = rejected(record(item_code="E13-001"))
    assert r.code == "unknown_item"
    assert "E13-001" in r.message


@pytest.mark.parametrize("code", ["330100", "330102001", "999999", ""])
def test_district_must_be_a_district(code: str) -> None:
    r = rejected(record(district_code=code, street_code=None))
    assert r.code == "unknown_district"


def test_street_must_lie_in_the_district() -> None:
    r = rejected(record(district_code="330105", street_code="330102001"))
    assert r.code == "area_mismatch"
    assert "湖滨街道" in r.message
    assert "拱墅区" in r.message
    assert rejected(record(street_code="330102999")).code == "unknown_street"
    assert rejected(record(street_code="330102")).code == "unknown_street"  # not a street
    assert isinstance(record(street_code=None), ins.Inspection)


def test_observed_at_within_skew_and_a_week() -> None:
    assert isinstance(record(observed_at=NOW + timedelta(minutes=5)), ins.Inspection)
    future = rejected(record(observed_at=NOW + timedelta(minutes=5, seconds=1)))
    assert future.code == "observed_in_future"
    assert "晚于当前时间" in future.message
    assert isinstance(record(observed_at=NOW - timedelta(days=7)), ins.Inspection)
    old = rejected(record(observed_at=NOW - timedelta(days=7, seconds=1)))
    assert old.code == "observed_too_long_ago"
    assert "7 天" in old.message
    edge = rejected(record(observed_at=datetime(9999, 12, 31, 23, 59, tzinfo=UTC)))
    assert edge.code == "observed_in_future"  # not beyond Beijing's calendar: no OverflowError
    assert "9999-12-31T23:59:00+00:00" in edge.message
    naive = rejected(record(observed_at=datetime(2026, 11, 26, 9, 0)))
    assert naive.code == "invalid_time"


@pytest.mark.parametrize("count", [0, -1, ins.MAX_COUNT + 1])
def test_count_between_1_and_50(count: int) -> None:
    assert rejected(record(count=count)).code == "invalid_count"


def test_count_bounds_are_accepted() -> None:
    assert accepted(record(count=1)).count == 1
    assert accepted(record(count=ins.MAX_COUNT)).count == ins.MAX_COUNT


def test_position_comes_whole_and_in_range() -> None:
    assert rejected(record(lon=120.1)).code == "invalid_position"
    assert rejected(record(lon=200.0, lat=30.2)).code == "invalid_position"
    assert rejected(record(note="x" * 4001)).code == "text_too_long"


def test_inspection_refuses_impossible_values() -> None:
    good = accepted(record())
    with pytest.raises(ValueError, match="count"):
        ins.Inspection(**{**_fields(good), "count": 0})
    with pytest.raises(ValueError, match="timezone-aware"):
        ins.Inspection(**{**_fields(good), "observed_at": datetime(2026, 11, 26)})


def _fields(i: ins.Inspection) -> dict[str, object]:
    return {name: getattr(i, name) for name in i.__slots__}


# ------------------------------------------------------------------ wire


def test_wire_args_and_doc_round_trip() -> None:
    m = Mutation(
        client_id="ws-1",
        seq=1,
        mutation_id="01936f3e-7b2a-7c00-8000-000000000001",  # type: ignore[arg-type]
        name="inspection.record",
        args={
            "inspection_id": "I-9",
            "district_code": "330102",
            "item_code": "E01-001",
            "observed_at": "2026-11-26T08:00:00+08:00",
        },
        client_now=NOW,
    )
    parsed = parse_mutation(m)
    assert isinstance(parsed, InspectionRecordArgs)
    assert (parsed.count, parsed.note, parsed.street_code) == (1, "", None)
    bad = parse_mutation(m.model_copy(update={"args": {**m.args, "count": 51}}))
    assert isinstance(bad, Rejection)
    assert bad.code == "invalid_args"
    bad = parse_mutation(m.model_copy(update={"args": {**m.args, "observed_at": "2026-11-26"}}))
    assert isinstance(bad, Rejection)
    assert bad.code == "invalid_args"
    inspection = accepted(record(lon=120.168, lat=30.257))
    doc = InspectionDoc.from_domain(inspection)
    assert doc.to_domain() == inspection
    assert InspectionDoc.model_validate(doc.model_dump(mode="json")).to_domain() == inspection
    with pytest.raises(ValidationError):
        InspectionDoc.model_validate({**doc.model_dump(mode="json"), "extra": 1})


# ------------------------------------------------------------------ findings and ranking


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=CITY_TZ)


def make(i: int, item: str, count: int, when: datetime, district: str = "330102") -> ins.Inspection:
    # Built through the rule itself, as the server does, each "now" shortly after observing.
    outcome = ins.record_inspection(
        f"I-{i}",
        district_code=district,
        item_code=item,
        count=count,
        observed_at=when,
        actor=SUPERVISOR,
        now=when + timedelta(hours=1),
        ref=REF,
    )
    assert isinstance(outcome, ins.Inspection), outcome
    return outcome


def test_findings_for_adds_counts_per_item_in_the_district_and_period() -> None:
    week = ranking.period_containing(ranking.PeriodKind.WEEK, date(2026, 11, 25))  # Mon 23rd
    inspections = [
        make(1, "E01-001", 3, at(23)),
        make(2, "E01-001", 2, at(27)),
        make(3, "E04-004", 3, at(24)),
        make(4, "E01-001", 9, at(24), district="330105"),  # another district
        make(5, "E01-001", 9, at(22, 23)),  # Sunday before, Beijing time
        # 16:30 UTC on Sunday the 29th is already Monday the 30th in Hangzhou: next week.
        make(6, "E01-001", 9, datetime(2026, 11, 29, 16, 30, tzinfo=UTC)),
        make(7, "E01-002", 1, datetime(2026, 11, 29, 15, 59, tzinfo=UTC)),  # Sunday 23:59
    ]
    assert ins.findings_for(inspections, "330102", week) == [
        ranking.Finding("E01-001", 5),
        ranking.Finding("E01-002", 1),
        ranking.Finding("E04-004", 3),
    ]
    assert ins.findings_for(inspections, "330108", week) == []


def test_findings_feed_the_ranking_and_lower_the_inspection_indicator() -> None:
    rules = REF.evaluation.rules
    week = ranking.period_containing(ranking.PeriodKind.WEEK, date(2026, 11, 25))
    inspections = [
        make(1, "E01-001", 3, at(23)),  # E01-001: 1.0/finding, cap 20
        make(2, "E01-001", 2, at(27)),  #   5 findings → 5 points
        make(3, "E01-012", 4, at(24)),  # E01-012: 2.0/finding, cap 20 → 8 points
        make(4, "E04-004", 3, at(24)),  # E04-004: 5.0/finding, cap 30
        make(5, "E04-004", 4, at(25)),  #   7 findings → 35, capped at 30
    ]
    facts = ranking.DistrictFacts("330102", findings=ins.findings_for(inspections, "330102", week))
    clean = ranking.score(ranking.DistrictFacts("330102"), rules)
    scored = ranking.score(facts, rules)
    # By hand: E01 = 100 − (5 + 8) = 87 (weight 0.12); E04 = 100 − 30 = 70 (weight 0.07);
    # the other ten categories stay at 100. Inspection = 100 − 0.12 × 13 − 0.07 × 30
    # = 100 − 1.56 − 2.1 = 96.34; the total falls by 0.25 × 3.66 = 0.915.
    assert clean.indicators[ranking.Indicator.INSPECTION] == pytest.approx(100.0)
    assert scored.inspection_by_category["E01"] == pytest.approx(87.0)
    assert scored.inspection_by_category["E04"] == pytest.approx(70.0)
    assert scored.indicators[ranking.Indicator.INSPECTION] == pytest.approx(96.34)
    assert scored.total == pytest.approx(clean.total - 0.915)
    trace = ranking.explain(facts, rules).category("E04").items[0]
    assert (trace.count, trace.raw, trace.applied, trace.capped) == (7, 35.0, 30.0, True)
    # The uncapped deductions the records carry add up to the trace's raw numbers.
    assert sum(i.deduction for i in inspections if i.item_code == "E04-004") == trace.raw
