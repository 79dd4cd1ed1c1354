"""The ranking aggregated from a real local store: a hand-computed month of four districts.

Period: November 2026 in Beijing time = [2026-10-31T16:00Z, 2026-11-30T16:00Z).
Weights (evaluation.toml): filing 0.15, dispatch 0.10, closing 0.25, rework 0.10,
satisfaction 0.15, inspection 0.25. Category weights: E01 0.12, E08 0.10.
Satisfaction: the hotline callback's ratings (1–5) on the cases *closed* in the period;
score = (mean − 1) / 4 × 100; no ratings → 100 (not applicable).

A 330102: reported in Nov a1 (filed +2 h, dispatched, closed on time, rated 5), a2 (filed
  +30 h: late; returned once; closed escalated, rated 3), a3 (filed +1 h, dispatched, in
  progress).
  filing 2/3 = 66.667, dispatch 2/3 = 66.667, closing 1/2 = 50, rework 0/2 → 100,
  satisfaction (5 + 3) / 2 = 4 → 75.
  Findings E01-001 (1.0, cap 20) ×2 + ×1 = 3 → E01 97 → inspection 100 − 0.12×3 = 99.64.
  total = 10 + 6.6667 + 12.5 + 10 + 11.25 + 24.91 = 75.3267 → 75.33
B 330105: same cases and ratings as A; finding E08-001 (5.0, cap 30) ×1 → E08 95 →
  inspection 99.5.
  total = 10 + 6.6667 + 12.5 + 10 + 11.25 + 24.875 = 75.2917 → 75.29
C 330106: c1 reported 10-31T17:00Z (1 Nov in Beijing: counts), closed on time, rated 5; c2
  closed on time after a rework, rated 1; c3 reported in October, closed 3 Nov (closing and
  its rating 5 only); c4 invalid (never filed: nowhere; the rating 1 its document carries is
  not read: an invalid report is no closing); c5 reported 11-30T16:30Z (1 Dec in Beijing: not
  November); c6 filed exactly 24 h after the report (on time), dispatched, open; c0 reported
  and closed in October, rated 5 on 2 November (counts in October, the month it closed).
  filing 3/3, dispatch 3/3, closing 3/3, rework 1/3 → 66.667,
  satisfaction (5 + 1 + 5) / 3 = 3.6667 → 66.667.
  Findings E01-011 (1.0, cap 20) ×15 + ×10 = 25 → capped at 20 → E01 80 → inspection 97.6;
  one more observed 1 Dec in Beijing is not counted; one recorded with "+08:00" text is.
  total = 15 + 10 + 25 + 6.6667 + 10 + 24.4 = 91.0667 → 91.07
D 330108: d1, d2 filed 48 h late, both returned, neither closed: filing 0, dispatch 0, closing,
  rework and satisfaction not applicable (100). total = 0 + 0 + 25 + 10 + 15 + 25 = 75.00

Rank (red 1, black 1): C 91.07 red, A 75.33, B 75.29, D 75.00 black.
October (previous): only C has cases (c3: filed and dispatched on time, not closed; c0: on
time throughout, rated 5) → all 100, ties go by on-time closing, inspection, then code: A 1,
B 2, C 3, D 4. Movement: C +2, A −1, B −1, D 0.
Changing A's first finding from ×2 to ×5 (A: E01-001 ×6 → inspection 99.28 → 24.82):
A total = 75.2367 → 75.24 < B's 75.29, so A and B swap: C 1, B 2, A 3, D 4.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cityops.domain.ranking import (
    DistrictFacts,
    Finding,
    Indicator,
    Period,
    PeriodKind,
    Ratings,
    format_score,
)
from cityops.domain.reference import load_reference
from cityops.domain.schemas import Entity
from cityops.local_store import ranking_facts as rf
from cityops.local_store.store import LocalStore

REF = load_reference()
RULES = replace(REF.evaluation.rules, red_list_size=1, black_list_size=1)
NOVEMBER = Period(PeriodKind.MONTH, date(2026, 11, 1))
A, B, C, D = "330102", "330105", "330106", "330108"
DISTRICTS = (A, B, C, D)
H = timedelta(hours=1)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def utc(month: int, day: int, hour: int = 2, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def case(
    case_id: str,
    district: str,
    reported: datetime,
    *,
    state: str = "closed",
    filed_after: timedelta | None = 2 * H,
    returns: int = 0,
    closed: datetime | None = None,
    escalation: int = 0,
    rework: int = 0,
    rating: int | None = None,
    rated: datetime | None = None,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": case_id,
        "state": state,
        # Rated cases are hotline calls: the callback asks the reporter.
        "source": "patrol" if rating is None else "hotline",
        "description": f"案件 {case_id}",
        "reported_at": _iso(reported),
        "reported_by": "col-7",
        "district_code": district,
        "escalation_level": escalation,
        "rework_count": rework,
        "return_count": returns,
        "version": 3,
    }
    if filed_after is not None:
        doc["filed_at"] = _iso(reported + filed_after)
        doc["first_dispatched_at"] = _iso(reported + filed_after + H)
    if closed is not None:
        doc["closed_at"] = _iso(closed)
    if rating is not None:
        doc["satisfaction"] = rating
        doc["satisfaction_by"] = "disp-1"
        doc["satisfaction_at"] = _iso(rated or (closed or reported) + 20 * H)
    return doc


def finding(
    inspection_id: str, district: str, item: str, count: int, observed: str
) -> dict[str, Any]:
    rule = RULES.item(item)
    return {
        "id": inspection_id,
        "district_code": district,
        "item_code": item,
        "category_code": rule.category,
        "count": count,
        "deduction": rule.deduction * count,
        "note": "",
        "observed_at": observed,
        "recorded_by": "sup-1",
        "recorded_at": observed,
    }


def month_cases() -> list[dict[str, Any]]:
    docs = []
    for p, d in (("a", A), ("b", B)):
        docs += [
            case(f"{p}1", d, utc(11, 5), closed=utc(11, 6), rating=5),
            case(
                f"{p}2",
                d,
                utc(11, 10),
                filed_after=30 * H,
                returns=1,
                closed=utc(11, 15),
                escalation=1,
                rating=3,
            ),  # fmt: skip
            case(f"{p}3", d, utc(11, 20), state="in_progress", filed_after=H),
        ]
    docs += [
        case("c0", C, utc(10, 10), closed=utc(10, 20), rating=5, rated=utc(11, 2)),
        case("c1", C, utc(10, 31, 17), closed=utc(11, 2), rating=5),
        case("c2", C, utc(11, 10), closed=utc(11, 12), rework=1, rating=1),
        case("c3", C, utc(10, 20), closed=utc(11, 3), rating=5),
        case(
            "c4",
            C,
            utc(11, 15),
            state="invalid",
            filed_after=None,
            closed=utc(11, 15, 5),
            rating=1,
        ),  # fmt: skip
        case("c5", C, utc(11, 30, 16, 30), state="filed", filed_after=H),
        case("c6", C, utc(11, 20), state="dispatched", filed_after=24 * H),
        case("d1", D, utc(11, 5), state="returned", filed_after=48 * H, returns=1),
        case("d2", D, utc(11, 6), state="dispatched", filed_after=48 * H, returns=2),
    ]
    return docs


def month_findings(a_first_count: int = 2) -> list[dict[str, Any]]:
    return [
        finding("i-a1", A, "E01-001", a_first_count, "2026-11-03T01:00:00Z"),
        finding("i-a2", A, "E01-001", 1, "2026-11-18T06:00:00Z"),
        finding("i-b1", B, "E08-001", 1, "2026-11-09T03:00:00Z"),
        finding("i-c1", C, "E01-011", 15, "2026-11-01T00:30:00+08:00"),
        finding("i-c2", C, "E01-011", 10, "2026-11-25T08:00:00Z"),
        finding("i-c3", C, "E08-001", 3, "2026-11-30T16:30:00Z"),  # 1 December in Beijing
    ]


def changes(docs: list[dict[str, Any]], entity: Entity, first_seq: int) -> list[dict[str, Any]]:
    return [
        {
            "seq": first_seq + i,
            "entity": entity.value,
            "entity_id": doc["id"],
            "version": doc.get("version", 1),
            "op": "upsert",
            "payload": doc,
        }
        for i, doc in enumerate(docs)
    ]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    s = LocalStore.open(tmp_path / "cache.sqlite3")
    cases = changes(month_cases(), Entity.CASE, 1)
    found = changes(month_findings(), Entity.INSPECTION, len(cases) + 1)
    s.apply_changes([*cases, *found], cursor=len(cases) + len(found))
    yield s
    s.close()


def report(store: LocalStore) -> rf.RankingReport:
    return rf.ranking_report(store, NOVEMBER, REF, rules=RULES, districts=DISTRICTS)


def test_facts_count_what_the_hand_computation_counts(store: LocalStore) -> None:
    facts = rf.district_facts(store, NOVEMBER, DISTRICTS)
    assert facts[A] == DistrictFacts(
        A, filed=3, filed_on_time=2, dispatched=3, dispatched_correctly=2, closed=2,
        closed_on_time=1, handled=2, reworked=0, satisfaction_ratings=Ratings(2, 8.0),
        findings=(Finding("E01-001", 3),),
    )  # fmt: skip
    # c1, c2, c3 closed in November; not c0 (closed in October, called back in November)
    # nor the invalid c4.
    assert facts[C] == DistrictFacts(
        C, filed=3, filed_on_time=3, dispatched=3, dispatched_correctly=3, closed=3,
        closed_on_time=3, handled=3, reworked=1, satisfaction_ratings=Ratings(3, 11.0),
        findings=(Finding("E01-011", 25),),
    )  # fmt: skip
    assert facts[D] == DistrictFacts(
        D, filed=2, filed_on_time=0, dispatched=2, dispatched_correctly=0
    )
    assert facts[D].satisfaction_ratings == Ratings()
    october = rf.district_facts(store, NOVEMBER.previous(), DISTRICTS)
    assert october[C].satisfaction_ratings == Ratings(1, 5.0)  # c0, by its closing month


def test_scores_ranks_and_lists_are_exactly_the_hand_computed_ones(store: LocalStore) -> None:
    r = report(store)
    board = [(e.rank, e.district_code, format_score(e.total)) for e in r.ranking.entries]
    assert board == [(1, C, "91.07"), (2, A, "75.33"), (3, B, "75.29"), (4, D, "75.00")]
    assert [e.district_code for e in r.ranking.red_list] == [C]
    assert [e.district_code for e in r.ranking.black_list] == [D]
    assert {e.district_code: e.movement for e in r.ranking.entries} == {C: 2, A: -1, B: -1, D: 0}
    a = r.explanation(A)
    assert format_score(a.indicator(Indicator.ON_TIME_FILING).score) == "66.67"
    assert a.indicator(Indicator.ON_TIME_CLOSING).score == 50.0
    satisfaction = a.indicator(Indicator.PUBLIC_SATISFACTION)
    assert not satisfaction.not_applicable
    assert (satisfaction.numerator, satisfaction.denominator) == (8.0, 2)
    assert satisfaction.score == 75.0
    assert r.explanation(D).indicator(Indicator.PUBLIC_SATISFACTION).not_applicable
    assert format_score(a.indicator(Indicator.INSPECTION).score) == "99.64"
    c = r.explanation(C)
    assert format_score(c.indicator(Indicator.PUBLIC_SATISFACTION).score) == "66.67"
    assert c.category("E01").score == 80.0  # 25 findings capped at 20 points
    assert format_score(c.indicator(Indicator.REWORK_RATE).score) == "66.67"
    assert format_score(c.indicator(Indicator.INSPECTION).score) == "97.60"


def test_list_sizes_come_from_the_rules(store: LocalStore) -> None:
    rules = replace(RULES, red_list_size=2, black_list_size=2)
    r = rf.ranking_report(store, NOVEMBER, REF, rules=rules, districts=DISTRICTS)
    assert [e.district_code for e in r.ranking.red_list] == [C, A]
    assert [e.district_code for e in r.ranking.black_list] == [B, D]


def test_a_changed_finding_moves_the_rank_as_computed(store: LocalStore) -> None:
    assert report(store).ranking.rank_of(A) == 2
    # The same inspection again, now recording five findings instead of two (a later version).
    changed = finding("i-a1", A, "E01-001", 5, "2026-11-03T01:00:00Z")
    store.apply_changes(changes([changed], Entity.INSPECTION, 100), cursor=100)
    r = report(store)
    board = [(e.rank, e.district_code, format_score(e.total)) for e in r.ranking.entries]
    assert board == [(1, C, "91.07"), (2, B, "75.29"), (3, A, "75.24"), (4, D, "75.00")]
    assert format_score(r.explanation(A).indicator(Indicator.INSPECTION).score) == "99.28"


def test_drill_down_lists_the_cases_and_findings_behind_a_score(store: LocalStore) -> None:
    filing = rf.cases_behind(store, NOVEMBER, A, Indicator.ON_TIME_FILING)
    assert [(x.case_id, x.counted_ok) for x in filing] == [
        ("a2", False),
        ("a1", True),
        ("a3", True),
    ]
    closing = rf.cases_behind(store, NOVEMBER, C, Indicator.ON_TIME_CLOSING)
    assert sorted(x.case_id for x in closing) == ["c1", "c2", "c3"]
    rework = rf.cases_behind(store, NOVEMBER, C, Indicator.REWORK_RATE)
    assert [x.case_id for x in rework if not x.counted_ok] == ["c2"]
    # The drill-down's counts are the indicator's inputs.
    t = report(store).explanation(A).indicator(Indicator.ON_TIME_FILING)
    assert rf.indicator_cases(filing) == (t.numerator, t.denominator)
    # Satisfaction: the rated cases closed in November, the 不满意 one first, with their scores.
    rated = rf.cases_behind(store, NOVEMBER, C, Indicator.PUBLIC_SATISFACTION)
    assert [(x.case_id, x.counted_ok, x.score) for x in rated] == [
        ("c2", False, 1),
        ("c3", True, 5),
        ("c1", True, 5),
    ]
    s = report(store).explanation(C).indicator(Indicator.PUBLIC_SATISFACTION)
    assert rf.rated_cases(rated) == Ratings(int(s.denominator), float(s.numerator))
    assert Indicator.PUBLIC_SATISFACTION in rf.drill_indicators()
    assert rf.cases_behind(store, NOVEMBER, D, Indicator.PUBLIC_SATISFACTION) == []
    lines = rf.findings_behind(store, NOVEMBER, C)
    assert [(x.inspection_id, x.count) for x in lines] == [("i-c1", 15), ("i-c2", 10)]
    assert rf.findings_behind(store, NOVEMBER, C, category_code="E08") == []


def test_trend_gives_each_period_its_totals(store: LocalStore) -> None:
    trend = rf.totals_over(store, NOVEMBER, REF, 3, rules=RULES, districts=DISTRICTS)
    assert [p.label_en for p, _ in trend] == ["2026-09", "2026-10", "2026-11"]
    assert format_score(trend[-1][1][C]) == "91.07"
    assert trend[0][1] == dict.fromkeys(DISTRICTS, 100.0)  # nothing happened in September


def test_a_rating_off_the_scale_or_on_an_open_case_is_not_read(store: LocalStore) -> None:
    # Documents the domain would never make (edited by hand, an old client): they must neither
    # count nor break the ranking (``Ratings`` refuses a sum off the 1–5 scale).
    odd = [
        case("d3", D, utc(11, 7), closed=utc(11, 8), rating=9),
        case("d4", D, utc(11, 7), closed=utc(11, 8), rating=0),
        case("d5", D, utc(11, 7), state="in_progress", rating=1),
    ]
    store.apply_changes(changes(odd, Entity.CASE, 200), cursor=202)
    facts = rf.district_facts(store, NOVEMBER, DISTRICTS)
    assert facts[D].closed == 2
    assert facts[D].satisfaction_ratings == Ratings()
    assert rf.cases_behind(store, NOVEMBER, D, Indicator.PUBLIC_SATISFACTION) == []


def test_ratings_passed_by_the_caller_replace_the_stored_ones(store: LocalStore) -> None:
    what_if = {A: Ratings(2, 10.0)}  # A rated 满意 twice: back to 100
    r = rf.ranking_report(store, NOVEMBER, REF, rules=RULES, districts=DISTRICTS, ratings=what_if)
    assert (r.ranking.entries[1].district_code, format_score(r.ranking.entries[1].total)) == (
        A,
        "79.08",
    )
    assert r.explanation(C).indicator(Indicator.PUBLIC_SATISFACTION).not_applicable


def test_reports_left_unfiled_past_24_hours_count_as_late(store: LocalStore) -> None:
    """D's two reports were filed 48 h late (0/2). A third, still waiting to be filed, counts
    against D once 24 h have passed — a district cannot keep its score by not filing — while a
    report closed as invalid never does."""
    waiting = [
        case("d6", D, utc(11, 20), state="verified", filed_after=None),
        case("d7", D, utc(11, 20), state="invalid", filed_after=None),
    ]
    store.apply_changes(changes(waiting, Entity.CASE, 300), cursor=301)
    within = rf.district_facts(store, NOVEMBER, DISTRICTS, now=utc(11, 20, 12))
    assert (within[D].filed_on_time, within[D].filed) == (0, 2)
    later = rf.district_facts(store, NOVEMBER, DISTRICTS, now=utc(11, 22))
    assert (later[D].filed_on_time, later[D].filed) == (0, 3)
    lines = rf.cases_behind(store, NOVEMBER, D, Indicator.ON_TIME_FILING, now=utc(11, 22))
    assert sorted(line.case_id for line in lines) == ["d1", "d2", "d6"]
    assert not any(line.counted_ok for line in lines)
    # A has 2 of 3 on time; one more of A's reports waiting: 2 of 4.
    store.apply_changes(
        changes([case("a4", A, utc(11, 21), state="reported", filed_after=None)], Entity.CASE, 400),
        cursor=400,
    )
    r = rf.ranking_report(store, NOVEMBER, REF, rules=RULES, districts=DISTRICTS, now=utc(11, 23))
    trace = r.explanation(A).indicator(Indicator.ON_TIME_FILING)
    assert (trace.numerator, trace.denominator) == (2, 4)
    assert format_score(trace.score) == "50.00"


def test_findings_the_standard_cannot_score_are_left_out_and_counted(store: LocalStore) -> None:
    """A finding of an item the current standard does not have (recorded under another
    version) or with a count that is not a whole number ≥ 1 must not stop every district's
    ranking: it is left out, counted, and the scores stay the hand-computed ones."""
    odd = [
        finding("i-x1", A, "E01-001", 1, "2026-11-04T01:00:00Z") | {"item_code": "E99-999"},
        finding("i-x2", B, "E08-001", 1, "2026-11-04T01:00:00Z") | {"count": 2.5},
        finding("i-x3", B, "E08-001", 1, "2026-11-04T01:00:00Z") | {"count": 0},
    ]
    store.apply_changes(changes(odd, Entity.INSPECTION, 500), cursor=502)
    r = report(store)
    assert r.ignored_findings == 3
    totals = {e.district_code: format_score(e.total) for e in r.ranking.entries}
    assert totals == {C: "91.07", A: "75.33", B: "75.29", D: "75.00"}
    assert report(store).ignored_findings == 3


def test_no_movement_is_shown_against_a_period_in_which_nothing_happened(
    store: LocalStore,
) -> None:
    october = rf.ranking_report(store, NOVEMBER.previous(), REF, rules=RULES, districts=DISTRICTS)
    assert all(e.movement is None for e in october.ranking.entries)  # September was empty
    assert [e.movement for e in report(store).ranking.entries] == [2, -1, -1, 0]  # October: c3
