"""Shared lookups of the workflow: an inspection by id, its checklists, answers, last time's results, live score."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.checklists.spec import ChecklistSpec
from inspections.errors import NotFoundError
from inspections.permissions import CurrentUser, authorize
from inspections.scoring import Answer, InspectionScore, response_options
from inspections.settings import get_setting
from inspections.templates import template_spec
from inspections.workflow.scope import scope_marks, score_in_scope
from models.checklist import ChecklistItem
from models.inspection import Inspection, ItemResult

FAILING = frozenset({"fail", "partial"})  # outcomes that make a finding


def get_inspection(session: Session, inspection_id: uuid.UUID) -> Inspection:
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFoundError(f"找不到检查记录（编号 {inspection_id}）")
    return inspection


def authorize_on(user: CurrentUser | None, action: str, institution_id: uuid.UUID) -> None:
    # None: single-user mode, or the window's acting_as user
    authorize(user, action, institution_id=institution_id)


def template_ids_of(inspection: Inspection) -> list[uuid.UUID]:
    return [c.template_id for c in inspection.checklists]


def previous_inspection_id(session: Session, inspection: Inspection) -> uuid.UUID | None:
    """The institution's latest finalized inspection before this one."""
    return session.scalar(
        select(Inspection.id)
        .where(
            Inspection.institution_id == inspection.institution_id,
            Inspection.status == "finalized",
            Inspection.id != inspection.id,
            Inspection.date <= inspection.date,
        )
        .order_by(Inspection.date.desc(), Inspection.finalized_at.desc())
        .limit(1)
    )


def results_by_code(session: Session, inspection_id: uuid.UUID) -> dict[str, tuple[str, float | None, str]]:
    """Item code → (response, points, note) of an inspection (codes are stable across versions)."""
    rows = session.execute(
        select(ChecklistItem.code, ItemResult.response, ItemResult.points, ItemResult.note)
        .join(ItemResult, ItemResult.item_id == ChecklistItem.id)
        .where(ItemResult.inspection_id == inspection_id, ItemResult.response.is_not(None))
    )
    return {code: (response, points, note) for code, response, points, note in rows if response is not None}


def option_labels(session: Session, template_ids: Sequence[uuid.UUID]) -> dict[tuple[str, str], tuple[str, str]]:
    labels: dict[tuple[str, str], tuple[str, str]] = {}
    for template_id in template_ids:
        spec = template_spec(session, template_id)
        for item in spec.items():
            for option in response_options(spec, item):
                labels[(item.code, option.code)] = (option.label, option.outcome)
    return labels


def answers_of(session: Session, inspection: Inspection) -> dict[uuid.UUID, dict[str, Answer]]:
    """Template id → item code → answer."""
    answers: dict[uuid.UUID, dict[str, Answer]] = {tid: {} for tid in template_ids_of(inspection)}
    rows = session.execute(
        select(ChecklistItem.template_id, ChecklistItem.code, ItemResult.response, ItemResult.points)
        .join(ItemResult, ItemResult.item_id == ChecklistItem.id)
        .where(ItemResult.inspection_id == inspection.id)
    )
    for template_id, code, response, points in rows:
        if response is not None:  # a note or photo without an answer yet
            answers.setdefault(template_id, {})[code] = Answer(response, points)
    return answers


def current_score(session: Session, inspection: Inspection) -> InspectionScore:
    """The score as it stands; checklists and sections out of scope are left out."""
    answers = answers_of(session, inspection)
    checklists = [(tid, template_spec(session, tid), answers[tid]) for tid in template_ids_of(inspection)]
    return score_in_scope(checklists, scope_marks(session, inspection.id), str(get_setting(session, "overall_rule")))


def inspection_score(session: Session, inspection_id: uuid.UUID) -> InspectionScore:
    """The current score of an inspection, with its breakdown and formula."""
    return current_score(session, get_inspection(session, inspection_id))


def item_in(session: Session, inspection: Inspection, item_id: uuid.UUID) -> tuple[ChecklistItem, ChecklistSpec]:
    item = session.get(ChecklistItem, item_id)
    if item is None or item.template_id not in template_ids_of(inspection):
        raise NotFoundError("该检查项不属于这次检查")
    return item, template_spec(session, item.template_id)
