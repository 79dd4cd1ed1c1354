"""People of the city: citizens, information collectors, supervisors and the device operator.

Pure generators (seeded, one ``random.Random`` per stream, placed on the run's timeline):

- ``ReportGenerator``: problems found — citizens' Open311 reports (~1,300 a day at rate 1, the
  public rhythm, ~5 % reward reports, a category mix weighted toward everyday problems with
  noise and dark lamps at night) and collectors' patrol finds (~2,400 a day, day shifts), together
  the seed's ~3,700 problems a day. Each report carries its ``Fate``: whether it is real, how long
  each person takes over each step, whether the crew is late, returns it or fails the check;
- ``InspectionGenerator``: supervisors' findings against the 227 evaluation items (~600 a day,
  office hours);
- ``OperatorGenerator``: the hall operator's routine commands — programmes on LED groups, dim
  levels of districts' street lighting (~330 a day, one at the start).

And the ones who act them out over HTTP: ``Citizens`` (``POST /open311/v2/requests.json`` with
the API key), ``Patrols`` (collectors push ``case.report`` with source ``patrol``),
``Supervisors`` (``inspection.record``) and ``Operator`` (``device.command``). What happens to
the cases next is ``casework``'s.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import uuid6

from cityops.domain import open311 as o3
from cityops.domain.geography import District, load_districts
from cityops.domain.reference import Reference, Subcategory
from cityops.domain.sla import ClockKind
from cityops.simulator.client import Http, Intent, Outboxes, Stopped
from cityops.simulator.clock import (
    DAY,
    MINUTE,
    OFFICE,
    PATROL,
    PUBLIC,
    Arrivals,
    RunClock,
    hour_at,
)

if TYPE_CHECKING:
    from cityops.simulator.runner import Stats
    from cityops.simulator.scenarios import Scenario

log = logging.getLogger(__name__)

PUBLIC_PER_DAY: Final = 1_300.0
PATROL_PER_DAY: Final = 2_400.0
INSPECTIONS_PER_DAY: Final = 600.0
COMMANDS_PER_DAY: Final = 330.0
REWARD_SHARE: Final = 0.05

#: Where people live and work (reports per district, by weight).
REPORT_WEIGHTS: Final = {
    "330102": 1.3,
    "330105": 1.2,
    "330106": 1.1,
    "330108": 0.8,
    "330109": 1.3,
    "330110": 1.3,
    "330111": 0.6,
    "330112": 0.5,
    "330113": 0.8,
    "330114": 0.6,
    "330122": 0.3,
    "330127": 0.25,
    "330182": 0.3,
}

#: What citizens report most (weights); every other public service has ``TAIL``.
PUBLIC_MIX: Final = {
    "0702": 10.0,  # 暴露垃圾
    "0707": 8.0,  # 垃圾满溢
    "1003": 8.0,  # 占道经营
    "1008": 9.0,  # 机动车乱停放
    "1009": 6.0,  # 非机动车乱停放
    "0801": 6.0,  # 非法小广告
    "0901": 7.0,  # 施工噪声
    "0905": 4.0,  # 夜间违规施工
    "0712": 5.0,  # 餐饮油烟扰民
    "0728": 4.0,  # 商业经营噪声
    "0704": 5.0,  # 道路不洁
    "1203": 4.0,  # 路灯夜间不亮
    "0206": 4.0,  # 车行道
    "0207": 4.0,  # 人行道
    "0103": 2.0,  # 雨水井盖
    "0729": 2.0,  # 雨水口堵塞
    "0719": 1.5,  # 道路积水
    "1002": 5.0,  # 店外经营
    "0701": 4.0,  # 违章搭建
    "1207": 3.0,  # 消防通道堵塞
    "1211": 2.0,  # 不文明养犬
    "0402": 2.0,  # 行道树
    "0305": 3.0,  # 果壳箱
    "0903": 3.0,  # 施工扬尘
    "1208": 2.0,  # 飞线充电
    "0715": 4.0,  # 乱堆物堆料
    "1010": 3.0,  # 共享单车乱停放
    "0716": 2.0,  # 乱拉乱挂
}
#: Reported three times as often at night (22:00–06:00): noise and dark lamps.
NIGHT_CODES: Final = frozenset({"0905", "0728", "0712", "1007", "1016", "1203"})
#: What collectors find on patrol (weights); every other non-emergency code has ``TAIL``;
#: a few emergencies (a missing cover, a fallen tree, a collapsed road) are found too.
PATROL_MIX: Final = {
    "0801": 10.0,
    "0702": 8.0,
    "1003": 8.0,
    "1002": 7.0,
    "1008": 6.0,
    "1009": 6.0,
    "0715": 5.0,
    "0716": 4.0,
    "0717": 3.0,
    "0704": 5.0,
    "0707": 5.0,
    "0305": 4.0,
    "0206": 3.0,
    "0207": 4.0,
    "0102": 2.0,
    "0103": 2.0,
    "0118": 3.0,
    "0402": 3.0,
    "0404": 3.0,
    "0513": 2.0,
    "0902": 3.0,
    "0903": 3.0,
    "0808": 3.0,
    "0803": 2.0,
    "1115": 0.3,
    "1114": 0.2,
    "1104": 0.1,
}
TAIL: Final = 0.2
PLACES: Final = ("路口", "小区门口", "公交站旁", "沿街商铺前", "学校附近", "河边步道", "菜场周边")
DETAILS: Final = ("请尽快处理。", "已持续多日。", "影响行人通行。", "附近居民反映强烈。", "")
LED_PROGRAMMES: Final = (
    ("PSA-garbage-sorting", "垃圾分类 从我做起"),
    ("PSA-civilised-dogs", "文明养犬 牵绳出行"),
    ("PSA-flood-safety", "汛期出行 注意安全"),
    ("TRAFFIC-evening", "晚高峰 绕行提示"),
    ("CITY-brand", "美丽杭州 共建共享"),
    ("WEATHER", "今日天气 及时关注"),
)


@dataclass(frozen=True, slots=True)
class Fate:
    """What will happen to one problem, decided when it is generated (simulated seconds)."""

    valid: bool  # a public report found on site (else the dispatcher invalidates it)
    verify_delay: float
    file_delay: float
    dispatch_delay: float
    returned: bool  # the first unit returns it as not its job
    accept_delay: float
    depart_delay: float
    arrive_delay: float
    handle_delay: float
    check_fails: bool  # the first check fails → rework
    check_delay: float
    rework_accept_delay: float
    rework_handle_delay: float
    close_delay: float
    late: bool


def _limit(sub: Subcategory | None, kind: ClockKind) -> float | None:
    if sub is None or kind not in sub.limits:
        return None
    return sub.limits[kind].total_seconds()


def draw_fate(rng: random.Random, sub: Subcategory | None, public: bool) -> Fate:
    """A fate for a problem of ``sub``: on time mostly, ~10 % late (past a time limit), 3 %
    returned, 8 % failing the check, 5 % of public reports not found on site. Always the same
    number of draws, so one fate never shifts the next."""
    m = MINUTE
    u = [rng.random() for _ in range(18)]
    late = u[0] < 0.10
    late_step = "accept" if u[1] < 0.5 else "handle"

    def within(limit: float | None, fallback: tuple[float, float], x: float, cap: float) -> float:
        if limit is None:
            return fallback[0] + (fallback[1] - fallback[0]) * x
        return min(cap, limit * (0.15 + 0.7 * x))

    def past(limit: float | None, fallback: tuple[float, float], x: float) -> float:
        if limit is None:
            return fallback[1] * (1.2 + x)
        return limit * (1.1 + 1.4 * x)

    receive = _limit(sub, ClockKind.RECEIVE)
    respond = _limit(sub, ClockKind.RESPOND)
    arrive = _limit(sub, ClockKind.ARRIVE)
    resolve = _limit(sub, ClockKind.RESOLVE)
    emergency = sub is not None and sub.emergency
    accept = (
        past(receive, (1 * m, 20 * m), u[2])
        if late and late_step == "accept"
        else within(receive, (1 * m, 20 * m), u[2], 40 * m)
    )
    low, high = (15 * m, 45 * m) if emergency else (20 * m, 150 * m)
    if late and late_step == "handle":
        # Past the resolve limit when it is short; a working-days limit is not overrun here.
        short = resolve is not None and resolve <= 4 * 3600
        handle = (resolve or high) * (1.1 + 0.6 * u[3]) if short else high * (1.2 + 0.5 * u[3])
    else:
        handle = low + (high - low) * u[3]
        if resolve is not None:
            handle = min(handle, 0.8 * resolve)
    return Fate(
        valid=not public or u[4] >= 0.05,
        verify_delay=(45 + 75 * u[5]) * m if u[6] < 0.1 else (5 + 25 * u[5]) * m,
        file_delay=(1 + 5 * u[7]) * m,
        dispatch_delay=(1 + 4 * u[8]) * m,
        returned=u[9] < 0.03,
        accept_delay=accept,
        depart_delay=within(respond, (2 * m, 15 * m), u[10], 30 * m),
        arrive_delay=within(arrive, (5 * m, 30 * m), u[11], 60 * m),
        handle_delay=handle,
        check_fails=u[12] < 0.08,
        check_delay=(10 + 35 * u[13]) * m,
        rework_accept_delay=(5 + 25 * u[14]) * m,
        rework_handle_delay=(20 + 70 * u[15]) * m,
        close_delay=(1 + 7 * u[16]) * m,
        late=late,
    )


@dataclass(frozen=True, slots=True)
class GeneratedReport:
    """One problem on the run's timeline, as a citizen or a collector reports it."""

    offset: float
    channel: str  # "open311" (a citizen) or "patrol" (a collector)
    district_code: str
    street_code: str | None
    lon: float
    lat: float
    service_code: str
    description: str
    reward: bool
    scenario: bool  # one of the scenario's extra reports
    fate: Fate


