"""Making backups with SQLite's online backup API: manual, daily automatic and before an upgrade."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from inspections.backup.folder import (
    AUTO_INTERVAL,
    KIND_LABELS,
    REGULAR_KINDS,
    BackupInfo,
    _new_backup_path,
    _remove_stale_parts,
    _rotate,
    _save_settings,
    _settings,
    backup_dir,
    backup_keep,
    list_backups,
)
from inspections.errors import UserError
from inspections.storage import StorageError
from models.database import Database, storage_problem

logger = logging.getLogger(__name__)


class _CopyCheckFailed(StorageError):
    """The copy just written does not pass SQLite's quick_check: its source is damaged."""


@dataclass(frozen=True)
class BackupStatus:
    """What the settings page shows about backups."""

    server: bool
    directory: Path | None
    keep: int
    backups: tuple[BackupInfo, ...]
    last_error: str
    message: str

    @property
    def latest(self) -> BackupInfo | None:
        return next((b for b in self.backups if b.kind in REGULAR_KINDS), None)


def _server_message(db: Database) -> str:
    return (
        f"当前使用的是服务器数据库（{db.url}）。服务器数据库的备份与恢复由服务器负责："
        "请数据库管理员用 pg_dump 定期备份、用 pg_restore 恢复。本程序只备份本机的 SQLite 数据库文件。"
    )


def _file_of(url_database: str | None) -> Path | None:
    if not url_database or url_database == ":memory:":
        return None
    if url_database.startswith("file:"):  # a URI filename (e.g. opened read-only with ?mode=ro&uri=true)
        url_database = url_database[len("file:") :].split("?", 1)[0]
        if url_database.startswith("//"):
            url_database = url_database[2:]
    return Path(url_database)


def database_file(db: Database) -> Path:
    """The SQLite file of ``db``; a server or memory database is a UserError explaining who backs it up."""
    if not db.is_sqlite:
        raise UserError(_server_message(db))
    path = _file_of(db.engine.url.database)
    if path is None:
        raise UserError("内存数据库没有文件，无法备份或恢复")
    return path


