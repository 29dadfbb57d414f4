"""One test (or a few) per page: what a user sees and does there reaches the database and comes back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from inspections import settings as db_settings
from inspections.institutions import InstitutionData
from models.reference import Institution
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.pages import registry
from ui.pages.checklists import ChecklistsPage
from ui.pages.dashboard import DashboardPage
from ui.pages.institutions import InstitutionsPage
from ui.pages.rounds import RoundsPage
from ui.pages.settings_page import SettingsPage
from ui.pages.welcome import WelcomePage


def _show(qtbot: QtBot, page: Any) -> Any:
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    page.activate()
    return page


def _idle(qtbot: QtBot, context: AppContext) -> None:
    qtbot.waitUntil(lambda: context.tasks.pending == 0, timeout=20000)


def test_first_start_offers_demo_data_then_shows_the_dashboard(
    qtbot: QtBot, empty_context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inspections import demo

    real = demo.generate_demo
    monkeypatch.setattr(demo, "generate_demo", lambda db, **kw: real(db, institutions=5, months=2, **kw))
    window = MainWindow(empty_context)
    qtbot.addWidget(window)
    window.show()
    assert window.current_key() == "welcome"
    assert isinstance(window.stack.currentWidget(), WelcomePage)
    qtbot.mouseClick(window.welcome.demo_button, Qt.MouseButton.LeftButton)
    confirm = window.last_dialog
    assert isinstance(confirm, QMessageBox) and "不能撤销" in confirm.text()  # it asks before writing
    assert empty_context.db is not None
    with empty_context.db.session() as s:
        assert s.scalar(select(func.count(Institution.id))) == 0
    qtbot.mouseClick(confirm.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_key() == "dashboard", timeout=30000)
    dashboard = window.pages["dashboard"]
    assert isinstance(dashboard, DashboardPage)
    qtbot.waitUntil(lambda: dashboard.data is not None, timeout=10000)
    assert "演示数据已载入" in window.statusBar().currentMessage()
    assert empty_context.db is not None
    with empty_context.db.session() as s:
        assert s.scalar(select(func.count(Institution.id))) == 5


def test_dashboard_shows_coverage_trend_and_common_problems(qtbot: QtBot, demo_context: AppContext) -> None:
    page = _show(qtbot, DashboardPage(demo_context))
    qtbot.waitUntil(lambda: page.data is not None, timeout=10000)
    assert "/" in page.coverage_card.value.text()
    coverage = page.data.coverage
    pending = coverage.planned - coverage.done - coverage.not_done
    note = page.coverage_card.note.text()
    # Every planned institution is accounted for: done, still to inspect, or marked as not inspected.
    assert f"已完成 {coverage.done} 家" in note
    assert (f"待检查 {pending} 家" in note) == (pending > 0)
    assert (f"未能检查 {coverage.not_done} 家" in note) == (coverage.not_done > 0)
    assert len(page.chart.points) == 12
    assert any(value is not None for _m, value in page.chart.points)
    assert page.failed_list.count() > 0 and "%" in page.failed_list.item(0).text()
    assert f"近{page.data.failed_months}个月" in page.failed_title.text()
    assert int(page.overdue_card.value.text()) == page.data.overdue


def test_institutions_search_add_and_deactivate(qtbot: QtBot, demo_context: AppContext) -> None:
    page = _show(qtbot, InstitutionsPage(demo_context))
    qtbot.waitUntil(lambda: page.model.rowCount() > 0)
    total = page.model.rowCount()
    word = page.model.rows[0].name[:3]
    page.search.setText(word)
    qtbot.waitUntil(lambda: 0 < page.model.rowCount() < total or all(word in r.name for r in page.model.rows))
    assert all(word in (r.name + r.district + r.address + r.category + r.code) for r in page.model.rows)

    page.search.clear()
    page._create(InstitutionData(name="测试街道社区卫生服务中心", level=1, district="测试区"))
    qtbot.waitUntil(lambda: any(r.name == "测试街道社区卫生服务中心" for r in page.model.rows), timeout=5000)
    row = next(n for n, r in enumerate(page.table.visible_rows()) if r.name == "测试街道社区卫生服务中心")
    page.table.selectRow(row)
    page.request_toggle("已合并")
    qtbot.waitUntil(lambda: all(r.name != "测试街道社区卫生服务中心" for r in page.model.rows), timeout=5000)
    page.show_inactive.setChecked(True)
    qtbot.waitUntil(lambda: any(r.name == "测试街道社区卫生服务中心" and not r.active for r in page.model.rows))


def test_institution_with_a_duplicate_name_gets_a_clear_message(qtbot: QtBot, demo_context: AppContext) -> None:
    page = _show(qtbot, InstitutionsPage(demo_context))
    qtbot.waitUntil(lambda: page.model.rowCount() > 0)
    page._create(InstitutionData(name=page.model.rows[0].name, level=1))
    qtbot.waitUntil(lambda: demo_context.tasks.last_error_box is not None, timeout=5000)
    box = demo_context.tasks.last_error_box
    assert box is not None and box.icon() == QMessageBox.Icon.Warning and box.text()
    box.close()


def test_rounds_create_mark_not_done_and_start(qtbot: QtBot, demo_context: AppContext) -> None:
    page = _show(qtbot, RoundsPage(demo_context))
    qtbot.waitUntil(lambda: page.rounds_model.rowCount() > 0)
    _idle(qtbot, demo_context)
    before = page.rounds_model.rowCount()
    page.request_new()
    qtbot.waitUntil(lambda: page.last_dialog is not None)
    dialog = page.last_dialog
    dialog.month.setCurrentIndex(1)  # next month: no round yet  # type: ignore[union-attr]
    dialog.accept()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: page.rounds_model.rowCount() == before + 1, timeout=5000)
    _idle(qtbot, demo_context)
    newest = page.rounds_table.visible_rows()[0]
    assert newest.planned > 0 and newest.done == 0
    page.rounds_table.selectRow(0)
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.id == newest.id)
    page.entries_table.selectRow(0)
    name = page.entries_table.current_row().institution_name
    page.mark_not_done("停业装修")
    qtbot.waitUntil(
        lambda: (
            page.detail is not None
            and any(e.institution_name == name and e.status == "not_done" for e in page.detail.entries)
        ),
        timeout=5000,
    )
    assert "未完成 1 家" in page.coverage_label.text()

    page.entries_table.selectRow(1)
    row = page.entries_table.current_row()
    assert row.status == "planned"
    page.set_inspectors(["王五", "赵六"])
    keep = list(row.template_ids[:1])
    page.set_checklists(row, keep)
    qtbot.waitUntil(
        lambda: (
            page.detail is not None
            and any(
                e.id == row.id and e.inspectors == ("王五", "赵六") and list(e.template_ids) == keep
                for e in page.detail.entries
            )
        ),
        timeout=5000,
    )
    page.entries_table.selectRow(next(n for n, e in enumerate(page.entries_table.visible_rows()) if e.id == row.id))
    with qtbot.waitSignal(page.open_requested, timeout=5000) as opened:
        page.start_current()
    assert opened.args and opened.args[0] is not None


def test_checklists_import_error_by_line_and_export_round_trip(
    qtbot: QtBot, demo_context: AppContext, tmp_path: Path
) -> None:
    page = _show(qtbot, ChecklistsPage(demo_context))
    qtbot.waitUntil(lambda: page.model.rowCount() > 0)
    qtbot.waitUntil(lambda: page.items.topLevelItemCount() > 0)
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: 1\ncode: Bad Code\nversion: 1\ntitle: 测试\nsections: []\n", encoding="utf-8")
    page.import_file(bad)
    qtbot.waitUntil(lambda: demo_context.tasks.last_error_box is not None, timeout=5000)
    box = demo_context.tasks.last_error_box
    assert box is not None and "bad.yaml" in box.text()
    box.close()

    row = page.table.current_row()
    target = tmp_path / "export.yaml"
    page.export_to(row, target)
    qtbot.waitUntil(target.exists, timeout=5000)
    page.import_file(target)
    qtbot.waitUntil(lambda: getattr(page, "last_message", None) is not None, timeout=5000)
    assert "未变化" in page.last_message.text()


def test_settings_saved_to_database_and_ini(qtbot: QtBot, demo_context: AppContext) -> None:
    page = _show(qtbot, SettingsPage(demo_context))
    _idle(qtbot, demo_context)
    spin = page.fields["deadline_days_general"]
    spin.setValue(20)  # type: ignore[union-attr]
    page.save_shared()
    _idle(qtbot, demo_context)
    assert demo_context.db is not None
    with demo_context.db.session() as s:
        assert db_settings.get_setting(s, "deadline_days_general") == 20
    page.name.setText("李四")
    page.name.editingFinished.emit()
    assert demo_context.settings.value("user/name") == "李四"
    assert demo_context.actor == "李四"


def test_first_start_import_shows_errors_by_row_then_the_institutions(
    qtbot: QtBot, empty_context: AppContext, tmp_path: Path
) -> None:
    from openpyxl import Workbook

    def sheet(rows: list[list[str]], name: str) -> Path:
        book = Workbook()
        ws = book.active
        ws.append(["机构名称", "级别", "辖区", "发热门诊"])
        for row in rows:
            ws.append(row)
        path = tmp_path / name
        book.save(path)
        return path

    window = MainWindow(empty_context)
    qtbot.addWidget(window)
    window.show()
    assert window.current_key() == "welcome"
    bad = sheet([["东风路社区卫生服务中心", "一级", "金水区", "否"], ["人民医院", "特级", "金水区", "是"]], "bad.xlsx")
    registry.import_institutions(window, bad)
    qtbot.waitUntil(lambda: empty_context.tasks.last_error_box is not None, timeout=5000)
    box = empty_context.tasks.last_error_box
    assert box is not None and "第 3 行" in box.text() and "未导入" in box.text()
    box.close()
    assert window.needs_welcome()

    good = sheet(
        [["东风路社区卫生服务中心", "一级", "金水区", "否"], ["人民医院", "三级", "金水区", "是"]], "good.xlsx"
    )
    registry.import_institutions(window, good)
    qtbot.waitUntil(lambda: isinstance(window.last_dialog, QMessageBox), timeout=5000)
    preview = window.last_dialog
    assert isinstance(preview, QMessageBox) and "新增 2 家" in preview.text()
    assert empty_context.db is not None
    with empty_context.db.session() as s:
        assert s.scalar(select(func.count(Institution.id))) == 0  # nothing imported before the user agrees
    preview.accept()
    qtbot.waitUntil(lambda: window.current_key() == "institutions", timeout=5000)
    page = window.pages["institutions"]
    assert isinstance(page, InstitutionsPage)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    assert "新增 2 家" in window.statusBar().currentMessage()
    assert not window.needs_welcome()


def test_checklists_page_shows_when_a_later_version_takes_over(
    qtbot: QtBot, demo_context: AppContext, tmp_path: Path
) -> None:
    page = _show(qtbot, ChecklistsPage(demo_context))
    qtbot.waitUntil(lambda: page.model.rowCount() > 0)
    model = page.model
    column = next(c for c in range(model.columnCount()) if model.headerData(c, Qt.Orientation.Horizontal) == "失效")
    shown = {(row.code, row.version): model.data(model.index(n, column)) for n, row in enumerate(model.rows)}
    # triage v1 (from 2023) has no end date of its own: the 2026 version takes over from 2026-02-01.
    assert shown[("triage", 1)] == "2026-01-31（第3版接替）"
    assert shown[("triage", 2)] == "2023-01-07"  # the dated 2020–22 version ends by its own date
    assert shown[("key-departments", 1)] == "已由第2版取代"  # v2 starts the same day
    assert shown[("triage", 3)] == ""
    assert page.grab().save(str(tmp_path / "checklists.png"))
