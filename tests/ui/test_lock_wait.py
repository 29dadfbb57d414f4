"""Issue 18 in the window: a write that waits for another program's lock says so in the status bar (and the window
keeps painting), instead of failing with "database is locked" after 10 seconds."""

from __future__ import annotations

import subprocess
import sys
import time

from pytestqt.qtbot import QtBot

from inspections.institutions import InstitutionData, create_institution, list_institutions
from models import database
from tests.test_hostile_database import HOLD
from ui.app import lock_wait_reporter
from ui.context import AppContext
from ui.main_window import MainWindow


def test_a_write_waiting_for_another_program_says_so_in_the_status_bar(qtbot: QtBot,
                                                                      empty_context: AppContext) -> None:
    window = MainWindow(empty_context)
    qtbot.addWidget(window)
    window.show()
    db = empty_context.db
    assert db is not None and db.sqlite_path is not None
    shown: list[str] = []
    empty_context.message.connect(shown.append)
    previous = database.set_lock_wait_reporter(lock_wait_reporter(empty_context))
    child = subprocess.Popen([sys.executable, "-c", HOLD, str(db.sqlite_path), "3"], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        started = time.monotonic()
        empty_context.write_now(lambda s: create_institution(s, "张三", InstitutionData(name="等锁医院")))
        assert time.monotonic() - started > 1.5
    finally:
        database.set_lock_wait_reporter(previous)
        child.wait(timeout=30)
        assert child.stdout is not None
        child.stdout.close()
    assert shown and shown[0].startswith("数据库正被另一个程序（进程") and "正在等待" in shown[0]
    assert f"进程 {child.pid}" in window.statusBar().currentMessage()
    assert "等锁医院" in {r.name for r in empty_context.read_now(list_institutions)}
