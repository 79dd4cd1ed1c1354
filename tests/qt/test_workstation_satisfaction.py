"""The hotline's satisfaction callback (回访) from the dispatcher workstation, against the real
server: the action (R) stays greyed until the public report is closed, the dialog insists on an
answer, the answer lands on the server, in the case detail and on the timeline, and a case is
called back once only."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6.QtWidgets")
pytest.importorskip("qasync")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel, QWidget  # noqa: E402

from cityops.desktop.case_detail import event_label  # noqa: E402
from cityops.server import admin  # noqa: E402
from cityops.server.db import make_engine  # noqa: E402
from tests.qt.test_workstation import HUBIN, SANITATION, desk, dialog_of, run  # noqa: E402
from tests.server.conftest import new_id  # noqa: E402
from tests.sync.conftest import Api, RestartableServer  # noqa: E402
from tests.sync.test_engine import until  # noqa: E402

SHOTS = Path("/tmp/h")


@pytest.fixture(scope="module")
def app_key(server: RestartableServer) -> str:
    engine = make_engine(server.settings.db_url)
    try:
        return admin.new_api_key(engine, "citizen-app-callback")
    finally:
        engine.dispose()


def checked_citizen_report(api: Api, key: str) -> str:
    """A citizen's app report in 湖滨街道 walked through to *checked* by the hall and the crew."""
    r = api.http.post(
        "/open311/v2/requests.json",
        data={"api_key": key, "service_code": "0702",
              "description": "湖滨路人行道垃圾无人清理", **HUBIN},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    case_id = str(r.json()[0]["service_request_id"])
    for user, name, args in (
        ("dispatcher", "case.verify", {}),
        ("dispatcher", "case.file", {"subcategory_code": "0702"}),
        ("dispatcher", "case.dispatch", {"unit_code": SANITATION}),
        ("handler", "case.accept", {}),
        ("handler", "case.handle", {"feedback": "已清运"}),
        ("dispatcher", "case.check_pass", {}),
    ):
        result = api.do(user, new_id("hall"), name, case_id=case_id, **args)
        assert result["status"] == "applied", (name, result)
    return case_id


def server_doc(api: Api, case_id: str) -> dict[str, Any]:
    doc: dict[str, Any] = next(
        c["payload"] for c in reversed(api.all_changes("dispatcher"))
        if c["entity"] == "case" and c["entity_id"] == case_id
    )  # fmt: skip
    return doc


def test_a_closed_citizen_report_is_called_back_once_from_the_keyboard(
    qapp: QApplication, server: RestartableServer, api: Api, app_key: str, tmp_path: Path
) -> None:
    from cityops.desktop.pickers import SatisfactionDialog

    case_id = checked_citizen_report(api, app_key)

    async def scenario() -> None:
        async with desk(server.url, "dispatcher", tmp_path / "a") as a:
            await a.open_queue("all")
            await until(lambda: a.state(case_id) == "checked", 10, "the checked case synced")
            await until(lambda: a.model.row_of(case_id) >= 0, 5, "in all cases")
            a.select(case_id)
            await until(lambda: a.presenter.current_case == case_id)
            await until(lambda: a.window.case_actions["close"].isEnabled(), 3, "close enabled")
            # Not before closing: there is nothing to ask the citizen about yet.
            assert not a.window.case_actions["rate"].isEnabled()
            assert "待回访" not in a.detail_text()

            result = api.do("dispatcher", new_id("hall"), "case.close", case_id=case_id)
            assert result["status"] == "applied", result
            await until(lambda: a.state(case_id) == "closed", 5, "closed synced")
            a.select(case_id)
            await until(lambda: a.window.case_actions["rate"].isEnabled(), 3, "rate enabled")
            await until(lambda: "待回访" in a.detail_text(), 3, "the callback owed, shown")

            await a.press(Qt.Key.Key_R)
            dialog = await dialog_of(SatisfactionDialog)
            assert dialog.windowTitle() == "回访满意度"
            ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
            ok.click()  # no answer picked: refused inline, nothing sent
            assert dialog.isVisible()
            assert dialog.error_text() == "请选择回访结果"
            assert a.session.store.outbox_length() == 0
            dialog.findChild(QWidget, "score_3").click()
            assert dialog.error_text() == ""
            dialog.findChild(QWidget, "note").setPlainText("垃圾已清，但等了两天")
            assert dialog.grab().save(str(SHOTS / "satisfaction_dialog.png"))
            ok.click()

            await until(lambda: a.doc(case_id).get("satisfaction") == 3, 5, "optimistic rating")
            await until(lambda: a.session.store.outbox_length() == 0, 5, "pushed")
            await until(lambda: "3 分（基本满意）" in a.detail_text(), 5, "the rating shown")
            # The timeline's event (synced down from the server) with the answer and the note.
            await until(lambda: "垃圾已清，但等了两天" in a.detail_text(), 5, "on the timeline")
            entries = [
                label.text()
                for label in a.presenter.detail.findChildren(QLabel, "timelineEntry")
                if event_label("satisfaction_rated") in label.text()
            ]
            assert len(entries) == 1, entries
            assert "满意度：3 分（基本满意）" in entries[0]
            assert "待回访" not in a.detail_text()
            # Once only: the action greys out for the rated case.
            a.select(case_id)
            await until(lambda: not a.window.case_actions["rate"].isEnabled(), 3, "rate greyed")
            field = a.presenter.detail.findChild(QLabel, "field_satisfaction")
            await until(lambda: field.isVisible(), 5, "the detail pane shown again")
            first, second = field.text().split("\n")
            assert first == "3 分（基本满意）"
            assert second.endswith(" dispatcher")
            a.shot("workstation-satisfaction")
            assert a.window.grab().save(str(SHOTS / "workstation_satisfaction.png"))

    run(qapp, scenario())
    doc = server_doc(api, case_id)
    assert (doc["state"], doc["satisfaction"], doc["satisfaction_by"]) == (
        "closed",
        3,
        "dispatcher",
    )


def test_a_district_dispatcher_closes_its_case_but_may_not_call_it_back(
    qapp: QApplication, server: RestartableServer, api: Api, app_key: str, tmp_path: Path
) -> None:
    """Satisfaction ranks the districts, so the callback is the city hotline's: 上城区's own
    dispatcher closes the 湖滨街道 report from its desk, and R stays greyed for it."""
    from tests.server.conftest import PASSWORD

    engine = make_engine(server.settings.db_url)
    try:
        admin.add_user(engine, "sc_dispatcher", PASSWORD, "dispatcher", "330102")
    finally:
        engine.dispose()
    case_id = checked_citizen_report(api, app_key)

    async def scenario() -> None:
        async with desk(server.url, "sc_dispatcher", tmp_path / "d") as d:
            await d.open_queue("all")
            await until(lambda: d.state(case_id) == "checked", 10, "the checked case synced")
            await until(lambda: d.model.row_of(case_id) >= 0, 5, "in all cases")
            d.select(case_id)
            await until(lambda: d.window.case_actions["close"].isEnabled(), 3, "close enabled")
            result = api.do("sc_dispatcher", new_id("hall"), "case.close", case_id=case_id)
            assert result["status"] == "applied", result  # its own district's case
            await until(lambda: d.state(case_id) == "closed", 5, "closed synced")
            d.select(case_id)
            await until(lambda: "待回访" in d.detail_text(), 3, "the callback owed, shown")
            assert not d.window.case_actions["rate"].isEnabled()
            await d.press(Qt.Key.Key_R)  # the shortcut opens nothing either
            await asyncio.sleep(0.3)
            assert QApplication.activeModalWidget() is None
            assert d.session.store.outbox_length() == 0
            assert d.window.grab().save(str(SHOTS / "workstation_satisfaction_district.png"))
            assert d.doc(case_id).get("satisfaction") is None

    run(qapp, scenario())
    refused = api.do("sc_dispatcher", new_id("hall"), "case.rate", case_id=case_id, score=5)
    assert refused["rejection"]["code"] == "city_level_only", refused
    assert server_doc(api, case_id).get("satisfaction") is None
