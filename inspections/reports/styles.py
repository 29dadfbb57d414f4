"""The stylesheet: every paragraph and table style the documents use, as data, in one place.

We have one face (WenQuanYi Micro Hei) and no bold, so the official 黑体/仿宋 hierarchy is carried by size,
spacing, rules and shading. All paragraph styles wrap Chinese text anywhere (``wordWrap='CJK'``).
"""

from __future__ import annotations

from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab.lib import colors, textsplit
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import TableStyle, paragraph

from inspections.reports.fonts import register_fonts

# WORKAROUND: ReportLab's list of characters that may not start a line (kinsoku) is Japanese and lacks the
# Chinese full-width punctuation, so "，" "；" "：" could begin a line. Both modules keep their own copy.
CHINESE_CANNOT_START = "，；：！？％》〉”’"
for _module in (textsplit, paragraph):
    if CHINESE_CANNOT_START[0] not in _module.ALL_CANNOT_START:
        _module.ALL_CANNOT_START += CHINESE_CANNOT_START

RED = colors.HexColor("#C00000")  # 红头 and veto marks
INK = colors.HexColor("#1A1A1A")
GREY = colors.HexColor("#666666")
RULE = colors.HexColor("#333333")
HEADER_FILL = colors.HexColor("#E6E6E6")
ZEBRA_FILL = colors.HexColor("#F6F6F6")
VETO_FILL = colors.HexColor("#FBE4E4")
CELL_FONT_SIZE = 9
CELL_PADDING = 4

WATERMARK = colors.Color(0.6, 0.6, 0.6, alpha=0.22)


class Styles:
    """The documents' paragraph styles. Build through ``styles()``, which registers the font first."""

    def __init__(self, font: str) -> None:
        base = ParagraphStyle(
            "base",
            fontName=font,
            fontSize=10.5,
            leading=16,
            textColor=INK,
            wordWrap="CJK",
            alignment=TA_JUSTIFY,
        )
        self.base = base
        self.red_head = ParagraphStyle(
            "red_head", parent=base, fontSize=24, leading=30, alignment=TA_CENTER, textColor=RED, spaceAfter=6
        )
        self.title = ParagraphStyle(
            "title", parent=base, fontSize=20, leading=28, alignment=TA_CENTER, spaceBefore=4, spaceAfter=4
        )
        self.doc_number = ParagraphStyle(
            "doc_number", parent=base, fontSize=11, leading=16, alignment=TA_CENTER, spaceAfter=2
        )
        self.h1 = ParagraphStyle(
            "h1",
            parent=base,
            fontSize=14,
            leading=20,
            alignment=TA_LEFT,
            spaceBefore=12,
            spaceAfter=6,
        )
        self.h2 = ParagraphStyle(
            "h2",
            parent=base,
            fontSize=12,
            leading=17,
            alignment=TA_LEFT,
            spaceBefore=8,
            spaceAfter=4,
            keepWithNext=1,
        )
        self.body = ParagraphStyle("body", parent=base, spaceAfter=4)
        self.body_indent = ParagraphStyle("body_indent", parent=self.body, firstLineIndent=21)
        self.salutation = ParagraphStyle("salutation", parent=base, fontSize=12, leading=20, spaceBefore=6)
        self.note = ParagraphStyle(
            "note", parent=base, fontSize=9, leading=13.5, textColor=GREY, spaceBefore=3, spaceAfter=2
        )
        self.cell = ParagraphStyle("cell", parent=base, fontSize=9, leading=12.5, alignment=TA_LEFT)
        self.cell_center = ParagraphStyle("cell_center", parent=self.cell, alignment=TA_CENTER)
        self.cell_right = ParagraphStyle("cell_right", parent=self.cell, alignment=TA_RIGHT)
        self.cell_red = ParagraphStyle("cell_red", parent=self.cell_center, textColor=RED)
        self.cell_head = ParagraphStyle("cell_head", parent=self.cell, alignment=TA_CENTER)
        self.label = ParagraphStyle("label", parent=self.cell, fontSize=10, leading=14, alignment=TA_CENTER)
        self.value = ParagraphStyle("value", parent=self.cell, fontSize=10, leading=14)
        self.caption = ParagraphStyle("caption", parent=base, fontSize=9, leading=12.5, alignment=TA_CENTER)
        self.closing = ParagraphStyle("closing", parent=base, fontSize=12, leading=20, alignment=TA_RIGHT)


@lru_cache(maxsize=1)
def styles() -> Styles:
    """The shared stylesheet (the font is registered on first call)."""
    return Styles(register_fonts())


def esc(text: str) -> str:
    """Escape user text for Paragraph markup (``<``, ``>``, ``&``) and keep its line breaks."""
    return escape(text).replace("\n", "<br/>")


def grid_table_style(*, header_rows: int = 1, zebra: bool = True, rows: int = 0) -> TableStyle:
    """A ruled table with a shaded header row (repeated on every page by ``repeatRows``)."""
    commands: list[tuple[object, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), register_fonts()),
        ("FONTSIZE", (0, 0), (-1, -1), CELL_FONT_SIZE),
        ("LEADING", (0, 0), (-1, -1), 12.5),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),  # plain-text cells; paragraphs align themselves
        ("GRID", (0, 0), (-1, -1), 0.5, RULE),
        ("BOX", (0, 0), (-1, -1), 1.0, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ]
    if header_rows:
        commands.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), HEADER_FILL))
        commands.append(("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 1.0, RULE))
    if zebra:
        commands.extend(("BACKGROUND", (0, row), (-1, row), ZEBRA_FILL) for row in range(header_rows + 1, rows, 2))
    return TableStyle(commands)


def key_value_table_style(label_cells: list[tuple[int, int]]) -> TableStyle:
    """The boxed 项目/内容 grid at the top of a form (受检机构, 检查日期 …): shaded label cells (column, row)."""
    commands: list[tuple[object, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), register_fonts()),
        ("GRID", (0, 0), (-1, -1), 0.5, RULE),
        ("BOX", (0, 0), (-1, -1), 1.2, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]
    commands.extend(("BACKGROUND", cell, cell, HEADER_FILL) for cell in label_cells)
    return TableStyle(commands)
