"""Excel exports from plain data: the inspection results workbook and the 整改台账 ledger workbook.

Written with XlsxWriter in ``constant_memory`` mode: rows stream to disk one at a time, so a city's four million item
results need no more memory than a hundred (measured in bench/xlsx_bench.py against a bare XlsxWriter write and
openpyxl's write-only mode). A table longer than a worksheet can hold continues on further sheets (检查结果（2）…)
and the caller gets a message saying so. Every text cell is written as text: a value a user typed that starts with
``=``, ``+``, ``-``, ``@`` is never stored as a formula, and is marked with Excel's quote prefix so that editing the
cell does not turn it into one either.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from inspections.reports.data import LedgerRow, ResultRow, ResultsExport, ResultSummaryRow
from inspections.reports.output import Output, current_progress, write_error

EXCEL_MAX_ROWS = 1_048_576
"""Rows in one Excel worksheet (the header row included)."""

MAX_SHEET_ROWS = EXCEL_MAX_ROWS
"""The limit the writers use; tests lower it to see a table split without writing a million rows."""

DATE_FORMAT = "yyyy-mm-dd"
FONT = "等线"
RED = "#C00000"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Text starting with one of these would be taken for a formula (or DDE command) by Excel or by a CSV import."""

ROWS_PER_PROGRESS = 5000


@dataclass(frozen=True)
class Column:
    """A sheet column: header text, width in characters, how to get the value, and how the cells look.

    ``kind`` decides how a value is written: ``text`` always as a string (never a formula), ``number`` and ``date``
    as numbers and dates (Excel sorts and filters them); None and "" leave the cell empty.
    """

    header: str
    width: float
    value: Callable[[Any], object]
    wrap: bool = False
    number_format: str | None = None
    kind: str = "text"  # text | number | date


RESULT_COLUMNS: tuple[Column, ...] = (
    Column("医疗机构", 28, lambda r: r.institution),
    Column("检查日期", 12, lambda r: r.inspection_date, number_format=DATE_FORMAT, kind="date"),
    Column("检查类型", 9, lambda r: r.kind_label),
    Column("检查表", 30, lambda r: r.checklist_title),
    Column("检查项", 9, lambda r: r.item_code),
    Column("检查内容", 50, lambda r: r.item_text, wrap=True),
    Column("否决项", 7, lambda r: "是" if r.critical else ""),
    Column("检查结果", 10, lambda r: r.response),
    Column("得分", 7, lambda r: r.points, number_format="0.##", kind="number"),
    Column("分值", 7, lambda r: r.maximum, number_format="0.##", kind="number"),
    Column("备注", 40, lambda r: r.note, wrap=True),
)
RESULT_RED_COLUMNS = (7,)  # 检查结果, when 不符合

SUMMARY_COLUMNS: tuple[Column, ...] = (
    Column("医疗机构", 28, lambda r: r.institution),
    Column("检查日期", 12, lambda r: r.inspection_date, number_format=DATE_FORMAT, kind="date"),
    Column("检查类型", 9, lambda r: r.kind_label),
    Column("检查表", 30, lambda r: r.checklist_title),
    Column("得分", 8, lambda r: r.earned, number_format="0.##", kind="number"),
    Column("满分", 8, lambda r: r.maximum, number_format="0.##", kind="number"),
    Column(
        "得分率（%）",
        11,
        lambda r: None if r.percent is None else round(r.percent, 1),
        number_format="0.0",
        kind="number",
    ),
    Column("等级", 12, lambda r: r.grade),
    Column("否决", 7, lambda r: "是" if r.vetoed else ""),
)
SUMMARY_RED_COLUMNS = (7, 8)  # 等级 and 否决, when vetoed

