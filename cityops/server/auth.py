"""Who is calling: passwords, tokens and roles.

Offers ``hash_password``/``verify_password`` (argon2id), ``Principal`` (the caller as the server
sees them, roles read from the database on every request), the FastAPI dependencies
``principal`` and ``require_roles(...)``, the token router (``POST /api/v1/auth/token``: OAuth2
password grant and refresh grant) and ``api_key_of`` for integrations.

Rules that matter:
- access tokens are short-lived HS256 JWTs with audience and issuer; only HS256 is accepted
  (``alg=none`` and algorithm confusion fail), and ``exp``/``aud``/``iss``/``sub`` are required;
- the token only says *who*; roles, unit and the disabled flag come from the database each call,
  so a revoked role stops the very next request even while the token is unexpired;
- refresh tokens rotate; presenting one that was already used revokes its whole family;
- failed logins are counted per (user name, client address): an attacker hammering from one
  address gets 429 with Retry-After there, while the real user elsewhere can still log in.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, cast

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import Table, bindparam, delete, func, select
from sqlalchemy.orm import Session

from cityops.domain.actors import Actor, Role
from cityops.server import audit
from cityops.server.models import ApiKey, LoginFailure, RefreshToken, ServerSecret, User, UserRole
from cityops.server.problems import ProblemError
from cityops.server.state import ServerState, server_state

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this when the user does not exist keeps the timing of "no such user" and
# "wrong password" alike, so user names cannot be probed.
_DUMMY_HASH = _hasher.hash("not a real password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def now_utc() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone columns; they were written in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def jwt_secret(session: Session, configured: str | None) -> str:
    """The signing secret: configured, or generated once and kept in the database."""
    if configured:
        return configured
    row = session.get(ServerSecret, "jwt")
    if row is None:
        row = ServerSecret(name="jwt", value=secrets.token_urlsafe(48))
        session.add(row)
        session.flush()
    return row.value


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller, with roles and unit as the database says *now*."""

    user_id: int
    name: str
    display_name: str
    roles: frozenset[Role]
    unit_code: str | None

    def actor(self) -> Actor:
        return Actor(self.name, self.roles, self.unit_code, self.display_name or self.name)

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)


_USERS, _ROLES = cast(Table, User.__table__), cast(Table, UserRole.__table__)
#: The user and every role in one Core query: this runs on every authenticated request.
_PRINCIPAL = (
    select(
        _USERS.c.id,
        _USERS.c.name,
        _USERS.c.display_name,
        _USERS.c.unit_code,
        _USERS.c.disabled,
        _ROLES.c.role,
    )
    .select_from(_USERS.outerjoin(_ROLES, _ROLES.c.user_id == _USERS.c.id))
    .where(_USERS.c.id == bindparam("user_id"))
)
_ROLE_VALUES = frozenset(Role.__members__.values())


def load_principal(session: Session, user_id: int) -> Principal | None:
    rows = session.connection().execute(_PRINCIPAL, {"user_id": user_id}).all()
    if not rows or rows[0].disabled:
        return None
    user = rows[0]
    return Principal(
        user_id=user.id,
        name=user.name,
        display_name=user.display_name,
        roles=frozenset(Role(r.role) for r in rows if r.role in _ROLE_VALUES),
        unit_code=user.unit_code,
    )


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, detail, headers={"WWW-Authenticate": "Bearer"})


def issue_access_token(state: ServerState, user_id: int) -> str:
    now = now_utc()
    claims = {
        "sub": str(user_id),
        "aud": state.settings.jwt_audience,
        "iss": state.settings.jwt_issuer,
        "iat": int(now.timestamp()),
        "exp": int((now + state.settings.access_token_ttl).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, state.jwt_secret, algorithm="HS256")


def decode_access_token(state: ServerState, token: str) -> int:
    try:
        claims = jwt.decode(
            token,
            state.jwt_secret,
            algorithms=["HS256"],
            audience=state.settings.jwt_audience,
            issuer=state.settings.jwt_issuer,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
        return int(claims["sub"])
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise _unauthorized(f"invalid access token: {exc}") from None


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("missing bearer token")
    return token.strip()


def principal(request: Request, state: Annotated[ServerState, Depends(server_state)]) -> Principal:
    """The caller of this request, or 401."""
    user_id = decode_access_token(state, _bearer(request))
    with state.gate.read() as session:
        found = load_principal(session, user_id)
    if found is None:
        raise _unauthorized("user disabled or unknown")
    return found


CurrentPrincipal = Annotated[Principal, Depends(principal)]


def deny(state: ServerState, who: Principal, action: str, target: str | None, reason: str) -> None:
    """Audit a denial, then answer 403."""
    with state.gate.write() as session:
        audit.record(
            session,
            actor=who.name,
            roles=who.roles,
            action=action,
            target=target,
            decision="denied",
            detail={"reason": reason},
        )
    raise ProblemError(403, reason)


def require_roles(*roles: Role) -> Any:
    """Dependency: the caller must hold one of ``roles`` (read from the database now)."""

    def check(
        request: Request,
        who: CurrentPrincipal,
        state: Annotated[ServerState, Depends(server_state)],
    ) -> Principal:
        if not who.has(*roles):
            wanted = ", ".join(sorted(r.value for r in roles))
            deny(state, who, f"{request.method} {request.url.path}", None, f"needs role: {wanted}")
        return who

    return Depends(check)


# ------------------------------------------------------------------ API keys


def create_api_key(session: Session, name: str) -> str:
    key = "cok_" + secrets.token_urlsafe(32)
    session.add(ApiKey(name=name, key_hash=sha256_hex(key), created_at=now_utc()))
    session.flush()
    return key


def api_key_of(session: Session, key: str | None) -> ApiKey | None:
    if not key:
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == sha256_hex(key)))
    return None if row is None or row.revoked else row


