"""The client's offline cache: what every window reads and where every intent is written first.

Offers ``LocalStore.open(path)`` and, on the store:

- intents: ``submit`` (an optimistic row change and its outbox row, one transaction),
  ``pending`` (the outbox in seq order, for the sync engine), ``amend`` (rewrite a still
  pending intent's arguments: a device command the user voided before it went up),
  ``settle`` (the server's answers: applied rows adopt the server's copy, rejected ones are
  rolled back and keep the reason);
- changes: ``apply_changes`` (a pulled page or live events and the new cursor, one
  transaction; rows with pending intents keep their optimistic copy), ``cursor``;
- reads: ``get``, ``case_queue`` (keyset paging), ``case_events`` (a case's timeline),
  ``cases_near`` (open cases around a point), ``count``, ``outbox_length``, ``rejections``.

Used by ``cityops.sync`` (moves intents up and changes down) and the desktop's presenters (which
read and submit, never talk to the server). Thread-safe: writes are serialised by one lock, reads
run on pooled connections (SQLite WAL lets them proceed during a write).

Durability: WAL with ``synchronous=FULL``, so an intent whose ``submit`` returned survives a
power cut; a cache file that fails ``PRAGMA quick_check`` at open is moved aside and rebuilt from
the server, its pending intents carried over (``recovery``).
"""

from __future__ import annotations

import json
import math
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uuid6
from pydantic_core import to_json
from sqlalchemy import Connection, Engine, create_engine, event, func, select, text
from sqlalchemy.exc import OperationalError

from cityops.domain.schemas import Entity
from cityops.local_store import recovery, tables
from cityops.local_store.tables import (
    CASE_EVENTS,
    CASES,
    ENTITY_TABLES,
    METADATA,
    OUTBOX,
    SYNC_STATE,
    EntityTable,
)


class StoreError(Exception):
    """The cache cannot be used as it is; the message says why in words for the user."""


@dataclass(frozen=True, slots=True)
class Settled:
    """One outbox row the server answered: what the user should hear about a rejection."""

    seq: int
    name: str
    status: str
    entity: str | None
    entity_id: str | None
    reason: str | None = None
    code: str | None = None


@dataclass(frozen=True, slots=True)
class Applied:
    """What one ``apply_changes`` touched, for change notifications."""

    cursor: int
    touched: dict[str, set[str]]  # entity → ids


#: Upgrade steps of the cache's schema: ``MIGRATIONS[n]`` turns version n into n + 1 inside the
#: opening transaction (a failure leaves the file as it was). A step may rebuild entity tables
#: (their rows come back from the server: reset the cursor) but must carry ``outbox`` and
#: ``sync_state`` over unchanged: they hold what the server has not seen.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {}


def _v1_to_v2(conn: Connection) -> None:
    """v2: ``cases`` gains ``lon``/``lat``/``escalation_level`` (filled from each row's own
    document, so no resync is needed) and the all-cases and nearby indexes."""
    for column, kind in (("lon", "FLOAT"), ("lat", "FLOAT"), ("escalation_level", "INTEGER")):
        conn.exec_driver_sql(f"ALTER TABLE cases ADD COLUMN {column} {kind}")
    conn.exec_driver_sql(
        "UPDATE cases SET lon = json_extract(doc, '$.lon'), lat = json_extract(doc, '$.lat'), "
        "escalation_level = json_extract(doc, '$.escalation_level')"
    )
    conn.exec_driver_sql("CREATE INDEX ix_cases_reported ON cases (reported_at, id)")
    conn.exec_driver_sql("CREATE INDEX ix_cases_lon_lat ON cases (lon, lat)")


def _v2_to_v3(conn: Connection) -> None:
    """v3: indexes on the cases' ``closed_at`` and the alarms' ``cleared_at`` as their documents
    hold them (``tables.CASE_CLOSED_AT``, ``tables.ALARM_CLEARED_AT``): the cockpit counts the
    cases closed today and lists the newest closures and clears, which otherwise means parsing
    every document (1.5 s at 1M cases). IF NOT EXISTS: a table made from the current schema
    already has its index."""
    for name, table, expression in (
        ("ix_cases_closed", "cases", tables.CASE_CLOSED_AT),
        ("ix_alarms_cleared", "alarms", tables.ALARM_CLEARED_AT),
    ):
        conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({expression})")


