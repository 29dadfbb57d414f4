"""A small line chart of monthly average scores, drawn with QPainter (no chart library needed)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


class TrendChart(QWidget):
    """Monthly values (None = no data that month) as a line with dots and value labels."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points: list[tuple[str, float | None]] = []
        self.setMinimumSize(QSize(320, 180))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_points(self, points: list[tuple[str, float | None]]) -> None:
        self.points = points
        self.setToolTip("\n".join(f"{label}: {value:.1f}" for label, value in points if value is not None))
        self.update()

    def value_range(self) -> tuple[float, float]:
        values = [v for _l, v in self.points if v is not None]
        if not values:
            return 0.0, 100.0
        low = min(values)
        high = max(values)
        floor = max(0.0, (int(low) // 5) * 5 - 5.0)
        return floor, max(100.0, high)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = p.fontMetrics()
        left = metrics.horizontalAdvance("100") + 12
        plot = QRectF(left, 12, self.width() - left - 12, self.height() - 12 - metrics.height() - 10)
        low, high = self.value_range()
        p.setPen(QPen(QColor("#e0e0e0"), 1))
        steps = 4
        for i in range(steps + 1):
            tick = low + (high - low) * i / steps
            y = plot.bottom() - plot.height() * i / steps
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(QColor("#777"))
            p.drawText(
                QRectF(0, y - metrics.height() / 2, left - 6, metrics.height()),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                f"{tick:.0f}",
            )
            p.setPen(QPen(QColor("#e0e0e0"), 1))
        if not self.points:
            p.setPen(QColor("#777"))
            p.drawText(plot, int(Qt.AlignmentFlag.AlignCenter), self.tr("暂无数据"))
            return
        n = len(self.points)
        step = plot.width() / max(n - 1, 1)
        coords: list[QPointF | None] = []
        for i, (label, value) in enumerate(self.points):
            x = plot.left() + step * i if n > 1 else plot.center().x()
            p.setPen(QColor("#555"))
            p.drawText(
                QRectF(x - 30, plot.bottom() + 6, 60, metrics.height()), int(Qt.AlignmentFlag.AlignHCenter), label
            )
            if value is None:
                coords.append(None)
                continue
            y = plot.bottom() - (value - low) / (high - low) * plot.height() if high > low else plot.center().y()
            coords.append(QPointF(x, y))
        path = QPainterPath()
        started = False
        for point in coords:
            if point is None:
                started = False
                continue
            if started:
                path.lineTo(point)
            else:
                path.moveTo(point)
                started = True
        p.setPen(QPen(QColor("#1f6fb2"), 2.2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
        p.setBrush(QColor("#1f6fb2"))
        for (_label, value), point in zip(self.points, coords, strict=True):
            if point is None or value is None:
                continue
            p.setPen(Qt.PenStyle.NoPen)
            p.drawEllipse(point, 3.5, 3.5)
            p.setPen(QColor("#1a3e72"))
            p.drawText(
                QRectF(point.x() - 30, point.y() - metrics.height() - 4, 60, metrics.height()),
                int(Qt.AlignmentFlag.AlignHCenter),
                f"{value:.1f}",
            )
        p.end()
