"""A dispatcher takes a phone call: Ctrl+N in the running workstation, the form filled from the
keyboard, and the case is in 待核实 at once (before the server has it: the link is cut for the
moment of the submit, to tell the optimistic row from the server's) and on the server exactly
once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtWidgets")
pytest.importorskip("qasync")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPlainTextEdit  # noqa: E402

from cityops.desktop.new_case_dialog import NewCaseDialog  # noqa: E402
from cityops.domain.city import CITY_CODE  # noqa: E402
from cityops.domain.reference import load_reference  # noqa: E402
from cityops.sync.engine import ConnectionState  # noqa: E402
from tests.qt.link import CuttableLink  # noqa: E402
from tests.qt.test_pickers import ime_type  # noqa: E402
from tests.qt.test_workstation import desk, dialog_of, run, until  # noqa: E402
from tests.sync.conftest import Api, RestartableServer  # noqa: E402

DESCRIPTION = "来电：文三路与学院路口的窨井盖缺失，行人容易踩空"
ADDRESS = "文三路学院路口东北角"


def test_ctrl_n_reports_a_case_shown_at_once_and_sent_once(
    qapp: QApplication, server: RestartableServer, api: Api, tmp_path: Path
) -> None:
    districts = load_reference().units.children[CITY_CODE]
    district = districts[3]  # four presses of the down arrow below "请选择区县"
    filled: dict[str, str] = {}
    link = CuttableLink(server.port)

    async def scenario() -> None:
        async with desk(link.url, "dispatcher", tmp_path / "a") as a:
            await until(lambda: a.session.engine.status.state is ConnectionState.ONLINE, 15)
            assert a.window.current_queue() == "to_verify"
            await a.press(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
            dialog: NewCaseDialog = await dialog_of(NewCaseDialog)
            # The form opens in the description, ready for typing.
            description = dialog.findChild(QPlainTextEdit, "description")
            assert dialog.focusWidget() is description
            ime_type(description, DESCRIPTION)
            qapp.processEvents()
            dialog.grab().save("screenshots/tests/new-case-typing.png")
            a.window.activateWindow()
            dialog.activateWindow()
            district_box = dialog.findChild(QComboBox, "district")
            _key(dialog, Qt.Key.Key_Tab)
            assert dialog.focusWidget() is district_box
            for _ in range(4):
                _key(dialog, Qt.Key.Key_Down)
            assert district_box.currentData() == district
            address = dialog.findChild(QLineEdit, "address")
            for _ in range(2):  # street, community: left open
                _key(dialog, Qt.Key.Key_Tab)
            assert dialog.focusWidget() is address
            ime_type(address, ADDRESS)
            assert dialog.problems() == {}
            filled["case_id"] = dialog.report_args()["case_id"]
            dialog.grab().save("screenshots/tests/new-case-filled.png")
            link.cut()
            pressed = time.monotonic()
            _key(dialog, Qt.Key.Key_Return)  # 上报 is the default button
            case_id = filled["case_id"]

            # Optimistic: in 待核实 while the server has not got it.
            await until(lambda: a.model.row_of(case_id) >= 0, 2, "the new case queued")
            shown_after = time.monotonic() - pressed
            assert shown_after < 1.0, shown_after
            assert not dialog.isVisible()
            assert case_id in a.window.message.text()
            assert a.session.store.outbox_length() == 1
            assert not any(c["entity_id"] == case_id for c in api.all_changes("dispatcher"))

            link.restore()
            a.session.engine.poke()
            await until(lambda: a.session.store.outbox_length() == 0, 20, "the intent sent")
            await until(lambda: a.doc(case_id).get("state") == "reported", 5)
            row = a.model.row_of(case_id)
            assert row >= 0  # still there once the server's own version came back
            tabs = a.window.tabs
            await until(
                lambda: tabs.tabText(0).endswith(f"({a.model.total()})"), 5, "the tab's count"
            )
            a.window.table.selectRow(row)
            await until(lambda: a.presenter.current_case == case_id, 5)
            await until(lambda: DESCRIPTION in a.detail_text(), 5, "the detail")
            a.shot("workstation-new-case")
            print(f"new case on screen {shown_after * 1000:.0f} ms after Enter")

    try:
        run(qapp, scenario())
    finally:
        link.close()
    changes = api.all_changes("dispatcher")
    case_id = filled["case_id"]
    cases = [c for c in changes if c["entity"] == "case" and c["entity_id"] == case_id]
    assert len(cases) == 1, cases
    payload = cases[0]["payload"]
    assert payload["description"] == DESCRIPTION
    assert payload["district_code"] == district
    assert payload["address"] == ADDRESS
    assert payload["state"] == "reported"
    reported = [
        c
        for c in changes
        if c["entity"] == "case_event"
        and c["entity_id"].startswith(f"{case_id}:")
        and (c.get("payload") or {}).get("kind") == "reported"
    ]
    assert len(reported) == 1, reported


def _key(dialog: NewCaseDialog, key: Qt.Key) -> None:
    from PySide6.QtTest import QTest

    QTest.keyClick(dialog.focusWidget() or dialog, key)
