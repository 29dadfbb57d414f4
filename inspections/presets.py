"""Checklist presets (检查表组合) the commission defines, e.g. 发热门诊专项 = 预检分诊 + 三区两通道 + 闭环管理.

Stored as the shared setting ``checklist_presets``, one text the settings page edits:
``发热门诊专项：triage、fever-clinic-zoning、fever-clinic-loop；常规督导：全部`` — presets separated by “；”, each a
name, “：” and checklist codes separated by “、” (or “全部”: every checklist that applies to the institution).
A preset names codes; the version used is the one in force on the inspection's date.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.errors import NotFoundError
from inspections.preset_text import Preset, parse_presets
from inspections.settings import get_setting
from inspections.templates import _BUILTIN_ORDER, applicable_templates, effective_on
from models.checklist import ChecklistTemplate
from models.reference import Institution


def checklist_presets(session: Session) -> list[Preset]:
    """The presets as the commission set them."""
    return parse_presets(str(get_setting(session, "checklist_presets")))


def templates_in_force(session: Session, on: date) -> list[ChecklistTemplate]:
    """For each checklist code, the newest active version in force on ``on`` (expired versions are not offered)."""
    chosen: dict[str, ChecklistTemplate] = {}
    for template in session.scalars(select(ChecklistTemplate).where(ChecklistTemplate.active.is_(True))):
        if effective_on(template, on):
            current = chosen.get(template.code)
            if current is None or template.version > current.version:
                chosen[template.code] = template
    return sorted(chosen.values(), key=lambda t: (_BUILTIN_ORDER.get(t.code, 99), t.code))


def preset_template_ids(session: Session, preset: Preset, institution: Institution, on: date) -> list[uuid.UUID]:
    """The checklist versions a preset means for an institution on a date."""
    if preset.codes is None:
        return [t.id for t in applicable_templates(session, institution, on)]
    return template_ids_for_codes(session, preset.codes, on)


def template_ids_for_codes(session: Session, codes: tuple[str, ...] | list[str], on: date) -> list[uuid.UUID]:
    """The version of each code in force on ``on``; a code with none in force is a UserError."""
    in_force = {t.code: t.id for t in templates_in_force(session, on)}
    missing = [c for c in codes if c not in in_force]
    if missing:
        raise NotFoundError(f"检查表“{'”“'.join(missing)}”在 {on.isoformat()} 没有有效的版本")
    return [in_force[c] for c in dict.fromkeys(codes)]


@dataclass(frozen=True)
class OfferedChecklist:
    """A checklist version in force on the day, as 新建检查 lists it."""

    id: uuid.UUID
    code: str
    title: str
    version: int
    applies: bool  # applies to the chosen institution (what 全部 means)


@dataclass(frozen=True)
class ChecklistOffer:
    """What 新建检查 offers for an institution on a day: the versions in force and each preset's choice of them."""

    checklists: tuple[OfferedChecklist, ...]
    presets: tuple[tuple[str, tuple[uuid.UUID, ...]], ...]  # (name, ids); codes with no version in force are left out


def checklist_offer(session: Session, institution_id: uuid.UUID | None, on: date) -> ChecklistOffer:
    """The checklists in force on ``on`` and the presets resolved for the institution (None: none chosen yet)."""
    institution = session.get(Institution, institution_id) if institution_id is not None else None
    in_force = templates_in_force(session, on)
    applying = {t.id for t in applicable_templates(session, institution, on)} if institution is not None else set()
    offered = tuple(OfferedChecklist(t.id, t.code, t.title, t.version, t.id in applying) for t in in_force)
    by_code = {t.code: t.id for t in in_force}
    presets = []
    for preset in checklist_presets(session):
        if preset.codes is None:
            ids = tuple(t.id for t in offered if t.applies)
        else:
            ids = tuple(by_code[c] for c in preset.codes if c in by_code)
        presets.append((preset.name, ids))
    return ChecklistOffer(offered, tuple(presets))
