"""One checklist's score: items, sections (caps and weights), vetoes and key items, the formula in words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from inspections.checklists.spec import (
    ChecklistSpec,
    GradeBand,
    ItemSpec,
    ScoringBasis,
)
from inspections.errors import UserError
from inspections.scoring.answers import _options, _resolve
from inspections.scoring.numbers import (
    _answered,
    _band,
    _counts,
    _dec,
    _float_or_none,
    _num,
    _percent,
    _plain,
    _round,
    _totals,
)
from inspections.scoring.types import (
    _EXCLUDED,
    _ZERO,
    NO_SCORE_GRADE,
    VETO_GRADE,
    Answer,
    ChecklistScore,
    ItemScore,
    SectionScore,
    _Scored,
)

# --- one checklist ------------------------------------------------------------------------------------------


def score_checklist(spec: ChecklistSpec, answers: Mapping[str, Answer], *, explain: bool = True) -> ChecklistScore:
    """Score one checklist; ``answers`` are keyed by item code and a missing answer counts as 未检查.

    ``explain=False`` leaves the formula in words out (``formula`` is ""): for exports and checks that read only the
    figures of many thousands of checklists."""
    known = {item.code for item in spec.items()}
    unknown = sorted(code for code in answers if code not in known)
    if unknown:
        raise UserError(f"检查表“{spec.title}”中没有检查项“{'”“'.join(unknown)}”，这些答案无法计分")

    scored: list[_Scored] = []
    section_scores: list[SectionScore] = []
    capped: list[str] = []
    earned = maximum = _ZERO
    for section in spec.sections:
        in_section = [_score_item(spec, section.code, item, answers.get(item.code)) for item in section.items]
        scored.extend(in_section)
        section_earned, section_maximum = _totals(in_section)
        if section.points is not None and _dec(section.points) < section_maximum:
            # The section's own points cap its subtotal; deductions come off them and stop at zero (扣完为止).
            lost = section_maximum - section_earned
            section_maximum = _round(_dec(section.points))
            section_earned = max(_ZERO, section_maximum - lost)
            capped.append(section.title)
        earned += section_earned
        maximum += section_maximum
        section_scores.append(
            SectionScore(
                code=section.code,
                title=section.title,
                earned=float(section_earned),
                maximum=float(section_maximum),
                percent=_float_or_none(_percent(section_earned, section_maximum)),
                counts=_counts(s.item for s in in_section),
                answered=_answered(s.item for s in in_section),
                total=len(in_section),
            )
        )

    items = [s.item for s in scored]
    applicable = any(s.maximum is not None for s in scored)
    rule = spec.scoring
    score: Decimal | None = earned if applicable else None
    weighted = _weighted_sections(spec, section_scores)
    if rule.basis == "percent":
        score = _weighted_percent(weighted) if weighted else _percent(earned, maximum)
    veto_items = tuple(i.code for i in items if i.vetoing)
    vetoed = bool(veto_items)
    consequences: dict[str, list[str]] = {}
    for i in items:
        if i.consequence is not None:
            consequences.setdefault(i.consequence, []).append(i.code)
    band = _band(rule.grades, score) if score is not None else None
    if vetoed:
        grade = VETO_GRADE
    elif consequences:
        grade = next(iter(consequences))
    elif band is None:
        grade = NO_SCORE_GRADE
    else:
        grade = band.label
    # The lowest band (minimum 0) is the failing one, unless it is the only band.
    passed = (
        not vetoed and not consequences and band is not None and (len(rule.grades) == 1 or band is not rule.grades[-1])
    )

    return ChecklistScore(
        code=spec.code,
        version=spec.version,
        title=spec.title,
        basis=rule.basis,
        partial_ratio=rule.partial_ratio,
        earned=float(earned),
        maximum=float(maximum),
        score=_float_or_none(score),
        grade=grade,
        passed=passed,
        vetoed=vetoed,
        veto_items=veto_items,
        unchecked_items=tuple(i.code for i in items if i.outcome == "not_checked"),
        na_items=tuple(i.code for i in items if i.outcome == "na"),
        counts=_counts(items),
        answered=_answered(items),
        total=len(items),
        sections=tuple(section_scores),
        items=tuple(items),
        formula=_checklist_formula(
            spec, scored, earned, maximum, score, band, veto_items, consequences, capped, weighted
        )
        if explain
        else "",
        consequences=tuple((label, tuple(codes)) for label, codes in consequences.items()),
    )


WEIGHTED_SECTIONS = "各部分得分率按权重加权平均（未标权重的部分按 1 计，没有适用项的部分不计入）"
"""The checklist percent in words when its sections have weights."""


def _weighted_sections(
    spec: ChecklistSpec, sections: Sequence[SectionScore]
) -> list[tuple[SectionScore, Decimal]] | None:
    """The sections that count in a weighted percent, with their weights; None when no section has a weight (or the
    checklist is scored by points, where weights do not apply)."""
    if spec.scoring.basis != "percent" or all(section.weight is None for section in spec.sections):
        return None
    return [
        (score, _dec(section.weight if section.weight is not None else 1.0))
        for section, score in zip(spec.sections, sections, strict=True)
        if score.percent is not None
    ]


def _weighted_percent(weighted: Sequence[tuple[SectionScore, Decimal]]) -> Decimal | None:
    """Σ weight × section percent ÷ Σ weight, over the sections with something applicable."""
    weights = sum((weight for _, weight in weighted), _ZERO)
    if not weighted or weights == 0:
        return None
    return _round(sum((weight * _dec(s.percent or 0) for s, weight in weighted), _ZERO) / weights)


_ITEM_CACHE: dict[tuple[int, int, str, str | None], tuple[ChecklistSpec, ItemSpec, _Scored]] = {}
_ITEM_CACHE_SIZE = 50_000


def _score_item(spec: ChecklistSpec, section: str, item: ItemSpec, answer: Answer | None) -> _Scored:
    """One item's score, remembered per (spec, item, section, response) for answers with the option's own points:
    an export or a full check scores millions of answers that are a few responses to a few hundred stored items.
    Keyed by identity and checked by it (specs and items are immutable; the cache holds them alive); an answer with
    adjusted points, or one that does not resolve, is scored afresh each time."""
    if answer is not None and answer.points is not None:
        return _score_item_now(spec, section, item, answer)
    key = (id(spec), id(item), section, None if answer is None else answer.response)
    hit = _ITEM_CACHE.get(key)
    if hit is not None and hit[0] is spec and hit[1] is item:
        return hit[2]
    scored = _score_item_now(spec, section, item, answer)
    if len(_ITEM_CACHE) >= _ITEM_CACHE_SIZE:
        _ITEM_CACHE.clear()
    _ITEM_CACHE[key] = (spec, item, scored)
    return scored


def _score_item_now(spec: ChecklistSpec, section: str, item: ItemSpec, answer: Answer | None) -> _Scored:
    if answer is None:
        options, maximum = _options(spec, item)
        option = next(o for o in options if o.outcome == "not_checked")
    else:
        option, maximum = _resolve(spec, item, answer)
    adjusted = answer is not None and answer.points is not None
    earned: Decimal | None
    item_max: Decimal | None
    if option.outcome in _EXCLUDED:
        earned, item_max = None, None
    else:
        item_max = maximum
        if answer is not None and answer.points is not None:
            earned = _dec(answer.points)
        else:
            earned = _round(_dec(option.points if option.points is not None else 0.0))
    failed_key = item.critical and option.outcome == "fail"
    vetoing = failed_key and item.vetoes
    score = ItemScore(
        code=item.code,
        text=item.text,
        section=section,
        response=option.code,
        response_label=option.label,
        outcome=option.outcome,
        earned=_float_or_none(earned),
        maximum=_float_or_none(item_max),
        critical=item.critical,
        vetoing=vetoing,
        flagged_unchecked=option.outcome == "not_checked",
        adjusted=adjusted,
        consequence=item.consequence if failed_key and not vetoing else None,
    )
    return _Scored(score, earned, item_max, item.response_set is None, item.deduction is not None)


def _checklist_formula(
    spec: ChecklistSpec,
    scored: Sequence[_Scored],
    earned: Decimal,
    maximum: Decimal,
    score: Decimal | None,
    band: GradeBand | None,
    veto_items: Sequence[str],
    consequences: Mapping[str, Sequence[str]],
    capped: Sequence[str],
    weighted: Sequence[tuple[SectionScore, Decimal]] | None = None,
) -> str:
    rule = spec.scoring
    parts: list[str] = []
    if weighted is not None:
        head = f"得分率 = {WEIGHTED_SECTIONS}"
        if score is None:
            parts.append(f"{head}；没有适用项，无法计算得分率")
        else:
            terms = " + ".join(f"{_num(_dec(s.percent or 0))}×{_plain(w)}" for s, w in weighted)
            total = _plain(sum((w for _, w in weighted), _ZERO))
            parts.append(
                f"{head} = ({terms}) ÷ {total} = {_num(score)}%（实得分 {_num(earned)}，适用项满分 {_num(maximum)}）"
            )
    elif rule.basis == "percent":
        head = "得分率 = 实得分 ÷ 适用项满分 × 100"
        if score is None:
            parts.append(f"{head}；适用项满分为 0，无法计算得分率")
        else:
            parts.append(f"{head} = {_num(earned)} ÷ {_num(maximum)} × 100 = {_num(score)}%")
    elif score is None:
        parts.append("总分 = 各适用项实得分之和；没有适用项，无法计分")
    else:
        parts.append(f"总分 = 各适用项实得分之和 = {_num(earned)}（适用项满分 {_num(maximum)}）")

    if any(s.uses_default_set for s in scored):
        text = f"“部分符合”按分值 × {_plain(_dec(rule.partial_ratio))} 计分"
        adjusted = [s.item.code for s in scored if s.uses_default_set and s.item.adjusted]
        if adjusted:
            text += f"，“{'”“'.join(adjusted)}”按检查人员调整的分值计分"
        parts.append(text)
    if not all(s.uses_default_set for s in scored):
        text = "自定义选项按各选项分值计分，每项满分取该项最高选项分值"
        adjusted = [s.item.code for s in scored if not s.uses_default_set and s.item.adjusted]
        if adjusted:
            text += f"，“{'”“'.join(adjusted)}”按检查人员调整的分值计分"
        parts.append(text)

    na = sum(1 for s in scored if s.item.outcome == "na")
    unchecked = sum(1 for s in scored if s.item.outcome == "not_checked")
    excluded: list[str] = []
    if na:
        excluded.append(f"“不适用”{na}项")
    if unchecked:
        excluded.append(f"“未检查”{unchecked}项")
    if excluded:
        parts.append("、".join(excluded) + "不计入满分" + ("（未检查项已标注）" if unchecked else ""))

    if capped:
        parts.append(f"“{'”“'.join(capped)}”按该部分标明的分值计分，扣完为止")
    deducted = [s.item.code for s in scored if s.item.adjusted and s.item.outcome == "partial" and s.deduction]
    if deducted:
        parts.append(f"“{'”“'.join(deducted)}”按扣分规则计分")
    if veto_items:
        parts.append(f"否决项“{'”“'.join(veto_items)}”不符合，判定为{VETO_GRADE}")
    elif consequences:
        label, codes = next(iter(consequences.items()))
        parts.append(f"关键项“{'”“'.join(codes)}”不符合，评定为{label}")
    elif band is not None:
        parts.append(f"等级标准：{_bands_text(rule.grades, rule.basis)}，评定为{band.label}")
    return "；".join(parts) + "。"


def _bands_text(bands: Sequence[GradeBand], basis: ScoringBasis) -> str:
    unit = "%" if basis == "percent" else ""
    texts: list[str] = []
    for index, band in enumerate(bands):
        if band.min == 0 and index > 0:
            texts.append(f"{band.label} <{_num(_dec(bands[index - 1].min))}{unit}")
        else:
            texts.append(f"{band.label} ≥{_num(_dec(band.min))}{unit}")
    return "、".join(texts)
