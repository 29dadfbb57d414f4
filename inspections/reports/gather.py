"""Reads the database (through the models and the service functions) into the plain data the builders take."""

from __future__ import annotations

import io
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inspections import analytics
from inspections.checklists.spec import ChecklistSpec
from inspections.docnumbers import bulletin_subject, feedback_subject, notice_subject, number_text
from inspections.errors import NotFoundError, ReadOnlyError
from inspections.findings import OPEN_STATUSES, FindingRow, list_findings
from inspections.labels import FINDING_STATUS, INSPECTION_KINDS, LEVELS, SEVERITIES
from inspections.reports import data as d
from inspections.rounds import parse_month
from inspections.scoring import Answer, ChecklistScore, overall_grade
from inspections.settings import SETTINGS, get_setting
from inspections.templates import template_spec
from inspections.workflow import FAILING, InspectionView, deadline_days, load_inspection
from inspections.workflow.scope import ScopeMark, mark_for, score_in_scope
from models.checklist import ChecklistItem
from models.finding import Finding, FindingEvent
from models.inspection import Blob, Inspection, InspectionChecklist, InspectionScope, ItemResult, Round, RoundEntry
from models.reference import Institution

PHOTO_CAPTION_LIMIT = 60


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now().astimezone()).astimezone()


def _issuer(session: Session) -> str:
    return str(get_setting(session, "issuer"))


def _text(session: Session, key: str) -> str:
    return str(get_setting(session, key) or "")


def _contact(session: Session) -> str:
    """``张三，电话 0371-12345678`` (or whichever part is set)."""
    person, phone = _text(session, "contact_person"), _text(session, "contact_phone")
    return "，".join(part for part in (person, f"电话 {phone}" if phone else "") if part)


def font_choices(session: Session) -> dict[str, str]:
    """The settings that choose the documents' faces (``font_<role>``), for ``fonts.using_faces``."""
    return {key: _text(session, key) for key in SETTINGS if key.startswith("font_")}


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
    )


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


# --- 月度督导通报 -------------------------------------------------------------------------------------------------


def bulletin_data(session: Session, month: str, *, now: datetime | None = None, draft: bool = False) -> d.BulletinData:
    """Everything the 月度督导通报 of ``month`` (YYYY-MM) prints, from the analytics over stored scores."""
    first = parse_month(month)
    month = first.strftime("%Y-%m")
    as_of = _now(now)
    today = as_of.date()

    cov = analytics.coverage(session, month)
    not_done = [
        d.NotDoneRow(name, reason or "未说明原因")
        for name, reason in session.execute(
            select(Institution.name, RoundEntry.reason)
            .join(RoundEntry, RoundEntry.institution_id == Institution.id)
            .join(Round, Round.id == RoundEntry.round_id)
            .where(Round.month == month, RoundEntry.status == "not_done")
            .order_by(Institution.name)
        )
    ]

    uninspected = tuple(
        session.scalars(
            select(Institution.name)
            .join(RoundEntry, RoundEntry.institution_id == Institution.id)
            .join(Round, Round.id == RoundEntry.round_id)
            .where(Round.month == month, RoundEntry.status == "planned")
            .order_by(Institution.name)
            .distinct()
        )
    )

    previous_month = analytics.shift_month(first, -1).strftime("%Y-%m")
    previous = {r.institution_id: r.score for r in analytics.ranking(session, previous_month)}
    ranking = []
    for r in analytics.ranking(session, month):
        before = previous.get(r.institution_id)
        ranking.append(
            d.RankingRow(
                rank=r.rank,
                institution=r.institution_name,
                level=LEVELS.get(r.level, str(r.level)),
                score=r.score,
                grade=r.grade or "—",
                vetoed=r.vetoed,
                change=None if r.score is None or before is None else r.score - before,
                district=r.district,
            )
        )

    codes: dict[uuid.UUID, list[str]] = defaultdict(list)
    for f in analytics.overdue_findings(session, today):
        if f.item_code and f.item_code not in codes[f.institution_id]:
            codes[f.institution_id].append(f.item_code)
    overdue = [
        d.OverdueRow(o.name, o.count, o.max_days_overdue, tuple(codes.get(o.institution_id, ())))
        for o in analytics.overdue_by_institution(session, today, limit=None)
    ]

    trend = [
        d.TrendPoint(p.month, p.average, analytics.coverage(session, p.month).percent)
        for p in analytics.score_trend(session, month)
    ]
    return d.BulletinData(
        month=month,
        title=f"关于{d.cn_month(month)}医院感染防控督导检查情况的通报",
        issuer=_issuer(session),
        doc_number="" if draft else number_text(session, "bulletin", bulletin_subject(month)),
        issue_date=today,
        data_as_of=as_of,
        coverage=d.CoverageData(cov.planned, cov.done, tuple(not_done)),
        ranking=tuple(ranking),
        distribution=tuple(d.ScoreBin(label, n) for label, n in analytics.score_distribution(session, month)),
        failed_items=tuple(
            d.FailedItemRow(f.item_code, f.item_text, f.checklist_title, f.failed, f.answered)
            for f in analytics.failed_items(session, month, months=1, limit=10)
        ),
        overdue=tuple(overdue),
        trend=tuple(trend),
        status="draft" if draft else "finalized",
        uninspected=uninspected,
        copy_to=_text(session, "doc_copy_to"),
    )


