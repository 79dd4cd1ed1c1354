"""The video-wall cockpit's data, read from the local store (Qt-free: it runs in a worker thread
about once a second while the wall paints).

Offers to the cockpit's presenter ``read_snapshot(store, reference, now)`` → ``CockpitSnapshot``
(``widgets.cockpit_model``), and ``forget_verdicts()`` (benchmarks and tests: the first snapshot
of a session).

"Today" is the city's local day (``CITY_TZ``, Asia/Shanghai) containing ``now``. Stored times
are UTC ISO text (``…Z``), so a time window is a text range; its bounds are written without the
zone suffix (``2026-11-25T16:00:00``), which sorts before every stored time of that second.
Asia/Shanghai's offset is whole hours, so the series' UTC hours are the city's hours.

Where each figure comes from, always through an index, never a whole table of documents (one
read transaction, so the parts agree):

- cases reported today / per hour: ``cases.reported_at`` (``ix_cases_reported``);
- cases closed today / per hour and their on-time share: the cases whose document's
  ``closed_at`` lies in the window (``ix_cases_closed``, an index on that expression, schema v3)
  and state is ``closed`` (invalid and duplicate reports end too, but were not handled). A case
  is on time when none of its SLA clocks (``case_clocks``, read at its closing) was breached; a
  closed case's clocks no longer move, so its verdict is remembered by (id, version) and only
  new closures are parsed;
- active alarms: ``alarms.state`` in ``active_unack``/``active_ack`` by kind and severity (the
  server's metric documents carry the same tally, but the table is newer);
- readings and overweight vehicles today, readings per minute: the ``metric`` documents
  (``minute:<UTC iso>``, by primary key range). The server emits every finished minute that
  counted something and always the latest finished one, skipping empty minutes in between
  (``server.metrics``): a minute missing *between* two emitted ones therefore had no readings
  and is 0, while minutes before the first known document or after the latest one are unknown
  (NaN: the server was not emitting yet, or this client has not pulled them — the link is down);
- screens, lights and the device panel: every device (10,000 at most) by kind, from the
  documents' ``online``, ``power`` and ``faults``. Lights count lamps when the store holds lamp
  devices, else lighting circuits; both as last reported;
- the weigh-in-motion rows: ``bridge_overweight`` alarms, newest ``last_raised_at`` first. An
  alarm absorbs the vehicles that cross until it is acknowledged (``occurrences``), so a row is
  the alarm's latest vehicle (its ``value``, at ``last_raised_at``); the limit is the weight at
  which the rules start counting a vehicle (the lowest band for that station), not the band the
  vehicle reached;
- the board: ``None`` here — a ranking takes too long for the 1 s snapshot; the presenter adds
  ``cockpit_board.read_board``'s rows, read in their own worker every few minutes;
- the ticker: the newest 30 of alarms raised (``first_raised_at``), alarms cleared (momentary
  kinds clear at once, which is no news, so they are left out), cases reported, cases closed and
  device commands (a group command is one line), each source read newest first with a LIMIT.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Final, Literal

from pydantic import ValidationError
from sqlalchemy import Connection

from cityops.domain.alarm_rules import default_rules
from cityops.domain.alarms import AlarmKind, AlarmState, Severity
from cityops.domain.case_clocks import case_clocks
from cityops.domain.city import CITY_TZ
from cityops.domain.devices import DeviceKind
from cityops.domain.reference import Reference
from cityops.domain.schemas import CaseDoc
from cityops.domain.sla import ClockStatus
from cityops.domain.work_calendar import WorkCalendar
from cityops.local_store.store import LocalStore
from cityops.local_store.tables import ALARM_CLEARED_AT, CASE_CLOSED_AT
from cityops.widgets.cockpit_model import (
    CockpitSnapshot,
    DeviceStatus,
    Kpis,
    Series,
    TickerItem,
    WimRow,
)

HOUR: Final = timedelta(hours=1)
MINUTE: Final = timedelta(minutes=1)
DAY: Final = timedelta(days=1)
TICKER_LINES: Final = 30
WIM_ROWS: Final = 20
DESCRIPTION_CHARS: Final = 20
NAN: Final = float("nan")
_NEVER: Final = datetime.min.replace(tzinfo=UTC)

_ACTIVE: Final = (AlarmState.ACTIVE_UNACK.value, AlarmState.ACTIVE_ACK.value)
_ALL_ALARM_STATES: Final = tuple(s.value for s in AlarmState)
_LATE: Final = frozenset({ClockStatus.BREACHED, ClockStatus.BREACHED_MET})
#: Windows tried in turn for "the newest alarms" by a time the alarms table does not index
#: (``None``: all of them). See ``_newest_alarms``.
_WINDOWS: Final = (HOUR, DAY, 7 * DAY, None)
#: Device command rows read at most for the ticker (a lighting group command is one row per
#: circuit: 1,622 rows make one line).
_COMMAND_PAGE: Final = 500
_COMMAND_PAGES: Final = 3
_CHUNK: Final = 500  # ids per IN list

#: The device kinds as the wall names them (the device panel's names).
KIND_ZH: Final[Mapping[str, str]] = {
    DeviceKind.LED_SCREEN.value: "LED屏",
    DeviceKind.LIGHT_CABINET.value: "照明控制柜",
    DeviceKind.LIGHT_CIRCUIT.value: "照明回路",
    DeviceKind.LAMP.value: "单灯",
}


# ---------------------------------------------------------------------- time frame


def _bound(when: datetime) -> str:
    """A window bound as stored-time text: UTC, to the second, no zone suffix."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _parse(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Frame:
    """The windows one snapshot reads, in UTC."""

    now: datetime
    day_start: datetime  # the city's local midnight that began today
    day_end: datetime
    minutes_start: datetime  # the first of the 1,440 minutes (the last is the one before now's)
    hours_start: datetime  # the first of the 24 hours (the last is now's)

    @classmethod
    def at(cls, now: datetime) -> Frame:
        if now.tzinfo is None:
            raise ValueError("the cockpit's now must be timezone-aware")
        now = now.astimezone(UTC)
        local = now.astimezone(CITY_TZ)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        # Arithmetic on a zoneinfo time is wall-clock time: this is the next local midnight.
        next_midnight = midnight + DAY
        minute = now.replace(second=0, microsecond=0)
        hour = minute.replace(minute=0)
        return cls(
            now=now,
            day_start=midnight.astimezone(UTC),
            day_end=next_midnight.astimezone(UTC),
            minutes_start=minute - 1440 * MINUTE,
            hours_start=hour - 23 * HOUR,
        )

    @property
    def hours_end(self) -> datetime:
        return self.hours_start + 24 * HOUR

    def hour_index(self, when: datetime) -> int | None:
        i = int((when - self.hours_start) // HOUR)
        return i if 0 <= i < 24 else None


# ---------------------------------------------------------------------- on-time verdicts


class _Verdicts:
    """Whether a closed case was closed on time, by (id, version): a closed case's clocks have
    all stopped, so the verdict holds until the document changes. Bounded: a day closes
    ~3,700 cases; the memory is emptied when it passes ``LIMIT``."""

    LIMIT: Final = 50_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[tuple[str, int], bool | None] = {}
        self._taxonomy: object | None = None
        self._calendar: WorkCalendar | None = None

    def clear(self) -> None:
        with self._lock:
            self._known.clear()

    def calendar(self, reference: Reference) -> WorkCalendar:
        """The standard's working calendar, built once per loaded taxonomy; a new taxonomy
        also voids the verdicts (its limits decided them)."""
        with self._lock:
            if self._taxonomy is not reference.taxonomy or self._calendar is None:
                self._taxonomy = reference.taxonomy
                self._calendar = reference.taxonomy.calendar()
                self._known.clear()
            return self._calendar

    def lookup(
        self, keys: Iterable[tuple[str, int]]
    ) -> tuple[dict[tuple[str, int], bool | None], list[tuple[str, int]]]:
        with self._lock:
            found, missing = {}, []
            for key in keys:
                if key in self._known:
                    found[key] = self._known[key]
                else:
                    missing.append(key)
            return found, missing

    def remember(self, verdicts: Mapping[tuple[str, int], bool | None]) -> None:
        with self._lock:
            if len(self._known) + len(verdicts) > self.LIMIT:
                self._known.clear()
            self._known.update(verdicts)


_VERDICTS = _Verdicts()


def forget_verdicts() -> None:
    """Forget every remembered on-time verdict (the next snapshot computes them all again)."""
    _VERDICTS.clear()


def closed_on_time(doc: str | bytes, reference: Reference, calendar: WorkCalendar) -> bool | None:
    """Whether the closed case in ``doc`` (its stored JSON) met every SLA clock: ``True`` when
    none was breached (a case without clocks — no known subcategory — missed nothing), ``None``
    when the document cannot be read as a case (it is then left out of the on-time share)."""
    try:
        case = CaseDoc.model_validate_json(doc).to_domain()
    except (ValidationError, TypeError):  # a document this client cannot read as a case
        return None
    code = case.subcategory_code
    subcategory = reference.taxonomy.subcategories.get(code) if code else None
    if subcategory is None or case.closed_at is None:
        return True
    clocks = case_clocks(case, subcategory, case.closed_at, calendar)
    return not any(c.overdue or c.status in _LATE for c in clocks)


# ---------------------------------------------------------------------- cases


@dataclass(frozen=True, slots=True)
class _CaseFigures:
    reported_today: int
    reported_per_hour: tuple[float, ...]
    closed_today: int
    on_time_rate_today: float | None
    compliance_per_hour: tuple[float, ...]


def _read_cases(conn: Connection, frame: Frame, reference: Reference) -> _CaseFigures:
    per_hour = [0.0] * 24
    keys = {(frame.hours_start + i * HOUR).strftime("%Y-%m-%dT%H"): i for i in range(24)}
    for key, n in conn.exec_driver_sql(
        "SELECT substr(reported_at, 1, 13), count(*) FROM cases "
        "WHERE reported_at >= ? AND reported_at < ? GROUP BY 1",
        (_bound(frame.hours_start), _bound(frame.hours_end)),
    ):
        if key in keys:
            per_hour[keys[key]] = float(n)
    reported_today = conn.exec_driver_sql(
        "SELECT count(*) FROM cases WHERE reported_at >= ? AND reported_at < ?",
        (_bound(frame.day_start), _bound(frame.day_end)),
    ).scalar_one()

    closures = _closures(conn, frame, reference)
    today = [v for at, v in closures if frame.day_start <= at < frame.day_end]
    judged = [v for v in today if v is not None]
    on_hour: list[list[bool]] = [[] for _ in range(24)]
    for at, verdict in closures:
        i = frame.hour_index(at)
        if i is not None and verdict is not None:
            on_hour[i].append(verdict)
    return _CaseFigures(
        reported_today=int(reported_today),
        reported_per_hour=tuple(per_hour),
        closed_today=len(today),
        on_time_rate_today=sum(judged) / len(judged) if judged else None,
        compliance_per_hour=tuple(100.0 * sum(h) / len(h) if h else NAN for h in on_hour),
    )


def _closures(
    conn: Connection, frame: Frame, reference: Reference
) -> list[tuple[datetime, bool | None]]:
    """(closed at, on time) of every case closed from the earlier of today's start and the
    hourly window's start until now."""
    start = min(frame.day_start, frame.hours_start)
    end = max(frame.day_end, frame.hours_end)
    # The state is checked here, not in SQL: given "state = 'closed'" SQLite may walk the state
    # index (nearly every case) instead of the closing-time one.
    rows = [
        (case_id, int(version), at)
        for case_id, version, state, text in conn.exec_driver_sql(
            f"SELECT id, version, state, {CASE_CLOSED_AT} FROM cases "
            f"WHERE {CASE_CLOSED_AT} >= ? AND {CASE_CLOSED_AT} < ?",
            (_bound(start), _bound(end)),
        )
        if state == "closed" and (at := _parse(text)) is not None
    ]
    calendar = _VERDICTS.calendar(reference)
    known, missing = _VERDICTS.lookup((case_id, version) for case_id, version, _at in rows)
    if missing:
        fresh: dict[tuple[str, int], bool | None] = {}
        wanted = {case_id for case_id, _v in missing}
        for case_id, version, doc in _by_id(conn, "cases", "id, version, doc", wanted):
            fresh[(case_id, int(version))] = closed_on_time(doc, reference, calendar)
        _VERDICTS.remember(fresh)
        known.update(fresh)
    return [(at, known.get((case_id, version))) for case_id, version, at in rows]


def _by_id(conn: Connection, table: str, columns: str, ids: Iterable[str]) -> list[Any]:
    wanted = sorted(set(ids))
    rows: list[Any] = []
    for i in range(0, len(wanted), _CHUNK):
        chunk = wanted[i : i + _CHUNK]
        marks = ", ".join("?" for _ in chunk)
        rows.extend(
            conn.exec_driver_sql(
                f"SELECT {columns} FROM {table} WHERE id IN ({marks})", tuple(chunk)
            )
        )
    return rows


# ---------------------------------------------------------------------- alarms and metrics


def _active_alarms(conn: Connection) -> dict[str, dict[str, int]]:
    """kind → severity → count of active alarms, kinds in the domain's order, severities most
    urgent first (unknown values after them)."""
    tally: dict[str, dict[str, int]] = {}
    for kind, severity, n in conn.exec_driver_sql(
        "SELECT kind, severity, count(*) FROM alarms WHERE state IN (?, ?) GROUP BY 1, 2",
        _ACTIVE,
    ):
        tally.setdefault(str(kind), {})[str(severity)] = int(n)
    kind_order = {k.value: i for i, k in enumerate(AlarmKind)}
    sev_order = {s.value: -s.rank for s in Severity}
    return {
        kind: dict(sorted(tally[kind].items(), key=lambda kv: (sev_order.get(kv[0], 0), kv[0])))
        for kind in sorted(tally, key=lambda k: (kind_order.get(k, len(kind_order)), k))
    }


@dataclass(frozen=True, slots=True)
class _MetricFigures:
    readings_today: int
    overweight_today: int
    readings_per_minute: tuple[float, ...]


def _minute_id(when: datetime) -> str:
    """A metric document's id prefix for the minute ``when`` starts (``minute:<UTC iso>``,
    as ``server.metrics`` names them; without the seconds and zone, a range bound)."""
    return "minute:" + when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def _read_metrics(conn: Connection, frame: Frame) -> _MetricFigures:
    start = min(frame.minutes_start, frame.day_start)
    end = frame.now.replace(second=0, microsecond=0) + MINUTE
    minutes: dict[datetime, tuple[int, int]] = {}
    for entity_id, readings, overweight in conn.exec_driver_sql(
        "SELECT id, json_extract(doc, '$.values.readings'), "
        "json_extract(doc, '$.values.overweight_vehicles') FROM metrics "
        "WHERE id >= ? AND id < ?",
        (_minute_id(start), _minute_id(end)),
    ):
        minute = _parse(str(entity_id).removeprefix("minute:"))
        if minute is not None:
            minutes[minute] = (int(readings or 0), int(overweight or 0))
    earlier = conn.exec_driver_sql(
        "SELECT 1 FROM metrics WHERE id >= 'minute:' AND id < ? LIMIT 1", (_minute_id(start),)
    ).first()
    today = [v for m, v in minutes.items() if m >= frame.day_start]
    return _MetricFigures(
        readings_today=sum(r for r, _o in today),
        overweight_today=sum(o for _r, o in today),
        readings_per_minute=_per_minute(minutes, frame, earlier is not None),
    )


def _per_minute(
    minutes: Mapping[datetime, tuple[int, int]], frame: Frame, known_before: bool
) -> tuple[float, ...]:
    """Readings of each of the 1,440 minutes: the document's count; 0 for a minute the server
    skipped between two it emitted (it had nothing); NaN outside what is known."""
    if not minutes:
        return (NAN,) * 1440
    first = frame.minutes_start if known_before else min(minutes)
    last = max(minutes)
    values = []
    for i in range(1440):
        minute = frame.minutes_start + i * MINUTE
        found = minutes.get(minute)
        if found is not None:
            values.append(float(found[0]))
        elif first <= minute <= last:
            values.append(0.0)
        else:
            values.append(NAN)
    return tuple(values)


# ---------------------------------------------------------------------- devices


def _read_devices(conn: Connection) -> tuple[DeviceStatus, ...]:
    found: dict[str, DeviceStatus] = {}
    for kind, total, online, faulty, powered in conn.exec_driver_sql(
        "SELECT kind, count(*), "
        "coalesce(sum(json_extract(doc, '$.online') = 1), 0), "
        "coalesce(sum(json_array_length(doc, '$.faults') > 0), 0), "
        "coalesce(sum(json_extract(doc, '$.power') = 1), 0) "
        "FROM devices GROUP BY kind"
    ):
        found[str(kind)] = DeviceStatus(
            str(kind), int(total), int(online), int(faulty), int(powered)
        )
    order = {k.value: i for i, k in enumerate(DeviceKind)}
    return tuple(found[k] for k in sorted(found, key=lambda k: (order.get(k, len(order)), k)))


def _device_names(conn: Connection, ids: Iterable[str]) -> dict[str, str]:
    rows = _by_id(conn, "devices", "id, json_extract(doc, '$.name_zh')", ids)
    return {str(i): str(name) for i, name in rows if name}


# ---------------------------------------------------------------------- alarms by time


def _newest_alarms(
    conn: Connection,
    frame: Frame,
    columns: str,
    time_column: str,
    extra: str,
    limit: int,
    params: Sequence[Any] = (),
) -> list[Any]:
    """The ``limit`` alarms newest by ``time_column`` (its value is the row's last column),
    for a time that is never after ``last_raised_at`` (``first_raised_at`` or
    ``last_raised_at`` itself). Only ``(state, last_raised_at)`` is indexed, so the alarms
    raised last within a window are read (one index range per state): every alarm whose time
    lies in the window is among them, so once ``limit`` of them do, they are the newest.
    Otherwise the window widens (an hour, a day, a week, all)."""
    marks = ", ".join("?" for _ in _ALL_ALARM_STATES)
    rows: list[Any] = []
    for window in _WINDOWS:
        since = None if window is None else _bound(frame.now - window)
        where = f"state IN ({marks}) AND last_raised_at >= ?" if since else "1"
        args = (*_ALL_ALARM_STATES, since) if since else ()
        rows = [
            row
            for row in conn.exec_driver_sql(
                f"SELECT {columns}, {time_column} FROM alarms WHERE {where} {extra}",
                (*args, *params),
            )
            if isinstance(row[-1], str) and (since is None or row[-1] >= since)
        ]
        if len(rows) >= limit:
            break
    rows.sort(key=lambda r: _parse(r[-1]) or _NEVER, reverse=True)
    return rows[:limit]


@cache
def _alarm_units() -> dict[str, str]:
    return {rule.kind.value: rule.unit for rule in default_rules()}


@cache
def _momentary_kinds() -> tuple[str, ...]:
    return tuple(sorted({r.kind.value for r in default_rules() if r.momentary}))


def _overweight_limit(device_id: str, threshold: float) -> float:
    """The weight from which the rules count a vehicle on this station as overweight (the
    lowest band: the alarm's own ``threshold`` is that of the band the vehicle reached)."""
    for rule in default_rules():
        if rule.kind is AlarmKind.BRIDGE_OVERWEIGHT:
            return float(rule.bands_for(device_id)[0].threshold)
    return threshold


def _read_wim(conn: Connection, frame: Frame) -> tuple[WimRow, ...]:
    rows = _newest_alarms(
        conn,
        frame,
        "device_id, district_code, json_extract(doc, '$.value'), json_extract(doc, '$.threshold')",
        "last_raised_at",
        "AND kind = ?",
        WIM_ROWS,
        (AlarmKind.BRIDGE_OVERWEIGHT.value,),
    )
    names = _device_names(conn, (str(r[0]) for r in rows))
    out = []
    for device_id, district, value, threshold, last in rows:
        at = _parse(last)
        if at is None or value is None:
            continue
        device = str(device_id)
        limit = _overweight_limit(device, float(threshold or 0.0))
        out.append(WimRow(device, names.get(device, device), district, float(value), limit, at))
    return tuple(out)


# ---------------------------------------------------------------------- the ticker


class _Names:
    """District and device names for the ticker's texts."""

    def __init__(self, reference: Reference, devices: Mapping[str, str]) -> None:
        self._units = reference.units.units
        self._devices = devices

    def district(self, code: Any) -> str:
        unit = self._units.get(str(code)) if code else None
        return unit.name_zh if unit is not None else (str(code) if code else "")

    def device(self, device_id: Any) -> str:
        return self._devices.get(str(device_id), str(device_id))


def _kind_zh(kind: str) -> str:
    try:
        return AlarmKind(kind).zh
    except ValueError:
        return kind


def _severity_zh(severity: str) -> str:
    try:
        return Severity(severity).zh
    except ValueError:
        return severity


def _number(value: Any) -> str:
    if isinstance(value, int | float) and math.isfinite(value):
        return f"{value:g}"
    return ""


def _alarm_lines(conn: Connection, frame: Frame) -> list[tuple[Any, ...]]:
    """Raised and cleared alarms, newest first, as raw rows tagged with their kind of line."""
    columns = "id, kind, severity, device_id, district_code, json_extract(doc, '$.value')"
    raised = _newest_alarms(
        conn, frame, columns, "json_extract(doc, '$.first_raised_at')", "", TICKER_LINES
    )
    momentary = _momentary_kinds()
    marks = ", ".join("?" for _ in momentary) or "''"
    cleared = conn.exec_driver_sql(
        f"SELECT {columns}, {ALARM_CLEARED_AT} FROM alarms "
        f"WHERE {ALARM_CLEARED_AT} IS NOT NULL AND kind NOT IN ({marks}) "
        f"ORDER BY {ALARM_CLEARED_AT} DESC LIMIT ?",
        (*momentary, TICKER_LINES),
    ).all()
    return [("alarm", *r) for r in raised] + [("alarm_cleared", *r) for r in cleared]


def _alarm_items(lines: Sequence[Sequence[Any]], names: _Names) -> list[TickerItem]:
    units = _alarm_units()
    items = []
    for line, _id, kind, severity, device_id, district, value, when in lines:
        at = _parse(when)
        if at is None:
            continue
        place = names.district(district)
        prefix = f"{place} " if place else ""
        what = _kind_zh(str(kind))
        device = names.device(device_id)
        if line == "alarm":
            amount = _number(value)
            unit = units.get(str(kind), "")
            reading = f" {amount} {unit}".rstrip() if amount else ""
            text = f"{prefix}{what} {_severity_zh(str(severity))}告警：{device}{reading}"
            items.append(TickerItem(at, "alarm", text, str(severity)))
        else:
            items.append(TickerItem(at, "alarm_cleared", f"{prefix}{what} 告警恢复：{device}"))
    return items


def _case_items(conn: Connection, names: _Names) -> list[TickerItem]:
    description = f"substr(json_extract(doc, '$.description'), 1, {DESCRIPTION_CHARS})"
    reported = conn.exec_driver_sql(
        f"SELECT reported_at, district_code, {description} FROM cases "
        "ORDER BY reported_at DESC, id DESC LIMIT ?",
        (TICKER_LINES,),
    ).all()
    # "+state": a condition the state index must not answer (see ``_closures``).
    closed = conn.exec_driver_sql(
        f"SELECT {CASE_CLOSED_AT}, district_code, {description} FROM cases "
        f"WHERE {CASE_CLOSED_AT} IS NOT NULL AND +state = 'closed' "
        f"ORDER BY {CASE_CLOSED_AT} DESC LIMIT ?",
        (TICKER_LINES,),
    ).all()
    sources: tuple[tuple[Literal["case", "case_closed"], str, Sequence[Any]], ...] = (
        ("case", "新案件", reported),
        ("case_closed", "案件办结", closed),
    )
    items = []
    for kind, label, rows in sources:
        for when, district, text in rows:
            at = _parse(when)
            if at is None:
                continue
            place = names.district(district)
            where = f"（{place}）" if place else ""
            items.append(TickerItem(at, kind, f"{label}：{text or ''}{where}"))
    return items


def _action_zh(payload: Mapping[str, Any], kind: str) -> str:
    match payload.get("type"):
        case "set_power":
            return "开启" if payload.get("on") else "关闭"
        case "set_level":
            word = "亮度" if kind == DeviceKind.LED_SCREEN.value else "调光"
            return f"{word} {payload.get('percent')}%"
        case "show_content":
            return f"发布内容「{payload.get('text') or payload.get('content_id') or ''}」"
        case "take_over":
            return f"应急接管「{payload.get('text') or payload.get('content_id') or ''}」"
        case "restore":
            return "恢复常规内容"
    return str(payload.get("type") or "")


@dataclass(slots=True)
class _Command:
    at: datetime
    device_id: str
    kind: str
    payload: dict[str, Any]
    group: str | None


def _newest_commands(conn: Connection) -> list[_Command]:
    """The newest commands, one per group command, by the order this store received them
    (rows are inserted when first seen and only updated after: rowid order is issue order,
    up to the network). At most ``_COMMAND_PAGES`` pages of rows are read."""
    found: dict[str, _Command] = {}
    before: int | None = None
    for _page in range(_COMMAND_PAGES):
        where = "WHERE rowid < ?" if before is not None else ""
        rows = conn.exec_driver_sql(
            "SELECT rowid, id, device_id, group_command_id, json_extract(doc, '$.issued_at'), "
            "json_extract(doc, '$.device_kind'), json_extract(doc, '$.payload') "
            f"FROM device_commands {where} ORDER BY rowid DESC LIMIT ?",
            (*(() if before is None else (before,)), _COMMAND_PAGE),
        ).all()
        for rowid, command_id, device_id, group, issued, kind, payload in rows:
            before = int(rowid)
            key = str(group or command_id)
            at = _parse(issued)
            if key in found or at is None:
                continue
            try:
                data = json.loads(payload) if payload else {}
            except ValueError:
                data = {}
            if not isinstance(data, dict):
                data = {}
            found[key] = _Command(at, str(device_id), str(kind or ""), data, group)
            if len(found) >= TICKER_LINES:
                return list(found.values())
        if len(rows) < _COMMAND_PAGE:
            break
    return list(found.values())


def _command_items(
    conn: Connection, commands: Sequence[_Command], names: _Names
) -> list[TickerItem]:
    items = []
    for c in commands:
        action = _action_zh(c.payload, c.kind)
        if c.group:
            n = conn.exec_driver_sql(
                "SELECT count(*) FROM device_commands WHERE group_command_id = ?", (c.group,)
            ).scalar_one()
            kind = KIND_ZH.get(c.kind, c.kind)
            text = f"群控指令：{kind}×{int(n):,} {action}"
        else:
            text = f"设备指令：{names.device(c.device_id)} {action}"
        items.append(TickerItem(c.at, "command", text))
    return items


def _read_ticker(conn: Connection, frame: Frame, reference: Reference) -> tuple[TickerItem, ...]:
    alarm_lines = _alarm_lines(conn, frame)
    commands = _newest_commands(conn)
    devices = _device_names(
        conn, [str(r[4]) for r in alarm_lines] + [c.device_id for c in commands if not c.group]
    )
    names = _Names(reference, devices)
    items = [
        *_alarm_items(alarm_lines, names),
        *_case_items(conn, names),
        *_command_items(conn, commands, names),
    ]
    items.sort(key=lambda item: item.at, reverse=True)  # stable: ties keep the sources' order
    return tuple(items[:TICKER_LINES])


# ---------------------------------------------------------------------- the snapshot


def read_snapshot(store: LocalStore, reference: Reference, now: datetime) -> CockpitSnapshot:
    """Everything the wall shows at ``now`` (aware), read in one read transaction."""
    frame = Frame.at(now)
    with store.engine.connect() as conn:
        # One read transaction: the KPIs, series and ticker describe the same moment of the
        # store even while the sync writes (WAL). Ended by the connection's rollback on return.
        conn.exec_driver_sql("BEGIN")
        cases = _read_cases(conn, frame, reference)
        active = _active_alarms(conn)
        metrics = _read_metrics(conn, frame)
        devices = _read_devices(conn)
        wim = _read_wim(conn, frame)
        ticker = _read_ticker(conn, frame, reference)
    by_kind = {d.kind: d for d in devices}
    screens = by_kind.get(DeviceKind.LED_SCREEN.value)
    lamps = by_kind.get(DeviceKind.LAMP.value)
    lights = (
        lamps if lamps is not None and lamps.total else by_kind.get(DeviceKind.LIGHT_CIRCUIT.value)
    )
    kpis = Kpis(
        cases_reported_today=cases.reported_today,
        cases_closed_today=cases.closed_today,
        on_time_rate_today=cases.on_time_rate_today,
        active_alarms=active,
        active_alarms_total=sum(n for by_severity in active.values() for n in by_severity.values()),
        readings_today=metrics.readings_today,
        overweight_today=metrics.overweight_today,
        screens_online=screens.online if screens else 0,
        screens_total=screens.total if screens else 0,
        lights_on=lights.powered if lights else 0,
        lights_total=lights.total if lights else 0,
        parking_free=None,
    )
    return CockpitSnapshot(
        taken_at=frame.now,
        kpis=kpis,
        readings_per_minute=Series(
            "readings_per_minute", frame.minutes_start, 60, metrics.readings_per_minute
        ),
        cases_per_hour=Series("cases_per_hour", frame.hours_start, 3600, cases.reported_per_hour),
        sla_compliance=Series("sla_compliance", frame.hours_start, 3600, cases.compliance_per_hour),
        wim=wim,
        devices=devices,
        board=None,
        board_period="",
        ticker=ticker,
    )
