"""Look-ups shared by reading, planning and changing rounds: a round or entry by id, names, an entry's state."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.errors import NotFoundError
from models.inspection import Inspection, Round, RoundEntry
from models.reference import Institution


def clean_names(names: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for name in names:
        name = name.strip()
        if name and name not in seen:
            seen.append(name)
    return seen


def get_round(session: Session, round_id: uuid.UUID) -> Round:
    round_ = session.get(Round, round_id)
    if round_ is None:
        raise NotFoundError(f"找不到督导批次（编号 {round_id}）")
    return round_


def get_entry(session: Session, entry_id: uuid.UUID) -> RoundEntry:
    entry = session.get(RoundEntry, entry_id)
    if entry is None:
        raise NotFoundError(f"找不到督导批次中的该机构（编号 {entry_id}）")
    return entry


def institution_name(session: Session, institution_id: uuid.UUID) -> str:
    return session.scalar(select(Institution.name).where(Institution.id == institution_id)) or str(institution_id)


def inspection_ids_for_entry(session: Session, entry: RoundEntry) -> list[tuple[uuid.UUID, str]]:
    return [
        (r.id, r.status)
        for r in session.execute(
            select(Inspection.id, Inspection.status)
            .where(
                Inspection.round_id == entry.round_id,
                Inspection.institution_id == entry.institution_id,
                Inspection.status != "voided",
            )
            .order_by(Inspection.created_at.desc())
        )
    ]


def entry_state(entry: RoundEntry) -> dict[str, object]:
    return {
        "status": entry.status,
        "reason": entry.reason,
        "template_ids": list(entry.template_ids),
        "inspectors": list(entry.inspectors),
    }
