"""The inspector's day in the core: chosen checklists (presets), partial scope, voiding a draft, the CLI."""

from __future__ import annotations

import re
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from inspections.errors import NotFoundError, ReadOnlyError, UserError
from inspections.presets import checklist_presets, parse_presets, preset_template_ids, templates_in_force
from inspections.rounds import RoundScope, create_round, round_detail
from inspections.settings import set_setting
from inspections.workflow import (
    finalize_blockers,
    finalize_inspection,
    inspection_score,
    list_inspections,
    load_inspection,
    record_answer,
    set_scope,
    start_inspection,
    void_inspection,
)
from models.audit import AuditEvent
from models.database import Database
from models.finding import Finding
from models.reference import Institution
from tests.helpers import answer_all, make_institution

pytestmark = pytest.mark.postgres  # these run on SQLite and on the PostgreSQL test server

DAY = date(2026, 11, 10)


def _start_preset(ws: Database, inst: uuid.UUID, name: str) -> uuid.UUID:
    with ws.begin() as s:
        preset = next(p for p in checklist_presets(s) if p.name == name)
        institution = s.get(Institution, inst)
        assert institution is not None
        ids = preset_template_ids(s, preset, institution, DAY)
        return start_inspection(s, "张三", institution_id=inst, on=DAY, inspectors=["张三"], template_ids=ids)


def test_the_fever_clinic_preset_starts_three_checklists_in_force(ws: Database) -> None:
    inst = make_institution(ws, "上街区人民医院", level=2, fever=True)
    inspection_id = _start_preset(ws, inst, "发热门诊专项")
    routine_id = _start_preset(ws, inst, "常规督导")
    with ws.session() as s:
        fever = load_inspection(s, inspection_id)
        routine = load_inspection(s, routine_id)
        in_force = {t.code: t.version for t in templates_in_force(s, DAY)}
    assert [c.spec.code for c in fever.checklists] == ["triage", "fever-clinic-zoning", "fever-clinic-loop"]
    assert all(c.spec.version == in_force[c.spec.code] for c in fever.checklists)
    assert len(routine.checklists) > 3


def test_presets_are_a_setting_the_commission_edits(ws: Database) -> None:
    with ws.begin() as s:
        set_setting(s, "李四", "checklist_presets", "手卫生专项: hand-hygiene；常规督导：全部")
    with ws.session() as s:
        presets = checklist_presets(s)
    assert [(p.name, p.codes) for p in presets] == [("手卫生专项", ("hand-hygiene",)), ("常规督导", None)]
    with pytest.raises(UserError, match="格式"):
        parse_presets("没有冒号的组合")


def test_a_section_out_of_scope_blocks_nothing_scores_nothing_and_makes_no_finding(ws: Database) -> None:
    inst = make_institution(ws, "上街区人民医院", level=2, fever=True)
    inspection_id = _start_preset(ws, inst, "发热门诊专项")
    with ws.session() as s:
        view = load_inspection(s, inspection_id)
    loop = view.checklists[2]
    section = loop.sections[0]
    out_codes = {i.code for i in section.items}
    other = [i.code for c in view.checklists for sec in c.sections if sec is not section for i in sec.items]
    # Answer everything else 符合, and one item of the out-of-scope section 不符合 (before it was marked).
    answer_all(ws, inspection_id, fail_codes=[next(iter(sorted(out_codes)))])
    with ws.begin() as s:
        with pytest.raises(UserError, match="原因"):
            set_scope(s, "张三", inspection_id, loop.template_id, section_code=section.code, mode="not_checked")
        set_scope(
            s,
            "张三",
            inspection_id,
            loop.template_id,
            section_code=section.code,
            mode="not_checked",
            reason="人员不在岗",
        )
    with ws.session() as s:
        score = inspection_score(s, inspection_id)
        view = load_inspection(s, inspection_id)
        assert finalize_blockers(s, inspection_id) == []
    assert score.percent == 100.0
    assert score.total == len(other)
    assert [m.line for m in view.scope] == [f"本次未检：{loop.spec.title}·{section.title}（人员不在岗）"]
    with ws.begin() as s:
        finalize_inspection(s, "张三", inspection_id)
    with ws.session() as s:
        assert s.scalars(select(Finding).where(Finding.inspection_id == inspection_id)).all() == []
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "inspection.scope")).all()
        assert len(events) == 1 and events[0].after["reason"] == "人员不在岗"
        with pytest.raises(ReadOnlyError):
            set_scope(s, "张三", inspection_id, loop.template_id, mode="na")


