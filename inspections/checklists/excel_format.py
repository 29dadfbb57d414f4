"""Reading a commission's checklist file (.xlsx / .xlsm, .csv, .docx) into rows for the layout recognizer.

Excel: the first worksheet, merged cells filled down (a section merged over its rows appears on each). CSV: UTF-8
(with or without BOM) or GB18030/GBK, comma- or tab-separated; row numbers count records, as a spreadsheet program
shows them. Word: every table of the document, with the paragraphs around them (title above, legend below); see
docx_format. What the rows mean is decided by inspections.checklists.layout. A default checklist code comes from the
file name (see _default_code).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path

from inspections.checklists.layout import (
    HEADER_NAMES,
    HEADER_SCAN_ROWS,
    MAX_ITEM_ROWS,
    ROLE_LABELS,
    SheetReader,
    SheetReading,
    SheetRow,
    header_name,
    role_of_name,
)
from inspections.checklists.spec import ChecklistSpec
from inspections.checklists.textfile import decode_text, read_limited
from inspections.errors import InvalidInputError, Problem

MAX_TABLE_BYTES = 20 * 1024 * 1024
_DEFAULT_SHEET_NAME = re.compile(r"(sheet|工作表)\s*\d*", re.IGNORECASE)
TABLE_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt", ".docx")


def read_checklist_sheet(
    path: Path,
    *,
    code: str | None = None,
    title: str | None = None,
    version: int = 1,
    columns: Mapping[str, str] | None = None,
) -> SheetReading:
    """Recognize a checklist sheet (.xlsx / .xlsm, .csv, .docx): the checklist and how it was read, for a preview.

    ``columns`` maps roles (检查内容, 分值 … or their synonyms) to the sheet's header names, column letters or numbers
    where the layout is not recognized by itself (see parse_column_mapping).
    """
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows, default_title = _xlsx_rows(path)
    elif suffix in (".csv", ".txt"):
        rows, default_title = _csv_rows(path), path.stem
    elif suffix == ".docx":
        from inspections.checklists.docx_format import docx_rows

        rows, default_title = docx_rows(path), path.stem
    elif suffix == ".xls":
        raise InvalidInputError([Problem(path.name, "", _OLD_XLS)])
    elif suffix == ".doc":
        raise InvalidInputError([Problem(path.name, "", _OLD_DOC)])
    else:
        raise InvalidInputError(
            [
                Problem(
                    path.name,
                    "",
                    f"不支持的文件类型“{path.suffix or '（无扩展名）'}”：只能导入 .xlsx、.csv 或 .docx 表格",
                )
            ]
        )
    prefix = "docx" if suffix == ".docx" else ("csv" if suffix in (".csv", ".txt") else "xlsx")
    reader = SheetReader(path.name, _normalized_columns(columns))
    return reader.read(
        rows, code=code or _default_code(path.stem, prefix), title=title, default_title=default_title, version=version
    )


def load_checklist_table(
    path: Path,
    *,
    code: str | None = None,
    title: str | None = None,
    version: int = 1,
    columns: Mapping[str, str] | None = None,
) -> ChecklistSpec:
    """Load a checklist table from ``.xlsx`` / ``.xlsm``, ``.csv`` or ``.docx``, chosen by the file's suffix."""
    return read_checklist_sheet(path, code=code, title=title, version=version, columns=columns).spec


def _normalized_columns(columns: Mapping[str, str] | None) -> dict[str, str]:
    """Role names in any of their header names (检查内容, 内容, text) → the role."""
    result: dict[str, str] = {}
    for key, value in (columns or {}).items():
        role = key if key in HEADER_NAMES else role_of_name(header_name(key))
        if role is None:
            raise InvalidInputError(
                [Problem("--columns", "", f"“{key}”不是已知的列（可用：{'、'.join(ROLE_LABELS.values())}）")]
            )
        result[role] = value
    return result


_OLD_XLS = "这是旧版 Excel 97-2003（.xls）文件，无法直接读取；请在 Excel 或 WPS 中“另存为” .xlsx 后再导入"
_OLD_DOC = "这是旧版 Word 97-2003（.doc）文件，无法直接读取；请在 Word 或 WPS 中“另存为” .docx 后再导入"


def load_checklist_xlsx(
    path: Path, *, code: str | None = None, title: str | None = None, version: int = 1
) -> ChecklistSpec:
    """Read the first worksheet of an .xlsx file as a checklist; raise InvalidInputError listing every bad row."""
    return read_checklist_sheet(path, code=code, title=title, version=version).spec


