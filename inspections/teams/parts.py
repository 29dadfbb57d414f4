"""The parts of a team inspection (督导组分工): who answers which checklists or sections, and what each may edit.

The lead (the inspection's creator) assigns parts; a member who holds parts may change only the items inside them
(the rest of the inspection is read-only for them, on their laptop and on a shared server alike); the lead and users
without parts may change everything. Parts of different members may overlap: an item both answer differently is a
conflict the lead decides when the parts are merged.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from inspections.errors import NotFoundError, PermissionDenied, ReadOnlyError, UserError
from inspections.permissions import ADMIN, CurrentUser, acting_user
from models.audit import append_audit
from models.checklist import ChecklistItem, ChecklistSection, ChecklistTemplate
from models.inspection import Inspection, InspectionChecklist, ItemResult
from models.keys import SigningKey
from models.reference import User
from models.team import InspectionPart


@dataclass(frozen=True)
class Part:
    """One checklist, or one section of it, assigned to a member."""

    member: str
    member_name: str
    template_id: uuid.UUID
    template_code: str
    template_title: str
    section_code: str  # "": the whole checklist
    section_title: str

    @property
    def label(self) -> str:
        """As the 反馈单 and the window name it: 《预检分诊》 or 《发热门诊》三区两通道."""
        if not self.section_code:
            return self.template_title
        return f"{self.template_title}·{self.section_title or self.section_code}"


@dataclass(frozen=True)
class MemberProgress:
    """How far a member has come with their part: answered items of all the items in it."""

    member: str
    member_name: str
    parts: tuple[Part, ...]
    answered: int
    total: int

    @property
    def name(self) -> str:
        return self.member_name or self.member


def _inspection(session: Session, inspection_id: uuid.UUID) -> Inspection:
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFoundError(f"找不到检查记录（编号 {inspection_id}）")
    return inspection


def parts_of(session: Session, inspection_id: uuid.UUID, member: str | None = None) -> list[Part]:
    """The inspection's parts (of one member when ``member`` is given), by member then checklist order."""
    query = (
        select(InspectionPart, ChecklistTemplate.code, ChecklistTemplate.title, InspectionChecklist.position)
        .join(ChecklistTemplate, ChecklistTemplate.id == InspectionPart.template_id)
        .join(
            InspectionChecklist,
            (InspectionChecklist.inspection_id == InspectionPart.inspection_id)
            & (InspectionChecklist.template_id == InspectionPart.template_id),
        )
        .where(InspectionPart.inspection_id == inspection_id)
    )
    if member is not None:
        query = query.where(InspectionPart.member == member)
    rows = list(session.execute(query).all())
    sections = _section_titles(session, {row[0].template_id for row in rows})
    first_assigned: dict[str, datetime] = {}
    for row in rows:
        at = row[0].assigned_at
        first_assigned[row[0].member] = min(first_assigned.get(row[0].member, at), at)
    section_order = {key: n for n, key in enumerate(sections)}
    rows.sort(
        key=lambda r: (
            first_assigned[r[0].member],
            r[0].member,
            r[3],
            section_order.get((r[0].template_id, r[0].section_code), -1),
        )
    )
    return [
        Part(
            member=part.member,
            member_name=part.member_name,
            template_id=part.template_id,
            template_code=code,
            template_title=title,
            section_code=part.section_code,
            section_title=sections.get((part.template_id, part.section_code), ""),
        )
        for part, code, title, _position in rows
    ]


def _section_titles(session: Session, template_ids: set[uuid.UUID]) -> dict[tuple[uuid.UUID, str], str]:
    if not template_ids:
        return {}
    rows = session.execute(
        select(ChecklistSection.template_id, ChecklistSection.code, ChecklistSection.title)
        .where(ChecklistSection.template_id.in_(template_ids))
        .order_by(ChecklistSection.template_id, ChecklistSection.position)
    )
    return {(tid, code): title for tid, code, title in rows}


def members_of(session: Session, inspection_id: uuid.UUID) -> list[tuple[str, str]]:
    """(username, display name) of every member holding a part, in the order they were first assigned."""
    seen: dict[str, str] = {}
    for part in parts_of(session, inspection_id):
        seen.setdefault(part.member, part.member_name)
    return list(seen.items())


