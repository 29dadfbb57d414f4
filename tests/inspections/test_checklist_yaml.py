"""The checklist YAML format: loading, every located problem, dumping and the round trip."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspections.checklists.spec import (
    CHECKLIST_CODE_RE,
    EVIDENCE_RULES,
    ITEM_CODE_RE,
    LEVELS,
    METHODS,
    Applicability,
    ChecklistSpec,
    GradeBand,
    ItemSpec,
    ResponseOption,
    ScoringRule,
    SectionSpec,
)
from inspections.checklists.yaml_format import dump_checklist, load_checklist_file, load_checklist_text
from inspections.errors import InvalidInputError, Problem

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "checklists"
SOURCE = "sample.yaml"

FULL_EXAMPLE = """\
format: 1
code: fever-clinic-zoning
version: 2
title: 发热门诊"三区两通道"设置与管理
effective_from: 2023-01-08
effective_to: 2026-01-31
basis:
  - WS/T 311-2023《医院隔离技术标准》3.4–3.7
note: 分值与否决项为建议值，卫健委可根据本地实际调整。
applies_to:
  has_fever_clinic: true
  levels: [1, 2, 3]
  categories: [综合医院, 中医医院]
scoring:
  basis: points
  partial_ratio: 0.4
  grades:
    - {min: 600, label: 高级}
    - {min: 400, label: 中级}
    - {min: 0, label: 初级}
response_sets:
  ipcaf-3:
    - {code: yes, label: 是, points: 10, outcome: pass}
    - {code: partly, label: 部分, points: 5, outcome: partial}
    - {code: no, label: 否, points: 0, outcome: fail}
    - {code: na, label: 不适用, outcome: na}
sections:
  - code: FZ1
    title: 布局与分区
    items:
      - code: FZ1.1
        text: 独立建筑或院内相对独立区域，与普通门（急）诊物理隔离，设独立出入口
        method: 现场查看
        criteria: 未独立设置不得分
        points: 5
        critical: true
        remedy: 按规范调整布局，设置独立出入口
        evidence: photo-on-fail
      - code: FZ1.2
        text: 是否有感染防控工作计划
        method: 查阅资料、询问
        criteria: 按选项计分
        points: 10
        response_set: ipcaf-3
"""

BASE = """\
format: 1
code: sample
version: 1
title: 示例检查表
{top}sections:
  - code: A1
    title: 预检分诊
    items:
      - code: A1.1
        text: 设置预检分诊点
        method: 现场查看
        criteria: 未设置不得分
        points: 5
{item}"""


def doc(top: str = "", item: str = "", **replace: str) -> str:
    """BASE with extra top-level lines, extra item lines, and ``old=new`` line replacements (keys use _ for :)."""
    text = BASE.format(top=top, item=item)
    for old, new in replace.items():
        old_text = old.replace("__", ": ").replace("_", " ")
        assert old_text in text, old_text
        text = text.replace(old_text, new, 1)
    return text


def problems_of(text: str, source: str = SOURCE) -> list[Problem]:
    with pytest.raises(InvalidInputError) as info:
        load_checklist_text(text, source)
    assert info.value.problems
    for problem in info.value.problems:
        assert problem.source == source
        assert source in str(info.value)
    return info.value.problems


def marked_line(text: str) -> int:
    """The 1-based line carrying the ``#!`` marker: where the test expects the problem."""
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if "#!" in line]
    assert len(lines) == 1
    return lines[0]


def assert_problem(text: str, *words: str) -> Problem:
    """Loading ``text`` fails with a problem on the marked line whose message contains every word."""
    problems = problems_of(text)
    where = f"第 {marked_line(text)} 行"
    matching = [p for p in problems if p.location == where and all(w in p.message for w in words)]
    assert matching, f"expected {where} with {words}, got: {[str(p) for p in problems]}"
    return matching[0]


# --- loading good files ----------------------------------------------------------------------------------------