LEDGER_COLUMNS: tuple[Column, ...] = (
    Column("序号", 6, lambda r: None, kind="number"),  # filled with the row number
    Column("医疗机构", 26, lambda r: r.institution),
    Column("检查项", 9, lambda r: r.item_code),
    Column("检查内容", 24, lambda r: r.item_text, wrap=True),
    Column("存在问题", 36, lambda r: r.problem, wrap=True),
    Column("整改要求", 36, lambda r: r.requirement, wrap=True),
    Column("严重程度", 9, lambda r: r.severity),
    Column("发现日期", 12, lambda r: r.found_on, number_format=DATE_FORMAT, kind="date"),
    Column("整改期限", 12, lambda r: r.deadline, number_format=DATE_FORMAT, kind="date"),
    Column("状态", 11, lambda r: r.status),
    Column("逾期天数", 9, lambda r: r.overdue_days or None, kind="number"),
    Column("责任科室", 12, lambda r: r.responsible_department),
    Column("整改反馈", 36, lambda r: r.feedback, wrap=True),
    Column("复查情况", 24, lambda r: r.reinspection, wrap=True),
)
LEDGER_RED_COLUMNS = (10,)  # 逾期天数, when overdue


@dataclass(frozen=True)
class SheetPart:
    """One worksheet of a table and how many data rows it holds."""

    name: str
    rows: int


@dataclass(frozen=True)
class WorkbookResult:
    """What was written: the main table's data rows and the worksheets they went to."""

    rows: int
    sheets: tuple[SheetPart, ...]
    extra_sheets: tuple[SheetPart, ...] = ()  # e.g. a 汇总 that had to be split as well

    @property
    def split(self) -> bool:
        return len(self.sheets) > 1 or len(self.extra_sheets) > 1

    @property
    def notice(self) -> str:
        """A sentence for the user when a table did not fit one worksheet; empty otherwise."""
        if not self.split:
            return ""
        parts = [*self.sheets, *self.extra_sheets]
        names = "、".join(f"“{p.name}”（{p.rows:,} 行）" for p in parts)
        return (
            f"数据超过 Excel 每个工作表 {EXCEL_MAX_ROWS:,} 行的上限，已依次分到 {len(parts)} 个工作表：{names}。"
            "筛选或汇总时请合并各表，或按月份、机构分别导出。"
        )


def write_results_workbook(export: ResultsExport, out: Output) -> WorkbookResult:
    """Inspection results: one row per item result (sheet 检查结果) and one per checklist result (sheet 汇总)."""
    return write_results_stream(
        iter(export.rows),
        lambda: export.summary,
        out,
        data_as_of=export.data_as_of,
        sections=lambda: export.sections,
    )


def write_results_stream(
    rows: Iterable[ResultRow],
    summary: Callable[[], Sequence[ResultSummaryRow]],
    out: Output,
    *,
    data_as_of: datetime | None,
    total: int = 0,
    sections: Callable[[], Sequence[ResultSummaryRow]] | None = None,
) -> WorkbookResult:
    """The results workbook from rows that arrive one at a time; ``summary`` (and ``sections``, the subtotals for a
    分组小计 sheet) are asked for after the last row.

    ``total`` (the expected number of rows, if known) only feeds the progress report.
    """
    progress = current_progress()

    def build(book: Workbook) -> WorkbookResult:
        formats = _Formats(book)
        table = _Table(book, formats, "检查结果", RESULT_COLUMNS)
        red = RESULT_RED_COLUMNS
        for n, row in enumerate(rows, start=1):
            table.add(row, red if row.response == "不符合" else ())
            if n % ROWS_PER_PROGRESS == 0:
                progress(n, max(total, n), f"正在导出检查结果：{n:,} / {max(total, n):,} 行")
        summary_rows = summary()
        sums = _Table(book, formats, "汇总", SUMMARY_COLUMNS)
        for summary_row in summary_rows:
            sums.add(summary_row, SUMMARY_RED_COLUMNS if summary_row.vetoed else ())
        section_rows = sections() if sections is not None else ()
        subtotals = _Table(book, formats, "分组小计", SUMMARY_COLUMNS[:7]) if section_rows else None
        for section_row in section_rows:
            assert subtotals is not None
            subtotals.add(section_row, ())
        table.finish()
        sums.finish()
        if subtotals is not None:
            subtotals.finish()
        if data_as_of is not None:
            _stamp(book, "医院感染防控督导检查结果", data_as_of)
        return WorkbookResult(table.count, table.parts(), sums.parts())

    return _deliver_workbook(build, out)


