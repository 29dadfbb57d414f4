"""The built program (PyInstaller, one folder) works on its own: --version, the built-in checklists on a fresh data
directory, a PDF with its Chinese font, the window started offscreen and closed.

It builds the bundle (about a minute), so it runs where YG_TEST_BUILD=1 is set: .ci/run sets it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import tasks
from models.version import __version__

pytestmark = [
    pytest.mark.bundle,
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("YG_TEST_BUILD") != "1", reason="builds the bundle: set YG_TEST_BUILD=1"),
]


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bundle")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, *tasks.pyinstaller_args(root / "dist", root / "work")],
        capture_output=True, text=True, timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    folder = root / "dist" / "yuangan"
    size = tasks.folder_size(folder) / 1024**2
    print(f"\nbundle built in {time.monotonic() - started:.0f} s, {size:.0f} MB", file=sys.stderr)
    assert size < 400, f"{size:.0f} MB: something unneeded was collected"
    return folder / ("yuangan.exe" if os.name == "nt" else "yuangan")


def _run(program: Path, *args: str, data: Path | None = None) -> subprocess.CompletedProcess[str]:
    where = ["--data-dir", str(data)] if data is not None else []
    # A copy of the environment without the source tree: the bundle must not need it.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(program), *where, *args], capture_output=True, text=True, timeout=300, env=env,
                          cwd=program.parent.parent)


def test_the_bundle_reports_its_version(program: Path) -> None:
    result = _run(program, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"院感督导 {__version__}"


def test_the_bundle_lists_the_built_in_checklists_on_a_fresh_data_directory(program: Path, tmp_path: Path) -> None:
    result = _run(program, "checklists", "list", "--json", data=tmp_path)
    assert result.returncode == 0, result.stderr
    codes = {row["code"] for row in json.loads(result.stdout)}
    assert {"triage", "fever-clinic-zoning", "hand-hygiene"} <= codes  # read from the bundle's resources/


def test_the_bundle_writes_a_pdf_with_its_chinese_font(program: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    assert _run(program, "demo", "--institutions", "3", "--months", "2", "--end-month", "2026-10",
                data=tmp_path).returncode == 0
    listed = _run(program, "inspections", "list", "--json", "--status", "finalized", data=tmp_path)
    inspection = json.loads(listed.stdout)[0]["id"]
    pdf = tmp_path / "反馈单.pdf"
    result = _run(program, "report", "inspection", inspection, "-o", str(pdf), data=tmp_path)
    assert result.returncode == 0, result.stderr
    reader = PdfReader(pdf)
    assert "督导检查反馈单" in reader.pages[0].extract_text()
    fonts = {str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("WenQuanYi" in name for name in fonts), fonts


def test_the_bundle_refuses_a_mistake_in_one_line(program: Path, tmp_path: Path) -> None:
    result = _run(program, "package", "import", str(tmp_path / "none.ygpkg"), data=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("错误：") and "Traceback" not in result.stderr


@pytest.mark.skipif(os.name == "nt", reason="closes the window with SIGTERM")
def test_the_bundle_opens_its_window_offscreen_and_closes_cleanly(program: Path, tmp_path: Path) -> None:
    log = tmp_path / "logs" / "yuangan.log"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    errors = tmp_path / "stderr.txt"
    with errors.open("wb") as stderr:
        process = subprocess.Popen([str(program), "--data-dir", str(tmp_path)], env=env, stderr=stderr)
    try:
        deadline = time.monotonic() + 120
        while not (log.exists() and " ready: " in log.read_text(encoding="utf-8")):
            assert process.poll() is None, errors.read_text(errors="replace")
            assert time.monotonic() < deadline, "the window did not get ready"
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)  # the window closes the normal way
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
    text = log.read_text(encoding="utf-8")
    assert f"院感督导 {__version__} ready" in text
    # No warning: the bundled font and Qt's Chinese translations were found (ui/startup.py logs either missing).
    assert " WARNING " not in text and " ERROR " not in text, text
