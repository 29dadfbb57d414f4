"""Fixtures for the window tests: an application set up like the real one, a context on a temporary data dir."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from ui.app import create_application
from ui.context import AppContext
from ui.settings import open_settings
from ui.tasks import TaskRunner

# Offscreen, Qt's default screen is 800×600; test on a common laptop screen instead (1366×768).
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={Path(__file__).with_name('laptop_screen.json')}"


@pytest.fixture(scope="session")
def qapp(qapp_args: list[str], qapp_cls: type[QApplication], pytestconfig: pytest.Config) -> QApplication:
    return create_application(qapp_args)


@pytest.fixture
def runner(qapp: QApplication) -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.shutdown(wait=True)
    assert not [t for t in threading.enumerate() if t.name.startswith("yuangan-db")], "worker thread left running"


@pytest.fixture
def bare_context(qapp: QApplication, tmp_path: Path, runner: TaskRunner) -> AppContext:
    """A context without a database: the shell alone."""
    return AppContext(tmp_path, None, open_settings(tmp_path), runner, "本机 (test.db)")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo database made once per test session (opening and migrating costs about a second)."""
    from inspections.demo import generate_demo
    from inspections.workspace import open_workspace

    directory = tmp_path_factory.mktemp("demo")
    db = open_workspace(None, directory)
    generate_demo(db, institutions=8, months=3, seed=7)
    db.close()
    return directory / "yuangan.db"


@pytest.fixture(scope="session")
def empty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with the built-in checklists and nothing else."""
    from inspections.workspace import open_workspace

    directory = tmp_path_factory.mktemp("empty")
    open_workspace(None, directory).close()
    return directory / "yuangan.db"


def _context_on(template: Path, tmp_path: Path, runner: TaskRunner) -> Iterator[AppContext]:
    import shutil

    from models.database import open_database, sqlite_url

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(template, data_dir / "yuangan.db")
    db = open_database(sqlite_url(data_dir / "yuangan.db"), data_dir, migrate=False)
    context = AppContext(data_dir, db, open_settings(data_dir), runner, f"本机 ({data_dir / 'yuangan.db'})")
    context.settings.setValue("user/name", "张三")
    yield context
    runner.shutdown(wait=True)
    db.close()


@pytest.fixture
def demo_context(qapp: QApplication, demo_template: Path, tmp_path: Path, runner: TaskRunner) -> Iterator[AppContext]:
    """A context on a fresh copy of the demo database."""
    yield from _context_on(demo_template, tmp_path, runner)


@pytest.fixture
def empty_context(qapp: QApplication, empty_template: Path, tmp_path: Path, runner: TaskRunner) -> Iterator[AppContext]:
    """A context on a fresh copy of an empty database (built-in checklists only)."""
    yield from _context_on(empty_template, tmp_path, runner)
