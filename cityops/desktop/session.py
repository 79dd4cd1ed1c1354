"""One logged-in (or offline-started) workstation: its cache, its link to the server and who
is at the keyboard.

Offers ``Session`` with ``await Session.login(url, user, password)`` and
``await Session.offline(url, user)`` (the last session's cache, read-only until the link is back
and the user logs in again), ``relogin(password)``, ``close()``, and what the windows need:
``store`` (read), ``bridge`` (write intents, hear changes), ``me`` (roles for menus and greyed
actions), ``reference`` (the standard), ``reconfirm`` (the ``ReconfirmGate`` on the engine's
push for the session's whole life: old device commands wait for the device window's user,
whether or not that window is open). ``cache_path(url, user)`` says where a user's cache lives.
The windows never see the ``ServerApi``: only the sync engine talks to the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import httpx

from cityops.desktop.settings import data_dir
from cityops.desktop.sync_bridge import SyncBridge
from cityops.domain.actors import Actor, Role
from cityops.domain.reference import Reference, load_reference
from cityops.local_store.store import LocalStore
from cityops.sync.api import ServerApi
from cityops.sync.engine import ConnectionState, SyncEngine, SyncStatus
from cityops.sync.reconfirm import ReconfirmGate

#: Seconds between looks for the server after an offline start.
PROBE_INTERVAL = 2.0


class LoginError(Exception):
    """Why a login or an offline start failed, in words for the dialog."""


def actor_from_json(data: dict[str, Any]) -> Actor:
    """The user as ``GET /api/v1/auth/me`` (or the cache's copy of it) says."""
    known = {r.value for r in Role}
    return Actor(
        user_id=str(data["name"]),
        roles=frozenset(Role(r) for r in data.get("roles", ()) if r in known),
        unit_code=data.get("unit_code"),
        display_name=str(data.get("display_name") or data["name"]),
    )


def actor_to_json(actor: Actor) -> str:
    """What the cache keeps of the user for an offline start (``actor_from_json`` reads it)."""
    return json.dumps(
        {
            "name": actor.user_id,
            "display_name": actor.display_name,
            "roles": sorted(r.value for r in actor.roles),
            "unit_code": actor.unit_code,
        },
        ensure_ascii=False,
    )


def cache_path(server_url: str, user: str, base: Path | None = None) -> Path:
    """One cache per server and user: another user's outbox must never be pushed as mine."""
    host = re.sub(r"[^A-Za-z0-9.-]+", "_", server_url.split("://", 1)[-1]).strip("_")[:40]
    tag = hashlib.sha256(f"{server_url}\n{user}".encode()).hexdigest()[:10]
    return (base or data_dir()) / "caches" / f"{host}-{tag}.sqlite3"


_reference: Reference | None = None


def reference() -> Reference:
    global _reference
    if _reference is None:
        _reference = load_reference()
    return _reference


class Session:
    def __init__(
        self, url: str, store: LocalStore, api: ServerApi, me: Actor, ref: Reference
    ) -> None:
        self.server_url = url
        self.store = store
        self.me = me
        self.reference = ref
        self._api = api
        self.engine = SyncEngine(store, api)
        self.bridge = SyncBridge(self.engine)
        # Installed here, not by a window: a command that waited offline for minutes must be
        # held even while no device window is open (after a restart, or after it was closed).
        self.reconfirm = ReconfirmGate()
        self.engine.set_push_gate(self.reconfirm)
        self._probe: asyncio.Task[None] | None = None

    @classmethod
    async def login(cls, url: str, user: str, password: str, base: Path | None = None) -> Session:
        api = ServerApi(url)
        try:
            await api.login(user, password)
            me = actor_from_json(await api.me())
        except Exception as exc:
            await api.aclose()
            raise LoginError(_login_problem(exc)) from exc
        store = await asyncio.to_thread(LocalStore.open, cache_path(url, user, base))
        await asyncio.to_thread(store.set_state, "me", actor_to_json(me))
        return cls(url, store, api, me, await asyncio.to_thread(reference))

    @classmethod
    async def offline(cls, url: str, user: str, base: Path | None = None) -> Session:
        """Start on the last session's cache without the server; intents queue in the outbox
        and go up after the user logs in again."""
        path = cache_path(url, user, base)
        if not path.exists():
            raise LoginError(f"本机没有用户 {user} 在该服务器上的缓存，无法离线启动")
        store = await asyncio.to_thread(LocalStore.open, path)
        known = await asyncio.to_thread(store.state, "me")
        if not known:
            store.close()
            raise LoginError(f"缓存中没有用户 {user} 的登录记录，无法离线启动")
        me = actor_from_json(json.loads(known))
        return cls(url, store, ServerApi(url), me, await asyncio.to_thread(reference))

    def start(self) -> None:
        if self._api.logged_in:
            self.bridge.start()
            return
        # An offline start holds no token: the engine would report "login expired" at once,
        # with the server unreachable, and offer a login that cannot work. Show offline
        # until the server answers, then run the engine, which asks for the login.
        self._probe = asyncio.get_running_loop().create_task(
            self._start_when_reachable(), name="session-probe"
        )

    async def _start_when_reachable(self) -> None:
        outbox = await asyncio.to_thread(self.store.outbox_length)
        self.bridge.status_changed.emit(
            SyncStatus(state=ConnectionState.OFFLINE, outbox=outbox, detail="离线启动")
        )
        self.engine.poke()  # the engine's own status learns the outbox length too
        async with httpx.AsyncClient(base_url=self.server_url, timeout=5.0) as http:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get("/healthz")).status_code == 200:
                        break
                await asyncio.sleep(PROBE_INTERVAL)
        self.bridge.start()

    async def relogin(self, password: str) -> None:
        try:
            await self.engine.login(self.me.user_id, password)
        except Exception as exc:
            raise LoginError(_login_problem(exc)) from exc
        if self._probe is not None:  # logged in before the probe saw the server
            self._probe.cancel()
            self._probe = None
            self.bridge.start()

    async def close(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
        await self.bridge.stop()
        await self._api.aclose()
        await asyncio.to_thread(self.store.close)


def _login_problem(exc: BaseException) -> str:
    from cityops.sync.api import AuthExpired, Offline

    if isinstance(exc, Offline):
        return f"连接不到服务器（{exc}）。请检查地址和网络，或离线启动。"
    if isinstance(exc, AuthExpired):
        return "用户名或密码错误，或账号已停用。"
    return f"登录失败：{exc}"
