"""The exported workbooks, cell for cell, against what the record's own views show (read another way: one
``load_inspection`` per inspection, the 整改跟踪 page's ``list_findings``), with a scope mark and adjusted points."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from inspections.demo import generate_demo
from inspections.findings import list_findings
from inspections.presets import checklist_presets, preset_template_ids
from inspections.reports import documents
from inspections.workflow import load_inspection, record_answer, set_scope, start_inspection
from models.checklist import ChecklistItem
from models.database import Database
from models.finding import Finding, FindingEvent
from models.inspection import Inspection
from models.reference import Institution
from tests.helpers import answer_all, make_institution

pytestmark = pytest.mark.postgres  # ids are read raw: as hex text on SQLite, as UUIDs on PostgreSQL

NOW = datetime(2026, 11, 28, 14, 3).astimezone()
DAY = date(2026, 10, 20)


def cells(path: Path, sheet: str) -> list[tuple[object, ...]]:
    book = openpyxl.load_workbook(path, read_only=True)
    return [tuple(row) for row in book[sheet].iter_rows(min_row=2, values_only=True)]


def blank(value: object) -> object:
    """How a cell reads back: "", False and None are an empty cell, a date a datetime."""
    if value == "" or value is None or value is False:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    return value


def scoped_draft(ws: Database) -> None:
    """A draft with a section left out (不适用) and a 部分符合 answer with points the inspector set."""
    inst = make_institution(ws, "上街区人民医院", level=2, fever=True)
    with ws.begin() as s:
        preset = next(p for p in checklist_presets(s) if p.name == "发热门诊专项")
        institution = s.get(Institution, inst)
        assert institution is not None
        ids = preset_template_ids(s, preset, institution, DAY)
        inspection_id = start_inspection(s, "张三", institution_id=inst, on=DAY, inspectors=["张三"], template_ids=ids)
    with ws.session() as s:
        view = load_inspection(s, inspection_id)
    zoning = view.checklists[1]
    answer_all(ws, inspection_id, fail_codes=[view.checklists[0].sections[0].items[0].code])
    adjustable = next(i for c in view.checklists[2:] for sec in c.sections for i in sec.items
                      if i.spec.response_set is None and i.spec.points >= 1)  # fmt: skip
    with ws.begin() as s:
        set_scope(s, "张三", inspection_id, zoning.template_id, section_code=zoning.sections[0].code, mode="na")
        record_answer(s, "张三", inspection_id, adjustable.item_id, response="partial", points=0.5, note="=部分")


def test_the_results_workbook_holds_what_each_inspection_shows(ws: Database, tmp_path: Path) -> None:
    generate_demo(ws, institutions=3, months=2, seed=7, end_month="2026-10")
    scoped_draft(ws)
    target = tmp_path / "结果.xlsx"
    rows, summary, sections = [], [], []
    with ws.session() as s:
        documents.results_xlsx(s, target, include_drafts=True, now=NOW)
        ids = s.scalars(select(Inspection.id).order_by(Inspection.date, Inspection.created_at, Inspection.id)).all()
        for inspection_id in ids:
            view = load_inspection(s, inspection_id)
            head = (view.institution_name, view.date, view.kind_label)
            for checklist, score in zip(view.checklists, view.score.checklists, strict=True):
                marks = [m for m in view.scope if m.template_id == checklist.template_id]
                whole = next((m for m in marks if not m.section_code), None)
                scored = {i.code: i for i in score.items}
                percent = round(score.score, 1) if score.basis == "percent" and score.score is not None else None
                grade = whole.mode_label if whole else score.grade
                summary.append((*head, score.title, score.earned, score.maximum, percent, grade, score.vetoed and "是"))
                sections += [
                    (*head, f"{score.title} / {sec.title}", sec.earned, sec.maximum,
                     None if sec.percent is None else round(sec.percent, 1))
                    for sec in score.sections
                ]  # fmt: skip
                for section in checklist.sections:
                    out = whole or next((m for m in marks if m.section_code == section.code), None)
                    for item in section.items:
                        got = scored.get(item.code)
                        response = out.mode_label if out else got.response_label if got else "未检查"
                        points = None if out or got is None else got.earned
                        rows.append((*head, checklist.spec.title, item.code, item.spec.text,
                                     "是" if item.spec.critical else None, response, points, item.spec.points,
                                     item.note))  # fmt: skip
    assert any(r[7] == "不适用" for r in rows) and any(r[8] == 0.5 and r[10] == "=部分" for r in rows)
    assert cells(target, "检查结果") == [tuple(blank(v) for v in r) for r in rows]
    assert cells(target, "汇总") == [tuple(blank(v) for v in r) for r in summary]
    assert cells(target, "分组小计") == [tuple(blank(v) for v in r) for r in sections]


def test_the_ledger_workbook_holds_what_the_findings_page_lists(ws: Database, tmp_path: Path) -> None:
    generate_demo(ws, institutions=4, months=3, seed=7, end_month="2026-11", today=NOW.date())
    target = tmp_path / "台账.xlsx"
    with ws.session() as s:
        documents.ledger_xlsx(s, target, now=NOW)
        listed = list_findings(s, today=NOW.date())
        texts = {finding_id: item_id for finding_id, item_id in s.execute(select(Finding.id, Finding.item_id))}
        events = s.execute(
            select(FindingEvent.finding_id, FindingEvent.kind, FindingEvent.at).order_by(FindingEvent.at)
        ).all()
        item_texts = {item_id: text for item_id, text in s.execute(select(ChecklistItem.id, ChecklistItem.text))}
    latest: dict[object, dict[str, str]] = {}
    for finding_id, kind, at in events:
        if kind in ("feedback", "passed", "failed"):
            latest.setdefault(finding_id, {})["feedback" if kind == "feedback" else "verdict"] = (
                at.astimezone().date().isoformat()
            )
    got = cells(target, "整改台账")
    assert len(got) == len(listed) > 20
    assert any(r.status in ("open", "failed") for r in listed) and any(r.overdue_days for r in listed)
    for n, (row, finding) in enumerate(zip(got, listed, strict=True), start=1):
        item_id = texts[finding.id]
        text = item_texts.get(item_id, "") if item_id else ""
        expected = (n, finding.institution_name, finding.item_code, text, finding.problem, finding.requirement,
                    finding.severity_label, finding.inspection_date, finding.deadline, finding.status_label,
                    finding.overdue_days or None, finding.responsible_dept)  # fmt: skip
        assert row[:12] == tuple(blank(v) for v in expected)
        # The latest feedback and verdict, each starting with its date.
        dates = latest.get(finding.id, {})
        assert (row[12] or "").startswith(dates.get("feedback", "")) and bool(row[12]) == ("feedback" in dates)
        assert (row[13] or "").startswith(dates.get("verdict", "")) and bool(row[13]) == ("verdict" in dates)
