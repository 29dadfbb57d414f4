"""A text preview of what was recognized in a sheet, for the command line and the import dialog."""

from __future__ import annotations

from inspections.checklists.layout.cells import _plain
from inspections.checklists.layout.columns import SheetReading, column_letter
from inspections.checklists.layout.vocabulary import ROLE_LABELS


def sheet_preview_lines(reading: SheetReading) -> list[str]:
    """What the recognizer read, in words, for the user to confirm before importing (the CLI and the window)."""
    spec = reading.spec
    lines = [
        f"检查表：{spec.title}（编号 {spec.code}）",
        f"表头：第 {'、'.join(str(n) for n in reading.header_rows)} 行",
    ]
    lines.append(
        "各列："
        + "；".join(
            f"{column_letter(c.index)}列“{c.header or '（无表头）'}” → {ROLE_LABELS[c.role] if c.role else '不导入'}"
            for c in reading.columns
        )
    )
    items = spec.items()
    total = sum(i.points for i in items)
    lines.append(f"共 {len(spec.sections)} 个分组、{len(items)} 项，分值合计 {_plain(total)} 分")
    for section in spec.sections:
        stated = f"（标明 {_plain(section.points)} 分）" if section.points is not None else ""
        stated += f"（权重 {_plain(section.weight)}）" if section.weight is not None else ""
        points = sum(i.points for i in section.items)
        lines.append(f"  {section.title}{stated}：{len(section.items)} 项，{_plain(points)} 分")
    for mark, consequence, count in reading.key_kinds:
        lines.append(f"关键项“{mark}”{count} 项：不符合时 → {consequence}")
    if reading.rules:
        lines.append("读出的计分规则（来自评分标准或勾选列）：")
        lines.extend(f"  {code}：{text}" for code, text in reading.rules)
    lines.extend(f"注意：{warning}" for warning in reading.warnings)
    return lines
