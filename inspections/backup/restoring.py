"""Checking a backup file and restoring the database from it; the database file a URL names; a content checksum."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from inspections.backup.copying import (
    _CopyCheckFailed,
    _file_of,
    _fsync,
    _fsync_dir,
    _storage_failure,
    _write_copy,
    database_file,
)
from inspections.backup.folder import _new_backup_path, _rotate, backup_dir, backup_keep
from inspections.errors import UserError
from inspections.storage import StorageError
from models.audit import append_audit
from models.database import DB_FILENAME, Database, make_engine, sqlite_url, storage_errors
from models.migrations import UPGRADED_BY_KEY, known_revisions

REQUIRED_TABLES = (
    "alembic_version",
    "institutions",
    "checklist_templates",
    "checklist_items",
    "inspections",
    "item_results",
    "audit_events",
    "audit_head",
)
"""Tables every database of this application has had since its first schema version."""


_SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True)
class BackupCheck:
    """A file found to be a usable database of this application."""

    path: Path
    revision: str
    institutions: int
    inspections: int
    audit_events: int

    @property
    def summary(self) -> str:
        return f"{self.institutions} 家机构、{self.inspections} 份检查、{self.audit_events} 条审计记录"


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    previous_copy: Path | None
    check: BackupCheck
    message: str


def _readonly(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)


def _json_or_none(value: object) -> object:
    try:
        return json.loads(str(value)) if value else None
    except ValueError:
        return None


def inspect_backup(path: Path) -> BackupCheck:
    """Check that ``path`` is an intact database of this application that this version can open; else UserError."""
    name = path.name
    refuse = "，不能用于恢复"
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        raise UserError(f"找不到备份文件「{path}」") from None
    except IsADirectoryError:
        raise UserError(f"「{name}」是一个文件夹，请选择备份文件（.db）") from None
    except OSError as err:
        raise UserError(f"无法读取「{name}」：{err.strerror or err}") from None
    if header != _SQLITE_HEADER:
        raise UserError(f"「{name}」不是院感督导的数据库备份（不是 SQLite 数据库文件）{refuse}")
    try:
        conn = _readonly(path)
        try:
            integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            if integrity != ["ok"]:
                raise UserError(f"「{name}」已损坏（完整性检查未通过：{integrity[0]}）{refuse}")
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = [t for t in REQUIRED_TABLES if t not in tables]
            if missing:
                raise UserError(
                    f"「{name}」是 SQLite 数据库，但不是院感督导的数据库（缺少表 {'、'.join(missing)}）{refuse}"
                )
            versions = [row[0] for row in conn.execute("SELECT version_num FROM alembic_version")]
            if len(versions) != 1:
                raise UserError(f"「{name}」的数据库版本信息不完整{refuse}")
            if versions[0] not in known_revisions():
                rows = conn.execute("SELECT value FROM settings WHERE key = ?", (UPGRADED_BY_KEY,)).fetchall()
                by = _json_or_none(rows[0][0]) if rows else None
                needed = f"院感督导 {by} 或更新的版本" if by else "更新版本的院感督导"
                raise UserError(
                    f"「{name}」由更新版本的院感督导创建（数据库版本 {versions[0]}），当前程序无法使用；请安装{needed}"
                )
            counts = [
                int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
                for table in ("institutions", "inspections", "audit_events")
            ]
        finally:
            conn.close()
    except sqlite3.DatabaseError as err:
        raise UserError(f"「{name}」已损坏或不是完整的数据库文件，无法读取（{err}）{refuse}") from None
    return BackupCheck(path, versions[0], *counts)


def _sidecars(db_path: Path) -> list[Path]:
    return [Path(f"{db_path}{suffix}") for suffix in ("-wal", "-shm", "-journal")]


def _keep_current(db_path: Path, data_dir: Path, now: datetime) -> Path | None:
    """Copy the database about to be replaced into the backups (kind before-restore), making sure nobody else
    has it open and that its write-ahead log is folded in and gone. A damaged file is copied as it is."""
    if not db_path.exists():
        return None
    folder = backup_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    copy = _new_backup_path(data_dir, "before-restore", now)
    part = folder / f".{copy.name}.part"
    damaged = False
    try:
        conn = sqlite3.connect(db_path, isolation_level=None, timeout=2)
        try:
            conn.execute("PRAGMA locking_mode=EXCLUSIVE")
            conn.execute("BEGIN EXCLUSIVE")
            conn.execute("COMMIT")
            _write_copy(conn, part)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    except sqlite3.OperationalError as err:
        part.unlink(missing_ok=True)
        if err.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            raise UserError("数据库正被其他程序使用（可能还开着另一个院感督导窗口），请先关闭后再恢复") from None
        raise _storage_failure(err, "保留当前数据库") from err
    except (sqlite3.DatabaseError, _CopyCheckFailed):
        damaged = True
    except OSError as err:
        part.unlink(missing_ok=True)
        raise _storage_failure(err, "保留当前数据库") from err
    try:
        if damaged:
            # Keep the damaged file (and its log) byte for byte: someone may still rescue something from it.
            part.unlink(missing_ok=True)
            shutil.copyfile(db_path, part)
            wal = Path(f"{db_path}-wal")
            if wal.exists():
                shutil.copyfile(wal, Path(f"{copy}-wal"))
            _fsync(part)
        os.replace(part, copy)
        _fsync_dir(folder)
    except OSError as err:
        part.unlink(missing_ok=True)
        raise _storage_failure(err, "保留当前数据库") from err
    for side in _sidecars(db_path):
        if side.name.endswith("-wal") and side.exists() and not damaged:
            raise UserError("数据库正被其他程序使用（可能还开着另一个院感督导窗口），请先关闭后再恢复")
        side.unlink(missing_ok=True)
    _rotate(data_dir, frozenset({"before-restore"}), backup_keep(data_dir), copy)
    return copy


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def restore(
    target: Database | Path,
    file: Path,
    *,
    actor: str = "system",
    data_dir: Path | None = None,
    now: datetime | None = None,
) -> RestoreResult:
    """Replace the database with the backup ``file``.

    ``file`` must be an intact database of this application (inspect_backup); the database it replaces is first
    copied into the backups (kind before-restore) and the new file then takes its place with one atomic rename.
    ``target`` is the open Database (its connections are closed and reopen on the restored file; the window must
    reload everything it shows) or the path of a SQLite file that no program has open. Older backups are migrated
    to the current schema, and the restore is recorded in the restored database's audit log."""
    now = now or datetime.now()
    file = Path(file)
    if isinstance(target, Database):
        db_path = database_file(target)
        data_dir = target.data_dir
    else:
        db_path = Path(target)
        data_dir = data_dir or db_path.parent
    if _same_file(db_path, file):
        raise UserError("所选文件就是正在使用的数据库本身，请选择一个备份文件")
    check = inspect_backup(file)
    if isinstance(target, Database):
        target.close()
    previous = _keep_current(db_path, data_dir, now)
    part = db_path.with_name(f".{db_path.name}.restoring")
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        source = _readonly(file)
        try:
            _write_copy(source, part)
        finally:
            source.close()
        os.replace(part, db_path)
        _fsync_dir(db_path.parent)
    except (OSError, sqlite3.Error) as err:
        part.unlink(missing_ok=True)
        raise _storage_failure(err, "恢复") from err

    database = target if isinstance(target, Database) else Database(make_engine(sqlite_url(db_path)), data_dir)
    try:
        from models.migrations import upgrade_to_head

        with storage_errors(StorageError):
            upgrade_to_head(database.engine)
        with database.begin() as session:
            append_audit(
                session,
                actor=actor,
                action="database.restore",
                entity="database",
                entity_id=db_path.name,
                after={"from": file.name, "kept": previous.name if previous else None},
                reason="从备份恢复",
            )
    finally:
        if database is not target:
            database.close()
    kept = f"；原数据库已保留为 {previous}" if previous else ""
    message = f"已从「{file.name}」恢复（{check.summary}）{kept}"
    return RestoreResult(file, previous, check, message)


def database_path_for(url: str | None, data_dir: Path) -> Path:
    """The SQLite file a ``--database`` URL (or the default in ``data_dir``) names, without opening it."""
    if url is None:
        return data_dir / DB_FILENAME
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise UserError(
            f"当前使用的是服务器数据库（{parsed.render_as_string(hide_password=True)}）。服务器数据库的备份与恢复由"
            "服务器负责：请数据库管理员用 pg_dump 备份、用 pg_restore 恢复。"
        )
    path = _file_of(parsed.database)
    if path is None:
        raise UserError("内存数据库没有文件，无法备份或恢复")
    return path


def database_checksum(db: Database) -> str:
    """sha256 over every table's rows in a stable order: equal checksums mean equal stored content."""
    digest = hashlib.sha256()
    with db.session() as session:
        connection = session.connection()
        for table in sorted(inspect(connection).get_table_names()):
            rows = [repr(tuple(row)) for row in connection.execute(text(f'SELECT * FROM "{table}"'))]
            digest.update(f"{table}\x00{len(rows)}\x00".encode())
            for row in sorted(rows):
                digest.update(row.encode("utf-8", "surrogatepass"))
                digest.update(b"\x00")
    return digest.hexdigest()