def test_full_example_loads_every_field() -> None:
    spec = load_checklist_text(FULL_EXAMPLE, "fever.yaml")
    assert spec.code == "fever-clinic-zoning"
    assert spec.version == 2
    assert spec.title == '发热门诊"三区两通道"设置与管理'
    assert (spec.effective_from, spec.effective_to) == (date(2023, 1, 8), date(2026, 1, 31))
    assert spec.basis == ("WS/T 311-2023《医院隔离技术标准》3.4–3.7",)
    assert spec.applies_to == Applicability(True, (1, 2, 3), ("综合医院", "中医医院"))
    assert spec.scoring == ScoringRule(
        "points", 0.4, (GradeBand(600, "高级"), GradeBand(400, "中级"), GradeBand(0, "初级"))
    )
    first, second = spec.items()
    assert first.critical and first.evidence == "photo-on-fail" and first.remedy == "按规范调整布局，设置独立出入口"
    assert second.method == "查阅资料、询问" and second.response_set == "ipcaf-3" and not second.critical


def test_unquoted_yes_no_option_codes_stay_strings() -> None:
    options = load_checklist_text(FULL_EXAMPLE, "fever.yaml").response_sets["ipcaf-3"]
    assert [o.code for o in options] == ["yes", "partly", "no", "na"]
    assert options[0] == ResponseOption("yes", "是", 10, "pass")
    assert options[3].points is None


def test_number_like_codes_keep_their_text() -> None:
    spec = load_checklist_text(doc(**{"- code: A1.1": "- code: 1.10", "- code: A1\n": "- code: 01\n"}), SOURCE)
    assert spec.sections[0].code == "01"
    assert spec.items()[0].code == "1.10"


def test_defaults_when_optional_keys_are_absent() -> None:
    spec = load_checklist_text(doc(), SOURCE)
    item = spec.items()[0]
    assert (item.critical, item.remedy, item.evidence, item.response_set) == (False, "", "none", None)
    assert spec.scoring == ScoringRule()
    assert spec.applies_to == Applicability()
    assert spec.basis == () and spec.note == "" and spec.response_sets == {}


def test_method_separators_are_normalised() -> None:
    spec = load_checklist_text(doc(method__现场查看="method: 现场查看, 询问"), SOURCE)
    assert spec.items()[0].method == "现场查看、询问"


def test_numbers_come_back_as_floats_so_the_content_hash_is_stable() -> None:
    spec = load_checklist_text(doc(), SOURCE)
    assert isinstance(spec.items()[0].points, float)
    assert load_checklist_text(dump_checklist(spec), SOURCE).content_hash() == spec.content_hash()


def test_file_is_read_as_utf8_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + doc().encode("utf-8"))
    assert load_checklist_file(path).title == "示例检查表"


def test_gbk_file_is_read_as_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes(doc().encode("gbk"))
    spec = load_checklist_file(path)
    assert spec.title == "示例检查表"
    assert spec.items()[0].text == "设置预检分诊点"


def test_remedy_is_required_for_built_ins_only() -> None:
    text = doc(item="")
    assert load_checklist_text(text, SOURCE).items()[0].remedy == ""
    with pytest.raises(InvalidInputError) as info:
        load_checklist_text(text, SOURCE, require_remedy=True)
    assert "第 9 行" in str(info.value) and "整改要求" in str(info.value)


