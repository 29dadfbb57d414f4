"""An assignment package (检查分工包) on the member's laptop: the lead's team inspection, kept a draft with the same id.

The inspection is created, or brought up to the lead's: its header, checklists, 未检/不适用 marks and every member's
parts are the lead's; items outside the member's own parts take the lead's values; items inside them keep the
member's own work (the lead's value only where the member has nothing). Importing the same package twice changes
nothing. A finalized inspection here is kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from inspections.errors import Problem
from inspections.packages.format import DATA
from inspections.packages.importing.applier import Applier
from inspections.packages.importing.inspection import apply_inspection, inspection_label
from inspections.packages.importing.part import EMPTY_DIGEST, record_digest, write_value
from inspections.packages.importing.plan import Plan, local_keys_inverse, problem
from inspections.packages.importing.preview import PreviewEntry
from inspections.permissions import CurrentUser
from inspections.teams import current_values
from models.checklist import ChecklistItem
from models.inspection import Attachment, Inspection, InspectionChecklist, InspectionScope, ItemResult
from models.team import InspectionPart

Key = tuple[str, str]  # (checklist key code@hash, item code)


@dataclass(frozen=True)
class AssignmentPlan:
    take: tuple[Key, ...]  # items whose value here becomes the lead's
    clear: tuple[uuid.UUID, ...]  # local items the lead has no value for (outside the member's parts)
    header: bool  # date, kind, inspectors, representative, checklists or marks differ
    parts: bool  # the parts differ


def member_keys(plan: Plan, team: Mapping[str, Any], member: str) -> set[Key]:
    """The items inside ``member``'s parts, as the package assigns them."""
    keys: set[Key] = set()
    for part in team["parts"]:
        if part["member"] != member:
            continue
        for section in plan.specs[part["template"]].sections:
            if not part["section_code"] or part["section_code"] == section.code:
                keys.update((part["template"], item.code) for item in section.items)
    return keys


def _header(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "kind": record["kind"],
        "date": record["date"],
        "inspectors": list(record["inspectors"]),
        "hospital_rep": record["hospital_rep"],
        "checklists": sorted((c["template"], c["position"]) for c in record["checklists"]),
        "scope": sorted((m["template"], m["section_code"], m["mode"], m["reason"]) for m in record.get("scope", [])),
    }


def _local_header(session: Session, local: Inspection, keys: Mapping[uuid.UUID, str]) -> dict[str, Any]:
    marks = session.scalars(select(InspectionScope).where(InspectionScope.inspection_id == local.id))
    return {
        "kind": local.kind,
        "date": local.date.isoformat(),
        "inspectors": list(local.inspectors),
        "hospital_rep": local.hospital_rep,
        "checklists": sorted((keys.get(c.template_id, ""), c.position) for c in local.checklists),
        "scope": sorted((keys.get(m.template_id, ""), m.section_code, m.mode, m.reason) for m in marks),
    }


def _parts_here(session: Session, inspection_id: uuid.UUID, keys: Mapping[uuid.UUID, str]) -> set[tuple[str, ...]]:
    rows = session.scalars(select(InspectionPart).where(InspectionPart.inspection_id == inspection_id))
    return {(p.member, p.member_name, keys.get(p.template_id, ""), p.section_code) for p in rows}


def _parts_theirs(team: Mapping[str, Any]) -> set[tuple[str, ...]]:
    return {(p["member"], p["member_name"], p["template"], p["section_code"]) for p in team["parts"]}


def plan_assignment(session: Session, plan: Plan, problems: list[Problem], user: CurrentUser | None = None) -> None:
    """Plan the lead's assignment for ``team["member"]``; ``user``, who imports it (None: single-user mode), is
    warned when it is not that member, and their own part here is kept as the member's is."""
    team = plan.team
    assert team is not None
    record_id = team["inspection_id"]
    record = plan.inspections[record_id]
    where = f"{DATA} team"
    for n, part in enumerate(team["parts"]):
        sections = {s.code for s in plan.specs[part["template"]].sections}
        if part["section_code"] and part["section_code"] not in sections:
            message = f"检查表中没有分工所指的部分（{part['section_code']}）"
            problems.append(problem(plan, f"{where}.parts[{n}]", message))
    if problems:
        return
    label = inspection_label(plan, record)
    member = team["member"]
    named = team["member_name"] or member
    importer_keys = _importer_keys(plan, team, record, user)
    local = session.get(Inspection, uuid.UUID(record_id))
    if local is None:
        plan.entries.append(PreviewEntry("inspection", record_id, label, "new", f"检查分工：{named} 的分工可编辑"))
        return
    if local.institution_id != plan.institution_ids[record["institution_id"]]:
        problems.append(problem(plan, where, "同一编号的检查在本机属于另一家医疗机构"))
        return
    if local.created_by != record["created_by"]:
        problems.append(problem(plan, where, f"本机的这次检查由 {local.created_by} 创建，不是数据包中的组长"))
        return
    if local.status != "draft":
        plan.entries.append(PreviewEntry("inspection", record_id, label, "kept", "本机的这次检查已完成签字，保留本机"))
        return
    keys = local_keys_inverse(session)
    values = current_values(session, local.id)
    templates: dict[uuid.UUID, uuid.UUID] = {}
    if values:
        rows = session.execute(select(ChecklistItem.id, ChecklistItem.template_id).where(ChecklistItem.id.in_(values)))
        templates = {item_id: template_id for item_id, template_id in rows}
    here: dict[Key, tuple[uuid.UUID, str, bool]] = {
        (keys[templates[item_id]], v.item_code): (item_id, v.digest, v.empty) for item_id, v in values.items()
    }
    theirs = {(r["template"], r["item_code"]): r for r in record["results"]}
    own = member_keys(plan, team, member) | importer_keys
    take: list[Key] = []
    clear: list[uuid.UUID] = []
    for key in sorted(set(theirs) | set(here)):
        mine = here.get(key)
        lead = theirs.get(key)
        if key in own and mine is not None and not mine[2]:
            continue  # the member's own work
        if lead is None:
            if mine is not None and key not in own:
                clear.append(mine[0])
            continue
        if record_digest(lead) != (mine[1] if mine is not None else EMPTY_DIGEST):
            take.append(key)
    header = _header(record) != _local_header(session, local, keys)
    parts = _parts_theirs(team) != _parts_here(session, local.id, keys)
    plan.team_items[record_id] = AssignmentPlan(tuple(take), tuple(clear), header, parts)
    if not (take or clear or header or parts):
        plan.entries.append(PreviewEntry("inspection", record_id, label, "unchanged"))
        return
    words = []
    if take or clear:
        words.append(f"{len(take) + len(clear)} 项采用组长的结果")
    if parts:
        words.append("分工有变化")
    if header:
        words.append("检查信息有变化")
    detail = "；".join(words) + f"（{named} 分工内已填写的项保留本机）"
    plan.entries.append(PreviewEntry("inspection", record_id, label, "updated", detail))


