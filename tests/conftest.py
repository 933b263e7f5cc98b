"""Shared fixtures: every test gets its own settings and a fresh SQLite database unless it asks for PostgreSQL."""

from __future__ import annotations

import base64
import os
import secrets
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from profile_app import config, db
from profile_app.services import session_cache

POSTGRES_ADMIN_URL = os.environ.get("PROFILE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Everything under tests/e2e is marked e2e, before `-m` selects (the production-path run uses it), and runs
    last, after the fast unit and API tests."""
    for item in items:
        if "/tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path))


def _test_env(data_dir: Path) -> dict[str, str]:
    return {
        "PROFILE_MODE": "hosted",
        "PROFILE_DATA_DIR": str(data_dir),
        "PROFILE_DATABASE_URL": f"sqlite:///{data_dir / 'test.db'}",
        "PROFILE_SECRET_KEY": "test-secret-key-" + "x" * 32,
        "PROFILE_ENCRYPTION_KEYS": "test1:" + base64.urlsafe_b64encode(b"k" * 32).decode(),
        "PROFILE_WEB_URL": "http://localhost:3000",
        "PROFILE_API_URL": "http://localhost:8000/api",
        "PROFILE_FILES_URL": "http://localhost:8081",
        # Tests sign in and up far faster than people; the limit itself is tested with a small value.
        "PROFILE_SIGN_IN_RATE_PER_MINUTE": "100000",
    }


@pytest.fixture
def settings_env(tmp_path, monkeypatch) -> Callable[..., config.Settings]:
    """Apply the test environment plus overrides (e.g. MODE='self-hosted') and reload settings."""
    for key in list(os.environ):
        if key.startswith("PROFILE_") and not key.startswith("PROFILE_TEST_") and not key.startswith("PROFILE_E2E"):
            monkeypatch.delenv(key)
    base = _test_env(tmp_path)

    def apply(**overrides: str) -> config.Settings:
        for key, value in {**base, **{f"PROFILE_{k}": str(v) for k, v in overrides.items()}}.items():
            monkeypatch.setenv(key, value)
        db.reset_engine()
        session_cache.clear()  # a new database: what this process remembered about sessions is void
        return config.reload_settings()

    apply()
    yield apply
    db.reset_engine()
    config.get_settings.cache_clear()


@pytest.fixture
def database(settings_env) -> Iterator[Callable[..., config.Settings]]:
    """A fresh, empty SQLite database with the full schema. Call it with overrides to change settings."""

    def apply(**overrides: str) -> config.Settings:
        settings = settings_env(**overrides)
        SQLModel.metadata.create_all(db.get_engine())
        return settings

    apply()
    yield apply


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A brand-new PostgreSQL database for one test, dropped afterwards; skipped if no server answers."""
    import sqlalchemy as sa

    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"profile_t_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if os.environ.get("PROFILE_TEST_REQUIRE_POSTGRES"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc.__class__.__name__}")
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    db.reset_engine()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def postgres_database(settings_env, postgres_url) -> Callable[..., config.Settings]:
    def apply(**overrides: str) -> config.Settings:
        settings = settings_env(DATABASE_URL=postgres_url, **overrides)
        SQLModel.metadata.create_all(db.get_engine())
        return settings

    apply()
    return apply


def random_password() -> str:
    return "pw-" + secrets.token_urlsafe(12)


@pytest.fixture
def tarpit(monkeypatch) -> Iterator[str]:
    """`http://127.0.0.1:<port>`: a host that accepts connections and never answers (reads time out fast here)."""
    import socket

    from profile_app.services import storage_providers

    monkeypatch.setattr(storage_providers, "READ_TIMEOUT_S", 0.5)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
