"""Workarounds for bugs in the Qt binding, each with a probe so it switches itself off once fixed."""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

_none_is_stolen: bool | None = None


class _Probe(QAbstractListModel):
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 1

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        return None


def _probe() -> bool:
    if sys.version_info >= (3, 12):
        return False  # None is immortal: a lost reference cannot free it
    model = _Probe()
    index = model.index(0, 0)
    before = sys.getrefcount(None)
    for _ in range(50):
        index.data(Qt.ItemDataRole.DisplayRole)
    return sys.getrefcount(None) < before - 25


def no_value() -> None:
    """Return this from a Python override of a QVariant-returning virtual (data, headerData) instead of None.

    WORKAROUND for PySide6 6.12 on Python 3.11: each None returned by such an override loses one reference to
    None (a table repaint returns None thousands of times), until the interpreter aborts with "none_dealloc".
    Giving None one reference per return keeps the count right; an extra reference to None is harmless.
    """
    global _none_is_stolen
    if _none_is_stolen is None:
        _none_is_stolen = _probe()
    if _none_is_stolen:
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(None))
    return None
