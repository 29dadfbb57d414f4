"""The editor for a team inspection (督导组): who does what and how far each has come, the items outside the user's
own part read-only, 分工…, and the packages a lead sends to a member (分工包) and a member sends back (我的分工).

Every action is one call into ``inspections.teams`` or ``inspections.packages``.
"""

from __future__ import annotations

import datetime as dt
import html
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QMenu, QMessageBox, QPushButton, QWidget
from sqlalchemy.orm import Session

from inspections import teams
from inspections.packages.format import SUFFIX as PACKAGE_SUFFIX
from inspections.teams import MemberProgress
from ui.context import AppContext
from ui.dialogs.team_parts import PartsDialog, TeamSetup, save_parts, team_setup
from ui.tasks import Progress

if TYPE_CHECKING:
    from inspections.packages import ExportSummary


@dataclass(frozen=True)
class TeamState:
    """The team of one inspection as the editor shows it, for the user ``actor``."""

    lead: str = ""
    progress: tuple[MemberProgress, ...] = ()
    locked: dict[uuid.UUID, str] = field(default_factory=dict)  # item → who holds it (names), for the tooltip
    holds_parts: bool = False  # the actor is a member with parts (and not the lead)

    @property
    def is_team(self) -> bool:
        return bool(self.progress)


def load_team(session: Session, inspection_id: uuid.UUID, actor: str) -> TeamState:
    """The parts, each member's progress and, for a member, the items outside their parts (read-only to them)."""
    from sqlalchemy import select

    from models.checklist import ChecklistItem
    from models.inspection import Inspection

    inspection = session.get(Inspection, inspection_id)
    if inspection is None or not teams.is_team_inspection(session, inspection_id):
        return TeamState(lead=inspection.created_by if inspection is not None else "")
    progress = tuple(teams.team_progress(session, inspection_id))
    mine = teams.part_item_ids(session, inspection_id, actor) if actor != inspection.created_by else set()
    locked: dict[uuid.UUID, str] = {}
    if mine:
        names = dict(teams.members_of(session, inspection_id))
        owners = teams.item_owners(session, inspection_id)
        lead = QCoreApplication.translate("EditorTeam", "组长 {0}").format(inspection.created_by)
        template_ids = [c.template_id for c in inspection.checklists]
        for item_id in session.scalars(select(ChecklistItem.id).where(ChecklistItem.template_id.in_(template_ids))):
            if item_id not in mine:
                locked[item_id] = "、".join(names.get(m) or m for m in owners.get(item_id, [])) or lead
    return TeamState(inspection.created_by, progress, locked, bool(mine))


class TeamEditor(Protocol):
    """What the team flow reads and drives: the editor page (``page.InspectionEditor``)."""

    last_dialog: QWidget | None

    @property
    def context(self) -> AppContext: ...
    @property
    def inspection_id(self) -> uuid.UUID: ...

    def save(self, fn: Callable[[Session], object], changed: tuple[str, ...] = ...) -> object | None: ...
    def reload(self) -> None: ...


