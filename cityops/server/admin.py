"""Operator commands on the server database: seed, users, API keys, audit verification.

Offers plain functions (used by ``cityops seed|users|apikey|audit`` and by tests) that take an
engine and do one job each, every change audited as done by ``cli:<os user>``.

``seed(engine, demo=True, credentials=FILE)`` also makes the accounts the simulator plays
(``simulator_users``: one collector per district, one handler per professional department) and
an integration key, and writes every demo and simulator password with the key to ``FILE``
(JSON, mode 600): ``{"api_key": "cok_…", "users": {name: {"password", "roles", "unit"}}}``.
Seeding again with the same file keeps the passwords that still work and resets the others.
Every seed also stores the city's default lighting schedule
(``group_schedules.DEFAULT_CITY_SCHEDULE``) unless one is stored already.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from cityops.domain.actors import Role
from cityops.domain.devices import DeviceKind
from cityops.domain.reference import Reference, load_reference
from cityops.domain.schemas import DeviceDoc, Entity
from cityops.server import audit, changes
from cityops.server.auth import api_key_of, create_api_key, hash_password, verify_password
from cityops.server.db import WriteGate, create_schema
from cityops.server.lighting_schedules import store_default_schedule
from cityops.server.models import DeviceRow, User, UserRole


class AdminError(Exception):
    """A command that cannot be done as asked; the message says why."""


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli:unknown"


def _audit(session: Session, action: str, target: str, detail: dict[str, Any]) -> None:
    """Every operator command is audited as done by the OS user at the console."""
    audit.record(
        session,
        actor=_operator(),
        roles=("admin",),
        action=action,
        target=target,
        decision="applied",
        detail=detail,
    )


def _roles(text: str) -> list[Role]:
    roles = []
    for part in text.split(","):
        try:
            roles.append(Role(part.strip()))
        except ValueError:
            names = ", ".join(r.value for r in Role)
            raise AdminError(f"unknown role {part.strip()!r}; roles are: {names}") from None
    return roles


#: Machine accounts (the simulator's collectors and handlers) get random 144-bit passwords, which
#: no amount of guessing reaches, so key stretching buys nothing there (API keys, secrets of the
#: same kind, are stored as plain SHA-256). A light argon2id keeps seeding ~140 of them and their
#: logins quick; people's passwords keep the full ``auth.hash_password`` cost.
_MACHINE_HASHER = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


def _machine_password() -> str:
    return secrets.token_urlsafe(18)


def add_user(
    engine: Engine,
    name: str,
    password: str,
    roles: str,
    unit: str | None = None,
    display_name: str = "",
    reference: Reference | None = None,
    *,
    machine: bool = False,
) -> None:
    """Add a user. ``machine``: a random machine password (see ``_MACHINE_HASHER``)."""
    if len(password) < 8:
        raise AdminError("password must have at least 8 characters")
    parsed = _roles(roles)
    ref = reference or load_reference()
    if unit is not None and not ref.has_unit(unit):
        raise AdminError(f"unit {unit!r} is not a unit or department of the reference data")
    gate = WriteGate(engine)
    with gate.write() as session:
        if session.scalar(select(User).where(User.name == name)) is not None:
            raise AdminError(f"user {name!r} exists")
        user = User(
            name=name,
            display_name=display_name or name,
            password_hash=_MACHINE_HASHER.hash(password) if machine else hash_password(password),
            unit_code=unit,
            created_at=datetime.now(UTC),
        )
        session.add(user)
        session.flush()
        session.add_all(UserRole(user_id=user.id, role=r.value) for r in parsed)
        _audit(session, "users.add", name, {"roles": [r.value for r in parsed], "unit": unit})


def _user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise AdminError(f"no user {name!r}")
    return user


def disable_user(engine: Engine, name: str) -> None:
    with WriteGate(engine).write() as session:
        _user(session, name).disabled = True
        _audit(session, "users.disable", name, {})


def set_roles(engine: Engine, name: str, roles: str) -> None:
    parsed = _roles(roles)
    with WriteGate(engine).write() as session:
        user = _user(session, name)
        session.execute(delete(UserRole).where(UserRole.user_id == user.id))
        session.add_all(UserRole(user_id=user.id, role=r.value) for r in parsed)
        _audit(session, "users.set_role", name, {"roles": [r.value for r in parsed]})


def set_password(engine: Engine, name: str, password: str, *, machine: bool = False) -> None:
    """Replace a user's password (the seed resets demo accounts whose password it lost)."""
    if len(password) < 8:
        raise AdminError("password must have at least 8 characters")
    hashed = _MACHINE_HASHER.hash(password) if machine else hash_password(password)
    with WriteGate(engine).write() as session:
        _user(session, name).password_hash = hashed
        _audit(session, "users.set_password", name, {})


