"""Start-up as the user sees it: the window first, the database opened behind it, then a login where there are users,
and a clear message when the database cannot be opened."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from inspections.users import add_user
from ui.app import run_gui
from ui.dialogs.login import LoginDialog
from ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]

# The child reports what the window looked like when it was first shown and once the database was ready.
CHILD = """
import json, sys
from pathlib import Path
from ui.app import run_gui

def probe(event, window):
    state = {
        "event": event,
        "sqlalchemy_imported": "sqlalchemy" in sys.modules,
        "database_attached": window.context.db is not None,
        "page": window.current_key(),
        "navigation_enabled": window.nav.isEnabled(),
        "status": window.db_label.text(),
    }
    print(json.dumps(state, ensure_ascii=False), flush=True)
    if event == "ready":
        window.close()

sys.exit(run_gui(None, Path(sys.argv[1]), probe=probe))
"""


def test_the_window_is_shown_before_the_database_is_opened(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    shown, ready = (json.loads(line) for line in done.stdout.splitlines())
    # Shown: the navigation and "opening" page, before SQLAlchemy is even imported.
    assert shown == {
        "event": "shown",
        "sqlalchemy_imported": False,
        "database_attached": False,
        "page": "opening",
        "navigation_enabled": False,
        "status": "数据库：正在打开…",
    }
    # Ready: a new, empty database was made in the data directory; the first-start page offers what to do.
    assert ready["database_attached"] and ready["navigation_enabled"]
    assert ready["page"] == "welcome"
    assert str(tmp_path / "yuangan.db") in ready["status"]
    assert (tmp_path / "yuangan.db").is_file()


@pytest.fixture
def data_dir(tmp_path: Path, empty_template: Path) -> Iterator[Path]:
    """A data directory holding a copy of a migrated, empty database; run_gui's log handler removed afterwards."""
    shutil.copy(empty_template, tmp_path / "yuangan.db")
    yield tmp_path
    # run_gui left no Quit behind: an event loop started afterwards (the next window's) still runs.
    loop = QEventLoop()
    QTimer.singleShot(50, lambda: loop.exit(7))
    assert loop.exec() == 7
    root = logging.getLogger()
    for handler in list(root.handlers):
        if str(getattr(handler, "baseFilename", "")).startswith(str(tmp_path)):
            root.removeHandler(handler)
            handler.close()


def _when_modal(action: Callable[[QWidget], None]) -> list[BaseException]:
    """Run ``action`` on the modal dialog once one is up (run_gui's own event loop is running by then). What it
    raises is returned in the list (the application's own error hook would otherwise swallow it) and every window is
    closed, so that run_gui returns and the test fails on the list."""
    errors: list[BaseException] = []

    def poll() -> None:
        modal = QApplication.activeModalWidget()
        if modal is None:
            QTimer.singleShot(20, poll)
            return
        try:
            action(modal)
        except BaseException as exc:
            errors.append(exc)
            QApplication.closeAllWindows()

    QTimer.singleShot(20, poll)
    return errors


def _add_admin(data_dir: Path) -> None:
    from models.database import open_database, sqlite_url

    db = open_database(sqlite_url(data_dir / "yuangan.db"), data_dir, migrate=False)
    with db.begin() as s:
        add_user(s, None, username="admin", password="correct-horse", role="admin", display_name="王主任")
    db.close()


def test_a_cancelled_login_closes_the_window_without_showing_any_data(qapp: QApplication, data_dir: Path) -> None:
    _add_admin(data_dir)
    events: list[str] = []

    def cancel(dialog: QWidget) -> None:
        assert isinstance(dialog, LoginDialog)
        window = dialog.parent()
        assert isinstance(window, MainWindow) and window.current_key() == "opening"
        assert window.opening.label.text() == "请登录" and not window.nav.isEnabled()
        assert str(data_dir / "yuangan.db") in window.db_label.text()
        dialog.reject()

    errors = _when_modal(cancel)
    code = run_gui(None, data_dir, probe=lambda event, _w: events.append(event))
    assert not errors, errors
    assert code == 0
    assert events == ["shown"]  # never ready: no page was filled


def test_a_login_opens_the_pages_as_that_user(qapp: QApplication, data_dir: Path) -> None:
    _add_admin(data_dir)
    seen: dict[str, str] = {}

    def log_in(dialog: QWidget) -> None:
        assert isinstance(dialog, LoginDialog)
        dialog.username.setText("admin")
        dialog.password.setText("correct-horse")
        dialog.ok_button.click()

    def probe(event: str, window: MainWindow) -> None:
        if event == "ready":
            seen.update(page=window.current_key(), user=window.user_label.text())
            window.close()

    errors = _when_modal(log_in)
    code = run_gui(None, data_dir, probe=probe)
    assert not errors, errors
    assert code == 0
    assert seen == {"page": "welcome", "user": "王主任（管理员）"}


def _damage(path: Path) -> None:
    path.write_bytes(b"this is not a database" * 100)


def test_a_database_that_cannot_be_opened_is_reported_in_chinese(qapp: QApplication, data_dir: Path) -> None:
    _damage(data_dir / "yuangan.db")
    seen: list[tuple[str, list[str]]] = []

    def read_and_quit(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        seen.append((f"{box.text()}\n{box.informativeText()}", [b.text() for b in box.buttons()]))
        next(b for b in box.buttons() if b.text() == "退出").click()

    errors = _when_modal(read_and_quit)
    code = run_gui(None, data_dir)
    assert not errors, errors
    assert code == 1
    text, buttons = seen[0]
    # the reason, in Chinese, without a class name
    assert text.startswith("无法打开数据库。\n数据库文件不是有效的数据库")
    assert "Traceback" not in text and "Error" not in text
    assert "退出" in buttons and "从最近的备份恢复" not in buttons  # there is no backup to offer


def test_a_damaged_database_is_restored_from_the_newest_backup_and_opened(
    qapp: QApplication, data_dir: Path
) -> None:
    from inspections.backup import backup_database, list_backups

    backup_database(data_dir / "yuangan.db", data_dir=data_dir)
    _damage(data_dir / "yuangan.db")
    offered: list[str] = []

    def restore_latest(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        offered.append(box.informativeText())
        next(b for b in box.buttons() if b.text() == "从最近的备份恢复").click()

    pages: list[str] = []

    def probe(event: str, window: MainWindow) -> None:
        if event == "ready":
            pages.append(window.current_key())
            window.close()

    errors = _when_modal(restore_latest)
    code = run_gui(None, data_dir, probe=probe)
    assert not errors, errors
    assert code == 0
    assert "最近的备份" in offered[0]
    assert pages == ["welcome"]  # opened on the restored database
    kept = [b for b in list_backups(data_dir) if b.kind == "before-restore"]
    assert len(kept) == 1 and kept[0].path.read_bytes().startswith(b"this is not a database")
