"""Upgrades keep the data: an older database is backed up before its schema is upgraded, and a database a newer
program has upgraded is refused, untouched, with a message naming the version to install."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from inspections.backup import list_backups
from inspections.cli import main
from inspections.storage import StorageError
from inspections.workspace import DatabaseTooNewError, open_workspace
from models.database import DB_FILENAME, make_engine, sqlite_url
from models.migrations import HEAD, UPGRADED_BY_KEY, current_revision, upgrade_to_head, upgraded_by
from models.version import __version__

HOSPITAL = "上街区人民医院"


def _old_database(data_dir: Path, revision: str = "0001") -> None:
    """A database as an older program left it: at ``revision``, with one institution."""
    engine = make_engine(sqlite_url(data_dir / DB_FILENAME))
    upgrade_to_head(engine, revision)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO institutions (id, name, level, category, district, address, contact, has_fever_clinic,"
                " has_fever_sentinel, active, version, created_at, updated_at) VALUES (:id, :name, 2, '综合医院',"
                " '上街区', '', '', 1, 0, 1, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            ),
            {"id": uuid.uuid4().hex, "name": HOSPITAL},
        )
    engine.dispose()


def _upgrade_backups(data_dir: Path) -> list[Path]:
    return [b.path for b in list_backups(data_dir) if b.kind == "before-upgrade"]


def _read(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_an_older_database_is_backed_up_before_its_schema_is_upgraded(tmp_path: Path) -> None:
    _old_database(tmp_path)
    db = open_workspace(None, tmp_path, backup=False)
    try:
        assert current_revision(db.engine) == HEAD
        with db.engine.connect() as conn:
            assert upgraded_by(conn) == __version__  # what an older program names when it refuses this database
    finally:
        db.close()
    [copy] = _upgrade_backups(tmp_path)
    # The copy is the database as it was before the upgrade: the old revision, the data.
    assert _read(copy, "SELECT version_num FROM alembic_version") == [("0001",)]
    assert _read(copy, "SELECT name FROM institutions") == [(HOSPITAL,)]

    open_workspace(None, tmp_path, backup=False).close()  # up to date now: no second copy
    assert len(_upgrade_backups(tmp_path)) == 1


def test_a_new_database_needs_no_backup_before_its_first_schema(tmp_path: Path) -> None:
    open_workspace(None, tmp_path, backup=False).close()
    assert _upgrade_backups(tmp_path) == []


def test_when_the_backup_cannot_be_made_the_database_is_not_upgraded(tmp_path: Path) -> None:
    _old_database(tmp_path)
    (tmp_path / "backups").write_text("a file where the backup folder should be")
    with pytest.raises(StorageError, match="升级前的备份未能完成，数据库未作改动"):
        open_workspace(None, tmp_path, backup=False)
    assert _read(tmp_path / DB_FILENAME, "SELECT version_num FROM alembic_version") == [("0001",)]


def _newer_database(data_dir: Path, upgraded_by_version: str | None) -> bytes:
    """A database a newer program has upgraded past this program's migrations; returns its bytes."""
    open_workspace(None, data_dir, backup=False).close()
    conn = sqlite3.connect(data_dir / DB_FILENAME, isolation_level=None)
    conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.execute("DELETE FROM settings WHERE key = ?", (UPGRADED_BY_KEY,))
    if upgraded_by_version is not None:
        conn.execute(
            "INSERT INTO settings (key, value, note) VALUES (?, ?, '')",
            (UPGRADED_BY_KEY, json.dumps(upgraded_by_version)),
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{data_dir / DB_FILENAME}{suffix}").unlink(missing_ok=True)
    return (data_dir / DB_FILENAME).read_bytes()


def test_a_newer_database_is_refused_on_the_command_line_naming_the_version(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    before = _newer_database(tmp_path, "9.1.0")
    code = main(["--data-dir", str(tmp_path), "checklists", "list"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    [line] = err.strip().splitlines()
    assert line.startswith("错误：数据库已由更新版本的院感督导（9.1.0）升级")
    assert "请安装院感督导 9.1.0 或更新的版本" in line and "Traceback" not in err
    assert (tmp_path / DB_FILENAME).read_bytes() == before
    assert list_backups(tmp_path) == []  # refused before anything, the upgrade backup included


def test_a_newer_database_without_a_recorded_version_still_says_to_install_a_newer_program(tmp_path: Path) -> None:
    before = _newer_database(tmp_path, None)
    with pytest.raises(DatabaseTooNewError, match="请安装更新版本的院感督导"):
        open_workspace(None, tmp_path)
    assert (tmp_path / DB_FILENAME).read_bytes() == before
