"""Writing the packages of an expert team (督导组): the lead's assignment to a member, a member's part back.

- ``export_assignment``: the team inspection (same id, a draft) with all its current answers, its checklist versions,
  the institution, the institution's previous finalized inspection (last time's results in the member's editor)
  and every member's parts, so the member's laptop knows who does what;
- ``export_part``: the acting member's part only (the answered items of their parts, with notes and photos), with
  the member's signature over their part (``teams.signing.part_seal``) besides the usual package signature.
Exporting only reads.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.errors import NotFoundError, PermissionDenied, UserError
from inspections.packages.exporting import ExportSummary, _write
from inspections.packages.format import Progress
from inspections.packages.records import template_keys
from inspections.signing import seals_of
from inspections.teams import Part, part_item_ids, parts_of
from inspections.teams.signing import part_seal
from inspections.users import ADMIN, HOSPITAL, CurrentUser, acting_user, authorize
from inspections.workflow import previous_inspection_id
from models.checklist import ChecklistItem
from models.inspection import Inspection


def _team_inspection(session: Session, inspection_id: uuid.UUID, user: CurrentUser | None) -> Inspection:
    authorize(user, "package.export")
    user = acting_user(user)
    if user is not None and user.role == HOSPITAL:
        raise UserError("医院感控人员只能导出整改反馈包")
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFoundError(f"找不到检查记录（编号 {inspection_id}）")
    if inspection.status != "draft":
        raise UserError("这次检查已完成签字（或已作废），督导组的分工包只用于草稿")
    return inspection


def _parts(session: Session, inspection: Inspection) -> list[dict[str, Any]]:
    parts = parts_of(session, inspection.id)
    keys = template_keys(session, {p.template_id for p in parts})
    return [
        {"member": p.member, "member_name": p.member_name, "template": keys[p.template_id],
         "section_code": p.section_code}
        for p in parts
    ]


def _labels(parts: list[Part]) -> str:
    return "、".join(p.label for p in parts)


def export_assignment(
    session: Session,
    path: Path,
    inspection_id: uuid.UUID,
    member: str,
    *,
    user: CurrentUser | None = None,
    progress: Progress | None = None,
) -> ExportSummary:
    """The lead's assignment package for ``member`` (who must already hold parts: ``teams.assign_part``)."""
    inspection = _team_inspection(session, inspection_id, user)
    user = acting_user(user)
    if user is not None and user.role != ADMIN and user.username != inspection.created_by:
        raise PermissionDenied(f"只有组长（{inspection.created_by}）或管理员可以发出检查分工包")
    mine = parts_of(session, inspection_id, member)
    if not mine:
        raise UserError(f"“{member}”在这次检查中还没有分工，请先分配检查任务（检查表或部分）")
    inspections = [inspection]
    previous = previous_inspection_id(session, inspection)
    # Last time's inspection goes along when it can be verified on the member's laptop: signed (a database with
    # users refuses a finalized inspection without a commission signature), or from a single-user lead (whose
    # unsigned package only a single-user laptop takes anyway).
    if previous is not None and user is not None and user.signer is not None and not seals_of(
        session, "inspection", [str(previous)]
    ):
        previous = None
    if previous is not None:
        found = session.get(Inspection, previous)
        assert found is not None
        inspections.append(found)
    team = {
        "inspection_id": str(inspection_id),
        "lead": inspection.created_by,
        "member": member,
        "member_name": mine[0].member_name,
        "parts": _parts(session, inspection),
        "seal": None,
    }
    exporter = user.username if user is not None else inspection.created_by
    return _write(
        session, path, "assignment", exporter, inspections, [],
        institution_id=inspection.institution_id,
        description=f"检查分工：{mine[0].member_name or member} 负责 {_labels(mine)}",
        progress=progress, user=user, team=team,
    )


def export_part(
    session: Session,
    path: Path,
    inspection_id: uuid.UUID,
    *,
    user: CurrentUser | None = None,
    member: str | None = None,
    progress: Progress | None = None,
) -> ExportSummary:
    """A member's part package: the acting user's part (``member`` names it in the single-user mode, where there is
    no logged-in user), signed with their key where they have one."""
    inspection = _team_inspection(session, inspection_id, user)
    user = acting_user(user)
    if user is not None:
        if member is not None and member != user.username:
            raise PermissionDenied("只能导出本人的分工结果")
        member = user.username
    if not member:
        raise UserError("请指定导出谁的分工结果（督导组成员的用户名）")
    if member == inspection.created_by:
        raise UserError("您是这次检查的组长：请导出检查数据包，分工结果包由组员发给组长")
    mine = parts_of(session, inspection_id, member)
    if not mine:
        raise UserError(f"“{member}”在这次检查中没有分工，没有分工结果可导出")
    items = part_item_ids(session, inspection_id, member)
    codes = {
        (tid, code)
        for tid, code in session.execute(
            select(ChecklistItem.template_id, ChecklistItem.code).where(ChecklistItem.id.in_(items))
        )
    }
    signer = user.signer if user is not None else None
    seal = part_seal(session, inspection_id, signer) if signer is not None else None
    team = {
        "inspection_id": str(inspection_id),
        "lead": inspection.created_by,
        "member": member,
        "member_name": mine[0].member_name,
        "parts": _parts(session, inspection),
        "seal": seal,
    }
    return _write(
        session, path, "part", member, [inspection], [],
        institution_id=inspection.institution_id,
        description=f"分工结果：{mine[0].member_name or member} 负责的 {_labels(mine)}",
        progress=progress, user=user, team=team, only_results=(inspection_id, codes),
    )
