"""security log: one row per security-relevant event of a user

Revision ID: c3e5a7b9d1f2
Revises: b7e4d2a9c1f0
Create Date: 2026-11-28 22:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel  # noqa: F401

from alembic import op
from profile_app.models import UTCDateTime

revision: str = "c3e5a7b9d1f2"
down_revision: Union[str, Sequence[str], None] = "b7e4d2a9c1f0"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "security_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("occurred_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ip_address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("browser", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    )
    op.create_index("ix_security_event_user_occurred", "security_event", ["user_id", "occurred_at"])
    op.create_index("ix_security_event_occurred_at", "security_event", ["occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_security_event_occurred_at", table_name="security_event")
    op.drop_index("ix_security_event_user_occurred", table_name="security_event")
    op.drop_table("security_event")
