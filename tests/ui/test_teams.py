"""Expert teams in the window (issue 17): 分工 when starting an inspection and in the editor, each member's progress,
the items outside a member's part read-only, and an item conflict of a member's package decided in the preview."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

import inspections.packages
from inspections import teams, workflow
from inspections.packages import Preview
from inspections.packages.importing.preview import PreviewEntry
from inspections.permissions import CurrentUser
from inspections.users import add_user
from models.inspection import Inspection, ItemResult
from tests.ui.conftest import _context_on
from tests.ui.helpers import start_inspection
from ui.context import AppContext
from ui.dialogs.new_inspection import NewInspectionDialog
from ui.dialogs.packages import PackageActions, PreviewDialog
from ui.dialogs.team_parts import PartsDialog
from ui.main_window import MainWindow
from ui.pages.editor import InspectionEditor
from ui.pages.inspections_list import InspectionsPage
from ui.tasks import TaskRunner

# The packages of a team are written by helper teampkg's inspections.packages.export_assignment / export_part: these
# tests run once that branch is merged.
needs_teampkg = pytest.mark.skipif(
    not hasattr(inspections.packages, "export_assignment"), reason="needs inspections.packages.export_assignment"
)


def _modal(kind: type[QDialog]) -> QDialog | None:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    return found[0] if found else None


def _team_users(context: AppContext) -> None:
    """The lead (an administrator) and two inspectors of this database."""
    assert context.db is not None
    admin = CurrentUser("zhangsan", "admin", display_name="张三")
    with context.db.begin() as s:
        add_user(s, None, username="zhangsan", password="pw-zhangsan-1", role="admin", display_name="张三")
        add_user(s, admin, username="lisi", password="pw-lisi-0001", role="inspector", display_name="李四")
        add_user(s, admin, username="wangwu", password="pw-wangwu-01", role="inspector", display_name="王五")


def _team_inspection(context: AppContext) -> tuple[uuid.UUID, str, str]:
    """A draft of 张三 with 李四 on its first checklist and 王五 on the first section of its second."""
    _team_users(context)
    inspection_id = start_inspection(context)
    assert context.db is not None
    with context.db.begin() as s:
        view = workflow.load_inspection(s, inspection_id)
        first, second = view.checklists[0], view.checklists[1]
        section = f"{second.spec.code}/{second.sections[0].code}"
        teams.assign_part(s, "张三", inspection_id, "lisi", checklists=[first.spec.code])
        teams.assign_part(s, "张三", inspection_id, "wangwu", sections=[section])
    return inspection_id, first.spec.code, section


def _open_editor(qtbot: QtBot, context: AppContext, inspection_id: uuid.UUID) -> InspectionEditor:
    editor = InspectionEditor(context, inspection_id)
    qtbot.addWidget(editor)
    editor.resize(1200, 700)
    editor.show()
    editor.activate()
    qtbot.waitUntil(lambda: editor.view is not None)
    return editor


def _stored(context: AppContext, inspection_id: uuid.UUID, item_id: uuid.UUID) -> tuple[str | None, str] | None:
    assert context.db is not None
    with context.db.session() as s:
        row = s.scalar(
            select(ItemResult).where(ItemResult.inspection_id == inspection_id, ItemResult.item_id == item_id)
        )
        return (row.response, row.note) if row is not None else None


def test_new_inspection_gives_members_their_parts(qtbot: QtBot, demo_context: AppContext) -> None:
    _team_users(demo_context)
    window = MainWindow(demo_context)
    qtbot.addWidget(window)
    window.show()
    window.show_page("inspections")
    page = window.pages["inspections"]
    assert isinstance(page, InspectionsPage)
    page.request_new()
    qtbot.waitUntil(lambda: _modal(NewInspectionDialog) is not None, timeout=5000)
    dialog = _modal(NewInspectionDialog)
    assert isinstance(dialog, NewInspectionDialog)
    dialog.preset.setCurrentIndex(0)  # 发热门诊专项: triage, fever-clinic-zoning, fever-clinic-loop
    assert dialog.tabs.isTabVisible(1)
    dialog.tabs.setCurrentIndex(1)
    picker = dialog.part_picker
    # The inspectors of this database are offered (by name), the lead too; each with the chosen checklists.
    labels = [picker.tree.topLevelItem(n).text(0) for n in range(picker.tree.topLevelItemCount())]  # type: ignore[union-attr]
    assert any("李四" in t for t in labels) and any("王五" in t for t in labels)
    assert set(picker.members()) >= {"lisi", "wangwu", "zhangsan"}
    lisi = picker._members["lisi"]
    assert [lisi.child(n).toolTip(0) for n in range(lisi.childCount())] == [  # type: ignore[union-attr]
        "triage",
        "fever-clinic-zoning",
        "fever-clinic-loop",
    ]
    zoning = lisi.child(1)
    assert zoning is not None and zoning.childCount() > 1  # its sections, to give one part of a checklist
    section = str(zoning.child(0).data(0, Qt.ItemDataRole.UserRole))  # type: ignore[union-attr]
    picker.set_choice("lisi", checklists=["triage"])
    picker.set_choice("wangwu", sections=[section])
    assert dialog.tabs.tabText(1) == "分工（2 人）"
    assert picker._members["wangwu"].text(1) == "1 项"
    # Checking a checklist box by hand (what space does) gives the whole checklist.
    loop = picker._members["wangwu"].child(2)
    assert loop is not None
    loop.setCheckState(0, Qt.CheckState.Checked)
    dialog.accept()
    qtbot.waitUntil(lambda: demo_context.tasks.pending == 0)
    assert demo_context.db is not None
    with demo_context.db.session() as s:
        inspection = s.scalars(select(Inspection).order_by(Inspection.created_at.desc())).first()
        assert inspection is not None and inspection.status == "draft"
        parts = {(p.member, p.template_code, p.section_code) for p in teams.parts_of(s, inspection.id)}
        assert parts == {
            ("lisi", "triage", ""),
            ("wangwu", "fever-clinic-zoning", section.split("/")[1]),
            ("wangwu", "fever-clinic-loop", ""),
        }
        assert {"李四", "王五"} <= set(inspection.inspectors)


def test_progress_line_counts_each_members_answers_as_they_are_saved(qtbot: QtBot, demo_context: AppContext) -> None:
    inspection_id, _first, _section = _team_inspection(demo_context)
    editor = _open_editor(qtbot, demo_context, inspection_id)
    assert demo_context.db is not None
    with demo_context.db.session() as s:
        progress = {p.member: p for p in teams.team_progress(s, inspection_id)}
    lisi, wangwu = progress["lisi"], progress["wangwu"]
    assert lisi.total > 0 and wangwu.total > 0 and lisi.answered == 0
    bar = editor.header.team_bar
    assert bar.isVisible()
    text = bar.progress_text()
    assert f"李四 {lisi.parts[0].label} 0/{lisi.total}" in text
    assert f"王五 {wangwu.parts[0].label} 0/{wangwu.total}" in text
    # The lead answers an item of 李四's checklist: the line follows at once.
    assert editor.view is not None
    item = editor.view.checklists[0].sections[0].items[0]
    editor.select_item(item.item_id)
    editor.answer(item.options[0].code)
    assert _stored(demo_context, inspection_id, item.item_id) is not None
    assert f"李四 {lisi.parts[0].label} 1/{lisi.total}" in bar.progress_text()
    assert f"0/{wangwu.total}" in bar.progress_text()
    assert editor.lock_label.isHidden()  # the lead edits everything


def test_items_outside_a_members_part_are_read_only_with_who_holds_them(qtbot: QtBot, demo_context: AppContext) -> None:
    inspection_id, _first, _section = _team_inspection(demo_context)
    assert demo_context.db is not None
    with demo_context.db.begin() as s:  # a photo on an item of each member's part
        view = workflow.load_inspection(s, inspection_id)
        for checklist in view.checklists[:2]:
            item_id = checklist.sections[0].items[0].item_id
            workflow.add_item_photo(s, "张三", inspection_id, item_id, _jpeg("grey"), filename="现场.jpg")
    demo_context.settings.setValue("user/name", "lisi")  # 李四's laptop
    editor = _open_editor(qtbot, demo_context, inspection_id)
    messages: list[str] = []
    demo_context.message.connect(messages.append)
    assert editor.view is not None
    outside = editor.view.checklists[1].sections[0].items[0]  # 王五's section
    inside = editor.view.checklists[0].sections[0].items[0]
    editor.select_item(outside.item_id)
    assert all(not b.isEnabled() for b in editor.pane.answer_buttons)
    assert editor.pane.note.isReadOnly() and not editor.pane.add_photo_button.isEnabled()
    assert editor.lock_label.isVisible() and "王五" in editor.lock_label.text()
    assert "由王五负责" in editor.item_tree.leaves[outside.item_id].toolTip(0)
    # Keys do nothing on it: no answer saved, nothing typed into the note, no error box after the fact.
    editor.tree.setFocus()
    qtbot.keyClicks(editor.tree, "ab")
    qtbot.keyClick(editor.tree, Qt.Key.Key_1)  # 1: the first answer
    assert editor.pane.note.toPlainText() == ""
    assert _stored(demo_context, inspection_id, outside.item_id) == (None, "")  # the photo's row, unanswered
    assert editor.last_dialog is None
    assert "由王五负责" in messages[-1]  # said in the status bar instead
    # In the photo viewer the caption of 王五's photo is read-only, that of one's own item is not.
    for item, locked in ((outside, True), (inside, False)):
        viewer = editor.photo_flow.open_viewer(editor.items[item.item_id].photos[0].attachment_id)
        assert viewer is not None
        qtbot.addWidget(viewer)
        assert viewer.caption.isReadOnly() is locked
        viewer.reject()
    # An item of one's own part is answered as usual.
    editor.select_item(inside.item_id)
    assert editor.lock_label.isHidden() and all(b.isEnabled() for b in editor.pane.answer_buttons)
    assert "负责" not in editor.item_tree.leaves[inside.item_id].toolTip(0)
    editor.answer(inside.options[0].code)
    assert _stored(demo_context, inspection_id, inside.item_id) == (inside.options[0].code, "")


def test_parts_of_a_draft_are_changed_in_the_editor(qtbot: QtBot, demo_context: AppContext) -> None:
    inspection_id, first_code, section = _team_inspection(demo_context)
    editor = _open_editor(qtbot, demo_context, inspection_id)
    editor.team.request_parts()
    qtbot.waitUntil(lambda: isinstance(editor.last_dialog, PartsDialog), timeout=5000)
    dialog = editor.last_dialog
    assert isinstance(dialog, PartsDialog)
    picker = dialog.picker
    assert picker.choices()["lisi"].checklists == [first_code]  # as assigned
    assert picker.choices()["wangwu"].sections == [section]
    picker.set_choice("wangwu")  # nothing: 王五 leaves the team
    picker.set_choice("lisi", sections=[section])  # 李四 takes 王五's section instead of the checklist
    dialog.accept()
    assert demo_context.db is not None
    with demo_context.db.session() as s:
        parts = {(p.member, p.template_code, p.section_code) for p in teams.parts_of(s, inspection_id)}
    assert parts == {("lisi", *section.split("/"))}
    qtbot.waitUntil(lambda: "王五" not in editor.header.team_bar.progress_text())
    assert "李四" in editor.header.team_bar.progress_text()


def _jpeg(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def _item_preview() -> Preview:
    """A member's part package as the preview of teampkg describes it: two item conflicts and one new item."""
    head = "上街区人民医院 2026-11-28 · 发热门诊"

    def value(answer: str, note: str, photos: list[str], who: str) -> dict[str, object]:
        return {
            "回答": answer,
            "分值": 5.0 if answer == "符合" else 0.0,
            "备注": note,
            "照片": len(photos),
            "照片sha256": photos,
            "填写人": who,
            "时间": "2026-11-28 10:15",
        }

    return Preview(
        package_name="分工结果_lisi.ygpkg",
        kind="part",
        exporter="lisi",
        created_at="2026-11-28T12:00:00",
        app_version="test",
        entries=(
            PreviewEntry(
                "item",
                "i1/fever-clinic-zoning/FZ2.3",
                f"{head} · FZ2.3 缓冲间设置",
                "conflict",
                "本机（张三）与李四的结果不同，请选择保留本机或采用导入",
                value("符合", "", ["a" * 64], "张三"),
                value("不符合", "缓冲间两侧门无互锁", ["b" * 64, "c" * 64], "李四"),
            ),
            PreviewEntry(
                "item",
                "i1/fever-clinic-zoning/FZ2.4",
                f"{head} · FZ2.4 医务人员通道",
                "conflict",
                "本机（张三）与李四的结果不同",
                value("部分符合", "标识不清", [], "张三"),
                value("符合", "", [], "李四"),
            ),
            PreviewEntry("item", "i1/triage/TR1.1", f"{head} · TR1.1 建立预检分诊制度", "new", "本机未填写"),
        ),
        signature="签名者：李四 · 签名有效",
        signed=True,
    )


