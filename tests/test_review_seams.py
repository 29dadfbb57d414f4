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


def test_an_inspection_with_a_checklist_left_out_scores_the_same_after_the_exchange(tmp_path: Path) -> None:
    from datetime import date

    from inspections.packages import export_inspections, import_package
    from inspections.workflow import finalize_inspection, inspection_score, load_inspection, set_scope, start_inspection
    from inspections.workspace import open_workspace
    from tests.helpers import answer_all, make_institution

    laptop = open_workspace(None, tmp_path / "laptop")
    inst = make_institution(laptop, "上街区人民医院", level=2, fever=True)
    with laptop.begin() as s:
        inspection_id = start_inspection(s, "张三", institution_id=inst, on=date(2026, 11, 10), inspectors=["张三"])
    with laptop.session() as s:
        first = load_inspection(s, inspection_id).checklists[0]
    answer_all(laptop, inspection_id, fail_codes=[first.sections[0].items[0].code])
    with laptop.begin() as s:
        set_scope(s, "张三", inspection_id, first.template_id, mode="not_checked", reason="停诊")
        finalize_inspection(s, "张三", inspection_id)
    with laptop.session() as s:
        signed = inspection_score(s, inspection_id).percent
        export_inspections(s, tmp_path / "p.ygpkg", exporter="张三", inspection_ids=[inspection_id])
    laptop.close()
    commission = open_workspace(None, tmp_path / "commission")
    with commission.begin() as s:
        import_package(s, "李四", tmp_path / "p.ygpkg")
    with commission.session() as s:
        assert inspection_score(s, inspection_id).percent == signed
        assert [m.line for m in load_inspection(s, inspection_id).scope] == [f"本次未检：{first.spec.title}（停诊）"]
    commission.close()
