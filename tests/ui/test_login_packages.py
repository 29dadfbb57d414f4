"""The login dialog and the 数据包 screens: export, import with a preview, conflicts decided before anything applies."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from inspections.users import add_user
from inspections.workflow import load_inspection, record_answer
from models.inspection import Inspection
from tests.inspections.packages.conftest import checksum
from tests.ui.conftest import _context_on
from ui.context import AppContext
from ui.dialogs.login import LoginDialog, needs_login
from ui.dialogs.packages import ExportDialog, PackageActions, PreviewDialog
from ui.tasks import TaskRunner


@pytest.fixture
def second_context(qapp: QApplication, demo_template: Path, tmp_path: Path, runner: TaskRunner) -> Iterator[AppContext]:
    """Another copy of the same demo database: the commission's computer."""
    other = tmp_path / "commission"
    other.mkdir()
    yield from _context_on(demo_template, other, runner)


@pytest.fixture
def hospital_context(
    qapp: QApplication, empty_template: Path, tmp_path: Path, runner: TaskRunner
) -> Iterator[AppContext]:
    """The hospital's own copy of the application: an empty database."""
    other = tmp_path / "hospital"
    other.mkdir()
    yield from _context_on(empty_template, other, runner)


def test_login_accepts_the_right_password_and_refuses_a_wrong_one(qtbot: QtBot, empty_context: AppContext) -> None:
    assert empty_context.db is not None
    assert not needs_login(empty_context.db)  # no users: the single-user laptop mode, no login
    with empty_context.db.begin() as s:
        add_user(s, None, username="wangfang", password="correct-horse", role="admin", display_name="王芳")
    assert needs_login(empty_context.db)

    dialog = LoginDialog(empty_context.db)
    qtbot.addWidget(dialog)
    dialog.username.setText("wangfang")
    dialog.password.setText("wrong-password")
    dialog.try_login()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert not dialog.error.isHidden() and dialog.error.text() == "用户名或密码错误"
    assert dialog.user is None and dialog.password.text() == ""

    dialog.password.setText("correct-horse")
    dialog.try_login()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.user is not None and dialog.user.username == "wangfang" and dialog.user.role == "admin"

    empty_context.user = dialog.user
    assert empty_context.actor == "wangfang"


def _round_with_finalized(context: AppContext) -> tuple[uuid.UUID, uuid.UUID]:
    assert context.db is not None
    with context.db.session() as s:
        inspection = s.scalars(
            select(Inspection)
            .where(Inspection.round_id.is_not(None), Inspection.status == "finalized")
            .order_by(Inspection.date, Inspection.id)
        ).first()
        assert inspection is not None and inspection.round_id is not None
        return inspection.round_id, inspection.id


def _export(qtbot: QtBot, context: AppContext, round_id: uuid.UUID, path: Path) -> None:
    actions = PackageActions(context, None)  # type: ignore[arg-type]
    actions.export_to("inspections", round_id, path)
    qtbot.waitUntil(lambda: isinstance(actions.last_dialog, QMessageBox), timeout=30_000)
    assert isinstance(actions.last_dialog, QMessageBox)
    assert str(path) in actions.last_dialog.text()
    actions.last_dialog.close()
    assert path.is_file()


def _preview(qtbot: QtBot, actions: PackageActions, path: Path) -> PreviewDialog:
    actions.import_from(path)
    qtbot.waitUntil(lambda: isinstance(actions.last_dialog, PreviewDialog), timeout=30_000)
    assert isinstance(actions.last_dialog, PreviewDialog)
    qtbot.addWidget(actions.last_dialog)
    return actions.last_dialog


def test_importing_the_same_data_shows_unchanged_and_changes_nothing(
    qtbot: QtBot, demo_context: AppContext, second_context: AppContext, tmp_path: Path
) -> None:
    round_id, _ = _round_with_finalized(demo_context)
    path = tmp_path / "检查数据包.zip"
    _export(qtbot, demo_context, round_id, path)

    assert second_context.db is not None
    before = checksum(second_context.db)  # type: ignore[arg-type]
    dialog = _preview(qtbot, PackageActions(second_context, None), path)  # type: ignore[arg-type]
    counts = dialog.preview.counts()
    assert counts["unchanged"] > 0 and counts["new"] == counts["updated"] == counts["conflict"] == 0
    assert "无变化" in dialog.counts_label.text()
    assert not dialog.import_button.isEnabled()  # nothing to import
    dialog.reject()
    assert checksum(second_context.db) == before  # type: ignore[arg-type]