def test_preview_shows_an_item_conflict_side_by_side_and_decides_it_by_keyboard(qtbot: QtBot) -> None:
    photos = {"a" * 64: _jpeg("red"), "b" * 64: _jpeg("green")}  # "c…" is not at hand: counted only
    dialog = PreviewDialog(_item_preview(), mine_photo=photos.get, theirs_photo=photos.get)
    qtbot.addWidget(dialog)
    dialog.show()
    detail = dialog.detail
    assert detail is not None and dialog.conflict_table is not None
    assert dialog.tabs.tabText(0) == "待决定的冲突（2）" and dialog.tabs.tabText(1) == "将导入的变化（1）"
    # Both sides of the first conflict, who gave each, the differences marked.
    assert detail.cells[("回答", "mine")].text() == "符合" and detail.cells[("回答", "theirs")].text() == "不符合"
    assert detail.cells[("备注", "theirs")].text() == "缓冲间两侧门无互锁"
    assert detail.cells[("填写人", "mine")].text() == "张三" and detail.cells[("填写人", "theirs")].text() == "李四"
    assert detail.cells[("照片", "mine")].text() == "1 张" and detail.cells[("照片", "theirs")].text() == "2 张"
    assert "bold" in detail.cells[("回答", "theirs")].styleSheet()
    assert "bold" not in detail.cells[("时间", "theirs")].styleSheet()
    thumbs = detail.findChildren(QLabel, "conflictThumb")
    assert len(thumbs) == 2 and all(not t.pixmap().isNull() for t in thumbs)
    assert "数据包（李四）" in " ".join(w.text() for w in detail.findChildren(QLabel))
    assert "回答：符合 ／ 不符合" in dialog.conflict_table.item(0, 2).text()  # type: ignore[union-attr]
    assert dialog.conflict_table.item(0, 0).text() == "检查项"  # type: ignore[union-attr]
    assert not dialog.import_button.isEnabled()
    # 2 takes the member's answer for this item and moves on to the next conflict; 1 keeps ours there.
    dialog.conflict_table.setFocus()
    qtbot.keyClick(dialog.conflict_table, Qt.Key.Key_2)
    first, second = dialog.conflict_keys
    assert dialog.decisions() == {first: "theirs"}
    assert dialog.current_conflict() == second
    assert detail.cells[("回答", "mine")].text() == "部分符合"
    assert not dialog.import_button.isEnabled() and dialog.tabs.tabText(0) == "待决定的冲突（1/2）"
    qtbot.keyClick(dialog.conflict_table, Qt.Key.Key_1)
    assert dialog.decisions() == {first: "theirs", second: "mine"}
    assert dialog.import_button.isEnabled()
    # The shortcuts decide every item at once.
    dialog.findChild(type(detail.mine_button), "allTheirs").click()  # type: ignore[union-attr]
    assert dialog.decisions() == {first: "theirs", second: "theirs"}


