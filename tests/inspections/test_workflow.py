"""Inspections from start to signature: defaults, durable answers, finalize, findings, amendments, repeats."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from inspections.errors import NotFoundError, ReadOnlyError, UserError
from inspections.workflow import (
    add_item_photo,
    finalize_blockers,
    finalize_inspection,
    load_inspection,
    record_answer,
    start_inspection,
)
from models.audit import AuditEvent, verify_audit_chain
from models.database import Database, open_database
from models.finding import Finding
from models.inspection import Inspection, RoundEntry
from models.reference import Institution
from tests.helpers import answer_all, jpeg_bytes, make_institution

pytestmark = pytest.mark.postgres  # these run on SQLite and on the PostgreSQL test server

DAY = date(2026, 11, 10)


def _start(db: Database, inst: uuid.UUID, on: date = DAY, **kw: object) -> uuid.UUID:
    with db.begin() as s:
        return start_inspection(s, "张三", institution_id=inst, on=on, inspectors=["张三", "李四"], **kw)  # type: ignore[arg-type]


def test_checklists_default_to_those_that_apply_to_the_institution(ws: Database) -> None:
    fever = make_institution(ws, "上街区人民医院", level=2, fever=True)
    clinic = make_institution(ws, "峡窝镇卫生院", level=1, fever=False)
    fever_inspection, clinic_inspection = _start(ws, fever), _start(ws, clinic)
    with ws.session() as s:
        fever_codes = [c.spec.code for c in load_inspection(s, fever_inspection).checklists]
        clinic_codes = [c.spec.code for c in load_inspection(s, clinic_inspection).checklists]
    assert "fever-clinic-zoning" in fever_codes and "fever-clinic-loop" in fever_codes
    assert "fever-clinic-zoning" not in clinic_codes and "triage" in clinic_codes


def test_an_inspection_dated_before_2023_uses_the_dated_rules(ws: Database) -> None:
    inst = make_institution(ws, "二七区人民医院", level=2, fever=True)
    old_id, new_id = _start(ws, inst, on=date(2022, 6, 1)), _start(ws, inst)
    with ws.session() as s:
        old = {c.spec.code: c.spec for c in load_inspection(s, old_id).checklists}
        new = {c.spec.code: c.spec for c in load_inspection(s, new_id).checklists}
    assert old["health-monitoring"].effective_to == date(2023, 1, 7)
    assert new["health-monitoring"].effective_to is None
    assert new["health-monitoring"].version > old["health-monitoring"].version


def test_an_answer_is_in_the_database_once_its_unit_of_work_returns(ws: Database, tmp_path: object) -> None:
    inst = make_institution(ws, "金水区人民医院", level=2, fever=True)
    inspection_id = _start(ws, inst)
    with ws.session() as s:
        item = load_inspection(s, inspection_id).items()[0]
    with ws.begin() as s:
        record_answer(s, "张三", inspection_id, item.item_id, response="partial", points=1.5, note="标识不清")
    # A second, independent connection (another process would see the same) finds it.
    other = open_database(ws.engine.url.render_as_string(hide_password=False), ws.data_dir)
    with other.session() as s:
        saved = next(i for i in load_inspection(s, inspection_id).items() if i.item_id == item.item_id)
    other.close()
    assert (saved.response, saved.points, saved.note) == ("partial", 1.5, "标识不清")


def test_an_invalid_answer_is_refused_and_nothing_is_saved(ws: Database) -> None:
    inst = make_institution(ws, "惠济区人民医院", level=2, fever=True)
    inspection_id = _start(ws, inst)
    with ws.session() as s:
        item = load_inspection(s, inspection_id).items()[0]
    with pytest.raises(UserError, match="没有“maybe”这个选项"), ws.begin() as s:
        record_answer(s, "张三", inspection_id, item.item_id, response="maybe")
    with pytest.raises(UserError, match="不能调整分值"), ws.begin() as s:
        record_answer(s, "张三", inspection_id, item.item_id, response="pass", points=1.0)
    with ws.session() as s:
        assert load_inspection(s, inspection_id).items()[0].response is None


def test_finalize_lists_what_is_missing(ws: Database) -> None:
    inst = make_institution(ws, "管城区人民医院", level=2, fever=True)
    inspection_id = _start(ws, inst)
    with ws.session() as s:
        items = load_inspection(s, inspection_id).items()
    photo_item = next(i for i in items if i.spec.evidence == "photo-on-fail")
    with ws.begin() as s:
        record_answer(s, "张三", inspection_id, photo_item.item_id, response="fail")
    with ws.session() as s:
        blockers = {(b.code, b.message) for b in finalize_blockers(s, inspection_id)}
    assert (photo_item.code, "判为不符合或部分符合，但未填写问题描述") in blockers
    assert (photo_item.code, "不符合时须拍照留证，尚无照片") in blockers
    assert sum(1 for _code, message in blockers if message == "未作答") == len(items) - 1
    with pytest.raises(UserError, match="还不能完成检查"), ws.begin() as s:
        finalize_inspection(s, "张三", inspection_id)


def test_finalize_signs_creates_findings_and_makes_the_inspection_read_only(ws: Database) -> None:
    inst = make_institution(ws, "中原区人民医院", level=2, fever=True)
    inspection_id = _start(ws, inst)
    failed = answer_all(ws, inspection_id, fail_codes={"FZ2.5", "TR1.1"}, partial_codes={"IC1.1"})
    with ws.begin() as s:
        result = finalize_inspection(s, "张三", inspection_id, signatures={"inspectors": "张三、李四"},
                                     hospital_rep="院感科 王主任")
    assert len(result.finding_ids) == 3
    with ws.session() as s:
        inspection = s.get(Inspection, inspection_id)
        assert inspection is not None and inspection.status == "finalized"
        assert inspection.content_hash == result.content_hash and len(result.content_hash) == 64
        assert inspection.vetoed  # FZ2.5 (patients or contaminated gowns in the clean zone) is a critical item
        assert inspection.grade == "不合格（否决）"
        findings = {f.item_code: f for f in s.scalars(select(Finding))}
    assert set(findings) == {"FZ2.5", "TR1.1", "IC1.1"}
    assert findings["FZ2.5"].severity == "critical" and findings["FZ2.5"].deadline == DAY + timedelta(days=3)
    assert findings["IC1.1"].severity == "general" and findings["IC1.1"].deadline == DAY + timedelta(days=15)
    assert findings["FZ2.5"].problem == failed["FZ2.5"]
    assert findings["TR1.1"].requirement  # the item's remedy
    with ws.session() as s:
        item = next(i for i in load_inspection(s, inspection_id).items() if i.code == "TR1.2")
    with pytest.raises(ReadOnlyError, match="只读"), ws.begin() as s:
        record_answer(s, "张三", inspection_id, item.item_id, response="fail", note="x")


def test_amending_a_finalized_inspection_needs_a_reason_is_audited_and_rehashes(ws: Database) -> None:
    inst = make_institution(ws, "高新区人民医院", level=2, fever=True)
    inspection_id = _start(ws, inst)
    answer_all(ws, inspection_id, fail_codes={"TR1.1"})
    with ws.begin() as s:
        first_hash = finalize_inspection(s, "张三", inspection_id).content_hash
    with ws.session() as s:
        items = {i.code: i for i in load_inspection(s, inspection_id).items()}
    with ws.begin() as s:
        record_answer(s, "张三", inspection_id, items["TR1.1"].item_id, response="pass", note="",
                      reason="复核资料后确认已建立制度")
        record_answer(s, "张三", inspection_id, items["TR1.2"].item_id, response="fail", note="分诊点无标识",
                      reason="补录漏记问题")
    with ws.session() as s:
        inspection = s.get(Inspection, inspection_id)
        assert inspection is not None
        assert inspection.content_hash != first_hash and inspection.amendments == 2
        findings = {f.item_code: f.status for f in s.scalars(select(Finding))}
        amend_events = s.scalars(select(AuditEvent).where(AuditEvent.action == "inspection.amend")).all()
        assert verify_audit_chain(s) == []
    assert findings == {"TR1.1": "passed", "TR1.2": "open"}
    assert {e.reason for e in amend_events} == {"复核资料后确认已建立制度", "补录漏记问题"}


def test_a_failure_repeated_from_the_previous_inspection_is_flagged(ws: Database) -> None:
    inst = make_institution(ws, "上街区中医院", level=2, fever=True)
    first = _start(ws, inst, on=date(2026, 10, 12))
    answer_all(ws, first, fail_codes={"FZ2.3", "TR1.1"})
    with ws.begin() as s:
        finalize_inspection(s, "张三", first)
    second = _start(ws, inst)
    with ws.session() as s:
        previous = {i.code: i.previous for i in load_inspection(s, second).items()}
    assert previous["FZ2.3"] is not None and previous["FZ2.3"].label == "不符合"
    assert previous["FZ2.3"].date == date(2026, 10, 12)
    answer_all(ws, second, fail_codes={"FZ2.3", "TR1.2"})
    with ws.begin() as s:
        finalize_inspection(s, "张三", second)
    with ws.session() as s:
        repeat = {f.item_code: f.repeat for f in s.scalars(select(Finding).where(Finding.inspection_id == second))}
    assert repeat == {"FZ2.3": True, "TR1.2": False}


def test_finalizing_an_inspection_of_a_round_marks_its_entry_done(ws: Database) -> None:
    from inspections.rounds import create_round, round_detail

    inst = make_institution(ws, "经开区人民医院", level=2, fever=True)
    with ws.begin() as s:
        round_id = create_round(s, "张三", month="2026-11", team=["张三", "李四"])
    inspection_id = _start(ws, inst, round_id=round_id)
    answer_all(ws, inspection_id)
    with ws.begin() as s:
        finalize_inspection(s, "张三", inspection_id)
    with ws.session() as s:
        entry = s.scalars(select(RoundEntry).where(RoundEntry.round_id == round_id)).one()
        assert entry.status == "done"
        assert round_detail(s, round_id).coverage == 1.0


def test_photos_attach_to_items_and_are_part_of_the_signed_content(ws: Database) -> None:
    inst = make_institution(ws, "二七区妇幼保健院", level=2, fever=True)
    inspection_id = _start(ws, inst)
    with ws.session() as s:
        item = next(i for i in load_inspection(s, inspection_id).items() if i.spec.evidence == "photo-on-fail")
    with ws.begin() as s:
        add_item_photo(s, "张三", inspection_id, item.item_id, jpeg_bytes(), filename="现场.jpg")
    with ws.session() as s:
        shown = next(i for i in load_inspection(s, inspection_id).items() if i.item_id == item.item_id)
    assert len(shown.photos) == 1 and shown.photos[0].filename == "现场.jpg"
    assert shown.response is None  # a photo may come before the answer; the item stays unanswered


def test_a_note_before_the_answer_is_kept_and_the_item_still_blocks_finalizing(ws: Database) -> None:
    inst = make_institution(ws, "金水区中医院", level=2, fever=True)
    inspection_id = _start(ws, inst)
    with ws.session() as s:
        item = load_inspection(s, inspection_id).items()[0]
    with ws.begin() as s:
        record_answer(s, "张三", inspection_id, item.item_id, note="待查阅上月登记本")
    with ws.session() as s:
        shown = next(i for i in load_inspection(s, inspection_id).items() if i.item_id == item.item_id)
        blockers = {(b.code, b.message) for b in finalize_blockers(s, inspection_id)}
    assert (shown.response, shown.note) == (None, "待查阅上月登记本")
    assert (item.code, "未作答") in blockers
    with ws.begin() as s:
        record_answer(s, "张三", inspection_id, item.item_id, note="")
    with ws.session() as s:
        assert next(i for i in load_inspection(s, inspection_id).items() if i.item_id == item.item_id).note == ""


def test_unknown_ids_give_a_clear_error(ws: Database) -> None:
    with pytest.raises(NotFoundError, match="找不到检查记录"), ws.session() as s:
        load_inspection(s, uuid.uuid4())
    with pytest.raises(NotFoundError, match="找不到医疗机构"), ws.begin() as s:
        start_inspection(s, "张三", institution_id=uuid.uuid4(), on=DAY, inspectors=["张三"])


def test_a_deactivated_institution_cannot_be_inspected(ws: Database) -> None:
    inst = make_institution(ws, "已停业诊所", level=1)
    with ws.begin() as s:
        row = s.get(Institution, inst)
        assert row is not None
        row.active = False
    with pytest.raises(UserError, match="已停用"), ws.begin() as s:
        start_inspection(s, "张三", institution_id=inst, on=DAY, inspectors=["张三"])


def test_every_workflow_change_is_in_the_audit_chain(ws: Database) -> None:
    inst = make_institution(ws, "惠济区中医院", level=2, fever=True)
    inspection_id = _start(ws, inst)
    answer_all(ws, inspection_id, fail_codes={"TR1.1"})
    with ws.begin() as s:
        finalize_inspection(s, "张三", inspection_id)
    with ws.session() as s:
        actions = dict(s.execute(select(AuditEvent.action, func.count()).group_by(AuditEvent.action)).all())
        assert verify_audit_chain(s) == []
        answered = len(load_inspection(s, inspection_id).items())
    assert actions["inspection.start"] == 1 and actions["inspection.finalize"] == 1
    assert actions["inspection.answer"] == answered and actions["finding.create"] == 1
