"""Findings and their rectification: 待整改 → 已反馈 → 复查通过 / 复查未通过 (with a new deadline)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from inspections.errors import ConflictError, NotFoundError, UserError
from inspections.labels import FINDING_STATUS, SEVERITIES
from inspections.permissions import CurrentUser, acting_user, authorize, scope_institution, signer_of
from inspections.settings import get_setting
from inspections.signing import seal_event
from models.audit import append_audit
from models.base import utcnow
from models.checklist import ChecklistItem, ChecklistTemplate
from models.finding import Finding, FindingEvent
from models.inspection import Attachment, Inspection
from models.reference import Institution

OPEN_STATUSES = ("open", "failed")  # the hospital still owes a rectification


def overdue_days(status: str, deadline: date, today: date) -> int:
    """Days past the deadline while the hospital still owes a rectification; 0 when not overdue."""
    if status not in OPEN_STATUSES:
        return 0
    return max(0, (today - deadline).days)


@dataclass(frozen=True)
class FindingRow:
    id: uuid.UUID
    institution_id: uuid.UUID
    institution_name: str
    inspection_id: uuid.UUID
    inspection_date: date
    item_code: str
    checklist_title: str
    problem: str
    requirement: str
    severity: str
    deadline: date
    status: str
    responsible_dept: str
    repeat: bool
    overdue_days: int
    version: int

    @property
    def severity_label(self) -> str:
        return SEVERITIES.get(self.severity, self.severity)

    @property
    def status_label(self) -> str:
        return FINDING_STATUS.get(self.status, self.status)


@dataclass(frozen=True)
class EventView:
    id: uuid.UUID
    kind: str
    at: datetime
    actor: str
    note: str
    measure: str
    department: str
    new_deadline: date | None
    photos: tuple[tuple[uuid.UUID, str, str], ...]  # attachment id, sha256, file name


@dataclass(frozen=True)
class FindingDetail:
    row: FindingRow
    item_text: str
    events: tuple[EventView, ...]


def _row_query() -> Select[Finding, str, date, str]:
    return (
        select(Finding, Institution.name, Inspection.date, ChecklistTemplate.title)
        .join(Institution, Institution.id == Finding.institution_id)
        .join(Inspection, Inspection.id == Finding.inspection_id)
        .outerjoin(ChecklistItem, ChecklistItem.id == Finding.item_id)
        .outerjoin(ChecklistTemplate, ChecklistTemplate.id == ChecklistItem.template_id)
    )


def _row(f: Finding, name: str, inspected: date, title: str | None, today: date) -> FindingRow:
    return FindingRow(
        f.id,
        f.institution_id,
        name,
        f.inspection_id,
        inspected,
        f.item_code,
        title or "",
        f.problem,
        f.requirement,
        f.severity,
        f.deadline,
        f.status,
        f.responsible_dept,
        f.repeat,
        overdue_days(f.status, f.deadline, today),
        f.version,
    )


def list_findings(
    session: Session,
    *,
    today: date,
    institution_id: uuid.UUID | None = None,
    statuses: Sequence[str] | None = None,
    severity: str | None = None,
    overdue_only: bool = False,
    inspection_id: uuid.UUID | None = None,
    inspected: tuple[date, date] | None = None,
    limit: int | None = None,
    user: CurrentUser | None = None,
) -> list[FindingRow]:
    """Findings, most urgent first (overdue, then by deadline); a hospital officer's ``user``: their own only.

    ``inspected=(start, end)``: only findings of inspections dated on or after ``start`` and before ``end``.
    """
    user = acting_user(user)
    if user is not None:
        authorize(user, "finding.view")
        institution_id = scope_institution(user, institution_id)
    query = _row_query()
    if institution_id is not None:
        query = query.where(Finding.institution_id == institution_id)
    if inspection_id is not None:
        query = query.where(Finding.inspection_id == inspection_id)
    if statuses:
        query = query.where(Finding.status.in_(statuses))
    if severity is not None:
        query = query.where(Finding.severity == severity)
    if inspected is not None:
        query = query.where(Inspection.date >= inspected[0], Inspection.date < inspected[1])
    if overdue_only:
        query = query.where(Finding.status.in_(OPEN_STATUSES), Finding.deadline < today)
    query = query.order_by(Finding.deadline, Institution.name, Finding.item_code)
    if limit is not None:
        query = query.limit(limit)
    rows = [_row(f, n, d, t, today) for f, n, d, t in session.execute(query)]
    return sorted(rows, key=lambda r: (r.status not in OPEN_STATUSES, -r.overdue_days, r.deadline))


def scoped_findings(
    session: Session,
    user: CurrentUser | None,
    *,
    today: date,
    institution_id: uuid.UUID | None = None,
    statuses: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[FindingRow]:
    """list_findings restricted to what ``user`` may see (a hospital officer: their institution only)."""
    authorize(user, "finding.view")
    scoped = scope_institution(user, institution_id)
    return list_findings(session, today=today, institution_id=scoped, statuses=statuses, limit=limit, user=user)


def _finding(session: Session, finding_id: uuid.UUID) -> Finding:
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise NotFoundError(f"找不到整改项（编号 {finding_id}）")
    return finding


def finding_detail(
    session: Session, finding_id: uuid.UUID, *, today: date, user: CurrentUser | None = None
) -> FindingDetail:
    """A finding with its history and evidence."""
    row = session.execute(_row_query().where(Finding.id == finding_id)).one_or_none()
    if row is None:
        raise NotFoundError(f"找不到整改项（编号 {finding_id}）")
    f, name, inspected, title = row
    _authorize(user, "finding.view", f)
    item_text = ""
    if f.item_id is not None:
        item_text = session.scalar(select(ChecklistItem.text).where(ChecklistItem.id == f.item_id)) or ""
    photos: dict[uuid.UUID, list[tuple[uuid.UUID, str, str]]] = {}
    event_ids = [e.id for e in f.events]
    for a in session.scalars(
        select(Attachment).where(Attachment.finding_event_id.in_(event_ids)).order_by(Attachment.created_at)
    ):
        assert a.finding_event_id is not None
        photos.setdefault(a.finding_event_id, []).append((a.id, a.sha256, a.filename))
    events = tuple(
        EventView(
            e.id, e.kind, e.at, e.actor, e.note, e.measure, e.department, e.new_deadline, tuple(photos.get(e.id, ()))
        )
        for e in f.events
    )
    return FindingDetail(_row(f, name, inspected, title, today), item_text, events)


def _authorize(user: CurrentUser | None, action: str, finding: Finding) -> None:
    # None: single-user mode, or the window's acting_as user
    authorize(user, action, institution_id=finding.institution_id)


def _check_version(finding: Finding, expected_version: int | None) -> None:
    if expected_version is not None and finding.version != expected_version:
        raise ConflictError(
            "该整改项已被他人修改，请刷新后再操作",
            theirs={"status": finding.status, "deadline": finding.deadline, "dept": finding.responsible_dept},
        )


def _add_event(
    session: Session,
    actor: str,
    finding: Finding,
    kind: str,
    *,
    note: str = "",
    measure: str = "",
    department: str = "",
    new_deadline: date | None = None,
    photos: Sequence[tuple[bytes, str]] = (),
) -> FindingEvent:
    from inspections.photos import attach_photo

    event = FindingEvent(
        id=uuid.uuid4(),
        finding_id=finding.id,
        kind=kind,
        at=utcnow(),
        actor=actor,
        note=note,
        measure=measure,
        department=department,
        new_deadline=new_deadline,
    )
    session.add(event)
    session.flush()
    for data, filename in photos:
        attach_photo(session, actor, finding_event_id=event.id, data=data, filename=filename)
    return event


def record_feedback(
    session: Session,
    actor: str,
    finding_id: uuid.UUID,
    *,
    measure: str,
    department: str,
    note: str = "",
    photos: Sequence[tuple[bytes, str]] = (),
    expected_version: int | None = None,
    user: CurrentUser | None = None,
) -> uuid.UUID:
    """The hospital's rectification: measure taken, responsible department, "after" photos → 已反馈."""
    finding = _finding(session, finding_id)
    _authorize(user, "finding.feedback", finding)
    _check_version(finding, expected_version)
    if finding.status not in OPEN_STATUSES:
        raise UserError(f"该整改项当前状态为“{FINDING_STATUS[finding.status]}”，不能再提交整改反馈")
    if not measure.strip():
        raise UserError("请填写整改措施")
    if not department.strip():
        raise UserError("请填写责任科室")
    before = {"status": finding.status, "dept": finding.responsible_dept}
    event = _add_event(
        session,
        actor,
        finding,
        "feedback",
        note=note.strip(),
        measure=measure.strip(),
        department=department.strip(),
        photos=photos,
    )
    finding.status, finding.responsible_dept = "feedback", department.strip()
    finding.updated_at = utcnow()
    sealed_by = seal_event(session, event.id, signer_of(user), "feedback")
    append_audit(
        session,
        actor=actor,
        action="finding.feedback",
        entity="finding",
        entity_id=finding.id,
        before=before,
        after={
            "status": "feedback",
            "dept": finding.responsible_dept,
            "measure": measure.strip(),
            "photos": len(photos),
            "event": event.id,
            "sealed_by": sealed_by,
        },
    )
    return event.id


