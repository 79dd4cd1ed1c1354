"""Stored lighting schedules: which schedule each lighting group follows, and who may set one.

Offers to the server (the ``schedule.set`` mutation, the scheduler, ``cityops seed``) and the
device-control window (its schedule form checks here before it writes the intent):

- ``CITY_DEFAULT`` (``"*"``): the code of the city's default schedule, followed by every
  lighting group without a schedule of its own; ``DEFAULT_CITY_SCHEDULE``, the one
  ``cityops seed`` stores;
- ``StoredSchedule``: one group's schedule as the server keeps it (``schedule`` None: the group
  follows the city default again), with its version and who set it when;
- ``set_schedule(...)`` → the new ``StoredSchedule`` or a ``Rejection`` with a Chinese reason;
- ``assign(groups, schedules)`` → per lighting group the circuits it switches and the schedule
  they follow (``GroupPlan``), for the scheduler;
- ``switched_now(groups, before, after, at)`` → ``SwitchNow``: the circuits whose wanted state
  changes at ``at`` when the stored schedules go from ``before`` to ``after`` — what the
  scheduler would switch at once after a save, which the schedule form confirms first.

Rules: only an operator sets a schedule (DESIGN §1: operators command lights; a schedule
commands them every night, so dispatchers, who may switch lights in an incident, may not);
the group must be a lighting group of the reference data or ``CITY_DEFAULT``; the schedule
must parse (``lighting_schedule.schedule_from_dict``) with no unknown keys (a typo such as
``"levle"`` must not silently mean 100 %) and at most ``MAX_PERIODS`` periods per block and
``MAX_SEASONS`` seasons; the city default cannot be removed; a stale ``base_version`` is
refused, naming who changed the schedule since and when (DESIGN §3: never overwrite silently).

Groups overlap (a scenic group such as the West Lake's lies inside its district's landscape
group): a circuit follows the smallest group containing it that has a schedule of its own, else
the city default through the largest group containing it, so every circuit is switched by
exactly one group and never by two schedules that disagree.

Pure functions and frozen values: no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cityops.domain.actors import Actor, Role
from cityops.domain.city import CITY_TZ, require_aware
from cityops.domain.lighting_schedule import (
    DesiredLighting,
    Schedule,
    desired_state,
    schedule_from_dict,
    schedule_to_dict,
)
from cityops.domain.outcomes import Rejection

CITY_DEFAULT = "*"

#: Roles that may set a schedule.
SET_ROLES = frozenset({Role.OPERATOR})
#: Most periods in the all-year list or in one season; most seasons.
MAX_PERIODS = 12
MAX_SEASONS = 12
#: Longest season name.
MAX_NAME = 32

#: What ``cityops seed`` stores as the city's default: full night from 15 min after sunset to
#: 10 min before sunrise, dimmed to 50 % from 23:00 to 05:00; in summer (short nights, late
#: crowds on the streets) the dimming starts at 23:30.
DEFAULT_CITY_SCHEDULE: dict[str, Any] = {
    "periods": [
        {"on": "sunset+15", "off": "sunrise-10", "level": 100},
        {"on": "23:00", "off": "05:00", "level": 50},
    ],
    "seasons": [
        {
            "name": "夏季",
            "from": "05-01",
            "to": "09-30",
            "periods": [
                {"on": "sunset+15", "off": "sunrise-10", "level": 100},
                {"on": "23:30", "off": "05:00", "level": 50},
            ],
        }
    ],
}


@dataclass(frozen=True, slots=True)
class StoredSchedule:
    """One group's schedule as stored. ``schedule`` None: the group has none of its own."""

    group: str
    schedule: Schedule | None
    version: int
    set_by: str
    set_at: datetime

    def __post_init__(self) -> None:
        require_aware(self.set_at, "set_at")
        if self.version < 1:
            raise ValueError(f"schedule version must be ≥ 1, got {self.version}")


def _reject(code: str, zh: str, en: str, **details: Any) -> Rejection:
    return Rejection(code=code, message=zh, message_en=en, details=details)


_PERIOD_KEYS = frozenset({"on", "off", "level"})
_SEASON_KEYS = frozenset({"name", "from", "to", "periods"})
_SCHEDULE_KEYS = frozenset({"periods", "seasons"})


