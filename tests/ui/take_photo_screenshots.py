"""Screenshots of the first-start dialog, 从文件夹导入照片 and the photo viewer with a caption:
`python tests/ui/take_photo_screenshots.py [out_dir]` (offscreen)."""

from __future__ import annotations

import datetime as dt
import io
import os
import sys
import tempfile
import warnings
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402


def settle(ms: int = 400) -> None:
    QTest.qWait(ms)


def scene(text: str, colour: str, taken: dt.datetime | None) -> bytes:
    """A stand-in for a phone photo: a coloured scene with a sign, EXIF DateTimeOriginal as a phone writes it."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QColor, QFont, QImage, QPainter

    image = QImage(1600, 1200, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    painter = QPainter(image)
    painter.fillRect(360, 380, 880, 440, QColor("#f2efe6"))
    painter.setFont(QFont("WenQuanYi Micro Hei", 84))
    painter.drawText(image.rect(), 0x0084, text)  # AlignCenter
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "JPG")  # type: ignore[call-overload]
    exif = Image.Exif()
    if taken is not None:
        exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    out = io.BytesIO()
    Image.open(io.BytesIO(bytes(data.data()))).save(out, "JPEG", exif=exif, quality=88)
    return out.getvalue()


def main(out: Path) -> None:
    import inspections.workflow.answering
    import models.audit
    from inspections.demo import generate_demo
    from inspections.workspace import open_workspace
    from tests.ui.helpers import start_inspection
    from ui.app import create_application
    from ui.context import AppContext
    from ui.main_window import MainWindow
    from ui.pages import registry
    from ui.pages.editor import InspectionEditor
    from ui.settings import open_settings
    from ui.tasks import TaskRunner

    warnings.simplefilter("ignore")
    out.mkdir(parents=True, exist_ok=True)
    _app = create_application()
    data_dir = Path(tempfile.mkdtemp(prefix="yuangan-photos-"))
    db = open_workspace(None, data_dir)
    settings = open_settings(data_dir)
    context = AppContext(data_dir, db, settings, TaskRunner(), f"本机 ({data_dir / 'yuangan.db'})")

    def idle() -> None:
        settle(100)
        while context.tasks.pending:
            settle(50)
        settle(300)

    def shoot(name: str, widget: QWidget) -> None:
        idle()
        widget.grab().save(str(out / f"{name}.png"))

    # First start: nobody named yet on an empty database.
    first = MainWindow(context)
    first.resize(1366, 768)
    first.show()
    settle(600)
    dialog = first.last_dialog
    from ui.dialogs.first_start import FirstStartDialog

    assert isinstance(dialog, FirstStartDialog)
    dialog.name.setText("张三")
    dialog.agency.setText("上街区卫生健康委员会")
    dialog.agency_code.setText("上卫院感")
    dialog.contact_person.setText("李明")
    dialog.contact_phone.setText("0371-68888888")
    shoot("first-start", dialog)
    dialog.ok_button.click()
    idle()
    first.close()

    generate_demo(db, institutions=6, months=2, seed=3)
    window = MainWindow(context)
    window.resize(1366, 768)
    window.show()
    settle()
    inspection_id = start_inspection(context)
    registry.open_editor(window, inspection_id)
    editor = window.pages["editor"]
    assert isinstance(editor, InspectionEditor)
    while editor.view is None:
        settle(50)

    # A morning's answers at known times (today, local time), and the phone's photos taken just before them.
    today = dt.date.today()
    at = [dt.datetime.combine(today, dt.time(9, m)) for m in (2, 6, 11, 15)]
    clock = {"now": at[0]}

    def now() -> dt.datetime:
        return clock["now"].astimezone(dt.UTC)

    models.audit.utcnow = now  # type: ignore[assignment]
    inspections.workflow.answering.utcnow = now  # type: ignore[attr-defined]
    items = list(editor.items.values())
    for when, item, answer in zip(at, items, ("fail", "pass", "partial", "fail"), strict=False):
        clock["now"] = when
        editor.select_item(item.item_id)
        editor.answer(answer)
    folder = data_dir / "DCIM" / "100PHONE"
    folder.mkdir(parents=True)
    shots = [
        ("IMG_2031.jpg", "分诊台", "#8aa6b8", at[0] - dt.timedelta(seconds=50)),
        ("IMG_2032.jpg", "洗手池", "#9fb89a", at[1] - dt.timedelta(minutes=2)),
        ("IMG_2033.jpg", "缓冲间", "#b8a58a", at[3] - dt.timedelta(minutes=1)),
        ("IMG_2034.jpg", "医废暂存", "#a89ab8", at[3] + dt.timedelta(minutes=20)),
        ("Screenshot_01.png", "截图", "#cccccc", None),
    ]
    for name, text, colour, taken in shots:
        (folder / name).write_bytes(scene(text, colour, taken))
    editor.photo_flow.request_import(data_dir / "DCIM")
    idle()
    dialog_import = editor.last_dialog
    from ui.dialogs.folder_photos import FolderPhotosDialog

    assert isinstance(dialog_import, FolderPhotosDialog)
    dialog_import.table.selectRow(3)  # an unmatched photo, previewed for the user to place
    shoot("folder-photos", dialog_import)
    dialog_import.accept()
    idle()

    editor.select_item(items[0].item_id)
    idle()
    viewer = editor.photo_flow.open_viewer(editor.items[items[0].item_id].photos[0].attachment_id)
    assert viewer is not None
    viewer.resize(1000, 760)
    viewer.caption.setText("分诊台未配备速干手消毒剂，现场仅有清水洗手池")
    viewer.commit_caption()
    shoot("photo-viewer", viewer)
    viewer.close()
    context.tasks.shutdown()
    print(f"screenshots in {out} ({dt.datetime.now():%H:%M:%S})")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
