"""The districts' "horse race": indicator scores, weighted totals, rank, red list and black list.

Offers to the server (daily/weekly/monthly/annual ranking jobs), the reports (supervisors'
bulletins and exports) and the client (the red/black board on the wall):

- ``PeriodKind`` / ``Period`` / ``period_containing``: the day, ISO week (Monday start), month
  or year a ranking covers, with Chinese and English labels and its bounds in Beijing time;
- ``RankingRules`` with ``CategoryRule`` and ``ItemRule``: the evaluation scheme as the
  reference-data loader reads it from ``resources/evaluation.toml`` (indicator weights, list
  sizes, 12 inspection categories and their 227 items), validated on construction;
- ``DistrictFacts`` (with ``Ratings`` and ``Finding``): what happened in one district in one
  period, as counts the server aggregates from cases and inspections;
- ``score`` → ``DistrictScore``; ``rank`` → ``Ranking`` of ``RankedDistrict``;
- ``explain`` → ``Explanation``: every indicator traced to its inputs and every inspection
  category to its findings and deductions, for the supervisors' drill-down.

Policies every caller should know (each one is also stated where it is applied):

- **Scale.** Every indicator scores 0–100; the total is the weighted sum, also 0–100.
- **Zero denominators.** A district with no cases of a kind (nothing filed, nothing dispatched,
  nothing closed, nothing handled, no satisfaction ratings) gets **full marks (100)** for that
  indicator, marked ``not_applicable`` in the explanation. The ranking punishes failures; with
  no cases there was nothing to fail. (The mean of the other indicators was rejected because it
  lets one bad indicator count twice.)
- **Rounding.** Computation keeps floats. Only display and tie comparison round, both through
  ``round_score``: half-up (四舍五入) to 2 decimals, after first collapsing float noise at 9
  decimals, so that two totals that differ only by summation order always compare equal and the
  board shows exactly the number that was compared.
- **Ties.** Strict order, see ``rank``; but no district is put on a list by the district-code
  tie-break alone (a list then is shorter).

Pure functions and frozen values: no clock, no I/O.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from cityops.domain.city import CITY_TZ, require_aware

# Weights come from TOML decimals such as 0.15 + 0.10 + 0.25 ..., whose binary sum is 1 only
# up to float noise; anything further off than this is a data error, not noise.
_WEIGHT_SUM_TOLERANCE = 1e-6
# Rating sums are floats too (a loader may average); allow noise when checking 1 ≤ mean ≤ 5.
_RATING_TOLERANCE = 1e-9

Lang = Literal["zh", "en"]


# --------------------------------------------------------------------------- periods


class PeriodKind(StrEnum):
    """Daily check, weekly ranking, monthly bulletin, annual assessment."""

    DAY = "day"
    WEEK = "week"  # ISO week: Monday to Sunday, numbered by ISO year
    MONTH = "month"
    YEAR = "year"


def _aligned_start(kind: PeriodKind, day: date) -> date:
    if kind is PeriodKind.DAY:
        return day
    if kind is PeriodKind.WEEK:
        return day - timedelta(days=day.weekday())
    if kind is PeriodKind.MONTH:
        return day.replace(day=1)
    return day.replace(month=1, day=1)


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """One calendar period, ``[start, end)`` in city dates. ``start`` must be the period's
    first day (a Monday for weeks, the 1st for months, 1 January for years); use
    ``period_containing`` to get the period of an arbitrary day."""

    kind: PeriodKind
    start: date

    def __post_init__(self) -> None:
        # A datetime is a date too; letting one in would make equality and labels surprising.
        if isinstance(self.start, datetime) or not isinstance(self.start, date):
            raise TypeError(f"Period.start must be a date, got {self.start!r}")
        if _aligned_start(self.kind, self.start) != self.start:
            raise ValueError(
                f"{self.start.isoformat()} is not the first day of a {self.kind} period; "
                "use period_containing()"
            )

    @property
    def end(self) -> date:
        """The first day after the period (exclusive end)."""
        if self.kind is PeriodKind.DAY:
            return self.start + timedelta(days=1)
        if self.kind is PeriodKind.WEEK:
            return self.start + timedelta(days=7)
        if self.kind is PeriodKind.MONTH:
            days = calendar.monthrange(self.start.year, self.start.month)[1]
            return self.start + timedelta(days=days)
        return self.start.replace(year=self.start.year + 1)

    def previous(self) -> Period:
        return Period(self.kind, _aligned_start(self.kind, self.start - timedelta(days=1)))

    def next(self) -> Period:
        return Period(self.kind, self.end)

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def bounds(self, tz: tzinfo = CITY_TZ) -> tuple[datetime, datetime]:
        """``[start, end)`` as aware datetimes at local midnight in ``tz`` (the city's time zone
        by default: a district's day is Beijing's day, whatever the server's clock says)."""
        return (
            datetime.combine(self.start, time(0), tzinfo=tz),
            datetime.combine(self.end, time(0), tzinfo=tz),
        )

    @property
    def label_zh(self) -> str:
        """``2026年11月26日``, ``2026年第48周``, ``2026年11月``, ``2026年``."""
        s = self.start
        if self.kind is PeriodKind.DAY:
            return f"{s.year}年{s.month}月{s.day}日"
        if self.kind is PeriodKind.WEEK:
            iso = s.isocalendar()
            return f"{iso.year}年第{iso.week}周"
        if self.kind is PeriodKind.MONTH:
            return f"{s.year}年{s.month}月"
        return f"{s.year}年"

    @property
    def label_en(self) -> str:
        """ISO 8601 style: ``2026-11-26``, ``2026-W48``, ``2026-11``, ``2026``."""
        s = self.start
        if self.kind is PeriodKind.DAY:
            return s.isoformat()
        if self.kind is PeriodKind.WEEK:
            iso = s.isocalendar()
            # The ISO year, not the calendar year: 2027-01-01 lies in 2026-W53.
            return f"{iso.year}-W{iso.week:02d}"
        if self.kind is PeriodKind.MONTH:
            return f"{s.year}-{s.month:02d}"
        return f"{s.year}"

    def label(self, lang: Lang = "zh") -> str:
        return self.label_zh if lang == "zh" else self.label_en


def period_containing(kind: PeriodKind, day: date | datetime) -> Period:
    """The ``kind`` period that contains ``day``. An aware datetime is first converted to the
    city's time zone (16:30 UTC on 31 May is already 1 June in Hangzhou); a naive datetime is
    refused because it is ambiguous."""
    if isinstance(day, datetime):
        day = require_aware(day, "ranking time").astimezone(CITY_TZ).date()
    return Period(kind, _aligned_start(kind, day))


# --------------------------------------------------------------------------- rules


class Indicator(StrEnum):
    """The six indicators. Rates are ``100 × part / whole``; see ``explain`` for the inputs."""

    ON_TIME_FILING = "on_time_filing"  # filed_on_time / filed
    DISPATCH_ACCURACY = "dispatch_accuracy"  # dispatched_correctly / dispatched
    ON_TIME_CLOSING = "on_time_closing"  # closed_on_time / closed
    REWORK_RATE = "rework_rate"  # 1 − reworked / handled: higher is better, like the others
    PUBLIC_SATISFACTION = "public_satisfaction"  # (mean rating − 1) / 4 on a 1–5 scale
    INSPECTION = "inspection"  # weighted category scores after deductions

    @property
    def label_zh(self) -> str:
        return _INDICATOR_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _INDICATOR_LABELS[self][1]


_INDICATOR_LABELS: Mapping[Indicator, tuple[str, str]] = MappingProxyType(
    {
        Indicator.ON_TIME_FILING: ("按时立案率", "on-time filing"),
        Indicator.DISPATCH_ACCURACY: ("派遣准确率", "dispatch accuracy"),
        Indicator.ON_TIME_CLOSING: ("按期结案率", "on-time closing"),
        Indicator.REWORK_RATE: ("返工率", "rework rate"),
        Indicator.PUBLIC_SATISFACTION: ("公众满意度", "public satisfaction"),
        Indicator.INSPECTION: ("考评检查", "inspection"),
    }
)


@dataclass(frozen=True, slots=True)
class CategoryRule:
    """One of the 12 evaluation categories: its share of the inspection indicator and the score
    it starts from before deductions (≤ 100, so that the inspection indicator stays on 0–100)."""

    code: str
    weight: float
    base_score: float = 100.0
    name_zh: str = ""
    name_en: str = ""

    def __post_init__(self) -> None:
        if not self.code:
            raise ValueError("evaluation category code must not be empty")
        if not (math.isfinite(self.weight) and self.weight >= 0):
            raise ValueError(f"category {self.code}: weight {self.weight} must be ≥ 0")
        if not (math.isfinite(self.base_score) and 0 < self.base_score <= 100):
            raise ValueError(
                f"category {self.code}: base_score {self.base_score} must be in (0, 100]"
            )


@dataclass(frozen=True, slots=True)
class ItemRule:
    """One of the 227 evaluation items: points deducted per finding, and the most it may deduct
    from one district in one period (so one chronic problem cannot wipe out a category)."""

    code: str
    category: str
    deduction: float
    max_deduction: float
    name_zh: str = ""
    name_en: str = ""

    def __post_init__(self) -> None:
        if not self.code:
            raise ValueError("evaluation item code must not be empty")
        if not (math.isfinite(self.deduction) and self.deduction >= 0):
            raise ValueError(f"item {self.code}: deduction {self.deduction} must be ≥ 0")
        # math.inf is allowed: "no cap".
        if math.isnan(self.max_deduction) or self.max_deduction < 0:
            raise ValueError(f"item {self.code}: max_deduction {self.max_deduction} must be ≥ 0")


def _check_weight_sum(total: float, what: str) -> None:
    if abs(total - 1.0) > _WEIGHT_SUM_TOLERANCE:
        raise ValueError(f"{what} must sum to 1, got {total:.6g}")


@dataclass(frozen=True, slots=True)
class RankingRules:
    """The evaluation scheme. Built by the reference-data loader straight from
    ``evaluation.toml``: ``weights`` may be keyed by ``Indicator`` or its string value and must
    name all six indicators; ``categories`` and ``items`` are the ``[[category]]`` and
    ``[[item]]`` tables as ``CategoryRule`` / ``ItemRule``. Every inconsistency (weights not
    summing to 1, unknown or duplicate codes, an item in an unknown category, negative list
    sizes) raises ``ValueError`` naming it, so bad reference data fails at start-up, not in
    the middle of a monthly bulletin."""

    # Either key type is accepted: TOML gives strings, code gives Indicator. Stored keys are
    # always Indicator members (which are str), so ``weights[Indicator.X]`` works on both.
    weights: Mapping[Indicator, float] | Mapping[str, float]
    red_list_size: int
    black_list_size: int
    categories: Sequence[CategoryRule]
    items: Sequence[ItemRule]
    _category_by_code: Mapping[str, CategoryRule] = field(init=False, repr=False, compare=False)
    _item_by_code: Mapping[str, ItemRule] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        weights: dict[Indicator, float] = {}
        for key, value in self.weights.items():
            try:
                indicator = Indicator(key)
            except ValueError:
                known = ", ".join(i.value for i in Indicator)
                raise ValueError(f"unknown indicator {key!r} in weights (known: {known})") from None
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"weight of {indicator} must be ≥ 0, got {value}")
            weights[indicator] = float(value)
        missing = [i.value for i in Indicator if i not in weights]
        if missing:
            raise ValueError(f"weights missing for {', '.join(missing)} (give 0 to switch off)")
        _check_weight_sum(sum(weights.values()), "indicator weights")

        for name in ("red_list_size", "black_list_size"):
            size = getattr(self, name)
            if isinstance(size, bool) or not isinstance(size, int) or size < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {size!r}")

        categories = tuple(self.categories)
        if not categories:
            raise ValueError("at least one evaluation category is required")
        by_category: dict[str, CategoryRule] = {}
        for cat in categories:
            if cat.code in by_category:
                raise ValueError(f"duplicate evaluation category {cat.code}")
            by_category[cat.code] = cat
        _check_weight_sum(sum(c.weight for c in categories), "category weights")

        items = tuple(self.items)
        by_item: dict[str, ItemRule] = {}
        for item in items:
            if item.code in by_item:
                raise ValueError(f"duplicate evaluation item {item.code}")
            if item.category not in by_category:
                raise ValueError(f"item {item.code} names unknown category {item.category}")
            by_item[item.code] = item

        # Frozen: store the normalised, read-only forms so later mutation of the caller's
        # dicts/lists cannot change a ranking already under way.
        object.__setattr__(self, "weights", MappingProxyType(weights))
        object.__setattr__(self, "categories", categories)
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "_category_by_code", MappingProxyType(by_category))
        object.__setattr__(self, "_item_by_code", MappingProxyType(by_item))

    def category(self, code: str) -> CategoryRule:
        return self._category_by_code[code]

    def item(self, code: str) -> ItemRule:
        return self._item_by_code[code]

    def has_item(self, code: str) -> bool:
        return code in self._item_by_code


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True, slots=True)
class Ratings:
    """Public satisfaction ratings on a 1–5 scale, kept as count and sum so the server can
    aggregate them with SQL; ``Ratings.of([5, 4, 3])`` builds them from single ratings."""

    count: int = 0
    total: float = 0.0

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError(f"rating count must be ≥ 0, got {self.count}")
        low, high = self.count - _RATING_TOLERANCE, 5 * self.count + _RATING_TOLERANCE
        if not (low <= self.total <= high):
            raise ValueError(
                f"{self.count} ratings on a 1–5 scale cannot sum to {self.total} "
                f"(must be between {self.count} and {5 * self.count})"
            )

    @classmethod
    def of(cls, ratings: Iterable[float]) -> Ratings:
        values = list(ratings)
        for value in values:
            if not 1 <= value <= 5:
                raise ValueError(f"rating {value} is outside the 1–5 scale")
        return cls(len(values), float(sum(values)))

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None


