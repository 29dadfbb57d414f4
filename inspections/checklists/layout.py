"""Recognizing a published checklist sheet's layout: rows of cell texts → a ChecklistSpec.

The rows come from an Excel sheet, a CSV file or Word tables, with merged cells already filled in (the section merged
down over its rows appears on every row). What is recognized, without any edit to the sheet:

- title rows and fill-in lines ("单位名称：____") above the header; the first of them is the checklist's title;
- one or two header rows (a merged group header over sub-columns), the header names commissions use (HEADER_NAMES),
  columns the inspector fills in by hand (IGNORED_NAMES) and unknown columns, which are ignored;
- 评价方法, which is the method in some sheets and the scoring rule in others, decided by the column's content;
- sections as a column (merged down) or as a title row of their own, with their points: "综合管理(5分)";
- key-item markers (★ ☆ ▲ * 一票否决 否决项 （否决）) in any column; a key item may have no points; two kinds in one
  sheet each get their own consequence, from the legend (说明) when it says, else KEY_DEFAULTS;
- 合计 / 总分 rows, repeated header rows (a Word table continued over pages), signature and date lines (skipped), and
  the legend (说明 / 注 / 备注 …), which becomes the checklist's note;
- scoring rules in the criteria (inspections.checklists.criteria): option sets, per-occurrence deductions, sub-items.

Where it cannot tell which column is which, ColumnsUnclearError names the columns it saw; the caller asks the user and
passes ``columns`` (role name → header text, column letter or number), the same as ``--columns`` on the command line.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import NoReturn

from inspections.checklists.criteria import describe_rule, options_set_name, parse_deduction, parse_options
from inspections.checklists.spec import (
    CHECKLIST_CODE_RE,
    ITEM_CODE_RE,
    MAX_WEIGHT,
    VETO_CONSEQUENCE,
    ChecklistSpec,
    ItemSpec,
    ResponseOption,
    SectionSpec,
    normalize_method,
)
from inspections.errors import InvalidInputError, Problem

HEADER_SCAN_ROWS = 20
MAX_ITEM_ROWS = 3000

# role → the header names that mean it. The first name is how the role is called in messages and in --columns.
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "section": (
        "检查项目",
        "项目",
        "评审项目",
        "考核项目",
        "类别",
        "一级指标",
        "项目名称",
        "检查类别",
        "评价项目",
        "督查项目",
        "督导项目",
        "检查环节",
        "环节",
        "部分",
        "组成部分",
    ),
    "text": (
        "检查内容",
        "内容",
        "监督检查内容",
        "评审要求",
        "考核内容",
        "检查标准",
        "二级指标",
        "评价要点",
        "检查要点",
        "考核要点",
        "具体内容",
        "检查要求",
        "评价内容",
        "督查内容",
        "督导内容",
        "评价指标",
        "问题",
        "条目",
        "要求",
        "基本要求",
        "标准要求",
        "评审标准",
        "评价标准",
    ),
    "method": ("检查方法", "方法", "考核方法", "查证方法", "检查方式", "评价方式", "考核方式", "督查方法"),
    "criteria": (
        "评分标准",
        "标准",
        "评分细则",
        "扣分标准",
        "计分方法",
        "评分方法",
        "扣分细则",
        "评分办法",
        "扣分办法",
        "评分说明",
        "计分标准",
        "评分要求",
    ),
    "points": ("分值", "标准分", "应得分", "计分", "分数", "满分", "标准分值", "赋分", "权重分"),
    "code": ("编号", "序号", "条款", "条款号", "代码"),
    "critical": ("否决项", "是否否决项", "关键项", "核心条款", "否决"),
    "remedy": ("整改要求", "整改建议", "整改措施"),
}
# 评价方法: method or criteria, decided by the column's content.
AMBIGUOUS_NAMES: dict[str, tuple[str, ...]] = {"评价方法": ("method", "criteria")}
IGNORED_NAMES = (
    "得分",
    "扣分",
    "扣分原因",
    "扣分理由",
    "合计",
    "备注",
    "实得分",
    "检查结果",
    "存在问题",
    "扣分说明",
    "自评得分",
    "自查得分",
    "评分",
    "检查情况",
    "检查记录",
    "结果",
    "小计",
    "得分率",
    "问题描述",
    "评价结果",
    "是否符合",
    "符合",
    "不符合",
    "部分符合",
    "不适用",
    "查证记录",
    "扣分情况",
    "得分情况",
    "勾选",
    "打√",
    "检查得分",
    "考核得分",
    "实际得分",
    "是",
    "否",
    "评价",
    "记录",
    "说明",
)
ROLE_LABELS = {role: names[0] for role, names in HEADER_NAMES.items()}

# A key item's consequence when the legend does not say: with one kind in the sheet, failing it fails the checklist;
# with two, ☆ / △ mark the lesser kind, reported as 重点监督 (the usual second outcome on commission sheets).
KEY_DEFAULTS = {
    "★": VETO_CONSEQUENCE,
    "▲": VETO_CONSEQUENCE,
    "◆": VETO_CONSEQUENCE,
    "*": VETO_CONSEQUENCE,
    "否决": VETO_CONSEQUENCE,
    "☆": "重点监督",
    "△": "重点监督",
}
_KEY_SYMBOLS = "★☆▲△◆*＊"
_KEY_WORDS = re.compile(r"[（(【\[]?\s*(?:一票否决项?|否决项|否决)\s*[)）】\]]?")
_CONSEQUENCE_WORDS = ("一票否决", "否决", "不合格", "重点监督", "限期整改", "通报批评", "约谈", "黄牌警告", "降级")
_TOTAL_WORDS = ("合计", "总计", "总分", "小计", "得分合计", "实得分", "最后得分", "总得分")
_LEGEND_PREFIXES = (
    "说明",
    "注：",
    "注:",
    "注 ",
    "备注",
    "评分说明",
    "填表说明",
    "附注",
    "评分原则",
    "计分说明",
    "注意",
)
_SIGNATURE_WORDS = (
    "检查人",
    "检查者",
    "督导人员",
    "督导专家",
    "检查专家",
    "考核人",
    "评审人",
    "签名",
    "签字",
    "检查日期",
    "考核日期",
    "日期：",
    "日期:",
    "被检查单位",
    "被检查科室",
    "单位负责人",
    "陪同人员",
    "受检单位",
    "单位名称",
    "医院名称",
    "检查组",
    "联系电话",
)
_SECTION_POINTS = re.compile(r"\s*[（(]\s*(?:共|计|满分)?\s*(\d+(?:\.\d+)?)\s*分\s*[)）]\s*$")
_SECTION_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十\d]+(?:部分|章|节)|[（(][一二三四五六七八九十]+[)）]|[A-Z][.、]|核心部分\s*\d+)"
)
_SPACES = re.compile(r"\s+")
_TRAILING_BRACKET = re.compile(r"[（(][^（()）]*[)）]$")
_CRITICAL_YES = {"是", "√", "✓", "✔", "☑", "否决", "否决项", "一票否决", "y", "yes", "true", "1"}
_CRITICAL_NO = {"", "否", "×", "✗", "x", "n", "no", "false", "0", "-", "—", "/", "无"}
_CRITERIA_LIKE = re.compile(r"扣|不得分|得\s*\d|\d\s*分|是\s*\d|否\s*\d|全扣|计分")
_METHOD_LIKE = re.compile(r"查看|查阅|询问|现场|抽查|访谈|提问|操作|核查|检查资料|考核")


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


class SheetReader:
    """Turns sheet rows into a ChecklistSpec, collecting a Problem for every bad row."""

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

    # --- the whole sheet -------------------------------------------------------------------------------------------

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

    # --- the header ------------------------------------------------------------------------------------------------

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

    # --- the body --------------------------------------------------------------------------------------------------

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


# Wordings seen in commission sheets for the five methods of the checklist format.
METHOD_ALIASES = {
    "查看现场": "现场查看",
    "现场检查": "现场查看",
    "实地查看": "现场查看",
    "查看": "现场查看",
    "查看资料": "查阅资料",
    "资料查阅": "查阅资料",
    "查资料": "查阅资料",
    "查阅记录": "查阅资料",
    "查阅": "查阅资料",
    "查阅文件": "查阅资料",
    "现场询问": "询问",
    "提问": "询问",
    "访谈": "询问",
    "现场操作": "实操",
    "实际操作": "实操",
    "操作": "实操",
    "现场抽查": "抽查",
    "随机抽查": "抽查",
    "观察": "现场查看",
    "现场观察": "现场查看",
    "问询": "询问",
    "核查": "查阅资料",
    "查记录": "查阅资料",
}


def _legend_label(kind: str, legend: str) -> str | None:
    """The consequence the legend gives a marker: "★为否决项，不符合判定为不合格" → 不合格."""
    if not legend:
        return None
    if kind == "否决":
        return VETO_CONSEQUENCE
    for sentence in re.split(r"[。；;\n]", unicodedata.normalize("NFKC", legend)):
        position = sentence.find(kind)
        if position < 0:
            continue
        rest = sentence[position + 1 :]
        # stop at the next marker: "★为否决项，☆为重点项" — ☆'s words are not ★'s
        cut = min((rest.find(s) for s in _KEY_SYMBOLS if s != kind and rest.find(s) >= 0), default=len(rest))
        rest = rest[:cut]
        found = [(rest.find(w), w) for w in _CONSEQUENCE_WORDS if w in rest]
        if not found:
            continue
        # the last consequence named ("…为否决项，不符合判定为不合格"); 否决 means the default
        word = max(found)[1]
        if word in ("一票否决", "否决"):
            return VETO_CONSEQUENCE
        return word
    return None


def _one_line(text: str) -> str:
    """A title as one line: a cell's line breaks ("预检分诊\n（10分）") are layout, not content."""
    return re.sub(r"\s*\n\s*", "", text).strip()