def _fsync(path: Path, *, directory: bool = False) -> None:
    # Windows can only flush a file opened for writing; POSIX needs a directory flushed for a rename to be durable.
    fd = os.open(path, os.O_RDONLY if directory else os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # some systems (Windows) cannot flush a directory; the rename is still atomic
        _fsync(path, directory=True)


def _storage_failure(err: BaseException, what: str) -> StorageError:
    if isinstance(err, OSError) and err.errno == errno.ENOSPC:
        return StorageError(f"磁盘空间已满，{what}失败。数据库本身未受影响；请清理磁盘空间后重试。")
    if isinstance(err, OSError) and err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StorageError(f"备份文件夹不可写（只读位置或没有权限），{what}失败。数据库本身未受影响。")
    message = storage_problem(err) if isinstance(err, sqlite3.Error) else None
    if message is not None:
        return StorageError(f"{what}失败：{message}")
    return StorageError(f"{what}失败：{err}")


def _write_copy(source: sqlite3.Connection, part: Path) -> None:
    """Copy ``source`` into the new file ``part`` with the online backup API (a consistent snapshot even while
    the application writes), as a self-contained single file, checked and synced to disk."""
    part.unlink(missing_ok=True)
    out = sqlite3.connect(part, isolation_level=None)
    try:
        source.backup(out)
        out.execute("PRAGMA journal_mode=DELETE")
        result = [row[0] for row in out.execute("PRAGMA quick_check")]
    finally:
        out.close()
    if result != ["ok"]:
        part.unlink(missing_ok=True)
        raise _CopyCheckFailed(
            f"备份文件校验未通过（{result[0] if result else '无结果'}），数据库可能已损坏；请运行 check"
        )
    _fsync(part)


def _backup_file(source: Path, data_dir: Path, kind: str, now: datetime) -> BackupInfo:
    folder = backup_dir(data_dir)
    part: Path | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _remove_stale_parts(folder, now)
        path = _new_backup_path(data_dir, kind, now)
        part = folder / f".{path.name}.part"
        conn = sqlite3.connect(source, isolation_level=None, timeout=10)
        try:
            _write_copy(conn, part)
        finally:
            conn.close()
        os.replace(part, path)
        _fsync_dir(folder)
    except (OSError, sqlite3.Error) as err:
        if part is not None:
            with contextlib.suppress(OSError):
                part.unlink(missing_ok=True)
        raise _storage_failure(err, "备份") from err
    pool = REGULAR_KINDS if kind in REGULAR_KINDS else frozenset({kind})
    _rotate(data_dir, pool, backup_keep(data_dir), path)
    return BackupInfo(path, now.replace(microsecond=0), kind, path.stat().st_size)


def backup_database(
    target: Database | Path, *, kind: str = "manual", data_dir: Path | None = None, now: datetime | None = None
) -> BackupInfo:
    """Back up the SQLite database into ``<data_dir>/backups/`` (online backup API: safe while it is in use),
    then delete the oldest beyond the configured count. ``target`` is the open Database or a SQLite file (its
    data directory defaults to the file's folder). A server database is a UserError (pg_dump's job)."""
    if kind not in KIND_LABELS:
        raise ValueError(f"unknown backup kind {kind!r}")
    if isinstance(target, Database):
        source, data_dir = database_file(target), target.data_dir
    else:
        source, data_dir = Path(target), data_dir or Path(target).parent
    if not source.is_file():
        raise UserError(f"数据库文件 {source} 不存在，没有可备份的内容")
    return _backup_file(source, data_dir, kind, now or datetime.now())


def backup_before_upgrade(source: Path, data_dir: Path, *, now: datetime | None = None) -> BackupInfo:
    """Copy the SQLite file ``source`` into the backups (kind before-upgrade, its own pool of the configured size)
    before a newer program upgrades its schema; a failure raises StorageError and the upgrade does not start."""
    try:
        return _backup_file(source, data_dir, "before-upgrade", now or datetime.now())
    except StorageError as err:
        raise StorageError(f"数据库需要升级，但升级前的备份未能完成，数据库未作改动：{err}") from err


def backup_due(db: Database, *, now: datetime | None = None) -> bool:
    """Whether an automatic backup is due: a SQLite file whose newest regular backup is missing, older than a day,
    or dated in the future (the clock was wrong)."""
    if not db.is_sqlite:
        return False
    path = _file_of(db.engine.url.database)
    if path is None or not path.exists():
        return False
    now = now or datetime.now()
    latest = next((b for b in list_backups(db.data_dir) if b.kind in REGULAR_KINDS), None)
    return latest is None or not timedelta(0) <= now - latest.created < AUTO_INTERVAL


def auto_backup(db: Database, *, now: datetime | None = None) -> BackupInfo | None:
    """Make the automatic backup when one is due (see backup_due); cheap otherwise, so the window may call it
    every hour. A failure never stops the application: it is logged and shown by backup_status."""
    now = now or datetime.now()
    if not backup_due(db, now=now):
        return None
    try:
        info = _backup_file(database_file(db), db.data_dir, "auto", now)
    except UserError as err:
        logger.warning("自动备份失败：%s", err)
        with contextlib.suppress(StorageError):
            _save_settings(db.data_dir, {"last_error": f"{now:%Y-%m-%d %H:%M} 自动备份失败：{err}"})
        return None
    if _settings(db.data_dir).get("last_error"):
        with contextlib.suppress(StorageError):
            _save_settings(db.data_dir, {"last_error": ""})
    return info


def backup_status(db: Database) -> BackupStatus:
    """Folder, count kept, the backups (newest first), the last automatic failure, and a one-line summary."""
    keep = backup_keep(db.data_dir)
    if not db.is_sqlite:
        return BackupStatus(True, None, keep, (), "", _server_message(db))
    backups = tuple(list_backups(db.data_dir))
    last_error = str(_settings(db.data_dir).get("last_error") or "")
    latest = next((b for b in backups if b.kind in REGULAR_KINDS), None)
    message = "尚无备份" if latest is None else f"最近一次备份：{latest.created:%Y-%m-%d %H:%M}（{latest.kind_label}）"
    message += f"；每天首次使用时自动备份，保留最近 {keep} 份，位于 {backup_dir(db.data_dir)}"
    return BackupStatus(False, backup_dir(db.data_dir), keep, backups, last_error, message)
