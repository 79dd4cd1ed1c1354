"""Run the simulated city against a server: ``run(config) -> Stats`` and ``cityops simulate``.

Offers:
- ``SimConfig``: server URL, credentials, seed, rate, scenario, speed, duration, auto-dispatch,
  and the intervals tests shorten;
- ``Stats``: what the run did (readings asked for and sent, the worst lag, reports, intents
  applied and rejected by name, cases seen and closed, commands acked…), ``line()`` for a
  progress line and ``report()`` for the end;
- ``build_world(seed=…, rate=…, scenario=…, speed=…, profile_hour=…)`` → ``World``: the sensor
  network, the scenario and the pure generators (readings, reports, inspections, operator
  commands). Tests take the first N of each to check that the same seed gives the same city;
- ``run(config)``: plays the IoT platform, citizens, collectors, supervisors, the operator,
  the auto-dispatcher and handling units (``casework``) and the device gateway until
  ``config.stop`` is set or ``config.duration`` has passed; then cancels its tasks, closes its
  client and returns the ``Stats``;
- ``main(args)``: the ``cityops simulate`` command (SIGINT/SIGTERM stop it cleanly, exit 0).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cityops.domain.reference import Reference, load_reference
from cityops.simulator import scenarios
from cityops.simulator.casework import Casework
from cityops.simulator.client import Http, Outboxes, Stopped
from cityops.simulator.clock import RunClock, city_hour
from cityops.simulator.credentials import Credentials, CredentialsError, Staff
from cityops.simulator.gateway import DeviceGateway
from cityops.simulator.iot import IotPlatform, ReadingGenerator, SensorNetwork, build_network
from cityops.simulator.people import (
    Citizens,
    Fates,
    InspectionGenerator,
    Operator,
    OperatorGenerator,
    Patrols,
    ReportGenerator,
    Supervisors,
)

log = logging.getLogger(__name__)


@dataclass
class SimConfig:
    server: str
    credentials: Credentials
    seed: int = 1
    #: Volume: 1 = the seed's real city (~1.4 M readings and ~3,700 problems a day).
    rate: float = 1.0
    scenario: str = "normal"
    #: Simulated seconds per real second (scenario timelines and people's delays).
    speed: float = 1.0
    #: Stop after this many real seconds (None: until ``stop``).
    duration: float | None = None
    #: Play the hall's dispatcher (verify/file/dispatch/close) and operator.
    auto_dispatch: bool = True
    #: Time of day the daily profiles start at (hours, Hangzhou); None: now.
    profile_hour: float | None = None
    batch_interval: float = 1.0
    pull_interval: float = 1.0
    poll_interval: float = 2.0
    status_interval: float = 10.0
    progress_interval: float | None = None
    on_progress: Callable[[Stats], None] | None = None
    stop: asyncio.Event | None = None


@dataclass
class Stats:
    scenario: str = "normal"
    scenario_description: str = ""
    rate: float = 1.0
    speed: float = 1.0
    elapsed: float = 0.0
    #: Base volume asked for (periodic sensors + traffic), readings per second.
    base_per_s: float = 0.0
    readings_generated: int = 0
    readings_sent: int = 0
    reading_batches: int = 0
    max_lag_s: float = 0.0
    alarms_raised: int = 0
    alarms_cleared: int = 0
    public_reports: int = 0  # answered with a case id
    public_reports_attempted: int = 0  # sent (some cut off when the run stopped)
    reward_reports: int = 0
    scenario_reports: int = 0
    patrol_reports: int = 0
    inspections: int = 0
    commands_issued: int = 0
    command_devices: int = 0
    commands_received: int = 0
    commands_unanswered: int = 0
    acks_ok: int = 0
    acks_failed: int = 0
    acks_other: int = 0
    status_reports: int = 0
    status_batches: int = 0
    # learnt from the changes log
    last_seq: int = 0
    cases_seen: int = 0
    cases_closed: int = 0
    cases_invalid: int = 0
    alarms_seen: int = 0
    alarms_active: int = 0
    commands_acked: int = 0
    commands_failed: int = 0
    commands_expired: int = 0
    applied: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def requested_per_s(self) -> float:
        """Readings that fell due per second (base volume plus incidents and scenario)."""
        return self.readings_generated / self.elapsed if self.elapsed else 0.0

    @property
    def achieved_per_s(self) -> float:
        """Readings the server accepted per second."""
        return self.readings_sent / self.elapsed if self.elapsed else 0.0

    @property
    def backlog(self) -> int:
        return self.readings_generated - self.readings_sent

    def line(self) -> str:
        m, s = divmod(int(self.elapsed), 60)
        return (
            f"sim {m:02d}:{s:02d} | readings {self.readings_sent:,} "
            f"({self.achieved_per_s:.1f}/s of {self.requested_per_s:.1f}/s due, "
            f"lag ≤ {self.max_lag_s:.1f} s) | alarms {self.alarms_raised:,} raised, "
            f"{self.alarms_active:,} active | reports {self.public_reports:,} public, "
            f"{self.patrol_reports:,} patrol | cases {self.cases_closed:,} closed | "
            f"commands {self.commands_acked:,} acked of {self.command_devices:,} | "
            f"seq {self.last_seq:,}"
        )

    def report(self) -> str:
        lines = [
            f"simulated {self.elapsed:.1f} s: scenario {self.scenario} "
            f"({self.scenario_description}), rate {self.rate:g}, speed {self.speed:g}",
            f"  readings: {self.readings_sent:,} sent in {self.reading_batches:,} batches, "
            f"{self.achieved_per_s:.1f}/s achieved of {self.requested_per_s:.1f}/s due "
            f"(base {self.base_per_s:.1f}/s); backlog {self.backlog:,}, worst lag "
            f"{self.max_lag_s:.2f} s; alarms {self.alarms_raised:,} raised, "
            f"{self.alarms_cleared:,} cleared",
            f"  people: {self.public_reports:,} Open311 reports ({self.reward_reports:,} reward, "
            f"{self.scenario_reports:,} of the scenario), {self.patrol_reports:,} patrol finds, "
            f"{self.inspections:,} inspection findings; cases seen {self.cases_seen:,}, "
            f"closed {self.cases_closed:,}, invalid {self.cases_invalid:,}",
            f"  devices: {self.commands_issued:,} commands to {self.command_devices:,} devices; "
            f"gateway got {self.commands_received:,}, acked {self.acks_ok:,}, failed "
            f"{self.acks_failed:,}, left unanswered {self.commands_unanswered:,}; "
            f"{self.status_reports:,} status reports",
            f"  intents applied: {dict(sorted(self.applied.items()))}",
        ]
        if self.rejected:
            lines.append(f"  intents rejected: {dict(sorted(self.rejected.items()))}")
        if self.errors:
            lines.append(f"  retried or failed calls: {dict(sorted(self.errors.items()))}")
        return "\n".join(lines)


@dataclass(frozen=True)
class World:
    """The city of one seed: where everything is and the pure sequences of what happens."""

    network: SensorNetwork
    scenario: scenarios.Scenario
    readings: ReadingGenerator
    reports: ReportGenerator
    inspections: InspectionGenerator
    commands: OperatorGenerator


def build_world(
    *,
    seed: int,
    rate: float = 1.0,
    scenario: str = "normal",
    speed: float = 1.0,
    profile_hour: float = 12.0,
    ref: Reference | None = None,
) -> World:
    ref = ref or load_reference()
    network = build_network(seed)
    plan = scenarios.build(scenario, seed, network, ref)
    return World(
        network=network,
        scenario=plan,
        readings=ReadingGenerator(
            network, plan, seed=seed, rate=rate, speed=speed, profile_hour=profile_hour
        ),
        reports=ReportGenerator(
            ref, plan, seed=seed, rate=rate, speed=speed, profile_hour=profile_hour
        ),
        inspections=InspectionGenerator(ref, seed=seed, rate=rate, profile_hour=profile_hour),
        commands=OperatorGenerator(ref, seed=seed, rate=rate),
    )


async def _guard(name: str, loop: Callable[[], Awaitable[None]], stats: Stats) -> None:
    """Run one of the city's loops; an unexpected error is logged and the loop restarted."""
    while True:
        try:
            await loop()
            return
        except Stopped:
            return
        except Exception:
            log.exception("simulator loop %s failed; restarting it in 1 s", name)
            stats.errors[f"crash: {name}"] += 1
            await asyncio.sleep(1.0)


