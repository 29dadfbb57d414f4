"""Settings page: back up now, restore a backup (keeping a copy of what it replaces), and who may restore."""

from __future__ import annotations

from typing import Any

from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from inspections.backup import list_backups
from inspections.institutions import InstitutionData, create_institution
from inspections.users import CurrentUser
from models.reference import Institution
from ui.context import AppContext
from ui.pages.settings_page import SettingsPage


def _page(qtbot: QtBot, context: AppContext) -> Any:
    page = SettingsPage(context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: context.tasks.pending == 0, timeout=20000)
    return page


def _count(context: AppContext) -> int:
    assert context.db is not None
    with context.db.session() as s:
        return int(s.scalar(select(func.count(Institution.id))) or 0)


def test_back_up_now_then_restore_brings_the_old_data_back(qtbot: QtBot, demo_context: AppContext) -> None:
    page = _page(qtbot, demo_context)
    assert "还没有备份" in page.backup_info.text()
    page.backup_now()
    qtbot.waitUntil(lambda: demo_context.tasks.pending == 0, timeout=20000)
    made = list_backups(demo_context.data_dir)
    assert len(made) == 1 and made[0].kind == "manual"
    assert "共 1 份" in page.backup_info.text()
    before = _count(demo_context)
    assert demo_context.db is not None
    with demo_context.db.begin() as s:
        create_institution(s, "张三", InstitutionData(name="备份后新增的机构", level=1))
    assert _count(demo_context) == before + 1

    page.restore_from(made[0].path, ask=False)
    qtbot.waitUntil(lambda: demo_context.tasks.pending == 0 and _count(demo_context) == before, timeout=20000)
    kinds = sorted(b.kind for b in list_backups(demo_context.data_dir))
    assert kinds == ["before-restore", "manual"]  # what was replaced is kept


def test_only_an_administrator_may_restore(qtbot: QtBot, demo_context: AppContext) -> None:
    page = _page(qtbot, demo_context)
    demo_context.user = CurrentUser("lisi", "inspector")
    page.backup_now()
    qtbot.waitUntil(lambda: demo_context.tasks.pending == 0, timeout=20000)
    shown: list[str] = []
    import ui.pages.settings_page as module

    original = module.show_user_error
    module.show_user_error = lambda parent, exc: shown.append(str(exc))  # type: ignore[assignment]
    try:
        page.restore_from(list_backups(demo_context.data_dir)[0].path, ask=False)
    finally:
        module.show_user_error = original
    assert shown and "无权" in shown[0]
    assert [b.kind for b in list_backups(demo_context.data_dir)] == ["manual"]


def test_the_series_code_of_document_numbers_is_edited_with_the_prefix(qtbot: QtBot, demo_context: AppContext) -> None:
    from inspections.settings import get_setting

    page = _page(qtbot, demo_context)
    series = page.fields["doc_series"]
    assert series.text() == "" and page.number_example.text() == "院感督〔2026〕3号"
    series.setText("a")
    assert page.number_example.text() == "院感督A〔2026〕3号"  # what numbers will look like, before saving
    page.save_shared()
    qtbot.waitUntil(lambda: demo_context.tasks.pending == 0, timeout=20000)
    assert demo_context.db is not None
    with demo_context.db.session() as s:
        assert get_setting(s, "doc_series") == "A"


def test_the_agency_contact_and_the_faces_of_the_documents_are_settings(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    from inspections.settings import get_setting

    page = _page(qtbot, demo_context)
    page.fields["contact_person"].setText("赵六")
    page.fields["contact_phone"].setText("0371-68511234")
    page.fields["issuer"].setText("上街区卫生健康委员会")
    body = page.font_fields["font_fangsong"]
    assert body.currentData() == ""  # automatic: the official face when this computer has one
    body.setCurrentIndex(body.findData("bundled"))
    page.save_shared()
    qtbot.waitUntil(lambda: demo_context.tasks.pending == 0, timeout=20000)
    assert demo_context.db is not None
    with demo_context.db.session() as s:
        assert get_setting(s, "contact_person") == "赵六" and get_setting(s, "contact_phone") == "0371-68511234"
        assert get_setting(s, "issuer") == "上街区卫生健康委员会"
        assert get_setting(s, "font_fangsong") == "bundled" and get_setting(s, "font_heiti") == ""