def _split_points(title: str) -> tuple[str, float | None]:
    """ "综合管理(5分)" → ("综合管理", 5.0); a title without points → (title, None)."""
    title = _one_line(title)
    match = _SECTION_POINTS.search(title)
    if match is None:
        return title.strip(), None
    value = float(match.group(1))
    return title[: match.start()].strip() or title.strip(), (value if value > 0 else None)


_SECTION_WEIGHT = re.compile(r"\s*[（(]\s*权重\s*[:：]?\s*(\d+(?:[.．]\d+)?)\s*([%％]?)\s*[)）]")


def _split_weight(title: str) -> tuple[str, float | None]:
    """ "综合管理（权重20%）" → ("综合管理", 0.2), "（权重0.2）" the same; points stay ("（5分）（权重20%）")."""
    match = _SECTION_WEIGHT.search(title)
    value = float(unicodedata.normalize("NFKC", match.group(1))) / (100 if match.group(2) else 1) if match else 0.0
    if match is None or not 0 < value <= MAX_WEIGHT:
        return title, None
    return (title[: match.start()] + title[match.end() :]).strip() or title, value


def _strip_marks(text: str) -> str:
    value = text.strip().lstrip("□☐").strip()
    value = re.sub(r"^[★☆▲△◆*＊]+\s*", "", value)
    value = re.sub(r"\s*[★☆▲△◆*＊]+$", "", value)
    value = re.sub(r"\s*[（(【]\s*(?:一票否决项?|否决项?)\s*[)）】]\s*", "", value)
    return value.strip()