def new_api_key(engine: Engine, name: str) -> str:
    with WriteGate(engine).write() as session:
        from cityops.server.models import ApiKey

        if session.scalar(select(ApiKey).where(ApiKey.name == name)) is not None:
            raise AdminError(f"an API key named {name!r} exists")
        key = create_api_key(session, name)
        _audit(session, "apikey.create", name, {})
    return key


def verify_audit(engine: Engine) -> audit.Verification:
    with WriteGate(engine).read() as session:
        return audit.verify(session)


def seed_devices(engine: Engine, reference: Reference | None = None) -> int:
    """Put the reference data's LED screens and lighting circuits into the device table
    (idempotent: existing devices keep their state). Returns how many were added."""
    ref = reference or load_reference()
    docs: list[DeviceDoc] = []
    for screen in ref.devices.led_screens.values():
        docs.append(
            DeviceDoc(
                id=screen.id,
                kind=DeviceKind.LED_SCREEN,
                name_zh=screen.name_zh,
                district_code=screen.district,
                group=screen.group,
                lon=screen.lon,
                lat=screen.lat,
            )
        )
    groups_of = {
        c: g.code
        for g in ref.devices.lighting_groups.values()
        if g.code.endswith(("-street", "-landscape"))
        for c in g.circuits
    }
    for cabinet in ref.devices.cabinets.values():
        for circuit in cabinet.circuits:
            docs.append(
                DeviceDoc(
                    id=circuit.id,
                    kind=DeviceKind.LIGHT_CIRCUIT,
                    name_zh=f"{cabinet.id} {'道路' if circuit.kind == 'street' else '景观'}回路",
                    district_code=cabinet.district,
                    group=groups_of.get(circuit.id),
                    lon=cabinet.lon,
                    lat=cabinet.lat,
                )
            )
    added = 0
    with WriteGate(engine).write() as session:
        existing = set(session.scalars(select(DeviceRow.id)))
        for doc in docs:
            if doc.id in existing:
                continue
            data = doc.model_dump(mode="json")
            session.add(
                DeviceRow(
                    id=doc.id,
                    kind=doc.kind.value,
                    district_code=doc.district_code,
                    group_code=doc.group,
                    version=1,
                    doc=data,
                )
            )
            session.flush()
            changes.append(session, Entity.DEVICE, doc.id, 1, data)
            added += 1
    return added


#: One demo user per role, in real units, for `cityops seed --demo` and `make demo`.
DEMO_USERS: tuple[tuple[str, str, str | None, str], ...] = (
    ("commander", "commander", "330100", "陈指挥"),
    ("dispatcher", "dispatcher", "330100", "王调度"),
    ("supervisor", "supervisor", "330100", "周督查"),
    ("operator", "operator", "330100", "刘运维"),
    ("admin", "admin", None, "系统管理员"),
    ("collector", "collector", "330102001", "李采集"),
)

#: Name of the integration key the simulator's IoT platform, citizens' app and gateway use.
SIMULATOR_KEY_NAME = "simulator"


def simulator_users(ref: Reference) -> tuple[tuple[str, str, str, str], ...]:
    """The accounts the simulator plays, as ``(name, role, unit, display name)``: one
    information collector per district (their unit is the district, so they reach its cases)
    and one handler per professional department (their unit is the department)."""
    collectors = tuple(
        (f"sim-collector-{d.code}", "collector", d.code, f"{d.name_zh}信息采集员")
        for d in sorted(ref.units.districts, key=lambda u: u.code)
    )
    handlers = tuple(
        (f"sim-handler-{code}", "handler", code, f"{dep.name_zh}处置员")
        for code, dep in sorted(ref.units.departments.items())
    )
    return collectors + handlers


