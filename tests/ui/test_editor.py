"""The inspection editor: keys answer and advance, notes save as you type, live score, finalize and amend."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from inspections import workflow
from tests.ui.helpers import start_inspection, stored_results
from ui.context import AppContext
from ui.pages.editor import InspectionEditor
from ui.widgets.item_pane import NOTE_DEBOUNCE_MS


def commit_text(widget: QWidget, text: str) -> None:
    """What an input method sends when the user picks Chinese characters."""
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def open_editor(qtbot: QtBot, context: AppContext) -> InspectionEditor:
    inspection_id = start_inspection(context)
    editor = InspectionEditor(context, inspection_id)
    qtbot.addWidget(editor)
    editor.resize(1200, 700)
    editor.show()
    editor.activate()
    qtbot.waitUntil(lambda: editor.view is not None)
    editor.tree.setFocus()
    return editor


def test_key_answers_saves_and_moves_on(qtbot: QtBot, demo_context: AppContext) -> None:
    editor = open_editor(qtbot, demo_context)
    first = editor.current_item()
    assert first is not None and first.response is None
    qtbot.keyClick(editor.tree, Qt.Key.Key_1)
    assert stored_results(demo_context, editor.inspection_id)[first.item_id] == ("pass", "")
    assert editor.saved_label.text().startswith("已保存 ")
    second = editor.current_item()
    assert second is not None and second.item_id != first.item_id
    assert "已答 1/" in editor.score_label.text()
    assert "100.0" in editor.score_label.text()


def test_failing_answer_note_is_saved_while_typing(qtbot: QtBot, demo_context: AppContext) -> None:
    editor = open_editor(qtbot, demo_context)
    item = editor.current_item()
    assert item is not None
    demo_context.settings.setValue("editor/stay_on_item", True)
    qtbot.keyClick(editor.tree, Qt.Key.Key_3)
    assert editor.current_item() is not None and editor.current_item().item_id == item.item_id
    assert "0.0" in editor.score_label.text()
    commit_text(editor.tree, "缓冲间门未互锁")  # typed with an input method on the tree: goes to the note
    assert editor.pane.note.hasFocus()
    qtbot.keyClicks(editor.pane.note, " 2 door")
    assert editor.pane.note.toPlainText() == "缓冲间门未互锁 2 door"
    assert stored_results(demo_context, editor.inspection_id)[item.item_id] == ("fail", "")
    qtbot.wait(NOTE_DEBOUNCE_MS + 200)
    assert stored_results(demo_context, editor.inspection_id)[item.item_id] == ("fail", "缓冲间门未互锁 2 door")
    qtbot.keyClick(editor.pane.note, Qt.Key.Key_Escape)
    assert editor.tree.hasFocus()


def test_n_jumps_to_next_unanswered_and_search_filters(qtbot: QtBot, demo_context: AppContext) -> None:
    editor = open_editor(qtbot, demo_context)
    demo_context.settings.setValue("editor/stay_on_item", True)
    first = editor.current_item()
    assert first is not None
    qtbot.keyClick(editor.tree, Qt.Key.Key_1)
    qtbot.keyClick(editor.tree, Qt.Key.Key_N)
    after = editor.current_item()
    assert after is not None and after.item_id != first.item_id and after.response is None

    target = list(editor.items.values())[5]
    qtbot.keyClick(editor, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert editor.search.hasFocus()
    qtbot.keyClicks(editor.search, target.code)
    visible = [leaf.text(0) for leaf in editor._visible_items()]
    assert visible and all(target.code in text or target.code in text.upper() for text in visible)
    qtbot.keyClick(editor.search, Qt.Key.Key_Return)
    assert editor.current_item() is not None and editor.current_item().code.startswith(target.code)


def test_critical_failure_turns_checklist_red(qtbot: QtBot, demo_context: AppContext) -> None:
    editor = open_editor(qtbot, demo_context)
    critical = next(i for i in editor.items.values() if i.spec.critical)
    editor.select_item(critical.item_id)
    editor.answer("fail")
    assert "否决" in editor.score_label.text()
    assert "c62828" in editor.score_label.styleSheet()


def test_finalized_inspection_is_read_only_until_amended(qtbot: QtBot, demo_context: AppContext) -> None:
    editor = open_editor(qtbot, demo_context)
    with demo_context.db.begin() as s:  # type: ignore[union-attr]
        for item in editor.items.values():
            workflow.record_answer(s, "张三", editor.inspection_id, item.item_id, response="pass")
        workflow.finalize_inspection(
            s, "张三", editor.inspection_id, signatures={"inspectors": "张三"}, hospital_rep="王五"
        )
    editor.reload()
    qtbot.waitUntil(lambda: editor.view is not None and editor.view.finalized)
    assert editor.read_only
    assert editor.banner.isVisible() and "只读" in editor.banner.text()
    assert not editor.pane.answer_buttons[0].isEnabled()
    item = editor.current_item()
    assert item is not None
    qtbot.keyClick(editor.tree, Qt.Key.Key_3)
    assert stored_results(demo_context, editor.inspection_id)[item.item_id][0] == "pass"

    editor.request_amend("复核照片后更正")
    assert not editor.read_only and "修订中" in editor.banner.text()
    demo_context.settings.setValue("editor/stay_on_item", True)
    qtbot.keyClick(editor.tree, Qt.Key.Key_2)
    assert stored_results(demo_context, editor.inspection_id)[item.item_id][0] == "partial"


def test_tab_goes_from_the_tree_to_the_answers_then_the_note_then_on(qtbot: QtBot, demo_context: AppContext) -> None:
    editor = open_editor(qtbot, demo_context)
    with qtbot.waitActive(editor):
        editor.activateWindow()
    editor.tree.setFocus()
    first = editor.current_item()
    visited = []
    for _ in range(3):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        visited.append(QApplication.focusWidget())
    # The answers are one group (like radio buttons): Tab enters it once, the arrow keys move inside it.
    assert visited[0] is editor.pane.answer_buttons[0]
    assert visited[1] is editor.pane.note
    # Tab in the note is “done with this item”: the next item, the tree ready for its answer.
    assert visited[2] is editor.tree
    assert first is not None and editor.current_item() is not None
    assert editor.current_item().item_id != first.item_id  # type: ignore[union-attr]
