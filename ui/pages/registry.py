"""Which class serves each page, and the wiring between pages (welcome → import/demo, list → editor)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog

from ui.context import AppContext
from ui.pages.base import Page, PlaceholderPage

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def factories(window: MainWindow) -> dict[str, Callable[[AppContext], Page]]:
    from ui.main_window import PAGE_KEYS
    from ui.pages.checklists import ChecklistsPage
    from ui.pages.findings import FindingsPage
    from ui.pages.inspections_list import InspectionsPage

    result: dict[str, Callable[[AppContext], Page]] = {
        key: (lambda ctx, t=title: PlaceholderPage(ctx, t))
        for key, title in zip(PAGE_KEYS, window._titles(), strict=True)
    }
    result["checklists"] = ChecklistsPage
    result["inspections"] = InspectionsPage
    result["findings"] = FindingsPage
    return result


def connect(window: MainWindow, key: str, page: Page) -> None:
    """Connect a freshly created page's requests to the window."""
    from ui.pages.inspections_list import InspectionsPage

    if isinstance(page, InspectionsPage):
        page.open_requested.connect(lambda inspection_id: open_editor(window, inspection_id))


def connect_welcome(window: MainWindow) -> None:
    window.welcome.demo_requested.connect(lambda: load_demo(window))
    window.welcome.import_requested.connect(lambda: import_institutions(window))


def open_editor(window: MainWindow, inspection_id: uuid.UUID) -> None:
    """Show an inspection in the editor (replacing any editor open before)."""
    from ui.pages.editor import InspectionEditor

    current = window.pages.get("editor")
    if isinstance(current, InspectionEditor):
        current.close_page()
    editor = InspectionEditor(window.context, inspection_id)
    editor.back_requested.connect(lambda: window.show_page("inspections"))
    window.show_widget_page("editor", editor, "inspections")
    editor.tree.setFocus()


def database_is_empty(context: AppContext) -> bool:
    """No institution yet: the first-start page replaces the dashboard."""
    if context.db is None:
        return True
    from sqlalchemy import select

    from models.reference import Institution

    return context.read_now(lambda s: s.scalar(select(Institution.id).limit(1)) is None)


def load_demo(window: MainWindow) -> None:
    from inspections.demo import generate_demo

    context = window.context
    db = context.db
    tr = QCoreApplication.translate

    def work(progress):  # type: ignore[no-untyped-def]
        return generate_demo(db, progress=progress.update)  # type: ignore[arg-type]

    def done(summary: object) -> None:
        context.saved.emit(__import__("datetime").datetime.now())
        context.changed.emit("all")
        context.message.emit(tr("registry", "演示数据已载入"))
        window.show_page("dashboard")

    context.tasks.run_in_background(work, done, parent=window, progress=tr("registry", "正在生成演示数据…"))


def import_institutions(window: MainWindow) -> None:
    """Pick an Excel file and import the institutions in it; problems are listed by row."""
    from pathlib import Path

    from inspections import institutions

    tr = QCoreApplication.translate
    path, _ = QFileDialog.getOpenFileName(
        window, tr("registry", "导入医疗机构"), "", tr("registry", "表格 (*.xlsx *.csv);;所有文件 (*)")
    )
    if not path:
        return
    context = window.context
    actor = context.actor

    def done(summary: institutions.ImportSummary) -> None:
        context.message.emit(summary.message)
        window.show_page("institutions")

    context.write(
        lambda s: institutions.import_institutions(s, actor, Path(path)),
        done,
        changed=("institutions", "all"),
        parent=window,
    )


def global_search(window: MainWindow, text: str) -> None:
    """Ctrl+K: find an institution or inspection by name."""
