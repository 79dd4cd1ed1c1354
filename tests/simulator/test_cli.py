"""``cityops simulate`` as the demo and operators run it: a real process against a real server.

It runs for ``--duration`` or until SIGINT/SIGTERM, then stops cleanly (exit 0) and prints
what it did; a missing credentials file is a clear error (exit 2).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from cityops import cli
from cityops.simulator import scenarios
from tests.simulator.conftest import City, Template

CITYOPS = [sys.executable, "-m", "cityops.cli"]


def test_simulate_runs_for_its_duration_and_reports(city: City, template: Template) -> None:
    args = ["simulate", "--server", city.url, "--credentials", str(template.credentials)]
    args += ["--rate", "3", "--speed", "120", "--duration", "6", "--seed", "5"]
    done = subprocess.run([*CITYOPS, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "simulated 6." in done.stdout
    assert "readings:" in done.stdout
    assert "backlog 0" in done.stdout
    assert "Traceback" not in done.stderr


def test_sigterm_and_sigint_stop_it_cleanly(city: City, template: Template) -> None:
    for signum in (signal.SIGTERM, signal.SIGINT):
        proc = subprocess.Popen(
            [
                *CITYOPS,
                "simulate",
                "--server",
                city.url,
                "--credentials",
                str(template.credentials),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(4)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, out + err
        assert "simulated " in out
        assert "Traceback" not in err


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    missing = subprocess.run(
        [*CITYOPS, "simulate", "--server", "http://127.0.0.1:9", "--credentials", "nope.json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert missing.returncode == 2
    assert "nope.json: not found" in missing.stderr
    assert cli.SCENARIOS == scenarios.NAMES
