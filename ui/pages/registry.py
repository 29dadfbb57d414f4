"""Which class serves each page, and the wiring between pages (welcome → import/demo, list → editor).

A page's module is imported when the page is first shown: at start-up only the page used last is loaded. The main
window imports this module, never the other way round: the wiring sees the window only as a ``PageHost``."""

from __future__ import annotations

import datetime as dt
import importlib
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypedDict, Unpack

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from ui.context import AppContext
from ui.pages.base import Page
from ui.tasks import Progress

if TYPE_CHECKING:
    from inspections import institutions
    from inspections.demo import DemoSummary
    from ui.pages.welcome import WelcomePage

# The page class for each key, as "module:class".
PAGE_CLASSES = {
    "dashboard": "ui.pages.dashboard:DashboardPage",
    "rounds": "ui.pages.rounds:RoundsPage",
    "inspections": "ui.pages.inspections_list:InspectionsPage",
    "findings": "ui.pages.findings:FindingsPage",
    "institutions": "ui.pages.institutions:InstitutionsPage",
    "checklists": "ui.pages.checklists:ChecklistsPage",
    "settings": "ui.pages.settings_page:SettingsPage",
}


class PageHost(Protocol):
    """What the page wiring needs of the main window."""

    context: AppContext
    pages: dict[str, Page]
    welcome: WelcomePage
    last_dialog: QWidget | None

    def window(self) -> QWidget:
        """The window as a widget, to parent dialogs (``QWidget.window()``: the main window is its own window)."""
        ...

    def show_page(self, key: str) -> None: ...

    def show_widget_page(self, key: str, page: Page, nav_key: str) -> None: ...


def tr(text: str) -> str:
    return QCoreApplication.translate("registry", text)


def page_class(key: str) -> type[Page]:
    module, name = PAGE_CLASSES[key].split(":")
    cls = getattr(importlib.import_module(module), name)
    if not (isinstance(cls, type) and issubclass(cls, Page)):
        raise TypeError(f"{PAGE_CLASSES[key]} is not a page")
    return cls


def _factory(key: str) -> Callable[[AppContext], Page]:
    def make(context: AppContext) -> Page:
        return page_class(key)(context)

    return make


def factories(window: PageHost) -> dict[str, Callable[[AppContext], Page]]:
    return {key: _factory(key) for key in PAGE_CLASSES}


def connect(window: PageHost, key: str, page: Page) -> None:
    """Connect a freshly created page's requests to the window."""
    # Each import below names the class of the page just made (its module is loaded already); the other pages'
    # modules stay unloaded until they are shown.
    if key == "dashboard":
        from ui.pages.dashboard import DashboardPage

        if isinstance(page, DashboardPage):
            page.show_overdue.connect(lambda: show_overdue_findings(window))
    elif key == "institutions":
        from ui.pages.institutions import InstitutionsPage

        if isinstance(page, InstitutionsPage):
            page.import_requested.connect(lambda: import_institutions(window))
            page.inspect_requested.connect(lambda institution_id: new_inspection(window, institution_id))
    elif key == "inspections":
        from ui.pages.inspections_list import InspectionsPage

        if isinstance(page, InspectionsPage):
            page.open_requested.connect(lambda inspection_id: open_editor(window, inspection_id))
    elif key == "rounds":
        from ui.pages.rounds import RoundsPage

        if isinstance(page, RoundsPage):
            page.open_requested.connect(lambda inspection_id: open_editor(window, inspection_id))


def connect_welcome(window: PageHost) -> None:
    window.welcome.demo_requested.connect(lambda: confirm_demo(window))
    window.welcome.import_requested.connect(lambda: import_institutions(window))
    window.welcome.shown.connect(lambda: ask_who(window, only_if_unknown=True))


_asked: set[int] = set()  # windows whose user put the first-start question off ("以后再说") in this session


def ask_who(window: PageHost, *, only_if_unknown: bool = False) -> None:
    """The first-start question: the user's name and role, and the commission (or hospital) they work for. The name
    is the actor of their changes from now on; the organization goes to the settings. ``only_if_unknown``: only
    where nobody is logged in, no name is set yet and the question was not put off in this session."""
    from inspections.settings import SETTINGS, all_settings, set_organization
    from ui import settings as keys
    from ui.dialogs.first_start import FirstStartDialog

    context = window.context
    name = str(context.settings.value(keys.INSPECTOR_NAME, "") or "")
    if only_if_unknown and (context.user is not None or name or id(window) in _asked):
        return
    stored = context.read_now(all_settings)
    # Only what someone has set: the built-in defaults would pass for an answer.
    defaults = {k: str(v) for k, v in stored.items() if v != SETTINGS[k].default}
    dialog = FirstStartDialog(name, defaults, window.window())
    role = str(context.settings.value(keys.USER_ROLE, "") or "")
    if role in ("commission", "hospital"):
        dialog.set_role(role)

    def save() -> None:
        chosen = dialog.name.text().strip()
        org = dialog.organization()
        context.settings.setValue(keys.INSPECTOR_NAME, chosen)
        context.settings.setValue(keys.USER_ROLE, org.role)
        context.write(lambda s: set_organization(s, chosen, org), changed="settings", parent=window.window())

    dialog.accepted.connect(save)
    dialog.rejected.connect(lambda: _asked.add(id(window)))
    window.last_dialog = dialog
    dialog.open()


