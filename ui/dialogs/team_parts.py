"""分工: who of the team (督导组) takes which checklists or sections of an inspection.

``PartPicker`` is one tree: each candidate member, under them the inspection's checklists, under each checklist
its sections; checking a checklist gives the member the whole of it, checking some sections gives them those. It is
used in 新建检查 and in the editor's 分工… dialog; saving is a thin call into ``inspections.teams``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections import teams
from inspections.errors import UserError
from inspections.permissions import CurrentUser
from models.checklist import ChecklistSection, ChecklistTemplate
from models.inspection import Inspection, Round
from models.keys import SigningKey
from models.reference import User

ROLE = Qt.ItemDataRole.UserRole


def _children(node: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    return [child for n in range(node.childCount()) if (child := node.child(n)) is not None]


@dataclass(frozen=True)
class Candidate:
    """Someone who can be given a part: a user here or the holder of an enrolled key (``username`` empty: a name of
    the round's team this database does not know, shown but not selectable)."""

    username: str
    name: str
    note: str = ""

    @property
    def label(self) -> str:
        shown = self.name if self.name == self.username or not self.username else f"{self.name}（{self.username}）"
        return f"{shown}　{self.note}" if self.note else shown


@dataclass(frozen=True)
class ChecklistOutline:
    """A checklist version of the inspection with its sections (code, title)."""

    template_id: uuid.UUID
    code: str
    title: str
    sections: tuple[tuple[str, str], ...] = ()


@dataclass
class MemberChoice:
    """What a member takes: whole checklists (codes) and sections ("CHECKLIST/SECTION")."""

    checklists: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.checklists or self.sections)


# -- what the pickers are filled with (reads only) -------------------------------------------------------------


def checklist_outlines(session: Session, template_ids: Sequence[uuid.UUID]) -> list[ChecklistOutline]:
    """The checklists (in the given order) with their sections in order."""
    query = select(ChecklistTemplate).where(ChecklistTemplate.id.in_(template_ids))
    templates = {t.id: t for t in session.scalars(query)}
    sections: dict[uuid.UUID, list[tuple[str, str]]] = {}
    rows = session.execute(
        select(ChecklistSection.template_id, ChecklistSection.code, ChecklistSection.title)
        .where(ChecklistSection.template_id.in_(template_ids))
        .order_by(ChecklistSection.template_id, ChecklistSection.position)
    )
    for template_id, code, title in rows:
        sections.setdefault(template_id, []).append((code, title))
    return [
        ChecklistOutline(tid, templates[tid].code, templates[tid].title, tuple(sections.get(tid, [])))
        for tid in dict.fromkeys(template_ids)
        if tid in templates
    ]


def team_candidates(session: Session, *, round_id: uuid.UUID | None = None) -> list[Candidate]:
    """Who may be given a part. With a round: its team (names mapped to the users here, by display name or
    username); without: the active inspectors of this database. Then the holders of enrolled signing keys."""
    users = list(session.scalars(select(User).where(User.active.is_(True)).order_by(User.username)))
    keys = list(session.scalars(select(SigningKey).where(SigningKey.status == "active").order_by(SigningKey.username)))
    known: dict[str, Candidate] = {}
    for key in keys:
        if key.role != "hospital":
            known.setdefault(key.username, Candidate(key.username, key.display_name or key.username))
    for user in users:
        if user.role != "hospital":
            known[user.username] = Candidate(user.username, user.display_name or user.username)
    by_name = {c.name: c for c in known.values()} | known
    team: list[str] = []
    if round_id is not None:
        round_ = session.get(Round, round_id)
        team = list(round_.team) if round_ is not None else []
    result: list[Candidate] = []
    if team:
        for name in team:
            candidate = by_name.get(name.strip())
            result.append(candidate if candidate is not None else Candidate("", name.strip(), "不是本机用户"))
        return result
    inspectors = {u.username for u in users if u.role == "inspector"}
    result = [c for c in known.values() if c.username in inspectors]
    result += [c for c in known.values() if c.username not in inspectors]
    return result