def _xlsx_rows(path: Path) -> tuple[list[SheetRow], str]:
    """The rows with content of the first visible worksheet, merged cells filled down; and the sheet's name."""
    source = path.name
    head = read_limited(path, MAX_TABLE_BYTES)[:8]
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InvalidInputError([Problem(source, "", _OLD_XLS)])
    if not head.startswith(b"PK"):
        raise InvalidInputError(
            [Problem(source, "", "不是有效的 Excel（.xlsx）文件：文件内容不是 xlsx 格式（可能只是改了扩展名）")]
        )
    # Imported lazily: openpyxl takes a noticeable time to import and only this path needs it.
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    rows: list[SheetRow] = []
    try:
        with warnings.catch_warnings():
            # openpyxl warns about unsupported extensions (data validation, conditional formats): irrelevant here.
            warnings.simplefilter("ignore")
            # Not read-only: merged ranges are only known to a fully loaded sheet.
            workbook = openpyxl.load_workbook(path, data_only=True)
            try:
                sheets = [ws for ws in workbook.worksheets if hasattr(ws, "iter_rows")]
                if not sheets:
                    raise InvalidInputError([Problem(source, "", "工作簿中没有工作表")])
                # The first sheet the user can see, as in a spreadsheet program: a hidden helper sheet often comes
                # first (and a hidden sheet could smuggle in items nobody reviewed).
                sheet = next((ws for ws in sheets if getattr(ws, "sheet_state", "visible") == "visible"), sheets[0])
                sheet_name = str(sheet.title)
                grid = [list(values) for values in sheet.iter_rows(values_only=True)]
                for merged in sheet.merged_cells.ranges:
                    # A section merged down over its rows: every row gets it. Only down the first column, so a text
                    # merged across columns stays in one column.
                    top, left = merged.min_row - 1, merged.min_col - 1
                    if top >= len(grid) or left >= len(grid[top]):
                        continue
                    value = grid[top][left]
                    for r in range(top + 1, min(merged.max_row, len(grid))):
                        if left < len(grid[r]):
                            grid[r][left] = value
            finally:
                workbook.close()
    # SyntaxError: the xml ParseError of a sheet declaring entities (external, "billion laughs").
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        ValueError,
        TypeError,
        OSError,
        EOFError,
        SyntaxError,
    ) as err:
        raise InvalidInputError(
            [Problem(source, "", f"文件已损坏，或不是有效的 Excel（.xlsx）文件（{type(err).__name__}）")]
        ) from None
    # Cells are read as values; a formula whose result the file does not store is refused, not read as empty.
    from inspections.tabular import uncached_formulas, uncached_formulas_message

    try:
        missing = uncached_formulas(path, sheet_name)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError, EOFError, SyntaxError):
        missing = []  # the values were read above; a sheet openpyxl cannot read twice has no formulas to report
    if missing:
        raise InvalidInputError([Problem(source, "", uncached_formulas_message(missing))])
    for number, values in enumerate(grid, start=1):
        # Sheets often carry formatting down thousands of empty rows: keep only rows with content.
        texts = tuple(_cell_text(value) for value in values)
        if any(texts):
            rows.append(SheetRow(number, texts))
            if len(rows) > MAX_ITEM_ROWS + HEADER_SCAN_ROWS:
                raise InvalidInputError(
                    [Problem(source, f"第 {number} 行", f"表格行数太多（上限 {MAX_ITEM_ROWS} 行检查内容）")]
                )
    default_title = path.stem if _DEFAULT_SHEET_NAME.fullmatch(sheet_name.strip()) else sheet_name.strip()
    return rows, default_title


def load_checklist_csv(
    path: Path, *, code: str | None = None, title: str | None = None, version: int = 1
) -> ChecklistSpec:
    """Read a .csv checklist table (UTF-8 with or without BOM, or GB18030/GBK; comma or tab separated)."""
    return read_checklist_sheet(path, code=code, title=title, version=version).spec


def _csv_rows(path: Path) -> list[SheetRow]:
    source = path.name
    text = decode_text(read_limited(path, MAX_TABLE_BYTES), source)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as err:
        raise InvalidInputError([Problem(source, "", f"CSV 格式有误（{err}）")]) from None
    rows = [
        SheetRow(number, tuple(_cell_text(c) for c in record))
        for number, record in enumerate(records, start=1)
        if any(c.strip() for c in record)
    ]
    if len(rows) > MAX_ITEM_ROWS + HEADER_SCAN_ROWS:
        raise InvalidInputError([Problem(source, "", f"表格行数太多（上限 {MAX_ITEM_ROWS} 行检查内容）")])
    return rows


def _default_code(stem: str, prefix: str) -> str:
    """A checklist code from a file name: its ASCII letters and digits, plus a short hash when Chinese was dropped."""
    normalized = unicodedata.normalize("NFKC", stem).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", normalized).strip("-")[:48].strip("-")
    digest = hashlib.sha256(stem.encode("utf-8")).hexdigest()[:8]
    if not slug:
        return f"{prefix}-{digest}"
    if re.search(r"[^\x00-\x7f]", normalized):
        return f"{slug}-{digest}"
    return slug


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n").strip()
