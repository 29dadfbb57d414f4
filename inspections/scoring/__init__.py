"""Scoring of checklists and inspections: pure functions from a checklist and answers to printable scores.

``types`` (shapes), ``answers`` (options and answers), ``checklist`` (one checklist), ``inspection`` (the whole),
``numbers`` (exact arithmetic)."""

from inspections.scoring.answers import deduction_answer, item_maximum, response_options, validate_answer
from inspections.scoring.checklist import WEIGHTED_SECTIONS, score_checklist
from inspections.scoring.inspection import OVERALL_RULES, combine_checklists, overall_grade, score_inspection
from inspections.scoring.types import (
    NO_SCORE_GRADE,
    NOT_CHECKED_CODE,
    OUTCOME_LABELS,
    OUTCOMES,
    VETO_GRADE,
    Answer,
    ChecklistScore,
    InspectionScore,
    ItemScore,
    SectionScore,
)

__all__ = [
    "NOT_CHECKED_CODE",
    "NO_SCORE_GRADE",
    "OUTCOMES",
    "OUTCOME_LABELS",
    "OVERALL_RULES",
    "VETO_GRADE",
    "WEIGHTED_SECTIONS",
    "Answer",
    "ChecklistScore",
    "InspectionScore",
    "ItemScore",
    "SectionScore",
    "combine_checklists",
    "deduction_answer",
    "item_maximum",
    "overall_grade",
    "response_options",
    "score_checklist",
    "score_inspection",
    "validate_answer",
]
