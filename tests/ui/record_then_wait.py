"""Run by test_kill: answer an item and type a note, report once shown as saved, then wait to be killed."""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from models.database import open_database, sqlite_url
from ui.app import create_application
from ui.context import AppContext
from ui.pages.editor import InspectionEditor
from ui.settings import open_settings
from ui.tasks import TaskRunner


def main(data_dir: Path, inspection_id: uuid.UUID) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = create_application()
    db = open_database(sqlite_url(data_dir / "yuangan.db"), data_dir, migrate=False)
    context = AppContext(data_dir, db, open_settings(data_dir), TaskRunner(), "")
    context.settings.setValue("editor/stay_on_item", True)
    editor = InspectionEditor(context, inspection_id)
    editor.show()
    editor.activate()
    while editor.view is None:
        QTest.qWait(10)
    item = editor.current_item()
    assert item is not None
    QTest.keyClick(editor.tree, Qt.Key.Key_3)
    QTest.keyClick(editor.tree, Qt.Key.Key_X)
    QTest.keyClicks(editor.pane.note, "-ray door")
    while not editor.saved_label.text() or editor.items[item.item_id].note != "x-ray door":
        QTest.qWait(20)
    print(f"SAVED {item.item_id} {editor.saved_label.text()}", flush=True)
    del app
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main(Path(sys.argv[1]), uuid.UUID(sys.argv[2]))
