"""Scoring of checklists and inspections: pure functions from a checklist and answers to printable scores."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal

from inspections.checklists.spec import (
    DEFAULT_RESPONSES,
    ChecklistSpec,
    GradeBand,
    ItemSpec,
    Outcome,
    ResponseOption,
    ScoringBasis,
    ScoringRule,
)
from inspections.errors import UserError

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


# --- response options and answers ---------------------------------------------------------------------------


def response_options(spec: ChecklistSpec, item: ItemSpec) -> list[ResponseOption]:
    """The options an inspector can choose for ``item``: the default set with its points, or the custom set.

    A custom set without a 未检查 option gets the default one appended, since any item may go unchecked.
    """
    if item.response_set is None:
        full = _round(_dec(item.points))
        points: dict[Outcome, Decimal | None] = {
            "pass": full,
            "partial": _round(full * _dec(spec.scoring.partial_ratio)),
            "fail": _ZERO,
            "na": None,
            "not_checked": None,
        }
        return [
            ResponseOption(code, label, _float_or_none(points[outcome]), outcome)
            for code, (label, outcome) in DEFAULT_RESPONSES.items()
        ]
    custom = spec.response_sets.get(item.response_set)
    if custom is None:
        raise UserError(f"检查项“{item.code}”引用的选项集“{item.response_set}”不存在")
    options = list(custom)
    if not any(o.outcome == "not_checked" or o.code == NOT_CHECKED_CODE for o in options):
        options.append(ResponseOption(NOT_CHECKED_CODE, OUTCOME_LABELS["not_checked"], None, "not_checked"))
    return options


_OPTIONS_CACHE: dict[tuple[int, int], tuple[ChecklistSpec, ItemSpec, tuple[ResponseOption, ...], Decimal]] = {}
_OPTIONS_CACHE_SIZE = 20_000


def _options(spec: ChecklistSpec, item: ItemSpec) -> tuple[tuple[ResponseOption, ...], Decimal]:
    """``response_options`` and the item maximum, remembered per (spec, item) object: scoring a city's export
    resolves millions of answers against a few hundred stored items. Keyed by identity and checked by it, since
    specs are immutable and the cache holds them alive."""
    key = (id(spec), id(item))
    hit = _OPTIONS_CACHE.get(key)
    if hit is not None and hit[0] is spec and hit[1] is item:
        return hit[2], hit[3]
    options = tuple(response_options(spec, item))
    maximum = _item_maximum(options)
    if len(_OPTIONS_CACHE) >= _OPTIONS_CACHE_SIZE:
        _OPTIONS_CACHE.clear()
    _OPTIONS_CACHE[key] = (spec, item, options, maximum)
    return options, maximum


def item_maximum(spec: ChecklistSpec, item: ItemSpec) -> float:
    """The most an item can earn: its points, or the highest option points of its custom set."""
    return float(_item_maximum(response_options(spec, item)))


def validate_answer(spec: ChecklistSpec, item: ItemSpec, answer: Answer) -> None:
    """Raise UserError with a Chinese message when ``answer`` is not a valid answer to ``item``."""
    _resolve(spec, item, answer)


def _resolve(spec: ChecklistSpec, item: ItemSpec, answer: Answer) -> tuple[ResponseOption, Decimal]:
    """The chosen option and the item maximum; raises UserError for an invalid answer."""
    options, maximum = _options(spec, item)
    option = next((o for o in options if o.code == answer.response), None)
    if option is None:
        choices = "、".join(f"{o.label}（{o.code}）" for o in options)
        raise UserError(f"检查项“{item.code}”没有“{answer.response}”这个选项，可选：{choices}")
    if answer.points is None:
        return option, maximum
    if option.outcome != "partial":
        raise UserError(f"检查项“{item.code}”选择“{option.label}”时不能调整分值，只有部分符合的答案可以调整")
    raw = answer.points
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise UserError(f"检查项“{item.code}”的分值“{raw}”不是有效的数字")
    value = _dec(raw)
    if value != _round(value):
        raise UserError(f"检查项“{item.code}”的分值最多保留两位小数，收到 {_num(value, exact=True)}")
    if not _ZERO < value < maximum:
        raise UserError(
            f"检查项“{item.code}”选择“{option.label}”时分值须大于 0 且小于 {_num(maximum)}，"
            f"收到 {_num(value, exact=True)}"
        )
    return option, maximum


def deduction_answer(
    item: ItemSpec, *, occurrences: int | None = None, failed: Sequence[int] = ()
) -> tuple[Answer, str]:
    """The answer an item's deduction rule gives, and the reason in words for the note and the finding.

    Per occurrence: ``occurrences`` found (0 = 符合). With sub-items: the numbers (from 1) of the ``failed`` ones, each
    costing the rule's points or its own exception. Never more than the cap (the item's points) is taken off: all off
    is 不符合, nothing off 符合, anything between 部分符合 with the points that are left.
    """
    rule = item.deduction
    if rule is None or item.response_set is not None:
        raise UserError(f"检查项“{item.code}”没有扣分规则")
    per = _dec(rule.per)
    if rule.subitems:
        numbers = sorted(set(failed))
        if any(isinstance(n, bool) or not 1 <= n <= len(rule.subitems) for n in numbers):
            raise UserError(f"检查项“{item.code}”只有第 1–{len(rule.subitems)} 个子项")
        own = dict(rule.exceptions)
        lost = sum((_dec(own[n]) if n in own else per for n in numbers), _ZERO)
        reason = "、".join(f"（{n}）{rule.subitems[n - 1]}" for n in numbers) + " 不符合" if numbers else "各子项均符合"
    else:
        if isinstance(occurrences, bool) or not isinstance(occurrences, int) or occurrences < 0:
            raise UserError(f"检查项“{item.code}”的发现处数应为 0 或正整数，收到 {occurrences!r}")
        lost = per * occurrences
        reason = f"发现 {occurrences} {rule.unit}" if occurrences else f"未发现问题（0 {rule.unit}）"
    full = _round(_dec(item.points))
    cap = min(full, _round(_dec(rule.cap))) if rule.cap is not None else full
    lost = min(_round(lost), cap)
    if lost > 0:
        reason += f"，扣 {_num(lost)} 分" + ("（扣完为止）" if lost == cap else "")
    if lost == 0:
        return Answer("pass"), reason
    if lost == full:
        return Answer("fail"), reason
    return Answer("partial", float(full - lost)), reason


# --- one checklist ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scored:
    item: ItemScore
    earned: Decimal | None
    maximum: Decimal | None
    uses_default_set: bool
    deduction: bool = False


def score_checklist(spec: ChecklistSpec, answers: Mapping[str, Answer]) -> ChecklistScore:
    """Score one checklist; ``answers`` are keyed by item code and a missing answer counts as 未检查."""
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
        ),
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


def _score_item(spec: ChecklistSpec, section: str, item: ItemSpec, answer: Answer | None) -> _Scored:
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


# --- numbers ------------------------------------------------------------------------------------------------


def _dec(value: float) -> Decimal:
    """The decimal a person reads in ``value`` (2.675 is 2.675, not 2.67499999…)."""
    return Decimal(repr(float(value)))


_WIDE = Context(prec=1000, rounding=ROUND_HALF_UP)
"""Enough digits for any float's value to two decimals (a checklist stored before points were limited may hold
1e308): the default 28 digits would make quantize fail above about 1e26."""


def _round(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP, context=_WIDE)


def _float_or_none(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _percent(earned: Decimal, maximum: Decimal) -> Decimal | None:
    return None if maximum == 0 else _round(earned * _HUNDRED / maximum)


def _item_maximum(options: Iterable[ResponseOption]) -> Decimal:
    points = [_round(_dec(o.points)) for o in options if o.points is not None and o.outcome not in _EXCLUDED]
    return max(points, default=_ZERO)


def _totals(scored: Iterable[_Scored]) -> tuple[Decimal, Decimal]:
    earned = _ZERO
    maximum = _ZERO
    for s in scored:
        if s.earned is not None and s.maximum is not None:
            earned += s.earned
            maximum += s.maximum
    return earned, maximum


def _counts(items: Iterable[ItemScore]) -> dict[Outcome, int]:
    counts: dict[Outcome, int] = dict.fromkeys(OUTCOMES, 0)
    for item in items:
        counts[item.outcome] += 1
    return counts


def _answered(items: Iterable[ItemScore]) -> int:
    return sum(1 for item in items if item.outcome != "not_checked")


def _band(bands: Sequence[GradeBand], score: Decimal) -> GradeBand | None:
    for band in bands:
        if score >= _dec(band.min):
            return band
    return bands[-1] if bands else None


def _num(value: Decimal, *, exact: bool = False) -> str:
    """A number as a report prints it: two decimals at most, without trailing zeros (87.5, 100)."""
    return _plain(value if exact else _round(value))


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