@dataclass(frozen=True)
class TeamSetup:
    """What the editor's 分工… dialog shows: the candidates, the checklists and the parts as assigned now."""

    candidates: list[Candidate]
    outlines: list[ChecklistOutline]
    current: dict[str, MemberChoice]


def team_setup(session: Session, inspection_id: uuid.UUID) -> TeamSetup:
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise UserError("找不到这次检查")
    outlines = checklist_outlines(session, [c.template_id for c in inspection.checklists])
    current: dict[str, MemberChoice] = {}
    candidates = team_candidates(session, round_id=inspection.round_id)
    listed = {c.username for c in candidates}
    for part in teams.parts_of(session, inspection_id):
        choice = current.setdefault(part.member, MemberChoice())
        if part.section_code:
            choice.sections.append(f"{part.template_code}/{part.section_code}")
        else:
            choice.checklists.append(part.template_code)
        if part.member not in listed:  # holds a part, whoever they are
            candidates.append(Candidate(part.member, part.member_name or part.member))
            listed.add(part.member)
    return TeamSetup(candidates, outlines, current)


def save_parts(
    session: Session,
    actor: str,
    inspection_id: uuid.UUID,
    chosen: Mapping[str, MemberChoice],
    *,
    before: Iterable[str] = (),
    user: CurrentUser | None = None,
) -> None:
    """Take every part from the members (of ``before``) no longer chosen, and give each chosen member theirs."""
    for member in before:
        if not chosen.get(member):
            teams.unassign_member(session, actor, inspection_id, member, user=user)
    for member, choice in chosen.items():
        if choice:
            teams.assign_part(
                session, actor, inspection_id, member, checklists=choice.checklists, sections=choice.sections, user=user
            )


# -- the picker ------------------------------------------------------------------------------------------------


