"""How problems in a checklist file are worded: Chinese hints for YAML syntax errors, "did you mean" suggestions,
and short renderings of the offending values."""

from __future__ import annotations

import difflib

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from inspections.errors import Problem

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


def syntax_problem(err: yaml.MarkedYAMLError, source: str) -> Problem:
    mark = err.problem_mark or err.context_mark
    location = f"第 {mark.line + 1} 行" if mark is not None else ""
    english = " ".join(part for part in (err.context, err.problem) if part)
    hint = next((chinese for key, chinese in _SYNTAX_HINTS if key in english), None)
    message = f"YAML 语法错误：{hint}（{english}）" if hint else f"YAML 语法错误（{english}）"
    context = err.context_mark
    if mark is not None and context is not None and context.line != mark.line:
        message += f"；出错的结构从第 {context.line + 1} 行开始"
    return Problem(source, location, message)


def kind_of(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "键值对"
    if isinstance(node, SequenceNode):
        return "列表"
    return f"“{shorten(str(node.value))}”"


def peek_label(node: Node) -> str:
    """ "项目 FZ1.2" when the item mapping has a readable code, else "检查项目" (for problems found before the code)."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == "code" and isinstance(value, ScalarNode):
                code = str(value.value).strip()
                if code:
                    return f"项目 {code} "
    return "检查项目"


def suggest(value: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    if not close:
        lowered = {choice.lower(): choice for choice in choices}
        if value.lower() in lowered:
            close = [lowered[value.lower()]]
    return f"，是不是 {close[0]}？" if close else ""


def unknown_key_message(key: str, where: str, allowed: tuple[str, ...]) -> str:
    return f"{where}中有未知的键 {key}{suggest(key, list(allowed))}（可用的键：{', '.join(allowed)}）"


def shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


# --- dumping ---------------------------------------------------------------------------------------------------