def _as_number(text: str) -> float | None:
    cleaned = unicodedata.normalize("NFKC", text).strip().removesuffix("分").strip()
    if not re.fullmatch(r"\d+(?:\.\d+)?", cleaned):
        return None
    return float(cleaned)


def _distinct(cells: Sequence[str]) -> list[str]:
    """The non-empty texts of a row, each once (a merged cell fills its whole range with one text)."""
    return list(dict.fromkeys(c.strip() for c in cells if c and c.strip()))


_QUESTION = re.compile(r"(?:可多选|多选|以下|下列)[)）]?\s*[：:]?\s*$|[：:]\s*$")
_QUESTION_END = re.compile(r"\s*[（(]?\s*(?:可多选|多选)\s*[)）]?\s*[：:]?\s*$|\s*[：:]\s*$")


def _looks_like_code(text: str) -> bool:
    return bool(ITEM_CODE_RE.fullmatch(text)) or bool(re.fullmatch(r"[\d.、（()）]+", text))


def _is_fill_in(text: str) -> bool:
    compact = _SPACES.sub("", text)
    labelled = "：" in compact or ":" in compact  # "检查人：", "医院等级：三级□二级□"
    return (
        (compact.startswith(_SIGNATURE_WORDS) and labelled)
        or "____" in compact
        or ("□" in compact and labelled)
        or bool(re.match(r"^[^：:]{1,10}[：:]\s*$", compact))
    )


