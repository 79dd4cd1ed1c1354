"""The dispatcher workstation against the real server: a citizen's report walks the closed loop
driven from the keyboard, a second workstation sees every step, and work done while the link is
down goes up once it is back — a conflicting step rejected with who got there first."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6.QtWidgets")
qasync = pytest.importorskip("qasync")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget  # noqa: E402

from cityops.desktop.case_detail import event_label, local_time  # noqa: E402
from cityops.desktop.case_table_model import CaseTableModel  # noqa: E402
from cityops.desktop.session import Session  # noqa: E402
from cityops.desktop.workstation import WorkstationWindow  # noqa: E402
from cityops.desktop.workstation_presenter import WorkstationPresenter  # noqa: E402
from cityops.domain.schemas import Entity  # noqa: E402
from cityops.server import admin  # noqa: E402
from cityops.server.db import make_engine  # noqa: E402
from cityops.sync.engine import ConnectionState  # noqa: E402
from tests.qt.link import CuttableLink  # noqa: E402
from tests.qt.qt_loop import run  # noqa: E402
from tests.server.conftest import new_id  # noqa: E402
from tests.sync.conftest import PASSWORD, Api, RestartableServer  # noqa: E402
from tests.sync.test_engine import until  # noqa: E402

__all__ = ["desk", "dialog_of", "run", "until"]  # used by the other workstation tests

SCREENS = Path("screenshots/tests")
SANITATION = "DEP-330102-sanitation"  # the test handler's unit (上城区 环卫)
HUBIN = {"lat": "30.2592", "long": "120.1655"}  # 湖滨街道, 上城区


class Desk:
    """One workstation as a user has it: session, window, presenter."""

    def __init__(self, session: Session, window: WorkstationWindow, p: WorkstationPresenter):
        self.session, self.window, self.presenter = session, window, p

    @property
    def model(self) -> CaseTableModel:
        return self.presenter.model

    def doc(self, case_id: str) -> dict[str, Any]:
        return self.session.store.get(Entity.CASE, case_id) or {}

    def state(self, case_id: str) -> str | None:
        return self.doc(case_id).get("state")

    async def open_queue(self, key: str) -> None:
        self.window.tabs.setCurrentIndex(self.window.queue_keys.index(key))
        await until(
            lambda: self.model.filter().queue == key and "filter" not in self.presenter._tasks,
            5,
            f"the {key} queue on screen",
        )

    def select(self, *case_ids: str) -> None:
        table = self.window.table
        table.clearSelection()
        for case_id in case_ids:
            row = self.model.row_of(case_id)
            assert row >= 0, f"{case_id} is not in the queue"
            index = self.model.index(row, 0)
            table.selectionModel().select(
                index,
                table.selectionModel().SelectionFlag.Select
                | table.selectionModel().SelectionFlag.Rows,
            )
        table.setFocus()

    async def press(
        self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
    ) -> None:
        # Shortcuts fire in the active window only. Waited for on the loop: QTest's own wait
        # would spin a nested event loop inside a qasync callback, which loses scheduled tasks.
        self.window.activateWindow()
        await until(lambda: QApplication.activeWindow() is self.window, 5, "window active")
        self.window.table.setFocus()
        QTest.keyClick(self.window.table, key, modifier)

    def detail_text(self) -> str:
        return "\n".join(label.text() for label in self.presenter.detail.findChildren(QLabel))

    def shot(self, name: str) -> None:
        SCREENS.mkdir(parents=True, exist_ok=True)
        assert self.window.grab().save(str(SCREENS / f"{name}.png"))


@asynccontextmanager
async def desk(url: str, user: str, base: Path) -> AsyncIterator[Desk]:
    session = await Session.login(url, user, PASSWORD, base=base)
    session.start()
    window = WorkstationWindow(session.reference, user)
    presenter = WorkstationPresenter(session, window)
    window.resize(1600, 900)
    window.show()
    try:
        await presenter.start()
        yield Desk(session, window, presenter)
    finally:
        await presenter.stop()
        window.close()
        await session.close()
        window.deleteLater()


async def dialog_of(kind: type[QWidget], within: float = 5.0) -> Any:
    found: list[QWidget] = []

    def visible() -> bool:
        found[:] = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()
        ]
        return bool(found)

    await until(visible, within, f"a {kind.__name__}")
    return found[-1]


async def type_and_enter(dialog: QWidget, text: str) -> None:
    target = dialog.focusWidget() or dialog
    QTest.keyClicks(target, text)
    await asyncio.sleep(0.05)
    QTest.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Return)


@pytest.fixture(scope="module")
def open311_key(server: RestartableServer) -> str:
    engine = make_engine(server.settings.db_url)
    try:
        return admin.new_api_key(engine, "citizen-app")
    finally:
        engine.dispose()


def citizen_report(api: Api, key: str) -> str:
    r = api.http.post(
        "/open311/v2/requests.json",
        data={
            "api_key": key,
            "service_code": "0702",
            "description": "湖滨路人行道上有一堆暴露垃圾",
            **HUBIN,
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()[0]["service_request_id"])


def test_a_citizen_report_walks_the_closed_loop_from_the_keyboard(
    qapp: QApplication, server: RestartableServer, api: Api, open311_key: str, tmp_path: Path
) -> None:
    from cityops.desktop.pickers import SubcategoryPickerDialog, UnitPickerDialog

    async def scenario() -> None:
        async with (
            desk(server.url, "dispatcher", tmp_path / "a") as a,
            desk(server.url, "commander", tmp_path / "b") as b,
        ):
            await until(lambda: a.session.engine.status.state is ConnectionState.ONLINE)
            await until(lambda: b.session.engine.status.state is ConnectionState.ONLINE)
            # 1. The citizen's report is in "to verify" within a second.
            posted = time.monotonic()
            case_id = citizen_report(api, open311_key)
            await until(lambda: a.model.row_of(case_id) >= 0, 5, "the report queued")
            assert time.monotonic() - posted < 1.0
            assert a.window.current_queue() == "to_verify"

            # 2. Verify (V), file (F, subcategory by keyboard), dispatch (D, unit by keyboard).
            a.select(case_id)
            await until(lambda: a.window.case_actions["verify"].isEnabled(), 3, "verify enabled")
            await a.press(Qt.Key.Key_V)
            await until(lambda: b.state(case_id) == "verified", 5, "B sees verified")
            await until(
                lambda: a.state(case_id) == "verified" and a.session.store.outbox_length() == 0
            )

            await a.open_queue("to_file")
            await until(lambda: a.model.row_of(case_id) >= 0, 5, "in to_file")
            a.select(case_id)
            await until(lambda: a.window.case_actions["file"].isEnabled(), 3, "file enabled")
            await a.press(Qt.Key.Key_F)
            picker = await dialog_of(SubcategoryPickerDialog)
            await type_and_enter(picker, "0702")
            await until(lambda: b.state(case_id) == "filed", 5, "B sees filed")
            assert b.doc(case_id)["subcategory_code"] == "0702"

            await a.open_queue("to_dispatch")
            await until(lambda: a.model.row_of(case_id) >= 0, 5, "in to_dispatch")
            a.select(case_id)
            await until(lambda: a.window.case_actions["dispatch"].isEnabled(), 3)
            await a.press(Qt.Key.Key_D)
            units = await dialog_of(UnitPickerDialog)
            await type_and_enter(units, SANITATION)
            await until(lambda: b.state(case_id) == "dispatched", 5, "B sees dispatched")
            assert b.doc(case_id)["assigned_unit"] == SANITATION

            # 3. The handling unit signs, works and feeds back (their app, through the server).
            for step, args in (("case.accept", {}), ("case.handle", {"feedback": "已清理"})):
                result = api.do("handler", new_id("ws"), step, case_id=case_id, **args)
                assert result["status"] == "applied", result
            await until(lambda: a.state(case_id) == "handled", 5, "A sees handled")

            # 4. Check (P) and close (C, confirmed) from the "awaiting check" queue.
            await a.open_queue("awaiting_check")
            await until(lambda: a.model.row_of(case_id) >= 0, 5, "awaiting check")
            a.select(case_id)
            await until(lambda: a.window.case_actions["check_pass"].isEnabled(), 3)
            await a.press(Qt.Key.Key_P)
            await until(lambda: b.state(case_id) == "checked", 5, "B sees checked")
            a.select(case_id)
            await until(lambda: a.window.case_actions["close"].isEnabled(), 3)
            await a.press(Qt.Key.Key_C)
            confirm = await dialog_of(QMessageBox)
            assert "1" in confirm.text()
            confirm.button(QMessageBox.StandardButton.Yes).click()
            await until(lambda: b.state(case_id) == "closed", 5, "B sees closed")

            # 5. The timeline names every step with its actor and time.
            await a.open_queue("all")
            await until(lambda: a.model.row_of(case_id) >= 0, 5, "in all")
            a.select(case_id)
            await until(lambda: a.presenter.current_case == case_id)
            await until(lambda: "handler" in a.detail_text() and "已结案" in a.detail_text(), 5)
            text = a.detail_text()
            events = a.session.store.case_events(case_id)
            kinds = [e["kind"] for e in events]
            assert kinds == [
                "reported", "verified", "filed", "dispatched", "accepted", "handled",
                "check_passed", "closed",
            ]  # fmt: skip
            for event in events:  # every step on screen: what, who, when (city time)
                assert event_label(event["kind"]) in text, event["kind"]
                assert event["actor_id"] in text
                assert local_time(event["at"]) in text, event
            a.shot("workstation-closed-loop")
            b.shot("workstation-second-client")

    run(qapp, scenario())


GONGSHU = {"source": "patrol", "district_code": "330105", "street_code": "330105001"}


def test_dispatches_made_offline_go_up_once_and_a_conflict_names_who_ended_the_case(
    qapp: QApplication, server: RestartableServer, api: Api, tmp_path: Path
) -> None:
    from cityops.desktop.pickers import UnitPickerDialog

    ids = [new_id() for _ in range(3)]
    for n, case_id in enumerate(ids):
        description = f"拱墅区人行道暴露垃圾 {n + 1}"
        api.do(
            "collector",
            new_id("ws"),
            "case.report",
            case_id=case_id,
            description=description,
            **GONGSHU,
        )
        filed = api.do(
            "dispatcher", new_id("ws"), "case.file", case_id=case_id, subcategory_code="0702"
        )
        assert filed["status"] == "applied", filed
    link = CuttableLink(server.port)

    async def scenario() -> None:
        async with desk(link.url, "dispatcher", tmp_path / "a") as a:
            await a.open_queue("to_dispatch")
            for case_id in ids:
                await until(lambda c=case_id: a.model.row_of(c) >= 0, 10, "queued")
            server.stop()
            await until(lambda: a.session.engine.status.state is ConnectionState.OFFLINE, 15)
            assert a.window.banner.isVisible()

            a.select(*ids)
            await until(lambda: a.window.case_actions["dispatch"].isEnabled(), 3)
            await a.press(Qt.Key.Key_D)
            units = await dialog_of(UnitPickerDialog)
            await type_and_enter(units, "DEP-330105-sanitation")
            await until(lambda: a.session.store.outbox_length() == 3, 5, "three queued")
            # Shown at once, while nothing has reached the server.
            await until(lambda: all(a.state(c) == "dispatched" for c in ids), 5)
            await until(lambda: "3" in a.window.banner.label.text(), 5, "the banner counts 3")
            a.shot("workstation-offline")

            # The server comes back, but this workstation's cable is still out: another
            # dispatcher marks the third case a duplicate first.
            link.cut()
            server.start()
            other = api.do(
                "district_dispatcher",
                new_id("ws"),
                "case.mark_duplicate",
                case_id=ids[2],
                duplicate_of=ids[0],
            )
            assert other["status"] == "applied", other
            link.restore()
            a.session.engine.poke()
            await until(lambda: a.session.store.outbox_length() == 0, 40, "the outbox drained")
            await until(lambda: a.state(ids[2]) == "duplicate", 10, "the server's state back")
            await until(lambda: a.window.rejections.count() >= 1, 10, "the rejection listed")
            listed = a.window.rejections.item(0).text()
            assert ids[2] in listed
            assert "district_dispatcher" in listed, listed  # who ended the case
            a.shot("workstation-offline-replayed")

    try:
        run(qapp, scenario())
    finally:
        link.close()
    changes = api.all_changes("dispatcher")
    for case_id in ids[:2]:
        dispatched = [
            c
            for c in changes
            if c["entity"] == "case_event"
            and c["entity_id"].startswith(f"{case_id}:")
            and (c.get("payload") or {}).get("kind") == "dispatched"
        ]
        assert len(dispatched) == 1, f"{case_id} dispatched {len(dispatched)} times"
    assert not any(
        c["entity"] == "case_event"
        and c["entity_id"].startswith(f"{ids[2]}:")
        and (c.get("payload") or {}).get("kind") == "dispatched"
        for c in changes
    )


def populate(api: Api, count: int) -> list[str]:
    """``count`` cases across districts and subcategories, spread over the loop's first steps
    (emergencies among the dispatched ones, so SLA countdowns run)."""
    from cityops.domain.reference import load_reference

    ref = load_reference()
    districts = [d.code for d in ref.units.districts]
    ordinary = [s.code for s in ref.taxonomy.subcategories.values() if not s.emergency][:40]
    emergency = [s.code for s in ref.taxonomy.subcategories.values() if s.emergency][:5]
    texts = ["人行道井盖缺失", "暴露垃圾堆积", "占道经营", "路灯不亮", "违规广告牌", "道路积水"]
    reporter, dispatcher = new_id("ws"), new_id("ws")
    ids: list[str] = []
    reports, steps = [], []
    for n in range(count):
        case_id = new_id()
        ids.append(case_id)
        district = districts[n % len(districts)]
        reports.append(api.mutation(reporter, "case.report", {
            "case_id": case_id, "source": "patrol", "district_code": district,
            "description": f"{texts[n % len(texts)]}（第 {n + 1} 号）",
        }))  # fmt: skip
        stage = n % 4
        if stage >= 1:
            steps.append(api.mutation(dispatcher, "case.verify", {"case_id": case_id}))
        if stage >= 2:
            sub = emergency[n % len(emergency)] if stage == 3 else ordinary[n % len(ordinary)]
            steps.append(
                api.mutation(dispatcher, "case.file", {"case_id": case_id, "subcategory_code": sub})
            )
        if stage == 3:
            steps.append(
                api.mutation(
                    dispatcher, "case.dispatch", {"case_id": case_id, "unit_code": district}
                )
            )
    for user, batch in (("collector", reports), ("dispatcher", steps)):
        for i in range(0, len(batch), 200):
            r = api.push(user, *batch[i : i + 200])
            assert r.status_code == 200, r.text
            assert all(x["status"] == "applied" for x in r.json()["results"]), r.text
    return ids


def test_a_populated_queue_on_screen(
    qapp: QApplication, server: RestartableServer, api: Api, tmp_path: Path
) -> None:
    ids = populate(api, 160)

    async def scenario() -> None:
        async with desk(server.url, "dispatcher", tmp_path / "a") as a:
            await a.open_queue("all")
            await until(lambda: all(a.model.row_of(c) >= 0 for c in ids[-5:]), 15, "all in")
            assert a.model.total() >= len(ids)
            # The in-progress queue holds the dispatched emergencies, countdowns running.
            await a.open_queue("in_progress")
            await until(lambda: a.model.total() >= len(ids) // 4, 10, "dispatched ones")
            sla = a.model.index(0, 2).data()
            assert sla, "no countdown"
            assert "剩余" in sla or "超时" in sla, sla
            a.select(a.model.case_id_at(0) or "")
            await until(lambda: a.presenter.current_case is not None)
            tabs = a.window.tabs
            await until(lambda: tabs.tabText(tabs.currentIndex()).endswith(f"({a.model.total()})"))
            await asyncio.sleep(0.3)
            a.shot("workstation-populated")

    run(qapp, scenario())


def test_a_reward_report_is_verified_and_rewarded_from_the_keyboard(
    qapp: QApplication, server: RestartableServer, api: Api, open311_key: str, tmp_path: Path
) -> None:
    from cityops.desktop.pickers import RewardDialog

    r = api.http.post(
        "/open311/v2/requests.json",
        data={"api_key": open311_key, "service_code": "0702", "reward": "true",
              "description": "有奖举报：湖滨路垃圾堆积", **HUBIN},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    case_id = str(r.json()[0]["service_request_id"])

    async def scenario() -> None:
        async with desk(server.url, "dispatcher", tmp_path / "a") as a:
            await until(lambda: a.model.row_of(case_id) >= 0, 10, "the report queued")
            a.select(case_id)
            await until(lambda: a.presenter.current_case == case_id)
            # Not before it is verified: the report must prove true first.
            assert not a.window.case_actions["reward"].isEnabled()
            await until(lambda: a.window.case_actions["verify"].isEnabled(), 3)
            await a.press(Qt.Key.Key_V)
            await until(
                lambda: a.state(case_id) == "verified" and not a.session.store.outbox_length()
            )
            await a.open_queue("public")
            await until(lambda: a.model.row_of(case_id) >= 0, 5, "in public reports")
            a.select(case_id)
            await until(lambda: a.window.case_actions["reward"].isEnabled(), 3, "reward enabled")
            await a.press(Qt.Key.Key_W)
            dialog = await dialog_of(RewardDialog)
            amount = dialog.findChild(QWidget, "amount")
            amount.selectAll()
            QTest.keyClicks(amount, "30")
            QTest.keyClick(amount, Qt.Key.Key_Return)
            await until(lambda: a.doc(case_id).get("reward_status") == "approved", 5)
            await until(lambda: a.session.store.outbox_length() == 0, 5, "pushed")
            await until(lambda: "30 元" in a.detail_text(), 5, "the amount in the detail")
            a.shot("workstation-reward")

    run(qapp, scenario())
    shown = api.http.get(f"/open311/v2/requests/{case_id}.json").json()[0]
    assert shown["reward_status"] == "approved"
    payload = next(
        c["payload"] for c in reversed(api.all_changes("dispatcher"))
        if c["entity"] == "case" and c["entity_id"] == case_id
    )  # fmt: skip
    assert payload["reward_amount"] == 30
