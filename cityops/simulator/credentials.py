"""The accounts file the simulator plays from (written by ``cityops seed --demo --credentials``).

Format (JSON, mode 600)::

    {"api_key": "cok_…",
     "users": {"<name>": {"password": "…", "roles": "dispatcher", "unit": "330100" | null}}}

``roles`` is one role or several separated by commas. Offers ``Credentials.load`` and
``Staff.of(credentials)``: who plays what — the dispatcher, operator and supervisor of the hall,
a collector per district (a user with role collector whose unit is the district) and a handler
per department (role handler, unit = the department's code).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cityops.domain.actors import Role
from cityops.domain.city import CITY_CODE


class CredentialsError(ValueError):
    """The credentials file is missing, unreadable or lacks what the simulator needs."""


@dataclass(frozen=True, slots=True)
class UserCredential:
    name: str
    password: str
    roles: frozenset[Role]
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class Credentials:
    api_key: str
    users: Mapping[str, UserCredential] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any, where: str = "credentials") -> Credentials:
        if not isinstance(data, Mapping):
            raise CredentialsError(f"{where}: expected a JSON object")
        key = data.get("api_key")
        if not isinstance(key, str) or not key:
            raise CredentialsError(f"{where}: no api_key")
        users: dict[str, UserCredential] = {}
        raw_users = data.get("users") or {}
        if not isinstance(raw_users, Mapping):
            raise CredentialsError(f"{where}: users must be an object")
        for name, entry in raw_users.items():
            if not isinstance(entry, Mapping):
                continue
            password = entry.get("password")
            if not isinstance(password, str) or not password:
                continue  # a user whose password this file does not know cannot be played
            roles = frozenset(
                Role(r.strip())
                for r in str(entry.get("roles") or "").split(",")
                if r.strip() in Role.__members__.values()
            )
            unit = entry.get("unit")
            users[str(name)] = UserCredential(
                str(name), password, roles, unit if isinstance(unit, str) else None
            )
        return cls(key, users)

    @classmethod
    def load(cls, path: str | Path) -> Credentials:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CredentialsError(
                f"{path}: not found (write it with cityops seed --demo --credentials FILE)"
            ) from None
        except (OSError, ValueError) as exc:
            raise CredentialsError(f"{path}: cannot read it: {exc}") from None
        return cls.from_json(data, str(path))


def _first(users: list[UserCredential], prefer: str) -> str | None:
    for u in users:
        if u.name == prefer:
            return u.name
    return users[0].name if users else None


@dataclass(frozen=True, slots=True)
class Staff:
    """Who the simulator plays, by job. A missing job is simply not played (a case that needs
    it waits for a person at the desktop)."""

    dispatcher: str | None
    operator: str | None
    supervisor: str | None
    #: district code → collector's user name
    collectors: Mapping[str, str]
    #: unit (department) code → handler's user name
    handlers: Mapping[str, str]

    @classmethod
    def of(cls, credentials: Credentials) -> Staff:
        def city_wide(role: Role) -> list[UserCredential]:
            return sorted(
                (u for u in credentials.users.values() if role in u.roles and u.unit == CITY_CODE),
                key=lambda u: u.name,
            )

        collectors: dict[str, str] = {}
        handlers: dict[str, str] = {}
        for user in sorted(credentials.users.values(), key=lambda u: u.name):
            if Role.COLLECTOR in user.roles and user.unit and len(user.unit) == 6:
                collectors.setdefault(user.unit, user.name)
            if Role.HANDLER in user.roles and user.unit:
                handlers.setdefault(user.unit, user.name)
        return cls(
            dispatcher=_first(city_wide(Role.DISPATCHER), "dispatcher"),
            operator=_first(city_wide(Role.OPERATOR), "operator")
            or _first(city_wide(Role.DISPATCHER), "dispatcher"),
            supervisor=_first(city_wide(Role.SUPERVISOR), "supervisor"),
            collectors=collectors,
            handlers=handlers,
        )

    @property
    def anyone(self) -> str | None:
        """A user to read the changes log with."""
        return (
            self.dispatcher
            or self.operator
            or self.supervisor
            or next(iter(self.collectors.values()), None)
        )
