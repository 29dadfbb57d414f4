"""Scoring rules written in a sheet's criteria text, read into data.

- ``是3;不规范1;否0`` / ``是1，否0``: fixed options, each with its points (a custom response set).
- ``每发现一处扣2分，扣完为止`` / ``有一处…扣1.5分`` / ``每缺1例扣1分``: per occurrence, capped at the item's points.
- ``一项不符合扣2分，其中(5)如无…扣4分`` over "(1) … (2) …" in the item text: per failed sub-item, with exceptions.
- anything else (``未开展不得分``, ``全扣``) stays the default 符合 / 部分符合 / 不符合 answer.

The parse is conservative: a rule is only read when the whole pattern is there and its numbers fit the item's points;
otherwise the item keeps the default answers and its criteria text, as written.
"""

from __future__ import annotations

import re
import unicodedata

from inspections.checklists.spec import Deduction, ItemSpec, Outcome, ResponseOption

_NUMBER = r"(\d+(?:\.\d+)?)"
_OPTION = re.compile(rf"^([^\d;；,，、/\s]{{1,12}}?)\s*[:：]?\s*{_NUMBER}\s*分?$")
_OPTION_SPLIT = re.compile(r"\s*[;；,，、/]\s*")
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
# "每发现一处扣2分", "有一处…扣1.5分", "每缺1例扣1分", "发现1人次…扣0.5分"
_PER_OCCURRENCE = re.compile(
    r"(?:每|有|发现)(?:发现|缺|少|漏|查到)?\s*(?:[一1]|１)\s*(处|例|人次|次|份|人|名|个|本|间|件|把|张|床|项次)[^；;。扣]{0,40}?扣\s*"
    + _NUMBER
    + r"\s*分"
)
_PER_ELEMENT = re.compile(
    r"(?:每|有|缺)?\s*(?:[一1])\s*(项|条)\s*(?:不符合|不合格|未落实|不达标|缺失|未做到)?[^；;。扣]{0,20}?扣\s*"
    + _NUMBER
    + r"\s*分"
)
_EXCEPTION = re.compile(r"[(（]\s*(\d{1,2})\s*[)）][^；;。(（]{0,40}?扣\s*" + _NUMBER + r"\s*分")
_SUBITEM_MARK = re.compile(r"[(（]\s*(\d{1,2})\s*[)）]")
_CAP = re.compile(r"扣完为止|扣完本项分值为止|扣至0分|扣满为止|扣完即止")


def _normalized(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def parse_options(criteria: str, points: float) -> tuple[ResponseOption, ...] | None:
    """Fixed options "是3;不规范1;否0": each label with its points, the highest equal to ``points``, one worth 0.

    The highest option is 符合 (pass), 0 is 不符合 (fail), anything between is 部分符合 (partial).
    """
    text = _normalized(criteria).rstrip("。.")
    parts = [part for part in _OPTION_SPLIT.split(text) if part]
    if not 2 <= len(parts) <= 6:
        return None
    parsed: list[tuple[str, float]] = []
    for part in parts:
        match = _OPTION.match(part)
        if match is None:
            return None
        label, value = match.group(1).strip(), float(match.group(2))
        if not label or any(label == seen for seen, _ in parsed):
            return None
        parsed.append((label, value))
    values = [value for _, value in parsed]
    if max(values) != points or 0 not in values or len(set(values)) != len(values):
        return None
    options: list[ResponseOption] = []
    partial_count = 0
    for label, value in parsed:
        outcome: Outcome
        if value == points:
            outcome, code = "pass", "pass"
        elif value == 0:
            outcome, code = "fail", "fail"
        else:
            partial_count += 1
            outcome, code = "partial", "partial" if partial_count == 1 else f"partial{partial_count}"
        options.append(ResponseOption(code, label, value + 0.0, outcome))
    return tuple(options)


def options_set_name(options: tuple[ResponseOption, ...]) -> str:
    """The name a parsed option set is stored under: its labels and points, "是3/不规范1/否0"."""
    return "/".join(f"{o.label}{_plain(o.points or 0.0)}" for o in options)


def split_subitems(text: str) -> tuple[str, ...]:
    """The sub-requirements "(1) … (2) …" of an item text, numbered from 1 without gaps; () when fewer than 2."""
    normalized = _normalized(text)
    marks = list(_SUBITEM_MARK.finditer(normalized))
    numbers = [int(m.group(1)) for m in marks]
    if len(marks) < 2 or numbers != list(range(1, len(marks) + 1)):
        return ()
    parts: list[str] = []
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(normalized)
        part = normalized[mark.end() : end].strip(" ；;，,。、\n")
        if not part:
            return ()
        parts.append(part)
    return tuple(parts)


def parse_deduction(text: str, criteria: str, points: float) -> Deduction | None:
    """A per-occurrence or per-sub-item deduction written in ``criteria``; None when there is none to read."""
    rule = _normalized(criteria)
    if not rule or points <= 0:
        return None
    subitems = split_subitems(text)
    element = _PER_ELEMENT.search(rule)
    if subitems and element is not None:
        per = float(element.group(2))
        exceptions = tuple(
            (int(m.group(1)), float(m.group(2)))
            for m in _EXCEPTION.finditer(rule[element.end() :])
            if 1 <= int(m.group(1)) <= len(subitems)
        )
        if per <= 0 or per > points or any(value > points for _, value in exceptions):
            return None
        return Deduction(per=per, unit="项", subitems=subitems, exceptions=exceptions)
    occurrence = _PER_OCCURRENCE.search(rule)
    if occurrence is None and element is not None and _CAP.search(rule):
        occurrence = element
    if occurrence is None:
        return None
    per = float(occurrence.group(2))
    if per <= 0 or per > points:
        return None
    return Deduction(per=per, unit=occurrence.group(1))


def describe_rule(item: ItemSpec, options: tuple[ResponseOption, ...] | None = None) -> str:
    """The rule read from an item's criteria, in words, for the import preview ("" for the default answers)."""
    if options:
        return "选项：" + "；".join(f"{o.label} {_plain(o.points or 0.0)} 分" for o in options if o.points is not None)
    deduction = item.deduction
    if deduction is None:
        return ""
    cap = _plain(deduction.cap if deduction.cap is not None else item.points)
    if deduction.subitems:
        text = f"{len(deduction.subitems)} 个子项逐项判定，每项不符合扣 {_plain(deduction.per)} 分"
        if deduction.exceptions:
            text += "（" + "，".join(f"第 {n} 项扣 {_plain(v)} 分" for n, v in deduction.exceptions) + "）"
        return f"{text}，最多扣 {cap} 分"
    return f"每发现一{deduction.unit}扣 {_plain(deduction.per)} 分，最多扣 {cap} 分（扣完为止）"


def _plain(value: float) -> str:
    return f"{value:g}"
