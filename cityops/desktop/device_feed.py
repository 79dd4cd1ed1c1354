"""What the device-control window shows, read from the local store without Qt.

Offers to ``device_control_presenter`` (every call runs in a worker thread, never on the UI
thread) and to the benchmark:

- ``DeviceRow`` (one screen, cabinet, circuit or lamp as the tree shows it) and
  ``load_devices(store, ids=None)``: every device, or only those the sync touched;
- what the tree shows of them, computed here so the UI thread only installs it:
  ``cells_of(row, now, texts)`` (one row's cells; ``CellTexts``: the translated words, fetched
  on the UI thread), ``entries_of(rows, names)`` (where each sits; ``TreeNames``: district and
  group names), ``load_tree(store, …)`` (every device and the whole tree, prepared, every
  "n 台 · k 离线" counted) and ``load_touched(store, ids, …)`` (the touched devices, their cells,
  and the entries of those the tree does not hold yet), plus ``local_clock(iso)``;
- ``Fleet`` / ``fleet_of(rows)``: how many devices of each kind the city has, which the typed
  confirmation rule (``device_commands.needs_typed_confirmation``) measures a command against;
- ``GroupCommand`` and ``load_group_commands(store, ids=None, limit=)``: the group commands the
  server knows (who, what, when, progress per status, the reasons of failed and of expired
  device commands), newest first — the progress panel and
  the audit list;
- ``OutboxCommand`` and ``load_outbox_commands(store, limit=)``: this workstation's device
  intents that are still waiting in the outbox or that the server refused, with its reason;
  ``outbox_attempts(store, seq)``: how often an intent was already sent without an answer;
- ``failed_devices(store, group_command_id)``: the devices of a group command that failed, and
  ``retry_targets(store, group_command_id)``: those of them that no newer command on the same
  channel has reached since (in any status, from anyone, or still in this workstation's
  outbox) — "retry the failed ones" must not undo a later command nor re-send to a device
  that an earlier retry already reached.

Times stay ISO 8601 text as the server sent them (UTC); the window formats them.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, text

from cityops.domain.city import CITY_TZ
from cityops.domain.device_commands import (
    CommandStatus,
    GroupCommandProgress,
    payload_from_wire,
)
from cityops.domain.devices import DeviceKind
from cityops.domain.outcomes import Rejection
from cityops.local_store.store import LocalStore
from cityops.widgets.device_tree_data import (
    DeviceCells,
    DeviceEntry,
    PreparedTree,
    prepare_tree,
)

#: How many ids one ``IN (…)`` list holds (SQLite's default limit on variables is 32,766;
#: smaller lists keep each statement quick to prepare).
CHUNK = 900


@dataclass(frozen=True, slots=True)
class DeviceRow:
    id: str
    kind: DeviceKind
    name: str
    district: str
    group: str | None
    online: bool
    power: bool
    level: int
    content_id: str | None
    content_text: str | None
    takeover_until: datetime | None
    faults: tuple[str, ...]
    last_seen: str | None

    def taken_over(self, at: datetime) -> bool:
        """Whether the screen shows an emergency takeover at ``at``: it ends by itself at its
        ``until`` even if no report says so yet (the screen restores itself)."""
        return self.takeover_until is not None and at < self.takeover_until

    @classmethod
    def of(cls, doc: Mapping[str, Any]) -> DeviceRow:
        until = doc.get("takeover_until")
        return cls(
            id=str(doc["id"]),
            kind=DeviceKind(doc["kind"]),
            name=str(doc.get("name_zh") or doc["id"]),
            district=str(doc.get("district_code") or ""),
            group=doc.get("group"),
            online=bool(doc.get("online")),
            power=bool(doc.get("power")),
            level=int(doc.get("level") or 0),
            content_id=doc.get("content_id"),
            content_text=doc.get("content_text"),
            takeover_until=datetime.fromisoformat(until) if until else None,
            faults=tuple(doc.get("faults") or ()),
            last_seen=doc.get("last_seen"),
        )


def _chunks(ids: Iterable[str]) -> Iterable[list[str]]:
    items = list(ids)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _marks(n: int) -> str:
    return ", ".join("?" for _ in range(n))


def load_devices(store: LocalStore, ids: Iterable[str] | None = None) -> list[DeviceRow]:
    """Every device (``ids`` None) or those of ``ids`` that the store holds, by id."""
    docs: list[str] = []
    with store.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        if ids is None:
            docs = [r[0] for r in raw.execute("SELECT doc FROM devices ORDER BY id")]
        else:
            for chunk in _chunks(ids):
                sql = f"SELECT doc FROM devices WHERE id IN ({_marks(len(chunk))}) ORDER BY id"
                docs.extend(r[0] for r in raw.execute(sql, chunk))
    return [DeviceRow.of(json.loads(doc)) for doc in docs]


def local_clock(iso: str | datetime | None, *, seconds: bool = False) -> str:
    """A server time (ISO 8601, UTC) as the city's wall clock, "11-29 18:30[:05]"."""
    if not iso:
        return "—"
    try:
        at = iso if isinstance(iso, datetime) else datetime.fromisoformat(iso)
    except ValueError:
        return "—"
    return at.astimezone(CITY_TZ).strftime("%m-%d %H:%M:%S" if seconds else "%m-%d %H:%M")


