"""The `ws` fixture: a fresh database holding the built-in checklists, as the application opens it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from models.database import DB_FILENAME, Database, open_database


@pytest.fixture(scope="session")
def _workspace_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Made once per test session (migrations and built-ins take a while) and copied for each test."""
    from inspections.workspace import open_workspace

    folder = tmp_path_factory.mktemp("workspace-template")
    open_workspace(None, folder).close()
    return folder


@pytest.fixture
def ws(tmp_path: Path, _workspace_template: Path) -> Iterator[Database]:
    """A fresh SQLite database in the test's temporary directory with the built-in checklists loaded."""
    folder = tmp_path / "data"
    folder.mkdir()
    # The online backup API copies a consistent database even with WAL files around.
    src = sqlite3.connect(_workspace_template / DB_FILENAME)
    dst = sqlite3.connect(folder / DB_FILENAME)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    database = open_database(None, folder)
    try:
        yield database
    finally:
        database.close()
