"""The supervisors' ranking read from the client's cache: what each district did in a period.

Offers to the ranking window's presenter, its exports, the wall's red/black board and the
benchmark (all run it in a worker thread; Qt-free):

- ``district_facts(store, period, districts)`` → ``DistrictFacts`` per district, counted
  with SQL from the ``cases`` and ``inspections`` tables;
- ``ranking_report(store, period, reference)`` → ``RankingReport``: the period's ranking with
  movement against the previous period (none when nothing at all happened in it), every
  district's ``Explanation`` and facts;
- ``totals_over(store, period, reference, count)`` → the weighted totals of the ``count``
  periods up to ``period`` (the trend);
- ``cases_behind`` / ``findings_behind``: the cases and findings an indicator or category of one
  district was computed from (the drill-down), read with the very same conditions.

Where each indicator's counts come from (``docs/ranking.md`` has the table):

- **on-time filing**: the cases *reported* in the period (``cases.reported_at``, indexed) that
  were filed, or are still waiting to be (``reported``/``verified``) more than ``FILING_LIMIT``
  after the report at ``now`` — those count as late, so a district cannot keep its score by
  leaving reports unfiled; on time when ``filed_at`` is at most ``FILING_LIMIT`` (24 h, the
  law-enforcement filing norm) after the report. Invalid and duplicate reports were never
  filed: not counted.
- **dispatch accuracy**: the cases reported in the period that were dispatched
  (``first_dispatched_at``); correct when the handling unit never returned it for re-dispatch
  (``return_count`` 0).
- **on-time closing**: the cases *closed* in the period (``closed_at``, ``ix_cases_closed``;
  state ``closed``, so invalid and duplicate endings are not closings); on time when the case
  was never escalated (``escalation_level`` 0). The server's SLA watcher escalates every breached
  clock once, so 0 means no clock was breached. Recomputing each case's working-hour clocks
  (as the wall's daily figure does) costs ~70 µs a case — 6 s for a month of 80,000 closings —
  and would not meet the 2 s target; a commander's manual escalation counts as late too, which
  is said in the docs.
- **rework rate**: of the same closed cases, those whose check failed at least once
  (``rework_count`` > 0).
- **public satisfaction**: the ratings (1–5, ``satisfaction`` on the document) the hotline's
  callback (``case.rate``, 回访) recorded on the same closed cases: a case's rating counts in
  the period it was *closed* in, whenever the callback came (usually a day or two later), so a
  month's score is final once its last closings were called back and never moves a rating
  into the month of the call. Only ratings on the 1–5 scale are read (a document edited by
  hand must not break the whole ranking). Closed cases nobody called back (patrols, referrals,
  the reporters not reached) are not ratings; a district without any gets the domain's
  not-applicable full marks. ``ratings`` still lets a caller replace them (what-if views).
- **inspection**: the ``inspection`` documents whose ``observed_at`` lies in the period, summed
  per district and item (``count``); the item caps and category floors are the domain's. A
  finding the current standard cannot score (an item it does not have — recorded under another
  version of ``evaluation.toml`` — or a count that is not a whole number ≥ 1) is left out and
  counted in ``RankingReport.ignored_findings``: one such document must not stop the ranking
  of every district, and the window says how many were left out.

Period bounds are the city's local midnights (``Period.bounds``). Stored times are ISO text;
the server writes UTC (``…Z``) but an inspection keeps the offset it was recorded with, so each
window is read as a text range widened by a day (the index) and then checked exactly with
``unixepoch`` (whole seconds: the bounds are whole seconds, so truncation cannot move a row
across one).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import Connection

from cityops.domain.ranking import (
    DistrictFacts,
    Explanation,
    Finding,
    Indicator,
    Period,
    Ranking,
    RankingRules,
    Ratings,
    explain,
    rank,
)
from cityops.domain.reference import Reference, load_reference
from cityops.local_store.store import LocalStore
from cityops.local_store.tables import CASE_CLOSED_AT

#: A report is filed on time when filed at most this long after it was reported.
FILING_LIMIT: Final = timedelta(hours=24)
#: Most cases or findings one drill-down lists (the count above it is still exact).
DRILL_LIMIT: Final = 500
#: Text-range margin around a window: more than any UTC offset (±14 h).
_MARGIN: Final = timedelta(days=1)

_FILED_AT: Final = "json_extract(doc, '$.filed_at')"
_DISPATCHED_AT: Final = "json_extract(doc, '$.first_dispatched_at')"
_RETURNS: Final = "coalesce(json_extract(doc, '$.return_count'), 0)"
_REWORKS: Final = "coalesce(json_extract(doc, '$.rework_count'), 0)"
_ESCALATION: Final = "coalesce(escalation_level, 0)"
_SATISFACTION: Final = "json_extract(doc, '$.satisfaction')"
_FILED_ON_TIME: Final = (
    f"(unixepoch({_FILED_AT}) - unixepoch(reported_at) <= {int(FILING_LIMIT.total_seconds())})"
)


@dataclass(frozen=True, slots=True)
class _Window:
    """A period as the SQL reads it: text bounds widened by ``_MARGIN`` and exact epochs."""

    low: str
    high: str
    start: int
    end: int

    @classmethod
    def of(cls, period: Period) -> _Window:
        start, end = period.bounds()
        return cls(
            _text(start - _MARGIN),
            _text(end + _MARGIN),
            int(start.timestamp()),
            int(end.timestamp()),
        )

    def params(self) -> tuple[str, str, int, int]:
        return (self.low, self.high, self.start, self.end)


def _text(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _in_window(column: str) -> str:
    # The text range lets SQLite use the column's (or expression's) index; the epochs decide.
    return (
        f"{column} >= ? AND {column} < ? AND unixepoch({column}) >= ? AND unixepoch({column}) < ?"
    )


# --------------------------------------------------------------------------- facts


#: The states of a report still waiting to be filed.
_UNFILED: Final = "('reported', 'verified')"


def _overdue_epoch(now: datetime) -> int:
    """Reports made at or before this instant (epoch seconds) are overdue for filing at ``now``."""
    return int((now - FILING_LIMIT).timestamp())


def _reported(
    conn: Connection, window: _Window, now: datetime
) -> dict[str, tuple[int, int, int, int]]:
    """district → (due for filing: filed or overdue unfiled, filed on time, dispatched,
    dispatched correctly). Each document's fields are read once into a MATERIALIZED row set:
    written inline, SQLite evaluated every ``json_extract`` where it appears (-30 % on a month
    of 80,000 reports)."""
    sql = (
        "WITH r AS MATERIALIZED (SELECT district_code AS district, reported_at AS reported, "
        f"state, {_FILED_AT} AS filed, {_DISPATCHED_AT} AS dispatched, {_RETURNS} AS returns "
        f"FROM cases WHERE {_in_window('reported_at')}) "
        "SELECT district, count(filed) + coalesce(sum(filed IS NULL AND state IN "
        f"{_UNFILED} AND unixepoch(reported) <= ?), 0), "
        "coalesce(sum(filed IS NOT NULL AND "
        f"unixepoch(filed) - unixepoch(reported) <= {int(FILING_LIMIT.total_seconds())}), 0), "
        "count(dispatched), coalesce(sum(dispatched IS NOT NULL AND returns = 0), 0) "
        "FROM r GROUP BY district"
    )
    params = (*window.params(), _overdue_epoch(now))
    return {
        str(code): (int(a), int(b), int(c), int(d))
        for code, a, b, c, d in conn.exec_driver_sql(sql, params)
        if code is not None
    }


def _closed(conn: Connection, window: _Window) -> dict[str, tuple[int, int, int, Ratings]]:
    """district → (closed, closed on time, reworked, their satisfaction ratings). The state is
    tested in the aggregates, not in WHERE: given ``state = 'closed'`` SQLite may walk the state
    index (nearly every case). Each document's fields are read once (MATERIALIZED, as in
    ``_reported``): the rating is used by two aggregates."""
    sql = (
        "WITH c AS MATERIALIZED (SELECT district_code AS district, state = 'closed' AS closed, "
        f"{_ESCALATION} AS escalation, {_REWORKS} AS reworks, {_SATISFACTION} AS rating "
        f"FROM cases WHERE {_in_window(CASE_CLOSED_AT)}), "
        "r AS (SELECT district, closed, escalation, reworks, "
        "CASE WHEN closed AND rating BETWEEN 1 AND 5 THEN rating END AS rating FROM c) "
        "SELECT district, coalesce(sum(closed), 0), "
        "coalesce(sum(closed AND escalation = 0), 0), coalesce(sum(closed AND reworks > 0), 0), "
        "count(rating), total(rating) FROM r GROUP BY district"
    )
    return {
        str(code): (int(a), int(b), int(c), Ratings(int(n), float(t)))
        for code, a, b, c, n, t in conn.exec_driver_sql(sql, window.params())
        if code is not None
    }


#: A finding's count as the ranking reads it: missing → 1; a whole number ≥ 1 as it is;
#: anything else NULL (left out, and counted as ignored).
_COUNT: Final = (
    "CASE json_type(doc, '$.count') WHEN 'integer' THEN "
    "CASE WHEN json_extract(doc, '$.count') >= 1 THEN json_extract(doc, '$.count') END "
    "WHEN 'null' THEN 1 ELSE CASE WHEN json_type(doc, '$.count') IS NULL THEN 1 END END"
)


def _findings(
    conn: Connection, window: _Window, districts: Sequence[str], rules: RankingRules
) -> tuple[dict[str, list[Finding]], int]:
    """(district → its findings, counts summed per item, ordered by item code; how many
    findings the rules cannot score and were left out)."""
    if not districts:
        return {}, 0
    marks = ", ".join("?" for _ in districts)
    sql = (
        "WITH f AS MATERIALIZED (SELECT district_code AS district, "
        f"json_extract(doc, '$.item_code') AS item, {_COUNT} AS n FROM inspections "
        f"WHERE district_code IN ({marks}) AND {_in_window('observed_at')}) "
        "SELECT district, item, coalesce(sum(n), 0), count(*), count(n) FROM f "
        "GROUP BY district, item ORDER BY district, item"
    )
    out: dict[str, list[Finding]] = {}
    ignored = 0
    params = (*districts, *window.params())
    for code, item, count, rows, scored in conn.exec_driver_sql(sql, params):
        if not isinstance(item, str) or not rules.has_item(item):
            ignored += int(rows)  # an item this standard does not have: all of its findings
            continue
        ignored += int(rows) - int(scored)  # counts that are not whole numbers ≥ 1
        if count:
            out.setdefault(str(code), []).append(Finding(item, int(count)))
    return out, ignored


@dataclass(frozen=True, slots=True)
class _Read:
    facts: dict[str, DistrictFacts]
    ignored_findings: int


def _facts(
    conn: Connection,
    period: Period,
    districts: Sequence[str],
    ratings: Mapping[str, Ratings] | None,
    rules: RankingRules,
    now: datetime,
) -> _Read:
    window = _Window.of(period)
    reported = _reported(conn, window, now)
    closed = _closed(conn, window)
    findings, ignored = _findings(conn, window, districts, rules)
    out: dict[str, DistrictFacts] = {}
    for code in districts:
        filed, filed_on_time, dispatched, correct = reported.get(code, (0, 0, 0, 0))
        n_closed, on_time, reworked, rated = closed.get(code, (0, 0, 0, Ratings()))
        out[code] = DistrictFacts(
            district_code=code,
            filed=filed,
            filed_on_time=filed_on_time,
            dispatched=dispatched,
            dispatched_correctly=correct,
            closed=n_closed,
            closed_on_time=on_time,
            # Rework is judged on the closed cases: each has passed its final check.
            handled=n_closed,
            reworked=reworked,
            satisfaction_ratings=rated if ratings is None else ratings.get(code, Ratings()),
            findings=tuple(findings.get(code, ())),
        )
    return _Read(out, ignored)


def district_facts(
    store: LocalStore,
    period: Period,
    districts: Sequence[str],
    *,
    rules: RankingRules | None = None,
    ratings: Mapping[str, Ratings] | None = None,
    now: datetime | None = None,
) -> dict[str, DistrictFacts]:
    """Every district's facts in ``period`` at ``now`` (default: the clock; reports unfiled
    24 h before it count as late). Districts without cases or findings get empty facts: the
    domain then gives full marks. One read transaction, so the parts agree."""
    with store.engine.connect() as conn:
        conn.exec_driver_sql("BEGIN")
        rules = rules or load_reference().evaluation.rules
        return _facts(conn, period, districts, ratings, rules, now or datetime.now(UTC)).facts


# --------------------------------------------------------------------------- the report


@dataclass(frozen=True, slots=True)
class RankingReport:
    """One period's ranking, what it was computed from and the previous period's ranking."""

    period: Period
    ranking: Ranking
    explanations: Mapping[str, Explanation]
    facts: Mapping[str, DistrictFacts]
    previous: Ranking
    #: Findings of the period the standard cannot score (unknown item, bad count): left out.
    ignored_findings: int = 0

    def explanation(self, district_code: str) -> Explanation:
        return self.explanations[district_code]


def district_codes(reference: Reference) -> tuple[str, ...]:
    """The ranked districts: every district of the city, in code order."""
    return tuple(sorted(u.code for u in reference.units.districts))


def _ranking(
    facts: Mapping[str, DistrictFacts],
    rules: RankingRules,
    period: Period,
    previous: Ranking | None,
) -> tuple[Ranking, dict[str, Explanation]]:
    explanations = {code: explain(f, rules) for code, f in facts.items()}
    ranking = rank((e.to_score() for e in explanations.values()), rules, previous, period=period)
    return ranking, explanations


def ranking_report(
    store: LocalStore,
    period: Period,
    reference: Reference,
    *,
    rules: RankingRules | None = None,
    ratings: Mapping[str, Ratings] | None = None,
    districts: Sequence[str] | None = None,
    now: datetime | None = None,
) -> RankingReport:
    """The ranking of ``period`` with movement against ``period.previous()``, both read in
    one read transaction at ``now`` (default: the clock). ``rules`` default to the reference's
    evaluation standard, ``districts`` to every district of the city."""
    rules = rules or reference.evaluation.rules
    districts = tuple(districts) if districts is not None else district_codes(reference)
    at = now or datetime.now(UTC)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("BEGIN")
        before = _facts(conn, period.previous(), districts, None, rules, at)
        read = _facts(conn, period, districts, ratings, rules, at)
    previous, _ = _ranking(before.facts, rules, period.previous(), None)
    # Movement against a period in which nothing at all happened (every district tied at
    # full marks, ranked by code alone) would be noise: "↑5" for having a first case.
    quiet = all(f == DistrictFacts(code) for code, f in before.facts.items())
    ranking, explanations = _ranking(read.facts, rules, period, None if quiet else previous)
    return RankingReport(period, ranking, explanations, read.facts, previous, read.ignored_findings)


def totals_over(
    store: LocalStore,
    period: Period,
    reference: Reference,
    count: int = 6,
    *,
    rules: RankingRules | None = None,
    districts: Sequence[str] | None = None,
    known: RankingReport | None = None,
    now: datetime | None = None,
) -> list[tuple[Period, dict[str, float]]]:
    """The weighted totals (unrounded) of every district over the ``count`` periods ending
    with ``period``, oldest first: the trend. ``known``, a report of ``period``, gives its
    totals and its previous period's without reading them again."""
    rules = rules or reference.evaluation.rules
    districts = tuple(districts) if districts is not None else district_codes(reference)
    at = now or datetime.now(UTC)
    periods = [period]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    given: dict[Period, dict[str, float]] = {}
    if known is not None and known.period == period:
        given[period] = {e.district_code: e.total for e in known.ranking.entries}
        given[period.previous()] = {e.district_code: e.total for e in known.previous.entries}
    out: list[tuple[Period, dict[str, float]]] = []
    with store.engine.connect() as conn:
        conn.exec_driver_sql("BEGIN")
        for p in reversed(periods):
            if p in given:
                out.append((p, given[p]))
                continue
            facts = _facts(conn, p, districts, None, rules, at).facts
            out.append((p, {c: explain(f, rules).total for c, f in facts.items()}))
    return out