# --- every kind of problem, on the right line --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param(doc(top="titel: 错字  #!\n"), ("未知的键 titel", "是不是 title"), id="unknown-top-key"),
        pytest.param(
            doc(item="        critcal: true  #!\n"), ("未知的键 critcal", "是不是 critical"), id="unknown-item-key"
        ),
        pytest.param(doc(item="        zzz: 1  #!\n"), ("未知的键 zzz", "可用的键"), id="unknown-key-no-suggestion"),
        pytest.param(
            doc(**{"      - code: A1.1": "      - code: A1.1  #!", "        points: 5\n": ""}),
            ("A1.1", "缺少必填项 points"),
            id="missing-item-key",
        ),
        pytest.param(
            doc(**{"title: 示例检查表\n": "", "format: 1": "format: 1  #!"}), ("缺少必填项 title",), id="missing-title"
        ),
        pytest.param(doc(version__1="version: 二  #!"), ("版本号", "应为整数", "二"), id="version-not-int"),
        pytest.param(doc(version__1="version: 0  #!"), ("版本号", "1 到 1000000 之间"), id="version-zero"),
        pytest.param(doc(points__5="points: 五  #!"), ("分值", "应为数字", "五"), id="points-not-number"),
        pytest.param(doc(points__5="points: 0  #!"), ("A1.1", "分值", "必须大于 0"), id="points-zero"),
        pytest.param(doc(points__5="points: -2  #!"), ("A1.1", "必须大于 0", "-2"), id="points-negative"),
        pytest.param(doc(points__5="points: .nan  #!"), ("分值", "有限"), id="points-nan"),
        pytest.param(doc(item="        critical: 是  #!\n"), ("否决项", "true 或 false", "是"), id="critical-not-bool"),
        pytest.param(doc(text__设置预检分诊点='text: ""  #!'), ("A1.1", "检查内容", "不能为空"), id="empty-text"),
        pytest.param(doc(title__示例检查表="title:  #!"), ("标题", "不能为空"), id="empty-title"),
        pytest.param(doc(text__设置预检分诊点="text: [a, b]  #!"), ("检查内容", "应为文字", "列表"), id="text-is-list"),
        pytest.param(
            doc(method__现场查看="method: 看看  #!"), ("检查方法", "看看", "现场查看、查阅资料"), id="bad-method"
        ),
        pytest.param(doc(method__现场查看="method: 现场查看、瞎猜  #!"), ("检查方法", "瞎猜"), id="bad-method-part"),
        pytest.param(
            doc(item="        evidence: photo  #!\n"), ("照片要求", "photo", "photo-on-fail"), id="bad-evidence"
        ),
        pytest.param(
            doc(top="effective_from: 2026-02-30  #!\n"), ("生效日期", "不是有效的日期", "2026-02-30"), id="bad-date"
        ),
        pytest.param(doc(top="effective_from: 明年  #!\n"), ("生效日期", "YYYY-MM-DD", "明年"), id="not-a-date"),
        pytest.param(doc(top="effective_from: 2026-02-01 08:00:00  #!\n"), ("不要带时间",), id="date-with-time"),
        pytest.param(
            doc(top="effective_from: 2026-02-01\neffective_to: 2025-12-31  #!\n"),
            ("失效日期", "2025-12-31", "早于", "2026-02-01"),
            id="to-before-from",
        ),
        pytest.param(doc(format__1="format: 2  #!"), ("不支持的格式版本", "format: 2"), id="format-version"),
        pytest.param(
            doc(code__sample="code: Fever Clinic  #!"), ("检查表编号", "Fever Clinic", "小写字母"), id="bad-code"
        ),
        pytest.param(doc(**{"- code: A1.1": "- code: A 1  #!"}), ("项目编号", "A 1", "格式不对"), id="bad-item-code"),
        pytest.param(
            doc(item="      - code: A1.1  #!\n" + BASE.split("      - code: A1.1\n")[1].format(item="")),
            ("项目编号 A1.1 重复", "第 9 行"),
            id="duplicate-item-code",
        ),
        pytest.param(
            doc(
                item="  - code: A1  #!\n    title: 重复\n    items:\n      - code: B1\n        text: t\n"
                "        method: 询问\n        criteria: c\n        points: 1\n"
            ),
            ("分组编号 A1 重复", "第 6 行"),
            id="duplicate-section-code",
        ),
        pytest.param(doc(top="note: a\nnote: b  #!\n"), ("键 note 重复", "第 5 行"), id="duplicate-key"),
        pytest.param(
            doc(
                top="scoring:\n  grades:\n    - {min: 60, label: 合格}\n    - {min: 90, label: 优秀}  #!\n"
                "    - {min: 0, label: 不合格}\n"
            ),
            ("从高到低", "90", "60"),
            id="grades-not-descending",
        ),
        pytest.param(
            doc(
                top="scoring:\n  grades:\n    - {min: 90, label: 优秀}\n    - {min: 90, label: 良好}  #!\n"
                "    - {min: 0, label: 不合格}\n"
            ),
            ("从高到低",),
            id="grades-equal",
        ),
        pytest.param(
            doc(top="scoring:\n  grades:\n    - {min: 90, label: 优秀}\n    - {min: 60, label: 合格}  #!\n"),
            ("最后一个分数段", "必须是 0", "60"),
            id="grades-last-not-zero",
        ),
        pytest.param(
            doc(top="scoring:\n  grades:\n    - {min: 120, label: 优秀}  #!\n    - {min: 0, label: 不合格}\n"),
            ("百分制", "不能超过 100"),
            id="percent-band-over-100",
        ),
        pytest.param(
            doc(top="scoring:\n  partial_ratio: 1  #!\n"), ("partial_ratio", "大于 0 且小于 1"), id="ratio-one"
        ),
        pytest.param(
            doc(top="scoring:\n  partial_ratio: 0  #!\n"), ("partial_ratio", "大于 0 且小于 1"), id="ratio-zero"
        ),
        pytest.param(doc(top="scoring:\n  basis: score  #!\n"), ("计分方式", "score", "percent"), id="bad-basis"),
        pytest.param(
            doc(item="        response_set: ipcaf  #!\n"),
            ("未知的选项集 ipcaf", "没有定义 response_sets"),
            id="unknown-set",
        ),
        pytest.param(
            doc(
                top="response_sets:\n  ipcaf-3:\n    - {code: y, label: 是, points: 5, outcome: pass}\n",
                item="        response_set: ipcaf3  #!\n",
            ),
            ("未知的选项集 ipcaf3", "是不是 ipcaf-3"),
            id="unknown-set-suggestion",
        ),
        pytest.param(
            doc(
                top="response_sets:\n  yn:\n    - {code: y, label: 是, points: 8, outcome: pass}\n"
                "    - {code: n, label: 否, points: 0, outcome: fail}\n",
                points__5="points: 5  #!",
                item="        response_set: yn\n",
            ),
            ("分值（points）是 5", "选项 y", "8"),
            id="option-points-above-item",
        ),
        pytest.param(
            doc(
                top="response_sets:\n  yn:\n    - {code: y, label: 是, points: 3, outcome: pass}\n",
                points__5="points: 5  #!",
                item="        response_set: yn\n",
            ),
            ("最高分只有 3",),
            id="item-points-above-options",
        ),
        pytest.param(
            doc(
                top="response_sets:\n  yn:\n    - {code: y, label: 是, points: 5}  #!\n",
                item="        response_set: yn\n",
            ),
            ("缺少必填项 outcome",),
            id="option-missing-outcome",
        ),
        pytest.param(
            doc(
                top="response_sets:\n  yn:\n    - {code: y, label: 是, points: 5, outcome: pass}\n"
                "    - {code: na, label: 不适用, points: 0, outcome: na}  #!\n"
            ),
            ("outcome 是 na", "不应填写分值"),
            id="na-option-with-points",
        ),
        pytest.param(
            doc(top="response_sets:\n  yn:\n    - {code: y, label: 是, outcome: pass}  #!\n"),
            ("outcome 是 pass", "必须填写分值"),
            id="pass-option-without-points",
        ),
        pytest.param(
            doc(top="response_sets:\n  yn:\n    - {code: y, label: 是, points: 5, outcome: passed}  #!\n"),
            ("passed", "not_checked"),
            id="bad-outcome",
        ),
        pytest.param(
            doc(
                top="response_sets:\n  yn:\n    - {code: y, label: 是, points: 5, outcome: pass}\n"
                "    - {code: y, label: 对, points: 5, outcome: pass}  #!\n"
            ),
            ("选项编号 y 重复",),
            id="duplicate-option-code",
        ),
        pytest.param(
            doc(
                top="response_sets:\n  yn:\n    - {code: y, label: 是, points: 5, outcome: pass}\n"
                "    - {code: p, label: 部分, points: 2, outcome: partial}\n",
                item="        critical: true  #!\n        response_set: yn\n",
            ),
            ("否决项", "没有 outcome 为 fail"),
            id="critical-without-fail-option",
        ),
        pytest.param(doc(top="applies_to:\n  levels: [1, 4]  #!\n"), ("医院等级", "4"), id="bad-level"),
        pytest.param(
            doc(top="applies_to:\n  has_fever_clinic: 有  #!\n"), ("has_fever_clinic", "true 或 false"), id="bad-fever"
        ),
        pytest.param(doc(top="applies_to:\n  hospitals: 1  #!\n"), ("未知的键 hospitals",), id="unknown-applies-key"),
        pytest.param(doc(top="basis: {a: 1}  #!\n"), ("依据", "应为列表"), id="basis-mapping"),
        pytest.param(
            doc(**{"sections:": "sections: 5  #!"}).split("  - code: A1")[0], ("分组", "应为列表"), id="sections-scalar"
        ),
        pytest.param(
            doc(**{"    items:": "    items: []  #!"}).split("      - code: A1.1")[0],
            ("检查项目（items）", "不能为空"),
            id="empty-items",
        ),
        pytest.param(doc(top="<<: {note: x}  #!\n"), ("合并键",), id="merge-key"),
        pytest.param(
            doc(**{"    title: 预检分诊": "    title: 预检分诊\n    weight: 0  #!"}),
            ("分组 A1 的权重（weight）", "必须大于 0", "而不是 0"),
            id="zero-section-weight",
        ),
        pytest.param(
            doc(**{"    title: 预检分诊": "    title: 预检分诊\n    weight: 20%  #!"}),
            ("分组 A1 的权重（weight）",),
            id="percent-sign-section-weight",
        ),
        pytest.param(
            doc(
                top="scoring:\n  basis: points\n",
                **{"    title: 预检分诊": "    title: 预检分诊\n    weight: 2  #!"},
            ),
            ("按总分计分", "不能给分组设权重", "按得分率计分"),
            id="section-weight-on-points-basis",
        ),
    ],
)
def test_problem_is_located_and_explained(text: str, words: tuple[str, ...]) -> None:
    assert_problem(text, *words)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        pytest.param(
            "format: 1\ntitle: [a, b\nsections: []\n",
            3,
            ("YAML 语法错误", "方括号", "第 2 行开始"),
            id="unclosed-bracket",
        ),
        pytest.param("format: 1\ntitle: 'abc\n", 3, ("YAML 语法错误", "引号"), id="unclosed-quote"),
        pytest.param("format: 1\nsections:\n\t- code: A\n", 3, ("Tab",), id="tab"),
        pytest.param("format: 1\ntitle: 检查: 表\n", 2, ("“键: 值”", "引号"), id="colon-in-text"),
        pytest.param("format: 1\n  code: x\n", 2, ("YAML 语法错误",), id="bad-indent"),
        pytest.param("format: 1\n---\nformat: 1\n", 2, ("只能有一个 YAML 文档",), id="two-documents"),
        pytest.param("format: 1\ntitle: *x\n", 2, ("锚点",), id="undefined-alias"),
    ],
)
def test_syntax_errors_name_the_line_without_a_traceback(text: str, line: int, words: tuple[str, ...]) -> None:
    (problem,) = problems_of(text)
    assert problem.location == f"第 {line} 行"
    for word in words:
        assert word in problem.message


