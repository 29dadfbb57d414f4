"""Excel exports from plain data: the inspection results workbook and the 整改台账 ledger workbook."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from inspections.reports.data import LedgerRow, ResultsExport
from inspections.reports.output import Output, deliver

DATE_FORMAT = "yyyy-mm-dd"
HEADER_FONT = Font(name="等线", bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E6E6E6")
HEADER_BORDER = Border(bottom=Side(style="thin", color="333333"))
RED_FONT = Font(name="等线", color="C00000")
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Column:
    """A sheet column: header text, width in characters, how to get the value, and whether to wrap it."""

    header: str
    width: float
    value: Callable[[Any], object]
    wrap: bool = False
    number_format: str | None = None


RESULT_COLUMNS: tuple[Column, ...] = (
    Column("医疗机构", 28, lambda r: r.institution),
    Column("检查日期", 12, lambda r: r.inspection_date, number_format=DATE_FORMAT),
    Column("检查类型", 9, lambda r: r.kind_label),
    Column("检查表", 30, lambda r: r.checklist_title),
    Column("检查项", 9, lambda r: r.item_code),
    Column("检查内容", 50, lambda r: r.item_text, wrap=True),
    Column("否决项", 7, lambda r: "是" if r.critical else ""),
    Column("检查结果", 10, lambda r: r.response),
    Column("得分", 7, lambda r: r.points, number_format="0.##"),
    Column("分值", 7, lambda r: r.maximum, number_format="0.##"),
    Column("备注", 40, lambda r: r.note, wrap=True),
)

SUMMARY_COLUMNS: tuple[Column, ...] = (
    Column("医疗机构", 28, lambda r: r.institution),
    Column("检查日期", 12, lambda r: r.inspection_date, number_format=DATE_FORMAT),
    Column("检查类型", 9, lambda r: r.kind_label),
    Column("检查表", 30, lambda r: r.checklist_title),
    Column("得分", 8, lambda r: r.earned, number_format="0.##"),
    Column("满分", 8, lambda r: r.maximum, number_format="0.##"),
    Column("得分率（%）", 11, lambda r: None if r.percent is None else round(r.percent, 1), number_format="0.0"),
    Column("等级", 12, lambda r: r.grade),
    Column("否决", 7, lambda r: "是" if r.vetoed else ""),
)

LEDGER_COLUMNS: tuple[Column, ...] = (
    Column("序号", 6, lambda r: None),  # filled with the row number
    Column("医疗机构", 26, lambda r: r.institution),
    Column("检查项", 9, lambda r: r.item_code),
    Column("检查内容", 24, lambda r: r.item_text, wrap=True),
    Column("存在问题", 36, lambda r: r.problem, wrap=True),
    Column("整改要求", 36, lambda r: r.requirement, wrap=True),
    Column("严重程度", 9, lambda r: r.severity),
    Column("发现日期", 12, lambda r: r.found_on, number_format=DATE_FORMAT),
    Column("整改期限", 12, lambda r: r.deadline, number_format=DATE_FORMAT),
    Column("状态", 11, lambda r: r.status),
    Column("逾期天数", 9, lambda r: r.overdue_days or None),
    Column("责任科室", 12, lambda r: r.responsible_department),
    Column("整改反馈", 36, lambda r: r.feedback, wrap=True),
    Column("复查情况", 24, lambda r: r.reinspection, wrap=True),
)


def write_results_workbook(export: ResultsExport, out: Output) -> None:
    """Inspection results: one row per item result (sheet 检查结果) and one per checklist result (sheet 汇总)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = "检查结果"
    _fill(sheet, RESULT_COLUMNS, export.rows)
    for index, row in enumerate(export.rows, start=2):
        if row.response == "不符合":
            sheet.cell(index, 8).font = RED_FONT
    summary = workbook.create_sheet("汇总")
    _fill(summary, SUMMARY_COLUMNS, export.summary)
    for index, summary_row in enumerate(export.summary, start=2):
        if summary_row.vetoed:
            summary.cell(index, 8).font = RED_FONT
            summary.cell(index, 9).font = RED_FONT
    if export.data_as_of is not None:
        _stamp(workbook, "医院感染防控督导检查结果", export.data_as_of)
    deliver(workbook.save, out)


def write_ledger_workbook(
    rows: Sequence[LedgerRow], out: Output, *, data_as_of: datetime, title: str = "医院感染防控督导整改台账"
) -> None:
    """The 整改台账: one row per finding, overdue days in red, and a 说明 sheet with the date of the data."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "整改台账"
    _fill(sheet, LEDGER_COLUMNS, rows)
    overdue_column = [c.header for c in LEDGER_COLUMNS].index("逾期天数") + 1
    for index, row in enumerate(rows, start=2):
        sheet.cell(index, 1, index - 1)
        if row.overdue_days > 0:
            sheet.cell(index, overdue_column).font = RED_FONT
    about = workbook.create_sheet("说明")
    overdue = sum(1 for row in rows if row.overdue_days > 0)
    for line in (
        ("名称", title),
        ("数据截至", data_as_of.replace(tzinfo=None, second=0, microsecond=0)),
        ("问题总数", len(rows)),
        ("逾期项数", overdue),
        ("逾期天数", "截至上述时间超过整改期限且未复查通过的天数"),
    ):
        about.append(line)
    about["B2"].number_format = "yyyy-mm-dd hh:mm"
    about.column_dimensions["A"].width = 12
    about.column_dimensions["B"].width = 50
    _stamp(workbook, title, data_as_of)
    deliver(workbook.save, out)


def _fill(sheet: Worksheet, columns: Sequence[Column], rows: Sequence[object]) -> None:
    """Header row (bold, shaded, frozen, filterable, repeated when printed), then the rows; dates stay dates."""
    sheet.append([c.header for c in columns])
    for cell in sheet[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.border = HEADER_BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for row in rows:
        sheet.append([_cell_value(c.value(row)) for c in columns])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        if column.wrap or column.number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                if column.wrap:
                    cell.alignment = WRAP
                if column.number_format:
                    cell.number_format = column.number_format
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, len(rows) + 1)}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _cell_value(value: object) -> object:
    # Dates stay dates (Excel sorts and filters them; openpyxl refuses aware datetimes); "" becomes an empty cell.
    if value == "":
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return value


def _stamp(workbook: Workbook, title: str, data_as_of: datetime) -> None:
    workbook.properties.title = title
    workbook.properties.creator = "院感督导"
    workbook.properties.created = data_as_of.replace(tzinfo=None, microsecond=0)
    workbook.properties.modified = data_as_of.replace(tzinfo=None, microsecond=0)
