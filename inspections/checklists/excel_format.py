"""Importing a commission's checklist table (.xlsx or .csv with 检查项目 / 检查内容 / 检查方法 / 评分标准 / 分值).

The header row is found among the first rows of the first worksheet (a title row may precede it); column order is
free and header names are matched after removing white space and a trailing bracket such as "分值（分）".
Blank 检查项目 cells (merged cells) continue the previous section. Rows whose first text is 合计 / 总计 / 小计 / 总分
are totals and skipped; a row holding only a text that starts with 备注 / 说明 / 注 becomes the checklist note.
Every bad row is reported with its row number, and nothing is returned unless every row is good.
CSV files may be UTF-8 (with or without BOM) or GB18030/GBK, comma- or tab-separated; their row numbers count
records, as a spreadsheet program shows them. A default checklist code comes from the file name (see _default_code).
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from inspections.checklists.spec import (
    CHECKLIST_CODE_RE,
    ITEM_CODE_RE,
    METHODS,
    ChecklistSpec,
    ItemSpec,
    SectionSpec,
    normalize_method,
)
from inspections.checklists.textfile import decode_text, read_limited
from inspections.errors import InvalidInputError, Problem

REQUIRED_COLUMNS = ("检查项目", "检查内容", "检查方法", "评分标准", "分值")
OPTIONAL_COLUMNS = ("否决项", "整改要求", "编号")
HEADER_SCAN_ROWS = 20
MAX_TABLE_BYTES = 20 * 1024 * 1024
MAX_ITEM_ROWS = 3000

# Wordings seen in commission sheets for the five methods of the checklist format.
METHOD_ALIASES = {
    "查看现场": "现场查看",
    "现场检查": "现场查看",
    "实地查看": "现场查看",
    "查看": "现场查看",
    "查看资料": "查阅资料",
    "资料查阅": "查阅资料",
    "查资料": "查阅资料",
    "查阅记录": "查阅资料",
    "查阅": "查阅资料",
    "现场询问": "询问",
    "提问": "询问",
    "访谈": "询问",
    "现场操作": "实操",
    "实际操作": "实操",
    "操作": "实操",
    "现场抽查": "抽查",
    "随机抽查": "抽查",
}
_CRITICAL_YES = {"是", "√", "✓", "✔", "☑", "★", "▲", "否决", "否决项", "y", "yes", "true", "1"}
_CRITICAL_NO = {"", "否", "×", "✗", "x", "n", "no", "false", "0", "-", "—", "/", "无"}
_TOTAL_WORDS = ("合计", "总计", "小计", "总分")
_NOTE_PREFIXES = ("备注", "说明", "注：", "注:")
_DEFAULT_SHEET_NAME = re.compile(r"(sheet|工作表)\s*\d*", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_TRAILING_BRACKET = re.compile(r"[（(][^（()）]*[)）]$")


def load_checklist_table(
    path: Path, *, code: str | None = None, title: str | None = None, version: int = 1
) -> ChecklistSpec:
    """Load a checklist table from ``.xlsx`` / ``.xlsm`` or ``.csv``, chosen by the file's suffix."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return load_checklist_xlsx(path, code=code, title=title, version=version)
    if suffix in (".csv", ".txt"):
        return load_checklist_csv(path, code=code, title=title, version=version)
    if suffix == ".xls":
        raise InvalidInputError([Problem(path.name, "", _OLD_XLS)])
    raise InvalidInputError(
        [Problem(path.name, "", f"不支持的文件类型“{path.suffix or '（无扩展名）'}”：只能导入 .xlsx 或 .csv 表格")]
    )


_OLD_XLS = "这是旧版 Excel 97-2003（.xls）文件，无法直接读取；请在 Excel 或 WPS 中“另存为” .xlsx 后再导入"


def load_checklist_xlsx(
    path: Path, *, code: str | None = None, title: str | None = None, version: int = 1
) -> ChecklistSpec:
    """Read the first visible worksheet of an .xlsx file as a checklist; InvalidInputError lists every bad row."""
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

    rows: list[tuple[int, list[object]]] = []
    try:
        with warnings.catch_warnings():
            # openpyxl warns about unsupported extensions (data validation, conditional formats): irrelevant here.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                sheets = [ws for ws in workbook.worksheets if hasattr(ws, "iter_rows")]
                if not sheets:
                    raise InvalidInputError([Problem(source, "", "工作簿中没有工作表")])
                # The first sheet the user can see, as in a spreadsheet program: a hidden helper sheet often comes
                # first (and a hidden sheet could smuggle in items nobody reviewed).
                sheet = next((ws for ws in sheets if getattr(ws, "sheet_state", "visible") == "visible"), sheets[0])
                sheet_name = str(sheet.title)
                sheet.reset_dimensions()  # some writers record a wrong used range; read what is really there
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    # Sheets often carry formatting down thousands of empty rows: keep only rows with content.
                    if any(_cell_text(value) for value in values):
                        rows.append((number, list(values)))
                        if len(rows) > MAX_ITEM_ROWS + HEADER_SCAN_ROWS:
                            raise InvalidInputError(
                                [Problem(source, f"第 {number} 行", f"表格行数太多（上限 {MAX_ITEM_ROWS} 行检查内容）")]
                            )
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
    default_title = path.stem if _DEFAULT_SHEET_NAME.fullmatch(sheet_name.strip()) else sheet_name.strip()
    return _TableReader(source).read(
        rows, code=code or _default_code(path.stem, "xlsx"), title=title, default_title=default_title, version=version
    )


