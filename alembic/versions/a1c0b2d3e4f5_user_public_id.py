"""user public id

Revision ID: a1c0b2d3e4f5
Revises: 301a1d4e3398
Create Date: 2026-11-28 18:40:00

"""
import uuid
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel  # noqa: F401

from alembic import op

revision: str = "a1c0b2d3e4f5"
down_revision: Union[str, Sequence[str], None] = "301a1d4e3398"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("public_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    users = sa.table("user_account", sa.column("id", sa.Integer), sa.column("public_id", sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(users.update().where(users.c.id == user_id).values(public_id=uuid.uuid4().hex))
    with op.batch_alter_table("user_account") as batch:
        batch.alter_column("public_id", existing_type=sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False)
        batch.create_unique_constraint("uq_user_account_public_id", ["public_id"])


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_constraint("uq_user_account_public_id", type_="unique")
        batch.drop_column("public_id")
