"""Each scenario, sped up against a real server, shows what an operator in the hall would notice.

Every test runs the real simulator (``runner.run``) on a fresh copy of a seeded database and then
reads the server's changes log as a client would. Speeds are chosen so a scenario's hour (in
simulated time) passes in well under the test's minute.
"""

from __future__ import annotations

from collections import Counter

from cityops.domain.reference import load_reference
from cityops.simulator import scenarios
from cityops.simulator.clock import DAY, PUBLIC
from cityops.simulator.gateway import POWER_LOSS
from cityops.simulator.iot import build_network
from cityops.simulator.people import PUBLIC_PER_DAY
from tests.simulator.conftest import City, changes, history, latest, simulate

SEED = 7


def _clean(stats_errors: Counter[str]) -> None:
    crashes = {k: v for k, v in stats_errors.items() if k.startswith("crash")}
    assert not crashes, crashes


def test_normal_day_moves_cases_round_the_loop_and_devices_ack(city: City) -> None:
    stats = simulate(city, seed=SEED, rate=20, speed=600, duration=30)
    _clean(stats.errors)
    log = changes(city)
    cases = latest(log, "case")
    states = Counter(c["state"] for c in cases.values())
    assert states["closed"] > 0, states
    # The simulator counts a close when its pull of the changes log shows it: a close pushed in
    # the run's last moments may not have come back yet, never the other way round.
    assert 0 < stats.cases_closed <= states["closed"], (stats.cases_closed, states)
    sources = Counter(c["source"] for c in cases.values())
    assert sources["patrol"] > 0, sources
    assert sources["app"] + sources["reward"] > 0, sources
    closed = [c for c in cases.values() if c["state"] == "closed"]
    assert all(c["handled_at"] and c["checked_at"] and c["assigned_unit"] for c in closed)
    # every step of the loop was taken by the person it belongs to
    for name in ("case.verify", "case.file", "case.dispatch", "case.accept", "case.depart"):
        assert stats.applied[name] > 0, (name, stats.applied)
    for name in ("case.arrive", "case.handle", "case.check_pass", "case.close"):
        assert stats.applied[name] > 0, (name, stats.applied)
    # the gateway acked the operator's commands and reported the fleet online
    commands = latest(log, "device_command")
    acked = [c for c in commands.values() if c["status"] == "acked"]
    assert acked, Counter(c["status"] for c in commands.values())
    devices = latest(log, "device")
    online = sum(1 for d in devices.values() if d["online"])
    assert online > 0.95 * len(devices), (online, len(devices))
    # alarms came and went; readings kept up with the rate asked for
    alarms = latest(log, "alarm")
    assert alarms
    assert any(a["state"].startswith("cleared") for a in alarms.values())
    assert stats.readings_sent >= 0.95 * stats.readings_generated
    assert stats.inspections > 0 or stats.rejected  # supervisors recorded (if the server can)


def test_storm_floods_its_districts_only_and_the_water_recedes(city: City) -> None:
    stats = simulate(city, seed=SEED, rate=4, speed=240, scenario="storm", duration=22)
    _clean(stats.errors)
    network = build_network(SEED)
    storm = scenarios.build("storm", SEED, network, load_reference())
    assert isinstance(storm, scenarios.Storm)
    log = changes(city)
    alarms = latest(log, "alarm")
    water = [a for a in alarms.values() if a["kind"] == "waterlogging"]
    assert len(water) >= 10, Counter(a["kind"] for a in alarms.values())
    districts = Counter(network.district_of(a["device_id"]) for a in water)
    assert set(districts) <= set(storm.flooded), (districts, storm.flooded)
    assert len(districts) == len(storm.flooded)  # every flooded district noticed it
    # The platform forwarded each sensor's location: every alarm is where its sensor is.
    placed = [a for a in alarms.values() if a["device_id"] in network.by_id]
    assert len(placed) >= len(water)
    for a in placed:
        sensor = network.by_id[a["device_id"]]
        assert (a["district_code"], a["lon"], a["lat"]) == (
            sensor.district_code,
            sensor.lon,
            sensor.lat,
        ), a
    assert any(a["peak_severity"] in ("major", "critical") for a in water)
    # an hour of simulated storm is over: every waterlogging alarm has cleared
    assert all(a["state"].startswith("cleared") for a in water), Counter(a["state"] for a in water)
    drains = [a for a in alarms.values() if a["kind"] == "drainage_pipe_leak"]
    assert {network.district_of(a["device_id"]) for a in drains} & set(storm.flooded)
    # citizens reported standing water and blocked drains in the flooded districts
    assert stats.scenario_reports >= 5, stats.report()
    reported = [
        e
        for e in history(log, "case_event")
        if e["kind"] == "reported" and e["details"].get("service_code") in ("0719", "0729")
    ]
    assert len(reported) >= 5