class _Table:
    """Weighted choice by bisection over cumulative weights."""

    def __init__(self, weights: Mapping[str, float]) -> None:
        self.keys = sorted(k for k, w in weights.items() if w > 0)
        total = 0.0
        self.cum: list[float] = []
        for k in self.keys:
            total += weights[k]
            self.cum.append(total)
        self.total = total

    def pick(self, rng: random.Random) -> str:
        x = rng.random() * self.total
        return self.keys[min(len(self.keys) - 1, bisect.bisect_right(self.cum, x))]


def _mix(ref: Reference, common: Mapping[str, float], *, emergencies: bool) -> dict[str, float]:
    weights = {
        code: TAIL
        for code, sub in ref.taxonomy.subcategories.items()
        if not sub.emergency or (emergencies and code in common)
    }
    for code, weight in common.items():
        if code in ref.taxonomy.subcategories and (emergencies or code in weights):
            weights[code] = weight
    return weights


class _Places:
    """Points inside districts and the street they belong to (nearest street centre)."""

    def __init__(self, ref: Reference, districts: Mapping[str, District]) -> None:
        self.ref = ref
        self.districts = districts
        self.table = _Table({c: REPORT_WEIGHTS.get(c, 0.5) for c in districts})

    def point(
        self, rng: random.Random, district: str | None = None
    ) -> tuple[str, str | None, float, float]:
        code = district or self.table.pick(rng)
        lon, lat = self.districts[code].random_point(rng)
        where = o3.locate(self.ref.units, lon, lat)
        street = where.street_code if where and where.district_code == code else None
        return code, street, round(lon, 6), round(lat, 6)

    def label(self, district: str, street: str | None) -> str:
        units = self.ref.units.units
        return units[street].name_zh if street else units[district].name_zh


