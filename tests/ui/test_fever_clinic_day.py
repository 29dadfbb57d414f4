"""A whole fever-clinic inspection by keyboard only: the 发热门诊专项 preset chosen in 新建检查, 15+ failed or partial
answers each with its description (and a pasted photo where the item asks for one), one section marked 本次未检,
photos from the phone's folder matched to the items by when they were taken, finalize, then the saved results and
the 反馈单 that states the scope."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PIL import Image
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from models.finding import Finding
from models.inspection import Attachment, Inspection, ItemResult
from models.reference import Institution
from ui.context import AppContext
from ui.dialogs.finalize import FinalizeDialog
from ui.dialogs.folder_photos import FolderPhotosDialog
from ui.dialogs.new_inspection import NewInspectionDialog
from ui.dialogs.scope import ScopeDialog
from ui.main_window import MainWindow
from ui.pages.editor import InspectionEditor
from ui.pages.inspections_list import InspectionsPage

DESCRIBED = 16  # items answered 部分符合 / 不符合, each with a description


def _modal(kind: type[QDialog]) -> QDialog | None:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    return found[0] if found else None


def _phone_photo(path: Path, taken: datetime) -> None:
    """A photo as a phone writes it: EXIF DateTimeOriginal in local time, no zone."""
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (1200, 900), (200, 60, 60)).save(path, "JPEG", exif=exif)


def _paste_photo(qtbot: QtBot, editor: InspectionEditor) -> None:
    """Ctrl+V in 问题描述 with a photo on the clipboard attaches it to the item."""
    item = editor.current_item()
    assert item is not None
    before = len(editor.items[item.item_id].photos)
    image = QImage(320, 240, QImage.Format.Format_RGB32)
    image.fill(QColor("steelblue"))
    QApplication.clipboard().setImage(image)
    qtbot.keyClick(editor.pane.note, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(editor.items[item.item_id].photos) == before + 1, timeout=10000)


def test_a_fever_clinic_inspection_by_keyboard_only(qtbot: QtBot, demo_context: AppContext, tmp_path: Path) -> None:
    assert demo_context.db is not None
    with demo_context.db.session() as s:
        name = s.scalars(
            select(Institution.name)
            .where(Institution.active.is_(True), Institution.has_fever_clinic.is_(True))
            .order_by(Institution.name)
        ).first()
    assert name is not None
    window = MainWindow(demo_context)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()

    # 新建检查 by keyboard: the institution typed, the preset 发热门诊专项 (the first), Enter.
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    page = window.pages["inspections"]
    assert isinstance(page, InspectionsPage)
    page.new_button.setFocus()
    qtbot.keyClick(page.new_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: _modal(NewInspectionDialog) is not None)
    dialog = _modal(NewInspectionDialog)
    assert isinstance(dialog, NewInspectionDialog)
    line = dialog.institution.lineEdit()
    assert isinstance(line, QLineEdit)
    line.selectAll()
    line.insert(name)  # what the completer leaves after the user picked the name
    dialog.preset.setFocus()
    qtbot.keyClick(dialog.preset, Qt.Key.Key_Home)
    assert dialog.preset.currentText() == "发热门诊专项"
    qtbot.keyClick(dialog.inspectors, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(window.pages.get("editor"), InspectionEditor))
    editor = window.pages["editor"]
    assert isinstance(editor, InspectionEditor)
    qtbot.waitUntil(lambda: editor.view is not None)
    assert editor.view is not None and editor.view.institution_name == name
    assert [c.spec.code for c in editor.view.checklists] == ["triage", "fever-clinic-zoning", "fever-clinic-loop"]
    if not window.isActiveWindow():
        with qtbot.waitActive(window):
            window.activateWindow()
    tree = editor.tree
    tree.setFocus()

    # One section 本次未检: the last checklist's last section, from its first item (Ctrl+Shift+S, reason, Enter).
    loop = editor.view.checklists[2]
    skipped = loop.sections[-1]
    editor.select_item(skipped.items[0].item_id)
    qtbot.keyClick(tree, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: _modal(ScopeDialog) is not None)
    scope = _modal(ScopeDialog)
    assert isinstance(scope, ScopeDialog)
    assert scope.reason.hasFocus() or scope.reason.setFocus() is None
    qtbot.keyClicks(scope.reason, "closed for works")
    qtbot.keyClick(scope.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.view is not None and len(editor.view.scope) == 1, timeout=5000)
    skipped_ids = {i.item_id for i in skipped.items}
    # The closed dialog hands activation back (a window manager does this; offscreen, the test does).
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    tree.setFocus()

    # From the first item: 16 answered 2 or 3 with a description typed at once (Enter moves on), the rest 1.
    editor.select_item(editor.view.checklists[0].sections[0].items[0].item_id)
    described: dict[object, str] = {}
    phone_photos: dict[str, tuple[object, datetime]] = {}  # file name → (item it was taken for, when)
    for step in range(len(editor.items) * 2):
        item = editor.current_item()
        assert item is not None
        if item.item_id in skipped_ids or item.response is not None:
            if not editor.next_unanswered():
                break
            continue
        if len(described) < DESCRIBED:
            if len(described) in (1, 6):
                # The phone's photo of this item is taken (a second after the last save) before it is answered.
                qtbot.wait(1100)
                phone_photos[f"IMG_{len(phone_photos) + 1:04d}.jpg"] = (item.item_id, datetime.now())
                qtbot.wait(1100)
            qtbot.keyClick(tree, Qt.Key.Key_3 if step % 2 else Qt.Key.Key_2)
            assert editor.pane.note.hasFocus(), "a failing answer leaves the cursor in 问题描述"
            text = f"{step} no sign at door"  # begins with a digit, has an n: all of it is text
            qtbot.keyClicks(editor.pane.note, text)
            if item.spec.evidence != "none":
                _paste_photo(qtbot, editor)
            described[item.item_id] = text
            qtbot.keyClick(editor.pane.note, Qt.Key.Key_Return)
            assert tree.hasFocus()
        else:
            if item.spec.evidence == "photo-always":
                qtbot.keyClick(tree, Qt.Key.Key_Return)
                _paste_photo(qtbot, editor)
                qtbot.keyClick(editor.pane.note, Qt.Key.Key_Escape)
            qtbot.keyClick(tree, Qt.Key.Key_1)
    in_scope = [i for i in editor.items.values() if i.item_id not in skipped_ids]
    assert all(i.response is not None for i in in_scope)
    assert len(described) == DESCRIBED
    assert f"已答 {len(in_scope)}/{len(in_scope)}" in editor.score_label.text()

    # The phone's photos, copied from its DCIM folder: each goes to the item answered just after it was taken.
    folder = tmp_path / "DCIM"
    for filename, (_item_id, taken) in phone_photos.items():
        _phone_photo(folder / "100PHONE" / filename, taken)
    photos_before = {i.item_id: len(i.photos) for i in editor.items.values()}
    editor.photo_flow.request_import(folder)
    qtbot.waitUntil(lambda: isinstance(editor.last_dialog, FolderPhotosDialog))
    assert editor.last_dialog is not None
    qtbot.keyClick(editor.last_dialog, Qt.Key.Key_Return)  # the proposed matches, confirmed
    for _filename, (item_id, _taken) in phone_photos.items():
        qtbot.waitUntil(lambda i=item_id: len(editor.items[i].photos) == photos_before[i] + 1, timeout=10000)
    window.activateWindow()
    tree.setFocus()
    qtbot.waitUntil(lambda: tree.hasFocus() and QApplication.activeModalWidget() is None)

    qtbot.keyClick(tree, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _modal(FinalizeDialog) is not None)
    finalize = _modal(FinalizeDialog)
    assert isinstance(finalize, FinalizeDialog)
    assert not finalize.blockers, [b.message for b in finalize.blockers]
    assert finalize.rep_edit is not None
    qtbot.keyClicks(finalize.rep_edit, "Wang Wu")
    qtbot.keyClick(finalize.rep_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.view is not None and editor.view.finalized, timeout=10000)
    if editor.last_dialog is not None:
        editor.last_dialog.close()
    editor.open_documents = False
    editor.request_report(tmp_path / "反馈单.pdf")
    qtbot.waitUntil(lambda: (tmp_path / "反馈单.pdf").exists() and demo_context.tasks.pending == 0, timeout=20000)
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "反馈单.pdf").pages).replace(" ", "")
    text = text.replace("\n", "")
    assert name in text
    assert f"本次未检：{loop.spec.title}·{skipped.title}（closedforworks）" in text

    with demo_context.db.session() as s:
        inspection = s.get(Inspection, editor.inspection_id)
        assert inspection is not None and inspection.status == "finalized"
        results = {r.item_id: r for r in s.scalars(select(ItemResult).where(ItemResult.inspection_id == inspection.id))}
        for item_id, note in described.items():
            assert results[item_id].note == note and results[item_id].response in ("partial", "fail")
        assert not skipped_ids & set(results)  # nothing answered in the section left out
        stored = dict(
            s.execute(
                select(Attachment.filename, ItemResult.item_id)
                .join(ItemResult, Attachment.item_result_id == ItemResult.id)
                .where(ItemResult.inspection_id == inspection.id, Attachment.filename.like("IMG_%"))
            ).all()
        )
        assert stored == {filename: item_id for filename, (item_id, _taken) in phone_photos.items()}
        findings = s.scalars(select(Finding).where(Finding.inspection_id == inspection.id)).all()
        assert {f.item_id for f in findings} == set(described)
        photos = s.scalars(
            select(Attachment).where(Attachment.item_result_id.in_([r.id for r in results.values()]))
        ).all()
        assert photos  # the pasted ones, on the items that ask for them
