"""``cityops seed --demo --credentials FILE``: the accounts the simulator plays, kept in one file.

The file is the interface between the seed, ``make demo`` and ``cityops simulate``: it must be
private (mode 600), complete (demo users, a collector per district, a handler per department,
the API key), and stable across re-seeding (passwords that work are kept, lost ones reset).
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from cityops.domain.reference import load_reference
from cityops.server import admin
from cityops.server.auth import api_key_of, verify_password
from cityops.server.db import WriteGate, make_engine
from cityops.server.models import ApiKey, User
from cityops.simulator.credentials import Credentials, CredentialsError, Staff

REF = load_reference()


def _passwords_work(db: str, creds: Credentials) -> bool:
    engine = make_engine(db)
    with WriteGate(engine).read() as session:
        hashes = dict(session.execute(select(User.name, User.password_hash)).all())
        ok = all(verify_password(hashes[u.name], u.password) for u in creds.users.values())
        ok = ok and api_key_of(session, creds.api_key) is not None
    engine.dispose()
    return ok


def test_seed_writes_every_account_and_reseeding_keeps_them(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'seed.sqlite3'}"
    file = tmp_path / "creds" / "demo-credentials.json"
    engine = make_engine(db)
    first = admin.seed(engine, demo=True, credentials=file)
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    raw = json.loads(file.read_text())
    assert raw["api_key"].startswith("cok_")
    assert first.api_key == raw["api_key"]
    creds = Credentials.load(file)
    districts = {d.code for d in REF.units.districts}
    assert len(creds.users) == len(admin.DEMO_USERS) + len(districts) + len(REF.units.departments)
    assert raw["users"]["dispatcher"] == {
        "password": first.demo_passwords["dispatcher"],
        "roles": "dispatcher",
        "unit": "330100",
    }
    assert raw["users"]["admin"]["unit"] is None
    staff = Staff.of(creds)
    assert set(staff.collectors) == districts
    assert set(staff.handlers) == set(REF.units.departments)
    assert first.simulator_users_added == len(districts) + len(REF.units.departments)
    assert _passwords_work(db, creds)

    again = admin.seed(engine, demo=True, credentials=file)
    assert again.demo_passwords == {}
    assert again.api_key is None
    assert not again.passwords_reset
    assert Credentials.load(file) == creds  # the same passwords and key

    raw["users"]["sim-collector-330106"]["password"] = "not the password"
    raw["api_key"] = "cok_lost"
    file.write_text(json.dumps(raw))
    third = admin.seed(engine, demo=True, credentials=file)
    assert third.passwords_reset == ("sim-collector-330106",)
    assert third.api_key is not None  # a new key, under a free name
    fixed = Credentials.load(file)
    assert fixed.users["dispatcher"] == creds.users["dispatcher"]
    assert _passwords_work(db, fixed)
    with WriteGate(engine).read() as session:
        names = set(session.scalars(select(ApiKey.name)))
    assert names == {"simulator", "simulator-2"}
    engine.dispose()


def test_seed_command_line_without_a_file_shows_the_key_once(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    cli = [sys.executable, "-m", "cityops.cli", "seed", "--db", db, "--demo"]
    first = subprocess.run(cli, capture_output=True, text=True, timeout=120, check=False)
    assert first.returncode == 0, first.stderr
    assert "simulator API key (shown once): cok_" in first.stdout
    assert "simulator users added; seed again with --credentials FILE" in first.stdout
    file = tmp_path / "c.json"
    second = subprocess.run(
        [*cli, "--credentials", str(file)], capture_output=True, text=True, timeout=120
    )
    assert second.returncode == 0, second.stderr
    assert f"written to {file}" in second.stdout
    creds = Credentials.load(file)  # the lost passwords and key were replaced
    assert _passwords_work(db, creds)


def test_a_broken_credentials_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match="cityops seed --demo --credentials"):
        Credentials.load(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"users": {}}')
    with pytest.raises(CredentialsError, match="api_key"):
        Credentials.load(bad)
