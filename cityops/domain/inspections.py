"""Supervisors' daily checks: findings recorded against the evaluation standard's items.

Offers to the server (the ``inspection.record`` mutation), the client (the supervisor's form)
and the ranking jobs:

- ``Inspection``: one recorded finding of one evaluation item in one district (``count`` times),
  with the points it deducts *before* the item's per-period cap (the ranking applies the cap,
  because it depends on every finding of the item in the period);
- ``record_inspection(...)`` → ``Inspection`` or a ``Rejection`` with a Chinese reason;
- ``findings_for(inspections, district, period)`` → the ``ranking.Finding`` list that
  ``ranking.DistrictFacts.findings`` takes.

Rules (each stated where it is applied): only a supervisor records; the item must be one of the
evaluation standard; the district must be one of the city's districts and the street, if given,
one of its streets; the observation must have happened (clock skew of up to
``FUTURE_SKEW`` allowed) and be recent (at most ``MAX_AGE`` old — a daily check is recorded
the same week, not back-filled into an old ranking); ``count`` is 1..``MAX_COUNT``.

Pure functions and frozen values: no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cityops.domain.actors import Actor, Role
from cityops.domain.cases import MAX_LAT, MAX_LON, MAX_TEXT_LENGTH, MIN_LAT, MIN_LON
from cityops.domain.city import CITY_TZ, require_aware
from cityops.domain.outcomes import Rejection
from cityops.domain.ranking import Finding, Period
from cityops.domain.reference import Reference

#: Most findings of one item one inspection may record at once (more is a typo, or a case).
MAX_COUNT = 50
#: How far ahead of the server's clock an observation may be (a client's clock runs fast).
FUTURE_SKEW = timedelta(minutes=5)
#: How old an observation may be when recorded (daily checks, entered within the week).
MAX_AGE = timedelta(days=7)

_RECORD_ROLES = frozenset({Role.SUPERVISOR})


@dataclass(frozen=True, slots=True)
class Inspection:
    """One recorded finding. ``deduction`` = the item's deduction × ``count``, before the
    item's per-district, per-period cap (``ranking.explain`` applies the cap)."""

    id: str
    district_code: str
    street_code: str | None
    item_code: str
    category_code: str
    count: int
    deduction: float
    note: str
    observed_at: datetime
    recorded_by: str
    recorded_at: datetime
    lon: float | None = None
    lat: float | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("inspection id must not be empty")
        if self.count < 1:
            raise ValueError(f"inspection {self.id}: count must be ≥ 1, got {self.count}")
        if not self.deduction >= 0:  # also refuses NaN
            raise ValueError(f"inspection {self.id}: deduction must be ≥ 0, got {self.deduction}")
        require_aware(self.observed_at, "observed_at")
        require_aware(self.recorded_at, "recorded_at")


def _reject(code: str, zh: str, en: str, **details: Any) -> Rejection:
    return Rejection(code=code, message=zh, message_en=en, details=details)


def _check_place(ref: Reference, district_code: str, street_code: str | None) -> Rejection | None:
    units = ref.units.units
    district = units.get(district_code)
    if district is None or district.level != "district":
        return _reject(
            "unknown_district",
            f"{district_code} 不是本市的区县",
            f"{district_code!r} is not a district of the city",
            district_code=district_code,
        )
    if street_code is None:
        return None
    street = units.get(street_code)
    if street is None or street.level != "street":
        return _reject(
            "unknown_street",
            f"街道 {street_code} 不存在",
            f"street {street_code!r} does not exist",
            street_code=street_code,
        )
    if street.parent != district_code:
        return _reject(
            "area_mismatch",
            f"{street.name_zh}（{street_code}）不属于{district.name_zh}（{district_code}）",
            f"street {street_code} does not lie in district {district_code}",
            street_code=street_code,
            district_code=district_code,
        )
    return None


def _local_text(when: datetime) -> str:
    """``when`` as the supervisor reads it (Beijing time); ISO text when it cannot be shown
    there (a time at the very edge of the calendar, sent by a broken client)."""
    try:
        return when.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M")
    except OverflowError:
        return when.isoformat()


