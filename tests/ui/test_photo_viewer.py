"""The editor's photo area: 从文件夹导入照片 proposes items by time and imports what is ticked; double-clicking a
thumbnail opens the full-size viewer, ← → move, the caption is saved, Esc closes."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from models.inspection import Attachment, ItemResult
from tests.ui.test_editor import commit_text, open_editor
from ui.context import AppContext
from ui.dialogs.folder_photos import FolderPhotosDialog
from ui.widgets.photo_viewer import PhotoViewer


def _photo(path: Path, taken: dt.datetime | None, colour: tuple[int, int, int]) -> None:
    exif = Image.Exif()
    if taken is not None:
        exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (1200, 900), colour).save(path, "JPEG", exif=exif)


def _attachments(context: AppContext, inspection_id: uuid.UUID) -> dict[str, tuple[uuid.UUID, str]]:
    """file name → (item id, caption) of the inspection's photos as stored."""
    assert context.db is not None
    with context.db.session() as s:
        rows = s.execute(
            select(Attachment.filename, ItemResult.item_id, Attachment.caption)
            .join(ItemResult, Attachment.item_result_id == ItemResult.id)
            .where(ItemResult.inspection_id == inspection_id)
        )
        return {name: (item_id, caption) for name, item_id, caption in rows}


def _import_two(qtbot: QtBot, context: AppContext, tmp_path: Path) -> tuple[object, uuid.UUID, uuid.UUID]:
    editor = open_editor(qtbot, context)
    first = editor.current_item()
    assert first is not None
    taken = dt.datetime.now() - dt.timedelta(minutes=1)  # local time, as a phone writes it
    qtbot.keyClick(editor.tree, Qt.Key.Key_1)  # answered a minute after the photo was taken
    second = editor.current_item()
    assert second is not None
    folder = tmp_path / "DCIM"
    _photo(folder / "100PHONE" / "IMG_0001.jpg", taken, (200, 60, 60))
    _photo(folder / "100PHONE" / "IMG_0002.jpg", None, (60, 60, 200))  # no time: for the user to place
    editor.photo_flow.request_import(folder)
    qtbot.waitUntil(lambda: isinstance(editor.last_dialog, FolderPhotosDialog))
    dialog = editor.last_dialog
    assert isinstance(dialog, FolderPhotosDialog)
    assert [dialog.table.item(r, 1).text() for r in range(2)] == ["100PHONE/IMG_0001.jpg", "100PHONE/IMG_0002.jpg"]
    assert dialog.choosers[0].currentData() == first.item_id and dialog.checks[0].isChecked()
    assert dialog.choosers[1].currentData() is None and not dialog.checks[1].isChecked()
    dialog.table.selectRow(1)  # to place a photo the user sees it
    preview = dialog.preview.pixmap()
    assert not preview.isNull() and preview.width() == dialog.PREVIEW
    assert preview.toImage().pixelColor(10, 10).blue() > 150  # the blue photo, not the red one
    chooser = dialog.choosers[1]
    chooser.setCurrentIndex(next(n for n in range(chooser.count()) if chooser.itemData(n) == second.item_id))
    assert dialog.checks[1].isChecked()  # choosing an item ticks the photo
    dialog.accept()
    qtbot.waitUntil(lambda: len(_attachments(context, editor.inspection_id)) == 2)
    stored = _attachments(context, editor.inspection_id)
    assert stored == {"IMG_0001.jpg": (first.item_id, ""), "IMG_0002.jpg": (second.item_id, "")}
    return editor, first.item_id, second.item_id


def test_photos_from_a_folder_are_matched_confirmed_and_imported(
    qtbot: QtBot, demo_context: AppContext, tmp_path: Path
) -> None:
    _import_two(qtbot, demo_context, tmp_path)


def test_double_click_opens_the_viewer_arrows_move_and_the_caption_is_saved(
    qtbot: QtBot, demo_context: AppContext, tmp_path: Path
) -> None:
    from ui.pages.editor import InspectionEditor

    editor, first, _second = _import_two(qtbot, demo_context, tmp_path)
    assert isinstance(editor, InspectionEditor)
    editor.select_item(first)
    qtbot.waitUntil(lambda: editor.pane.photos.count() == 1)
    thumb = editor.pane.photos.item(0)
    rect = editor.pane.photos.visualItemRect(thumb)
    # A real double-click is press, release, double-click: the view only activates the item it saw pressed.
    qtbot.mouseClick(editor.pane.photos.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(editor.pane.photos.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    viewer = editor.last_dialog
    assert isinstance(viewer, PhotoViewer) and viewer.isVisible()
    assert viewer.current.label.startswith(editor.items[first].code)
    assert viewer.image.pixmap().width() > 300  # the photo full size, not the thumbnail
    qtbot.mouseClick(viewer.caption, Qt.MouseButton.LeftButton)
    commit_text(viewer.caption, "洗手池旁无干手设施")  # typed through the input method
    qtbot.keyClick(viewer.caption, Qt.Key.Key_Return)
    assert _attachments(demo_context, editor.inspection_id)["IMG_0001.jpg"][1] == "洗手池旁无干手设施"
    qtbot.keyClick(viewer.image, Qt.Key.Key_Right)
    assert viewer.index == 1 and viewer.caption.text() == ""
    qtbot.keyClick(viewer.image, Qt.Key.Key_Left)
    assert viewer.caption.text() == "洗手池旁无干手设施"
    qtbot.keyClick(viewer.image, Qt.Key.Key_Escape)
    assert viewer.result() == QDialog.DialogCode.Rejected and not viewer.isVisible()
    qtbot.waitUntil(lambda: editor.pane.photos.count() == 1 and editor.pane.photos.item(0).text() != "IMG_0001.jpg")
    assert editor.pane.photos.item(0).text() == "洗手池旁无干手设施"  # the thumbnail shows its caption
