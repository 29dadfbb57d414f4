"""Saving documents from the window: a save dialog with a sensible name, background rendering, then open or show it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from PySide6.QtCore import QCoreApplication, QStandardPaths, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget
from sqlalchemy.orm import Session

from inspections.users import acting_as
from ui.context import AppContext
from ui.tasks import Progress

LAST_DIR = "documents/last_dir"

PDF = "pdf"
XLSX = "xlsx"


def reports() -> ModuleType:
    """The document builders, imported on first use (on the worker thread): ReportLab and openpyxl cost about
    half a second to import, which start-up should not pay."""
    from inspections.reports import documents

    return documents


def tr(text: str) -> str:
    return QCoreApplication.translate("documents", text)


def file_filter(kind: str) -> str:
    return tr("PDF 文件 (*.pdf)") if kind == PDF else tr("Excel 工作簿 (*.xlsx)")


def default_folder(context: AppContext) -> Path:
    """The folder the user last saved a document to, else their Documents folder, else home."""
    last = str(context.settings.value(LAST_DIR, "") or "")
    if last and Path(last).is_dir():
        return Path(last)
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if documents and Path(documents).is_dir():
        return Path(documents)
    return Path.home()


def ask_path(parent: QWidget, context: AppContext, title: str, suggested: str, kinds: tuple[str, ...]) -> Path | None:
    """The save dialog; the chosen filter decides the suffix when the user typed none. None if cancelled."""
    filters = [file_filter(k) for k in kinds]
    chosen, selected = QFileDialog.getSaveFileName(
        parent, title, str(default_folder(context) / suggested), ";;".join(filters)
    )
    if not chosen:
        return None
    path = Path(chosen)
    kind = kinds[filters.index(selected)] if selected in filters else kind_of(path)
    if path.suffix.lower().lstrip(".") in kinds:
        # The chosen filter wins over a suggested suffix the user left in place.
        return path.with_suffix("." + kind)
    return path.with_name(path.name + "." + kind)


def kind_of(path: Path) -> str:
    """``pdf`` or ``xlsx`` by the file's suffix (PDF when unknown)."""
    return XLSX if path.suffix.lower() == ".xlsx" else PDF


def render_in_background(
    parent: QWidget,
    context: AppContext,
    path: Path,
    render: Callable[[Session, Path], object],
    *,
    progress: str,
    done: str,
    on_written: Callable[[Path, str], None] | None = None,
) -> None:
    """Run ``render(session, path)`` on the worker thread; then tell the user and offer to open the file or folder.

    Long exports report their progress to the dialog (``reporting_progress``); what ``render`` returns may carry a
    ``notice`` for the user (a workbook split into several sheets), handed to ``on_written`` with the path.

    The session reads. A document issued for the first time (整改通知书, 月度督导通报, the 反馈单 of an inspection
    finalized before numbers were registered) records its 文号 in a short write transaction of its own, so no write
    lock is held while the file renders.
    """
    db, user = context.db, context.user
    assert db is not None
    target = path

    def write_apart(fn: Callable[[Session], str]) -> str:
        with db.begin() as w:
            return fn(w)

    def work(progress: Progress) -> tuple[Path, str]:
        from inspections.docnumbers import issuing_apart
        from inspections.reports.output import reporting_progress

        with acting_as(user), issuing_apart(write_apart), reporting_progress(progress.update), db.session() as s:
            outcome = render(s, target)
        # A workbook split past Excel's row limit says so (WorkbookResult.notice).
        return target, str(getattr(outcome, "notice", "") or "")

    def written(outcome: tuple[Path, str]) -> None:
        result, notice = outcome
        context.settings.setValue(LAST_DIR, str(result.parent))
        context.message.emit(done.format(str(result)))
        if on_written is not None:
            on_written(result, notice)

    context.tasks.run_in_background(work, written, parent=parent, progress=progress)


def offer_to_open(parent: QWidget, path: Path, text: str, notice: str = "") -> QMessageBox:
    """A non-blocking message: 打开文件 / 打开所在文件夹 / 关闭."""
    box = QMessageBox(QMessageBox.Icon.Information, tr("文件已保存"), text, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("documentSavedDialog")
    box.setInformativeText(f"{path}\n\n{notice}" if notice else str(path))
    open_file = box.addButton(tr("打开文件"), QMessageBox.ButtonRole.AcceptRole)
    open_folder = box.addButton(tr("打开所在文件夹"), QMessageBox.ButtonRole.ActionRole)
    box.addButton(tr("关闭"), QMessageBox.ButtonRole.RejectRole)
    open_file.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))
    open_folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent))))
    box.open()
    return box


def save_document(
    page: QWidget,
    context: AppContext,
    render: Callable[[Session, Path], object],
    *,
    path: Path | None,
    title: str,
    suggested: str,
    kinds: tuple[str, ...],
    progress: str,
    done: str,
) -> Path | None:
    """Ask where to save (unless ``path`` is given), render in the background, then offer to open the result.

    ``done`` is the status message with ``{0}`` for the path. The page keeps the last message box in
    ``last_dialog`` if it has such an attribute. Returns the target path, or None if the user cancelled.
    """
    if path is None:
        path = ask_path(page, context, title, suggested, kinds)
        if path is None:
            return None

    def show(result: Path, notice: str) -> None:
        box = offer_to_open(page, result, done.format(result.name), notice)
        if hasattr(page, "last_dialog"):
            page.last_dialog = box

    render_in_background(page, context, path, render, progress=progress, done=done, on_written=show)
    return path
