"""Chinese line breaking (避头尾): where a line may end, on text cut by hand-picked widths."""

from __future__ import annotations

from inspections.reports.linebreak import break_lines, may_break


def lines(text: str, per_line: int) -> list[str]:
    """The text broken into lines of at most ``per_line`` one-unit characters (a closing mark may hang)."""
    return [text[a:b] for a, b, _ in break_lines(text, [1.0] * len(text), [float(per_line)])]


def test_no_line_starts_with_closing_or_ends_with_opening_punctuation() -> None:
    text = "请于整改期限届满前完成整改，并将整改报告（含照片）报送我委。"
    for width in range(4, 16):
        for line in lines(text, width)[1:]:
            assert line[0] not in "，。）", (width, line)
        for line in lines(text, width):
            assert line[-1] != "（", (width, line)


def test_numbers_stay_with_their_units_dates_and_codes_whole() -> None:
    assert not may_break("整改期限 15 天", 7)  # between "15" and its space
    assert not may_break("整改期限 15 天", 8)  # between the space and "天"
    assert not may_break("得分率98.4%", 6)
    assert not may_break("2026年11月28日", 5)
    assert not may_break("FZ2.3", 3)
    assert may_break("感控科门诊部", 3)
    for width in range(6, 14):  # wider than the longest unbreakable run ("98.4%，")
        text = "逾期 15 天，得分率 98.4%，于2026年12月3日前"
        for line in lines(text, width):
            assert not line.startswith(("天", "%", "5", "4")), (width, line)


def test_a_code_longer_than_the_line_is_still_cut_where_the_line_is_full() -> None:
    assert lines("ABCDEFGHIJKL", 5) == ["ABCDE", "FGHIJ", "KL"]
