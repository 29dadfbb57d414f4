"""Signing an inspection: what blocks it, its scores and grade, its findings, its 文号."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.answer_counts import count_inspection
from inspections.docnumbers import issue_feedback_number
from inspections.errors import ReadOnlyError, UserError
from inspections.permissions import CurrentUser, signer_of
from inspections.scoring import InspectionScore, overall_grade
from inspections.settings import get_setting
from inspections.signing import seal_inspection
from inspections.teams.signing import part_signatures
from inspections.workflow.hashing import content_hash
from inspections.workflow.loading import (
    FAILING,
    authorize_on,
    current_score,
    get_inspection,
    option_labels,
    previous_inspection_id,
    template_ids_of,
)
from inspections.workflow.scope import mark_for, scope_marks
from inspections.workflow.views import load_inspection
from models.audit import append_audit
from models.base import utcnow
from models.checklist import ChecklistItem, ChecklistSection
from models.finding import Finding, FindingEvent
from models.inspection import Inspection, ItemResult, RoundEntry


@dataclass(frozen=True)
class Blocker:
    """One thing that stops an inspection from being finalized, pointing at its item."""

    item_id: uuid.UUID | None
    code: str
    message: str


@dataclass(frozen=True)
class FinalizeResult:
    content_hash: str
    finding_ids: tuple[uuid.UUID, ...]
    score: InspectionScore = field(repr=False)
    warnings: tuple[str, ...] = ()  # told, not blocking: members who have not signed their parts (no keys in use)


def finalize_blockers(session: Session, inspection_id: uuid.UUID, *, user: CurrentUser | None = None) -> list[Blocker]:
    """What still stops finalizing: unanswered items, failed items without a note, missing photos; and, when the
    finalizing user signs with a key, team members who have not signed their parts (see ``unsigned_parts``)."""
    view = load_inspection(session, inspection_id)
    blockers: list[Blocker] = []
    if view.finalized:
        return [Blocker(None, "", "该检查已完成签字")]
    for item in view.items_in_scope():  # out-of-scope checklists and sections block nothing
        outcome = item.outcome
        if item.response is None:
            blockers.append(Blocker(item.item_id, item.code, "未作答"))
            continue
        if outcome in FAILING and not item.note.strip():
            blockers.append(Blocker(item.item_id, item.code, "判为不符合或部分符合，但未填写问题描述"))
        evidence = item.spec.evidence
        if not item.photos and (evidence == "photo-always" or (evidence == "photo-on-fail" and outcome in FAILING)):
            need = "须拍照留证" if evidence == "photo-always" else "不符合时须拍照留证"
            blockers.append(Blocker(item.item_id, item.code, f"{need}，尚无照片"))
    if not view.inspectors:
        blockers.append(Blocker(None, "", "未填写检查人员"))
    if signer_of(user) is not None:
        blockers.extend(Blocker(None, "", text) for text in unsigned_parts(session, inspection_id))
    return blockers


def finalize_warnings(session: Session, inspection_id: uuid.UUID, *, user: CurrentUser | None = None) -> list[str]:
    """What finalizing tells without being stopped by it: in single-user mode (no signing key) team members who have
    not signed their parts."""
    if signer_of(user) is not None:
        return []
    return unsigned_parts(session, inspection_id)


def unsigned_parts(session: Session, inspection_id: uuid.UUID) -> list[str]:
    """Team members whose part holds answers but carries no valid signature of theirs (the lead's own parts are
    covered by the lead's signature of the whole; a part left wholly empty needs none). A signature over values the
    lead has since decided otherwise still counts: the lead's signature covers the final values."""
    inspection = get_inspection(session, inspection_id)
    texts = []
    for status in part_signatures(session, inspection_id):
        if status.member == inspection.created_by or status.valid or not status.answered:
            continue
        if status.signed:
            texts.append(f"成员 {status.name} 对其分工部分的签名无效：{status.problem}")
        else:
            texts.append(f"成员 {status.name} 尚未签署其分工部分")
    return texts


def store_scores(session: Session, inspection: Inspection) -> InspectionScore:
    score = current_score(session, inspection)
    for link, checklist_score in zip(inspection.checklists, score.checklists, strict=True):
        link.score, link.grade, link.vetoed = checklist_score.score, checklist_score.grade, checklist_score.vetoed
    inspection.score = score.percent
    inspection.vetoed = score.vetoed
    inspection.grade = overall_grade(score)
    return score


def deadline_days(session: Session, severity: str) -> int:
    """Days allowed to rectify a finding of this severity (settings: 3 for 严重 and 15 otherwise by default)."""
    key = "deadline_days_critical" if severity == "critical" else "deadline_days_general"
    return int(get_setting(session, key))


def finalize_inspection(
    session: Session,
    actor: str,
    inspection_id: uuid.UUID,
    *,
    signatures: dict[str, str] | None = None,
    hospital_rep: str | None = None,
    user: CurrentUser | None = None,
) -> FinalizeResult:
    """Sign an inspection: check nothing blocks it, create its findings, store scores and the content hash.
    From then on it is read-only except for audited amendments."""
    inspection = get_inspection(session, inspection_id)
    authorize_on(user, "inspection.record", inspection.institution_id)
    if inspection.status == "finalized":
        raise ReadOnlyError("该检查已完成签字")
    if inspection.status == "voided":
        raise ReadOnlyError("该检查已作废，不能完成签字")
    if hospital_rep is not None:
        inspection.hospital_rep = hospital_rep.strip()
    blockers = finalize_blockers(session, inspection_id, user=user)
    warnings = finalize_warnings(session, inspection_id, user=user)
    if blockers:
        shown = "\n".join(f"{b.code} {b.message}".strip() for b in blockers[:10])
        more = f"\n……共 {len(blockers)} 项" if len(blockers) > 10 else ""
        raise UserError(f"还不能完成检查：\n{shown}{more}")
    inspection.signatures = dict(signatures or {})
    score = store_scores(session, inspection)
    finding_ids = create_findings(session, actor, inspection)
    inspection.status = "finalized"
    inspection.finalized_at = utcnow()
    session.flush()
    count_inspection(session, inspection.id)
    inspection.content_hash = content_hash(session, inspection.id)
    sealed_by = seal_inspection(session, inspection.id, signer_of(user), "finalize")
    number = issue_feedback_number(session, inspection, actor)  # the 反馈单's 文号, issued once, here
    if inspection.round_id is not None:
        entry = session.scalar(
            select(RoundEntry).where(
                RoundEntry.round_id == inspection.round_id, RoundEntry.institution_id == inspection.institution_id
            )
        )
        if entry is not None:
            entry.status, entry.reason = "done", ""
    append_audit(
        session,
        actor=actor,
        action="inspection.finalize",
        entity="inspection",
        entity_id=inspection.id,
        after={
            "hash": inspection.content_hash,
            "score": score.percent,
            "vetoed": score.vetoed,
            "findings": len(finding_ids),
            "signatures": inspection.signatures,
            "doc_number": number.text,
            "sealed_by": sealed_by,
            **({"unsigned_parts": warnings} if warnings else {}),
        },
    )
    return FinalizeResult(inspection.content_hash, tuple(finding_ids), score, tuple(warnings))


def failed_items(session: Session, inspection: Inspection) -> list[tuple[ChecklistItem, ItemResult, str]]:
    """(item, result, outcome) for every 不符合 / 部分符合 answer, in checklist order."""
    labels = option_labels(session, template_ids_of(inspection))
    rows = session.execute(
        select(ChecklistItem, ItemResult)
        .join(ItemResult, ItemResult.item_id == ChecklistItem.id)
        .where(ItemResult.inspection_id == inspection.id)
    ).all()
    order = {tid: n for n, tid in enumerate(template_ids_of(inspection))}
    marks = scope_marks(session, inspection.id)
    sections = (
        dict(
            session.execute(
                select(ChecklistSection.id, ChecklistSection.code).where(ChecklistSection.template_id.in_(order))
            ).all()
        )
        if marks
        else {}
    )
    failed = []
    for item, result in sorted(rows, key=lambda r: (order[r[0].template_id], r[0].position)):
        if result.response is None:
            continue
        if marks and mark_for(marks, item.template_id, sections.get(item.section_id, "")) is not None:
            continue  # left out of this inspection: no finding
        _label, outcome = labels.get((item.code, result.response), ("", ""))
        if outcome in FAILING:
            failed.append((item, result, outcome))
    return failed


def create_findings(session: Session, actor: str, inspection: Inspection) -> list[uuid.UUID]:
    previous_failed: set[str] = set()
    prev_id = previous_inspection_id(session, inspection)
    if prev_id is not None:
        prev = session.get(Inspection, prev_id)
        assert prev is not None
        previous_failed = {item.code for item, _r, _o in failed_items(session, prev)}
    existing = set(session.scalars(select(Finding.item_id).where(Finding.inspection_id == inspection.id)))
    ids = []
    for item, result, _outcome in failed_items(session, inspection):
        if item.id in existing:
            continue
        severity = "critical" if item.critical else "general"
        finding = Finding(
            id=uuid.uuid4(),
            inspection_id=inspection.id,
            institution_id=inspection.institution_id,
            item_id=item.id,
            item_code=item.code,
            problem=result.note.strip() or item.text,
            requirement=item.remedy or "按检查标准整改",
            severity=severity,
            deadline=inspection.date + timedelta(days=deadline_days(session, severity)),
            status="open",
            repeat=item.code in previous_failed,
        )
        finding.events.append(FindingEvent(id=uuid.uuid4(), kind="created", actor=actor, note="检查发现问题"))
        session.add(finding)
        session.flush()
        append_audit(
            session,
            actor=actor,
            action="finding.create",
            entity="finding",
            entity_id=finding.id,
            after={
                "inspection": inspection.id,
                "item": item.code,
                "severity": severity,
                "deadline": finding.deadline,
                "repeat": finding.repeat,
            },
        )
        ids.append(finding.id)
    return ids
