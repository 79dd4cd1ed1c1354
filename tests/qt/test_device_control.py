"""The device-control window against the real server and the simulator's device gateway.

- An operator takes over all 273 screens: the confirmation names 273 and the offline count
  and needs the number typed; progress runs to completion as the gateway answers, with the
  screens the gateway knows are offline reported failed ("device offline"); the takeover ends
  by itself at its end time (the window and, via the gateway's report, the server).
- A dispatcher (no operator role) asking for the same is refused by the server, the refusal is
  in the server's audit log and in the window.
- "Lights off" queued while the workstation is offline and replayed after its expiry is not
  executed, and the window says why; one that waited past the re-confirmation age is held
  when the link returns until the user answers (the status bar says so); closing the window
  with the question open keeps it held, reopening asks again (voided here: nothing executed).
- The re-confirmation of a city-wide command asks for the typed count again, and one that was
  already sent unanswered says a void cannot promise it was not executed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtWidgets")
pytest.importorskip("qasync")

from PySide6.QtWidgets import QApplication  # noqa: E402
from sqlalchemy import select  # noqa: E402

from cityops.desktop import device_feed as feed  # noqa: E402
from cityops.desktop.device_confirm import CommandConfirmDialog, ReconfirmDialog  # noqa: E402
from cityops.domain.devices import DeviceKind  # noqa: E402
from cityops.server import admin  # noqa: E402
from cityops.server.db import make_engine  # noqa: E402
from cityops.server.models import AuditEntry, DeviceCommandRow, DeviceRow  # noqa: E402
from cityops.widgets.device_tree import COL_CONTENT, DeviceCells, DeviceEntry, DeviceTree  # noqa: E402
from tests.qt.device_hall import Console, GatewayThread, control  # noqa: E402
from tests.qt.link import CuttableLink  # noqa: E402
from tests.qt.qt_loop import run  # noqa: E402
from tests.sync.conftest import RestartableServer  # noqa: E402
from tests.sync.test_engine import until  # noqa: E402

SHOTS = Path("screenshots/tests")
SCREENS = 273


@pytest.fixture(scope="module")
def gateway(server: RestartableServer, db_url: str) -> Iterator[GatewayThread]:
    engine = make_engine(db_url)
    try:
        key = admin.new_api_key(engine, "sim-gateway-devices")
    finally:
        engine.dispose()
    thread = GatewayThread(server.url, key)
    thread.start()
    yield thread
    thread.stop()


def shot(console: Console, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert console.window.grab().save(str(SHOTS / f"{name}.png"))


async def tree_ready(c: Console, offline: set[str]) -> None:
    """All screens in the tree, with the gateway's online states."""

    def ready() -> bool:
        screens = [r for r in c.presenter.rows.values() if r.kind is DeviceKind.LED_SCREEN]
        return len(screens) == SCREENS and {r.id for r in screens if not r.online} == offline

    await until(ready, 30, "the screens with their online states")


async def confirm_dialog(c: Console) -> CommandConfirmDialog:
    await until(
        lambda: (
            isinstance(c.presenter.last_dialog, CommandConfirmDialog)
            and c.presenter.last_dialog.isVisible()
        ),
        5,
        "the confirmation",
    )
    dialog = c.presenter.last_dialog
    assert isinstance(dialog, CommandConfirmDialog)
    return dialog


async def takeover_all(c: Console, text: str, seconds: int) -> CommandConfirmDialog:
    c.presenter.takeover_unit = timedelta(seconds=1)
    w = c.window
    w.led_scope.setCurrentIndex(w.led_scope.findData("all"))
    w.content_edit.setText(text)
    w.takeover_minutes.setValue(seconds)
    w.takeover_button.click()
    dialog = await confirm_dialog(c)
    assert dialog.entry is not None  # typed confirmation
    assert not dialog.ok_button.isEnabled()
    assert dialog.cancel_button.isDefault()
    dialog.entry.setText("27")
    assert not dialog.ok_button.isEnabled()
    dialog.entry.setText(str(SCREENS))
    assert dialog.ok_button.isEnabled()
    return dialog


def newest_group(c: Console) -> str:
    return c.window._progress_ids[0]


def server_rows(db_url: str, model: type, *where: object) -> list[object]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(model).where(*where)).all())
    finally:
        engine.dispose()


