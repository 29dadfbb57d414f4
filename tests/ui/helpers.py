"""Shared helpers for the window tests: start an inspection, read back what the database holds."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from inspections import workflow
from models.inspection import ItemResult
from models.reference import Institution
from ui.context import AppContext


def start_inspection(context: AppContext, name_contains: str = "") -> uuid.UUID:
    """A new draft inspection of an active institution (the first whose name contains ``name_contains``)."""
    assert context.db is not None
    with context.db.begin() as s:
        institution = s.scalars(
            select(Institution)
            .where(Institution.active.is_(True), Institution.name.contains(name_contains), Institution.level > 0)
            .order_by(Institution.name)
        ).first()
        assert institution is not None
        return workflow.start_inspection(
            s, "张三", institution_id=institution.id, on=dt.date.today(), inspectors=["张三", "李四"]
        )


def stored_results(context: AppContext, inspection_id: uuid.UUID) -> dict[uuid.UUID, tuple[str, str]]:
    """item id → (response, note) as stored."""
    assert context.db is not None
    with context.db.session() as s:
        rows = s.scalars(select(ItemResult).where(ItemResult.inspection_id == inspection_id))
        return {r.item_id: (r.response, r.note) for r in rows}