@dataclass(frozen=True, slots=True)
class CellTexts:
    """The translated words of a device's row (translated on the UI thread, used here)."""

    offline: str = "离线"
    on: str = "在线·开"
    off: str = "在线·关"
    #: "%1" is the takeover's end.
    takeover: str = "紧急接管中（至 %1）"


def cells_of(row: DeviceRow, now: datetime, texts: CellTexts) -> DeviceCells:
    """What ``row``'s line in the tree shows at ``now``."""
    if not row.online:
        state = texts.offline
    elif row.power:
        state = texts.on
    else:
        state = texts.off
    if row.kind is DeviceKind.LED_SCREEN:
        if row.taken_over(now):
            content = texts.takeover.replace("%1", local_clock(row.takeover_until))
        else:
            content = row.content_text or row.content_id or "—"
    else:
        content = ""
    return DeviceCells(
        state=state,
        level=f"{row.level}%",
        content=content,
        faults=", ".join(row.faults),
        last_seen=local_clock(row.last_seen, seconds=True),
        online=row.online,
        faulty=bool(row.faults),
    )


@dataclass(frozen=True, slots=True)
class TreeNames:
    """District and group names by code (in the user's language) and the name of the group
    of devices that have none."""

    districts: Mapping[str, str]
    groups: Mapping[str, str]
    ungrouped: str
    #: "%1（%2 台 · %3 离线）", the tree's label of a district or group.
    label: str = "%1（%2 台 · %3 离线）"


#: Screens first in a district, then the lighting.
_KIND_ORDER = {DeviceKind.LED_SCREEN: 0}


def entries_of(rows: Iterable[DeviceRow], names: TreeNames) -> list[DeviceEntry]:
    """Where each device sits in the tree, in tree order (district, screens before lighting,
    group, id)."""
    ordered = sorted(
        rows, key=lambda r: (r.district, _KIND_ORDER.get(r.kind, 1), r.group or "", r.id)
    )
    return [
        DeviceEntry(
            id=row.id,
            name=row.name,
            district_code=row.district,
            district_name=names.districts.get(row.district, row.district),
            group_code=row.group or "-",
            group_name=names.groups.get(row.group or "", row.group or names.ungrouped),
        )
        for row in ordered
    ]


@dataclass(frozen=True, slots=True)
class TreeLoad:
    """Every device, and the tree that shows them, ready to install."""

    rows: list[DeviceRow]
    tree: PreparedTree


def load_tree(store: LocalStore, now: datetime, texts: CellTexts, names: TreeNames) -> TreeLoad:
    """Every device and its tree, every cell and label computed (runs in a worker)."""
    rows = load_devices(store)
    cells = {row.id: cells_of(row, now, texts) for row in rows}
    return TreeLoad(rows, prepare_tree(entries_of(rows, names), cells, names.label))


@dataclass(frozen=True, slots=True)
class TouchedLoad:
    """Devices the sync touched: their rows, their cells, and where the ones the tree does
    not hold yet go (``known``: the ids it holds, as the UI thread saw them)."""

    rows: list[DeviceRow]
    cells: dict[str, DeviceCells]
    new: list[DeviceEntry]


def load_touched(
    store: LocalStore,
    ids: Iterable[str],
    now: datetime,
    texts: CellTexts,
    names: TreeNames,
    known: Callable[[str], bool],
) -> TouchedLoad:
    """The devices of ``ids`` with their cells; ``new``: the entries of those ``known`` does
    not know (runs in a worker; ``known`` must be safe to call from it)."""
    rows = load_devices(store, ids)
    cells = {row.id: cells_of(row, now, texts) for row in rows}
    new = entries_of((row for row in rows if not known(row.id)), names)
    return TouchedLoad(rows, cells, new)


