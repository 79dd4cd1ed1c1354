"""The simulator's HTTP side: the server's public API only, as any outside system would use it.

Offers:
- ``Http``: one ``httpx.AsyncClient`` for the run; ``request`` retries network errors, 5xx and
  429 (honouring ``Retry-After``) with backoff until the run stops (``Stopped``), and returns
  every other answer to the caller; ``integration_headers`` (``X-Api-Key`` and
  ``Idempotency-Key``) for ingest, Open311 and the gateway — a retried integration call carries
  the same key and the same body bytes, so the server does its work once;
- ``UserSession``: a person's bearer token from ``POST /api/v1/auth/token``, refreshed with the
  refresh grant (or a new login) when the server answers 401;
- ``Intent`` and ``Outboxes``: each person's intents pushed to ``POST /api/v1/sync/push`` in
  order with consecutive seqs under one client id per run (a retried batch keeps its seqs and
  mutation ids, so it is applied exactly once), results handed to the intent's callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import uuid6

from cityops.simulator.credentials import Credentials, UserCredential

log = logging.getLogger(__name__)

#: Most intents in one push (the server takes up to 500).
PUSH_BATCH = 100
#: Backoff between retries, seconds (the last value repeats).
BACKOFF = (0.2, 0.5, 1.0, 2.0, 4.0)


class Stopped(Exception):
    """The run is stopping: give up waiting."""


class AuthError(Exception):
    """A user cannot log in (wrong password in the credentials file, user disabled)."""


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class Http:
    """The run's HTTP client. ``errors`` counts what was retried, by kind."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        stop: asyncio.Event,
        *,
        timeout: float = 30.0,
        errors: Counter[str] | None = None,
    ) -> None:
        self.api_key = api_key
        self.stop = stop
        self.errors: Counter[str] = errors if errors is not None else Counter()
        self.client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            limits=httpx.Limits(max_connections=48, max_keepalive_connections=48),
        )

    async def close(self) -> None:
        await self.client.aclose()

    def integration_headers(self, idempotency_key: str | None = None) -> dict[str, str]:
        headers = {"X-Api-Key": self.api_key}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return headers

    async def sleep(self, seconds: float) -> None:
        """Sleep, or raise ``Stopped`` as soon as the run stops."""
        if self.stop.is_set():
            raise Stopped
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), timeout=max(0.0, seconds))
        if self.stop.is_set():
            raise Stopped

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send until the server answers something other than 5xx/429 (then return it)."""
        attempt = 0
        while True:
            if self.stop.is_set():
                raise Stopped
            delay = BACKOFF[min(attempt, len(BACKOFF) - 1)]
            try:
                response = await self.client.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                kind = f"{method} {url.split('?')[0]}: {type(exc).__name__}"
            else:
                if response.status_code < 500 and response.status_code != 429:
                    return response
                kind = f"{method} {url.split('?')[0]}: HTTP {response.status_code}"
                after = response.headers.get("retry-after", "")
                if response.status_code == 429 and after.isdigit():
                    delay = max(delay, float(after))
            self.errors[kind] += 1
            if self.errors[kind] in (1, 10, 100, 1000):
                log.warning("%s (retrying; %d so far)", kind, self.errors[kind])
            attempt += 1
            await self.sleep(delay)


class UserSession:
    """One person's login. ``request`` adds the bearer token and renews it once on 401."""

    def __init__(self, http: Http, user: UserCredential) -> None:
        self.http = http
        self.user = user
        self._access: str | None = None
        self._refresh: str | None = None
        self._lock = asyncio.Lock()
        self._broken: str | None = None

    async def _token(self, stale: str | None = None) -> str:
        async with self._lock:
            if self._broken:
                raise AuthError(self._broken)
            if self._access is not None and self._access != stale:
                return self._access
            if self._refresh is not None and stale is not None:
                r = await self.http.request(
                    "POST",
                    "/api/v1/auth/token",
                    data={"grant_type": "refresh_token", "refresh_token": self._refresh},
                )
                if r.status_code == 200:
                    return self._keep(r.json())
            r = await self.http.request(
                "POST",
                "/api/v1/auth/token",
                data={"username": self.user.name, "password": self.user.password},
            )
            if r.status_code != 200:
                self._broken = (
                    f"{self.user.name} cannot log in: HTTP {r.status_code} {r.text[:200]}"
                )
                log.error("%s", self._broken)
                raise AuthError(self._broken)
            return self._keep(r.json())

    def _keep(self, body: dict[str, Any]) -> str:
        self._access = str(body["access_token"])
        self._refresh = body.get("refresh_token")
        return self._access

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        extra = kwargs.pop("headers", {})
        token = await self._token()
        for _ in range(2):
            headers = {**extra, "Authorization": f"Bearer {token}"}
            response = await self.http.request(method, url, headers=headers, **kwargs)
            if response.status_code != 401:
                return response
            token = await self._token(stale=token)
        return response