def test_takeover_of_all_screens_runs_to_completion_and_restores_itself(
    qapp: QApplication,
    server: RestartableServer,
    gateway: GatewayThread,
    db_url: str,
    tmp_path: Path,
) -> None:
    offline = gateway.offline_screens()
    assert 0 < len(offline) < 20, offline  # the simulator's fleet has a few offline screens

    async def scenario() -> None:
        async with control(server.url, "operator", tmp_path) as c:
            await asyncio.wait_for(c.presenter.ready.wait(), 30)
            await tree_ready(c, offline)
            dialog = await takeover_all(c, "暴雨红色预警：请勿前往低洼地带", 25)
            assert f"{SCREENS}" in dialog.count_label.text()
            assert f"其中 {len(offline)} 台当前离线" in dialog.count_label.text()
            dialog.ok_button.click()
            await until(lambda: c.window._progress_ids, 5, "the command listed")
            gid = newest_group(c)
            sent = feed.load_outbox_commands(c.session.store)
            assert sent[0].args.get("typed_confirmation") is True  # the count was typed

            def done() -> bool:
                row = c.window.progress_row(gid)
                return row is not None and row["pending"] == "0" and row["total"] == str(SCREENS)

            await until(done, 30, "every screen answered")
            row = c.window.progress_row(gid)
            assert row is not None
            # Offline screens fail at once; the simulator fails ~2 % of the rest with a reason.
            assert int(row["acked"]) + int(row["failed"]) == SCREENS, row
            assert len(offline) <= int(row["failed"]) <= len(offline) + 15, row
            assert "设备离线" in row["state"], row
            online_screen = next(
                r.id
                for r in c.presenter.rows.values()
                if r.kind is DeviceKind.LED_SCREEN and r.id not in offline
            )
            await until(
                lambda: "紧急接管中" in c.window.tree.model.text_of(online_screen, COL_CONTENT),
                10,
                "the tree shows the takeover",
            )
            assert "紧急接管" in c.window.audit_list.item(0).text()
            assert "operator" in c.window.audit_list.item(0).text()
            shot(c, "device-control-takeover")
            # Retry names its command: without a chosen row it asks for one.
            c.window.progress_table.clearSelection()
            c.window.retry_button.click()
            assert "请先" in c.window.message.text()
            assert c.presenter.last_dialog is None
            # Retry the failed ones: the gateway still knows them offline, so they fail again.
            c.window.progress_table.selectRow(0)
            c.window.retry_button.click()
            retry = await confirm_dialog(c)
            assert retry.note_label is not None
            assert "重试：原指令“紧急接管" in retry.note_label.text()
            assert f"将下发到 {row['failed']} 台设备" in retry.count_label.text()
            assert f"其中 {len(offline)} 台当前离线" in retry.count_label.text()
            shot(c, "device-control-retry-confirm")
            retry.ok_button.click()
            await until(lambda: newest_group(c) != gid, 10, "the retry listed")
            retry_gid = newest_group(c)
            retried = feed.load_outbox_commands(c.session.store)[0]
            assert retried.group_command_id == retry_gid
            assert sorted(retried.args["device_ids"]) == sorted(
                d for d in feed.failed_devices(c.session.store, gid)
            )
            await until(lambda: c.session.store.outbox_length() == 0, 10, "the retry sent")
            # Retrying the original again re-sends to nobody: the first retry reached them all.
            c.window.progress_table.selectRow(c.window._progress_ids.index(gid))
            c.window.retry_button.click()
            await until(lambda: "无需重试" in c.window.message.text(), 5, "nothing to retry")
            assert c.presenter.last_dialog is None
            # The takeover ends by itself: the window shows it at its end, and the gateway's
            # report clears it on the server.
            await until(
                lambda: "紧急接管中" not in c.window.tree.model.text_of(online_screen, COL_CONTENT),
                40,
                "the screen restored at the takeover's end",
            )
            shot(c, "device-control-restored")

    run(qapp, scenario())
    failed = server_rows(db_url, DeviceCommandRow, DeviceCommandRow.status == "failed")
    said_offline = {r.device_id for r in failed if "设备离线" in (r.doc.get("reason") or "")}
    assert said_offline == offline

    async def restored_on_server() -> None:
        def cleared() -> bool:
            rows = server_rows(db_url, DeviceRow, DeviceRow.kind == DeviceKind.LED_SCREEN.value)
            return all(not r.doc.get("takeover_until") for r in rows)

        await until(cleared, 15, "the server's screens restored (gateway report)")

    run(qapp, restored_on_server())


