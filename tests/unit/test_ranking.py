"""Ranking: hand-computed scores, tie rules, caps and floors, periods, and invariants."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityops.domain.city import CITY_TZ
from cityops.domain.ranking import (
    CategoryRule,
    DistrictFacts,
    DistrictScore,
    Finding,
    Indicator,
    ItemRule,
    Period,
    PeriodKind,
    RankedDistrict,
    Ranking,
    RankingRules,
    Ratings,
    explain,
    format_score,
    period_containing,
    rank,
    round_score,
    score,
)

# Weights as in resources/evaluation.toml.
WEIGHTS = {
    "on_time_filing": 0.15,
    "dispatch_accuracy": 0.10,
    "on_time_closing": 0.25,
    "rework_rate": 0.10,
    "public_satisfaction": 0.15,
    "inspection": 0.25,
}
CATEGORIES = (
    CategoryRule("E01", weight=0.6, base_score=100, name_zh="市容环境", name_en="appearance"),
    CategoryRule("E02", weight=0.4, base_score=100, name_zh="街面秩序", name_en="street order"),
)
ITEMS = (
    ItemRule("E01-001", "E01", deduction=2.0, max_deduction=20.0),
    ItemRule("E01-002", "E01", deduction=1.0, max_deduction=5.0),
    ItemRule("E02-001", "E02", deduction=5.0, max_deduction=60.0),
    ItemRule("E02-002", "E02", deduction=10.0, max_deduction=60.0),
)


def make_rules(red: int = 1, black: int = 1) -> RankingRules:
    return RankingRules(WEIGHTS, red, black, CATEGORIES, ITEMS)


RULES = make_rules()

# Four districts with concrete numbers; expected scores worked out by hand below.
A = DistrictFacts(  # 上城区
    "330102",
    filed=50,
    filed_on_time=45,  # 90
    dispatched=40,
    dispatched_correctly=40,  # 100
    closed=40,
    closed_on_time=36,  # 90
    handled=40,
    reworked=2,  # 100 × (1 − 2/40) = 95
    satisfaction_ratings=Ratings(10, 45),  # mean 4.5 → (4.5 − 1)/4 × 100 = 87.5
    # E01: 3 × 2 + 2 × 1 = 8 → 92; E02: 100; inspection 0.6 × 92 + 0.4 × 100 = 95.2
    findings=(Finding("E01-001", 3), Finding("E01-002", 2)),
)
# A: 0.15×90 + 0.10×100 + 0.25×90 + 0.10×95 + 0.15×87.5 + 0.25×95.2
#  = 13.5 + 10 + 22.5 + 9.5 + 13.125 + 23.8 = 92.425
A_TOTAL = 92.425

B = DistrictFacts(  # 拱墅区
    "330105",
    filed=40,
    filed_on_time=40,  # 100
    dispatched=40,
    dispatched_correctly=36,  # 90
    closed=50,
    closed_on_time=44,  # 88
    handled=50,
    reworked=5,  # 90
    satisfaction_ratings=Ratings(20, 90),  # mean 4.5 → 87.5
    # E01: 100; E02: 2 × 5 = 10 → 90; inspection 0.6 × 100 + 0.4 × 90 = 96
    findings=(Finding("E02-001", 2),),
)
# B: 0.15×100 + 0.10×90 + 0.25×88 + 0.10×90 + 0.15×87.5 + 0.25×96
#  = 15 + 9 + 22 + 9 + 13.125 + 24 = 92.125
B_TOTAL = 92.125

C = DistrictFacts(  # 西湖区
    "330106",
    filed=20,
    filed_on_time=15,  # 75
    dispatched=20,
    dispatched_correctly=15,  # 75
    closed=20,
    closed_on_time=12,  # 60
    handled=20,
    reworked=4,  # 80
    satisfaction_ratings=Ratings.of([3, 3, 2, 4]),  # mean 3 → 50
    # E01: 10 × 1 = 10, capped at 5 → 95; E02: 4 × 5 = 20 → 80
    # inspection 0.6 × 95 + 0.4 × 80 = 57 + 32 = 89
    findings=(Finding("E01-002", 10), Finding("E02-001", 4)),
)
# C: 0.15×75 + 0.10×75 + 0.25×60 + 0.10×80 + 0.15×50 + 0.25×89
#  = 11.25 + 7.5 + 15 + 8 + 7.5 + 22.25 = 71.5
C_TOTAL = 71.5

D = DistrictFacts(  # 滨江区
    "330108",
    filed=30,
    filed_on_time=27,  # 90
    dispatched=30,
    dispatched_correctly=30,  # 100
    closed=30,
    closed_on_time=24,  # 80
    handled=30,
    reworked=3,  # 90
    # no ratings → 100 (zero-denominator policy: full marks)
    # E01: 100; E02: 12 × 5 = 60 (cap 60) + 5 × 10 = 50 → 110 > 100 → floor 0
    # inspection 0.6 × 100 + 0.4 × 0 = 60
    findings=(Finding("E02-001", 12), Finding("E02-002", 5)),
)
# D: 0.15×90 + 0.10×100 + 0.25×80 + 0.10×90 + 0.15×100 + 0.25×60
#  = 13.5 + 10 + 20 + 9 + 15 + 15 = 82.5
D_TOTAL = 82.5


def board(*facts: DistrictFacts, previous: Ranking | None = None) -> Ranking:
    return rank([score(f, RULES) for f in facts], RULES, previous)


# --------------------------------------------------------------------------- scores


def test_hand_computed_indicator_scores() -> None:
    a = score(A, RULES)
    assert dict(a.indicators) == pytest.approx(
        {
            Indicator.ON_TIME_FILING: 90.0,
            Indicator.DISPATCH_ACCURACY: 100.0,
            Indicator.ON_TIME_CLOSING: 90.0,
            Indicator.REWORK_RATE: 95.0,
            Indicator.PUBLIC_SATISFACTION: 87.5,
            Indicator.INSPECTION: 95.2,
        }
    )
    assert dict(a.inspection_by_category) == pytest.approx({"E01": 92.0, "E02": 100.0})
    assert dict(score(C, RULES).inspection_by_category) == pytest.approx({"E01": 95.0, "E02": 80})


@pytest.mark.parametrize(
    ("facts", "expected"),
    [(A, A_TOTAL), (B, B_TOTAL), (C, C_TOTAL), (D, D_TOTAL)],
    ids=["A", "B", "C", "D"],
)
def test_hand_computed_totals(facts: DistrictFacts, expected: float) -> None:
    assert score(facts, RULES).total == pytest.approx(expected)


def test_hand_computed_ranking_and_lists() -> None:
    ranking = board(C, D, A, B)  # input order must not matter
    assert [(e.rank, e.district_code) for e in ranking.entries] == [
        (1, "330102"),  # A 92.425
        (2, "330105"),  # B 92.125
        (3, "330108"),  # D 82.5
        (4, "330106"),  # C 71.5
    ]
    assert [e.total for e in ranking.entries] == pytest.approx([A_TOTAL, B_TOTAL, D_TOTAL, C_TOTAL])
    assert [e.district_code for e in ranking.red_list] == ["330102"]
    assert [e.district_code for e in ranking.black_list] == ["330106"]
    assert all(e.movement is None for e in ranking.entries)


def test_five_more_two_point_findings_move_the_leader_down() -> None:
    before = board(A, B, C, D)
    worse_a = A.with_findings(Finding("E01-001", 5))
    # E01-001: 8 × 2 = 16 (cap 20 not reached); E01: 100 − (16 + 2) = 82
    # inspection 0.6 × 82 + 0.4 × 100 = 89.2; total drops by 0.25 × 0.6 × 10 = 1.5
    # A: 92.425 − 1.5 = 90.925 < B 92.125
    a = score(worse_a, RULES)
    assert a.inspection_by_category["E01"] == pytest.approx(82.0)
    assert a.indicators[Indicator.INSPECTION] == pytest.approx(89.2)
    assert a.total == pytest.approx(90.925)
    after = board(worse_a, B, C, D, previous=before)
    assert [(e.district_code, e.rank, e.movement) for e in after.entries] == [
        ("330105", 1, 1),
        ("330102", 2, -1),
        ("330108", 3, 0),
        ("330106", 4, 0),
    ]
    assert [e.district_code for e in after.red_list] == ["330105"]


def test_item_cap_applies_to_findings_summed_over_the_period() -> None:
    # E01-002: 4 + 4 = 8 findings × 1 = 8, capped at 5 → E01 = 95 (not 92, and not 96 per entry)
    facts = DistrictFacts("330110", findings=(Finding("E01-002", 4), Finding("E01-002", 4)))
    trace = explain(facts, RULES).category("E01")
    assert [(i.count, i.raw, i.applied, i.capped) for i in trace.items] == [(8, 8.0, 5.0, True)]
    assert trace.score == pytest.approx(95.0)


def test_category_floor_is_zero_and_other_categories_are_untouched() -> None:
    trace = explain(D, RULES)
    e02 = trace.category("E02")
    assert e02.deducted == pytest.approx(110.0)  # 60 (capped) + 50
    assert e02.score == 0.0
    assert e02.floored
    assert trace.category("E01").score == 100.0


def test_zero_denominator_policy_gives_full_marks_and_is_marked() -> None:
    quiet = DistrictFacts("330111")
    trace = explain(quiet, RULES)
    assert all(t.score == 100.0 for t in trace.indicators)
    assert [t.indicator for t in trace.indicators if t.not_applicable] == [
        Indicator.ON_TIME_FILING,
        Indicator.DISPATCH_ACCURACY,
        Indicator.ON_TIME_CLOSING,
        Indicator.REWORK_RATE,
        Indicator.PUBLIC_SATISFACTION,
    ]
    assert score(quiet, RULES).total == pytest.approx(100.0)
    # Only the indicator with no cases gets full marks; the others are computed normally.
    half = DistrictFacts("330111", filed=10, filed_on_time=5)
    assert score(half, RULES).indicators[Indicator.ON_TIME_FILING] == pytest.approx(50.0)
    assert score(half, RULES).total == pytest.approx(100 - 0.15 * 50)


def test_satisfaction_extremes() -> None:
    lowest = DistrictFacts("330102", satisfaction_ratings=Ratings.of([1, 1]))
    highest = DistrictFacts("330102", satisfaction_ratings=Ratings.of([5]))
    assert score(lowest, RULES).indicators[Indicator.PUBLIC_SATISFACTION] == 0.0
    assert score(highest, RULES).indicators[Indicator.PUBLIC_SATISFACTION] == 100.0


# --------------------------------------------------------------------------- ties


def _tie_facts(code: str, **counts: int) -> DistrictFacts:
    base = {
        "filed": 10,
        "filed_on_time": 10,
        "dispatched": 10,
        "dispatched_correctly": 10,
        "closed": 10,
        "closed_on_time": 10,
        "handled": 10,
        "reworked": 0,
    }
    return DistrictFacts(code, **(base | counts))  # type: ignore[arg-type]


def test_exact_tie_is_broken_by_lower_district_code_with_distinct_ranks() -> None:
    ranking = board(_tie_facts("330109"), _tie_facts("330102"))
    assert [(e.rank, e.district_code) for e in ranking.entries] == [(1, "330102"), (2, "330109")]
    assert ranking.entries[0].total == ranking.entries[1].total


def test_equal_total_is_broken_by_on_time_closing_before_district_code() -> None:
    # X: closing 100, dispatch 0  → 0.25 × 100 + 0.10 × 0   = 25 from these two
    # Y: closing 60,  dispatch 100 → 0.25 × 60 + 0.10 × 100 = 25; everything else equal.
    x = _tie_facts("330199", dispatched_correctly=0)
    y = _tie_facts("330101", closed_on_time=6)
    assert score(x, RULES).total == pytest.approx(score(y, RULES).total)
    assert [e.district_code for e in board(y, x).entries] == ["330199", "330101"]


def test_equal_total_and_closing_is_broken_by_inspection() -> None:
    # X: inspection 100, dispatch 0 → 0.25 × 100 + 0.10 × 0 = 25
    # Y: inspection 60 (E02: 60 capped + 4 × 10 = 100 → 0; 0.6 × 100 + 0.4 × 0), dispatch 100
    #    → 0.25 × 60 + 0.10 × 100 = 25
    x = _tie_facts("330199", dispatched_correctly=0)
    y = replace(_tie_facts("330101"), findings=(Finding("E02-001", 12), Finding("E02-002", 4)))
    assert score(y, RULES).indicators[Indicator.INSPECTION] == pytest.approx(60.0)
    assert score(x, RULES).total == pytest.approx(score(y, RULES).total)
    assert [e.district_code for e in board(y, x).entries] == ["330199", "330101"]


def _bare(code: str, total: float, closing: float) -> DistrictScore:
    indicators = dict.fromkeys(Indicator, 100.0) | {Indicator.ON_TIME_CLOSING: closing}
    return DistrictScore(code, indicators, {}, total)


def test_totals_equal_at_two_decimals_are_a_tie() -> None:
    # 80.004 and 80.0 both show as 80.00: the visible tie goes to the better closing score,
    # not to an invisible 0.004.
    ranking = rank([_bare("330101", 80.004, 70.0), _bare("330102", 80.0, 90.0)], RULES)
    assert [e.district_code for e in ranking.entries] == ["330102", "330101"]
    # 80.006 shows as 80.01 and wins outright.
    ranking = rank([_bare("330101", 80.006, 70.0), _bare("330102", 80.0, 90.0)], RULES)
    assert [e.district_code for e in ranking.entries] == ["330101", "330102"]


def test_round_score_is_half_up_and_ignores_float_noise() -> None:
    assert round_score(92.42499999999999) == round_score(92.425) == 92.43
    assert format_score(71.5) == "71.50"
    assert round_score(0.1 + 0.2) == 0.3


# --------------------------------------------------------------------------- lists, movement


def _merit(e: RankedDistrict) -> tuple[float, float, float]:
    closing, inspection = (
        e.indicators[Indicator.ON_TIME_CLOSING],
        e.indicators[Indicator.INSPECTION],
    )
    return round_score(e.total), round_score(closing), round_score(inspection)


def test_a_quiet_day_where_everyone_scores_full_marks_lists_nobody() -> None:
    rules = make_rules(red=3, black=3)
    quiet = [DistrictFacts(code) for code in ("330102", "330105", "330106", "330108", "330109")]
    ranking = rank([score(f, rules) for f in quiet], rules)
    assert [e.rank for e in ranking.entries] == [1, 2, 3, 4, 5]  # the order stays strict
    assert ranking.red_list == ()
    assert ranking.black_list == ()


def test_a_list_edge_through_a_tie_leaves_the_tied_districts_off_the_list() -> None:
    rules = make_rules(red=1, black=1)
    facts = [score(f, rules) for f in (A, B, C, D)]
    ranking = rank(facts, rules)
    top, second = ranking.entries[0], ranking.entries[1]
    assert top.red
    # The runner-up copied exactly: tied with the top on everything but the code.
    twin = replace(
        next(s for s in facts if s.district_code == second.district_code),
        total=top.total,
        indicators=top.indicators,
    )
    tied = rank([twin if s.district_code == twin.district_code else s for s in facts], rules)
    assert tied.red_list == ()
    assert [e.district_code for e in tied.black_list] == [ranking.black_list[0].district_code]


def test_red_and_black_lists_never_overlap_when_districts_are_few() -> None:
    rules = make_rules(red=3, black=3)
    scores = [score(f, rules) for f in (A, B, C, D)]
    ranking = rank(scores, rules)
    assert [e.district_code for e in ranking.red_list] == ["330102", "330105", "330108"]
    assert [e.district_code for e in ranking.black_list] == ["330106"]  # shrank from 3 to 1
    two = rank(scores[:2], rules)
    assert len(two.red_list) == 2
    assert two.black_list == ()


def test_movement_against_previous_ranking_and_new_districts() -> None:
    previous = board(A, B, C)
    current = board(A, B, C, D, previous=previous)
    assert {e.district_code: e.movement for e in current.entries} == {
        "330102": 0,
        "330105": 0,
        "330108": None,  # new this period
        "330106": -1,  # 3rd → 4th
    }
    assert current.rank_of("330106") == 4
    assert current.get("999999") is None


def test_duplicate_district_is_rejected() -> None:
    with pytest.raises(ValueError, match="330102"):
        board(A, A)


# --------------------------------------------------------------------------- validation


def test_weights_not_summing_to_one_are_rejected() -> None:
    with pytest.raises(ValueError, match="indicator weights must sum to 1, got 1.05"):
        RankingRules(WEIGHTS | {"inspection": 0.30}, 1, 1, CATEGORIES, ITEMS)


def test_category_weights_not_summing_to_one_are_rejected() -> None:
    with pytest.raises(ValueError, match="category weights must sum to 1"):
        RankingRules(WEIGHTS, 1, 1, (CategoryRule("E01", 0.5),), ())


@pytest.mark.parametrize(
    ("weights", "categories", "items", "message"),
    [
        (WEIGHTS | {"speed": 0.0}, CATEGORIES, ITEMS, "unknown indicator 'speed'"),
        (
            {k: v for k, v in WEIGHTS.items() if k != "rework_rate"} | {"inspection": 0.35},
            CATEGORIES,
            ITEMS,
            "weights missing for rework_rate",
        ),
        (
            WEIGHTS | {"inspection": -0.25, "on_time_closing": 0.75},
            CATEGORIES,
            ITEMS,
            "must be ≥ 0",
        ),
        (WEIGHTS, CATEGORIES, (ItemRule("X-1", "E99", 1, 1),), "unknown category E99"),
        (WEIGHTS, CATEGORIES, (*ITEMS, ITEMS[0]), "duplicate evaluation item E01-001"),
        (WEIGHTS, (), (), "at least one evaluation category"),
    ],
)
def test_bad_rules_are_rejected(
    weights: dict[str, float],
    categories: tuple[CategoryRule, ...],
    items: tuple[ItemRule, ...],
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        RankingRules(weights, 1, 1, categories, items)


def test_rules_accept_string_keys_as_loaded_from_toml() -> None:
    assert RULES.weights[Indicator.ON_TIME_CLOSING] == 0.25
    assert RULES.item("E01-002").max_deduction == 5.0
    assert RULES.category("E02").weight == 0.4


def test_bad_facts_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"filed_on_time \(6\) exceeds filed \(5\)"):
        DistrictFacts("330102", filed=5, filed_on_time=6)
    with pytest.raises(ValueError, match="cannot sum to 12"):
        Ratings(2, 12)
    with pytest.raises(ValueError, match="outside the 1–5 scale"):
        Ratings.of([0])
    with pytest.raises(ValueError, match="count must be ≥ 1"):
        Finding("E01-001", 0)
    with pytest.raises(ValueError, match="unknown evaluation item E09-001"):
        score(DistrictFacts("330102", findings=(Finding("E09-001"),)), RULES)


# --------------------------------------------------------------------------- explanation


def test_explanation_traces_inputs_and_matches_score() -> None:
    trace = explain(C, RULES)
    filing = trace.indicator(Indicator.ON_TIME_FILING)
    assert (filing.numerator, filing.denominator, filing.score) == (15, 20, 75.0)
    assert filing.weighted == pytest.approx(11.25)
    sat = trace.indicator(Indicator.PUBLIC_SATISFACTION)
    assert (sat.numerator, sat.denominator) == (12, 4)
    assert trace.to_score() == score(C, RULES)
    en = trace.lines("en")
    assert en[0] == "district 330106"
    assert "on-time filing: 15/20 → 75.00 × 0.15 = 11.25" in en
    assert "rework rate: 4/20 reworked → 80.00 × 0.1 = 8.00" in en
    assert "public satisfaction: 4 ratings, mean 3.00 → 50.00 × 0.15 = 7.50" in en
    assert "  E01 (weight 0.6, base 100): E01-002 ×10 × 1 = 10 (capped at 5); −5 → 95" in en
    assert en[-1] == "total: 71.50"
    zh = explain(D, RULES).lines("zh")
    assert "公众满意度: 无相关案件/评价，按满分计 → 100.00 × 0.15 = 15.00" in zh
    assert any(line.endswith("→ 0 (保底 0)") for line in zh)


# --------------------------------------------------------------------------- periods


def test_iso_week_53_of_2026() -> None:
    # 2026-12-31 is a Thursday, so the ISO year 2026 has 53 weeks; W53 runs into 2027.
    week = period_containing(PeriodKind.WEEK, date(2026, 12, 31))
    assert week.start == date(2026, 12, 28)
    assert week.end == date(2027, 1, 4)
    assert (week.label_zh, week.label_en) == ("2026年第53周", "2026-W53")
    assert period_containing(PeriodKind.WEEK, date(2027, 1, 3)) == week
    following = period_containing(PeriodKind.WEEK, date(2027, 1, 4))
    assert following.label_en == "2027-W01"
    assert following.previous() == week
    assert week.next() == following


def test_week_48_label() -> None:
    week = period_containing(PeriodKind.WEEK, date(2026, 11, 26))
    assert week.start == date(2026, 11, 23)  # Monday
    assert (week.label_zh, week.label_en) == ("2026年第48周", "2026-W48")


def test_month_day_and_year_periods() -> None:
    jan = period_containing(PeriodKind.MONTH, date(2026, 1, 17))
    assert jan.previous() == Period(PeriodKind.MONTH, date(2025, 12, 1))
    assert jan.previous().label_zh == "2025年12月"
    assert jan.previous().end == date(2026, 1, 1)
    feb = period_containing(PeriodKind.MONTH, date(2028, 2, 29))
    assert (feb.end, feb.label_en) == (date(2028, 3, 1), "2028-02")
    nov = period_containing(PeriodKind.MONTH, date(2026, 11, 30))
    assert (nov.label_zh, nov.label_en) == ("2026年11月", "2026-11")
    day = period_containing(PeriodKind.DAY, date(2026, 3, 1))
    assert day.previous() == Period(PeriodKind.DAY, date(2026, 2, 28))
    assert (day.label_zh, day.label_en) == ("2026年3月1日", "2026-03-01")
    year = period_containing(PeriodKind.YEAR, date(2026, 7, 1))
    assert (year.start, year.end, year.label_zh, year.label_en) == (
        date(2026, 1, 1),
        date(2027, 1, 1),
        "2026年",
        "2026",
    )
    assert year.previous().start == date(2025, 1, 1)
    assert year.contains(date(2026, 12, 31))
    assert not year.contains(date(2027, 1, 1))


def test_bounds_are_midnights_in_city_time() -> None:
    start, end = period_containing(PeriodKind.YEAR, date(2026, 5, 5)).bounds()
    assert start == datetime(2026, 1, 1, tzinfo=CITY_TZ)
    assert start.astimezone(UTC) == datetime(2025, 12, 31, 16, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 12, 31, 16, tzinfo=UTC)
    day_start, day_end = Period(PeriodKind.DAY, date(2026, 11, 26)).bounds()
    assert (day_end - day_start).total_seconds() == 24 * 3600
    assert day_start.utcoffset() is not None


def test_aware_datetime_is_placed_in_city_time() -> None:
    # 17:00 UTC on 30 November is 01:00 on 1 December in Hangzhou.
    when = datetime(2026, 11, 30, 17, tzinfo=UTC)
    assert period_containing(PeriodKind.MONTH, when).label_en == "2026-12"
    assert period_containing(PeriodKind.DAY, when).start == date(2026, 12, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        period_containing(PeriodKind.DAY, datetime(2026, 11, 30, 17))


def test_unaligned_period_start_is_rejected() -> None:
    with pytest.raises(ValueError, match="not the first day"):
        Period(PeriodKind.WEEK, date(2026, 11, 26))  # a Thursday
    with pytest.raises(ValueError, match="not the first day"):
        Period(PeriodKind.MONTH, date(2026, 11, 2))


# --------------------------------------------------------------------------- properties

CODES = [f"3301{n:02d}" for n in range(1, 14)]  # 13 districts
ITEM_CODES = [i.code for i in ITEMS]


@st.composite
def district_facts(draw: st.DrawFn, code: str) -> DistrictFacts:
    def part_of() -> tuple[int, int]:
        whole = draw(st.integers(0, 60))
        return whole, draw(st.integers(0, whole))

    filed, filed_on_time = part_of()
    dispatched, dispatched_correctly = part_of()
    closed, closed_on_time = part_of()
    handled, reworked = part_of()
    ratings = draw(st.lists(st.integers(1, 5), max_size=12))
    findings = draw(
        st.lists(st.builds(Finding, st.sampled_from(ITEM_CODES), st.integers(1, 15)), max_size=6)
    )
    return DistrictFacts(
        code,
        filed,
        filed_on_time,
        dispatched,
        dispatched_correctly,
        closed,
        closed_on_time,
        handled,
        reworked,
        Ratings.of(ratings),
        findings,
    )


@st.composite
def city(draw: st.DrawFn) -> list[DistrictFacts]:
    codes = draw(st.lists(st.sampled_from(CODES), min_size=0, max_size=13, unique=True))
    return [draw(district_facts(code)) for code in codes]


@settings(max_examples=150, deadline=None)
@given(facts=city(), red=st.integers(0, 5), black=st.integers(0, 5))
def test_ranks_are_a_permutation_and_lists_are_disjoint(
    facts: list[DistrictFacts], red: int, black: int
) -> None:
    rules = make_rules(red, black)
    ranking = rank([score(f, rules) for f in facts], rules)
    n = len(facts)
    assert [e.rank for e in ranking.entries] == list(range(1, n + 1))
    assert sorted(e.district_code for e in ranking.entries) == sorted(
        f.district_code for f in facts
    )
    reds = {e.district_code for e in ranking.red_list}
    blacks = {e.district_code for e in ranking.black_list}
    assert not reds & blacks
    assert len(reds) <= min(red, n)
    assert len(blacks) <= min(black, n - min(red, n))
    # A list is shorter only where its edge cuts districts tied on all but the code.
    merit = {e.district_code: _merit(e) for e in ranking.entries}
    outside_red = {merit[e.district_code] for e in ranking.entries if not e.red}
    assert not any(merit[c] in outside_red for c in reds)
    above_black = {merit[e.district_code] for e in ranking.entries if not e.black}
    assert not any(merit[c] in above_black for c in blacks)
    # ... and a list is shorter than its size only for such a tie at its nominal edge.
    order = [merit[e.district_code] for e in ranking.entries]
    red_size, black_size = min(red, n), min(black, n - min(red, n))
    if len(reds) < red_size:
        assert order[len(reds)] == order[red_size]
    if len(blacks) < black_size:
        assert order[n - black_size - 1] == order[n - len(blacks) - 1]
    assert all(0.0 <= e.total <= 100.0 + 1e-9 for e in ranking.entries)


@settings(max_examples=150, deadline=None)
@given(
    facts=city().filter(bool),
    pick=st.integers(0, 12),
    item=st.sampled_from(ITEM_CODES),
    count=st.integers(1, 15),
)
def test_a_new_finding_never_raises_total_or_rank(
    facts: list[DistrictFacts], pick: int, item: str, count: int
) -> None:
    target = facts[pick % len(facts)]
    worse = target.with_findings(Finding(item, count))
    assert score(worse, RULES).total <= score(target, RULES).total
    before = rank([score(f, RULES) for f in facts], RULES)
    after = rank([score(worse if f is target else f, RULES) for f in facts], RULES)
    old_rank = before.rank_of(target.district_code)
    new_rank = after.rank_of(target.district_code)
    assert old_rank is not None
    assert new_rank is not None
    assert new_rank >= old_rank