class ReportGenerator:
    """The seeded sequence of problems reported in one run (citizens and collectors)."""

    def __init__(
        self,
        ref: Reference,
        scenario: Scenario,
        *,
        seed: int,
        rate: float = 1.0,
        speed: float = 1.0,
        profile_hour: float = 12.0,
        districts: Mapping[str, District] | None = None,
    ) -> None:
        self.ref = ref
        self.scenario = scenario
        self.speed = speed
        self.profile_hour = profile_hour
        self.places = _Places(ref, districts if districts is not None else load_districts())
        self._public_rng = random.Random(f"{seed}:reports:public")
        self._patrol_rng = random.Random(f"{seed}:reports:patrol")
        day_mix = _mix(ref, PUBLIC_MIX, emergencies=False)
        night_mix = {c: w * (3.0 if c in NIGHT_CODES else 1.0) for c, w in day_mix.items()}
        self._public_day, self._public_night = _Table(day_mix), _Table(night_mix)
        self._patrol = _Table(_mix(ref, PATROL_MIX, emergencies=True))

        def public_factor(t: float) -> float:
            return PUBLIC.at(hour_at(profile_hour, t)) * scenario.public_factor(t * speed)

        def patrol_factor(t: float) -> float:
            return PATROL.at(hour_at(profile_hour, t))

        self._public = Arrivals(
            self._public_rng,
            PUBLIC_PER_DAY / DAY * rate,
            public_factor,
            PUBLIC.peak * scenario.max_public_factor,
        )
        self._patrols = Arrivals(
            self._patrol_rng, PATROL_PER_DAY / DAY * rate, patrol_factor, PATROL.peak
        )
        self._next_public = self._public.next()
        self._next_patrol = self._patrols.next()
        self.generated = 0

    def _one(self) -> GeneratedReport:
        if self._next_public <= self._next_patrol:
            t = self._next_public
            self._next_public = self._public.next()
            report = self._citizen(t)
        else:
            t = self._next_patrol
            self._next_patrol = self._patrols.next()
            report = self._collector(t)
        self.generated += 1
        return report

    def until(self, offset: float) -> list[GeneratedReport]:
        out = []
        while min(self._next_public, self._next_patrol) <= offset:
            out.append(self._one())
        return out

    def take(self, n: int) -> list[GeneratedReport]:
        return [self._one() for _ in range(n)]

    def _describe(
        self, rng: random.Random, sub: Subcategory, district: str, street: str | None
    ) -> str:
        place = PLACES[int(rng.random() * len(PLACES))]
        detail = DETAILS[int(rng.random() * len(DETAILS))]
        return (
            f"{self.places.label(district, street)}{place}{sub.name_zh}：{sub.filing_zh}。{detail}"
        )

    def _citizen(self, t: float) -> GeneratedReport:
        rng = self._public_rng
        factor = self.scenario.public_factor(t * self.speed)
        extra = None
        if factor > 1 and rng.random() < (factor - 1) / factor:
            extra = self.scenario.extra_report(rng)
            scenario = True
        else:
            scenario = False
        hour = hour_at(self.profile_hour, t)
        table = self._public_night if hour >= 22 or hour < 6 else self._public_day
        code = extra.service_code if extra is not None else table.pick(rng)
        return self._report(
            rng,
            t,
            code,
            extra.district_code if extra is not None else None,
            public=True,
            scenario=scenario,
        )

    def _collector(self, t: float) -> GeneratedReport:
        rng = self._patrol_rng
        code = self._patrol.pick(rng)
        return self._report(rng, t, code, None, public=False, scenario=False)

    def _report(
        self,
        rng: random.Random,
        t: float,
        code: str,
        district_code: str | None,
        *,
        public: bool,
        scenario: bool,
    ) -> GeneratedReport:
        """A report of subcategory ``code`` at a random place (in ``district_code`` if given):
        citizens' go to Open311 and may ask for a reward, collectors' are patrol reports. The
        draws are made in this order for both, so a seed gives the same reports as before."""
        district, street, lon, lat = self.places.point(rng, district_code)
        sub = self.ref.taxonomy.subcategories[code]
        return GeneratedReport(
            offset=round(t, 3),
            channel="open311" if public else "patrol",
            district_code=district,
            street_code=street,
            lon=lon,
            lat=lat,
            service_code=code,
            description=self._describe(rng, sub, district, street),
            reward=public and rng.random() < REWARD_SHARE,
            scenario=scenario,
            fate=draw_fate(rng, sub, public=public),
        )