def test_a_dispatcher_cannot_take_over_the_city_and_the_refusal_is_audited(
    qapp: QApplication,
    server: RestartableServer,
    gateway: GatewayThread,
    db_url: str,
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        async with control(server.url, "dispatcher", tmp_path) as c:
            await asyncio.wait_for(c.presenter.ready.wait(), 30)
            await until(lambda: len(c.presenter.rows) > SCREENS, 30, "the devices")
            dialog = await takeover_all(c, "全部大屏接管测试", 60)
            assert "operator" in " ".join(
                label.text() for label in dialog.findChildren(type(dialog.count_label))
            )
            dialog.ok_button.click()

            def refused() -> bool:
                ids = c.window._progress_ids
                row = c.window.progress_row(ids[0]) if ids else None
                return row is not None and "服务器拒绝" in row["state"]

            await until(refused, 20, "the refusal shown")
            row = c.window.progress_row(newest_group(c))
            assert row is not None
            assert "操作员" in row["state"], row
            assert "operator" in c.window.message.text() or "操作员" in c.window.message.text()
            shot(c, "device-control-dispatcher-refused")

    run(qapp, scenario())
    audit = server_rows(
        db_url,
        AuditEntry,
        AuditEntry.actor == "dispatcher",
        AuditEntry.action == "device.command",
        AuditEntry.decision == "rejected",
    )
    assert audit, "the refusal is not in the audit log"
    assert audit[-1].detail["code"] == "operator_required"


def street_group(c: Console) -> list[str]:
    group = next(
        g
        for g in c.session.reference.devices.lighting_groups.values()
        if g.code.endswith("-street") and g.district == "330105"
    )
    return [d for d in group.circuits if d in c.presenter.rows]


def test_lights_off_replayed_after_its_expiry_is_not_executed_and_the_user_sees_why(
    qapp: QApplication,
    server: RestartableServer,
    gateway: GatewayThread,
    db_url: str,
    tmp_path: Path,
) -> None:
    link = CuttableLink(server.port)

    async def scenario() -> str:
        async with control(link.url, "operator", tmp_path, command_ttl=timedelta(seconds=3)) as c:
            await asyncio.wait_for(c.presenter.ready.wait(), 30)
            await until(lambda: len(c.presenter.rows) > SCREENS, 30, "the devices")
            circuits = street_group(c)
            assert circuits
            link.cut()
            await until(lambda: c.window.banner.isVisible(), 20, "offline shown")
            c.window.tree.select_ids(circuits)
            c.window.lights_off_button.click()
            dialog = await confirm_dialog(c)
            assert dialog.entry is None  # one district's street lights: no typed confirmation
            assert str(len(circuits)) in dialog.count_label.text()
            dialog.ok_button.click()
            await until(lambda: c.session.store.outbox_length() == 1, 5, "queued offline")
            queued = feed.load_outbox_commands(c.session.store)
            assert "typed_confirmation" not in queued[0].args  # no typed dialog: not claimed
            gid = queued[0].group_command_id
            # Earlier tests' commands may be listed already (the first sync brings them):
            # wait for this one, not for any row.
            await until(lambda: gid in c.window._progress_ids, 5, "listed")
            assert newest_group(c) == gid
            row = c.window.progress_row(gid)
            assert row is not None
            assert "离线排队" in row["state"]
            shot(c, "device-control-queued-offline")
            await asyncio.sleep(4)  # past its expiry
            link.restore()
            c.session.engine.poke()
            await until(lambda: c.session.store.outbox_length() == 0, 40, "replayed")

            def told() -> bool:
                r = c.window.progress_row(gid)
                return r is not None and "过期" in r["state"]

            await until(told, 10, "the user told it expired")
            assert "未执行" in c.window.progress_row(gid)["state"]  # type: ignore[index]
            assert "过期" in c.window.message.text()
            shot(c, "device-control-expired-replay")
            return gid

    try:
        gid = run(qapp, scenario())
    finally:
        link.close()
    executed = server_rows(db_url, DeviceCommandRow, DeviceCommandRow.group_command_id == gid)
    assert executed == []


def test_a_command_held_offline_for_minutes_asks_again_when_the_link_returns(
    qapp: QApplication,
    server: RestartableServer,
    gateway: GatewayThread,
    db_url: str,
    tmp_path: Path,
) -> None:
    link = CuttableLink(server.port)

    async def scenario() -> str:
        async with control(
            link.url,
            "operator",
            tmp_path,
            command_ttl=timedelta(minutes=5),
            reconfirm_after=timedelta(seconds=2),
        ) as c:
            await asyncio.wait_for(c.presenter.ready.wait(), 30)
            await until(lambda: len(c.presenter.rows) > SCREENS, 30, "the devices")
            circuits = street_group(c)
            link.cut()
            await until(lambda: c.window.banner.isVisible(), 20, "offline shown")
            c.window.tree.select_ids(circuits)
            c.window.lights_off_button.click()
            (await confirm_dialog(c)).ok_button.click()
            await until(lambda: c.session.store.outbox_length() == 1, 5, "queued offline")
            gid = feed.load_outbox_commands(c.session.store)[0].group_command_id
            await until(lambda: gid in c.window._progress_ids, 5, "listed")
            assert c.window.progress_row(gid)["state"] == "离线排队，待上送服务器"  # type: ignore[index]
            await asyncio.sleep(2.5)  # older than the re-confirmation age
            link.restore()
            c.session.engine.poke()
            await until(
                lambda: (
                    isinstance(c.presenter.last_dialog, ReconfirmDialog)
                    and c.presenter.last_dialog.isVisible()
                ),
                30,
                "asked again",
            )
            await asyncio.sleep(1.0)
            assert c.session.store.outbox_length() == 1  # held while the user decides
            held = c.window.status.held_label
            assert not held.isHidden()
            assert "等待设备指令重新确认（1 条）" in held.text()
            # Its progress row says why it has not gone up (not "queued offline" any more).
            await until(
                lambda: (
                    c.window.progress_row(gid)["state"]  # type: ignore[index]
                    == "等待重新确认（离线排队超过 1 分钟）"
                ),
                5,
                "the row says it waits for re-confirmation",
            )
            shot(c, "device-control-reconfirm")
            # Closing the window with the question open decides nothing: still held.
            c.window.close()
            await until(lambda: c.presenter.last_dialog is None, 5, "the dialog gone")
            c.session.engine.poke()
            await asyncio.sleep(1.5)
            assert c.session.store.outbox_length() == 1
            assert c.session.engine.status.held == 1
            assert (
                server_rows(db_url, DeviceCommandRow, DeviceCommandRow.group_command_id == gid)
                == []
            )
            # Opened again, it asks at once.
            c.window.show()
            await until(
                lambda: (
                    isinstance(c.presenter.last_dialog, ReconfirmDialog)
                    and c.presenter.last_dialog.isVisible()
                ),
                10,
                "asked again when the window reopened",
            )
            c.presenter.last_dialog.void_button.click()
            await until(lambda: c.session.store.outbox_length() == 0, 20, "sent voided")

            def voided() -> bool:
                r = c.window.progress_row(gid)
                return r is not None and "作废" in r["state"]

            await until(voided, 10, "shown voided")
            assert "等待重新确认" not in c.window.progress_row(gid)["state"]  # type: ignore[index]
            await until(lambda: c.window.status.held_label.isHidden(), 10, "hold cleared")
            return gid

    try:
        gid = run(qapp, scenario())
    finally:
        link.close()
    assert server_rows(db_url, DeviceCommandRow, DeviceCommandRow.group_command_id == gid) == []


def test_reconfirming_a_city_wide_command_asks_for_the_count_again(qapp: QApplication) -> None:
    dialog = ReconfirmDialog("全部关灯", 7, 5000, typed=True, attempted=True)
    dialog.show()
    assert dialog.entry is not None
    assert not dialog.send_button.isEnabled()
    assert dialog.void_button.isDefault()
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted  # not without the count
    dialog.entry.setText("500")
    assert not dialog.send_button.isEnabled()
    dialog.entry.setText("5000")
    assert dialog.send_button.isEnabled()
    assert dialog.attempted_label is not None
    assert "可能已经执行" in dialog.attempted_label.text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SHOTS / "device-control-reconfirm-typed.png"))
    dialog.close()
    dialog.deleteLater()


