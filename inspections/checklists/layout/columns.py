"""Sheet rows, column roles and the reading's result; naming columns by letter, header name or a user's mapping."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from inspections.checklists.layout.vocabulary import _SPACES, _TRAILING_BRACKET, HEADER_NAMES, ROLE_LABELS
from inspections.checklists.spec import (
    ChecklistSpec,
)
from inspections.errors import InvalidInputError, Problem


@dataclass(frozen=True)
class SheetRow:
    """One row of a sheet: its number as the user sees it, where it is (for messages) and its cell texts."""

    number: int
    cells: tuple[str, ...]
    location: str = ""  # "" → "第 {number} 行"

    @property
    def where(self) -> str:
        return self.location or f"第 {self.number} 行"


@dataclass(frozen=True)
class ColumnRole:
    """A column of the sheet and what it was read as."""

    index: int
    header: str
    role: str | None  # None: ignored


@dataclass(frozen=True)
class SheetReading:
    """A recognized sheet: the checklist, how its columns were read, the rules read from criteria, warnings."""

    spec: ChecklistSpec
    columns: tuple[ColumnRole, ...]
    header_rows: tuple[int, ...]
    rules: tuple[tuple[str, str], ...]  # (item code, the rule in words) for every item with a parsed rule
    key_kinds: tuple[tuple[str, str, int], ...]  # (marker, consequence, number of items)
    warnings: tuple[str, ...]


class ColumnsUnclearError(InvalidInputError):
    """The sheet's columns could not be told apart: the user has to say which column is which."""

    def __init__(self, problems: list[Problem], headers: Sequence[str], preview: Sequence[Sequence[str]]) -> None:
        super().__init__(problems)
        self.headers = tuple(headers)
        self.preview = tuple(tuple(row) for row in preview)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def header_name(value: str) -> str:
    """A header cell as compared with the known names: NFKC, no white space, no trailing "（分）" or colon."""
    name = _SPACES.sub("", unicodedata.normalize("NFKC", value))
    name = name.strip("*:：")
    return _TRAILING_BRACKET.sub("", name)


def role_of_name(name: str) -> str | None:
    """The role a (normalized) header name stands for; None when it is not one of HEADER_NAMES."""
    for role, names in HEADER_NAMES.items():
        if name in names:
            return role
    return None


# Header names not in the lists, by the words they contain ("检查内容及要求", "扣分标准及方法"); ignored words first.
_FUZZY_ROLES: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(r"得分|扣分(?:原因|理由|情况|说明)|实得|备注|结果|存在问题|签名|记录|情况"), None),
    (re.compile(r"否决|关键项"), "critical"),
    (re.compile(r"整改"), "remedy"),
    (re.compile(r"评分|扣分|计分|细则"), "criteria"),
    (re.compile(r"方法|方式"), "method"),
    (re.compile(r"内容|要求|要点|指标|标准"), "text"),
    (re.compile(r"分值|标准分|满分|分数"), "points"),
    (re.compile(r"项目|类别|环节"), "section"),
    (re.compile(r"序号|编号"), "code"),
)


_FUZZY_MAX = 10


def fuzzy_role(name: str) -> tuple[bool, str | None]:
    """(recognized, role) for a header name not in the lists, by the words it contains; short names only."""
    if not name or len(name) > _FUZZY_MAX:
        return False, None
    for pattern, role in _FUZZY_ROLES:
        if pattern.search(name):
            return True, role
    return False, None


def parse_column_mapping(text: str) -> dict[str, str]:
    """``检查内容=监督检查内容,分值=应得分`` → {"text": "监督检查内容", "points": "应得分"} (UserError when bad)."""
    mapping: dict[str, str] = {}
    for part in re.split(r"[,，;；]", text):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        role = role_of_name(header_name(key)) if sep else None
        if role is None:
            known = "、".join(ROLE_LABELS.values())
            raise InvalidInputError(
                [
                    Problem(
                        "--columns",
                        "",
                        f"“{part.strip()}”不是“列名=表头”的形式，或“{key.strip()}”不是已知的列（可用：{known}）",
                    )
                ]
            )
        mapping[role] = value.strip()
    return mapping
