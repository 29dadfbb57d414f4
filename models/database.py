"""Opening a database: the embedded SQLite default or any SQLAlchemy URL, migrated to the current schema."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

APP_NAME = "yuangan-duzao"
DB_FILENAME = "yuangan.db"
BUSY_TIMEOUT_MS = 10_000


def default_data_dir() -> Path:
    """The user's data directory: database, backups, logs and settings live here."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def _on_sqlite_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # Autocommit at the driver level; SQLAlchemy's own BEGIN (see _on_begin) starts the transaction.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    # FULL: a commit is on disk when it returns, even if the power fails right after.
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def _on_begin_immediate(conn: Any) -> None:
    # Units of work that write take the write lock at the start, so two writers queue (busy_timeout) instead of
    # failing on a read-to-write upgrade.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _on_begin_deferred(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def make_engine(url: str, *, for_writing: bool = True) -> Engine:
    """An engine for ``url`` with the connection settings this application relies on. On SQLite, an engine
    for writing begins every transaction IMMEDIATE; one for reading begins them deferred (no lock taken)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_begin_immediate if for_writing else _on_begin_deferred)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """An open, migrated database and the sessions made from it."""

    def __init__(self, engine: Engine, data_dir: Path) -> None:
        self.engine = engine
        self.data_dir = data_dir
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        if engine.dialect.name == "sqlite":
            self.read_engine = make_engine(engine.url.render_as_string(hide_password=False), for_writing=False)
        else:
            self.read_engine = engine
        self.read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        """The database file, for SQLite files; None for servers and memory databases."""
        database = self.engine.url.database
        if not self.is_sqlite or not database or database == ":memory:":
            return None
        return Path(database)

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """One unit of work: commits when the block ends normally, rolls back on an exception."""
        with self.sessions.begin() as session:
            yield session

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for reading (on SQLite it takes no lock); nothing is committed."""
        with self.read_sessions() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


def open_database(url: str | None = None, data_dir: Path | None = None, *, migrate: bool = True) -> Database:
    """Open (and create) the database at ``url``, default the SQLite file in ``data_dir``, and migrate it."""
    data_dir = data_dir or default_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url or sqlite_url(data_dir / DB_FILENAME))
    if migrate:
        from models.migrations import upgrade_to_head

        upgrade_to_head(engine)
    return Database(engine, data_dir)
