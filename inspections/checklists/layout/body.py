"""Reading the rows below the header into sections and items: key marks, points, codes, legends and totals."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from inspections.checklists.layout.cells import (
    _as_number,
    _distinct,
    _is_fill_in,
    _legend_label,
    _looks_like_code,
    _plain,
    _split_points,
    _split_weight,
    _strip_marks,
)
from inspections.checklists.layout.columns import SheetRow, header_name
from inspections.checklists.layout.header import SheetHeaderReader
from inspections.checklists.layout.vocabulary import (
    _CRITICAL_NO,
    _CRITICAL_YES,
    _KEY_SYMBOLS,
    _KEY_WORDS,
    _LEGEND_PREFIXES,
    _QUESTION,
    _QUESTION_END,
    _SECTION_NUMBERING,
    _SECTION_POINTS,
    _SPACES,
    _TOTAL_WORDS,
    KEY_DEFAULTS,
    MAX_ITEM_ROWS,
    METHOD_ALIASES,
)
from inspections.checklists.spec import (
    ITEM_CODE_RE,
    VETO_CONSEQUENCE,
    ItemSpec,
    normalize_method,
)


@dataclass
class _Section:
    code: str
    title: str
    where: str
    points: float | None
    items: list[ItemSpec] = field(default_factory=list)
    raw_codes: list[str] = field(default_factory=list)
    wheres: list[str] = field(default_factory=list)
    weight: float | None = None  # "（权重20%）" in the title


class SheetBodyReader(SheetHeaderReader):
    """The rows below the header: sections, items, key marks, points, codes and the consequences of key items."""

    def _body(
        self,
        body: Sequence[SheetRow],
        roles: dict[int, str | None],
        header_texts: set[str],
        header_where: str,
        checklist_title: str,
    ) -> tuple[list[_Section], list[str], dict[int, str]]:
        col = {role: index for index, role in roles.items() if role is not None}
        used = sorted(index for index, role in roles.items() if role is not None)
        sections: list[_Section] = []
        notes: list[str] = []
        marks: dict[int, str] = {}
        in_legend = False
        item_rows = 0
        question = question_code = ""

        def cell(row: SheetRow, role: str) -> str:
            index = col.get(role)
            return row.cells[index].strip() if index is not None and index < len(row.cells) else ""

        for row in body:
            all_texts = _distinct(row.cells)
            if not all_texts:
                continue
            texts = _distinct([row.cells[i] if i < len(row.cells) and i != col.get("code") else "" for i in used])
            first = all_texts[0]
            compact = _SPACES.sub("", first)
            if sum(1 for c in row.cells if c and header_name(c) in header_texts) >= 2:
                continue  # the header repeated (a table continued on the next page)
            if _is_fill_in(first) and _as_number(cell(row, "points")) is None and not cell(row, "criteria"):
                continue  # signature and date lines, "被检查科室：____"
            if in_legend and len(all_texts) == 1 and not cell(row, "points"):
                notes.append(first)
                continue
            if compact.startswith(_LEGEND_PREFIXES) and len(all_texts) <= 2 and not _as_number(cell(row, "points")):
                notes.append("".join(all_texts) if len(all_texts) == 1 else "：".join(all_texts))
                in_legend = True
                continue
            if compact.startswith(_TOTAL_WORDS) and not cell(row, "criteria") and not cell(row, "method"):
                continue
            if re.match(r"^[★☆▲△◆*＊]\s*(?:为|表示|代表|：|:|是)", compact) and len(all_texts) == 1:
                notes.append(first)
                in_legend = True
                continue
            section_text = cell(row, "section")
            text = cell(row, "text")
            points_text = cell(row, "points")
            has_item_data = any(cell(row, r) for r in ("method", "criteria", "critical", "remedy")) or bool(points_text)
            key_mark = self._key_mark(row, col)
            stated = _as_number(points_text)
            numbered = bool(re.match(r"[一二三四五六七八九十]+、|第[一二三四五六七八九十\d]+部分", text)) or bool(
                re.fullmatch(r"[一二三四五六七八九十]+、?", cell(row, "code"))
            )
            if (
                (not text or numbered)
                and stated is not None
                and not any(cell(row, r) for r in ("method", "criteria", "critical", "remedy"))
                and key_mark is None
            ):
                # a section title row with its points in the 分值 column: "一、预检分诊 | | 20", "一 | 预检分诊 | 20"
                others = [t for t in texts if t != points_text and not _looks_like_code(t)]
                title = text or section_text or (others[0] if len(others) == 1 else "")
                if title:
                    if _SECTION_POINTS.search(title) is None and stated > 0:
                        title = f"{title}（{_plain(stated)}分）"
                    self._start_section(sections, title, row)
                    question = ""
                    continue
            if not text and not has_item_data:
                # a section named on its own row (or merged across it); a row holding only a 序号 is skipped
                lone = all_texts[0] if len(all_texts) == 1 else ""
                title = section_text or (lone if texts or not _looks_like_code(lone) else "")
                if title:
                    self._start_section(sections, title, row)
                    question = ""
                continue
            if text and not has_item_data and key_mark is None and _QUESTION.search(text):
                # "感控团队成员包括（可多选）：" heads the options below it (□ 专职感控医生 …)
                question = _QUESTION_END.sub("", text)
                question_code = cell(row, "code")
                continue
            if question and not (
                text.startswith(("□", "☐")) or (question_code and cell(row, "code").startswith(question_code + "."))
            ):
                question = ""
            if (
                text
                and not has_item_data
                and key_mark is None
                and len(texts) == 1
                and ("section" not in col or _SECTION_NUMBERING.match(text) or _SECTION_POINTS.search(text))
            ):
                self._start_section(sections, text, row)  # a section title row in the text column
                continue
            if section_text:
                title, _ = _split_points(_split_weight(section_text)[0])
                if not sections or sections[-1].title != title:
                    self._start_section(sections, section_text, row)
                    question = ""
            item_rows += 1
            if item_rows > MAX_ITEM_ROWS:
                self.fail(row.where, f"检查内容太多（上限 {MAX_ITEM_ROWS} 行）")
            if not sections:
                if "section" in col:
                    self.error(row.where, "检查项目为空，上面也没有可以沿用的检查项目（请填写这一行所属的检查项目）")
                    continue
                sections.append(_Section("S1", checklist_title or "检查内容", row.where, None))
            section = sections[-1]
            item = self._item(row, cell, key_mark, "points" in col)
            if item is not None and question:
                item = replace(item, text=f"{question}：{item.text}")
            section.raw_codes.append(cell(row, "code"))
            section.wheres.append(row.where)
            if item is None:
                section.items.append(_PLACEHOLDER)
                continue
            section.items.append(item)
            if key_mark is not None:
                marks[id(item)] = key_mark
        if not sections and not self.problems:
            self.error(header_where, "表头下面没有任何检查内容")
        for section in sections:
            if not section.items and not any(p.location == section.where for p in self.problems):
                self.error(section.where, f"检查项目“{section.title}”下面没有任何检查内容")
        return sections, notes, marks

    def _start_section(self, sections: list[_Section], title_text: str, row: SheetRow) -> None:
        title_text, weight = _split_weight(title_text)
        title, points = _split_points(title_text)
        sections.append(_Section(f"S{len(sections) + 1}", title, row.where, points, weight=weight))

    def _key_mark(self, row: SheetRow, col: dict[str, int]) -> str | None:
        for role in ("critical", "points", "text", "criteria", "code", "section", "method"):
            index = col.get(role)
            if index is None or index >= len(row.cells):
                continue
            value = unicodedata.normalize("NFKC", row.cells[index]).strip()
            if not value:
                continue
            if role == "section":
                continue  # a section's marker is not an item's
            if role == "critical":
                if value.lower() in _CRITICAL_YES:
                    return "否决" if value in ("否决", "否决项", "一票否决") else "★"
                symbol = value[:1]
                if symbol in _KEY_SYMBOLS:
                    return "*" if symbol in "*＊" else symbol
                continue
            if value[:1] in _KEY_SYMBOLS or value[-1:] in _KEY_SYMBOLS:
                symbol = value[:1] if value[:1] in _KEY_SYMBOLS else value[-1:]
                if symbol in "*＊" and role not in ("points", "code", "text"):
                    continue
                return "*" if symbol in "*＊" else symbol
            if (
                role in ("text", "points", "criteria")
                and _KEY_WORDS.search(value)
                and (role != "criteria" or re.search(r"一票否决|否决项", value))
            ):
                return "否决"
        return None

    def _item(
        self, row: SheetRow, cell: Callable[[SheetRow, str], str], key_mark: str | None, has_points_column: bool
    ) -> ItemSpec | None:
        ok = True
        text = _strip_marks(cell(row, "text"))
        if not text:
            self.error(row.where, "检查内容为空")
            ok = False
        method_text = cell(row, "method")
        method = ""
        if method_text:
            normalized, unknown = normalize_method(method_text, METHOD_ALIASES)
            if normalized is None:
                self.error(
                    row.where,
                    f"检查方法“{'、'.join(unknown) or method_text}”无法识别：应为 现场查看、查阅资料、询问、实操、抽查 "
                    "之一或几种，或一句说明（如“查阅近3个月记录”）",
                )
                ok = False
            method = normalized or ""
        criteria = cell(row, "criteria")
        criteria = (
            _KEY_WORDS.sub("", criteria).strip()
            if re.fullmatch(r"\s*[（(【]?(?:一票否决项?|否决项?)[)）】]?\s*", criteria)
            else criteria
        )
        points = self._points(row, cell(row, "points"), key_mark, has_points_column)
        critical_text = cell(row, "critical")
        critical = key_mark is not None
        if critical_text and not critical:
            mark = unicodedata.normalize("NFKC", critical_text).strip().lower()
            if mark not in _CRITICAL_NO:
                self.error(row.where, f"否决项只能填 是 / 否 / √ / ★ 或留空，而这里是“{critical_text}”")
                ok = False
        code = cell(row, "code")
        if code and self._strict_code and not ITEM_CODE_RE.fullmatch(code):
            self.error(
                row.where, f"编号“{code}”格式不对：只能由英文字母、数字和 . _ - 组成，以字母或数字开头，最多 32 个字符"
            )
            ok = False
        if not ok or points is None:
            return None
        return ItemSpec(
            code="",
            text=text,
            method=method,
            criteria=criteria,
            points=points,
            critical=critical,
            remedy=cell(row, "remedy"),
        )

    def _points(self, row: SheetRow, text: str, key_mark: str | None, has_column: bool) -> float | None:
        if not has_column:
            return 0.0 if key_mark is not None else 1.0
        cleaned = _strip_marks(_KEY_WORDS.sub("", unicodedata.normalize("NFKC", text))).replace(" ", "")
        if not cleaned and key_mark is not None:
            return 0.0
        value = _as_number(cleaned)
        if value is None or not math.isfinite(value) or value <= 0:
            shown = f"“{text}”" if text else "空"
            self.error(row.where, f"分值应为大于 0 的数字（否决项可以不填），而这里是{shown}")
            return None
        return value + 0.0

    def _codes_usable(self, sections: list[_Section]) -> bool:
        """The sheet's own 序号 / 编号 become item codes when every item has one, valid and unique."""
        codes = [c for s in sections for c in s.raw_codes]
        if self._strict_code:
            self._check_strict_codes(sections)
            return True
        # Plain running numbers (1, 2, 3 …) say nothing the generated S1.1 codes do not: only codes such as 1.1 or A3.
        return (
            bool(codes)
            and all(ITEM_CODE_RE.fullmatch(c) for c in codes)
            and len(set(codes)) == len(codes)
            and not all(c.isdigit() for c in codes)
        )

    def _check_strict_codes(self, sections: list[_Section]) -> None:
        seen: dict[str, str] = {}
        for section in sections:
            for number, code in enumerate(section.raw_codes, start=1):
                if not code:
                    section.raw_codes[number - 1] = f"{section.code}.{number}"
        for section in sections:
            for code, where in zip(section.raw_codes, section.wheres, strict=True):
                if not ITEM_CODE_RE.fullmatch(code):
                    continue
                if code in seen:
                    self.error(where, f"编号 {code} 重复（{seen[code]}已经使用）")
                else:
                    seen[code] = where

    def _consequences(self, marks: dict[int, str], legend: str) -> dict[str, str]:
        kinds = list(dict.fromkeys(marks.values()))
        result: dict[str, str] = {}
        for kind in kinds:
            label = _legend_label(kind, legend)
            if label is None:
                label = VETO_CONSEQUENCE if len(kinds) == 1 else KEY_DEFAULTS.get(kind, VETO_CONSEQUENCE)
            result[kind] = "" if label == VETO_CONSEQUENCE else label
        for kind in list(marks.values()):
            result.setdefault(kind, "")
        return result


# Stands in for a bad row so later rows keep their generated codes (S1.3 stays S1.3); never returned.
_PLACEHOLDER = ItemSpec(code="", text="", method="", criteria="", points=1.0)