def _shape_problem(data: Any) -> str | None:
    """What is wrong with the shape of a schedule document (before its values are parsed),
    in Chinese, or None."""
    if not isinstance(data, Mapping):
        return "计划必须是一个对象"
    if extra := sorted(set(data) - _SCHEDULE_KEYS):
        return f"未知字段 {', '.join(map(str, extra))}"

    def periods_problem(items: Any, where: str) -> str | None:
        if not isinstance(items, list):
            return f"{where}的时段必须是列表"
        if len(items) > MAX_PERIODS:
            return f"{where}最多 {MAX_PERIODS} 个时段（当前 {len(items)} 个）"
        for n, p in enumerate(items, 1):
            if not isinstance(p, Mapping) or not {"on", "off"} <= set(p):
                return f"{where}第 {n} 个时段须有开灯和关灯时间"
            if extra := sorted(set(p) - _PERIOD_KEYS):
                return f"{where}第 {n} 个时段有未知字段 {', '.join(map(str, extra))}"
            if not all(isinstance(p[k], str) for k in ("on", "off")):
                return f"{where}第 {n} 个时段的时间须为文字（如 18:30、sunset+15）"
            level = p.get("level", 100)
            if isinstance(level, bool) or not isinstance(level, int):
                return f"{where}第 {n} 个时段的亮度须为 1 到 100 的整数"
        return None

    if (bad := periods_problem(data.get("periods", []), "全年")) is not None:
        return bad
    seasons = data.get("seasons", [])
    if not isinstance(seasons, list):
        return "季节必须是列表"
    if len(seasons) > MAX_SEASONS:
        return f"最多 {MAX_SEASONS} 个季节（当前 {len(seasons)} 个）"
    for n, s in enumerate(seasons, 1):
        if not isinstance(s, Mapping) or not {"name", "from", "to"} <= set(s):
            return f"第 {n} 个季节须有名称、起止日期"
        if extra := sorted(set(s) - _SEASON_KEYS):
            return f"第 {n} 个季节有未知字段 {', '.join(map(str, extra))}"
        if not all(isinstance(s[k], str) for k in ("name", "from", "to")):
            return f"第 {n} 个季节的名称和起止日期须为文字"
        if not s["name"].strip() or len(s["name"]) > MAX_NAME:
            return f"第 {n} 个季节的名称须为 1 到 {MAX_NAME} 个字"
        if (bad := periods_problem(s.get("periods", []), f"季节“{s['name']}”")) is not None:
            return bad
    return None


def parse_schedule(data: Any) -> Schedule | Rejection:
    """A schedule document (``schedule_from_dict`` form) checked strictly, or why not."""
    problem = _shape_problem(data)
    if problem is None:
        try:
            return schedule_from_dict(data)
        except (ValueError, KeyError, TypeError) as exc:
            problem = str(exc)
    return _reject(
        "invalid_schedule",
        f"照明计划有误：{problem}",
        f"the lighting schedule is invalid: {problem}",
        problem=problem,
    )


def _when(at: datetime) -> str:
    return at.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M")


def set_schedule(
    group: str,
    data: Mapping[str, Any] | None,
    *,
    actor: Actor,
    now: datetime,
    groups: Collection[str],
    current: StoredSchedule | None,
    base_version: int | None = None,
) -> StoredSchedule | Rejection:
    """``actor`` sets ``group``'s schedule to ``data`` (None: the group follows the city
    default again). ``groups``: the lighting group codes of the reference data; ``current``:
    what is stored now; ``base_version``: the version the user edited (None: not checked)."""
    require_aware(now, "now")
    if not actor.has(*SET_ROLES):
        return _reject(
            "forbidden",
            "您的角色无权修改照明计划（需要：设备操作员）",
            "setting a lighting schedule needs the role: operator",
            required_roles=[str(r) for r in sorted(SET_ROLES)],
        )
    if group != CITY_DEFAULT and group not in groups:
        return _reject(
            "unknown_group",
            f"照明分组 {group} 不存在",
            f"lighting group {group!r} does not exist",
            group=group,
        )
    if base_version is not None and current is not None and base_version != current.version:
        return _reject(
            "stale_schedule",
            f"照明计划已被 {current.set_by} 于 {_when(current.set_at)} 修改"
            f"（版本 {current.version}），请查看最新计划后重新保存",
            f"the schedule was changed by {current.set_by} at {current.set_at.isoformat()} "
            f"(version {current.version}); you edited version {base_version}",
            current_version=current.version,
            set_by=current.set_by,
            set_at=current.set_at.isoformat(),
        )
    schedule: Schedule | None = None
    if data is None:
        if group == CITY_DEFAULT:
            return _reject(
                "default_required",
                "全市默认计划不能删除，只能修改",
                "the city's default schedule cannot be removed, only changed",
            )
    else:
        parsed = parse_schedule(data)
        if isinstance(parsed, Rejection):
            return parsed
        schedule = parsed
    return StoredSchedule(
        group=group,
        schedule=schedule,
        version=1 if current is None else current.version + 1,
        set_by=actor.user_id,
        set_at=now,
    )