def _check_time(observed_at: datetime, now: datetime) -> Rejection | None:
    if observed_at.tzinfo is None or observed_at.utcoffset() is None:
        return _reject(
            "invalid_time",
            "检查时间缺少时区",
            "observed_at must carry a time zone",
        )
    if observed_at > now + FUTURE_SKEW:
        return _reject(
            "observed_in_future",
            f"检查时间 {_local_text(observed_at)} 晚于当前时间，请核对设备时钟",
            f"observed_at {observed_at.isoformat()} is in the future",
            observed_at=observed_at.isoformat(),
        )
    if observed_at < now - MAX_AGE:
        return _reject(
            "observed_too_long_ago",
            f"检查时间 {_local_text(observed_at)} 已超过 {MAX_AGE.days} 天，不能补录",
            f"observed_at {observed_at.isoformat()} is more than {MAX_AGE.days} days ago",
            observed_at=observed_at.isoformat(),
            max_age_days=MAX_AGE.days,
        )
    return None


def _check_details(count: int, note: str, lon: float | None, lat: float | None) -> Rejection | None:
    if isinstance(count, bool) or not 1 <= count <= MAX_COUNT:
        return _reject(
            "invalid_count",
            f"发现问题数量须在 1 到 {MAX_COUNT} 之间（当前 {count}）",
            f"count must be between 1 and {MAX_COUNT}, got {count}",
            count=count,
            max_count=MAX_COUNT,
        )
    if len(note) > MAX_TEXT_LENGTH:
        return _reject(
            "text_too_long",
            f"备注最多 {MAX_TEXT_LENGTH} 字（当前 {len(note)} 字）",
            f"note may be at most {MAX_TEXT_LENGTH} characters, got {len(note)}",
            field="note",
            max_length=MAX_TEXT_LENGTH,
        )
    if (lon is None) != (lat is None):
        return _reject(
            "invalid_position",
            "经度和纬度须同时填写",
            "lon and lat must be given together",
        )
    for name, value, low, high, zh in (
        ("lon", lon, MIN_LON, MAX_LON, "经度"),
        ("lat", lat, MIN_LAT, MAX_LAT, "纬度"),
    ):
        if value is not None and not low <= value <= high:  # also refuses NaN
            return _reject(
                "invalid_position",
                f"{zh} {value} 超出范围（{low:g} 至 {high:g}）",
                f"{name} {value} is outside {low:g}..{high:g}",
                field=name,
            )
    return None


def record_inspection(
    inspection_id: str,
    *,
    district_code: str,
    item_code: str,
    observed_at: datetime,
    actor: Actor,
    now: datetime,
    ref: Reference,
    street_code: str | None = None,
    count: int = 1,
    note: str = "",
    lon: float | None = None,
    lat: float | None = None,
) -> Inspection | Rejection:
    """A supervisor records ``count`` findings of ``item_code`` seen in a district at
    ``observed_at``. The result's ``deduction`` is uncapped (see ``Inspection``)."""
    require_aware(now, "now")
    if not actor.has(*_RECORD_ROLES):
        return _reject(
            "forbidden",
            "您的角色无权录入考评检查结果（需要：监督员）",
            "recording an inspection needs the role: supervisor",
        )
    if not inspection_id:
        return _reject("invalid_args", "检查记录编号不能为空", "inspection id must not be empty")
    rules = ref.evaluation.rules
    if not rules.has_item(item_code):
        return _reject(
            "unknown_item",
            f"考评标准中没有考评项 {item_code}",
            f"evaluation item {item_code!r} does not exist",
            item_code=item_code,
        )
    if (bad := _check_place(ref, district_code, street_code)) is not None:
        return bad
    if (bad := _check_time(observed_at, now)) is not None:
        return bad
    if (bad := _check_details(count, note, lon, lat)) is not None:
        return bad
    item = rules.item(item_code)
    return Inspection(
        id=inspection_id,
        district_code=district_code,
        street_code=street_code,
        item_code=item_code,
        category_code=item.category,
        count=count,
        deduction=item.deduction * count,
        note=note,
        observed_at=observed_at,
        recorded_by=actor.user_id,
        recorded_at=now,
        lon=lon,
        lat=lat,
    )


def findings_for(inspections: Iterable[Inspection], district: str, period: Period) -> list[Finding]:
    """The district's findings in ``period`` for ``ranking.DistrictFacts.findings``: counts
    added up per item, ordered by item code. An inspection belongs to the period that holds
    its ``observed_at`` in the city's time zone (a check at 23:30 Beijing time on the 30th
    counts for the 30th, whatever UTC says)."""
    counts: dict[str, int] = {}
    for inspection in inspections:
        if inspection.district_code != district:
            continue
        if not period.contains(inspection.observed_at.astimezone(CITY_TZ).date()):
            continue
        counts[inspection.item_code] = counts.get(inspection.item_code, 0) + inspection.count
    return [Finding(code, counts[code]) for code in sorted(counts)]
