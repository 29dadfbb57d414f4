"""Writes the sample checklist files (mostly bad ones) under tests/corpus/checklists/ and their expected problems.

Run ``.venv/bin/python tests/corpus/make_checklist_corpus.py`` after changing it; the files are committed.
``expected.json`` maps each file to substrings its error message must contain (besides the file name: the line or
row and the Chinese wording of each problem), or to ``null`` for a file that must load.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent / "checklists"

GOOD_ITEM = """\
      - code: A1.1
        text: 设置预检分诊点，标识醒目
        method: 现场查看
        criteria: 未设置不得分
        points: 5
"""

HEAD = """\
format: 1
code: sample
version: 1
title: 示例检查表
"""

YAML_FILES: dict[str, tuple[str, list[str] | None]] = {
    # name: (content, expected substrings; None = must load)
    "good-minimal.yaml": (HEAD + "sections:\n  - code: A1\n    title: 预检分诊\n    items:\n" + GOOD_ITEM, None),
    "good-unquoted-yes-no.yaml": (
        HEAD
        + """\
response_sets:
  yn:
    - {code: yes, label: 是, points: 2, outcome: pass}
    - {code: no, label: 否, points: 0, outcome: fail}
sections:
  - code: A1
    title: 预检分诊
    items:
      - code: A1.1
        text: 是否设置预检分诊点
        method: 现场查看
        criteria: 否不得分
        points: 2
        response_set: yn
""",
        None,
    ),
    "bad-syntax-unclosed-bracket.yaml": (
        HEAD + "applies_to:\n  levels: [1, 2\nsections: []\n",
        ["第 7 行", "YAML 语法错误", "方括号", "第 6 行开始"],
    ),
    "bad-syntax-tab-indent.yaml": (
        HEAD + "sections:\n  - code: A1\n\ttitle: 预检分诊\n",
        ["第 7 行", "Tab"],
    ),
    "bad-unknown-key.yaml": (
        HEAD + "sections:\n  - code: A1\n    title: 预检分诊\n    items:\n" + GOOD_ITEM + "        critcal: true\n",
        ["第 14 行", "未知的键 critcal", "critical"],
    ),
    "bad-negative-points.yaml": (
        HEAD
        + "sections:\n  - code: A1\n    title: 预检分诊\n    items:\n"
        + GOOD_ITEM.replace("points: 5", "points: -3"),
        ["第 13 行", "A1.1", "必须大于 0", "-3"],
    ),
    "bad-duplicate-item-code.yaml": (
        HEAD + "sections:\n  - code: A1\n    title: 预检分诊\n    items:\n" + GOOD_ITEM + GOOD_ITEM,
        ["第 14 行", "A1.1 重复", "第 9 行"],
    ),
    "bad-grades-out-of-order.yaml": (
        HEAD
        + """\
scoring:
  grades:
    - {min: 60, label: 合格}
    - {min: 90, label: 优秀}
    - {min: 0, label: 不合格}
sections:
  - code: A1
    title: 预检分诊
    items:
"""
        + GOOD_ITEM,
        ["第 8 行", "从高到低", "90"],
    ),
    "bad-unknown-response-set.yaml": (
        HEAD
        + "sections:\n  - code: A1\n    title: 预检分诊\n    items:\n"
        + GOOD_ITEM
        + "        response_set: ipcaf\n",
        ["第 14 行", "未知的选项集 ipcaf"],
    ),
    "bad-format-version.yaml": (HEAD.replace("format: 1", "format: 2") + "sections: []\n", ["第 1 行", "format: 2"]),
    "bad-binary.yaml": ("", ["编码"]),  # replaced by binary bytes below
}


def _sheet(path: Path, rows: list[list[object]], merge: list[str] | None = None) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Sheet1"
    for row in rows:
        sheet.append(row)
    for cells in merge or []:
        sheet.merge_cells(cells)
    workbook.save(path)


HEADER = ["检查项目", "检查内容", "检查方法", "评分标准", "分值", "否决项", "整改要求"]
GOOD_ROWS: list[list[object]] = [
    ["发热门诊督导检查表（2026 版）"],
    HEADER,
    ["布局与分区", "独立设置，与普通门诊物理隔离", "现场查看", "未独立设置不得分", 5, "√", "调整布局"],
    [None, "三区两通道划分明确，标识清晰", "现场查看、查阅资料", "一处不符合扣 1 分", 4, None, "补充标识"],
    ["人员管理", "医务人员掌握防护用品穿脱流程", "实操,询问", "抽查 2 人，1 人不合格扣 1 分", 3, "否", ""],
    ["合计", None, None, None, 12],
]
BAD_ROWS: list[list[object]] = [
    HEADER,
    ["布局与分区", None, "现场查看", "未独立设置不得分", 5, None, None],  # row 2: no 检查内容
    [None, "三区两通道", "看一看", "一处不符合扣 1 分", 4, None, None],  # row 3: unknown method
    [None, "缓冲间", "现场查看", "不符合不得分", "五分", None, None],  # row 4: points not a number
    [None, "流调先行", "询问", "不符合不得分", -1, "也许", None],  # row 5: negative points, bad 否决项
]


def main() -> int:
    HERE.mkdir(parents=True, exist_ok=True)
    expected: dict[str, list[str] | None] = {}
    for name, (content, wanted) in YAML_FILES.items():
        expected[name] = wanted
        if name == "bad-binary.yaml":
            (HERE / name).write_bytes(bytes(range(256)) * 4)
        else:
            (HERE / name).write_text(content, encoding="utf-8")

    _sheet(HERE / "good-title-row-merged.xlsx", GOOD_ROWS, merge=["A1:G1", "A3:A4"])
    expected["good-title-row-merged.xlsx"] = None
    _sheet(HERE / "bad-rows.xlsx", BAD_ROWS)
    expected["bad-rows.xlsx"] = [
        "第 2 行：检查内容为空",
        "第 3 行：检查方法“看一看”无法识别",
        "第 4 行：分值应为大于 0 的数字（否决项可以不填），而这里是“五分”",
        "第 5 行：分值应为大于 0 的数字",
        "第 5 行：否决项只能填",
    ]
    _sheet(HERE / "bad-missing-columns.xlsx", [["检查项目", "情况", "分值"], ["布局", "独立设置", 5]])
    expected["bad-missing-columns.xlsx"] = ["第 1 行", "无法确定哪一列是“检查内容”", "B列“情况”", "--columns"]
    (HERE / "bad-text-renamed.xlsx").write_text("检查项目,检查内容\n这其实是文本文件\n", encoding="utf-8")
    expected["bad-text-renamed.xlsx"] = ["不是有效的 Excel"]

    csv_text = "\n".join(
        [
            "检查项目,检查内容,检查方法,评分标准,分值,否决项",
            "预检分诊,设置预检分诊点，标识醒目,现场查看,未设置不得分,5,是",
            ",落实流行病学史询问,询问,未询问扣 2 分,3,",
        ]
    )
    (HERE / "good-gbk.csv").write_bytes((csv_text + "\r\n").encode("gbk"))
    expected["good-gbk.csv"] = None

    (HERE / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
