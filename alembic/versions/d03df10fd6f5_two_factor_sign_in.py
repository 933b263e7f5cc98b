"""two-factor sign-in: the TOTP secret (encrypted) on the user, recovery codes (hashed), pending sign-in challenges

Revision ID: d03df10fd6f5
Revises: e3f2b60f5d76
Create Date: 2026-11-28 22:10:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel  # noqa: F401

from alembic import op
from profile_app.models import UTCDateTime

revision: str = "d03df10fd6f5"
down_revision: Union[str, Sequence[str], None] = "e3f2b60f5d76"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret_ciphertext", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("totp_pending_ciphertext", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("totp_enabled_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=False, server_default="0"))
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "code_hash", name="uq_recovery_code_user_hash"),
    )
    op.create_table(
        "two_factor_challenge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("next_path", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("two_factor_challenge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_two_factor_challenge_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_two_factor_challenge_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("two_factor_challenge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_two_factor_challenge_expires_at"))
        batch_op.drop_index(batch_op.f("ix_two_factor_challenge_user_id"))
    op.drop_table("two_factor_challenge")
    op.drop_table("recovery_code")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enabled_at")
        batch_op.drop_column("totp_pending_ciphertext")
        batch_op.drop_column("totp_secret_ciphertext")
