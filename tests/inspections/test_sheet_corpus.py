"""Published checklist layouts (tests/corpus/sheets, made by make_sheet_corpus.py) import unchanged.

Every expectation below is read off the sheet itself: its sections and their stated points, its number of items, its
合计 / 总分, its key items and what its 说明 says they mean, and the scoring rules its criteria spell out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from inspections.checklists.excel_format import read_checklist_sheet
from inspections.checklists.layout import ColumnsUnclearError, parse_column_mapping
from inspections.checklists.spec import Deduction
from inspections.checklists.yaml_format import dump_checklist, load_checklist_text
from inspections.errors import InvalidInputError
from inspections.templates import export_checklist, import_checklist_file, template_spec
from models.database import Database

SHEETS = Path(__file__).resolve().parents[1] / "corpus" / "sheets"


@dataclass(frozen=True)
class Expected:
    title: str
    sections: tuple[tuple[str, float | None], ...]  # (title, points stated in the title)
    items: int
    total: float  # the sheet's 合计 / 总分 line, or the sum of its section points
    keys: dict[str, tuple[str, ...]]  # consequence → the key items' texts (beginning)
    options: int  # items with a fixed option set from their criteria
    deductions: int  # items with a per-occurrence or per-sub-item deduction


EXPECTED = {
    "二级及以上医院传染病防治监督检查评价表.xlsx": Expected(
        title="二级及以上医院传染病防治监督检查评价表",
        sections=(("预检分诊", 10), ("疫情报告", 15), ("消毒隔离", 15)),
        items=10,
        total=40,
        keys={"": ("3.发现传染病病人未按规定转诊",), "重点监督": ("3.近一年内无迟报、漏报",)},
        options=2,
        deductions=5,
    ),
    "医院卫生检查评分细则.xlsx": Expected(
        title="XX区人民医院卫生检查评分细则",
        sections=(("一、病区环境卫生", 20), ("二、手卫生", 15), ("三、无菌操作", 15)),
        items=10,
        total=50,
        keys={},
        options=1,
        deductions=5,
    ),
    "发热门诊检查评分标准.xlsx": Expected(
        title="XX省发热门诊检查评分标准",
        sections=(("布局流程", 30), ("人员管理", 20), ("诊疗管理", 20)),
        items=9,
        total=70,
        keys={"": ("发热门诊独立设置", "留观室患者管理规范")},
        options=2,
        deductions=4,
    ),
    "IPCAF式感控评估问卷.xlsx": Expected(
        title="医疗机构感染预防与控制评估问卷（IPCAF式）",
        sections=(
            ("核心部分1：感染预防与控制项目", 30),
            ("核心部分2：感染预防与控制指南", 20),
            ("核心部分3：教育与培训", 20),
        ),
        items=11,
        total=70,
        keys={},
        options=11,  # tick-all: 勾选 earns the points, 未勾选 nothing
        deductions=0,
    ),
    "手卫生管理检查表.docx": Expected(
        title="医院手卫生管理检查表",
        sections=(("手卫生设施", 10), ("手卫生执行", 20), ("监测与反馈", 10)),
        items=7,
        total=40,
        keys={"": ("医务人员在接触患者前后执行手卫生",)},
        options=3,
        deductions=3,
    ),
    "消毒供应中心检查表.docx": Expected(
        title="消毒供应中心（CSSD）感染防控检查表",
        sections=(("一、布局与设施", 15), ("二、清洗消毒", 20), ("三、灭菌与监测", 15)),
        items=7,
        total=50,
        keys={"": ("区域划分", "灭菌效果监测"), "限期整改": ("器械清洗质量合格",)},
        options=2,
        deductions=3,
    ),
    "口腔诊疗感控检查表.csv": Expected(
        title="口腔诊疗器械消毒灭菌检查表",
        sections=(("口腔诊疗器械消毒灭菌检查表", None),),
        items=6,
        total=50,
        keys={"": ("牙科手机一人一用一灭菌",)},
        options=1,
        deductions=2,
    ),
    "医疗废物管理检查表.xlsx": Expected(
        title="医疗废物管理督导检查表",
        sections=(("管理制度", 10), ("分类收集", 15), ("暂存与交接", 15)),
        items=8,
        total=40,
        keys={"": ("损伤性废物置于利器盒",)},
        options=2,
        deductions=3,
    ),
}


def test_the_corpus_has_every_published_style() -> None:
    files = sorted(p.name for p in SHEETS.iterdir())
    assert files == sorted(EXPECTED)
    assert sum(name.endswith(".docx") for name in files) >= 2


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sheet_imports_unchanged_with_its_own_numbers(name: str) -> None:
    want = EXPECTED[name]
    reading = read_checklist_sheet(SHEETS / name)
    spec = reading.spec
    assert spec.title == want.title
    assert tuple((s.title, s.points) for s in spec.sections) == want.sections
    items = spec.items()
    assert len(items) == want.items
    assert sum(i.points for i in items) == want.total
    keys: dict[str, list[str]] = {}
    for item in items:
        if item.critical:
            keys.setdefault(item.consequence, []).append(item.text)
    assert set(keys) == set(want.keys)
    for consequence, beginnings in want.keys.items():
        assert len(keys[consequence]) == len(beginnings)
        assert all(text.startswith(b) for text, b in zip(keys[consequence], beginnings, strict=True))
    assert sum(1 for i in items if i.response_set) == want.options
    assert sum(1 for i in items if i.deduction) == want.deductions
    # Nothing of the form the inspector fills in (得分, 扣分原因, signatures) became an item or a section.
    assert not any("签名" in i.text or "检查人" in i.text or i.text.startswith("合计") for i in items)
    # The YAML file of the imported sheet reads back equal.
    assert load_checklist_text(dump_checklist(spec), "x.yaml") == spec


def test_rules_are_read_as_the_sheet_writes_them() -> None:
    spec = read_checklist_sheet(SHEETS / "二级及以上医院传染病防治监督检查评价表.xlsx").spec
    by_text = {i.text.split(".", 1)[1][:6]: i for i in spec.items()}
    options = spec.response_sets[by_text["设置预检分诊"].response_set or ""]
    assert [(o.label, o.points, o.outcome) for o in options] == [
        ("是", 2, "pass"),
        ("标识不清", 1, "partial"),
        ("否", 0, "fail"),
    ]
    assert by_text["分诊人员询问"].deduction == Deduction(per=1, unit="例")
    assert by_text["传染病报告卡"].deduction == Deduction(per=2, unit="处")
    isolation = by_text["隔离措施落实"].deduction
    assert isolation is not None and len(isolation.subitems) == 5 and isolation.subitems[4] == "终末消毒"
    assert isolation.exceptions == ((5, 3),)
    # 全扣 / 未开展不得分 keep the default answers: 不符合 earns nothing.
    assert by_text["医疗器械消毒"].deduction is None and by_text["医疗器械消毒"].response_set is None


def test_preview_names_columns_rules_and_key_kinds() -> None:
    reading = read_checklist_sheet(SHEETS / "消毒供应中心检查表.docx")
    assert [(c.header, c.role) for c in reading.columns] == [
        ("序号", "code"),
        ("检查内容", "text"),
        ("检查方法", "method"),
        ("评分标准", "criteria"),
        ("分值", "points"),
        ("得分", None),
    ]
    assert reading.key_kinds == (("★", "不合格", 2), ("▲", "限期整改", 1))
    assert ("S3.1", "3 个子项逐项判定，每项不符合扣 5 分，最多扣 15 分") in reading.rules


def test_unrecognized_columns_are_named_and_can_be_mapped(tmp_path: Path) -> None:
    path = tmp_path / "自定义.csv"
    path.write_text("单位自查表\n环节,描述,额度,情况\n预检,设置分诊点,5,\n,体温检测,3,\n", encoding="utf-8")
    with pytest.raises(ColumnsUnclearError) as info:
        read_checklist_sheet(path)
    message = str(info.value)
    assert "无法确定哪一列是“检查内容”" in message and "B列“描述”" in message and "C列“额度”" in message
    assert "第 2 行" in message
    assert "描述" in info.value.headers and info.value.preview[2][1] == "设置分诊点"
    mapping = parse_column_mapping("检查内容=描述,分值=额度")
    spec = read_checklist_sheet(path, columns=mapping).spec
    assert [(s.title, [(i.text, i.points) for i in s.items]) for s in spec.sections] == [
        ("预检", [("设置分诊点", 5), ("体温检测", 3)])
    ]
    # by column letter, too
    assert read_checklist_sheet(path, columns={"检查内容": "B", "分值": "C"}).spec == spec


def test_a_mapping_naming_a_missing_column_says_which_exist(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("环节,描述,额度\n预检,设置分诊点,5\n", encoding="utf-8")
    with pytest.raises(InvalidInputError) as info:
        read_checklist_sheet(path, columns={"检查内容": "内容说明"})
    assert "没有“内容说明”这一列" in str(info.value) and "B列“描述”" in str(info.value)
    with pytest.raises(InvalidInputError):
        parse_column_mapping("内容")


@pytest.mark.postgres
@pytest.mark.parametrize("name", ["二级及以上医院传染病防治监督检查评价表.xlsx", "消毒供应中心检查表.docx"])
def test_import_then_export_round_trips_through_the_database(db: Database, tmp_path: Path, name: str) -> None:
    with db.begin() as s:
        outcome = import_checklist_file(s, "管理员", SHEETS / name)
    with db.session() as s:
        text = export_checklist(s, outcome.code)
        stored = template_spec(s, outcome.template_id)
    assert stored == read_checklist_sheet(SHEETS / name).spec
    exported = tmp_path / "x.yaml"
    exported.write_text(text, encoding="utf-8")
    with db.begin() as s:
        again = import_checklist_file(s, "管理员", exported)
    assert (again.status, again.version) == ("unchanged", outcome.version)


def test_command_line_import_preview_export_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from inspections.cli import main

    sheet = str(SHEETS / "发热门诊检查评分标准.xlsx")
    data = ["--data-dir", str(tmp_path)]
    assert main([*data, "checklists", "import", sheet, "--preview"]) == 0
    out = capsys.readouterr().out
    assert "共 3 个分组、9 项，分值合计 70 分" in out and "关键项“否决”2 项：不符合时 → 不合格" in out
    assert "S1.2：7 个子项逐项判定，每项不符合扣 2 分（第 5 项扣 4 分），最多扣 15 分" in out
    assert main([*data, "checklists", "import", sheet, "--code", "fever-score"]) == 0
    assert "检查表 fever-score 第 1 版：已导入" in capsys.readouterr().out
    target = tmp_path / "x.yaml"
    assert main([*data, "checklists", "export", "fever-score", "-o", str(target)]) == 0
    assert main([*data, "checklists", "import", str(target)]) == 0
    assert "内容未变化" in capsys.readouterr().out
    assert main([*data, "checklists", "import", sheet, "--columns", "检查内容=不存在的列"]) == 2
    assert "没有“不存在的列”这一列" in capsys.readouterr().err