def test_gas_leak_escalates_to_critical_and_neighbours_follow(city: City) -> None:
    stats = simulate(city, seed=SEED, rate=2, speed=240, scenario="gas-leak", duration=18)
    _clean(stats.errors)
    network = build_network(SEED)
    leak = scenarios.build("gas-leak", SEED, network, load_reference())
    assert isinstance(leak, scenarios.GasLeak)
    log = changes(city)
    seen: dict[str, list[str]] = {}  # device → severities in the order they were shown
    for alarm in history(log, "alarm"):
        severities = seen.setdefault(alarm["device_id"], [])
        if not severities or severities[-1] != alarm["severity"]:
            severities.append(alarm["severity"])
    well = seen.get(leak.well.id, [])
    assert well[:1] == ["warning"], well  # warning → … → critical
    assert "critical" in well, well
    assert "critical" in seen.get(leak.station.id, []), seen.get(leak.station.id)
    followed = [w.id for w in leak.neighbours if w.id in seen]
    assert len(followed) >= 2, {w.id: seen.get(w.id) for w in leak.neighbours}
    alarms = latest(log, "alarm")
    chain = [a for a in alarms.values() if a["device_id"] == leak.well.id]
    assert chain
    assert chain[-1]["peak_severity"] == "critical"
    assert chain[-1]["state"].startswith("cleared")  # the valve was shut; it is over


def test_blackout_faults_one_districts_lighting_and_power_comes_back(city: City) -> None:
    stats = simulate(
        city, seed=SEED, rate=2, speed=240, scenario="blackout", duration=26, status_interval=1.0
    )
    _clean(stats.errors)
    blackout = scenarios.build("blackout", SEED, build_network(SEED), load_reference())
    assert isinstance(blackout, scenarios.Blackout)
    log = changes(city)
    faulted = {d["id"]: d for d in history(log, "device") if POWER_LOSS in (d.get("faults") or [])}
    assert len(faulted) >= len(blackout.cabinets)  # every circuit of every cabinet
    assert {d["district_code"] for d in faulted.values()} == {blackout.district}
    assert {d["kind"] for d in faulted.values()} == {"light_circuit"}
    offline = [d for d in faulted.values() if not d["online"]]
    assert 0 < len(offline) < len(faulted)  # some controllers went dark with their cabinet
    # minute 90 (simulated) has passed: the power is back everywhere
    now = latest(log, "device")
    assert not [i for i in faulted if POWER_LOSS in (now[i].get("faults") or [])]


def test_flood_of_reports_is_ten_times_the_public_reports(city: City) -> None:
    window, rate = 15.0, 20.0
    normal = simulate(city, seed=SEED, rate=rate, duration=window, scenario="normal")
    flood = simulate(city, seed=SEED, rate=rate, duration=window, scenario="flood-of-reports")
    _clean(normal.errors)
    _clean(flood.errors)
    # What a normal window holds on average at 10:00 (the profile hour of these runs).
    usual = PUBLIC_PER_DAY / DAY * rate * PUBLIC.at(10.0) * window
    assert 0.7 <= flood.public_reports / (10 * usual) <= 1.3, (flood.public_reports, usual)
    assert normal.public_reports > 0
    assert 5 <= flood.public_reports / normal.public_reports <= 25, (
        normal.public_reports,
        flood.public_reports,
    )
    assert flood.scenario_reports >= 0.75 * flood.public_reports  # ~9 in 10 are the flood's
    # each of them reached the hall as a public case
    public = [
        c
        for c in latest(changes(city), "case").values()
        if c["source"] in ("app", "reward", "hotline")
    ]
    # every answered report is a case; a POST cut off by the end of a run may have made one too
    answered = normal.public_reports + flood.public_reports
    attempted = normal.public_reports_attempted + flood.public_reports_attempted
    assert answered <= len(public) <= attempted
