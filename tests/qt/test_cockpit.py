"""The video-wall cockpit against a real hall (server and storm simulator as child processes):
the default layout at 3840×2160 with live data, the wall greying out within 30 s when the
server stops and coming back when it returns, the playlist moving the map along.

The scenario runs in its own process (``cockpit_probe.py``; see ``map_probe.py`` for why).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6.QtWebEngineWidgets")

SHOTS = Path("screenshots/tests")


@pytest.fixture(scope="module")
def wall(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    var = tmp_path_factory.mktemp("cockpit")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        # The wall reads the shipped layout, not a developer's own cockpit.toml.
        "CITYOPS_CONFIG_DIR": str(var / "config"),
        "CITYOPS_DATA_DIR": str(var / "data"),
    }
    probe = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("cockpit_probe.py")), str(var), str(SHOTS)],
        capture_output=True,
        text=True,
        timeout=420,
        env=env,
    )
    lines = [line for line in probe.stdout.splitlines() if line.startswith("RESULT ")]
    assert probe.returncode == 0, probe.stderr[-4000:]
    assert lines, probe.stderr[-4000:]
    return json.loads(lines[-1].removeprefix("RESULT "))


def test_the_default_layout_fills_a_4k_wall_with_live_data(wall: dict[str, Any]) -> None:
    assert wall["size"] == [3840, 2160]
    assert wall["kpis"]["alarms"] > 0  # the storm's alarms
    assert wall["kpis"]["cases"] > 0  # citizens' reports
    assert wall["ticker"] > 0
    assert wall["map_markers"] == wall["feed_markers"] > 0  # the map holds what the store holds
    assert {"kpi", "trend", "map", "ticker"} <= set(wall["panels"])
    assert not any(wall["stale_before"])
    assert "在线" in wall["link_online"]
    assert (SHOTS / "cockpit-4k.png").stat().st_size > 300_000


def test_the_wall_greys_out_within_30_s_when_the_server_stops(wall: dict[str, Any]) -> None:
    assert wall["stale_after_s"] <= 20
    assert wall["stale_in_s"] <= 30
    assert wall["clock_moved"]  # the wall kept running
    assert "中断" in wall["link_offline"]
    assert all("截至" in footer for footer in wall["footers_stale"])
    assert "grayscale" in wall["map_filter_stale"]  # the map greys out with the panels
    assert (SHOTS / "cockpit-4k-stale.png").is_file()


def test_the_wall_comes_back_when_the_server_returns(wall: dict[str, Any]) -> None:
    assert wall["recovered_in_s"] < 60
    assert "在线" in wall["link_back"]


def test_the_playlist_moves_to_the_next_layout_with_the_map(wall: dict[str, Any]) -> None:
    assert wall["second_layout"] == 1
    assert "board" in wall["second_panels"]
    assert wall["board_rows"] == 13  # every district, ranked this week so far
    assert wall["board_title"].startswith("红黑榜 · ")
    assert "周 截至" in wall["board_title"]
    assert wall["map_parent_is_second"]
    assert (SHOTS / "cockpit-4k-layout2.png").stat().st_size > 200_000