def test_a_conflict_is_shown_and_applies_only_after_a_choice(
    qtbot: QtBot, demo_context: AppContext, second_context: AppContext, tmp_path: Path
) -> None:
    round_id, inspection_id = _round_with_finalized(demo_context)
    assert demo_context.db is not None and second_context.db is not None
    with demo_context.db.begin() as s:  # the laptop amends a signed inspection
        item = load_inspection(s, inspection_id).items()[0]
        response = "pass" if item.response != "pass" else "fail"
        record_answer(s, "张三", inspection_id, item.item_id, response=response, note="复核后更正", reason="复核后更正")
    path = tmp_path / "amended.zip"
    _export(qtbot, demo_context, round_id, path)

    before = checksum(second_context.db)  # type: ignore[arg-type]
    reloads: list[str] = []
    second_context.changed.connect(reloads.append)
    actions = PackageActions(second_context, None)  # type: ignore[arg-type]
    dialog = _preview(qtbot, actions, path)
    key = f"inspection:{inspection_id}"
    assert key in dialog.choices and dialog.preview.counts()["conflict"] >= 1
    assert not dialog.import_button.isEnabled()  # no choice made yet
    assert dialog.decisions() == {}

    for other in dialog.choices:
        if other != key:
            dialog.choose(other, "mine")
    assert not dialog.import_button.isEnabled()
    dialog.choose(key, "theirs")
    assert dialog.import_button.isEnabled()
    assert checksum(second_context.db) == before  # type: ignore[arg-type]  # the preview changed nothing

    dialog.import_button.click()
    qtbot.waitUntil(lambda: isinstance(actions.last_dialog, QMessageBox), timeout=30_000)
    assert isinstance(actions.last_dialog, QMessageBox)
    assert "已导入" in actions.last_dialog.text()
    actions.last_dialog.close()
    assert "all" in reloads
    with demo_context.db.session() as a, second_context.db.session() as b:
        assert load_inspection(b, inspection_id).content_hash == load_inspection(a, inspection_id).content_hash


def test_a_broken_file_gives_its_message_and_changes_nothing(
    qtbot: QtBot, demo_context: AppContext, tmp_path: Path
) -> None:
    assert demo_context.db is not None
    path = tmp_path / "not-a-package.zip"
    path.write_bytes(b"this is not a zip file")
    before = checksum(demo_context.db)  # type: ignore[arg-type]
    actions = PackageActions(demo_context, None)  # type: ignore[arg-type]
    actions.import_from(path)
    qtbot.waitUntil(lambda: demo_context.tasks.pending == 0, timeout=10_000)
    box = getattr(demo_context.tasks, "last_error_box", None)
    assert isinstance(box, QMessageBox) and box.text()
    box.close()
    assert not isinstance(actions.last_dialog, PreviewDialog)
    assert checksum(demo_context.db) == before  # type: ignore[arg-type]


def test_the_window_shows_the_logged_in_user_and_the_package_menu(qtbot: QtBot, demo_context: AppContext) -> None:
    from inspections.users import CurrentUser
    from ui.main_window import MainWindow

    demo_context.user = CurrentUser("wangfang", "inspector", None, "王芳")
    window = MainWindow(demo_context)
    qtbot.addWidget(window)
    assert window.user_label.text() == "王芳（督导专家）"
    texts = [a.text() for a in window.package_actions.values()]
    assert texts == ["导出检查数据包…", "导入数据包…", "导出整改通知包…", "导出整改反馈包…"]
    assert all(a.isEnabled() for a in window.package_actions.values())


def test_a_month_of_finalized_inspections_can_be_exported(
    qtbot: QtBot, demo_context: AppContext, second_context: AppContext, tmp_path: Path
) -> None:
    actions = PackageActions(demo_context, None)  # type: ignore[arg-type]
    actions.export("inspections")
    qtbot.waitUntil(lambda: actions.last_dialog is not None, timeout=10_000)
    dialog = actions.last_dialog
    assert isinstance(dialog, ExportDialog)
    qtbot.addWidget(dialog)
    labels = [dialog.target.itemText(i) for i in range(dialog.target.count())]
    month_rows = [i for i, text in enumerate(labels) if text.endswith("全部已完成的检查")]
    assert month_rows and len(month_rows) < len(labels)  # rounds first, then months
    dialog.target.setCurrentIndex(month_rows[0])
    month = dialog.target_id()
    assert isinstance(month, str)
    dialog.close()

    path = tmp_path / "month.zip"
    actions.export_to("inspections", month, path)
    qtbot.waitUntil(lambda: isinstance(actions.last_dialog, QMessageBox), timeout=30_000)
    assert isinstance(actions.last_dialog, QMessageBox) and "份检查" in actions.last_dialog.text()
    actions.last_dialog.close()
    preview = _preview(qtbot, PackageActions(second_context, None), path)  # type: ignore[arg-type]
    assert preview.preview.counts()["unchanged"] > 0


