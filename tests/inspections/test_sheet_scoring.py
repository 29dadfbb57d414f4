"""A published sheet, imported unchanged, scored as it says: deductions by count and by sub-item, a ☆ key item that
makes the result 重点监督 without vetoing, section subtotals in ``score``, the 反馈单 and the results workbook."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from inspections.cli import main
from inspections.reports.gather import feedback_data, results_rows
from inspections.reports.xlsx import write_results_workbook
from inspections.templates import export_checklist, import_checklist_file, template_spec
from inspections.workflow import load_inspection, record_answer, record_deduction, start_inspection
from models.database import Database
from tests.helpers import make_institution

SHEET = Path(__file__).resolve().parents[1] / "corpus" / "sheets" / "二级及以上医院传染病防治监督检查评价表.xlsx"


def _answered(db: Database) -> object:
    with db.begin() as s:
        outcome = import_checklist_file(s, "管理员", SHEET)
    inst = make_institution(db, "上街区人民医院", level=2)
    with db.begin() as s:
        inspection_id = start_inspection(
            s,
            "张三",
            institution_id=inst,
            on=date(2026, 11, 2),
            inspectors=["张三"],
            template_ids=[outcome.template_id],
        )
    with db.session() as s:
        items = {i.code: i.item_id for i in load_inspection(s, inspection_id).items()}
    with db.begin() as s:
        for item_id in items.values():
            record_answer(s, "张三", inspection_id, item_id, response="pass")
        # 分诊人员询问流行病学史: 4 分, 每缺1例扣1分 — 3 missing: 1 left
        record_deduction(s, "张三", inspection_id, items["S1.2"], occurrences=3, note="抽查5例")
        # 分诊点配备 (1)…(4): 4 分, 一项不符合扣1分 — (2)(3) missing: 2 left
        record_deduction(s, "张三", inspection_id, items["S1.4"], failed=[2, 3])
        # ☆ 近一年内无迟报: failed, 重点监督 — not a veto
        record_answer(s, "张三", inspection_id, items["S2.3"], response="fail")
        # 隔离措施 (1)…(5), (5) costs 3: (5) and (1) fail: 5 - 4 = 1
        record_deduction(s, "张三", inspection_id, items["S3.3"], failed=[5, 1])
    return inspection_id


def test_deductions_sub_items_and_a_lesser_key_item_score_as_the_sheet_says(db: Database) -> None:
    inspection_id = _answered(db)
    with db.session() as s:
        view = load_inspection(s, inspection_id)
    (score,) = view.score.checklists
    assert [(sec.title, sec.earned, sec.maximum) for sec in score.sections] == [
        ("预检分诊", 2 + 1 + 0 + 2, 10),
        ("疫情报告", 3 + 6 + 0, 15),
        ("消毒隔离", 5 + 5 + 1, 15),
    ]
    assert (score.earned, score.maximum) == (25, 40)
    assert not score.vetoed and score.grade == "重点监督" and not score.passed
    assert score.consequences == (("重点监督", ("S2.3",)),)
    notes = {i.code: i.note for i in view.items()}
    assert notes["S1.2"] == "发现 3 例，扣 3 分。抽查5例"
    assert notes["S1.4"].startswith("（2）速干手消毒剂、（3）医用外科口罩 不符合，扣 2 分")
    assert "（5）终末消毒" in notes["S3.3"] and "扣 4 分" in notes["S3.3"]
    # Entering the count again replaces the reason written last time; the inspector's own words stay.
    with db.begin() as s:
        item_id = next(i.item_id for i in load_inspection(s, inspection_id).items() if i.code == "S1.2")
        record_deduction(s, "张三", inspection_id, item_id, occurrences=1, note=notes["S1.2"])
    with db.session() as s:
        again = next(i for i in load_inspection(s, inspection_id).items() if i.code == "S1.2")
    assert (again.note, again.points) == ("发现 1 例，扣 1 分。抽查5例", 3)


def test_subtotals_reach_the_command_line_the_feedback_and_the_workbook(
    db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inspection_id = _answered(db)
    with db.session() as s:
        data = feedback_data(s, inspection_id)
        export = results_rows(s, include_drafts=True)
    (row,) = data.checklists
    assert [(sec.title, sec.earned, sec.maximum) for sec in row.sections] == [
        ("预检分诊", 5, 10),
        ("疫情报告", 9, 15),
        ("消毒隔离", 11, 15),
    ]
    assert row.consequences == ("重点监督：S2.3 3.近一年内无迟报、漏报",)
    target = tmp_path / "results.xlsx"
    write_results_workbook(export, target)
    sheet = openpyxl.load_workbook(target)["分组小计"]
    values = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert [(v[3], v[4], v[5]) for v in values] == [
        ("二级及以上医院传染病防治监督检查评价表 / 预检分诊", 5, 10),
        ("二级及以上医院传染病防治监督检查评价表 / 疫情报告", 9, 15),
        ("二级及以上医院传染病防治监督检查评价表 / 消毒隔离", 11, 15),
    ]
    db.close()
    assert main(["--data-dir", str(tmp_path), "score", str(inspection_id)]) == 0
    out = capsys.readouterr().out
    assert "二级及以上医院传染病防治监督检查评价表（第 1 版）：62.50%  重点监督" in out
    assert "  · 预检分诊：5 / 10 分（50%）" in out and "  · 消毒隔离：11 / 15 分（73.33%）" in out
    assert "关键项“S2.3”不符合，评定为重点监督" in out


WEIGHTED_SHEET = """\
XX区感控督导评分表（分部分加权）
检查项目,检查内容,检查方法,分值
综合管理（10分）（权重20%）,建立感染管理组织,查阅资料,5
综合管理（10分）（权重20%）,制定年度工作计划,查阅资料,5
消毒隔离（权重0.8）,,,
,消毒剂浓度监测,现场查看,10
,隔离标识规范,现场查看,10
"""


def test_a_sheet_weighing_its_sections_in_their_titles_scores_the_weighted_mean(
    db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "加权评分表.csv"
    sheet.write_text(WEIGHTED_SHEET, encoding="utf-8")
    with db.begin() as s:
        outcome = import_checklist_file(s, "管理员", sheet)
    with db.session() as s:
        spec = template_spec(s, outcome.template_id)
        exported = export_checklist(s, outcome.code)
    assert [(sec.title, sec.points, sec.weight, len(sec.items)) for sec in spec.sections] == [
        ("综合管理", 10, 0.2, 2),
        ("消毒隔离", None, 0.8, 2),
    ]
    assert "    weight: 0.2\n" in exported and "    weight: 0.8\n" in exported
    target = tmp_path / "加权.yaml"
    target.write_text(exported, encoding="utf-8")
    with db.begin() as s:
        assert import_checklist_file(s, "管理员", target).status == "unchanged"

    inst = make_institution(db, "上街区人民医院", level=2)
    with db.begin() as s:
        inspection_id = start_inspection(
            s,
            "张三",
            institution_id=inst,
            on=date(2026, 11, 2),
            inspectors=["张三"],
            template_ids=[outcome.template_id],
        )
    with db.session() as s:
        items = {i.code: i.item_id for i in load_inspection(s, inspection_id).items()}
    with db.begin() as s:
        for code in ("S1.1", "S2.1", "S2.2"):
            record_answer(s, "张三", inspection_id, items[code], response="pass")
        record_answer(s, "张三", inspection_id, items["S1.2"], response="fail")
    db.close()
    assert main(["--data-dir", str(tmp_path), "score", str(inspection_id)]) == 0
    out = capsys.readouterr().out
    # 综合管理 50% × 0.2 + 消毒隔离 100% × 0.8 = 90%, where the plain points would give 25 / 30 = 83.33%
    assert "XX区感控督导评分表（分部分加权）（第 1 版）：90.00%  优秀" in out
    assert "  · 综合管理：5 / 10 分（50%）" in out and "  · 消毒隔离：20 / 20 分（100%）" in out
    assert "= (50×0.2 + 100×0.8) ÷ 1 = 90%（实得分 25，适用项满分 30）" in out
    # the inspection's overall figure agrees with its one checklist: its points are taken at its weighted percent
    assert "总计：90.00%" in out and "= 27 ÷ 30 × 100 = 90%" in out and "按其得分率 × 适用项满分折算实得分" in out


PARTLY_WEIGHTED_SHEET = """\
XX区感控督导评分表（部分标权重）
检查项目,检查内容,检查方法,分值
综合管理（权重20%）,建立感染管理组织,查阅资料,5
消毒隔离（权重30%）,消毒剂浓度监测,现场查看,10
手卫生,手卫生设施,现场查看,10
医疗废物,分类收集,现场查看,10
"""


def test_sections_left_without_a_weight_share_what_the_others_leave_and_the_user_is_told(
    db: Database, tmp_path: Path
) -> None:
    from inspections.checklists.excel_format import read_checklist_sheet
    from inspections.checklists.layout import sheet_preview_lines

    sheet = tmp_path / "部分加权.csv"
    sheet.write_text(PARTLY_WEIGHTED_SHEET, encoding="utf-8")
    text = "\n".join(sheet_preview_lines(read_checklist_sheet(sheet)))
    assert "“手卫生”、“医疗废物”未标明权重：已按其余分组未占用的权重平均分配，各按 25% 计" in text
    with db.begin() as s:
        outcome = import_checklist_file(s, "管理员", sheet)
    assert "注意：“手卫生”、“医疗废物”未标明权重" in outcome.message
    with db.session() as s:
        spec = template_spec(s, outcome.template_id)
    # Not 1 (100 %) beside 20 % and 30 %: the half the stated weights leave, shared.
    assert [(sec.title, sec.weight) for sec in spec.sections] == [
        ("综合管理", 0.2), ("消毒隔离", 0.3), ("手卫生", 0.25), ("医疗废物", 0.25)]
