"""Shared pieces of the gatherers: the clock, the agency's settings, bounded id lists."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from inspections.settings import SETTINGS, get_setting

PHOTO_CAPTION_LIMIT = 60


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now().astimezone()).astimezone()


def _issuer(session: Session) -> str:
    return str(get_setting(session, "issuer"))


def _text(session: Session, key: str) -> str:
    return str(get_setting(session, key) or "")


def _contact(session: Session) -> str:
    """``张三，电话 0371-12345678`` (or whichever part is set)."""
    person, phone = _text(session, "contact_person"), _text(session, "contact_phone")
    return "，".join(part for part in (person, f"电话 {phone}" if phone else "") if part)


def font_choices(session: Session) -> dict[str, str]:
    """The settings that choose the documents' faces (``font_<role>``), for ``fonts.using_faces``."""
    return {key: _text(session, key) for key in SETTINGS if key.startswith("font_")}


def _chunks(ids: Sequence[uuid.UUID], size: int = 500) -> list[Sequence[uuid.UUID]]:
    # Bounded IN lists: SQLite allows at most 32766 parameters in a statement.
    return [ids[i : i + size] for i in range(0, len(ids), size)]

