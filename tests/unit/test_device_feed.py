"""The device-control window's reads of the local store, without Qt: devices as the tree shows
them (a takeover ends by itself at its end), group-command progress counted per status with
the failure reasons, this workstation's device intents from the outbox with the server's
refusal, ``LocalStore.amend`` (a held intent voided keeps its seq), and the tree the worker
prepares (cells, group counts, new devices) for the UI thread to install."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import uuid6

from cityops.desktop import device_feed as feed
from cityops.desktop.device_control_presenter import DeviceControlPresenter, intent_time
from cityops.domain.devices import DeviceKind
from cityops.local_store.store import LocalStore

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def device(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"LED-{n:04d}",
        "kind": "led_screen",
        "name_zh": f"{n}号屏",
        "district_code": "330102",
        "group": "LEDG-330102-01",
        "online": n % 3 != 0,
        "power": True,
        "level": 80,
        "faults": [],
        "version": 1,
        **extra,
    }


def command(gid: str, n: int, status: str, reason: str | None = None) -> dict[str, Any]:
    return {
        "id": f"{gid}:LED-{n:04d}",
        "device_id": f"LED-{n:04d}",
        "device_kind": "led_screen",
        "payload": {"type": "set_level", "percent": 40},
        "issued_by": "operator",
        "issued_at": NOW.isoformat(),
        "not_after": (NOW + timedelta(minutes=10)).isoformat(),
        "status": status,
        "reason": reason,
        "group_command_id": gid,
        "version": 2,
    }


def change(seq: int, entity: str, doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "seq": seq,
        "entity": entity,
        "entity_id": doc["id"],
        "version": doc["version"],
        "op": "upsert",
        "payload": doc,
    }


def test_devices_groups_and_outbox_as_the_window_reads_them(tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path / "cache.sqlite3")
    until = (NOW + timedelta(minutes=5)).isoformat()
    docs = [device(n) for n in range(1, 7)] + [device(7, takeover_until=until)]
    statuses = ["acked", "acked", "failed", "failed", "sent", "expired", "superseded"]
    reasons = [None, None, "设备离线", "设备离线", None, None, None]
    commands = [
        command("G1", n + 1, s, r) for n, (s, r) in enumerate(zip(statuses, reasons, strict=True))
    ]
    changes = [change(i + 1, "device", d) for i, d in enumerate(docs)]
    changes += [change(100 + i, "device_command", c) for i, c in enumerate(commands)]
    store.apply_changes(changes, 200)

    rows = feed.load_devices(store)
    assert [r.id for r in rows] == [d["id"] for d in docs]
    assert feed.fleet_of(rows).total(DeviceKind.LED_SCREEN) == 7
    assert [r.id for r in rows if not r.online] == ["LED-0003", "LED-0006"]
    screen = feed.load_devices(store, ["LED-0007"])[0]
    assert screen.taken_over(NOW)
    assert not screen.taken_over(NOW + timedelta(minutes=5))  # restores itself at its end

    (group,) = feed.load_group_commands(store)
    assert group.id == "G1"
    assert group.issued_by == "operator"
    p = group.progress
    assert (p.acked, p.failed, p.pending, p.expired, p.superseded, p.total) == (2, 2, 1, 1, 1, 7)
    assert not p.done
    assert group.reasons == {"设备离线": 2}
    assert group.expired_reasons == {"": 1}
    # The progress panel accounts for every device: the superseded and the expired one too.
    fake = SimpleNamespace(
        tr=lambda text: text,
        session=SimpleNamespace(me=SimpleNamespace(user_id="operator")),
        gate=SimpleNamespace(voided_groups=set(), held_ids=frozenset),
    )
    (shown,), _audit = DeviceControlPresenter._history_rows(fake, [], [group])  # type: ignore[arg-type]
    assert "被新指令取代 ×1" in shown["state"], shown
    assert "过期：未送达×1" in shown["state"], shown
    assert "设备离线×2" in shown["state"], shown
    assert feed.failed_devices(store, "G1") == ["LED-0003", "LED-0004"]

    args = {
        "device_ids": ["LED-0001"],
        "payload": {"type": "set_power", "on": False},
        "not_after": (NOW + timedelta(minutes=10)).isoformat(),
        "group_command_id": "G2",
    }
    seq = store.submit("device.command", args)
    (mine,) = feed.load_outbox_commands(store)
    assert (mine.seq, mine.status, mine.group_command_id) == (seq, "pending", "G2")
    assert abs(intent_time(mine.mutation_id) - datetime.now(UTC)) < timedelta(seconds=5)

    voided = {**args, "not_after": NOW.isoformat()}
    assert store.amend(seq, voided)
    (pending,) = store.pending()
    assert pending["seq"] == seq
    assert pending["args"]["not_after"] == NOW.isoformat()
    store.settle(
        [
            {
                "seq": seq,
                "mutation_id": pending["mutation_id"],
                "status": "rejected",
                "rejection": {
                    "code": "command_expired",
                    "message": "指令在到达服务器之前已过期，未执行",
                },
            }
        ]
    )
    assert not store.amend(seq, args)  # settled: no longer rewritable
    (refused,) = feed.load_outbox_commands(store)
    assert refused.status == "rejected"
    assert refused.code == "command_expired"
    assert "过期" in (refused.reason or "")
    store.close()


def test_intent_time_reads_the_uuid7_clock() -> None:
    made = uuid6.uuid7()
    assert abs(intent_time(str(made)) - datetime.now(UTC)) < timedelta(seconds=2)


def test_retry_targets_only_failed_devices_no_newer_command_reached(tmp_path: Path) -> None:
    """A retry targets exactly the failed devices; a second retry of the same command does not
    re-send to devices the first retry reached (acked or not); another channel does not count;
    a newer command still in this workstation's outbox does."""
    store = LocalStore.open(tmp_path / "cache.sqlite3")
    base = datetime.now(UTC) - timedelta(hours=1)  # before the outbox intent made below

    def at(gid: str, n: int, status: str, minutes: int, payload: dict[str, Any]) -> dict[str, Any]:
        doc = command(gid, n, status, "设备离线" if status == "failed" else None)
        issued = (base + timedelta(minutes=minutes)).isoformat()
        return {**doc, "issued_at": issued, "payload": payload}

    level = {"type": "set_level", "percent": 40}
    power = {"type": "set_power", "on": True}
    commands = [
        at("G1", 1, "failed", 0, level),
        at("G1", 2, "failed", 0, level),
        at("G1", 3, "failed", 0, level),
        at("G1", 4, "acked", 0, level),
        at("R1", 1, "acked", 1, level),  # the first retry reached 1 and 2
        at("R1", 2, "failed", 1, level),
        at("X", 3, "acked", 2, power),  # another channel: 3 still needs its level
    ]
    store.apply_changes([change(10 + i, "device_command", c) for i, c in enumerate(commands)], 99)
    assert feed.failed_devices(store, "G1") == ["LED-0001", "LED-0002", "LED-0003"]
    assert feed.retry_targets(store, "G1") == ["LED-0003"]
    assert feed.retry_targets(store, "R1") == ["LED-0002"]
    assert feed.retry_targets(store, "X") == []
    store.submit(
        "device.command",
        {
            "device_ids": ["LED-0003"],
            "payload": {"type": "set_level", "percent": 70},
            "not_after": (NOW + timedelta(minutes=10)).isoformat(),
            "group_command_id": "Q1",
        },
    )
    assert feed.retry_targets(store, "G1") == []  # a newer level is queued for it here
    store.close()