@dataclass(frozen=True, slots=True)
class GeneratedInspection:
    offset: float
    district_code: str
    street_code: str | None
    item_code: str
    count: int
    note: str
    lon: float
    lat: float


class InspectionGenerator:
    """Supervisors' findings against the evaluation items, office hours."""

    def __init__(
        self,
        ref: Reference,
        *,
        seed: int,
        rate: float = 1.0,
        profile_hour: float = 12.0,
        districts: Mapping[str, District] | None = None,
    ) -> None:
        self.ref = ref
        self.items = tuple(sorted(ref.evaluation.items, key=lambda i: i.code))
        self.places = _Places(ref, districts if districts is not None else load_districts())
        self._rng = random.Random(f"{seed}:inspections")
        self._arrivals = Arrivals(
            self._rng,
            INSPECTIONS_PER_DAY / DAY * rate,
            lambda t: OFFICE.at(hour_at(profile_hour, t)),
            OFFICE.peak,
        )
        self._next = self._arrivals.next()

    def _one(self) -> GeneratedInspection:
        t = self._next
        self._next = self._arrivals.next()
        rng = self._rng
        item = self.items[int(rng.random() * len(self.items))]
        district, street, lon, lat = self.places.point(rng)
        x = rng.random()
        count = 1 if x < 0.8 else 2 if x < 0.95 else 3
        note = f"{self.places.label(district, street)}：{item.name_zh}"
        return GeneratedInspection(round(t, 3), district, street, item.code, count, note, lon, lat)

    def until(self, offset: float) -> list[GeneratedInspection]:
        out = []
        while self._next <= offset:
            out.append(self._one())
        return out

    def take(self, n: int) -> list[GeneratedInspection]:
        return [self._one() for _ in range(n)]


