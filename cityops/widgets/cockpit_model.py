"""What the video-wall cockpit shows, as plain data (Qt-free): the contract between the cockpit's
feed (``desktop.cockpit_feed.read_snapshot``, run in a worker thread about once a second) and its
panels (``widgets.cockpit_panels``), which only draw what they are given. It lives in
``widgets`` because widgets may not import ``desktop`` (the import rules); it imports no Qt.

Offers ``CockpitSnapshot`` and its parts: ``Kpis`` (the tiles), ``Series`` (a trend: a start,
a fixed step, one value per step, NaN where nothing is known), ``WimRow`` (one overweight
vehicle on a bridge), ``DeviceStatus`` (one device kind's fleet), ``BoardRow`` (a district on
the red/black board), ``TickerItem`` (one line of the event ticker). Times are aware UTC
datetimes; panels show them in the city's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal


@dataclass(frozen=True, slots=True)
class Kpis:
    cases_reported_today: int = 0
    cases_closed_today: int = 0
    #: Cases closed today whose every SLA clock was met, over cases closed today (0..1);
    #: ``None`` when none closed yet today.
    on_time_rate_today: float | None = None
    #: Active alarms (condition present: ``active_unack`` or ``active_ack``): kind → severity → n.
    active_alarms: dict[str, dict[str, int]] = field(default_factory=dict)
    active_alarms_total: int = 0
    readings_today: int = 0
    overweight_today: int = 0
    screens_online: int = 0
    screens_total: int = 0
    lights_on: int = 0
    lights_total: int = 0
    #: No source feeds parking berths yet: ``None`` (the tile says so rather than show 0).
    parking_free: int | None = None


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    start: datetime  # the first bucket's start (UTC)
    step_s: int  # 60: minutes, 3600: hours
    values: tuple[float, ...]  # one per step; float("nan") where unknown


@dataclass(frozen=True, slots=True)
class WimRow:
    device_id: str  # the weigh-in-motion station
    bridge_name: str  # 钱江三桥 …, or the device id when unknown
    district_code: str | None
    weight_t: float
    limit_t: float
    at: datetime


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    kind: str  # DeviceKind value
    total: int
    online: int
    faulty: int  # devices reporting at least one fault
    powered: int  # power on (screens showing, lights lit)


@dataclass(frozen=True, slots=True)
class BoardRow:
    district_code: str
    rank: int
    score: float
    standing: Literal["red", "black"] | None
    change: int | None  # rank change versus the previous period (+ up), None: no previous


@dataclass(frozen=True, slots=True)
class TickerItem:
    at: datetime
    kind: Literal["alarm", "alarm_cleared", "case", "case_closed", "command"]
    text_zh: str
    severity: str | None = None  # alarms: their severity (the ticker colours by it)


@dataclass(frozen=True, slots=True)
class CockpitSnapshot:
    taken_at: datetime  # when the feed read the store
    kpis: Kpis
    readings_per_minute: Series  # the last 24 h, 1,440 minutes
    cases_per_hour: Series  # the last 24 h, 24 hours
    sla_compliance: Series  # the last 24 h by hour: on-time share of cases closed that hour (%)
    wim: tuple[WimRow, ...] = ()  # the newest overweight vehicles, newest first (up to 20)
    devices: tuple[DeviceStatus, ...] = ()
    board: tuple[BoardRow, ...] | None = None  # None: no ranking published yet
    board_period: str = ""  # e.g. "2026年11月第4周"
    ticker: tuple[TickerItem, ...] = ()  # the latest changes, newest first (up to 30)
