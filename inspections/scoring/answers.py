"""Response options of an item and the answers given to it: validation, resolution, deductions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

from inspections.checklists.spec import (
    DEFAULT_RESPONSES,
    ChecklistSpec,
    ItemSpec,
    Outcome,
    ResponseOption,
)
from inspections.errors import UserError
from inspections.scoring.numbers import _dec, _float_or_none, _item_maximum, _num, _round
from inspections.scoring.types import _ZERO, NOT_CHECKED_CODE, OUTCOME_LABELS, Answer

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