def write_ledger_workbook(
    rows: Sequence[LedgerRow], out: Output, *, data_as_of: datetime, title: str = "医院感染防控督导整改台账"
) -> WorkbookResult:
    """The 整改台账: one row per finding, overdue days in red, and a 说明 sheet with the date of the data."""
    progress = current_progress()

    def build(book: Workbook) -> WorkbookResult:
        formats = _Formats(book)
        table = _Table(book, formats, "整改台账", LEDGER_COLUMNS)
        overdue = 0
        for n, row in enumerate(rows, start=1):
            late = row.overdue_days > 0
            overdue += late
            table.add(row, LEDGER_RED_COLUMNS if late else (), number=n)
            if n % ROWS_PER_PROGRESS == 0:
                progress(n, len(rows), f"正在导出整改台账：{n:,} / {len(rows):,} 行")
        table.finish()
        about = book.add_worksheet("说明")
        lines: list[tuple[str, object]] = [
            ("名称", title),
            ("数据截至", data_as_of.replace(tzinfo=None, second=0, microsecond=0)),
            ("问题总数", len(rows)),
            ("逾期项数", overdue),
            ("逾期天数", "截至上述时间超过整改期限且未复查通过的天数"),
        ]
        if table.split:
            lines.append(("分表", "、".join(f"{p.name}（{p.rows} 行）" for p in table.parts())))
        stamp = formats.get(num_format="yyyy-mm-dd hh:mm")
        for index, (label, value) in enumerate(lines):
            about.write_string(index, 0, label)
            if isinstance(value, datetime):
                about.write_datetime(index, 1, value, stamp)
            elif isinstance(value, int):
                about.write_number(index, 1, value)
            else:
                _write_text(about, index, 1, str(value), formats, {})
        about.set_column(0, 0, 12)
        about.set_column(1, 1, 50)
        _stamp(book, title, data_as_of)
        return WorkbookResult(len(rows), table.parts())

    return _deliver_workbook(build, out)


# --- writing -----------------------------------------------------------------------------------------------------


def _deliver_workbook(build: Callable[[Workbook], WorkbookResult], out: Output) -> WorkbookResult:
    """Build into ``out``: a stream directly, a path through a temporary file beside it that replaces it when whole
    (the workbook streams to disk, so it is not rendered in memory first as the PDFs are)."""
    options = {"constant_memory": True, "remove_timezone": True, "strings_to_formulas": False}
    if not isinstance(out, str | Path):
        return _build(Workbook(out, options), build)
    path = Path(out)
    temporary = path.with_name(f".{path.name}.part")
    try:
        # Opened first, so a folder that cannot be written is said before the rows are read.
        with open(temporary, "wb") as handle:
            result = _build(Workbook(handle, options), build)
        os.replace(temporary, path)
    except OSError as err:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise write_error(path, err) from err
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise
    return result


def _build(book: Workbook, build: Callable[[Workbook], WorkbookResult]) -> WorkbookResult:
    try:
        result = build(book)
    except BaseException:
        with contextlib.suppress(Exception):
            book.close()
        raise
    book.close()
    return result


class _Formats:
    """XlsxWriter formats made once per combination of properties."""

    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.cache: dict[tuple[tuple[str, Any], ...], Format] = {}

    def get(self, **props: Any) -> Format:
        key = tuple(sorted(props.items()))
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = self.book.add_format(props)
        return found


def _write_text(sheet: Worksheet, row: int, col: int, text: str, formats: _Formats, props: dict[str, Any]) -> None:
    """Always a string cell; text that looks like a formula also gets Excel's quote prefix (shown as typed)."""
    if text.startswith(FORMULA_START):
        sheet.write_string(row, col, text, formats.get(**props, quote_prefix=True))
    elif props:
        sheet.write_string(row, col, text, formats.get(**props))
    else:
        sheet.write_string(row, col, text)


