"""Backups: online copies that restore exactly, rotation, the daily automatic backup, and restore's refusals."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from inspections.backup import (
    auto_backup,
    backup_database,
    backup_dir,
    backup_due,
    backup_keep,
    backup_status,
    database_checksum,
    inspect_backup,
    list_backups,
    restore,
    set_backup_keep,
)
from inspections.cli import main
from inspections.errors import UserError
from inspections.integrity import check_database
from inspections.workflow import load_inspection, record_answer, start_inspection
from inspections.workspace import open_workspace
from models.audit import AuditEvent
from models.database import DB_FILENAME, Database, make_engine, open_database, sqlite_url
from models.inspection import ItemResult
from models.migrations import current_revision, head_revision, upgrade_to_head
from tests.helpers import make_institution

NOON = datetime(2026, 11, 20, 12, 0, 0)


def _inspection(db: Database) -> tuple[uuid.UUID, uuid.UUID]:
    """A draft inspection with one answered item; returns (inspection id, that item's id)."""
    inst = make_institution(db, "上街区人民医院", fever=True)
    with db.begin() as s:
        inspection_id = start_inspection(s, "张三", institution_id=inst, on=date(2026, 11, 20), inspectors=["张三"])
    with db.session() as s:
        item = load_inspection(s, inspection_id).items()[0]
    with db.begin() as s:
        record_answer(s, "张三", inspection_id, item.item_id, response="fail", note="备份之前的记录")
    return inspection_id, item.item_id


def _note(db: Database, inspection_id: uuid.UUID, item_id: uuid.UUID) -> str:
    with db.session() as s:
        result = s.scalar(
            select(ItemResult).where(ItemResult.inspection_id == inspection_id, ItemResult.item_id == item_id)
        )
        assert result is not None
        return result.note


def _open_file(path: Path) -> Database:
    return Database(make_engine(sqlite_url(path)), path.parent)


def test_a_backup_restores_exactly_what_was_saved_and_keeps_what_it_replaced(ws: Database) -> None:
    inspection_id, item_id = _inspection(ws)
    saved = database_checksum(ws)
    info = backup_database(ws, now=NOON)
    assert info.path.parent == ws.data_dir / "backups" and info.name == "yuangan-20261120-120000-manual.db"
    assert info.kind_label == "手动" and info.size > 0
    copy = _open_file(info.path)
    try:
        assert database_checksum(copy) == saved
    finally:
        copy.close()
    assert inspect_backup(info.path).inspections == 1

    with ws.begin() as s:
        record_answer(s, "张三", inspection_id, item_id, note="备份之后的修改")
    result = restore(ws, info.path, actor="李四", now=NOON + timedelta(hours=1))

    assert _note(ws, inspection_id, item_id) == "备份之前的记录"  # the engine reconnects to the restored file
    assert result.previous_copy is not None and result.previous_copy.name.endswith("-before-restore.db")
    assert "原数据库已保留" in result.message
    kept = _open_file(result.previous_copy)
    try:
        assert _note(kept, inspection_id, item_id) == "备份之后的修改"
    finally:
        kept.close()
    with ws.session() as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert last is not None and last.action == "database.restore" and last.actor == "李四"
        assert last.after == {"from": info.name, "kept": result.previous_copy.name}
    assert check_database(ws).ok
    with ws.begin() as s:  # the application goes on writing to the restored database
        record_answer(s, "张三", inspection_id, item_id, note="恢复之后继续记录")
    assert _note(ws, inspection_id, item_id) == "恢复之后继续记录"


def test_a_backup_taken_during_a_write_holds_only_committed_data(ws: Database) -> None:
    inspection_id, item_id = _inspection(ws)
    path = ws.sqlite_path
    assert path is not None
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE item_results SET note = '尚未提交'")
    try:
        info = backup_database(ws, now=NOON)  # not blocked by the open write transaction
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    copy = _open_file(info.path)
    try:
        assert _note(copy, inspection_id, item_id) == "备份之前的记录"
        assert check_database(copy).ok
    finally:
        copy.close()


def test_rotation_keeps_the_configured_count_and_leaves_other_files_alone(ws: Database) -> None:
    assert backup_keep(ws.data_dir) == 10
    set_backup_keep(ws.data_dir, 3)
    assert backup_keep(ws.data_dir) == 3
    folder = backup_dir(ws.data_dir)
    folder.mkdir()
    (folder / "我的备注.txt").write_text("用户自己的文件", encoding="utf-8")
    for hour in range(5):
        backup_database(ws, kind="auto" if hour % 2 else "manual", now=NOON + timedelta(hours=hour))
    names = [b.name for b in list_backups(ws.data_dir)]
    assert names == [
        "yuangan-20261120-160000-manual.db",
        "yuangan-20261120-150000-auto.db",
        "yuangan-20261120-140000-manual.db",
    ]
    assert (folder / "我的备注.txt").exists()
    again = backup_database(ws, now=NOON + timedelta(hours=4))  # same second: a second name, not an overwrite
    assert again.name == "yuangan-20261120-160000-2-manual.db"
    with pytest.raises(UserError, match="1 到 365"):
        set_backup_keep(ws.data_dir, 0)


def test_automatic_backup_once_a_day_of_use(tmp_path: Path) -> None:
    open_workspace(None, tmp_path).close()  # the first start makes one
    first = list_backups(tmp_path)
    assert [b.kind for b in first] == ["auto"]
    db = open_workspace(None, tmp_path)  # starting again the same day adds nothing
    try:
        assert list_backups(tmp_path) == first
        assert auto_backup(db) is None and not backup_due(db)
        later = first[0].created + timedelta(hours=25)
        assert backup_due(db, now=later)
        made = auto_backup(db, now=later)
        assert made is not None and made.kind == "auto"
        assert auto_backup(db, now=later + timedelta(hours=2)) is None
        wrong_clock = first[0].created - timedelta(days=3)  # backups "from the future": the clock was wrong
        assert backup_due(db, now=wrong_clock)
        status = backup_status(db)
        assert status.latest is not None and status.latest.path == made.path
        assert "最近一次备份" in status.message and "保留最近 10 份" in status.message and not status.last_error
    finally:
        db.close()


def test_a_failing_automatic_backup_does_not_stop_the_application(tmp_path: Path) -> None:
    (tmp_path / "backups").write_text("不是文件夹", encoding="utf-8")  # the backup folder cannot be created
    db = open_workspace(None, tmp_path)
    try:
        with db.session() as s:
            assert s.scalar(select(AuditEvent.id).limit(1)) is not None
        status = backup_status(db)
        assert "自动备份失败" in status.last_error
        with pytest.raises(UserError, match="备份失败"):
            backup_database(db)
    finally:
        db.close()


def _corrupt_copy(source: Path, target: Path) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: len(data) // 3])
    return target


def _foreign_sqlite(target: Path) -> Path:
    conn = sqlite3.connect(target)
    conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.commit()
    conn.close()
    return target


def _future_revision(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    conn = sqlite3.connect(target)
    conn.execute("UPDATE alembic_version SET version_num = 'f00dcafe9999'")
    conn.commit()
    conn.close()
    return target


REFUSALS = {
    "text": (lambda src, t: (t.write_text("名称,级别\n", encoding="utf-8"), t)[1], "不是 SQLite 数据库文件"),
    "empty": (lambda src, t: (t.write_bytes(b""), t)[1], "不是 SQLite 数据库文件"),
    "another-application": (lambda src, t: _foreign_sqlite(t), "不是院感督导的数据库（缺少表"),
    "truncated": (_corrupt_copy, "已损坏"),
    "newer-version": (_future_revision, "由更新版本的院感督导创建"),
    "folder": (lambda src, t: (t.mkdir(), t)[1], "是一个文件夹"),
    "missing": (lambda src, t: t, "找不到备份文件"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_restore_refuses_what_is_not_a_good_backup_and_changes_nothing(ws: Database, case: str) -> None:
    _inspection(ws)
    good = backup_database(ws, now=NOON)
    make, expected = REFUSALS[case]
    candidate = make(good.path, ws.data_dir / f"candidate-{case}.db")
    before = database_checksum(ws)
    with pytest.raises(UserError, match=expected):
        restore(ws, candidate)
    assert database_checksum(ws) == before
    assert [b.kind for b in list_backups(ws.data_dir)] == ["manual"]  # no copy made, nothing replaced


def test_restore_refuses_the_live_database_itself(ws: Database) -> None:
    assert ws.sqlite_path is not None
    with pytest.raises(UserError, match="正在使用的数据库本身"):
        restore(ws, ws.sqlite_path)


def test_restore_refuses_while_another_program_has_the_database_open(tmp_path: Path) -> None:
    db = open_workspace(None, tmp_path)
    inspection_id, item_id = _inspection(db)
    backup = backup_database(db, now=NOON)
    with db.begin() as s:
        record_answer(s, "张三", inspection_id, item_id, note="另一个窗口正在使用")
    path = db.sqlite_path
    assert path is not None
    # ``db`` stands for another window of the application: its pooled connections keep the file open.
    with pytest.raises(UserError, match="正被其他程序使用"):
        restore(path, backup.path)
    assert _note(db, inspection_id, item_id) == "另一个窗口正在使用"
    db.close()
    result = restore(path, backup.path)
    assert result.previous_copy is not None
    reopened = open_database(None, tmp_path)
    try:
        assert _note(reopened, inspection_id, item_id) == "备份之前的记录"
    finally:
        reopened.close()


def test_restore_replaces_a_damaged_database_and_keeps_the_damaged_file(tmp_path: Path) -> None:
    db = open_workspace(None, tmp_path)
    inspection_id, item_id = _inspection(db)
    backup = backup_database(db, now=NOON)
    db.close()
    path = tmp_path / DB_FILENAME
    damaged = b"\x00" * 4096 + path.read_bytes()[4096:]
    path.write_bytes(damaged)
    result = restore(path, backup.path)
    assert result.previous_copy is not None and result.previous_copy.read_bytes() == damaged
    reopened = open_database(None, tmp_path)
    try:
        assert _note(reopened, inspection_id, item_id) == "备份之前的记录"
        assert check_database(reopened).ok
    finally:
        reopened.close()


def test_a_backup_from_an_older_version_is_upgraded_when_restored(ws: Database, tmp_path: Path) -> None:
    old = tmp_path / "old" / DB_FILENAME
    engine = make_engine(sqlite_url(old))
    upgrade_to_head(engine, "0001")
    engine.dispose()
    assert inspect_backup(old).revision == "0001" != head_revision()
    restore(ws, old)
    assert current_revision(ws.engine) == head_revision()
    assert check_database(ws).ok


def test_a_server_database_is_backed_up_by_the_server(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql+psycopg://yg:secret@127.0.0.1:1/yg"
    server = Database(create_engine(url), tmp_path)  # never connects: nothing here needs the server
    try:
        with pytest.raises(UserError, match="pg_dump"):
            backup_database(server)
        with pytest.raises(UserError, match="pg_restore"):
            restore(server, tmp_path / "x.db")
        assert auto_backup(server) is None
        status = backup_status(server)
        assert status.server and "pg_dump" in status.message and "secret" not in status.message
    finally:
        server.close()
    assert main(["--data-dir", str(tmp_path), "--database", url, "backup"]) == 2
    err = capsys.readouterr().err
    assert "pg_dump" in err and "secret" not in err and "Traceback" not in err


def test_backup_restore_and_list_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(tmp_path)
    assert main(["--data-dir", data, "backup"]) == 2
    assert "不存在" in capsys.readouterr().err
    db = open_workspace(None, tmp_path)
    inspection_id, item_id = _inspection(db)
    db.close()

    assert main(["--data-dir", data, "backup"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("已备份到 ") and "-manual.db" in out
    assert main(["--data-dir", data, "backups", "list"]) == 0
    out = capsys.readouterr().out
    assert "手动" in out and "自动" in out and "共 2 份" in out
    manual = next(b for b in list_backups(tmp_path) if b.kind == "manual")

    db = open_database(None, tmp_path)
    with db.begin() as s:
        record_answer(s, "张三", inspection_id, item_id, note="命令行恢复前")
    db.close()
    assert main(["--data-dir", data, "restore", str(manual.path)]) == 0
    assert "已从「" in capsys.readouterr().out
    db = open_database(None, tmp_path)
    try:
        assert _note(db, inspection_id, item_id) == "备份之前的记录"
    finally:
        db.close()

    not_a_backup = tmp_path / "readme.txt"
    not_a_backup.write_text("hello", encoding="utf-8")
    assert main(["--data-dir", data, "restore", str(not_a_backup)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "不是 SQLite 数据库文件" in err
    assert main(["--data-dir", data, "backups", "keep", "4"]) == 0
    assert "保留最近 4 份" in capsys.readouterr().out and backup_keep(tmp_path) == 4
    assert main(["--data-dir", data, "backups", "keep", "0"]) == 2
    assert "1 到 365" in capsys.readouterr().err


def test_a_failed_restore_leaves_the_database_as_it_was(ws: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    inspection_id, item_id = _inspection(ws)
    backup = backup_database(ws, now=NOON)
    with ws.begin() as s:
        record_answer(s, "张三", inspection_id, item_id, note="恢复失败时应保留的记录")
    before = database_checksum(ws)
    real_replace = os.replace

    def disk_full_on_swap(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if str(src).endswith(".restoring"):
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr("inspections.backup.restoring.os.replace", disk_full_on_swap)
    with pytest.raises(UserError, match="磁盘空间已满，恢复失败"):
        restore(ws, backup.path)
    assert database_checksum(ws) == before  # the database is whole and unchanged, and still usable
    assert _note(ws, inspection_id, item_id) == "恢复失败时应保留的记录"
    assert not list(ws.data_dir.glob(".*.restoring"))


def test_a_half_written_backup_is_never_listed_and_is_cleaned_up(ws: Database) -> None:
    folder = backup_dir(ws.data_dir)
    folder.mkdir()
    stale = folder / ".yuangan-20261101-090000-auto.db.part"  # left by a backup killed half-way
    stale.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    old = (NOON - timedelta(days=2)).timestamp()
    os.utime(stale, (old, old))
    assert list_backups(ws.data_dir) == []
    backup_database(ws)
    assert not stale.exists() and [b.kind for b in list_backups(ws.data_dir)] == ["manual"]
