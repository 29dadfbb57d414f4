"""Reading composed YAML nodes into typed values, collecting every problem (with its line) instead of stopping.

``NodeReader`` knows the structure (mappings with allowed/required keys, lists) and the scalars (text, integers,
numbers, booleans, dates, choices, codes); the checklist's own fields are read by its subclasses in
``header_fields`` and ``item_fields``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from inspections.checklists.yaml_format.schema import DATE_RE, TAG
from inspections.checklists.yaml_format.suggesting import kind_of, suggest, unknown_key_message
from inspections.errors import Problem

T = TypeVar("T")


def line_of(node: Node) -> int:
    return int(node.start_mark.line) + 1


def opt(fields: dict[str, Node], key: str, read: Callable[..., T | None], *args: Any) -> T | None:
    """``read(node, *args)`` for the field ``key``, or None when the field is absent."""
    node = fields.get(key)
    return None if node is None else read(node, *args)


class NodeReader:
    """Walks the composed YAML nodes, collecting every problem instead of stopping at the first."""

    def __init__(self, source: str, require_remedy: bool) -> None:
        self.source = source
        self.require_remedy = require_remedy
        self.problems: list[Problem] = []
        self._constructor = yaml.constructor.SafeConstructor()

    # --- reporting ---------------------------------------------------------------------------------------------

    def error(self, node: Node, message: str) -> None:
        self.problems.append(Problem(self.source, f"第 {line_of(node)} 行", message))

    # --- structure ---------------------------------------------------------------------------------------------

    def mapping(
        self, node: Node, where: str, allowed: tuple[str, ...], required: tuple[str, ...]
    ) -> dict[str, Node] | None:
        """The fields of a mapping node, after reporting unknown, duplicate and missing keys."""
        if not isinstance(node, MappingNode):
            self.error(node, f"{where}应为键值对（key: value），而不是{kind_of(node)}")
            return None
        fields: dict[str, Node] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.error(key_node, f"{where}中的键必须是文字，而不是{kind_of(key_node)}")
                continue
            key = str(key_node.value)
            if key == "<<":
                self.error(key_node, f"{where}中不支持合并键 “<<”，请把内容直接写出来")
                continue
            if key in first_line:
                self.error(key_node, f"{where}中的键 {key} 重复（第 {first_line[key]} 行已经出现过）")
                continue
            if key not in allowed:
                self.error(key_node, unknown_key_message(key, where, allowed))
                continue
            first_line[key] = line_of(key_node)
            fields[key] = value_node
        missing = [key for key in required if key not in fields and key not in first_line]
        if missing:
            self.error(node, f"{where}缺少必填项 {'、'.join(missing)}")
        return fields

    def sequence(self, node: Node, what: str, *, allow_empty: bool = False) -> list[Node] | None:
        if isinstance(node, ScalarNode) and node.tag == TAG + "null":
            if allow_empty:
                return []
            self.error(node, f"{what}不能为空")
            return None
        if not isinstance(node, SequenceNode):
            self.error(node, f"{what}应为列表（每项以“- ”开头），而不是{kind_of(node)}")
            return None
        if not node.value and not allow_empty:
            self.error(node, f"{what}不能为空列表")
            return None
        return list(node.value)

    # --- scalars -----------------------------------------------------------------------------------------------

    def _scalar(self, node: Node, what: str, expected: str) -> ScalarNode | None:
        if not isinstance(node, ScalarNode):
            self.error(node, f"{what}应为{expected}，而不是{kind_of(node)}")
            return None
        return node

    def text(self, node: Node, what: str, *, allow_empty: bool = False) -> str | None:
        scalar = self._scalar(node, what, "文字")
        if scalar is None:
            return None
        # Text fields take the scalar as written, so `code: yes` stays "yes" and `code: 1.10` stays "1.10".
        value = "" if scalar.tag == TAG + "null" and not scalar.style else str(scalar.value)
        value = value.strip()
        if not value and not allow_empty:
            self.error(node, f"{what}不能为空")
            return None
        return value

    def integer(self, node: Node, what: str) -> int | None:
        scalar = self._scalar(node, what, "整数")
        if scalar is None:
            return None
        if scalar.tag != TAG + "int":
            self.error(node, f"{what}应为整数，而不是{kind_of(node)}")
            return None
        try:
            return int(self._constructor.construct_yaml_int(scalar))
        except ValueError:  # more digits than Python converts
            self.error(node, f"{what}的数字太大：{kind_of(node)}")
            return None

    def number(self, node: Node, what: str) -> float | None:
        scalar = self._scalar(node, what, "数字")
        if scalar is None:
            return None
        try:
            if scalar.tag == TAG + "int":
                value = float(self._constructor.construct_yaml_int(scalar))
            elif scalar.tag == TAG + "float":
                value = float(self._constructor.construct_yaml_float(scalar))
            else:
                self.error(node, f"{what}应为数字，而不是{kind_of(node)}")
                return None
        except (OverflowError, ValueError):  # too large for a float, or more digits than Python converts
            value = math.inf
        if not math.isfinite(value):
            self.error(node, f"{what}应为有限的数字，而不是{kind_of(node)}")
            return None
        return value + 0.0  # no negative zero

    def boolean(self, node: Node, what: str) -> bool | None:
        scalar = self._scalar(node, what, "true 或 false")
        if scalar is None:
            return None
        if scalar.tag != TAG + "bool":
            self.error(node, f"{what}应为 true 或 false，而不是{kind_of(node)}")
            return None
        return bool(self._constructor.construct_yaml_bool(scalar))

    def date(self, node: Node, what: str) -> date | None:
        scalar = self._scalar(node, what, "日期")
        if scalar is None:
            return None
        expected = f"{what}应为日期，格式 YYYY-MM-DD（例如 2026-02-01），而不是{kind_of(node)}"
        value: object
        if scalar.tag == TAG + "timestamp":
            try:
                value = self._constructor.construct_yaml_timestamp(scalar)
            except ValueError:
                self.error(node, f"{what}不是有效的日期：“{scalar.value}”（请检查月份和日）")
                return None
            if isinstance(value, datetime):
                self.error(node, f"{what}只写日期（YYYY-MM-DD），不要带时间：“{scalar.value}”")
                return None
        elif scalar.tag == TAG + "str" and DATE_RE.fullmatch(scalar.value.strip()):
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
        self.error(node, f"{what}不能是“{value}”，只能是 {options}{suggest(value, [str(c) for c in choices])}")
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