async def run(config: SimConfig) -> Stats:
    """Play the city until ``config.stop`` or ``config.duration``; return what it did."""
    stop = config.stop or asyncio.Event()
    ref = load_reference()
    clock = RunClock(speed=config.speed, profile_hour=config.profile_hour)
    world = build_world(
        seed=config.seed,
        rate=config.rate,
        scenario=config.scenario,
        speed=config.speed,
        profile_hour=clock.profile_hour if clock.profile_hour is not None else 12.0,
        ref=ref,
    )
    stats = Stats(
        scenario=config.scenario,
        scenario_description=world.scenario.describe(),
        rate=config.rate,
        speed=config.speed,
        base_per_s=world.readings.expected_per_s(0.0),
    )
    credentials = config.credentials
    staff = Staff.of(credentials)
    http = Http(config.server, credentials.api_key, stop, errors=stats.errors)
    outboxes = Outboxes(http, credentials, applied=stats.applied, rejected=stats.rejected)
    fates = Fates()
    patrols = Patrols(outboxes, staff.collectors, fates, stats)
    casework = Casework(
        ref,
        staff,
        outboxes,
        fates,
        clock,
        stats,
        seed=config.seed,
        auto_dispatch=config.auto_dispatch,
        pull_interval=config.pull_interval,
    )
    loops: dict[str, Callable[[], Awaitable[None]]] = {
        "iot": IotPlatform(
            http, world.readings, clock, stats, batch_interval=config.batch_interval
        ).run,
        "citizens": Citizens(http, world.reports, patrols, fates, clock, stats).run,
        "supervisors": Supervisors(outboxes, staff.supervisor, world.inspections, clock, stats).run,
        "operator": Operator(
            outboxes,
            staff.operator if config.auto_dispatch else None,
            world.commands,
            clock,
            stats,
        ).run,
        "changes": casework.watch,
        "casework": casework.work,
        "gateway": DeviceGateway(
            http,
            ref,
            world.scenario,
            clock,
            stats,
            seed=config.seed,
            poll_interval=config.poll_interval,
            status_interval=config.status_interval,
        ).run,
    }
    log.info(
        "simulating %s against %s: seed %d, rate %g, speed %g (%s); %d collectors, %d handlers",
        world.scenario.describe(),
        config.server,
        config.seed,
        config.rate,
        config.speed,
        "auto-dispatch" if config.auto_dispatch else "no auto-dispatch",
        len(staff.collectors),
        len(staff.handlers),
    )
    clock.restart()
    tasks = [asyncio.create_task(_guard(n, f, stats), name=f"sim-{n}") for n, f in loops.items()]

    async def progress() -> None:
        interval = config.progress_interval
        while interval:
            await http.sleep(interval)
            stats.elapsed = clock.elapsed()
            if config.on_progress is not None:
                config.on_progress(stats)

    tasks.append(asyncio.create_task(_guard("progress", progress, stats), name="sim-progress"))
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=config.duration)
    finally:
        stop.set()
        stats.elapsed = clock.elapsed()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await outboxes.close()
        await http.close()
    return stats


