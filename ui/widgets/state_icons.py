"""Icons for an item's state, drawn with QPainter: colour and shape together (never colour alone)."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap

from ui import style

_SIZE = 32


def _canvas() -> tuple[QPixmap, QPainter]:
    pixmap = QPixmap(_SIZE, _SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    return pixmap, painter


@cache
def state_icon(outcome: str | None) -> QIcon:
    """pass ✔ green · partial ◐ amber · fail ✖ red · na – grey · not_checked / None ○ ring."""
    pixmap, p = _canvas()
    r = QRectF(3, 3, _SIZE - 6, _SIZE - 6)
    white = QPen(QColor("white"), 3.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    if outcome == "pass":
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(style.PASS)
        p.drawEllipse(r)
        p.setPen(white)
        p.drawPolyline([QPointF(9, 16.5), QPointF(14, 21.5), QPointF(23, 11)])
    elif outcome == "partial":
        p.setPen(QPen(style.PARTIAL, 2.5))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(r)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(style.PARTIAL)
        p.drawPie(r, 90 * 16, 180 * 16)
    elif outcome == "fail":
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(style.FAIL)
        p.drawEllipse(r)
        p.setPen(white)
        p.drawLine(QPointF(11, 11), QPointF(21, 21))
        p.drawLine(QPointF(21, 11), QPointF(11, 21))
    elif outcome == "na":
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(style.NA)
        p.drawEllipse(r)
        p.setPen(white)
        p.drawLine(QPointF(10, 16), QPointF(22, 16))
    else:
        p.setPen(QPen(QColor("#9e9e9e"), 2.2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(r.adjusted(2, 2, -2, -2))
    p.end()
    return QIcon(pixmap)


OUTCOME_COLORS = {"pass": style.PASS, "partial": style.PARTIAL, "fail": style.FAIL, "na": style.NA}