# --- 整改通知书 and 整改台账 --------------------------------------------------------------------------------------


def notice_data(session: Session, institution_id: uuid.UUID, *, now: datetime | None = None) -> d.NoticeData:
    """The 整改通知书 of one institution: its findings still owed (待整改 and 复查未通过).

    Its document number is the one issued for the institution on that day, "" until ``documents`` issues it.
    """
    institution = session.get(Institution, institution_id)
    if institution is None:
        raise NotFoundError(f"找不到医疗机构（编号 {institution_id}）")
    as_of = _now(now)
    rows = list_findings(session, today=as_of.date(), institution_id=institution_id, statuses=OPEN_STATUSES)
    rows.sort(key=lambda r: (r.deadline, r.inspection_date, r.item_code))
    kinds = set(session.scalars(select(Inspection.kind).where(Inspection.id.in_({r.inspection_id for r in rows}))))
    return d.NoticeData(
        institution=institution.name,
        doc_number=number_text(session, "notice", notice_subject(institution_id, as_of.date())),
        issuer=_issuer(session),
        issue_date=as_of.date(),
        data_as_of=as_of,
        findings=tuple(
            d.NoticeFindingRow(
                item_code=r.item_code,
                problem=r.problem,
                requirement=r.requirement,
                deadline=r.deadline,
                severity=r.severity_label,
                status=r.status_label,
                inspection_date=r.inspection_date,
                overdue_days=r.overdue_days,
            )
            for r in rows
        ),
        contact=_contact(session),
        inspection_kinds=tuple(INSPECTION_KINDS.get(k, k) for k in sorted(kinds)),
        copy_to=_text(session, "doc_copy_to"),
    )


def ledger_rows(
    session: Session,
    *,
    now: datetime | None = None,
    institution_id: uuid.UUID | None = None,
    statuses: Sequence[str] | None = None,
    overdue_only: bool = False,
    month: str | None = None,
) -> list[d.LedgerRow]:
    """The 整改台账: findings (filtered like the 整改跟踪 page) with the latest feedback and re-inspection.

    ``month`` keeps the findings of inspections dated in that month.
    """
    today = _now(now).date()
    rows: list[FindingRow] = list_findings(
        session,
        today=today,
        institution_id=institution_id,
        statuses=statuses,
        overdue_only=overdue_only,
        inspected=None if month is None else analytics.month_bounds(month),
    )
    ids = [r.id for r in rows]
    texts: dict[uuid.UUID, str] = {}
    feedback: dict[uuid.UUID, str] = {}
    verdict: dict[uuid.UUID, str] = {}
    for chunk in _chunks(ids):
        for finding_id, text in session.execute(
            select(Finding.id, ChecklistItem.text)
            .join(ChecklistItem, ChecklistItem.id == Finding.item_id)
            .where(Finding.id.in_(chunk))
        ):
            texts[finding_id] = text
        # Columns, not entities: a city's ledger reads hundreds of thousands of events.
        for finding_id, kind, at, department, measure, note in session.execute(
            select(
                FindingEvent.finding_id,
                FindingEvent.kind,
                FindingEvent.at,
                FindingEvent.department,
                FindingEvent.measure,
                FindingEvent.note,
            )
            .where(FindingEvent.finding_id.in_(chunk), FindingEvent.kind.in_(("feedback", "passed", "failed")))
            .order_by(FindingEvent.at)
        ):
            day = at.astimezone().date().isoformat()
            if kind == "feedback":
                dept = f"（{department}）" if department else ""
                feedback[finding_id] = f"{day} {measure or note}{dept}".strip()
            else:
                label = FINDING_STATUS[kind]
                verdict[finding_id] = f"{day} {label}" + (f"：{note}" if note else "")
    return [
        d.LedgerRow(
            institution=r.institution_name,
            item_code=r.item_code,
            problem=r.problem,
            requirement=r.requirement,
            severity=r.severity_label,
            deadline=r.deadline,
            status=r.status_label,
            overdue_days=r.overdue_days,
            feedback=feedback.get(r.id, ""),
            reinspection=verdict.get(r.id, ""),
            found_on=r.inspection_date,
            responsible_department=r.responsible_dept,
            item_text=texts.get(r.id, ""),
        )
        for r in rows
    ]


