"""Defects found at the seams between features in the integration review, each seen as a user sees it."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspections.cli import main


def test_a_package_that_is_not_there_is_one_error_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "从U盘拷来的.ygpkg"
    assert main(["--data-dir", str(tmp_path / "data"), "package", "import", str(missing)]) == 2
    err = capsys.readouterr().err
    [line] = err.strip().splitlines()
    assert line.startswith("错误：") and "文件不存在" in line and "未导入任何内容" in line
