"""Opening a database: the embedded SQLite default or any SQLAlchemy URL, migrated to the current schema."""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

APP_NAME = "yuangan-duzao"
DB_FILENAME = "yuangan.db"
BUSY_TIMEOUT_MS = 10_000
LOCK_WAIT_SECONDS = 120
"""A unit of work waits this long for another program's write to end before it gives up (with who holds it)."""
LOCK_POLL_MS = 1_000
"""While waiting for the write lock, the wait is reported this often (see set_lock_wait_reporter)."""

log = logging.getLogger(__name__)


def default_data_dir() -> Path:
    """The user's data directory: database, backups, logs and settings live here."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


class StorageError(Exception):
    """The disk refused the database (read-only location, disk full, I/O error, damaged file); ``str(err)`` is the
    Chinese message. Nothing of the failed unit of work was saved; what was committed before is kept.
    The application layer installs its own subclass (a UserError) through ``open_database(storage_error=...)``."""


_KEPT = "此前已保存的数据不受影响。"
_RESTORE_HINT = "请从数据目录 backups 文件夹中最近的备份恢复（设置 → 备份与恢复，或命令行 restore 备份文件）。"
STORAGE_MESSAGES: dict[int, str] = {
    sqlite3.SQLITE_PERM: f"没有访问数据库文件的权限，本次操作未保存。{_KEPT}请检查数据目录的权限。",
    sqlite3.SQLITE_READONLY: f"数据库位于只读位置（或文件为只读），本次操作未保存。{_KEPT}"
    "请把数据目录设在可写的位置，或检查 U 盘的写保护开关与文件权限。",
    sqlite3.SQLITE_IOERR: f"读写数据库文件时发生磁盘错误（I/O 错误），本次操作未保存。{_KEPT}"
    "请检查磁盘或 U 盘是否已拔出，然后重试。",
    sqlite3.SQLITE_CORRUPT: f"数据库文件已损坏，无法读写。{_RESTORE_HINT}",
    sqlite3.SQLITE_FULL: f"磁盘空间已满，本次操作未保存。{_KEPT}请清理磁盘空间后重试。",
    sqlite3.SQLITE_CANTOPEN: "无法打开数据库文件（位置不存在、只读或没有权限）。请检查数据目录是否可用。",
    sqlite3.SQLITE_NOTADB: f"数据库文件不是有效的数据库（可能已损坏或被其他文件覆盖）。{_RESTORE_HINT}",
}
"""Primary SQLite result codes that mean the storage failed, and what the user is told."""


_OS_REASONS = {
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EROFS: "只读位置",
    errno.ENOSPC: "磁盘空间已满",
    errno.ENOTDIR: "路径中有一部分是文件而不是文件夹",
    errno.EEXIST: "已有同名文件",
}


SERVER_MESSAGES: dict[str, str] = {
    "55P03": f"数据库服务器上另一位用户的操作长时间占用该记录，本次操作未保存。{_KEPT}请稍后重试。",
    "57014": f"数据库服务器上的操作超时被取消，本次操作未保存。{_KEPT}请稍后重试。",
    "40P01": f"与另一位用户的操作相互等待（死锁），服务器取消了本次操作，未保存。{_KEPT}请重试。",
    "40001": f"与另一位用户的操作同时修改了相同的数据，本次操作未保存。{_KEPT}请重试。",
    "53100": f"数据库服务器磁盘空间已满，本次操作未保存。{_KEPT}请联系服务器管理员。",
    "57P01": f"数据库服务器正在关闭或重启，本次操作未保存。{_KEPT}请稍后重试。",
}
"""SQLSTATE codes of a PostgreSQL server that mean "try again later" rather than a bug, and what the user is told."""
_SERVER_GONE = f"与数据库服务器的连接已断开，本次操作未保存。{_KEPT}请检查网络后重试。"


def storage_problem(err: BaseException) -> str | None:
    """The Chinese message for a storage failure reported by SQLite (or a server's lock timeout, deadlock, full disk
    or lost connection), or None for any other error."""
    orig = err.orig if isinstance(err, DBAPIError) else err
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        return None if code is None else STORAGE_MESSAGES.get(code & 0xFF)
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        if sqlstate in SERVER_MESSAGES:
            return SERVER_MESSAGES[sqlstate]
        if sqlstate.startswith("08"):
            return _SERVER_GONE
    if isinstance(err, DBAPIError) and err.connection_invalidated:
        return _SERVER_GONE
    return None


class _LockTimeout(Exception):
    """Another program kept the write lock longer than LOCK_WAIT_SECONDS; ``str(err)`` is the Chinese message."""


@contextmanager
def storage_errors(error_type: type[Exception] = StorageError) -> Iterator[None]:
    """Turn a storage failure raised inside the block into ``error_type`` with a clear Chinese message."""
    try:
        yield
    except _LockTimeout as err:
        raise error_type(str(err)) from err
    except (DBAPIError, sqlite3.Error) as err:
        message = storage_problem(err)
        if message is None:
            raise
        raise error_type(message) from err


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


LockWaitReporter = Callable[[float, str], None]
"""Called with (seconds waited so far, who holds the database) while a unit of work waits for the write lock."""

_lock_wait_reporter: LockWaitReporter | None = None


def set_lock_wait_reporter(reporter: LockWaitReporter | None) -> LockWaitReporter | None:
    """Report waits for the write lock to ``reporter`` (the command line prints them); returns the previous one."""
    global _lock_wait_reporter
    previous, _lock_wait_reporter = _lock_wait_reporter, reporter
    return previous


def _on_begin_immediate(conn: Any) -> None:
    # Units of work that write take the write lock at the start, so two writers queue instead of failing on a
    # read-to-write upgrade. The lock is asked for once a second (so the wait can be reported) for up to
    # LOCK_WAIT_SECONDS; then the error names who holds the database.
    raw = conn.connection.dbapi_connection
    path = Path(conn.engine.url.database or "")
    started = time.monotonic()
    holder: str | None = None
    raw.execute(f"PRAGMA busy_timeout={LOCK_POLL_MS}")
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as err:
                if getattr(err, "sqlite_errorcode", None) != sqlite3.SQLITE_BUSY:
                    raise
            waited = time.monotonic() - started
            if holder is None:
                holder = describe_lock_holder(path)
                log.info("waiting for the write lock of %s, held by %s", path, holder)
            if waited >= LOCK_WAIT_SECONDS:
                raise _LockTimeout(
                    f"数据库正被{holder}占用，等待 {waited:.0f} 秒后仍未释放，本次操作未保存。{_KEPT}"
                    "请等该程序完成或关闭它后重试。"
                )
            if _lock_wait_reporter is not None:
                _lock_wait_reporter(waited, holder)
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


_WAL_WRITE_LOCK_OFFSET = 120
"""Where SQLite takes the WAL write lock in the -shm file (a POSIX lock on that byte)."""


def describe_lock_holder(path: Path) -> str:
    """Who holds the database at ``path``: "另一个程序（进程 1234：python3 tool.py）" where the system tells (Linux's
    /proc/locks), else "另一个程序（可能是另一个院感督导窗口或命令行）"."""
    generic = "另一个程序（可能是另一个院感督导窗口或命令行）"
    try:
        files = {}
        for suffix in ("", "-wal", "-shm"):
            st = os.stat(f"{path}{suffix}")
            files[(os.major(st.st_dev), os.minor(st.st_dev), st.st_ino)] = suffix
        with open("/proc/locks", encoding="ascii", errors="replace") as handle:
            lines = handle.read().splitlines()
    except (OSError, AttributeError, ValueError):
        return generic
    writers: list[int] = []
    users: list[int] = []
    for line in lines:
        parts = line.split()
        if len(parts) < 8 or parts[1] == "->":
            continue
        try:
            major, minor, inode = parts[5].split(":")
            key = (int(major, 16), int(minor, 16), int(inode))
            pid = int(parts[4])
        except ValueError:
            continue
        if key not in files:
            continue
        if files[key] == "-shm" and parts[3] == "WRITE" and parts[6] == str(_WAL_WRITE_LOCK_OFFSET):
            writers.append(pid)
        users.append(pid)
    pids = list(dict.fromkeys(writers or users))
    if not pids:
        return generic
    if pids == [os.getpid()]:
        return "本程序的另一项操作"
    shown = "、".join(f"进程 {pid}：{_command_line(pid)}" for pid in pids[:3] if pid != os.getpid())
    return f"另一个程序（{shown}）"


def _command_line(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            words = handle.read().split(b"\0")
    except OSError:
        return "未知程序"
    text = " ".join(w.decode("utf-8", "replace") for w in words if w)
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:80] or "未知程序"


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
    # A row lock held by another user's unfinished transaction is waited for as long as SQLite's write lock is,
    # then the statement fails with SQLSTATE 55P03 (a clear message, see SERVER_MESSAGES) instead of hanging.
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "psycopg":
        connect_args["options"] = " ".join(
            filter(None, [str(parsed.query.get("options", "")), f"-c lock_timeout={LOCK_WAIT_SECONDS * 1000}"])
        )
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


class Database:
    """An open, migrated database and the sessions made from it."""

    def __init__(self, engine: Engine, data_dir: Path, *, storage_error: type[Exception] = StorageError) -> None:
        self.engine = engine
        self.data_dir = data_dir
        self.storage_error = storage_error
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
        """One unit of work: commits when the block ends normally, rolls back on an exception.
        A read-only location, a full disk or an I/O error raises ``storage_error`` (nothing of the unit is saved)."""
        with storage_errors(self.storage_error), self.sessions.begin() as session:
            yield session

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for reading (on SQLite it takes no lock); nothing is committed."""
        with storage_errors(self.storage_error), self.read_sessions() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