@dataclass(frozen=True, slots=True)
class SeedResult:
    devices_added: int
    #: Passwords of demo users created by this seed (``DEMO_USERS`` names only).
    demo_passwords: dict[str, str]
    #: Simulator accounts created by this seed (their passwords go to the credentials file).
    simulator_users_added: int = 0
    #: The simulator's API key, when this seed created it (else None).
    api_key: str | None = None
    #: Users whose password was reset because the credentials file had none that worked.
    passwords_reset: tuple[str, ...] = field(default_factory=tuple)
    credentials_written: Path | None = None


def _read_credentials(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _known_password(known: dict[str, Any], name: str) -> str | None:
    entry = (known.get("users") or {}).get(name)
    password = entry.get("password") if isinstance(entry, dict) else None
    return password if isinstance(password, str) else None


def write_credentials(path: Path, api_key: str | None, users: dict[str, dict[str, Any]]) -> None:
    """Write the credentials file readable by its owner only (mode 600, replaced atomically)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    text = json.dumps({"api_key": api_key, "users": users}, ensure_ascii=False, indent=2) + "\n"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _simulator_key(engine: Engine, known: dict[str, Any], keep: bool) -> tuple[str | None, bool]:
    """The simulator's API key: the one in the credentials file if it still works, else a new
    one (named ``simulator``, or ``simulator-2`` … when that name is taken by a lost key).
    Without a file to keep it in (``keep`` false) a key is made only the first time (it is
    printed once). Returns (key, created)."""
    from cityops.server.models import ApiKey

    presented = known.get("api_key")
    with WriteGate(engine).read() as session:
        if isinstance(presented, str) and api_key_of(session, presented) is not None:
            return presented, False
        taken = set(session.scalars(select(ApiKey.name)))
    if not keep and SIMULATOR_KEY_NAME in taken:
        return None, False
    name, n = SIMULATOR_KEY_NAME, 1
    while name in taken:
        n += 1
        name = f"{SIMULATOR_KEY_NAME}-{n}"
    return new_api_key(engine, name), True


def seed(engine: Engine, demo: bool = False, credentials: str | Path | None = None) -> SeedResult:
    """Schema, devices, and with ``demo`` one user per role with a fresh random password
    (printed once; nothing secret is stored in the repository), plus the simulator's accounts
    and API key. With ``credentials`` every demo and simulator password and the key are
    written to that file (mode 600); users that exist keep the password the file has for them
    if it still works, otherwise get a new one."""
    create_schema(engine)
    ref = load_reference()
    added = seed_devices(engine, ref)
    with WriteGate(engine).write() as session:
        # The city's default lighting schedule, so the lights follow sunset and sunrise from
        # the first night (kept if an operator has set one already).
        store_default_schedule(session)
    if not demo:
        return SeedResult(added, {})
    path = Path(credentials) if credentials is not None else None
    known = _read_credentials(path)
    with WriteGate(engine).read() as session:
        existing = {
            name: (password_hash, disabled)
            for name, password_hash, disabled in session.execute(
                select(User.name, User.password_hash, User.disabled)
            )
        }
    accounts = [(*u, False) for u in DEMO_USERS] + [(*u, True) for u in simulator_users(ref)]
    passwords: dict[str, str] = {}
    written: dict[str, dict[str, Any]] = {}
    sim_added = 0
    reset: list[str] = []
    for name, role, unit, display, machine in accounts:
        entry = {"password": None, "roles": role, "unit": unit}
        if name not in existing:
            password = _machine_password() if machine else secrets.token_urlsafe(12)
            add_user(engine, name, password, role, unit, display, ref, machine=machine)
            if machine:
                sim_added += 1
            else:
                passwords[name] = password
            written[name] = {**entry, "password": password}
            continue
        if path is None:
            continue  # an existing user keeps its password; nothing to write it to
        password_hash, disabled = existing[name]
        if disabled:
            continue
        old = _known_password(known, name)
        if old is None or not verify_password(password_hash, old):
            old = _machine_password() if machine else secrets.token_urlsafe(12)
            set_password(engine, name, old, machine=machine)
            reset.append(name)
        written[name] = {**entry, "password": old}
    api_key, created = _simulator_key(engine, known, keep=path is not None)
    if path is not None:
        write_credentials(path, api_key, written)
    return SeedResult(
        devices_added=added,
        demo_passwords=passwords,
        simulator_users_added=sim_added,
        api_key=api_key if created else None,
        passwords_reset=tuple(reset),
        credentials_written=path,
    )