@dataclass(frozen=True, slots=True)
class GeneratedCommand:
    offset: float
    group: str  # an LED group or a lighting group of the reference data
    device_ids: tuple[str, ...]
    payload: dict[str, Any]


class OperatorGenerator:
    """The operator's routine: a programme on an LED group, or a district's street lights
    dimmed; one right at the start so the gateway has work from the first seconds."""

    FIRST_AT: Final = 1.0

    def __init__(self, ref: Reference, *, seed: int, rate: float = 1.0) -> None:
        self._rng = random.Random(f"{seed}:operator")
        devices = ref.devices
        self.led_groups = {
            g: tuple(sorted(s.id for s in devices.led_screens.values() if s.group == g))
            for g in sorted(devices.led_groups)
        }
        self.light_groups = {
            code: tuple(g.circuits)
            for code, g in sorted(devices.lighting_groups.items())
            if g.district is not None and g.kind == "street"
        }
        self._arrivals = Arrivals(self._rng, COMMANDS_PER_DAY / DAY * rate, start=self.FIRST_AT)
        self._next = self.FIRST_AT

    def _one(self) -> GeneratedCommand:
        t = self._next
        self._next = self._arrivals.next()
        rng = self._rng
        if rng.random() < 0.6 or not self.light_groups:
            groups = list(self.led_groups)
            group = groups[int(rng.random() * len(groups))]
            content_id, text = LED_PROGRAMMES[int(rng.random() * len(LED_PROGRAMMES))]
            payload: dict[str, Any] = {"type": "show_content", "content_id": content_id}
            payload["text"] = text
            return GeneratedCommand(round(t, 3), group, self.led_groups[group], payload)
        groups = list(self.light_groups)
        group = groups[int(rng.random() * len(groups))]
        level = (3 + int(rng.random() * 8)) * 10  # 30–100 %
        payload = {"type": "set_level", "percent": level}
        return GeneratedCommand(round(t, 3), group, self.light_groups[group], payload)

    def until(self, offset: float) -> list[GeneratedCommand]:
        out = []
        while self._next <= offset:
            out.append(self._one())
        return out

    def take(self, n: int) -> list[GeneratedCommand]:
        return [self._one() for _ in range(n)]