def test_every_problem_is_reported_not_just_the_first() -> None:
    text = doc(
        top="titel: x\nscoring:\n  partial_ratio: 2\n",
        points__5="points: -1",
        method__现场查看="method: 看看",
        item="        evidence: always\n",
    )
    problems = problems_of(text)
    messages = " | ".join(str(p) for p in problems)
    assert len(problems) == 5, messages
    for word in ("titel", "partial_ratio", "必须大于 0", "看看", "always"):
        assert word in messages


def test_problems_are_listed_in_line_order() -> None:
    problems = problems_of(doc(top="titel: x\n", points__5="points: -1", version__1="version: x"))
    lines = [int(p.location.split()[1]) for p in problems]
    assert lines == sorted(lines)


def test_pure_python_parser_gives_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    fast_spec = load_checklist_text(FULL_EXAMPLE, "fever.yaml")
    bad = doc(points__5="points: -2  #!", item="        critcal: true\n")
    fast_problems = problems_of(bad)
    monkeypatch.delattr(yaml, "CSafeLoader")
    assert load_checklist_text(FULL_EXAMPLE, "fever.yaml") == fast_spec
    assert problems_of(bad) == fast_problems


def test_alias_bomb_is_cut_off_with_a_message() -> None:
    item = "{code: A1.1, text: t, method: 询问, criteria: c, points: 1}"
    text = doc().split("sections:")[0] + "x: &i " + item + "\nsections:\n  - code: A1\n    title: t\n    items:\n"
    text += "      - *i\n" * 3001
    found = " | ".join(str(p) for p in problems_of(text))
    assert "检查项目太多" in found and "上限 3000" in found


