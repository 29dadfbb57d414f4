"""Alembic migrations, applied automatically when a database is opened.

Alembic itself is imported only when a database actually needs upgrading: opening an up-to-date database (every start
but the first after an upgrade) just reads the ``alembic_version`` table and compares it with ``HEAD``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, inspect, text

from models.version import __version__

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).resolve().parent
HEAD = "0015"  # the newest revision; a test checks it against the scripts in versions/
UPGRADED_BY_KEY = "app.schema_upgraded_by"
"""The ``settings`` row naming the program version that last upgraded the schema: an older program refusing the
database names it as the version to install. Every version writes it when it upgrades (keep the key)."""


class NewerDatabaseError(Exception):
    """The database is at a revision this program does not know: a newer program upgraded it. Nothing was changed;
    ``str(err)`` is the Chinese message naming the version needed."""

    def __init__(self, revision: str, upgraded_by: str | None) -> None:
        self.revision = revision
        self.upgraded_by = upgraded_by
        needed = f"院感督导 {upgraded_by} 或更新的版本" if upgraded_by else "更新版本的院感督导"
        by = f"（{upgraded_by}）" if upgraded_by else ""
        super().__init__(
            f"数据库已由更新版本的院感督导{by}升级（数据库结构版本 {revision}），本程序（{__version__}）无法使用；"
            f"请安装{needed}。数据库未作任何改动。"
        )


def alembic_config() -> Config:
    """The Alembic configuration, pointing at this package (no alembic.ini needed at run time)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    return cfg


def head_revision() -> str:
    """The newest revision among the migration scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for an empty database."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def known_revisions() -> set[str]:
    """Every revision among this program's migration scripts."""
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def upgraded_by(conn: Connection) -> str | None:
    """The program version that last upgraded the schema (None where no program recorded it)."""
    if not inspect(conn).has_table("settings"):
        return None
    value = conn.execute(text("SELECT value FROM settings WHERE key = :key"), {"key": UPGRADED_BY_KEY}).scalar()
    if isinstance(value, str):  # SQLite returns the JSON text, PostgreSQL the decoded value
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    return str(value) if value else None


def _record_upgrade(conn: Connection) -> None:
    if not inspect(conn).has_table("settings"):
        return
    from models.reference import Setting

    table: Any = Setting.__table__
    conn.execute(table.delete().where(table.c.key == UPGRADED_BY_KEY))
    conn.execute(table.insert().values(key=UPGRADED_BY_KEY, value=__version__, note="最近一次升级数据库结构的程序版本"))


def check_not_newer(engine: Engine) -> str | None:
    """The database's revision; NewerDatabaseError where a newer program has upgraded it past this one's scripts."""
    current = current_revision(engine)
    if current is not None and current != HEAD and current not in known_revisions():
        with engine.connect() as conn:
            raise NewerDatabaseError(current, upgraded_by(conn))
    return current


def upgrade_to_head(
    engine: Engine, revision: str = "head", *, before_upgrade: Callable[[str], None] | None = None
) -> None:
    """Upgrade the database to ``revision`` (default: the newest). A database a newer program has upgraded raises
    NewerDatabaseError, untouched. ``before_upgrade`` is called with the current revision before an existing
    database is changed (the caller backs it up there); not for a new, empty one nor one already up to date."""
    if revision == "head" and current_revision(engine) == HEAD:
        return
    current = check_not_newer(engine)
    if current is not None and before_upgrade is not None:
        before_upgrade(current)
    from alembic import command

    cfg = alembic_config()
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a column by rebuilding its table, which foreign keys would forbid while other tables
            # refer to it; they are switched off for the upgrade (outside any transaction, as SQLite requires) and
            # checked before the upgrade commits.
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
                _record_upgrade(conn)
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"migration left {len(broken)} broken foreign keys, e.g. {broken[0]}")
        finally:
            if sqlite:
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