# ------------------------------------------------------------------ acting it out


class Fates:
    """Fates of the problems this run reported, by case id (``casework`` reads them)."""

    def __init__(self) -> None:
        self._fates: dict[str, tuple[Fate, str]] = {}

    def add(self, case_id: str, fate: Fate, service_code: str) -> None:
        self._fates[case_id] = (fate, service_code)

    def get(self, case_id: str) -> tuple[Fate, str] | None:
        return self._fates.get(case_id)

    def forget(self, case_id: str) -> None:
        self._fates.pop(case_id, None)

    def __len__(self) -> int:
        return len(self._fates)


async def _tick(http: Http, interval: float = 0.2) -> None:
    await http.sleep(interval)


class Citizens:
    """Post citizens' reports to Open311 as they fall due (a few at a time)."""

    def __init__(
        self,
        http: Http,
        reports: ReportGenerator,
        patrols: Patrols,
        fates: Fates,
        clock: RunClock,
        stats: Stats,
        *,
        concurrency: int = 8,
    ) -> None:
        self.http, self.reports, self.patrols = http, reports, patrols
        self.fates, self.clock, self.stats = fates, clock, stats
        self._sem = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._n = 0
        self._run = f"{random.getrandbits(40):010x}"

    async def run(self) -> None:
        try:
            while True:
                for report in self.reports.until(self.clock.elapsed()):
                    if report.channel == "patrol":
                        self.patrols.report(report)
                        continue
                    await self._sem.acquire()
                    task = asyncio.create_task(self._post(report))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                await _tick(self.http)
        finally:
            for task in list(self._tasks):
                task.cancel()
            for task in list(self._tasks):
                with contextlib.suppress(asyncio.CancelledError, Stopped):
                    await task

    async def _post(self, report: GeneratedReport) -> None:
        try:
            self._n += 1
            fields: list[tuple[str, str]] = [
                ("api_key", self.http.api_key),
                ("service_code", report.service_code),
                ("lat", repr(report.lat)),
                ("long", repr(report.lon)),
                ("description", report.description),
            ]
            if report.reward:
                fields.append(("reward", "true"))
            key = f"sim-{self._run}-{self._n}"
            # Counted before sending: a POST cut off by the end of the run may still have made
            # its case on the server, so "answered" alone would undercount what reached the hall.
            self.stats.public_reports_attempted += 1
            r = await self.http.request(
                "POST",
                "/open311/v2/requests.json",
                data=dict(fields),
                headers={"Idempotency-Key": key},
            )
            if r.status_code != 201:
                self.stats.errors[f"open311 HTTP {r.status_code}"] += 1
                log.warning("open311 refused a report: HTTP %d %s", r.status_code, r.text[:300])
                return
            case_id = r.json()[0]["service_request_id"]
            self.fates.add(case_id, report.fate, report.service_code)
            self.stats.public_reports += 1
            if report.reward:
                self.stats.reward_reports += 1
            if report.scenario:
                self.stats.scenario_reports += 1
        except Stopped:
            pass
        except Exception:
            log.exception("posting a citizen's report failed")
            self.stats.errors["open311 error"] += 1
        finally:
            self._sem.release()