def test_the_feedback_report_states_the_scope(ws: Database, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from inspections.reports import documents

    inst = make_institution(ws, "上街区人民医院", level=2, fever=True)
    inspection_id = _start_preset(ws, inst, "发热门诊专项")
    with ws.session() as s:
        loop = load_inspection(s, inspection_id).checklists[2]
    with ws.begin() as s:
        set_scope(s, "张三", inspection_id, loop.template_id, mode="not_checked", reason="发热门诊停诊改造")
    answer_all(ws, inspection_id)
    with ws.begin() as s:
        finalize_inspection(s, "张三", inspection_id)
    with ws.begin() as s:
        documents.inspection_report(s, inspection_id, tmp_path / "反馈单.pdf")
    pages = [page.extract_text().replace(" ", "") for page in PdfReader(tmp_path / "反馈单.pdf").pages]
    text = "".join(pages)
    assert f"本次未检：{loop.spec.title}（发热门诊停诊改造）" in text.replace("\n", "")
    # The result box counts only the checklists checked, and says one was left out.
    assert "共检查2张检查表（另有1张本次未检）" in pages[0].replace("\n", "")
    assert "共检查3张" not in pages[0].replace("\n", "")
    # The left-out checklist's row says 本次未检, not 无法评分.
    flat = pages[0].replace("\n", "")
    assert re.search(re.escape(f"{loop.spec.title}（第{loop.spec.version}版）") + "[—]*本次未检", flat)
    assert "无法评分" not in text


def test_a_whole_checklist_not_applicable_leaves_the_others(ws: Database) -> None:
    inst = make_institution(ws, "上街区人民医院", level=2, fever=True)
    inspection_id = _start_preset(ws, inst, "发热门诊专项")
    with ws.session() as s:
        view = load_inspection(s, inspection_id)
    triage = view.checklists[0]
    with ws.begin() as s:
        set_scope(s, "张三", inspection_id, triage.template_id, mode="na")
    with ws.session() as s:
        blockers = finalize_blockers(s, inspection_id)
        score = inspection_score(s, inspection_id)
    triage_codes = {i.code for sec in triage.sections for i in sec.items}
    assert blockers and not {b.code for b in blockers} & triage_codes
    assert score.checklists[0].total == 0
    with ws.begin() as s:
        set_scope(s, "张三", inspection_id, triage.template_id, mode=None)
    with ws.session() as s:
        assert {b.code for b in finalize_blockers(s, inspection_id)} >= triage_codes


def test_voiding_a_draft_drops_it_from_lists_and_coverage(ws: Database) -> None:
    inst = make_institution(ws, "上街区人民医院", level=2, fever=True)
    with ws.begin() as s:
        round_id = create_round(s, "张三", month="2026-11", team=["张三"], scope=RoundScope(institution_ids=(inst,)))
    with ws.begin() as s:
        inspection_id = start_inspection(s, "张三", institution_id=inst, on=DAY, inspectors=["张三"], round_id=round_id)
    with ws.session() as s:
        assert round_detail(s, round_id).entries[0].inspection_status == "draft"
    with ws.begin() as s:
        with pytest.raises(UserError, match="原因"):
            void_inspection(s, "张三", inspection_id, reason=" ")
        void_inspection(s, "张三", inspection_id, reason="选错了医院")
    with ws.session() as s:
        assert inspection_id not in {r.id for r in list_inspections(s)}
        assert inspection_id in {r.id for r in list_inspections(s, status="voided")}
        assert round_detail(s, round_id).entries[0].inspection_status is None
        item = load_inspection(s, inspection_id).items()[0]
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "inspection.void")).one()
        assert event.reason == "选错了医院"
    with ws.begin() as s, pytest.raises(ReadOnlyError, match="作废"):
        record_answer(s, "张三", inspection_id, item.item_id, response="pass")


def test_a_finalized_inspection_cannot_be_voided(ws: Database) -> None:
    inst = make_institution(ws, "上街区人民医院", level=2, fever=True)
    inspection_id = _start_preset(ws, inst, "发热门诊专项")
    answer_all(ws, inspection_id)
    with ws.begin() as s:
        finalize_inspection(s, "张三", inspection_id)
    with ws.begin() as s, pytest.raises(ReadOnlyError, match="已完成签字"):
        void_inspection(s, "张三", inspection_id, reason="误操作")


