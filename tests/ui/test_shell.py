"""The window shell: fonts, navigation, shortcuts, remembered geometry and page, status bar, error handling."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QRawFont
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from ui.context import AppContext
from ui.crash import ExceptionHook, setup_logging
from ui.main_window import PAGE_KEYS, MainWindow
from ui.settings import open_settings


def test_chinese_has_a_font_even_without_system_cjk_fonts(qapp: QApplication) -> None:
    families = qapp.font().families()
    assert "WenQuanYi Micro Hei" in families
    supported = [f for f in families if QRawFont.fromFont(_font(f)).supportsCharacter(ord("院"))]
    assert supported, families


def test_the_program_has_its_icon(qapp: QApplication, qtbot: QtBot, empty_context: AppContext) -> None:
    icon = qapp.windowIcon()
    assert not icon.isNull()
    image = icon.pixmap(32, 32).toImage()
    centre = image.pixelColor(16, 16)
    assert image.width() == 32 and centre.alpha() == 255  # drawn, not an empty placeholder
    window = MainWindow(empty_context)
    qtbot.addWidget(window)
    assert not window.windowIcon().isNull()  # the title bar and the task bar show it


def _font(family: str):  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QFont

    return QFont(family)


def test_navigation_by_keyboard(qtbot: QtBot, empty_context: AppContext) -> None:
    window = MainWindow(empty_context)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    for number, key in enumerate(PAGE_KEYS, start=1):
        if key == "dashboard":
            continue
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.ControlModifier)
        assert window.current_key() == key
        assert window.nav.currentItem().text() == window._titles()[number - 1]


def test_geometry_and_last_page_are_remembered(qtbot: QtBot, empty_context: AppContext, tmp_path: Path) -> None:
    window = MainWindow(empty_context)
    qtbot.addWidget(window)
    window.show()
    window.resize(1200, 700)
    window.show_page("checklists")
    window.close()

    again = MainWindow(
        AppContext(empty_context.data_dir, empty_context.db, open_settings(empty_context.data_dir), empty_context.tasks)
    )
    qtbot.addWidget(again)
    again.show()
    assert again.current_key() == "checklists"
    assert (again.width(), again.height()) == (1200, 700)


def test_first_start_fits_1366x768_and_status_bar_shows_save_time(qtbot: QtBot, empty_context: AppContext) -> None:
    window = MainWindow(empty_context)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    assert window.minimumSizeHint().width() <= 1366 and window.minimumSizeHint().height() <= 768
    empty_context.saved.emit(dt.datetime(2026, 11, 28, 14, 3, 21))
    assert window.saved_label.text() == "已保存 14:03:21"
    assert "yuangan.db" in window.db_label.text()
    assert window.date_label.text() == dt.date.today().isoformat()


def test_ctrl_k_focuses_the_search_box(qtbot: QtBot, empty_context: AppContext) -> None:
    window = MainWindow(empty_context)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.search.hasFocus()


def test_unexpected_error_is_logged_and_shown(qtbot: QtBot, tmp_path: Path) -> None:
    log_path = setup_logging(tmp_path)
    hook = ExceptionHook(log_path)
    try:
        raise RuntimeError("数据库文件损坏")
    except RuntimeError as exc:
        hook._excepthook(RuntimeError, exc, exc.__traceback__)  # what sys.excepthook does once installed
    assert len(hook.dialogs) == 1
    box = hook.dialogs[0]
    assert box.icon() == QMessageBox.Icon.Critical
    # One Chinese line naming the log; the traceback is in the log, never in the dialog.
    assert box.informativeText().count("\n") == 0
    assert "程序内部错误" in box.informativeText() and str(log_path) in box.informativeText()
    assert box.detailedText() == "" and "Traceback" not in box.text() + box.informativeText()
    logged = log_path.read_text(encoding="utf-8")
    assert "数据库文件损坏" in logged and "Traceback" in logged
    box.close()
    for handler in list(logging.getLogger().handlers):
        if getattr(handler, "baseFilename", None) == str(log_path):
            logging.getLogger().removeHandler(handler)
            handler.close()


def test_an_english_translation_is_picked_up_when_present(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys

    from PySide6.QtCore import QCoreApplication, QLocale

    from ui import paths
    from ui.startup import install_translators

    ts = tmp_path / "yuangan_en.ts"
    ts.write_text(
        '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE TS><TS version="2.1" language="en">'
        "<context><name>MainWindow</name><message><source>工作台</source>"
        "<translation>Dashboard</translation></message></context></TS>",
        encoding="utf-8",
    )
    lrelease = Path(sys.executable).with_name("pyside6-lrelease")
    subprocess.run([str(lrelease), str(ts), "-qm", str(tmp_path / "yuangan_en.qm")], check=True, capture_output=True)
    monkeypatch.setattr(paths, "TRANSLATIONS", tmp_path)
    installed = install_translators(qapp, QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    try:
        assert QCoreApplication.translate("MainWindow", "工作台") == "Dashboard"
    finally:
        for translator in installed:
            qapp.removeTranslator(translator)
    assert QCoreApplication.translate("MainWindow", "工作台") == "工作台"


def test_global_search_completes_institution_names_and_shows_them(qtbot: QtBot, demo_context: AppContext) -> None:
    window = MainWindow(demo_context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window._search_names.rowCount() > 0)
    name = window._search_names.stringList()[0]
    window.search.setText(name[-4:])
    window._on_search()
    assert window.current_key() == "institutions"
    page = window.pages["institutions"]
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and all(name[-4:] in r.name for r in page.model.rows))  # type: ignore[attr-defined]
