"""Page templates: A4 frame, running header, the "第 X 页 共 Y 页" footer and the 草稿 watermark."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import IO, Any

from reportlab import rl_config
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from inspections.reports.fonts import register_fonts
from inspections.reports.output import Output, deliver
from inspections.reports.styles import GREY, RULE, WATERMARK

PORTRAIT = A4
LANDSCAPE = landscape(A4)

MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 22 * mm
MARGIN_SIDE = 20 * mm


@dataclass(frozen=True)
class PageDecor:
    """What every page carries besides the story: header texts, footer texts and the draft watermark."""

    running_title: str  # left of the header, from page 2 on
    doc_number: str = ""  # right of the header
    data_as_of: str = ""  # "数据截至 2026年11月28日 14:03", left of the footer
    check_code: str = ""  # "校验码 1a2b3c4d", right of the footer
    draft: bool = False
    header_on_first_page: bool = False  # the first page's title block usually is the header

    def on_page(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        """Drawn before the page's content: the running header."""
        if canvas.getPageNumber() > 1 or self.header_on_first_page:
            self._draw_header(canvas, doc, doc.pagesize[1])

    def finish_page(self, canvas: Canvas, page: int, total: int) -> None:
        """Drawn over the content once the page count is known (see ``NumberedCanvas``): footer and watermark."""
        width, height = canvas._pagesize
        self._draw_footer(canvas, page, total, width)
        if self.draft:
            # Over the content, translucent: shaded table cells would hide a watermark drawn underneath.
            self._draw_watermark(canvas, width, height)

    def _draw_footer(self, canvas: Canvas, page: int, total: int, width: float) -> None:
        font = register_fonts()
        y = MARGIN_BOTTOM - 12 * mm
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_SIDE, y + 11, width - MARGIN_SIDE, y + 11)
        canvas.setFillColor(GREY)
        canvas.setFont(font, 8)
        if self.data_as_of:
            canvas.drawString(MARGIN_SIDE, y, self.data_as_of)
        if self.check_code:
            canvas.drawRightString(width - MARGIN_SIDE, y, self.check_code)
        canvas.setFont(font, 9)
        canvas.setFillColorRGB(0, 0, 0)
        canvas.drawCentredString(width / 2, y, f"第 {page} 页 共 {total} 页")
        canvas.restoreState()

    def _draw_header(self, canvas: Canvas, doc: BaseDocTemplate, height: float) -> None:
        font = register_fonts()
        y = height - MARGIN_TOP + 8 * mm
        width = doc.pagesize[0]
        canvas.saveState()
        canvas.setFont(font, 8.5)
        canvas.setFillColor(GREY)
        room = width - 2 * MARGIN_SIDE - canvas.stringWidth(self.doc_number, font, 8.5) - 6 * mm
        canvas.drawString(MARGIN_SIDE, y, _clip(self.running_title, room, font, 8.5))
        if self.doc_number:
            canvas.drawRightString(width - MARGIN_SIDE, y, self.doc_number)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_SIDE, y - 4, width - MARGIN_SIDE, y - 4)
        canvas.restoreState()

    @staticmethod
    def _draw_watermark(canvas: Canvas, width: float, height: float) -> None:
        font = register_fonts()
        canvas.saveState()
        canvas.setFillColor(WATERMARK)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(35)
        canvas.setFont(font, 120)
        canvas.drawCentredString(0, -40, "草稿")
        canvas.setFont(font, 16)
        canvas.drawCentredString(0, -80, "未定稿 · 不作为正式文书")
        canvas.restoreState()


def _clip(text: str, width: float, font: str, size: float) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` (a long institution name must not run into the number)."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


class NumberedCanvas(Canvas):
    """A canvas that holds its pages back until ``save`` so each footer can say how many pages there are.

    One pass instead of building the story twice: page states are kept (their content streams are small) and
    the footers are stamped on top when the total is known.
    """

    def __init__(self, *args: Any, decor: PageDecor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._decor = decor
        self._page_states: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._page_states.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._page_states)
        for number, state in enumerate(self._page_states, start=1):
            self.__dict__.update(state)
            self._decor.finish_page(self, number, total)
            super().showPage()
        super().save()


class OfficialDocTemplate(BaseDocTemplate):
    """A4 document with one full-width frame and the decor on every page."""

    def __init__(
        self,
        out: Output,
        *,
        decor: PageDecor,
        pagesize: tuple[float, float] = PORTRAIT,
        invariant: bool = False,
        title: str = "",
        author: str = "",
        subject: str = "",
    ) -> None:
        super().__init__(
            io.BytesIO(),  # replaced in render(): the document is written through deliver()
            pagesize=pagesize,
            leftMargin=MARGIN_SIDE,
            rightMargin=MARGIN_SIDE,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=title,
            author=author,
            subject=subject,
            creator="院感督导",
            invariant=1 if invariant else None,
            lang="zh-CN",
            # Otherwise every page's preamble selects Helvetica, a font we do not embed.
            initialFontName=register_fonts(),
            # Viewers then show the Chinese title in the window instead of the file name.
            displayDocTitle=1,
        )
        frame = Frame(
            self.leftMargin,
            self.bottomMargin,
            self.width,
            self.height,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=decor.on_page, pagesize=pagesize)])
        self._decor = decor
        self._out = out

    def render(self, story: Sequence[Flowable]) -> None:
        """Lay out the story and write the PDF (a file only once it is complete)."""
        register_fonts()

        def write(stream: IO[bytes]) -> None:
            self.filename = stream
            with _binary_streams():
                self.build(list(story), canvasmaker=partial(NumberedCanvas, decor=self._decor))

        deliver(write, self._out)


@contextmanager
def _binary_streams() -> Iterator[None]:
    """Write streams (photos above all) as binary instead of ASCII85 text.

    ASCII85 makes a PDF a quarter larger, and ReportLab then pushes the text through a pure-Python codec: for
    20 photos of 0.5 MB that alone is about a second. Every stream records its own filters when it is created,
    so a build running in another thread meanwhile still writes a correct file either way.
    """
    previous = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = previous


@contextmanager
def invariant_output() -> Iterator[None]:
    """Byte-repeatable PDFs inside the block (fixed dates and ids), for tests and reproducible examples.

    The builders also take ``invariant=True``, which touches no global state; this is for code that cannot pass it.
    """
    previous = rl_config.invariant
    rl_config.invariant = 1
    try:
        yield
    finally:
        rl_config.invariant = previous
