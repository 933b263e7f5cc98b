"""creation request keys: idempotent creation of app credentials, invitation links and cloud access rows

Revision ID: b7e4d2a9c1f0
Revises: b7e2c4d6f8a1
Create Date: 2026-11-29 09:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel  # noqa: F401

from alembic import op

revision: str = "b7e4d2a9c1f0"
down_revision: Union[str, Sequence[str], None] = "b7e2c4d6f8a1"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# table, owner column, constraint name
_TABLES = (
    ("api_credential", "user_id", "uq_api_credential_user_request_key"),
    ("invitation", "created_by", "uq_invitation_creator_request_key"),
    ("cloud_credential", "user_id", "uq_cloud_credential_user_request_key"),
)


def upgrade() -> None:
    for table, owner, constraint in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("request_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
            batch.create_unique_constraint(constraint, [owner, "request_key"])


def downgrade() -> None:
    for table, _owner, constraint in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(constraint, type_="unique")
            batch.drop_column("request_key")
