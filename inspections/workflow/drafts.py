"""Changing what a draft covers: its scope (checklists or sections left out as a whole) and voiding it."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.errors import NotFoundError, ReadOnlyError, UserError
from inspections.permissions import CurrentUser
from inspections.templates import template_spec
from inspections.workflow.loading import authorize_on, get_inspection, template_ids_of
from inspections.workflow.scope import SCOPE_MODES, SCOPE_REASON_MAX
from models.audit import append_audit
from models.inspection import Inspection, InspectionScope

VOIDED = "voided"


def _draft(session: Session, inspection_id: uuid.UUID, user: CurrentUser | None, what: str) -> Inspection:
    inspection = get_inspection(session, inspection_id)
    authorize_on(user, "inspection.record", inspection.institution_id)
    if inspection.status == "finalized":
        raise ReadOnlyError(f"该检查已完成签字，不能{what}；如需更正请修订")
    if inspection.status == VOIDED:
        raise ReadOnlyError(f"该检查已作废，不能{what}")
    return inspection


def set_scope(
    session: Session,
    actor: str,
    inspection_id: uuid.UUID,
    template_id: uuid.UUID,
    *,
    section_code: str = "",
    mode: str | None,
    reason: str = "",
    user: CurrentUser | None = None,
) -> None:
    """Leave a checklist (``section_code`` "") or one of its sections out of a draft: ``mode`` "not_checked"
    (本次未检, a reason is required) or "na" (不适用); ``mode`` None takes it back into scope. Audited."""
    inspection = _draft(session, inspection_id, user, "修改检查范围")
    if template_id not in template_ids_of(inspection):
        raise NotFoundError("该检查表不属于这次检查")
    spec = template_spec(session, template_id)
    if section_code and section_code not in {s.code for s in spec.sections}:
        raise NotFoundError(f"检查表“{spec.title}”中没有这一部分（{section_code}）")
    if mode is not None and mode not in SCOPE_MODES:
        raise UserError(f"检查范围“{mode}”无效，可选：{'、'.join(SCOPE_MODES.values())}")
    reason = reason.strip()
    if mode == "not_checked" and not reason:
        raise UserError("标记为本次未检时请填写原因")
    if len(reason) > SCOPE_REASON_MAX:
        raise UserError(f"原因太长（{len(reason)} 字），最多 {SCOPE_REASON_MAX} 字")
    row = session.scalar(
        select(InspectionScope).where(
            InspectionScope.inspection_id == inspection.id,
            InspectionScope.template_id == template_id,
            InspectionScope.section_code == section_code,
        )
    )
    before = None if row is None else {"mode": row.mode, "reason": row.reason}
    if mode is None:
        if row is None:
            return
        session.delete(row)
    elif row is None:
        row = InspectionScope(
            id=uuid.uuid4(),
            inspection_id=inspection.id,
            template_id=template_id,
            section_code=section_code,
            mode=mode,
            reason=reason,
            created_by=actor,
        )
        session.add(row)
    else:
        row.mode, row.reason = mode, reason
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="inspection.scope",
        entity="inspection",
        entity_id=inspection.id,
        before=before,
        after={"template": template_id, "section": section_code, "mode": mode, "reason": reason},
    )


def void_inspection(
    session: Session, actor: str, inspection_id: uuid.UUID, *, reason: str, user: CurrentUser | None = None
) -> None:
    """Void a draft started by mistake (the wrong hospital, a duplicate): kept for the audit log, gone from lists
    and round coverage. A finalized inspection cannot be voided."""
    inspection = _draft(session, inspection_id, user, "作废")
    reason = reason.strip()
    if not reason:
        raise UserError("作废检查时请填写原因")
    inspection.status = VOIDED
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="inspection.void",
        entity="inspection",
        entity_id=inspection.id,
        before={"status": "draft"},
        after={"status": VOIDED},
        reason=reason,
    )
