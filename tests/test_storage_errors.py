"""A read-only location or a full disk: a clear Chinese message, and everything saved before is kept."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from inspections.cli import main
from inspections.errors import UserError
from inspections.integrity import check_database
from inspections.storage import StorageError
from inspections.workflow import load_inspection, record_answer, start_inspection
from inspections.workspace import open_workspace
from models.database import DB_FILENAME, Database, storage_problem
from models.inspection import ItemResult
from tests.helpers import make_institution

READ_ONLY_URL = f"sqlite:///file:{DB_FILENAME}?mode=ro&uri=true"
"""The database file opened read-only, as SQLite does for a file it may not write (we are root here, so chmod
cannot make a location read-only; the URL is relative, so each test first changes into its data directory)."""


def _saved_answer(db: Database) -> tuple[uuid.UUID, uuid.UUID]:
    inst = make_institution(db, "上街区妇幼保健院")
    with db.begin() as s:
        inspection_id = start_inspection(s, "张三", institution_id=inst, on=date(2026, 11, 20), inspectors=["张三"])
    with db.session() as s:
        item = load_inspection(s, inspection_id).items()[0]
    with db.begin() as s:
        record_answer(s, "张三", inspection_id, item.item_id, response="fail", note="已保存的问题描述")
    return inspection_id, item.item_id


def _notes(db: Database, inspection_id: uuid.UUID) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(ItemResult.note).where(ItemResult.inspection_id == inspection_id)))


def test_a_read_only_database_opens_for_reading_and_refuses_writes_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = open_workspace(None, tmp_path)
    inspection_id, item_id = _saved_answer(db)
    db.close()
    monkeypatch.chdir(tmp_path)

    ro = open_workspace(READ_ONLY_URL, tmp_path)
    try:
        assert _notes(ro, inspection_id) == ["已保存的问题描述"]  # what was saved can still be read
        with pytest.raises(StorageError) as caught, ro.begin() as s:
            record_answer(s, "张三", inspection_id, item_id, note="改不进去")
        assert isinstance(caught.value, UserError)
        assert "只读" in str(caught.value) and "此前已保存的数据不受影响" in str(caught.value)
        assert _notes(ro, inspection_id) == ["已保存的问题描述"]
    finally:
        ro.close()

    yaml = tmp_path / "new.yaml"
    yaml.write_text(
        "format: 1\ncode: ro-test\nversion: 1\ntitle: 只读测试\nsections:\n  - code: A\n    title: 制度\n    items:\n"
        "      - code: A.1\n        text: 建立制度\n        method: 查阅资料\n        criteria: 未建立不得分\n"
        "        points: 5\n",
        encoding="utf-8",
    )
    code = main(["--data-dir", str(tmp_path), "--database", READ_ONLY_URL, "checklists", "import", str(yaml)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("错误：数据库位于只读位置") and "Traceback" not in err


def test_a_new_database_in_a_read_only_location_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StorageError, match="无法打开数据库文件"):
        open_workspace(READ_ONLY_URL, tmp_path)


def test_a_full_disk_refuses_the_write_and_keeps_what_was_saved(tmp_path: Path) -> None:
    db = open_workspace(None, tmp_path)
    inspection_id, item_id = _saved_answer(db)
    with db.session() as s:
        pages = int(s.connection().exec_driver_sql("PRAGMA page_count").scalar_one())

    def disk_full(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # The file may grow by 10 pages (40 KB) and no more: SQLite then reports SQLITE_FULL as a full disk would.
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 10}")

    for engine in (db.engine, db.read_engine):
        event.listen(engine, "connect", disk_full)
        engine.dispose()
    big_note = "现场发现的问题。" * 20_000  # ~480 KB: needs pages the file may not have
    try:
        with pytest.raises(StorageError, match="磁盘空间已满") as caught, db.begin() as s:
            record_answer(s, "张三", inspection_id, item_id, note=big_note)
        assert "此前已保存的数据不受影响" in str(caught.value)
        assert _notes(db, inspection_id) == ["已保存的问题描述"]
        with db.begin() as s:  # small writes that fit still work
            record_answer(s, "张三", inspection_id, item_id, note="空间不足时的简短说明")
    finally:
        for engine in (db.engine, db.read_engine):
            event.remove(engine, "connect", disk_full)
        db.close()

    reopened = open_workspace(None, tmp_path)  # space freed: everything saved is there and consistent
    try:
        assert _notes(reopened, inspection_id) == ["空间不足时的简短说明"]
        assert check_database(reopened).ok
        with reopened.begin() as s:
            record_answer(s, "张三", inspection_id, item_id, note=big_note)
        assert _notes(reopened, inspection_id) == [big_note]
    finally:
        reopened.close()


def test_which_sqlite_failures_are_storage_failures() -> None:
    def error(code: int, message: str) -> sqlite3.Error:
        err = sqlite3.OperationalError(message)
        err.sqlite_errorcode = code
        return err

    assert "磁盘错误" in (storage_problem(error(sqlite3.SQLITE_IOERR_WRITE, "disk I/O error")) or "")
    assert "磁盘空间已满" in (storage_problem(error(sqlite3.SQLITE_FULL, "database or disk is full")) or "")
    assert "损坏" in (storage_problem(error(sqlite3.SQLITE_CORRUPT, "database disk image is malformed")) or "")
    assert storage_problem(error(sqlite3.SQLITE_CONSTRAINT_UNIQUE, "UNIQUE constraint failed")) is None
    assert storage_problem(ValueError("not a database error")) is None


def test_a_data_folder_that_cannot_be_created_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "数据.txt"
    blocker.write_text("一个普通文件挡住了数据目录", encoding="utf-8")
    with pytest.raises(StorageError, match=r"无法创建数据目录.*路径中有一部分是文件而不是文件夹"):
        open_workspace(None, blocker / "院感督导")
    assert main(["--data-dir", str(blocker / "院感督导"), "check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：无法创建数据目录") and "Traceback" not in err


def test_a_damaged_database_file_says_how_to_restore(tmp_path: Path) -> None:
    (tmp_path / DB_FILENAME).write_bytes(b"\x13\x37" * 50_000)  # overwritten by something that is not a database
    with pytest.raises(StorageError, match="不是有效的数据库") as caught:
        open_workspace(None, tmp_path)
    assert "backups" in str(caught.value) and "restore" in str(caught.value)
