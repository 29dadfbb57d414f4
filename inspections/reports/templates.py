"""Page templates: the GB/T 9704 page (A4, 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm), "— N —" page numbers and the
草稿 watermark; the landscape page of the 台账."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from reportlab import rl_config
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from inspections.reports.fonts import faces, register_fonts
from inspections.reports.output import Output, deliver
from inspections.reports.styles import GREY, WATERMARK

PORTRAIT = A4
LANDSCAPE = landscape(A4)

# GB/T 9704 §5.2: 天头 37 mm, 订口 28 mm, 版心 156 mm × 225 mm.
MARGIN_TOP = 37 * mm
MARGIN_LEFT = 28 * mm
BODY_WIDTH = 156 * mm
BODY_HEIGHT = 225 * mm
MARGIN_RIGHT = PORTRAIT[0] - MARGIN_LEFT - BODY_WIDTH
MARGIN_BOTTOM = PORTRAIT[1] - MARGIN_TOP - BODY_HEIGHT
PAGE_NUMBER_SIZE = 14  # 4号
PAGE_NUMBER_GAP = 7 * mm  # below the 版心

# The 台账 is a wide table on landscape A4.
LANDSCAPE_MARGIN = 15 * mm
LANDSCAPE_BOTTOM = 20 * mm


def page_number_text(page: int) -> str:
    """``— 3 —``: the page number between two em dashes (GB/T 9704 §7.5)."""
    return f"— {page} —"


@dataclass(frozen=True)
class PageDecor:
    """What every page carries besides the story: the page number, an optional small note under it (the 校验码 of
    a signed form) and the draft watermark."""

    footnote: str = ""
    draft: bool = False

    def finish_page(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        """Drawn over the page's content: page number, note and watermark."""
        width, height = doc.pagesize
        page = canvas.getPageNumber()
        self._draw_number(canvas, doc, page)
        if self.footnote:
            canvas.saveState()
            canvas.setFont(register_fonts(), 7.5)
            canvas.setFillColor(GREY)
            canvas.drawCentredString(width / 2, 8 * mm, self.footnote)
            canvas.restoreState()
        if self.draft:
            # Over the content, translucent: shaded table cells would hide a watermark drawn underneath.
            self._draw_watermark(canvas, width, height)

    @staticmethod
    def _draw_number(canvas: Canvas, doc: BaseDocTemplate, page: int) -> None:
        """Odd pages right, even pages left, one character in from the 版心's edge, 7 mm below it."""
        font = faces().songti
        y = doc.bottomMargin - PAGE_NUMBER_GAP - PAGE_NUMBER_SIZE * 0.8
        text = page_number_text(page)
        canvas.saveState()
        canvas.setFont(font, PAGE_NUMBER_SIZE)
        canvas.setFillColorRGB(0, 0, 0)
        if page % 2:
            canvas.drawRightString(doc.leftMargin + doc.width - PAGE_NUMBER_SIZE, y, text)
        else:
            canvas.drawString(doc.leftMargin + PAGE_NUMBER_SIZE, y, text)
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


class OfficialDocTemplate(BaseDocTemplate):
    """A4 document with one frame (the 版心 when portrait) and the decor on every page."""

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
        portrait = pagesize[0] < pagesize[1]
        super().__init__(
            io.BytesIO(),  # replaced in render(): the document is written through deliver()
            pagesize=pagesize,
            leftMargin=MARGIN_LEFT if portrait else LANDSCAPE_MARGIN,
            rightMargin=MARGIN_RIGHT if portrait else LANDSCAPE_MARGIN,
            topMargin=MARGIN_TOP if portrait else LANDSCAPE_MARGIN,
            bottomMargin=MARGIN_BOTTOM if portrait else LANDSCAPE_BOTTOM,
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
        self.addPageTemplates(
            [PageTemplate(id="page", frames=[frame], onPageEnd=decor.finish_page, pagesize=pagesize)]
        )
        self._out = out

    def render(self, story: Sequence[Flowable]) -> None:
        """Lay out the story and write the PDF (a file only once it is complete)."""
        register_fonts()

        def write(stream: IO[bytes]) -> None:
            self.filename = stream
            with _binary_streams():
                self.build(list(story))

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
