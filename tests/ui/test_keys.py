"""设置 → 签名密钥 for administrators, and the package preview saying who signed before anything is applied."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QTableWidget
from pytestqt.qtbot import QtBot

from inspections.identity import issue_identity
from inspections.users import add_user, log_in
from tests.ui.conftest import _context_on
from ui.context import AppContext
from ui.dialogs.packages import PackageActions, PreviewDialog
from ui.pages.settings_page import SettingsPage
from ui.tasks import TaskRunner

SHOTS = os.environ.get("YG_SHOTS")


@pytest.fixture
def laptop_context(
    qapp: QApplication, empty_template: Path, tmp_path: Path, runner: TaskRunner
) -> Iterator[AppContext]:
    """Another, empty database: a laptop that has not enrolled anyone."""
    other = tmp_path / "laptop"
    other.mkdir()
    yield from _context_on(empty_template, other, runner)


def _admin(context: AppContext) -> None:
    assert context.db is not None
    with context.db.begin() as s:
        add_user(s, None, username="wangfang", password="admin-pass-1", role="admin", display_name="王芳")
    with context.db.session() as s:
        context.user = log_in(s, "wangfang", "admin-pass-1")


def test_an_administrator_sees_and_issues_keys_in_settings(
    qtbot: QtBot, empty_context: AppContext, tmp_path: Path
) -> None:
    _admin(empty_context)
    assert empty_context.db is not None
    with empty_context.db.begin() as s:
        issue_identity(s, empty_context.user, tmp_path / "zw.ygid", username="zhangwei", password="inspector-1",
                       role="inspector", display_name="张伟")
    page = SettingsPage(empty_context)
    qtbot.addWidget(page)
    page.resize(1200, 1500)
    page.show()
    page.reload()
    table = page.findChild(QTableWidget, "keysTable")
    assert table is not None
    qtbot.waitUntil(lambda: table.rowCount() == 2, timeout=10_000)
    names = {table.item(r, 0).text(): table.item(r, 4).text() for r in range(2)}
    assert names == {"wangfang": "有效", "zhangwei": "有效"}
    if SHOTS:
        page.keys_box.grab().save(str(Path(SHOTS) / "settings-keys.png"))


def test_others_do_not_see_key_management(qtbot: QtBot, empty_context: AppContext) -> None:
    page = SettingsPage(empty_context)  # the single-user mode: nobody to manage keys for
    qtbot.addWidget(page)
    page.reload()
    assert not page.keys_box.isVisibleTo(page)


def test_the_preview_says_who_signed_before_anything_is_applied(
    qtbot: QtBot, demo_context: AppContext, laptop_context: AppContext, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from inspections.packages import export_inspections
    from models.inspection import Inspection

    _admin(demo_context)
    assert demo_context.db is not None
    with demo_context.db.session() as s:
        first = s.scalars(select(Inspection.id).where(Inspection.status == "finalized").limit(1)).one()
        path = export_inspections(s, tmp_path / "p.zip", exporter="wangfang", inspection_ids=[first],
                                  user=demo_context.user).path
    actions = PackageActions(laptop_context, None)  # type: ignore[arg-type]
    actions.import_from(path)
    qtbot.waitUntil(lambda: isinstance(actions.last_dialog, PreviewDialog), timeout=30_000)
    dialog = actions.last_dialog
    assert isinstance(dialog, PreviewDialog)
    qtbot.addWidget(dialog)
    # the empty laptop does not know the commission's keys: it says so, in the single-user mode it may still import
    assert "签名者" in dialog.preview.signature and not dialog.preview.signed
    label = dialog.findChild(type(dialog.counts_label), "previewSignature")
    assert label is not None and "签名无效" in label.text() and "不可信" in label.text()
    if SHOTS:
        dialog.show()
        dialog.grab().save(str(Path(SHOTS) / "preview-signature.png"))
    dialog.reject()


def test_an_administrator_lifts_a_lockout_in_settings(
    qtbot: QtBot, empty_context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    import inspections.users as users
    from inspections.errors import PermissionDenied
    from ui.dialogs import keys as keys_dialog

    _admin(empty_context)
    db = empty_context.db
    assert db is not None
    with db.begin() as s:
        add_user(s, empty_context.user, username="lisi", password="lisi-pass-1", role="inspector")
    monkeypatch.setattr(users, "login_sleep", lambda _seconds: None)
    for _ in range(users.LOCKOUT_AFTER):
        with pytest.raises(PermissionDenied), db.session() as s:
            log_in(s, "lisi", "wrong-pass-1")
    with pytest.raises(PermissionDenied, match="锁定"), db.session() as s:
        log_in(s, "lisi", "lisi-pass-1")
    page = SettingsPage(empty_context)
    qtbot.addWidget(page)
    monkeypatch.setattr(keys_dialog.QInputDialog, "getText", lambda *_a, **_k: ("lisi", True))
    with qtbot.waitSignal(empty_context.message, timeout=10_000) as said:
        page.keys_box.unlock()
    assert said.args == ["已解除 lisi 的登录锁定"]
    with db.session() as s:
        assert log_in(s, "lisi", "lisi-pass-1").username == "lisi"