@dataclass
class _Table:
    """One table written row by row across as many worksheets as it needs (``MAX_SHEET_ROWS`` each)."""

    book: Workbook
    formats: _Formats
    name: str
    columns: Sequence[Column]
    count: int = 0
    _parts: list[SheetPart] = field(default_factory=list)
    _sheet: Worksheet | None = None
    _row: int = 0
    _props: list[dict[str, Any]] = field(default_factory=list)
    _plain: list[Format | None] = field(default_factory=list)
    _red: list[Format] = field(default_factory=list)
    _red_rows: dict[tuple[int, ...], list[Format | None]] = field(default_factory=dict)
    _cells: list[tuple[int, Callable[[Any], object], str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._cells = [(col, column.value, column.kind) for col, column in enumerate(self.columns)]
        for column in self.columns:
            props: dict[str, Any] = {}
            if column.wrap:
                props.update(text_wrap=True, valign="top")
            if column.number_format:
                props["num_format"] = column.number_format
            self._props.append(props)
            self._plain.append(self.formats.get(**props) if props else None)
            self._red.append(self.formats.get(**props, font_color=RED))
        self._start_sheet()

    @property
    def split(self) -> bool:
        return len(self._parts) > 1

    def parts(self) -> tuple[SheetPart, ...]:
        return tuple(self._parts)

    def _start_sheet(self) -> None:
        if self._sheet is not None:
            self._close_sheet()
        index = len(self._parts) + 1
        name = self.name if index == 1 else f"{self.name}（{index}）"
        sheet = self.book.add_worksheet(name)
        header = self.formats.get(
            bold=True, font_name=FONT, bg_color="#E6E6E6", bottom=1, bottom_color="#333333", align="center",
            valign="vcenter",
        )  # fmt: skip
        for col, column in enumerate(self.columns):
            sheet.set_column(col, col, column.width)
            sheet.write_string(0, col, column.header, header)
        sheet.freeze_panes(1, 0)
        sheet.repeat_rows(0)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        self._sheet = sheet
        self._row = 0
        self._parts.append(SheetPart(name, 0))

    def _close_sheet(self) -> None:
        assert self._sheet is not None
        self._sheet.autofilter(0, 0, max(self._row, 1), len(self.columns) - 1)
        self._parts[-1] = SheetPart(self._parts[-1].name, self._row)

    def add(self, record: object, red: Sequence[int] = (), *, number: int | None = None) -> None:
        """One row: ``red`` names the columns in red; ``number`` (the 序号) goes in the first column."""
        if self._row >= MAX_SHEET_ROWS - 1:
            self._start_sheet()
        sheet = self._sheet
        assert sheet is not None
        self._row += 1
        self.count += 1
        row = self._row
        fmts = self._red_rows.get(tuple(red)) if red else self._plain
        if fmts is None:
            fmts = self._red_rows[tuple(red)] = [
                self._red[col] if col in red else plain for col, plain in enumerate(self._plain)
            ]
        cells = self._cells
        if number is not None:
            sheet.write_number(row, 0, number, fmts[0])
            cells = cells[1:]
        for col, value_of, kind in cells:
            value = value_of(record)
            if value is None or value == "":
                continue
            if type(value) is str:
                if value.startswith(FORMULA_START):
                    self._write_formula_like(row, col, value, red)
                else:
                    sheet.write_string(row, col, value, fmts[col])
            elif kind == "number" and isinstance(value, int | float):
                sheet.write_number(row, col, value, fmts[col])
            elif kind == "date" and isinstance(value, date):
                sheet.write_datetime(row, col, value, fmts[col])
            else:
                text = str(value)
                if text.startswith(FORMULA_START):
                    self._write_formula_like(row, col, text, red)
                else:
                    sheet.write_string(row, col, text, fmts[col])

    def _write_formula_like(self, row: int, col: int, text: str, red: Sequence[int]) -> None:
        """Text that looks like a formula: a string all the same, with Excel's quote prefix (shown as typed)."""
        assert self._sheet is not None
        props = dict(self._props[col], font_color=RED) if col in red else self._props[col]
        self._sheet.write_string(row, col, text, self.formats.get(**props, quote_prefix=True))

    def finish(self) -> None:
        self._close_sheet()


def _stamp(book: Workbook, title: str, data_as_of: datetime) -> None:
    moment = data_as_of.replace(tzinfo=None, microsecond=0)
    book.set_properties({"title": title, "author": "院感督导", "created": moment})
