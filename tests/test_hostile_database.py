"""Hostile cases of issue 18 around the database file: another program's SQLite file is never changed, another
program holding the write lock is waited for (with progress) and, if it keeps it too long, named."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspections.errors import UserError
from inspections.workspace import open_workspace
from models import database
from tests.test_hostile_cli import cli

HOLD = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _foreign(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO contacts (name) VALUES ('王五')")
    conn.close()


def test_another_programs_sqlite_file_is_refused_and_left_byte_for_byte(tmp_path: Path) -> None:
    other = tmp_path / "address-book.sqlite"
    _foreign(other)
    before = _sha(other)
    result = cli(tmp_path / "data", "--database", f"sqlite:///{other}", "checklists", "list")
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("错误：「address-book.sqlite」是其他程序的数据库")
    assert "Traceback" not in result.stderr
    assert "contacts" in result.stderr
    # The same file as the data directory's database, opened by the window's path.
    (tmp_path / "data2").mkdir()
    _foreign(tmp_path / "data2" / "yuangan.db")
    with pytest.raises(UserError, match="其他程序的数据库"):
        open_workspace(None, tmp_path / "data2")
    assert _sha(other) == before
    with sqlite3.connect(other) as conn:
        assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} == {
            "contacts", "notes"}
    conn.close()


def test_our_own_database_and_a_new_empty_file_still_open(tmp_path: Path) -> None:
    open_workspace(None, tmp_path).close()
    open_workspace(None, tmp_path).close()
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    open_workspace(f"sqlite:///{empty}", tmp_path / "other").close()


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    data = tmp_path / "data"
    open_workspace(None, data).close()
    csv = tmp_path / "机构.csv"
    csv.write_text("名称,级别\n等锁医院,二级\n", encoding="utf-8")
    yield data, csv


def _hold(db: Path, seconds: float) -> subprocess.Popen[str]:
    child = subprocess.Popen([sys.executable, "-c", HOLD, str(db), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    return child


def test_a_write_lock_held_for_12_seconds_is_waited_for_with_progress(holder: tuple[Path, Path]) -> None:
    data, csv = holder
    child = _hold(data / "yuangan.db", 12)  # longer than the 10 s after which the old code failed
    try:
        started = time.monotonic()
        result = cli(data, "institutions", "import", str(csv))
        waited = time.monotonic() - started
    finally:
        child.wait(timeout=60)
        assert child.stdout is not None
        child.stdout.close()
    assert result.returncode == 0, result.stderr
    assert "导入完成：新增 1" in result.stdout
    assert waited > 10
    assert "数据库正被另一个程序" in result.stderr and "正在等待" in result.stderr
    assert f"进程 {child.pid}" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_write_lock_held_too_long_names_who_holds_it(holder: tuple[Path, Path],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    data, _ = holder
    monkeypatch.setattr(database, "LOCK_WAIT_SECONDS", 2)
    db = open_workspace(None, data, backup=False)
    child = _hold(data / "yuangan.db", 60)
    try:
        with pytest.raises(UserError) as caught, db.begin() as s:
            from inspections.institutions import InstitutionData, create_institution

            create_institution(s, "张三", InstitutionData(name="等不到锁的医院"))
        with pytest.raises(UserError, match="数据库正被另一个程序"):  # opening (which may migrate) waits as well
            open_workspace(None, data, backup=False)
    finally:
        db.close()
        child.kill()
        child.wait()
        assert child.stdout is not None
        child.stdout.close()
    message = str(caught.value)
    assert message.startswith("数据库正被另一个程序（进程") and f"进程 {child.pid}" in message
    assert "本次操作未保存" in message
