"""The login checks the password on the worker thread: the wait after repeated wrong passwords (up to 30 s) never
freezes the window."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

import ui.dialogs.login
from inspections.errors import PermissionDenied
from inspections.users import CurrentUser, add_user
from ui.context import AppContext
from ui.dialogs.login import LoginDialog


def test_a_slow_password_check_leaves_the_window_responsive(
    qtbot: QtBot, empty_context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert empty_context.db is not None
    with empty_context.db.begin() as s:
        add_user(s, None, username="wangfang", password="correct-horse", role="admin", display_name="王芳")

    def slow_refusal(_session: object, _username: str, _password: str) -> CurrentUser:
        time.sleep(1.0)  # as a throttled attempt waits after repeated wrong passwords
        raise PermissionDenied("用户名或密码错误")

    monkeypatch.setattr(ui.dialogs.login, "log_in", slow_refusal)
    dialog = LoginDialog(empty_context.db, tasks=empty_context.tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(50)
    dialog.username.setText("wangfang")
    dialog.password.setText("wrong-password")
    dialog.ok_button.click()
    assert dialog.error.text() == "正在验证…" and not dialog.ok_button.isEnabled() and not dialog.password.isEnabled()
    qtbot.waitUntil(lambda: dialog.error.text() == "用户名或密码错误", timeout=10_000)
    timer.stop()
    assert len(ticks) >= 10  # the event loop ran all through the second the check took
    assert dialog.ok_button.isEnabled() and dialog.password.text() == "" and dialog.user is None

    monkeypatch.setattr(ui.dialogs.login, "log_in", lambda *_a: CurrentUser("wangfang", "admin"))
    dialog.password.setText("correct-horse")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.user is not None, timeout=10_000)
    assert dialog.result() == LoginDialog.DialogCode.Accepted
