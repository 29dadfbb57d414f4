"""A whole inspection's score: the rule across checklists (OVERALL_RULES) and the overall grade."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from inspections.checklists.spec import (
    ChecklistSpec,
    ScoringRule,
)
from inspections.errors import UserError
from inspections.scoring.checklist import score_checklist
from inspections.scoring.numbers import _dec, _float_or_none, _num, _percent, _plain, _round
from inspections.scoring.types import _HUNDRED, _ZERO, Answer, ChecklistScore, InspectionScore

# --- a whole inspection -------------------------------------------------------------------------------------


OVERALL_RULES: dict[str, str] = {
    "sum": "各检查表实得分之和 ÷ 适用项满分之和 × 100",
    "mean": "各检查表得分率的平均值",
    "weighted": "各检查表得分率按权重加权平均",
}
"""How the checklists of one inspection make its overall percent (the setting ``overall_rule``). The default, sum,
weighs each checklist by its points, as a sheet's own 总分 adds up its items: a five-item checklist does not count as
much as a sixty-item one, and the formula stays one line of numbers a reader can check."""


def score_inspection(
    checklists: Sequence[tuple[ChecklistSpec, Mapping[str, Answer]]], overall: str = "sum"
) -> InspectionScore:
    """Score every checklist of an inspection; the overall percent (by ``overall``, see OVERALL_RULES) takes the
    percent-basis checklists only."""
    if overall not in OVERALL_RULES:
        raise UserError(f"未知的总分计算方式“{overall}”（可选：{'、'.join(OVERALL_RULES)}）")
    specs = [spec for spec, _ in checklists]
    scores = tuple(score_checklist(spec, answers) for spec, answers in checklists)
    return combine_checklists(specs, scores, overall)


def combine_checklists(
    specs: Sequence[ChecklistSpec], scores: Sequence[ChecklistScore], overall: str = "sum"
) -> InspectionScore:
    """The inspection's score from its checklists' scores (``score_checklist`` of each spec), by ``overall``: one
    scoring of the checklists serves every rule (``check`` compares a stored score with each of them)."""
    if overall not in OVERALL_RULES:
        raise UserError(f"未知的总分计算方式“{overall}”（可选：{'、'.join(OVERALL_RULES)}）")
    scores = tuple(scores)
    percent_based = [(spec, s) for spec, s in zip(specs, scores, strict=True) if s.basis == "percent"]
    # A checklist weighing its sections counts its own percent: its points earned as that percent of its maximum.
    weighed = [s for spec, s in percent_based if any(section.weight is not None for section in spec.sections)]
    weighed_ids = {id(s) for s in weighed}
    earned = sum(
        (
            _dec(s.score or 0) * _dec(s.maximum) / _HUNDRED if id(s) in weighed_ids else _dec(s.earned)
            for _, s in percent_based
        ),
        _ZERO,
    )
    maximum = sum((_dec(s.maximum) for _, s in percent_based), _ZERO)
    vetoed = tuple(s.code for s in scores if s.vetoed)

    head = f"总得分率 = {OVERALL_RULES[overall]}"
    rated = [(spec, s) for spec, s in percent_based if s.score is not None]
    percent: Decimal | None
    if overall == "sum":
        percent = _percent(earned, maximum)
        shown = f"{_num(earned)} ÷ {_num(maximum)} × 100"
    elif overall == "mean":
        percent = _round(sum((_dec(s.score or 0) for _, s in rated), _ZERO) / len(rated)) if rated else None
        shown = f"({' + '.join(_num(_dec(s.score or 0)) for _, s in rated)}) ÷ {len(rated)}"
    else:
        weights = sum((_dec(spec.scoring.weight) for spec, _ in rated), _ZERO)
        total = sum((_dec(spec.scoring.weight) * _dec(s.score or 0) for spec, s in rated), _ZERO)
        percent = _round(total / weights) if rated and weights else None
        shown = (
            f"({' + '.join(f'{_num(_dec(s.score or 0))}×{_plain(_dec(spec.scoring.weight))}' for spec, s in rated)})"
            f" ÷ {_plain(weights)}"
        )
    if percent is None:
        parts = [f"{head}；没有可计分的检查表，无法计算总得分率"]
    else:
        parts = [f"{head} = {shown} = {_num(percent)}%"]
    if weighed and overall == "sum":
        parts.append(f"检查表“{'”“'.join(s.title for s in weighed)}”分部分加权，按其得分率 × 适用项满分折算实得分")
    points_based = [s.title for s in scores if s.basis == "points"]
    if points_based:
        parts.append(f"按总分计分的检查表“{'”“'.join(points_based)}”不计入总得分率")
    if vetoed:
        titles = [s.title for s in scores if s.vetoed]
        parts.append(f"检查表“{'”“'.join(titles)}”有否决项不符合")

    return InspectionScore(
        checklists=scores,
        earned=float(earned),
        maximum=float(maximum),
        percent=_float_or_none(percent),
        vetoed=bool(vetoed),
        vetoed_checklists=vetoed,
        answered=sum(s.answered for s in scores),
        total=sum(s.total for s in scores),
        formula="；".join(parts) + "。",
    )


def overall_grade(score: InspectionScore) -> str:
    """The inspection's grade: a veto anywhere fails it; else the default bands on the overall percent."""
    if score.vetoed:
        return "不合格（否决）"
    if score.percent is None:
        return "无法评分"
    return next(band.label for band in ScoringRule().grades if score.percent >= band.min)
