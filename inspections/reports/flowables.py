"""Flowables the documents share: tables, the 版头 of a 公文, its 落款 and 版记, photos, signature lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import TypeAlias

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, HRFlowable, Spacer, Table, TableStyle

from inspections.reports.data import PhotoRow, SignatureRow
from inspections.reports.fonts import faces, missing
from inspections.reports.styles import (
    BODY_LEADING,
    BODY_SIZE,
    CELL_FONT_SIZE,
    CELL_PADDING,
    INK,
    RED,
    RULE,
    SMALL_SIZE,
    VETO_FILL,
    Para,
    esc,
    grid_table_style,
    styles,
)


@dataclass(frozen=True)
class Short:
    """A short value (number, code, date, grade; lines apart by "\\n") drawn centred as it is, without a paragraph.

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
    compact: bool = False,
) -> Table:
    """A ruled table whose header row repeats on every page; a row taller than a page is split inside it.

    Plain strings become wrapping paragraphs (escaped), ``Short`` values are drawn as they are, flowables are
    used as they are. ``highlight_rows`` (0-based, data rows) get the veto shading. ``compact``: 9 pt cells.
    """
    st = styles()
    font = st.faces.fangsong
    size = SMALL_SIZE if compact else CELL_FONT_SIZE
    cell, center, red = (st.small, st.small_center, st.small_red) if compact else (st.cell, st.cell_center, st.cell_red)
    head = [Para(esc(text), st.small_head if compact else st.cell_head) for text in header]
    style = grid_table_style(rows=len(rows) + 1, zebra=zebra, compact=compact)
    room = [width - 2 * CELL_PADDING for width in col_widths]
    body: list[list[object]] = []
    cell_style = cell
    for row_index, row in enumerate(rows, start=1):
        cells: list[object] = []
        for col_index, cell in enumerate(row):
            if isinstance(cell, str):
                cells.append(Para(esc(cell), cell_style))
            elif isinstance(cell, Short):
                widest = max(stringWidth(part, font, size) for part in cell.text.split("\n"))
                if widest > room[col_index] or missing(font, cell.text):
                    cells.append(Para(esc(cell.text), red if cell.red else center))
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


def section(title: str, *, form: bool = False) -> list[Flowable]:
    """A level-one heading (一、…, 黑体), moved to the next page when less than ~4 cm would follow it.

    Not ``keepWithNext`` alone: that keeps the heading with the whole next flowable, so a table that would fit on
    the next page is moved there entire, leaving half a page blank.
    """
    st = styles()
    return [CondPageBreak(40 * mm), Para(esc(title), st.form_h1 if form else st.h1)]


def form_head(title: str, doc_number: str, issuer: str = "") -> list[Flowable]:
    """The top of a form (反馈单, 台账): issuer, title (小标宋) and the document number, over a double rule."""
    st = styles()
    story: list[Flowable] = []
    if issuer:
        story.append(Para(esc(issuer), st.form_number))
    story.append(Para(esc(title), st.form_title))
    if doc_number:
        story.append(Para(esc(doc_number), st.form_number))
    story.append(HRFlowable(width="100%", thickness=1.2, color=RULE, spaceBefore=4, spaceAfter=1.5))
    story.append(HRFlowable(width="100%", thickness=0.4, color=RULE, spaceBefore=0, spaceAfter=8))
    return story


def red_head(mark: str, doc_number: str, width: float) -> list[Flowable]:
    """The 版头 of a 公文 (GB/T 9704 §7.2): the red 发文机关标志 (小标宋, as large as fits the 版心), the 发文字号
    two lines under it, and the red separator 4 mm under the number."""
    st = styles()
    size = min(st.red_head.fontSize, width * 0.92 / max(len(mark), 1))
    style = st.red_head.clone("red_head_fitted", fontSize=size, leading=size * 1.2)
    story: list[Flowable] = [Para(esc(mark), style), Spacer(1, 2 * BODY_LEADING - BODY_SIZE)]
    if doc_number:
        story.append(Para(esc(doc_number), st.doc_number))
    story.append(HRFlowable(width="100%", thickness=1.3, color=RED, spaceBefore=4 * mm - 6, spaceAfter=BODY_LEADING))
    return story


class ClosingBlock(Flowable):
    """发文机关署名 and 成文日期 with room for the seal (GB/T 9704 §7.3.5.1): the date four characters from the right,
    the issuer centred over the date, the seal's space above them. Kept with the end of the text by the caller."""

    SEAL_LINES = 1  # a blank line between the text and the signature: the top of the seal (GB/T 9704 §7.3.5.1)

    def __init__(self, issuer: str, date_text: str) -> None:
        super().__init__()
        self.issuer = issuer
        self.date_text = date_text

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        return availWidth, (self.SEAL_LINES + 2) * BODY_LEADING

    def draw(self) -> None:
        st = styles()
        date_width = stringWidth(self.date_text, st.body.fontName, BODY_SIZE)
        centre = self.width - 4 * BODY_SIZE - date_width / 2
        for line, text in ((1, self.issuer), (0, self.date_text)):
            paragraph = Para(esc(text), st.closing_center)
            text_width = min(self.width, stringWidth(text, st.body.fontName, BODY_SIZE) + BODY_SIZE)
            _, height = paragraph.wrap(text_width, BODY_LEADING * 3)
            x = min(max(0.0, centre - text_width / 2), self.width - text_width)
            paragraph.drawOn(self.canv, x, line * BODY_LEADING + BODY_LEADING - height + 4)


