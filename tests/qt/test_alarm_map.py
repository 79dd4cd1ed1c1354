"""The alarm map window against the real server: the storm's alarms go in through the ingest
API and the page shows exactly what the local store holds (markers, colours, clusters); a click
in the page reaches Python; acknowledging from the map updates the workstation's queue; the
filters, the cases and heat layers, a new critical alarm's flash and the HTML export work.

The scenario runs in its own process (``alarm_map_probe.py``; see ``map_probe.py`` for why).
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

from cityops.server import admin  # noqa: E402
from cityops.server.db import make_engine  # noqa: E402
from tests.sync.conftest import PASSWORD, RestartableServer  # noqa: E402

SHOTS = Path("screenshots/tests")
COLOUR = {"critical": "#d32f2f", "major": "#f57c00", "minor": "#fbc02d", "warning": "#1976d2"}
RANK = {"warning": 1, "minor": 2, "major": 3, "critical": 4}


@pytest.fixture(scope="module")
def page(server: RestartableServer, db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    engine = make_engine(db_url)
    try:
        key = admin.new_api_key(engine, "iot-platform-map")
    finally:
        engine.dispose()
    SHOTS.mkdir(parents=True, exist_ok=True)
    data = tmp_path_factory.mktemp("alarm-map")
    probe = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("alarm_map_probe.py")),
            server.url,
            key,
            "dispatcher",
            PASSWORD,
            str(data),
            str(SHOTS),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    lines = [line for line in probe.stdout.splitlines() if line.startswith("RESULT ")]
    assert probe.returncode == 0, probe.stderr[-4000:]
    assert lines, probe.stderr[-4000:]
    return json.loads(lines[-1].removeprefix("RESULT "))


def test_the_page_holds_the_storm_exactly_as_the_store_does(page: dict[str, Any]) -> None:
    assert page["ready"]
    assert page["raised"] >= 20, page["raised"]  # the storm raised alarms through ingest
    store = page["store_ids"]
    assert len(store) >= 20
    # Shelved alarms are filtered out by default; the storm shelved none.
    assert page["page_ids"] == store
    for alarm_id, colour in page["page_colours"].items():
        assert colour == COLOUR[page["store_severity"][alarm_id]], alarm_id
    # Fitted to the city: the clusters and single markers in view account for every alarm,
    # and each cluster takes the colour of the worst severity among the alarms it holds.
    visible = page["visible"]
    assert sum(c["count"] for c in visible["clusters"]) + visible["singles"] == len(store)
    worst = max(page["store_severity"].values(), key=RANK.__getitem__)
    severities = [c["severity"] for c in visible["clusters"]]
    assert all(s in RANK for s in severities)
    if severities:
        assert max(severities, key=RANK.__getitem__) == worst or visible["singles"]
    assert f"{len(store)}" in page["count_text"]
    assert (SHOTS / "alarm-map-storm.png").stat().st_size > 50_000


def test_a_click_reaches_python_and_acknowledging_updates_the_queue(page: dict[str, Any]) -> None:
    assert page["clicked"] in page["store_ids"]
    assert page["ack_enabled"]
    assert page["detail_title"]
    assert page["queue_state"] == "active_ack"  # the workstation's queue, same process
    assert page["acked_by"]  # the server's copy came back through the sync
    style = page["page_style_acked"]
    assert style["opacity"] == 0.5  # the page draws it acknowledged (faded)
    assert style["fill"] == COLOUR[page["store_severity"][page["clicked"]]]


def test_filters_show_what_they_name(page: dict[str, Any]) -> None:
    assert page["filter_critical_page"] == page["filter_critical_store"]
    assert page["filter_district_page"] == page["filter_district_store"]
    assert page["filter_district_page"]  # the chosen district has alarms


def test_a_converted_alarm_shows_on_the_cases_layer(page: dict[str, Any]) -> None:
    assert page["case_id"] in page["store_cases"]
    assert page["page_layers"]["cases"]


def test_heat_layer_weighs_every_shown_alarm(page: dict[str, Any]) -> None:
    assert page["heat_points"] == page["shown_count"] > 0


def test_a_new_critical_alarm_flashes_pulls_the_map_and_raises_the_popup(
    page: dict[str, Any],
) -> None:
    lat, lon = page["new_critical_sensor"]
    view = page["view_after"]
    assert abs(view["lat"] - lat) < 0.01
    assert abs(view["lon"] - lon) < 0.01
    assert view["zoom"] >= 14
    assert page["popup_visible"]
    assert (SHOTS / "alarm-map-new-critical.png").stat().st_size > 50_000


def test_the_export_is_one_offline_file_showing_the_same_alarms(page: dict[str, Any]) -> None:
    assert page["export_external"] == []  # every script inline: no CDN, no package folder
    assert page["exported_count"] == page["export_page_count"] > 0
