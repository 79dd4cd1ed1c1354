"""The live stream: every change arrives once, in seq order, across drops, stale cursors,
slow clients and several server processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_sse import connect_sse
from sqlalchemy import text

from cityops.domain.schemas import ChangeDoc
from cityops.server.db import make_engine
from cityops.server.settings import ServerSettings
from tests.server.conftest import Api, LiveServer, free_port, new_id, start_server

#: Seconds a test waits for the next stream bytes before failing (never hang the suite).
READ_TIMEOUT = 5.0


def newest_seq(base: str) -> int:
    seq: int = httpx.get(f"{base}/healthz", timeout=10).json()["last_seq"]
    return seq


def report(api: Api, client: str, user: str = "collector") -> None:
    result = api.do(
        user,
        client,
        "case.report",
        case_id=new_id(),
        source="patrol",
        description="湖滨路暴露垃圾",
        district_code="330102",
        street_code="330102001",
    )
    assert result["status"] == "applied", result


@contextmanager
def stream(
    base: str,
    token: str,
    *,
    after: int | None = None,
    last_event_id: int | None = None,
) -> Iterator[Iterator[Any]]:
    """An open stream as an iterator of its dispatched events (``httpx_sse`` drops comments).

    The stream is closed on exit: an open stream would keep the in-thread server from stopping.
    """
    headers = {"Authorization": f"Bearer {token}"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    params = {"after": after} if after is not None else {}
    timeout = httpx.Timeout(10.0, read=READ_TIMEOUT)
    with (
        httpx.Client(base_url=base, timeout=timeout) as http,
        connect_sse(http, "GET", "/api/v1/events", headers=headers, params=params) as source,
    ):
        assert source.response.status_code == 200
        assert source.response.headers["content-type"].startswith("text/event-stream")
        yield source.iter_sse()


def take_changes(events: Iterator[Any], n: int) -> list[tuple[int, dict[str, Any]]]:
    """The next ``n`` change events as (id, ChangeDoc dict); fails on anything else but pings."""
    got: list[tuple[int, dict[str, Any]]] = []
    for sse in events:
        if sse.event == "message" and not sse.data:
            continue  # the retry field alone, or a ping after an id (httpx_sse yields both)
        assert sse.event == "change", (sse.event, sse.data)
        got.append((int(sse.id), json.loads(sse.data)))
        if len(got) == n:
            return got
    raise AssertionError(f"stream ended after {len(got)} of {n} changes")


def assert_same(received: list[tuple[int, dict[str, Any]]], pulled: list[dict[str, Any]]) -> None:
    """Exactly the pulled changes: same docs, ids = seqs, strictly increasing (no duplicate)."""
    assert [doc for _, doc in received] == pulled
    assert [seq for seq, _ in received] == [c["seq"] for c in pulled]
    seqs = [seq for seq, _ in received]
    assert seqs == sorted(set(seqs))


def test_changes_arrive_live_in_seq_order_with_ids_as_seqs(
    api: Api, live_server: LiveServer
) -> None:
    start = newest_seq(live_server.url)
    with stream(live_server.url, api.token("dispatcher"), after=start) as events:
        client = new_id("ws")
        for _ in range(3):
            report(api, client)
        pulled = api.all_changes("dispatcher", after=start)
        assert len(pulled) >= 3
        assert_same(take_changes(events, len(pulled)), pulled)


def test_resume_with_last_event_id_sends_exactly_the_missed_changes(
    api: Api, live_server: LiveServer
) -> None:
    start = newest_seq(live_server.url)
    client = new_id("ws")
    token = api.token("dispatcher")
    with stream(live_server.url, token, after=start) as events:
        report(api, client)
        first = take_changes(events, len(api.all_changes("dispatcher", after=start)))
    last_id = first[-1][0]
    report(api, client)  # committed while the client is away
    report(api, client)
    # ?after= is stale on purpose: the header an EventSource sends on reconnect must win.
    with stream(live_server.url, token, after=start, last_event_id=last_id) as events:
        report(api, client)  # and one more while it catches up / after it switched to live
        missed = api.all_changes("dispatcher", after=last_id)
        assert len(missed) >= 3
        assert_same(take_changes(events, len(missed)), missed)


def test_stream_without_cursor_starts_at_the_newest_change(
    api: Api, live_server: LiveServer
) -> None:
    client = new_id("ws")
    report(api, client)
    with stream(live_server.url, api.token("dispatcher")) as events:
        # The stream subscribed once it answered; wait until the hub counts it, then push.
        deadline = time.monotonic() + READ_TIMEOUT
        while live_server.state.hub.subscriber_count == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        start = newest_seq(live_server.url)
        report(api, client)
        pulled = api.all_changes("dispatcher", after=start)
        assert_same(take_changes(events, len(pulled)), pulled)


def test_retry_comes_first_and_heartbeats_keep_the_stream_alive(
    api: Api, live_server: LiveServer
) -> None:
    settings = ServerSettings(
        db_url=live_server.db_url,
        background_tasks=False,
        relay_poll_interval=0.2,
        sse_heartbeat=0.5,
        sse_retry_ms=1234,
    )
    quick, server, thread = start_server(settings)
    try:
        headers = {"Authorization": f"Bearer {api.token('operator')}"}
        timeout = httpx.Timeout(10.0, read=READ_TIMEOUT)
        with (
            httpx.Client(base_url=quick.url, timeout=timeout) as http,
            http.stream("GET", "/api/v1/events", headers=headers) as response,
        ):
            assert response.status_code == 200
            lines = response.iter_lines()
            assert next(lines) == "retry: 1234"
            began, pings = time.monotonic(), 0
            for line in lines:
                if line == ": ping":
                    pings += 1
                    if pings == 2:
                        break
            assert time.monotonic() - began < 3  # every 0.5 s, not the default 15 s
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_a_subscriber_dropped_for_being_slow_gets_its_stream_ended(
    api: Api, live_server: LiveServer
) -> None:
    report(api, new_id("ws"))
    start = newest_seq(live_server.url)
    old = ChangeDoc.model_validate(api.all_changes("dispatcher", after=start - 1)[-1])
    hub = live_server.state.hub
    hub.queue_size = 1  # queues made from now on hold one batch
    try:
        with stream(live_server.url, api.token("dispatcher"), after=start) as events:
            deadline = time.monotonic() + READ_TIMEOUT
            while hub.subscriber_count == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert hub.subscriber_count == 1
            # Two batches in one loop turn: the stream cannot take the first before the second
            # arrives, so its queue overflows exactly as a client that stopped reading would.
            hub._loop.call_soon_threadsafe(lambda: [hub.publish([old]) for _ in range(2)])
            assert [e for e in events if e.event == "change"] == []  # and then the stream ends
        assert hub.subscriber_count == 0
    finally:
        hub.queue_size = 10_000


def test_stream_needs_a_valid_token_and_a_numeric_last_event_id(
    api: Api, live_server: LiveServer
) -> None:
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        assert http.get("/api/v1/events").status_code == 401
        bad = http.get(
            "/api/v1/events", headers={**api.headers("operator"), "Last-Event-ID": "abc"}
        )
        assert bad.status_code == 400
        assert bad.headers["content-type"].startswith("application/problem+json")


def test_cursor_older_than_retention_gets_resync_and_the_stream_ends(
    api: Api, live_server: LiveServer
) -> None:
    client = new_id("ws")
    for _ in range(3):
        report(api, client)
    newest = newest_seq(live_server.url)
    engine = make_engine(live_server.db_url)
    with engine.begin() as conn:  # retention pruned everything but the newest change
        conn.execute(text("DELETE FROM changes WHERE seq < :keep"), {"keep": newest})
    engine.dispose()
    with stream(live_server.url, api.token("dispatcher"), last_event_id=newest - 2) as events:
        dispatched = [e for e in events if e.event != "message"]
    assert [(e.event, json.loads(e.data)) for e in dispatched] == [
        ("resync", {"oldest_seq": newest})
    ]
    # The cursor just before the oldest kept change is still good: it misses nothing.
    with stream(live_server.url, api.token("dispatcher"), last_event_id=newest - 1) as events:
        assert take_changes(events, 1)[0][0] == newest


@contextmanager
def second_process(db_url: str) -> Iterator[str]:
    """``cityops server`` in its own process on the same database; yields its base URL."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "cityops"), "server", "--db", db_url]
    command += ["--port", str(port), "--log-level", "warning"]
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, "the second server exited"
            assert time.monotonic() < deadline, "the second server did not start"
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.skipif(
    not os.environ.get("CITYOPS_TEST_PG_URL"),
    reason="needs PostgreSQL: set CITYOPS_TEST_PG_URL to run two server processes on one database",
)
def test_two_server_processes_on_one_postgresql_both_stream_every_change(
    api: Api, live_server: LiveServer
) -> None:
    token = api.token("dispatcher")  # both processes sign with the secret kept in the database
    with second_process(live_server.db_url) as other:
        start = newest_seq(live_server.url)
        with (
            stream(live_server.url, token, after=start) as here,
            stream(other, token, after=start) as there,
        ):
            client = new_id("ws")
            for _ in range(3):
                report(api, client)  # pushed through the first process only
            pulled = api.all_changes("dispatcher", after=start)
            assert len(pulled) >= 3
            assert_same(take_changes(here, len(pulled)), pulled)
            assert_same(take_changes(there, len(pulled)), pulled)
