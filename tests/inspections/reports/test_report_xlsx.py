"""Excel exports: Chinese headers, frozen header row, widths, dates as dates, summary and ledger sheets."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
from report_samples import AS_OF, make_ledger

from inspections.reports.data import ResultRow, ResultsExport, ResultSummaryRow
from inspections.reports.xlsx import write_ledger_workbook, write_results_workbook


def results_export() -> ResultsExport:
    rows = (
        ResultRow(
            "上街区人民医院", date(2026, 11, 28), "督导", "预检分诊管理", "TR1.1", "建立预检分诊制度", "符合", 2, 2
        ),
        ResultRow(
            "上街区人民医院",
            date(2026, 11, 28),
            "督导",
            "预检分诊管理",
            "TR1.4",
            "询问流行病学史",
            "不符合",
            0,
            3,
            note="未询问",
            critical=True,
        ),
        ResultRow(
            "上街区人民医院", date(2026, 11, 28), "督导", "预检分诊管理", "TR1.5", "设置醒目标识", "不适用", None, 1
        ),
    )
    summary = (
        ResultSummaryRow(
            "上街区人民医院", date(2026, 11, 28), "督导", "预检分诊管理", 2, 5, 40.0, "不合格（否决）", vetoed=True
        ),
    )
    return ResultsExport(rows, summary, data_as_of=AS_OF)


def load(write: object) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    write(buffer)  # type: ignore[operator]
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def test_results_workbook_has_one_row_per_item_and_a_summary() -> None:
    book = load(lambda out: write_results_workbook(results_export(), out))
    assert book.sheetnames == ["检查结果", "汇总"]
    sheet = book["检查结果"]
    headers = ["医疗机构", "检查日期", "检查类型", "检查表", "检查项", "检查内容", "否决项", "检查结果"]
    assert [c.value for c in sheet[1]] == [*headers, "得分", "分值", "备注"]
    assert sheet.max_row == 4
    assert sheet.freeze_panes == "A2"
    assert sheet["B2"].is_date and sheet["B2"].value == datetime(2026, 11, 28)
    assert sheet["E3"].value == "TR1.4" and sheet["G3"].value == "是" and sheet["K3"].value == "未询问"
    assert sheet["I4"].value is None  # 不适用 has no points, not zero
    assert sheet.column_dimensions["F"].width >= 40
    summary = book["汇总"]
    assert [c.value for c in summary[2]] == [
        "上街区人民医院", datetime(2026, 11, 28), "督导", "预检分诊管理", 2, 5, 40.0, "不合格（否决）", "是",
    ]  # fmt: skip
    assert summary.freeze_panes == "A2"


def test_ledger_workbook_lists_every_finding_with_overdue_days() -> None:
    rows = make_ledger(25)
    book = load(lambda out: write_ledger_workbook(rows, out, data_as_of=AS_OF))
    sheet = book["整改台账"]
    headers = [c.value for c in sheet[1]]
    assert headers[:6] == ["序号", "医疗机构", "检查项", "检查内容", "存在问题", "整改要求"]
    for name in ("严重程度", "整改期限", "状态", "逾期天数", "整改反馈", "复查情况"):
        assert name in headers
    assert sheet.max_row == 26
    assert sheet.freeze_panes == "A2"
    deadline = sheet.cell(2, headers.index("整改期限") + 1)
    assert deadline.is_date and deadline.value.date() == rows[0].deadline
    overdue = sheet.cell(2, headers.index("逾期天数") + 1)
    assert overdue.value == rows[0].overdue_days > 0
    assert sheet.cell(26, 1).value == 25
    about = book["说明"]
    assert about["B2"].value == AS_OF
    assert about["B3"].value == 25
