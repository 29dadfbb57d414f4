"""Choose the checklist versions for a round entry: every version listed, the current choice checked."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from inspections.templates import TemplateRow


class ChecklistChoiceDialog(QDialog):
    """A checkable list of checklist versions."""

    def __init__(
        self, rows: list[TemplateRow], chosen: tuple[uuid.UUID, ...], institution: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("选择检查表"))
        self.setMinimumSize(520, 420)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("“{0}”本批次使用的检查表：").format(institution)))
        self.list = QListWidget()
        for row in rows:
            until = row.effective_to.isoformat() if row.effective_to else self.tr("至今")
            since = row.effective_from.isoformat() if row.effective_from else "—"
            entry = QListWidgetItem(
                self.tr("{0}（第 {1} 版，{2} 至 {3}）").format(row.title, row.version, since, until)
            )
            entry.setData(Qt.ItemDataRole.UserRole, row.id)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Checked if row.id in chosen else Qt.CheckState.Unchecked)
            self.list.addItem(entry)
        layout.addWidget(self.list, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen(self) -> list[uuid.UUID]:
        result = []
        for i in range(self.list.count()):
            entry = self.list.item(i)
            if entry.checkState() == Qt.CheckState.Checked:
                result.append(entry.data(Qt.ItemDataRole.UserRole))
        return result
