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
def ws(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh database with the built-in checklists loaded: SQLite in the test's temporary directory, or (for
    tests marked ``postgres``, which run on both) a fresh schema on the PostgreSQL test server."""
    folder = tmp_path / "data"
    folder.mkdir()
    if getattr(request, "param", "sqlite") == "postgres":
        from inspections.workspace import open_workspace

        database = open_workspace(request.getfixturevalue("pg_url"), folder)
        try:
            yield database
        finally:
            database.close()
        return
    template: Path = request.getfixturevalue("_workspace_template")
    # The online backup API copies a consistent database even with WAL files around.
    src = sqlite3.connect(template / DB_FILENAME)
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