class TeamBar(QWidget):
    """One line under the title: each member, their parts and answered/total; and the 督导组 menu."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("teamProgress")
        self.progress_label.setWordWrap(True)
        self.progress_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.progress_label, 1)
        self.menu_button = QPushButton(self.tr("督导组"))
        self.menu_button.setObjectName("teamMenuButton")
        self.menu_button.setToolTip(self.tr("分工，导出分工包，导出我的分工"))
        self.menu = QMenu(self.menu_button)
        self.menu_button.setMenu(self.menu)
        layout.addWidget(self.menu_button, 0, Qt.AlignmentFlag.AlignTop)

    def show_progress(self, state: TeamState, actor: str) -> None:
        if not state.is_team:
            self.progress_label.setText(self.tr("<span style='color:#777'>未分工：一人完成全部检查。</span>"))
            return
        chunks = []
        for member in state.progress:
            parts = "、".join(p.label for p in member.parts)
            done = member.total > 0 and member.answered >= member.total
            mark = "✔ " if done else ""
            name = html.escape(member.name) + (self.tr("（我）") if member.member == actor else "")
            colour = "#2e7d32" if done else "#1a3e72"
            chunks.append(
                f"<b>{name}</b> {html.escape(parts)} "
                f"<span style='color:{colour}'>{mark}{member.answered}/{member.total}</span>"
            )
        self.progress_label.setText(self.tr("分工：") + "　·　".join(chunks))
        self.progress_label.setToolTip(
            "\n".join(
                self.tr("{0}：{1}，已答 {2}/{3}").format(
                    m.name, "、".join(p.label for p in m.parts), m.answered, m.total
                )
                for m in state.progress
            )
        )

    def progress_text(self) -> str:
        """The line as plain text (what a user reads)."""
        doc = QTextDocument()
        doc.setHtml(self.progress_label.text())
        return doc.toPlainText()


class TeamFlow(QObject):
    """分工…, 导出分工包 (lead → member), 导出我的分工 (member → lead); dialogs kept in ``editor.last_dialog``."""

    def __init__(self, editor: TeamEditor, owner: QWidget, bar: TeamBar) -> None:
        super().__init__(owner)
        self.editor = editor
        self.owner = owner
        self.bar = bar
        self.state = TeamState()
        bar.menu.aboutToShow.connect(self._fill_menu)

    def _fill_menu(self) -> None:
        menu = self.bar.menu
        menu.clear()
        assign = menu.addAction(self.tr("分工…"))
        assign.triggered.connect(lambda: self.request_parts())
        export = menu.addMenu(self.tr("导出分工包"))
        export.setEnabled(self.state.is_team)
        for member in self.state.progress:
            action = export.addAction(self.tr("给 {0}…").format(member.name))
            action.triggered.connect(lambda _c=False, m=member: self.request_assignment(m.member, m.name))
        mine = menu.addAction(self.tr("导出我的分工…"))
        mine.setEnabled(self.state.holds_parts)
        mine.triggered.connect(lambda: self.request_my_part())

    # -- 分工… ------------------------------------------------------------------------------------------------

    def request_parts(self) -> None:
        inspection_id = self.editor.inspection_id
        self.editor.context.read(lambda s: team_setup(s, inspection_id), self._ask_parts, parent=self.owner)

    def _ask_parts(self, setup: TeamSetup) -> None:
        dialog = PartsDialog(setup, self.owner)
        self.editor.last_dialog = dialog
        dialog.accepted.connect(lambda: self.save_parts(dialog))
        dialog.open()

    def save_parts(self, dialog: PartsDialog) -> None:
        changes = dialog.changes()
        if not changes:
            return
        context, inspection_id = self.editor.context, self.editor.inspection_id
        actor, user = context.actor, context.user
        before = [m for m, choice in changes.items() if not choice]
        chosen = {m: c for m, c in changes.items() if c}

        def save(s: Session) -> bool:
            save_parts(s, actor, inspection_id, chosen, before=before, user=user)
            return True

        if self.editor.save(save) is not None:
            self.editor.reload()

    # -- packages ----------------------------------------------------------------------------------------------

    def _ask_path(self, title: str, name: str) -> Path | None:
        settings = self.editor.context.settings
        start = str(Path(str(settings.value("packages/last_dir", "") or Path.home())) / name)
        chosen, _ = QFileDialog.getSaveFileName(self.owner, title, start, self.tr("数据包 (*.ygpkg)"))
        if not chosen:
            return None
        path = Path(chosen)
        if path.suffix.lower() not in (PACKAGE_SUFFIX, ".zip"):
            path = path.with_name(path.name + PACKAGE_SUFFIX)
        settings.setValue("packages/last_dir", str(path.parent))
        return path

    def request_assignment(self, member: str, name: str, path: Path | None = None) -> None:
        """The lead's 分工包 for ``member``: the inspection with the parts, for the member's laptop."""
        if path is None:
            path = self._ask_path(
                self.tr("导出分工包"), self.tr("分工包_{0}_{1:%Y%m%d}{2}").format(name, dt.date.today(), PACKAGE_SUFFIX)
            )
            if path is None:
                return
        from inspections.packages import export_assignment

        context, inspection_id, user = self.editor.context, self.editor.inspection_id, self.editor.context.user
        db = context._require_db()

        def work(progress: Progress) -> ExportSummary:
            with db.session() as s:
                return export_assignment(s, path, inspection_id, member, user=user, progress=progress.update)

        context.tasks.run_in_background(work, self._exported, parent=self.owner, progress=self.tr("正在导出分工包…"))

    def request_my_part(self, path: Path | None = None) -> None:
        """A member's 我的分工: their answered items, signed with their key, for the lead to merge."""
        context = self.editor.context
        if path is None:
            path = self._ask_path(
                self.tr("导出我的分工"),
                self.tr("分工结果_{0}_{1:%Y%m%d}{2}").format(context.actor, dt.date.today(), PACKAGE_SUFFIX),
            )
            if path is None:
                return
        from inspections.packages import export_part

        inspection_id, user, actor = self.editor.inspection_id, context.user, context.actor
        member = None if user is not None else actor
        db = context._require_db()

        def work(progress: Progress) -> ExportSummary:
            with db.session() as s:
                return export_part(s, path, inspection_id, user=user, member=member, progress=progress.update)

        context.tasks.run_in_background(work, self._exported, parent=self.owner, progress=self.tr("正在导出我的分工…"))

    def _exported(self, summary: ExportSummary) -> None:
        self.editor.context.message.emit(self.tr("已导出到 {0}").format(str(summary.path)))
        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("导出完成"),
            f"{summary.message}\n\n{summary.path}",
            QMessageBox.StandardButton.Ok,
            self.owner,
        )
        box.setObjectName("teamExportDone")
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.editor.last_dialog = box
        box.open()
