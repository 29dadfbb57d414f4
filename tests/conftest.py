"""Fixtures shared by every test package.

``db`` is a fresh SQLite database; a test (or module) marked ``@pytest.mark.postgres`` that uses ``db`` runs twice,
on SQLite and on a fresh schema of the PostgreSQL server named by ``YG_TEST_PG_URL``. ``pg_db`` is PostgreSQL only.
Without a reachable server the PostgreSQL runs are skipped locally and fail in CI (``CI=true``).
``YG_TEST_DB=postgres`` runs every ``db`` test on PostgreSQL (to try the whole suite against a server).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from models.database import Database, open_database

pytest_plugins = ["tests.workspace_fixtures"]

PG_ENV = "YG_TEST_PG_URL"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@cache
def _pg_unavailable() -> str | None:
    """Why PostgreSQL tests cannot run here; None when the server answers."""
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        return (
            f"没有 PostgreSQL 服务器：未设置环境变量 {PG_ENV}（例如 postgresql+psycopg://yg:yg@127.0.0.1:5432/yg_test）"
        )
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as err:
        return f"PostgreSQL 服务器 {make_url(url).render_as_string()} 无法连接：{str(err.orig).strip()[:300]}"
    finally:
        engine.dispose()
    return None


def _require_pg() -> str:
    reason = _pg_unavailable()
    if reason is not None:
        if _in_ci():
            pytest.fail(f"CI 必须运行 PostgreSQL 测试，但{reason}", pytrace=False)
        pytest.skip(reason)
    return os.environ[PG_ENV].strip()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a fresh, empty schema on the test server (dropped afterwards)."""
    base = _require_pg()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _open(url: str | None, tmp_path: Path) -> Iterator[Database]:
    database = open_database(url, tmp_path)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def pg_db(pg_url: str, tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated PostgreSQL database (its own schema on the test server)."""
    yield from _open(pg_url, tmp_path)


@pytest.fixture
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated database: SQLite in the test's temporary directory, or PostgreSQL (see the module doc)."""
    backend = getattr(request, "param", None) or os.environ.get("YG_TEST_DB", "sqlite")
    if backend == "postgres":
        yield from _open(request.getfixturevalue("pg_url"), tmp_path)
    else:
        yield from _open(None, tmp_path)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("postgres") is not None:
        for name in ("db", "ws"):
            if name in metafunc.fixturenames:
                metafunc.parametrize(name, ["sqlite", "postgres"], indirect=True)
