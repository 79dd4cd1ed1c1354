"""``cityops --smoke`` as an installer runs it: a throwaway server, every window offscreen,
a screenshot of each and ``SMOKE OK``."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path


def test_smoke_run_opens_every_window_and_writes_their_screenshots(tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {
        **os.environ,
        # A workstation's own settings and caches must not be touched by the run.
        "CITYOPS_CONFIG_DIR": str(tmp_path / "config"),
        "CITYOPS_DATA_DIR": str(tmp_path / "data"),
    }
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    proc = subprocess.run(
        [sys.executable, "-m", "cityops.cli", "--smoke", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "SMOKE OK" in proc.stdout.splitlines()
    shot = out / "workstation.png"
    assert shot.is_file(), sorted(p.name for p in out.iterdir()) if out.exists() else "no out"
    # A blank or tiny window compresses to a few kB; the workstation with its queue does not.
    assert shot.stat().st_size > 20_000, shot.stat().st_size
    head = shot.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    assert width >= 1200, (width, height)  # rendered at the size a workstation has
    assert height >= 700, (width, height)
    # The alarm map: Leaflet loaded offline and the smoke alarms drawn (the run waits for them).
    map_shot = out / "alarm_map.png"
    assert map_shot.is_file()
    assert map_shot.stat().st_size > 50_000, map_shot.stat().st_size
    assert (out / "cockpit.png").stat().st_size > 50_000  # the commander's wall
    assert not (tmp_path / "config").exists() or not any((tmp_path / "config").iterdir())