@needs_teampkg
def test_lead_exports_a_members_assignment_package(qtbot: QtBot, demo_context: AppContext, tmp_path: Path) -> None:
    from inspections.packages import read_package

    inspection_id, _first, _section = _team_inspection(demo_context)
    editor = _open_editor(qtbot, demo_context, inspection_id)
    path = tmp_path / "分工包_李四.ygpkg"
    editor.team.request_assignment("lisi", "李四", path)
    qtbot.waitUntil(lambda: path.is_file() and demo_context.tasks.pending == 0, timeout=30_000)
    qtbot.waitUntil(lambda: isinstance(editor.last_dialog, QMessageBox))
    assert str(path) in editor.last_dialog.text()  # type: ignore[union-attr]
    package = read_package(path)
    assert package.manifest.kind == "assignment"
    assert str(inspection_id) in json.dumps(package.data)


@pytest.fixture
def member_context(qapp: QApplication, demo_template: Path, tmp_path: Path, runner: TaskRunner) -> Iterator[AppContext]:
    """李四's laptop: another copy of the same demo database, single-user."""
    folder = tmp_path / "member"
    folder.mkdir()
    for context in _context_on(demo_template, folder, runner):
        context.settings.setValue("user/name", "lisi")
        yield context


def _enrol_lisi(context: AppContext, empty_template: Path, tmp_path: Path) -> None:
    """The commission issues 李四 a key; the lead's laptop (single-user) enrols it, so the lead may give 李四 a part."""
    from inspections.identity import export_keys, import_keys, issue_identity
    from inspections.users import log_in
    from models.database import open_database, sqlite_url

    folder = tmp_path / "commission"
    folder.mkdir()
    (folder / "yuangan.db").write_bytes(empty_template.read_bytes())
    commission = open_database(sqlite_url(folder / "yuangan.db"), folder, migrate=False)
    try:
        with commission.begin() as s:
            add_user(s, None, username="admin", password="pw-admin-0001", role="admin", display_name="督导办")
        with commission.session() as s:
            admin = log_in(s, "admin", "pw-admin-0001")
        with commission.begin() as s:
            issue_identity(
                s, admin, tmp_path / "lisi.ygid", username="lisi", password="pw-lisi-0001", role="inspector",
                display_name="李四",
            )
            export_keys(s, admin, tmp_path / "keys.json")
    finally:
        commission.close()
    assert context.db is not None
    with context.db.begin() as s:
        import_keys(s, None, tmp_path / "keys.json")