def open_database(
    url: str | None = None,
    data_dir: Path | None = None,
    *,
    migrate: bool = True,
    storage_error: type[Exception] = StorageError,
    before_upgrade: Callable[[Path], None] | None = None,
) -> Database:
    """Open (and create) the database at ``url``, default the SQLite file in ``data_dir``, and migrate it.
    A location that cannot be written, a full disk or a damaged file raises ``storage_error``; a database a newer
    program has upgraded raises ``models.migrations.NewerDatabaseError`` and is left as it is. ``before_upgrade``
    is called with the SQLite file before an existing one is upgraded (the application backs it up there)."""
    data_dir = data_dir or default_data_dir()
    foreign = _foreign_sqlite(url or sqlite_url(data_dir / DB_FILENAME))
    if foreign is not None:
        raise storage_error(foreign)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(url or sqlite_url(data_dir / DB_FILENAME))
    except OSError as err:
        why = _OS_REASONS.get(err.errno or 0, err.strerror or str(err))
        raise storage_error(
            f"无法创建数据目录 {err.filename or data_dir}（{why}）。请检查该位置是否存在、是否可写（U 盘是否写保护）。"
        ) from err
    if migrate:
        from models.migrations import upgrade_to_head

        database = engine.url.database
        path = Path(database) if engine.dialect.name == "sqlite" and database and database != ":memory:" else None

        def backup(_revision: str) -> None:
            if before_upgrade is not None and path is not None:
                before_upgrade(path)

        try:
            with storage_errors(storage_error):
                upgrade_to_head(engine, before_upgrade=backup)
        except BaseException:
            engine.dispose()
            raise
    return Database(engine, data_dir, storage_error=storage_error)