def confirm_demo(window: PageHost) -> None:
    """Ask before loading the demo data: it is written into this database and cannot be undone."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        tr("载入演示数据"),
        tr("演示数据（虚构的机构、检查和整改）将写入当前数据库，载入后不能撤销或单独删除。\n确定载入吗？"),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        window.window(),
    )
    yes = box.button(QMessageBox.StandardButton.Yes)
    yes.setText(tr("载入"))
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.buttonClicked.connect(lambda button: load_demo(window) if button is yes else None)
    window.last_dialog = box
    box.open()


def open_editor(window: PageHost, inspection_id: uuid.UUID) -> None:
    """Show an inspection in the editor (replacing any editor open before)."""
    from ui.pages.editor import InspectionEditor

    current = window.pages.get("editor")
    if isinstance(current, InspectionEditor):
        current.close_page()
    editor = InspectionEditor(window.context, inspection_id)
    editor.back_requested.connect(lambda: window.show_page("inspections"))
    window.show_widget_page("editor", editor, "inspections")
    editor.tree.setFocus()


def new_inspection(window: PageHost, institution_id: uuid.UUID | None = None) -> None:
    from ui.pages.inspections_list import InspectionsPage

    window.show_page("inspections")
    page = window.pages["inspections"]
    if isinstance(page, InspectionsPage):
        page.request_new(institution_id)


def show_overdue_findings(window: PageHost) -> None:
    from ui.pages.findings import FindingsPage

    window.show_page("findings")
    page = window.pages["findings"]
    if isinstance(page, FindingsPage):
        page.overdue.setChecked(True)


def database_is_empty(context: AppContext) -> bool:
    """No institution yet: the first-start page replaces the dashboard."""
    if context.db is None:
        return True
    from sqlalchemy import select

    from models.reference import Institution

    return context.read_now(lambda s: s.scalar(select(Institution.id).limit(1)) is None)


class DemoOptions(TypedDict, total=False):
    """The size of the demo dataset (see ``inspections.demo.generate_demo``)."""

    institutions: int
    months: int
    seed: int


def load_demo(window: PageHost, **options: Unpack[DemoOptions]) -> None:
    """Generate the demo dataset in the background, with progress; then show the dashboard."""
    from inspections import demo

    context = window.context
    db = context.db

    def work(progress: Progress) -> DemoSummary:
        assert db is not None, "the demo is offered once the database is open"
        return demo.generate_demo(db, progress=progress.update, **options)

    def done(summary: DemoSummary) -> None:
        context.saved.emit(dt.datetime.now())
        context.changed.emit("all")
        context.message.emit(
            tr("演示数据已载入：{0} 家机构，{1} 次检查").format(summary.institutions, summary.inspections)
        )
        window.show_page("dashboard")

    context.tasks.run_in_background(work, done, parent=window.window(), progress=tr("正在生成演示数据…"))


def import_institutions(window: PageHost, path: Path | None = None, *, confirm: bool = True) -> None:
    """Pick an Excel file, show what importing it would do, then import; problems are listed by row."""
    from inspections import institutions

    if path is None:
        chosen, _ = QFileDialog.getOpenFileName(
            window.window(), tr("导入医疗机构"), "", tr("表格 (*.xlsx *.csv);;所有文件 (*)")
        )
        if not chosen:
            return
        path = Path(chosen)
    context = window.context
    actor = context.actor
    source = path

    def done(summary: institutions.ImportSummary) -> None:
        context.message.emit(summary.message)
        window.show_page("institutions")

    def apply() -> None:
        context.write(
            lambda s: institutions.import_institutions(s, actor, source),
            done,
            changed=("institutions", "all"),
            parent=window.window(),
        )

    if not confirm:
        apply()
        return

    def ask(preview: institutions.ImportSummary) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            tr("导入医疗机构"),
            tr("{0}：将{1}。确定导入吗？").format(source.name, preview.message),
            QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
            window.window(),
        )
        box.setObjectName("importPreview")
        box.accepted.connect(apply)
        window.last_dialog = box
        box.open()

    context.read(lambda s: institutions.preview_import(s, source), ask, parent=window.window())


def global_search(window: PageHost, text: str) -> None:
    """Ctrl+K: show the institutions matching the text (from there, start or open an inspection)."""
    if not text:
        return
    from ui.pages.institutions import InstitutionsPage

    window.show_page("institutions")
    page = window.pages["institutions"]
    if isinstance(page, InstitutionsPage):
        page.search.setText(text)
        page.reload()
