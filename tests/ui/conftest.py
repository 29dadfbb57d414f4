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
