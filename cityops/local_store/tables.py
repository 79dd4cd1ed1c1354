"""The client cache's tables: one per entity the server's changes log carries, the outbox and
the sync state.

Offers ``METADATA``, the tables, ``ENTITY_TABLES`` (entity → ``EntityTable``: its table and the
columns taken from a document, for the queries the windows run), ``SCHEMA_VERSION`` and the
indexed document expressions ``CASE_CLOSED_AT`` and ``ALARM_CLEARED_AT`` (a query must spell
them exactly so for SQLite to use their index).

Every entity table has the same core: ``id``, ``version`` and ``doc`` (the JSON text the windows
show), plus ``server_version``/``server_doc``, the server's copy kept aside while the row shows
an optimistic change that is still in the outbox (DESIGN §3 "pending rows win locally"):
``server_doc`` is NULL when ``doc`` *is* the server's. Timestamps are ISO 8601 text as the
server sends them (UTC, so text order is time order).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Float, Index, Integer, MetaData, String, Table, Text, text

from cityops.domain.schemas import Entity

#: Bumped with every change of these tables; ``store`` upgrades older caches in place.
SCHEMA_VERSION = 4

#: Schema v3: times only the documents hold, indexed by expression (a new column would have to
#: be written into every row of an upgraded cache: 16 s at 1M cases, against 2.4 s for these).
#: SQLite uses such an index only for the very same expression, so queries spell it with these.
CASE_CLOSED_AT = "json_extract(doc, '$.closed_at')"
ALARM_CLEARED_AT = "json_extract(doc, '$.cleared_at')"

METADATA = MetaData()


def _core(name: str, *extra: Column[Any], indexes: tuple[Index, ...] = ()) -> Table:
    return Table(
        name,
        METADATA,
        Column("id", String, primary_key=True),
        Column("version", Integer, nullable=False),
        Column("doc", Text, nullable=False),
        Column("server_version", Integer),
        Column("server_doc", Text),
        *extra,
        *indexes,
    )


CASES = _core(
    "cases",
    Column("state", String, nullable=False),
    Column("source", String),
    Column("district_code", String),
    Column("street_code", String),
    Column("subcategory_code", String),
    Column("assigned_unit", String),
    Column("reported_at", String, nullable=False),
    # Schema v2: where it is (nearby cases) and how far it was escalated.
    Column("lon", Float),
    Column("lat", Float),
    Column("escalation_level", Integer),
    # The queues: one state (or a few) newest first, paged by (reported_at, id).
    indexes=(
        Index("ix_cases_state_reported", "state", "reported_at", "id"),
        Index("ix_cases_district_state", "district_code", "state", "reported_at"),
        Index("ix_cases_unit_state", "assigned_unit", "state"),
        # v2: the all-cases tab, newest first; nearby cases by a bounding box.
        Index("ix_cases_reported", "reported_at", "id"),
        Index("ix_cases_lon_lat", "lon", "lat"),
        # v3: cases ended in a time window and the newest ended (the cockpit).
        Index("ix_cases_closed", text(CASE_CLOSED_AT)),
    ),
)
CASE_EVENTS = _core(
    "case_events",
    Column("case_id", String, nullable=False),
    Column("at", String, nullable=False),
    indexes=(Index("ix_case_events_case", "case_id", "at"),),
)
ALARMS = _core(
    "alarms",
    Column("device_id", String),
    Column("kind", String),
    Column("state", String),
    Column("severity", String),
    Column("district_code", String),
    Column("last_raised_at", String),
    indexes=(
        Index("ix_alarms_state_raised", "state", "last_raised_at"),
        Index("ix_alarms_device_kind", "device_id", "kind"),
        # v3: the newest clears (the cockpit's ticker).
        Index("ix_alarms_cleared", text(ALARM_CLEARED_AT)),
    ),
)
DEVICES = _core(
    "devices",
    Column("kind", String),
    Column("district_code", String),
    Column("group_code", String),
    indexes=(Index("ix_devices_district_group", "district_code", "group_code"),),
)
DEVICE_COMMANDS = _core(
    "device_commands",
    Column("device_id", String),
    Column("status", String),
    Column("group_command_id", String),
    indexes=(Index("ix_device_commands_group", "group_command_id", "status"),),
)
METRICS = _core("metrics")
RANKINGS = _core("rankings")
INSPECTIONS = _core(
    "inspections",
    Column("district_code", String),
    Column("observed_at", String),
    indexes=(Index("ix_inspections_district", "district_code", "observed_at"),),
)
#: Schema v4: lighting groups' schedules (``LightingScheduleDoc``, id = group code or "*").
LIGHTING_SCHEDULES = _core("lighting_schedules")

#: The client's intents, in its own seq order (the server's per-client seq).
OUTBOX = Table(
    "outbox",
    METADATA,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("mutation_id", String, nullable=False, unique=True),
    Column("name", String, nullable=False),
    Column("args", Text, nullable=False),
    Column("base_version", Integer),
    Column("entity", String),
    Column("entity_id", String),
    Column("created_at", String, nullable=False),
    Column("status", String, nullable=False),  # pending | applied | rejected
    Column("attempts", Integer, nullable=False, default=0),
    Column("result", Text),  # the server's answer (rejections: code and reason)
    Column("settled_at", String),
    Index("ix_outbox_status_seq", "status", "seq"),
    Index("ix_outbox_entity", "entity", "entity_id", "status"),
)

#: Small key/value facts: the pull cursor, this workstation's client id, the last sync time.
SYNC_STATE = Table(
    "sync_state",
    METADATA,
    Column("key", String, primary_key=True),
    Column("value", Text, nullable=False),
)


@dataclass(frozen=True, slots=True)
class EntityTable:
    table: Table
    #: Indexed columns taken from a document (names of ``table``'s extra columns → value).
    columns: Callable[[Mapping[str, Any]], dict[str, Any]]
    #: The names of those extra columns, in the table's order (computed once: pulls ask per row).
    extra: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        names = tuple(c.name for c in self.table.columns if c.name not in _CORE_COLUMNS)
        object.__setattr__(self, "extra", names)


_CORE_COLUMNS = frozenset({"id", "version", "doc", "server_version", "server_doc"})


def _pick(*names: str, **renamed: str) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    def columns(doc: Mapping[str, Any]) -> dict[str, Any]:
        out = {name: doc.get(name) for name in names}
        out.update({column: doc.get(field) for column, field in renamed.items()})
        return out

    return columns


def _no_columns(_doc: Mapping[str, Any]) -> dict[str, Any]:
    return {}


ENTITY_TABLES: dict[Entity, EntityTable] = {
    Entity.CASE: EntityTable(
        CASES,
        _pick(
            "state",
            "source",
            "district_code",
            "street_code",
            "subcategory_code",
            "assigned_unit",
            "reported_at",
            "lon",
            "lat",
            "escalation_level",
        ),
    ),
    Entity.CASE_EVENT: EntityTable(CASE_EVENTS, _pick("case_id", "at")),
    Entity.ALARM: EntityTable(
        ALARMS,
        _pick("device_id", "kind", "state", "severity", "district_code", "last_raised_at"),
    ),
    Entity.DEVICE: EntityTable(DEVICES, _pick("kind", "district_code", group_code="group")),
    Entity.DEVICE_COMMAND: EntityTable(
        DEVICE_COMMANDS, _pick("device_id", "status", "group_command_id")
    ),
    Entity.METRIC: EntityTable(METRICS, _no_columns),
    Entity.RANKING: EntityTable(RANKINGS, _no_columns),
    Entity.INSPECTION: EntityTable(INSPECTIONS, _pick("district_code", "observed_at")),
    Entity.LIGHTING_SCHEDULE: EntityTable(LIGHTING_SCHEDULES, _no_columns),
}