def is_team_inspection(session: Session, inspection_id: uuid.UUID) -> bool:
    query = select(InspectionPart.id).where(InspectionPart.inspection_id == inspection_id).limit(1)
    return session.scalar(query) is not None


def part_item_ids(session: Session, inspection_id: uuid.UUID, member: str) -> set[uuid.UUID]:
    """The items inside a member's parts (empty when the member holds none)."""
    parts = session.scalars(
        select(InspectionPart).where(InspectionPart.inspection_id == inspection_id, InspectionPart.member == member)
    )
    return set(_owners(session, list(parts)))


def item_owners(session: Session, inspection_id: uuid.UUID) -> dict[uuid.UUID, list[str]]:
    """Item id → the members whose parts hold it (items outside every part are left out)."""
    parts = session.scalars(select(InspectionPart).where(InspectionPart.inspection_id == inspection_id))
    return _owners(session, list(parts))


def _owners(session: Session, parts: Sequence[InspectionPart | Part]) -> dict[uuid.UUID, list[str]]:
    if not parts:
        return {}
    rows = session.execute(
        select(ChecklistItem.id, ChecklistItem.template_id, ChecklistSection.code)
        .join(ChecklistSection, ChecklistSection.id == ChecklistItem.section_id)
        .where(ChecklistItem.template_id.in_({p.template_id for p in parts}))
        .order_by(ChecklistItem.template_id, ChecklistItem.position)
    ).all()
    owners: dict[uuid.UUID, list[str]] = {}
    for part in parts:
        for item_id, template_id, section_code in rows:
            if template_id == part.template_id and (not part.section_code or part.section_code == section_code):
                members = owners.setdefault(item_id, [])
                if part.member not in members:
                    members.append(part.member)
    return owners


def _known_member(session: Session, member: str) -> str:
    """The display name of a user this database knows (an account here or an enrolled signing key)."""
    user = session.scalar(select(User).where(User.username == member))
    if user is not None:
        if not user.active:
            raise UserError(f"用户“{member}”已停用，不能分配检查任务")
        return user.display_name or member
    key = session.scalar(
        select(SigningKey).where(SigningKey.username == member, SigningKey.status == "active").limit(1)
    )
    if key is not None:
        return key.display_name or member
    raise NotFoundError(f"找不到用户“{member}”：督导组成员须是本机的用户或已登记签名密钥的用户")


def _check_lead(inspection: Inspection, user: CurrentUser | None, what: str) -> None:
    user = acting_user(user)
    if user is None or user.role == ADMIN or user.username == inspection.created_by:
        return
    raise PermissionDenied(f"只有组长（{inspection.created_by}）或管理员可以{what}")


def _resolve_parts(
    session: Session, inspection: Inspection, checklists: Sequence[str], sections: Sequence[str]
) -> list[tuple[uuid.UUID, str]]:
    """(template id, section code) of each named checklist code and section ("SECTION" or "CHECKLIST/SECTION")."""
    templates = {
        code: tid
        for tid, code in session.execute(
            select(ChecklistTemplate.id, ChecklistTemplate.code).where(
                ChecklistTemplate.id.in_([c.template_id for c in inspection.checklists])
            )
        )
    }
    section_rows = session.execute(
        select(ChecklistSection.template_id, ChecklistSection.code).where(
            ChecklistSection.template_id.in_(list(templates.values()))
        )
    ).all()
    code_of = {tid: code for code, tid in templates.items()}
    chosen: list[tuple[uuid.UUID, str]] = []
    for code in checklists:
        code = code.strip()
        if code not in templates:
            raise UserError(f"检查表“{code}”不在本次检查中（本次检查的检查表：{'、'.join(sorted(templates))}）")
        chosen.append((templates[code], ""))
    for name in sections:
        name = name.strip()
        checklist, _, section = name.rpartition("/")
        matches = [
            (tid, scode)
            for tid, scode in section_rows
            if scode == section and (not checklist or code_of[tid] == checklist)
        ]
        if not matches:
            raise UserError(f"本次检查的检查表中没有部分“{name}”")
        if len(matches) > 1:
            names = "、".join(f"{code_of[tid]}/{scode}" for tid, scode in matches)
            raise UserError(f"部分“{name}”在多张检查表中都有，请写成“检查表代码/部分代码”：{names}")
        chosen.append(matches[0])
    whole = {tid for tid, scode in chosen if not scode}
    return list(dict.fromkeys((tid, scode) for tid, scode in chosen if not scode or tid not in whole))


