"""Engine, transactions and SQLite pragmas. Every write goes through `transaction()`: one unit, committed or
rolled back whole."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from profile_app.config import get_settings

SQLITE_BUSY_TIMEOUT_MS = 30_000


def _install_sqlite_pragmas(engine: Engine) -> None:
    """WAL, foreign keys and a busy timeout on every connection; and we issue BEGIN ourselves so a
    write transaction can take SQLite's write lock up front (BEGIN IMMEDIATE) instead of failing on upgrade."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # pysqlite: let us emit BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _install_statement_log(engine: Engine, path: str) -> None:
    """Diagnostics for the queries-per-page benchmark: one line per SQL statement (its first words only, never
    parameters), appended to `path`."""

    @event.listens_for(engine, "before_cursor_execute")
    def _log(_conn, _cursor, statement, _parameters, _context, _executemany):
        with open(path, "a") as handle:
            handle.write(" ".join(statement.split()[:6]) + "\n")


def create_engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _install_sqlite_pragmas(engine)
    else:
        engine = sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    if log_path := get_settings().sql_statement_log:
        _install_statement_log(engine, log_path)
    return engine


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    return create_engine_for(get_settings().database_url)


def reset_engine() -> None:
    """Tests point the app at a new database; drop the cached engine and its pool."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()


@contextmanager
def transaction() -> Iterator[Session]:
    """One write transaction. On SQLite it begins IMMEDIATE, so writers queue on the busy timeout rather
    than deadlock; on PostgreSQL it is an ordinary transaction and callers lock rows they must serialise on."""
    engine = get_engine()
    if engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_begin="IMMEDIATE")
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def read() -> Iterator[Session]:
    """A read-only unit: nothing it does is committed (closing the session rolls back, and the objects it
    loaded stay readable)."""
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session
