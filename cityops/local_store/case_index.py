"""The case queues' columnar index: what makes a queue of a million cases sort and filter in
tens of milliseconds (DESIGN §8: numpy index arrays, never a proxy model over the set).

Offers to the desktop's ``CaseTableModel`` (and its presenters, which run every method here in
a worker thread via ``asyncio.to_thread``):

- ``QUEUES``: the closed-loop tabs (key → ``QueueSpec``), in display order;
- ``QueueFilter``: a tab plus the dispatcher's filters (district, street, category,
  subcategory, source, SLA, text);
- ``CaseIndex(store, reference)``: arrays indexed by the SQLite ``rowid`` of ``cases`` holding
  small integer codes whose order is the display order (sorting a code sorts by name), the
  report time and the earliest SLA deadline of open cases. ``load()`` reads everything,
  ``first_page()`` answers the first screen from indexed SQL before that, ``select()`` masks
  and sorts, ``refresh(ids)`` re-reads changed cases, ``matches``/``sort_key``/``packed`` serve
  a live merge.

No per-id dictionary of a million strings: ids map to rowids through SQLite and a 64-bit hash
array (for rows deleted since they were read). No Qt here.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from cityops.domain.case_clocks import case_clocks
from cityops.domain.cases import CaseSource, CaseState
from cityops.domain.reference import Reference
from cityops.domain.schemas import CaseDoc
from cityops.domain.sla import ClockStatus
from cityops.local_store.store import LocalStore
from cityops.local_store.text_search import TextSearch, case_text

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: ``due_at`` of a case with no deadline to watch (closed, not dispatched yet, all met): sorts
#: after every real deadline when the SLA column is sorted ascending.
NO_DEADLINE = 2**31 - 1
#: Cases due within this many seconds count as "due soon" (amber in the queue).
DUE_SOON_S = 3600

SOURCE_LABEL_ZH: Mapping[str, str] = {
    CaseSource.PATROL: "监督员巡查",
    CaseSource.REFERRAL: "上级交办",
    CaseSource.MEDIA: "媒体曝光",
    CaseSource.HOTLINE: "12319热线",
    CaseSource.APP: "市民APP",
    CaseSource.REWARD: "有奖举报",
    CaseSource.IOT: "物联感知",
}
SOURCE_LABEL_EN: Mapping[str, str] = {
    CaseSource.PATROL: "Patrol",
    CaseSource.REFERRAL: "Referral",
    CaseSource.MEDIA: "Media",
    CaseSource.HOTLINE: "Hotline",
    CaseSource.APP: "App",
    CaseSource.REWARD: "Reward report",
    CaseSource.IOT: "IoT",
}

TERMINAL_STATES = frozenset(s.value for s in CaseState if s.terminal)
OPEN_STATES = frozenset(s.value for s in CaseState if not s.terminal)
PUBLIC_SOURCES = frozenset(s.value for s in CaseSource if s.public)

#: The columns a queue sorts by (``select``'s ``sort_column``).
COLUMNS = (
    "id",
    "state",
    "sla",
    "reported_at",
    "district",
    "street",
    "category",
    "subcategory",
    "source",
    "assigned_unit",
    "description",
    "escalation_level",
)
#: Coded columns: each array holds codes of a vocabulary ranked by display label.
_CODED = ("state", "source", "district", "street", "subcategory", "category", "assigned_unit")
#: Sorted through a rank computed in SQL on first use (text: too costly to keep in memory).
_RANKED = {
    "id": "id",
    "description": "json_extract(doc, '$.description')",
}
_ROW_BITS = 32
_ROW_MASK = (1 << _ROW_BITS) - 1
_SELECT_COLUMNS = (
    "rowid, id, state, source, district_code, street_code, subcategory_code, assigned_unit, "
    "unixepoch(reported_at), escalation_level"
)


@dataclass(frozen=True, slots=True)
class QueueSpec:
    title_zh: str
    title_en: str
    #: The cases of the tab, as a mask over the index's arrays at ``now`` (epoch s).
    predicate: Callable[[CaseIndex, int], BoolArray]
    #: The states the tab can hold (None: any): lets SQL use ix_cases_state_reported.
    states: frozenset[str] | None = None
    #: Sources the tab is limited to (None: any).
    sources: frozenset[str] | None = None
    #: True when the tab depends on SLA deadlines (SQL alone cannot answer it).
    needs_clocks: bool = False


def _in_states(*states: str) -> Callable[[CaseIndex, int], BoolArray]:
    wanted = frozenset(states)
    return lambda index, _now: index.in_codes("state", wanted)


def _overdue(index: CaseIndex, now: int) -> BoolArray:
    return index.in_codes("state", OPEN_STATES) & (index.due_at <= now)


def _public(index: CaseIndex, _now: int) -> BoolArray:
    return index.in_codes("state", OPEN_STATES) & index.in_codes("source", PUBLIC_SOURCES)


def _everything(index: CaseIndex, _now: int) -> BoolArray:
    return index.present.copy()


QUEUES: Mapping[str, QueueSpec] = {
    "to_verify": QueueSpec("待核实", "To verify", _in_states("reported"), frozenset({"reported"})),
    "to_file": QueueSpec("待立案", "To file", _in_states("verified"), frozenset({"verified"})),
    "to_dispatch": QueueSpec(
        "待派遣", "To dispatch", _in_states("filed", "returned"), frozenset({"filed", "returned"})
    ),
    "in_progress": QueueSpec(
        "处置中",
        "In progress",
        _in_states("dispatched", "in_progress", "rework"),
        frozenset({"dispatched", "in_progress", "rework"}),
    ),
    "awaiting_check": QueueSpec(
        "待核查",
        "Awaiting check",
        _in_states("handled", "checked"),
        frozenset({"handled", "checked"}),
    ),
    "overdue": QueueSpec("超时", "Overdue", _overdue, OPEN_STATES, needs_clocks=True),
    "rework": QueueSpec("返工", "Rework", _in_states("rework"), frozenset({"rework"})),
    "public": QueueSpec("公众诉求", "Public", _public, OPEN_STATES, PUBLIC_SOURCES),
    "all": QueueSpec("全部案件", "All cases", _everything),
}

SLA_FILTERS = ("overdue", "due_soon", "running", "none")


@dataclass(frozen=True, slots=True)
class QueueFilter:
    queue: str = "all"
    district_code: str | None = None
    street_code: str | None = None
    category_code: str | None = None
    subcategory_code: str | None = None
    source: str | None = None
    sla: str | None = None  # "overdue" | "due_soon" (< 1 h left) | "running" | "none"
    text: str | None = None  # substring of id / description / address

    def __post_init__(self) -> None:
        if self.queue not in QUEUES:
            raise ValueError(f"unknown queue {self.queue!r}")
        if self.sla is not None and self.sla not in SLA_FILTERS:
            raise ValueError(f"unknown SLA filter {self.sla!r}")


def default_label(column: str, code: str) -> str:
    """The Chinese display name of a coded value (the default ranking of the codes)."""
    return _label_zh(column, code, None)


def _label_zh(column: str, code: str, ref: Reference | None) -> str:
    if column == "state":
        try:
            return CaseState(code).label_zh
        except ValueError:
            return code
    if column == "source":
        return SOURCE_LABEL_ZH.get(code, code)
    if ref is None:
        return code
    if column in ("district", "street", "assigned_unit"):
        unit = ref.units.units.get(code) or ref.units.departments.get(code)
        return unit.name_zh if unit is not None else code
    if column == "subcategory":
        sub = ref.taxonomy.subcategories.get(code)
        return sub.name_zh if sub is not None else code
    if column == "category":
        cat = ref.taxonomy.categories.get(code)
        return cat.name_zh if cat is not None else code
    return code


class _Vocabulary:
    """Codes of one column: 0 is "none"; the others ranked by (label, value), so the order of
    the codes is the display order. A value never seen before re-ranks (``add``)."""

    def __init__(self, values: Iterable[str], label: Callable[[str], str]) -> None:
        self._label = label
        self.values: list[str | None] = [None]
        self.code: dict[str | None, int] = {None: 0}
        self._rank(set(values))

    def _rank(self, values: set[str]) -> IntArray | None:
        """Rank ``values`` with the known ones; the old → new code map when codes moved."""
        known = [v for v in self.values if v is not None]
        merged = sorted(set(known) | values, key=lambda v: (self._label(v), v))
        old = self.code
        self.values = [None, *merged]
        self.code = {v: i for i, v in enumerate(self.values)}
        if not known:
            return None
        remap = np.zeros(len(old), dtype=np.int64)
        for value, was in old.items():
            remap[was] = self.code[value]
        return remap

    def add(self, values: Iterable[str | None]) -> IntArray | None:
        new = {v for v in values if v is not None and v not in self.code}
        return self._rank(new) if new else None


class CaseIndex:
    """Columnar arrays over ``cases`` indexed by rowid. Every method is synchronous and may
    take up to seconds on a million rows (``load``): call them from a worker thread. A lock
    serialises them, so a refresh never interleaves with a select."""

    def __init__(
        self,
        store: LocalStore,
        reference: Reference,
        *,
        label: Callable[[str, str], str] | None = None,
    ) -> None:
        self.store = store
        self.reference = reference
        self._label = label or (lambda column, code: _label_zh(column, code, reference))
        self._lock = threading.RLock()
        self._calendar = reference.taxonomy.calendar()
        units = reference.units
        taxonomy = reference.taxonomy
        known: dict[str, Iterable[str]] = {
            "state": [s.value for s in CaseState],
            "source": [s.value for s in CaseSource],
            "district": [u.code for u in units.districts],
            "street": [u.code for u in units.at_level("street")],
            "subcategory": list(taxonomy.subcategories),
            "category": list(taxonomy.categories),
            "assigned_unit": [*units.units, *units.departments],
        }
        self.vocab = {c: _Vocabulary(known[c], self._labeller(c)) for c in _CODED}
        self._size = 0
        self.present: BoolArray = np.zeros(0, dtype=np.bool_)
        self.codes: dict[str, IntArray] = {c: np.zeros(0, dtype=np.int64) for c in _CODED}
        self.reported_at: IntArray = np.zeros(0, dtype=np.int64)
        self.escalation_level: IntArray = np.zeros(0, dtype=np.int64)
        self.due_at: IntArray = np.zeros(0, dtype=np.int64)
        self._id_hash: IntArray = np.zeros(0, dtype=np.int64)
        self._ranks: dict[str, IntArray] = {}
        self._category_of = np.zeros(0, dtype=np.int64)  # subcategory code → category code
        self._text_cache: dict[tuple[str, frozenset[str] | None], IntArray] = {}
        #: In-memory text search, built by ``warm`` (until then the text filter asks SQL).
        self._text = TextSearch()
        self._text_changes: dict[int, str] | None = None  # recorded while warm builds it
        self.loaded = False
        #: Seconds the last ``load`` took, split by phase (for the benchmark).
        self.load_times: dict[str, float] = {}

    def _labeller(self, column: str) -> Callable[[str], str]:
        return lambda code: self._label(column, code)

    # ------------------------------------------------------------------ loading

    def load(self) -> None:
        """Read every case's columns and compute the deadlines of the open ones."""
        with self._lock:
            t0 = time.perf_counter()
            with self.store.engine.connect() as conn:
                raw = conn.connection.driver_connection
                assert raw is not None
                rows = raw.execute(f"SELECT {_SELECT_COLUMNS} FROM cases").fetchall()
                t1 = time.perf_counter()
                size = (max((r[0] for r in rows), default=0)) + 1
                self._allocate(size)
                self._store_rows(rows)
                t2 = time.perf_counter()
                marks = ", ".join("?" for _ in OPEN_STATES)
                open_docs = raw.execute(
                    f"SELECT rowid, doc FROM cases WHERE state IN ({marks})", tuple(OPEN_STATES)
                ).fetchall()
            self._store_deadlines(open_docs)
            t3 = time.perf_counter()
            self._ranks.clear()
            self._text_cache.clear()
            self.loaded = True
            self.load_times = {"read": t1 - t0, "columns": t2 - t1, "clocks": t3 - t2}

    def _allocate(self, size: int) -> None:
        self._size = size
        self.present = np.zeros(size, dtype=np.bool_)
        self.codes = {c: np.zeros(size, dtype=np.int64) for c in _CODED}
        self.reported_at = np.zeros(size, dtype=np.int64)
        self.escalation_level = np.zeros(size, dtype=np.int64)
        self.due_at = np.full(size, NO_DEADLINE, dtype=np.int64)
        self._id_hash = np.zeros(size, dtype=np.int64)

    def _grow(self, size: int) -> None:
        if size <= self._size:
            return
        size = max(size, self._size + self._size // 2)
        extra = size - self._size

        def grown(a: npt.NDArray[Any], fill: Any) -> npt.NDArray[Any]:
            return np.concatenate([a, np.full(extra, fill, dtype=a.dtype)])

        self.present = grown(self.present, False)
        self.codes = {c: grown(a, 0) for c, a in self.codes.items()}
        self.reported_at = grown(self.reported_at, 0)
        self.escalation_level = grown(self.escalation_level, 0)
        self.due_at = grown(self.due_at, NO_DEADLINE)
        self._id_hash = grown(self._id_hash, 0)
        self._ranks = {c: grown(a, 0) for c, a in self._ranks.items()}
        self._size = size

    def _code_column(self, column: str, values: Sequence[str | None]) -> IntArray:
        vocab = self.vocab[column]
        remap = vocab.add(set(values))
        if remap is not None:  # a value never seen: the codes were re-ranked
            self.codes[column] = remap[self.codes[column]]
            if column == "subcategory":
                self._category_of = np.zeros(0, dtype=np.int64)  # rebuilt by the caller
        code = vocab.code
        return np.fromiter((code[v] for v in values), dtype=np.int64, count=len(values))

    def _store_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        rowid, ids, state, source, district, street, sub, unit, reported, escalation = zip(
            *rows, strict=True
        )
        at = np.fromiter(rowid, dtype=np.int64, count=len(rowid))
        self.present[at] = True
        self._id_hash[at] = np.fromiter(map(hash, ids), dtype=np.int64, count=len(ids))
        for column, values in (
            ("state", state),
            ("source", source),
            ("district", district),
            ("street", street),
            ("subcategory", sub),
            ("assigned_unit", unit),
        ):
            self.codes[column][at] = self._code_column(column, values)
        self._update_categories()
        self.codes["category"][at] = self._category_of[self.codes["subcategory"][at]]
        self.reported_at[at] = np.array([r or 0 for r in reported], dtype=np.int64)
        self.escalation_level[at] = np.array([e or 0 for e in escalation], dtype=np.int64)
        # Deadlines are computed for the open ones by the caller; others have none.
        self.due_at[at] = NO_DEADLINE

    def _update_categories(self) -> None:
        subs = self.vocab["subcategory"].values
        if len(self._category_of) == len(subs):
            return
        taxonomy = self.reference.taxonomy
        categories = [
            taxonomy.subcategories[s].category_code
            if s is not None and s in taxonomy.subcategories
            else None
            for s in subs
        ]
        self._code_column("category", categories)  # ranks any unknown category
        code = self.vocab["category"].code
        self._category_of = np.array([code[c] for c in categories], dtype=np.int64)

    def _store_deadlines(self, docs: Sequence[tuple[int, str]]) -> None:
        now = datetime.now(UTC)
        subcategories = self.reference.taxonomy.subcategories
        for rowid, doc in docs:
            self.due_at[rowid] = self._deadline(doc, subcategories, now)

    def _deadline(self, doc: str, subcategories: Mapping[str, Any], now: datetime) -> int:
        case = CaseDoc.model_validate_json(doc).to_domain()
        if case.state.terminal or case.subcategory_code is None:
            return NO_DEADLINE
        sub = subcategories.get(case.subcategory_code)
        if sub is None:
            return NO_DEADLINE
        due = NO_DEADLINE
        for clock in case_clocks(case, sub, now, self._calendar):
            watched = clock.status in (ClockStatus.RUNNING, ClockStatus.BREACHED) or (
                clock.status is ClockStatus.PAUSED and clock.overdue
            )
            if watched and clock.deadline is not None:
                due = min(due, int(clock.deadline.timestamp()))
        return due

    # ------------------------------------------------------------------ the first screen

    def first_page(self, f: QueueFilter, limit: int = 200) -> IntArray | None:
        """The first ``limit`` rowids of the tab in the default order (newest report first),
        straight from indexed SQL, for the first paint before ``load`` is done. None when SQL
        cannot answer (a tab or filter that needs SLA deadlines)."""
        spec = QUEUES[f.queue]
        if spec.needs_clocks or f.sla is not None:
            return None
        where, params = self._sql_conditions(f)
        sql = "SELECT rowid FROM cases"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY reported_at DESC, id DESC LIMIT ?"
        with self.store.engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            found = raw.execute(sql, (*params, limit)).fetchall()
        return np.array([r[0] for r in found], dtype=np.int64)

    def _sql_conditions(self, f: QueueFilter) -> tuple[list[str], list[Any]]:
        spec = QUEUES[f.queue]
        where: list[str] = []
        params: list[Any] = []

        def among(column: str, values: Iterable[str]) -> None:
            listed = sorted(values)
            where.append(f"{column} IN ({', '.join('?' for _ in listed)})")
            params.extend(listed)

        if spec.states is not None:
            among("state", spec.states)
        if spec.sources is not None:
            among("source", spec.sources)
        for column, value in (
            ("district_code", f.district_code),
            ("street_code", f.street_code),
            ("subcategory_code", f.subcategory_code),
            ("source", f.source),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if f.category_code is not None:
            among(
                "subcategory_code",
                [s.code for s in self.reference.taxonomy.in_category(f.category_code)],
            )
        if f.text:
            where.append(_TEXT_SQL)
            params.extend([f.text] * 4)
        return where, params

    # ------------------------------------------------------------------ selecting

    def in_codes(self, column: str, values: Iterable[str]) -> BoolArray:
        """Mask of rows whose ``column`` holds one of ``values``."""
        code = self.vocab[column].code
        wanted = [code[v] for v in values if v in code]
        lookup = np.zeros(len(self.vocab[column].values), dtype=np.bool_)
        lookup[wanted] = True
        mask: BoolArray = lookup[self.codes[column]] & self.present
        return mask

    def _equals(self, column: str, value: str) -> BoolArray:
        code = self.vocab[column].code.get(value)
        if code is None:
            return np.zeros(self._size, dtype=np.bool_)
        mask: BoolArray = self.codes[column] == code
        return mask

    def mask(self, f: QueueFilter, now: int | None = None) -> BoolArray:
        """The rows of the tab that pass the filters (text included)."""
        with self._lock:
            now = int(time.time()) if now is None else now
            mask = QUEUES[f.queue].predicate(self, now) & self.present
            for column, value in (
                ("district", f.district_code),
                ("street", f.street_code),
                ("category", f.category_code),
                ("subcategory", f.subcategory_code),
                ("source", f.source),
            ):
                if value is not None:
                    mask &= self._equals(column, value)
            if f.sla is not None:
                mask &= self._sla_mask(f.sla, now)
            if f.text:
                hits = np.zeros(self._size, dtype=np.bool_)
                hits[self._text_rowids(f.text, QUEUES[f.queue].states)] = True
                mask &= hits
            return mask

    def _sla_mask(self, sla: str, now: int) -> BoolArray:
        due = self.due_at
        if sla == "overdue":
            return due <= now
        if sla == "due_soon":
            return (due > now) & (due < now + DUE_SOON_S)
        if sla == "running":
            running: BoolArray = (due > now) & (due != NO_DEADLINE)
            return running
        none: BoolArray = due == NO_DEADLINE
        return none

    def _text_rowids(self, text: str, states: frozenset[str] | None) -> IntArray:
        small = states is not None and int(self.in_codes("state", states).sum()) < _SQL_TEXT_ROWS
        if self._text.ready and not small:
            # ~75-120 ms over 1M cases; the tab's mask narrows it after.
            hits = self._text.search(text)
            return hits[hits < self._size]
        # A small tab (to dispatch: a few thousand rows) is quicker in SQL over its states
        # (index-backed, ~7 µs a row) than a walk over every case's text.
        key = (text, states)
        found = self._text_cache.get(key)
        if found is None:
            where, params = [_TEXT_SQL], [text] * 4
            if states is not None:  # only the tab's states: ix_cases_state_reported, no scan
                where.insert(0, f"state IN ({', '.join('?' for _ in states)})")
                params = [*sorted(states), *params]
            with self.store.engine.connect() as conn:
                raw = conn.connection.driver_connection
                assert raw is not None
                rows = raw.execute(
                    f"SELECT rowid FROM cases WHERE {' AND '.join(where)}", params
                ).fetchall()
            found = np.array([r[0] for r in rows], dtype=np.int64)
            found = found[found < self._size]
            self._text_cache = {key: found}  # one search kept: the tab re-sorted with it
        return found

    def keys(self, column: str) -> IntArray:
        """The sort key array of ``column`` (codes, epoch seconds or ranks), by rowid."""
        with self._lock:
            if column in _RANKED:
                return self._rank(column)
            if column in self.codes:
                return self.codes[column]
            if column == "reported_at":
                return _time_key(self.reported_at)
            if column == "sla":
                return _time_key(self.due_at)
            if column == "escalation_level":
                return self.escalation_level
            raise ValueError(f"unknown column {column!r}")

    def _rank(self, column: str) -> IntArray:
        rank = self._ranks.get(column)
        if rank is None:
            rank = self._ranks[column] = self._compute_rank(column, self._size)
        return rank

    def _compute_rank(self, column: str, size: int) -> IntArray:
        with self.store.engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            rows = raw.execute(f"SELECT rowid FROM cases ORDER BY {_RANKED[column]}, rowid")
            order = np.fromiter((r[0] for r in rows), dtype=np.int64)
        order = order[order < size]
        rank = np.zeros(size, dtype=np.int64)
        rank[order] = np.arange(len(order), dtype=np.int64)
        return rank

    def warm(self) -> None:
        """Build the ranks SQL has to order (id, description: 0.4 s and 1.8 s at 1M) ahead of
        the first sort by them. For a worker thread after ``load``: the lock is taken only to
        keep a rank, so live updates are not held up meanwhile; a rank made while rows were
        added is dropped (the sort then makes it, as without warming)."""
        for column in _RANKED:
            if column in self._ranks:
                continue
            size = self._size
            rank = self._compute_rank(column, size)
            with self._lock:
                if self._size == size:
                    self._ranks.setdefault(column, rank)
        if not self._text.ready:
            self._warm_text()

    def _warm_text(self) -> None:
        with self._lock:
            self._text_changes = {}
        try:
            with self.store.engine.connect() as conn:
                raw = conn.connection.driver_connection
                assert raw is not None
                rows = raw.execute(_TEXT_COLUMNS)
                search = TextSearch()
                search.build((r[0], case_text(r[1], r[2], r[3])) for r in rows)
            with self._lock:
                # Cases refreshed while the blob was read: their newer text wins.
                search.update(self._text_changes.items())
                self._text = search
                self._text_cache.clear()
        finally:
            self._text_changes = None

    def packed(self, rowids: IntArray, column: str, descending: bool) -> IntArray:
        """``key << 32 | rowid`` of ``rowids`` (key negated when descending): one ``np.sort``
        orders by the column with ties broken by rowid; ``& 0xFFFFFFFF`` gives rowids back."""
        with self._lock:
            if column == "reported_at":
                key = _time_key(self.reported_at[rowids])
            elif column == "sla":
                key = _time_key(self.due_at[rowids])
            else:
                key = self.keys(column)[rowids]
        if descending:
            key = -key
        out: IntArray = (key << _ROW_BITS) | rowids
        return out

    def select_packed(
        self,
        f: QueueFilter,
        sort_column: str = "reported_at",
        descending: bool = True,
        now: int | None = None,
    ) -> IntArray:
        """The tab's rows as sorted packed keys (see ``packed``)."""
        with self._lock:
            rows = np.flatnonzero(self.mask(f, now)).astype(np.int64)
            packed = self.packed(rows, sort_column, descending)
            packed.sort()
            return packed

    def select(
        self,
        f: QueueFilter,
        sort_column: str = "reported_at",
        descending: bool = True,
        now: int | None = None,
    ) -> IntArray:
        """The rowids of the tab, filtered and sorted (default: newest report first)."""
        return rowids_of(self.select_packed(f, sort_column, descending, now))

    # ------------------------------------------------------------------ live updates

    def refresh(
        self, ids: Iterable[str], read_docs: dict[int, dict[str, Any]] | None = None
    ) -> IntArray:
        """Re-read these cases (by id) into the arrays; ids no longer in the cache are dropped.
        Returns the rowids that changed (updated, new or dropped). ``read_docs``, when given, gets
        each re-read case's document by rowid (the table shows them next: read once here, in
        the worker, instead of again by the repaint on the UI thread)."""
        wanted = sorted(set(ids))
        if not wanted:
            return np.zeros(0, dtype=np.int64)
        with self._lock:
            rows: list[Any] = []
            docs: list[tuple[int, str]] = []
            texts: list[tuple[int, str]] = []
            with self.store.engine.connect() as conn:
                raw = conn.connection.driver_connection
                assert raw is not None
                for start in range(0, len(wanted), 500):
                    chunk = wanted[start : start + 500]
                    marks = ", ".join("?" for _ in chunk)
                    for row in raw.execute(
                        f"SELECT {_SELECT_COLUMNS}, doc FROM cases WHERE id IN ({marks})", chunk
                    ):
                        rows.append(row[:-1])
                        data = json.loads(row[-1])
                        texts.append((int(row[0]), _text_of(data)))
                        if read_docs is not None:
                            read_docs[int(row[0])] = data
                        if row[2] in OPEN_STATES:
                            docs.append((row[0], row[-1]))
            found = np.array([r[0] for r in rows], dtype=np.int64)
            self._grow(int(found.max()) + 1 if len(found) else 0)
            # Rows that held these ids before (deleted, or re-inserted under a new rowid): an
            # id still on its own rowid needs no search; the others are looked for by hash
            # (one pass over the array per id: a live batch rarely has any).
            same = {r[1] for r in rows if self.present[r[0]] and self._id_hash[r[0]] == hash(r[1])}
            dropped = np.zeros(0, dtype=np.int64)
            for case_id in wanted:
                if case_id not in same:
                    before = np.flatnonzero(self._id_hash == hash(case_id))
                    dropped = np.union1d(dropped, np.setdiff1d(before[self.present[before]], found))
            new_rows = bool(len(found)) and not bool(self.present[found].all())
            self.present[dropped] = False
            self.due_at[dropped] = NO_DEADLINE
            self._store_rows(rows)
            self._store_deadlines(docs)
            gone = [(int(r), "") for r in dropped]
            self._text.update([*texts, *gone])
            if self._text_changes is not None:
                self._text_changes.update([*texts, *gone])
            if new_rows:
                self._ranks.pop("id", None)  # new ids: the id order is computed again when asked
            self._ranks.pop("description", None)  # descriptions may have been edited
            self._text_cache.clear()
            return np.union1d(found, dropped).astype(np.int64)

    def matches(self, rowid: int, f: QueueFilter, now: int | None = None) -> bool:
        """Whether one row belongs to the filtered tab."""
        return bool(self.matches_many(np.array([rowid], dtype=np.int64), f, now)[0])

    def matches_many(self, rowids: IntArray, f: QueueFilter, now: int | None = None) -> BoolArray:
        """``matches`` for a few rows (a live merge): the text filter is asked of SQL for
        just these rows rather than over the whole tab."""
        with self._lock:
            rowids = rowids[(rowids >= 0) & (rowids < self._size)]
            plain = replace(f, text=None)
            out: BoolArray = self.mask(plain, now)[rowids]
            if f.text and len(rowids):
                marks = ", ".join("?" for _ in rowids)
                with self.store.engine.connect() as conn:
                    raw = conn.connection.driver_connection
                    assert raw is not None
                    hit = {
                        r[0]
                        for r in raw.execute(
                            f"SELECT rowid FROM cases WHERE rowid IN ({marks}) AND {_TEXT_SQL}",
                            [*map(int, rowids), *[f.text] * 4],
                        )
                    }
                out &= np.array([int(r) in hit for r in rowids], dtype=np.bool_)
            return out

    def sort_key(self, rowid: int, column: str) -> int:
        """The sort key of one row for ``column`` (as ``keys``)."""
        return int(self.packed(np.array([rowid], dtype=np.int64), column, False)[0] >> _ROW_BITS)

    @property
    def size(self) -> int:
        return self._size

    def count(self) -> int:
        return int(self.present.sum())


#: A case matches a text when its id, description or address contains it. ``instr`` on the
#: whole document first: it rules most rows out without parsing their JSON.
#: Below this many rows in the tab's states, the text filter asks SQL (~7 µs a row) rather than
#: walking the in-memory text of every case (~100 ms at 1M).
_SQL_TEXT_ROWS = 12_000

_TEXT_COLUMNS = (
    "SELECT rowid, id, json_extract(doc, '$.description'), json_extract(doc, '$.address') "
    "FROM cases"
)


def _text_of(data: Mapping[str, Any]) -> str:
    return case_text(str(data["id"]), data.get("description"), data.get("address"))


_TEXT_SQL = (
    "(instr(doc, ?) > 0 AND (instr(id, ?) > 0 "
    "OR instr(json_extract(doc, '$.description'), ?) > 0 "
    "OR instr(json_extract(doc, '$.address'), ?) > 0))"
)


#: Times are packed relative to 2017-07-14 so that a key fits its 31 bits from 1949 to 2085.
_TIME_BASE = 1_500_000_000
_KEY_MAX = 2**31 - 1


def _time_key(seconds: IntArray) -> IntArray:
    key: IntArray = np.minimum(seconds - _TIME_BASE, _KEY_MAX)
    key[seconds == NO_DEADLINE] = _KEY_MAX
    return key


def rowids_of(packed: IntArray) -> IntArray:
    out: IntArray = packed & _ROW_MASK
    return out
