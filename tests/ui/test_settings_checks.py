"""设置 → 数据核对: the last full check's outcome, a full check on demand and on schedule, off the worker thread."""

from __future__ import annotations

import sqlite3
from typing import Any

from pytestqt.qtbot import QtBot

from models.database import DB_FILENAME
from ui.context import AppContext
from ui.integrity import INTERVAL_DAYS, schedule_full_checks, scheduler_of
from ui.pages.settings_page import SettingsPage


def _page(qtbot: QtBot, context: AppContext) -> Any:
    page = SettingsPage(context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: context.tasks.pending == 0, timeout=20000)
    return page


def _idle(context: AppContext) -> bool:
    scheduler = scheduler_of(context)
    return context.tasks.pending == 0 and (scheduler is None or not scheduler.running)


def test_a_full_check_on_demand_shows_its_outcome(qtbot: QtBot, demo_context: AppContext) -> None:
    page = _page(qtbot, demo_context)
    try:
        assert page.check_info.text() == "还没有完整核对过"
        page.check_now()
        qtbot.waitUntil(lambda: _idle(demo_context) and "通过" in page.check_info.text(), timeout=60000)
        text = page.check_info.text()
        assert "通过（" in text and "份已完成的检查" in text and "张照片" in text
        assert demo_context.tasks.pending == 0  # the worker thread was free throughout
    finally:
        scheduler = scheduler_of(demo_context)
        if scheduler is not None:
            scheduler.stop()


def test_a_due_check_runs_by_itself_and_a_failure_reaches_the_status_bar(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    assert demo_context.db is not None
    demo_context.settings.setValue(INTERVAL_DAYS, 7)
    messages: list[str] = []
    demo_context.message.connect(messages.append)
    conn = sqlite3.connect(demo_context.data_dir / DB_FILENAME)
    conn.execute(
        "UPDATE item_results SET note = '已整改' WHERE id = (SELECT r.id FROM item_results r JOIN inspections i "
        "ON i.id = r.inspection_id WHERE i.status = 'finalized' LIMIT 1)"
    )
    conn.commit()
    conn.close()
    scheduler = schedule_full_checks(demo_context)
    try:
        scheduler.run_if_due()  # never checked: due
        qtbot.waitUntil(lambda: bool(messages), timeout=60000)
        assert "数据核对发现 1 个问题" in messages[-1]
        qtbot.waitUntil(lambda: _idle(demo_context), timeout=20000)
        page = _page(qtbot, demo_context)
        text = page.check_info.text()
        assert "未通过：发现 1 个问题" in text
        named = [line for line in text.splitlines() if line.startswith("• ")]  # which record, without a terminal
        assert len(named) == 1 and "检查" in named[0]
        assert "命令行" not in text  # every problem is listed here
        scheduler.run_if_due()  # checked a moment ago: not due for a week
        qtbot.waitUntil(lambda: demo_context.tasks.pending == 0, timeout=20000)
        assert not scheduler.running
    finally:
        scheduler.stop()


def test_answer_counts_recounted_by_a_full_check_are_told_in_settings(qtbot: QtBot, demo_context: AppContext) -> None:
    assert demo_context.db is not None
    conn = sqlite3.connect(demo_context.data_dir / DB_FILENAME)
    changed = conn.execute(  # one month's counts edited behind the application's back
        "UPDATE item_answer_counts SET count = count + 3 WHERE month = (SELECT min(month) FROM item_answer_counts)"
    ).rowcount
    conn.commit()
    conn.close()
    assert changed > 0
    page = _page(qtbot, demo_context)
    try:
        page.check_now()
        qtbot.waitUntil(lambda: _idle(demo_context) and "通过（" in page.check_info.text(), timeout=60000)
        hints = [line for line in page.check_info.text().splitlines() if line.startswith("提示：")]
        assert len(hints) == 1 and "答案统计与检查结果不符" in hints[0] and "已按检查结果重新统计" in hints[0]
        page.check_now()  # counted again: the next check has nothing to tell
        qtbot.waitUntil(lambda: _idle(demo_context) and "正在" not in page.check_info.text(), timeout=60000)
        assert "提示：" not in page.check_info.text() and "通过（" in page.check_info.text()
    finally:
        scheduler = scheduler_of(demo_context)
        if scheduler is not None:
            scheduler.stop()
