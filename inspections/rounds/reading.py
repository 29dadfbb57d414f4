"""Reading rounds: the list with counts, one round in detail, and the entry an inspection fulfils."""

from __future__ import annotations

import uuid

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from inspections.errors import NotFoundError
from inspections.rounds.lookup import get_round
from inspections.rounds.months import parse_month
from inspections.rounds.rows import EntryRow, RoundDetail, RoundRow
from models.checklist import ChecklistTemplate
from models.inspection import Inspection, Round, RoundEntry
from models.reference import Institution


def list_rounds(session: Session, *, month: str | None = None) -> list[RoundRow]:
    """Every round (or a month's), newest month first, with its counts from one grouped query."""
    counts = (
        select(
            RoundEntry.round_id,
            func.count().label("planned"),
            func.sum(case((RoundEntry.status == "done", 1), else_=0)).label("done"),
            func.sum(case((RoundEntry.status == "not_done", 1), else_=0)).label("not_done"),
        )
        .group_by(RoundEntry.round_id)
        .subquery()
    )
    query = (
        select(Round.id, Round.month, Round.title, Round.team, counts.c.planned, counts.c.done, counts.c.not_done)
        .outerjoin(counts, counts.c.round_id == Round.id)
        .order_by(Round.month.desc(), Round.created_at.desc())
    )
    if month is not None:
        query = query.where(Round.month == parse_month(month).strftime("%Y-%m"))
    rows = []
    for r in session.execute(query):
        planned, done, not_done = int(r.planned or 0), int(r.done or 0), int(r.not_done or 0)
        rows.append(
            RoundRow(
                r.id, r.month, r.title, tuple(r.team), planned, done, not_done, done / planned if planned else None
            )
        )
    return rows


def _round_inspections(
    session: Session, round_id: uuid.UUID
) -> dict[uuid.UUID, tuple[uuid.UUID, str, float | None, str | None, bool]]:
    """Per institution, the round's inspection that counts: a finalized one before a draft, then the newest."""
    rows = list(
        session.execute(
            select(
                Inspection.institution_id,
                Inspection.id,
                Inspection.status,
                Inspection.score,
                Inspection.grade,
                Inspection.vetoed,
                Inspection.date,
                Inspection.created_at,
            ).where(Inspection.round_id == round_id, Inspection.status != "voided")
        )
    )
    rows.sort(key=lambda r: (r.status == "finalized", r.date, r.created_at))
    return {r.institution_id: (r.id, r.status, r.score, r.grade, r.vetoed) for r in rows}


def round_detail(session: Session, round_id: uuid.UUID) -> RoundDetail:
    """A round with every entry: institution, checklists, inspectors, status, reason and the inspection's result."""
    round_ = get_round(session, round_id)
    entries = session.execute(
        select(RoundEntry, Institution.name, Institution.level, Institution.district)
        .join(Institution, Institution.id == RoundEntry.institution_id)
        .where(RoundEntry.round_id == round_id)
        .order_by(Institution.level.desc(), Institution.district, Institution.name)
    ).all()
    template_ids = {uuid.UUID(t) for e in entries for t in e[0].template_ids}
    titles: dict[uuid.UUID, str] = (
        {
            r.id: r.title
            for r in session.execute(
                select(ChecklistTemplate.id, ChecklistTemplate.title).where(ChecklistTemplate.id.in_(template_ids))
            )
        }
        if template_ids
        else {}
    )
    inspections = _round_inspections(session, round_id)
    rows = []
    for entry, name, level, district in entries:
        ids = tuple(uuid.UUID(t) for t in entry.template_ids)
        found = inspections.get(entry.institution_id)
        rows.append(
            EntryRow(
                id=entry.id,
                institution_id=entry.institution_id,
                institution_name=name,
                level=level,
                district=district,
                template_ids=ids,
                checklist_titles=tuple(titles.get(t, str(t)) for t in ids),
                inspectors=tuple(entry.inspectors),
                status=entry.status,
                reason=entry.reason,
                inspection_id=found[0] if found else None,
                inspection_status=found[1] if found else None,
                score=found[2] if found else None,
                grade=found[3] if found else None,
                vetoed=found[4] if found else False,
            )
        )
    return RoundDetail(round_.id, round_.month, round_.title, tuple(round_.team), round_.status, tuple(rows))


def entry_for_inspection(session: Session, inspection_id: uuid.UUID) -> uuid.UUID | None:
    """The round entry an inspection fulfils (its round and institution), or None for an inspection outside rounds."""
    row = session.execute(
        select(Inspection.round_id, Inspection.institution_id).where(Inspection.id == inspection_id)
    ).first()
    if row is None:
        raise NotFoundError(f"找不到检查记录（编号 {inspection_id}）")
    if row.round_id is None:
        return None
    return session.scalar(
        select(RoundEntry.id).where(
            RoundEntry.round_id == row.round_id, RoundEntry.institution_id == row.institution_id
        )
    )
