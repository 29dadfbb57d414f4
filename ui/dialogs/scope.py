"""检查范围: leave the current section, or its whole checklist, out of this inspection (本次未检 with a reason, or
不适用), or take it back in."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

BACK_IN = ""  # mode value of 恢复检查


class ScopeDialog(QDialog):
    """Asks what to leave out (this section or the whole checklist), how, and why."""

    def __init__(
        self,
        checklist_title: str,
        section_title: str,
        parent: QWidget | None = None,
        *,
        mode: str | None = None,
        reason: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("检查范围"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("本次检查不检查的部分不计分、不阻止完成检查，反馈单中写明。")))
        form = QFormLayout()
        self.section = QRadioButton(self.tr("本部分：{0}").format(section_title))
        self.checklist = QRadioButton(self.tr("整张检查表：{0}").format(checklist_title))
        self.section.setChecked(True)
        self.target = QButtonGroup(self)
        self.target.addButton(self.section)
        self.target.addButton(self.checklist)
        which = QVBoxLayout()
        which.addWidget(self.section)
        which.addWidget(self.checklist)
        form.addRow(self.tr("范围"), which)
        self.not_checked = QRadioButton(self.tr("本次未检（须写原因）"))
        self.not_applicable = QRadioButton(self.tr("不适用"))
        self.back_in = QRadioButton(self.tr("恢复为检查"))
        self.modes = QButtonGroup(self)
        how = QVBoxLayout()
        for button in (self.not_checked, self.not_applicable, self.back_in):
            self.modes.addButton(button)
            how.addWidget(button)
        {"na": self.not_applicable, None: self.not_checked}.get(mode, self.not_checked).setChecked(True)
        form.addRow(self.tr("方式"), how)
        self.reason = QLineEdit(reason)
        self.reason.setPlaceholderText(self.tr("例如：发热门诊本周停诊改造"))
        form.addRow(self.tr("原因"), self.reason)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828;")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.reason.setFocus()

    def _on_accept(self) -> None:
        if self.mode() == "not_checked" and not self.reason.text().strip():
            self.error.setText(self.tr("标记为本次未检时请填写原因"))
            return
        self.accept()

    def whole_checklist(self) -> bool:
        return self.checklist.isChecked()

    def mode(self) -> str | None:
        """not_checked, na, or None to take it back into scope."""
        if self.back_in.isChecked():
            return None
        return "na" if self.not_applicable.isChecked() else "not_checked"
