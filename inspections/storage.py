"""Storage failures (read-only location, full disk, I/O error, damaged file) as clear Chinese UserErrors."""

from __future__ import annotations

from inspections.errors import UserError
from models.database import StorageError as _ModelStorageError


class StorageError(UserError, _ModelStorageError):
    """The disk refused the database: nothing of the failed action was saved, what was saved before is kept.

    Raised by ``Database.begin()`` / ``Database.session()`` and ``open_database`` of a workspace (see
    ``inspections.workspace.open_workspace``), so the window and the command line show it like any UserError."""
