"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from models.database import Database, open_database


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated SQLite database in the test's temporary directory."""
    database = open_database(None, tmp_path)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture(scope="session")
def _workspace_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with the built-in checklists, made once per test session and copied per test."""
    from inspections.workspace import open_workspace

    folder = tmp_path_factory.mktemp("workspace-template")
    database = open_workspace(None, folder)
    database.close()
    return folder


@pytest.fixture
def ws(tmp_path: Path, _workspace_template: Path) -> Iterator[Database]:
    """A fresh database holding the built-in checklists (as the application opens it)."""
    import sqlite3

    from models.database import DB_FILENAME

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
