"""The schedule form: astronomical periods give the right on/off times at Hangzhou on a summer
and a winter night (checked against astral itself), the seasonal calendar picks the season's
periods, a wrong time is named, and the preview is what the form shows.

Against the real server (device-control window of a logged-in user): the seeded city default
comes down through the sync and is shown; an operator saves a group's schedule and it is on
the server (row, change, audit) and shown with its new version; a dispatcher's save is refused
inline before anything is queued, and a save the server refuses (edited from a stale version)
is shown inline with the server's reason."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtWidgets")

from astral import LocationInfo  # noqa: E402
from astral.sun import sun  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from sqlalchemy import select  # noqa: E402

from cityops.desktop.device_confirm import CommandConfirmDialog  # noqa: E402
from cityops.desktop.schedule_form import ScheduleForm  # noqa: E402
from cityops.domain import group_schedules as gs  # noqa: E402
from cityops.domain.city import CITY_TZ  # noqa: E402
from cityops.domain.reference import load_reference  # noqa: E402
from cityops.domain.schemas import Entity  # noqa: E402
from cityops.server import admin  # noqa: E402
from cityops.server.db import make_engine  # noqa: E402
from cityops.server.models import AuditEntry, LightingScheduleRow  # noqa: E402
from tests.qt.device_hall import Console, control  # noqa: E402
from tests.qt.qt_loop import run  # noqa: E402
from tests.server.conftest import Api  # noqa: E402
from tests.sync.conftest import RestartableServer  # noqa: E402
from tests.sync.test_engine import until  # noqa: E402

# Hangzhou, independent of the domain's constants (a wrong latitude there must fail here).
HANGZHOU = LocationInfo("Hangzhou", "China", "Asia/Shanghai", 30.2741, 120.1551)
SUMMER, WINTER = date(2026, 6, 21), date(2026, 12, 21)


def astral_hm(day: date, event: str, minutes: int) -> str:
    at = sun(HANGZHOU.observer, day, tzinfo=CITY_TZ)[event] + timedelta(minutes=minutes)
    return f"{at:%H:%M}"


def test_astronomical_periods_match_astral_on_a_summer_and_a_winter_night(
    qapp: QApplication,
) -> None:
    form = ScheduleForm()
    form.set_schedule(
        {
            "periods": [{"on": "sunset+15", "off": "sunrise-10", "level": 100}],
            "seasons": [],
        }
    )
    for day in (SUMMER, WINTER):
        form.set_preview_day(day)
        lines = form.preview_lines()
        # The off time is the next morning's own sunrise, not this day's.
        on, off = astral_hm(day, "sunset", 15), astral_hm(day + timedelta(days=1), "sunrise", -10)
        assert lines == [f"{on} → {off}（次日）  100 %"], (day, lines)
        assert f"{on} → {off}" in form.preview_label.text()
    # Summer nights are short, winter nights long, as at 30° N.
    assert astral_hm(SUMMER, "sunset", 0) > "18:50" > astral_hm(WINTER, "sunset", 0)


def test_a_seasonal_calendar_uses_the_season_and_names_a_wrong_time(qapp: QApplication) -> None:
    form = ScheduleForm()
    form.set_schedule(
        {
            "periods": [{"on": "dusk", "off": "dawn", "level": 80}],
            "seasons": [
                {
                    "name": "夏季",
                    "from": "05-01",
                    "to": "09-30",
                    "periods": [
                        {"on": "sunset+15", "off": "sunrise-10", "level": 100},
                        {"on": "23:00", "off": "05:00", "level": 50},
                    ],
                }
            ],
        }
    )
    form.set_preview_day(SUMMER)
    summer = form.preview_lines()
    assert len(summer) == 2
    assert summer[1].startswith("23:00 → ")
    # The 23:00 dimming step ends with the brighter period's morning (before 05:00 in June).
    assert summer[1].split(" → ")[1][:5] == astral_hm(SUMMER + timedelta(days=1), "sunrise", -10)
    form.set_preview_day(WINTER)
    assert form.preview_lines() == [
        f"{astral_hm(WINTER, 'dusk', 0)} → {astral_hm(WINTER + timedelta(days=1), 'dawn', 0)}"
        "（次日）  80 %"
    ]
    form.season_combo.setCurrentIndex(1)
    form.periods.item(0, 0).setText("sunset+999")
    assert "计划有误" in form.preview_label.text()
    assert "sunset+999" in form.preview_label.text()
    assert not form.save_button.isEnabled()
    form.periods.item(0, 0).setText("sunset+20")
    assert form.save_button.isEnabled()
    assert form.dirty()
    assert form.schedule_dict()["seasons"][0]["periods"][0]["on"] == "sunset+20"
    form.resize(640, 520)
    form.show()
    Path("screenshots/tests").mkdir(parents=True, exist_ok=True)
    assert form.grab().save("screenshots/tests/device-schedule-form.png")


# ---------------------------------------------------------------------- against the server

WESTLAKE = "LG-330106-westlake"
SHOTS = Path("screenshots/tests")
CANAL = "LG-330105-canal"  # a scenic group no other test here gives a schedule of its own
NOON = datetime.combine(date(2026, 12, 1), time(12), tzinfo=CITY_TZ)
#: A winter evening: the city default wants every circuit on at 100 %.
EVENING = datetime.combine(date(2026, 12, 1), time(20), tzinfo=CITY_TZ)


def shot(console: Console, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert console.window.grab().save(str(SHOTS / f"{name}.png"))


def server_schedule(db_url: str, group: str) -> dict[str, object] | None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            doc = conn.execute(
                select(LightingScheduleRow.doc).where(LightingScheduleRow.group_code == group)
            ).scalar_one_or_none()
            return None if doc is None else dict(doc)
    finally:
        engine.dispose()


def audit_of(db_url: str, actor: str) -> list[str]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(AuditEntry.decision).where(
                    AuditEntry.actor == actor, AuditEntry.action == "schedule.set"
                )
            ).all()
            return [r.decision for r in rows]
    finally:
        engine.dispose()


async def default_shown(c: Console) -> None:
    form = c.window.schedule
    await until(lambda: gs.CITY_DEFAULT in c.presenter.schedules.docs, 30, "the city default")
    assert form.schedule_dict() == gs.DEFAULT_CITY_SCHEDULE
    assert "system:seed" in form.status_label.text()


def test_an_operator_saves_a_group_schedule_and_it_reaches_the_server(
    qapp: QApplication, server: RestartableServer, db_url: str, tmp_path: Path
) -> None:
    async def scenario() -> None:
        # At noon every schedule here wants the lights off: saving switches nothing now, so
        # no confirmation is asked.
        async with control(server.url, "operator", tmp_path, clock=lambda: NOON) as c:
            form = c.window.schedule
            c.window.panels.setCurrentWidget(form)
            await default_shown(c)
            form.select_group(WESTLAKE)
            assert "沿用全市默认" in form.status_label.text()
            form.periods.item(1, 0).setText("22:30")
            form.periods.item(1, 2).setText("30")
            form.set_preview_day(date(2026, 12, 1))
            assert "22:30 → 05:00（次日）  30 %" in form.preview_label.text()
            form.save_button.click()
            await until(lambda: server_schedule(db_url, WESTLAKE) is not None, 20, "on server")
            assert c.presenter.schedules.confirm_dialog is None
            await until(
                lambda: (
                    "版本 1" in form.status_label.text() and "operator" in form.status_label.text()
                ),
                20,
                "the saved version shown",
            )
            assert "已提交" in form.result_label.text()
            saved = server_schedule(db_url, WESTLAKE)
            assert saved is not None
            periods = saved["schedule"]["periods"]  # type: ignore[index]
            assert periods[1] == {"on": "22:30", "off": "05:00", "level": 30}
            assert saved["set_by"] == "operator"
            shot(c, "device-schedule-saved")

            # Another workstation saves meanwhile; this form's unsaved edit, made from
            # version 1, is refused with who changed it, and the server keeps version 2.
            form.periods.item(0, 2).setText("90")
            other = Api(server.url)
            other_night = {**gs.DEFAULT_CITY_SCHEDULE, "seasons": []}
            pushed = other.push(
                "operator",
                other.mutation(
                    "ws-other",
                    "schedule.set",
                    {"group": WESTLAKE, "schedule": other_night},
                    base_version=1,
                ),
            )
            assert pushed.json()["results"][0]["status"] == "applied"
            other.http.close()
            await until(
                lambda: "新版本" in form.result_label.text(), 20, "the newer version noticed"
            )
            form.save_button.click()
            await until(lambda: "已被 operator" in form.result_label.text(), 20, "stale")
            assert "版本 2" in form.result_label.text()
        stored = server_schedule(db_url, WESTLAKE)
        assert stored is not None
        assert stored["version"] == 2
        assert stored["schedule"] == {**gs.DEFAULT_CITY_SCHEDULE, "seasons": []}
        decisions = audit_of(db_url, "operator")
        assert decisions.count("applied") == 2

    run(qapp, scenario())


def test_a_dispatcher_is_refused_inline_and_nothing_is_queued(
    qapp: QApplication, server: RestartableServer, db_url: str, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with control(server.url, "dispatcher", tmp_path) as c:
            form = c.window.schedule
            c.window.panels.setCurrentWidget(form)
            await default_shown(c)
            form.periods.item(0, 2).setText("80")
            form.save_button.click()
            await until(lambda: "设备操作员" in form.result_label.text(), 10, "the refusal")
            assert await asyncio.to_thread(c.session.store.outbox_length) == 0
            shot(c, "device-schedule-refused")
        stored = server_schedule(db_url, gs.CITY_DEFAULT)
        assert stored is not None
        assert stored["schedule"] == gs.DEFAULT_CITY_SCHEDULE

    run(qapp, scenario())


async def confirmation(c: Console) -> CommandConfirmDialog:
    await until(
        lambda: c.presenter.schedules.confirm_dialog is not None, 20, "the confirmation dialog"
    )
    dialog = c.presenter.schedules.confirm_dialog
    assert dialog is not None
    return dialog


def report_online(url: str, db_url: str, device_ids: list[str]) -> None:
    """The gateway says these devices are online (the rest stay as seeded: offline)."""
    engine = make_engine(db_url)
    key = admin.new_api_key(engine, "schedule-test-gateway")
    engine.dispose()
    at = datetime.now(UTC).isoformat()
    api = Api(url)
    r = api.http.post(
        "/api/v1/gateway/status",
        json={"reports": [{"device_id": d, "at": at, "online": True} for d in device_ids]},
        headers={"X-Api-Key": key},
    )
    api.http.close()
    assert r.status_code == 200, r.text


def test_a_save_that_switches_lights_now_is_confirmed_first_and_cancel_keeps_it_unsaved(
    qapp: QApplication, server: RestartableServer, db_url: str, tmp_path: Path
) -> None:
    """The scheduler acts at once on a saved schedule: a save that changes what the lights
    should do *now* shows how many circuits change and how many are offline before anything is
    queued; switching off or dimming half the city needs the count typed."""
    ref = load_reference().devices
    canal = sorted(ref.lighting_groups[CANAL].circuits)
    online = canal[:3]
    report_online(server.url, db_url, online)

    async def scenario() -> None:
        async with control(server.url, "operator", tmp_path, clock=lambda: EVENING) as c:
            form = c.window.schedule
            c.window.panels.setCurrentWidget(form)
            await default_shown(c)
            store = c.session.store

            def online_known() -> bool:
                docs = [store.get(Entity.DEVICE, d) for d in online]
                return all(doc is not None and doc.get("online") for doc in docs)

            await until(online_known, 20, "the gateway's online reports synced down")

            # The Canal's own schedule lights up at 21:00: at 20:00 its circuits, lit by the
            # city default, would go dark at once.
            form.select_group(CANAL)
            form.periods.item(0, 0).setText("21:00")
            form.save_button.click()
            dialog = await confirmation(c)
            assert not dialog.typed  # one scenic group (the Canal) is not half the city
            assert (
                f"将下发到 {len(canal)} 台设备，其中 {len(canal) - len(online)} 台当前离线"
                in dialog.count_label.text()
            )
            title = dialog.findChildren(type(form.result_label))[0].text()
            assert f"关灯 {len(canal)} 个回路" in title
            dialog.grab().save(str(SHOTS / "device-schedule-confirm.png"))
            dialog.cancel_button.click()
            await until(lambda: "未保存" in form.result_label.text(), 10, "the cancel shown")
            assert await asyncio.to_thread(store.outbox_length) == 0
            assert server_schedule(db_url, CANAL) is None
            assert form.dirty(), "the edit stays in the form"
            assert form.periods.item(0, 0).text() == "21:00"

            # Saved after all: confirmed, queued, on the server.
            form.save_button.click()
            dialog = await confirmation(c)
            dialog.ok_button.click()
            await until(lambda: server_schedule(db_url, CANAL) is not None, 20, "on server")
            saved = server_schedule(db_url, CANAL)
            assert saved is not None
            assert saved["schedule"]["periods"][0]["on"] == "21:00"  # type: ignore[index]

            # Dimming the city default to 40 % at 20:00 darkens every other circuit: typed.
            form.select_group(gs.CITY_DEFAULT)
            await until(lambda: form.periods.item(0, 2) is not None, 5, "default shown")
            form.periods.item(0, 2).setText("40")
            form.save_button.click()
            dialog = await confirmation(c)
            # Groups with a schedule of their own (the Canal, West Lake from the test before)
            # keep their circuits; the default governs the rest, all offline here.
            own = set().union(
                *(
                    set(g.circuits)
                    for code, g in ref.lighting_groups.items()
                    if (server_schedule(db_url, code) or {}).get("schedule") is not None
                )
            )
            assert set(canal) <= own
            others = len(ref.circuits) - len(own)
            assert dialog.typed
            assert dialog.entry is not None
            assert f"将下发到 {others:,} 台设备，其中 {others:,} 台当前离线" in (
                dialog.count_label.text()
            )
            assert not dialog.ok_button.isEnabled()
            dialog.entry.setText("12")
            assert not dialog.ok_button.isEnabled()
            dialog.entry.setText(str(others))
            assert dialog.ok_button.isEnabled()
            dialog.resize(520, dialog.sizeHint().height())
            dialog.grab().save(str(SHOTS / "device-schedule-confirm-typed.png"))
            dialog.cancel_button.click()
            await until(lambda: "未保存" in form.result_label.text(), 10, "the cancel shown")
            assert await asyncio.to_thread(store.outbox_length) == 0
            assert form.dirty()
        stored = server_schedule(db_url, gs.CITY_DEFAULT)
        assert stored is not None
        assert stored["schedule"] == gs.DEFAULT_CITY_SCHEDULE

    run(qapp, scenario())
