"""新建检查: institution, kind, date and team, and the checklists — a preset (发热门诊专项, 常规督导…) or chosen one by
one among the versions in force on the inspection's date — and, for a team (督导组), who takes which part (分工)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence

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
    QListWidget,
    QListWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspections.labels import INSPECTION_KINDS
from inspections.presets import ChecklistOffer
from ui.dialogs.team_parts import Candidate, ChecklistOutline, MemberChoice, PartPicker

CUSTOM = ""  # the preset combo's entry for a choice made by hand
OfferFn = Callable[[uuid.UUID | None, dt.date], ChecklistOffer]
OutlineFn = Callable[[list[uuid.UUID]], list[ChecklistOutline]]


def combo_index_of(combo: QComboBox, value: object) -> int:
    """The row whose data equals ``value`` (QComboBox.findData compares Python objects by identity, so an equal
    uuid from another query is not found)."""
    return next((n for n in range(combo.count()) if combo.itemData(n) == value), -1)


class NewInspectionDialog(QDialog):
    """Asks what a new inspection needs; the caller starts it.

    ``offer`` gives the checklists in force for an institution on a day and what each preset means there; without
    it the dialog offers no choice and the checklists default to all that apply. ``preset`` preselects a preset
    by name (the one remembered for this month's round). With ``candidates`` and ``outlines`` (the sections of the
    chosen checklists) the 分工 tab lets the lead give members their parts; the caller assigns them (``parts()``).
    """

    def __init__(
        self,
        institutions: dict[uuid.UUID, str],
        inspectors: str,
        parent: QWidget | None = None,
        *,
        institution_id: uuid.UUID | None = None,
        offer: OfferFn | None = None,
        preset: str | None = None,
        candidates: Sequence[Candidate] = (),
        outlines: OutlineFn | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("新建检查"))
        self.setMinimumWidth(520)
        self._offer_fn = offer
        self._offer: ChecklistOffer | None = None
        self._updating = False
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
            self.institution.setCurrentIndex(max(0, combo_index_of(self.institution, institution_id)))
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
        self.preset = QComboBox()
        self.preset.setObjectName("presetCombo")
        form.addRow(self.tr("检查表组合"), self.preset)
        layout.addLayout(form)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("newInspectionTabs")
        checklist_page = QWidget()
        checklist_layout = QVBoxLayout(checklist_page)
        checklist_layout.setContentsMargins(4, 4, 4, 4)
        self.checklists = QListWidget()
        self.checklists.setObjectName("checklistChoice")
        self.checklists.setMinimumHeight(120)
        checklist_layout.addWidget(self.checklists, 1)
        hint = QLabel(self.tr("只列出检查日期当天有效的版本；空格键勾选或取消。"))
        hint.setStyleSheet("color: #666;")
        hint.setWordWrap(True)
        checklist_layout.addWidget(hint)
        self.tabs.addTab(checklist_page, self.tr("检查表"))
        self._outlines_fn = outlines
        self._candidates = list(candidates)
        self.part_picker = PartPicker()
        self.part_picker.setObjectName("newInspectionParts")
        self.tabs.addTab(self.part_picker, self.tr("分工（督导组）"))
        self._team_possible = offer is not None and outlines is not None and bool(self._candidates)
        self.tabs.setTabVisible(1, self._team_possible)
        self.tabs.currentChanged.connect(self._on_tab)
        self.part_picker.tree.itemChanged.connect(lambda *_a: self._show_part_count())
        layout.addWidget(self.tabs, 1)
        if offer is None:
            self.preset.setVisible(False)
            self.checklists.setVisible(False)
            hint.setText(self.tr("检查表按机构情况和检查日期自动选择当时有效的版本。"))
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("开始检查"))
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if offer is not None:
            self._refresh_offer(preset)
            self.institution.currentIndexChanged.connect(lambda _i: self._refresh_offer(self.preset_name()))
            # A name typed or completed in full selects that row (and so refreshes what applies to it).
            self.institution.currentTextChanged.connect(self._on_institution_typed)
            self.date.dateChanged.connect(lambda _d: self._refresh_offer(self.preset_name()))
            self.preset.currentIndexChanged.connect(self._apply_preset)
            self.checklists.itemChanged.connect(self._on_checked_by_hand)

    # -- the checklists ---------------------------------------------------------------------------------------

    def _day(self) -> dt.date:
        day = self.date.date()
        return dt.date(day.year(), day.month(), day.day())

    def _refresh_offer(self, preset: str | None) -> None:
        assert self._offer_fn is not None
        chosen = set(self.chosen_template_ids())
        self._offer = self._offer_fn(self.institution_id(), self._day())
        self._updating = True
        self.preset.clear()
        for name, _ids in self._offer.presets:
            self.preset.addItem(name, name)
        self.preset.addItem(self.tr("自定义"), CUSTOM)
        self.checklists.clear()
        for offered in self._offer.checklists:
            text = self.tr("{0}（第 {1} 版）").format(offered.title, offered.version)
            if not offered.applies:
                text += self.tr(" · 不在该机构常规范围")
            entry = QListWidgetItem(text)
            entry.setData(Qt.ItemDataRole.UserRole, offered.id)
            entry.setToolTip(offered.code)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Checked if offered.id in chosen else Qt.CheckState.Unchecked)
            self.checklists.addItem(entry)
        self._updating = False
        if preset == CUSTOM and chosen:
            self.preset.setCurrentIndex(self.preset.count() - 1)  # a choice by hand stays as it was
            return
        index = self.preset.findData(preset) if preset else -1
        if index < 0:  # nothing remembered: the preset meaning every applicable checklist, as before presets
            every = {t.id for t in self._offer.checklists if t.applies}
            index = next((n for n, (_name, ids) in enumerate(self._offer.presets) if set(ids) == every), 0)
        self.preset.setCurrentIndex(index)
        self._apply_preset()

    def _on_institution_typed(self, text: str) -> None:
        index = self.institution.findText(text)
        if index >= 0 and index != self.institution.currentIndex():
            self.institution.setCurrentIndex(index)

    def _apply_preset(self) -> None:
        if self._updating or self._offer is None:
            return
        name = self.preset.currentData()
        ids = dict(self._offer.presets).get(name)
        if ids is None:
            return  # 自定义: keep what is checked
        self._updating = True
        for n in range(self.checklists.count()):
            entry = self.checklists.item(n)
            wanted = entry.data(Qt.ItemDataRole.UserRole) in ids
            entry.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)
        self._updating = False

    def _on_checked_by_hand(self, _entry: QListWidgetItem) -> None:
        if self._updating:
            return
        self._updating = True
        self.preset.setCurrentIndex(self.preset.count() - 1)  # 自定义
        self._updating = False

    def preset_name(self) -> str | None:
        """The preset chosen, or CUSTOM ("") for a choice by hand; None when no choice is offered."""
        if self._offer_fn is None:
            return None
        value = self.preset.currentData()
        return value if isinstance(value, str) else CUSTOM

    def chosen_template_ids(self) -> list[uuid.UUID]:
        result = []
        for n in range(self.checklists.count()):
            entry = self.checklists.item(n)
            if entry.checkState() == Qt.CheckState.Checked:
                result.append(entry.data(Qt.ItemDataRole.UserRole))
        return result

    # -- the team's parts -------------------------------------------------------------------------------------

    def _on_tab(self, index: int) -> None:
        if index == 1:
            self.refresh_parts()

    def refresh_parts(self) -> None:
        """The picker follows the checklists chosen (what was checked for the checklists still chosen stays)."""
        if not self._team_possible or self._outlines_fn is None:
            return
        self.part_picker.fill(self._candidates, self._outlines_fn(self.chosen_template_ids()))
        self._show_part_count()

    def _show_part_count(self) -> None:
        members = len(self.part_picker.choices())
        label = self.tr("分工（{0} 人）").format(members) if members else self.tr("分工（督导组）")
        self.tabs.setTabText(1, label)

    def parts(self) -> dict[str, MemberChoice]:
        """Member (username) → the checklists and sections they take; empty when no parts are given."""
        if not self._team_possible or not self.part_picker.members():
            return {}
        self.refresh_parts()
        return self.part_picker.choices()

    # -- accepting --------------------------------------------------------------------------------------------

    def _on_accept(self) -> None:
        if self.institution_id() is None:
            self.error.setText(self.tr("请从列表中选择医疗机构"))
            return
        if self._offer_fn is not None and not self.chosen_template_ids():
            self.error.setText(self.tr("请至少选择一张检查表"))
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
        values: dict[str, object] = {
            "institution_id": self.institution_id(),
            "kind": self.kind.currentData(),
            "on": self._day(),
            "inspectors": names,
        }
        if self._offer_fn is not None:
            values["template_ids"] = self.chosen_template_ids()
        return values
