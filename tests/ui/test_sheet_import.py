"""The window's sheet import: what was recognized is shown before importing; unrecognized columns are mapped."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from inspections import templates
from ui.context import AppContext
from ui.pages.checklists import ChecklistsPage

SHEETS = Path(__file__).resolve().parents[1] / "corpus" / "sheets"


def _page(qtbot: QtBot, context: AppContext) -> ChecklistsPage:
    page = ChecklistsPage(context)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=5000)
    return page


def _codes(context: AppContext) -> set[str]:
    return set(context.read_now(lambda s: {r.code for r in templates.list_templates(s)}))


def test_a_published_sheet_is_previewed_then_imported(qtbot: QtBot, empty_context: AppContext) -> None:
    page = _page(qtbot, empty_context)
    before = _codes(empty_context)
    page.import_file(SHEETS / "消毒供应中心检查表.docx")
    dialog = page.sheet_dialog
    qtbot.waitUntil(lambda: "关键项" in dialog.preview.toPlainText(), timeout=5000)
    text = dialog.preview.toPlainText()
    assert "共 3 个分组、7 项，分值合计 50 分" in text
    assert "关键项“▲”1 项：不符合时 → 限期整改" in text
    assert "S3.1：3 个子项逐项判定，每项不符合扣 5 分，最多扣 15 分" in text
    assert _codes(empty_context) == before  # nothing stored until the user confirms
    if os.environ.get("YG_SCREENSHOTS"):
        dialog.grab().save(os.environ["YG_SCREENSHOTS"] + "/sheet-import-preview.png")
    dialog.accept()
    qtbot.waitUntil(lambda: len(_codes(empty_context)) == len(before) + 1, timeout=5000)


def test_unrecognized_columns_are_mapped_in_the_dialog(qtbot: QtBot, empty_context: AppContext, tmp_path: Path) -> None:
    page = _page(qtbot, empty_context)
    sheet = tmp_path / "自查表.csv"
    sheet.write_text("单位自查表\n环节,描述,额度,情况\n预检,设置分诊点,5,\n,体温检测,3,\n", encoding="utf-8")
    page.import_file(sheet)
    dialog = page.sheet_dialog
    qtbot.waitUntil(lambda: dialog.rows.rowCount() > 0, timeout=5000)
    assert "无法自动识别" in dialog.message.text() and "描述" in dialog.message.text()
    assert dialog.rows.item(2, 1).text() == "设置分诊点"  # the first rows, to see which column is which
    ok = dialog.buttons.buttons()[0]
    assert not ok.isEnabled()
    text_combo, points_combo = dialog.combos["text"], dialog.combos["points"]
    text_combo.setCurrentIndex(text_combo.findData("B"))
    points_combo.setCurrentIndex(points_combo.findData("C"))
    if os.environ.get("YG_SCREENSHOTS"):
        dialog.grab().save(os.environ["YG_SCREENSHOTS"] + "/sheet-import-mapping.png")
    dialog.reread_button.click()
    qtbot.waitUntil(lambda: "共 1 个分组、2 项，分值合计 8 分" in dialog.preview.toPlainText(), timeout=5000)
    before = _codes(empty_context)
    dialog.accept()
    qtbot.waitUntil(lambda: len(_codes(empty_context)) == len(before) + 1, timeout=5000)
    (new,) = _codes(empty_context) - before
    spec = empty_context.read_now(lambda s: templates.template_spec(s, templates.find_template(s, new).id))
    assert [(i.text, i.points) for i in spec.items()] == [("设置分诊点", 5), ("体温检测", 3)]


def test_the_editor_takes_counts_and_failed_sub_items_for_deduction_items(
    qtbot: QtBot, empty_context: AppContext
) -> None:
    import datetime as dt

    from inspections import workflow
    from tests.helpers import make_institution
    from ui.pages.editor import InspectionEditor

    db = empty_context.db
    assert db is not None
    with db.begin() as s:
        outcome = templates.import_checklist_file(s, "张三", SHEETS / "二级及以上医院传染病防治监督检查评价表.xlsx")
    institution = make_institution(db, "上街区人民医院", level=2)  # type: ignore[arg-type]
    with db.begin() as s:
        inspection_id = workflow.start_inspection(
            s,
            "张三",
            institution_id=institution,
            on=dt.date.today(),
            inspectors=["张三"],
            template_ids=[outcome.template_id],
        )
    editor = InspectionEditor(empty_context, inspection_id)
    qtbot.addWidget(editor)
    editor.resize(1200, 760)
    editor.show()
    editor.activate()
    qtbot.waitUntil(lambda: editor.view is not None, timeout=5000)
    codes = {i.code: i.item_id for i in editor.items.values()}
    pane = editor.pane

    editor.select_item(codes["S1.2"])  # 每缺1例扣1分, 4 分
    assert pane.occurrence_spin.isVisibleTo(pane) and not pane.subitem_list.isVisibleTo(pane)
    assert "每发现一例扣 1 分，最多扣 4 分" in pane.deduction_label.text()
    pane.occurrence_spin.setValue(3)
    pane.occurrence_spin.editingFinished.emit()
    item = editor.items[codes["S1.2"]]
    assert (item.response, item.points) == ("partial", 1) and item.note.startswith("发现 3 例，扣 3 分")

    editor.select_item(codes["S1.4"])  # (1)…(4), 一项不符合扣1分
    assert pane.subitem_list.isVisibleTo(pane) and pane.subitem_list.count() == 4
    pane.subitem_list.item(1).setCheckState(Qt.CheckState.Checked)
    pane.subitem_list.item(2).setCheckState(Qt.CheckState.Checked)
    item = editor.items[codes["S1.4"]]
    assert (item.response, item.points) == ("partial", 2) and "（2）速干手消毒剂" in item.note
    if os.environ.get("YG_SCREENSHOTS"):
        editor.grab().save(os.environ["YG_SCREENSHOTS"] + "/editor-subitems.png")
