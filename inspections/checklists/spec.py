"""A checklist as plain, immutable data: what a YAML or Excel file describes and what scoring reads."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

ScoringBasis = Literal["percent", "points"]
EvidenceRule = Literal["none", "photo-on-fail", "photo-always"]
Outcome = Literal["pass", "partial", "fail", "na", "not_checked"]

METHODS = ("现场查看", "查阅资料", "询问", "实操", "抽查")
LEVELS = (0, 1, 2, 3)  # 0 = 未定级, 1 = 一级, 2 = 二级, 3 = 三级

# The default response set: code → (label, outcome). Points follow from the outcome:
# pass = full points, partial = points × partial_ratio, fail = 0, na / not_checked leave the denominator.
DEFAULT_RESPONSES: dict[str, tuple[str, Outcome]] = {
    "pass": ("符合", "pass"),
    "partial": ("部分符合", "partial"),
    "fail": ("不符合", "fail"),
    "na": ("不适用", "na"),
    "not_checked": ("未检查", "not_checked"),
}


@dataclass(frozen=True)
class GradeBand:
    """A grade: a score at or above ``min`` earns ``label``."""

    min: float
    label: str


@dataclass(frozen=True)
class ScoringRule:
    """How a checklist is scored and graded."""

    basis: ScoringBasis = "percent"
    partial_ratio: float = 0.5
    grades: tuple[GradeBand, ...] = (
        GradeBand(90, "优秀"),
        GradeBand(80, "良好"),
        GradeBand(60, "合格"),
        GradeBand(0, "不合格"),
    )
    weight: float = 1.0  # this checklist's weight when an inspection's overall rule is "weighted"


@dataclass(frozen=True)
class ResponseOption:
    """One option of a custom response set, with its own points and the outcome it stands for."""

    code: str
    label: str
    points: float | None  # None only for na / not_checked, which leave the denominator
    outcome: Outcome


@dataclass(frozen=True)
class Applicability:
    """Which institutions a checklist applies to; None means no condition."""

    has_fever_clinic: bool | None = None
    levels: tuple[int, ...] | None = None
    categories: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Deduction:
    """Points taken off per occurrence ("每发现一处扣2分") or per failed sub-item ("一项不符合扣2分").

    With ``subitems`` the inspector judges each sub-requirement and every failed one costs ``per`` points (or its own
    amount from ``exceptions``: sub-item number from 1 → points); without, the inspector enters how many occurrences
    were found. Never more than ``cap`` (None: the item's points, "扣完为止") is taken off, so an item never goes
    below zero.
    """

    per: float
    cap: float | None = None
    unit: str = "处"
    subitems: tuple[str, ...] = ()
    exceptions: tuple[tuple[int, float], ...] = ()


VETO_CONSEQUENCE = "不合格"
"""The consequence of a key item that has none of its own: failing it fails the checklist (否决)."""


@dataclass(frozen=True)
class ItemSpec:
    """A checklist item. ``code`` is stable across versions of the checklist."""

    code: str
    text: str
    method: str
    criteria: str
    points: float
    critical: bool = False
    remedy: str = ""
    evidence: EvidenceRule = "none"
    response_set: str | None = None  # None: the default response set
    # For a critical (key) item: what failing it means. "" or 不合格: the checklist fails (否决); any other label
    # (重点监督, for example) is reported as the result without changing the score.
    consequence: str = ""
    deduction: Deduction | None = None

    @property
    def vetoes(self) -> bool:
        """Failing this item fails the whole checklist."""
        return self.critical and self.consequence in ("", VETO_CONSEQUENCE)


@dataclass(frozen=True)
class SectionSpec:
    """A section of a checklist: a titled group of items.

    ``points``: the section's own points when the sheet states them ("综合管理(5分)"): the subtotal's maximum, never
    more than its items' and never below zero ("本项分值扣完为止").
    ``weight``: the section's weight when the sheet weighs its sections ("综合管理（权重20%）"): the checklist's percent
    is then the weighted mean of its sections' percents, a section without a weight counting 1. Percent basis only.
    """

    code: str
    title: str
    items: tuple[ItemSpec, ...]
    points: float | None = None
    weight: float | None = None


@dataclass(frozen=True)
class ChecklistSpec:
    """One version of a checklist template."""

    code: str
    version: int
    title: str
    sections: tuple[SectionSpec, ...]
    effective_from: date | None = None
    effective_to: date | None = None
    basis: tuple[str, ...] = ()
    note: str = ""
    applies_to: Applicability = field(default_factory=Applicability)
    scoring: ScoringRule = field(default_factory=ScoringRule)
    response_sets: dict[str, tuple[ResponseOption, ...]] = field(default_factory=dict)

    def items(self) -> list[ItemSpec]:
        """Every item, in order."""
        return [item for section in self.sections for item in section.items]

    def content_hash(self) -> str:
        """sha256 of everything but the version number: equal hashes mean the same checklist content."""
        data = asdict(self)
        data.pop("version")
        if data["scoring"].get("weight") == 1.0:
            data["scoring"].pop("weight")
        # Fields added later are left out at their defaults, so checklists stored before keep their hashes.
        for section in data["sections"]:
            if section.get("points") is None:
                section.pop("points", None)
            if section.get("weight") is None:
                section.pop("weight", None)
            for item in section["items"]:
                if not item.get("consequence"):
                    item.pop("consequence", None)
                if item.get("deduction") is None:
                    item.pop("deduction", None)
        text = json.dumps(_numbers_as_floats(data), ensure_ascii=False, sort_keys=True, default=_json_default)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _numbers_as_floats(value: Any) -> Any:
    """5 and 5.0 are the same points whether they came from a file or from the database."""
    if isinstance(value, dict):
        return {k: _numbers_as_floats(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_numbers_as_floats(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {value!r}")


# --- limits on what a file may say ----------------------------------------------------------------------------------

MAX_POINTS = 1000.0
"""An item (or a response option, or a grade band) is worth at most this many points: real checklists use 1–100;
a hostile 1e308 would break the arithmetic of every score."""
POINTS_BASIS_WEIGHTS = (
    "按总分计分（scoring.basis: points）的检查表不能给分组设权重（weight）：权重只用于按得分率计分的检查表"
)
MAX_WEIGHT = 1000.0
"""A checklist's or a section's weight is more than 0 and at most this."""
MAX_TITLE_CHARS = 200
"""Checklist and section titles, response labels, grade labels, method texts."""
MAX_TEXT_CHARS = 2000
"""An item's text, criteria and remedy; each entry of ``basis``; the note."""
MAX_BASIS_ENTRIES = 50
MAX_CATEGORIES = 100
MAX_GRADES = 20
_LINE_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_TEXT_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def limit_problems(spec: ChecklistSpec) -> list[str]:
    """What in ``spec`` exceeds the limits above, or holds control characters (a title must be one line; a text may
    have line breaks but no terminal escapes or bidirectional overrides); [] when nothing does."""
    problems: list[str] = []

    def line(value: str, what: str, limit: int = MAX_TITLE_CHARS) -> None:
        if len(value) > limit:
            problems.append(f"{what}太长（{len(value)} 个字，上限 {limit} 个）")
        if _LINE_CONTROL.search(value):
            problems.append(f"{what}含有换行或控制字符")

    def text(value: str, what: str) -> None:
        if len(value) > MAX_TEXT_CHARS:
            problems.append(f"{what}太长（{len(value)} 个字，上限 {MAX_TEXT_CHARS} 个）")
        if _TEXT_CONTROL.search(value):
            problems.append(f"{what}含有控制字符")

    def points(value: float | None, what: str) -> None:
        if value is not None and not 0 <= value <= MAX_POINTS:
            problems.append(f"{what}是 {value:g}，超出 0–{MAX_POINTS:g} 分的范围")

    line(spec.title, "检查表标题（title）")
    text(spec.note, "说明（note）")
    if len(spec.basis) > MAX_BASIS_ENTRIES:
        problems.append(f"依据（basis）太多（{len(spec.basis)} 条，上限 {MAX_BASIS_ENTRIES} 条）")
    for n, entry in enumerate(spec.basis[:MAX_BASIS_ENTRIES], 1):
        text(entry, f"依据（basis）第 {n} 条")
    for category in (spec.applies_to.categories or ())[:MAX_CATEGORIES]:
        line(category, "适用机构类别")
    if len(spec.applies_to.categories or ()) > MAX_CATEGORIES:
        problems.append(f"适用机构类别太多（上限 {MAX_CATEGORIES} 个）")
    if len(spec.scoring.grades) > MAX_GRADES:
        problems.append(f"等级（grades）太多（{len(spec.scoring.grades)} 个，上限 {MAX_GRADES} 个）")
    for band in spec.scoring.grades[:MAX_GRADES]:
        line(band.label, "等级名称")
        points(band.min, f"等级「{band.label[:20]}」的分数线")
    for name, options in spec.response_sets.items():
        for option in options:
            line(option.label, f"选项集 {name} 中选项 {option.code} 的名称")
            points(option.points, f"选项集 {name} 中选项 {option.code} 的分值")
    if spec.scoring.basis == "points" and any(section.weight is not None for section in spec.sections):
        problems.append(POINTS_BASIS_WEIGHTS)
    for section in spec.sections:
        line(section.title, f"分组 {section.code} 的标题")
        if section.weight is not None and not 0 < section.weight <= MAX_WEIGHT:
            problems.append(f"分组 {section.code} 的权重是 {section.weight:g}，应大于 0 且不超过 {MAX_WEIGHT:g}")
        for item in section.items:
            text(item.text, f"检查项 {item.code} 的内容（text）")
            text(item.criteria, f"检查项 {item.code} 的评分标准（criteria）")
            text(item.remedy, f"检查项 {item.code} 的整改要求（remedy）")
            line(item.method, f"检查项 {item.code} 的检查方法（method）")
            points(item.points, f"检查项 {item.code} 的分值（points）")
        if len(problems) > 1000:
            break
    return problems


# --- small shared helpers for the file formats (YAML, Excel) -------------------------------------------------------

CHECKLIST_CODE_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
"""A checklist code: lower-case letters, digits and hyphens, starting with a letter or digit (full match)."""

ITEM_CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
"""A section or item code: ASCII letters, digits, '.', '_' and '-', starting with a letter or digit (full match)."""

OUTCOMES: tuple[Outcome, ...] = ("pass", "partial", "fail", "na", "not_checked")
EVIDENCE_RULES: tuple[EvidenceRule, ...] = ("none", "photo-on-fail", "photo-always")
SCORING_BASES: tuple[ScoringBasis, ...] = ("percent", "points")

_METHOD_SEPARATORS = re.compile(r"[、，,/／;；+＋\s]+")


def normalize_method(text: str, aliases: dict[str, str] | None = None) -> tuple[str | None, list[str]]:
    """Split a method text on 、，,/ or spaces and join the parts with 、.

    Returns ``(normalized, unknown_parts)``; ``normalized`` is None when a part is unknown or nothing is left.
    Repeated methods are kept once, in their first position.
    """
    parts: list[str] = []
    unknown: list[str] = []
    for raw in _METHOD_SEPARATORS.split(text.strip()):
        if not raw:
            continue
        part = aliases.get(raw, raw) if aliases else raw
        if part not in METHODS:
            unknown.append(raw)
        elif part not in parts:
            parts.append(part)
    if unknown and any(len(part) >= DESCRIPTION_MIN for part in unknown):
        # Not a list of method names but a description, as sheets write it ("查阅资料，现场查看5名医务人员手卫生").
        return _SPACES.sub(" ", text.strip()), []
    if unknown or not parts:
        return None, unknown
    return "、".join(parts), []


DESCRIPTION_MIN = 4
"""A method text with an unknown part this long is a description, kept as written, not a misspelt method name."""
_SPACES = re.compile(r"\s+")
