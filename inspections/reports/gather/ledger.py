"""The 整改通知书 and 整改台账 data: an institution's open findings, the ledger rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections import analytics
from inspections.docnumbers import notice_subject, number_text
from inspections.errors import NotFoundError
from inspections.findings import OPEN_STATUSES, FindingRow, list_findings
from inspections.labels import FINDING_STATUS, INSPECTION_KINDS
from inspections.reports import data as d
from inspections.reports.gather.common import _chunks, _contact, _issuer, _now, _text
from models.checklist import ChecklistItem
from models.finding import Finding, FindingEvent
from models.inspection import Inspection
from models.reference import Institution

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
