"""工作台: this month's coverage, average score and its 12-month trend, overdue rectification, common problems."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspections import analytics
from inspections.analytics import Dashboard
from ui import documents as saving
from ui.context import AppContext
from ui.pages.base import Page, heading
from ui.widgets.trend_chart import TrendChart


def month_label(month: str) -> str:
    year, number = month.split("-")
    return QCoreApplication.translate("dashboard", "{0}年{1}月").format(year, int(number))


def recent_months(today: dt.date, count: int = 24) -> list[str]:
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return months


class _Card(QFrame):
    """A figure with its caption and a line of context."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        self.caption = QLabel(caption)
        self.caption.setStyleSheet("color: #555;")
        self.value = QLabel("—")
        self.value.setObjectName("cardValue")
        self.note = QLabel("")
        self.note.setStyleSheet("color: #777;")
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.note)


class DashboardPage(Page):
    """The month at a glance.

    Signals:
        show_overdue: the user wants the overdue findings listed.
    """

    areas = ("inspections", "findings", "rounds", "all")
    show_overdue = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.data: Dashboard | None = None
        self.last_dialog: QWidget | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading(self.tr("工作台")))
        top.addStretch(1)
        self.month = QComboBox()
        for month in recent_months(dt.date.today()):
            self.month.addItem(month_label(month), month)
        top.addWidget(self.month)
        self.bulletin_button = QPushButton(self.tr("生成月度通报…"))
        self.bulletin_button.setObjectName("bulletinButton")
        self.bulletin_button.setToolTip(self.tr("生成所选月份的月度督导通报（PDF）"))
        self.bulletin_button.clicked.connect(lambda: self.request_bulletin())
        top.addWidget(self.bulletin_button)
        layout.addLayout(top)

        cards = QHBoxLayout()
        self.coverage_card = _Card(self.tr("本月覆盖"))
        self.average_card = _Card(self.tr("平均得分"))
        self.overdue_card = _Card(self.tr("逾期整改"))
        self.veto_card = _Card(self.tr("否决项不合格"))
        for card in (self.coverage_card, self.average_card, self.overdue_card, self.veto_card):
            cards.addWidget(card)
        layout.addLayout(cards)

        grid = QGridLayout()
        trend_box = QFrame()
        trend_box.setObjectName("card")
        trend_layout = QVBoxLayout(trend_box)
        trend_layout.addWidget(QLabel(self.tr("近12个月平均得分")))
        self.chart = TrendChart()
        trend_layout.addWidget(self.chart, 1)
        failed_box = QFrame()
        failed_box.setObjectName("card")
        failed_layout = QVBoxLayout(failed_box)
        self.failed_title = QLabel(self.tr("最常见问题"))
        failed_layout.addWidget(self.failed_title)
        self.failed_list = QListWidget()
        self.failed_list.setObjectName("failedItems")
        self.failed_list.setFrameShape(QFrame.Shape.NoFrame)
        self.failed_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.failed_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        failed_layout.addWidget(self.failed_list, 1)
        grid.addWidget(trend_box, 0, 0)
        grid.addWidget(failed_box, 0, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid, 1)

        overdue_row = QHBoxLayout()
        self.overdue_label = QLabel()
        self.overdue_label.setObjectName("overdueByInstitution")
        self.overdue_label.setWordWrap(True)
        self.overdue_button = QPushButton(self.tr("查看逾期整改"))
        self.overdue_button.clicked.connect(self.show_overdue)
        overdue_row.addWidget(self.overdue_label, 1)
        overdue_row.addWidget(self.overdue_button)
        layout.addLayout(overdue_row)
        self.month.currentIndexChanged.connect(self.reload)
        self.bulletin_button.setEnabled(False)

    def reload(self) -> None:
        month = str(self.month.currentData())
        today = dt.date.today()
        self.context.read(lambda s: analytics.dashboard(s, month, today), self.show_data, parent=self)

    def request_bulletin(self, path: Path | None = None) -> Path | None:
        """The 月度督导通报 of the chosen month as a PDF (asks where unless ``path`` is given)."""
        if not self.bulletin_button.isEnabled():
            return None
        month = str(self.month.currentData())
        label = month_label(month)
        return saving.save_document(
            self,
            self.context,
            lambda s, out: saving.reports().bulletin(s, month, out),
            path=path,
            title=self.tr("保存月度督导通报"),
            suggested=self.tr("{0}督导通报.pdf").format(label),
            kinds=(saving.PDF,),
            progress=self.tr("正在生成{0}督导通报…").format(label),
            done=self.tr("月度督导通报已保存：{0}"),
        )

    def show_data(self, data: Dashboard) -> None:
        self.data = data
        self.bulletin_button.setEnabled(data.inspections > 0)
        coverage = data.coverage
        self.coverage_card.value.setText(coverage.text if coverage.planned else self.tr("未安排"))
        pending = coverage.planned - coverage.done - coverage.not_done
        parts = [self.tr("已完成 {0} 家").format(coverage.done)]
        if pending:
            parts.append(self.tr("待检查 {0} 家").format(pending))
        if coverage.not_done:
            parts.append(self.tr("未能检查 {0} 家").format(coverage.not_done))
        self.coverage_card.note.setText(
            self.tr("，").join(parts) if coverage.planned else self.tr("本月还没有督导批次")
        )
        if data.average is None:
            self.average_card.value.setText("—")
        else:
            self.average_card.value.setText(f"{data.average:.1f}")
        change = data.change
        if change is None:
            self.average_card.note.setText(self.tr("本月已完成检查 {0} 次").format(data.inspections))
        else:
            arrow = "↑" if change > 0 else "↓" if change < 0 else "→"
            self.average_card.note.setText(
                self.tr("较上月 {0}{1:.1f} · 检查 {2} 次").format(arrow, abs(change), data.inspections)
            )
        self.overdue_card.value.setText(str(data.overdue))
        self.overdue_card.value.setStyleSheet("color: #c62828;" if data.overdue else "")
        self.overdue_card.note.setText(self.tr("涉及 {0} 家机构").format(len(data.overdue_by_institution)))
        self.veto_card.value.setText(str(data.vetoed))
        self.veto_card.value.setStyleSheet("color: #c62828;" if data.vetoed else "")
        self.veto_card.note.setText(self.tr("本月检查中"))
        self.chart.set_points([(self.tr("{0}月").format(int(p.month[5:])), p.average) for p in data.trend])
        self.failed_title.setText(self.tr("最常见问题（近{0}个月，不符合与部分符合的比例）").format(data.failed_months))
        self.failed_list.clear()
        for item in data.failed_items:
            share = item.failed * 100 / item.answered if item.answered else 0.0
            entry = QListWidgetItem(f"{item.item_code}  {item.item_text}")
            entry.setToolTip(f"{item.checklist_title}\n{item.item_text}\n{item.failed}/{item.answered}")
            entry.setData(Qt.ItemDataRole.UserRole, share)
            entry.setText(f"{share:4.0f}%   {item.item_code}  {item.item_text}")
            self.failed_list.addItem(entry)
        if data.overdue_by_institution:
            names = " · ".join(f"{o.name} {o.count}" for o in data.overdue_by_institution)
            self.overdue_label.setText(self.tr("逾期整改：{0}").format(names))
        else:
            self.overdue_label.setText(self.tr("没有逾期的整改。"))
