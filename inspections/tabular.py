"""Reading a user's table (.xlsx or .csv) into header-matched rows with their row numbers and clear Chinese errors."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, NoReturn

from inspections.errors import InvalidInputError, Problem

MAX_TABLE_BYTES = 20 * 1024 * 1024
"""Files larger than this are refused: a list of institutions or a checklist is a few hundred kilobytes."""

MAX_DATA_ROWS = 50_000
"""More data rows than this is not a list a person keeps; refusing early also defuses zip bombs in .xlsx files."""

MAX_COLUMNS = 200
"""Cells beyond this column are ignored (some sheets carry formatting out to column XFD)."""

HEADER_SEARCH_ROWS = 30
"""The header row must be among the first non-empty rows (a title and a note or two may sit above it)."""

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
CSV_DELIMITERS = (",", "\t", ";")

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Column:
    """A column the caller expects: a key for its code, the header names it accepts, whether it must be present.

    The first alias is the name shown to the user (for example in "缺少必需的列：名称").
    """

    key: str
    aliases: tuple[str, ...]
    required: bool = False

    @property
    def label(self) -> str:
        return self.aliases[0]


@dataclass(frozen=True)
class Row:
    """One data row: its 1-based row (line) number in the file, its cells by column key ("" when empty) and all
    its cells in file order (``raw``, for callers that read columns by position)."""

    number: int
    cells: dict[str, str]
    raw: tuple[str, ...] = ()

    def __getitem__(self, key: str) -> str:
        return self.cells.get(key, "")

    @property
    def location(self) -> str:
        return f"第 {self.number} 行"


@dataclass(frozen=True)
class Table:
    """A table read from a file.

    Attributes:
        source: the file name, for messages.
        header_row: the 1-based number of the header row.
        headers: the header row's cells as written, by 0-based column index.
        columns: column key → the header text found for it; expected columns that are absent are not in it.
        extra_headers: header texts that match no expected column (the caller may warn about them).
        rows: the non-empty rows below the header.
    """

    source: str
    header_row: int
    headers: list[str]
    columns: dict[str, str]
    extra_headers: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)

    def has(self, key: str) -> bool:
        """Whether the file has the column ``key`` (an optional column may be absent)."""
        return key in self.columns

    def problem(self, row: Row | None, message: str) -> Problem:
        """A Problem located at ``row`` (or at the file as a whole)."""
        return Problem(self.source, row.location if row else "", message)


def read_table(
    path: Path,
    columns: Sequence[Column],
    *,
    sheet: str | None = None,
    max_bytes: int = MAX_TABLE_BYTES,
) -> Table:
    """Read ``path`` (.xlsx: the first visible sheet or ``sheet``; .csv: UTF-8 or GBK, delimiter , ; or tab).

    The header row is the first row that names at least two of ``columns`` (one if only one is expected); each
    data row keeps its row number in the file; fully empty rows are skipped. Cells are stripped strings: whole
    numbers without ".0", dates as YYYY-MM-DD. Anything wrong with the file as a whole is an InvalidInputError.
    """
    source = path.name
    suffix = path.suffix.lower()
    if suffix == ".xls":
        _fail(source, "这是旧版 Excel 文件（.xls），无法读取；请在 Excel 或 WPS 中“另存为” .xlsx 格式后重试")
    if suffix not in EXCEL_SUFFIXES + CSV_SUFFIXES:
        _fail(source, f"不支持的文件类型「{path.suffix or '无扩展名'}」；请使用 Excel 表格（.xlsx）或 CSV 文件（.csv）")
    data = _read_limited(path, max_bytes)
    if suffix in EXCEL_SUFFIXES:
        raw_rows = _xlsx_rows(data, source, sheet)
        return _build_table(source, raw_rows, columns)
    text = _decode(data, source)
    best: tuple[int, str] = (-1, CSV_DELIMITERS[0])
    for delimiter in CSV_DELIMITERS:
        score = _best_header_score(_csv_rows(text, delimiter, source), columns)
        if score > best[0]:
            best = (score, delimiter)
    return _build_table(source, _csv_rows(text, best[1], source), columns)


def cell_text(value: Any) -> str:
    """A cell value as the user sees it: stripped text, whole numbers without ".0", dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds" if value.microsecond == 0 else "auto")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="seconds" if value.microsecond == 0 else "auto")
    return str(value).strip()