def _v3_to_v4(conn: Connection) -> None:
    """v4: the ``lighting_schedules`` table, empty: an older client cannot have pulled past a
    ``lighting_schedule`` change (it cannot parse the entity), so the next pull brings them."""
    tables.LIGHTING_SCHEDULES.create(conn, checkfirst=True)


MIGRATIONS[1] = _v1_to_v2
MIGRATIONS[2] = _v2_to_v3
MIGRATIONS[3] = _v3_to_v4

#: Cases in these states are over: no clock runs, nothing is left to do.
_CLOSED_STATES = ("closed", "invalid", "duplicate")
_EARTH_RADIUS_M = 6_371_008.8


def _haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # FULL: an intent the user saw accepted must survive a power cut (WAL + NORMAL may lose
    # the last commits). Pulled pages are written in batches, so the extra fsync is cheap.
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


class LocalStore:
    def __init__(self, path: Path, engine: Engine, salvage: recovery.Salvage | None) -> None:
        self.path = path
        self.engine = engine
        #: Set when the file was damaged at open: where it went and what was carried over.
        self.recovered = salvage
        self._write_lock = threading.Lock()
        self._upserts: dict[tuple[Entity, bool], str] = {}

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: Path | str) -> LocalStore:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        salvage = None
        if path.exists():
            problem = recovery.check(path)
            if problem is not None:
                salvage = recovery.move_aside(path, problem)
        engine = create_engine(
            f"sqlite:///{path}",
            connect_args={"check_same_thread": False, "timeout": 10},
            pool_size=4,
        )
        event.listen(engine, "connect", _pragmas)
        store = cls(path, engine, salvage)
        try:
            store._prepare()
        except Exception:
            engine.dispose()
            raise
        return store

    def close(self) -> None:
        self.engine.dispose()

    def _prepare(self) -> None:
        with self._write() as conn:
            found = conn.exec_driver_sql("PRAGMA user_version").scalar_one()
            current = tables.SCHEMA_VERSION  # read at each open, so a test can raise it
            if found > current:
                raise StoreError(
                    f"缓存文件 {self.path} 由更新版本的客户端创建（结构版本 {found}），"
                    f"请升级客户端或删除该文件 / the cache was made by a newer client "
                    f"(schema {found} > {current})"
                )
            if found == 0:
                METADATA.create_all(conn)  # a new file
            else:
                for version in range(found, current):
                    MIGRATIONS[version](conn)  # each step keeps the outbox as it is
            conn.exec_driver_sql(f"PRAGMA user_version = {current}")
            if self.recovered is not None:
                self._carry_over(conn, self.recovered)

    def _carry_over(self, conn: Connection, salvage: recovery.Salvage) -> None:
        if salvage.client_id:
            self._set(conn, "client_id", salvage.client_id)
        for row in salvage.outbox:
            conn.execute(OUTBOX.insert().values(**row, status="pending", attempts=0))

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self._write_lock, self.engine.begin() as conn:
                yield conn
        except OperationalError as exc:
            # SQLITE_FULL: the transaction was rolled back whole, so nothing half-written stays;
            # the user must hear that their action was *not* saved.
            if "full" in str(exc.orig).lower():
                raise StoreError(
                    f"磁盘已满，操作未保存，请清理磁盘后重试 / the disk holding {self.path} is "
                    "full: nothing was saved"
                ) from exc
            raise

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    @staticmethod
    def _set(conn: Connection, key: str, value: str) -> None:
        conn.exec_driver_sql(
            "INSERT INTO sync_state (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _get(self, conn: Connection, key: str) -> str | None:
        value: str | None = conn.execute(
            select(SYNC_STATE.c.value).where(SYNC_STATE.c.key == key)
        ).scalar_one_or_none()
        return value

    def state(self, key: str) -> str | None:
        with self._read() as conn:
            return self._get(conn, key)

    def set_state(self, key: str, value: str) -> None:
        with self._write() as conn:
            self._set(conn, key, value)

    def client_id(self) -> str:
        """This workstation's client id for the server's per-client seqs (made once)."""
        with self._write() as conn:
            found = self._get(conn, "client_id")
            if found is None:
                found = f"ws-{uuid.uuid4().hex[:16]}"
                self._set(conn, "client_id", found)
            return found

    def cursor(self) -> int:
        value = self.state("cursor")
        return int(value) if value else 0

    # ------------------------------------------------------------------ intents

    def submit(
        self,
        name: str,
        args: Mapping[str, Any],
        *,
        entity: Entity | None = None,
        entity_id: str | None = None,
        base_version: int | None = None,
        optimistic: Mapping[str, Any] | None = None,
    ) -> int:
        """Queue an intent; with ``optimistic`` (the entity's document as it will be), show it
        at once. Both in one transaction, committed durably before this returns its seq."""
        if optimistic is not None and (entity is None or entity_id is None):
            raise ValueError("an optimistic change needs the entity and its id")
        with self._write() as conn:
            seq = (conn.execute(select(func.max(OUTBOX.c.seq))).scalar() or 0) + 1
            conn.execute(
                OUTBOX.insert().values(
                    seq=seq,
                    mutation_id=str(uuid6.uuid7()),
                    name=name,
                    args=json.dumps(dict(args), ensure_ascii=False),
                    base_version=base_version,
                    entity=entity.value if entity else None,
                    entity_id=entity_id,
                    created_at=_now(),
                    status="pending",
                    attempts=0,
                )
            )
            if optimistic is not None:
                assert entity is not None
                assert entity_id is not None
                self._show_optimistic(conn, ENTITY_TABLES[entity], entity_id, optimistic)
        return seq

    def _show_optimistic(
        self, conn: Connection, spec: EntityTable, entity_id: str, doc: Mapping[str, Any]
    ) -> None:
        table = spec.table
        # Keep the server's copy aside the first time the row turns optimistic.
        conn.execute(
            table.update()
            .where(table.c.id == entity_id, table.c.server_doc.is_(None))
            .values(server_doc=table.c.doc, server_version=table.c.version)
        )
        values = {
            "version": int(doc.get("version") or 1),
            "doc": json.dumps(dict(doc), ensure_ascii=False),
            **spec.columns(doc),
        }
        updated = conn.execute(table.update().where(table.c.id == entity_id).values(**values))
        if updated.rowcount == 0:  # a new row (a case just reported): no server copy yet
            conn.execute(table.insert().values(id=entity_id, **values))

    def pending(self, limit: int = 100) -> list[dict[str, Any]]:
        """The oldest pending intents, in seq order, as the push wants them (without
        ``client_id`` and ``client_now``, which the engine stamps when it sends)."""
        with self._read() as conn:
            rows = conn.execute(
                select(
                    OUTBOX.c.seq,
                    OUTBOX.c.mutation_id,
                    OUTBOX.c.name,
                    OUTBOX.c.args,
                    OUTBOX.c.base_version,
                )
                .where(OUTBOX.c.status == "pending")
                .order_by(OUTBOX.c.seq)
                .limit(limit)
            ).all()
        out = []
        for row in rows:
            item: dict[str, Any] = {
                "seq": row.seq,
                "mutation_id": row.mutation_id,
                "name": row.name,
                "args": json.loads(row.args),
            }
            if row.base_version is not None:
                item["base_version"] = row.base_version
            out.append(item)
        return out

    def amend(self, seq: int, args: Mapping[str, Any]) -> bool:
        """Replace the arguments of intent ``seq`` while it is still pending (it keeps its seq
        and mutation id: the server needs every seq). False if it was settled meanwhile."""
        with self._write() as conn:
            updated = conn.execute(
                OUTBOX.update()
                .where(OUTBOX.c.seq == seq, OUTBOX.c.status == "pending")
                .values(args=json.dumps(dict(args), ensure_ascii=False))
            )
            return bool(updated.rowcount)

    def note_attempt(self, seqs: Iterable[int]) -> None:
        with self._write() as conn:
            conn.execute(
                OUTBOX.update()
                .where(OUTBOX.c.seq.in_(list(seqs)))
                .values(attempts=OUTBOX.c.attempts + 1)
            )

    def settle(self, results: Sequence[Mapping[str, Any]]) -> list[Settled]:
        """Record the server's answers (``MutationResult`` documents) in one transaction."""
        settled: list[Settled] = []
        with self._write() as conn:
            for result in results:
                row = conn.execute(
                    select(OUTBOX).where(
                        OUTBOX.c.seq == result["seq"], OUTBOX.c.status == "pending"
                    )
                ).first()
                if row is None:
                    continue  # already settled (a replayed answer)
                status = str(result["status"])
                rejection = result.get("rejection") or None
                conn.execute(
                    OUTBOX.update()
                    .where(OUTBOX.c.seq == row.seq)
                    .values(
                        status=status,
                        result=json.dumps(dict(result), ensure_ascii=False, default=str),
                        settled_at=_now(),
                    )
                )
                if row.entity and row.entity_id:
                    self._reconcile(conn, Entity(row.entity), row.entity_id, status)
                settled.append(
                    Settled(
                        seq=row.seq,
                        name=row.name,
                        status=status,
                        entity=row.entity,
                        entity_id=row.entity_id,
                        reason=rejection["message"] if rejection else None,
                        code=rejection["code"] if rejection else None,
                    )
                )
        return settled

    def _reconcile(self, conn: Connection, entity: Entity, entity_id: str, status: str) -> None:
        """After an intent on this row settled: once none is pending, show the server's copy
        if it is at least as new (applied) or roll the optimistic change back (rejected)."""
        still = conn.execute(
            select(func.count())
            .select_from(OUTBOX)
            .where(
                OUTBOX.c.entity == entity.value,
                OUTBOX.c.entity_id == entity_id,
                OUTBOX.c.status == "pending",
            )
        ).scalar_one()
        if still:
            return
        spec = ENTITY_TABLES[entity]
        table = spec.table
        row = conn.execute(
            select(table.c.version, table.c.server_version, table.c.server_doc).where(
                table.c.id == entity_id
            )
        ).first()
        if row is None:
            return
        if row.server_doc is None:
            if row.server_version is None and status == "rejected":
                # Created optimistically and refused: it never existed on the server.
                conn.execute(table.delete().where(table.c.id == entity_id))
            return
        if status == "rejected" or (row.server_version or 0) >= row.version:
            server = json.loads(row.server_doc)
            conn.execute(
                table.update()
                .where(table.c.id == entity_id)
                .values(
                    version=row.server_version,
                    doc=row.server_doc,
                    server_doc=None,
                    **spec.columns(server),
                )
            )

    def last_seq(self) -> int:
        """The seq of the newest intent this workstation made (0 before the first)."""
        with self._read() as conn:
            return int(conn.execute(select(func.max(OUTBOX.c.seq))).scalar() or 0)

    def outbox_length(self) -> int:
        with self._read() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(OUTBOX).where(OUTBOX.c.status == "pending")
                ).scalar_one()
            )

    def rejections(self, limit: int = 50) -> list[Settled]:
        """The newest rejected intents with the server's reason, for the user to see."""
        with self._read() as conn:
            rows = conn.execute(
                select(OUTBOX)
                .where(OUTBOX.c.status == "rejected")
                .order_by(OUTBOX.c.seq.desc())
                .limit(limit)
            ).all()
        out = []
        for row in rows:
            rejection = (json.loads(row.result) if row.result else {}).get("rejection") or {}
            out.append(
                Settled(
                    row.seq,
                    row.name,
                    row.status,
                    row.entity,
                    row.entity_id,
                    rejection.get("message"),
                    rejection.get("code"),
                )
            )
        return out

    # ------------------------------------------------------------------ changes

    @staticmethod
    def _pending_rows(conn: Connection) -> set[tuple[str, str]]:
        """(entity, id) of every row an outbox intent still waits on."""
        return {
            (r.entity, r.entity_id)
            for r in conn.execute(
                select(OUTBOX.c.entity, OUTBOX.c.entity_id).where(
                    OUTBOX.c.status == "pending", OUTBOX.c.entity.is_not(None)
                )
            )
        }

    def _upsert_sql(self, entity: Entity, pending: bool) -> str:
        key = (entity, pending)
        sql = self._upserts.get(key)
        if sql is None:
            spec = ENTITY_TABLES[entity]
            extra = spec.extra
            names = ("id", "version", "doc", "server_version", "server_doc", *extra)
            marks = ", ".join("?" for _ in names)
            if pending:
                # The row shows an optimistic change: only the server's copy is updated.
                updates = "server_version = excluded.version, server_doc = excluded.doc"
            else:
                updates = (
                    ", ".join(f"{n} = excluded.{n}" for n in ("version", "doc", *extra))
                    + ", server_version = excluded.version, server_doc = NULL"
                )
            sql = (
                f"INSERT INTO {spec.table.name} ({', '.join(names)}) VALUES ({marks}) "
                f"ON CONFLICT(id) DO UPDATE SET {updates}"
            )
            self._upserts[key] = sql
        return sql

    def apply_changes(self, changes: Sequence[Mapping[str, Any]], cursor: int) -> Applied:
        """Write server changes (``ChangeDoc`` dicts, in seq order) and the new cursor in one
        transaction. Changes at or below the stored cursor are skipped (a replay)."""
        touched: dict[str, set[str]] = {}
        with self._write() as conn:
            stored = self._get(conn, "cursor")
            current = int(stored) if stored else 0
            pending = self._pending_rows(conn)
            # Group consecutive upserts per (entity, pending) into one executemany; order
            # matters only within one row, and a row's changes stay in one group's order.
            batches: dict[tuple[Entity, bool], dict[str, tuple[Any, ...]]] = {}
            deletes: list[tuple[Entity, str]] = []
            for change in changes:
                if change["seq"] <= current:
                    continue
                entity = Entity(change["entity"])
                entity_id = str(change["entity_id"])
                touched.setdefault(entity.value, set()).add(entity_id)
                spec = ENTITY_TABLES[entity]
                if change["op"] == "delete" or change.get("payload") is None:
                    for is_pending in (False, True):  # ids are unique per entity only
                        batches.get((entity, is_pending), {}).pop(entity_id, None)
                    deletes.append((entity, entity_id))
                    continue
                payload = change["payload"]
                doc = to_json(payload).decode()  # pydantic-core: ~3x json.dumps, same JSON
                is_pending = (entity.value, entity_id) in pending
                columns = spec.columns(payload)
                values = (
                    entity_id,
                    int(change["version"]),
                    doc,
                    int(change["version"]),
                    doc if is_pending else None,
                    *(columns[n] for n in spec.extra),
                )
                group = batches.setdefault((entity, is_pending), {})
                group.pop(entity_id, None)  # the newest change of a row wins
                group[entity_id] = values
            for entity, entity_id in deletes:
                table = ENTITY_TABLES[entity].table
                conn.execute(table.delete().where(table.c.id == entity_id))
            raw = conn.connection.driver_connection
            assert raw is not None
            for (entity, is_pending), rows in batches.items():
                raw.executemany(self._upsert_sql(entity, is_pending), list(rows.values()))
            newest = max(cursor, current)
            self._set(conn, "cursor", str(newest))
            self._set(conn, "last_sync_at", _now())
        return Applied(cursor=newest, touched=touched)

    def reset_for_resync(self) -> None:
        """Forget the server's state (the server said our cursor is no longer valid: its
        database was replaced or restored) so that a pull from 0 rebuilds it. Rows with
        pending intents stay, and so do the outbox and the client id."""
        with self._write() as conn:
            pending = self._pending_rows(conn)
            for entity, spec in ENTITY_TABLES.items():
                keep = [i for e, i in pending if e == entity.value]
                conn.execute(spec.table.delete().where(spec.table.c.id.not_in(keep)))
            self._set(conn, "cursor", "0")
            conn.execute(SYNC_STATE.delete().where(SYNC_STATE.c.key == "log_id"))

    # ------------------------------------------------------------------ reads

    def get(self, entity: Entity, entity_id: str) -> dict[str, Any] | None:
        table = ENTITY_TABLES[entity].table
        with self._read() as conn:
            doc = conn.execute(
                select(table.c.doc).where(table.c.id == entity_id)
            ).scalar_one_or_none()
        return None if doc is None else dict(json.loads(doc))

    def count(self, entity: Entity) -> int:
        table = ENTITY_TABLES[entity].table
        with self._read() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    def case_queue(
        self,
        states: Sequence[str],
        *,
        district_code: str | None = None,
        after: tuple[str, str] | None = None,
        limit: int = 200,
    ) -> list[dict[str, Any]]:
        """Cases in ``states``, newest report first, ``limit`` at a time: pass the last row's
        ``(reported_at, id)`` as ``after`` for the next page (keyset paging, index-backed)."""
        query = select(CASES.c.doc).where(CASES.c.state.in_(list(states)))
        if district_code is not None:
            query = query.where(CASES.c.district_code == district_code)
        if after is not None:
            query = query.where(
                text("(cases.reported_at, cases.id) < (:at, :id)").bindparams(
                    at=after[0], id=after[1]
                )
            )
        query = query.order_by(CASES.c.reported_at.desc(), CASES.c.id.desc()).limit(limit)
        with self._read() as conn:
            return [dict(json.loads(doc)) for doc in conn.execute(query).scalars()]

    def case_events(self, case_id: str) -> list[dict[str, Any]]:
        """The case's timeline: its event documents, oldest first (ix_case_events_case)."""
        query = (
            select(CASE_EVENTS.c.doc)
            .where(CASE_EVENTS.c.case_id == case_id)
            .order_by(CASE_EVENTS.c.at, CASE_EVENTS.c.id)
        )
        with self._read() as conn:
            return [dict(json.loads(doc)) for doc in conn.execute(query).scalars()]

    def cases_near(
        self,
        lon: float,
        lat: float,
        radius_m: float,
        *,
        exclude_id: str | None = None,
        subcategory_code: str | None = None,
        open_only: bool = True,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        """Case documents within ``radius_m`` metres of (lon, lat), nearest first: a bounding
        box on the indexed ``lon``/``lat`` (ix_cases_lon_lat), then the exact great-circle
        distance. ``open_only`` leaves out closed, invalid and duplicate cases."""
        dlat = math.degrees(radius_m / _EARTH_RADIUS_M)
        # The box's east-west half-width grows towards the poles; clamp cos to keep it finite.
        dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
        query = select(CASES.c.id, CASES.c.lon, CASES.c.lat, CASES.c.doc).where(
            CASES.c.lon.between(lon - dlon, lon + dlon),
            CASES.c.lat.between(lat - dlat, lat + dlat),
        )
        if exclude_id is not None:
            query = query.where(CASES.c.id != exclude_id)
        if subcategory_code is not None:
            query = query.where(CASES.c.subcategory_code == subcategory_code)
        if open_only:
            query = query.where(CASES.c.state.not_in(_CLOSED_STATES))
        with self._read() as conn:
            rows = conn.execute(query).all()
        near: list[tuple[float, str, str]] = []
        for row in rows:
            distance = _haversine_m(lon, lat, row.lon, row.lat)
            if distance <= radius_m:
                near.append((distance, row.id, row.doc))
        near.sort()
        return [dict(json.loads(doc)) for _d, _id, doc in near[:limit]]