def _importer_keys(
    plan: Plan, team: Mapping[str, Any], record: Mapping[str, Any], user: CurrentUser | None
) -> set[Key]:
    """An assignment imported by someone other than the member it is for (and not the lead): said as a warning;
    the items of that user's own part, if they have one, are kept like the member's."""
    if user is None or user.username in (team["member"], record["created_by"]):
        return set()
    named = team["member_name"] or team["member"]
    theirs = member_keys(plan, team, user.username)
    who = user.display_name or user.username
    then = "您在这次检查中分工内已填写的项保留本机" if theirs else "您在这次检查中没有分工，导入后只能查看，不能填写"
    plan.warnings.append(f"这是发给 {named} 的检查分工包，当前登录的是 {who}：{then}；如果拿错了数据包，请取消导入")
    return theirs


def _set_parts(applier: Applier, inspection_id: uuid.UUID) -> None:
    team = applier.plan.team
    assert team is not None
    session = applier.session
    session.execute(delete(InspectionPart).where(InspectionPart.inspection_id == inspection_id))
    for part in team["parts"]:
        session.add(
            InspectionPart(
                id=uuid.uuid4(),
                inspection_id=inspection_id,
                member=part["member"],
                member_name=part["member_name"],
                template_id=applier.template_id(part["template"]),
                section_code=part["section_code"],
                assigned_by=team["lead"],
            )
        )
    session.flush()


def _update_header(applier: Applier, inspection: Inspection, record: Mapping[str, Any]) -> None:
    session = applier.session
    inspection.kind = record["kind"]
    inspection.date = date.fromisoformat(record["date"])
    inspection.inspectors = list(record["inspectors"])
    inspection.hospital_rep = record["hospital_rep"]
    inspection.version = (inspection.version or 0) + 1
    wanted = {applier.template_id(c["template"]): c["position"] for c in record["checklists"]}
    for row in list(inspection.checklists):
        if row.template_id not in wanted:
            inspection.checklists.remove(row)
        else:
            row.position = wanted.pop(row.template_id)
    for template_id, position in wanted.items():
        inspection.checklists.append(InspectionChecklist(template_id=template_id, position=position))
    session.flush()
    session.execute(delete(InspectionScope).where(InspectionScope.inspection_id == inspection.id))
    for mark in record.get("scope", []):
        session.add(
            InspectionScope(
                id=uuid.uuid4(), inspection_id=inspection.id, template_id=applier.template_id(mark["template"]),
                section_code=mark["section_code"], mode=mark["mode"], reason=mark["reason"],
                created_by=applier.actor,
            )
        )
    session.flush()


def apply_assignment(applier: Applier, record_id: str, new: bool) -> None:
    """Create the team inspection, or bring it up to the lead's (see the module's rules); then the parts."""
    inspection_id = uuid.UUID(record_id)
    if new:
        apply_inspection(applier, record_id, True)
        _set_parts(applier, inspection_id)
        return
    plan: AssignmentPlan = applier.plan.team_items[record_id]
    record = applier.plan.inspections[record_id]
    session = applier.session
    inspection = session.get(Inspection, inspection_id)
    assert inspection is not None
    if plan.header:
        _update_header(applier, inspection, record)
    theirs = {(r["template"], r["item_code"]): r for r in record["results"]}
    for key in plan.take:
        write_value(applier, inspection_id, applier.item_id(*key), theirs[key])
    for item_id in plan.clear:
        result = session.scalar(
            select(ItemResult).where(ItemResult.inspection_id == inspection_id, ItemResult.item_id == item_id)
        )
        if result is not None:
            session.execute(delete(Attachment).where(Attachment.item_result_id == result.id))
            session.delete(result)
    session.flush()
    if plan.parts:
        _set_parts(applier, inspection_id)
    applier.audit(
        "package.assignment", "inspection", inspection_id,
        after={"member": applier.plan.team["member"] if applier.plan.team else "", "taken": len(plan.take),
               "cleared": len(plan.clear), "parts": plan.parts, "header": plan.header},
    )