@dataclass(frozen=True, slots=True)
class Finding:
    """``count`` findings of one evaluation item during the period's inspections."""

    item_code: str
    count: int = 1

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError(f"finding of {self.item_code}: count must be ≥ 1, got {self.count}")


# (part, whole) pairs of DistrictFacts, each with the rule part ≤ whole.
_PAIRS = (
    ("filed_on_time", "filed"),
    ("dispatched_correctly", "dispatched"),
    ("closed_on_time", "closed"),
    ("reworked", "handled"),
)


@dataclass(frozen=True, slots=True)
class DistrictFacts:
    """What one district did in one period. ``dispatched_correctly`` counts dispatches that
    were not returned for re-dispatch; ``reworked`` counts handled cases whose check failed.
    Counts are validated (non-negative, part ≤ whole) because a negative rate would silently
    reward a district."""

    district_code: str
    filed: int = 0
    filed_on_time: int = 0
    dispatched: int = 0
    dispatched_correctly: int = 0
    closed: int = 0
    closed_on_time: int = 0
    handled: int = 0
    reworked: int = 0
    satisfaction_ratings: Ratings = Ratings()
    findings: Sequence[Finding] = ()

    def __post_init__(self) -> None:
        if not self.district_code:
            raise ValueError("district_code must not be empty")
        for part, whole in _PAIRS:
            p, w = getattr(self, part), getattr(self, whole)
            if p < 0 or w < 0:
                raise ValueError(f"district {self.district_code}: {part}/{whole} must be ≥ 0")
            if p > w:
                raise ValueError(
                    f"district {self.district_code}: {part} ({p}) exceeds {whole} ({w})"
                )
        object.__setattr__(self, "findings", tuple(self.findings))

    def with_findings(self, *extra: Finding) -> DistrictFacts:
        """A copy with ``extra`` findings added (what-if views, tests)."""
        return replace(self, findings=(*self.findings, *extra))


