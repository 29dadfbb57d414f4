"""The scores' shapes: outcomes and their labels, answers, item/section/checklist/inspection scores."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from inspections.checklists.spec import (
    Outcome,
    ScoringBasis,
)

OUTCOMES: tuple[Outcome, ...] = ("pass", "partial", "fail", "na", "not_checked")
OUTCOME_LABELS: dict[Outcome, str] = {
    "pass": "符合",
    "partial": "部分符合",
    "fail": "不符合",
    "na": "不适用",
    "not_checked": "未检查",
}
VETO_GRADE = "不合格（否决）"
NO_SCORE_GRADE = "无法评分"
NOT_CHECKED_CODE = "not_checked"

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)
_ZERO = Decimal(0)
_EXCLUDED: frozenset[Outcome] = frozenset({"na", "not_checked"})


@dataclass(frozen=True)
class Answer:
    """An inspector's answer to one item: a response code and, for 部分符合, optionally adjusted points."""

    response: str
    points: float | None = None  # None: the option's own points (partial: points × partial_ratio)


@dataclass(frozen=True)
class ItemScore:
    """How one item scored. ``earned`` and ``maximum`` are None when the item leaves the denominator."""

    code: str
    text: str
    section: str
    response: str
    response_label: str
    outcome: Outcome
    earned: float | None
    maximum: float | None
    critical: bool
    vetoing: bool
    flagged_unchecked: bool
    adjusted: bool  # the inspector set the points of a 部分符合 answer
    consequence: str | None = None  # a failed key item of a kind that does not veto: its label (重点监督)


@dataclass(frozen=True)
class SectionScore:
    """Subtotal of one section; ``percent`` is None when no item of the section has points to earn."""

    code: str
    title: str
    earned: float
    maximum: float
    percent: float | None
    counts: dict[Outcome, int]
    answered: int  # items with a response other than 未检查
    total: int


@dataclass(frozen=True)
class ChecklistScore:
    """The score of one checklist, with the formula in words as a report prints it."""

    code: str
    version: int
    title: str
    basis: ScoringBasis
    partial_ratio: float
    earned: float
    maximum: float  # the applicable maximum: 不适用 and 未检查 items are left out
    score: float | None  # percent: earned ÷ maximum × 100; points: earned; None when nothing can be scored
    grade: str
    passed: bool
    vetoed: bool
    veto_items: tuple[str, ...]
    unchecked_items: tuple[str, ...]
    na_items: tuple[str, ...]
    counts: dict[Outcome, int]
    answered: int  # items with a response other than 未检查
    total: int
    sections: tuple[SectionScore, ...]
    items: tuple[ItemScore, ...]
    formula: str
    # Failed key items whose kind does not veto, by consequence: (("重点监督", ("A1.3",)),). The first one decides
    # the grade when nothing vetoes, whatever the score.
    consequences: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class InspectionScore:
    """The scores of every checklist of one inspection, and an overall percent over the percent-basis ones."""

    checklists: tuple[ChecklistScore, ...]
    earned: float  # sums over the percent-basis checklists only
    maximum: float
    percent: float | None
    vetoed: bool
    vetoed_checklists: tuple[str, ...]
    answered: int
    total: int
    formula: str


@dataclass(frozen=True)
class _Scored:
    item: ItemScore
    earned: Decimal | None
    maximum: Decimal | None
    uses_default_set: bool
    deduction: bool = False