# --------------------------------------------------------------------------- drill-down


@dataclass(frozen=True, slots=True)
class CaseLine:
    """One case behind an indicator: ``counted_ok`` says on which side it was counted (on
    time / correct / not reworked / at least 基本满意); ``score`` is the case's satisfaction
    rating (1–5) in the satisfaction drill-down, None in the others."""

    case_id: str
    state: str
    reported_at: str
    milestone_at: str | None
    counted_ok: bool
    description: str
    score: int | None = None


@dataclass(frozen=True, slots=True)
class FindingLine:
    inspection_id: str
    item_code: str
    category_code: str
    count: int
    deduction: float
    observed_at: str
    street_code: str | None
    note: str
    lon: float | None
    lat: float | None


#: A rating counted "against" a district in the drill-down (listed first, tinted): below
#: 基本满意 (3), i.e. the callback's 不满意.
SATISFIED_FROM: Final = 3

#: indicator → (window column, extra condition, milestone expression, "counted ok" expression,
#: score expression)
_DRILL: Final[Mapping[Indicator, tuple[str, str, str, str, str]]] = {
    Indicator.ON_TIME_FILING: (
        "reported_at",
        # Filed, or still unfiled past the limit at ``now`` (the one parameter: see _overdue).
        f"({_FILED_AT} IS NOT NULL OR (+state IN {_UNFILED} AND unixepoch(reported_at) <= ?))",
        _FILED_AT,
        _FILED_ON_TIME,
        "NULL",
    ),
    Indicator.DISPATCH_ACCURACY: (
        "reported_at",
        f"{_DISPATCHED_AT} IS NOT NULL",
        _DISPATCHED_AT,
        f"{_RETURNS} = 0",
        "NULL",
    ),
    Indicator.ON_TIME_CLOSING: (
        CASE_CLOSED_AT,
        "+state = 'closed'",
        CASE_CLOSED_AT,
        f"{_ESCALATION} = 0",
        "NULL",
    ),
    Indicator.REWORK_RATE: (
        CASE_CLOSED_AT,
        "+state = 'closed'",
        CASE_CLOSED_AT,
        f"{_REWORKS} = 0",
        "NULL",
    ),
    # The rated closed cases: the same rows and scale check as ``_closed``.
    Indicator.PUBLIC_SATISFACTION: (
        CASE_CLOSED_AT,
        f"+state = 'closed' AND {_SATISFACTION} BETWEEN 1 AND 5",
        CASE_CLOSED_AT,
        f"{_SATISFACTION} >= {SATISFIED_FROM}",
        _SATISFACTION,
    ),
}