def load_checklist_csv(
    path: Path, *, code: str | None = None, title: str | None = None, version: int = 1
) -> ChecklistSpec:
    """Read a .csv checklist table (UTF-8 with or without BOM, or GB18030/GBK; comma or tab separated)."""
    source = path.name
    text = decode_text(read_limited(path, MAX_TABLE_BYTES), source)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as err:
        raise InvalidInputError([Problem(source, "", f"CSV 格式有误（{err}）")]) from None
    rows: list[tuple[int, list[object]]] = [
        (number, list(record)) for number, record in enumerate(records, start=1) if any(c.strip() for c in record)
    ]
    return _TableReader(source).read(
        rows, code=code or _default_code(path.stem, "csv"), title=title, default_title=path.stem, version=version
    )


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


def _header_name(value: object) -> str:
    name = _SPACES.sub("", unicodedata.normalize("NFKC", _cell_text(value)))
    return _TRAILING_BRACKET.sub("", name)


def _is_total(first_text: str, cells: dict[str, str]) -> bool:
    """A 合计 / 总计 / 小计 / 总分 row, in the first filled cell or the 检查项目 / 检查内容 column."""
    candidates = (first_text, cells["检查项目"], cells["检查内容"])
    return any(_SPACES.sub("", text).startswith(_TOTAL_WORDS) for text in candidates if text)


@dataclass
class _Section:
    code: str
    title: str
    row: int
    items: list[ItemSpec] = field(default_factory=list)


