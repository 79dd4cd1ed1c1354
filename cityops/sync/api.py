"""The server's sync API as the client uses it: tokens, pull, push and the live stream.

Offers ``ServerApi`` (async, one ``httpx.AsyncClient``) and the errors the engine acts on:
``Offline`` (network errors, timeouts, 5xx: retry later), ``AuthExpired`` (the refresh token is
gone too: the user must log in again), ``CursorTooOld`` (pull everything again), ``SeqGap``
(the server expects an intent this client no longer has) and ``Refused`` (any other 4xx, with
the server's problem document).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from httpx_sse import aconnect_sse
from pydantic_core import from_json


class SyncError(Exception):
    pass


class Offline(SyncError):
    """The server could not be reached or failed (5xx); the same request may be retried."""


class AuthExpired(SyncError):
    """Neither the access token nor the refresh token is accepted any more."""


class CursorTooOld(SyncError):
    """The server no longer keeps the changes after our cursor (or it was restored)."""


class SeqGap(SyncError):
    def __init__(self, expected: int, detail: str) -> None:
        super().__init__(detail)
        self.expected = expected


class Refused(SyncError):
    def __init__(self, status: int, problem: Mapping[str, Any]) -> None:
        super().__init__(f"{status}: {problem.get('detail') or problem.get('title')}")
        self.status = status
        self.problem = dict(problem)


@dataclass(frozen=True, slots=True)
class LiveEvent:
    event: str  # "change" | "resync"
    id: str
    data: dict[str, Any]


#: Read timeout of the live stream: longer than the server's heartbeat (15 s).
STREAM_READ_TIMEOUT = 40.0


class ServerApi:
    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout)
        self._access: str | None = None
        self._refresh: str | None = None
        self.user: str | None = None

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def logged_in(self) -> bool:
        return self._access is not None

    # ------------------------------------------------------------------ tokens

    async def login(self, username: str, password: str) -> None:
        data = {"grant_type": "password", "username": username, "password": password}
        tokens = await self._token(data)
        self.user = username
        self._keep(tokens)

    async def _token(self, form: Mapping[str, str]) -> dict[str, Any]:
        try:
            r = await self._http.post("/api/v1/auth/token", data=dict(form))
        except httpx.TransportError as exc:
            raise Offline(f"{type(exc).__name__}: {exc}") from exc
        if r.status_code == 401:
            raise AuthExpired(_problem(r).get("detail") or "login refused")
        _raise_for(r)
        tokens: dict[str, Any] = r.json()
        return tokens

    def _keep(self, tokens: Mapping[str, Any]) -> None:
        self._access = str(tokens["access_token"])
        self._refresh = str(tokens["refresh_token"])

    async def _renew(self) -> None:
        if not self._refresh:
            raise AuthExpired("not logged in")
        presented, self._refresh = self._refresh, None  # a refresh token is used once
        self._keep(await self._token({"grant_type": "refresh_token", "refresh_token": presented}))

    def _headers(self) -> dict[str, str]:
        if self._access is None:
            raise AuthExpired("not logged in")
        return {"Authorization": f"Bearer {self._access}"}

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request, renewing the access token once on 401."""
        extra = kwargs.pop("headers", {})
        for attempt in range(2):
            try:
                r = await self._http.request(
                    method, path, headers={**self._headers(), **extra}, **kwargs
                )
            except httpx.TransportError as exc:
                raise Offline(f"{type(exc).__name__}: {exc}") from exc
            if r.status_code == 401 and attempt == 0:
                await self._renew()
                continue
            if r.status_code == 401:
                raise AuthExpired(_problem(r).get("detail") or "token refused")
            _raise_for(r)
            return r
        raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ sync

    async def me(self) -> dict[str, Any]:
        """The logged-in user: ``name``, ``display_name``, ``roles``, ``unit_code``."""
        r = await self._send("GET", "/api/v1/auth/me")
        who: dict[str, Any] = r.json()
        return who

    async def changes(self, after: int, limit: int = 1000) -> dict[str, Any]:
        r = await self._send("GET", "/api/v1/changes", params={"after": after, "limit": limit})
        # A page is megabytes of JSON: decoded in a worker thread so the loop (in the desktop,
        # the Qt loop) stays free, by pydantic-core's parser (~2x json.loads).
        page: dict[str, Any] = await asyncio.to_thread(from_json, r.content)
        return page

    async def push(self, mutations: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        body = json.dumps({"mutations": list(mutations)}, ensure_ascii=False, default=str)
        r = await self._send(
            "POST",
            "/api/v1/sync/push",
            content=body.encode(),
            headers={"Content-Type": "application/json"},
        )
        answer: dict[str, Any] = r.json()
        return answer

    async def events(self, after: int) -> AsyncIterator[LiveEvent]:
        """The live stream from ``after`` on; ends when the server closes it."""
        for attempt in range(2):
            headers = {**self._headers(), "Last-Event-ID": str(after)}
            timeout = httpx.Timeout(self._http.timeout.connect, read=STREAM_READ_TIMEOUT)
            try:
                async with aconnect_sse(
                    self._http, "GET", "/api/v1/events", headers=headers, timeout=timeout
                ) as source:
                    response = source.response
                    if response.status_code == 401 and attempt == 0:
                        await self._renew()
                        continue
                    if response.status_code != 200:
                        await response.aread()
                        if response.status_code == 401:
                            raise AuthExpired("token refused")
                        _raise_for(response)
                    async for sse in source.aiter_sse():
                        if sse.event in ("change", "resync"):
                            yield LiveEvent(sse.event, sse.id, json.loads(sse.data))
                    return
            except httpx.TransportError as exc:
                raise Offline(f"{type(exc).__name__}: {exc}") from exc


def _problem(r: httpx.Response) -> dict[str, Any]:
    try:
        body = r.json()
    except (ValueError, httpx.ResponseNotRead):
        return {"title": r.reason_phrase}
    return body if isinstance(body, dict) else {"title": r.reason_phrase}


def _raise_for(r: httpx.Response) -> None:
    if r.status_code < 400:
        return
    if r.status_code >= 500 or r.status_code in (408, 429):
        raise Offline(f"server answered {r.status_code}")
    problem = _problem(r)
    if r.status_code == 410:
        raise CursorTooOld(str(problem.get("detail") or "cursor too old"))
    if r.status_code == 409 and "expected_seq" in problem:
        raise SeqGap(int(problem["expected_seq"]), str(problem.get("detail")))
    raise Refused(r.status_code, problem)
