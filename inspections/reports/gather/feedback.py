"""The 督导检查反馈单's data: one inspection, its scores, findings, photos and scope."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.docnumbers import feedback_subject, number_text
from inspections.errors import ReadOnlyError
from inspections.findings import list_findings
from inspections.labels import SEVERITIES
from inspections.reports import data as d
from inspections.reports.gather.common import PHOTO_CAPTION_LIMIT, _issuer, _now, _text
from inspections.scoring import ChecklistScore, overall_grade
from inspections.teams import part_signatures
from inspections.workflow import FAILING, InspectionView, deadline_days, load_inspection
from inspections.workflow.scope import mark_for
from models.inspection import Blob

# --- 督导检查反馈单 -----------------------------------------------------------------------------------------------


def _section_rows(view: InspectionView, score: ChecklistScore) -> tuple[d.SectionScoreRow, ...]:
    """A checklist's sections in order: each one's subtotal, or what left it out (本次未检 / 不适用)."""
    scored = {sec.code: sec for sec in score.sections}
    checklist = next((c for c in view.checklists if c.spec.code == score.code), None)
    if checklist is None:
        return tuple(d.SectionScoreRow(s.code, s.title, s.earned, s.maximum, s.percent) for s in score.sections)
    rows = []
    for section in checklist.sections:
        sec = scored.get(section.code)
        if sec is not None:
            rows.append(d.SectionScoreRow(sec.code, sec.title, sec.earned, sec.maximum, sec.percent))
            continue
        mark = mark_for(view.scope, checklist.template_id, section.code)
        if mark is not None and mark.section_code:
            rows.append(d.SectionScoreRow(section.code, section.title, 0, 0, None, out_of_scope=mark.mode_label))
    return tuple(rows)


def feedback_data(
    session: Session,
    inspection_id: uuid.UUID,
    *,
    now: datetime | None = None,
    with_details: bool = True,
) -> d.FeedbackReportData:
    """Everything the 督导检查反馈单 of one inspection prints.

    Its document number is the one issued when the inspection was finalized (see inspections.docnumbers); a draft
    has none, and an inspection finalized before numbers were registered has none until ``documents`` prints it.
    """
    view = load_inspection(session, inspection_id)
    if view.status == "voided":
        raise ReadOnlyError("该检查已作废，不能生成检查反馈单")
    finalized = view.finalized
    texts = {(c.spec.title, i.code): i.spec.text for c in view.checklists for s in c.sections for i in s.items}

    checklists = []
    critical: list[d.CriticalFailureRow] = []
    notes = {(c.spec.title, i.code): i.note for c in view.checklists for s in c.sections for i in s.items}
    left_out = {
        c.spec.code: mark.mode_label
        for c in view.checklists
        for mark in view.scope
        if mark.template_id == c.template_id and not mark.section_code
    }
    for score in view.score.checklists:
        vetoes = tuple(f"{code} {texts.get((score.title, code), '')}".strip() for code in score.veto_items)
        checklists.append(
            d.ChecklistScoreRow(
                title=score.title,
                version=score.version,
                earned=score.earned,
                maximum=score.maximum,
                percent=score.score if score.basis == "percent" else None,
                grade=score.grade,
                vetoed=score.vetoed,
                veto_items=vetoes,
                formula=score.formula,
                not_checked=len(score.unchecked_items),
                sections=_section_rows(view, score),
                out_of_scope=left_out.get(score.code, ""),
                consequences=tuple(
                    f"{label}：" + "；".join(f"{code} {texts.get((score.title, code), '')}".strip() for code in codes)
                    for label, codes in score.consequences
                ),
            )
        )
        critical.extend(
            d.CriticalFailureRow(
                item_code=code,
                item_text=texts.get((score.title, code), ""),
                checklist_title=score.title,
                problem=notes.get((score.title, code), "").strip() or "不符合",
            )
            for code in score.veto_items
        )

    findings = _inspection_findings(session, view, now) if finalized else _prospective_findings(session, view)
    signatures = dict(view.signatures)
    return d.FeedbackReportData(
        doc_number=number_text(session, "feedback", feedback_subject(view.id)) if finalized else "",
        institution=view.institution_name,
        inspection_date=view.date,
        kind_label=view.kind_label,
        team=view.inspectors,
        hospital_representative=view.hospital_rep,
        status="finalized" if finalized else "draft",
        content_hash_short=(view.content_hash or "")[:8] if finalized else "",
        data_as_of=_now(now),
        checklists=tuple(checklists),
        critical_failures=tuple(critical),
        findings=tuple(findings),
        photos=tuple(_photos(session, view)),
        signatures=(
            d.SignatureRow("督导组成员", signatures.get("inspectors") or "、".join(view.inspectors)),
            d.SignatureRow("受检机构负责人", signatures.get("hospital_rep") or view.hospital_rep),
        ),
        issuer=_issuer(session),
        item_details=tuple(_details(view)) if with_details else (),
        overall_percent=view.score.percent,
        overall_grade=overall_grade(view.score),
        contact_person=_text(session, "contact_person"),
        contact_phone=_text(session, "contact_phone"),
        scope=tuple(mark.line for mark in view.scope),
        team_parts=tuple(_team_parts(session, inspection_id)),
    )


def _team_parts(session: Session, inspection_id: uuid.UUID) -> list[d.TeamPartRow]:
    """检查分工: each member's parts and their signature over them (a signature over values the lead has since
    decided otherwise is still a signature: it says how many)."""
    rows = []
    for sig in part_signatures(session, inspection_id):
        signed = "未签署" if sig.signed_at is None else "已签署" if sig.valid else "签名无效"
        rows.append(
            d.TeamPartRow(
                sig.name,
                "、".join(p.label for p in sig.parts),
                signed,
                sig.signed_at.astimezone() if sig.signed_at is not None else None,
                sig.differs if sig.valid else 0,
            )
        )
    return rows


def _inspection_findings(session: Session, view: InspectionView, now: datetime | None) -> list[d.FindingRow]:
    rows = list_findings(session, today=_now(now).date(), inspection_id=view.id)
    order = {i.code: n for n, i in enumerate(view.items())}
    rows.sort(key=lambda r: (order.get(r.item_code, len(order)), r.item_code))
    return [
        d.FindingRow(
            item_code=r.item_code,
            checklist_title=r.checklist_title,
            problem=r.problem,
            requirement=r.requirement,
            severity=r.severity_label,
            deadline=r.deadline,
            responsible_department=r.responsible_dept,
            repeat=r.repeat,
        )
        for r in rows
    ]


def _prospective_findings(session: Session, view: InspectionView) -> list[d.FindingRow]:
    """A draft has no findings yet: show those finalizing would create (same rule as the workflow)."""
    rows = []
    for checklist in view.checklists:
        for section in checklist.sections:
            for item in section.items:
                if item.outcome not in FAILING:
                    continue
                severity = "critical" if item.spec.critical else "general"
                rows.append(
                    d.FindingRow(
                        item_code=item.code,
                        checklist_title=checklist.spec.title,
                        problem=item.note.strip() or item.spec.text,
                        requirement=item.spec.remedy or "按检查标准整改",
                        severity=SEVERITIES[severity],
                        deadline=view.date + timedelta(days=deadline_days(session, severity)),
                        repeat=item.previous is not None and item.previous.outcome in FAILING,
                    )
                )
    return rows


def _photos(session: Session, view: InspectionView) -> list[d.PhotoRow]:
    wanted = [(item, photo) for item in view.items() for photo in item.photos]
    if not wanted:
        return []
    blobs = {
        sha: (mime, data)
        for sha, mime, data in session.execute(
            select(Blob.sha256, Blob.mime, Blob.data).where(Blob.sha256.in_({p.sha256 for _i, p in wanted}))
        )
    }
    photos = []
    for item, photo in wanted:
        if photo.sha256 not in blobs:
            continue
        mime, data = blobs[photo.sha256]
        caption = (item.note.strip() or item.spec.text).replace("\n", " ")
        if len(caption) > PHOTO_CAPTION_LIMIT:
            caption = caption[: PHOTO_CAPTION_LIMIT - 1] + "…"
        jpeg = data if mime == "image/jpeg" else _as_jpeg(data)
        photos.append(d.PhotoRow(item.code, caption, jpeg, photo.caption))
    return photos


def _as_jpeg(data: bytes) -> bytes:
    # Photos are stored as JPEG by ingest; anything else (an older import) is converted rather than dropped.
    buffer = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _details(view: InspectionView) -> list[d.ItemDetailRow]:
    rows = []
    for checklist, score in zip(view.checklists, view.score.checklists, strict=True):
        scored = {i.code: i for i in score.items}
        for section in checklist.sections:
            for item in section.items:
                s = scored.get(item.code)
                rows.append(
                    d.ItemDetailRow(
                        item_code=item.code,
                        item_text=item.spec.text,
                        checklist_title=checklist.spec.title,
                        response=s.response_label if s else "未检查",
                        points=s.earned if s else None,
                        maximum=s.maximum if s and s.maximum is not None else item.spec.points,
                        critical=item.spec.critical,
                        note=item.note,
                    )
                )
    return rows
