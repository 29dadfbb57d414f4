"""Importing a published sheet (.xlsx / .csv / .docx): what was recognized, for the user to confirm, and a column
mapping step with the first rows of the sheet when its columns could not be told apart.

Thin over inspections.checklists: the page reads the sheet in the background (read_checklist_sheet) and hands the
result, or the ColumnsUnclearError, to this dialog; "按所选列重新识别" asks the page to read again with the mapping.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspections.checklists.layout import (
    ROLE_LABELS,
    ColumnsUnclearError,
    SheetReading,
    column_letter,
    sheet_preview_lines,
)

MAPPED_ROLES = ("section", "text", "method", "criteria", "points", "code", "critical", "remedy")
_AUTO = ""
_NONE = "无"


class SheetImportDialog(QDialog):
    """Preview of a recognized sheet, with an optional column mapping; accepted = import with ``columns()``."""

    def __init__(self, path: Path, reread: Callable[[dict[str, str]], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("导入检查表：{0}").format(path.name))
        self.setMinimumSize(760, 560)
        self._reread = reread
        layout = QVBoxLayout(self)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.rows = QTableWidget(0, 0)
        self.rows.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.rows.setMinimumHeight(150)
        self.rows.setVisible(False)
        layout.addWidget(self.rows, 2)
        form = QFormLayout()
        self.combos: dict[str, QComboBox] = {}
        for role in MAPPED_ROLES:
            combo = QComboBox()
            self.combos[role] = combo
            form.addRow(self.tr("{0}：").format(ROLE_LABELS[role]), combo)
        layout.addLayout(form)
        self.reread_button = QPushButton(self.tr("按所选列重新识别"))
        self.reread_button.clicked.connect(lambda: self._reread(self.columns()))
        layout.addWidget(self.reread_button)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        layout.addWidget(self.preview, 3)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("导入"))
        ok.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def columns(self) -> dict[str, str]:
        """The mapping chosen: role → column letter, or 无; roles left on 自动识别 are not in it."""
        chosen: dict[str, str] = {}
        for role, combo in self.combos.items():
            value = combo.currentData()
            if value:
                chosen[role] = "" if value == _NONE else str(value)
        return chosen

    def _fill_columns(self, headers: Sequence[str], current: dict[str, str]) -> None:
        for role, combo in self.combos.items():
            keep = self.columns().get(role)
            combo.clear()
            combo.addItem(self.tr("（自动识别）"), _AUTO)
            combo.addItem(self.tr("（表格中没有这一列）"), _NONE)
            for index, header in enumerate(headers):
                letter = column_letter(index)
                combo.addItem(self.tr("{0}列 {1}").format(letter, header or self.tr("（无表头）")), letter)
            wanted = keep if keep is not None else current.get(role)
            if wanted:
                found = combo.findData(wanted)
                combo.setCurrentIndex(max(found, 0))

    def _fill_rows(self, rows: Sequence[Sequence[str]]) -> None:
        width = max((len(r) for r in rows), default=0)
        self.rows.setColumnCount(width)
        self.rows.setRowCount(len(rows))
        self.rows.setHorizontalHeaderLabels([column_letter(i) for i in range(width)])
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.rows.setItem(r, c, QTableWidgetItem(text))

    def show_reading(self, reading: SheetReading, first_rows: Sequence[Sequence[str]] = ()) -> None:
        """The sheet was recognized: show what was read; 导入 becomes possible."""
        self.message.setText(self.tr("已识别表格的各列。请核对下面的分组、分值、关键项和计分规则，确认无误后导入。"))
        headers = [c.header for c in sorted(reading.columns, key=lambda c: c.index)]
        self._fill_columns(headers, {c.role: column_letter(c.index) for c in reading.columns if c.role})
        self.rows.setVisible(bool(first_rows))
        if first_rows:
            self._fill_rows(first_rows)
        self.preview.setPlainText("\n".join(sheet_preview_lines(reading)))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)

    def show_unclear(self, error: ColumnsUnclearError) -> None:
        """The columns could not be told apart: show the first rows and let the user say which column is which."""
        self.message.setText(
            self.tr("无法自动识别这个表格的各列：{0}\n请在下面为“检查内容”“分值”等选择对应的列，然后重新识别。").format(
                "；".join(p.message for p in error.problems)
            )
        )
        self.rows.setVisible(True)
        self._fill_rows(error.preview)
        self._fill_columns(error.headers, {})
        self.preview.setPlainText("")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
