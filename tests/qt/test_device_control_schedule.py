"""The schedule form: astronomical periods give the right on/off times at Hangzhou on a summer
and a winter night (checked against astral itself), the seasonal calendar picks the season's
periods, a wrong time is named, and the preview is what the form shows."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtWidgets")

from astral import LocationInfo  # noqa: E402
from astral.sun import sun  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from cityops.desktop.schedule_form import (  # noqa: E402
    DEFAULT_SCHEDULE,
    ScheduleForm,
    load_schedules,
    save_schedules,
)
from cityops.domain.city import CITY_TZ  # noqa: E402

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


def test_a_seasonal_calendar_uses_the_season_and_names_a_wrong_time(
    qapp: QApplication, tmp_path: Path
) -> None:
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
    path = tmp_path / "schedules.json"
    assert load_schedules(path) == {"*": DEFAULT_SCHEDULE}
    save_schedules(path, {"*": form.schedule_dict()})
    assert load_schedules(path)["*"]["seasons"][0]["periods"][0]["on"] == "sunset+20"
    form.resize(640, 520)
    form.show()
    Path("screenshots/tests").mkdir(parents=True, exist_ok=True)
    assert form.grab().save("screenshots/tests/device-schedule-form.png")