# ------------------------------------------------------------------ the command


def main(args: argparse.Namespace) -> int:
    """``cityops simulate``: run until Ctrl-C, SIGTERM or ``--duration``; 0 when stopped so."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    for name, value in (("rate", args.rate), ("speed", args.speed)):
        if not value > 0:
            print(f"cityops simulate: --{name} must be > 0", file=sys.stderr)
            return 2
    if args.duration is not None and args.duration <= 0:
        print("cityops simulate: --duration must be > 0", file=sys.stderr)
        return 2
    try:
        credentials = Credentials.load(args.credentials)
    except CredentialsError as exc:
        print(f"cityops simulate: {exc}", file=sys.stderr)
        return 2
    config = SimConfig(
        server=args.server,
        credentials=credentials,
        seed=args.seed,
        rate=args.rate,
        scenario=args.scenario,
        speed=args.speed,
        duration=args.duration,
        auto_dispatch=not args.no_auto_dispatch,
        progress_interval=10.0,
        on_progress=lambda s: print(s.line(), flush=True),
    )
    return asyncio.run(_main(config))


async def _main(config: SimConfig) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    config.stop = stop
    print(
        f"cityops simulate: {config.scenario} against {config.server} (seed {config.seed}, "
        f"rate {config.rate:g}, speed {config.speed:g}, started "
        f"{datetime.now(UTC).astimezone().isoformat(timespec='seconds')}, "
        f"city hour {city_hour(datetime.now(UTC)):.1f})",
        flush=True,
    )
    stats = await run(config)
    print(stats.report(), flush=True)
    return 0