def _header_text(header: Sequence[SheetRow], index: int) -> str:
    """The header text of a column: the lower header row's name where it has one, else the upper's."""
    for row in reversed(header):
        if index < len(row.cells) and row.cells[index].strip():
            return _SPACES.sub("", row.cells[index])
    return ""


def _column_index(wanted: str, headers: Sequence[str]) -> int | None:
    """A column named by its header text, its letter (D) or its number (4)."""
    name = header_name(wanted)
    for index, header in enumerate(headers):
        if header and header_name(header) == name:
            return index
    if re.fullmatch(r"[A-Za-z]{1,2}", wanted):
        value = 0
        for char in wanted.upper():
            value = value * 26 + ord(char) - 64
        return value - 1
    if re.fullmatch(r"\d{1,3}", wanted) and int(wanted) >= 1:
        return int(wanted) - 1
    return None


def _plain(value: float) -> str:
    return f"{value:g}"


# Stands in for a bad row so later rows keep their generated codes (S1.3 stays S1.3); never returned.
_PLACEHOLDER = ItemSpec(code="", text="", method="", criteria="", points=1.0)


def sheet_preview_lines(reading: SheetReading) -> list[str]:
    """What the recognizer read, in words, for the user to confirm before importing (the CLI and the window)."""
    spec = reading.spec
    lines = [
        f"检查表：{spec.title}（编号 {spec.code}）",
        f"表头：第 {'、'.join(str(n) for n in reading.header_rows)} 行",
    ]
    lines.append(
        "各列："
        + "；".join(
            f"{column_letter(c.index)}列“{c.header or '（无表头）'}” → {ROLE_LABELS[c.role] if c.role else '不导入'}"
            for c in reading.columns
        )
    )
    items = spec.items()
    total = sum(i.points for i in items)
    lines.append(f"共 {len(spec.sections)} 个分组、{len(items)} 项，分值合计 {_plain(total)} 分")
    for section in spec.sections:
        stated = f"（标明 {_plain(section.points)} 分）" if section.points is not None else ""
        points = sum(i.points for i in section.items)
        lines.append(f"  {section.title}{stated}：{len(section.items)} 项，{_plain(points)} 分")
    for mark, consequence, count in reading.key_kinds:
        lines.append(f"关键项“{mark}”{count} 项：不符合时 → {consequence}")
    if reading.rules:
        lines.append("读出的计分规则（来自评分标准或勾选列）：")
        lines.extend(f"  {code}：{text}" for code, text in reading.rules)
    lines.extend(f"注意：{warning}" for warning in reading.warnings)
    return lines
