"""Gathering report data from the database: a signed inspection, its findings, the month's bulletin, exports."""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
from report_samples import flat, page_texts, unembedded_fonts
from sqlalchemy import select

from inspections.findings import record_feedback
from inspections.reports import documents
from inspections.reports.bulletin import build_bulletin
from inspections.reports.feedback import build_feedback_report
from inspections.reports.gather import bulletin_data, feedback_data, ledger_rows, notice_data, results_rows
from inspections.reports.notice import build_notice
from inspections.workflow import finalize_inspection, start_inspection
from models.database import Database
from models.finding import Finding
from models.inspection import Inspection
from tests.helpers import answer_all, make_institution

DAY = date(2026, 11, 10)
NOW = datetime(2026, 11, 28, 14, 3).astimezone()


def signed_inspection(ws: Database) -> uuid.UUID:
    institution = make_institution(ws, "中原区人民医院", level=2, fever=True)
    with ws.begin() as s:
        inspection_id = start_inspection(
            s, "张三", institution_id=institution, on=DAY, inspectors=["张三", "李四"], hospital_rep="王主任"
        )
    answer_all(ws, inspection_id, fail_codes={"FZ2.5", "TR1.1"}, partial_codes={"IC1.1"})
    with ws.begin() as s:
        finalize_inspection(s, "张三", inspection_id, signatures={"inspectors": "张三、李四", "hospital_rep": "王主任"})
    return inspection_id


def test_feedback_data_of_a_signed_inspection(ws: Database) -> None:
    inspection_id = signed_inspection(ws)
    with ws.session() as s:
        data = feedback_data(s, inspection_id, now=NOW)
        stored_hash = s.get(Inspection, inspection_id).content_hash  # type: ignore[union-attr]
    assert data.institution == "中原区人民医院" and data.status == "finalized"
    assert data.content_hash_short == stored_hash[:8]  # type: ignore[index]
    assert data.doc_number == "院感督〔2026〕1号"
    assert data.team == ("张三", "李四") and data.kind_label == "督导"
    assert [f.item_code for f in data.critical_failures] == ["FZ2.5"]
    assert {f.item_code for f in data.findings} == {"FZ2.5", "TR1.1", "IC1.1"}
    severe = next(f for f in data.findings if f.item_code == "FZ2.5")
    assert severe.severity == "严重" and severe.deadline == DAY + timedelta(days=3)
    assert any(row.vetoed and "FZ2.5" in row.veto_items[0] for row in data.checklists)
    assert all(row.formula for row in data.checklists)
    assert {p.item_code for p in data.photos} >= {"FZ2.5"}  # photo-on-fail evidence
    assert data.photos[0].jpeg[:2] == b"\xff\xd8"
    assert len(data.item_details) > 50

    buffer = io.BytesIO()
    build_feedback_report(data, buffer, invariant=True)
    text = flat("".join(page_texts(buffer.getvalue())))
    assert "中原区人民医院" in text and "FZ2.5" in text and f"校验码{stored_hash[:8]}" in text  # type: ignore[index]
    assert unembedded_fonts(buffer.getvalue()) == []


def test_a_draft_shows_the_findings_finalizing_would_create(ws: Database) -> None:
    institution = make_institution(ws, "二七区人民医院", level=2, fever=True)
    with ws.begin() as s:
        inspection_id = start_inspection(s, "张三", institution_id=institution, on=DAY, inspectors=["张三"])
    answer_all(ws, inspection_id, fail_codes={"TR1.1"})
    with ws.session() as s:
        data = feedback_data(s, inspection_id, now=NOW, with_details=False)
    assert data.status == "draft" and data.content_hash_short == ""
    assert [(f.item_code, f.severity) for f in data.findings] == [("TR1.1", "一般")]
    assert data.findings[0].deadline == DAY + timedelta(days=15)
    assert data.item_details == ()


def test_bulletin_notice_ledger_and_results_read_the_same_record(ws: Database) -> None:
    inspection_id = signed_inspection(ws)
    with ws.begin() as s:
        finding = s.scalars(select(Finding).where(Finding.item_code == "TR1.1")).one()
        record_feedback(s, "医院", finding.id, measure="已完善预检分诊制度", department="门诊部")
        institution_id = finding.institution_id
    with ws.session() as s:
        bulletin = bulletin_data(s, "2026-11", now=NOW)
        notice = notice_data(s, institution_id, now=NOW)
        ledger = ledger_rows(s, now=NOW)
        results = results_rows(s, month="2026-11", now=NOW)

    assert [r.institution for r in bulletin.ranking] == ["中原区人民医院"]
    assert bulletin.ranking[0].vetoed and bulletin.ranking[0].level == "二级"
    assert [p.month for p in bulletin.trend][-1] == "2026-11" and len(bulletin.trend) == 12
    assert sum(b.count for b in bulletin.distribution) == 1
    assert {o.institution for o in bulletin.overdue} == {"中原区人民医院"}  # FZ2.5 was due 2026-11-13
    buffer = io.BytesIO()
    build_bulletin(bulletin, buffer, invariant=True)
    assert "中原区人民医院" in flat("".join(page_texts(buffer.getvalue())))

    # TR1.1 has had feedback: the notice lists only what is still owed.
    assert {f.item_code for f in notice.findings} == {"FZ2.5", "IC1.1"}
    assert next(f for f in notice.findings if f.item_code == "FZ2.5").overdue_days == 15
    buffer = io.BytesIO()
    build_notice(notice, buffer, invariant=True)
    assert "逾期15天" in flat("".join(page_texts(buffer.getvalue())))

    by_code = {row.item_code: row for row in ledger}
    assert set(by_code) == {"FZ2.5", "TR1.1", "IC1.1"}
    assert by_code["TR1.1"].status == "已反馈" and "已完善预检分诊制度" in by_code["TR1.1"].feedback
    assert by_code["FZ2.5"].item_text  # the item's text from its checklist

    assert len({r.checklist_title for r in results.rows}) == len(results.summary)
    assert {r.item_code for r in results.rows if r.response == "不符合"} == {"FZ2.5", "TR1.1"}
    assert all(r.inspection_date == DAY for r in results.rows)
    assert results.summary[0].institution == "中原区人民医院"
    assert inspection_id


def test_one_call_per_document_writes_each_file(ws: Database, tmp_path: Path) -> None:
    inspection_id = signed_inspection(ws)
    with ws.session() as s:
        institution_id = s.get(Inspection, inspection_id).institution_id  # type: ignore[union-attr]
        documents.inspection_report(s, inspection_id, tmp_path / "反馈单.pdf", now=NOW)
        documents.bulletin(s, "2026-11", tmp_path / "通报.pdf", now=NOW)
        documents.notice(s, institution_id, tmp_path / "通知书.pdf", now=NOW)
        documents.ledger_pdf(s, tmp_path / "台账.pdf", now=NOW)
        assert documents.ledger_xlsx(s, tmp_path / "台账.xlsx", now=NOW).rows == 3
        assert documents.results_xlsx(s, tmp_path / "结果.xlsx", month="2026-11", now=NOW).rows > 50
    for name in ("反馈单.pdf", "通报.pdf", "通知书.pdf", "台账.pdf"):
        assert page_texts((tmp_path / name).read_bytes())[0].strip(), name
    assert openpyxl.load_workbook(tmp_path / "结果.xlsx")["汇总"].max_row > 1