def test_the_tree_is_prepared_in_the_worker_cells_counts_and_new_devices(
    tmp_path: Path,
) -> None:
    """What the worker hands the UI thread: every cell and group count of the whole tree, and
    for touched devices their cells plus where the ones the tree lacks go — in the words the
    UI thread passed (translated there), run from a thread of its own as the presenter does."""
    store = LocalStore.open(tmp_path / "cache.sqlite3")
    until = (NOW + timedelta(minutes=5)).isoformat()
    docs = [device(n) for n in range(1, 7)] + [
        device(7, takeover_until=until, content_text="暴雨预警")
    ]
    store.apply_changes([change(i + 1, "device", d) for i, d in enumerate(docs)], 10)
    texts = feed.CellTexts(offline="OFF", on="ON", off="IDLE", takeover="TAKEN %1")
    names = feed.TreeNames(
        districts={"330102": "上城区"},
        groups={"LEDG-330102-01": "湖滨屏"},
        ungrouped="未分组",
        label="%1 (%2/%3)",
    )
    with ThreadPoolExecutor(1) as worker:
        load = worker.submit(feed.load_tree, store, NOW, texts, names).result()
    assert [r.id for r in load.rows] == [d["id"] for d in docs]
    (district,) = load.tree.roots
    (group,) = district.children
    assert district.label == "上城区 (7/2)"  # LED-0003 and LED-0006 are offline
    assert group.label == "湖滨屏 (7/2)"
    shown = {n.key: n.cells for n in group.children}
    assert shown["LED-0003"].state == "OFF"
    assert shown["LED-0001"].state == "ON"
    assert shown["LED-0007"].content.startswith("TAKEN 11-29 20:05")  # the city's clock
    assert shown["LED-0001"].content == "—"

    # The sync touches LED-0001 (now off) and brings LED-0008, ungrouped, new to the tree.
    docs[0] = device(1, power=False, version=2)
    new = device(8, group=None, district_code="330105")
    store.apply_changes([change(20, "device", docs[0]), change(21, "device", new)], 30)
    with ThreadPoolExecutor(1) as worker:
        touched = worker.submit(
            feed.load_touched,
            store,
            ["LED-0001", "LED-0008"],
            NOW,
            texts,
            names,
            {d["id"] for d in docs}.__contains__,
        ).result()
    assert touched.cells["LED-0001"].state == "IDLE"
    assert [e.id for e in touched.new] == ["LED-0008"]
    assert touched.new[0].group_name == "未分组"
    assert touched.new[0].district_name == "330105"  # no name known: its code
