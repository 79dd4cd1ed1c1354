"""IoT ingest: readings become alarms (raised, repeated, cleared) that reach every client,
per-minute metrics reach the cockpit, and an integration's retries never count twice.

Readings go over the wire to a real server (``POST /api/v1/ingest/readings`` with an API key, or
published on the real Mosquitto at 127.0.0.1:1883); every test uses its own device ids, because
the tests of this module share one server and database. The metrics and MQTT tests start their
own server on a fresh database.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cityops.server import admin, ingest, metrics, mqtt_ingest
from cityops.server.db import create_schema, make_engine
from cityops.server.models import AlarmRow, DeviceRow, User
from cityops.server.settings import ServerSettings
from tests.server.conftest import (
    PASSWORD,
    USERS,
    Api,
    LiveServer,
    _drop_postgres,
    _fresh_postgres,
    start_server,
)

SECOND = timedelta(seconds=1)
URL = "/api/v1/ingest/readings"
BROKER = ("127.0.0.1", 1883)


# ---------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def api_key(live_server: LiveServer) -> str:
    engine = make_engine(live_server.db_url)
    try:
        return admin.new_api_key(engine, "iot-platform")
    finally:
        engine.dispose()


def device(prefix: str = "WL") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def start_time() -> datetime:
    """A few minutes ago, so that readings a few seconds apart are all in the past."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)


def r(device_id: str, metric: str, value: float, at: datetime) -> dict[str, Any]:
    return {"device_id": device_id, "metric": metric, "value": value, "at": at.isoformat()}


def send(
    api: Api, key: str, readings: list[dict[str, Any]], idempotency_key: str | None = None
) -> httpx.Response:
    headers = {"X-Api-Key": key}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return api.http.post(URL, json={"readings": readings}, headers=headers)


