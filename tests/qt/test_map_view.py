"""The offline alarm map in a real QtWebEngine: Leaflet loads from the local packages, markers
arrive in batches, clusters take the worst severity inside, a click reaches Python.

The scenario runs in its own process (``map_probe.py``): after a QtWebEngine page, this
process's QApplication could not leave and re-enter its loop again (every qasync test does).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtWebEngineWidgets")

SHOTS = Path("screenshots/tests")
SEVERITIES = ("warning", "minor", "major", "critical")


def test_markers_clusters_and_clicks_reach_both_sides() -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / "map-view-storm.png"
    probe = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("map_probe.py")), str(shot)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    lines = [line for line in probe.stdout.splitlines() if line.startswith("RESULT ")]
    assert probe.returncode == 0, probe.stderr[-3000:]
    assert lines, probe.stderr[-3000:]
    page = json.loads(lines[-1].removeprefix("RESULT "))
    assert page["ready"]  # the page and its QWebChannel came up
    assert page["cluster_library"] == "function"  # markercluster from the local package
    assert page["count"] == 241
    assert page["colour_critical"] == "#d32f2f"
    assert page["colour_major"] == "#f57c00"
    knot = [c for c in page["clusters"] if c["count"] >= 41]
    assert knot, page["clusters"]
    assert knot[0]["severity"] == "critical"  # the worst inside colours the cluster
    assert all(c["severity"] in SEVERITIES for c in page["clusters"])
    assert page["count_after"] == 141  # cleared ones left; a changed one replaced, not doubled
    assert page["colour_changed"] == "#d32f2f"
    assert page["clicked"] == ["A-2000"]  # a click in the page arrived in Python
    assert page["shot"]
    assert shot.stat().st_size > 20_000
