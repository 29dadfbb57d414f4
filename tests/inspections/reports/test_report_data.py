"""Formatting shared by the documents: Chinese dates, points, the scoring formula in words."""

from __future__ import annotations

from datetime import date, datetime

from inspections.checklists.spec import GradeBand, ScoringRule
from inspections.reports.data import (
    cn_date,
    cn_datetime,
    cn_month,
    format_percent,
    format_points,
    scoring_formula_text,
)


def test_dates_as_official_documents_write_them() -> None:
    assert cn_date(date(2026, 11, 28)) == "2026年11月28日"
    assert cn_date(date(2026, 1, 5)) == "2026年1月5日"
    assert cn_datetime(datetime(2026, 11, 28, 9, 3)) == "2026年11月28日 09:03"
    assert cn_month("2026-03") == "2026年3月"


def test_points_and_percentages() -> None:
    assert [format_points(v) for v in (5, 2.5, 87.25, 0, None)] == ["5", "2.5", "87.25", "0", "—"]
    assert format_percent(81.06) == "81.1%" and format_percent(None) == "—"


def test_the_formula_in_words_follows_the_template_rule() -> None:
    text = scoring_formula_text(ScoringRule(partial_ratio=0.6))
    assert "得分率 = 实得分 ÷ 适用项满分 × 100%" in text
    assert "部分符合得该项分值的 60%" in text
    assert "≥90 分为优秀，≥80 分为良好，≥60 分为合格，其余为不合格" in text
    ipcaf = ScoringRule(basis="points", grades=(GradeBand(601, "Advanced"), GradeBand(0, "Inadequate")))
    text = scoring_formula_text(ipcaf, maximum=800)
    assert "得分 = 各项实得分之和（满分 800 分）" in text
    assert "≥601 分为Advanced，其余为Inadequate" in text
