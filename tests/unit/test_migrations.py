"""The models and the alembic revisions must describe the same schema, on SQLite and PostgreSQL."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from alembic import command
from profile_app import migrations


def _assert_head_and_no_diff(url: str) -> None:
    migrations.upgrade_to_head(url)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        head = ScriptDirectory.from_config(migrations.alembic_config(url)).get_current_head()
        assert context.get_current_revision() == head
        assert compare_metadata(context, SQLModel.metadata) == []
    engine.dispose()


def test_fresh_sqlite_migrates_to_head_and_matches_models(settings_env, tmp_path):
    _assert_head_and_no_diff(f"sqlite:///{tmp_path / 'fresh.db'}")


@pytest.mark.postgres
def test_fresh_postgres_migrates_to_head_and_matches_models(settings_env, postgres_url):
    _assert_head_and_no_diff(postgres_url)


def test_downgrade_to_base_and_up_again(settings_env, tmp_path):
    url = f"sqlite:///{tmp_path / 'cycle.db'}"
    migrations.upgrade_to_head(url)
    command.downgrade(migrations.alembic_config(url), "base")
    _assert_head_and_no_diff(url)
