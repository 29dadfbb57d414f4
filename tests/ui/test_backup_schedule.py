"""The window makes the day's automatic backup in the background, not while starting up."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from inspections.backup import list_backups
from ui import app
from ui.context import AppContext


def test_the_daily_backup_is_made_off_the_gui_thread_after_start(
    qtbot: QtBot, empty_context: AppContext
) -> None:
    assert list_backups(empty_context.data_dir) == []
    window = QWidget()
    qtbot.addWidget(window)
    app._schedule_backups(window, empty_context)
    assert list_backups(empty_context.data_dir) == []  # nothing happens during start-up itself
    qtbot.waitUntil(lambda: len(list_backups(empty_context.data_dir)) == 1, timeout=15000)
    qtbot.waitUntil(lambda: empty_context.tasks.pending == 0, timeout=5000)
    assert list_backups(empty_context.data_dir)[0].kind == "auto"
