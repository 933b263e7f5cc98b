"""ClearML API fidelity (user created_in_version, preferences document) and per-user outbound claims

Revision ID: b7e2c4d6f8a1
Revises: b2d4e6f8a0c1
Create Date: 2026-11-28 19:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel  # noqa: F401

from alembic import op

revision: str = "b7e2c4d6f8a1"
down_revision: Union[str, Sequence[str], None] = "b2d4e6f8a0c1"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Every account that exists before this revision was made by 0.1.0, the only version released so far.
VERSION_OF_EXISTING_ACCOUNTS = "0.1.0"


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(
            sa.Column(
                "created_in_version",
                sqlmodel.sql.sqltypes.AutoString(length=32),
                nullable=False,
                server_default=VERSION_OF_EXISTING_ACCOUNTS,
            )
        )
        batch.add_column(sa.Column("preferences_document", sa.Text(), nullable=False, server_default="{}"))
    op.create_table(
        "outbound_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "kind", "slot", name="uq_outbound_claim_user_kind_slot"),
    )
    with op.batch_alter_table("outbound_claim") as batch:
        batch.create_index(batch.f("ix_outbound_claim_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbound_claim") as batch:
        batch.drop_index(batch.f("ix_outbound_claim_user_id"))
    op.drop_table("outbound_claim")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("preferences_document")
        batch.drop_column("created_in_version")