def normalize_header(text: str) -> str:
    """A header for matching: width-folded (NFKC), without spaces, asterisks or a trailing note in brackets."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[\s*]+", "", text)
    return re.sub(r"\([^()]*\)$", "", text) or text


# --- reading ----------------------------------------------------------------------------------------------------


def _fail(source: str, message: str) -> NoReturn:
    raise InvalidInputError([Problem(source, "", message)])


def _read_limited(path: Path, limit: int) -> bytes:
    source = path.name
    try:
        size = path.stat().st_size
        if size <= limit:
            with path.open("rb") as handle:
                data = handle.read(limit + 1)
            size = len(data)
    except FileNotFoundError:
        raise InvalidInputError([Problem(source, "", f"文件不存在（{path}）")]) from None
    except IsADirectoryError:
        raise InvalidInputError([Problem(source, "", "这是一个文件夹，不是文件")]) from None
    except PermissionError:
        raise InvalidInputError([Problem(source, "", "没有读取这个文件的权限")]) from None
    if size > limit:
        _fail(source, f"文件太大（{size / 1024 / 1024:.1f} MB），超过 {limit // 1024 // 1024} MB 的上限")
    if not data:
        _fail(source, "文件是空的（0 字节）")
    return data


def _xlsx_rows(data: bytes, source: str, sheet: str | None) -> Iterator[tuple[int, list[str]]]:
    # Imported here: openpyxl takes ~0.2 s to import and CSV users need none of it.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    not_xlsx = "不是有效的 Excel（.xlsx）文件：文件已损坏、不完整，或只是改了扩展名；请在 Excel 或 WPS 中重新保存"
    if data.startswith(_OLE2_MAGIC):
        _fail(source, "这是旧版 Excel（.xls）文件或加密的工作簿，无法读取；请取消密码并“另存为” .xlsx 格式后重试")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        _fail(source, not_xlsx)
    broken = (
        zipfile.BadZipFile,
        zlib.error,
        KeyError,
        ValueError,
        TypeError,
        OSError,
        EOFError,
        SyntaxError,
        InvalidFileException,
    )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except broken:
        _fail(source, not_xlsx)
    try:
        sheets = [ws for ws in workbook.worksheets if hasattr(ws, "iter_rows")]
        if sheet is not None:
            sheets = [ws for ws in sheets if ws.title == sheet]
            if not sheets:
                _fail(source, f"找不到名为「{sheet}」的工作表")
        if not sheets:
            _fail(source, "工作簿中没有工作表")
        # "The first sheet" is the first one the user can see: a hidden helper sheet often comes first.
        worksheet = next((ws for ws in sheets if getattr(ws, "sheet_state", "visible") == "visible"), sheets[0])
        # Some programs write a wrong <dimension>; without this, read-only mode would cut the sheet short.
        worksheet.reset_dimensions()
        rows: list[tuple[int, list[str]]] = []
        try:
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                cells = [cell_text(v) for v in values[:MAX_COLUMNS]]
                if any(cells):
                    rows.append((number, cells))
                    if len(rows) > MAX_DATA_ROWS + HEADER_SEARCH_ROWS:
                        _fail(source, f"行数太多（超过 {MAX_DATA_ROWS} 行），不像是一份名单或检查表")
        except broken:
            _fail(source, not_xlsx)
        if not rows:
            _fail(source, f"工作表「{worksheet.title}」是空的")
        title = worksheet.title
    finally:
        workbook.close()
    try:
        missing = uncached_formulas(io.BytesIO(data), title)
    except broken:
        _fail(source, not_xlsx)
    if missing:
        _fail(source, uncached_formulas_message(missing))
    return iter(rows)


def uncached_formulas(source: Path | io.BytesIO, sheet_title: str, limit: int = 5) -> list[str]:
    """Cells (A1 references, at most ``limit``) of a sheet that hold a formula whose result the file does not store.

    Imports read every cell as its value (the result Excel saved with the file), never as formula text; a formula
    without a saved result would otherwise read as an empty cell and be dropped without a word.
    """
    from openpyxl import load_workbook

    formulas = load_workbook(source, read_only=True, data_only=False)
    values = load_workbook(source, read_only=True, data_only=True)
    found: list[str] = []
    try:
        with_formulas, with_values = formulas[sheet_title], values[sheet_title]
        with_formulas.reset_dimensions()
        with_values.reset_dimensions()
        for cells, row in zip(with_formulas.iter_rows(), with_values.iter_rows(values_only=True), strict=False):
            for cell, value in zip(cells, row, strict=False):
                if value is None and getattr(cell, "data_type", None) == "f":
                    found.append(f"{_column_letter(cell.column - 1)}{cell.row}（第 {cell.row} 行）")
                    if len(found) >= limit:
                        return found
    finally:
        formulas.close()
        values.close()
    return found


def uncached_formulas_message(cells: Sequence[str]) -> str:
    return (
        f"单元格 {'、'.join(cells)}是公式，但文件中没有保存公式的计算结果（常见于由程序生成的表格）。"
        "导入只读取单元格的值：请在 Excel 或 WPS 中打开并保存后重试，或复制这些单元格后“选择性粘贴 → 数值”"
    )


def _decode(data: bytes, source: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text" export: UTF-16 with a byte-order mark, tab-delimited.
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    if data.startswith(b"PK\x03\x04"):
        _fail(source, "这是一个 Excel（.xlsx）文件，却使用了 .csv 扩展名；请把扩展名改回 .xlsx")
    _fail(source, "无法识别文件的文字编码（不是 UTF-8 或 GBK 文本，可能是二进制文件）；请另存为 CSV（UTF-8）后重试")


def _csv_rows(text: str, delimiter: str, source: str) -> Iterator[tuple[int, list[str]]]:
    # strict: an unclosed quote is an error, not a cell that swallows the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    count = 0
    try:
        for record in reader:
            cells = [cell_text(v) for v in record[:MAX_COLUMNS]]
            if any(cells):
                count += 1
                if count > MAX_DATA_ROWS + HEADER_SEARCH_ROWS:
                    _fail(source, f"行数太多（超过 {MAX_DATA_ROWS} 行），不像是一份名单或检查表")
                yield start, cells
            start = reader.line_num + 1
    except csv.Error as err:
        raise InvalidInputError([Problem(source, f"第 {start} 行", f"CSV 格式错误（{err}）")]) from None


# --- header matching ------------------------------------------------------------------------------------------


def _alias_map(columns: Iterable[Column]) -> dict[str, Column]:
    mapping: dict[str, Column] = {}
    for column in columns:
        for alias in column.aliases:
            mapping.setdefault(normalize_header(alias), column)
    return mapping


def _match(headers: list[str], aliases: dict[str, Column]) -> dict[int, Column]:
    return {i: aliases[normalize_header(h)] for i, h in enumerate(headers) if h and normalize_header(h) in aliases}


def _best_header_score(rows: Iterator[tuple[int, list[str]]], columns: Sequence[Column]) -> int:
    aliases = _alias_map(columns)
    best = 0
    try:
        for index, (_number, cells) in enumerate(rows):
            if index >= HEADER_SEARCH_ROWS:
                break
            best = max(best, len({c.key for c in _match(cells, aliases).values()}))
    except InvalidInputError:
        return 0
    return best


def _build_table(source: str, rows: Iterator[tuple[int, list[str]]], columns: Sequence[Column]) -> Table:
    aliases = _alias_map(columns)
    needed = min(2, len({c.key for c in columns}))
    header: tuple[int, list[str], dict[int, Column]] | None = None
    seen_any = False
    for index, (number, cells) in enumerate(rows):
        seen_any = True
        if index >= HEADER_SEARCH_ROWS:
            break
        matched = _match(cells, aliases)
        if len({c.key for c in matched.values()}) >= needed:
            header = (number, cells, matched)
            break
    if not seen_any:
        _fail(source, "文件是空的，没有任何内容")
    if header is None:
        expected = "、".join(c.label for c in columns)
        _fail(source, f"找不到表头：前 {HEADER_SEARCH_ROWS} 行中没有一行含有至少 {needed} 个可识别的列名（{expected}）")
    header_row, headers, matched = header

    by_key: dict[str, list[int]] = {}
    for index, column in matched.items():
        by_key.setdefault(column.key, []).append(index)
    problems: list[Problem] = []
    for indexes in by_key.values():
        if len(indexes) > 1:
            names = "」「".join(headers[i] for i in indexes)
            letters = "、".join(_column_letter(i) for i in indexes)
            message = f"列「{names}」（第 {letters} 列）表示同一项内容，请只保留一列"
            problems.append(Problem(source, f"第 {header_row} 行", message))
    missing = [c for c in _unique(columns) if c.required and c.key not in by_key]
    if missing:
        names = "、".join(f"「{c.label}」" for c in missing)
        accepted = "；".join(f"{c.label}：{'/'.join(c.aliases)}" for c in missing)
        problems.append(Problem(source, f"第 {header_row} 行", f"缺少必需的列：{names}（可用的列名 {accepted}）"))
    if problems:
        raise InvalidInputError(problems)

    index_of = {key: indexes[0] for key, indexes in by_key.items()}
    data_rows: list[Row] = []
    for number, cells in rows:
        values = {key: (cells[i] if i < len(cells) else "") for key, i in index_of.items()}
        if any(values.values()):
            data_rows.append(Row(number, values, tuple(cells)))
    if not data_rows:
        _fail(source, f"表头（第 {header_row} 行）下面没有数据行")
    return Table(
        source=source,
        header_row=header_row,
        headers=headers,
        columns={key: headers[i] for key, i in index_of.items()},
        extra_headers=[h for i, h in enumerate(headers) if h and i not in matched],
        rows=data_rows,
    )


def _unique(columns: Sequence[Column]) -> list[Column]:
    seen: dict[str, Column] = {}
    for column in columns:
        seen.setdefault(column.key, column)
    return list(seen.values())


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
