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

from sqlalchemy import Select, func, select

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


#: The document fields ``row_of`` reads, from the table's columns and SQLite's JSON functions.
_ROW_QUERY: Final = select(
    ALARMS.c.id,
    ALARMS.c.severity,
    ALARMS.c.kind,
    ALARMS.c.state,
    ALARMS.c.district_code,
    ALARMS.c.device_id,
    func.json_extract(ALARMS.c.doc, "$.lon").label("lon"),
    func.json_extract(ALARMS.c.doc, "$.lat").label("lat"),
    func.json_extract(ALARMS.c.doc, "$.first_raised_at").label("first_raised_at"),
).where(ALARMS.c.state.in_(LISTED_STATES))


def _by_ids(query: Select[Any], column: Any, ids: Iterable[str] | None) -> list[Select[Any]]:
    """``query`` as is (``ids`` None), or restricted to ``ids`` in IN lists of ``_CHUNK``."""
    if ids is None:
        return [query]
    wanted = sorted(set(ids))
    return [query.where(column.in_(wanted[i : i + _CHUNK])) for i in range(0, len(wanted), _CHUNK)]


def load_alarm_rows(
    store: LocalStore, ids: Iterable[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Listed alarms (of ``ids`` only, when given) by id, shaped as ``row_of`` makes them.
    Read from the table's columns and SQLite's JSON functions, not by parsing 50,000
    documents in Python."""
    rows: dict[str, dict[str, Any]] = {}
    with store.engine.connect() as conn:
        for query in _by_ids(_ROW_QUERY, ALARMS.c.id, ids):
            for fields in conn.execute(query).mappings():
                row = row_of(dict(fields))
                rows[row["id"]] = row
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
    found: dict[str, dict[str, Any]] = {}
    with store.engine.connect() as conn:
        for chunk in _by_ids(query, CASES.c.id, ids):
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
    names: dict[str, str] = {}
    query = select(DEVICES.c.id, func.json_extract(DEVICES.c.doc, "$.name_zh"))
    with store.engine.connect() as conn:
        for chunk in _by_ids(query, DEVICES.c.id, ids):
            names.update({i: n for i, n in conn.execute(chunk) if n})
    return names
