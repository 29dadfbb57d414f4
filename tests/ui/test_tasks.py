"""The background runner: callbacks arrive on the GUI thread, user errors become messages, threads are cleaned up."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QPushButton
from pytestqt.qtbot import QtBot

from inspections.errors import UserError
from ui.tasks import Progress, TaskCancelled, TaskRunner


def test_success_arrives_on_gui_thread(qtbot: QtBot, runner: TaskRunner) -> None:
    seen: list[tuple[int, bool, bool]] = []
    worker_threads: list[str] = []

    def work() -> int:
        worker_threads.append(threading.current_thread().name)
        return 42

    def done(value: int) -> None:
        seen.append((value, QThread.currentThread() is QApplication.instance().thread(), True))

    runner.run_in_background(work, done)
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [(42, True, True)]
    assert worker_threads[0].startswith("yuangan-db")
    assert runner.pending == 0


def test_failure_arrives_on_gui_thread(qtbot: QtBot, runner: TaskRunner) -> None:
    errors: list[tuple[str, bool]] = []

    def work() -> None:
        raise ValueError("boom")

    runner.run_in_background(
        work, on_failure=lambda e: errors.append((str(e), QThread.currentThread() is QApplication.instance().thread()))
    )
    qtbot.waitUntil(lambda: bool(errors))
    assert errors == [("boom", True)]


def test_user_error_shows_its_chinese_message(qtbot: QtBot, runner: TaskRunner) -> None:
    def work() -> None:
        raise UserError("机构名称不能为空")

    runner.run_in_background(work)
    qtbot.waitUntil(lambda: runner.last_error_box is not None)
    box = runner.last_error_box
    assert box is not None
    assert box.text() == "机构名称不能为空"
    assert box.icon() == QMessageBox.Icon.Warning
    box.close()


def test_work_runs_one_at_a_time_in_order(qtbot: QtBot, runner: TaskRunner) -> None:
    order: list[int] = []
    for i in range(5):
        runner.run_in_background(lambda i=i: i, order.append)
    qtbot.waitUntil(lambda: len(order) == 5)
    assert order == [0, 1, 2, 3, 4]


def test_progress_can_be_cancelled(qtbot: QtBot, runner: TaskRunner) -> None:
    started = threading.Event()
    outcome: list[str] = []

    def long_work(progress: Progress) -> str:
        started.set()
        for i in range(500):
            progress.update(i, 500, f"第 {i} 条")
            progress.check()
            threading.Event().wait(0.01)
        return "finished"

    runner.run_in_background(
        long_work,
        outcome.append,
        lambda e: outcome.append(type(e).__name__),
        progress="正在导入…",
        cancellable=True,
    )
    assert started.wait(5)

    def dialog() -> QProgressDialog | None:
        found = [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible()]
        return found[0] if found else None

    qtbot.waitUntil(lambda: dialog() is not None)
    shown = dialog()
    assert shown is not None
    assert shown.labelText().startswith("第 ")
    cancel = shown.findChild(QPushButton)
    assert cancel is not None and cancel.text() == "取消"
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(outcome), timeout=5000)
    assert outcome == [TaskCancelled.__name__]


def test_shutdown_leaves_no_worker_thread(qapp: QApplication) -> None:
    runner = TaskRunner()
    runner.run_in_background(lambda: threading.Event().wait(0.05))
    runner.shutdown(wait=True)
    assert not [t for t in threading.enumerate() if t.name.startswith("yuangan-db")]


def test_the_binding_keeps_its_references_to_none(qapp: QApplication) -> None:
    """PySide6 6.12.0 on Python 3.11 dropped a reference to None on every void call and empty cell, and the
    interpreter aborted after a table repaint (hence the pin in pyproject.toml); a binding that does so fails here."""
    import sys

    from PySide6.QtWidgets import QLabel

    from ui.widgets.table import Column, RowsModel, RowsProxy

    model: RowsModel[int] = RowsModel([Column("数", str)])
    model.set_rows(list(range(10)))
    proxy = RowsProxy()
    proxy.setSourceModel(model)
    label = QLabel()
    before = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(5000):
        proxy.index(3, 0).data(Qt.ItemDataRole.DecorationRole)
        label.setText("院感")
        label.setVisible(False)
    after = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    if sys.version_info < (3, 12):  # from 3.12 these objects are immortal and their counts meaningless
        assert all(a >= b - 100 for a, b in zip(after, before, strict=True)), (before, after)


def test_a_file_with_many_problems_lists_the_first_and_keeps_all_in_details(qapp: QApplication) -> None:
    from inspections.errors import InvalidInputError, Problem
    from ui.tasks import MAX_SHOWN_PROBLEMS, show_user_error

    problems = [Problem("机构.xlsx", f"第 {n} 行", "级别无法识别") for n in range(2, 32)]
    box = show_user_error(None, InvalidInputError(problems))
    try:
        assert "机构.xlsx，第 2 行：级别无法识别" in box.text()
        assert f"第 {MAX_SHOWN_PROBLEMS + 2} 行" not in box.text()
        assert "第 31 行" in box.detailedText()
    finally:
        box.close()
