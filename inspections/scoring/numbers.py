"""Exact arithmetic for scores: decimals, rounding, percents, totals and how numbers print."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Context, Decimal

from inspections.checklists.spec import (
    GradeBand,
    Outcome,
    ResponseOption,
)
from inspections.scoring.types import _CENT, _EXCLUDED, _HUNDRED, _ZERO, OUTCOMES, ItemScore, _Scored

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