class Imprint(Flowable):
    """The 版记 (GB/T 9704 §7.4) at the foot of the last page: 抄送 and the 印发机关 and 印发日期 between rules, the
    first and last thicker. It takes the rest of the page (so it sits at the bottom) or moves to a new one."""

    LINE = 22.0

    def __init__(self, copy_to: str, printer: str, printed_on: str) -> None:
        super().__init__()
        self.copy_to = copy_to
        self.printer = printer
        self.printed_on = printed_on

    def _rows(self) -> int:
        return 2 if self.copy_to else 1

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self.needed = self._rows() * (self.LINE + 8) + 4
        self.height = max(self.needed, availHeight - 1)
        return availWidth, self.height

    def draw(self) -> None:
        st = styles()
        canvas = self.canv
        font = st.imprint.fontName
        rows = []
        if self.copy_to:
            rows.append(("抄送：" + self.copy_to.rstrip("。") + "。", ""))
        rows.append((self.printer, f"{self.printed_on}印发"))
        step = self.LINE + 8
        y = self.needed - 2
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(1.0)
        canvas.line(0, y, self.width, y)
        for index, (left, right) in enumerate(rows):
            baseline = y - step + 9
            paragraph = Para(esc(left), st.imprint)
            paragraph.wrap(self.width - 2 * 14 - stringWidth(right, font, 14), step)
            paragraph.drawOn(canvas, 14, baseline - 4)
            if right:
                canvas.setFont(font, 14)
                canvas.setFillColor(INK)
                canvas.drawRightString(self.width - 14, baseline, right)
            y -= step
            canvas.setLineWidth(1.0 if index == len(rows) - 1 else 0.5)
            canvas.line(0, y, self.width, y)
        canvas.restoreState()


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
        cell: list[object] = [FittedImage(photo.jpeg, column - 2 * padding, max_height), Para(caption, st.caption)]
        if photo.photo_caption:
            cell.append(Para(esc(photo.photo_caption), st.caption))
        cells.append(cell)
    while len(cells) % per_row:
        cells.append([])
    rows = [cells[i : i + per_row] for i in range(0, len(cells), per_row)]
    table = Table(rows, colWidths=[column] * per_row, hAlign="CENTER")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), faces().fangsong),
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
        st = styles()
        font = st.faces.fangsong
        size = 13
        date_width = 56 * mm
        for index, row in enumerate(self.rows):
            y = self.ROW_HEIGHT * (len(self.rows) - index - 1) + 6 * mm
            label = f"{row.role}（签字）："
            canvas.setFont(font, size)
            canvas.setFillColor(INK)
            if missing(font, label):  # a rare character in the institution's name: set by a paragraph (fallback)
                paragraph = Para(esc(label), st.form_plain)
                paragraph.wrapOn(canvas, self.width, self.ROW_HEIGHT)
                paragraph.drawOn(canvas, 0, y - 5)
            else:
                canvas.drawString(0, y, label)
            line_start = canvas.stringWidth(label, font, size) + 2
            line_end = self.width - date_width - 8 * mm
            canvas.setStrokeColor(RULE)
            canvas.setLineWidth(0.6)
            canvas.line(line_start, y - 3, line_end, y - 3)
            date_x = self.width - date_width
            canvas.drawString(date_x, y, "日期：")
            date_text_x = date_x + canvas.stringWidth("日期：", font, size)
            canvas.line(date_text_x, y - 3, self.width, y - 3)
            canvas.drawRightString(self.width - 2, y + 1, "年　　月　　日")
            if row.names:
                names = Para(f'<font size="9" color="#555555">（{esc(row.names)}）</font>', st.note)
                names.wrapOn(canvas, line_end - line_start, 20)
                names.drawOn(canvas, line_start + 2, y - 17)


class EndWithText(Flowable):
    """The end of a document's text (``body``, paragraphs) and what must stay on its page (``tail``: 附件说明,
    签字, 落款 with the seal's room). The text fills the page as usual; only when the tail would not fit after it do
    the text's last lines move to the next page with the tail, so the 落款 never stands alone (GB/T 9704 §7.3.5)."""

    def __init__(self, body: Sequence[Flowable], tail: Sequence[Flowable]) -> None:
        super().__init__()
        self.body = list(body)
        self.tail = list(tail)

    def _heights(self, width: float, height: float, flowables: Sequence[Flowable]) -> list[float]:
        return [f.wrap(width, height)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in flowables]

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self.height = sum(self._heights(availWidth, availHeight, [*self.body, *self.tail]))
        return availWidth, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        tail = sum(self._heights(availWidth, availHeight, self.tail))
        heights = self._heights(availWidth, availHeight, self.body)
        if sum(heights) + tail <= availHeight:
            return [self]
        # Keep what fits of the text here, leaving at least its last line for the next page with the tail.
        used = 0.0
        for index, (flowable, height) in enumerate(zip(self.body, heights, strict=True)):
            last = index == len(self.body) - 1
            if used + height <= availHeight and not last:
                used += height
                continue
            room = min(availHeight - used, height - 1) if last else availHeight - used
            pieces = flowable.split(availWidth, room) if room > 0 else []
            if len(pieces) == 2:
                return [*self.body[:index], pieces[0], EndWithText([pieces[1], *self.body[index + 1 :]], self.tail)]
            if index == 0:
                return []  # nothing can stay here: all of it goes to the next page
            return [*self.body[:index], EndWithText(self.body[index:], self.tail)]
        return []

    def draw(self) -> None:
        y = self.height
        for flowable in [*self.body, *self.tail]:
            _, height = flowable.wrap(self.width, self.height)
            y -= flowable.getSpaceBefore() + height
            flowable.drawOn(self.canv, 0, y)
            y -= flowable.getSpaceAfter()
