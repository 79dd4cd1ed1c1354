"""Facts about the city every rule shares: its time zone and where it is on the globe."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

#: Every local rule (working hours, holidays, sunset) is reckoned in Beijing time.
CITY_TZ = ZoneInfo("Asia/Shanghai")
CITY_NAME_ZH = "杭州市"
CITY_NAME_EN = "Hangzhou"
CITY_CODE = "330100"
#: Wulin Square, the conventional centre used for sunrise/sunset of city-wide lighting.
CITY_LATITUDE = 30.2741
CITY_LONGITUDE = 120.1551


def require_aware(when: datetime, what: str = "time") -> datetime:
    """Return ``when`` if it carries a time zone; naive times are a programming error here,
    because a naive time is ambiguous between server, client and city clocks."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {when.isoformat()}")
    return when
