"""What an installed program relies on: --version, packages as .ygpkg files, a lone package argument opening the
window's import preview (how Explorer opens a double-clicked package)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from inspections.cli import main
from models.version import __version__

ROOT = Path(__file__).resolve().parent.parent


def test_version_on_the_command_line_is_the_one_version_constant() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--version"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"院感督导 {__version__}"


def test_the_project_version_is_read_from_the_constant() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject and 'attr = "models.version.__version__"' in pyproject


@pytest.mark.parametrize(
    ("argv", "package"),
    [
        (["收到的检查数据.ygpkg"], "收到的检查数据.ygpkg"),
        (["--data-dir", "D", "old.ZIP"], "old.ZIP"),
        (["--data-dir=D", "--database", "sqlite:///x.db", "a.ygpkg"], "a.ygpkg"),
        ([], None),
        (["--data-dir", "D"], None),
    ],
)
def test_a_lone_package_file_starts_the_window_with_its_preview(argv: list[str], package: str | None) -> None:
    calls: list[tuple[str | None, Path, Path | None]] = []
    code = main(argv, gui=lambda url, data_dir, pkg: calls.append((url, data_dir, pkg)) or 0)
    assert code == 0
    assert calls and calls[0][2] == (None if package is None else Path(package))


def test_a_package_named_after_a_command_is_still_that_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    started: list[object] = []
    code = main(
        ["--data-dir", str(tmp_path), "package", "import", str(tmp_path / "missing.ygpkg")],
        gui=lambda *a: started.append(a) or 0,
    )
    assert code == 2 and not started
    assert capsys.readouterr().err.startswith("错误：")


def test_package_export_names_the_file_ygpkg_and_import_reads_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    laptop, commission = tmp_path / "laptop", tmp_path / "commission"
    assert main(["--data-dir", str(laptop), "demo", "--institutions", "3", "--months", "2", "--end-month",
                 "2026-10"]) == 0
    capsys.readouterr()
    main(["--data-dir", str(laptop), "inspections", "list", "--json", "--status", "finalized"])
    inspection = json.loads(capsys.readouterr().out)[0]["id"]

    code = main(["--data-dir", str(laptop), "package", "export", "--inspection", inspection,
                 "-o", str(tmp_path / "上街区检查")])
    assert code == 0
    package = tmp_path / "上街区检查.ygpkg"
    assert package.is_file() and package.read_bytes()[:2] == b"PK"  # still a zip inside
    capsys.readouterr()

    code = main(["--data-dir", str(commission), "package", "import", str(package)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("已导入检查数据包「上街区检查.ygpkg」") and "检查新增 1" in out
