"""lighting schedules

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 10:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lighting_schedules",
        sa.Column("group_code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("group_code"),
    )


def downgrade() -> None:
    op.drop_table("lighting_schedules")
