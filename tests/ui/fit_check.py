"""Run by test_inspector_day in a process of its own (QT_SCALE_FACTOR is read once, at start-up): the window at
1280×720 logical pixels, checking that 设置, the editor's chosen answer, the rounds' 覆盖 column and 新建检查 are
not crushed or clipped. Prints one JSON line ``{"problems": [...]}``; with a folder, saves screenshots there too.

    python tests/ui/fit_check.py DATA_DIR [SHOTS_DIR] [SUFFIX]
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QWidget,
)

WIDTH, HEIGHT = 1280, 720


def crushed(root: QWidget) -> list[str]:
    """Visible fields and buttons smaller than the least they need to show their text."""
    found = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, QLineEdit | QAbstractSpinBox | QAbstractButton | QComboBox):
            continue
        if not widget.isVisibleTo(root) or isinstance(widget.parentWidget(), QAbstractSpinBox | QComboBox):
            continue
        need = widget.minimumSizeHint()
        if widget.height() < need.height() or widget.width() < need.width():
            name = widget.objectName() or getattr(widget, "text", lambda: "")() or type(widget).__name__
            found.append(f"{name}: {widget.width()}×{widget.height()} < {need.width()}×{need.height()}")
    return found


def main(data_dir: Path, shots: Path | None, suffix: str) -> None:
    from inspections import workflow
    from models.database import open_database, sqlite_url
    from tests.ui.helpers import start_inspection
    from ui.app import create_application
    from ui.context import AppContext
    from ui.dialogs.new_inspection import NewInspectionDialog
    from ui.main_window import MainWindow
    from ui.pages import registry
    from ui.pages.editor import InspectionEditor
    from ui.pages.inspections_list import InspectionsPage
    from ui.pages.rounds import RoundsPage
    from ui.pages.settings_page import SettingsPage
    from ui.settings import open_settings
    from ui.tasks import TaskRunner

    warnings.simplefilter("ignore")
    create_application()
    db = open_database(sqlite_url(data_dir / "yuangan.db"), data_dir, migrate=False)
    settings = open_settings(data_dir)
    settings.setValue("user/name", "张三")
    context = AppContext(data_dir, db, settings, TaskRunner(), f"本机 ({data_dir / 'yuangan.db'})")
    window = MainWindow(context)
    window.resize(WIDTH, HEIGHT)
    window.show()
    problems: list[str] = []

    def idle() -> None:
        QTest.qWait(100)
        while context.tasks.pending:
            QTest.qWait(50)
        QTest.qWait(300)

    def shoot(name: str, widget: QWidget) -> None:
        if shots is not None:
            idle()
            widget.grab().save(str(shots / f"{name}{suffix}.png"))

    idle()
    window.show_page("settings")
    idle()
    page = window.pages["settings"]
    assert isinstance(page, SettingsPage)
    problems += [f"设置 {p}" for p in crushed(page)]
    shoot("settings", window)

    window.show_page("rounds")
    idle()
    rounds = window.pages["rounds"]
    assert isinstance(rounds, RoundsPage)
    table = rounds.rounds_table
    metrics = table.fontMetrics()
    for row in rounds.rounds_model.rows:
        need = metrics.horizontalAdvance(row.coverage_text) + 2 * 6
        right = table.horizontalHeader().sectionViewportPosition(2) + table.columnWidth(2)
        if table.columnWidth(2) < need or right > table.viewport().width():
            problems.append(f"覆盖 “{row.coverage_text}” 宽 {table.columnWidth(2)}，需要 {need}，可见到 {right}")
            break

    window.show_page("inspections")
    idle()
    inspections_page = window.pages["inspections"]
    assert isinstance(inspections_page, InspectionsPage)
    inspections_page.request_new()
    idle()
    dialog = inspections_page.new_dialog
    assert isinstance(dialog, NewInspectionDialog)
    dialog.preset.setCurrentIndex(0)
    idle()
    if dialog.height() > HEIGHT or dialog.width() > WIDTH:
        problems.append(f"新建检查 {dialog.width()}×{dialog.height()} 超出窗口")
    problems += [f"新建检查 {p}" for p in crushed(dialog)]
    shoot("new-inspection", dialog)
    dialog.reject()

    inspection_id = start_inspection(context, "人民医院")
    registry.open_editor(window, inspection_id)
    editor = window.pages["editor"]
    assert isinstance(editor, InspectionEditor)
    while editor.view is None:
        QTest.qWait(50)
    assert editor.view is not None
    loop = editor.view.checklists[-1]  # one section left out, as an inspector would mark it
    context.write_now(
        lambda s: workflow.set_scope(
            s,
            "张三",
            inspection_id,
            loop.template_id,
            section_code=loop.sections[-1].code,
            mode="not_checked",
            reason="负责人不在岗",
        )
    )
    editor.reload()
    idle()
    items = list(editor.items.values())
    for item in items[:4]:
        editor.select_item(item.item_id)
        editor.answer("pass")
    editor.select_item(items[5].item_id)
    editor.answer("fail")
    editor.pane.note.setPlainText("缓冲间两侧门可同时开启，未设互锁")
    editor.pane.flush_note()
    editor.select_item(items[5].item_id)
    idle()
    chosen = next(b for b in editor.pane.answer_buttons if b.isChecked())
    bold = QFont(chosen.font())
    bold.setBold(True)
    # The checked style: bold text, 8 px padding and a 1 px border each side, the icon and its 4 px spacing.
    need = QFontMetrics(bold).horizontalAdvance(chosen.text()) + chosen.iconSize().width() + 2 * 8 + 2 * 1 + 4
    least = max(chosen.minimumWidth(), chosen.minimumSizeHint().width())  # what a squeezed row still gives it
    if min(chosen.width(), least) < need:
        problems.append(f"答案按钮“{chosen.text()}”最窄 {least}，粗体文字需要 {need}")
    problems += [f"编辑器 {p}" for p in crushed(editor.pane)]
    shoot("editor", window)

    print(json.dumps({"problems": problems}, ensure_ascii=False), flush=True)
    context.tasks.shutdown(wait=True)
    db.close()
    QApplication.quit()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] else None, *sys.argv[3:4] or [""])
