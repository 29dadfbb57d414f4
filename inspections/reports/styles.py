"""The stylesheet: every paragraph and table style the documents use, as data, in one place.

Sizes follow GB/T 9704: 3号 (16 pt) 仿宋 body with 22 lines to a 225 mm page, 2号 (22 pt) 小标宋 title, 黑体 and 楷体
level headings; the forms (反馈单, 台账) and the tables in the documents use the same faces at 五号 (10.5 pt). Every
paragraph wraps by the Chinese rules (``linebreak``), and ``Para`` sets characters a face lacks in one that has them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, TableStyle

from inspections.reports import linebreak
from inspections.reports.fonts import Faces, faces, register_fonts, with_fallback

linebreak.install()

RED = colors.HexColor("#E60012")  # 红头, the separator and veto marks
INK = colors.black
GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#000000")
HEADER_FILL = colors.HexColor("#E8E8E8")
ZEBRA_FILL = colors.HexColor("#F6F6F6")
VETO_FILL = colors.HexColor("#FBE4E4")
CELL_FONT_SIZE = 10.5
CELL_LEADING = 14
CELL_PADDING = 3.5
SMALL_SIZE = 9
SMALL_LEADING = 11.5

BODY_SIZE = 16  # 3号
BODY_LEADING = 28.9  # 22 lines on the 225 mm 版心
TITLE_SIZE = 22  # 2号
INDENT = 2 * BODY_SIZE  # 首行缩进两字

WATERMARK = colors.Color(0.6, 0.6, 0.6, alpha=0.22)


class Para(Paragraph):
    """A paragraph whose characters missing from its face are set in a fallback face (never a box).

    Its lines are broken once per width: a table cell is measured, laid out and drawn at the same width, and
    breaking the lines of thousands of cells again each time was most of a long ledger's time.
    """

    _wrapped_at: float | None = None

    def __init__(self, text: str | None, style: ParagraphStyle, *args: Any, **kwargs: Any) -> None:
        # ``None`` when ReportLab splits a paragraph into two (the pieces carry their fragments).
        super().__init__(with_fallback(text, style.fontName) if text is not None else None, style, *args, **kwargs)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self._wrapped_at == availWidth and "blPara" in self.__dict__ and "height" in self.__dict__:
            return self.width, self.height
        width, height = super().wrap(availWidth, availHeight)
        self._wrapped_at = availWidth
        return width, height


class Styles:
    """The documents' paragraph styles for one set of faces. Build through ``styles()``."""

    def __init__(self, f: Faces) -> None:
        self.faces = f
        base = ParagraphStyle(
            "base",
            fontName=f.fangsong,
            fontSize=BODY_SIZE,
            leading=BODY_LEADING,
            textColor=INK,
            wordWrap="CJK",
            alignment=TA_JUSTIFY,
        )
        self.base = base
        # --- 公文 (GB/T 9704) ---
        self.red_head = ParagraphStyle(
            "red_head", parent=base, fontName=f.xiaobiaosong, fontSize=40, leading=50, alignment=TA_CENTER,
            textColor=RED,
        )  # fmt: skip
        self.doc_number = ParagraphStyle("doc_number", parent=base, alignment=TA_CENTER)
        self.title = ParagraphStyle(
            "title", parent=base, fontName=f.xiaobiaosong, fontSize=TITLE_SIZE, leading=33, alignment=TA_CENTER
        )
        self.salutation = ParagraphStyle("salutation", parent=base, alignment=TA_LEFT)
        self.body = ParagraphStyle("body", parent=base)
        self.body_indent = ParagraphStyle("body_indent", parent=base, firstLineIndent=INDENT)
        self.h1 = ParagraphStyle(
            "h1", parent=base, fontName=f.heiti, firstLineIndent=INDENT, alignment=TA_LEFT,
            spaceBefore=6,
        )  # fmt: skip
        self.h2 = ParagraphStyle(
            "h2", parent=base, fontName=f.kaiti, firstLineIndent=INDENT, alignment=TA_LEFT, keepWithNext=1
        )
        self.closing = ParagraphStyle("closing", parent=base, alignment=TA_RIGHT)
        self.closing_center = ParagraphStyle("closing_center", parent=base, alignment=TA_CENTER)
        self.attachment_label = ParagraphStyle("attachment_label", parent=base, fontName=f.heiti, alignment=TA_LEFT)
        self.attachment_title = ParagraphStyle(
            "attachment_title", parent=self.title, fontSize=18, leading=28, spaceBefore=6, spaceAfter=10
        )
        self.imprint = ParagraphStyle("imprint", parent=base, fontSize=14, leading=22, alignment=TA_LEFT)
        # --- forms (反馈单, 台账) and notes ---
        self.form_title = ParagraphStyle(
            "form_title", parent=self.title, fontSize=TITLE_SIZE, leading=32, spaceAfter=4
        )
        self.form_number = ParagraphStyle("form_number", parent=base, fontSize=12, leading=18, alignment=TA_CENTER)
        self.form_h1 = ParagraphStyle(
            "form_h1", parent=base, fontName=f.heiti, fontSize=14, leading=22, spaceBefore=8, spaceAfter=4,
            alignment=TA_LEFT,
        )  # fmt: skip
        self.form_h2 = ParagraphStyle(
            "form_h2", parent=self.form_h1, fontName=f.kaiti, fontSize=13, leading=20, spaceBefore=4, spaceAfter=2,
            keepWithNext=1,
        )  # fmt: skip
        self.form_body = ParagraphStyle("form_body", parent=base, fontSize=13, leading=21, firstLineIndent=26)
        self.form_plain = ParagraphStyle("form_plain", parent=self.form_body, firstLineIndent=0)
        self.result = ParagraphStyle(
            "result", parent=base, fontName=f.heiti, fontSize=14, leading=22, alignment=TA_LEFT
        )
        self.note = ParagraphStyle(
            "note", parent=base, fontSize=10.5, leading=15, textColor=INK, spaceBefore=3, spaceAfter=2
        )
        self.cell = ParagraphStyle(
            "cell", parent=base, fontSize=CELL_FONT_SIZE, leading=CELL_LEADING, alignment=TA_LEFT
        )
        self.cell_center = ParagraphStyle("cell_center", parent=self.cell, alignment=TA_CENTER)
        self.cell_right = ParagraphStyle("cell_right", parent=self.cell, alignment=TA_RIGHT)
        self.cell_red = ParagraphStyle("cell_red", parent=self.cell_center, textColor=RED)
        self.cell_head = ParagraphStyle("cell_head", parent=self.cell, fontName=f.heiti, alignment=TA_CENTER)
        self.cell_group = ParagraphStyle("cell_group", parent=self.cell, fontName=f.heiti)
        # The 台账's denser cells (9 pt): a landscape page holds about twice the rows.
        self.small = ParagraphStyle("small", parent=self.cell, fontSize=SMALL_SIZE, leading=SMALL_LEADING)
        self.small_center = ParagraphStyle("small_center", parent=self.small, alignment=TA_CENTER)
        self.small_red = ParagraphStyle("small_red", parent=self.small_center, textColor=RED)
        self.small_head = ParagraphStyle("small_head", parent=self.small, fontName=f.heiti, alignment=TA_CENTER)
        self.small_group = ParagraphStyle("small_group", parent=self.small, fontName=f.heiti)
        self.label = ParagraphStyle("label", parent=self.cell, fontName=f.heiti, fontSize=11, leading=15,
                                    alignment=TA_CENTER)  # fmt: skip
        self.value = ParagraphStyle("value", parent=self.cell, fontSize=11.5, leading=15)
        self.caption = ParagraphStyle("caption", parent=self.cell, alignment=TA_CENTER)


