"""The 整改通知书 and 整改台账 data: an institution's open findings, the ledger rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from inspections import analytics
from inspections.docnumbers import notice_subject, number_text
from inspections.errors import NotFoundError
from inspections.findings import OPEN_STATUSES, list_findings, overdue_days
from inspections.labels import FINDING_STATUS, INSPECTION_KINDS, SEVERITIES
from inspections.permissions import acting_user, authorize, scope_institution
from inspections.rawids import raw_id
from inspections.reports import data as d
from inspections.reports.gather.common import _contact, _issuer, _now, _text
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
    """The 整改台账: findings (filtered and ordered like the 整改跟踪 page's ``findings.list_findings``) with the latest
    feedback and re-inspection; a hospital officer acting in the window gets their own institution's only.

    ``month`` keeps the findings of inspections dated in that month. Read as columns in a few queries over the chosen
    findings (not as ORM objects, nor an IN list of ids a batch): a city's whole ledger is a few hundred thousand
    findings and events.
    """
    today = _now(now).date()
    user = acting_user(None)
    if user is not None:
        authorize(user, "finding.view")
        institution_id = scope_institution(user, institution_id)
    chosen: list[ColumnElement[bool]] = []
    if institution_id is not None:
        chosen.append(Finding.institution_id == institution_id)
    if statuses:
        chosen.append(Finding.status.in_(statuses))
    if month is not None:
        start, end = analytics.month_bounds(month)
        chosen += [Inspection.date >= start, Inspection.date < end]
    if overdue_only:
        chosen += [Finding.status.in_(OPEN_STATUSES), Finding.deadline < today]

    connection = session.connection()
    feedback: dict[object, str] = {}
    verdict: dict[object, str] = {}
    events = (
        select(
            raw_id(FindingEvent.finding_id),
            FindingEvent.kind,
            FindingEvent.at,
            FindingEvent.department,
            FindingEvent.measure,
            FindingEvent.note,
        )
        .join(Finding, Finding.id == FindingEvent.finding_id)
        .join(Inspection, Inspection.id == Finding.inspection_id)
        .where(*chosen, FindingEvent.kind.in_(("feedback", "passed", "failed")))
    )
    for finding_id, kind, at, department, measure, note in connection.execute(events.order_by(FindingEvent.at)).all():
        day = at.astimezone().date().isoformat()
        if kind == "feedback":
            dept = f"（{department}）" if department else ""
            feedback[finding_id] = f"{day} {measure or note}{dept}".strip()
        else:
            label = FINDING_STATUS[kind]
            verdict[finding_id] = f"{day} {label}" + (f"：{note}" if note else "")
    findings = (
        select(
            raw_id(Finding.id),
            raw_id(Finding.institution_id),
            Finding.item_code,
            Finding.problem,
            Finding.requirement,
            Finding.severity,
            Finding.deadline,
            Finding.status,
            Inspection.date,
            Finding.responsible_dept,
            raw_id(Finding.item_id),
        )
        .join(Institution, Institution.id == Finding.institution_id)
        .join(Inspection, Inspection.id == Finding.inspection_id)
        .where(*chosen)
    )
    # Every institution's name and stored item's text: a few thousand, however many findings name them.
    names = {key: name for key, name in connection.execute(select(raw_id(Institution.id), Institution.name))}
    texts = {key: text for key, text in connection.execute(select(raw_id(ChecklistItem.id), ChecklistItem.text))}
    keyed: list[tuple[tuple[bool, int, date], d.LedgerRow]] = []
    ordered = findings.order_by(Finding.deadline, Institution.name, Finding.item_code)
    for finding_id, institution, code, problem, requirement, severity, deadline, status, found_on, dept, *item in (
        connection.execute(ordered).all()
    ):
        late = overdue_days(status, deadline, today)
        keyed.append(
            (
                (status not in OPEN_STATUSES, -late, deadline),
                d.LedgerRow(
                    names[institution],
                    code,
                    problem,
                    requirement,
                    SEVERITIES.get(severity, severity),
                    deadline,
                    FINDING_STATUS.get(status, status),
                    late,
                    feedback.get(finding_id, ""),
                    verdict.get(finding_id, ""),
                    found_on,
                    dept,
                    texts.get(item[0], "") if item[0] is not None else "",
                ),
            )
        )
    # Most urgent first, as the 整改跟踪 page lists them: still owed, then by days overdue, then by deadline.
    keyed.sort(key=lambda pair: pair[0])
    return [row for _, row in keyed]


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