def drill_indicators() -> tuple[Indicator, ...]:
    """The indicators whose cases ``cases_behind`` can list."""
    return tuple(_DRILL)


def cases_behind(
    store: LocalStore,
    period: Period,
    district_code: str,
    indicator: Indicator,
    *,
    limit: int = DRILL_LIMIT,
    now: datetime | None = None,
) -> list[CaseLine]:
    """The cases counted in ``indicator``'s denominator for one district and period at
    ``now`` (default: the clock), those counted against it first, then by report time; at most
    ``limit``. For satisfaction the rated cases closed in the period, each with its ``score``.
    Empty for inspection (see ``findings_behind``)."""
    spec = _DRILL.get(indicator)
    if spec is None:
        return []
    column, condition, milestone, ok, score = spec
    overdue = (_overdue_epoch(now or datetime.now(UTC)),) if "?" in condition else ()
    sql = (
        f"SELECT id, state, reported_at, {milestone}, {ok}, "
        f"json_extract(doc, '$.description'), {score} FROM cases "
        f"WHERE {_in_window(column)} AND +district_code = ? AND {condition} "
        f"ORDER BY 5, reported_at, id LIMIT ?"
    )
    params = (*_Window.of(period).params(), district_code, *overdue, limit)
    with store.engine.connect() as conn:
        return [
            CaseLine(
                str(i),
                str(s),
                str(r),
                None if m is None else str(m),
                bool(k),
                str(d or ""),
                None if g is None else int(g),
            )
            for i, s, r, m, k, d, g in conn.exec_driver_sql(sql, params)
        ]


