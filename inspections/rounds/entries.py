"""Changing a planned entry: not done / reopened, its checklists and inspectors, and starting its inspection."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.errors import NotFoundError, ReadOnlyError, UserError
from inspections.rounds.lookup import clean_names, entry_state, get_entry, inspection_ids_for_entry, institution_name
from inspections.users import CurrentUser, authorize
from models.audit import append_audit
from models.checklist import ChecklistTemplate
from models.inspection import RoundEntry


def _refuse_if_done(session: Session, entry: RoundEntry, what: str) -> None:
    if entry.status == "done":
        name = institution_name(session, entry.institution_id)
        raise ReadOnlyError(f"{name}本批次的检查已完成，不能{what}")


def mark_not_done(
    session: Session,
    actor: str,
    entry_id: uuid.UUID,
    reason: str,
    *,
    user: CurrentUser | None = None,
) -> None:
    """Record that a planned institution was not inspected this round, and why; it stays in the plan (denominator)."""
    authorize(user, "inspection.record")
    entry = get_entry(session, entry_id)
    reason = reason.strip()
    if not reason:
        raise UserError("请填写未完成检查的原因")
    _refuse_if_done(session, entry, "标记为未完成")
    before = entry_state(entry)
    entry.status, entry.reason = "not_done", reason
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="round_entry.not_done",
        entity="round_entry",
        entity_id=entry.id,
        before=before,
        after=entry_state(entry),
        reason=reason,
    )


def reopen_entry(
    session: Session,
    actor: str,
    entry_id: uuid.UUID,
    reason: str = "",
    *,
    user: CurrentUser | None = None,
) -> None:
    """Put an entry marked not done back into the plan."""
    authorize(user, "inspection.record")
    entry = get_entry(session, entry_id)
    if entry.status != "not_done":
        return
    before = entry_state(entry)
    entry.status, entry.reason = "planned", ""
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="round_entry.reopen",
        entity="round_entry",
        entity_id=entry.id,
        before=before,
        after=entry_state(entry),
        reason=reason,
    )


def set_entry_checklists(
    session: Session,
    actor: str,
    entry_id: uuid.UUID,
    template_ids: Sequence[uuid.UUID],
    *,
    user: CurrentUser | None = None,
) -> None:
    """Choose the checklist versions an institution will be inspected against in this round."""
    authorize(user, "inspection.record")
    entry = get_entry(session, entry_id)
    _refuse_if_done(session, entry, "再更改检查表")
    ids = list(dict.fromkeys(template_ids))
    if not ids:
        raise UserError("请至少选择一张检查表")
    known = set(session.scalars(select(ChecklistTemplate.id).where(ChecklistTemplate.id.in_(ids))))
    missing = [t for t in ids if t not in known]
    if missing:
        raise NotFoundError(f"找不到检查表（编号 {', '.join(map(str, missing))}）")
    before = entry_state(entry)
    entry.template_ids = [str(t) for t in ids]
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="round_entry.checklists",
        entity="round_entry",
        entity_id=entry.id,
        before=before,
        after=entry_state(entry),
    )


def set_entry_inspectors(
    session: Session,
    actor: str,
    entry_id: uuid.UUID,
    inspectors: Sequence[str],
    *,
    user: CurrentUser | None = None,
) -> None:
    """Choose who inspects an institution in this round."""
    authorize(user, "inspection.record")
    entry = get_entry(session, entry_id)
    _refuse_if_done(session, entry, "再更改检查人员")
    names = clean_names(inspectors)
    if not names:
        raise UserError("请至少填写一名检查人员")
    before = entry_state(entry)
    entry.inspectors = names
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="round_entry.inspectors",
        entity="round_entry",
        entity_id=entry.id,
        before=before,
        after=entry_state(entry),
    )


def start_entry_inspection(
    session: Session,
    actor: str,
    entry_id: uuid.UUID,
    *,
    on: date,
    inspectors: Sequence[str] | None = None,
    hospital_rep: str = "",
    user: CurrentUser | None = None,
) -> uuid.UUID:
    """Start the supervision inspection an entry plans, with its checklists and inspectors.

    When a draft inspection for this institution in this round already exists, its id is returned instead, so
    pressing “开始检查” twice continues the same inspection rather than starting a second one.
    """
    from inspections.workflow import start_inspection

    authorize(user, "inspection.record")
    entry = get_entry(session, entry_id)
    name = institution_name(session, entry.institution_id)
    _refuse_if_done(session, entry, "再次开始检查")
    if entry.status == "not_done":
        raise UserError(f"{name}在本批次已标记为未完成（{entry.reason}），请先恢复为计划中再开始检查")
    for inspection_id, status in inspection_ids_for_entry(session, entry):
        if status == "draft":
            return inspection_id
    if not entry.template_ids:
        raise UserError(f"{name}在本批次没有选择检查表，请先选择检查表")
    names = clean_names(inspectors) if inspectors is not None else list(entry.inspectors)
    return start_inspection(
        session,
        actor,
        institution_id=entry.institution_id,
        kind="supervision",
        on=on,
        inspectors=names,
        template_ids=[uuid.UUID(t) for t in entry.template_ids],
        round_id=entry.round_id,
        hospital_rep=hospital_rep,
        user=user,
    )
