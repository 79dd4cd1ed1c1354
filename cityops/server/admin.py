"""Operator commands on the server database: seed, users, API keys, audit verification.

Offers plain functions (used by ``cityops seed|users|apikey|audit`` and by tests) that take an
engine and do one job each, every change audited as done by ``cli:<os user>``.
"""

from __future__ import annotations

import getpass
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select

from cityops.domain.actors import Role
from cityops.domain.devices import DeviceKind
from cityops.domain.reference import Reference, load_reference
from cityops.domain.schemas import DeviceDoc, Entity
from cityops.server import audit, changes
from cityops.server.auth import create_api_key, hash_password
from cityops.server.db import WriteGate, create_schema
from cityops.server.models import DeviceRow, User, UserRole


class AdminError(Exception):
    """A command that cannot be done as asked; the message says why."""


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli:unknown"


def _roles(text: str) -> list[Role]:
    roles = []
    for part in text.split(","):
        try:
            roles.append(Role(part.strip()))
        except ValueError:
            names = ", ".join(r.value for r in Role)
            raise AdminError(f"unknown role {part.strip()!r}; roles are: {names}") from None
    return roles


def add_user(
    engine: Engine,
    name: str,
    password: str,
    roles: str,
    unit: str | None = None,
    display_name: str = "",
    reference: Reference | None = None,
) -> None:
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
            password_hash=hash_password(password),
            unit_code=unit,
            created_at=datetime.now(UTC),
        )
        session.add(user)
        session.flush()
        session.add_all(UserRole(user_id=user.id, role=r.value) for r in parsed)
        audit.record(
            session,
            actor=_operator(),
            roles=("admin",),
            action="users.add",
            target=name,
            decision="applied",
            detail={"roles": [r.value for r in parsed], "unit": unit},
        )


def _user(session: object, name: str) -> User:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise AdminError(f"no user {name!r}")
    return user


def disable_user(engine: Engine, name: str) -> None:
    with WriteGate(engine).write() as session:
        _user(session, name).disabled = True
        audit.record(
            session,
            actor=_operator(),
            roles=("admin",),
            action="users.disable",
            target=name,
            decision="applied",
            detail={},
        )


def set_roles(engine: Engine, name: str, roles: str) -> None:
    parsed = _roles(roles)
    with WriteGate(engine).write() as session:
        user = _user(session, name)
        session.execute(delete(UserRole).where(UserRole.user_id == user.id))
        session.add_all(UserRole(user_id=user.id, role=r.value) for r in parsed)
        audit.record(
            session,
            actor=_operator(),
            roles=("admin",),
            action="users.set_role",
            target=name,
            decision="applied",
            detail={"roles": [r.value for r in parsed]},
        )


def new_api_key(engine: Engine, name: str) -> str:
    with WriteGate(engine).write() as session:
        from cityops.server.models import ApiKey

        if session.scalar(select(ApiKey).where(ApiKey.name == name)) is not None:
            raise AdminError(f"an API key named {name!r} exists")
        key = create_api_key(session, name)
        audit.record(
            session,
            actor=_operator(),
            roles=("admin",),
            action="apikey.create",
            target=name,
            decision="applied",
            detail={},
        )
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


@dataclass(frozen=True, slots=True)
class SeedResult:
    devices_added: int
    demo_passwords: dict[str, str]


def seed(engine: Engine, demo: bool = False) -> SeedResult:
    """Schema, devices, and with ``demo`` one user per role with a fresh random password
    (printed once; nothing secret is stored in the repository)."""
    create_schema(engine)
    ref = load_reference()
    added = seed_devices(engine, ref)
    passwords: dict[str, str] = {}
    if demo:
        with WriteGate(engine).read() as session:
            existing = set(session.scalars(select(User.name)))
        for name, role, unit, display in DEMO_USERS:
            if name in existing:
                continue
            password = secrets.token_urlsafe(12)
            add_user(engine, name, password, role, unit, display, ref)
            passwords[name] = password
    return SeedResult(added, passwords)
