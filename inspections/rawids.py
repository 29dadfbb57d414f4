"""Ids as the database driver returns them, for reading many rows fast.

SQLAlchemy turns every id column it reads into a ``uuid.UUID`` (from the stored hex text on SQLite), and matching rows
by those ids hashes each in Python; over a city's millions of answers that cost more than scoring them. Reading an id
with ``raw_id`` leaves it as the driver gives it (the hex text on SQLite, a UUID on PostgreSQL) — a key to match rows
of the same read with each other, never to compare with a ``uuid.UUID`` or to show.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, type_coerce


def raw_id(column: Any) -> ColumnElement[object]:
    """``column`` (an id) read as the driver returns it. Select it through a Core connection
    (``session.connection().execute``) when the same statement also selects the id itself."""
    return type_coerce(column, String)


def id_text(raw: object) -> str:
    """A raw id (see ``raw_id``) spelt as ``str(uuid.UUID)`` spells it, without making a UUID of the hex text."""
    if isinstance(raw, str) and len(raw) == 32:
        return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
    return str(raw)