def test_deeply_nested_yaml_is_refused_without_a_traceback() -> None:
    (problem,) = problems_of("[" * 1500 + "]" * 1500)
    assert "嵌套" in problem.message


def test_huge_numbers_are_explained() -> None:
    assert_problem(doc(points__5="points: " + "9" * 5000 + "  #!"), "分值", "有限")
    assert_problem(doc(version__1="version: " + "9" * 5000 + "  #!"), "版本号", "太大")
    assert_problem(doc(version__1="version: 1000001  #!"), "版本号", "1 到 1000000 之间")


def test_empty_file_and_non_mapping_are_clear() -> None:
    assert "空" in problems_of("")[0].message
    assert "空" in problems_of("# 只有注释\n")[0].message
    assert "应为键值对" in problems_of("- a\n- b\n")[0].message


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "photo.yaml"
    path.write_bytes(bytes(range(256)))
    with pytest.raises(InvalidInputError) as info:
        load_checklist_file(path)
    assert "photo.yaml" in str(info.value) and "编码" in str(info.value)


def test_huge_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(doc().encode() + b"#" * (5 * 1024 * 1024 + 1))
    with pytest.raises(InvalidInputError) as info:
        load_checklist_file(path)
    assert "huge.yaml" in str(info.value) and "太大" in str(info.value)


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as info:
        load_checklist_file(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(info.value) and "不存在" in str(info.value)


# --- dumping -----------------------------------------------------------------------------------------------------


def test_dump_writes_the_documented_layout() -> None:
    spec = load_checklist_text(FULL_EXAMPLE, "fever.yaml")
    text = dump_checklist(spec)
    top_keys = [line.split(":")[0] for line in text.splitlines() if line and not line.startswith((" ", "-"))]
    assert top_keys == [
        "format", "code", "version", "title", "effective_from", "effective_to", "basis", "note",
        "applies_to", "scoring", "response_sets", "sections",
    ]  # fmt: skip
    assert 'title: 发热门诊"三区两通道"设置与管理' in text  # Chinese written as is, not \u escapes
    assert "effective_from: 2023-01-08\n" in text
    assert "  - code: FZ1\n    title: 布局与分区\n    items:\n      - code: FZ1.1\n" in text
    assert "    - {min: 600, label: 高级}\n" in text
    assert "{code: 'yes', label: 是, points: 10, outcome: pass}" in text  # quoted: never read back as true
    assert "{code: na, label: 不适用, outcome: na}" in text
    assert "points: 5\n" in text and "critical: true\n" in text
    item_keys = [line.strip().lstrip("- ").split(":")[0] for line in text.split("- code: FZ1.1")[1].splitlines()[:8]]
    assert item_keys == ["", "text", "method", "criteria", "points", "critical", "remedy", "evidence"]


def test_dump_omits_defaults() -> None:
    text = dump_checklist(load_checklist_text(doc(), SOURCE))
    for key in ("scoring", "applies_to", "response_sets", "basis", "note", "critical", "remedy", "evidence"):
        assert f"{key}:" not in text
    assert text.startswith("format: 1\ncode: sample\nversion: 1\ntitle: 示例检查表\n")


def test_hand_written_example_round_trips() -> None:
    spec = load_checklist_text(FULL_EXAMPLE, "fever.yaml")
    text = dump_checklist(spec)
    assert load_checklist_text(text, "again.yaml") == spec
    assert dump_checklist(load_checklist_text(text, "again.yaml")) == text


def test_multiline_text_is_written_as_a_block_and_survives() -> None:
    spec = load_checklist_text(doc(top="note: |\n  第一行\n  第二行：含冒号\n"), SOURCE)
    assert spec.note == "第一行\n第二行：含冒号"
    text = dump_checklist(spec)
    assert "note: |-\n  第一行\n" in text
    assert load_checklist_text(text, SOURCE) == spec


# --- property: every valid spec survives dump → load ------------------------------------------------------------

_CJK = "发热门诊预检分诊三区两通道清洁区潜在污染区缓冲间医务人员患者流调闭环管理感控整改"
_PUNCT = " ：:，,。.、#&*!|>'\"-?[]{}%@`（）《》“”"
_chars = st.one_of(
    st.sampled_from(_CJK),
    st.sampled_from(_PUNCT),
    st.characters(whitelist_categories=("L", "N", "P", "S", "Zs"), max_codepoint=0x2FFFF),
)
texts = st.text(_chars, min_size=1, max_size=24).map(str.strip).filter(bool)
multiline = st.lists(texts, min_size=1, max_size=3).map("\n".join)
word_like = st.sampled_from(["yes", "no", "on", "off", "true", "null", "~", "1.10", "2026-02-01", "0x1F", "5"])
labels = st.one_of(texts, word_like)
points = st.one_of(st.integers(1, 100).map(float), st.floats(0.01, 1000, allow_nan=False, allow_infinity=False))
item_codes = st.from_regex(ITEM_CODE_RE, fullmatch=True)
methods = st.lists(st.sampled_from(METHODS), min_size=1, max_size=3, unique=True).map("、".join)


@st.composite
def response_sets(draw: st.DrawFn) -> dict[str, tuple[ResponseOption, ...]]:
    names = draw(st.lists(labels, max_size=2, unique=True))
    result: dict[str, tuple[ResponseOption, ...]] = {}
    for name in names:
        codes = draw(st.lists(labels, min_size=1, max_size=4, unique=True))
        options = []
        for index, code in enumerate(codes):
            outcome = "pass" if index == 0 else draw(st.sampled_from(["pass", "partial", "fail", "na", "not_checked"]))
            value = None if outcome in ("na", "not_checked") else draw(st.integers(0, 20).map(float) | points)
            options.append(ResponseOption(code, draw(labels), value, outcome))
        result[name] = tuple(options)
    return result


@st.composite
def checklist_specs(draw: st.DrawFn) -> ChecklistSpec:
    sets = draw(response_sets())
    all_codes = draw(st.lists(item_codes, min_size=2, max_size=12, unique=True))
    split = draw(st.integers(1, len(all_codes) // 2))
    section_codes, codes = all_codes[:split], all_codes[split:]
    sections = []
    for index, section_code in enumerate(section_codes):
        share = codes[index :: len(section_codes)]
        items = []
        for code in share:
            set_name = draw(st.none() | st.sampled_from(sorted(sets))) if sets else None
            critical = draw(st.booleans())
            if set_name is not None:
                options = sets[set_name]
                item_points = max(o.points for o in options if o.points is not None)
                critical = critical and any(o.outcome == "fail" for o in options)
                if item_points <= 0:
                    set_name, item_points = None, draw(points)
            else:
                item_points = draw(points)
            items.append(
                ItemSpec(
                    code=code,
                    text=draw(st.one_of(texts, multiline)),
                    method=draw(methods),
                    criteria=draw(labels),
                    points=item_points,
                    critical=critical,
                    remedy=draw(st.just("") | texts),
                    evidence=draw(st.sampled_from(EVIDENCE_RULES)),
                    response_set=set_name,
                )
            )
        weight = draw(st.none() | st.integers(1, 100).map(float) | st.floats(0.01, 1000))
        sections.append(SectionSpec(section_code, draw(labels), tuple(items), weight=weight))
    basis = draw(st.sampled_from(["percent", "points"]))
    top = 100 if basis == "percent" else 800
    mins = draw(st.lists(st.integers(1, top).map(float) | st.floats(0.5, top), max_size=3, unique=True))
    grade_labels = draw(st.lists(labels, min_size=len(mins) + 1, max_size=len(mins) + 1, unique=True))
    grades = tuple(
        GradeBand(m, label) for m, label in zip([*sorted(mins, reverse=True), 0.0], grade_labels, strict=True)
    )
    start = draw(st.none() | st.dates())
    end = draw(st.none() | st.dates(min_value=start or date.min))
    scoring = draw(
        st.just(ScoringRule()) | st.builds(ScoringRule, st.just(basis), st.floats(0.01, 0.99), st.just(grades))
    )
    if scoring.basis == "points":  # section weights apply to percent-basis checklists only
        sections = [replace(section, weight=None) for section in sections]
    return ChecklistSpec(
        code=draw(st.from_regex(CHECKLIST_CODE_RE, fullmatch=True)),
        version=draw(st.integers(1, 10**6)),
        title=draw(labels),
        sections=tuple(sections),
        effective_from=start,
        effective_to=end,
        basis=tuple(draw(st.lists(labels, max_size=3))),
        note=draw(st.just("") | texts | multiline),
        applies_to=Applicability(
            has_fever_clinic=draw(st.none() | st.booleans()),
            levels=draw(st.none() | st.lists(st.sampled_from(LEVELS), min_size=1, unique=True).map(tuple)),
            categories=draw(st.none() | st.lists(labels, min_size=1, max_size=3, unique=True).map(tuple)),
        ),
        scoring=scoring,
        response_sets=sets,
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(checklist_specs())
def test_round_trip_for_generated_specs(spec: ChecklistSpec) -> None:
    text = dump_checklist(spec)
    again = load_checklist_text(text, "generated.yaml")
    assert again == spec
    assert again.content_hash() == load_checklist_text(dump_checklist(again), "x.yaml").content_hash()
    assert dump_checklist(again) == text


def test_dump_is_plain_yaml_that_other_tools_can_read() -> None:
    spec = load_checklist_text(FULL_EXAMPLE, "fever.yaml")
    data = yaml.safe_load(dump_checklist(spec))
    assert data["response_sets"]["ipcaf-3"][0]["code"] == "yes"
    assert data["sections"][0]["items"][0]["code"] == "FZ1.1"


# --- the sample corpus -------------------------------------------------------------------------------------------

_EXPECTED: dict[str, list[str] | None] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(n for n in _EXPECTED if n.endswith(".yaml")))
def test_corpus_file(name: str) -> None:
    wanted = _EXPECTED[name]
    if wanted is None:
        assert load_checklist_file(CORPUS / name).sections
        return
    with pytest.raises(InvalidInputError) as info:
        load_checklist_file(CORPUS / name)
    message = str(info.value)
    assert name in message
    for word in wanted:
        assert word in message


def test_section_weights_are_read_written_and_change_the_content_hash_only_when_set() -> None:
    text = doc(**{"    title: 预检分诊": "    title: 预检分诊\n    weight: 0.2"})
    spec = load_checklist_text(text, SOURCE)
    assert spec.sections[0].weight == 0.2
    dumped = dump_checklist(spec)
    assert "    weight: 0.2\n" in dumped and load_checklist_text(dumped, SOURCE) == spec
    plain = load_checklist_text(doc(), SOURCE)
    assert plain.sections[0].weight is None and "weight" not in dump_checklist(plain)
    assert spec.content_hash() != plain.content_hash()
    # a weight of 1 is still a weight: the checklist becomes weighted, so its content differs
    assert replace(plain, sections=(replace(plain.sections[0], weight=1.0),)).content_hash() != plain.content_hash()
