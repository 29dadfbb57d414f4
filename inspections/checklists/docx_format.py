"""Reading a checklist published as a Word (.docx) document: its tables and the paragraphs around them, as rows.

A sheet may be one table or several (one per section, or one continued over pages with its header repeated); the
tables are read in document order as one sheet, and the layout recognizer skips repeated headers. Paragraphs before the
first table (the title, fill-in lines) and after or between tables (the legend, signatures) become one-cell rows.
Cells merged down hold their text on every row (python-docx reads a vertical merge that way); a cell merged across
columns is kept once.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from inspections.checklists.layout import HEADER_SCAN_ROWS, MAX_ITEM_ROWS, SheetRow
from inspections.checklists.textfile import read_limited
from inspections.errors import InvalidInputError, Problem

MAX_DOCX_BYTES = 20 * 1024 * 1024


def docx_rows(path: Path) -> list[SheetRow]:
    """The rows of a .docx checklist; InvalidInputError for a file that is not a readable Word document."""
    source = path.name
    head = read_limited(path, MAX_DOCX_BYTES)[:8]
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InvalidInputError(
            [
                Problem(
                    source,
                    "",
                    "这是旧版 Word 97-2003（.doc）文件，无法直接读取；请在 Word 或 WPS 中“另存为” .docx 后再导入",
                )
            ]
        )
    if not head.startswith(b"PK"):
        raise InvalidInputError(
            [Problem(source, "", "不是有效的 Word（.docx）文件：文件内容不是 docx 格式（可能只是改了扩展名）")]
        )
    import docx  # python-docx; imported lazily, only this path needs it
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    rows: list[SheetRow] = []
    number = 0
    try:
        document = docx.Document(str(path))
        table_number = 0
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                text = block.text.strip()
                if text:
                    number += 1
                    rows.append(SheetRow(number, (text,), f"表格外第 {number} 段"))
            elif isinstance(block, Table):
                table_number += 1
                for row_number, row in enumerate(block.rows, start=1):
                    cells: list[str] = []
                    previous = None
                    for cell in row.cells:
                        # A cell merged across columns comes back once per column: keep its text in the first.
                        cells.append("" if cell._tc is previous else cell.text.replace("\r", "").strip())
                        previous = cell._tc
                    if any(cells):
                        number += 1
                        rows.append(SheetRow(number, tuple(cells), f"第 {table_number} 个表格第 {row_number} 行"))
                    if len(rows) > MAX_ITEM_ROWS + HEADER_SCAN_ROWS:
                        raise InvalidInputError(
                            [Problem(source, "", f"表格行数太多（上限 {MAX_ITEM_ROWS} 行检查内容）")]
                        )
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError) as err:
        raise InvalidInputError(
            [Problem(source, "", f"文件已损坏，或不是有效的 Word（.docx）文件（{type(err).__name__}）")]
        ) from None
    return rows
