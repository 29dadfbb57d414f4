"""The actions on a finding: the hospital's feedback (measure, department, photos) and the re-inspection verdict."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ui.widgets.item_pane import PHOTO_FILTER


class _PhotoPicker(QWidget):
    """A button that collects photo files, and the list of chosen names."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.paths: list[Path] = []
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.button = QPushButton(self.tr("选择照片…"))
        self.label = QLabel(self.tr("未选择"))
        self.label.setStyleSheet("color: #666;")
        row.addWidget(self.button)
        row.addWidget(self.label, 1)
        self.button.clicked.connect(self._on_choose)

    def _on_choose(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, self.tr("选择照片"), "", self.tr("图片 ({0})").format(PHOTO_FILTER)
        )
        if paths:
            self.paths = [Path(p) for p in paths]
            self.label.setText("、".join(p.name for p in self.paths))

    def photos(self) -> list[tuple[bytes, str]]:
        return [(p.read_bytes(), p.name) for p in self.paths]


class FeedbackDialog(QDialog):
    """整改反馈: what the hospital did, which department is responsible, and "after" photos."""

    def __init__(self, department: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("录入整改反馈"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.measure = QPlainTextEdit()
        self.measure.setPlaceholderText(self.tr("采取的整改措施"))
        self.measure.setTabChangesFocus(True)
        self.department = QLineEdit(department)
        self.department.setPlaceholderText(self.tr("例如：感染管理科、门诊部"))
        self.note = QLineEdit()
        self.picker = _PhotoPicker()
        form.addRow(self.tr("整改措施"), self.measure)
        form.addRow(self.tr("责任科室"), self.department)
        form.addRow(self.tr("备注"), self.note)
        form.addRow(self.tr("整改后照片"), self.picker)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def values(self) -> dict[str, object]:
        return {
            "measure": self.measure.toPlainText(),
            "department": self.department.text(),
            "note": self.note.text(),
            "photos": self.picker.photos(),
        }


class ReinspectionDialog(QDialog):
    """复查: passed or not, why, and (when not) a new deadline."""

    def __init__(self, deadline: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("复查结论"))
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        self.passed = QRadioButton(self.tr("复查通过"))
        self.failed = QRadioButton(self.tr("复查未通过"))
        self.passed.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.passed)
        group.addButton(self.failed)
        row = QHBoxLayout()
        row.addWidget(self.passed)
        row.addWidget(self.failed)
        row.addStretch(1)
        layout.addLayout(row)
        form = QFormLayout()
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("未通过时必填：仍存在的问题"))
        start = max(deadline, dt.date.today()) + dt.timedelta(days=7)
        self.deadline = QDateEdit(QDate(start.year, start.month, start.day))
        self.deadline.setCalendarPopup(True)
        self.deadline.setDisplayFormat("yyyy-MM-dd")
        self.picker = _PhotoPicker()
        form.addRow(self.tr("说明"), self.note)
        form.addRow(self.tr("新的整改期限"), self.deadline)
        form.addRow(self.tr("复查照片"), self.picker)
        layout.addLayout(form)
        self.failed.toggled.connect(self.deadline.setEnabled)
        self.deadline.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def values(self) -> dict[str, object]:
        passed = self.passed.isChecked()
        day = self.deadline.date()
        return {
            "passed": passed,
            "note": self.note.text(),
            "new_deadline": None if passed else dt.date(day.year(), day.month(), day.day()),
            "photos": self.picker.photos(),
        }
