"""The inspector's day in the window: the right hospital, chosen checklists, no stale answer, voiding a draft,
partial scope, the keyboard rules of docs/keyboard.md, layouts that fit at 1280×720 and 150 %."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from tests.ui.helpers import start_inspection, stored_results
from ui.context import AppContext
from ui.dialogs.new_inspection import NewInspectionDialog
from ui.main_window import MainWindow
from ui.pages.editor import InspectionEditor
from ui.pages.inspections_list import InspectionsPage
from ui.pages.institutions import InstitutionsPage


def _modal(kind: type[QDialog]) -> QDialog | None:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    return found[0] if found else None


def open_editor(qtbot: QtBot, context: AppContext, inspection_id: uuid.UUID | None = None) -> InspectionEditor:
    editor = InspectionEditor(context, inspection_id or start_inspection(context))
    qtbot.addWidget(editor)
    editor.resize(1200, 700)
    editor.show()
    editor.activate()
    qtbot.waitUntil(lambda: editor.view is not None)
    editor.tree.setFocus()
    return editor


def _window(qtbot: QtBot, context: AppContext) -> MainWindow:
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    return window


def test_new_inspection_from_institutions_preselects_the_selected_row(qtbot: QtBot, demo_context: AppContext) -> None:
    window = _window(qtbot, demo_context)
    window.show_page("institutions")
    page = window.pages["institutions"]
    assert isinstance(page, InstitutionsPage)
    qtbot.waitUntil(lambda: page.model.rowCount() > 3)
    rows = page.table.visible_rows()
    n = next(n for n, r in enumerate(rows) if r.active and n >= 2)
    page.table.selectRow(n)
    page.inspect_button.click()
    qtbot.waitUntil(lambda: _modal(NewInspectionDialog) is not None, timeout=5000)
    dialog = _modal(NewInspectionDialog)
    assert isinstance(dialog, NewInspectionDialog)
    assert dialog.institution.currentText() == rows[n].name
    assert dialog.institution_id() == rows[n].id
    dialog.reject()


def test_new_inspection_offers_presets_of_checklists_in_force(qtbot: QtBot, demo_context: AppContext) -> None:
    window = _window(qtbot, demo_context)
    window.show_page("inspections")
    page = window.pages["inspections"]
    assert isinstance(page, InspectionsPage)
    page.request_new()
    qtbot.waitUntil(lambda: _modal(NewInspectionDialog) is not None, timeout=5000)
    dialog = _modal(NewInspectionDialog)
    assert isinstance(dialog, NewInspectionDialog)
    names = [dialog.preset.itemText(i) for i in range(dialog.preset.count())]
    assert names[:2] == ["发热门诊专项", "常规督导"] and names[-1] == "自定义"
    # Only versions in force: one entry per checklist code.
    codes = [dialog.checklists.item(i).toolTip() for i in range(dialog.checklists.count())]
    assert len(codes) == len(set(codes)) and "fever-clinic-loop" in codes
    dialog.preset.setCurrentIndex(0)
    checked = [
        dialog.checklists.item(i).toolTip()
        for i in range(dialog.checklists.count())
        if dialog.checklists.item(i).checkState() == Qt.CheckState.Checked
    ]
    assert checked == ["triage", "fever-clinic-zoning", "fever-clinic-loop"]
    assert "fever-clinic-loop" not in " ".join(
        dialog.checklists.item(i).text() for i in range(dialog.checklists.count())
    )
    dialog.accept()
    qtbot.waitUntil(lambda: demo_context.tasks.pending == 0)
    assert demo_context.db is not None
    from inspections.workflow import list_inspections, load_inspection

    with demo_context.db.session() as s:
        started = [load_inspection(s, r.id) for r in list_inspections(s, status="draft")]
    assert any(
        [c.spec.code for c in v.checklists] == ["triage", "fever-clinic-zoning", "fever-clinic-loop"] for v in started
    )
    # Remembered for this month's round: the next dialog starts on the same preset.
    page.request_new()
    qtbot.waitUntil(lambda: page.new_dialog is not dialog and page.new_dialog.isVisible(), timeout=5000)
    assert page.new_dialog.preset.currentText() == "发热门诊专项"
    page.new_dialog.reject()


def test_an_unanswered_item_shows_no_answer_selected(qtbot: QtBot, demo_context: AppContext) -> None:
    editor = open_editor(qtbot, demo_context)
    first = editor.current_item()
    assert first is not None
    demo_context.settings.setValue("editor/stay_on_item", True)
    qtbot.keyClick(editor.tree, Qt.Key.Key_3)
    assert editor.pane.answer_buttons[2].isChecked()
    editor.tree.setFocus()
    qtbot.keyClick(editor.tree, Qt.Key.Key_Down)
    item = editor.current_item()
    assert item is not None and item.item_id != first.item_id and item.response is None
    assert [b.isChecked() for b in editor.pane.answer_buttons] == [False] * len(editor.pane.answer_buttons)
    assert stored_results(demo_context, editor.inspection_id)[first.item_id][0] == "fail"


@pytest.mark.parametrize("scale", ["1", "1.5"])
def test_settings_answers_coverage_and_new_inspection_fit_at_1280x720(
    scale: str, demo_template: Path, tmp_path: Path
) -> None:
    """At 1280×720 (and 1920×1080 at 150 %, the same logical size) nothing is crushed or clipped."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(demo_template, data / "yuangan.db")
    here = Path(__file__).parent
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": f"offscreen:configfile={here / 'fhd_screen.json'}",
        "QT_SCALE_FACTOR": scale,
        "PYTHONPATH": str(here.parent.parent),
    }
    done = subprocess.run(
        [sys.executable, str(here / "fit_check.py"), str(data)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["problems"] == []


def test_checklists_page_names_checklists_by_title_not_code(qtbot: QtBot, demo_context: AppContext) -> None:
    from ui.pages.checklists import ChecklistsPage

    page = ChecklistsPage(demo_context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: page.model.rowCount() > 0)
    model = page.model
    shown = {str(model.data(model.index(r, c))) for r in range(model.rowCount()) for c in range(model.columnCount())}
    assert "fever-clinic-loop" not in shown and "triage" not in shown
    titles = {row.title for row in model.rows}
    assert titles <= shown


# -- the keyboard rules of docs/keyboard.md ---------------------------------------------------------------------


def test_failing_answers_stay_in_the_note_passing_ones_move_on(qtbot: QtBot, demo_context: AppContext) -> None:
    editor = open_editor(qtbot, demo_context)
    first = editor.current_item()
    assert first is not None
    qtbot.keyClick(editor.tree, Qt.Key.Key_2)  # 部分符合: stay, cursor in 问题描述
    assert editor.current_item().item_id == first.item_id  # type: ignore[union-attr]
    assert editor.pane.note.hasFocus()
    qtbot.keyClicks(editor.pane.note, "3 n door")  # digits and n are text here
    assert editor.pane.note.toPlainText() == "3 n door"
    assert editor.current_item().item_id == first.item_id  # type: ignore[union-attr]
    qtbot.keyClick(editor.pane.note, Qt.Key.Key_Return)  # Enter: saved, on to the next item, tree focused
    assert stored_results(demo_context, editor.inspection_id)[first.item_id] == ("partial", "3 n door")
    second = editor.current_item()
    assert second is not None and second.item_id != first.item_id
    assert editor.tree.hasFocus()
    qtbot.keyClick(editor.tree, Qt.Key.Key_1)  # 符合 moves on
    third = editor.current_item()
    assert third is not None and third.item_id != second.item_id
    qtbot.keyClick(editor.tree, Qt.Key.Key_3)
    assert editor.pane.note.hasFocus() and editor.current_item().item_id == third.item_id  # type: ignore[union-attr]
    qtbot.keyClick(editor.pane.note, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)  # Alt+2 answers from the note
    assert stored_results(demo_context, editor.inspection_id)[third.item_id][0] == "partial"


def test_up_and_down_skip_headings_and_typing_never_drops(qtbot: QtBot, demo_context: AppContext) -> None:
    editor = open_editor(qtbot, demo_context)
    leaves = editor.item_tree.visible_leaves()
    # The last item of the first section, then ↓: the first item of the next section, not its heading.
    boundary = next(n for n in range(len(leaves) - 1) if leaves[n].parent() is not leaves[n + 1].parent())
    editor.tree.setCurrentItem(leaves[boundary])
    qtbot.keyClick(editor.tree, Qt.Key.Key_Down)
    assert editor.tree.currentItem() is leaves[boundary + 1]
    qtbot.keyClick(editor.tree, Qt.Key.Key_Up)
    assert editor.tree.currentItem() is leaves[boundary]
    # A heading clicked with the mouse: typed text goes into the note of its first item.
    heading = leaves[boundary + 1].parent()
    editor.tree.setCurrentItem(heading)
    qtbot.keyClicks(editor.tree, "x")
    assert editor.current_item() is not None and editor.tree.currentItem() is leaves[boundary + 1]
    assert editor.pane.note.toPlainText() == "x"


def test_esc_asks_before_leaving_and_esc_in_the_note_returns_to_the_tree(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    editor = open_editor(qtbot, demo_context)
    left: list[bool] = []
    editor.back_requested.connect(lambda: left.append(True))
    qtbot.keyClick(editor.tree, Qt.Key.Key_Return)
    assert editor.pane.note.hasFocus()
    qtbot.keyClick(editor.pane.note, Qt.Key.Key_Escape)
    assert editor.tree.hasFocus() and not left
    qtbot.keyClick(editor.tree, Qt.Key.Key_Escape)
    assert not left
    question = editor.last_dialog
    assert isinstance(question, QMessageBox) and question.isVisible()
    question.button(QMessageBox.StandardButton.No).click()  # 继续检查
    assert not left
    qtbot.keyClick(editor.tree, Qt.Key.Key_Escape)
    question = editor.last_dialog
    assert isinstance(question, QMessageBox)
    question.button(QMessageBox.StandardButton.Yes).click()
    assert left == [True]


def test_a_draft_says_so_instead_of_a_final_grade(qtbot: QtBot, demo_context: AppContext) -> None:
    editor = open_editor(qtbot, demo_context)
    qtbot.keyClick(editor.tree, Qt.Key.Key_1)
    text = editor.score_label.text()
    assert text.startswith("草稿 · 暂计 100.0") and "已答 1/" in text
    assert "优秀" not in text and not text.startswith("得分")
    # The tree follows the header: a checklist's rate so far without a grade, nothing for one not yet begun.
    tops = [editor.tree.topLevelItem(n).text(0) for n in range(editor.tree.topLevelItemCount())]
    assert "暂计 100.0" in tops[0]
    grades = ("优秀", "良好", "合格", "无法评分")
    assert not [t for t in tops if any(g in t for g in grades)], tops


def test_voiding_a_draft_asks_then_drops_it_from_the_list(qtbot: QtBot, demo_context: AppContext) -> None:
    from inspections.workflow import list_inspections

    editor = open_editor(qtbot, demo_context)
    left: list[bool] = []
    editor.back_requested.connect(lambda: left.append(True))
    editor.drafts.request_void("选错了医院")
    question = editor.last_dialog
    assert isinstance(question, QMessageBox) and "作废" in question.text()
    assert demo_context.db is not None
    with demo_context.db.session() as s:
        assert editor.inspection_id in {r.id for r in list_inspections(s)}  # nothing happens before confirming
    question.button(QMessageBox.StandardButton.Yes).click()
    assert left == [True]
    with demo_context.db.session() as s:
        assert editor.inspection_id not in {r.id for r in list_inspections(s)}


def test_a_section_marked_not_checked_is_left_out_of_score_and_blockers(qtbot: QtBot, demo_context: AppContext) -> None:
    from ui.dialogs.scope import ScopeDialog

    editor = open_editor(qtbot, demo_context)
    item = editor.current_item()
    assert item is not None and editor.view is not None
    total_before = editor.score.total if editor.score else 0
    dialog = editor.drafts.request_scope()
    assert isinstance(dialog, ScopeDialog)
    dialog._on_accept()
    assert dialog.isVisible() and "原因" in dialog.error.text()  # 本次未检 needs a reason
    dialog.reason.setText("负责人不在岗")
    dialog._on_accept()
    qtbot.waitUntil(lambda: editor.view is not None and bool(editor.view.scope), timeout=5000)
    heading = editor.item_tree.leaves[item.item_id].parent()
    assert heading is not None
    section = heading.text(0)
    assert "本次未检：负责人不在岗" in section
    assert editor.score is not None and editor.score.total < total_before
    # N skips the section left out.
    editor.tree.setFocus()
    qtbot.keyClick(editor.tree, Qt.Key.Key_N)
    now = editor.current_item()
    assert now is not None and not editor.item_tree.out_of_scope(now.item_id)


def test_a_round_entrys_checklists_list_only_versions_in_force(qtbot: QtBot, demo_context: AppContext) -> None:
    from ui.dialogs.choose_checklists import ChecklistChoiceDialog
    from ui.pages.rounds import RoundsPage

    page = RoundsPage(demo_context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: page.rounds_model.rowCount() > 0)
    page.rounds_table.selectRow(0)
    qtbot.waitUntil(lambda: page.detail is not None and bool(page.detail.entries))
    page.entries_table.selectRow(0)
    page.request_checklists()
    qtbot.waitUntil(lambda: isinstance(page.last_dialog, ChecklistChoiceDialog))
    dialog = page.last_dialog
    assert isinstance(dialog, ChecklistChoiceDialog)
    titles = [dialog.list.item(i).text().split("（第")[0] for i in range(dialog.list.count())]
    assert titles and len(titles) == len(set(titles))  # one version of each checklist, no expired ones
    assert not any("2023-01-07" in dialog.list.item(i).text() for i in range(dialog.list.count()))
    dialog.reject()


def test_a_voided_draft_opens_read_only(qtbot: QtBot, demo_context: AppContext) -> None:
    from inspections.workflow import void_inspection

    inspection_id = start_inspection(demo_context)
    assert demo_context.db is not None
    with demo_context.db.begin() as s:
        void_inspection(s, "张三", inspection_id, reason="重复")
    editor = open_editor(qtbot, demo_context, inspection_id)
    assert editor.read_only and "已作废" in editor.banner.text()
    assert not editor.finalize_button.isVisible() and not editor.void_button.isVisible()
    qtbot.keyClick(editor.tree, Qt.Key.Key_1)
    assert stored_results(demo_context, inspection_id) == {}
