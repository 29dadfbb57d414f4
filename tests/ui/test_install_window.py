"""The window as an installed program uses it: a double-clicked package opens its import preview, a database a newer
program has upgraded is refused with the version to install (and no older backup offered instead), and 设置 → 关于
shows the version and the data directory."""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from inspections.backup import backup_database
from inspections.cli import main as cli_main
from models.migrations import UPGRADED_BY_KEY
from models.version import __version__
from tests.ui.test_startup import _when_modal
from ui.app import run_gui
from ui.context import AppContext
from ui.dialogs.packages import PreviewDialog
from ui.main_window import MainWindow
from ui.pages.settings_page import SettingsPage


@pytest.fixture
def data_dir(tmp_path: Path, empty_template: Path) -> Iterator[Path]:
    """A data directory with a copy of a migrated, empty database; run_gui's log handler removed afterwards."""
    shutil.copy(empty_template, tmp_path / "yuangan.db")
    yield tmp_path
    root = logging.getLogger()
    for handler in list(root.handlers):
        if str(getattr(handler, "baseFilename", "")).startswith(str(tmp_path)):
            root.removeHandler(handler)
            handler.close()


def _package(folder: Path) -> Path:
    laptop = folder / "laptop"
    assert cli_main(["--data-dir", str(laptop), "demo", "--institutions", "3", "--months", "2",
                     "--end-month", "2026-10"]) == 0
    from inspections.workflow import list_inspections
    from inspections.workspace import open_workspace

    db = open_workspace(None, laptop, backup=False)
    with db.session() as s:
        inspection = list_inspections(s, status="finalized")[0].id
    db.close()
    path = folder / "检查数据.ygpkg"
    assert cli_main(["--data-dir", str(laptop), "package", "export", "--inspection", str(inspection),
                     "-o", str(path)]) == 0
    return path


def test_the_window_started_with_a_package_shows_its_import_preview(
    qapp: QApplication, data_dir: Path
) -> None:
    package = _package(data_dir / "elsewhere")
    seen: list[str] = []

    deadline = time.monotonic() + 60

    def read_preview() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PreviewDialog):  # not yet, or the progress dialog while the package is checked
            if time.monotonic() > deadline:  # never came: end run_gui, the assertions below fail
                QApplication.closeAllWindows()
                return
            QTimer.singleShot(20, read_preview)
            return
        seen.append(dialog.preview.package_name)
        seen.append(dialog.counts_label.text())
        window = dialog.parent()
        dialog.reject()
        if isinstance(window, MainWindow):
            window.close()
        else:
            QApplication.closeAllWindows()

    QTimer.singleShot(20, read_preview)
    code = run_gui(None, data_dir, package=package)
    assert code == 0
    assert seen and seen[0] == "检查数据.ygpkg" and "新增" in seen[1]


def test_a_database_a_newer_program_upgraded_is_refused_with_the_version_to_install(
    qapp: QApplication, data_dir: Path
) -> None:
    db_file = data_dir / "yuangan.db"
    backup_database(db_file, data_dir=data_dir)  # a backup exists, but going back to it would lose the newer data
    conn = sqlite3.connect(db_file, isolation_level=None)
    conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.execute("UPDATE settings SET value = ? WHERE key = ?", (json.dumps("9.1.0"), UPGRADED_BY_KEY))
    conn.close()
    before = db_file.read_bytes()
    seen: list[tuple[str, list[str]]] = []

    def read_and_quit(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        seen.append((box.informativeText(), [b.text() for b in box.buttons()]))
        next(b for b in box.buttons() if b.text() == "退出").click()

    errors = _when_modal(read_and_quit)
    code = run_gui(None, data_dir)
    assert not errors, errors
    assert code == 1
    text, buttons = seen[0]
    assert text.startswith("数据库已由更新版本的院感督导（9.1.0）升级") and "请安装院感督导 9.1.0 或更新的版本" in text
    assert "退出" in buttons and not any("备份" in b for b in buttons)  # no going back to an older backup
    assert db_file.read_bytes() == before


def test_settings_about_shows_the_version_and_the_data_directory(qtbot: QtBot, empty_context: AppContext) -> None:
    page = SettingsPage(empty_context)
    qtbot.addWidget(page)
    assert page.version_label.text() == f"院感督导 {__version__}"
    assert page.about_data_dir.text() == str(empty_context.data_dir)
