"""Opening the application's database: migrate, load the built-in checklists, and know who is acting."""

from __future__ import annotations

import configparser
import getpass
import os
import re
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from inspections.backup import auto_backup, backup_before_upgrade
from inspections.errors import UserError
from inspections.storage import StorageError
from inspections.templates import sync_builtin_checklists
from models.database import Database, default_data_dir, open_database
from models.migrations import NewerDatabaseError

_opened: dict[str, Path] = {}
"""The data directory open_workspace last opened (a command line process opens one): where settings.ini is."""

SETTINGS_FILE = "settings.ini"
"""The window's preferences in the data directory (QSettings, INI format, UTF-8); [user] name is the user's name."""


def configured_user_name(data_dir: Path) -> str:
    """The user's name as given at first start or in 设置 (``[user] name`` in the data directory's settings.ini)."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(data_dir / SETTINGS_FILE, encoding="utf-8")
    except (OSError, UnicodeDecodeError, configparser.Error):
        return ""
    name = parser.get("user", "name", fallback="").strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':  # QSettings quotes values with commas
        name = name[1:-1]
    return name.strip()


def current_actor(data_dir: Path | None = None) -> str:
    """Who the audit log names for changes made on this machine where the database has no users: YG_USER, else the
    name given at first start (settings.ini of ``data_dir`` or of the workspace opened last), else the login name."""
    name = os.environ.get("YG_USER", "").strip()
    if name:
        return name
    folder = data_dir or _opened.get("data_dir")
    name = configured_user_name(folder) if folder is not None else ""
    if name:
        return name
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "local"


class DatabaseTooNewError(UserError):
    """The database was upgraded by a newer version of the program; the message names the version to install."""


def open_workspace(url: str | None = None, data_dir: Path | None = None, *, backup: bool = True) -> Database:
    """Open (creating and migrating as needed) the database, make sure the built-in checklists are in it, and make
    the day's automatic backup when due (``backup=False``: the caller does it later, e.g. the window, off its GUI
    thread). An existing SQLite database is backed up (kind before-upgrade) before its schema is upgraded.
    A read-only location or a full disk raises StorageError, a database a newer program has upgraded
    DatabaseTooNewError (both UserErrors; nothing is changed)."""
    data_dir = data_dir or default_data_dir()
    if url is not None and _in_memory(url):
        raise StorageError(f"数据库地址「{url}」是内存数据库：数据不会保存，不能作为院感督导的数据库")
    _opened["data_dir"] = data_dir

    def back_up(path: Path) -> None:
        backup_before_upgrade(path, data_dir)

    try:
        db = open_database(
            url,
            data_dir,
            storage_error=StorageError,
            before_upgrade=back_up,
        )
    except NewerDatabaseError as err:
        raise DatabaseTooNewError(str(err)) from None
    except (NoSuchModuleError, ImportError) as err:
        missing = getattr(err, "name", None) or _plugin_name(url or "")
        raise StorageError(
            f"数据库地址「{_masked(url or '')}」所需的数据库驱动（{missing}）未安装；"
            "服务器数据库请使用 postgresql+psycopg://…（本程序自带 psycopg 驱动）"
        ) from err
    except (ArgumentError, ValueError) as err:
        if isinstance(err, StorageError):
            raise
        raise StorageError(
            f"数据库地址「{_masked(url or '')}」格式不正确；应为 postgresql+psycopg://用户名:密码@服务器:端口/数据库名"
            "，或 sqlite:///文件路径"
        ) from err
    except OperationalError as err:
        if url is None or make_url(url).get_backend_name() == "sqlite":
            raise
        parsed = make_url(url)
        reason = "；".join(line.strip() for line in str(err.orig).splitlines() if line.strip())
        server = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
        raise StorageError(
            f"无法连接数据库服务器 {server}（数据库 {parsed.database or ''}）："
            f"{_masked(reason)[:200]}。请检查服务器是否开启、地址和端口、网络，以及用户名和密码"
        ) from err
    with db.begin() as session:
        sync_builtin_checklists(session)
    if backup:
        auto_backup(db)
    return db


def _masked(text: str) -> str:
    """``text`` (a database URL or a driver's message) without the password of a URL in it."""
    return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)


def _in_memory(url: str) -> bool:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return False
    return parsed.get_backend_name() == "sqlite" and (not parsed.database or parsed.database == ":memory:")


def _plugin_name(url: str) -> str:
    scheme = url.split("://", 1)[0]
    return scheme or url