def test_a_filtered_selection_targets_only_the_devices_shown(qapp: QApplication) -> None:
    """A district selected while "offline only" is on targets its offline devices, not the
    ones the filter hides; the confirmation says how many are left out."""
    tree = DeviceTree()
    entries = [
        DeviceEntry(f"LC-{n}", f"{n}号回路", "330105", "拱墅区", "street", "道路照明")
        for n in range(1, 5)
    ]
    tree.set_devices(entries)
    cells = {
        e.id: DeviceCells("", "", "", "", "", online=e.id != "LC-2", faulty=False) for e in entries
    }
    tree.update(cells)
    tree.offline_check.setChecked(True)
    district = tree.proxy.index(0, 0)
    tree.view.selectionModel().select(
        district,
        tree.view.selectionModel().SelectionFlag.ClearAndSelect
        | tree.view.selectionModel().SelectionFlag.Rows,
    )
    assert tree.selected_ids() == ["LC-2"]
    assert len(tree.selected_ids(visible_only=False)) == 4
    tree.offline_check.setChecked(False)
    assert len(tree.selected_ids()) == 4  # no filter: the whole district
    dialog = CommandConfirmDialog(
        "关闭电源（关灯/关屏）", 1, 1, note="另有 3 台被筛选隐藏，不在此次范围"
    )
    dialog.show()
    assert dialog.note_label is not None
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SHOTS / "device-control-confirm-filtered.png"))
    dialog.close()
    dialog.deleteLater()
    tree.deleteLater()
