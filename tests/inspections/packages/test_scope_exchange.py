"""Scope marks (本次未检 / 不适用) travel with an inspection and are part of what its content hash vouches for."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from inspections.errors import InvalidInputError
from inspections.packages import export_inspections, import_package
from inspections.workflow import finalize_inspection, load_inspection, set_scope, start_inspection
from inspections.workspace import open_workspace
from tests.helpers import answer_all, make_institution
from tests.inspections.packages.conftest import rewrite


def _exported(tmp_path: Path) -> tuple[Path, str]:
    """A finalized inspection with its first checklist 本次未检 (停诊), exported from a single-user laptop."""
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
        export_inspections(s, tmp_path / "p.ygpkg", exporter="张三", inspection_ids=[inspection_id])
    laptop.close()
    return tmp_path / "p.ygpkg", first.spec.title


def _scope(package: Path) -> list[dict[str, Any]]:
    with zipfile.ZipFile(package) as zf:
        scope: list[dict[str, Any]] = json.loads(zf.read("data.json"))["inspections"][0]["scope"]
    return scope


def _refused(tmp_path: Path, package: Path) -> str:
    commission = open_workspace(None, tmp_path / "commission")
    try:
        with pytest.raises(InvalidInputError) as err, commission.begin() as s:
            import_package(s, "李四", package)
    finally:
        commission.close()
    return str(err.value)


def test_the_package_names_what_was_left_out(tmp_path: Path) -> None:
    package, _title = _exported(tmp_path)
    [mark] = _scope(package)
    assert (mark["section_code"], mark["mode"], mark["reason"]) == ("", "not_checked", "停诊")


@pytest.mark.parametrize(
    "tamper",
    [
        lambda i: i.pop("scope"),  # the 本次未检 taken away: the failed item would count again
        lambda i: i["scope"][0].update(mode="na", reason=""),  # 本次未检 turned into 不适用
        lambda i: i["scope"][0].update(reason="医院拒绝检查"),
    ],
)
def test_scope_marks_changed_after_signing_are_refused_as_altered(tmp_path: Path, tamper: Any) -> None:
    package, _title = _exported(tmp_path)
    forged = rewrite(package, tmp_path / "forged.ygpkg", lambda d: tamper(d["inspections"][0]))
    assert "与其签名哈希不符" in _refused(tmp_path, forged)


@pytest.mark.parametrize(
    ("tamper", "why"),
    [
        (lambda m: m.update(section_code="no-such-section"), "没有未检/不适用标记所指的部分"),
        (lambda m: m.update(mode="skipped"), "字段 mode 的值无效"),
        (lambda m: m.update(reason="停" * 501), "字段 reason 的值无效"),
        (lambda m: m.update(template="other@" + "0" * 64), "不属于这次检查"),
    ],
)
def test_an_invalid_scope_mark_is_refused(tmp_path: Path, tamper: Any, why: str) -> None:
    package, _title = _exported(tmp_path)
    forged = rewrite(package, tmp_path / "bad.ygpkg", lambda d: tamper(d["inspections"][0]["scope"][0]))
    assert why in _refused(tmp_path, forged)
