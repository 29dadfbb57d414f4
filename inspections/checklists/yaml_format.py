"""The checklist YAML format (format: 1): loading with every problem located by line, and dumping.

Files are read as UTF-8 (with or without BOM), UTF-16 with BOM, or else GB18030/GBK when the bytes decode cleanly
(see ``textfile.decode_text``); files over 5 MB are refused. Scalars are resolved by their YAML tag, but a field that
holds text takes the scalar as written: ``code: yes`` is the string "yes" and ``code: 1.10`` the string "1.10",
never True or 1.1. Numbers come back as ``float``; text is stripped of surrounding white space.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from inspections.checklists.spec import (
    CHECKLIST_CODE_RE,
    EVIDENCE_RULES,
    ITEM_CODE_RE,
    LEVELS,
    METHODS,
    OUTCOMES,
    SCORING_BASES,
    Applicability,
    ChecklistSpec,
    EvidenceRule,
    GradeBand,
    ItemSpec,
    Outcome,
    ResponseOption,
    ScoringBasis,
    ScoringRule,
    SectionSpec,
    normalize_method,
)
from inspections.checklists.textfile import MAX_FILE_BYTES, decode_text, read_limited
from inspections.errors import InvalidInputError, Problem

FORMAT_VERSION = 1
MAX_ITEMS = 3000
MAX_VERSION = 1_000_000
MAX_SECTIONS = 500
MAX_RESPONSE_SETS = 100
MAX_OPTIONS = 50

TOP_KEYS = (
    "format",
    "code",
    "version",
    "title",
    "effective_from",
    "effective_to",
    "basis",
    "note",
    "applies_to",
    "scoring",
    "response_sets",
    "sections",
)
APPLIES_KEYS = ("has_fever_clinic", "levels", "categories")
SCORING_KEYS = ("basis", "partial_ratio", "grades")
GRADE_KEYS = ("min", "label")
OPTION_KEYS = ("code", "label", "points", "outcome")
SECTION_KEYS = ("code", "title", "items")
ITEM_KEYS = ("code", "text", "method", "criteria", "points", "critical", "remedy", "evidence", "response_set")

_TAG = "tag:yaml.org,2002:"
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")

# PyYAML's syntax messages, in Chinese; the English original is kept in brackets for the rest.
_SYNTAX_HINTS = (
    ("found character '\\t'", "不能用 Tab 缩进，请改用空格"),
    ("mapping values are not allowed here", "这里不能出现“键: 值”：常见原因是缩进不对，或文字中含有“: ”却没有加引号"),
    ("could not find expected ':'", "缺少冒号“:”，或上一行的引号没有闭合"),
    ("did not find expected key", "缩进不一致，或上一行的引号没有闭合"),
    ("did not find expected '-' indicator", "列表的缩进不一致"),
    ("found unexpected end of stream", "文件在引号或括号闭合之前就结束了"),
    ("expected a single document", "文件中只能有一个 YAML 文档（发现了多余的 ---）"),
    ("found undefined alias", "引用了没有定义的锚点（*名称）"),
    ("while scanning a quoted scalar", "引号没有闭合"),
    ("expected ',' or ']'", "方括号 [ ] 没有正确闭合"),
    ("expected ',' or '}'", "花括号 { } 没有正确闭合"),
    ("that cannot start any token", "这个字符（例如 @ 或 `）不能出现在文字开头，请给文字加引号"),
    ("expected <block end>", "缩进不一致：同一层的键或列表项必须对齐"),
    ("block sequence entries are not allowed", "这里不能开始一个列表（“- ”），请检查缩进"),
)

T = TypeVar("T")


def load_checklist_file(path: Path, *, require_remedy: bool = False) -> ChecklistSpec:
    """Load and validate a checklist YAML file; problems name the file (``path.name``) and line."""
    data = read_limited(path)
    return load_checklist_text(decode_text(data, path.name), path.name, require_remedy=require_remedy)


def load_checklist_text(text: str, source: str, *, require_remedy: bool = False) -> ChecklistSpec:
    """Parse and validate checklist YAML; raise InvalidInputError listing every problem found.

    ``require_remedy`` makes 整改要求 (``remedy``) mandatory on every item, as it is for the built-in checklists.
    """
    if len(text) > MAX_FILE_BYTES:
        raise InvalidInputError([Problem(source, "", "文件太大，超过 5 MB 的上限，不像是一份检查表")])
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as err:
        raise InvalidInputError([_syntax_problem(err, source)]) from None
    except yaml.YAMLError as err:  # reader errors (unprintable characters) carry a position, not a mark
        raise InvalidInputError([Problem(source, "", f"不是有效的 YAML 文件（{err}）")]) from None
    except RecursionError:
        raise InvalidInputError([Problem(source, "", "YAML 的嵌套层次太深，这不是一份检查表")]) from None
    if root is None:
        raise InvalidInputError([Problem(source, "", "文件是空的，没有任何检查表内容")])
    reader = _Reader(source, require_remedy)
    spec = reader.checklist(root)
    if reader.problems or spec is None:
        problems = sorted(reader.problems, key=_problem_order) or [Problem(source, "", "文件内容无效")]
        raise InvalidInputError(problems)
    return spec


def _compose(text: str) -> Node | None:
    """The YAML node tree, with line marks: libyaml when present (20× faster), else the pure-Python parser.

    A syntax error is reported by the pure-Python parser, whose messages the Chinese hints know.
    """
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _problem_order(problem: Problem) -> int:
    match = re.match(r"第 (\d+) 行", problem.location)
    return int(match.group(1)) if match else 0


def _syntax_problem(err: yaml.MarkedYAMLError, source: str) -> Problem:
    mark = err.problem_mark or err.context_mark
    location = f"第 {mark.line + 1} 行" if mark is not None else ""
    english = " ".join(part for part in (err.context, err.problem) if part)
    hint = next((chinese for key, chinese in _SYNTAX_HINTS if key in english), None)
    message = f"YAML 语法错误：{hint}（{english}）" if hint else f"YAML 语法错误（{english}）"
    context = err.context_mark
    if mark is not None and context is not None and context.line != mark.line:
        message += f"；出错的结构从第 {context.line + 1} 行开始"
    return Problem(source, location, message)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "键值对"
    if isinstance(node, SequenceNode):
        return "列表"
    return f"“{_short(str(node.value))}”"


class _Reader:
    """Walks the composed YAML nodes, collecting every problem instead of stopping at the first."""

    def __init__(self, source: str, require_remedy: bool) -> None:
        self.source = source
        self.require_remedy = require_remedy
        self.problems: list[Problem] = []
        self._constructor = yaml.constructor.SafeConstructor()

    # --- reporting ---------------------------------------------------------------------------------------------

    def error(self, node: Node, message: str) -> None:
        self.problems.append(Problem(self.source, f"第 {_line(node)} 行", message))

    # --- structure ---------------------------------------------------------------------------------------------

    def mapping(
        self, node: Node, where: str, allowed: tuple[str, ...], required: tuple[str, ...]
    ) -> dict[str, Node] | None:
        """The fields of a mapping node, after reporting unknown, duplicate and missing keys."""
        if not isinstance(node, MappingNode):
            self.error(node, f"{where}应为键值对（key: value），而不是{_kind(node)}")
            return None
        fields: dict[str, Node] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.error(key_node, f"{where}中的键必须是文字，而不是{_kind(key_node)}")
                continue
            key = str(key_node.value)
            if key == "<<":
                self.error(key_node, f"{where}中不支持合并键 “<<”，请把内容直接写出来")
                continue
            if key in first_line:
                self.error(key_node, f"{where}中的键 {key} 重复（第 {first_line[key]} 行已经出现过）")
                continue
            if key not in allowed:
                self.error(key_node, _unknown_key_message(key, where, allowed))
                continue
            first_line[key] = _line(key_node)
            fields[key] = value_node
        missing = [key for key in required if key not in fields and key not in first_line]
        if missing:
            self.error(node, f"{where}缺少必填项 {'、'.join(missing)}")
        return fields

    def sequence(self, node: Node, what: str, *, allow_empty: bool = False) -> list[Node] | None:
        if isinstance(node, ScalarNode) and node.tag == _TAG + "null":
            if allow_empty:
                return []
            self.error(node, f"{what}不能为空")
            return None
        if not isinstance(node, SequenceNode):
            self.error(node, f"{what}应为列表（每项以“- ”开头），而不是{_kind(node)}")
            return None
        if not node.value and not allow_empty:
            self.error(node, f"{what}不能为空列表")
            return None
        return list(node.value)

    # --- scalars -----------------------------------------------------------------------------------------------

    def _scalar(self, node: Node, what: str, expected: str) -> ScalarNode | None:
        if not isinstance(node, ScalarNode):
            self.error(node, f"{what}应为{expected}，而不是{_kind(node)}")
            return None
        return node

    def text(self, node: Node, what: str, *, allow_empty: bool = False) -> str | None:
        scalar = self._scalar(node, what, "文字")
        if scalar is None:
            return None
        # Text fields take the scalar as written, so `code: yes` stays "yes" and `code: 1.10` stays "1.10".
        value = "" if scalar.tag == _TAG + "null" and not scalar.style else str(scalar.value)
        value = value.strip()
        if not value and not allow_empty:
            self.error(node, f"{what}不能为空")
            return None
        return value

    def integer(self, node: Node, what: str) -> int | None:
        scalar = self._scalar(node, what, "整数")
        if scalar is None:
            return None
        if scalar.tag != _TAG + "int":
            self.error(node, f"{what}应为整数，而不是{_kind(node)}")
            return None
        try:
            return int(self._constructor.construct_yaml_int(scalar))
        except ValueError:  # more digits than Python converts
            self.error(node, f"{what}的数字太大：{_kind(node)}")
            return None

    def number(self, node: Node, what: str) -> float | None:
        scalar = self._scalar(node, what, "数字")
        if scalar is None:
            return None
        try:
            if scalar.tag == _TAG + "int":
                value = float(self._constructor.construct_yaml_int(scalar))
            elif scalar.tag == _TAG + "float":
                value = float(self._constructor.construct_yaml_float(scalar))
            else:
                self.error(node, f"{what}应为数字，而不是{_kind(node)}")
                return None
        except (OverflowError, ValueError):  # too large for a float, or more digits than Python converts
            value = math.inf
        if not math.isfinite(value):
            self.error(node, f"{what}应为有限的数字，而不是{_kind(node)}")
            return None
        return value + 0.0  # no negative zero

    def boolean(self, node: Node, what: str) -> bool | None:
        scalar = self._scalar(node, what, "true 或 false")
        if scalar is None:
            return None
        if scalar.tag != _TAG + "bool":
            self.error(node, f"{what}应为 true 或 false，而不是{_kind(node)}")
            return None
        return bool(self._constructor.construct_yaml_bool(scalar))

    def date(self, node: Node, what: str) -> date | None:
        scalar = self._scalar(node, what, "日期")
        if scalar is None:
            return None
        expected = f"{what}应为日期，格式 YYYY-MM-DD（例如 2026-02-01），而不是{_kind(node)}"
        value: object
        if scalar.tag == _TAG + "timestamp":
            try:
                value = self._constructor.construct_yaml_timestamp(scalar)
            except ValueError:
                self.error(node, f"{what}不是有效的日期：“{scalar.value}”（请检查月份和日）")
                return None
            if isinstance(value, datetime):
                self.error(node, f"{what}只写日期（YYYY-MM-DD），不要带时间：“{scalar.value}”")
                return None
        elif scalar.tag == _TAG + "str" and _DATE_RE.fullmatch(scalar.value.strip()):
            try:
                value = date.fromisoformat(scalar.value.strip())
            except ValueError:
                self.error(node, f"{what}不是有效的日期：“{scalar.value}”（请检查月份和日）")
                return None
        else:
            self.error(node, expected)
            return None
        assert isinstance(value, date)
        return value

    def choice(self, node: Node, what: str, choices: tuple[T, ...]) -> T | None:
        value = self.text(node, what)
        if value is None:
            return None
        for choice in choices:
            if choice == value:
                return choice
        options = " / ".join(str(c) for c in choices)
        self.error(node, f"{what}不能是“{value}”，只能是 {options}{_suggest(value, [str(c) for c in choices])}")
        return None

    def code(self, node: Node, what: str, pattern: re.Pattern[str], rule: str) -> str | None:
        value = self.text(node, what)
        if value is None:
            return None
        if not pattern.fullmatch(value):
            self.error(node, f"{what}“{value}”格式不对：{rule}")
            return None
        return value

    # --- the document ------------------------------------------------------------------------------------------

    def checklist(self, root: Node) -> ChecklistSpec | None:
        fields = self.mapping(root, "检查表", TOP_KEYS, ("format", "code", "version", "title", "sections"))
        if fields is None:
            return None
        if "format" in fields:
            fmt = fields["format"]
            if not (isinstance(fmt, ScalarNode) and fmt.tag == _TAG + "int" and fmt.value.strip() == "1"):
                shown = _short(str(fmt.value)) if isinstance(fmt, ScalarNode) else _kind(fmt)
                self.problems.clear()
                self.error(
                    fmt, f"不支持的格式版本 format: {shown}；本程序只能读取 format: {FORMAT_VERSION} 的检查表文件"
                )
                return None
        code = _opt(fields, "code", lambda n: self.code(n, "检查表编号（code）", CHECKLIST_CODE_RE, _CODE_RULE))
        version = _opt(fields, "version", lambda n: self.integer(n, "版本号（version）"))
        if version is not None and not 1 <= version <= MAX_VERSION:
            self.error(
                fields["version"],
                f"版本号（version）必须是 1 到 {MAX_VERSION} 之间的整数，而不是 {_short(str(version))}",
            )
            version = None
        title = _opt(fields, "title", lambda n: self.text(n, "标题（title）"))
        effective_from = _opt(fields, "effective_from", lambda n: self.date(n, "生效日期（effective_from）"))
        effective_to = _opt(fields, "effective_to", lambda n: self.date(n, "失效日期（effective_to）"))
        if effective_from and effective_to and effective_to < effective_from:
            self.error(
                fields["effective_to"],
                f"失效日期（effective_to）{effective_to} 早于生效日期（effective_from）{effective_from}",
            )
        basis = _opt(fields, "basis", self.basis)
        note = _opt(fields, "note", lambda n: self.text(n, "说明（note）", allow_empty=True))
        applies_to = _opt(fields, "applies_to", self.applies_to)
        scoring = _opt(fields, "scoring", self.scoring)
        response_sets = _opt(fields, "response_sets", self.response_sets)
        sections = _opt(fields, "sections", lambda n: self.sections(n, response_sets or {}, "response_sets" in fields))
        if self.problems or code is None or version is None or title is None or sections is None:
            return None
        return ChecklistSpec(
            code=code,
            version=version,
            title=title,
            sections=sections,
            effective_from=effective_from,
            effective_to=effective_to,
            basis=basis or (),
            note=note or "",
            applies_to=applies_to or Applicability(),
            scoring=scoring or ScoringRule(),
            response_sets=response_sets or {},
        )

    def basis(self, node: Node) -> tuple[str, ...] | None:
        if isinstance(node, ScalarNode) and node.tag != _TAG + "null":
            single = self.text(node, "依据（basis）")
            return None if single is None else (single,)
        entries = self.sequence(node, "依据（basis）", allow_empty=True)
        if entries is None:
            return None
        values = [self.text(entry, "依据（basis）中的一条") for entry in entries]
        return None if None in values else tuple(v for v in values if v is not None)

    def applies_to(self, node: Node) -> Applicability | None:
        if isinstance(node, ScalarNode) and node.tag == _TAG + "null":
            return Applicability()
        fields = self.mapping(node, "适用范围（applies_to）", APPLIES_KEYS, ())
        if fields is None:
            return None
        fever = _opt(fields, "has_fever_clinic", lambda n: self.boolean(n, "has_fever_clinic"))
        levels: tuple[int, ...] | None = None
        if "levels" in fields:
            levels = self._int_list(fields["levels"])
        categories: tuple[str, ...] | None = None
        if "categories" in fields:
            categories = self._text_list(fields["categories"], "机构类别（categories）")
        return Applicability(has_fever_clinic=fever, levels=levels, categories=categories)

    def _int_list(self, node: Node) -> tuple[int, ...] | None:
        entries = self.sequence(node, "医院等级（levels）")
        if entries is None:
            return None
        result: list[int] = []
        ok = True
        for entry in entries:
            level = self.integer(entry, "医院等级（levels）中的一项")
            if level is None:
                ok = False
            elif level not in LEVELS:
                self.error(
                    entry, f"医院等级（levels）只能是 0（未定级）、1（一级）、2（二级）、3（三级），而不是 {level}"
                )
                ok = False
            elif level in result:
                self.error(entry, f"医院等级（levels）中的 {level} 重复")
                ok = False
            else:
                result.append(level)
        return tuple(result) if ok else None

    def _text_list(self, node: Node, what: str) -> tuple[str, ...] | None:
        entries = self.sequence(node, what)
        if entries is None:
            return None
        result: list[str] = []
        ok = True
        for entry in entries:
            value = self.text(entry, f"{what}中的一项")
            if value is None:
                ok = False
            elif value in result:
                self.error(entry, f"{what}中的“{value}”重复")
                ok = False
            else:
                result.append(value)
        return tuple(result) if ok else None

    def scoring(self, node: Node) -> ScoringRule | None:
        if isinstance(node, ScalarNode) and node.tag == _TAG + "null":
            return ScoringRule()
        fields = self.mapping(node, "评分规则（scoring）", SCORING_KEYS, ())
        if fields is None:
            return None
        default = ScoringRule()
        basis: ScoringBasis | None = _opt(
            fields, "basis", lambda n: self.choice(n, "计分方式（scoring.basis）", SCORING_BASES)
        )
        ratio = _opt(fields, "partial_ratio", lambda n: self.number(n, "部分符合得分比例（partial_ratio）"))
        if ratio is not None and not 0 < ratio < 1:
            self.error(
                fields["partial_ratio"],
                f"部分符合得分比例（partial_ratio）必须大于 0 且小于 1（例如 0.5），而不是 {_num(ratio)}",
            )
            ratio = None
        grades = _opt(fields, "grades", lambda n: self.grades(n, basis or default.basis))
        if ("basis" in fields and basis is None) or ("partial_ratio" in fields and ratio is None):
            return None
        if "grades" in fields and grades is None:
            return None
        return ScoringRule(
            basis=basis or default.basis,
            partial_ratio=default.partial_ratio if ratio is None else ratio,
            grades=grades or default.grades,
        )

    def grades(self, node: Node, basis: ScoringBasis) -> tuple[GradeBand, ...] | None:
        entries = self.sequence(node, "分数段（grades）")
        if entries is None:
            return None
        bands: list[GradeBand] = []
        ok = True
        previous: float | None = None
        labels: dict[str, int] = {}
        for entry in entries:
            fields = self.mapping(entry, "分数段", GRADE_KEYS, GRADE_KEYS)
            if fields is None:
                ok = False
                continue
            minimum = _opt(fields, "min", lambda n: self.number(n, "分数段的最低分（min）"))
            label = _opt(fields, "label", lambda n: self.text(n, "分数段的名称（label）"))
            if minimum is None or label is None:
                ok = False
                continue
            where = fields["min"]
            if minimum < 0:
                self.error(where, f"分数段的最低分（min）不能是负数：{_num(minimum)}")
                ok = False
            elif basis == "percent" and minimum > 100:
                self.error(where, f"按百分制（percent）计分时，分数段的最低分（min）不能超过 100：{_num(minimum)}")
                ok = False
            elif previous is not None and minimum >= previous:
                self.error(
                    where,
                    f"分数段必须按最低分（min）从高到低排列：{_num(minimum)} 不低于上一段的 {_num(previous)}",
                )
                ok = False
            if label in labels:
                self.error(fields["label"], f"分数段名称“{label}”重复（第 {labels[label]} 行已经使用）")
                ok = False
            labels[label] = _line(fields["label"])
            previous = minimum if previous is None or minimum < previous else previous
            bands.append(GradeBand(minimum, label))
        if bands and len(bands) == len(entries) and bands[-1].min != 0:
            self.error(
                entries[-1],
                f"最后一个分数段的最低分（min）必须是 0（现在是 {_num(bands[-1].min)}），否则有的得分没有等级",
            )
            ok = False
        return tuple(bands) if ok else None

    def response_sets(self, node: Node) -> dict[str, tuple[ResponseOption, ...]] | None:
        if isinstance(node, ScalarNode) and node.tag == _TAG + "null":
            return {}
        if not isinstance(node, MappingNode):
            self.error(node, f"选项集（response_sets）应为“名称: 选项列表”的键值对，而不是{_kind(node)}")
            return None
        if len(node.value) > MAX_RESPONSE_SETS:
            self.error(node, f"选项集（response_sets）太多（{len(node.value)} 个，上限 {MAX_RESPONSE_SETS} 个）")
            return None
        result: dict[str, tuple[ResponseOption, ...]] = {}
        first_line: dict[str, int] = {}
        ok = True
        for key_node, value_node in node.value:
            name = self.text(key_node, "选项集名称")
            if name is None:
                ok = False
                continue
            if name in first_line:
                self.error(key_node, f"选项集名称 {name} 重复（第 {first_line[name]} 行已经定义）")
                ok = False
                continue
            first_line[name] = _line(key_node)
            options = self.options(value_node, name)
            if options is None:
                ok = False
            else:
                result[name] = options
        return result if ok else None

    def options(self, node: Node, set_name: str) -> tuple[ResponseOption, ...] | None:
        entries = self.sequence(node, f"选项集 {set_name}")
        if entries is None:
            return None
        if len(entries) > MAX_OPTIONS:
            self.error(node, f"选项集 {set_name} 的选项太多（{len(entries)} 个，上限 {MAX_OPTIONS} 个）")
            return None
        options: list[ResponseOption] = []
        codes: dict[str, int] = {}
        ok = True
        for entry in entries:
            where = f"选项集 {set_name} 的选项"
            fields = self.mapping(entry, where, OPTION_KEYS, ("code", "label", "outcome"))
            if fields is None:
                ok = False
                continue
            code = _opt(fields, "code", self.text, f"{where}编号（code）")
            label = _opt(fields, "label", self.text, f"{where}名称（label）")
            outcome: Outcome | None = _opt(fields, "outcome", self.choice, f"{where}结果（outcome）", OUTCOMES)
            points = _opt(fields, "points", self.number, f"{where}分值（points）")
            if code is not None:
                if code in codes:
                    self.error(
                        fields["code"], f"选项集 {set_name} 中的选项编号 {code} 重复（第 {codes[code]} 行已经使用）"
                    )
                    ok = False
                codes[code] = _line(fields["code"])
            if outcome in ("na", "not_checked") and "points" in fields:
                self.error(
                    fields["points"], f"选项 {code} 的 outcome 是 {outcome}（不计入总分），不应填写分值（points）"
                )
                ok = False
            elif outcome in ("pass", "partial", "fail") and "points" not in fields:
                self.error(entry, f"选项 {code} 的 outcome 是 {outcome}，必须填写分值（points）")
                ok = False
            elif points is not None and points < 0:
                self.error(fields["points"], f"选项 {code} 的分值（points）不能是负数：{_num(points)}")
                ok = False
            if code is None or label is None or outcome is None or ("points" in fields and points is None):
                ok = False
                continue
            options.append(
                ResponseOption(code, label, points if outcome not in ("na", "not_checked") else None, outcome)
            )
        if ok and all(option.points is None for option in options):
            self.error(node, f"选项集 {set_name} 中至少要有一个计分的选项（outcome 为 pass / partial / fail）")
            ok = False
        return tuple(options) if ok else None

    def sections(
        self, node: Node, response_sets: dict[str, tuple[ResponseOption, ...]], sets_declared: bool
    ) -> tuple[SectionSpec, ...] | None:
        entries = self.sequence(node, "分组（sections）")
        if entries is None:
            return None
        if len(entries) > MAX_SECTIONS:
            self.error(node, f"分组（sections）太多（{len(entries)} 个，上限 {MAX_SECTIONS} 个）")
            return None
        sections: list[SectionSpec] = []
        section_codes: dict[str, int] = {}
        item_codes: dict[str, int] = {}
        item_count = 0
        for number, entry in enumerate(entries, start=1):
            fields = self.mapping(entry, f"第 {number} 个分组", SECTION_KEYS, SECTION_KEYS)
            if fields is None:
                continue
            code = _opt(fields, "code", lambda n: self.code(n, "分组编号（code）", ITEM_CODE_RE, _ITEM_CODE_RULE))
            where = f"分组 {code}" if code else f"第 {number} 个分组"
            if code is not None:
                if code in section_codes:
                    self.error(fields["code"], f"分组编号 {code} 重复（第 {section_codes[code]} 行已经使用）")
                else:
                    section_codes[code] = _line(fields["code"])
            title = _opt(fields, "title", self.text, f"{where} 的标题（title）")
            item_nodes = _opt(fields, "items", self.sequence, f"{where} 的检查项目（items）")
            items: list[ItemSpec] = []
            for item_node in item_nodes or []:
                item_count += 1
                if item_count > MAX_ITEMS:
                    self.error(item_node, f"检查项目太多（上限 {MAX_ITEMS} 项）")
                    return None
                item = self.item(item_node, item_codes, response_sets, sets_declared)
                if item is not None:
                    items.append(item)
            if code is not None and title is not None and item_nodes is not None:
                sections.append(SectionSpec(code, title, tuple(items)))
        return tuple(sections)

    def item(
        self,
        node: Node,
        item_codes: dict[str, int],
        response_sets: dict[str, tuple[ResponseOption, ...]],
        sets_declared: bool,
    ) -> ItemSpec | None:
        fields = self.mapping(node, _peek_label(node), ITEM_KEYS, ("code", "text", "method", "criteria", "points"))
        if fields is None:
            return None
        code = _opt(fields, "code", lambda n: self.code(n, "项目编号（code）", ITEM_CODE_RE, _ITEM_CODE_RULE))
        if code is not None:
            if code in item_codes:
                self.error(fields["code"], f"项目编号 {code} 重复（第 {item_codes[code]} 行已经使用）")
            else:
                item_codes[code] = _line(fields["code"])
        who = f"项目 {code}" if code else "项目"
        if "remedy" not in fields and self.require_remedy:
            self.error(node, f"{who} 缺少整改要求（remedy）（内置检查表的每一项都必须写明整改要求）")
        text = _opt(fields, "text", lambda n: self.text(n, f"{who} 的检查内容（text）"))
        method = _opt(fields, "method", lambda n: self.method(n, who))
        criteria = _opt(fields, "criteria", lambda n: self.text(n, f"{who} 的评分标准（criteria）"))
        points = _opt(fields, "points", lambda n: self.number(n, f"{who} 的分值（points）"))
        if points is not None and points <= 0:
            self.error(fields["points"], f"{who} 的分值（points）必须大于 0，而不是 {_num(points)}")
            points = None
        critical = _opt(fields, "critical", lambda n: self.boolean(n, f"{who} 的否决项（critical）"))
        remedy = _opt(
            fields, "remedy", lambda n: self.text(n, f"{who} 的整改要求（remedy）", allow_empty=not self.require_remedy)
        )
        evidence: EvidenceRule | None = _opt(
            fields, "evidence", lambda n: self.choice(n, f"{who} 的照片要求（evidence）", EVIDENCE_RULES)
        )
        response_set = _opt(fields, "response_set", lambda n: self.text(n, f"{who} 的选项集（response_set）"))
        optional_ok = not (
            ("critical" in fields and critical is None)
            or ("evidence" in fields and evidence is None)
            or ("remedy" in fields and remedy is None)
        )
        if response_set is not None:
            options = response_sets.get(response_set)
            if options is None:
                if sets_declared and not response_sets:
                    pass  # the response sets themselves are broken and already reported
                elif response_sets:
                    known = "、".join(response_sets)
                    self.error(
                        fields["response_set"],
                        f"{who} 引用了未知的选项集 {response_set}{_suggest(response_set, list(response_sets))}"
                        f"（文件中定义的选项集：{known}）",
                    )
                else:
                    self.error(
                        fields["response_set"],
                        f"{who} 引用了未知的选项集 {response_set}（文件中没有定义 response_sets）",
                    )
                optional_ok = False
            else:
                self._check_against_set(fields, who, points, critical, response_set, options)
        if code is None or text is None or method is None or criteria is None or points is None:
            return None
        if not optional_ok or ("response_set" in fields and response_set is None):
            return None
        return ItemSpec(
            code=code,
            text=text,
            method=method,
            criteria=criteria,
            points=points,
            critical=bool(critical),
            remedy=remedy or "",
            evidence=evidence or "none",
            response_set=response_set,
        )

    def _check_against_set(
        self,
        fields: dict[str, Node],
        who: str,
        points: float | None,
        critical: bool | None,
        name: str,
        options: tuple[ResponseOption, ...],
    ) -> None:
        scored = [option for option in options if option.points is not None]
        if points is not None and scored:
            top = max(scored, key=lambda option: option.points or 0.0)
            over = [option for option in scored if (option.points or 0.0) > points]
            if over:
                self.error(
                    fields["points"],
                    f"{who} 的分值（points）是 {_num(points)}，小于选项集 {name} 中选项 {over[0].code} 的分值 "
                    f"{_num(over[0].points or 0.0)}；项目分值应等于选项集中的最高分 {_num(top.points or 0.0)}",
                )
            elif top.points != points:
                self.error(
                    fields["points"],
                    f"{who} 的分值（points）是 {_num(points)}，但选项集 {name} 中的最高分只有 "
                    f"{_num(top.points or 0.0)}；项目分值应等于选项集中的最高分",
                )
        if critical and not any(option.outcome == "fail" for option in options):
            self.error(
                fields["critical"],
                f"{who} 是否决项，但选项集 {name} 中没有 outcome 为 fail 的选项，否决永远不会生效",
            )

    def method(self, node: Node, who: str) -> str | None:
        value = self.text(node, f"{who} 的检查方法（method）")
        if value is None:
            return None
        normalized, unknown = normalize_method(value)
        if normalized is None:
            bad = "、".join(unknown) or value
            self.error(
                node,
                f"{who} 的检查方法“{bad}”无效{_suggest(unknown[0] if unknown else value, list(METHODS))}；"
                f"只能是 {'、'.join(METHODS)} 之一，或用“、”连接的几种（例如 现场查看、查阅资料）",
            )
        return normalized


_CODE_RULE = "只能由小写字母、数字和连字符“-”组成，以字母或数字开头，最多 64 个字符（例如 fever-clinic-zoning）"
_ITEM_CODE_RULE = "只能由英文字母、数字和 . _ - 组成，以字母或数字开头，最多 32 个字符（例如 FZ1.2）"


def _peek_label(node: Node) -> str:
    """ "项目 FZ1.2" when the item mapping has a readable code, else "检查项目" (for problems found before the code)."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == "code" and isinstance(value, ScalarNode):
                code = str(value.value).strip()
                if code:
                    return f"项目 {code} "
    return "检查项目"


