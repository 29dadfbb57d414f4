"""Screenshots of the main screens with demo data: `python tests/ui/take_screenshots.py [out_dir]` (offscreen)."""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import warnings
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402


def _photo() -> bytes:
    """A stand-in for a photo taken on site."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QColor, QFont, QImage, QPainter

    image = QImage(1200, 900, QImage.Format.Format_RGB32)
    image.fill(QColor("#8aa6b8"))
    painter = QPainter(image)
    painter.fillRect(300, 250, 600, 400, QColor("#d9d4c7"))
    painter.setFont(QFont("WenQuanYi Micro Hei", 60))
    painter.drawText(360, 480, "分诊台")
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "JPG")  # type: ignore[call-overload]
    return bytes(data.data())


def settle(ms: int = 400) -> None:
    QTest.qWait(ms)


def main(out: Path) -> None:
    from inspections.demo import generate_demo
    from inspections.workspace import open_workspace
    from ui.app import create_application
    from ui.context import AppContext
    from ui.main_window import MainWindow
    from ui.pages.editor import InspectionEditor
    from ui.settings import open_settings
    from ui.tasks import TaskRunner

    warnings.simplefilter("ignore")
    out.mkdir(parents=True, exist_ok=True)
    app = create_application()
    data_dir = Path(tempfile.mkdtemp(prefix="yuangan-demo-"))
    db = open_workspace(None, data_dir)
    settings = open_settings(data_dir)
    settings.setValue("user/name", "张三")
    context = AppContext(data_dir, db, settings, TaskRunner(), f"本机 ({data_dir / 'yuangan.db'})")
    first = MainWindow(context)
    first.resize(1366, 768)
    first.show()
    settle(600)
    first.grab().save(str(out / "welcome.png"))
    first.close()
    generate_demo(db, institutions=40, months=12, seed=3)
    window = MainWindow(context)
    window.resize(1366, 768)
    window.show()
    settle()

    def idle() -> None:
        settle(100)
        while context.tasks.pending:
            settle(50)
        settle(300)

    def shoot(name: str, widget: QWidget | None = None) -> None:
        idle()
        (widget or window).grab().save(str(out / f"{name}.png"))

    for key in ("dashboard", "rounds", "inspections", "findings", "institutions", "checklists", "settings"):
        window.show_page(key)
        settle(800)
        shoot(key)

    # The editor, half-way through a new inspection, with a failed item selected.
    from tests.ui.helpers import start_inspection
    from ui.pages import registry

    inspection_id = start_inspection(context, "人民医院")
    registry.open_editor(window, inspection_id)
    editor = window.pages["editor"]
    assert isinstance(editor, InspectionEditor)
    while editor.view is None:
        settle(50)
    editor.tree.setFocus()
    items = list(editor.items.values())
    for n, item in enumerate(items[:9]):
        editor.select_item(item.item_id)
        editor.answer("partial" if n == 4 else "pass")
    failed = next(i for i in items[9:] if i.spec.evidence == "photo-on-fail")
    editor.select_item(failed.item_id)
    context.settings.setValue("editor/stay_on_item", True)
    editor.answer("fail")
    editor.pane.note.setPlainText("分诊台未配备速干手消毒剂，现场仅有清水洗手池")
    editor.pane.flush_note()
    editor._on_photos_added([("分诊台.jpg", _photo())])
    idle()
    editor.select_item(failed.item_id)
    editor.tree.setFocus()
    shoot("editor")
    editor.request_finalize()
    idle()
    dialogs = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not window]
    for dialog in dialogs:
        shoot("finalize-blockers", dialog)
        dialog.close()
    context.tasks.shutdown()
    del app
    print(f"screenshots in {out} ({dt.datetime.now():%H:%M:%S})")
    _ = Qt


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