def test_cli_start_with_checklists_then_void(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from inspections.cli import main
    from inspections.workspace import open_workspace

    data = tmp_path / "data"
    data.mkdir()
    db = open_workspace(None, data)
    inst = make_institution(db, "上街区人民医院", level=2, fever=True)
    db.close()
    code = main(
        [
            "--data-dir",
            str(data),
            "inspections",
            "start",
            str(inst),
            "--checklists",
            "triage,fever-clinic-loop",
            "--kind",
            "自查",
            "--date",
            "2026-11-10",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    inspection_id = uuid.UUID(out.strip())
    db = open_workspace(None, data)
    with db.session() as s:
        view = load_inspection(s, inspection_id)
    db.close()
    assert [c.spec.code for c in view.checklists] == ["triage", "fever-clinic-loop"]
    assert view.kind == "self" and view.date == DAY

    assert main(["--data-dir", str(data), "inspections", "start", str(inst), "--checklists", "no-such"]) == 2
    assert capsys.readouterr().err.startswith("错误：")
    assert main(["--data-dir", str(data), "inspections", "void", str(inspection_id), "--reason", "选错了"]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(data), "inspections", "void", str(inspection_id), "--reason", "再次"]) == 2
    assert "已作废" in capsys.readouterr().err
    # A voided draft prints no 反馈单 (it would read as a live draft with a score and a grade).
    pdf = tmp_path / "反馈单.pdf"
    assert main(["--data-dir", str(data), "report", "inspection", str(inspection_id), "-o", str(pdf)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "作废" in err and len(err.strip().splitlines()) == 1
    assert not pdf.exists()


def test_unknown_codes_name_what_is_missing(ws: Database) -> None:
    from inspections.presets import template_ids_for_codes

    with ws.session() as s, pytest.raises(NotFoundError, match="no-such"):
        template_ids_for_codes(s, ["triage", "no-such"], DAY)


def test_a_voided_draft_is_not_exported(ws: Database, tmp_path: Path) -> None:
    from inspections.packages import export_inspections

    inst = make_institution(ws, "上街区人民医院", level=2, fever=True)
    with ws.begin() as s:
        round_id = create_round(s, "张三", month="2026-11", team=["张三"], scope=RoundScope(institution_ids=(inst,)))
        kept = start_inspection(s, "张三", institution_id=inst, on=DAY, inspectors=["张三"], round_id=round_id)
        voided = start_inspection(s, "张三", institution_id=inst, on=DAY, inspectors=["张三"], round_id=round_id)
    with ws.begin() as s:
        void_inspection(s, "张三", voided, reason="重复")
    with ws.session() as s:
        summary = export_inspections(s, tmp_path / "a.ygpkg", exporter="张三", round_id=round_id)
        with pytest.raises(UserError, match="已作废"):
            export_inspections(s, tmp_path / "b.ygpkg", exporter="张三", inspection_ids=[voided])
    assert summary.inspections == 1 and kept


def test_cli_score_names_what_was_left_out(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from inspections.cli import main
    from inspections.workspace import open_workspace

    data = tmp_path / "data"
    data.mkdir()
    db = open_workspace(None, data)
    inst = make_institution(db, "上街区人民医院", level=2, fever=True)
    inspection_id = _start_preset(db, inst, "发热门诊专项")
    with db.session() as s:
        view = load_inspection(s, inspection_id)
    triage, loop = view.checklists[0], view.checklists[2]
    with db.begin() as s:
        set_scope(s, "张三", inspection_id, triage.template_id, mode="not_checked", reason="停诊")
        set_scope(s, "张三", inspection_id, loop.template_id, section_code=loop.sections[0].code, mode="na")
    answer_all(db, inspection_id)
    db.close()
    assert main(["--data-dir", str(data), "score", str(inspection_id)]) == 0
    out = capsys.readouterr().out
    assert f"{triage.spec.title}（第 {triage.spec.version} 版）：本次未检（停诊）" in out
    assert "无法评分" not in out
    assert f"不适用：{loop.spec.title}·{loop.sections[0].title}" in out


def test_the_feedback_report_lists_a_section_left_out_in_its_place(ws: Database, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from inspections.reports import documents

    inst = make_institution(ws, "上街区人民医院", level=2, fever=True)
    inspection_id = _start_preset(ws, inst, "发热门诊专项")
    with ws.session() as s:
        zoning = load_inspection(s, inspection_id).checklists[1]
    first, second = zoning.sections[0], zoning.sections[1]
    with ws.begin() as s:
        set_scope(s, "张三", inspection_id, zoning.template_id, section_code=first.code, mode="na")
    answer_all(ws, inspection_id)
    with ws.begin() as s:
        finalize_inspection(s, "张三", inspection_id)
    with ws.begin() as s:
        documents.inspection_report(s, inspection_id, tmp_path / "反馈单.pdf")
    flat = PdfReader(tmp_path / "反馈单.pdf").pages[0].extract_text().replace(" ", "").replace("\n", "")
    # The section's row stays in the table, in its place, saying why it has no score.
    title = f"{zoning.spec.title}（第{zoning.spec.version}版）"
    in_place = re.escape(title) + ".*" + re.escape(first.title) + "[—]*不适用.*" + re.escape(second.title)
    assert re.search(in_place, flat)


def test_a_voided_draft_takes_no_photos(ws: Database, tmp_path: Path) -> None:
    # A phone's folder imported into the wrong (voided) draft, or a photo added to it some other way, is refused.
    from PIL import Image

    from inspections.workflow import add_item_photo, import_folder_photos, remove_item_photo, set_photo_caption

    inst = make_institution(ws, "上街区人民医院", level=2, fever=True)
    inspection_id = _start_preset(ws, inst, "发热门诊专项")
    with ws.session() as s:
        item = load_inspection(s, inspection_id).items()[0]
    photo = tmp_path / "IMG_0001.jpg"
    Image.new("RGB", (64, 48), (10, 120, 90)).save(photo, "JPEG")
    with ws.begin() as s:
        attachment = add_item_photo(s, "张三", inspection_id, item.item_id, photo.read_bytes(), filename=photo.name)
        void_inspection(s, "张三", inspection_id, reason="选错了医院")
    with ws.begin() as s, pytest.raises(ReadOnlyError, match="作废"):
        import_folder_photos(s, "张三", inspection_id, [(photo, item.item_id)])
    with ws.begin() as s, pytest.raises(ReadOnlyError, match="作废"):
        remove_item_photo(s, "张三", attachment)
    with ws.begin() as s, pytest.raises(ReadOnlyError, match="作废"):
        set_photo_caption(s, "张三", attachment, "分诊台")
    with ws.session() as s:
        assert len(load_inspection(s, inspection_id).items()[0].photos) == 1


def test_the_results_export_scores_and_labels_the_scope_as_the_feedback_report_does(ws: Database) -> None:
    from inspections.reports.gather import results_rows

    inst = make_institution(ws, "上街区人民医院", level=2, fever=True)
    inspection_id = _start_preset(ws, inst, "发热门诊专项")
    with ws.session() as s:
        view = load_inspection(s, inspection_id)
    triage, zoning = view.checklists[0], view.checklists[1]
    out_section = zoning.sections[0]
    out_codes = {i.code for i in out_section.items}
    # Answered before they were left out: the answers stay stored but count for nothing.
    answer_all(ws, inspection_id, fail_codes=[sorted(out_codes)[0]])
    with ws.begin() as s:
        set_scope(s, "张三", inspection_id, triage.template_id, mode="not_checked", reason="停诊")
        set_scope(s, "张三", inspection_id, zoning.template_id, section_code=out_section.code, mode="na")
        finalize_inspection(s, "张三", inspection_id)
    with ws.session() as s:
        export = results_rows(s, inspection_ids=[inspection_id])
        score = inspection_score(s, inspection_id)
    summary = {row.checklist_title: row for row in export.summary}
    assert summary[triage.spec.title].grade == "本次未检" and summary[triage.spec.title].percent is None
    assert summary[zoning.spec.title].percent == score.checklists[1].score == 100.0
    responses = {row.item_code: row.response for row in export.rows}
    assert {responses[c] for c in out_codes} == {"不适用"}
    assert {responses[i.code] for sec in triage.sections for i in sec.items} == {"本次未检"}


def test_check_scores_a_signed_inspection_as_finalize_did_scope_and_overall_rule_included(ws: Database) -> None:
    """`check` recomputes every stored score: an inspection finalized with a section out of scope (an answer given
    there before it was marked) and under the 'mean' rule across checklists, after which the rule went back to 'sum',
    is not reported as altered."""
    from inspections.integrity import check_database

    inst = make_institution(ws, "上街区人民医院", level=2, fever=True)
    inspection_id = _start_preset(ws, inst, "发热门诊专项")
    with ws.session() as s:
        view = load_inspection(s, inspection_id)
    loop = view.checklists[2]
    section = loop.sections[0]
    answer_all(
        ws,
        inspection_id,
        fail_codes=[sorted(i.code for i in section.items)[0], view.checklists[0].sections[0].items[0].code],
    )
    with ws.begin() as s:
        set_scope(
            s, "张三", inspection_id, loop.template_id, section_code=section.code, mode="not_checked", reason="停诊"
        )
        set_setting(s, "张三", "overall_rule", "mean")
    with ws.begin() as s:
        finalize_inspection(s, "张三", inspection_id)
    with ws.begin() as s:
        set_setting(s, "张三", "overall_rule", "sum")
    report = check_database(ws, full=True)
    assert not [p for p in report.problems if "不一致" in p], report.problems
