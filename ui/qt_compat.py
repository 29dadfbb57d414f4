"""Workarounds for bugs in the Qt binding."""

from __future__ import annotations

import ctypes
import sys

_PROTECTED = False
_MARGIN = 1 << 40


def protect_singletons() -> None:
    """Give None, True and False (and friends) so many references that no leak of the binding can free them.

    WORKAROUND for PySide6 6.12 (shiboken6 6.12) on Python 3.11: every call of a C++ method returning void (and
    every Python ``data()`` override returning None) drops one reference to None that it never took, and bools
    lose references too; after a few thousand calls (one table repaint) the interpreter aborts with
    "Fatal Python error: none_dealloc" / "bool_dealloc". The binding treats these objects as immortal, which
    they are from Python 3.12 on; here we make them so in effect by raising their reference counts by 2**40.
    Nothing else changes: the objects are never freed anyway.
    """
    global _PROTECTED
    if _PROTECTED or sys.version_info >= (3, 12):
        return
    for obj in (None, True, False, Ellipsis, NotImplemented):
        ctypes.c_ssize_t.from_address(id(obj)).value += _MARGIN
    _PROTECTED = True
