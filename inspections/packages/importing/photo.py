"""Photos arriving in a package: each blob checked (as the local photo pipeline stores photos: limits read before
decoding, no metadata, nothing appended; size and sha256 as recorded) and stored once, then attached."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from inspections.errors import InvalidInputError, UserError
from inspections.packages.importing.applier import Applier
from inspections.packages.importing.plan import parse_datetime, problem
from inspections.photos import check_stored_photo
from models.inspection import Attachment, Blob


def ensure_blob(applier: Applier, sha: str) -> None:
    if applier.session.get(Blob, sha) is not None:
        return
    record = applier.plan.photos[sha]
    data = applier.plan.package.photo(sha)
    try:
        # The limits and checks of the local photo pipeline, read before decoding; see photos.check_stored_photo.
        size = check_stored_photo(data)
    except UserError as err:
        raise InvalidInputError([problem(applier.plan, f"photos/{sha}.jpg", str(err))]) from None
    if size != (record["width"], record["height"]) or hashlib.sha256(data).hexdigest() != sha:
        raise InvalidInputError([problem(applier.plan, f"photos/{sha}.jpg", "照片尺寸或内容与记录不符")])
    applier.session.add(Blob(sha256=sha, mime="image/jpeg", width=size[0], height=size[1], size=len(data), data=data))
    applier.session.flush()


def add_attachments(applier: Applier, refs: list[dict[str, Any]], **owner: uuid.UUID) -> None:
    applier.fresh_many(Attachment, [ref["id"] for ref in refs])
    for ref in refs:
        ensure_blob(applier, ref["sha256"])
        applier.session.add(
            Attachment(
                id=uuid.UUID(ref["id"]),
                sha256=ref["sha256"],
                filename=ref["filename"],
                caption=ref.get("caption", ""),
                created_at=parse_datetime(ref["created_at"]),
                created_by=ref["created_by"],
                **owner,
            )
        )
