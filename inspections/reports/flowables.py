"""Small flowables the documents share: a photo scaled to fit, the photo grid, signature lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import TypeAlias

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, HRFlowable, Paragraph, Spacer, Table, TableStyle

from inspections.reports.data import PhotoRow, SignatureRow
from inspections.reports.fonts import register_fonts
from inspections.reports.styles import (
    CELL_FONT_SIZE,
    CELL_PADDING,
    GREY,
    INK,
    RED,
    RULE,
    VETO_FILL,
    esc,
    grid_table_style,
    styles,
)


@dataclass(frozen=True)
class Short:
    """A short value (number, code, date, grade) drawn centred as it is, without a paragraph.

    Tables of hundreds of rows spend most of their time wrapping paragraphs; a value that fits its column needs
    none. One that does not fit after all becomes a wrapping paragraph, so nothing overflows.
    """

    text: str
    red: bool = False


Cell: TypeAlias = str | Short | Flowable

IN_ROW_SPLIT_MIN = 80 * mm


class SplittingTable(Table):
    """A table that splits between rows and, only for a row too tall for a page, inside the row.

    ReportLab's ``splitInRow`` alone also slices an ordinary row at the foot of a page into a sliver, leaving a
    repeated header with nothing under it; so in-row splitting is allowed only with plenty of room left, which
    an ordinary row never needs.
    """

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self.splitInRow = 1 if availHeight >= IN_ROW_SPLIT_MIN else 0
        return list(super().split(availWidth, availHeight))


def data_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    col_widths: Sequence[float],
    *,
    highlight_rows: Sequence[int] = (),
    zebra: bool = True,
) -> Table:
    """A ruled table whose header row repeats on every page; a row taller than a page is split inside it.

    Plain strings become wrapping paragraphs (escaped), ``Short`` values are drawn as they are, flowables are
    used as they are. ``highlight_rows`` (0-based, data rows) get the veto shading.
    """
    st = styles()
    font = register_fonts()
    head = [Paragraph(esc(text), st.cell_head) for text in header]
    style = grid_table_style(rows=len(rows) + 1, zebra=zebra)
    room = [width - 2 * CELL_PADDING for width in col_widths]
    body: list[list[object]] = []
    for row_index, row in enumerate(rows, start=1):
        cells: list[object] = []
        for col_index, cell in enumerate(row):
            if isinstance(cell, str):
                cells.append(Paragraph(esc(cell), st.cell))
            elif isinstance(cell, Short):
                if stringWidth(cell.text, font, CELL_FONT_SIZE) > room[col_index]:
                    cells.append(Paragraph(esc(cell.text), st.cell_red if cell.red else st.cell_center))
                else:
                    cells.append(cell.text)
                    if cell.red:
                        style.add("TEXTCOLOR", (col_index, row_index), (col_index, row_index), RED)
            else:
                cells.append(cell)
        body.append(cells)
    table = SplittingTable([head, *body], colWidths=list(col_widths), repeatRows=1, hAlign="CENTER")
    for index in highlight_rows:
        style.add("BACKGROUND", (0, index + 1), (-1, index + 1), VETO_FILL)
    table.setStyle(style)
    return table


def section(title: str) -> list[Flowable]:
    """A numbered section heading (一、…), moved to the next page when less than ~4 cm would follow it.

    Not ``keepWithNext``: that keeps the heading with the whole next flowable, so a table that would fit on the
    next page is moved there entire, leaving half a page blank.
    """
    return [CondPageBreak(40 * mm), Paragraph(esc(title), styles().h1)]


def official_head(issuer: str, title: str, doc_number: str, *, red: bool) -> list[Flowable]:
    """The top of an official document: issuer (红头 when ``red``), title, document number and the rule under it."""
    st = styles()
    story: list[Flowable] = []
    if issuer:
        story.append(Paragraph(esc(issuer), st.red_head if red else st.doc_number))
    if red and issuer:
        if doc_number:
            story.append(Paragraph(esc(doc_number), st.doc_number))
        story.append(HRFlowable(width="100%", thickness=2, color=RED, spaceBefore=2, spaceAfter=10))
        story.append(Paragraph(esc(title), st.title))
        story.append(Spacer(1, 6))
    else:
        story.append(Paragraph(esc(title), st.title))
        if doc_number:
            story.append(Paragraph(esc(doc_number), st.doc_number))
        story.append(HRFlowable(width="100%", thickness=1.2, color=RULE, spaceBefore=4, spaceAfter=1))
        story.append(HRFlowable(width="100%", thickness=0.4, color=RULE, spaceBefore=0, spaceAfter=10))
    return story


class JpegReader(ImageReader):
    """An ImageReader for JPEG bytes that never decodes the pixels.

    ``Canvas.drawImage`` names an image by hashing ``getRGBData()``; for a 2048 px photo that decodes ~9 MB of
    pixels only to hash them (about 80 ms a photo, the larger part of a report's time). The JPEG bytes identify
    the image just as well, and the PDF embeds them as they are (DCTDecode) either way.
    """

    def __init__(self, jpeg: bytes) -> None:
        super().__init__(BytesIO(jpeg))
        if getattr(self._image, "format", None) != "JPEG":
            raise ValueError("photo is not a JPEG")
        self._jpeg = jpeg

    def getRGBData(self) -> bytes:
        self._dataA = None  # no alpha channel: drawImage reads this for a soft mask
        return self._jpeg


class FittedImage(Flowable):
    """A JPEG drawn as large as fits a ``box_width`` × ``box_height`` box, centred in it, keeping its aspect ratio.

    The box is fixed so captions in a row of photos line up whatever the photos' shapes. The bytes go to the
    PDF as they are (DCTDecode): the photos arrive already downscaled, so nothing is re-encoded.
    """

    def __init__(self, jpeg: bytes, box_width: float, box_height: float) -> None:
        super().__init__()
        self._reader = JpegReader(jpeg)
        pixel_width, pixel_height = self._reader.getSize()
        scale = min(box_width / pixel_width, box_height / pixel_height)
        self.box_width = box_width
        self.box_height = box_height
        self.draw_width = pixel_width * scale
        self.draw_height = pixel_height * scale

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.box_width, self.box_height

    def draw(self) -> None:
        canvas = self.canv
        x = (self.box_width - self.draw_width) / 2
        y = (self.box_height - self.draw_height) / 2
        canvas.drawImage(self._reader, x, y, self.draw_width, self.draw_height)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.4)
        canvas.rect(x, y, self.draw_width, self.draw_height)


def photo_grid(photos: Sequence[PhotoRow], width: float, *, per_row: int = 2, max_height: float = 68 * mm) -> Table:
    """Photos two to a row, each captioned by its item code and text and, under that, the photo's own caption;
    rows never split, the table does."""
    st = styles()
    padding = 3 * mm
    column = width / per_row
    cells: list[list[object]] = []
    for photo in photos:
        caption = f"{esc(photo.item_code)}　{esc(photo.caption)}" if photo.item_code else esc(photo.caption)
        cell: list[object] = [FittedImage(photo.jpeg, column - 2 * padding, max_height), Paragraph(caption, st.caption)]
        if photo.photo_caption:
            cell.append(Paragraph(esc(photo.photo_caption), st.caption))
        cells.append(cell)
    while len(cells) % per_row:
        cells.append([])
    rows = [cells[i : i + per_row] for i in range(0, len(cells), per_row)]
    table = Table(rows, colWidths=[column] * per_row, hAlign="CENTER")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), register_fonts()),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("LEFTPADDING", (0, 0), (-1, -1), padding),
                ("RIGHTPADDING", (0, 0), (-1, -1), padding),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
            ]
        )
    )
    return table


class SignatureBlock(Flowable):
    """Lines to sign by hand: ``role（签字）：________  日期：____年__月__日``, the printed names under the line."""

    ROW_HEIGHT = 15 * mm

    def __init__(self, rows: Sequence[SignatureRow]) -> None:
        super().__init__()
        self.rows = tuple(rows)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        return availWidth, self.ROW_HEIGHT * len(self.rows)

    def draw(self) -> None:
        canvas = self.canv
        font = register_fonts()
        date_width = 52 * mm
        for index, row in enumerate(self.rows):
            y = self.ROW_HEIGHT * (len(self.rows) - index - 1) + 6 * mm
            label = f"{row.role}（签字）："
            canvas.setFont(font, 11)
            canvas.setFillColor(INK)
            canvas.drawString(0, y, label)
            line_start = canvas.stringWidth(label, font, 11) + 2
            line_end = self.width - date_width - 8 * mm
            canvas.setStrokeColor(RULE)
            canvas.setLineWidth(0.6)
            canvas.line(line_start, y - 2, line_end, y - 2)
            date_x = self.width - date_width
            canvas.drawString(date_x, y, "日期：")
            date_text_x = date_x + canvas.stringWidth("日期：", font, 11)
            canvas.line(date_text_x, y - 2, self.width, y - 2)
            canvas.setFont(font, 10)
            canvas.drawRightString(self.width - 2, y + 1, "年　　月　　日")
            if row.names:
                canvas.setFont(font, 8)
                canvas.setFillColor(GREY)
                canvas.drawString(line_start + 2, y - 11, f"（{row.names}）")
