"""Finding a sheet's header rows and deciding what each column holds, or asking the user when it cannot tell."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import NoReturn

from inspections.checklists.layout.cells import _as_number, _column_index, _distinct, _header_text, _is_fill_in
from inspections.checklists.layout.columns import (
    ColumnsUnclearError,
    SheetRow,
    column_letter,
    fuzzy_role,
    header_name,
    role_of_name,
)
from inspections.checklists.layout.vocabulary import (
    _CRITERIA_LIKE,
    _METHOD_LIKE,
    AMBIGUOUS_NAMES,
    HEADER_SCAN_ROWS,
    IGNORED_NAMES,
    ROLE_LABELS,
)
from inspections.errors import InvalidInputError, Problem


class SheetHeaderReader:
    """A reader's state and problems, and the header: which rows it is and what each column holds."""

    def __init__(self, source: str, columns: Mapping[str, str] | None = None) -> None:
        self.source = source
        self.forced = dict(columns or {})
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self._last_headers: list[str] = []
        self._strict_code = False  # a column headed 编号 (this project's own template): bad codes are errors

    def error(self, where: str, message: str) -> None:
        self.problems.append(Problem(self.source, where, message))

    def fail(self, where: str, message: str) -> NoReturn:
        self.error(where, message)
        raise InvalidInputError(self.problems)

    def _classify(self, row: SheetRow, *, fuzzy: bool = True) -> dict[int, str | None]:
        """Column → role (or "?" for an ambiguous name, None for an ignored one) for the recognized cells of a row."""
        found: dict[int, str | None] = {}
        for index, value in enumerate(row.cells):
            name = header_name(value)
            if not name:
                continue
            role = role_of_name(name)
            if role is not None:
                found[index] = role
            elif name in AMBIGUOUS_NAMES:
                found[index] = "?"
            elif name in IGNORED_NAMES:
                found[index] = None
            elif fuzzy:
                recognized, guessed = fuzzy_role(name)
                if recognized:
                    found[index] = guessed
        return found

    def _header(self, rows: Sequence[SheetRow]) -> tuple[list[SheetRow], dict[int, str | None]]:
        for position, row in enumerate(rows[:HEADER_SCAN_ROWS]):
            found = self._classify(row)
            roles = {v for v in found.values() if v is not None}
            if len(found) < 2 or not roles & {"text", "points", "criteria", "?", "section"}:
                continue
            header = [row]
            combined = dict(found)
            if position + 1 < len(rows):
                below = rows[position + 1]
                lower = self._classify(below, fuzzy=False)  # a data row must not pass for a second header row
                numeric = any(_as_number(c) is not None for c in below.cells if c)
                if (
                    lower
                    and not numeric
                    and set(lower) - set(found) | {i for i in lower if below.cells[i] != row.cells[i]}
                ):
                    header.append(below)
                    for index, role in lower.items():
                        combined[index] = role
            return header, self._dedupe(combined, header)
        candidates = [row for row in rows[:HEADER_SCAN_ROWS] if len(_distinct(row.cells)) >= 2]
        if self.forced:
            # The header is the row naming the columns the user mapped (or the first row of several cells).
            names = {header_name(v) for v in self.forced.values() if v}
            named = [r for r in candidates if names & {header_name(c) for c in r.cells if c}]
            chosen = (named or candidates or list(rows[:1]) or [SheetRow(1, ())])[0]
            return [chosen], self._classify(chosen)
        if not candidates:
            self.fail(
                "",
                f"在前 {HEADER_SCAN_ROWS} 行中找不到表头：表头行应包含检查内容、分值、评分标准等列"
                f"（例如 {' / '.join(ROLE_LABELS[r] for r in ('section', 'text', 'method', 'criteria', 'points'))}）",
            )
        row = candidates[0]
        headers = list(row.cells)
        self._unclear(
            row.where,
            f"找不到表头（{' / '.join(ROLE_LABELS[r] for r in ('section', 'text', 'method', 'criteria', 'points'))}"
            f" 等列），无法确定哪一列是“检查内容”：{row.where}的列为 "
            + "、".join(f"{column_letter(i)}列“{h}”" for i, h in enumerate(headers) if h)
            + "；请指定各列的含义（命令行：--columns 检查内容=表头名称,分值=表头名称）",
            rows,
            headers,
        )

    def _dedupe(self, combined: dict[int, str | None], header: list[SheetRow]) -> dict[int, str | None]:
        """One column per role. A merged group header repeats over its columns: the first keeps the role."""
        by_role: dict[str, list[int]] = {}
        for index, role in sorted(combined.items()):
            if role is not None and role != "?":
                by_role.setdefault(role, []).append(index)
        result = dict(combined)
        for role, indexes in by_role.items():
            if len(indexes) < 2:
                continue
            if role == "text":
                standard = [i for i in indexes if "标准" in _header_text(header, i)]
                if standard and "criteria" not in by_role and len(standard) < len(indexes):
                    for index in standard:
                        result[index] = "criteria"
                    continue
            if role == "code":
                # 序号 and 编号 both: 编号 is the code.
                named = [i for i in indexes if header_name(_header_text(header, i)) == "编号"]
                if len(named) == 1:
                    for index in indexes:
                        if index != named[0]:
                            result[index] = None
                    continue
            if self.forced.get(role):
                continue
            names = "、".join(f"{column_letter(i)}列“{_header_text(header, i)}”" for i in indexes)
            self.fail(header[-1].where, f"表头中这些列出现了不止一次，都像是“{ROLE_LABELS[role]}”：{names}")
        return result

    def _decide_ambiguous(self, roles: dict[int, str | None], body: Sequence[SheetRow]) -> dict[int, str | None]:
        result = dict(roles)
        taken = {r for r in roles.values() if r not in (None, "?")}
        for index, role in roles.items():
            if role != "?":
                continue
            if "criteria" in taken and "method" not in taken:
                result[index] = "method"
            elif "method" in taken and "criteria" not in taken:
                result[index] = "criteria"
            else:
                texts = [row.cells[index] for row in body if index < len(row.cells) and row.cells[index]]
                criteria_like = sum(1 for t in texts if _CRITERIA_LIKE.search(t))
                method_like = sum(1 for t in texts if _METHOD_LIKE.search(t) and not _CRITERIA_LIKE.search(t))
                result[index] = "criteria" if criteria_like >= method_like else "method"
            taken.add(result[index] or "")
        return self._apply_forced(result, body)

    def _apply_forced(self, roles: dict[int, str | None], body: Sequence[SheetRow]) -> dict[int, str | None]:
        if not self.forced:
            return roles
        headers = self._last_headers
        result = dict(roles)
        for role, wanted in self.forced.items():
            for index, current in list(result.items()):
                if current == role:
                    result[index] = None
            if not wanted or wanted in ("无", "-"):
                continue
            column = _column_index(wanted, headers)
            if column is None:
                seen = "、".join(f"{column_letter(i)}列“{h}”" for i, h in enumerate(headers) if h)
                self.fail("--columns", f"表格中没有“{wanted}”这一列（看到的列：{seen or '无'}）")
            result[column] = role
        return result

    def _check_roles(self, roles: dict[int, str | None], header: list[SheetRow], rows: Sequence[SheetRow]) -> None:
        present = {r for r in roles.values() if r is not None}
        missing = [ROLE_LABELS[r] for r in ("text",) if r not in present]
        if "points" not in present and "criteria" not in present and not any(r == "critical" for r in present):
            missing.append(ROLE_LABELS["points"])
        if missing:
            seen = [_header_text(header, i) for i in range(max((len(r.cells) for r in header), default=0))]
            self._unclear(
                header[-1].where,
                f"无法确定哪一列是“{'”“'.join(missing)}”：表头的列为 "
                + "、".join(f"{column_letter(i)}列“{h}”" for i, h in enumerate(seen) if h)
                + f"；请指定各列的含义（命令行：--columns {missing[0]}=表头名称）",
                rows,
                seen,
            )

    def _unclear(self, where: str, message: str, rows: Sequence[SheetRow], headers: Sequence[str]) -> NoReturn:
        self.error(where, message)
        preview = [list(row.cells) for row in rows[:12]]
        raise ColumnsUnclearError(self.problems, headers, preview)

    def _title_above(self, rows: Sequence[SheetRow], header_number: int) -> str:
        for row in rows:
            if row.number >= header_number:
                break
            texts = _distinct(row.cells)
            if len(texts) == 1 and not _is_fill_in(texts[0]) and not re.fullmatch(r"附件\s*\d*|附表\s*\d*", texts[0]):
                return texts[0]
        return ""
