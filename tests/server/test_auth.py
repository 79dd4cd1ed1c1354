"""Who may call: forged or stale tokens are refused, guessing passwords is slowed down without
locking the real user out, refresh tokens rotate, and the audit log notices tampering."""

from __future__ import annotations

import time

import jwt
import pytest
from sqlalchemy import select, update

from cityops.cli import main as cli_main
from cityops.server.db import make_engine
from cityops.server.models import AuditEntry, User
from tests.server.conftest import PASSWORD, Api, LiveServer


def _claims(live: LiveServer, **override: object) -> dict[str, object]:
    with live.state.gate.read() as session:
        user_id = session.scalar(select(User.id).where(User.name == "dispatcher"))
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": str(user_id),
        "aud": live.settings.jwt_audience,
        "iss": live.settings.jwt_issuer,
        "iat": now,
        "exp": now + 300,
    }
    claims.update(override)
    return claims


def _changes_with(api: Api, token: str) -> int:
    r = api.http.get("/api/v1/changes", headers={"Authorization": f"Bearer {token}"})
    if r.status_code != 200:
        assert r.headers["content-type"].startswith("application/problem+json")
    return r.status_code


def test_a_genuine_token_works(api: Api, live_server: LiveServer) -> None:
    token = jwt.encode(_claims(live_server), live_server.state.jwt_secret, algorithm="HS256")
    assert _changes_with(api, token) == 200


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda live: jwt.encode(_claims(live), None, algorithm="none"), id="alg-none"),
        pytest.param(
            lambda live: jwt.encode(_claims(live), "x" * 48, algorithm="HS256"), id="wrong-key"
        ),
        pytest.param(
            lambda live: jwt.encode(
                _claims(live, exp=int(time.time()) - 5), live.state.jwt_secret, algorithm="HS256"
            ),
            id="expired",
        ),
        pytest.param(
            lambda live: jwt.encode(
                _claims(live, aud="someone-else"), live.state.jwt_secret, algorithm="HS256"
            ),
            id="wrong-audience",
        ),
        pytest.param(
            lambda live: jwt.encode(
                {k: v for k, v in _claims(live).items() if k != "exp"},
                live.state.jwt_secret,
                algorithm="HS256",
            ),
            id="no-expiry",
        ),
        pytest.param(lambda live: "not-a-jwt", id="garbage"),
    ],
)
def test_forged_or_stale_tokens_are_401(api: Api, live_server: LiveServer, forge: object) -> None:
    token = forge(live_server)  # type: ignore[operator]
    assert _changes_with(api, token) == 401


def test_missing_token_is_401_problem(api: Api) -> None:
    r = api.http.get("/api/v1/changes")
    assert r.status_code == 401
    assert r.json()["title"] == "Not authenticated"
    assert r.headers["www-authenticate"] == "Bearer"


def test_password_guessing_is_slowed_per_address_not_for_the_real_user(
    api: Api, live_server: LiveServer
) -> None:
    attacker = {"X-Forwarded-For": "10.9.8.7"}  # uvicorn trusts the proxy header from 127.0.0.1

    def attempt(password: str, headers: dict[str, str]) -> int:
        r = api.http.post(
            "/api/v1/auth/token",
            data={"username": "supervisor", "password": password},
            headers=headers,
        )
        if r.status_code == 429:
            assert int(r.headers["retry-after"]) >= 1
            assert r.headers["content-type"].startswith("application/problem+json")
        return r.status_code

    codes = [
        attempt(f"guess-{i}", attacker) for i in range(live_server.settings.login_max_failures)
    ]
    assert codes == [401] * live_server.settings.login_max_failures
    assert attempt("guess-again", attacker) == 429
    assert attempt(PASSWORD, attacker) == 429  # even the right password, from that address
    assert attempt(PASSWORD, {"X-Forwarded-For": "192.0.2.10"}) == 200  # the real user elsewhere
    with live_server.state.gate.read() as session:
        denials = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "auth.login", AuditEntry.decision == "denied"
            )
        ).all()
    assert any(d.actor == "supervisor" and d.target == "10.9.8.7" for d in denials)


def test_refresh_rotates_and_reuse_revokes_the_family(api: Api) -> None:
    first = api.login("commander")
    r = api.http.post(
        "/api/v1/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
    )
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    # Someone replays the old refresh token: both it and the new one stop working.
    replay = api.http.post(
        "/api/v1/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
    )
    assert replay.status_code == 401
    after = api.http.post(
        "/api/v1/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": second["refresh_token"]},
    )
    assert after.status_code == 401


def test_audit_chain_verifies_and_detects_an_edit(
    api: Api, live_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    api.login("admin")  # at least one more audited event
    assert cli_main(["audit", "verify", "--db", live_server.db_url]) == 0
    assert "intact" in capsys.readouterr().out
    engine = make_engine(live_server.db_url)
    with engine.begin() as conn:
        victim = conn.scalar(select(AuditEntry.id).order_by(AuditEntry.id).limit(1).offset(2))
        original = conn.scalar(select(AuditEntry.decision).where(AuditEntry.id == victim))
        conn.execute(update(AuditEntry).where(AuditEntry.id == victim).values(decision="allowed!"))
    try:
        assert cli_main(["audit", "verify", "--db", live_server.db_url]) == 1
        err = capsys.readouterr().err
        assert f"entry {victim}" in err
    finally:
        with engine.begin() as conn:
            conn.execute(
                update(AuditEntry).where(AuditEntry.id == victim).values(decision=original)
            )
        engine.dispose()


def test_me_says_who_the_bearer_is_as_the_database_says_now(api: Api) -> None:
    r = api.http.get("/api/v1/auth/me", headers=api.headers("dispatcher"))
    assert r.status_code == 200
    assert r.json()["name"] == "dispatcher"
    assert "dispatcher" in r.json()["roles"]
    unauthenticated = api.http.get("/api/v1/auth/me")
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["content-type"].startswith("application/problem+json")