def ok(api: Api, key: str, readings: list[dict[str, Any]]) -> dict[str, Any]:
    response = send(api, key, readings)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def alarms_of(api: Api, after: int, *devices: str) -> dict[str, list[dict[str, Any]]]:
    """Alarm changes after ``after`` for ``devices``: alarm id → payloads in seq order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for change in api.all_changes("dispatcher", after=after):
        if change["entity"] == "alarm" and change["payload"]["device_id"] in devices:
            out.setdefault(change["entity_id"], []).append(change["payload"])
    return out


def cursor(api: Api) -> int:
    """The newest change seq now."""
    newest: int = api.http.get("/healthz").json()["last_seq"]
    return newest


def is_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


# ---------------------------------------------------------------------------- alarms


def test_storm_raises_waterlogging_alarms_that_reach_clients_as_changes(
    api: Api, api_key: str
) -> None:
    start, t0 = cursor(api), start_time()
    underpasses = [device("WL") for _ in range(20)]
    depths = [12, 18, 30, 45] * 5  # minor … critical
    answer = ok(
        api, api_key, [r(d, "water_depth", v, t0) for d, v in zip(underpasses, depths, strict=True)]
    )
    assert answer["accepted"] == 20
    assert answer["alarms_raised"] == 20
    assert answer["alarms_repeated"] == answer["alarms_cleared"] == answer["unknown_metric"] == 0

    alarms = alarms_of(api, start, *underpasses)
    assert len(alarms) == 20  # one alarm per underpass, one change each
    by_device = {p[-1]["device_id"]: p[-1] for p in alarms.values()}
    assert {d: a["severity"] for d, a in by_device.items()} == {
        d: {12: "warning", 18: "minor", 30: "major", 45: "critical"}[v]
        for d, v in zip(underpasses, depths, strict=True)
    }
    assert all(
        a["state"] == "active_unack" and a["kind"] == "waterlogging" for a in by_device.values()
    )
    assert all(uuid.UUID(i).version == 7 for i in alarms)
    assert answer["last_change_seq"] == cursor(api)


def test_repeated_readings_are_one_alarm_counting_occurrences(api: Api, api_key: str) -> None:
    start, t0, wl = cursor(api), start_time(), device()
    first = ok(
        api, api_key, [r(wl, "water_depth", 11 + i * 0.1, t0 + i * SECOND) for i in range(5)]
    )
    assert (first["alarms_raised"], first["alarms_repeated"]) == (1, 4)
    again = ok(api, api_key, [r(wl, "water_depth", 11.5, t0 + 10 * SECOND)])
    assert (again["alarms_raised"], again["alarms_repeated"]) == (0, 1)

    alarms = alarms_of(api, start, wl)
    assert len(alarms) == 1
    (versions,) = alarms.values()
    assert len(versions) == 2  # one change per batch, in the batch's final state
    assert versions[-1]["occurrences"] == 6
    assert versions[-1]["value"] == 11.5


def test_readings_within_the_deadband_hold_and_below_it_clear(api: Api, api_key: str) -> None:
    start, t0, wl = cursor(api), start_time(), device()
    ok(api, api_key, [r(wl, "water_depth", 12, t0)])
    held = ok(api, api_key, [r(wl, "water_depth", 9, t0 + SECOND)])  # lowest band 10, deadband 2
    assert (held["alarms_repeated"], held["alarms_cleared"]) == (1, 0)
    cleared = ok(api, api_key, [r(wl, "water_depth", 7.5, t0 + 2 * SECOND)])
    assert cleared["alarms_cleared"] == 1

    (versions,) = alarms_of(api, start, wl).values()
    assert [v["state"] for v in versions] == ["active_unack", "active_unack", "cleared_unack"]
    assert versions[-1]["cleared_at"] is not None
    quiet = ok(api, api_key, [r(wl, "water_depth", 3, t0 + 3 * SECOND)])
    assert (quiet["alarms_cleared"], quiet["last_change_seq"]) == (0, None)


def test_readings_are_applied_in_timestamp_order_not_batch_order(api: Api, api_key: str) -> None:
    start, t0, wl = cursor(api), start_time(), device()
    # The platform delivers the falling water before the rising water it measured earlier.
    answer = ok(
        api,
        api_key,
        [r(wl, "water_depth", 5, t0 + 2 * SECOND), r(wl, "water_depth", 20, t0 + SECOND)],
    )
    assert (answer["alarms_raised"], answer["alarms_cleared"]) == (1, 1)
    (versions,) = alarms_of(api, start, wl).values()
    assert versions[-1]["state"] == "cleared_unack"
    assert versions[-1]["value"] == 20


def test_300_overweight_vehicles_are_occurrences_on_one_alarm_per_bridge(
    api: Api, api_key: str
) -> None:
    start, t0 = cursor(api), start_time()
    bridges = [device("WIM") for _ in range(3)]
    readings = []
    for i in range(300):
        readings.append(r(bridges[i % 3], "vehicle_gross_weight_t", 52 + i % 20, t0 + i * SECOND))
        readings.append(r(bridges[i % 3], "vehicle_gross_weight_t", 31, t0 + i * SECOND))  # legal
    answer = ok(api, api_key, readings)
    assert answer["accepted"] == 600
    assert (answer["alarms_raised"], answer["alarms_repeated"]) == (3, 297)
    assert answer["alarms_cleared"] == 0  # a vehicle is an event, not a condition that ends

    alarms = alarms_of(api, start, *bridges)
    assert len(alarms) == 3
    for versions in alarms.values():
        (latest,) = versions  # one change per alarm for the whole batch
        assert latest["occurrences"] == 100
        assert latest["kind"] == "bridge_overweight"
        assert latest["state"] == "cleared_unack"  # momentary: waits for a dispatcher's ack


def test_a_closed_alarm_stays_closed_and_the_next_crossing_is_a_new_alarm(
    api: Api, api_key: str
) -> None:
    start, t0, wl = cursor(api), start_time(), device()
    ok(api, api_key, [r(wl, "water_depth", 12, t0)])
    (alarm_id,) = alarms_of(api, start, wl)
    acked = api.do("dispatcher", f"ws-{wl}", "alarm.ack", alarm_id=alarm_id, seen_peak="warning")
    assert acked["status"] == "applied", acked
    ok(api, api_key, [r(wl, "water_depth", 2, t0 + 10 * SECOND)])  # closes it
    # Normal readings on a closed alarm change nothing; a late high reading measured before the
    # clear is counted on the closed alarm instead of opening a phantom one.
    quiet = ok(api, api_key, [r(wl, "water_depth", 1, t0 + 11 * SECOND)])
    assert quiet["last_change_seq"] is None
    late = ok(api, api_key, [r(wl, "water_depth", 13, t0 + 5 * SECOND)])
    assert (late["alarms_raised"], late["alarms_repeated"]) == (0, 1)
    fresh = ok(api, api_key, [r(wl, "water_depth", 15, t0 + 20 * SECOND)])
    assert fresh["alarms_raised"] == 1

    alarms = alarms_of(api, start, wl)
    assert len(alarms) == 2
    old, new = alarms[alarm_id], next(v for k, v in alarms.items() if k != alarm_id)
    assert (old[-1]["state"], old[-1]["occurrences"]) == ("cleared", 2)
    assert (new[-1]["state"], new[-1]["severity"]) == ("active_unack", "minor")


def test_unknown_metrics_are_counted_not_refused(api: Api, api_key: str) -> None:
    t0, wl = start_time(), device()
    answer = ok(
        api,
        api_key,
        [
            r(wl, "air_temperature_c", 31.5, t0),
            r(wl, "battery_v", 3.6, t0),
            r(wl, "water_depth", 4, t0),
        ],
    )
    assert answer == {
        "accepted": 1,
        "unknown_metric": 2,
        "alarms_raised": 0,
        "alarms_repeated": 0,
        "alarms_cleared": 0,
        "last_change_seq": None,
    }


def test_a_new_alarm_takes_the_district_and_position_of_a_known_device(
    api: Api, api_key: str, live_server: LiveServer
) -> None:
    with live_server.state.gate.read() as session:
        known = session.scalars(select(DeviceRow).limit(1)).one()
        district, lon, lat = known.district_code, known.doc["lon"], known.doc["lat"]
    start = cursor(api)
    ok(api, api_key, [r(known.id, "cover_tilt_deg", 25, start_time())])
    (versions,) = alarms_of(api, start, known.id).values()
    assert (versions[-1]["district_code"], versions[-1]["lon"], versions[-1]["lat"]) == (
        district,
        lon,
        lat,
    )


def test_a_reading_carrying_its_location_places_the_alarm_it_opens(
    api: Api, api_key: str, live_server: LiveServer
) -> None:
    """A platform forwards device metadata with telemetry: a sensor the server has no device
    record of still gets its alarm on the map, from the reading that opens it."""
    start, t0, wl = cursor(api), start_time(), device()
    here = {"district_code": "330102", "lon": 120.171234, "lat": 30.251234}
    answer = ok(api, api_key, [{**r(wl, "water_depth", 14, t0), **here}])
    assert answer["alarms_raised"] == 1
    # A later reading of the open alarm (elsewhere, or nowhere) repeats it where it opened.
    elsewhere = {"district_code": "330106", "lon": 120.1, "lat": 30.3}
    again = ok(
        api,
        api_key,
        [
            {**r(wl, "water_depth", 16, t0 + SECOND), **elsewhere},
            r(wl, "water_depth", 17, t0 + 2 * SECOND),
        ],
    )
    assert again["alarms_repeated"] == 2

    ((alarm_id, versions),) = alarms_of(api, start, wl).items()
    assert [(v["district_code"], v["lon"], v["lat"]) for v in versions] == [
        ("330102", 120.171234, 30.251234)
    ] * 2
    with live_server.state.gate.read() as session:
        row = session.get(AlarmRow, alarm_id)
        assert row is not None
        assert row.district_code == "330102"  # the column the server filters on, too
        assert (row.doc["lon"], row.doc["lat"]) == (120.171234, 30.251234)


def test_a_reading_without_a_location_opens_an_alarm_without_one(api: Api, api_key: str) -> None:
    start, wl = cursor(api), device()
    ok(api, api_key, [r(wl, "water_depth", 14, start_time())])
    (versions,) = alarms_of(api, start, wl).values()
    assert (versions[-1]["district_code"], versions[-1]["lon"], versions[-1]["lat"]) == (
        None,
        None,
        None,
    )


def test_a_known_device_takes_the_location_its_reading_carries(
    api: Api, api_key: str, live_server: LiveServer
) -> None:
    """The device table is the fallback: what the platform forwards with the reading wins."""
    with live_server.state.gate.read() as session:
        known = session.scalars(select(DeviceRow).order_by(DeviceRow.id.desc()).limit(1)).one()
    start = cursor(api)
    here = {"district_code": "330110", "lon": 119.9876, "lat": 30.2745}
    ok(api, api_key, [{**r(known.id, "gas_lel", 30, start_time()), **here}])
    (versions,) = alarms_of(api, start, known.id).values()
    assert (versions[-1]["district_code"], versions[-1]["lon"], versions[-1]["lat"]) == (
        "330110",
        119.9876,
        30.2745,
    )


@pytest.mark.parametrize(
    "where",
    [
        {"lon": 120.17},
        {"lat": 30.25},
        {"district_code": "330102", "lon": 120.17},
        {"lon": 120.17, "lat": None},
    ],
)
def test_half_a_position_is_a_422_problem(api: Api, api_key: str, where: dict[str, Any]) -> None:
    start, t0, wl = cursor(api), start_time(), device()
    fine = r(device(), "water_depth", 30, t0)  # the whole batch is refused, this one too
    body = is_problem(send(api, api_key, [fine, {**r(wl, "water_depth", 30, t0), **where}]), 422)
    assert body["detail"].startswith("body.readings.1")
    assert "lon and lat must be given together" in body["detail"]
    assert cursor(api) == start


@pytest.mark.parametrize(
    "where",
    [
        {"lon": 181.0, "lat": 30.25},
        {"lon": 120.17, "lat": -90.5},
        {"district_code": "", "lon": 120.17, "lat": 30.25},
    ],
)
def test_an_impossible_location_is_a_422_problem(
    api: Api, api_key: str, where: dict[str, Any]
) -> None:
    reading = {**r(device(), "water_depth", 30, start_time()), **where}
    body = is_problem(send(api, api_key, [reading]), 422)
    assert body["detail"].startswith("body.readings.0.")


# ---------------------------------------------------------------------------- the contract


def test_the_contract_describes_the_optional_location(api: Api) -> None:
    spec = api.http.get("/openapi.json").json()
    body = spec["paths"][URL]["post"]["requestBody"]["content"]["application/json"]["schema"]
    reading = body["properties"]["readings"]["items"]
    assert {"district_code", "lon", "lat"} <= set(reading["properties"])
    assert set(reading["required"]) == {"device_id", "metric", "value", "at"}
    assert "location" in reading["description"]


def test_idempotency_key_replays_the_answer_without_counting_again(api: Api, api_key: str) -> None:
    start, t0, wl = cursor(api), start_time(), device()
    readings = [r(wl, "gas_lel", 22, t0), r(wl, "gas_lel", 26, t0 + SECOND)]
    key = f"batch-{uuid.uuid4()}"
    first = send(api, api_key, readings, key)
    assert first.status_code == 200, first.text
    again = send(api, api_key, readings, key)  # the platform's retry after a timeout
    assert again.status_code == 200
    assert again.content == first.content
    assert again.headers.get("idempotent-replayed") == "true"
    (versions,) = alarms_of(api, start, wl).values()
    assert len(versions) == 1
    assert versions[0]["occurrences"] == 2  # not 4


def test_idempotency_key_with_another_body_is_a_422_problem(
    api: Api, api_key: str, live_server: LiveServer
) -> None:
    t0, wl, key = start_time(), device(), f"batch-{uuid.uuid4()}"
    assert send(api, api_key, [r(wl, "water_depth", 1, t0)], key).status_code == 200
    other = send(api, api_key, [r(wl, "water_depth", 30, t0)], key)
    body = is_problem(other, 422)
    assert "Idempotency-Key" in body["detail"]
    # Keys are per integration: another platform may use the same key for its own batch.
    engine = make_engine(live_server.db_url)
    try:
        other_key = admin.new_api_key(engine, f"platform-{uuid.uuid4().hex[:6]}")
    finally:
        engine.dispose()
    assert send(api, other_key, [r(wl, "water_depth", 30, t0)], key).status_code == 200


def test_missing_or_bad_api_key_is_401(api: Api) -> None:
    body = {"readings": [r(device(), "water_depth", 1, start_time())]}
    for headers in ({}, {"X-Api-Key": "cok_not-a-key"}, {"Authorization": "Bearer x"}):
        is_problem(api.http.post(URL, json=body, headers=headers), 401)
    with_user_token = api.http.post(URL, json=body, headers=api.headers("dispatcher"))
    is_problem(with_user_token, 401)  # a person's token is not an integration key


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (b"{not json", "body"),
        (b"[]", "body"),
        (b'{"readings": []}', "readings"),
        (b'{"readings": [{"device_id": "D", "metric": "water_depth", "value": 1}]}', "at"),
        (
            b'{"readings": [{"device_id": "D", "metric": "water_depth", "value": 1,'
            b' "at": "2025-07-01T10:00:00"}]}',
            "at",
        ),
        (
            b'{"readings": [{"device_id": "D", "metric": "water_depth", "value": "deep",'
            b' "at": "2025-07-01T10:00:00+08:00"}]}',
            "value",
        ),
        (
            b'{"readings": [{"device_id": "D", "metric": "water_depth", "value": NaN,'
            b' "at": "2025-07-01T10:00:00+08:00"}]}',
            "",
        ),
        (
            b'{"readings": [{"device_id": "", "metric": "water_depth", "value": 1,'
            b' "at": "2025-07-01T10:00:00+08:00"}]}',
            "device_id",
        ),
        (
            b'{"readings": [{"device_id": "D", "metric": "water_depth", "value": 1,'
            b' "at": "2025-07-01T10:00:00+08:00", "unit": "cm"}]}',
            "unit",
        ),
    ],
)
def test_malformed_bodies_are_422_problems(
    api: Api, api_key: str, content: bytes, where: str
) -> None:
    response = api.http.post(
        URL, content=content, headers={"X-Api-Key": api_key, "Content-Type": "application/json"}
    )
    body = is_problem(response, 422)
    assert where in body["detail"]


def test_more_than_10000_readings_is_a_422_problem(api: Api, api_key: str) -> None:
    t0 = start_time()
    readings = [r(f"D-{i}", "water_depth", 1, t0) for i in range(10_001)]
    is_problem(send(api, api_key, readings), 422)
    assert ok(api, api_key, readings[:10_000])["accepted"] == 10_000


def test_idempotency_key_longer_than_128_is_a_400_problem(api: Api, api_key: str) -> None:
    is_problem(send(api, api_key, [r(device(), "water_depth", 1, start_time())], "k" * 129), 400)


# ---------------------------------------------------------------------------- own servers


@pytest.fixture
def fresh_db(tmp_path: Any) -> Iterator[str]:
    pg = os.environ.get("CITYOPS_TEST_PG_URL")
    if pg:
        url, name = _fresh_postgres(pg)
        yield url
        _drop_postgres(pg, name)
    else:
        yield f"sqlite:///{tmp_path / 'own.sqlite3'}"


@contextmanager
def own_server(settings: ServerSettings) -> Iterator[tuple[LiveServer, str, Api]]:
    """A server of the test's own on ``settings.db_url``: an integration key and a client that
    pulls changes as the dispatcher."""
    engine = make_engine(settings.db_url)
    create_schema(engine)
    key = admin.new_api_key(engine, f"iot-platform-{uuid.uuid4().hex[:8]}")
    if not admin_has(engine, "dispatcher"):
        admin.add_user(engine, "dispatcher", PASSWORD, *USERS["dispatcher"])
    engine.dispose()
    live, server, thread = start_server(settings)
    client = Api(live.url)
    try:
        yield live, key, client
    finally:
        client.http.close()
        server.should_exit = True
        thread.join(timeout=10)


def admin_has(engine: Any, name: str) -> bool:
    with engine.connect() as conn:
        return conn.scalar(select(User.id).where(User.name == name)) is not None


def metric_changes(client: Api) -> list[dict[str, Any]]:
    return [c for c in client.all_changes("dispatcher") if c["entity"] == "metric"]


def test_metrics_are_emitted_once_per_finished_minute_with_the_counts(fresh_db: str) -> None:
    settings = ServerSettings(db_url=fresh_db, background_tasks=False)
    with own_server(settings) as (live, key, client):
        t0 = start_time()
        bridges = [device("WIM") for _ in range(2)]
        readings = [r(device(), "water_depth", 3, t0) for _ in range(50)]
        readings += [
            r(bridges[i % 2], "vehicle_gross_weight_t", 60, t0 + i * SECOND) for i in range(10)
        ]
        readings += [r(bridges[0], "vehicle_gross_weight_t", 20, t0) for _ in range(5)]
        readings += [r(device("GAS"), "gas_lel", 55, t0)]  # one critical gas leak
        readings += [r(device(), "rain_mm_h", 12, t0) for _ in range(3)]
        ok(client, key, readings)

        now = datetime.now(UTC)
        assert ingest.emit_metrics is metrics.emit_metrics
        assert ingest.emit_metrics(live.state, now) == 1  # the minute just finished (no counts)
        # This minute (if the batch straddled a minute boundary, its counts were in the first).
        assert ingest.emit_metrics(live.state, now + timedelta(minutes=1)) == 1
        assert ingest.emit_metrics(live.state, now + timedelta(minutes=1)) == 0

        changes = metric_changes(client)
        assert len({c["entity_id"] for c in changes}) == len(changes)  # every minute once
        assert all(c["entity_id"] == f"minute:{c['payload']['minute']}" for c in changes)
        totals: dict[str, float] = {}
        for change in changes:
            for name, value in change["payload"]["values"].items():
                totals[name] = totals.get(name, 0) + value
        assert totals == {
            "readings": 69,
            "readings.water_depth": 50,
            "readings.vehicle_gross_weight_t": 15,
            "readings.gas_lel": 1,
            "readings.unknown_metric": 3,
            "overweight_vehicles": 10,
            "alarms_raised": 3,
        }
        latest = changes[-1]["payload"]
        assert latest["active_alarms"] == {"gas_leak": {"critical": 1}}  # the bridges cleared
        assert latest["active_alarms_total"] == 1

        # A minute later exactly one more minute is emitted, even without readings.
        assert ingest.emit_metrics(live.state, now + timedelta(minutes=2)) == 1
        assert metric_changes(client)[-1]["payload"]["values"] == {}


def test_emitted_until_survives_a_restart(fresh_db: str) -> None:
    settings = ServerSettings(db_url=fresh_db, background_tasks=False)
    now = datetime.now(UTC)
    with own_server(settings) as (live, _key, _client):
        assert metrics.emit_metrics(live.state, now) == 1
    with own_server(settings) as (live, _key, _client):
        assert metrics.emit_metrics(live.state, now) == 0
        assert metrics.emit_metrics(live.state, now + timedelta(minutes=1)) == 1


# ---------------------------------------------------------------------------- MQTT


def test_mqtt_urls() -> None:
    target = mqtt_ingest.parse_url("mqtt://127.0.0.1:1883/cityops/readings")
    assert (target.host, target.port, target.topic, target.tls) == (
        "127.0.0.1",
        1883,
        "cityops/readings",
        False,
    )
    assert target.subscription == "cityops/readings"
    shared = mqtt_ingest.parse_url(
        "mqtts://iot:s%40cret@broker.example/city/+/readings/#?group=hall"
    )
    assert (shared.port, shared.username, shared.password) == (8883, "iot", "s@cret")
    assert shared.topic == "city/+/readings/#"
    assert shared.subscription == "$share/hall/city/+/readings/#"
    for bad in ("http://x/t", "mqtt://host", "mqtt:///topic"):
        with pytest.raises(ValueError, match="MQTT URL"):
            mqtt_ingest.parse_url(bad)


async def _broker_answers() -> bool:
    import aiomqtt

    try:
        async with aiomqtt.Client(*BROKER, timeout=3):
            return True
    except aiomqtt.MqttError:
        return False


async def _publish(topic: str, payload: bytes, *, retain: bool = False) -> None:
    import aiomqtt

    async with aiomqtt.Client(*BROKER, timeout=5) as client:
        await client.publish(topic, payload, qos=1, retain=retain)


def wait_for_alarms(client: Api, wl: str, seconds: float = 20) -> dict[str, list[dict[str, Any]]]:
    deadline = datetime.now(UTC) + timedelta(seconds=seconds)
    alarms = alarms_of(client, 0, wl)
    while not alarms and datetime.now(UTC) < deadline:
        time.sleep(0.1)
        alarms = alarms_of(client, 0, wl)
    return alarms


def test_readings_published_on_mqtt_raise_alarms(fresh_db: str) -> None:
    pytest.importorskip("aiomqtt")
    if not asyncio.run(_broker_answers()):
        pytest.skip("no MQTT broker answers at 127.0.0.1:1883")
    topic = f"cityops/test/{uuid.uuid4().hex}/readings"
    settings = ServerSettings(
        db_url=fresh_db, background_tasks=True, mqtt_url=f"mqtt://127.0.0.1:1883/{topic}"
    )
    with own_server(settings) as (_live, _key, client):
        t0, first, second = start_time(), device(), device()
        batch = {"readings": [r(first, "water_depth", 33, t0), r(first, "water_depth", 35, t0)]}
        # Retained, so that it reaches the server whether or not it has subscribed yet.
        asyncio.run(_publish(topic, json.dumps(batch).encode(), retain=True))
        try:
            alarms = wait_for_alarms(client, first)
        finally:
            asyncio.run(_publish(topic, b"", retain=True))  # clear it (the server ignores it)
        assert len(alarms) == 1, "the published batch did not arrive"
        (versions,) = alarms.values()
        assert (versions[-1]["occurrences"], versions[-1]["severity"]) == (2, "major")

        # A message that is not a readings batch is dropped; the subscription goes on.
        asyncio.run(_publish(topic, b'{"readings": "nope"}'))
        asyncio.run(_publish(topic, b"\xff\xfe not json"))
        asyncio.run(
            _publish(topic, json.dumps({"readings": [r(second, "gas_lel", 30, t0)]}).encode())
        )
        alarms = wait_for_alarms(client, second)
        assert [v[-1]["kind"] for v in alarms.values()] == ["gas_leak"]
        # The same background task emits the minutes (its first round runs at start).
        assert metric_changes(client), "ingest.background emitted no metrics"


def test_mqtt_subscription_keeps_retrying_an_absent_broker(
    fresh_db: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip("aiomqtt")
    monkeypatch.setattr(mqtt_ingest, "FIRST_BACKOFF", 0.01)
    monkeypatch.setattr(mqtt_ingest, "MAX_BACKOFF", 0.04)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        port = unused.getsockname()[1]
        state: Any = SimpleNamespace(
            settings=ServerSettings(db_url=fresh_db, mqtt_url=f"mqtt://127.0.0.1:{port}/t")
        )

        async def main() -> None:
            task = asyncio.create_task(mqtt_ingest.run(state))
            for _ in range(200):
                await asyncio.sleep(0.02)
                if len(_retries(caplog)) >= 3 or task.done():
                    break
            assert not task.done()  # still trying, never gave up
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

        with caplog.at_level(logging.WARNING, logger=mqtt_ingest.__name__):
            asyncio.run(main())
    assert len(_retries(caplog)) >= 3


def _retries(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [m for m in caplog.messages if "reconnecting" in m]


def test_mqtt_is_off_by_default() -> None:
    assert ServerSettings(db_url="sqlite://").mqtt_url is None
