"""The operator's command line, run as installers run it: a real process, password on stdin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cityops.domain.reference import load_reference

CITYOPS = [sys.executable, "-m", "cityops.cli"]


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CITYOPS, *args], input=stdin, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.sqlite3'}"


def test_seed_users_and_keys_from_the_command_line(db: str) -> None:
    seeded = run("seed", "--db", db, "--demo")
    assert seeded.returncode == 0, seeded.stderr
    circuits = len(load_reference().devices.circuits)
    assert f"{273 + circuits} devices added" in seeded.stdout  # LED screens + lighting circuits
    assert "demo user dispatcher: password " in seeded.stdout

    added = run(
        "users",
        "add",
        "wang",
        "--role",
        "dispatcher",
        "--unit",
        "330105",
        "--db",
        db,
        stdin="a long enough password\n",
    )
    assert added.returncode == 0, added.stderr
    again = run("users", "add", "wang", "--role", "dispatcher", "--db", db, stdin="whatever123\n")
    assert again.returncode == 1
    assert "exists" in again.stderr

    bad_role = run("users", "set-role", "wang", "mayor", "--db", db)
    assert bad_role.returncode == 1
    assert "unknown role 'mayor'" in bad_role.stderr
    assert run("users", "set-role", "wang", "dispatcher,supervisor", "--db", db).returncode == 0
    assert run("users", "disable", "wang", "--db", db).returncode == 0
    assert run("users", "disable", "nobody", "--db", db).returncode == 1

    key = run("apikey", "create", "open311-app", "--db", db)
    assert key.returncode == 0
    assert key.stdout.strip().startswith("cok_")
    assert run("apikey", "create", "open311-app", "--db", db).returncode == 1

    verified = run("audit", "verify", "--db", db)
    assert verified.returncode == 0, verified.stderr
    assert "entries verified" in verified.stdout


def test_short_password_is_refused(db: str) -> None:
    r = run("users", "add", "li", "--role", "collector", "--db", db, stdin="short\n")
    assert r.returncode == 1
    assert "at least 8" in r.stderr