def schedule_document(stored: StoredSchedule) -> dict[str, Any]:
    """The stored schedule as its wire document (``schemas.LightingScheduleDoc``)."""
    return {
        "id": stored.group,
        "group": stored.group,
        "schedule": None if stored.schedule is None else schedule_to_dict(stored.schedule),
        "version": stored.version,
        "set_by": stored.set_by,
        "set_at": stored.set_at.isoformat(),
    }


@dataclass(frozen=True, slots=True)
class GroupPlan:
    """What one lighting group switches: ``circuits`` (those no smaller group with a schedule
    of its own takes), following ``schedule`` (the group's own, or the city default's, named
    by ``source``)."""

    group: str
    circuits: tuple[str, ...]
    schedule: Schedule
    source: str


def assign(
    groups: Mapping[str, Sequence[str]], schedules: Mapping[str, Schedule]
) -> dict[str, GroupPlan]:
    """Per group code, what it switches (module docstring: the smallest group with a schedule
    of its own takes a circuit; else the largest group with the city default). ``groups``:
    code → circuit ids; ``schedules``: code (or ``CITY_DEFAULT``) → schedule. Groups that
    switch nothing, or would follow a default that does not exist, are left out."""
    by_size = sorted(groups, key=lambda code: (len(groups[code]), code))
    owner: dict[str, tuple[str, str]] = {}  # circuit → (group, source)
    for code in by_size:  # smallest first: the first group with its own schedule wins
        if code in schedules:
            for circuit in groups[code]:
                owner.setdefault(circuit, (code, code))
    default = schedules.get(CITY_DEFAULT)
    if default is not None:
        for code in reversed(by_size):  # largest first
            for circuit in groups[code]:
                owner.setdefault(circuit, (code, CITY_DEFAULT))
    members: dict[tuple[str, str], list[str]] = {}
    for circuit, key in owner.items():
        members.setdefault(key, []).append(circuit)
    plans: dict[str, GroupPlan] = {}
    for (code, source), circuits in sorted(members.items()):
        # A group with its own schedule never also gets default circuits (it owns all its own).
        plans[code] = GroupPlan(code, tuple(sorted(circuits)), schedules[source], source)
    return plans


def _wanted(plans: Mapping[str, GroupPlan], at: datetime) -> dict[str, DesiredLighting]:
    wanted: dict[str, DesiredLighting] = {}
    for plan in plans.values():
        state = desired_state(plan.schedule, at)
        for circuit in plan.circuits:
            wanted[circuit] = state
    return wanted


@dataclass(frozen=True, slots=True)
class SwitchNow:
    """Per circuit whose wanted state changes: (what the old schedules wanted — None when no
    schedule governed it, so its state is unknown — and what the new ones want)."""

    changes: Mapping[str, tuple[DesiredLighting | None, DesiredLighting]]

    def __len__(self) -> int:
        return len(self.changes)

    @property
    def switched_off(self) -> tuple[str, ...]:
        """Circuits the new schedules switch off (an ungoverned one may have been lit)."""
        return tuple(
            c
            for c, (old, new) in sorted(self.changes.items())
            if not new.power and (old is None or old.power)
        )

    @property
    def dimmed(self) -> tuple[str, ...]:
        """Circuits that stay lit at a lower level."""
        return tuple(
            c
            for c, (old, new) in sorted(self.changes.items())
            if new.power and old is not None and old.power and new.level < old.level
        )

    @property
    def darkened(self) -> int:
        """Switched off or dimmed: what makes the city darker."""
        return len(self.switched_off) + len(self.dimmed)

    @property
    def brightened(self) -> int:
        """Switched on or up (the rest of the changes)."""
        return len(self.changes) - self.darkened


def switched_now(
    groups: Mapping[str, Sequence[str]],
    before: Mapping[str, Schedule],
    after: Mapping[str, Schedule],
    at: datetime,
) -> SwitchNow:
    """What the scheduler would switch at ``at`` right after the stored schedules went from
    ``before`` to ``after`` (code → schedule, as for ``assign``): every circuit whose wanted
    state differs. A circuit no schedule governs after the change is left alone (the scheduler
    sends it nothing), so it is not listed."""
    require_aware(at, "at")
    old = _wanted(assign(groups, before), at)
    new = _wanted(assign(groups, after), at)
    return SwitchNow(
        {c: (old.get(c), want) for c, want in sorted(new.items()) if old.get(c) != want}
    )
