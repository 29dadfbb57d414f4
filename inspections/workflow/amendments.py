"""Changing a signed inspection: rescore, adjust its findings and re-hash, audited with the reason."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.permissions import CurrentUser, signer_of
from inspections.signing import seal_inspection
from inspections.workflow.finalize import create_findings, failed_items, store_scores
from inspections.workflow.hashing import content_hash
from models.audit import append_audit
from models.base import utcnow
from models.finding import Finding, FindingEvent
from models.inspection import Inspection


def after_amendment(
    session: Session, actor: str, inspection: Inspection, reason: str, user: CurrentUser | None = None
) -> None:
    """Rescore, add findings for newly failed items, close findings of items now passed, re-hash and re-sign
    (with ``user``'s key, or the acting_as user's)."""
    old_hash = inspection.content_hash
    store_scores(session, inspection)
    create_findings(session, actor, inspection)
    failing_now = {item.id for item, _r, _o in failed_items(session, inspection)}
    for finding in session.scalars(
        select(Finding).where(
            Finding.inspection_id == inspection.id, Finding.status.in_(("open", "feedback", "failed"))
        )
    ):
        if finding.item_id is not None and finding.item_id not in failing_now:
            finding.status, finding.closed_at = "passed", utcnow()
            finding.events.append(
                FindingEvent(
                    id=uuid.uuid4(), kind="note", actor=actor, note=f"检查结果经修订后该项不再为问题：{reason}"
                )
            )
    inspection.amendments += 1
    session.flush()
    inspection.content_hash = content_hash(session, inspection.id)
    sealed_by = seal_inspection(session, inspection.id, signer_of(user), "amend")
    append_audit(
        session,
        actor=actor,
        action="inspection.rehash",
        entity="inspection",
        entity_id=inspection.id,
        before={"hash": old_hash},
        after={"hash": inspection.content_hash, "sealed_by": sealed_by},
        reason=reason,
    )
