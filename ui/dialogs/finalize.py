"""完成检查: first what still blocks finalizing (each a link to its item), then the signatures."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspections.workflow import Blocker


class FinalizeDialog(QDialog):
    """Lists blockers, or (when there are none) asks for the signatures.

    Signals:
        jump_to(object): the user picked a blocker; the editor shows its item (uuid).
    """

    jump_to = Signal(object)

    def __init__(
        self,
        blockers: list[Blocker],
        inspectors: tuple[str, ...],
        hospital_rep: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("完成检查"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        self.blockers = blockers
        self.blocker_list: QListWidget | None = None
        self.inspectors_edit: QLineEdit | None = None
        self.rep_edit: QLineEdit | None = None
        if blockers:
            layout.addWidget(
                QLabel(self.tr("还不能完成检查，以下 {0} 项需要处理（双击或回车跳转到该项）：").format(len(blockers)))
            )
            self.blocker_list = QListWidget()
            for blocker in blockers:
                entry = QListWidgetItem(f"{blocker.code}  {blocker.message}".strip())
                entry.setData(Qt.ItemDataRole.UserRole, blocker.item_id)
                self.blocker_list.addItem(entry)
            self.blocker_list.setCurrentRow(0)
            self.blocker_list.itemActivated.connect(self._on_activated)
            layout.addWidget(self.blocker_list)
            buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
            buttons.rejected.connect(self.reject)
        else:
            layout.addWidget(QLabel(self.tr("所有检查项均已完成。请检查人员和医院代表确认签字：")))
            form = QFormLayout()
            self.inspectors_edit = QLineEdit("、".join(inspectors))
            self.rep_edit = QLineEdit(hospital_rep)
            self.rep_edit.setPlaceholderText(self.tr("医院代表姓名"))
            form.addRow(self.tr("检查人员签字"), self.inspectors_edit)
            form.addRow(self.tr("医院代表签字"), self.rep_edit)
            layout.addLayout(form)
            note = QLabel(self.tr("签字后检查记录只读，并生成整改问题；之后如需修改须填写修订原因。"))
            note.setWordWrap(True)
            note.setStyleSheet("color: #666;")
            layout.addWidget(note)
            buttons = QDialogButtonBox()
            ok = buttons.addButton(self.tr("确认签字并完成"), QDialogButtonBox.ButtonRole.AcceptRole)
            ok.setObjectName("signButton")
            buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
            buttons.accepted.connect(self._on_sign)
            buttons.rejected.connect(self.reject)
            self.rep_edit.setFocus()
        layout.addWidget(buttons)

    def _on_activated(self, entry: QListWidgetItem) -> None:
        item_id = entry.data(Qt.ItemDataRole.UserRole)
        if isinstance(item_id, uuid.UUID):
            self.jump_to.emit(item_id)
        self.reject()

    def _on_sign(self) -> None:
        assert self.inspectors_edit is not None and self.rep_edit is not None
        if not self.inspectors_edit.text().strip() or not self.rep_edit.text().strip():
            self.rep_edit.setPlaceholderText(self.tr("请填写医院代表姓名"))
            self.rep_edit.setStyleSheet("border: 1px solid #c62828;")
            return
        self.accept()

    def signatures(self) -> dict[str, str]:
        assert self.inspectors_edit is not None and self.rep_edit is not None
        return {"inspectors": self.inspectors_edit.text().strip(), "hospital_rep": self.rep_edit.text().strip()}

    def hospital_rep(self) -> str:
        assert self.rep_edit is not None
        return self.rep_edit.text().strip()
