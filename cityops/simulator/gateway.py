"""The device gateway: the 273 LED screens and the lighting circuits as their gateway sees them.

Offers ``DeviceGateway`` (``run`` until the run stops) and ``Fleet`` (the devices' state as the
gateway knows it; pure, seeded). Over the gateway API with the integration key
(``domain.gateway_wire`` shapes):

- every ``poll_interval`` (~2 s) ``GET /api/v1/gateway/commands`` for the whole city (again at
  once while ``has_more``); each command is delivered to its device: a device the gateway knows
  is offline fails it at once with ``OFFLINE_REASON`` (a real gateway knows its link to the
  device is down and says so, rather than leaving the hall waiting for an expiry), a device of a
  blacked-out cabinet fails it, ~2 % fail with a reason, the rest are acked 0.5–3 s later
  (``POST /api/v1/gateway/acks``). A command would not be delivered at or after its
  ``not_after``. ``instant=True`` answers every command at once (the benchmarks: the hall's
  own latency, not the devices'): polls of up to 5,000 commands, each poll's acks posted as
  one batch right after it;
- a screen taken over returns to its scheduled content by itself at the takeover's ``until``
  and says so in its next status report (``takeover_until: null``);
- every ``status_interval`` (~10 s) ``POST /api/v1/gateway/status``: all devices the first time,
  then the devices whose state changed plus a rotating thirtieth of the fleet as heartbeat. About
  1.5 % of devices are offline and ~1 % have a fault at any time (``led_module_fault``,
  ``lamp_failure``), coming and going; a blackout (``scenarios.Blackout``) reports its
  cabinets' circuits with ``power: false`` and the ``mains_power_loss`` fault (a quarter offline
  too) until the power is back.

Both POSTs carry an ``Idempotency-Key`` (the same on a retry). Decisions about a command are
drawn from the seed and the command's id, so they do not depend on timing.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from cityops.domain.devices import DeviceKind
from cityops.domain.reference import Reference
from cityops.simulator.client import Http
from cityops.simulator.clock import RunClock, city_hour, uniform_between

if TYPE_CHECKING:
    from cityops.simulator.runner import Stats
    from cityops.simulator.scenarios import Scenario

log = logging.getLogger(__name__)

POWER_LOSS: Final = "mains_power_loss"
FAIL_REASONS: Final = ("设备无响应（超时）", "亮度模块故障", "通信校验失败", "控制板忙，请稍后重试")
BLACKOUT_REASON: Final = "控制柜失电，指令无法执行"
OFFLINE_REASON: Final = "设备离线，指令未送达 (device offline)"
#: Per 10 s of gateway time: chance an online device drops off / an offline one comes back;
#: chance a sound device develops a fault / a fault is repaired (~1.5 % offline, ~1 % faulty).
P_OFFLINE, P_ONLINE, P_FAULT, P_REPAIR = 0.0003, 0.02, 0.00005, 0.005
HEARTBEAT_SLICES: Final = 30
#: Commands per poll; ``instant`` takes the server's most (a whole city's group command in one
#: poll, acked in one batch at once).
POLL_LIMIT, POLL_LIMIT_INSTANT = 1000, 5000
#: Seconds between ack posts of answers that came due (``instant`` posts at once).
ACK_TICK: Final = 0.25


@dataclass
class Device:
    id: str
    kind: DeviceKind
    district: str
    cabinet: str | None
    online: bool = True
    power: bool = True
    level: int = 100
    faults: tuple[str, ...] = ()
    blacked_out: bool = False
    #: The end of the takeover this screen shows (None: its scheduled content); ``took_over``
    #: once it ever had one, so reports of screens never taken over stay as they were.
    takeover_until: datetime | None = None
    took_over: bool = False

    def report(self, at: str) -> dict[str, Any]:
        out: dict[str, Any] = {"device_id": self.id, "at": at, "online": self.online}
        out["faults"] = list(self.faults)
        if self.kind is DeviceKind.LIGHT_CIRCUIT:
            out["power"] = self.power
        if self.took_over:
            until = self.takeover_until
            out["takeover_until"] = None if until is None else until.isoformat()
        return out


class Fleet:
    """The devices and their state; ``cycle`` moves it on by one status interval."""

    def __init__(self, ref: Reference, seed: int, *, night: bool) -> None:
        self.rng = random.Random(f"{seed}:gateway")
        devices: list[Device] = []
        for screen in sorted(ref.devices.led_screens.values(), key=lambda s: s.id):
            devices.append(Device(screen.id, DeviceKind.LED_SCREEN, screen.district, None))
        for cabinet in sorted(ref.devices.cabinets.values(), key=lambda c: c.id):
            for circuit in cabinet.circuits:
                devices.append(
                    Device(
                        circuit.id,
                        DeviceKind.LIGHT_CIRCUIT,
                        cabinet.district,
                        cabinet.id,
                        power=night,
                    )
                )
        rng = self.rng
        for d in devices:
            d.online = rng.random() >= 0.015
            if rng.random() < 0.01:
                d.faults = (
                    ("led_module_fault",) if d.kind is DeviceKind.LED_SCREEN else ("lamp_failure",)
                )
        self.devices = devices
        self.by_id = {d.id: d for d in devices}
        self.cycles = 0

    def cycle(self, cabinets_out: dict[str, bool], interval: float, night: bool) -> list[Device]:
        """One status interval: blackouts start or end, devices come and go. Returns the
        devices to report (all of them the first time)."""
        rng = self.rng
        scale = interval / 10.0
        changed: dict[str, Device] = {}
        for d in self.devices:
            out = d.cabinet is not None and d.cabinet in cabinets_out
            if out != d.blacked_out:
                d.blacked_out = out
                if out:
                    d.online = not cabinets_out[d.cabinet or ""]
                    d.power = False
                    d.faults = tuple(f for f in d.faults if f != POWER_LOSS) + (POWER_LOSS,)
                else:
                    d.online = True
                    d.power = night
                    d.faults = tuple(f for f in d.faults if f != POWER_LOSS)
                changed[d.id] = d
            u1, u2 = rng.random(), rng.random()  # drawn for every device, every cycle
            if d.blacked_out:
                continue
            if d.online and u1 < P_OFFLINE * scale or not d.online and u1 < P_ONLINE * scale:
                d.online = not d.online
                changed[d.id] = d
            if not d.faults and u2 < P_FAULT * scale:
                d.faults = (
                    ("led_module_fault",) if d.kind is DeviceKind.LED_SCREEN else ("lamp_failure",)
                )
                changed[d.id] = d
            elif d.faults and u2 < P_REPAIR * scale:
                d.faults = ()
                changed[d.id] = d
        now = datetime.now(UTC)
        for d in self.devices:
            if d.takeover_until is not None and now >= d.takeover_until:
                d.takeover_until = None  # the screen restores itself: no command needed
                changed[d.id] = d
        first = self.cycles == 0
        n = len(self.devices)
        k = self.cycles % HEARTBEAT_SLICES
        beat = self.devices[k * n // HEARTBEAT_SLICES : (k + 1) * n // HEARTBEAT_SLICES]
        self.cycles += 1
        if first:
            return list(self.devices)
        for d in beat:
            changed.setdefault(d.id, d)
        return list(changed.values())

    def answer(
        self, seed: int, command: dict[str, Any], *, instant: bool = False
    ) -> tuple[bool, str | None, float] | None:
        """How the device answers a command: (ok, reason, delay s), or None for no answer (a
        device the gateway does not know). ``instant``: every device acks at once."""
        device = self.by_id.get(command["device_id"])
        rng = random.Random(f"{seed}:command:{command['command_id']}")
        delay = uniform_between(rng, 0.5, 3.0)
        failing = rng.random() < 0.02
        reason = FAIL_REASONS[int(rng.random() * len(FAIL_REASONS))]
        if device is None:
            return None
        if instant:
            return True, None, 0.0
        if not device.online:
            return False, OFFLINE_REASON, 0.0
        if device.blacked_out:
            return False, BLACKOUT_REASON, delay
        if failing:
            return False, reason, delay
        return True, None, delay


def _is_night(at: datetime) -> bool:
    hour = city_hour(at)
    return hour >= 18.5 or hour < 6


class DeviceGateway:
    def __init__(
        self,
        http: Http,
        ref: Reference,
        scenario: Scenario,
        clock: RunClock,
        stats: Stats,
        *,
        seed: int,
        poll_interval: float = 2.0,
        status_interval: float = 10.0,
        instant: bool = False,
    ) -> None:
        self.http, self.scenario, self.clock, self.stats = http, scenario, clock, stats
        self.seed = seed
        self.poll_interval = poll_interval
        self.status_interval = status_interval
        self.instant = instant
        self.fleet = Fleet(ref, seed, night=_is_night(datetime.now(UTC)))
        self._acks: list[tuple[float, int, dict[str, Any], dict[str, Any]]] = []
        self._n = 0
        self._run = f"{random.getrandbits(40):010x}"
        self._posts = 0
        self._ack_now = asyncio.Event()

    async def run(self) -> None:
        tasks = [
            asyncio.create_task(self._poll(), name="gateway-poll"),
            asyncio.create_task(self._send_acks(), name="gateway-acks"),
            asyncio.create_task(self._status(), name="gateway-status"),
        ]
        try:
            await asyncio.gather(*tasks)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _key(self) -> str:
        self._posts += 1
        return f"sim-gw-{self._run}-{self._posts}"

    async def _poll(self) -> None:
        while True:
            r = await self.http.request(
                "GET",
                "/api/v1/gateway/commands",
                params={"limit": POLL_LIMIT_INSTANT if self.instant else POLL_LIMIT},
                headers=self.http.integration_headers(),
            )
            more = False
            if r.status_code == 200:
                batch = r.json()
                server_now = datetime.fromisoformat(batch["server_now"])
                skew = server_now - datetime.now(UTC)
                for command in batch["commands"]:
                    self._deliver(command, skew)
                more = bool(batch.get("has_more"))
                if self.instant and self._acks:
                    self._ack_now.set()  # at once, in one batch, not at the next 0.25 s tick
            else:
                self.stats.errors[f"gateway commands HTTP {r.status_code}"] += 1
            if not more:
                await self.http.sleep(self.poll_interval)

    def _deliver(self, command: dict[str, Any], skew: timedelta) -> None:
        self.stats.commands_received += 1
        answer = self.fleet.answer(self.seed, command, instant=self.instant)
        if answer is None:
            self.stats.commands_unanswered += 1
            return
        ok, reason, delay = answer
        not_after = datetime.fromisoformat(command["not_after"])
        if datetime.now(UTC) + skew + timedelta(seconds=delay) >= not_after:
            self.stats.commands_unanswered += 1  # too late to deliver: never at or after it
            return
        self._n += 1
        ack: dict[str, Any] = {"command_id": command["command_id"], "ok": ok}
        if reason is not None:
            ack["reason"] = reason
        heapq.heappush(self._acks, (self.clock.elapsed() + delay, self._n, ack, command))

    async def _send_acks(self) -> None:
        while True:
            self._ack_now.clear()  # what is due now goes in this post
            now = self.clock.elapsed()
            due: list[tuple[dict[str, Any], dict[str, Any]]] = []
            while self._acks and self._acks[0][0] <= now:
                _, _, ack, command = heapq.heappop(self._acks)
                due.append(({**ack, "at": datetime.now(UTC).isoformat()}, command))
            if due:
                r = await self.http.request(
                    "POST",
                    "/api/v1/gateway/acks",
                    json={"acks": [a for a, _ in due]},
                    headers=self.http.integration_headers(self._key()),
                )
                if r.status_code == 200:
                    for (_ack, command), result in zip(due, r.json()["results"], strict=True):
                        if result["outcome"] == "acked":
                            self.stats.acks_ok += 1
                            self._apply(command)
                        elif result["outcome"] == "failed":
                            self.stats.acks_failed += 1
                        else:
                            self.stats.acks_other += 1
                else:
                    self.stats.errors[f"gateway acks HTTP {r.status_code}"] += 1
            if self.instant:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._ack_now.wait(), ACK_TICK)
                await self.http.sleep(0)  # raises Stopped once the run stops
            else:
                await self.http.sleep(ACK_TICK)

    def _apply(self, command: dict[str, Any]) -> None:
        device = self.fleet.by_id.get(command["device_id"])
        payload = command.get("payload") or {}
        if device is None:
            return
        if payload.get("type") == "set_power":
            device.power = bool(payload.get("on"))
        elif payload.get("type") == "set_level":
            device.level = int(payload.get("percent", device.level))
        elif payload.get("type") == "take_over" and payload.get("until"):
            device.takeover_until = datetime.fromisoformat(payload["until"])
            device.took_over = True
        elif payload.get("type") == "restore":
            device.takeover_until = None

    async def _status(self) -> None:
        while True:
            started = self.clock.elapsed()
            t_sim = self.clock.sim(started)
            devices = self.fleet.cycle(
                dict(self.scenario.cabinets_out(t_sim)),
                self.status_interval,
                _is_night(datetime.now(UTC)),
            )
            at = datetime.now(UTC).isoformat()
            for i in range(0, len(devices), 5000):
                chunk = devices[i : i + 5000]
                r = await self.http.request(
                    "POST",
                    "/api/v1/gateway/status",
                    json={"reports": [d.report(at) for d in chunk]},
                    headers=self.http.integration_headers(self._key()),
                )
                if r.status_code == 200:
                    self.stats.status_reports += len(chunk)
                    self.stats.status_batches += 1
                else:
                    self.stats.errors[f"gateway status HTTP {r.status_code}"] += 1
            elapsed = self.clock.elapsed() - started
            await self.http.sleep(max(0.0, self.status_interval - elapsed))
