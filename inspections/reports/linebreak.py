"""Chinese line breaking by GB/T 15834 practice (避头尾), installed into ReportLab's CJK wrapping.

ReportLab's CJK wrapping (``wordWrap='CJK'``) cuts a line where it is full, and only lets a Japanese closing mark
hang into the margin; a line could still begin with "，" or "）" and end with "（" or "《", and "98.4%" or "15 天"
could be torn apart. Here a line is cut at the last place that breaks none of the rules:

- no line begins with closing punctuation (``CANNOT_START``: ，。、；：？！）》」』”’〕】…— and their ASCII kin);
- no line ends with opening punctuation (``CANNOT_END``: （《「『“‘〔【);
- a run of Latin letters and digits (a code, "98.4%", "2026") is not cut, nor a number from its unit ("15 天",
  "3 家") or the parts of a date ("2026年11月28日").

When no such place exists in the line (a code longer than the column), it is cut where it is full, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from reportlab.lib import textsplit
from reportlab.pdfbase.pdfmetrics import getFont
from reportlab.platypus import paragraph
from reportlab.rl_config import _FUZZ

CANNOT_START = frozenset("，。、；：？！）》」』”’〕】〉…—％‰℃·!),.:;?]}%")
CANNOT_END = frozenset("（《「『“‘〔【〈([{")
UNITS = frozenset("年月日天周时分秒个项家次名人张份条处床台米元％%‰℃号岁")
_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.%/-_")
_DIGITS = frozenset("0123456789")
_LOOK_BACK = 10  # characters a break may move back before the line is cut where it is full


def may_break(text: Sequence[str], at: int) -> bool:
    """Whether a line may end before ``text[at]`` (``0 < at < len(text)``)."""
    after = text[at]
    before = text[at - 1]
    if after in CANNOT_START or before in CANNOT_END:
        return False
    if before in _WORD and after in _WORD:
        return False  # inside a code, a number or a Latin word
    previous = _previous_visible(text, at)
    if after in UNITS and previous in _DIGITS:
        return False  # 15 天, 3 家, 2026年
    if after == " " and before in _DIGITS and at + 1 < len(text) and text[at + 1] in UNITS:
        return False  # the space between a number and its unit
    if before in "年月" and after in _DIGITS and _previous_visible(text, at - 1) in _DIGITS:
        return False  # inside a date: 2026年11月28日
    return not (before == " " and after in _DIGITS and at >= 2 and text[at - 2] in _DIGITS)


def _previous_visible(text: Sequence[str], at: int) -> str:
    """The last character before ``at`` that is not a space ("" when none)."""
    index = at - 1
    while index >= 0 and text[index] == " ":
        index -= 1
    return text[index] if index >= 0 else ""


def break_lines(
    text: Sequence[str], widths: Sequence[float], max_widths: Sequence[float]
) -> list[tuple[int, int, float]]:
    """The lines as (start, end, unused width): each as full as the rules allow."""
    lines: list[tuple[int, int, float]] = []
    count = len(text)
    start = 0
    while start < count:
        room = max_widths[min(len(lines), len(max_widths) - 1)]
        used = 0.0
        end = start
        while end < count and (end == start or used + widths[end] <= room + _FUZZ):
            used += widths[end]
            end += 1
        if end < count:
            cut = end
            while cut > start + 1 and cut > end - _LOOK_BACK and not may_break(text, cut):
                cut -= 1
            if not may_break(text, cut):
                # No allowed place near the end: let one closing mark hang in the margin rather than start a line.
                cut = end + 1 if text[end] in CANNOT_START else end
            used = sum(widths[start:cut])
            end = cut
        lines.append((start, end, room - used))
        start = end
    return lines


def word_split(
    word: str, maxWidths: float | Sequence[float], fontName: str, fontSize: float, encoding: str = "utf8"
) -> list[list[Any]]:
    """``reportlab.lib.textsplit.wordSplit`` with the rules: [unused width, line text] per line."""
    max_widths = [float(w) for w in maxWidths] if isinstance(maxWidths, list | tuple) else [float(maxWidths)]  # type: ignore[arg-type]
    font = getFont(fontName)
    widths = [font.stringWidth(ch, fontSize) for ch in word]
    return [[extra, word[a:b].strip()] for a, b, extra in break_lines(word, widths, max_widths)]


def cjk_frag_split(frags: Sequence[Any], maxWidths: Sequence[float], calcBounds: bool, encoding: str = "utf8") -> Any:
    """``reportlab.platypus.paragraph.cjkFragSplit`` (text in several fonts or colours) with the rules."""
    glyphs: list[Any] = []
    for frag in frags:
        text = frag.text.decode(encoding) if isinstance(frag.text, bytes) else frag.text
        if text:
            glyphs.extend(paragraph.cjkU(ch, frag, encoding) for ch in text)
        else:
            glyphs.append(paragraph.cjkU(text, frag, encoding))
    max_widths = [float(w) for w in maxWidths] if isinstance(maxWidths, list | tuple) else [float(maxWidths)]  # type: ignore[arg-type]
    lines: list[Any] = []
    # A <br/> ends a line where it stands: break each run between them on its own.
    run_start = 0
    for index in range(len(glyphs) + 1):
        if index < len(glyphs) and not hasattr(glyphs[index].frag, "lineBreak"):
            continue
        end = index + 1 if index < len(glyphs) else index
        run = glyphs[run_start:end]
        if run:
            texts = [str(g) for g in run]
            widths = [_width(g, max_widths[min(len(lines), len(max_widths) - 1)]) for g in run]
            pieces = break_lines(texts, widths, max_widths[min(len(lines), len(max_widths) - 1) :] or max_widths)
            for number, (a, b, extra) in enumerate(pieces):
                room = max_widths[min(len(lines), len(max_widths) - 1)]
                last = number == len(pieces) - 1
                line_break = last and index < len(glyphs)
                lines.append(
                    paragraph.makeCJKParaLine(run[a:b], room, room - extra, extra, line_break, calcBounds)
                )
        run_start = end
    return paragraph.ParaLines(kind=1, lines=lines)


def _width(glyph: Any, room: float) -> float:
    width = glyph.width
    if hasattr(width, "normalizedValue"):
        width._normalizer = room
        return float(width.normalizedValue(room))
    return float(width)


_installed = False


def install() -> None:
    """Put the rules into ReportLab's CJK wrapping (idempotent). WORKAROUND: ReportLab has no hook for line
    breaking rules, so its two splitting functions are replaced where ``Paragraph`` looks them up."""
    global _installed
    if _installed:
        return
    split: Callable[..., Any] = word_split
    paragraph.wordSplit = split
    paragraph.cjkFragSplit = cjk_frag_split
    textsplit.wordSplit = split
    _installed = True