def findings_behind(
    store: LocalStore,
    period: Period,
    district_code: str,
    *,
    category_code: str | None = None,
    limit: int = DRILL_LIMIT,
) -> list[FindingLine]:
    """The inspections recorded for one district in ``period`` (optionally one category's),
    oldest first; at most ``limit``."""
    sql = (
        "SELECT doc FROM inspections WHERE district_code = ? AND "
        f"{_in_window('observed_at')} ORDER BY unixepoch(observed_at), id"
    )
    params: tuple[Any, ...] = (district_code, *_Window.of(period).params())
    out: list[FindingLine] = []
    with store.engine.connect() as conn:
        for (text,) in conn.exec_driver_sql(sql, params):
            doc = json.loads(text)
            if category_code is not None and doc.get("category_code") != category_code:
                continue
            out.append(_finding_line(doc))
            if len(out) >= limit:
                break
    return out


def _finding_line(doc: Mapping[str, Any]) -> FindingLine:
    lon, lat = doc.get("lon"), doc.get("lat")
    return FindingLine(
        inspection_id=str(doc.get("id", "")),
        item_code=str(doc.get("item_code", "")),
        category_code=str(doc.get("category_code", "")),
        count=int(doc.get("count") or 1),
        deduction=float(doc.get("deduction") or 0.0),
        observed_at=str(doc.get("observed_at", "")),
        street_code=doc.get("street_code"),
        note=str(doc.get("note") or ""),
        lon=None if lon is None else float(lon),
        lat=None if lat is None else float(lat),
    )


def indicator_cases(lines: Iterable[CaseLine]) -> tuple[int, int]:
    """(counted ok, all) of drill-down lines: what the indicator's rate was computed from."""
    items = list(lines)
    return sum(1 for line in items if line.counted_ok), len(items)


def rated_cases(lines: Iterable[CaseLine]) -> Ratings:
    """The ratings of satisfaction drill-down lines: what the satisfaction score was computed
    from (its trace's numerator is their sum, its denominator their count)."""
    return Ratings.of(line.score for line in lines if line.score is not None)
