"""Lists of inspections, scoped to what the user may see; an inspection id typed by a user."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.errors import UserError
from inspections.permissions import CurrentUser, acting_user, authorize, scope_institution
from models.inspection import Inspection
from models.reference import Institution


@dataclass(frozen=True)
class InspectionRow:
    id: uuid.UUID
    institution_id: uuid.UUID
    institution_name: str
    kind: str
    date: date
    status: str
    inspectors: tuple[str, ...]
    score: float | None
    grade: str | None
    vetoed: bool
    round_id: uuid.UUID | None


def list_inspections(
    session: Session,
    *,
    institution_id: uuid.UUID | None = None,
    status: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int | None = None,
    user: CurrentUser | None = None,
) -> list[InspectionRow]:
    """Inspections, newest first (a hospital officer's ``user``: their own institution's only). Voided drafts are
    left out unless ``status`` asks for them."""
    user = acting_user(user)
    if user is not None:
        authorize(user, "inspection.view")
        institution_id = scope_institution(user, institution_id, "inspection.view")
    query = (
        select(Inspection, Institution.name)
        .join(Institution, Institution.id == Inspection.institution_id)
        .order_by(Inspection.date.desc(), Institution.name)
    )
    if institution_id is not None:
        query = query.where(Inspection.institution_id == institution_id)
    if status is not None:
        query = query.where(Inspection.status == status)
    else:
        query = query.where(Inspection.status != "voided")
    if date_from is not None:
        query = query.where(Inspection.date >= date_from)
    if date_to is not None:
        query = query.where(Inspection.date <= date_to)
    if limit is not None:
        query = query.limit(limit)
    return [
        InspectionRow(
            i.id,
            i.institution_id,
            name,
            i.kind,
            i.date,
            i.status,
            tuple(i.inspectors),
            i.score,
            i.grade,
            i.vetoed,
            i.round_id,
        )
        for i, name in session.execute(query)
    ]


def scoped_inspections(
    session: Session, user: CurrentUser | None, *, institution_id: uuid.UUID | None = None, limit: int | None = None
) -> list[InspectionRow]:
    """list_inspections restricted to what ``user`` may see (a hospital officer: their institution only)."""
    authorize(user, "inspection.view")
    scoped = scope_institution(user, institution_id, "inspection.view")
    return list_inspections(session, institution_id=scoped, limit=limit, user=user)


def parse_inspection_id(text: str) -> uuid.UUID:
    """An inspection id typed by a user (full UUID)."""
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise UserError(f"“{text}”不是有效的检查编号") from None