def integration(request: Request, state: Annotated[ServerState, Depends(server_state)]) -> ApiKey:
    """Dependency for integration endpoints: the ``X-Api-Key`` header (or ``api_key`` query
    parameter, as Open311 clients send it) must name a live key; 401 otherwise."""
    key = request.headers.get("x-api-key") or request.query_params.get("api_key")
    with state.gate.read() as session:
        found = api_key_of(session, key)
    if found is None:
        raise ProblemError(
            401, "missing or invalid API key", headers={"WWW-Authenticate": "ApiKey"}
        )
    return found


IntegrationKey = Annotated[ApiKey, Depends(integration)]


# ------------------------------------------------------------------ token endpoint

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _check_rate(session: Session, state: ServerState, name: str, address: str) -> None:
    window_start = now_utc() - state.settings.login_window
    failures = session.execute(
        select(func.count(), func.min(LoginFailure.at)).where(
            LoginFailure.name == name,
            LoginFailure.address == address,
            LoginFailure.at > window_start,
        )
    ).one()
    count, oldest = failures
    if count >= state.settings.login_max_failures and oldest is not None:
        retry = _aware(oldest) + state.settings.login_window - now_utc()
        seconds = max(1, int(retry.total_seconds()) + 1)
        raise ProblemError(
            429,
            f"too many failed logins for {name} from this address; try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )


def _issue_pair(session: Session, state: ServerState, user_id: int, family: str) -> dict[str, Any]:
    refresh = secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            token_hash=sha256_hex(refresh),
            user_id=user_id,
            family=family,
            expires_at=now_utc() + state.settings.refresh_token_ttl,
        )
    )
    return {
        "access_token": issue_access_token(state, user_id),
        "token_type": "bearer",
        "expires_in": int(state.settings.access_token_ttl.total_seconds()),
        "refresh_token": refresh,
    }


@router.post("/token")
def token(
    request: Request,
    state: Annotated[ServerState, Depends(server_state)],
    grant_type: Annotated[str, Form(pattern="^(password|refresh_token)$")] = "password",
    username: Annotated[str, Form(max_length=64, pattern=r"^[^\x00]*$")] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    refresh_token: Annotated[str, Form(max_length=256)] = "",
) -> dict[str, Any]:
    """OAuth2 token endpoint: ``grant_type=password`` (username, password) or
    ``grant_type=refresh_token`` (refresh_token). Answers access and refresh tokens."""
    if grant_type == "refresh_token":
        return _refresh(state, refresh_token)
    address = _client_address(request)
    with state.gate.write() as session:
        _check_rate(session, state, username, address)
    with state.gate.read() as session:
        user = session.scalar(select(User).where(User.name == username))
        password_hash = user.password_hash if user else _DUMMY_HASH
    ok = verify_password(password_hash, password) and user is not None and not user.disabled
    with state.gate.write() as session:
        if not ok:
            session.add(LoginFailure(name=username, address=address, at=now_utc()))
            audit.record(
                session,
                actor=username or "?",
                roles=(),
                action="auth.login",
                target=address,
                decision="denied",
                detail={"reason": "bad credentials"},
            )
        else:
            assert user is not None
            session.execute(
                delete(LoginFailure).where(
                    LoginFailure.name == username, LoginFailure.address == address
                )
            )
            audit.record(
                session,
                actor=user.name,
                roles=(),
                action="auth.login",
                target=address,
                decision="allowed",
                detail={},
            )
            return _issue_pair(session, state, user.id, uuid.uuid4().hex)
    raise _unauthorized("wrong user name or password")


def _refresh(state: ServerState, presented: str) -> dict[str, Any]:
    with state.gate.write() as session:
        row = session.get(RefreshToken, sha256_hex(presented)) if presented else None
        if row is None or row.revoked or _aware(row.expires_at) <= now_utc():
            raise _unauthorized("refresh token invalid or expired")
        user = session.get(User, row.user_id)
        if row.used_at is None and user is not None and not user.disabled:
            row.used_at = now_utc()
            return _issue_pair(session, state, row.user_id, row.family)
        if row.used_at is not None:
            # Reuse of a rotated token: somebody holds a copy. Revoke the whole family (the
            # revocation commits when this block ends; the 401 is raised after it).
            for member in session.scalars(
                select(RefreshToken).where(RefreshToken.family == row.family)
            ):
                member.revoked = True
            audit.record(
                session,
                actor=user.name if user else str(row.user_id),
                roles=(),
                action="auth.refresh_reuse",
                target=row.family,
                decision="denied",
                detail={},
            )
    raise _unauthorized("refresh token was already used or the user is disabled; log in again")


@router.get("/me")
def me(who: CurrentPrincipal) -> dict[str, Any]:
    """Who the bearer is, as the database says now: the workstation greys out what this user
    may not do and opens the windows of their roles (the server still checks every action)."""
    return {
        "name": who.name,
        "display_name": who.display_name or who.name,
        "roles": sorted(r.value for r in who.roles),
        "unit_code": who.unit_code,
    }
