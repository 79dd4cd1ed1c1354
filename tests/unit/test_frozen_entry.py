"""The packaged app's entry point (build/cityops_main.py): which CLI command an executable runs."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ENTRY = Path(__file__).resolve().parents[2] / "build" / "cityops_main.py"


def _entry() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cityops_main", ENTRY)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_cli_executable_runs_what_it_is_given() -> None:
    frozen_argv = _entry().frozen_argv
    assert frozen_argv("/opt/cityops/cityops", ["--smoke", "--out", "x"]) == [
        "--smoke",
        "--out",
        "x",
    ]
    assert frozen_argv("/opt/cityops/cityops", ["seed", "--db", "u"]) == ["seed", "--db", "u"]
    assert frozen_argv("/opt/cityops/cityops", []) == []  # help, as the console script


def test_demo_children_started_as_python_dash_m_run_the_cli() -> None:
    frozen_argv = _entry().frozen_argv
    argv = ["-m", "cityops.cli", "server", "--port", "8700"]
    assert frozen_argv("/opt/cityops/cityops", argv) == ["server", "--port", "8700"]


def test_the_desktop_launcher_opens_the_workstation_but_still_runs_commands() -> None:
    frozen_argv = _entry().frozen_argv
    exe = "/opt/CityOps/cityops-desktop.exe"  # Windows' name; the stem is what counts
    assert frozen_argv(exe, []) == ["desktop"]
    assert frozen_argv(exe, ["--server", "http://10.0.0.5:8700"]) == [
        "desktop",
        "--server",
        "http://10.0.0.5:8700",
    ]
    # The smoke run started from it starts the server through the same executable.
    assert frozen_argv(exe, ["--smoke"]) == ["--smoke"]
    assert frozen_argv(exe, ["seed", "--db", "u"]) == ["seed", "--db", "u"]
