"""One call per document for the command line and the window: read the database, render, write the file."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from inspections.reports import gather
from inspections.reports.bulletin import build_bulletin
from inspections.reports.feedback import build_feedback_report
from inspections.reports.notice import build_ledger_pdf, build_notice
from inspections.reports.output import Output
from inspections.reports.xlsx import write_ledger_workbook, write_results_workbook
from inspections.users import CurrentUser, authorize, authorize_inspection


def authorize_scope(user: CurrentUser | None, institution_id: uuid.UUID | None) -> None:
    """One institution's documents: whoever may see its findings; every institution's: commission staff only."""
    if institution_id is not None:
        authorize(user, "finding.view", institution_id=institution_id)
    else:
        authorize(user, "inspection.record")


def inspection_report(
    session: Session,
    inspection_id: uuid.UUID,
    out: Output,
    *,
    now: datetime | None = None,
    user: CurrentUser | None = None,
) -> None:
    """``report inspection ID -o FILE.pdf``: the 督导检查反馈单 (a draft prints with the 草稿 watermark)."""
    authorize_inspection(session, user, "inspection.view", inspection_id)
    build_feedback_report(gather.feedback_data(session, inspection_id, now=now), out)


def bulletin(
    session: Session,
    month: str,
    out: Output,
    *,
    now: datetime | None = None,
    draft: bool = False,
    user: CurrentUser | None = None,
) -> None:
    """``report bulletin YYYY-MM -o FILE.pdf``: the 月度督导通报 (it ranks every institution: commission staff)."""
    authorize_scope(user, None)
    build_bulletin(gather.bulletin_data(session, month, now=now, draft=draft), out)


def notice(
    session: Session,
    institution_id: uuid.UUID,
    out: Output,
    *,
    now: datetime | None = None,
    user: CurrentUser | None = None,
) -> None:
    """``report notice INSTITUTION_ID -o FILE.pdf``: the 整改通知书 of one institution."""
    authorize_scope(user, institution_id)
    build_notice(gather.notice_data(session, institution_id, now=now), out)


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
    """The 整改台账 as a landscape PDF."""
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
) -> int:
    """``export ledger -o FILE.xlsx``: the 整改台账 workbook; returns the number of rows."""
    authorize_scope(user, institution_id)
    data = gather.ledger_data(
        session, now=now, institution_id=institution_id, statuses=statuses, overdue_only=overdue_only, month=month
    )
    write_ledger_workbook(data.rows, out, data_as_of=data.data_as_of)
    return len(data.rows)


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
) -> int:
    """``export results -o FILE.xlsx``: item results and checklist scores; returns the number of item rows."""
    authorize_scope(user, institution_id)
    export = gather.results_rows(
        session,
        month=month,
        institution_id=institution_id,
        inspection_ids=inspection_ids,
        include_drafts=include_drafts,
        now=now,
    )
    write_results_workbook(export, out)
    return len(export.rows)
