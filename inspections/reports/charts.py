"""Charts for the bulletin, drawn with reportlab.graphics (vector, same font): 12-month trend, score distribution."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

from inspections.reports.data import ScoreBin, TrendPoint
from inspections.reports.fonts import faces
from inspections.reports.styles import GREY, INK

SCORE_COLOUR = colors.HexColor("#1F5FA8")
COVERAGE_COLOUR = colors.HexColor("#C07000")
BAR_COLOUR = colors.HexColor("#5B8CC7")
GRID_COLOUR = colors.HexColor("#DDDDDD")


def month_labels(months: Sequence[str]) -> list[str]:
    """``11月`` for each month, with the year on the first month and on every January (``2026年\\n1月``)."""
    labels = []
    for index, month in enumerate(months):
        year, mon = (int(part) for part in month.split("-"))
        labels.append(f"{year}年\n{mon}月" if index == 0 or mon == 1 else f"\n{mon}月")
    return labels


def trend_chart(
    points: Sequence[TrendPoint], width: float, height: float = 215, *, incomplete_last: bool = False
) -> Drawing:
    """Average score and coverage rate by month on a fixed 0–100 axis (the same scale every month, so a change
    reads as a change), each value written at its point; the last month marked when it is not complete."""
    font = faces().fangsong
    drawing = _drawing(width, height, font)
    chart = HorizontalLineChart()
    chart.x, chart.y = 36, 52
    chart.width, chart.height = width - 50, height - 80
    scores = [p.average_score for p in points]
    series: list[list[float | None]] = [scores]
    has_coverage = any(p.coverage_rate is not None for p in points)
    if has_coverage:
        series.append([p.coverage_rate for p in points])
    chart.data = series
    # ReportLab cannot join fewer than two points (a month with little or no history): markers only then.
    chart.joinedLines = int(all(sum(v is not None for v in row) >= 2 for row in series))
    chart.lines[0].strokeColor = SCORE_COLOUR
    chart.lines[0].strokeWidth = 1.6
    chart.lines[0].symbol = makeMarker("FilledCircle", size=4, fillColor=SCORE_COLOUR, strokeColor=SCORE_COLOUR)
    if has_coverage:
        chart.lines[1].strokeColor = COVERAGE_COLOUR
        chart.lines[1].strokeWidth = 1.0
        chart.lines[1].strokeDashArray = (3, 2)
        chart.lines[1].symbol = makeMarker(
            "FilledSquare", size=3, fillColor=COVERAGE_COLOUR, strokeColor=COVERAGE_COLOUR
        )
    # Every value written at its point: the score's on the side away from the coverage line, the coverage's on
    # the other side, so the two never collide.
    chart.lineLabelFormat = "values"
    chart.lineLabelArray = [["" if v is None else f"{v:.1f}" for v in row] for row in series]
    chart.lineLabels.fontName = font
    chart.lineLabels.fontSize = 7.5
    coverage = [v for v in series[1] if v is not None] if has_coverage else []
    scored = [v for v in scores if v is not None]
    below = bool(coverage and scored and sum(coverage) / len(coverage) > sum(scored) / len(scored))
    chart.lineLabelNudge = 0
    for index, colour in enumerate((SCORE_COLOUR, COVERAGE_COLOUR)[: len(series)]):
        under = below if index == 0 else not below
        chart.lineLabels[(index, 0)].fillColor = colour  # ReportLab styles labels per (series, point)
        for point in range(len(points)):
            label = chart.lineLabels[(index, point)]
            label.fillColor = colour
            label.boxAnchor = "n" if under else "s"
            label.dy = -5 if under else 5
    # A fixed scale: 0–100 whatever the month's values.
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = 100
    chart.valueAxis.valueStep = 20
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = GRID_COLOUR
    chart.valueAxis.gridStrokeWidth = 0.5
    names = month_labels([p.month for p in points])
    if incomplete_last and names:
        names[-1] += "\n（未完成）"
    chart.categoryAxis.categoryNames = names
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.labels.dy = -2
    chart.categoryAxis.labels.leading = 10
    drawing.add(chart)
    legend = Legend()
    legend.fontName = font
    legend.fontSize = 8
    legend.x, legend.y = 40, height - 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 90
    legend.colorNamePairs = [(SCORE_COLOUR, "平均得分率（%）")]
    if has_coverage:
        legend.colorNamePairs.append((COVERAGE_COLOUR, "覆盖率（%）"))
    drawing.add(legend)
    if not any(score is not None for score in scores):
        drawing.add(
            String(width / 2, height / 2, "暂无数据", fontName=font, fontSize=10, fillColor=GREY, textAnchor="middle")
        )
    return drawing


def distribution_chart(bins: Sequence[ScoreBin], width: float, height: float = 170) -> Drawing:
    """How many institutions scored in each band, with the count on each bar."""
    font = faces().fangsong
    drawing = _drawing(width, height, font)
    chart = VerticalBarChart()
    chart.x, chart.y = 36, 30
    chart.width, chart.height = width - 50, height - 50
    counts = [b.count for b in bins]
    chart.data = [counts]
    chart.bars[0].fillColor = BAR_COLOUR
    chart.bars[0].strokeColor = None
    chart.barWidth = 10
    chart.groupSpacing = 12
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 8
    chart.barLabels.fillColor = INK
    chart.barLabels.nudge = 6
    top = max(counts, default=0)
    step = max(1, _nice_step(top))
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(step, ((top // step) + 1) * step)
    chart.valueAxis.valueStep = step
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = GRID_COLOUR
    chart.valueAxis.gridStrokeWidth = 0.5
    chart.categoryAxis.categoryNames = [b.label for b in bins]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.labels.dy = -3
    drawing.add(chart)
    drawing.add(String(4, height - 10, "机构数（家）", fontName=font, fontSize=8, fillColor=GREY))
    drawing.add(String(width - 4, 4, "得分率（%）", fontName=font, fontSize=8, fillColor=GREY, textAnchor="end"))
    return drawing


def _drawing(width: float, height: float, font: str) -> Drawing:
    drawing = Drawing(width, height)
    # The renderer selects this font first; the default (Helvetica) would be a font the PDF does not embed.
    drawing.initialFontName = font
    return drawing


def _nice_step(top: int) -> int:
    """An axis step giving about five gridlines: 1, 2, 5, 10, 20, 50 …"""
    raw = top / 5
    magnitude = 1
    while magnitude * 10 <= raw:
        magnitude *= 10
    for factor in (1, 2, 5, 10):
        if magnitude * factor >= raw:
            return magnitude * factor
    return magnitude * 10
