"""What a member vouches for: the digest of each item's value, and of their part as a whole.

An item's value is its response, points, note and photos (by sha256). The part statement a member signs lists, for
every answered item in their parts, the checklist code, the item code and that digest; it is stored with the
signature (``Signature.context``), so ``check`` can verify it later and say which items the lead decided otherwise.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.teams.parts import part_item_ids
from models.checklist import ChecklistItem, ChecklistTemplate
from models.inspection import Attachment, ItemResult


def _canonical(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def value_digest(response: str | None, points: float | None, note: str, photos: Iterable[str]) -> str:
    """sha256 of an item's value (points as a float: 2 and 2.0 are the same answer)."""
    value = [response, None if points is None else float(points), note or "", sorted(photos)]
    return hashlib.sha256(_canonical(value)).hexdigest()


@dataclass(frozen=True)
class ItemValue:
    """An item's value as stored here, and who last changed it."""

    item_id: uuid.UUID
    template_code: str
    item_code: str
    response: str | None
    points: float | None
    note: str
    photos: tuple[str, ...]
    updated_by: str
    updated_at: datetime

    @property
    def digest(self) -> str:
        return value_digest(self.response, self.points, self.note, self.photos)

    @property
    def empty(self) -> bool:
        return self.response is None and not self.note.strip() and not self.photos


def current_values(
    session: Session, inspection_id: uuid.UUID, item_ids: Collection[uuid.UUID] | None = None
) -> dict[uuid.UUID, ItemValue]:
    """The stored values of an inspection's items (of ``item_ids`` only, when given)."""
    query = (
        select(
            ItemResult.id,
            ItemResult.item_id,
            ChecklistTemplate.code,
            ChecklistItem.code,
            ItemResult.response,
            ItemResult.points,
            ItemResult.note,
            ItemResult.updated_by,
            ItemResult.updated_at,
        )
        .join(ChecklistItem, ChecklistItem.id == ItemResult.item_id)
        .join(ChecklistTemplate, ChecklistTemplate.id == ChecklistItem.template_id)
        .where(ItemResult.inspection_id == inspection_id)
    )
    rows = session.execute(query).all()
    if item_ids is not None:
        wanted = set(item_ids)
        rows = [r for r in rows if r[1] in wanted]
    photos: dict[uuid.UUID, list[str]] = {}
    result_ids = [r[0] for r in rows]
    for start in range(0, len(result_ids), 500):
        for result_id, sha in session.execute(
            select(Attachment.item_result_id, Attachment.sha256).where(
                Attachment.item_result_id.in_(result_ids[start : start + 500])
            )
        ):
            if result_id is not None:
                photos.setdefault(result_id, []).append(sha)
    return {
        item_id: ItemValue(
            item_id, tcode, icode, response, points, note or "", tuple(sorted(photos.get(rid, []))), by, at
        )
        for rid, item_id, tcode, icode, response, points, note, by, at in rows
    }


@dataclass(frozen=True)
class PartStatement:
    """What a member signs: every answered item of their parts, by checklist and item code, with its value digest."""

    inspection_id: uuid.UUID
    member: str
    items: tuple[tuple[str, str, str], ...]  # (checklist code, item code, value digest), sorted

    @property
    def digest(self) -> str:
        body = {"inspection": str(self.inspection_id), "member": self.member, "items": [list(i) for i in self.items]}
        return hashlib.sha256(_canonical(body)).hexdigest()

    def as_context(self) -> dict[str, Any]:
        """As stored beside the signature (``Signature.context``)."""
        return {"member": self.member, "items": [list(i) for i in self.items]}

    @staticmethod
    def from_context(inspection_id: uuid.UUID, context: dict[str, Any]) -> PartStatement:
        items = tuple(sorted((str(a), str(b), str(c)) for a, b, c in context.get("items", [])))
        return PartStatement(inspection_id, str(context.get("member", "")), items)


def part_statement(session: Session, inspection_id: uuid.UUID, member: str) -> PartStatement:
    """The member's part as it stands here: the statement their signature vouches for."""
    values = current_values(session, inspection_id, part_item_ids(session, inspection_id, member))
    items = sorted((v.template_code, v.item_code, v.digest) for v in values.values() if not v.empty)
    return PartStatement(inspection_id, member, tuple(items))
