"""Institutions in a package: matched by id, then code, then name; differences are conflicts."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.errors import UserError
from inspections.institutions import FIELD_LABELS, name_key
from inspections.labels import LEVELS
from inspections.packages.importing.applier import Applier
from inspections.packages.importing.authority import check_institution
from inspections.packages.importing.plan import Plan
from inspections.packages.importing.preview import PreviewEntry
from inspections.packages.records import (
    INSTITUTION_DATA_FIELDS,
    institution_record,
)
from inspections.permissions import CurrentUser
from inspections.text import clean_identifier, clean_name, without_invisible
from models.reference import Institution

_NAMES = ("name", "category", "district")
_TEXTS = ("address", "contact")


def institution_data(record: Mapping[str, Any]) -> dict[str, Any]:
    """An institution's fields as stored here: names and codes normalized as a local edit would store them
    (``InstitutionData.normalized``), so a name with a zero-width space or a full-width code is the same institution."""
    data = {k: record[k] for k in INSTITUTION_DATA_FIELDS}
    for key in _NAMES:
        data[key] = clean_name(data[key])
    for key in _TEXTS:
        data[key] = without_invisible(data[key]).strip()
    data["code"] = (clean_identifier(data["code"]) or None) if data["code"] is not None else None
    return data


def plan_institutions(session: Session, plan: Plan, user: CurrentUser | None) -> None:
    existing = list(session.scalars(select(Institution)))
    by_id = {str(i.id): i for i in existing}
    by_code = {name_key(i.code): i for i in existing if i.code}
    by_name = {name_key(i.name): i for i in existing}
    for record_id, record in plan.institutions.items():
        local = by_id.get(record_id)
        if local is None and record["code"]:
            local = by_code.get(name_key(record["code"]))
        if local is None:
            local = by_name.get(name_key(record["name"]))
        local_id = local.id if local is not None else uuid.UUID(record_id)
        check_institution(user, local_id)
        plan.institution_ids[record_id] = local_id
        label = record["name"]
        if local is None:
            plan.entries.append(PreviewEntry("institution", record_id, label, "new"))
            continue
        mine, theirs = institution_data(institution_record(local)), institution_data(record)
        by = "编码" if local.code and record["code"] else "名称"
        matched = "" if str(local.id) == record_id else f"（按{by}匹配）"
        if mine == theirs:
            plan.entries.append(PreviewEntry("institution", record_id, label, "unchanged", matched))
            continue
        changed = [k for k in mine if mine[k] != theirs[k]]
        words = "、".join(_INSTITUTION_LABELS[k] for k in changed)
        if plan.package.manifest.kind == "feedback":
            detail = f"数据包中的机构信息不同（{words}），整改反馈包不修改医疗机构信息"
            plan.entries.append(PreviewEntry("institution", record_id, label, "kept", detail))
            continue
        plan.entries.append(
            PreviewEntry(
                "institution",
                record_id,
                label,
                "conflict",
                f"本机与数据包中的机构信息不同{matched}：{words}",
                {_INSTITUTION_LABELS[k]: _shown(k, mine[k]) for k in changed},
                {_INSTITUTION_LABELS[k]: _shown(k, theirs[k]) for k in changed},
            )
        )


_INSTITUTION_LABELS = {**FIELD_LABELS, "active": "在用"}


def _shown(key: str, value: Any) -> Any:
    if key == "level":
        return LEVELS.get(value, value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def apply_institution(applier: Applier, record_id: str, new: bool) -> None:
    record = applier.plan.institutions[record_id]
    data = institution_data(record)
    if new:
        institution = Institution(id=uuid.UUID(record_id), version=1, **data)
        applier.session.add(institution)
        applier.session.flush()
        applier.audit("package.institution.new", "institution", institution.id, after=data)
        return
    local_id = applier.plan.institution_ids[record_id]
    local = applier.session.get(Institution, local_id)
    assert local is not None
    institution = local
    before = institution_data(institution_record(institution))
    clash = applier.session.scalars(select(Institution).where(Institution.id != local_id)).all()
    for other in clash:
        if name_key(other.name) == name_key(data["name"]) or (
            data["code"] and other.code and name_key(other.code) == name_key(data["code"])
        ):
            raise UserError(
                f"采用导入的机构信息后，「{data['name']}」会与本机已有的机构「{other.name}」重名或编码相同"
            )
    for k, v in data.items():
        setattr(institution, k, v)
    changed = [k for k in data if data[k] != before[k]]
    applier.audit(
        "package.institution.update",
        "institution",
        institution.id,
        before={k: before[k] for k in changed},
        after={k: data[k] for k in changed},
    )
