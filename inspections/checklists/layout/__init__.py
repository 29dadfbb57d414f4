"""Recognizing a published checklist sheet's layout: rows of cell texts → a ChecklistSpec.

The rows come from an Excel sheet, a CSV file or Word tables, with merged cells already filled in (the section merged
down over its rows appears on every row). What is recognized, without any edit to the sheet:

- title rows and fill-in lines ("单位名称：____") above the header; the first of them is the checklist's title;
- one or two header rows (a merged group header over sub-columns), the header names commissions use (HEADER_NAMES),
  columns the inspector fills in by hand (IGNORED_NAMES) and unknown columns, which are ignored;
- 评价方法, which is the method in some sheets and the scoring rule in others, decided by the column's content;
- sections as a column (merged down) or as a title row of their own, with their points: "综合管理(5分)";
- key-item markers (★ ☆ ▲ * 一票否决 否决项 （否决）) in any column; a key item may have no points; two kinds in one
  sheet each get their own consequence, from the legend (说明) when it says, else KEY_DEFAULTS;
- 合计 / 总分 rows, repeated header rows (a Word table continued over pages), signature and date lines (skipped), and
  the legend (说明 / 注 / 备注 …), which becomes the checklist's note;
- scoring rules in the criteria (inspections.checklists.criteria): option sets, per-occurrence deductions, sub-items.

Where it cannot tell which column is which, ColumnsUnclearError names the columns it saw; the caller asks the user and
passes ``columns`` (role name → header text, column letter or number), the same as ``--columns`` on the command line."""

from inspections.checklists.layout.columns import (
    ColumnRole,
    ColumnsUnclearError,
    SheetReading,
    SheetRow,
    column_letter,
    fuzzy_role,
    header_name,
    parse_column_mapping,
    role_of_name,
)
from inspections.checklists.layout.preview import sheet_preview_lines
from inspections.checklists.layout.reader import SheetReader
from inspections.checklists.layout.vocabulary import (
    AMBIGUOUS_NAMES,
    HEADER_NAMES,
    HEADER_SCAN_ROWS,
    IGNORED_NAMES,
    KEY_DEFAULTS,
    MAX_ITEM_ROWS,
    METHOD_ALIASES,
    ROLE_LABELS,
)

__all__ = [
    "AMBIGUOUS_NAMES",
    "HEADER_NAMES",
    "HEADER_SCAN_ROWS",
    "IGNORED_NAMES",
    "KEY_DEFAULTS",
    "MAX_ITEM_ROWS",
    "METHOD_ALIASES",
    "ROLE_LABELS",
    "ColumnRole",
    "ColumnsUnclearError",
    "SheetReader",
    "SheetReading",
    "SheetRow",
    "column_letter",
    "fuzzy_role",
    "header_name",
    "parse_column_mapping",
    "role_of_name",
    "sheet_preview_lines",
]
