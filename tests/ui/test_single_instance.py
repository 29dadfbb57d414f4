"""One window per database: a package double-clicked while the window is open goes to that window; the second start
ends at once without opening the database a second time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ui.app import run_gui
from ui.dialogs.packages import PackageActions
from ui.main_window import MainWindow
from ui.single_instance import InstanceServer, hand_over, instance_name

ROOT = Path(__file__).resolve().parents[2]


def test_names_differ_by_database(tmp_path: Path) -> None:
    assert instance_name(tmp_path / "a", None) == instance_name(tmp_path / "a", None)
    assert instance_name(tmp_path / "a", None) != instance_name(tmp_path / "b", None)
    assert instance_name(tmp_path / "a", None) != instance_name(tmp_path / "a", "postgresql+psycopg://h/db")


def test_nothing_listening_means_this_start_opens_the_window(qapp: QApplication, tmp_path: Path) -> None:
    assert hand_over(instance_name(tmp_path, None), tmp_path / "x.ygpkg") is False


def test_a_package_reaches_the_listening_window(qapp: QApplication, tmp_path: Path) -> None:
    name = instance_name(tmp_path, None)
    server = InstanceServer(name)
    got: list[str] = []
    server.received.connect(got.append)
    code = (
        "import sys; from pathlib import Path; from PySide6.QtCore import QCoreApplication; "
        "from ui.single_instance import hand_over; app = QCoreApplication([]); "
        "sys.exit(0 if hand_over(sys.argv[1], Path(sys.argv[2])) else 3)"
    )
    try:
        assert server.listening
        child = subprocess.Popen([sys.executable, "-c", code, name, str(tmp_path / "第一批.ygpkg")], cwd=ROOT)
        deadline = time.monotonic() + 60
        while (not got or child.poll() is None) and time.monotonic() < deadline:
            qapp.processEvents()
            time.sleep(0.01)
        assert child.wait(10) == 0
    finally:
        server.close()
    assert got == [str((tmp_path / "第一批.ygpkg").resolve())]


def test_a_second_start_with_a_package_hands_it_to_the_open_window(
    qapp: QApplication, tmp_path: Path, empty_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(empty_template, tmp_path / "yuangan.db")
    package = tmp_path / "张伟-11月.ygpkg"
    package.write_bytes(b"not opened by the second start")
    imported: list[Path] = []
    monkeypatch.setattr(PackageActions, "import_from", lambda self, path: imported.append(path))
    second: list[subprocess.CompletedProcess[str]] = []

    def start_again() -> None:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        second.append(
            subprocess.run(
                [sys.executable, str(ROOT / "main.py"), "--data-dir", str(tmp_path), str(package)],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
            )
        )

    def probe(event: str, window: MainWindow) -> None:
        if event != "ready":
            return
        thread = threading.Thread(target=start_again)
        thread.start()

        def wait() -> None:
            if imported or (not thread.is_alive() and second):
                QTimer.singleShot(200, window.close)  # let a late hand-over arrive before closing
                return
            QTimer.singleShot(50, wait)

        wait()

    code = run_gui(None, tmp_path, probe=probe)
    assert code == 0
    assert second and second[0].returncode == 0, second[0].stderr if second else "no second start"
    assert imported == [package.resolve()]
