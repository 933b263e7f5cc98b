"""Run alembic from code: the embedded default migrates to head on start; production runs
`python -m profile_app.manage migrate` once before starting its workers."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from alembic import command
from profile_app.config import get_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", (url or get_settings().database_url).replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade_to_head(url: str | None = None) -> None:
    command.upgrade(alembic_config(url), "head")
