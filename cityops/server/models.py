"""The server's tables (SQLAlchemy 2 declarative).

Offers the ORM classes to the server's modules and to Alembic. Domain objects are stored as their
wire document (``doc``, JSON) plus the columns the server filters and indexes on; the document is
the truth, the columns are kept in step by the code that writes both in one statement.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, datetime: DateTime(timezone=True)}


class ServerSecret(Base):
    __tablename__ = "server_secrets"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))


class ServerValue(Base):
    """Small facts the server keeps between restarts (e.g. the SLA watcher's last check)."""

    __tablename__ = "server_values"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    unit_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class UserRole(Base):
    __tablename__ = "user_roles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class RefreshToken(Base):
    """Rotating refresh tokens: each use issues a new one; reusing a used one revokes the
    whole family (a stolen token is then worthless to both holders)."""

    __tablename__ = "refresh_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    family: Mapped[str] = mapped_column(String(64), index=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class LoginFailure(Base):
    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    __table_args__ = (Index("ix_login_failures_key", "name", "address", "at"),)


class ApiKey(Base):
    """Keys for integrations (Open311 clients, IoT platforms, device gateways); only the hash
    is kept, the key is shown once when created."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Change(Base):
    """The changes log: every committed mutation appends here in the same transaction."""

    __tablename__ = "changes"
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    op: Mapped[str] = mapped_column(String(8))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    origin_client: Mapped[str | None] = mapped_column(String(64), nullable=True)
    origin_mutation: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime]


class SyncClient(Base):
    """A client's push cursor: the highest mutation seq the server has processed for it."""

    __tablename__ = "sync_clients"
    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime]


class MutationResult(Base):
    """The stored result of every processed mutation, replayed when it is pushed again."""

    __tablename__ = "mutation_results"
    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    mutation_id: Mapped[str] = mapped_column(String(36), unique=True)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    processed_at: Mapped[datetime]


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class CaseRow(Base):
    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    district_code: Mapped[str] = mapped_column(String(16))
    subcategory_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    assigned_unit: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reported_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)
    __table_args__ = (
        Index("ix_cases_state", "state"),
        Index("ix_cases_district_state", "district_code", "state"),
    )


class CaseEventRow(Base):
    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)


class PublicReport(Base):
    """Open311 side of a public case: who reported it (an API client) and the reward."""

    __tablename__ = "public_reports"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    service_code: Mapped[str] = mapped_column(String(8))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"), nullable=True)
    reporter_email: Mapped[str | None] = mapped_column(String(256), nullable=True)
    reward_status: Mapped[str] = mapped_column(String(16), default="pending")
    requested_at: Mapped[datetime]


class AlarmRow(Base):
    __tablename__ = "alarms"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(24))
    severity: Mapped[str] = mapped_column(String(16))
    district_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The (device, kind) lookup that de-duplication does on every raising reading.
    __table_args__ = (Index("ix_alarms_device_kind", "device_id", "kind"),)


class DeviceRow(Base):
    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    district_code: Mapped[str] = mapped_column(String(16), index=True)
    group_code: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    version: Mapped[int] = mapped_column(Integer)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)


class DeviceCommandRow(Base):
    __tablename__ = "device_commands"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    issued_at: Mapped[datetime]
    not_after: Mapped[datetime]
    group_command_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    version: Mapped[int] = mapped_column(Integer)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)
    __table_args__ = (Index("ix_device_commands_device_status", "device_id", "status"),)


class AuditEntry(Base):
    """Append-only, hash-chained: ``hash = sha256(prev_hash + canonical(entry))``; editing or
    deleting a row breaks every hash after it (``cityops audit verify``)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    roles: Mapped[str] = mapped_column(String(128))
    client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    mutation_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(128), nullable=True)
    decision: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class MetricMinute(Base):
    """Per-minute counters for the cockpit (readings by metric, overweight vehicles …)."""

    __tablename__ = "metrics_minute"
    minute: Mapped[datetime] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[float]
    __table_args__ = (UniqueConstraint("minute", "name"),)


class InspectionRow(Base):
    """A supervisor's recorded finding (``inspections.Inspection``); written once, never
    updated. ``observed_at`` is stored in UTC; the ranking reads a district's window of it."""

    __tablename__ = "inspections"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    district_code: Mapped[str] = mapped_column(String(16))
    item_code: Mapped[str] = mapped_column(String(16))
    category_code: Mapped[str] = mapped_column(String(8))
    observed_at: Mapped[datetime]
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)
    __table_args__ = (Index("ix_inspections_district_observed", "district_code", "observed_at"),)


class LightingScheduleRow(Base):
    """A lighting group's stored schedule (``group_schedules.StoredSchedule``), one row per
    group code (``"*"``: the city default); ``doc`` is its ``LightingScheduleDoc``."""

    __tablename__ = "lighting_schedules"
    group_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)


__all__ = [
    "AlarmRow",
    "ApiKey",
    "AuditEntry",
    "Base",
    "CaseEventRow",
    "CaseRow",
    "Change",
    "DeviceCommandRow",
    "DeviceRow",
    "IdempotencyKey",
    "InspectionRow",
    "LightingScheduleRow",
    "LoginFailure",
    "MetricMinute",
    "MutationResult",
    "PublicReport",
    "RefreshToken",
    "ServerSecret",
    "ServerValue",
    "SyncClient",
    "User",
    "UserRole",
]