def test_cancelling_the_login_refuses_to_open_and_a_login_keeps_the_user(
    qtbot: QtBot, empty_context: AppContext
) -> None:
    from PySide6.QtCore import QTimer

    from ui.dialogs.login import login

    assert empty_context.db is not None
    assert login(empty_context)  # no users: no dialog at all
    with empty_context.db.begin() as s:
        add_user(s, None, username="admin", password="correct-horse", role="admin")

    def cancel() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, LoginDialog)
        dialog.reject()

    QTimer.singleShot(100, cancel)
    assert not login(empty_context)
    assert empty_context.user is None

    def log_in() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, LoginDialog)
        dialog.username.setText("admin")
        dialog.password.setText("correct-horse")
        dialog.ok_button.click()

    QTimer.singleShot(100, log_in)
    assert login(empty_context)
    assert empty_context.user is not None and empty_context.user.role == "admin"


def test_a_hospital_officer_exports_feedback_only_for_their_own_institution(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    from inspections.institutions import institution_names
    from inspections.users import CurrentUser
    from ui.main_window import MainWindow

    assert demo_context.db is not None
    with demo_context.db.session() as s:
        names = institution_names(s)
    own = next(iter(names))
    demo_context.user = CurrentUser("yiyuan", "hospital", own, "李护士长")
    window = MainWindow(demo_context)
    qtbot.addWidget(window)
    assert not window.package_actions["export_inspections"].isEnabled()
    assert not window.package_actions["export_rectification"].isEnabled()
    assert window.package_actions["export_feedback"].isEnabled()
    window.packages.export("feedback")
    qtbot.waitUntil(lambda: isinstance(window.packages.last_dialog, ExportDialog), timeout=10_000)
    dialog = window.packages.last_dialog
    assert isinstance(dialog, ExportDialog)
    assert [dialog.target.itemText(i) for i in range(dialog.target.count())] == [names[own]]
    dialog.close()


def _export_with(qtbot: QtBot, context: AppContext, kind: str, target: uuid.UUID, path: Path) -> None:
    actions = PackageActions(context, None)  # type: ignore[arg-type]
    actions.export_to(kind, target, path)
    qtbot.waitUntil(lambda: isinstance(actions.last_dialog, QMessageBox), timeout=30_000)
    assert isinstance(actions.last_dialog, QMessageBox) and str(path) in actions.last_dialog.text()
    actions.last_dialog.close()


def _import_all(qtbot: QtBot, context: AppContext, path: Path) -> str:
    actions = PackageActions(context, None)  # type: ignore[arg-type]
    dialog = _preview(qtbot, actions, path)
    assert not dialog.choices and dialog.import_button.isEnabled()
    dialog.import_button.click()
    qtbot.waitUntil(lambda: isinstance(actions.last_dialog, QMessageBox), timeout=30_000)
    assert isinstance(actions.last_dialog, QMessageBox)
    text = actions.last_dialog.text()
    actions.last_dialog.close()
    return text


def test_the_rectification_loop_through_packages(
    qtbot: QtBot, demo_context: AppContext, hospital_context: AppContext, tmp_path: Path
) -> None:
    from inspections.findings import record_feedback
    from models.finding import Finding

    commission, hospital = demo_context, hospital_context
    assert commission.db is not None and hospital.db is not None
    with commission.db.session() as s:
        finding = s.scalars(select(Finding).where(Finding.status == "open").order_by(Finding.id)).first()
        assert finding is not None
        finding_id, institution_id = finding.id, finding.institution_id

    notice = tmp_path / "整改通知包.zip"
    _export_with(qtbot, commission, "rectification", institution_id, notice)
    assert "已导入" in _import_all(qtbot, hospital, notice)
    with hospital.db.begin() as s:  # the hospital's officer records the rectification
        record_feedback(s, "医院感控科", finding_id, measure="更换过期手消毒剂", department="护理部")

    feedback = tmp_path / "整改反馈包.zip"
    _export_with(qtbot, hospital, "feedback", institution_id, feedback)
    assert "已导入" in _import_all(qtbot, commission, feedback)
    with commission.db.session() as s:
        back = s.get(Finding, finding_id)
        assert back is not None and back.status == "feedback" and back.responsible_dept == "护理部"
