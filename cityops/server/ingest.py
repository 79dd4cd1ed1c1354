"""IoT ingest: ``POST /api/v1/ingest/readings`` turns sensor readings into alarms and metrics.

Offers the route (``router``), ``ingest_readings(state, readings)`` (the one processing function
the HTTP route and the MQTT subscription share), ``IngestResult`` and ``background(state)``
(per-minute metric emission every ~10 s, plus the MQTT subscription when ``settings.mqtt_url``
is set). ``emit_metrics`` is re-exported from ``metrics``.

The route
---------
Body: ``ReadingsBatch`` (1–10,000 readings). Auth: an integration key in ``X-Api-Key``
(``cityops apikey create NAME``). ``Idempotency-Key`` (optional, ≤ 128 characters, scoped to
the API key): the same key with the same body bytes answers the stored response and does nothing
again (header ``Idempotent-Replayed: true``); the same key with another body is a 422 problem.
A metric without an alarm rule is counted in ``unknown_metric`` and otherwise ignored (a platform
sends many metrics the hall does not alarm on). Answer: ``{accepted, unknown_metric,
alarms_raised, alarms_repeated, alarms_cleared, last_change_seq}`` where ``accepted`` counts the
readings judged by a rule, the alarm counts are events (a repeat is one more occurrence on an
open alarm; a momentary rule's vehicle or impact counts as a raise or repeat only, not as a
clear) and ``last_change_seq`` is the newest change the batch appended (``null`` if none).

One batch, one transaction
--------------------------
The latest alarm of every (device, kind) in the batch is read in two queries (index
``ix_alarms_device_kind``: the pair's open alarm, else its newest, ids being UUIDv7 and so
time-ordered). Readings are applied in timestamp order with ``alarm_rules.apply_reading`` (the
"now" of a batch is when the server handles it). Each alarm the batch changed is written once,
in its final state, queued with ``handlers_alarms.queue_alarm`` (``pending``: one statement per
table for the batch): one change per alarm per batch, however many readings it absorbed. A new
alarm takes the location its opening reading carries (``ReadingIn``'s optional
``district_code``, ``lon``, ``lat``: the platform forwards its device metadata); one without a
district takes its device's district and position from the device table when the device is
there. The minute counters (``metrics``) are upserted, everything commits together, then the
live relay is poked.

Cost: per reading there is no query and no pydantic beyond the batch's parse; a reading that
raises nothing on a pair without an open alarm (the common case) is a dictionary lookup and the
rule's comparisons, and no alarm document is decoded for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from operator import attrgetter
from typing import Annotated, Any, Final, cast

import uuid6
from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Table, Text, bindparam, select, tuple_
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from cityops.domain import alarm_rules as ar
from cityops.domain.alarms import Alarm, AlarmEventKind, AlarmKind, AlarmState
from cityops.domain.schemas import ReadingIn, ReadingsBatch
from cityops.server import bodies, idempotency
from cityops.server.auth import IntegrationKey
from cityops.server.handlers_alarms import PARSED_ALARMS, queue_alarm
from cityops.server.inlists import select_in
from cityops.server.metrics import add_counts, emit_metrics, minute_of
from cityops.server.models import AlarmRow, DeviceRow
from cityops.server.state import ServerState, server_state

log = logging.getLogger(__name__)

__all__ = [
    "IngestResult",
    "background",
    "emit_metrics",
    "ingest_readings",
    "router",
]

#: How often ``background`` emits finished minutes.
METRICS_INTERVAL: Final = 10.0

_CLOSED: Final = AlarmState.CLEARED.value
_BY_TIME: Final = attrgetter("at")


class IngestResult(BaseModel):
    """What a batch did (also the stored answer of an ``Idempotency-Key``)."""

    accepted: int
    unknown_metric: int
    alarms_raised: int
    alarms_repeated: int
    alarms_cleared: int
    last_change_seq: int | None = None


@dataclass
class _Tally:
    accepted: int = 0
    unknown_metric: int = 0
    raised: int = 0
    repeated: int = 0
    cleared: int = 0
    overweight: int = 0


_ALARMS = cast(Table, AlarmRow.__table__)
#: Every alarm of the given (device, kind) pairs, without documents (index
#: ix_alarms_device_kind). A row-value IN probes the index once per pair; separate IN lists
#: of devices and of kinds made SQLite probe every device × kind combination.
_CANDIDATES: Final = select(
    _ALARMS.c.id, _ALARMS.c.device_id, _ALARMS.c.kind, _ALARMS.c.state
).where(tuple_(_ALARMS.c.device_id, _ALARMS.c.kind).in_(bindparam("pairs", expanding=True)))
_CHUNK = 500  # ids or pairs per IN list
#: Documents as stored text: ``PARSED_ALARMS`` decodes one only when it is not what this
#: process wrote last.
_DOCS: Final = select(_ALARMS.c.id, sql_cast(_ALARMS.c.doc, Text)).where(
    _ALARMS.c.id.in_(bindparam("ids", expanding=True))
)


def _latest_alarms(
    session: Session, pairs: set[tuple[str, str]]
) -> dict[tuple[str, str], tuple[str, str, str]]:
    """``(device, kind) → (state, id, document text)`` of the newest alarm of each pair: the open
    one if there is one (there is at most one), else the newest closed one (ids are UUIDv7,
    time-ordered).

    Two plain indexed queries (the candidates' ids and states, then the chosen documents):
    a window function ranking the same rows took several times as long on SQLite.
    """
    if not pairs:
        return {}
    conn = session.connection()
    best: dict[tuple[str, str], tuple[bool, str, str]] = {}  # pair → (open, id, state)
    ordered = sorted(pairs)
    # In chunks: PostgreSQL plans a long row-value IN as nested ORs and runs out of stack.
    for i in range(0, len(ordered), _CHUNK):
        chunk = ordered[i : i + _CHUNK]
        for alarm_id, device_id, kind, state in select_in(conn, _CANDIDATES, "pairs", chunk):
            pair = (device_id, kind)
            rank = (state != _CLOSED, alarm_id, state)
            if pair not in best or rank[:2] > best[pair][:2]:
                best[pair] = rank
    if not best:
        return {}
    chosen = {alarm_id: (pair, state) for pair, (_open, alarm_id, state) in best.items()}
    found: dict[tuple[str, str], tuple[str, str, str]] = {}
    ids = sorted(chosen)
    for i in range(0, len(ids), _CHUNK):
        for alarm_id, text in select_in(conn, _DOCS, "ids", ids[i : i + _CHUNK]):
            pair, state = chosen[alarm_id]
            found[pair] = (state, alarm_id, text)
    return found


def _locate(session: Session, alarms: dict[str, Alarm], new_ids: set[str]) -> None:
    """Give new alarms without a location the district and position of their device, when the
    device table knows it (one query, only when such alarms exist)."""
    missing = [a for i, a in alarms.items() if i in new_ids and a.district_code is None]
    if not missing:
        return
    rows = session.execute(
        select(DeviceRow.id, DeviceRow.district_code, DeviceRow.doc).where(
            DeviceRow.id.in_({a.device_id for a in missing})
        )
    )
    where = {device_id: (district, doc or {}) for device_id, district, doc in rows}
    for alarm in missing:
        if alarm.device_id in where:
            district, doc = where[alarm.device_id]
            alarms[alarm.id] = replace(
                alarm,
                district_code=district,
                lon=alarm.lon if alarm.lon is not None else doc.get("lon"),
                lat=alarm.lat if alarm.lat is not None else doc.get("lat"),
            )


def _reading(r: ReadingIn) -> ar.Reading:
    """The domain's reading, with the location the platform forwarded (if any): a new alarm
    takes it (``alarm_rules.apply_reading``); a repeat or clear leaves the alarm where it is."""
    return ar.Reading(r.device_id, r.metric, r.value, r.at, r.district_code, r.lon, r.lat)


def _apply(
    session: Session,
    readings: Sequence[ReadingIn],
    rules: ar.RuleSet,
    now: datetime,
) -> tuple[_Tally, Counter[str], list[int]]:
    tally = _Tally()
    per_metric: Counter[str] = Counter()
    judged: list[tuple[ReadingIn, ar.Rule]] = []
    pairs: set[tuple[str, str]] = set()
    for r in sorted(readings, key=_BY_TIME):  # stable: equal times keep the batch's order
        rule = rules.get(r.metric)
        if rule is None:
            tally.unknown_metric += 1
            continue
        per_metric[r.metric] += 1
        judged.append((r, rule))
        pairs.add((r.device_id, rule.kind.value))
    tally.accepted = len(judged)

    stored = _latest_alarms(session, pairs)
    current: dict[tuple[str, str], Alarm] = {}
    changed: dict[str, Alarm] = {}
    new_ids: set[str] = set()
    next_id = str(uuid6.uuid7())
    none = ar.Action.NONE
    for r, rule in judged:
        pair = (r.device_id, rule.kind.value)
        existing = current.get(pair)
        reading = _reading(r)
        if existing is None:
            raw = stored.get(pair)
            # No alarm, or a closed one (its condition is normal, so the rule judges the reading
            # as if there were none): most readings stop here, without decoding any document.
            if (raw is None or raw[0] == _CLOSED) and ar.evaluate(
                rule, reading, None
            ).action is none:
                continue
            if raw is not None:
                del stored[pair]
                existing = current[pair] = PARSED_ALARMS.get(raw[1], raw[2])
        alarm, events = ar.apply_reading(existing, reading, rules, now, next_id)
        if alarm is None or alarm is existing:
            continue
        current[pair] = changed[alarm.id] = alarm
        if alarm.id == next_id:
            new_ids.add(next_id)
            next_id = str(uuid6.uuid7())
        counted_vehicle = False
        for event in events:
            kind = event.kind
            if kind is AlarmEventKind.RAISED:
                tally.raised += 1
                counted_vehicle = True
            elif kind is AlarmEventKind.REPEATED:
                tally.repeated += 1
                counted_vehicle = True
            elif kind is AlarmEventKind.CLEARED and not rule.momentary:
                tally.cleared += 1  # a momentary rule's own clear is part of its event
        if counted_vehicle and rule.kind is AlarmKind.BRIDGE_OVERWEIGHT:
            tally.overweight += 1

    seqs: list[int] = []
    if changed:
        _locate(session, changed, new_ids)
        for alarm_id, alarm in changed.items():
            seqs.append(queue_alarm(session, alarm, new=alarm_id in new_ids))
    return tally, per_metric, seqs


def _counters(tally: _Tally, per_metric: Counter[str]) -> dict[str, float]:
    values: dict[str, float] = {
        "readings": tally.accepted + tally.unknown_metric,
        "readings.unknown_metric": tally.unknown_metric,
        "overweight_vehicles": tally.overweight,
        "alarms_raised": tally.raised,
        "alarms_cleared": tally.cleared,
    }
    for metric, n in per_metric.items():
        values[f"readings.{metric}"] = n
    return values


@dataclass(frozen=True, slots=True)
class Replayable:
    """An ``Idempotency-Key`` request: scope (per caller), key and the raw body's hash."""

    scope: str
    key: str
    digest: str


def ingest_readings(
    state: ServerState,
    readings: Sequence[ReadingIn],
    *,
    rules: ar.RuleSet | None = None,
    idempotent: Replayable | None = None,
    now: datetime | None = None,
) -> tuple[dict[str, Any], bool]:
    """Apply a batch in one transaction; returns (the answer, whether it was a replay)."""
    rules = rules or ar.default_rules()
    now = now or datetime.now(UTC)
    with state.gate.write() as session:
        if idempotent is not None:
            stored = idempotency.replay_or_none(
                session, idempotent.scope, idempotent.key, idempotent.digest
            )
            if stored is not None:
                return dict(stored[1]), True
        tally, per_metric, seqs = _apply(session, readings, rules, now)
        add_counts(session, minute_of(now), _counters(tally, per_metric))
        result = IngestResult(
            accepted=tally.accepted,
            unknown_metric=tally.unknown_metric,
            alarms_raised=tally.raised,
            alarms_repeated=tally.repeated,
            alarms_cleared=tally.cleared,
            last_change_seq=seqs[-1] if seqs else None,
        ).model_dump()
        if idempotent is not None:
            idempotency.remember(
                session, idempotent.scope, idempotent.key, idempotent.digest, 200, result
            )
    if seqs:
        state.hub.poke()
    return result, False


# ------------------------------------------------------------------ HTTP

router = APIRouter(prefix="/api/v1/ingest", tags=["ingest"])


@router.post(
    "/readings",
    response_model=IngestResult,
    openapi_extra=bodies.openapi_body(ReadingsBatch),
    responses={
        400: {"description": "Idempotency-Key empty or longer than 128 characters (problem)"},
        401: {"description": "missing or invalid X-Api-Key (problem)"},
        422: {"description": "invalid body, or Idempotency-Key reused with another body (problem)"},
    },
)
def post_readings(
    key: IntegrationKey,
    state: Annotated[ServerState, Depends(server_state)],
    body: Annotated[bytes, Depends(bodies.raw_body)],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JSONResponse:
    """Sensor readings from the IoT platform, 1–10,000 per batch, with an integration key in
    ``X-Api-Key``. Readings are judged by the hall's alarm rules in timestamp order: they raise,
    repeat (one more occurrence on the open alarm of the same device and kind) or clear alarms,
    which reach every client through the changes log. Metrics without a rule are counted in
    ``unknown_metric``, not refused. With ``Idempotency-Key`` a retry with the same body gets
    the first answer again (header ``Idempotent-Replayed: true``) and changes nothing; the same
    key with another body is 422."""
    batch = bodies.parse(ReadingsBatch, body)
    replayable = (
        Replayable(f"ingest:{key.id}", idempotency_key, idempotency.body_hash(body))
        if idempotency_key is not None
        else None
    )
    result, replayed = ingest_readings(state, batch.readings, idempotent=replayable)
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return JSONResponse(result, headers=headers)


# ------------------------------------------------------------------ background


async def background(state: ServerState) -> None:
    """Emit finished minutes every ``METRICS_INTERVAL`` s; subscribe to MQTT when configured."""
    mqtt_task: asyncio.Task[None] | None = None
    if state.settings.mqtt_url:
        from cityops.server import mqtt_ingest

        mqtt_task = asyncio.create_task(mqtt_ingest.run(state), name="mqtt-ingest")
    try:
        while True:
            try:
                await asyncio.to_thread(emit_metrics, state, datetime.now(UTC))
            except Exception:
                log.exception("emitting per-minute metrics failed; retrying")
            await asyncio.sleep(METRICS_INTERVAL)
    finally:
        if mqtt_task is not None:
            mqtt_task.cancel()
            with suppress(asyncio.CancelledError):
                await mqtt_task