def ledger_data(
    session: Session,
    *,
    now: datetime | None = None,
    scope: str = "",
    institution_id: uuid.UUID | None = None,
    statuses: Sequence[str] | None = None,
    overdue_only: bool = False,
    month: str | None = None,
) -> d.LedgerData:
    """The ledger as a document (title, scope line, rows); the filters as in ``ledger_rows``."""
    as_of = _now(now)
    rows = ledger_rows(
        session, now=as_of, institution_id=institution_id, statuses=statuses, overdue_only=overdue_only, month=month
    )
    open_only = statuses is not None and set(statuses) <= set(OPEN_STATUSES)
    return d.LedgerData(tuple(rows), as_of, scope=scope, issuer=_issuer(session), open_only=open_only)


# --- inspection results (.xlsx) ----------------------------------------------------------------------------------


@dataclass
class ResultsStream:
    """The results export as it is read: ``rows`` yields item rows batch by batch; ``summary`` fills meanwhile."""

    inspections: int
    rows: Iterator[d.ResultRow]
    summary: list[d.ResultSummaryRow]
    data_as_of: datetime
    expected_rows: int
    sections: list[d.ResultSummaryRow] = field(default_factory=list)  # filled with ``summary``: 分组小计


RESULTS_BATCH = 200


def results_stream(
    session: Session,
    *,
    month: str | None = None,
    institution_id: uuid.UUID | None = None,
    inspection_ids: Sequence[uuid.UUID] | None = None,
    include_drafts: bool = False,
    now: datetime | None = None,
) -> ResultsStream:
    """Item results and checklist scores of the chosen inspections (finalized only unless ``include_drafts``),
    read a batch of inspections at a time with a few set queries each (not one ``load_inspection`` per inspection),
    so a city's export streams through memory. Each checklist is scored from the stored answers, as a document is."""
    query = select(Inspection.id).order_by(Inspection.date, Inspection.created_at, Inspection.id)
    if inspection_ids is not None:
        query = query.where(Inspection.id.in_(list(inspection_ids)))
    if institution_id is not None:
        query = query.where(Inspection.institution_id == institution_id)
    if month is not None:
        start, end = analytics.month_bounds(month)
        query = query.where(Inspection.date >= start, Inspection.date < end)
    if not include_drafts:
        query = query.where(Inspection.status == "finalized")
    ids = list(session.scalars(query))
    expected = 0
    for chunk in _chunks(ids):
        expected += (
            session.scalar(
                select(func.count())
                .select_from(InspectionChecklist)
                .join(ChecklistItem, ChecklistItem.template_id == InspectionChecklist.template_id)
                .where(InspectionChecklist.inspection_id.in_(chunk))
            )
            or 0
        )
    summary: list[d.ResultSummaryRow] = []
    sections: list[d.ResultSummaryRow] = []
    return ResultsStream(
        len(ids), _result_rows(session, ids, summary, sections), summary, _now(now), expected, sections
    )


