"""Round months: “YYYY-MM”, parsed and labelled in Chinese."""

from __future__ import annotations

import re
from datetime import date

from inspections.errors import UserError

_MONTH_RE = re.compile(r"(\d{4})-(\d{2})")


def parse_month(month: str) -> date:
    """The first day of a “YYYY-MM” month; a UserError in Chinese for anything else."""
    match = _MONTH_RE.fullmatch(month.strip()) if isinstance(month, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise UserError(f"月份格式不正确：“{month}”，应为“年-月”，例如 2026-11")
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_label(month: str) -> str:
    """“2026-11” → “2026年11月”."""
    first = parse_month(month)
    return f"{first.year}年{first.month}月"
