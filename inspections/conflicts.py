"""Saving with optimistic locking: a record someone else saved since it was loaded is a ConflictError with both values.

Every editable model has a version counter (``version_id_col``); SQLAlchemy then raises StaleDataError when an UPDATE
finds the row at another version. ``saving(session)`` commits the session's changes and turns that into a
ConflictError whose ``mine`` and ``theirs`` hold, field by field, what this user typed and what is stored now.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from inspections.errors import ConflictError
from models.base import Base

_LABELS = {
    "Institution": "医疗机构",
    "Finding": "整改项",
    "Inspection": "检查记录",
    "ItemResult": "检查结果",
    "User": "用户",
    "Round": "督导批次",
    "RoundEntry": "督导批次中的机构",
}


@dataclass(frozen=True)
class _Pending:
    obj: Base
    changes: dict[str, Any]
    loaded_version: int | None


def _pending(session: Session) -> list[_Pending]:
    pending = []
    for obj in session.dirty:
        state = inspect(obj)
        changes = {}
        for attr in state.attrs:
            history = attr.history
            if history.added and attr.key not in ("version", "updated_at"):
                changes[attr.key] = history.added[0]
        if not changes or "version" not in state.attrs:
            continue
        version = state.attrs["version"].loaded_value
        pending.append(_Pending(obj, changes, version if isinstance(version, int) else None))
    return pending


def _label(obj: Base) -> str:
    kind = _LABELS.get(type(obj).__name__, "记录")
    name = getattr(obj, "name", None) or getattr(obj, "username", None)
    return f"{kind}「{name}」" if isinstance(name, str) and name else kind


@contextmanager
def saving(session: Session) -> Iterator[Session]:
    """Commit the changes made in the block; ConflictError (nothing saved) if another user saved a record first."""
    pending: list[_Pending] = []
    try:
        yield session
        pending = _pending(session)
        session.commit()
    except StaleDataError:
        session.rollback()
        _raise_conflict(session, pending)
        raise ConflictError("记录在您编辑期间已被他人修改并保存；您的修改未保存，请刷新后再操作") from None


def _raise_conflict(session: Session, pending: list[_Pending]) -> None:
    for item in pending:
        obj = item.obj
        state = inspect(obj)
        mapper = state.mapper
        key = mapper.primary_key_from_instance(obj)
        current = session.get(type(obj), key[0] if len(key) == 1 else tuple(key), populate_existing=True)
        if current is None:
            raise ConflictError(f"{_label(obj)}已被他人删除，您的修改未保存", mine=item.changes, theirs=None) from None
        version = getattr(current, "version", None)
        if version != item.loaded_version:
            theirs = {field: getattr(current, field) for field in item.changes}
            raise ConflictError(
                f"{_label(current)}在您编辑期间已被他人修改并保存（您读取的是第 {item.loaded_version} 版，"
                f"现在是第 {version} 版）；您的修改未保存，请查看对方的修改后再决定",
                mine=item.changes,
                theirs=theirs,
            ) from None