@dataclass(frozen=True, slots=True)
class Fleet:
    counts: Mapping[DeviceKind, int]

    def total(self, kind: DeviceKind) -> int:
        return self.counts.get(kind, 0)


def fleet_of(rows: Iterable[DeviceRow]) -> Fleet:
    return Fleet(Counter(row.kind for row in rows))


# ---------------------------------------------------------------- group commands


@dataclass(frozen=True, slots=True)
class GroupCommand:
    """One group command as the server reports it (its per-device commands counted)."""

    id: str
    issued_by: str
    issued_at: str
    payload: Mapping[str, Any]
    not_after: str
    progress: GroupCommandProgress
    #: Failure reasons with how many devices gave each (the gateway's words).
    reasons: Mapping[str, int] = field(default_factory=dict)
    #: The same for expired commands ("" where the server gave no reason).
    expired_reasons: Mapping[str, int] = field(default_factory=dict)


_NEWEST_GROUPS = text(
    "SELECT group_command_id, max(rowid) AS newest FROM device_commands "
    "WHERE group_command_id IS NOT NULL GROUP BY group_command_id "
    "ORDER BY newest DESC LIMIT :limit"
)


def _progress(counts: Mapping[str, int]) -> GroupCommandProgress:
    get = counts.get
    return GroupCommandProgress(
        acked=get(CommandStatus.ACKED.value, 0),
        failed=get(CommandStatus.FAILED.value, 0),
        pending=get(CommandStatus.QUEUED.value, 0) + get(CommandStatus.SENT.value, 0),
        expired=get(CommandStatus.EXPIRED.value, 0),
        superseded=get(CommandStatus.SUPERSEDED.value, 0),
        total=sum(counts.values()),
    )


def _groups(conn: Connection, ids: list[str]) -> list[GroupCommand]:
    raw = conn.connection.driver_connection
    assert raw is not None
    counts: dict[str, dict[str, int]] = {}
    samples: dict[str, str] = {}
    reasons: dict[str, Counter[str]] = {}
    expired: dict[str, Counter[str]] = {}
    for chunk in _chunks(ids):
        marks = _marks(len(chunk))
        # Covered by ix_device_commands_group (group_command_id, status).
        for gid, status, n in raw.execute(
            "SELECT group_command_id, status, count(*) FROM device_commands "
            f"WHERE group_command_id IN ({marks}) GROUP BY group_command_id, status",
            chunk,
        ):
            counts.setdefault(gid, {})[status] = n
        for gid, doc in raw.execute(
            "SELECT group_command_id, doc FROM device_commands "
            f"WHERE rowid IN (SELECT min(rowid) FROM device_commands "
            f"WHERE group_command_id IN ({marks}) GROUP BY group_command_id)",
            chunk,
        ):
            samples[gid] = doc
        for gid, status, reason, n in raw.execute(
            "SELECT group_command_id, status, json_extract(doc, '$.reason'), count(*) "
            f"FROM device_commands WHERE group_command_id IN ({marks}) "
            "AND status IN ('failed', 'expired') GROUP BY 1, 2, 3",
            chunk,
        ):
            into = reasons if status == "failed" else expired
            into.setdefault(gid, Counter())[str(reason or "")] += n
    out = []
    for gid in ids:
        if gid not in samples:
            continue
        doc = json.loads(samples[gid])
        out.append(
            GroupCommand(
                id=gid,
                issued_by=str(doc.get("issued_by") or ""),
                issued_at=str(doc.get("issued_at") or ""),
                payload=dict(doc.get("payload") or {}),
                not_after=str(doc.get("not_after") or ""),
                progress=_progress(counts.get(gid, {})),
                reasons=dict(reasons.get(gid, {})),
                expired_reasons=dict(expired.get(gid, {})),
            )
        )
    return out


def load_group_commands(
    store: LocalStore, ids: Iterable[str] | None = None, *, limit: int = 50
) -> list[GroupCommand]:
    """The newest ``limit`` group commands (``ids`` None), or exactly those of ``ids``."""
    with store.engine.connect() as conn:
        if ids is None:
            wanted = [r[0] for r in conn.execute(_NEWEST_GROUPS, {"limit": limit})]
        else:
            wanted = list(dict.fromkeys(ids))
        return _groups(conn, wanted)


