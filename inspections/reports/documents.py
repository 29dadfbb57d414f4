"""One call per document for the command line and the window: read the database, render, write the file."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from inspections import docnumbers
from inspections.errors import NotFoundError
from inspections.reports import gather
from inspections.reports.bulletin import build_bulletin
from inspections.reports.feedback import build_feedback_report
from inspections.reports.fonts import using_faces
from inspections.reports.notice import build_ledger_pdf, build_notice
from inspections.reports.output import Output
from inspections.reports.xlsx import WorkbookResult, write_ledger_workbook, write_results_stream
from inspections.users import CurrentUser, acting_user, authorize, authorize_inspection
from inspections.workspace import current_actor
from models.inspection import Inspection

T = TypeVar("T")


def authorize_scope(user: CurrentUser | None, institution_id: uuid.UUID | None) -> None:
    """One institution's documents: whoever may see its findings; every institution's: commission staff only."""
    if institution_id is not None:
        authorize(user, "finding.view", institution_id=institution_id)
    else:
        authorize(user, "inspection.record")


def _actor(actor: str | None, user: CurrentUser | None) -> str:
    """Who the register names as issuing a number: the given name, the acting user, else this computer's user."""
    if actor:
        return actor
    acting = acting_user(user)
    return acting.username if acting is not None else current_actor()


def _build(session: Session, builder: Callable[[T, Output], object], data: T, out: Output) -> None:
    """Build a document in the faces chosen in 设置."""
    with using_faces(gather.font_choices(session)):
        builder(data, out)


def _may_issue(user: CurrentUser | None) -> bool:
    """Numbers are issued by commission staff (and in single-user mode); a hospital officer printing a notice or
    an older 反馈单 gets the number already issued, or none."""
    acting = acting_user(user)
    return acting is None or acting.can("inspection.record")


def inspection_report(
    session: Session,
    inspection_id: uuid.UUID,
    out: Output,
    *,
    now: datetime | None = None,
    user: CurrentUser | None = None,
    actor: str | None = None,
) -> str:
    """``report inspection ID -o FILE.pdf``: the 督导检查反馈单 (a draft prints with the 草稿 watermark and no number).

    A finalized inspection's number was issued when it was finalized; one finalized before numbers were
    registered (an upgraded database, old packages) gets its number now: call this in a write transaction, or in a
    read session within ``docnumbers.issuing_apart``. Returns the document number ("" for a draft).
    """
    authorize_inspection(session, user, "inspection.view", inspection_id)
    data = gather.feedback_data(session, inspection_id, now=now)
    if data.status == "finalized" and not data.doc_number and _may_issue(user):
        inspection = session.get(Inspection, inspection_id)
        if inspection is None:
            raise NotFoundError(f"找不到检查记录（编号 {inspection_id}）")
        subject = docnumbers.feedback_subject(inspection_id)
        return docnumbers.issue_with_document(
            session,
            "feedback",
            subject,
            inspection.date,
            _actor(actor, user),
            lambda number: _build(session, build_feedback_report, replace(data, doc_number=number), out),
        )
    _build(session, build_feedback_report, data, out)
    return data.doc_number


def bulletin(
    session: Session,
    month: str,
    out: Output,
    *,
    now: datetime | None = None,
    draft: bool = False,
    user: CurrentUser | None = None,
    actor: str | None = None,
) -> str:
    """``report bulletin YYYY-MM -o FILE.pdf``: the 月度督导通报 (it ranks every institution: commission staff).

    The month's bulletin gets its number when first generated (in a write transaction, or a read session within
    ``docnumbers.issuing_apart``); generating it again prints the same number. A draft has none, nor has a month
    with nothing planned or inspected (it prints as a draft). Returns the number.
    """
    authorize_scope(user, None)
    data = gather.bulletin_data(session, month, now=now, draft=draft)
    if not draft and not data.doc_number and data.coverage.planned == 0 and not data.ranking:
        # Nothing planned and nothing inspected (often a mistyped month): print it as a draft, spend no 文号.
        data = gather.bulletin_data(session, month, now=now, draft=True)
        draft = True
    if not draft and not data.doc_number:
        first = date.fromisoformat(f"{data.month}-01")
        subject = docnumbers.bulletin_subject(data.month)
        return docnumbers.issue_with_document(
            session,
            "bulletin",
            subject,
            first,
            _actor(actor, user),
            lambda number: _build(session, build_bulletin, replace(data, doc_number=number), out),
        )
    _build(session, build_bulletin, data, out)
    return data.doc_number


