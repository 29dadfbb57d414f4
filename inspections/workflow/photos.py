"""Photos on an inspection's items: attach, caption and remove (a signed inspection: as an audited amendment)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.errors import NotFoundError, ReadOnlyError, UserError
from inspections.teams.parts import check_editable
from inspections.workflow.amendments import after_amendment
from inspections.workflow.loading import get_inspection, item_in
from models.audit import append_audit
from models.base import utcnow
from models.inspection import Attachment, Inspection, ItemResult


def _not_voided(inspection: Inspection, what: str) -> None:
    if inspection.status == "voided":
        raise ReadOnlyError(f"该检查已作废，不能再{what}")


def add_item_photo(
    session: Session,
    actor: str,
    inspection_id: uuid.UUID,
    item_id: uuid.UUID,
    data: bytes,
    *,
    filename: str = "",
    reason: str = "",
) -> uuid.UUID:
    """Attach a photo to an item (an unanswered item stays unanswered: the photo may come first)."""
    from inspections.photos import attach_photo

    inspection = get_inspection(session, inspection_id)
    _not_voided(inspection, "添加照片")
    if inspection.status == "finalized" and not reason.strip():
        raise ReadOnlyError("该检查已完成签字，只读；如需补充照片请填写修改原因")
    item_in(session, inspection, item_id)
    check_editable(session, inspection, item_id, actor)
    result = session.scalar(
        select(ItemResult).where(ItemResult.inspection_id == inspection.id, ItemResult.item_id == item_id)
    )
    if result is None:
        result = ItemResult(
            id=uuid.uuid4(),
            inspection_id=inspection.id,
            item_id=item_id,
            response=None,
            updated_at=utcnow(),
            updated_by=actor,
        )
        session.add(result)
        session.flush()
    attachment_id = attach_photo(session, actor, item_result_id=result.id, data=data, filename=filename)
    if inspection.status == "finalized":
        after_amendment(session, actor, inspection, reason)
    return attachment_id


def remove_item_photo(session: Session, actor: str, attachment_id: uuid.UUID, *, reason: str = "") -> None:
    """Remove a photo from a draft's item (a finalized inspection needs a reason)."""
    from inspections.photos import remove_attachment

    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.item_result_id is None:
        raise NotFoundError("找不到该照片")
    result = session.get(ItemResult, attachment.item_result_id)
    assert result is not None
    inspection = get_inspection(session, result.inspection_id)
    _not_voided(inspection, "删除照片")
    check_editable(session, inspection, result.item_id, actor)
    if inspection.status == "finalized" and not reason.strip():
        raise ReadOnlyError("该检查已完成签字，只读；如需删除照片请填写修改原因")
    remove_attachment(session, actor, attachment_id, reason=reason)
    if inspection.status == "finalized":
        after_amendment(session, actor, inspection, reason)


CAPTION_LIMIT = 200
"""A caption is a line or two under the photo in the 反馈单."""


def set_photo_caption(
    session: Session, actor: str, attachment_id: uuid.UUID, caption: str, *, reason: str = ""
) -> None:
    """Set the caption of a photo on an item (printed under it in the 反馈单); audited as photo.caption.
    A finalized inspection needs a reason (the signed content, answers and photos, is not changed)."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.item_result_id is None:
        raise NotFoundError("找不到该照片")
    caption = " ".join(caption.split())
    if len(caption) > CAPTION_LIMIT:
        raise UserError(f"照片说明最多 {CAPTION_LIMIT} 个字（现有 {len(caption)} 个）")
    result = session.get(ItemResult, attachment.item_result_id)
    assert result is not None
    inspection = get_inspection(session, result.inspection_id)
    _not_voided(inspection, "修改照片说明")
    check_editable(session, inspection, result.item_id, actor)
    if inspection.status == "finalized" and not reason.strip():
        raise ReadOnlyError("该检查已完成签字，只读；如需修改照片说明请填写修改原因")
    if caption == attachment.caption:
        return
    before, attachment.caption = attachment.caption, caption
    append_audit(
        session,
        actor=actor,
        action="photo.caption",
        entity="attachment",
        entity_id=attachment.id,
        before=before,
        after=caption,
        reason=reason,
    )