def failed_devices(store: LocalStore, group_command_id: str) -> list[str]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT device_id FROM device_commands WHERE group_command_id = :g "
                "AND status = 'failed' ORDER BY device_id"
            ),
            {"g": group_command_id},
        )
        return [str(r[0]) for r in rows]


def _channel(payload: Mapping[str, Any]) -> str | None:
    parsed = payload_from_wire(payload)
    return None if isinstance(parsed, Rejection) else parsed.channel.value


def _time(iso: Any) -> datetime | None:
    try:
        at = datetime.fromisoformat(str(iso))
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def retry_targets(store: LocalStore, group_command_id: str) -> list[str]:
    """The failed devices of a group command that no newer command on the same channel has
    been issued to since (any status), nor one still waiting in this workstation's outbox."""
    failed = set(failed_devices(store, group_command_id))
    if not failed:
        return []
    with store.engine.connect() as conn:
        first = conn.execute(
            text(
                "SELECT min(rowid), doc FROM device_commands WHERE group_command_id = :g "
                "AND status = 'failed'"
            ),
            {"g": group_command_id},
        ).first()
        assert first is not None
        origin = json.loads(first[1])
        channel = _channel(origin.get("payload") or {})
        issued = _time(origin.get("issued_at"))
        # Rows land in the order the server issued them: a newer command has a larger rowid.
        later = conn.execute(
            text(
                "SELECT device_id, doc FROM device_commands WHERE rowid > :r "
                "AND group_command_id IS NOT :g"
            ),
            {"r": first[0], "g": group_command_id},
        ).all()
        # This workstation's own newer commands count before their rows are pulled: queued,
        # or taken by the server a moment ago.
        queued = conn.execute(
            text(
                "SELECT mutation_id, args FROM outbox WHERE name = 'device.command' "
                "AND status IN ('pending', 'applied') ORDER BY seq DESC LIMIT 200"
            )
        ).all()
    newer: set[str] = set()
    for device_id, doc_text in later:
        if device_id not in failed:
            continue
        doc = json.loads(doc_text)
        at = _time(doc.get("issued_at"))
        if _channel(doc.get("payload") or {}) == channel and (
            issued is None or at is None or at > issued
        ):
            newer.add(str(device_id))
    for mutation_id, args_text in queued:
        args = json.loads(args_text)
        made = datetime.fromtimestamp((uuid.UUID(str(mutation_id)).int >> 80) / 1000, UTC)
        if args.get("group_command_id") == group_command_id:
            continue
        if issued is not None and made <= issued:
            continue
        if _channel(args.get("payload") or {}) == channel:
            newer.update(str(d) for d in args.get("device_ids") or () if d in failed)
    return sorted(failed - newer)


# ---------------------------------------------------------------- this workstation's outbox


@dataclass(frozen=True, slots=True)
class OutboxCommand:
    """A device intent of this workstation: ``pending`` (not yet up), ``rejected`` (with the
    server's reason and code) or ``applied`` (the server took it; its rows follow)."""

    seq: int
    mutation_id: str
    group_command_id: str
    args: Mapping[str, Any]
    status: str
    created_at: str
    reason: str | None = None
    code: str | None = None


def load_outbox_commands(store: LocalStore, *, limit: int = 50) -> list[OutboxCommand]:
    """The newest ``limit`` device intents of this workstation, newest first."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT seq, mutation_id, args, status, result, created_at FROM outbox "
                "WHERE name = 'device.command' ORDER BY seq DESC LIMIT :limit"
            ),
            {"limit": limit},
        ).all()
    out = []
    for seq, mutation_id, args_text, status, result, created_at in rows:
        args = json.loads(args_text)
        rejection = (json.loads(result) if result else {}).get("rejection") or {}
        out.append(
            OutboxCommand(
                seq=int(seq),
                mutation_id=str(mutation_id),
                group_command_id=str(args.get("group_command_id") or mutation_id),
                args=args,
                status=str(status),
                created_at=str(created_at),
                reason=rejection.get("message"),
                code=rejection.get("code"),
            )
        )
    return out


def outbox_attempts(store: LocalStore, seq: int) -> int:
    """How many times intent ``seq`` was sent without an answer reaching us (the server may
    have applied it: a re-confirmation cannot promise a void still stops it)."""
    with store.engine.connect() as conn:
        value = conn.execute(
            text("SELECT attempts FROM outbox WHERE seq = :seq"), {"seq": seq}
        ).scalar()
    return int(value or 0)
