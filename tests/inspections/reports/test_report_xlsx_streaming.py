"""Exports at scale: rows streamed from the database, tables split past Excel's row limit, progress reported."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from report_samples import AS_OF, make_ledger
from sqlalchemy import select

from inspections.cli import main
from inspections.demo import generate_demo
from inspections.reports import documents, xlsx
from inspections.reports.gather import results_rows
from inspections.reports.output import reporting_progress
from inspections.reports.xlsx import write_ledger_workbook
from inspections.workflow import load_inspection
from models.database import Database
from models.inspection import Inspection

NOW = datetime(2026, 11, 28, 14, 3).astimezone()


def sheet_rows(sheet: object) -> list[tuple[object, ...]]:
    return [tuple(c.value for c in row) for row in sheet.iter_rows()]  # type: ignore[attr-defined]


def test_streamed_results_are_what_each_inspection_shows(ws: Database) -> None:
    """The set-based export gives, row for row, what the inspection's own view and score say."""
    generate_demo(ws, institutions=3, months=2, seed=7, end_month="2026-10")
    with ws.session() as s:
        export = results_rows(s, include_drafts=True, now=NOW)
        ids = s.scalars(select(Inspection.id).order_by(Inspection.date, Inspection.created_at, Inspection.id)).all()
        expected = []
        summary = []
        for inspection_id in ids:
            view = load_inspection(s, inspection_id)
            for checklist, score in zip(view.checklists, view.score.checklists, strict=True):
                scored = {i.code: i for i in score.items}
                summary.append((view.institution_name, view.date, score.title, score.earned, score.grade))
                for item in (i for sec in checklist.sections for i in sec.items):
                    got = scored.get(item.code)
                    expected.append(
                        (
                            view.institution_name,
                            view.date,
                            view.kind_label,
                            checklist.spec.title,
                            item.code,
                            got.response_label if got else "未检查",
                            got.earned if got else None,
                            item.note,
                        )
                    )
    assert len(expected) > 100
    assert [
        (r.institution, r.inspection_date, r.kind_label, r.checklist_title, r.item_code, r.response, r.points, r.note)
        for r in export.rows
    ] == expected
    assert [(r.institution, r.inspection_date, r.checklist_title, r.earned, r.grade) for r in export.summary] == summary


def test_a_results_table_past_the_row_limit_continues_on_numbered_sheets(
    ws: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_demo(ws, institutions=3, months=2, seed=7, end_month="2026-10")
    target = tmp_path / "结果.xlsx"
    with ws.session() as s:
        whole = documents.results_xlsx(s, tmp_path / "整表.xlsx", now=NOW)
        monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", 101)  # a header and 100 rows per sheet
        split = documents.results_xlsx(s, target, now=NOW)
    assert whole.notice == "" and [p.name for p in whole.sheets] == ["检查结果"]
    pieces = -(-whole.rows // 100)
    assert pieces >= 2 and split.rows == whole.rows
    names = ["检查结果"] + [f"检查结果（{n}）" for n in range(2, pieces + 1)]
    assert [p.name for p in split.sheets] == names
    assert "超过 Excel 每个工作表 1,048,576 行的上限" in split.notice and "检查结果（2）" in split.notice
    book = openpyxl.load_workbook(target)
    assert book.sheetnames[: len(names) + 1] == [*names, "汇总"]
    assert all(name.startswith("分组小计") for name in book.sheetnames[len(names) + 1 :])  # section subtotals
    reference = sheet_rows(openpyxl.load_workbook(tmp_path / "整表.xlsx")["检查结果"])
    joined: list[tuple[object, ...]] = []
    for name in names:
        rows = sheet_rows(book[name])
        assert rows[0] == reference[0]  # every sheet has the header
        assert book[name].freeze_panes == "A2" and book[name].auto_filter.ref
        assert len(rows) - 1 <= 100
        joined.extend(rows[1:])
    assert joined == reference[1:]  # nothing lost, nothing repeated, in order


def test_a_ledger_past_the_row_limit_keeps_numbering_across_sheets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", 11)
    rows = make_ledger(25)
    result = write_ledger_workbook(rows, tmp_path / "台账.xlsx", data_as_of=AS_OF)
    assert [(p.name, p.rows) for p in result.sheets] == [("整改台账", 10), ("整改台账（2）", 10), ("整改台账（3）", 5)]
    book = openpyxl.load_workbook(tmp_path / "台账.xlsx")
    assert book.sheetnames == ["整改台账", "整改台账（2）", "整改台账（3）", "说明"]
    numbers = [row[0] for name in book.sheetnames[:3] for row in sheet_rows(book[name])[1:]]
    assert numbers == list(range(1, 26))
    about = dict(sheet_rows(book["说明"]))  # type: ignore[arg-type]
    assert about["问题总数"] == 25 and "整改台账（3）（5 行）" in str(about["分表"])


def test_the_command_line_says_when_an_export_was_split(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    main(["--data-dir", str(tmp_path), "demo", "--institutions", "3", "--months", "2", "--seed", "7"])
    capsys.readouterr()
    monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", 51)
    target = tmp_path / "结果.xlsx"
    code = main(["--data-dir", str(tmp_path), "export", "results", "-o", str(target)])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "已导出" in out and "已依次分到" in out and "检查结果（2）" in out
    assert len(openpyxl.load_workbook(target, read_only=True).sheetnames) > 2


def test_exports_report_their_progress(ws: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generate_demo(ws, institutions=3, months=2, seed=7, end_month="2026-10")
    monkeypatch.setattr(xlsx, "ROWS_PER_PROGRESS", 50)
    seen: list[tuple[int, int, str]] = []
    with ws.session() as s, reporting_progress(lambda done, total, text: seen.append((done, total, text))):
        result = documents.results_xlsx(s, tmp_path / "结果.xlsx", now=NOW)
    assert len(seen) == result.rows // 50
    assert all(total == result.rows for _, total, _ in seen)  # the total is known before the first row
    assert seen[-1][2] == f"正在导出检查结果：{seen[-1][0]:,} / {result.rows:,} 行"
    assert [done for done, _, _ in seen] == sorted(done for done, _, _ in seen)


def test_a_failed_export_leaves_the_previous_workbook(tmp_path: Path) -> None:
    target = tmp_path / "台账.xlsx"
    write_ledger_workbook(make_ledger(3), target, data_as_of=AS_OF)
    before = target.read_bytes()
    broken = [*make_ledger(2), None]  # fails on the third row, after the first two were streamed to disk
    with pytest.raises(AttributeError):
        write_ledger_workbook(broken, target, data_as_of=AS_OF)  # type: ignore[arg-type]
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["台账.xlsx"]


def test_a_months_ledger_holds_exactly_the_findings_of_that_months_inspections(ws: Database) -> None:
    from inspections.reports.gather import ledger_rows

    generate_demo(ws, institutions=6, months=2, seed=7, end_month="2026-10", today=NOW.date())  # both months inspected
    with ws.session() as s:
        everything = ledger_rows(s, now=NOW)
        october = ledger_rows(s, now=NOW, month="2026-10")
        september = ledger_rows(s, now=NOW, month="2026-09")
    assert october and september
    assert all(r.found_on is not None and r.found_on.strftime("%Y-%m") == "2026-10" for r in october)
    assert all(r.found_on is not None and r.found_on.strftime("%Y-%m") == "2026-09" for r in september)
    assert len(october) + len(september) == len(everything)
