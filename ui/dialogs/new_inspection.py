"""新建检查: institution, kind, date and team; the checklists default to those that apply on that date."""

from __future__ import annotations

import datetime as dt
import uuid

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from inspections.labels import INSPECTION_KINDS


class NewInspectionDialog(QDialog):
    """Asks what a new inspection needs; the caller starts it."""

    def __init__(
        self,
        institutions: dict[uuid.UUID, str],
        inspectors: str,
        parent: QWidget | None = None,
        *,
        institution_id: uuid.UUID | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("新建检查"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.institution = QComboBox()
        self.institution.setEditable(True)
        self.institution.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for key, name in institutions.items():
            self.institution.addItem(name, key)
        completer = self.institution.completer()
        assert completer is not None  # an editable combo box has one
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        if institution_id is not None:
            self.institution.setCurrentIndex(max(0, self.institution.findData(institution_id)))
        self.kind = QComboBox()
        for code, label in INSPECTION_KINDS.items():
            self.kind.addItem(label, code)
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.inspectors = QLineEdit(inspectors)
        self.inspectors.setPlaceholderText(self.tr("多名检查人员用顿号或逗号分隔"))
        form.addRow(self.tr("医疗机构"), self.institution)
        form.addRow(self.tr("检查类型"), self.kind)
        form.addRow(self.tr("检查日期"), self.date)
        form.addRow(self.tr("检查人员"), self.inspectors)
        layout.addLayout(form)
        hint = QLabel(self.tr("检查表按机构情况和检查日期自动选择当时有效的版本。"))
        hint.setStyleSheet("color: #666;")
        layout.addWidget(hint)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828;")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("开始检查"))
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _on_accept(self) -> None:
        if self.institution_id() is None:
            self.error.setText(self.tr("请从列表中选择医疗机构"))
            return
        self.accept()

    def institution_id(self) -> uuid.UUID | None:
        index = self.institution.findText(self.institution.currentText())
        if index < 0:
            return None
        value = self.institution.itemData(index)
        return value if isinstance(value, uuid.UUID) else None

    def values(self) -> dict[str, object]:
        names = [n for n in self.inspectors.text().replace("，", "、").replace(",", "、").split("、") if n.strip()]
        day = self.date.date()
        return {
            "institution_id": self.institution_id(),
            "kind": self.kind.currentData(),
            "on": dt.date(day.year(), day.month(), day.day()),
            "inspectors": names,
        }
