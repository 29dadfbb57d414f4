"""The bundled CJK font, registered with ReportLab once per process, on first use."""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "WQY"
FONT_PATH = Path(__file__).resolve().parents[2] / "resources" / "fonts" / "wqy-microhei.ttc"

_lock = threading.Lock()
_registered = False


def register_fonts() -> str:
    """Register WenQuanYi Micro Hei as ``WQY`` (subset-embedded in every PDF) and return its name.

    Parsing the 5 MB collection costs 0.1–0.3 s, so it happens once, lazily; the lock makes it safe to call from a
    background thread while another one renders.
    """
    global _registered
    if _registered:
        return FONT
    with _lock:
        if not _registered:
            pdfmetrics.registerFont(TTFont(FONT, str(FONT_PATH), subfontIndex=0))
            # One face only: map bold/italic to it so stray <b> markup never asks for a missing font.
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FONT, bold, italic, FONT)
            _registered = True
    return FONT
