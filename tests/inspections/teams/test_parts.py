"""Parts of a team inspection: who holds what, what a member may change, each member's progress."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import select

from inspections.errors import NotFoundError, PermissionDenied, ReadOnlyError, UserError
from inspections.institutions import InstitutionData, create_institution
from inspections.teams import assign_part, part_statement, parts_of, team_progress, unassign_member
from inspections.users import CurrentUser, add_user
from inspections.workflow import load_inspection, record_answer, start_inspection
from models.checklist import ChecklistItem, ChecklistTemplate
from models.database import Database

LEAD = CurrentUser("lead", "inspector", display_name="王组长")


def _team(ws: Database) -> uuid.UUID:
    with ws.begin() as s:
        add_user(s, None, username="admin", password="admin-password-1", role="admin")
        admin = CurrentUser("admin", "admin")
        for username, name in (("lead", "王组长"), ("li", "李专家"), ("zhao", "赵专家")):
            add_user(s, admin, username=username, password=f"{username}-password-1", role="inspector",
                     display_name=name)
        institution = create_institution(s, "admin", InstitutionData(name="第一人民医院", level=2,
                                                                     has_fever_clinic=True), user=admin)
        codes = ("triage", "fever-clinic-zoning")
        templates = [s.scalar(select(ChecklistTemplate.id).where(ChecklistTemplate.code == code)
                              .order_by(ChecklistTemplate.version.desc())) for code in codes]
        return start_inspection(s, "lead", institution_id=institution, on=date(2026, 11, 20), inspectors=["王组长"],
                                template_ids=[t for t in templates if t is not None], user=LEAD)


def _items(ws: Database, inspection_id: uuid.UUID, code: str) -> list[uuid.UUID]:
    with ws.session() as s:
        view = load_inspection(s, inspection_id)
        return [i.item_id for c in view.checklists if c.spec.code == code for sec in c.sections for i in sec.items]


def test_a_member_changes_only_their_part_and_the_lead_everything(ws: Database) -> None:
    inspection_id = _team(ws)
    with ws.begin() as s:
        parts = assign_part(s, "lead", inspection_id, "li", checklists=["triage"], user=LEAD)
        assign_part(s, "lead", inspection_id, "zhao", checklists=["fever-clinic-zoning"], user=LEAD)
    assert [p.label for p in parts] == ["预检分诊"]
    triage, fever = _items(ws, inspection_id, "triage"), _items(ws, inspection_id, "fever-clinic-zoning")
    with ws.begin() as s:
        record_answer(s, "li", inspection_id, triage[0], response="pass")
    with pytest.raises(ReadOnlyError, match="赵专家"), ws.begin() as s:
        record_answer(s, "li", inspection_id, fever[0], response="pass")
    with ws.begin() as s:  # the lead may answer anything
        record_answer(s, "lead", inspection_id, fever[0], response="fail", note="缓冲间门未关")
    with ws.session() as s:
        progress = {p.member: (p.answered, p.total) for p in team_progress(s, inspection_id)}
        inspectors = load_inspection(s, inspection_id).inspectors
    assert progress == {"li": (1, len(triage)), "zhao": (1, len(fever))}
    assert set(inspectors) >= {"王组长", "李专家", "赵专家"}


def test_sections_overlap_and_replace(ws: Database) -> None:
    inspection_id = _team(ws)
    with ws.session() as s:
        tid = s.scalar(select(ChecklistTemplate.id).where(ChecklistTemplate.code == "fever-clinic-zoning")
                       .order_by(ChecklistTemplate.version.desc()))
        first_section = s.scalar(select(ChecklistItem).where(ChecklistItem.template_id == tid)
                                 .order_by(ChecklistItem.position)).section.code
    with ws.begin() as s:
        section = f"fever-clinic-zoning/{first_section}"
        assign_part(s, "lead", inspection_id, "li", checklists=["triage"], sections=[section], user=LEAD)
        assign_part(s, "lead", inspection_id, "zhao", checklists=["fever-clinic-zoning"], user=LEAD)
        assert [(p.template_code, p.section_code) for p in parts_of(s, inspection_id, "li")] == [
            ("triage", ""), ("fever-clinic-zoning", first_section)]
        # Assigning again replaces the member's parts.
        assign_part(s, "lead", inspection_id, "li", checklists=["triage"], user=LEAD)
        assert [(p.template_code, p.section_code) for p in parts_of(s, inspection_id, "li")] == [("triage", "")]
        unassign_member(s, "lead", inspection_id, "li", user=LEAD)
        assert parts_of(s, inspection_id, "li") == []


def test_wrong_assignments_are_refused_in_words(ws: Database) -> None:
    inspection_id = _team(ws)
    with pytest.raises(NotFoundError, match="找不到用户“nobody”"), ws.begin() as s:
        assign_part(s, "lead", inspection_id, "nobody", checklists=["triage"], user=LEAD)
    with pytest.raises(UserError, match="不在本次检查中"), ws.begin() as s:
        assign_part(s, "lead", inspection_id, "li", checklists=["medical-waste"], user=LEAD)
    with pytest.raises(UserError, match="没有部分"), ws.begin() as s:
        assign_part(s, "lead", inspection_id, "li", sections=["no-such-section"], user=LEAD)
    with pytest.raises(UserError, match="至少指定"), ws.begin() as s:
        assign_part(s, "lead", inspection_id, "li", user=LEAD)
    with pytest.raises(PermissionDenied, match="组长"), ws.begin() as s:
        assign_part(s, "li", inspection_id, "li", checklists=["triage"], user=CurrentUser("li", "inspector"))


def test_the_part_statement_follows_the_answers(ws: Database) -> None:
    inspection_id = _team(ws)
    with ws.begin() as s:
        assign_part(s, "lead", inspection_id, "li", checklists=["triage"], user=LEAD)
    triage = _items(ws, inspection_id, "triage")
    with ws.session() as s:
        empty = part_statement(s, inspection_id, "li")
    with ws.begin() as s:
        record_answer(s, "li", inspection_id, triage[0], response="pass")
    with ws.session() as s:
        answered = part_statement(s, inspection_id, "li")
    with ws.begin() as s:
        record_answer(s, "li", inspection_id, triage[0], note="抽查 3 人")
    with ws.session() as s:
        noted = part_statement(s, inspection_id, "li")
    assert empty.items == ()
    assert len(answered.items) == 1 and answered.items[0][0] == "triage"
    assert len({empty.digest, answered.digest, noted.digest}) == 3
