"""Per-minute counters for the cockpit, and their emission as ``metric`` changes.

Offers ``add_counts(session, minute, values)`` (upsert into ``metrics_minute``; the ingest path
calls it in the batch's transaction), ``minute_of(when)`` (UTC, truncated) and
``emit_metrics(state, now)``, which the ingest background task calls every ~10 s and tests call
directly.

Counters (``name`` column): ``readings`` (all readings), ``readings.<metric>`` (per metric the
rules know), ``readings.unknown_metric``, ``overweight_vehicles`` (bridge weigh-in-motion
crossings, i.e. occurrences of ``bridge_overweight`` alarms), ``alarms_raised``,
``alarms_cleared``. A reading is counted in the minute the server *handled* it, not the minute it
was measured: a late delivery then never changes a minute that was already emitted.

Emission: each finished minute (``< minute_of(now)``) not yet emitted becomes one change
``Entity.METRIC``, entity id ``minute:<iso>``, payload ``{minute, values, active_alarms,
active_alarms_total}`` where ``active_alarms`` is ``{kind: {severity: n}}`` over alarms whose
shown state is active (``active_unack``/``active_ack``) at emission time. Minutes without counters
are skipped, except the latest finished one, so the cockpit's alarm totals refresh every minute
even when no reading arrives. "Emitted up to" is kept in ``server_values`` under
``metrics.emitted_until`` and advanced in the same transaction as the changes, so a minute is
emitted once even with several server processes (the write gate serialises them).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cityops.domain.alarms import AlarmState
from cityops.domain.schemas import Entity
from cityops.server import changes
from cityops.server.models import AlarmRow, MetricMinute, ServerValue
from cityops.server.state import ServerState

log = logging.getLogger(__name__)

EMITTED_KEY: Final = "metrics.emitted_until"
#: On the first emission (or after a long outage) older minutes are not emitted any more.
MAX_BACKLOG: Final = timedelta(hours=24)
MINUTE: Final = timedelta(minutes=1)
_ACTIVE_STATES: Final = (AlarmState.ACTIVE_UNACK.value, AlarmState.ACTIVE_ACK.value)
_NAME_LENGTH: Final = 64  # metrics_minute.name


def minute_of(when: datetime) -> datetime:
    """The UTC minute ``when`` falls in (an aware datetime, seconds truncated)."""
    if when.tzinfo is None:
        raise ValueError("minute_of needs an aware datetime")
    return when.astimezone(UTC).replace(second=0, microsecond=0)


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone columns; they were written in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def add_counts(session: Session, minute: datetime, values: Mapping[str, float]) -> None:
    """Add ``values`` to the counters of ``minute`` (one upsert statement for all names)."""
    rows = [
        {"minute": minute, "name": name[:_NAME_LENGTH], "value": float(value)}
        for name, value in values.items()
        if value
    ]
    if not rows:
        return
    conn = session.connection()
    # executemany of one prebuilt upsert on the connection: a multi-row VALUES would be
    # compiled every time, and the ORM's bulk path cost more than the counting it records.
    conn.execute(_upsert(conn.dialect.name), rows)


_UPSERTS: dict[str, Any] = {}


def _upsert(dialect: str) -> Any:
    stmt = _UPSERTS.get(dialect)
    if stmt is None:
        insert: Any
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        table = MetricMinute.__table__
        base = insert(table)
        stmt = _UPSERTS[dialect] = base.on_conflict_do_update(
            index_elements=[table.c.minute, table.c.name],
            set_={"value": table.c.value + base.excluded.value},
        )
    return stmt


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def active_alarms(session: Session) -> dict[str, dict[str, int]]:
    """``{kind: {severity: n}}`` over alarms shown as active now."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for kind, severity, n in session.execute(
        select(AlarmRow.kind, AlarmRow.severity, func.count())
        .where(AlarmRow.state.in_(_ACTIVE_STATES))
        .group_by(AlarmRow.kind, AlarmRow.severity)
    ):
        out[kind][severity] = int(n)
    return dict(out)


def emit_metrics(state: ServerState, now: datetime) -> int:
    """Emit every finished minute not yet emitted; returns how many changes were appended."""
    current = minute_of(now)
    emitted = 0
    with state.gate.write() as session:
        mark = session.get(ServerValue, EMITTED_KEY)
        since = current - MAX_BACKLOG
        if mark is not None:
            since = max(since, datetime.fromisoformat(mark.value["until"]))
        if since >= current:
            return 0
        by_minute: dict[datetime, dict[str, Any]] = defaultdict(dict)
        for minute, name, value in session.execute(
            select(MetricMinute.minute, MetricMinute.name, MetricMinute.value).where(
                MetricMinute.minute >= since, MetricMinute.minute < current
            )
        ):
            by_minute[_utc(minute)][name] = _number(value)
        by_minute.setdefault(current - MINUTE, {})  # the alarm totals refresh every minute
        active = active_alarms(session)
        total = sum(n for severities in active.values() for n in severities.values())
        for minute in sorted(by_minute):
            iso = minute.isoformat()
            payload = {
                "minute": iso,
                "values": dict(sorted(by_minute[minute].items())),
                "active_alarms": active,
                "active_alarms_total": total,
            }
            changes.append(session, Entity.METRIC, f"minute:{iso}", 1, payload)
            emitted += 1
        until = {"until": current.isoformat()}
        if mark is None:
            session.add(ServerValue(name=EMITTED_KEY, value=until))
        else:
            mark.value = until
    if emitted:
        state.hub.poke()
    return emitted