class _TableReader:
    """Turns table rows into a ChecklistSpec, collecting a Problem for every bad row."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def error(self, row: int | None, message: str) -> None:
        self.problems.append(Problem(self.source, f"第 {row} 行" if row else "", message))

    def read(
        self,
        rows: list[tuple[int, list[object]]],
        *,
        code: str,
        title: str | None,
        default_title: str,
        version: int,
    ) -> ChecklistSpec:
        header_row, columns = self._find_header(rows)
        found_title = self._title_above(rows, header_row)
        final_title = (title or found_title or default_title).strip()
        if not CHECKLIST_CODE_RE.fullmatch(code):
            self.error(None, f"检查表编号“{code}”格式不对：只能由小写字母、数字和连字符“-”组成，以字母或数字开头")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            self.error(None, f"版本号必须是大于等于 1 的整数，而不是 {version!r}")
        if not final_title:
            self.error(None, "检查表没有标题")
        sections, notes = self._sections(
            ((number, values) for number, values in rows if number > header_row), columns, header_row
        )
        if self.problems:
            raise InvalidInputError(self.problems)
        return ChecklistSpec(
            code=code,
            version=version,
            title=final_title,
            sections=tuple(SectionSpec(s.code, s.title, tuple(s.items)) for s in sections),
            note="\n".join(notes),
        )

    def _find_header(self, rows: list[tuple[int, list[object]]]) -> tuple[int, dict[str, int]]:
        known = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
        best: tuple[int, dict[str, int]] | None = None
        for number, values in rows[:HEADER_SCAN_ROWS]:
            columns: dict[str, int] = {}
            duplicates: list[str] = []
            for index, value in enumerate(values):
                name = _header_name(value)
                if name in known:
                    if name in columns:
                        duplicates.append(name)
                    columns[name] = index
            if len(columns) < 2:
                continue
            if duplicates:
                self._fail(number, f"表头中这些列出现了不止一次：{'、'.join(dict.fromkeys(duplicates))}")
            if all(name in columns for name in REQUIRED_COLUMNS):
                return number, columns
            if best is None or len(columns) > len(best[1]):
                best = (number, columns)
        if best is None:
            self._fail(
                None,
                f"在前 {HEADER_SCAN_ROWS} 行中找不到表头：表头行应包含 {' / '.join(REQUIRED_COLUMNS)} 这几列"
                f"（可选：{' / '.join(OPTIONAL_COLUMNS)}）",
            )
        number, columns = best
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        self._fail(number, f"表头缺少必需的列：{'、'.join(missing)}（需要 {' / '.join(REQUIRED_COLUMNS)}）")

    def _fail(self, row: int | None, message: str) -> NoReturn:
        self.error(row, message)
        raise InvalidInputError(self.problems)

    def _title_above(self, rows: list[tuple[int, list[object]]], header_row: int) -> str:
        for number, values in rows:
            if number >= header_row:
                break
            texts = [_cell_text(v) for v in values if _cell_text(v)]
            if texts:
                return texts[0]
        return ""

    def _sections(
        self, rows: Iterable[tuple[int, list[object]]], columns: dict[str, int], header_row: int
    ) -> tuple[list[_Section], list[str]]:
        sections: list[_Section] = []
        notes: list[str] = []
        item_codes: dict[str, int] = {}
        item_rows = 0
        for number, values in rows:
            cells = {name: _cell_text(values[index]) if index < len(values) else "" for name, index in columns.items()}
            raw = {name: values[index] if index < len(values) else None for name, index in columns.items()}
            texts = [_cell_text(v) for v in values if _cell_text(v)]
            if not texts:
                continue
            if _is_total(texts[0], cells) and not cells["检查方法"] and not cells["评分标准"]:
                continue
            if len(texts) == 1 and texts[0].startswith(_NOTE_PREFIXES) and not cells["检查内容"]:
                notes.append(texts[0])
                continue
            section_title = cells["检查项目"]
            if section_title and (not sections or sections[-1].title != section_title):
                sections.append(_Section(f"S{len(sections) + 1}", section_title, number))
            item_fields = ("检查内容", "检查方法", "评分标准", "分值", "否决项", "整改要求", "编号")
            if not any(cells.get(name) for name in item_fields):
                continue  # a row naming a section only
            item_rows += 1
            if item_rows > MAX_ITEM_ROWS:
                self._fail(number, f"检查内容太多（上限 {MAX_ITEM_ROWS} 行）")
            if not sections:
                self.error(number, "检查项目为空，上面也没有可以沿用的检查项目（请填写这一行所属的检查项目）")
                continue
            section = sections[-1]
            item = self._item(number, cells, raw, section, item_codes)
            if item is not None:
                section.items.append(item)
        if not sections and not self.problems:
            self.error(header_row, "表头下面没有任何检查内容")
        for section in sections:
            if not section.items and not any(p.location == f"第 {section.row} 行" for p in self.problems):
                self.error(section.row, f"检查项目“{section.title}”下面没有任何检查内容")
        return sections, notes

    def _item(
        self,
        number: int,
        cells: dict[str, str],
        raw: dict[str, object],
        section: _Section,
        item_codes: dict[str, int],
    ) -> ItemSpec | None:
        ok = True
        text = cells["检查内容"]
        if not text:
            self.error(number, "检查内容为空")
            ok = False
        method: str | None = None
        if not cells["检查方法"]:
            self.error(number, f"检查方法为空（应为 {'、'.join(METHODS)} 之一或几种）")
            ok = False
        else:
            method, unknown = normalize_method(cells["检查方法"], METHOD_ALIASES)
            if method is None:
                self.error(
                    number,
                    f"检查方法“{'、'.join(unknown) or cells['检查方法']}”无法识别：只能是 {'、'.join(METHODS)} "
                    "之一，或用“、”连接的几种（例如 现场查看、查阅资料）",
                )
                ok = False
        criteria = cells["评分标准"]
        if not criteria:
            self.error(number, "评分标准为空")
            ok = False
        points = self._points(number, raw["分值"], cells["分值"])
        critical = self._critical(number, raw.get("否决项"), cells.get("否决项", ""))
        code = cells.get("编号", "")
        item_no = len(section.items) + 1
        if not code:
            code = f"{section.code}.{item_no}"
        elif not ITEM_CODE_RE.fullmatch(code):
            self.error(
                number,
                f"编号“{code}”格式不对：只能由英文字母、数字和 . _ - 组成，以字母或数字开头，最多 32 个字符",
            )
            ok = False
        if code in item_codes:
            self.error(number, f"编号 {code} 重复（第 {item_codes[code]} 行已经使用）")
            ok = False
        else:
            item_codes[code] = number
        if not ok or method is None or points is None or critical is None:
            # Keep numbering stable for the following rows of this section.
            section.items.append(_PLACEHOLDER)
            return None
        return ItemSpec(
            code=code,
            text=text,
            method=method,
            criteria=criteria,
            points=points,
            critical=critical,
            remedy=cells.get("整改要求", ""),
        )

    def _points(self, number: int, value: object, text: str) -> float | None:
        points: float | None = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            points = float(value)
        elif text:
            cleaned = unicodedata.normalize("NFKC", text).replace(" ", "").removesuffix("分")
            try:
                points = float(cleaned)
            except ValueError:
                points = None
        if points is None or not math.isfinite(points) or points <= 0:
            shown = f"“{text}”" if text else "空"
            self.error(number, f"分值应为大于 0 的数字，而这里是{shown}")
            return None
        return points + 0.0

    def _critical(self, number: int, value: object, text: str) -> bool | None:
        if isinstance(value, bool):
            return value
        mark = unicodedata.normalize("NFKC", text).strip().lower()
        if mark in _CRITICAL_YES:
            return True
        if mark in _CRITICAL_NO:
            return False
        self.error(number, f"否决项只能填 是 / 否 / √ 或留空，而这里是“{text}”")
        return None


# Stands in for a bad row so later rows keep their generated codes (S1.3 stays S1.3); never returned.
_PLACEHOLDER = ItemSpec(code="", text="", method="", criteria="", points=1.0)