# --------------------------------------------------------------------------- explanation


def round_score(value: float) -> float:
    """The 2-decimal score shown on the board and used to compare for ties: half-up
    (四舍五入, as in the published bulletins) after collapsing float noise at 9 decimals, so
    ``92.42499999999`` and ``92.425`` both become ``92.43``."""
    noise_free = Decimal(repr(round(value, 9)))
    return float(noise_free.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def format_score(value: float) -> str:
    return f"{round_score(value):.2f}"


@dataclass(frozen=True, slots=True)
class IndicatorTrace:
    """How one indicator was scored. ``numerator``/``denominator`` are the facts' raw inputs:
    the on-time/correct count and its whole for the three rates; ``reworked``/``handled`` for
    the rework rate (score = 100 × (1 − n/d)); rating sum/count for satisfaction (score =
    (n/d − 1)/4 × 100); ``None`` for inspection, which ``Explanation.categories`` details.
    ``not_applicable`` means the denominator was zero and full marks were given."""

    indicator: Indicator
    numerator: float | None
    denominator: float | None
    score: float
    weight: float
    not_applicable: bool = False

    @property
    def weighted(self) -> float:
        return self.weight * self.score

    def inputs_text(self, lang: Lang = "zh") -> str:
        """The inputs as the explanation shows them: ``2/3``, ``返工 1/3``, ``3 条评价，均分
        3.67``, or the not-applicable note."""
        return _describe_inputs(self, lang == "zh")


@dataclass(frozen=True, slots=True)
class ItemTrace:
    """One evaluation item's findings: ``raw`` = count × deduction, ``applied`` = min(raw, cap)."""

    item_code: str
    count: int
    deduction: float
    max_deduction: float
    raw: float
    applied: float

    @property
    def capped(self) -> bool:
        return self.applied < self.raw


@dataclass(frozen=True, slots=True)
class CategoryTrace:
    """One category: ``score`` = max(0, base − Σ applied); ``floored`` when the max bit."""

    code: str
    weight: float
    base_score: float
    items: tuple[ItemTrace, ...]
    deducted: float
    score: float

    @property
    def floored(self) -> bool:
        return self.deducted > self.base_score

    @property
    def weighted(self) -> float:
        return self.weight * self.score


@dataclass(frozen=True, slots=True)
class DistrictScore:
    """A district's indicator scores (0–100), its inspection score per category (0–base) and
    its weighted total (0–100), unrounded."""

    district_code: str
    indicators: Mapping[Indicator, float]
    inspection_by_category: Mapping[str, float]
    total: float


@dataclass(frozen=True, slots=True)
class Explanation:
    """The full trace behind a ``DistrictScore``; ``score`` is derived from it, so what the
    supervisor reads is by construction what was ranked."""

    district_code: str
    indicators: tuple[IndicatorTrace, ...]
    categories: tuple[CategoryTrace, ...]
    total: float

    def indicator(self, which: Indicator) -> IndicatorTrace:
        return next(t for t in self.indicators if t.indicator is which)

    def category(self, code: str) -> CategoryTrace:
        return next(c for c in self.categories if c.code == code)

    def to_score(self) -> DistrictScore:
        return DistrictScore(
            self.district_code,
            MappingProxyType({t.indicator: t.score for t in self.indicators}),
            MappingProxyType({c.code: c.score for c in self.categories}),
            self.total,
        )

    def lines(self, lang: Lang = "zh", name: str | None = None) -> list[str]:
        """Human-readable lines, one per indicator then one per inspection category that had
        findings, then the total; the first names the district (``name``, else its code).
        Numbers are shown rounded; the trace itself is not."""
        zh = lang == "zh"
        out = [f"{'区县' if zh else 'district'} {name or self.district_code}"]
        for t in self.indicators:
            label = t.indicator.label_zh if zh else t.indicator.label_en
            out.append(f"{label}: {_describe_inputs(t, zh)} → {_weighted(t.score, t.weight)}")
            if t.indicator is Indicator.INSPECTION:
                out.extend(f"  {_describe_category(c, zh)}" for c in self.categories if c.items)
        out.append(f"{'总分' if zh else 'total'}: {format_score(self.total)}")
        return out


def _weighted(score: float, weight: float) -> str:
    return f"{format_score(score)} × {weight:g} = {format_score(score * weight)}"


def _describe_inputs(t: IndicatorTrace, zh: bool) -> str:
    if t.indicator is Indicator.INSPECTION:
        return "见下列分类" if zh else "see categories below"
    if t.not_applicable:
        return "无相关案件/评价，按满分计" if zh else "no cases or ratings, full marks"
    n, d = t.numerator, t.denominator
    if n is None or d is None:  # only inspection has no inputs of its own, handled above
        return ""
    if t.indicator is Indicator.PUBLIC_SATISFACTION:
        mean = f"{n / d:.2f}"
        return f"{d:g} 条评价，均分 {mean}" if zh else f"{d:g} ratings, mean {mean}"
    if t.indicator is Indicator.REWORK_RATE:
        return f"返工 {n:g}/{d:g}" if zh else f"{n:g}/{d:g} reworked"
    return f"{n:g}/{d:g}"


def _describe_category(c: CategoryTrace, zh: bool) -> str:
    parts = []
    for i in c.items:
        text = f"{i.item_code} ×{i.count} × {i.deduction:g} = {i.raw:g}"
        if i.capped:
            text += f" ({'封顶' if zh else 'capped at'} {i.max_deduction:g})"
        parts.append(text)
    floor = (" (保底 0)" if zh else " (floor 0)") if c.floored else ""
    head = f"{c.code} ({'权重' if zh else 'weight'} {c.weight:g}, {'基础分' if zh else 'base'} "
    return f"{head}{c.base_score:g}): {'; '.join(parts)}; −{c.deducted:g} → {c.score:g}{floor}"


def _rate(indicator: Indicator, part: int, whole: int, weight: float) -> IndicatorTrace:
    # Zero-denominator policy: no cases of this kind → full marks (see module docstring).
    if whole == 0:
        return IndicatorTrace(indicator, part, whole, 100.0, weight, not_applicable=True)
    return IndicatorTrace(indicator, part, whole, 100.0 * part / whole, weight)


def explain(facts: DistrictFacts, rules: RankingRules) -> Explanation:
    """Score ``facts`` under ``rules`` and keep every intermediate number.

    Findings of the same item are added up before the item's cap applies (the cap is per
    district and period, however many inspection rounds reported it). A finding for an item
    the rules do not know raises ``ValueError``: silently ignoring it would reward the district.
    """
    w = rules.weights
    rework = (
        IndicatorTrace(Indicator.REWORK_RATE, 0, 0, 100.0, w[Indicator.REWORK_RATE], True)
        if facts.handled == 0
        else IndicatorTrace(
            Indicator.REWORK_RATE,
            facts.reworked,
            facts.handled,
            100.0 * (1.0 - facts.reworked / facts.handled),
            w[Indicator.REWORK_RATE],
        )
    )
    ratings = facts.satisfaction_ratings
    sat_weight = w[Indicator.PUBLIC_SATISFACTION]
    satisfaction = (
        IndicatorTrace(Indicator.PUBLIC_SATISFACTION, 0, 0, 100.0, sat_weight, True)
        if ratings.count == 0
        else IndicatorTrace(
            Indicator.PUBLIC_SATISFACTION,
            ratings.total,
            ratings.count,
            # Clamp only float noise the Ratings tolerance let through.
            min(100.0, max(0.0, (ratings.total / ratings.count - 1.0) / 4.0 * 100.0)),
            sat_weight,
        )
    )

    counts: dict[str, int] = {}
    for finding in facts.findings:
        if not rules.has_item(finding.item_code):
            raise ValueError(
                f"district {facts.district_code}: finding for unknown evaluation item "
                f"{finding.item_code}"
            )
        counts[finding.item_code] = counts.get(finding.item_code, 0) + finding.count
    items_by_category: dict[str, list[ItemTrace]] = {}
    for code in sorted(counts):
        item = rules.item(code)
        raw = item.deduction * counts[code]
        items_by_category.setdefault(item.category, []).append(
            ItemTrace(
                code,
                counts[code],
                item.deduction,
                item.max_deduction,
                raw,
                min(raw, item.max_deduction),
            )
        )
    categories = []
    for cat in rules.categories:
        items = tuple(items_by_category.get(cat.code, ()))
        deducted = sum(i.applied for i in items)
        categories.append(
            CategoryTrace(
                cat.code,
                cat.weight,
                cat.base_score,
                items,
                deducted,
                max(0.0, cat.base_score - deducted),
            )
        )
    inspection = IndicatorTrace(
        Indicator.INSPECTION,
        None,
        None,
        sum(c.weighted for c in categories),
        w[Indicator.INSPECTION],
    )

    traces = (
        _rate(
            Indicator.ON_TIME_FILING,
            facts.filed_on_time,
            facts.filed,
            w[Indicator.ON_TIME_FILING],
        ),
        _rate(
            Indicator.DISPATCH_ACCURACY,
            facts.dispatched_correctly,
            facts.dispatched,
            w[Indicator.DISPATCH_ACCURACY],
        ),
        _rate(
            Indicator.ON_TIME_CLOSING,
            facts.closed_on_time,
            facts.closed,
            w[Indicator.ON_TIME_CLOSING],
        ),
        rework,
        satisfaction,
        inspection,
    )
    total = sum(t.weighted for t in traces)
    return Explanation(facts.district_code, traces, tuple(categories), total)


def score(facts: DistrictFacts, rules: RankingRules) -> DistrictScore:
    """The district's indicator scores and weighted total (see ``explain`` for the trace)."""
    return explain(facts, rules).to_score()


# --------------------------------------------------------------------------- ranking


@dataclass(frozen=True, slots=True)
class RankedDistrict:
    """One row of the board. ``movement`` = previous rank − rank (positive: moved up);
    ``None`` when the district was not in the previous ranking."""

    rank: int
    district_code: str
    total: float
    indicators: Mapping[Indicator, float]
    movement: int | None
    red: bool
    black: bool


@dataclass(frozen=True, slots=True)
class Ranking:
    """Districts in rank order (rank 1 first) for ``period`` (``None`` when not given)."""

    entries: tuple[RankedDistrict, ...]
    period: Period | None = None

    @property
    def red_list(self) -> tuple[RankedDistrict, ...]:
        return tuple(e for e in self.entries if e.red)

    @property
    def black_list(self) -> tuple[RankedDistrict, ...]:
        return tuple(e for e in self.entries if e.black)

    def get(self, district_code: str) -> RankedDistrict | None:
        return next((e for e in self.entries if e.district_code == district_code), None)

    def rank_of(self, district_code: str) -> int | None:
        entry = self.get(district_code)
        return entry.rank if entry else None


def _merit_key(s: DistrictScore) -> tuple[float, float, float]:
    """What a district earned, as the order compares it (everything but the code)."""
    return (
        -round_score(s.total),
        -round_score(s.indicators[Indicator.ON_TIME_CLOSING]),
        -round_score(s.indicators[Indicator.INSPECTION]),
    )


def _order_key(s: DistrictScore) -> tuple[float, float, float, str]:
    return (*_merit_key(s), s.district_code)


def rank(
    scores: Iterable[DistrictScore],
    rules: RankingRules,
    previous: Ranking | None = None,
    *,
    period: Period | None = None,
) -> Ranking:
    """Order districts and mark the red and black lists.

    Order (always strict; ranks are exactly 1..n, no shared ranks):
    1. higher total, compared as ``round_score`` (2 decimals, half-up), because the published
       bulletin shows 2 decimals and a district must not lose to a difference nobody can see;
    2. then higher on-time closing score (rounded the same way): closing cases on time is the
       heart of the closed loop;
    3. then higher inspection score (rounded the same way);
    4. then lower district code (string order), an arbitrary but stable last resort; it
       decides only between districts equal on everything above.

    The red list is the top ``red_list_size`` districts, the black list the bottom
    ``black_list_size``. A district is never on both: with fewer districts than the two sizes
    together, the black list shrinks (the red list is the incentive and is filled first).
    **No list by the code alone:** where a list's edge cuts through districts equal on
    everything but the code (step 4), none of those districts is on that list, and the list
    is shorter. The code is an arbitrary order; publishing a district as black-listed (or
    praised) for its code would be unfair and, on a quiet day when everyone scores 100, absurd.
    ``movement`` compares with ``previous`` by district code. Duplicate district codes raise
    ``ValueError``.
    """
    ordered = sorted(scores, key=_order_key)
    codes = [s.district_code for s in ordered]
    if len(set(codes)) != len(codes):
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        raise ValueError(f"districts scored more than once: {', '.join(dupes)}")
    n = len(ordered)
    red_count = min(rules.red_list_size, n)
    black_count = min(rules.black_list_size, n - red_count)
    if 0 < red_count < n:  # the first district outside the red list: nobody tied with it in it
        edge = _merit_key(ordered[red_count])
        while red_count and _merit_key(ordered[red_count - 1]) == edge:
            red_count -= 1
    if black_count > 0 and n - black_count > 0:  # the last district above the black list
        edge = _merit_key(ordered[n - black_count - 1])
        while black_count and _merit_key(ordered[n - black_count]) == edge:
            black_count -= 1
    before = {e.district_code: e.rank for e in previous.entries} if previous else {}
    entries = []
    for index, s in enumerate(ordered):
        position = index + 1
        old = before.get(s.district_code)
        entries.append(
            RankedDistrict(
                rank=position,
                district_code=s.district_code,
                total=s.total,
                indicators=s.indicators,
                movement=None if old is None else old - position,
                red=position <= red_count,
                black=position > n - black_count,
            )
        )
    return Ranking(tuple(entries), period)
