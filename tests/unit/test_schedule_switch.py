"""``group_schedules.switched_now``: what saving a schedule would switch at once (the schedule
form confirms it before saving)."""

from __future__ import annotations

from datetime import datetime

from cityops.domain import group_schedules as gs
from cityops.domain.city import CITY_TZ
from cityops.domain.lighting_schedule import DesiredLighting, schedule_from_dict

GROUPS = {"LG-big": ("c1", "c2", "c3", "c4"), "LG-small": ("c1", "c2")}
NIGHT = schedule_from_dict({"periods": [{"on": "18:00", "off": "06:00", "level": 100}]})
LATE = schedule_from_dict({"periods": [{"on": "21:00", "off": "06:00", "level": 100}]})
DIM = schedule_from_dict({"periods": [{"on": "18:00", "off": "06:00", "level": 40}]})
EVENING = datetime(2026, 12, 1, 20, 0, tzinfo=CITY_TZ)
NOON = datetime(2026, 12, 1, 12, 0, tzinfo=CITY_TZ)


def test_a_group_schedule_that_switches_off_now_names_only_its_circuits() -> None:
    before = {gs.CITY_DEFAULT: NIGHT}
    after = {gs.CITY_DEFAULT: NIGHT, "LG-small": LATE}
    switch = gs.switched_now(GROUPS, before, after, EVENING)
    assert dict(switch.changes) == {
        "c1": (DesiredLighting(True, 100), DesiredLighting(False, 0)),
        "c2": (DesiredLighting(True, 100), DesiredLighting(False, 0)),
    }
    assert switch.switched_off == ("c1", "c2")
    assert (switch.darkened, switch.brightened) == (2, 0)
    # At noon both want the lights off: nothing changes, nothing to confirm.
    assert len(gs.switched_now(GROUPS, before, after, NOON)) == 0


def test_dimming_the_default_darkens_every_circuit_and_undoing_it_brightens() -> None:
    dimmed = gs.switched_now(GROUPS, {"*": NIGHT}, {"*": DIM}, EVENING)
    assert dimmed.dimmed == ("c1", "c2", "c3", "c4")
    assert dimmed.darkened == 4
    back = gs.switched_now(GROUPS, {"*": DIM}, {"*": NIGHT}, EVENING)
    assert (back.darkened, back.brightened) == (0, 4)


def test_a_first_schedule_counts_ungoverned_circuits_it_switches_off_as_darkened() -> None:
    first = gs.switched_now(GROUPS, {}, {"LG-small": LATE}, EVENING)
    assert first.switched_off == ("c1", "c2")  # their state is unknown: maybe lit
    lit = gs.switched_now(GROUPS, {}, {"LG-small": NIGHT}, EVENING)
    assert (lit.darkened, lit.brightened) == (0, 2)