@dataclass
class Intent:
    """A named mutation (DESIGN §3) and what to do with its result."""

    name: str
    args: dict[str, Any]
    on_result: Callable[[dict[str, Any]], None] | None = None
    mutation_id: str = field(default_factory=lambda: str(uuid6.uuid7()))


class _Outbox:
    def __init__(self, owner: Outboxes, session: UserSession, client_id: str) -> None:
        self.owner = owner
        self.session = session
        self.client_id = client_id
        self.queue: deque[Intent] = deque()
        self.wake = asyncio.Event()
        self.next_seq = 1

    async def run(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.queue:
                batch = [self.queue.popleft() for _ in range(min(PUSH_BATCH, len(self.queue)))]
                try:
                    await self._push(batch)
                except AuthError:
                    self.owner.count_failed(batch, "login failed")
                except Stopped:
                    raise
                except Exception:  # keep the person working; the batch is lost, not the loop
                    log.exception("push by %s failed", self.session.user.name)
                    self.owner.count_failed(batch, "error")

    async def _push(self, batch: list[Intent]) -> None:
        while True:
            client_now = now_iso()
            mutations = [
                {
                    "client_id": self.client_id,
                    "seq": self.next_seq + i,
                    "mutation_id": intent.mutation_id,
                    "name": intent.name,
                    "args": intent.args,
                    "base_version": None,
                    "client_now": client_now,
                }
                for i, intent in enumerate(batch)
            ]
            r = await self.session.request(
                "POST", "/api/v1/sync/push", json={"mutations": mutations}
            )
            if r.status_code == 200:
                self.next_seq += len(batch)
                for intent, result in zip(batch, r.json()["results"], strict=True):
                    self.owner.record(intent, result)
                return
            if r.status_code == 409:
                expected = r.json().get("expected_seq")
                if isinstance(expected, int) and expected != self.next_seq:
                    self.next_seq = expected
                    continue
            log.error(
                "push of %d intents by %s refused: HTTP %d %s",
                len(batch),
                self.session.user.name,
                r.status_code,
                r.text[:300],
            )
            self.owner.count_failed(batch, f"HTTP {r.status_code}")
            return


class Outboxes:
    """Every person's outbox; sessions and push workers are made on a person's first intent."""

    def __init__(
        self,
        http: Http,
        credentials: Credentials,
        *,
        applied: Counter[str],
        rejected: Counter[str],
    ) -> None:
        self.http = http
        self.credentials = credentials
        self.applied = applied
        self.rejected = rejected
        self.run_id = uuid.uuid4().hex[:8]
        self.sessions: dict[str, UserSession] = {}
        self._boxes: dict[str, _Outbox] = {}
        self._tasks: list[asyncio.Task[None]] = []

    def session(self, user: str) -> UserSession:
        if user not in self.sessions:
            self.sessions[user] = UserSession(self.http, self.credentials.users[user])
        return self.sessions[user]

    def submit(self, user: str, intent: Intent) -> None:
        box = self._boxes.get(user)
        if box is None:
            client_id = f"sim-{self.run_id}-{user}"[:64]
            box = self._boxes[user] = _Outbox(self, self.session(user), client_id)
            self._tasks.append(asyncio.create_task(box.run(), name=f"outbox-{user}"))
        box.queue.append(intent)
        box.wake.set()

    def pending(self) -> int:
        return sum(len(b.queue) for b in self._boxes.values())

    def record(self, intent: Intent, result: dict[str, Any]) -> None:
        if result.get("status") == "applied":
            self.applied[intent.name] += 1
        else:
            code = (result.get("rejection") or {}).get("code", "?")
            self.rejected[f"{intent.name}:{code}"] += 1
            log.debug(
                "%s rejected: %s", intent.name, (result.get("rejection") or {}).get("message_en")
            )
        if intent.on_result is not None:
            intent.on_result(result)

    def count_failed(self, batch: list[Intent], why: str) -> None:
        for intent in batch:
            self.rejected[f"{intent.name}:{why}"] += 1

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Stopped):
                await task
