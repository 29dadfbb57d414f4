"""A team inspection on one database whose users hold enrolled signing keys: the lead (王组长), 李专家 holding
预检分诊 (triage) and 赵专家 holding 发热门诊分区 (fever-clinic-zoning)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from inspections.institutions import InstitutionData, create_institution
from inspections.teams import assign_part
from inspections.users import CurrentUser, add_user, log_in
from inspections.workflow import add_item_photo, load_inspection, record_answer, start_inspection
from models.checklist import ChecklistTemplate
from models.database import Database
from tests.helpers import jpeg_bytes

PASSWORDS = {"admin": "admin-password-1", "lead": "lead-password-1", "li": "li-password-1", "zhao": "zhao-password-1"}
NAMES = {"admin": "系统管理员", "lead": "王组长", "li": "李专家", "zhao": "赵专家"}
PARTS = {"li": "triage", "zhao": "fever-clinic-zoning"}


@dataclass
class Team:
    db: Database
    inspection_id: uuid.UUID
    users: dict[str, CurrentUser]
    items: dict[str, list[uuid.UUID]]  # checklist code → its item ids in order

    def login(self, username: str) -> CurrentUser:
        with self.db.session() as s:
            return log_in(s, username, PASSWORDS[username])


def build_team(db: Database, *, keys: bool = True) -> Team:
    """The team, its inspection (a draft) and the parts; ``keys``: users log in with their signing keys."""
    with db.begin() as s:
        add_user(s, None, username="admin", password=PASSWORDS["admin"], role="admin", display_name=NAMES["admin"])
    with db.session() as s:
        admin = log_in(s, "admin", PASSWORDS["admin"])
    with db.begin() as s:
        for username in ("lead", "li", "zhao"):
            add_user(s, admin, username=username, password=PASSWORDS[username], role="inspector",
                     display_name=NAMES[username])
        institution = create_institution(s, "admin", InstitutionData(name="第一人民医院", level=2,
                                                                     has_fever_clinic=True), user=admin)
    users = {}
    for username in ("lead", "li", "zhao"):
        if keys:
            with db.session() as s:
                users[username] = log_in(s, username, PASSWORDS[username])
            assert users[username].signer is not None
        else:
            users[username] = CurrentUser(username, "inspector", display_name=NAMES[username])
    with db.begin() as s:
        templates = [s.scalar(select(ChecklistTemplate.id).where(ChecklistTemplate.code == code)
                              .order_by(ChecklistTemplate.version.desc())) for code in PARTS.values()]
        inspection_id = start_inspection(s, "lead", institution_id=institution, on=date(2026, 11, 20),
                                         inspectors=["王组长"], template_ids=[t for t in templates if t is not None],
                                         user=users["lead"])
        for member, code in PARTS.items():
            assign_part(s, "lead", inspection_id, member, checklists=[code], user=users["lead"])
    with db.session() as s:
        view = load_inspection(s, inspection_id)
        items = {c.spec.code: [i.item_id for sec in c.sections for i in sec.items] for c in view.checklists}
    return Team(db, inspection_id, users, items)


def answer_part(team: Team, member: str, *, fail_first: str = "") -> None:
    """The member answers every item of their part 符合 (the first one 不符合 with ``fail_first`` as its note),
    with the photos the checklist asks for."""
    code = PARTS[member]
    with team.db.session() as s:
        view = load_inspection(s, team.inspection_id)
        items = [i for c in view.checklists if c.spec.code == code for sec in c.sections for i in sec.items]
    user = team.users[member]
    with team.db.begin() as s:
        for n, item in enumerate(items):
            failing = n == 0 and bool(fail_first)
            record_answer(s, member, team.inspection_id, item.item_id, response="fail" if failing else "pass",
                          note=fail_first if failing else "", user=user)
            if item.spec.evidence == "photo-always" or (failing and item.spec.evidence != "none"):
                add_item_photo(s, member, team.inspection_id, item.item_id, jpeg_bytes(), filename=f"{item.code}.jpg")
