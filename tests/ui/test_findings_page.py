"""整改跟踪: overdue rows stand out, filters narrow the list, feedback and re-inspection are recorded."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QBrush, QColor, QImage, QTextDocument
from pytestqt.qtbot import QtBot

from models.finding import Finding
from ui import style
from ui.context import AppContext
from ui.dialogs.finding_actions import FeedbackDialog, ReinspectionDialog
from ui.pages.findings import FindingsPage
from ui.widgets.table import RowsModel


def open_page(qtbot: QtBot, context: AppContext) -> FindingsPage:
    page = FindingsPage(context)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: page.model.rowCount() > 0)
    return page


def test_overdue_rows_are_red_and_filterable(qtbot: QtBot, demo_context: AppContext) -> None:
    page = open_page(qtbot, demo_context)
    rows = page.model.rows
    overdue = [n for n, r in enumerate(rows) if r.overdue_days > 0]
    assert overdue and len(overdue) < len(rows)
    first = overdue[0]
    status_column = 5
    index = page.model.index(first, status_column)
    assert index.data().endswith(f"逾期 {rows[first].overdue_days} 天")
    background = index.data(Qt.ItemDataRole.BackgroundRole)
    assert isinstance(background, QBrush) and background.color() == style.OVERDUE_BG

    page.overdue.setChecked(True)
    qtbot.waitUntil(lambda: all(r.overdue_days > 0 for r in page.model.rows) and page.model.rowCount() > 0)
    assert page.model.rowCount() == len(overdue)
    assert "逾期" in page.count_label.text()


def test_feedback_then_reinspection(qtbot: QtBot, demo_context: AppContext, tmp_path: Path) -> None:
    page = open_page(qtbot, demo_context)
    target = next(n for n, r in enumerate(page.table.visible_rows()) if r.status == "open")
    page.table.selectRow(target)
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.row.status == "open")
    assert "发现问题" in page.detail_view.toPlainText()
    finding_id = page.detail.row.id

    page.request_feedback()
    dialog = page.last_dialog
    assert isinstance(dialog, FeedbackDialog)
    dialog.measure.setPlainText("已加装门禁互锁装置")
    dialog.department.setText("总务科")
    photo = QImage(640, 480, QImage.Format.Format_RGB32)
    photo.fill(QColor("darkseagreen"))
    assert photo.save(str(tmp_path / "整改后.jpg"))
    dialog.picker.paths = [tmp_path / "整改后.jpg"]
    dialog.accept()
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.row.status == "feedback", timeout=5000)
    assert "已加装门禁互锁装置" in page.detail_view.toPlainText()
    event = page.detail.events[-1]
    assert event.department == "总务科" and len(event.photos) == 1
    sha = event.photos[0][1]
    qtbot.waitUntil(lambda: sha in page._thumbnails, timeout=5000)
    resource = page.detail_view.document().resource(QTextDocument.ResourceType.ImageResource, QUrl(f"photo:{sha}"))
    assert isinstance(resource, QImage) and not resource.isNull()
    assert page.reinspect_button.isEnabled() and not page.feedback_button.isEnabled()

    page.request_reinspection()
    verdict = page.last_dialog
    assert isinstance(verdict, ReinspectionDialog)
    verdict.accept()
    assert demo_context.db is not None
    qtbot.waitUntil(lambda: _status(demo_context, finding_id) == "passed", timeout=5000)


def _status(context: AppContext, finding_id: object) -> str:
    assert context.db is not None
    with context.db.session() as s:
        finding = s.get(Finding, finding_id)
        assert finding is not None
        return finding.status


def test_columns_cover_the_ledger(qtbot: QtBot, demo_context: AppContext) -> None:
    page = open_page(qtbot, demo_context)
    titles = [page.model.headerData(i, Qt.Orientation.Horizontal) for i in range(page.model.columnCount())]
    assert titles == ["机构", "检查项", "问题", "程度", "期限", "状态", "责任科室"]
    assert isinstance(page.model, RowsModel)