class PartPicker(QWidget):
    """Members, and under each the checklists and sections they take (space toggles; arrows move)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tree = QTreeWidget()
        self.tree.setObjectName("partTree")
        self.tree.setHeaderLabels([self.tr("成员 / 检查表 / 部分"), self.tr("分工")])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(False)
        layout.addWidget(self.tree, 1)
        self.hint = QLabel(
            self.tr("勾选成员负责的整张检查表或其中的部分；未勾选的成员不参与分工。组长可检查全部内容。")
        )
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #666;")
        layout.addWidget(self.hint)
        self._members: dict[str, QTreeWidgetItem] = {}
        self._outlines: list[ChecklistOutline] = []
        self._candidates: list[Candidate] = []
        self.tree.itemChanged.connect(self._on_changed)

    def fill(
        self,
        candidates: Sequence[Candidate],
        outlines: Sequence[ChecklistOutline],
        chosen: Mapping[str, MemberChoice] | None = None,
    ) -> None:
        """Show ``candidates`` with ``outlines``; ``chosen`` (default: what is checked now) is checked again."""
        if chosen is None:
            chosen = self.choices()
        self._candidates = list(candidates)
        self._outlines = list(outlines)
        self.tree.blockSignals(True)
        self.tree.clear()
        self._members = {}
        for candidate in self._candidates:
            top = QTreeWidgetItem([candidate.label, ""])
            top.setData(0, ROLE, candidate.username)
            if not candidate.username:
                top.setFlags(Qt.ItemFlag.NoItemFlags)
                top.setToolTip(0, self.tr("“{0}”不是本机用户，也没有登记签名密钥，不能分配").format(candidate.name))
                self.tree.addTopLevelItem(top)
                continue
            top.setFlags(top.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsAutoTristate)
            choice = chosen.get(candidate.username, MemberChoice())
            for outline in self._outlines:
                node = QTreeWidgetItem(top, [f"{outline.title}", ""])
                node.setData(0, ROLE, outline.code)
                node.setToolTip(0, outline.code)
                node.setFlags(node.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsAutoTristate)
                whole = outline.code in choice.checklists
                for code, title in outline.sections:
                    leaf = QTreeWidgetItem(node, [f"{code} {title}", ""])
                    leaf.setData(0, ROLE, f"{outline.code}/{code}")
                    leaf.setFlags(leaf.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    on = whole or f"{outline.code}/{code}" in choice.sections or code in choice.sections
                    leaf.setCheckState(0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
                if not outline.sections:
                    node.setCheckState(0, Qt.CheckState.Checked if whole else Qt.CheckState.Unchecked)
            self.tree.addTopLevelItem(top)
            self._members[candidate.username] = top
            if not top.childCount():
                top.setCheckState(0, Qt.CheckState.Unchecked)
            top.setExpanded(bool(choice))
            for node in _children(top):
                node.setExpanded(node.checkState(0) == Qt.CheckState.PartiallyChecked)
        self.tree.blockSignals(False)
        self._refresh_summaries()

    def _on_changed(self, _item: QTreeWidgetItem, _column: int) -> None:
        self._refresh_summaries()

    def _refresh_summaries(self) -> None:
        self.tree.blockSignals(True)
        for top in self._members.values():
            choice = self._choice_of(top)
            parts = len(choice.checklists) + len(choice.sections)
            top.setText(1, self.tr("{0} 项").format(parts) if parts else self.tr("未分工"))
            top.setForeground(1, QBrush(QColor("#1a3e72" if parts else "#888")))
        self.tree.blockSignals(False)

    @staticmethod
    def _choice_of(top: QTreeWidgetItem) -> MemberChoice:
        choice = MemberChoice()
        for node in _children(top):
            state = node.checkState(0)
            if state == Qt.CheckState.Checked:
                choice.checklists.append(str(node.data(0, ROLE)))
            elif state == Qt.CheckState.PartiallyChecked:
                for leaf in _children(node):
                    if leaf.checkState(0) == Qt.CheckState.Checked:
                        choice.sections.append(str(leaf.data(0, ROLE)))
        return choice

    def choices(self) -> dict[str, MemberChoice]:
        """Each member with at least one part: their checklists and sections."""
        result = {}
        for member, top in self._members.items():
            choice = self._choice_of(top)
            if choice:
                result[member] = choice
        return result

    def set_choice(self, member: str, checklists: Sequence[str] = (), sections: Sequence[str] = ()) -> None:
        """Check exactly these checklists (codes) and sections ("CHECKLIST/SECTION") for ``member``."""
        top = self._members[member]
        for node in _children(top):
            code = str(node.data(0, ROLE))
            whole = code in checklists
            if not node.childCount():
                node.setCheckState(0, Qt.CheckState.Checked if whole else Qt.CheckState.Unchecked)
            for leaf in _children(node):
                on = whole or str(leaf.data(0, ROLE)) in sections
                leaf.setCheckState(0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            node.setExpanded(node.checkState(0) == Qt.CheckState.PartiallyChecked)
        top.setExpanded(bool(checklists or sections))
        self._refresh_summaries()

    def members(self) -> list[str]:
        return list(self._members)


class PartsDialog(QDialog):
    """分工… of an existing draft: the picker preloaded with the parts as assigned."""

    def __init__(self, setup: TeamSetup, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("分工"))
        self.setObjectName("partsDialog")
        self.setup = setup
        layout = QVBoxLayout(self)
        self.picker = PartPicker()
        self.picker.fill(setup.candidates, setup.outlines, setup.current)
        layout.addWidget(self.picker, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("保存分工"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 440)

    def changes(self) -> dict[str, MemberChoice]:
        """The members whose parts differ from before (an empty choice: take every part from them)."""
        now = self.picker.choices()
        changed: dict[str, MemberChoice] = {}
        for member in set(now) | set(self.setup.current):
            new, old = now.get(member, MemberChoice()), self.setup.current.get(member, MemberChoice())
            if sorted(new.checklists) != sorted(old.checklists) or sorted(new.sections) != sorted(old.sections):
                changed[member] = new
        return changed