OUR_TABLES = frozenset({"alembic_version", "institutions", "checklist_templates", "audit_events"})
"""Tables every version of this application's database has; a SQLite file with tables but not these is another
program's, and is never opened (opening would create our tables inside it)."""


def _foreign_sqlite(url: str) -> str | None:
    """Why the existing SQLite file named by ``url`` is another program's database; None when it is ours, empty,
    new, not a SQLite URL, or unreadable (then opening it reports the problem)."""
    try:
        parsed = make_url(url)
    except Exception:  # a malformed URL is reported by make_engine
        return None
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database)
    try:
        if path.stat().st_size == 0:
            return None
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except (OSError, sqlite3.Error):
        return None
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    tables = {t for t in tables if not t.startswith("sqlite_")}
    from models.all import Base

    # Ours: every table one of ours (also a first migration cut short), or all the core tables (also a newer version).
    if tables <= {*Base.metadata.tables, "alembic_version"} or tables >= OUR_TABLES:
        return None
    sample = "、".join(sorted(tables)[:3]) + ("等" if len(tables) > 3 else "")
    return (
        f"「{path.name}」是其他程序的数据库（有 {len(tables)} 张表：{sample}，没有院感督导的数据）；"
        "为免改动它，已拒绝打开。请选择院感督导的数据库文件，或指定一个新的文件名"
    )