def _opt(fields: dict[str, Node], key: str, read: Callable[..., T | None], *args: Any) -> T | None:
    """``read(node, *args)`` for the field ``key``, or None when the field is absent."""
    node = fields.get(key)
    return None if node is None else read(node, *args)


def _suggest(value: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    if not close:
        lowered = {choice.lower(): choice for choice in choices}
        if value.lower() in lowered:
            close = [lowered[value.lower()]]
    return f"，是不是 {close[0]}？" if close else ""


def _unknown_key_message(key: str, where: str, allowed: tuple[str, ...]) -> str:
    return f"{where}中有未知的键 {key}{_suggest(key, list(allowed))}（可用的键：{', '.join(allowed)}）"


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


# --- dumping ---------------------------------------------------------------------------------------------------


class _FlowMap(dict[str, Any]):
    """A mapping written in flow style: ``{min: 90, label: 优秀}``."""


class _FlowList(list[Any]):
    """A list written in flow style: ``[1, 2, 3]``."""


class _Dumper(yaml.SafeDumper):
    """SafeDumper that indents lists under their key, never writes anchors, and writes flow maps inline."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_flow_map(dumper: yaml.SafeDumper, data: _FlowMap) -> Node:
    return dumper.represent_mapping(_TAG + "map", data.items(), flow_style=True)


def _represent_flow_list(dumper: yaml.SafeDumper, data: _FlowList) -> Node:
    return dumper.represent_sequence(_TAG + "seq", data, flow_style=True)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar(_TAG + "str", data, style=style)


_Dumper.add_representer(_FlowMap, _represent_flow_map)
_Dumper.add_representer(_FlowList, _represent_flow_list)
_Dumper.add_representer(str, _represent_str)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def dump_checklist(spec: ChecklistSpec) -> str:
    """The checklist as YAML in the documented format; ``load_checklist_text`` gives back an equal spec."""
    data: dict[str, Any] = {"format": FORMAT_VERSION, "code": spec.code, "version": spec.version, "title": spec.title}
    if spec.effective_from is not None:
        data["effective_from"] = spec.effective_from
    if spec.effective_to is not None:
        data["effective_to"] = spec.effective_to
    if spec.basis:
        data["basis"] = list(spec.basis)
    if spec.note:
        data["note"] = spec.note
    applies = _applies_data(spec.applies_to)
    if applies:
        data["applies_to"] = applies
    if spec.scoring != ScoringRule():
        data["scoring"] = {
            "basis": spec.scoring.basis,
            "partial_ratio": _number(spec.scoring.partial_ratio),
            "grades": [_FlowMap(min=_number(band.min), label=band.label) for band in spec.scoring.grades],
        }
    if spec.response_sets:
        data["response_sets"] = {
            name: [_option_data(o) for o in options] for name, options in spec.response_sets.items()
        }
    data["sections"] = [
        {"code": section.code, "title": section.title, "items": [_item_data(item) for item in section.items]}
        for section in spec.sections
    ]
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=4096)


def _applies_data(applies: Applicability) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if applies.has_fever_clinic is not None:
        data["has_fever_clinic"] = applies.has_fever_clinic
    if applies.levels is not None:
        data["levels"] = _FlowList(applies.levels)
    if applies.categories is not None:
        data["categories"] = _FlowList(applies.categories)
    return data


def _option_data(option: ResponseOption) -> _FlowMap:
    data = _FlowMap(code=option.code, label=option.label)
    if option.points is not None:
        data["points"] = _number(option.points)
    data["outcome"] = option.outcome
    return data


def _item_data(item: ItemSpec) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": item.code,
        "text": item.text,
        "method": item.method,
        "criteria": item.criteria,
        "points": _number(item.points),
    }
    if item.critical:
        data["critical"] = True
    if item.remedy:
        data["remedy"] = item.remedy
    if item.evidence != "none":
        data["evidence"] = item.evidence
    if item.response_set is not None:
        data["response_set"] = item.response_set
    return data