def _import(qtbot: QtBot, context: AppContext, path: Path) -> PreviewDialog:
    actions = PackageActions(context, None)  # type: ignore[arg-type]
    actions.import_from(path)
    qtbot.waitUntil(lambda: context.tasks.pending == 0, timeout=30_000)
    assert getattr(context.tasks, "last_error_box", None) is None
    qtbot.waitUntil(lambda: isinstance(actions.last_dialog, PreviewDialog), timeout=30_000)
    dialog = actions.last_dialog
    assert isinstance(dialog, PreviewDialog)
    qtbot.addWidget(dialog)
    return dialog


@needs_teampkg
def test_assignment_out_part_back_and_the_conflict_decided_in_the_window(
    qtbot: QtBot,
    demo_context: AppContext,
    member_context: AppContext,
    empty_template: Path,
    tmp_path: Path,
) -> None:
    _enrol_lisi(demo_context, empty_template, tmp_path)
    inspection_id = start_inspection(demo_context)
    assert demo_context.db is not None
    with demo_context.db.begin() as s:
        triage = workflow.load_inspection(s, inspection_id).checklists[0].spec.code
        teams.assign_part(s, "张三", inspection_id, "lisi", checklists=[triage])
    lead = _open_editor(qtbot, demo_context, inspection_id)
    assert "李四" in lead.header.team_bar.progress_text()
    assignment = tmp_path / "分工包_李四.ygpkg"
    lead.team.request_assignment("lisi", "李四", assignment)
    qtbot.waitUntil(lambda: assignment.is_file() and demo_context.tasks.pending == 0, timeout=30_000)
    # 李四's laptop takes the assignment in and answers an item of the triage checklist.
    dialog = _import(qtbot, member_context, assignment)
    dialog.accept()
    qtbot.waitUntil(lambda: member_context.tasks.pending == 0, timeout=30_000)
    member = _open_editor(qtbot, member_context, inspection_id)
    assert member.view is not None
    item = member.view.checklists[0].sections[0].items[0]
    assert item.item_id not in member.item_tree.locked
    assert member.view.checklists[1].sections[0].items[0].item_id in member.item_tree.locked
    member.select_item(item.item_id)
    failing = next(o.code for o in item.options if o.outcome == "fail")
    member.answer(failing)
    member.pane.note.setPlainText("分诊台无体温计")
    member.pane.flush_note()
    part = tmp_path / "分工结果_李四.ygpkg"
    member.team.request_my_part(part)
    qtbot.waitUntil(lambda: part.is_file() and member_context.tasks.pending == 0, timeout=30_000)
    # Meanwhile the lead answered the same item otherwise: a conflict, shown and decided in the preview.
    lead.select_item(item.item_id)
    lead.answer(item.options[0].code)
    preview = _import(qtbot, demo_context, part)
    assert preview.detail is not None and len(preview.conflict_keys) == 1
    assert preview.detail.cells[("备注", "theirs")].text() == "分诊台无体温计"
    assert preview.detail.cells[("回答", "mine")].text() != preview.detail.cells[("回答", "theirs")].text()
    assert preview.conflict_table is not None
    qtbot.keyClick(preview.conflict_table, Qt.Key.Key_2)
    assert preview.import_button.isEnabled()
    preview.accept()
    qtbot.waitUntil(lambda: demo_context.tasks.pending == 0, timeout=30_000)
    assert _stored(demo_context, inspection_id, item.item_id) == (failing, "分诊台无体温计")


