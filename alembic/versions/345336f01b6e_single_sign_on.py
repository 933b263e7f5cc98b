"""single sign-on: identities at the OpenID Connect provider and pending authorization requests

Revision ID: 345336f01b6e
Revises: d03df10fd6f5
Create Date: 2026-11-28 22:05:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel  # noqa: F401

from alembic import op
from profile_app.models import UTCDateTime

revision: str = "345336f01b6e"
down_revision: Union[str, Sequence[str], None] = "d03df10fd6f5"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "single_sign_on_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer", "subject", name="uq_single_sign_on_identity_issuer_subject"),
        sa.UniqueConstraint("user_id", "issuer", name="uq_single_sign_on_identity_user_issuer"),
    )
    op.create_table(
        "single_sign_on_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("binding_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("next_path", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("link_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["link_user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("state_hash"),
    )
    with op.batch_alter_table("single_sign_on_pending", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_single_sign_on_pending_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("single_sign_on_pending", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_single_sign_on_pending_expires_at"))
    op.drop_table("single_sign_on_pending")
    op.drop_table("single_sign_on_identity")