def record_reinspection(
    session: Session,
    actor: str,
    finding_id: uuid.UUID,
    *,
    passed: bool,
    note: str = "",
    new_deadline: date | None = None,
    today: date | None = None,
    photos: Sequence[tuple[bytes, str]] = (),
    expected_version: int | None = None,
    user: CurrentUser | None = None,
) -> uuid.UUID:
    """The inspector's verdict on a rectification: 复查通过 closes it; 复查未通过 sets a new deadline."""
    finding = _finding(session, finding_id)
    _authorize(user, "finding.reinspect", finding)
    _check_version(finding, expected_version)
    if finding.status in ("passed",):
        raise UserError("该整改项已复查通过")
    if not passed and not note.strip():
        raise UserError("复查未通过时请填写原因")
    today = today or date.today()
    before = {"status": finding.status, "deadline": finding.deadline}
    if passed:
        event = _add_event(session, actor, finding, "passed", note=note.strip(), photos=photos)
        finding.status, finding.closed_at = "passed", utcnow()
    else:
        deadline = new_deadline or today + timedelta(days=int(get_setting(session, "reinspection_days")))
        if deadline < today:
            raise UserError("新的整改期限不能早于今天")
        event = _add_event(session, actor, finding, "failed", note=note.strip(), new_deadline=deadline, photos=photos)
        finding.status, finding.deadline = "failed", deadline
    finding.updated_at = utcnow()
    sealed_by = seal_event(session, event.id, signer_of(user), event.kind)
    append_audit(
        session,
        actor=actor,
        action="finding.reinspect",
        entity="finding",
        entity_id=finding.id,
        before=before,
        after={
            "status": finding.status,
            "deadline": finding.deadline,
            "note": note,
            "event": event.id,
            "sealed_by": sealed_by,
        },
    )
    return event.id


def add_finding_note(
    session: Session, actor: str, finding_id: uuid.UUID, note: str, *, user: CurrentUser | None = None
) -> uuid.UUID:
    """A free note in a finding's history (a phone call, a notice sent …)."""
    finding = _finding(session, finding_id)
    _authorize(user, "finding.note", finding)
    if not note.strip():
        raise UserError("备注不能为空")
    event = _add_event(session, actor, finding, "note", note=note.strip())
    append_audit(
        session,
        actor=actor,
        action="finding.note",
        entity="finding",
        entity_id=finding.id,
        after={"note": note.strip()},
    )
    return event.id