def test_a_rounds_team_is_offered_by_name_and_strangers_are_shown_but_not_given_parts(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    from inspections.rounds import create_round
    from ui.dialogs.team_parts import PartPicker, team_candidates

    _team_users(demo_context)
    assert demo_context.db is not None
    with demo_context.db.begin() as s:
        round_id = create_round(s, "张三", month="2027-03", title="3月督导", team=["王五", "赵六", "lisi"])
        candidates = team_candidates(s, round_id=round_id)
    assert [(c.username, c.name) for c in candidates] == [("wangwu", "王五"), ("", "赵六"), ("lisi", "李四")]
    picker = PartPicker()
    qtbot.addWidget(picker)
    picker.fill(candidates, [])
    stranger = picker.tree.topLevelItem(1)
    assert stranger is not None and not stranger.flags() & Qt.ItemFlag.ItemIsEnabled
    assert "不是本机用户" in stranger.text(0) and picker.members() == ["wangwu", "lisi"]


@pytest.mark.parametrize("scale", ["1", "1.5"])
def test_team_screens_fit_at_1280x720(scale: str, tmp_path: Path) -> None:
    """新建检查 with 分工, the editor's 分工 line (lead and member), 分工… and the conflict preview: nothing crushed or
    beyond a 1280×720 window (at 150 %: 1920×1080)."""
    here = Path(__file__).parent
    screen = tmp_path / "screen.json"
    size = (1920, 1080) if scale == "1.5" else (1280, 720)
    screen.write_text(
        json.dumps({"screens": [{"name": "s", "x": 0, "y": 0, "width": size[0], "height": size[1], "logicalDpi": 96,
                                 "logicalBaseDpi": 96, "dpr": 1}]})
    )
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": f"offscreen:configfile={screen}",
        "QT_SCALE_FACTOR": scale,
        "PYTHONPATH": str(here.parent.parent),
    }
    done = subprocess.run(
        [sys.executable, str(here / "take_team_screenshots.py"), str(tmp_path / "shots")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"problems": []}
    assert len(list((tmp_path / "shots").glob("team-*.png"))) == 5