@lru_cache(maxsize=8)
def _styles(f: Faces) -> Styles:
    return Styles(f)


def styles() -> Styles:
    """The stylesheet for the faces of the document being rendered (see ``fonts.using_faces``)."""
    register_fonts()
    return _styles(faces())


def esc(text: str) -> str:
    """Escape user text for Paragraph markup (``<``, ``>``, ``&``) and keep its line breaks."""
    return escape(text).replace("\n", "<br/>")


def grid_table_style(
    *, header_rows: int = 1, zebra: bool = False, rows: int = 0, compact: bool = False
) -> TableStyle:
    """A ruled table with a shaded header row (repeated on every page by ``repeatRows``)."""
    commands: list[tuple[object, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), styles().faces.fangsong),
        ("FONTSIZE", (0, 0), (-1, -1), SMALL_SIZE if compact else CELL_FONT_SIZE),
        ("LEADING", (0, 0), (-1, -1), SMALL_LEADING if compact else CELL_LEADING),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),  # plain-text cells; paragraphs align themselves
        ("GRID", (0, 0), (-1, -1), 0.5, RULE),
        ("BOX", (0, 0), (-1, -1), 1.0, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5 if compact else 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5 if compact else 3.5),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ]
    if header_rows:
        commands.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), HEADER_FILL))
    if zebra:
        commands.extend(("BACKGROUND", (0, row), (-1, row), ZEBRA_FILL) for row in range(header_rows + 1, rows, 2))
    return TableStyle(commands)


def key_value_table_style(label_cells: list[tuple[int, int]]) -> TableStyle:
    """The boxed 项目/内容 grid at the top of a form (受检机构, 检查日期 …): shaded label cells (column, row)."""
    commands: list[tuple[object, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), styles().faces.fangsong),
        ("GRID", (0, 0), (-1, -1), 0.5, RULE),
        ("BOX", (0, 0), (-1, -1), 1.0, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]
    commands.extend(("BACKGROUND", cell, cell, HEADER_FILL) for cell in label_cells)
    return TableStyle(commands)
