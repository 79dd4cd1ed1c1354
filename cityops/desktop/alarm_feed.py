"""The alarms the queue and the map show, read from the local store (Qt-free: worker threads).

Offers to the alarm presenters and the map's benchmark: ``LISTED_STATES`` (what the queue lists
and the map holds: annunciating and shelved alarms), ``load_alarm_docs(store)`` (the queue's
documents), ``row_of(doc)`` (an alarm as the map's row: its marker, position ``None`` when it
has none), ``load_alarm_rows(store, ids=None)`` (listed alarms as rows),
``load_alarm_markers(store)`` (the placed ones), ``load_case_markers(store, ids=None)`` (open
located cases, the second layer) and ``device_names(store, ids)``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Final

from sqlalchemy import func, select

from cityops.domain import alarms as al
from cityops.domain.cases import CaseState
from cityops.local_store.store import LocalStore
from cityops.local_store.tables import ALARMS, CASES, DEVICES

#: What the queue lists (shelved ones behind its toggle) and the map holds (its filter bar
#: narrows them in the page): annunciating alarms and shelved ones.
LISTED_STATES: Final = (
    al.AlarmState.ACTIVE_UNACK.value,
    al.AlarmState.ACTIVE_ACK.value,
    al.AlarmState.CLEARED_UNACK.value,
    al.AlarmState.SHELVED.value,
)
_OPEN_CASE_STATES: Final = tuple(s.value for s in CaseState if not s.terminal)
_CHUNK: Final = 500  # ids per IN list


def row_of(doc: Mapping[str, Any]) -> dict[str, Any]:
    """An alarm document as the map's row: the page's marker (``lat``/``lon`` ``None`` when
    the alarm has no position: the map cannot place it, the queue still lists it) plus
    ``since`` (first raised) for ordering, which the page does not get."""
    lon, lat = doc.get("lon"), doc.get("lat")
    return {
        "id": str(doc["id"]),
        "lat": None if lat is None else float(lat),
        "lon": None if lon is None else float(lon),
        "severity": doc["severity"],
        "kind": doc["kind"],
        "state": doc["state"],
        "district": doc.get("district_code"),
        "device": doc.get("device_id"),
        "since": doc.get("first_raised_at"),
    }


def load_alarm_docs(store: LocalStore) -> list[dict[str, Any]]:
    """Every alarm document in ``LISTED_STATES`` (one query on the indexed ``state`` column)."""
    with store.engine.connect() as conn:
        texts = conn.execute(select(ALARMS.c.doc).where(ALARMS.c.state.in_(LISTED_STATES)))
        return [json.loads(text) for text in texts.scalars()]


_MARKER_QUERY: Final = select(
    ALARMS.c.id,
    ALARMS.c.severity,
    ALARMS.c.kind,
    ALARMS.c.state,
    ALARMS.c.district_code,
    ALARMS.c.device_id,
    func.json_extract(ALARMS.c.doc, "$.lon"),
    func.json_extract(ALARMS.c.doc, "$.lat"),
    func.json_extract(ALARMS.c.doc, "$.first_raised_at"),
).where(ALARMS.c.state.in_(LISTED_STATES))


def load_alarm_rows(
    store: LocalStore, ids: Iterable[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Listed alarms (of ``ids`` only, when given) by id, shaped as ``row_of`` makes them.
    Read from the table's columns and SQLite's JSON functions, not by parsing 50,000
    documents in Python."""
    wanted = None if ids is None else sorted(set(ids))
    queries = (
        [_MARKER_QUERY]
        if wanted is None
        else [
            _MARKER_QUERY.where(ALARMS.c.id.in_(wanted[i : i + _CHUNK]))
            for i in range(0, len(wanted), _CHUNK)
        ]
    )
    rows: dict[str, dict[str, Any]] = {}
    with store.engine.connect() as conn:
        for query in queries:
            for alarm_id, sev, kind, state, district, device, lon, lat, since in conn.execute(
                query
            ):
                rows[alarm_id] = {
                    "id": alarm_id,
                    "lat": None if lat is None else float(lat),
                    "lon": None if lon is None else float(lon),
                    "severity": sev,
                    "kind": kind,
                    "state": state,
                    "district": district,
                    "device": device,
                    "since": since,
                }
    return rows


def load_alarm_markers(store: LocalStore) -> dict[str, dict[str, Any]]:
    """The listed alarms with a position: what the map holds."""
    return {i: r for i, r in load_alarm_rows(store).items() if r["lat"] is not None}


def load_case_markers(
    store: LocalStore, ids: Iterable[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Open cases with a position (of ``ids`` only, when given), by id: ``{id, lat, lon,
    escalated, label}`` (label: the start of the description, read with SQLite's JSON
    functions rather than by parsing every document)."""
    description = func.substr(func.json_extract(CASES.c.doc, "$.description"), 1, 40)
    query = select(
        CASES.c.id, CASES.c.lat, CASES.c.lon, CASES.c.escalation_level, description
    ).where(
        CASES.c.state.in_(_OPEN_CASE_STATES), CASES.c.lat.is_not(None), CASES.c.lon.is_not(None)
    )
    wanted = None if ids is None else sorted(set(ids))
    found: dict[str, dict[str, Any]] = {}
    with store.engine.connect() as conn:
        chunks = (
            [query]
            if wanted is None
            else [
                query.where(CASES.c.id.in_(wanted[i : i + _CHUNK]))
                for i in range(0, len(wanted), _CHUNK)
            ]
        )
        for chunk in chunks:
            for case_id, lat, lon, level, text in conn.execute(chunk):
                found[case_id] = {
                    "id": case_id,
                    "lat": lat,
                    "lon": lon,
                    "escalated": bool(level),
                    "label": text or "",
                }
    return found


def device_names(store: LocalStore, ids: Iterable[str]) -> dict[str, str]:
    """Device id → Chinese name, for the ids the devices table knows."""
    wanted = sorted(set(ids))
    names: dict[str, str] = {}
    name = func.json_extract(DEVICES.c.doc, "$.name_zh")
    with store.engine.connect() as conn:
        for start in range(0, len(wanted), _CHUNK):
            query = select(DEVICES.c.id, name).where(
                DEVICES.c.id.in_(wanted[start : start + _CHUNK])
            )
            names.update({i: n for i, n in conn.execute(query) if n})
    return names
