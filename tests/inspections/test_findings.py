"""Rectification: 待整改 → 已反馈 → 复查通过 / 复查未通过 with a new deadline; overdue derived from the date."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from inspections.errors import ConflictError, UserError
from inspections.findings import finding_detail, list_findings, record_feedback, record_reinspection
from inspections.workflow import finalize_inspection, start_inspection
from models.database import Database
from tests.helpers import answer_all, jpeg_bytes, make_institution

pytestmark = pytest.mark.postgres  # these run on SQLite and on the PostgreSQL test server

DAY = date(2026, 11, 2)


def _findings(ws: Database) -> tuple[uuid.UUID, dict[str, uuid.UUID]]:
    inst = make_institution(ws, "中原区人民医院", level=2, fever=True)
    with ws.begin() as s:
        inspection_id = start_inspection(s, "张三", institution_id=inst, on=DAY, inspectors=["张三"])
    answer_all(ws, inspection_id, fail_codes={"FZ2.5", "TR1.1"})
    with ws.begin() as s:
        finalize_inspection(s, "张三", inspection_id)
    with ws.session() as s:
        rows = list_findings(s, today=DAY)
    return inst, {r.item_code: r.id for r in rows}


def test_overdue_is_derived_from_the_date_and_open_findings_only(ws: Database) -> None:
    _inst, ids = _findings(ws)
    with ws.session() as s:
        assert list_findings(s, today=DAY, overdue_only=True) == []
        late = {r.item_code: r.overdue_days for r in list_findings(s, today=DAY + timedelta(days=10))}
        only_late = [r.item_code for r in list_findings(s, today=DAY + timedelta(days=10), overdue_only=True)]
    assert late == {"FZ2.5": 7, "TR1.1": 0}  # 3 days for a critical item, 15 otherwise
    assert only_late == ["FZ2.5"]
    with ws.begin() as s:
        record_feedback(s, "院感科", ids["FZ2.5"], measure="已加强区域门禁管理", department="后勤保障科")
    with ws.session() as s:
        assert list_findings(s, today=DAY + timedelta(days=10), overdue_only=True) == []


def test_feedback_then_failed_reinspection_sets_a_new_deadline_then_passes(ws: Database) -> None:
    _inst, ids = _findings(ws)
    finding = ids["FZ2.5"]
    with ws.begin() as s:
        record_feedback(s, "院感科", finding, measure="已加强区域门禁管理", department="后勤保障科",
                        photos=[(jpeg_bytes(), "整改后.jpg")])
    with ws.begin() as s:
        record_reinspection(s, "张三", finding, passed=False, note="仍有患者越区", today=DAY + timedelta(days=5))
    with ws.session() as s:
        detail = finding_detail(s, finding, today=DAY + timedelta(days=5))
    assert detail.row.status_label == "复查未通过"
    assert detail.row.deadline == DAY + timedelta(days=12)  # the reinspection_days setting (7) from the verdict
    assert [e.kind for e in detail.events] == ["created", "feedback", "failed"]
    assert detail.events[1].photos[0][2] == "整改后.jpg" and detail.events[1].department == "后勤保障科"
    with ws.begin() as s:
        record_feedback(s, "院感科", finding, measure="更换门禁控制器", department="后勤保障科")
        record_reinspection(s, "张三", finding, passed=True, note="复查合格")
    with ws.session() as s:
        assert finding_detail(s, finding, today=DAY).row.status_label == "复查通过"


def test_the_rules_of_the_rectification_loop_are_enforced(ws: Database) -> None:
    _inst, ids = _findings(ws)
    with pytest.raises(UserError, match="请填写整改措施"), ws.begin() as s:
        record_feedback(s, "院感科", ids["TR1.1"], measure=" ", department="院感科")
    with pytest.raises(UserError, match="复查未通过时请填写原因"), ws.begin() as s:
        record_reinspection(s, "张三", ids["TR1.1"], passed=False)
    with ws.begin() as s:
        record_reinspection(s, "张三", ids["TR1.1"], passed=True)
    with pytest.raises(UserError, match="不能再提交整改反馈"), ws.begin() as s:
        record_feedback(s, "院感科", ids["TR1.1"], measure="x", department="y")


def test_a_stale_edit_is_a_conflict_not_an_overwrite(ws: Database) -> None:
    _inst, ids = _findings(ws)
    with ws.session() as s:
        seen = finding_detail(s, ids["TR1.1"], today=DAY).row.version
    with ws.begin() as s:
        record_feedback(s, "院感科", ids["TR1.1"], measure="制度已建立", department="院感科", expected_version=seen)
    with pytest.raises(ConflictError, match="已被他人修改") as err, ws.begin() as s:
        record_reinspection(s, "张三", ids["TR1.1"], passed=True, expected_version=seen)
    assert err.value.theirs["status"] == "feedback"  # type: ignore[index]