def notice(
    session: Session,
    institution_id: uuid.UUID,
    out: Output,
    *,
    now: datetime | None = None,
    user: CurrentUser | None = None,
    actor: str | None = None,
) -> str:
    """``report notice INSTITUTION_ID -o FILE.pdf``: the 整改通知书 of one institution.

    A notice gets its number when first generated on a day (as for ``bulletin``); generating it again the same day
    prints the same number, a later day's notice is a new document with a new number. Returns the number.
    """
    authorize_scope(user, institution_id)
    data = gather.notice_data(session, institution_id, now=now)
    if not data.doc_number and _may_issue(user):
        subject = docnumbers.notice_subject(institution_id, data.issue_date)
        return docnumbers.issue_with_document(
            session,
            "notice",
            subject,
            data.issue_date,
            _actor(actor, user),
            lambda number: _build(session, build_notice, replace(data, doc_number=number), out),
        )
    _build(session, build_notice, data, out)
    return data.doc_number


def ledger_pdf(
    session: Session,
    out: Output,
    *,
    now: datetime | None = None,
    scope: str = "",
    institution_id: uuid.UUID | None = None,
    statuses: Sequence[str] | None = None,
    overdue_only: bool = False,
    month: str | None = None,
    user: CurrentUser | None = None,
) -> None:
    """The 整改台账 as a landscape PDF, grouped by institution (``statuses`` None: every state)."""
    authorize_scope(user, institution_id)
    data = gather.ledger_data(
        session,
        now=now,
        scope=scope,
        institution_id=institution_id,
        statuses=statuses,
        overdue_only=overdue_only,
        month=month,
    )
    with using_faces(gather.font_choices(session)):
        build_ledger_pdf(data, out)


def ledger_xlsx(
    session: Session,
    out: Output,
    *,
    now: datetime | None = None,
    institution_id: uuid.UUID | None = None,
    statuses: Sequence[str] | None = None,
    overdue_only: bool = False,
    month: str | None = None,
    user: CurrentUser | None = None,
) -> WorkbookResult:
    """``export ledger -o FILE.xlsx``: the 整改台账 workbook; returns its rows and sheets (split past Excel's limit)."""
    authorize_scope(user, institution_id)
    data = gather.ledger_data(
        session, now=now, institution_id=institution_id, statuses=statuses, overdue_only=overdue_only, month=month
    )
    return write_ledger_workbook(data.rows, out, data_as_of=data.data_as_of)


def results_xlsx(
    session: Session,
    out: Output,
    *,
    now: datetime | None = None,
    month: str | None = None,
    institution_id: uuid.UUID | None = None,
    inspection_ids: Sequence[uuid.UUID] | None = None,
    include_drafts: bool = False,
    user: CurrentUser | None = None,
) -> WorkbookResult:
    """``export results -o FILE.xlsx``: item results and checklist scores, streamed from the database into the
    workbook; returns the item rows and the sheets they went to (split past Excel's limit)."""
    authorize_scope(user, institution_id)
    stream = gather.results_stream(
        session,
        month=month,
        institution_id=institution_id,
        inspection_ids=inspection_ids,
        include_drafts=include_drafts,
        now=now,
    )
    return write_results_stream(
        stream.rows,
        lambda: stream.summary,
        out,
        data_as_of=stream.data_as_of,
        total=stream.expected_rows,
        sections=lambda: stream.sections,
    )
