"""What one server process holds while it runs, shared by every request handler.

Offers ``ServerState`` (settings, engine, write gate, reference data, JWT secret, the live
change hub) and the FastAPI dependency ``server_state``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import Request
from sqlalchemy import Engine

from cityops.domain.reference import Reference
from cityops.server.db import WriteGate
from cityops.server.settings import ServerSettings

if TYPE_CHECKING:
    from cityops.server.changes import ChangeHub


@dataclass
class ServerState:
    settings: ServerSettings
    engine: Engine
    gate: WriteGate
    reference: Reference
    jwt_secret: str
    hub: ChangeHub
    #: The identity of this database's changes log (``changes.log_id``).
    log_id: str = ""
    #: Background tasks of this process (relay, SLA watcher, metrics), kept referenced.
    tasks: list[object] = field(default_factory=list)


def server_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.cityops
    return state