def assign_part(
    session: Session,
    actor: str,
    inspection_id: uuid.UUID,
    member: str,
    *,
    checklists: Sequence[str] = (),
    sections: Sequence[str] = (),
    user: CurrentUser | None = None,
) -> list[Part]:
    """Give ``member`` the named checklists (codes) and sections (codes, or "CHECKLIST/SECTION"), replacing what they
    held before; the member joins the inspection's inspectors. Only a draft, only by its lead or an administrator."""
    inspection = _inspection(session, inspection_id)
    if inspection.status != "draft":
        raise ReadOnlyError("只有草稿状态的检查可以分配检查任务")
    _check_lead(inspection, user, "分配检查任务")
    member = member.strip()
    name = _known_member(session, member)
    chosen = _resolve_parts(session, inspection, checklists, sections)
    if not chosen:
        raise UserError("请至少指定一张检查表或一个部分")
    before = [(p.template_code, p.section_code) for p in parts_of(session, inspection_id, member)]
    session.execute(
        delete(InspectionPart).where(InspectionPart.inspection_id == inspection_id, InspectionPart.member == member)
    )
    for template_id, section_code in chosen:
        session.add(
            InspectionPart(
                id=uuid.uuid4(),
                inspection_id=inspection_id,
                member=member,
                member_name=name,
                template_id=template_id,
                section_code=section_code,
                assigned_by=actor,
            )
        )
    if name not in inspection.inspectors:
        inspection.inspectors = [*inspection.inspectors, name]
    session.flush()
    parts = parts_of(session, inspection_id, member)
    append_audit(
        session,
        actor=actor,
        action="inspection.assign",
        entity="inspection",
        entity_id=inspection_id,
        before={"member": member, "parts": before},
        after={"member": member, "parts": [(p.template_code, p.section_code) for p in parts]},
    )
    return parts


def unassign_member(
    session: Session, actor: str, inspection_id: uuid.UUID, member: str, *, user: CurrentUser | None = None
) -> None:
    """Take every part from a member (what they answered stays in the inspection)."""
    inspection = _inspection(session, inspection_id)
    if inspection.status != "draft":
        raise ReadOnlyError("只有草稿状态的检查可以调整分工")
    _check_lead(inspection, user, "调整分工")
    before = [(p.template_code, p.section_code) for p in parts_of(session, inspection_id, member)]
    if not before:
        raise NotFoundError(f"“{member}”在本次检查中没有分工")
    session.execute(
        delete(InspectionPart).where(InspectionPart.inspection_id == inspection_id, InspectionPart.member == member)
    )
    append_audit(
        session,
        actor=actor,
        action="inspection.unassign",
        entity="inspection",
        entity_id=inspection_id,
        before={"member": member, "parts": before},
    )


def check_editable(session: Session, inspection: Inspection, item_id: uuid.UUID, actor: str) -> None:
    """ReadOnlyError when ``actor`` is a member of the inspection's team and the item is outside their parts."""
    if actor == inspection.created_by:
        return
    mine = part_item_ids(session, inspection.id, actor)
    if not mine or item_id in mine:
        return
    owners = item_owners(session, inspection.id).get(item_id, [])
    names = dict(members_of(session, inspection.id))
    who = "、".join(names.get(m) or m for m in owners) or f"组长 {inspection.created_by}"
    raise ReadOnlyError(f"该项不在您的分工范围内（由{who}负责），只读")


def team_progress(session: Session, inspection_id: uuid.UUID) -> list[MemberProgress]:
    """Each member's answered items of the items in their parts."""
    parts = parts_of(session, inspection_id)
    if not parts:
        return []
    answered = set(
        session.scalars(
            select(ItemResult.item_id).where(
                ItemResult.inspection_id == inspection_id, ItemResult.response.is_not(None)
            )
        )
    )
    owners = _owners(session, parts)  # from the parts read above: neither they nor the members are read again
    members = {p.member: p.member_name for p in parts}  # in parts_of's order: who was assigned first comes first
    progress = []
    for member, name in members.items():
        items = {item for item, holders in owners.items() if member in holders}
        progress.append(
            MemberProgress(
                member=member,
                member_name=name,
                parts=tuple(p for p in parts if p.member == member),
                answered=len(items & answered),
                total=len(items),
            )
        )
    return progress


