"""Server settings: where the database is and how long tokens and history live.

Offers ``ServerSettings`` (built by the CLI and by tests) and ``default_db_url()``. The JWT
signing secret is *not* a setting in a file: it is generated on first start and kept in the
database (table ``server_secrets``), unless ``CITYOPS_JWT_SECRET`` overrides it, so no secret
ever sits in the repository and every server process on one database signs alike.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path


def default_db_url() -> str:
    """``CITYOPS_DB`` if set, else a SQLite file in the user's data folder."""
    if url := os.environ.get("CITYOPS_DB"):
        return url
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("cityops", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'server.sqlite3'}"


@dataclass(frozen=True, slots=True)
class ServerSettings:
    db_url: str
    access_token_ttl: timedelta = timedelta(minutes=15)
    refresh_token_ttl: timedelta = timedelta(hours=12)
    jwt_audience: str = "cityops"
    jwt_issuer: str = "cityops-server"
    jwt_secret: str | None = None  # None: read from the database (generated once)
    #: Changes older than this many seqs behind the newest are pruned; a cursor older than the
    #: oldest kept change gets ``event: resync``.
    changes_retention: int = 2_000_000
    sse_heartbeat: float = 15.0
    sse_retry_ms: int = 3_000
    #: How often each process looks for changes written by other processes when no
    #: notification came (PostgreSQL NOTIFY makes this a fallback only).
    relay_poll_interval: float = 1.0
    #: Failed logins per (user name, client address) before 429.
    login_max_failures: int = 5
    login_window: timedelta = timedelta(minutes=5)
    sla_check_interval: float = 30.0
    #: Per-minute metrics for the cockpit; tests turn background tasks off to stay quiet.
    background_tasks: bool = True
    mqtt_url: str | None = None  # e.g. mqtt://127.0.0.1:1883/cityops/readings; off by default

    @classmethod
    def from_env(cls, db_url: str | None = None) -> ServerSettings:
        return cls(
            db_url=db_url or default_db_url(),
            jwt_secret=os.environ.get("CITYOPS_JWT_SECRET") or None,
            mqtt_url=os.environ.get("CITYOPS_MQTT_URL") or None,
        )
