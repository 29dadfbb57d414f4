"""First start asks who and for whom: the name becomes the actor of every change, the organization the settings."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from inspections import settings as db_settings
from inspections.cli import main
from inspections.findings import record_feedback
from inspections.workspace import current_actor
from models.audit import AuditEvent
from models.finding import Finding, FindingEvent
from ui import settings as keys
from ui.context import AppContext
from ui.dialogs.first_start import FirstStartDialog
from ui.main_window import MainWindow


def _first_start(qtbot: QtBot, context: AppContext) -> tuple[MainWindow, FirstStartDialog]:
    context.settings.remove(keys.INSPECTOR_NAME)  # the fixture names its user; a first start has no name yet
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    dialog = window.last_dialog
    assert isinstance(dialog, FirstStartDialog) and dialog.isVisible()
    return window, dialog


def test_first_start_asks_who_and_for_whom_and_the_name_is_the_actor(
    qtbot: QtBot, empty_context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("YG_USER", raising=False)
    window, dialog = _first_start(qtbot, empty_context)
    dialog.ok_button.click()
    assert dialog.isVisible() and "姓名" in dialog.problem.text()  # nothing is saved without a name
    dialog.name.setText("王丽")
    dialog.ok_button.click()
    assert dialog.isVisible() and "代字" in dialog.problem.text()
    dialog.agency.setText("上街区卫生健康委员会")
    dialog.agency_code.setText("上卫院感")
    dialog.contact_person.setText("李明")
    dialog.contact_phone.setText("0371-68888888")
    dialog.ok_button.click()
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: empty_context.tasks.pending == 0)
    assert empty_context.actor == "王丽"
    assert "王丽" in window.user_label.text()
    assert empty_context.settings.value(keys.USER_ROLE) == "commission"
    assert empty_context.db is not None
    with empty_context.db.session() as s:
        stored = db_settings.all_settings(s)
        actors = set(s.scalars(select(AuditEvent.actor).where(AuditEvent.action == "setting.change")))
    assert (stored["issuer"], stored["doc_prefix"], stored["contact_person"], stored["contact_phone"]) == (
        "上街区卫生健康委员会",
        "上卫院感",
        "李明",
        "0371-68888888",
    )
    assert actors == {"王丽"}  # not the system login
    # The command line on the same data directory records the same person.
    empty_context.settings.sync()
    assert current_actor(empty_context.data_dir) == "王丽"


def test_a_hospital_officer_gives_the_hospital_name(qtbot: QtBot, empty_context: AppContext) -> None:
    _window, dialog = _first_start(qtbot, empty_context)
    dialog.set_role("hospital")
    assert dialog.hospital_box.isVisibleTo(dialog) and not dialog.agency_box.isVisibleTo(dialog)
    dialog.name.setText("赵敏")
    dialog.hospital.setText("上街区人民医院")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: empty_context.tasks.pending == 0)
    assert empty_context.db is not None
    with empty_context.db.session() as s:
        assert db_settings.get_setting(s, "hospital_name") == "上街区人民医院"
        assert db_settings.get_setting(s, "issuer") == db_settings.SETTINGS["issuer"].default
    assert empty_context.settings.value(keys.USER_ROLE) == "hospital"


def test_put_off_it_is_not_asked_again_and_a_known_user_is_not_asked(qtbot: QtBot, empty_context: AppContext) -> None:
    window, dialog = _first_start(qtbot, empty_context)
    dialog.reject()
    window.show_page("settings")
    window.show_page("dashboard")  # the welcome page again
    assert window.last_dialog is dialog and not dialog.isVisible()
    empty_context.settings.setValue(keys.INSPECTOR_NAME, "王丽")
    second = MainWindow(empty_context)
    qtbot.addWidget(second)
    second.show()
    assert not isinstance(second.last_dialog, FirstStartDialog)


def test_findings_record_the_configured_name_not_the_login(
    demo_context: AppContext, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("YG_USER", raising=False)
    demo_context.settings.setValue(keys.INSPECTOR_NAME, "王丽")
    demo_context.settings.sync()
    assert demo_context.db is not None
    with demo_context.db.session() as s:
        window_one, cli_one = s.scalars(select(Finding.id).where(Finding.status == "open").limit(2)).all()
    demo_context.write_now(
        lambda s: record_feedback(s, demo_context.actor, window_one, measure="已整改", department="感控科", note="")
    )
    # The command line on the same data directory, without YG_USER, names the same person as the window.
    args = ["--data-dir", str(demo_context.data_dir), "findings", "feedback", str(cli_one)]
    assert main([*args, "--measure", "已整改", "--department", "门诊部"]) == 0, capsys.readouterr().err
    with demo_context.db.session() as s:
        for finding_id in (window_one, cli_one):
            latest = s.scalars(
                select(FindingEvent).where(FindingEvent.finding_id == finding_id).order_by(FindingEvent.at.desc())
            ).first()
            assert latest is not None and latest.kind == "feedback" and latest.actor == "王丽"
