"""督导批次: a month's planned institutions, coverage, start an inspection from a row, mark a row not done."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from inspections import institutions, rounds, templates
from inspections.labels import LEVELS, ROUND_ENTRY_STATUS
from inspections.rounds import EntryRow, RoundDetail, RoundRow, month_label
from ui import documents as saving
from ui import settings as keys
from ui import style
from ui.context import AppContext
from ui.dialogs.choose_checklists import ChecklistChoiceDialog
from ui.dialogs.new_round import NewRoundDialog, month_choices
from ui.pages.base import Page, heading
from ui.widgets.table import Column, RowsModel, RowsView


@dataclass(frozen=True)
class _Choices:
    categories: list[str]
    districts: list[str]


def entry_status(row: EntryRow) -> str:
    label = ROUND_ENTRY_STATUS.get(row.status, row.status)
    if row.status == "not_done" and row.reason:
        return f"{label}（{row.reason}）"
    if row.status == "planned" and row.inspection_status == "draft":
        return QCoreApplication.translate("rounds", "检查中")
    return label


class RoundsPage(Page):
    """Rounds on the left, the selected round's entries on the right.

    Signals:
        open_requested(object): open this inspection (uuid) in the editor.
    """

    areas = ("rounds", "inspections", "institutions", "all")
    open_requested = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.detail: RoundDetail | None = None
        self.last_dialog: QWidget | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading(self.tr("督导批次")))
        top.addStretch(1)
        self.bulletin_button = QPushButton(self.tr("生成月度通报…"))
        self.bulletin_button.setObjectName("bulletinButton")
        self.bulletin_button.setToolTip(self.tr("生成所选批次月份的月度督导通报（PDF）"))
        top.addWidget(self.bulletin_button)
        self.new_button = QPushButton(self.tr("新建批次…"))
        top.addWidget(self.new_button)
        layout.addLayout(top)

        round_columns: list[Column[RoundRow]] = [
            Column(self.tr("月份"), lambda r: r.month, width=70),
            Column(self.tr("批次"), lambda r: r.title, width=170),
            Column(self.tr("覆盖"), lambda r: r.coverage_text, sort=lambda r: r.coverage or 0.0),
        ]
        self.rounds_model = RowsModel(round_columns, self)
        self.rounds_table = RowsView(self.rounds_model)
        self.rounds_table.setObjectName("roundsTable")
        # 覆盖 shows “45/45 (100%)” whole: its width follows the font, and the table keeps room for all three.
        cover = self.rounds_table.fontMetrics().horizontalAdvance("100/100 (100%)") + 24
        self.rounds_table.setColumnWidth(2, cover)
        frame = 2 * self.rounds_table.frameWidth() + self.rounds_table.verticalScrollBar().sizeHint().width()
        self.rounds_table.setMinimumWidth(sum(self.rounds_table.columnWidth(i) for i in range(3)) + frame)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        self.coverage_label = QLabel()
        self.coverage_label.setObjectName("coverageLabel")
        font = self.coverage_label.font()
        font.setBold(True)
        self.coverage_label.setFont(font)
        right_layout.addWidget(self.coverage_label)
        entry_columns: list[Column[EntryRow]] = [
            Column(self.tr("医疗机构"), lambda r: r.institution_name, width=200),
            Column(self.tr("级别"), lambda r: LEVELS.get(r.level, ""), sort=lambda r: -r.level, width=50),
            Column(self.tr("辖区"), lambda r: r.district, width=80),
            Column(self.tr("检查表"), lambda r: str(len(r.checklist_titles)), width=50),
            Column(self.tr("检查人员"), lambda r: "、".join(r.inspectors), width=110),
            Column(
                self.tr("状态"),
                entry_status,
                foreground=lambda r: (
                    style.PASS if r.status == "done" else style.FAIL if r.status == "not_done" else None
                ),
                width=130,
            ),
            Column(
                self.tr("得分"),
                lambda r: "" if r.score is None else f"{r.score:.1f} {r.grade or ''}",
                sort=lambda r: r.score if r.score is not None else -1.0,
            ),
        ]
        self.entries_model = RowsModel(entry_columns, self)
        self.entries_table = RowsView(self.entries_model)
        self.entries_table.setObjectName("entriesTable")
        right_layout.addWidget(self.entries_table, 1)
        actions = QHBoxLayout()
        self.start_button = QPushButton(self.tr("开始检查"))
        self.start_button.setObjectName("startEntryButton")
        self.not_done_button = QPushButton(self.tr("标记未完成…"))
        self.reopen_button = QPushButton(self.tr("恢复为计划中"))
        actions.addWidget(self.start_button)
        actions.addWidget(self.not_done_button)
        actions.addWidget(self.reopen_button)
        self.checklists_button = QPushButton(self.tr("检查表…"))
        self.inspectors_button = QPushButton(self.tr("检查人员…"))
        actions.addWidget(self.checklists_button)
        actions.addWidget(self.inspectors_button)
        actions.addStretch(1)
        right_layout.addLayout(actions)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.rounds_table)
        split.addWidget(right)
        split.setChildrenCollapsible(False)
        split.setSizes([self.rounds_table.minimumWidth(), 870])
        layout.addWidget(split, 1)

        self.new_button.clicked.connect(self.request_new)
        self.bulletin_button.clicked.connect(lambda: self.request_bulletin())
        self.rounds_table.selectionModel().currentRowChanged.connect(self._load_detail)
        self.entries_table.selectionModel().currentRowChanged.connect(self._update_actions)
        self.entries_table.activated.connect(lambda _i: self.start_current())
        self.start_button.clicked.connect(self.start_current)
        self.not_done_button.clicked.connect(lambda: self.mark_not_done())
        self.reopen_button.clicked.connect(self.reopen_current)
        self.checklists_button.clicked.connect(self.request_checklists)
        self.inspectors_button.clicked.connect(lambda: self.set_inspectors())
        self._update_actions()

    def reload(self) -> None:
        self.context.read(rounds.list_rounds, self._show_rounds, parent=self)

    def _show_rounds(self, rows: list[RoundRow]) -> None:
        selected = self.detail.id if self.detail else None
        self.rounds_model.set_rows(sorted(rows, key=lambda r: r.month, reverse=True))
        visible = self.rounds_table.visible_rows()
        index = next((n for n, r in enumerate(visible) if r.id == selected), 0 if visible else None)
        if index is not None:
            self.rounds_table.selectRow(index)
            self._load_detail()
        else:
            self.coverage_label.setText(self.tr("还没有督导批次。点“新建批次…”安排本月的督导。"))

    def _load_detail(self) -> None:
        row = self.rounds_table.current_row()
        if row is None:
            return
        round_id = row.id
        self.context.read(lambda s: rounds.round_detail(s, round_id), self._show_detail, parent=self)

    def _show_detail(self, detail: RoundDetail) -> None:
        current = self.entries_table.current_row()
        self.detail = detail
        self.coverage_label.setText(
            self.tr("{0} · 覆盖 {1} · 未完成 {2} 家 · 督导组：{3}").format(
                detail.title, detail.coverage_text, detail.not_done, "、".join(detail.team) or "—"
            )
        )
        self.entries_model.set_rows(detail.entries)
        if current is not None:
            for n, row in enumerate(self.entries_table.visible_rows()):
                if row.id == current.id:
                    self.entries_table.selectRow(n)
        self._update_actions()

    def _update_actions(self) -> None:
        # The 通报 reports finished inspections; a round without any has nothing to report yet.
        has_results = self.detail is not None and self.detail.done > 0
        self.bulletin_button.setEnabled(self.rounds_table.current_row() is not None and has_results)
        row = self.entries_table.current_row()
        self.start_button.setEnabled(row is not None and row.status != "not_done")
        self.start_button.setText(
            self.tr("打开检查") if row is not None and row.inspection_id is not None else self.tr("开始检查")
        )
        self.not_done_button.setEnabled(row is not None and row.status == "planned")
        self.reopen_button.setEnabled(row is not None and row.status == "not_done")
        editable = row is not None and row.status == "planned" and row.inspection_id is None
        self.checklists_button.setEnabled(editable)
        self.inspectors_button.setEnabled(editable)

    def request_bulletin(self, path: Path | None = None) -> Path | None:
        """The 月度督导通报 of the selected round's month as a PDF (asks where unless ``path`` is given)."""
        if not self.bulletin_button.isEnabled():
            return None
        row = self.rounds_table.current_row()
        if row is None:
            return None
        month = row.month
        return saving.save_document(
            self,
            self.context,
            lambda s, out: saving.reports().bulletin(s, month, out),
            path=path,
            title=self.tr("保存月度督导通报"),
            suggested=self.tr("{0}督导通报.pdf").format(month_label(month)),
            kinds=(saving.PDF,),
            progress=self.tr("正在生成{0}督导通报…").format(month_label(month)),
            done=self.tr("月度督导通报已保存：{0}"),
        )

    def start_current(self) -> None:
        row = self.entries_table.current_row()
        if row is None or row.status == "not_done":
            return
        if row.inspection_id is not None:
            self.open_requested.emit(row.inspection_id)
            return
        actor, entry_id, today = self.context.actor, row.id, dt.date.today()
        self.context.write(
            lambda s: rounds.start_entry_inspection(s, actor, entry_id, on=today),
            self.open_requested.emit,
            changed=("inspections", "rounds"),
            parent=self,
        )

    def mark_not_done(self, reason: str | None = None) -> None:
        row = self.entries_table.current_row()
        if row is None:
            return
        if reason is None:
            text, ok = QInputDialog.getText(
                self, self.tr("标记未完成"), self.tr("“{0}”本月未检查的原因：").format(row.institution_name)
            )
            if not ok:
                return
            reason = text
        actor, entry_id, why = self.context.actor, row.id, reason
        self.context.write(lambda s: rounds.mark_not_done(s, actor, entry_id, why), changed=("rounds",), parent=self)

    def reopen_current(self) -> None:
        row = self.entries_table.current_row()
        if row is None:
            return
        actor, entry_id = self.context.actor, row.id
        self.context.write(lambda s: rounds.reopen_entry(s, actor, entry_id), changed=("rounds",), parent=self)

    def request_checklists(self) -> None:
        row = self.entries_table.current_row()
        if row is None:
            return
        self.context.read(templates.list_templates, lambda rows: self._show_checklists(row, rows), parent=self)

    def _show_checklists(self, row: EntryRow, rows: list[templates.TemplateRow]) -> None:
        if self.detail is not None:  # only versions in force in the round's month (and those already chosen)
            first = dt.date.fromisoformat(f"{self.detail.month}-01")
            rows = [
                r
                for r in rows
                if r.id in row.template_ids
                or (
                    (r.effective_from is None or r.effective_from <= first)
                    and (r.last_day is None or r.last_day >= first)
                )
            ]
        dialog = ChecklistChoiceDialog(rows, row.template_ids, row.institution_name, self)
        dialog.accepted.connect(lambda: self.set_checklists(row, dialog.chosen()))
        self.last_dialog = dialog
        dialog.open()

    def set_checklists(self, row: EntryRow, template_ids: list[uuid.UUID]) -> None:
        actor, entry_id = self.context.actor, row.id
        self.context.write(
            lambda s: rounds.set_entry_checklists(s, actor, entry_id, template_ids), changed=("rounds",), parent=self
        )

    def set_inspectors(self, names: list[str] | None = None) -> None:
        row = self.entries_table.current_row()
        if row is None:
            return
        if names is None:
            text, ok = QInputDialog.getText(
                self,
                self.tr("检查人员"),
                self.tr("检查“{0}”的人员（用顿号分隔）：").format(row.institution_name),
                text="、".join(row.inspectors),
            )
            if not ok:
                return
            names = [n for n in text.replace("，", "、").replace(",", "、").split("、") if n.strip()]
        actor, entry_id, chosen = self.context.actor, row.id, names
        self.context.write(
            lambda s: rounds.set_entry_inspectors(s, actor, entry_id, chosen), changed=("rounds",), parent=self
        )

    def request_new(self) -> None:
        def load(s: Session) -> _Choices:
            return _Choices(institutions.categories(s), institutions.districts(s))

        self.context.read(load, self._show_new_dialog, parent=self)

    def _show_new_dialog(self, choices: _Choices) -> None:
        team = str(self.context.settings.value(keys.INSPECTOR_NAME, "") or "")
        dialog = NewRoundDialog(month_choices(dt.date.today()), choices.categories, choices.districts, team, self)
        dialog.accepted.connect(lambda: self._create(dialog.values()))
        self.last_dialog = dialog
        dialog.open()

    def _create(self, values: dict[str, object]) -> None:
        actor = self.context.actor
        self.context.write(
            lambda s: rounds.create_round(s, actor, **values),  # type: ignore[arg-type]
            self._on_created,
            changed=("rounds",),
            parent=self,
        )

    def _on_created(self, round_id: uuid.UUID) -> None:
        self.detail = None
        self.context.message.emit(self.tr("督导批次已创建"))
