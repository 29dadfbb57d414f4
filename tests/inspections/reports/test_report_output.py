"""Writing documents to files: whole or not at all, and a Chinese error a user can act on."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from report_samples import AS_OF, make_feedback, make_ledger

from inspections.errors import UserError
from inspections.reports.feedback import build_feedback_report
from inspections.reports.xlsx import write_ledger_workbook


def test_a_pdf_written_to_a_path_is_complete_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "反馈单.pdf"
    build_feedback_report(make_feedback(photos=1), target)
    assert target.read_bytes().startswith(b"%PDF") and target.read_bytes().rstrip().endswith(b"%%EOF")
    assert [p.name for p in tmp_path.iterdir()] == ["反馈单.pdf"]


def test_a_failed_render_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "反馈单.pdf"
    build_feedback_report(make_feedback(), target)
    before = target.read_bytes()
    broken = replace(make_feedback(photos=1), photos=(replace(make_feedback(photos=1).photos[0], jpeg=b"not a jpeg"),))
    with pytest.raises(Exception, match=r"(?i)jpeg|image|identify"):
        build_feedback_report(broken, target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["反馈单.pdf"]


def test_an_unwritable_place_is_a_user_error_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "没有这个文件夹" / "台账.xlsx"
    with pytest.raises(UserError, match=r"无法写入文件.*台账\.xlsx.*所在文件夹不存在"):
        write_ledger_workbook(make_ledger(3), missing, data_as_of=AS_OF)
    with pytest.raises(UserError, match="文件夹"):
        build_feedback_report(make_feedback(), tmp_path)
