"""Who acts on the city's state: roles and the acting user, as every rule sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """Roles held in the server database; every permission check names one of these."""

    COMMANDER = "commander"  # watches the wall, may escalate and decide on emergencies
    DISPATCHER = "dispatcher"  # verifies, files, dispatches, closes cases; acks alarms
    SUPERVISOR = "supervisor"  # records inspections, runs rankings, may invalidate cases
    OPERATOR = "operator"  # commands LED screens and lights
    ADMIN = "admin"  # manages users; no case or device powers by itself
    COLLECTOR = "collector"  # information collector: reports, verifies and checks in the field
    HANDLER = "handler"  # staff of a handling unit: accepts, starts, feeds back
    CITIZEN = "citizen"  # public reporter (Open311); may only report


@dataclass(frozen=True, slots=True)
class Actor:
    """The user behind an action, with the roles the server read from its database."""

    user_id: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    #: Code of the unit the user belongs to (a street, district or professional department).
    unit_code: str | None = None
    display_name: str = ""

    def has(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)
