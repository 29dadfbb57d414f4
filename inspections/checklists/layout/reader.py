"""SheetReader: a whole sheet's rows into a ChecklistSpec with its scoring rules, key-item kinds and warnings."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import replace

from inspections.checklists.criteria import describe_rule, options_set_name, parse_deduction, parse_options
from inspections.checklists.layout.body import SheetBodyReader
from inspections.checklists.layout.cells import _header_text, _one_line, _plain
from inspections.checklists.layout.columns import ColumnRole, SheetReading, SheetRow, header_name
from inspections.checklists.spec import (
    CHECKLIST_CODE_RE,
    VETO_CONSEQUENCE,
    ChecklistSpec,
    ItemSpec,
    ResponseOption,
    SectionSpec,
)
from inspections.errors import InvalidInputError


class SheetReader(SheetBodyReader):
    """Turns sheet rows into a ChecklistSpec, collecting a Problem for every bad row."""

    def read(
        self, rows: Sequence[SheetRow], *, code: str, title: str | None, default_title: str, version: int
    ) -> SheetReading:
        header_rows, roles = self._header(rows)
        last_header = header_rows[-1]
        width = max((len(row.cells) for row in header_rows), default=0)
        self._last_headers = [_header_text(header_rows, i) for i in range(width)]
        body = [row for row in rows if row.number > last_header.number]
        roles = self._decide_ambiguous(roles, body)
        self._check_roles(roles, header_rows, rows)
        code_column = next((i for i, r in roles.items() if r == "code"), None)
        self._strict_code = code_column is not None and header_name(_header_text(header_rows, code_column)) == "编号"
        found_title = self._title_above(rows, header_rows[0].number)
        final_title = _one_line(title or found_title or default_title)
        if not CHECKLIST_CODE_RE.fullmatch(code):
            self.error("", f"检查表编号“{code}”格式不对：只能由小写字母、数字和连字符“-”组成，以字母或数字开头")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            self.error("", f"版本号必须是大于等于 1 的整数，而不是 {version!r}")
        if not final_title:
            self.error("", "检查表没有标题")
        header_texts = {header_name(row.cells[i]) for row in header_rows for i in range(len(row.cells)) if row.cells[i]}
        sections, notes, marks = self._body(body, roles, header_texts, last_header.where, final_title)
        legend = "\n".join(notes)
        consequences = self._consequences(marks, legend)
        response_sets: dict[str, tuple[ResponseOption, ...]] = {}
        rules: list[tuple[str, str]] = []
        built: list[SectionSpec] = []
        use_codes = self._codes_usable(sections)
        tick_sheet = any(re.search(r"勾选|打√|^√$", header_name(h)) for h in self._last_headers)
        kinds: dict[str, int] = {}
        for section in sections:
            items: list[ItemSpec] = []
            for number, item in enumerate(section.items, start=1):
                mark = marks.get(id(item))
                if mark is not None:
                    item = replace(item, consequence=consequences[mark])
                    kinds[mark] = kinds.get(mark, 0) + 1
                item_code = section.raw_codes[number - 1] if use_codes else f"{section.code}.{number}"
                item = replace(item, code=item_code)
                options = parse_options(item.criteria, item.points) if item.criteria and item.points > 0 else None
                if options is None and tick_sheet and not item.criteria and item.points > 0 and not item.critical:
                    # a tick-all questionnaire (IPCAF style): a ticked box earns the points, nothing in between
                    options = (
                        ResponseOption("pass", "勾选", item.points, "pass"),
                        ResponseOption("fail", "未勾选", 0.0, "fail"),
                    )
                if options is not None:
                    name = options_set_name(options)
                    response_sets[name] = options
                    item = replace(item, response_set=name)
                else:
                    deduction = parse_deduction(item.text, item.criteria, item.points)
                    if deduction is not None:
                        item = replace(item, deduction=deduction)
                described = describe_rule(item, options)
                if described:
                    rules.append((item.code, described))
                items.append(item)
            built.append(SectionSpec(section.code, section.title, tuple(items), section.points, section.weight))
            if section.points is not None:
                total = sum(i.points for i in items)
                if not math.isclose(total, section.points):
                    self.warnings.append(
                        f"“{section.title}”标明 {_plain(section.points)} 分，其中各项分值合计 {_plain(total)} 分；"
                        f"小计以 {_plain(min(total, section.points))} 分为满分，扣完为止"
                    )
        if self.problems:
            raise InvalidInputError(self.problems)
        built = self._complete_weights(built)
        spec = ChecklistSpec(
            code=code,
            version=version,
            title=final_title,
            sections=tuple(built),
            note=legend,
            response_sets=response_sets,
        )
        columns = tuple(
            ColumnRole(index, _header_text(header_rows, index), role) for index, role in sorted(roles.items())
        )
        return SheetReading(
            spec=spec,
            columns=columns,
            header_rows=tuple(row.number for row in header_rows),
            rules=tuple(rules),
            key_kinds=tuple((mark, consequences[mark] or VETO_CONSEQUENCE, count) for mark, count in kinds.items()),
            warnings=tuple(self.warnings),
        )


    def _complete_weights(self, sections: list[SectionSpec]) -> list[SectionSpec]:
        """Weights stated for some sections only: the others would count 1 (that is 100 %) beside 20 % and 30 %. When
        the stated weights leave a remainder it is shared equally by the sections without one; either way the user
        is told which sections had none and what they count."""
        missing = [s for s in sections if s.weight is None and s.items]
        stated = [s.weight for s in sections if s.weight is not None]
        if not stated or not missing:
            return sections
        names = "、".join(f"“{s.title}”" for s in missing)
        total = sum(stated)
        if total >= 1.0 - 1e-9:
            self.warnings.append(
                f"{names}未标明权重，按 1 计（其他分组的权重合计 {_plain(total)}）；"
                "如与评分表不符，请在表格中补全权重后重新导入"
            )
            return sections
        share = round((1.0 - total) / len(missing), 6)
        self.warnings.append(
            f"{names}未标明权重：已按其余分组未占用的权重平均分配，各按 {_plain(round(share * 100, 4))}% 计；"
            "如与评分表不符，请在表格中补全权重后重新导入"
        )
        filled = {id(s) for s in missing}
        return [replace(s, weight=share) if id(s) in filled else s for s in sections]
