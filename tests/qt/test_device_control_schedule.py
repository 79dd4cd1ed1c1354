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
from datetime import date, timedelta
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtWidgets")

from astral import LocationInfo  # noqa: E402
from astral.sun import sun  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from sqlalchemy import select  # noqa: E402

from cityops.desktop.schedule_form import ScheduleForm  # noqa: E402
from cityops.domain import group_schedules as gs  # noqa: E402
from cityops.domain.city import CITY_TZ  # noqa: E402
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
        async with control(server.url, "operator", tmp_path) as c:
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
