"""The simulated city is the same city for the same seed, and it has the seed's proportions.

Pure generators only (no server): readings, reports, inspections and the operator's commands
are compared item by item for the same seed; volumes are checked against DESIGN §1 (~1.4 million
readings, ~200 overweight vehicles on the 10 key bridges and ~3,700 problems a day). The IoT
platform's request body (each reading with its sensor's location) is checked without a server.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
import pytest

from cityops.domain.alarm_rules import default_rules
from cityops.domain.geography import load_districts
from cityops.domain.reference import load_reference
from cityops.domain.schemas import ReadingsBatch
from cityops.simulator import scenarios
from cityops.simulator.clock import DAY, HOUR, PUBLIC, Profile, RunClock
from cityops.simulator.iot import (
    KINDS,
    SILENCE_METRIC,
    WIM_METRIC,
    GeneratedReading,
    IotPlatform,
    ReadingGenerator,
    SensorNetwork,
    build_network,
    device_locations,
    reading_body,
)
from cityops.simulator.people import ReportGenerator
from cityops.simulator.runner import Stats, build_world

N = 2_000


@pytest.mark.parametrize("scenario", scenarios.NAMES)
def test_same_seed_same_readings_and_reports(scenario: str) -> None:
    a = build_world(seed=42, rate=3, scenario=scenario, speed=60, profile_hour=9.5)
    b = build_world(seed=42, rate=3, scenario=scenario, speed=60, profile_hour=9.5)
    readings = a.readings.take(N)
    assert readings == b.readings.take(N)
    assert len({r.device_id for r in readings}) > 500
    assert a.reports.take(300) == b.reports.take(300)
    assert a.inspections.take(100) == b.inspections.take(100)
    assert a.commands.take(50) == b.commands.take(50)
    # ``until`` walks the same sequence as ``take``, however the run slices its time
    c = build_world(seed=42, rate=3, scenario=scenario, speed=60, profile_hour=9.5)
    sliced = [r for t in range(1, 200) for r in c.readings.until(t * 0.37)]
    assert len(sliced) > N
    assert sliced[:N] == readings


def test_another_seed_another_city() -> None:
    a = build_world(seed=1, profile_hour=12)
    b = build_world(seed=2, profile_hour=12)
    assert a.network.sensors != b.network.sensors
    assert a.readings.take(500) != b.readings.take(500)
    assert a.reports.take(50) != b.reports.take(50)
    storms = {
        scenarios.build("storm", s, build_network(s), load_reference()).describe() for s in range(6)
    }
    assert len(storms) > 1  # the flooded districts depend on the seed


def test_sensors_lie_inside_their_districts_with_real_ids() -> None:
    network = build_network(3)
    districts = load_districts()
    for sensor in network.sensors:
        assert districts[sensor.district_code].contains(sensor.lon, sensor.lat), sensor
        assert network.district_of(sensor.id) == sensor.district_code
    counts = Counter(s.kind for s in network.sensors)
    assert counts == {**{k.prefix: k.count for k in KINDS}, "WIM": 10}
    assert len(network.bridges) == 10
    assert {s.district_code for s in network.by_kind["WL"]} == set(districts)
    rules = default_rules()
    for sensor in network.sensors:
        assert rules.get(sensor.metric) is not None, sensor.metric


def test_the_platform_forwards_each_readings_sensor_location() -> None:
    """The body ``IotPlatform`` posts carries, with every reading, the district and position of
    its sensor (WIM stations, bridge accelerometers and the heartbeat's silence readings too),
    in a shape the server's schema accepts."""
    world = build_world(seed=2, rate=20, scenario="storm", speed=600, profile_hour=9.5)
    readings = world.readings.until(60)
    metrics = Counter(r.metric for r in readings)
    assert all(metrics[m] for m in (WIM_METRIC, "bridge_impact_accel_g", SILENCE_METRIC)), metrics
    t0 = datetime(2025, 7, 1, 2, 0, tzinfo=UTC)
    body = reading_body(
        readings, lambda offset: t0 + timedelta(seconds=offset), device_locations(world.network)
    )

    sent = json.loads(body)["readings"]
    assert len(sent) == len(readings)
    for reading, row in zip(readings, sent, strict=True):
        sensor = world.network.by_id[reading.device_id]
        assert row == {
            "device_id": reading.device_id,
            "metric": reading.metric,
            "value": reading.value,
            "at": (t0 + timedelta(seconds=reading.offset)).isoformat(),
            "district_code": sensor.district_code,
            "lon": sensor.lon,
            "lat": sensor.lat,
        }
    # The server's schema takes it, location and all (in the platform's batches of 5,000).
    where = device_locations(world.network)
    for i in range(0, len(readings), IotPlatform.MAX_BATCH):
        chunk = readings[i : i + IotPlatform.MAX_BATCH]
        parsed = ReadingsBatch.model_validate_json(reading_body(chunk, lambda _: t0, where))
        for reading, got in zip(chunk, parsed.readings, strict=True):
            sensor = world.network.by_id[reading.device_id]
            assert (got.district_code, got.lon, got.lat) == (
                sensor.district_code,
                sensor.lon,
                sensor.lat,
            )
    # A device the network does not know is sent as it is, without a location.
    stranger = reading_body([GeneratedReading(1.0, "X-1", "water_depth", 3.0)], lambda _: t0, {})
    assert json.loads(stranger)["readings"][0].keys() == {"device_id", "metric", "value", "at"}


class _Capture:
    """The part of ``client.Http`` the IoT platform uses, keeping what it posts."""

    def __init__(self) -> None:
        self.posted: list[tuple[str, bytes]] = []

    def integration_headers(self, key: str) -> dict[str, str]:
        return {"X-Api-Key": "cok_test", "Idempotency-Key": key}

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        self.posted.append((path, kwargs["content"]))
        return httpx.Response(200, json={"alarms_raised": 0, "alarms_cleared": 0})


def test_iot_platform_posts_the_sensor_location_with_each_reading() -> None:
    world = build_world(seed=2, rate=20, scenario="storm", speed=600, profile_hour=9.5)
    readings = world.readings.until(20)
    http = _Capture()
    stats = Stats()
    platform = IotPlatform(cast(Any, http), world.readings, RunClock(), stats)
    asyncio.run(platform._send(readings))
    ((path, body),) = http.posted
    assert path == "/api/v1/ingest/readings"
    sent = json.loads(body)["readings"]
    assert [row["device_id"] for row in sent] == [r.device_id for r in readings]
    for row in sent:
        sensor = world.network.by_id[row["device_id"]]
        assert (row["district_code"], row["lon"], row["lat"]) == (
            sensor.district_code,
            sensor.lon,
            sensor.lat,
        )
    assert stats.readings_sent == len(readings)


def test_a_day_is_about_1_4_million_readings() -> None:
    assert 1_350_000 <= SensorNetwork.daily_volume() <= 1_450_000
    world = build_world(seed=5, rate=1, profile_hour=0.0)
    per_s = sum(world.readings.expected_per_s(h * HOUR) for h in range(24)) / 24
    assert 15.5 <= per_s <= 17.0  # ≈ 16 a second over the day
    hour = world.readings.until(HOUR)  # a quiet hour at midnight: periodic sensors, few lorries
    assert 0.8 * 14 * HOUR <= len(hour) <= 1.2 * 16 * HOUR


def test_about_200_overweight_vehicles_a_day_on_the_10_bridges() -> None:
    full = build_network(11)
    bridges_only = SensorNetwork(
        tuple(s for s in full.sensors if s.kind in ("WIM", "BC")), full.bridges
    )
    plan = scenarios.Scenario()
    gen = ReadingGenerator(bridges_only, plan, seed=11, rate=1, speed=1, profile_hour=0)
    day = gen.until(DAY)
    vehicles = [r for r in day if r.metric == "vehicle_gross_weight_t"]
    assert 140_000 <= len(vehicles) <= 160_000
    over = [r for r in vehicles if r.value >= 49]
    assert 160 <= len(over) <= 240, len(over)
    assert len({r.device_id for r in over}) == 10
    rule = default_rules().get("vehicle_gross_weight_t")
    assert rule is not None
    assert rule.bands[0].threshold == 49
    impacts = [r for r in day if r.metric == "bridge_impact_accel_g" and r.value >= 0.05]
    assert 0 < len(impacts) < 12


def test_normal_values_stay_clear_of_the_alarm_bands_except_in_incidents() -> None:
    world = build_world(seed=9, rate=1, profile_hour=12)
    rules = default_rules()
    readings = world.readings.until(600)
    lowest = {k.metric: rules.get(k.metric).bands[0].threshold for k in KINDS}  # type: ignore[union-attr]
    alarming = [r for r in readings if r.metric in lowest and r.value >= lowest[r.metric]]
    # only the few sensors in an incident (three are under way at the start), no waterlogging
    assert {r.device_id for r in alarming}
    assert len({r.device_id for r in alarming}) <= 8
    assert not [r for r in readings if r.metric == "water_depth" and r.value >= 10]


def test_a_day_of_reports_is_about_3700_problems_with_a_rhythm() -> None:
    ref = load_reference()
    gen = ReportGenerator(ref, scenarios.Scenario(), seed=4, rate=1, profile_hour=0)
    day = gen.until(DAY)
    assert 3_300 <= len(day) <= 4_100
    public = [r for r in day if r.channel == "open311"]
    assert 0.28 <= len(public) / len(day) <= 0.42
    assert 0.02 <= sum(r.reward for r in public) / len(public) <= 0.09
    by_hour = Counter(int(r.offset // HOUR) for r in public)
    assert by_hour[10] > 3 * by_hour[3]  # busy mid-morning, quiet at night
    codes = Counter(r.service_code for r in public)
    assert codes.most_common(1)[0][1] > 5 * codes["0101"]  # everyday problems dominate
    assert all(not ref.taxonomy.subcategories[r.service_code].emergency for r in public)
    districts = load_districts()
    for r in day[:300]:
        assert districts[r.district_code].contains(r.lon, r.lat)
        assert r.street_code is None or r.street_code.startswith(r.district_code)
    fates = [r.fate for r in day]
    assert 0.05 <= sum(f.check_fails for f in fates) / len(fates) <= 0.11  # ~8 % rework
    assert 0.06 <= sum(f.late for f in fates) / len(fates) <= 0.14


def test_flood_of_reports_multiplies_the_public_reports_tenfold() -> None:
    normal = build_world(seed=8, scenario="normal", speed=1, profile_hour=10).reports
    flood = build_world(seed=8, scenario="flood-of-reports", speed=1, profile_hour=10).reports
    count_normal = sum(r.channel == "open311" for r in normal.until(HOUR))
    count_flood = sum(r.channel == "open311" for r in flood.until(HOUR))
    assert 8.5 <= count_flood / count_normal <= 11.5, (count_normal, count_flood)


def test_storm_reports_are_standing_water_in_the_flooded_districts() -> None:
    world = build_world(seed=8, scenario="storm", speed=1, profile_hour=10)
    storm = world.scenario
    assert isinstance(storm, scenarios.Storm)
    reports = [r for r in world.reports.until(HOUR) if r.channel == "open311"]
    extra = [r for r in reports if r.scenario]
    assert 0.7 <= len(extra) / len(reports) <= 0.9  # 5× the reports: 4 in 5 are the storm's
    assert {r.district_code for r in extra} <= set(storm.flooded)
    assert Counter(r.service_code for r in extra).most_common(1)[0][0] == "0719"


def test_profiles_keep_the_days_total() -> None:
    flat = Profile("flat", [1.0] * 24)
    assert flat.at(7.3) == pytest.approx(1.0)
    assert sum(PUBLIC.at(h + 0.5) for h in range(24)) / 24 == pytest.approx(1.0, abs=0.02)
    with pytest.raises(ValueError, match="24"):
        Profile("short", [1.0] * 23)
