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


@dataclass(frozen=True)
class SectionSpec:
    """A section of a checklist: a titled group of items."""

    code: str
    title: str
    items: tuple[ItemSpec, ...]


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
    if unknown or not parts:
        return None, unknown
    return "、".join(parts), []
