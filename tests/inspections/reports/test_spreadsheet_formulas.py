"""Spreadsheets hold data, never formulas: user text that looks like a formula is written as text, and imported
cells are read as values (a formula without a stored result is refused, not read as empty)."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from sqlalchemy import select

from inspections.checklists.excel_format import load_checklist_xlsx
from inspections.cli import main
from inspections.errors import InvalidInputError
from inspections.findings import record_feedback
from inspections.institutions import import_institutions
from inspections.workflow import finalize_inspection, load_inspection, record_answer, start_inspection
from models.database import Database
from models.finding import Finding
from models.reference import Institution
from tests.helpers import answer_all, content_checksum, make_institution

HYPERLINK = '=HYPERLINK("http://x","y")'
DDE = "=cmd|' /C calc'!A0"
PLUS = "+1+cmd|' /C calc'!A0"
AT = "@SUM(1+1)*cmd|' /C calc'!A0"
MINUS = "-2+3"


def hostile_database(ws: Database) -> None:
    """An institution, notes, problems, a measure and a 责任科室 that Excel would evaluate if written as formulas."""
    institution = make_institution(ws, HYPERLINK, level=2, fever=True)
    with ws.begin() as s:
        inspection_id = start_inspection(
            s, "张三", institution_id=institution, on=date(2026, 11, 3), inspectors=["张三"]
        )
    answer_all(ws, inspection_id, fail_codes={"TR1.1"}, partial_codes={"IC1.1"})
    with ws.begin() as s:
        items = {i.code: i.item_id for i in load_inspection(s, inspection_id).items()}
        record_answer(s, "张三", inspection_id, items["TR1.1"], response="fail", note=DDE)
        record_answer(s, "张三", inspection_id, items["IC1.1"], response="partial", note=PLUS)
        record_answer(s, "张三", inspection_id, items["TR1.2"], response="pass", note=AT)
        finalize_inspection(s, "张三", inspection_id, signatures={"inspectors": "张三", "hospital_rep": "王主任"})
    with ws.begin() as s:
        finding = s.scalars(select(Finding).where(Finding.inspection_id == inspection_id)).first()
        assert finding is not None
        record_feedback(s, "王主任", finding.id, measure=AT, department=MINUS)


def cells(path: Path) -> list[openpyxl.cell.cell.Cell]:
    book = openpyxl.load_workbook(path)
    return [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]


def test_user_text_that_looks_like_a_formula_stays_text_in_both_exports(
    ws: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile_database(ws)
    data_dir = tmp_path / "data"
    for kind in ("results", "ledger"):
        target = tmp_path / f"{kind}.xlsx"
        assert main(["--data-dir", str(data_dir), "export", kind, "-o", str(target)]) == 0
        written = cells(target)
        texts = {c.value for c in written}
        expected = {HYPERLINK, DDE, PLUS, AT} if kind == "results" else {HYPERLINK, DDE, MINUS}
        assert expected <= texts, f"{kind}: {expected - texts}"
        risky = [c for c in written if isinstance(c.value, str) and c.value[:1] in "=+-@"]
        assert risky
        for cell in risky:
            # Stored as a string (shown as typed), with Excel's quote prefix so editing it keeps it text.
            assert cell.data_type == "s", (kind, cell.coordinate, cell.value)
            assert cell.quotePrefix, (kind, cell.coordinate)
        with zipfile.ZipFile(target) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/"):
                    assert not re.search(rb"<f[ >]", archive.read(name)), f"{kind}: a formula in {name}"
    capsys.readouterr()


def write_formula_book(path: Path, header: list[str], row: list[object], formula: str, cached: str | None) -> Path:
    """A workbook whose second row has a formula in column A: with a stored result (as Excel saves it) or
    without one (as some programs write it)."""
    if cached is None:
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(header)
        sheet.append([formula, *row])  # openpyxl stores the formula and no result
        book.save(path)
        return path
    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, header)
        sheet.write_formula(1, 0, formula, None, cached)
        for col, value in enumerate(row, start=1):
            sheet.write(1, col, value)
    return path


def test_an_institution_list_reads_formula_cells_as_their_values(ws: Database, tmp_path: Path) -> None:
    path = write_formula_book(
        tmp_path / "名单.xlsx", ["名称", "级别"], ["二级"], '=HYPERLINK("http://x","中原区人民医院")', "中原区人民医院"
    )
    with ws.begin() as s:
        import_institutions(s, "张三", path)
    with ws.session() as s:
        names = set(s.scalars(select(Institution.name)))
    assert "中原区人民医院" in names
    assert not any(n.startswith("=") for n in names)


def test_a_formula_without_a_stored_result_is_refused_by_name(ws: Database, tmp_path: Path) -> None:
    path = write_formula_book(tmp_path / "名单.xlsx", ["名称", "级别"], ["二级"], HYPERLINK, None)
    before = content_checksum(ws)
    with pytest.raises(InvalidInputError, match=r"单元格 A2（第 2 行）是公式.*没有保存公式的计算结果"), ws.begin() as s:
        import_institutions(s, "张三", path)
    assert content_checksum(ws) == before


HEADER = ["检查项目", "检查内容", "检查方法", "评分标准", "分值"]


def test_a_checklist_sheet_reads_formula_cells_as_values_or_refuses_them(tmp_path: Path) -> None:
    # The section column holds a formula; its stored result is what is imported.
    good = tmp_path / "good.xlsx"
    with xlsxwriter.Workbook(str(good)) as out:
        ws = out.add_worksheet()
        ws.write_row(0, 0, HEADER)
        ws.write_formula(1, 0, '="预检"&"分诊"', None, "预检分诊")
        ws.write_row(1, 1, ["建立预检分诊制度", "查阅资料", "每缺一项扣 1 分", 2])
    spec = load_checklist_xlsx(good)
    assert [s.title for s in spec.sections] == ["预检分诊"]
    assert spec.items()[0].text == "建立预检分诊制度"

    bad = tmp_path / "bad.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["预检分诊", DDE, "查阅资料", "每缺一项扣 1 分", 2])
    book.save(bad)
    with pytest.raises(InvalidInputError, match=r"单元格 B2（第 2 行）是公式"):
        load_checklist_xlsx(bad)
