"""Reading .xlsx and .csv tables: header detection, row numbers, cell text, encodings and clear errors."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import pytest

from inspections.errors import InvalidInputError
from inspections.tabular import MAX_TABLE_BYTES, Column, cell_text, normalize_header, read_table

COLUMNS = (
    Column("name", ("名称", "机构名称"), required=True),
    Column("level", ("级别", "等级"), required=True),
    Column("phone", ("联系电话", "电话")),
    Column("when", ("日期",)),
)


def write_xlsx(path: Path, rows: list[list[object]], *, extra_sheet_first: bool = False) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    if extra_sheet_first:
        sheet.title = "说明"
        sheet.append(["本表为说明页"])
        sheet = workbook.create_sheet("名单")
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def error_text(excinfo: pytest.ExceptionInfo[InvalidInputError]) -> str:
    return str(excinfo.value)


def test_xlsx_title_rows_above_the_header_and_row_numbers_as_in_excel(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "名单.xlsx",
        [
            ["2026 年医疗机构名单"],
            [],
            ["序号", "机构名称", "等级", "联系电话", "日期", "备注"],
            [1, "  第一人民医院 ", 3, 13800000001, datetime(2026, 2, 1), "x"],
            [None, None, None, None, None, None],
            [2, "中医院", 2.0, "010-1234", date(2026, 3, 5), None],
        ],
    )
    table = read_table(path, COLUMNS)
    assert table.source == "名单.xlsx"
    assert table.header_row == 3
    assert table.columns == {"name": "机构名称", "level": "等级", "phone": "联系电话", "when": "日期"}
    assert table.extra_headers == ["序号", "备注"]
    assert [r.number for r in table.rows] == [4, 6]
    first, second = table.rows
    assert first["name"] == "第一人民医院"
    assert (first["level"], first["phone"], first["when"]) == ("3", "13800000001", "2026-02-01")
    assert (second["level"], second["when"]) == ("2", "2026-03-05")
    assert first.location == "第 4 行"
    assert first.raw[0] == "1"


def test_xlsx_reads_the_first_sheet_or_the_one_named(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [["名称", "级别"], ["中医院", "二级"]], extra_sheet_first=True)
    with pytest.raises(InvalidInputError) as excinfo:
        read_table(path, COLUMNS)
    assert "找不到表头" in error_text(excinfo)
    assert read_table(path, COLUMNS, sheet="名单").rows[0]["name"] == "中医院"
    with pytest.raises(InvalidInputError, match="找不到名为「其他」的工作表"):
        read_table(path, COLUMNS, sheet="其他")


def test_gbk_csv_with_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_text("名称;级别;电话\r\n人民医院;三级;010-1\r\n\r\n;;\r\n卫生院;一级;\r\n", encoding="gbk")
    table = read_table(path, COLUMNS)
    assert [(r.number, r["name"], r["level"]) for r in table.rows] == [(2, "人民医院", "三级"), (5, "卫生院", "一级")]


def test_utf8_bom_csv_with_tabs(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_text("名称\t级别\n传染病医院\t3\n", encoding="utf-8-sig")
    table = read_table(path, COLUMNS)
    assert table.columns["name"] == "名称"  # the BOM is not part of the first header
    assert table.rows[0].cells == {"name": "传染病医院", "level": "3"}


def test_utf16_text_export_from_excel(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    path.write_text("名称\t级别\n口腔医院\t二级\n", encoding="utf-16")
    assert read_table(path, COLUMNS).rows[0]["name"] == "口腔医院"


def test_csv_rows_with_line_breaks_inside_quotes_keep_their_starting_line(tmp_path: Path) -> None:
    path = tmp_path / "multi.csv"
    path.write_text('名称,级别\n"第一\n人民医院",三级\n中医院,二级\n', encoding="utf-8")
    table = read_table(path, COLUMNS)
    assert [(r.number, r["name"]) for r in table.rows] == [(2, "第一\n人民医院"), (4, "中医院")]


def test_header_spelling_variants_are_recognized(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("机构 名称*,等级（必填）,联系电话(手机)\n中医院,二级,139\n", encoding="utf-8")
    table = read_table(path, COLUMNS)
    assert set(table.columns) == {"name", "level", "phone"}
    assert normalize_header(" 机构名称＊ ") == normalize_header("机构名称")


def test_missing_required_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("名称,电话\n中医院,139\n", encoding="utf-8")
    with pytest.raises(InvalidInputError) as excinfo:
        read_table(path, COLUMNS)
    message = error_text(excinfo)
    assert "m.csv，第 1 行" in message
    assert "缺少必需的列：「级别」" in message
    assert "级别/等级" in message


def test_a_column_given_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("名称,级别,等级\n中医院,二级,二级\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="第 B、C 列"):
        read_table(path, COLUMNS)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.xls", b"\xd0\xcf\x11\xe0", "旧版 Excel 文件（.xls）"),
        ("a.ods", b"x", "不支持的文件类型「.ods」"),
        ("noext", b"x", "不支持的文件类型「无扩展名」"),
        ("a.xlsx", "名称,级别\n".encode(), "不是有效的 Excel"),
        ("a.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "旧版 Excel（.xls）文件或加密的工作簿"),
        ("a.csv", b"", "文件是空的"),
        ("a.csv", b"\n\n,,\n", "文件是空的，没有任何内容"),
        ("a.csv", "名称,级别\n".encode(), "没有数据行"),
        ("a.csv", b"PK\x03\x04\x00\x00rest", "使用了 .csv 扩展名"),
        ("a.csv", bytes(range(256)), "无法识别文件的文字编码"),
        ("a.csv", "中医院,二级\n人民医院,三级\n".encode(), "找不到表头"),
    ],
)
def test_bad_files_get_a_clear_message_naming_the_file(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidInputError) as excinfo:
        read_table(path, COLUMNS)
    assert expected in error_text(excinfo)
    assert excinfo.value.problems[0].source == name


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="不存在") as excinfo:
        read_table(tmp_path / "没有.xlsx", COLUMNS)
    assert excinfo.value.problems[0].source == "没有.xlsx"


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(InvalidInputError, match="文件夹"):
        read_table(tmp_path / "dir.csv", COLUMNS)


def test_file_over_the_size_limit_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.xlsx"
    with path.open("wb") as handle:  # sparse: no 20 MB actually written
        handle.truncate(MAX_TABLE_BYTES + 1)
    with pytest.raises(InvalidInputError, match=r"文件太大（20\.0 MB），超过 20 MB 的上限"):
        read_table(path, COLUMNS)


def test_truncated_xlsx(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", [["名称", "级别"], ["中医院", "二级"]]).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(good[: len(good) * 2 // 3])
    with pytest.raises(InvalidInputError, match="不是有效的 Excel"):
        read_table(path, COLUMNS)


def test_xlsx_with_a_corrupted_sheet_inside_the_zip(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", [["名称", "级别"], ["中医院", "二级"]])
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # cut in the middle of the XML
            target.writestr(item, data)
    with pytest.raises(InvalidInputError, match="不是有效的 Excel"):
        read_table(broken, COLUMNS)


def test_empty_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "empty.xlsx", [])
    with pytest.raises(InvalidInputError, match="工作表「Sheet」是空的"):
        read_table(path, COLUMNS)


def test_a_single_expected_column_is_enough_for_a_header(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("说明\n名称\n中医院\n", encoding="utf-8")
    table = read_table(path, [Column("name", ("名称",), required=True)])
    assert (table.header_row, [r["name"] for r in table.rows]) == (2, ["中医院"])


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (3, "3"),
        (3.0, "3"),
        (3.5, "3.5"),
        (13800000001.0, "13800000001"),
        (True, "TRUE"),
        (datetime(2026, 2, 1), "2026-02-01"),
        (datetime(2026, 2, 1, 8, 30), "2026-02-01 08:30:00"),
        (date(2026, 2, 1), "2026-02-01"),
        (time(8, 30), "08:30:00"),
        ("  文字\u00a0", "文字"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_xlsx_in_memory_roundtrip_keeps_leading_zero_codes_written_as_text(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["名称", "级别", "电话"])
    sheet.append(["中医院", "二级", "0101234"])
    workbook.save(buffer)
    path = tmp_path / "z.xlsx"
    path.write_bytes(buffer.getvalue())
    assert read_table(path, COLUMNS).rows[0]["phone"] == "0101234"


def test_a_hidden_first_sheet_is_skipped(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    helper = workbook.active
    assert helper is not None
    helper.title = "下拉选项"
    helper.append(["名称", "级别"])
    helper.append(["不应读到", "一级"])
    helper.sheet_state = "hidden"
    visible = workbook.create_sheet("名单")
    visible.append(["名称", "级别"])
    visible.append(["中医院", "二级"])
    workbook.active = 1
    workbook.save(tmp_path / "h.xlsx")
    assert [r["name"] for r in read_table(tmp_path / "h.xlsx", COLUMNS).rows] == ["中医院"]
