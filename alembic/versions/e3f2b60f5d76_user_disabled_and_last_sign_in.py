"""user administration: a disabled account (disabled_at) and when it last signed in (last_sign_in_at)

Revision ID: e3f2b60f5d76
Revises: c3e5a7b9d1f2
Create Date: 2026-11-28 22:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import profile_app.models  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision: str = 'e3f2b60f5d76'
down_revision: Union[str, Sequence[str], None] = 'c3e5a7b9d1f2'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disabled_at', profile_app.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('last_sign_in_at', profile_app.models.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('last_sign_in_at')
        batch_op.drop_column('disabled_at')
