"""Engine, transactions and SQLite pragmas. Every write goes through `transaction()`: one unit, committed or
rolled back whole."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
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


def _sqlite_path(url: str) -> Path | None:
    path = url.split("///", 1)[-1] if url.startswith("sqlite") else ""
    return Path(path) if path and path != ":memory:" else None


def _create_private_sqlite_file(path: Path) -> None:
    """The database file is made 0600 (in a 0700 directory) before SQLite opens it: SQLite gives its -wal and
    -shm files the database file's mode, so all three stay readable by the owner only."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def restrict_file_permissions() -> None:
    """At start: an existing embedded database (and its WAL), made by an older version with the default mode,
    becomes owner-only too."""
    path = _sqlite_path(get_settings().database_url)
    if path is None or not path.exists():
        return
    with contextlib.suppress(OSError):
        path.parent.chmod(0o700)
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(OSError):
            if candidate.exists():
                candidate.chmod(0o600)


def create_engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        if (path := _sqlite_path(url)) is not None:
            _create_private_sqlite_file(path)
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


def _write_engine() -> Engine:
    engine = get_engine()
    return engine.execution_options(sqlite_begin="IMMEDIATE") if engine.dialect.name == "sqlite" else engine


@contextmanager
def transaction() -> Iterator[Session]:
    """One write transaction. On SQLite it begins IMMEDIATE, so writers queue on the busy timeout rather
    than deadlock; on PostgreSQL it is an ordinary transaction and callers lock rows they must serialise on."""
    with Session(_write_engine(), expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def statement_transaction() -> Iterator[Connection]:
    """One write transaction on a bare Core connection, for a hot path that is a single prebuilt statement (a
    preference toggle): the ORM session's own bookkeeping costs about twice the statement there. Same locking as
    `transaction()` (BEGIN IMMEDIATE on SQLite)."""
    with _write_engine().begin() as connection:
        yield connection


@contextmanager
def statement_read() -> Iterator[Connection]:
    """A read on a bare Core connection, for a hot path that is a single prebuilt statement (the credential check
    every API call makes): nothing is committed (closing the connection rolls back), and no ORM session is set up
    and torn down around it. Not shared with `one_read()`: such a statement needs no other read's snapshot."""
    with get_engine().connect() as connection:
        yield connection


_shared_read: ContextVar[Session | None] = ContextVar("profile_shared_read", default=None)


@contextmanager
def read() -> Iterator[Session]:
    """A read-only unit: nothing it does is committed (closing the session rolls back, and the objects it
    loaded stay readable). Inside `one_read()` every read shares that one session and its transaction."""
    if (shared := _shared_read.get()) is not None:
        yield shared
        return
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session


@contextmanager
def one_read() -> Iterator[None]:
    """Make every `read()` in this block (this task or thread only) use one session: a page that shows many
    sections reads them all in one transaction, from one consistent snapshot, and rows already loaded (the user,
    the workspace) come from the session's identity map instead of another query. Writes (`transaction()`) are
    unaffected."""
    if _shared_read.get() is not None:
        yield
        return
    with Session(get_engine(), expire_on_commit=False) as session:
        # The identity map holds rows weakly; services return plain values, so a user row loaded by one section
        # would be gone (and queried again) by the next. Holding them for the block makes `session.get` free.
        held = session.info.setdefault("held_rows", [])
        event.listen(session, "loaded_as_persistent", lambda _session, row: held.append(row))
        marker = _shared_read.set(session)
        try:
            yield
        finally:
            _shared_read.reset(marker)
