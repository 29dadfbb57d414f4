"""A draft's own actions in the editor: its scope (a section or checklist left out as a whole) and voiding it.
Both are one call into ``inspections.workflow`` after the user confirms."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Protocol, TypeVar

from PySide6.QtCore import QObject, SignalInstance
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget
from sqlalchemy.orm import Session

from inspections import workflow
from inspections.errors import UserError
from inspections.workflow import ChecklistView, InspectionView, ItemView
from ui.context import AppContext
from ui.dialogs.scope import ScopeDialog
from ui.tasks import show_user_error
from ui.widgets.item_pane import ItemPane

T = TypeVar("T")


class DraftEditor(Protocol):
    """What the draft actions read and drive: the editor page (``page.InspectionEditor``)."""

    last_dialog: QWidget | None

    @property
    def context(self) -> AppContext: ...
    @property
    def inspection_id(self) -> uuid.UUID: ...
    @property
    def view(self) -> InspectionView | None: ...
    @property
    def pane(self) -> ItemPane: ...
    @property
    def back_requested(self) -> SignalInstance: ...

    def current_item(self) -> ItemView | None: ...
    def checklist_of(self, item_id: uuid.UUID) -> ChecklistView: ...
    def save(self, fn: Callable[[Session], T], changed: tuple[str, ...] = ...) -> T | None: ...
    def reload(self) -> None: ...


class DraftActions(QObject):
    """检查范围… and 作废草稿…; dialogs are kept in ``editor.last_dialog``.

    ``owner`` is the editor as a widget: the parent of the dialogs.
    """

    def __init__(self, editor: DraftEditor, owner: QWidget) -> None:
        super().__init__(owner)
        self.editor = editor
        self.owner = owner

    # -- scope ------------------------------------------------------------------------------------------------

    def request_scope(self) -> ScopeDialog | None:
        """Ask how to change the scope around the current item (its section, or its whole checklist)."""
        editor = self.editor
        item = editor.current_item()
        if item is None or editor.view is None or editor.view.status != "draft":
            return None
        checklist = editor.checklist_of(item.item_id)
        section = next(s for s in checklist.sections if any(i.item_id == item.item_id for i in s.items))
        mark = editor.view.scope_mark(checklist.template_id, section.code)
        dialog = ScopeDialog(
            checklist.spec.title,
            section.title,
            self.owner,
            mode=mark.mode if mark else None,
            reason=mark.reason if mark else "",
        )
        dialog.setObjectName("scopeDialog")
        if mark is not None and not mark.section_code:
            dialog.checklist.setChecked(True)
        dialog.accepted.connect(
            lambda: self.set_scope(
                checklist.template_id,
                "" if dialog.whole_checklist() else section.code,
                dialog.mode(),
                dialog.reason.text(),
            )
        )
        editor.last_dialog = dialog
        dialog.open()
        return dialog

    def set_scope(self, template_id: uuid.UUID, section_code: str, mode: str | None, reason: str) -> None:
        editor = self.editor
        actor, inspection_id = editor.context.actor, editor.inspection_id

        def change(s: Session) -> bool:
            workflow.set_scope(
                s, actor, inspection_id, template_id, section_code=section_code, mode=mode, reason=reason
            )
            return True

        if editor.save(change):
            editor.reload()

    # -- voiding ----------------------------------------------------------------------------------------------

    def request_void(self, reason: str | None = None) -> None:
        """Void this draft after asking why and confirming; the editor then goes back to the list."""
        editor = self.editor
        if editor.view is None or editor.view.status != "draft":
            return
        if reason is None:
            text, ok = QInputDialog.getText(
                self.owner, self.tr("作废草稿"), self.tr("作废原因（必填，记入审计日志）：")
            )
            if not ok:
                return
            reason = text
        if not reason.strip():
            editor.last_dialog = show_user_error(self.owner, UserError(self.tr("请填写作废原因")))
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("作废草稿"),
            self.tr(
                "确定作废“{0}”{1}的这份草稿吗？\n作废后不再出现在检查记录和批次覆盖中，记入审计日志，不能撤销。"
            ).format(editor.view.institution_name, editor.view.date.isoformat()),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self.owner,
        )
        box.setObjectName("voidQuestion")
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("作废"))
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        chosen = reason.strip()
        box.button(QMessageBox.StandardButton.Yes).clicked.connect(lambda: self._void(chosen))
        editor.last_dialog = box
        box.open()

    def _void(self, reason: str) -> None:
        editor = self.editor
        actor, inspection_id = editor.context.actor, editor.inspection_id

        def void(s: Session) -> bool:
            workflow.void_inspection(s, actor, inspection_id, reason=reason)
            return True

        editor.pane.flush_note()
        if editor.save(void, changed=("inspections", "rounds")):
            editor.context.message.emit(self.tr("草稿已作废"))
            editor.back_requested.emit()