def _result_rows(
    session: Session,
    ids: Sequence[uuid.UUID],
    summary: list[d.ResultSummaryRow],
    sections: list[d.ResultSummaryRow] | None = None,
) -> Iterator[d.ResultRow]:
    specs: dict[uuid.UUID, ChecklistSpec] = {}
    for first in range(0, len(ids), RESULTS_BATCH):
        chunk = ids[first : first + RESULTS_BATCH]
        heads = {
            row[0]: row[1:]
            for row in session.execute(
                select(Inspection.id, Inspection.date, Inspection.kind, Institution.name)
                .join(Institution, Institution.id == Inspection.institution_id)
                .where(Inspection.id.in_(chunk))
            )
        }
        templates: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for inspection_id, template_id in session.execute(
            select(InspectionChecklist.inspection_id, InspectionChecklist.template_id)
            .where(InspectionChecklist.inspection_id.in_(chunk))
            .order_by(InspectionChecklist.inspection_id, InspectionChecklist.position)
        ):
            templates[inspection_id].append(template_id)
        answers: dict[tuple[uuid.UUID, uuid.UUID], dict[str, Answer]] = defaultdict(dict)
        notes: dict[tuple[uuid.UUID, uuid.UUID, str], str] = {}
        for inspection_id, template_id, code, response, points, note in session.execute(
            select(
                ItemResult.inspection_id,
                ChecklistItem.template_id,
                ChecklistItem.code,
                ItemResult.response,
                ItemResult.points,
                ItemResult.note,
            )
            .join(ChecklistItem, ChecklistItem.id == ItemResult.item_id)
            .where(ItemResult.inspection_id.in_(chunk))
        ):
            if response is not None:  # a note or photo without an answer yet
                answers[(inspection_id, template_id)][code] = Answer(response, points)
            if note:
                notes[(inspection_id, template_id, code)] = note
        scopes: dict[uuid.UUID, list[tuple[uuid.UUID, str, str, str]]] = defaultdict(list)
        for row in session.scalars(select(InspectionScope).where(InspectionScope.inspection_id.in_(chunk))):
            scopes[row.inspection_id].append((row.template_id, row.section_code, row.mode, row.reason))
        for inspection_id in chunk:
            on, kind, institution = heads[inspection_id]
            kind_label = INSPECTION_KINDS.get(kind, kind)
            tids = templates[inspection_id]
            for tid in tids:
                if tid not in specs:
                    specs[tid] = template_spec(session, tid)
            # Scored as the 反馈单 scores it: checklists and sections left out count for nothing.
            marks = [ScopeMark(tid, code, mode, reason, specs[tid].title, "") for tid, code, mode, reason in
                     scopes[inspection_id] if tid in specs]  # fmt: skip
            score = score_in_scope([(tid, specs[tid], answers.get((inspection_id, tid), {})) for tid in tids], marks)
            for tid, checklist in zip(tids, score.checklists, strict=True):
                spec = specs[tid]
                whole = mark_for(marks, tid, "")
                whole = whole if whole is not None and not whole.section_code else None
                summary.append(
                    d.ResultSummaryRow(
                        institution=institution,
                        inspection_date=on,
                        kind_label=kind_label,
                        checklist_title=checklist.title,
                        earned=checklist.earned,
                        maximum=checklist.maximum,
                        percent=checklist.score if checklist.basis == "percent" else None,
                        grade=whole.mode_label if whole is not None else checklist.grade,
                        vetoed=checklist.vetoed,
                    )
                )
                if sections is not None:
                    sections.extend(
                        d.ResultSummaryRow(
                            institution=institution,
                            inspection_date=on,
                            kind_label=kind_label,
                            checklist_title=f"{checklist.title} / {sec.title}",
                            earned=sec.earned,
                            maximum=sec.maximum,
                            percent=sec.percent,
                            grade="",
                        )
                        for sec in checklist.sections
                    )
                scored = {i.code: i for i in checklist.items}
                for section in spec.sections:
                    left_out = mark_for(marks, tid, section.code)
                    for item in section.items:
                        s = scored.get(item.code)
                        yield d.ResultRow(
                            institution=institution,
                            inspection_date=on,
                            kind_label=kind_label,
                            checklist_title=spec.title,
                            item_code=item.code,
                            item_text=item.text,
                            response=left_out.mode_label if left_out else s.response_label if s else "未检查",
                            points=None if left_out else s.earned if s else None,
                            maximum=item.points,
                            note=notes.get((inspection_id, tid, item.code), ""),
                            critical=item.critical,
                        )


def results_rows(
    session: Session,
    *,
    month: str | None = None,
    institution_id: uuid.UUID | None = None,
    inspection_ids: Sequence[uuid.UUID] | None = None,
    include_drafts: bool = False,
    now: datetime | None = None,
) -> d.ResultsExport:
    """The whole results export in memory (small selections and tests; the workbook streams ``results_stream``)."""
    stream = results_stream(
        session,
        month=month,
        institution_id=institution_id,
        inspection_ids=inspection_ids,
        include_drafts=include_drafts,
        now=now,
    )
    rows = tuple(stream.rows)
    return d.ResultsExport(rows, tuple(stream.summary), data_as_of=stream.data_as_of, sections=tuple(stream.sections))


def _chunks(ids: Sequence[uuid.UUID], size: int = 500) -> list[Sequence[uuid.UUID]]:
    # Bounded IN lists: SQLite allows at most 32766 parameters in a statement.
    return [ids[i : i + size] for i in range(0, len(ids), size)]
