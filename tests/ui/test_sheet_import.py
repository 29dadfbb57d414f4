"""The window's sheet import: what was recognized is shown before importing; unrecognized columns are mapped."""

from __future__ import annotations

import os
from pathlib import Path

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
    sheet.write_text("单位自查表\n环节,要点说明,满分值,情况\n预检,设置分诊点,5,\n,体温检测,3,\n", encoding="utf-8")
    page.import_file(sheet)
    dialog = page.sheet_dialog
    qtbot.waitUntil(lambda: dialog.rows.rowCount() > 0, timeout=5000)
    assert "无法自动识别" in dialog.message.text() and "要点说明" in dialog.message.text()
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
