"""The 月度督导通报's data: a month's coverage, ranking, problems and trend."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections import analytics
from inspections.docnumbers import bulletin_subject, number_text
from inspections.labels import LEVELS
from inspections.reports import data as d
from inspections.reports.gather.common import _issuer, _now, _text
from inspections.rounds import parse_month
from models.inspection import Round, RoundEntry
from models.reference import Institution

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

    codes = analytics.overdue_item_codes(session, today)
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
