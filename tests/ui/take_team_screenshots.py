"""Screenshots of the expert-team screens (issue 17) in a window of 1280×720 logical pixels:
`python tests/ui/take_team_screenshots.py OUT_DIR [SUFFIX]` (offscreen; set QT_SCALE_FACTOR=1.5 with a 1920×1080
screen for 150 %). Prints one JSON line ``{"problems": [...]}``: what does not fit (crushed buttons and fields,
dialogs beyond the window); test_teams runs it at 100 % and 150 %."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import warnings
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from tests.ui.fit_check import HEIGHT, WIDTH, crushed  # noqa: E402


def main(out: Path, suffix: str) -> None:
    from inspections import teams, workflow
    from inspections.demo import generate_demo
    from inspections.permissions import CurrentUser
    from inspections.users import add_user
    from inspections.workspace import open_workspace
    from tests.ui.helpers import start_inspection
    from tests.ui.test_teams import _item_preview, _jpeg
    from ui.app import create_application
    from ui.context import AppContext
    from ui.dialogs.new_inspection import NewInspectionDialog
    from ui.dialogs.packages import PreviewDialog
    from ui.dialogs.team_parts import PartsDialog
    from ui.main_window import MainWindow
    from ui.pages import registry
    from ui.pages.editor import InspectionEditor
    from ui.pages.inspections_list import InspectionsPage
    from ui.settings import open_settings
    from ui.tasks import TaskRunner

    warnings.simplefilter("ignore")
    out.mkdir(parents=True, exist_ok=True)
    app = create_application()
    data_dir = Path(tempfile.mkdtemp(prefix="yuangan-team-"))
    db = open_workspace(None, data_dir)
    generate_demo(db, institutions=8, months=2, seed=7)
    admin = CurrentUser("zhangsan", "admin", display_name="张三")
    with db.begin() as s:
        add_user(s, None, username="zhangsan", password="pw-zhangsan-1", role="admin", display_name="张三")
        add_user(s, admin, username="lisi", password="pw-lisi-0001", role="inspector", display_name="李四")
        add_user(s, admin, username="wangwu", password="pw-wangwu-01", role="inspector", display_name="王五")
    settings = open_settings(data_dir)
    settings.setValue("user/name", "张三")
    context = AppContext(data_dir, db, settings, TaskRunner(), f"本机 ({data_dir / 'yuangan.db'})")
    window = MainWindow(context)
    window.resize(WIDTH, HEIGHT)
    window.show()
    problems: list[str] = []

    def idle() -> None:
        QTest.qWait(100)
        while context.tasks.pending:
            QTest.qWait(50)
        QTest.qWait(300)

    def shoot(name: str, widget: QWidget) -> None:
        idle()
        if widget.height() > HEIGHT or widget.width() > WIDTH:
            problems.append(f"{name} {widget.width()}×{widget.height()} 超出窗口")
        problems.extend(f"{name} {p}" for p in crushed(widget))
        widget.grab().save(str(out / f"{name}{suffix}.png"))

    # 新建检查 with 分工: 李四 the triage checklist, 王五 one section of the zoning checklist and the loop.
    window.show_page("inspections")
    idle()
    page = window.pages["inspections"]
    assert isinstance(page, InspectionsPage)
    page.request_new()
    idle()
    dialog = page.new_dialog
    assert isinstance(dialog, NewInspectionDialog)
    dialog.preset.setCurrentIndex(0)
    dialog.tabs.setCurrentIndex(1)
    picker = dialog.part_picker
    picker.set_choice("lisi", checklists=["triage"])
    zoning = picker._members["wangwu"].child(1)
    assert zoning is not None and zoning.child(0) is not None
    picker.set_choice("wangwu", checklists=["fever-clinic-loop"], sections=[str(zoning.child(0).data(0, 256))])
    for n in range(picker.tree.topLevelItemCount()):
        top = picker.tree.topLevelItem(n)
        if top is not None:
            top.setExpanded(top.text(0).startswith("王五"))
    shoot("team-new-inspection", dialog)
    dialog.reject()

    # The lead's editor: the 分工 line, after some answers.
    inspection_id = start_inspection(context, "人民医院")
    with db.begin() as s:
        view = workflow.load_inspection(s, inspection_id)
        teams.assign_part(s, "张三", inspection_id, "lisi", checklists=[view.checklists[0].spec.code])
        second = view.checklists[1]
        section = f"{second.spec.code}/{second.sections[0].code}"
        teams.assign_part(s, "张三", inspection_id, "wangwu", sections=[section])
        for item in view.checklists[0].sections[0].items[:5]:
            workflow.record_answer(s, "lisi", inspection_id, item.item_id, response=item.options[0].code)
    registry.open_editor(window, inspection_id)
    editor = window.pages["editor"]
    assert isinstance(editor, InspectionEditor)
    while editor.view is None:
        QTest.qWait(50)
    idle()
    shoot("team-editor-lead", window)
    editor.team.request_parts()
    idle()
    parts = editor.last_dialog
    assert isinstance(parts, PartsDialog)
    shoot("team-parts-dialog", parts)
    parts.reject()

    # 李四's laptop: an item of 王五's section, read-only.
    settings.setValue("user/name", "lisi")
    editor.reload()
    idle()
    assert editor.view is not None
    editor.select_item(editor.view.checklists[1].sections[0].items[0].item_id)
    editor.tree.setFocus()
    shoot("team-editor-member", window)

    # The lead imports 李四's part: two item conflicts.
    photos = {"a" * 64: _jpeg("#8aa6b8"), "b" * 64: _jpeg("#d9d4c7")}
    preview = PreviewDialog(_item_preview(), window, mine_photo=photos.get, theirs_photo=photos.get)
    preview.show()
    shoot("team-conflict-preview", preview)
    preview.close()
    context.tasks.shutdown()
    del app
    print(json.dumps({"problems": problems}, ensure_ascii=False))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/teamui"), sys.argv[2] if len(sys.argv) > 2 else "")
