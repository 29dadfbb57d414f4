"""Finishing an inspection from the editor: finalize (blockers, then signatures), amend a signed inspection, and
write the 督导检查反馈单 PDF in the background."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, QUrl, SignalInstance
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QTreeWidget, QWidget
from sqlalchemy.orm import Session

from inspections import workflow
from inspections.errors import UserError
from inspections.workflow import Blocker, InspectionView, ItemView
from ui import documents as saving
from ui.context import AppContext
from ui.dialogs.finalize import FinalizeDialog
from ui.tasks import Progress, show_user_error
from ui.widgets.item_pane import ItemPane


class FinishingEditor(Protocol):
    """What finishing reads and drives: the editor page (``page.InspectionEditor``)."""

    last_dialog: QWidget | None
    amend_reason: str

    @property
    def context(self) -> AppContext: ...
    @property
    def inspection_id(self) -> uuid.UUID: ...
    @property
    def view(self) -> InspectionView | None: ...
    @property
    def pane(self) -> ItemPane: ...
    @property
    def tree(self) -> QTreeWidget: ...
    @property
    def open_documents(self) -> bool: ...
    @property
    def finalized(self) -> SignalInstance: ...

    def current_item(self) -> ItemView | None: ...
    def select_item(self, item_id: uuid.UUID) -> None: ...
    def show_in_pane(self, item: ItemView) -> None: ...
    def show_saved(self) -> None: ...
    def update_mode(self) -> None: ...
    def reload(self) -> None: ...


class FinishFlow(QObject):
    """The editor's finalize, amend and report actions; dialogs it opens are kept in ``editor.last_dialog``.

    ``owner`` is the editor as a widget: the parent of the dialogs and of the background work.
    """

    def __init__(self, editor: FinishingEditor, owner: QWidget) -> None:
        super().__init__(owner)
        self.editor = editor
        self.owner = owner

    def request_finalize(self) -> None:
        self.editor.pane.flush_note()
        inspection_id = self.editor.inspection_id
        self.editor.context.read(
            lambda s: workflow.finalize_blockers(s, inspection_id), self._show_finalize, parent=self.owner
        )

    def _show_finalize(self, blockers: list[Blocker]) -> None:
        assert self.editor.view is not None
        dialog = FinalizeDialog(blockers, self.editor.view.inspectors, self.editor.view.hospital_rep, self.owner)
        dialog.setObjectName("finalizeDialog")
        dialog.jump_to.connect(self._jump_to)
        dialog.accepted.connect(lambda: self._finalize(dialog.signatures(), dialog.hospital_rep()))
        self.editor.last_dialog = dialog
        dialog.open()

    def _jump_to(self, item_id: uuid.UUID) -> None:
        self.editor.select_item(item_id)
        self.editor.tree.setFocus()

    def _finalize(self, signatures: dict[str, str], rep: str) -> None:
        actor, inspection_id = self.editor.context.actor, self.editor.inspection_id
        self.editor.context.write(
            lambda s: workflow.finalize_inspection(s, actor, inspection_id, signatures=signatures, hospital_rep=rep),
            self._on_finalized,
            changed=("inspections", "findings", "rounds"),
            parent=self.owner,
        )

    def _on_finalized(self, result: workflow.FinalizeResult) -> None:
        self.editor.show_saved()
        message = self.tr("检查已完成签字，生成整改问题 {0} 条").format(len(result.finding_ids))
        self.editor.context.message.emit(message)
        self.editor.finalized.emit(self.editor.inspection_id)
        self.editor.reload()
        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("完成检查"),
            message + "\n" + self.tr("现在生成督导检查反馈单（PDF）吗？"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self.owner,
        )
        box.setObjectName("printReportQuestion")
        box.button(QMessageBox.StandardButton.Yes).clicked.connect(lambda: self.request_report())
        self.editor.last_dialog = box
        box.open()

    def request_report(self, path: Path | None = None) -> None:
        """Write the 督导检查反馈单 as a PDF (in the background) and open it."""
        if path is None:
            assert self.editor.view is not None
            suggested = f"督导检查反馈单-{self.editor.view.institution_name}-{self.editor.view.date.isoformat()}.pdf"
            chosen, _ = QFileDialog.getSaveFileName(
                self.owner, self.tr("保存反馈单"), str(Path.home() / suggested), self.tr("PDF 文件 (*.pdf)")
            )
            if not chosen:
                return
            path = Path(chosen)
        db, inspection_id, target = self.editor.context.db, self.editor.inspection_id, path
        assert db is not None

        user = self.editor.context.user

        def write_apart(fn: Callable[[Session], str]) -> str:
            with db.begin() as w:
                return fn(w)

        def work(_progress: Progress) -> Path:
            # An inspection finalized before 文号 were registered gets its number now, in a short write of its own.
            from inspections.docnumbers import issuing_apart
            from inspections.users import acting_as

            with acting_as(user), issuing_apart(write_apart), db.session() as s:
                saving.reports().inspection_report(s, inspection_id, target)
            return target

        self.editor.context.tasks.run_in_background(
            work, self._on_report_written, parent=self.owner, progress=self.tr("正在生成反馈单…")
        )

    def _on_report_written(self, path: Path) -> None:
        self.editor.context.message.emit(self.tr("反馈单已保存到 {0}").format(str(path)))
        if self.editor.open_documents:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def request_amend(self, reason: str | None = None) -> None:
        if reason is None:
            text, ok = QInputDialog.getText(
                self.owner, self.tr("修订已完成的检查"), self.tr("修订原因（必填，记入审计日志）：")
            )
            if not ok:
                return
            reason = text
        if not reason.strip():
            self.editor.last_dialog = show_user_error(self.owner, UserError(self.tr("请填写修订原因")))
            return
        self.editor.amend_reason = reason.strip()
        self.editor.update_mode()
        item = self.editor.current_item()
        if item is not None:
            self.editor.show_in_pane(item)
