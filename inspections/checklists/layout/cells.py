"""Small readings of cell texts: one-line text, points in a title, key marks stripped, numbers, codes, fill-ins."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from inspections.checklists.layout.columns import SheetRow, header_name
from inspections.checklists.layout.vocabulary import (
    _CONSEQUENCE_WORDS,
    _KEY_SYMBOLS,
    _SECTION_POINTS,
    _SIGNATURE_WORDS,
    _SPACES,
)
from inspections.checklists.spec import (
    ITEM_CODE_RE,
    MAX_WEIGHT,
    VETO_CONSEQUENCE,
)


def _legend_label(kind: str, legend: str) -> str | None:
    """The consequence the legend gives a marker: "★为否决项，不符合判定为不合格" → 不合格."""
    if not legend:
        return None
    if kind == "否决":
        return VETO_CONSEQUENCE
    for sentence in re.split(r"[。；;\n]", unicodedata.normalize("NFKC", legend)):
        position = sentence.find(kind)
        if position < 0:
            continue
        rest = sentence[position + 1 :]
        # stop at the next marker: "★为否决项，☆为重点项" — ☆'s words are not ★'s
        cut = min((rest.find(s) for s in _KEY_SYMBOLS if s != kind and rest.find(s) >= 0), default=len(rest))
        rest = rest[:cut]
        found = [(rest.find(w), w) for w in _CONSEQUENCE_WORDS if w in rest]
        if not found:
            continue
        # the last consequence named ("…为否决项，不符合判定为不合格"); 否决 means the default
        word = max(found)[1]
        if word in ("一票否决", "否决"):
            return VETO_CONSEQUENCE
        return word
    return None


def _one_line(text: str) -> str:
    """A title as one line: a cell's line breaks ("预检分诊\n（10分）") are layout, not content."""
    return re.sub(r"\s*\n\s*", "", text).strip()


def _split_points(title: str) -> tuple[str, float | None]:
    """ "综合管理(5分)" → ("综合管理", 5.0); a title without points → (title, None)."""
    title = _one_line(title)
    match = _SECTION_POINTS.search(title)
    if match is None:
        return title.strip(), None
    value = float(match.group(1))
    return title[: match.start()].strip() or title.strip(), (value if value > 0 else None)


_SECTION_WEIGHT = re.compile(r"\s*[（(]\s*权重\s*[:：]?\s*(\d+(?:[.．]\d+)?)\s*([%％]?)\s*[)）]")


def _split_weight(title: str) -> tuple[str, float | None]:
    """ "综合管理（权重20%）" → ("综合管理", 0.2), "（权重0.2）" the same; points stay ("（5分）（权重20%）")."""
    match = _SECTION_WEIGHT.search(title)
    value = float(unicodedata.normalize("NFKC", match.group(1))) / (100 if match.group(2) else 1) if match else 0.0
    if match is None or not 0 < value <= MAX_WEIGHT:
        return title, None
    return (title[: match.start()] + title[match.end() :]).strip() or title, value


def _strip_marks(text: str) -> str:
    value = text.strip().lstrip("□☐").strip()
    value = re.sub(r"^[★☆▲△◆*＊]+\s*", "", value)
    value = re.sub(r"\s*[★☆▲△◆*＊]+$", "", value)
    value = re.sub(r"\s*[（(【]\s*(?:一票否决项?|否决项?)\s*[)）】]\s*", "", value)
    return value.strip()


def _as_number(text: str) -> float | None:
    cleaned = unicodedata.normalize("NFKC", text).strip().removesuffix("分").strip()
    if not re.fullmatch(r"\d+(?:\.\d+)?", cleaned):
        return None
    return float(cleaned)


def _distinct(cells: Sequence[str]) -> list[str]:
    """The non-empty texts of a row, each once (a merged cell fills its whole range with one text)."""
    return list(dict.fromkeys(c.strip() for c in cells if c and c.strip()))


def _looks_like_code(text: str) -> bool:
    return bool(ITEM_CODE_RE.fullmatch(text)) or bool(re.fullmatch(r"[\d.、（()）]+", text))


def _is_fill_in(text: str) -> bool:
    compact = _SPACES.sub("", text)
    labelled = "：" in compact or ":" in compact  # "检查人：", "医院等级：三级□二级□"
    return (
        (compact.startswith(_SIGNATURE_WORDS) and labelled)
        or "____" in compact
        or ("□" in compact and labelled)
        or bool(re.match(r"^[^：:]{1,10}[：:]\s*$", compact))
    )


def _header_text(header: Sequence[SheetRow], index: int) -> str:
    """The header text of a column: the lower header row's name where it has one, else the upper's."""
    for row in reversed(header):
        if index < len(row.cells) and row.cells[index].strip():
            return _SPACES.sub("", row.cells[index])
    return ""


def _column_index(wanted: str, headers: Sequence[str]) -> int | None:
    """A column named by its header text, its letter (D) or its number (4)."""
    name = header_name(wanted)
    for index, header in enumerate(headers):
        if header and header_name(header) == name:
            return index
    if re.fullmatch(r"[A-Za-z]{1,2}", wanted):
        value = 0
        for char in wanted.upper():
            value = value * 26 + ord(char) - 64
        return value - 1
    if re.fullmatch(r"\d{1,3}", wanted) and int(wanted) >= 1:
        return int(wanted) - 1
    return None


def _plain(value: float) -> str:
    return f"{value:g}"
