"""Backups of the SQLite database with SQLite's online backup API: rotation, a daily automatic backup, and restore."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from inspections.errors import UserError
from inspections.storage import StorageError
from models.audit import append_audit
from models.database import DB_FILENAME, Database, make_engine, sqlite_url, storage_errors, storage_problem
from models.migrations import UPGRADED_BY_KEY, known_revisions

logger = logging.getLogger(__name__)

BACKUP_DIRNAME = "backups"
SETTINGS_FILENAME = "backup.json"
DEFAULT_KEEP = 10
"""Backups kept of each pool (regular: automatic and manual; copies kept before a restore)."""
MAX_KEEP = 365
AUTO_INTERVAL = timedelta(days=1)
"""An automatic backup is made when the newest regular backup is older than this (or missing)."""

KIND_LABELS = {"auto": "自动", "manual": "手动", "before-restore": "恢复前保留", "before-upgrade": "升级前"}
REGULAR_KINDS = frozenset({"auto", "manual"})
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

_PREFIX = "yuangan"
_NAME = re.compile(rf"^{_PREFIX}-(\d{{8}}-\d{{6}})(?:-(\d+))?-(auto|manual|before-restore|before-upgrade)\.db$")
_SQLITE_HEADER = b"SQLite format 3\x00"
_STALE_PART = timedelta(hours=1)


class _CopyCheckFailed(StorageError):
    """The copy just written does not pass SQLite's quick_check: its source is damaged."""


@dataclass(frozen=True)
class BackupInfo:
    """One backup file; ``created`` is local time, read from the file name."""

    path: Path
    created: datetime
    kind: str
    size: int

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def name(self) -> str:
        return self.path.name


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


# --- where backups live, and how many are kept ----------------------------------------------------------------------


def backup_dir(data_dir: Path) -> Path:
    """The folder holding the backups of the database in ``data_dir``."""
    return data_dir / BACKUP_DIRNAME


def _settings(data_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((data_dir / SETTINGS_FILENAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_settings(data_dir: Path, changes: dict[str, Any]) -> None:
    data = _settings(data_dir) | changes
    path = data_dir / SETTINGS_FILENAME
    part = path.with_name(f".{path.name}.part")
    try:
        part.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(part, path)
    except OSError as err:
        raise StorageError(f"无法保存备份设置（{path}）：{err.strerror or err}") from None


def backup_keep(data_dir: Path) -> int:
    """How many backups are kept (this machine's setting, default DEFAULT_KEEP)."""
    value = _settings(data_dir).get("keep")
    return value if isinstance(value, int) and 1 <= value <= MAX_KEEP else DEFAULT_KEEP


def set_backup_keep(data_dir: Path, keep: int) -> None:
    """Change how many backups are kept; older ones go at the next backup."""
    if isinstance(keep, bool) or not isinstance(keep, int) or not 1 <= keep <= MAX_KEEP:
        raise UserError(f"保留的备份份数须为 1 到 {MAX_KEEP} 之间的整数")
    _save_settings(data_dir, {"keep": keep})


def list_backups(data_dir: Path) -> list[BackupInfo]:
    """The backups in ``data_dir``'s backup folder, newest first (files of other names are ignored)."""
    folder = backup_dir(data_dir)
    found: list[tuple[datetime, int, BackupInfo]] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    for path in entries:
        match = _NAME.match(path.name)
        if match is None:
            continue
        try:
            created = datetime.strptime(match[1], "%Y%m%d-%H%M%S")
            size = path.stat().st_size
        except (ValueError, OSError):
            continue
        found.append((created, int(match[2] or 1), BackupInfo(path, created, match[3], size)))
    found.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
    return [info for _created, _n, info in found]


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


# --- making backups -------------------------------------------------------------------------------------------------


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


def _new_backup_path(data_dir: Path, kind: str, now: datetime) -> Path:
    folder = backup_dir(data_dir)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    path = folder / f"{_PREFIX}-{stamp}-{kind}.db"
    n = 2
    while path.exists():
        path = folder / f"{_PREFIX}-{stamp}-{n}-{kind}.db"
        n += 1
    return path


def _remove_stale_parts(folder: Path, now: datetime) -> None:
    for part in folder.glob(".*.part"):
        try:
            if now - datetime.fromtimestamp(part.stat().st_mtime) > _STALE_PART:
                part.unlink()
        except OSError:
            pass


def _rotate(data_dir: Path, kinds: frozenset[str], keep: int, protect: Path) -> None:
    pool = [b for b in list_backups(data_dir) if b.kind in kinds]
    for old in pool[keep:]:
        if old.path != protect:
            try:
                old.path.unlink()
                Path(f"{old.path}-wal").unlink(missing_ok=True)  # kept with a damaged database's copy
            except OSError as err:
                logger.warning("无法删除旧备份 %s：%s", old.path, err)


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


# --- restoring --------------------------------------------------------------------------------------------------------


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


# --- a checksum of everything stored ---------------------------------------------------------------------------------


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
