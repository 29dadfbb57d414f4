"""新建督导批次: the month, the team, and the scope (levels, categories, districts)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspections.labels import LEVELS
from inspections.rounds import RoundScope


def _checklist(values: list[str]) -> QListWidget:
    widget = QListWidget()
    for value in values:
        entry = QListWidgetItem(value)
        entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        entry.setCheckState(Qt.CheckState.Checked)
        widget.addItem(entry)
    widget.setMaximumHeight(110)
    return widget


def _checked(widget: QListWidget) -> tuple[str, ...] | None:
    """The checked values, or None when all are checked (no condition)."""
    values = [widget.item(i) for i in range(widget.count())]
    chosen = tuple(v.text() for v in values if v.checkState() == Qt.CheckState.Checked)
    return None if len(chosen) == len(values) else chosen


class NewRoundDialog(QDialog):
    """Asks for a round's month, title, team and scope; the caller creates it."""

    def __init__(
        self,
        months: list[tuple[str, str]],
        categories: list[str],
        districts: list[str],
        team: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("新建督导批次"))
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.month = QComboBox()
        for value, label in months:
            self.month.addItem(label, value)
        self.title = QLineEdit()
        self.title.setPlaceholderText(self.tr("留空则为“2026年11月督导检查”"))
        self.team = QLineEdit(team)
        self.team.setPlaceholderText(self.tr("督导专家，用顿号分隔"))
        levels = QHBoxLayout()
        self.levels: dict[int, QCheckBox] = {}
        for number in (1, 2, 3, 0):
            box = QCheckBox(LEVELS[number])
            box.setChecked(number > 0)
            self.levels[number] = box
            levels.addWidget(box)
        levels.addStretch(1)
        self.categories = _checklist(categories)
        self.districts = _checklist(districts)
        form.addRow(self.tr("月份"), self.month)
        form.addRow(self.tr("标题"), self.title)
        form.addRow(self.tr("督导组"), self.team)
        form.addRow(self.tr("机构级别"), levels)
        form.addRow(self.tr("机构类别"), self.categories)
        form.addRow(self.tr("辖区"), self.districts)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("创建批次"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def values(self) -> dict[str, object]:
        names = [n.strip() for n in self.team.text().replace("，", "、").replace(",", "、").split("、") if n.strip()]
        levels = tuple(n for n, box in self.levels.items() if box.isChecked())
        return {
            "month": str(self.month.currentData()),
            "title": self.title.text().strip() or None,
            "team": names,
            "scope": RoundScope(
                levels=levels, categories=_checked(self.categories), districts=_checked(self.districts)
            ),
        }


def month_choices(today: dt.date, back: int = 2, ahead: int = 3) -> list[tuple[str, str]]:
    """Months around today, this month first: ("2026-11", "2026年11月")."""
    result = []
    for offset in [0, *range(1, ahead + 1), *range(-1, -back - 1, -1)]:
        index = today.year * 12 + today.month - 1 + offset
        year, month = divmod(index, 12)
        result.append((f"{year:04d}-{month + 1:02d}", f"{year}年{month + 1}月"))
    return result
