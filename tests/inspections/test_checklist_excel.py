"""Importing commission checklist tables (.xlsx, .csv): columns, sections, codes and every located bad row."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from inspections.checklists.excel_format import load_checklist_csv, load_checklist_table, load_checklist_xlsx
from inspections.checklists.yaml_format import dump_checklist, load_checklist_text
from inspections.errors import InvalidInputError

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "checklists"
HEADER = ["检查项目", "检查内容", "检查方法", "评分标准", "分值"]


def write_xlsx(path: Path, rows: list[list[object]], *, sheet: str = "Sheet1", merge: tuple[str, ...] = ()) -> Path:
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    for cells in merge:
        worksheet.merge_cells(cells)
    workbook.save(path)
    return path


def problems(path: Path, **kwargs: object) -> list[str]:
    with pytest.raises(InvalidInputError) as info:
        load_checklist_table(path, **kwargs)  # type: ignore[arg-type]
    assert path.name in str(info.value)
    return [str(p) for p in info.value.problems]


def has(found: list[str], *words: str) -> bool:
    return any(all(word in problem for word in words) for problem in found)


# --- good tables -------------------------------------------------------------------------------------------------


def test_typical_commission_sheet(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "fever.xlsx",
        [
            ["发热门诊督导检查表"],
            [*HEADER, "否决项", "整改要求"],
            ["布局与分区", "独立设置，与普通门诊物理隔离", "现场查看", "未独立设置不得分", 5, "√", "调整布局"],
            [None, "三区两通道划分明确", "现场查看，查阅资料", "一处不符合扣 1 分", 4.5, None, None],
            ["人员管理", "掌握穿脱防护用品流程", "实操 询问", "1 人不合格扣 1 分", "3分", "否", "培训"],
            ["合计", None, None, None, 12.5],
            ["备注：分值为建议值"],
        ],
        merge=("A1:G1", "A3:A4"),
    )
    spec = load_checklist_xlsx(path)
    assert spec.title == "发热门诊督导检查表"
    assert spec.code == "fever" and spec.version == 1
    assert [(s.code, s.title) for s in spec.sections] == [("S1", "布局与分区"), ("S2", "人员管理")]
    first, second, third = spec.items()
    assert (first.code, first.critical, first.points, first.remedy) == ("S1.1", True, 5, "调整布局")
    assert (second.code, second.method, second.points, second.critical) == ("S1.2", "现场查看、查阅资料", 4.5, False)
    assert (third.code, third.method, third.points, third.remedy) == ("S2.1", "实操、询问", 3, "培训")
    assert spec.note == "备注：分值为建议值"


def test_columns_in_any_order_with_spaces_and_units(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "t.xlsx",
        [
            ["分 值（分）", " 检查内容 ", "评分\n标准", "检查方法", "编号", "检 查 项 目"],
            [2, "预检分诊点标识醒目", "无标识不得分", "现场查看", "YJ-1", "预检分诊"],
            [3, "测量体温并询问流行病学史", "未询问不得分", "询问", "YJ-2", None],
        ],
    )
    spec = load_checklist_xlsx(path)
    assert [(i.code, i.points, i.method) for i in spec.items()] == [("YJ-1", 2, "现场查看"), ("YJ-2", 3, "询问")]
    assert spec.sections[0].title == "预检分诊"


def test_serial_number_column_total_row_and_pre_numbered_empty_rows(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "t.xlsx",
        [
            ["序号", *HEADER],
            [1, "甲", "内容一", "询问", "标准", 6],
            [2, None, "内容二", "抽查", "标准", 4],
            [None, None, "合计（10 分）", None, None, 10],
            [3],
            [4],
        ],
    )
    spec = load_checklist_xlsx(path)
    assert [(i.code, i.text) for i in spec.items()] == [("S1.1", "内容一"), ("S1.2", "内容二")]


def test_title_code_and_version_can_be_given(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "t.xlsx", [["标题行"], HEADER, ["甲", "内容", "询问", "标准", 1]])
    spec = load_checklist_xlsx(path, code="my-list", title="我的检查表", version=3)
    assert (spec.code, spec.title, spec.version) == ("my-list", "我的检查表", 3)


def test_title_falls_back_to_sheet_name_then_file_stem(tmp_path: Path) -> None:
    rows = [HEADER, ["甲", "内容", "询问", "标准", 1]]
    assert load_checklist_xlsx(write_xlsx(tmp_path / "a.xlsx", rows, sheet="病区管理")).title == "病区管理"
    assert load_checklist_xlsx(write_xlsx(tmp_path / "病区检查.xlsx", rows)).title == "病区检查"


def test_code_is_derived_from_the_file_name(tmp_path: Path) -> None:
    rows = [HEADER, ["甲", "内容", "询问", "标准", 1]]
    assert load_checklist_xlsx(write_xlsx(tmp_path / "Ward Check_2026.xlsx", rows)).code == "ward-check-2026"
    chinese = load_checklist_xlsx(write_xlsx(tmp_path / "病区检查.xlsx", rows)).code
    assert chinese == "xlsx-" + hashlib.sha256("病区检查".encode()).hexdigest()[:8]
    mixed = load_checklist_xlsx(write_xlsx(tmp_path / "2026病区.xlsx", rows)).code
    assert mixed.startswith("2026-") and len(mixed) == len("2026-") + 8


def test_imported_sheet_survives_yaml_export(tmp_path: Path) -> None:
    spec = load_checklist_table(CORPUS / "good-title-row-merged.xlsx")
    assert load_checklist_text(dump_checklist(spec), "exported.yaml") == spec


def test_section_only_rows_start_a_section(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "t.xlsx",
        [
            HEADER,
            ["一、预检分诊"],
            [None, "内容一", "询问", "标准", 1],
            ["二、病区管理"],
            [None, "内容二", "抽查", "标准", 2],
        ],
    )
    spec = load_checklist_xlsx(path)
    assert [(s.title, [i.code for i in s.items]) for s in spec.sections] == [
        ("一、预检分诊", ["S1.1"]),
        ("二、病区管理", ["S2.1"]),
    ]


def test_formatting_down_thousands_of_empty_rows_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "formatted.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in [HEADER, ["甲", "内容", "询问", "标准", 1]]:
        sheet.append(row)
    for number in range(3, 6000):
        sheet.cell(row=number, column=1).font = openpyxl.styles.Font(bold=True)
    workbook.save(path)
    assert [i.code for i in load_checklist_xlsx(path).items()] == ["S1.1"]


# --- bad tables: every row named ----------------------------------------------------------------------------------


def test_every_bad_row_is_reported_and_nothing_is_returned(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "bad.xlsx",
        [
            ["督导检查表"],
            [*HEADER, "否决项", "编号"],
            ["布局", None, "现场查看", "标准", 5, None, "A1"],
            [None, "内容", "看一看", "标准", 4, None, "A2"],
            [None, "内容", "现场查看", "标准", "五分", None, "A3"],
            [None, "内容", "现场查看", "标准", 0, None, "A4"],
            [None, "内容", "现场查看", "标准", -1, "也许", "A5"],
            [None, "内容", "现场查看", "标准", 1, None, "A1"],
            [None, "内容", None, None, 1, None, "A 7"],
            [None, "内容", "现场查看", "标准", 2, None, "A8"],
        ],
    )
    found = problems(path)
    assert has(found, "第 3 行", "检查内容为空")
    assert has(found, "第 4 行", "检查方法", "看一看", "无法识别")
    # Method and criteria may be empty: real sheets often have neither for some rows.
    assert has(found, "第 5 行", "分值", "大于 0 的数字", "五分")
    assert has(found, "第 6 行", "分值", "“0”")
    assert has(found, "第 7 行", "分值", "“-1”")
    assert has(found, "第 7 行", "否决项", "也许")
    assert has(found, "第 8 行", "编号 A1 重复", "第 3 行")
    assert has(found, "第 9 行", "编号", "A 7", "格式不对")
    assert not has(found, "第 10 行")
    assert len(found) == 8


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "cols.xlsx", [["标题"], ["检查项目", "描述", "分值"], ["甲", "内容", 1]])
    (problem,) = problems(path)
    assert "第 2 行" in problem and "无法确定哪一列是“检查内容”" in problem
    assert "B列“描述”" in problem and "--columns 检查内容=" in problem


def test_header_names_not_in_the_lists_are_read_by_their_words(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "t.xlsx",
        [
            ["检查项目", "检查内容及要求", "扣分标准及方法", "分值(分)", "扣分原因"],
            ["甲", "内容", "未做不得分", 2, None],
        ],
    )
    (item,) = load_checklist_xlsx(path).items()
    assert (item.text, item.criteria, item.points) == ("内容", "未做不得分", 2)


def test_a_section_row_with_its_points_in_the_points_column(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "t.xlsx",
        [["序号", "检查内容", "分值"], ["一", "预检分诊", 5], [1, "设置分诊点", 2], [2, "测体温", 3]],
    )
    spec = load_checklist_xlsx(path)
    assert [(s.title, s.points, len(s.items)) for s in spec.sections] == [("预检分诊", 5, 2)]


def test_method_and_criteria_columns_are_optional(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "cols.xlsx", [["标题"], ["检查项目", "检查内容", "分值"], ["甲", "内容", 1]])
    (item,) = load_checklist_xlsx(path).items()
    assert (item.text, item.method, item.criteria, item.points) == ("内容", "", "", 1)


def test_sheet_without_any_header(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "none.xlsx", [["名称", "数量"], ["口罩", 5]])
    (problem,) = problems(path)
    assert "找不到表头" in problem and "检查项目" in problem


def test_duplicate_header_column(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "dup.xlsx", [[*HEADER, "分值"], ["甲", "内容", "询问", "标准", 1, 2]])
    (problem,) = problems(path)
    assert "第 1 行" in problem and "不止一次" in problem and "分值" in problem


def test_header_without_rows(tmp_path: Path) -> None:
    (problem,) = problems(write_xlsx(tmp_path / "empty.xlsx", [HEADER]))
    assert "第 1 行" in problem and "没有任何检查内容" in problem


def test_first_row_without_section(tmp_path: Path) -> None:
    (problem,) = problems(write_xlsx(tmp_path / "nosec.xlsx", [HEADER, [None, "内容", "询问", "标准", 1]]))
    assert "第 2 行" in problem and "检查项目为空" in problem


def test_section_without_items(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "t.xlsx", [HEADER, ["甲", "内容", "询问", "标准", 1], ["乙"]])
    (problem,) = problems(path)
    assert "第 3 行" in problem and "“乙”下面没有任何检查内容" in problem


def test_bad_checklist_code_argument(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "t.xlsx", [HEADER, ["甲", "内容", "询问", "标准", 1]])
    (problem,) = problems(path, code="Bad Code")
    assert "Bad Code" in problem and "格式不对" in problem


def test_text_file_renamed_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "renamed.xlsx"
    path.write_text("检查项目,检查内容\n", encoding="utf-8")
    (problem,) = problems(path)
    assert "不是有效的 Excel" in problem


def test_corrupt_zip(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    good = write_xlsx(tmp_path / "good.xlsx", [HEADER, ["甲", "内容", "询问", "标准", 1]]).read_bytes()
    path.write_bytes(good[: len(good) // 2])
    (problem,) = problems(path)
    assert "损坏" in problem


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    (problem,) = problems(path)
    assert "不是有效的 Excel" in problem


def test_old_xls_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    (problem,) = problems(path)
    assert ".xls" in problem and "另存为" in problem


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "list.pdf"
    path.write_bytes(b"%PDF")
    (problem,) = problems(path)
    assert ".pdf" in problem and ".xlsx" in problem and ".docx" in problem


def test_docx_that_is_not_a_document(tmp_path: Path) -> None:
    path = tmp_path / "list.docx"
    path.write_bytes(b"PK")
    (problem,) = problems(path)
    assert "不是有效的 Word" in problem or "已损坏" in problem


# --- csv ----------------------------------------------------------------------------------------------------------

CSV_TEXT = (
    "检查项目,检查内容,检查方法,评分标准,分值,否决项\n"
    "预检分诊,设置预检分诊点，标识醒目,现场查看,未设置不得分,5,是\n"
    ",询问流行病学史,询问,未询问扣 2 分,3,\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "分诊.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    spec = load_checklist_table(path)
    assert spec.title == "分诊"
    assert [(i.code, i.text, i.critical) for i in spec.items()] == [
        ("S1.1", "设置预检分诊点，标识醒目", True),
        ("S1.2", "询问流行病学史", False),
    ]


def test_tab_separated_csv(tmp_path: Path) -> None:
    path = tmp_path / "tab.csv"
    path.write_text(CSV_TEXT.replace(",", "\t"), encoding="utf-8")
    assert len(load_checklist_csv(path).items()) == 2


def test_csv_bad_row_is_located(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(CSV_TEXT + ",多余,询问,标准,abc,\n", encoding="utf-8")
    found = problems(path)
    assert found == ["bad.csv，第 4 行：分值应为大于 0 的数字（否决项可以不填），而这里是“abc”"]


def test_binary_csv(tmp_path: Path) -> None:
    path = tmp_path / "bin.csv"
    path.write_bytes(bytes(range(256)))
    (problem,) = problems(path)
    assert "编码" in problem


# --- the sample corpus --------------------------------------------------------------------------------------------

_EXPECTED: dict[str, list[str] | None] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(n for n in _EXPECTED if not n.endswith(".yaml")))
def test_corpus_file(name: str) -> None:
    wanted = _EXPECTED[name]
    if wanted is None:
        assert load_checklist_table(CORPUS / name).items()
        return
    found = "\n".join(problems(CORPUS / name))
    for word in wanted:
        assert word in found


def test_line_breaks_in_title_and_section_cells_are_layout(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "t.xlsx",
        [
            ["发热门诊\n检查表"],
            ["项目", "检查内容", "检查方法", "分值"],
            ["预检分诊\n（5分）", "设置分诊点", "查阅资料，\n现场查看3名医务人员", 5],
        ],
    )
    spec = load_checklist_xlsx(path)
    assert spec.title == "发热门诊检查表"
    assert [(s.title, s.points) for s in spec.sections] == [("预检分诊", 5)]
    assert spec.items()[0].method == "查阅资料， 现场查看3名医务人员"
    assert load_checklist_text(dump_checklist(spec), "t.yaml") == spec


def test_a_key_item_that_starts_like_a_signature_line_is_still_an_item(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "t.xlsx",
        [
            ["项目", "检查内容", "分值"],
            ["人员", "检查人员掌握标准预防", "★"],
            [None, "培训记录完整", 5],
            ["检查人：", None, "日期："],
        ],
    )
    first, second = load_checklist_xlsx(path).items()
    assert (first.text, first.critical, first.points) == ("检查人员掌握标准预防", True, 0)
    assert second.points == 5
