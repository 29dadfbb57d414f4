"""检查记录: every inspection, newest first; open one in the editor or start a new one."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from inspections import institutions, presets, workflow
from inspections.errors import UserError
from inspections.labels import INSPECTION_KINDS, INSPECTION_STATUS
from ui import documents as saving
from ui import settings as keys
from ui import style
from ui.context import AppContext
from ui.dialogs.new_inspection import NewInspectionDialog
from ui.dialogs.team_parts import Candidate, MemberChoice, checklist_outlines, save_parts, team_candidates
from ui.pages.base import Page, heading
from ui.tasks import show_user_error
from ui.widgets.table import Column, RowsModel, RowsView


@dataclass(frozen=True)
class _NewInspectionChoices:
    institutions: dict[uuid.UUID, str]
    candidates: list[Candidate]


class InspectionsPage(Page):
    """The list of inspections.

    Signals:
        open_requested(object): open this inspection (uuid) in the editor.
    """

    areas = ("inspections", "all")
    open_requested = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.last_dialog: QWidget | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading(self.tr("检查记录")))
        top.addStretch(1)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("按机构、检查人员筛选"))
        self.filter.setClearButtonEnabled(True)
        self.filter.setFixedWidth(220)
        self.status = QComboBox()
        self.status.addItem(self.tr("全部状态"), None)
        for code, label in INSPECTION_STATUS.items():
            self.status.addItem(label, code)
        self.new_button = QPushButton(self.tr("新建检查…"))
        self.new_button.setObjectName("newInspectionButton")
        self.open_button = QPushButton(self.tr("打开"))
        self.export_button = QPushButton(self.tr("导出检查结果…"))
        self.export_button.setObjectName("exportResultsButton")
        self.export_button.setToolTip(self.tr("把列表中的检查（已完成的；筛选后为筛出的）导出为 Excel"))
        top.addWidget(self.filter)
        top.addWidget(self.status)
        top.addWidget(self.new_button)
        top.addWidget(self.open_button)
        top.addWidget(self.export_button)
        layout.addLayout(top)
        columns: list[Column[workflow.InspectionRow]] = [
            Column(self.tr("日期"), lambda r: r.date.isoformat(), width=96),
            Column(self.tr("医疗机构"), lambda r: r.institution_name, width=260),
            Column(self.tr("类型"), lambda r: INSPECTION_KINDS.get(r.kind, r.kind), width=60),
            Column(self.tr("检查人员"), lambda r: "、".join(r.inspectors), width=150),
            Column(
                self.tr("状态"),
                lambda r: INSPECTION_STATUS.get(r.status, r.status),
                foreground=lambda r: style.PARTIAL if r.status == "draft" else None,
                width=70,
            ),
            Column(
                self.tr("得分"),
                lambda r: f"{r.score:.1f}" if r.score is not None else "",
                sort=lambda r: r.score if r.score is not None else -1.0,
                align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                width=60,
            ),
            Column(
                self.tr("等级"),
                lambda r: r.grade or "",
                foreground=lambda r: style.FAIL if r.vetoed or r.grade == "不合格" else None,
            ),
        ]
        self.model = RowsModel(columns, self)
        self.table = RowsView(self.model)
        self.table.setObjectName("inspectionsTable")
        layout.addWidget(self.table, 1)
        self.filter.textChanged.connect(self.table.proxy.setFilterFixedString)
        self.status.currentIndexChanged.connect(self.reload)
        self.table.activated.connect(lambda _i: self._open_current())
        self.open_button.clicked.connect(self._open_current)
        self.new_button.clicked.connect(lambda: self.request_new())
        self.export_button.clicked.connect(lambda: self.request_results())

    def reload(self) -> None:
        status = self.status.currentData()
        self.context.read(lambda s: workflow.list_inspections(s, status=status), self._show_rows, parent=self)

    def _show_rows(self, rows: list[workflow.InspectionRow]) -> None:
        self.model.set_rows(rows)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)

    def _open_current(self) -> None:
        row = self.table.current_row()
        if row is not None:
            self.open_requested.emit(row.id)

    def request_results(self, path: Path | None = None) -> Path | None:
        """Item results and scores as an Excel workbook: all finalized inspections, or the rows the filters show."""
        status = self.status.currentData()
        filtered = bool(self.filter.text().strip()) or status is not None
        ids = [r.id for r in self.table.visible_rows()] if filtered else None
        if ids is not None and not ids:
            self.last_dialog = show_user_error(self, UserError(self.tr("列表中没有检查，无法导出。")))
            return None
        include_drafts = status == "draft"
        return saving.save_document(
            self,
            self.context,
            lambda s, out: saving.reports().results_xlsx(s, out, inspection_ids=ids, include_drafts=include_drafts),
            path=path,
            title=self.tr("导出检查结果"),
            suggested=self.tr("检查结果-{0}.xlsx").format(dt.date.today().isoformat()),
            kinds=(saving.XLSX,),
            progress=self.tr("正在导出检查结果…"),
            done=self.tr("检查结果已保存：{0}"),
        )

    def request_new(self, institution_id: uuid.UUID | None = None) -> None:
        def load(s: Session) -> _NewInspectionChoices:
            return _NewInspectionChoices(institutions.institution_names(s, active_only=True), team_candidates(s))

        self.context.read(load, lambda c: self._show_new_dialog(c, institution_id), parent=self)

    def _show_new_dialog(self, choices: _NewInspectionChoices, institution_id: uuid.UUID | None) -> None:
        inspectors = str(self.context.settings.value(keys.INSPECTOR_NAME, "") or "")
        month = dt.date.today().strftime("%Y-%m")
        remembered = self.context.settings.value(f"{keys.NEW_INSPECTION_PRESET}/{month}", None)
        context = self.context

        def offer(chosen: uuid.UUID | None, on: dt.date) -> presets.ChecklistOffer:
            return context.read_now(lambda s: presets.checklist_offer(s, chosen, on))

        dialog = NewInspectionDialog(
            choices.institutions,
            inspectors,
            self,
            institution_id=institution_id,
            offer=offer,
            preset=remembered if isinstance(remembered, str) and remembered else None,
            candidates=choices.candidates,
            outlines=lambda ids: context.read_now(lambda s: checklist_outlines(s, ids)),
        )
        dialog.setObjectName("newInspectionDialog")
        dialog.accepted.connect(lambda: self._start(dialog.values(), dialog.preset_name(), dialog.parts()))
        self.new_dialog = dialog
        dialog.open()

    def _start(
        self, values: dict[str, object], preset: str | None = None, parts: dict[str, MemberChoice] | None = None
    ) -> None:
        """Start the inspection and, for a team, give each member their part (one transaction: all or nothing)."""
        on = values.get("on")
        if preset and isinstance(on, dt.date):  # remembered for this month's round
            self.context.settings.setValue(f"{keys.NEW_INSPECTION_PRESET}/{on.strftime('%Y-%m')}", preset)
        actor, user = self.context.actor, self.context.user

        def start(s: Session) -> uuid.UUID:
            inspection_id = workflow.start_inspection(s, actor, **values)  # type: ignore[arg-type]
            if parts:
                save_parts(s, actor, inspection_id, parts, user=user)
            return inspection_id

        self.context.write(
            start,
            self.open_requested.emit,
            changed=("inspections",),
            parent=self,
        )