class Patrols:
    """Collectors report what they find on patrol (``case.report``, source patrol)."""

    def __init__(
        self, outboxes: Outboxes, collectors: Mapping[str, str], fates: Fates, stats: Stats
    ) -> None:
        self.outboxes, self.collectors, self.fates, self.stats = outboxes, collectors, fates, stats

    def report(self, report: GeneratedReport) -> None:
        collector = self.collectors.get(report.district_code)
        if collector is None:
            self.stats.errors["patrol: no collector for the district"] += 1
            return
        case_id = str(uuid6.uuid7())
        self.fates.add(case_id, report.fate, report.service_code)
        args: dict[str, Any] = {
            "case_id": case_id,
            "source": "patrol",
            "description": report.description,
            "district_code": report.district_code,
            "address": self._address(report),
            "lon": report.lon,
            "lat": report.lat,
        }
        if report.street_code:
            args["street_code"] = report.street_code

        def done(result: dict[str, Any]) -> None:
            if result.get("status") == "applied":
                self.stats.patrol_reports += 1
            else:
                self.fates.forget(case_id)

        self.outboxes.submit(collector, Intent("case.report", args, done))

    @staticmethod
    def _address(report: GeneratedReport) -> str:
        return report.description.split("：", 1)[0][:200]


class Supervisors:
    """Record inspection findings as they fall due (``inspection.record``)."""

    def __init__(
        self,
        outboxes: Outboxes,
        supervisor: str | None,
        inspections: InspectionGenerator,
        clock: RunClock,
        stats: Stats,
    ) -> None:
        self.outboxes, self.supervisor = outboxes, supervisor
        self.inspections, self.clock, self.stats = inspections, clock, stats
        self.unsupported = False

    async def run(self) -> None:
        while True:
            due = self.inspections.until(self.clock.elapsed())
            if self.supervisor is not None and not self.unsupported:
                for finding in due:
                    self._record(finding)
            await _tick(self.outboxes.http, 0.5)

    def _record(self, finding: GeneratedInspection) -> None:
        assert self.supervisor is not None
        args: dict[str, Any] = {
            "inspection_id": str(uuid6.uuid7()),
            "district_code": finding.district_code,
            "item_code": finding.item_code,
            "count": finding.count,
            "note": finding.note,
            "observed_at": datetime.now(UTC).isoformat(),
            "lon": finding.lon,
            "lat": finding.lat,
        }
        if finding.street_code:
            args["street_code"] = finding.street_code

        def done(result: dict[str, Any]) -> None:
            if result.get("status") == "applied":
                self.stats.inspections += 1
                return
            code = (result.get("rejection") or {}).get("code")
            if code in ("unknown_mutation", "not_supported") and not self.unsupported:
                self.unsupported = True
                log.warning("the server does not take inspection.record; supervisors stop")

        self.outboxes.submit(self.supervisor, Intent("inspection.record", args, done))


class Operator:
    """The hall operator's routine device commands (``device.command``, 10 minutes to live)."""

    NOT_AFTER: Final = timedelta(minutes=10)

    def __init__(
        self,
        outboxes: Outboxes,
        operator: str | None,
        commands: OperatorGenerator,
        clock: RunClock,
        stats: Stats,
    ) -> None:
        self.outboxes, self.operator = outboxes, operator
        self.commands, self.clock, self.stats = commands, clock, stats

    async def run(self) -> None:
        while True:
            for command in self.commands.until(self.clock.elapsed()):
                if self.operator is not None:
                    self._issue(command)
            await _tick(self.outboxes.http, 0.5)

    def _issue(self, command: GeneratedCommand) -> None:
        assert self.operator is not None
        args = {
            "device_ids": list(command.device_ids),
            "payload": command.payload,
            "not_after": (datetime.now(UTC) + self.NOT_AFTER).isoformat(),
        }

        def done(result: dict[str, Any]) -> None:
            if result.get("status") == "applied":
                self.stats.commands_issued += 1
                self.stats.command_devices += len(command.device_ids)

        self.outboxes.submit(self.operator, Intent("device.command", args, done))


__all__ = [
    "Citizens",
    "Fate",
    "Fates",
    "GeneratedCommand",
    "GeneratedInspection",
    "GeneratedReport",
    "InspectionGenerator",
    "Operator",
    "OperatorGenerator",
    "Patrols",
    "ReportGenerator",
    "Supervisors",
    "draw_fate",
]
