"""A whole inspection driven by the keyboard, from the list to the signature, then checked in the database."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from models.finding import Finding
from models.inspection import Attachment, Inspection, ItemResult
from ui.context import AppContext
from ui.dialogs.finalize import FinalizeDialog
from ui.dialogs.new_inspection import NewInspectionDialog
from ui.main_window import MainWindow
from ui.pages.editor import InspectionEditor
from ui.pages.inspections_list import InspectionsPage


def _modal(kind: type[QDialog]) -> QDialog | None:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    return found[0] if found else None


def test_inspection_by_keyboard_from_start_to_signature(qtbot: QtBot, demo_context: AppContext, tmp_path: Path) -> None:
    window = MainWindow(demo_context)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()

    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    page = window.pages["inspections"]
    assert isinstance(page, InspectionsPage)
    page.new_button.setFocus()
    qtbot.keyClick(page.new_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: _modal(NewInspectionDialog) is not None)
    dialog = _modal(NewInspectionDialog)
    assert isinstance(dialog, NewInspectionDialog)
    name = dialog.institution.itemText(2)
    line = dialog.institution.lineEdit()
    assert isinstance(line, QLineEdit)
    line.selectAll()
    line.insert(name)  # what the completer leaves after the user picked the name
    assert dialog.inspectors.text() == "张三"
    qtbot.keyClick(dialog.inspectors, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(window.pages.get("editor"), InspectionEditor))
    editor = window.pages["editor"]
    assert isinstance(editor, InspectionEditor)
    qtbot.waitUntil(lambda: editor.view is not None)
    assert editor.view is not None and editor.view.institution_name == name
    assert window.current_key() == "editor"

    if not window.isActiveWindow():  # the closed dialog handed activation back (a window manager does this)
        with qtbot.waitActive(window):
            window.activateWindow()
    tree = editor.tree
    tree.setFocus()
    # The first item fails: 3, a note typed straight away, a photo pasted, Esc back to the tree.
    failed = editor.current_item()
    assert failed is not None
    demo_context.settings.setValue("editor/stay_on_item", True)
    qtbot.keyClick(tree, Qt.Key.Key_3)
    qtbot.keyClick(tree, Qt.Key.Key_D)  # the first key typed on the tree moves the focus to the note
    assert editor.pane.note.hasFocus()
    qtbot.keyClicks(QApplication.focusWidget(), "oor open")
    image = QImage(320, 240, QImage.Format.Format_RGB32)
    image.fill(QColor("steelblue"))
    QApplication.clipboard().setImage(image)
    qtbot.keyClick(editor.pane.note, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(editor.items[failed.item_id].photos) == 1, timeout=10000)
    assert editor.pane.note.toPlainText() == "door open"
    qtbot.waitUntil(lambda: editor.pane.photos.count() == 1 and not editor.pane.photos.item(0).icon().isNull())
    tree.setFocus()
    demo_context.settings.setValue("editor/stay_on_item", False)

    # Everything else passes: N to the next unanswered item, 1 to answer it.
    for _ in range(len(editor.items)):
        if editor.current_item() is not None and editor.current_item().response is not None:  # type: ignore[union-attr]
            if not editor.next_unanswered():
                break
            continue
        qtbot.keyClick(tree, Qt.Key.Key_1)
    assert all(i.response is not None for i in editor.items.values())
    assert f"已答 {len(editor.items)}/{len(editor.items)}" in editor.score_label.text()

    qtbot.keyClick(tree, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _modal(FinalizeDialog) is not None)
    finalize = _modal(FinalizeDialog)
    assert isinstance(finalize, FinalizeDialog)
    assert not finalize.blockers, [b.message for b in finalize.blockers]
    assert finalize.rep_edit is not None
    qtbot.keyClicks(finalize.rep_edit, "Wang Wu")
    qtbot.keyClick(finalize.rep_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.view is not None and editor.view.finalized, timeout=10000)
    assert editor.read_only and "只读" in editor.banner.text()
    question = editor.last_dialog
    assert isinstance(question, QMessageBox) and "反馈单" in question.text()
    question.close()
    editor.open_documents = False
    editor.request_report(tmp_path / "反馈单.pdf")
    qtbot.waitUntil(lambda: (tmp_path / "反馈单.pdf").exists() and demo_context.tasks.pending == 0, timeout=20000)
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "反馈单.pdf").pages)
    assert name in text.replace(" ", "")

    assert demo_context.db is not None
    with demo_context.db.session() as s:
        inspection = s.get(Inspection, editor.inspection_id)
        assert inspection is not None
        assert inspection.status == "finalized"
        assert inspection.hospital_rep == "Wang Wu"
        assert inspection.signatures == {"inspectors": "张三", "hospital_rep": "Wang Wu"}
        results = s.scalars(select(ItemResult).where(ItemResult.inspection_id == inspection.id)).all()
        assert len(results) == len(editor.items)
        by_item = {r.item_id: r for r in results}
        assert by_item[failed.item_id].response == "fail"
        assert by_item[failed.item_id].note == "door open"
        assert s.scalar(select(Attachment.id).where(Attachment.item_result_id == by_item[failed.item_id].id))
        assert sum(1 for r in results if r.response == "pass") == len(editor.items) - 1
        findings = s.scalars(select(Finding).where(Finding.inspection_id == inspection.id)).all()
        assert [(f.item_id, f.problem) for f in findings] == [(failed.item_id, "door open")]
