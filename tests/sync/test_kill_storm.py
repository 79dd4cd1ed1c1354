"""Kill storm: the workstation process is SIGKILLed at random moments, over and over, while it
reports cases and syncs. Nothing it committed locally may be lost or applied twice."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from cityops.server.db import make_engine
from cityops.server.models import SyncClient
from tests.sync.conftest import PASSWORD, Api, RestartableServer

KILLS = 50
ROOT = Path(__file__).resolve().parents[2]


def _start(server: RestartableServer, cache: Path, *extra: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.sync.kill_client", server.url, str(cache), *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "KILL_CLIENT_PASSWORD": PASSWORD},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # "ready": imports done, engine running
    assert line.strip() == "ready", f"client did not start: {line!r} (exit {proc.poll()})"
    return proc


def test_killed_at_random_moments_nothing_committed_is_lost_or_doubled(
    server: RestartableServer, api: Api, tmp_path: Path
) -> None:
    cache = tmp_path / "cache.sqlite3"
    rng = random.Random(20261128)
    db = make_engine(server.settings.db_url)
    unacknowledged = 0  # kills that fell after the server's commit, before the answer was kept
    for _ in range(KILLS):
        proc = _start(server, cache)
        # Mid-commit, mid-push, or between the server's commit and our reading of its answer.
        time.sleep(rng.uniform(0.02, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        with sqlite3.connect(cache) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            client = conn.execute("SELECT value FROM sync_state WHERE key = 'client_id'").fetchone()
            settled = conn.execute(
                "SELECT coalesce(max(seq), 0) FROM outbox WHERE status != 'pending'"
            ).fetchone()[0]
        with db.connect() as conn:
            processed = conn.execute(
                select(SyncClient.last_seq).where(SyncClient.client_id == client[0])
            ).scalar()
        unacknowledged += (processed or 0) > settled
    db.dispose()
    # The hardest moment was hit: the server had applied intents the workstation still held as
    # pending; the next run pushed them again and got the stored results, not a second apply.
    print(f"kills after the server's commit, before the answer was kept: {unacknowledged}")
    assert unacknowledged >= 1
    drain = _start(server, cache, "--drain")
    assert drain.wait(timeout=120) == 0

    with sqlite3.connect(cache) as conn:
        client = conn.execute("SELECT value FROM sync_state WHERE key = 'client_id'").fetchone()[0]
        outbox = conn.execute("SELECT seq, status, args FROM outbox ORDER BY seq").fetchall()
    assert len(outbox) > KILLS  # the runs did make intents
    assert [seq for seq, _, _ in outbox] == list(range(1, len(outbox) + 1))
    assert {status for _, status, _ in outbox} == {"applied"}
    made = [f"C-{client[-8:]}-{seq:05d}" for seq, _, _ in outbox]
    # On the server: each case reported exactly once, in the order the workstation made them.
    reported = [
        c["payload"]["case_id"]
        for c in api.all_changes("dispatcher")
        if c["entity"] == "case_event"
        and c["payload"]["kind"] == "reported"
        and c["payload"]["case_id"].startswith(f"C-{client[-8:]}-")
    ]
    assert reported == made
