"""Users and roles: slow password hashes, login, and roles enforced in the services, not only in the window."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import select

from inspections.errors import PermissionDenied, UserError
from inspections.findings import finding_detail, list_findings, record_feedback, record_reinspection
from inspections.institutions import InstitutionData, create_institution
from inspections.users import (
    CurrentUser,
    add_user,
    authenticate,
    authorize,
    change_password,
    hash_password,
    list_users,
    scoped_findings,
    scoped_inspections,
    set_active,
    verify_password,
)
from inspections.workflow import list_inspections, load_inspection, record_answer, start_inspection
from models.database import Database
from models.reference import User
from tests.inspections.packages.conftest import DAY, seed

pytestmark = pytest.mark.postgres

ADMIN = CurrentUser("admin", "admin")
INSPECTOR = CurrentUser("zhangwei", "inspector")


def test_passwords_are_stored_as_salted_slow_hashes() -> None:
    first, second = hash_password("正确的密码123"), hash_password("正确的密码123")
    assert first != second and first.startswith("scrypt$16384$8$1$")
    assert "正确的密码123" not in first
    assert verify_password("正确的密码123", first)
    assert not verify_password("错误的密码123", first)
    assert not verify_password("anything", "garbage") and not verify_password("anything", None)


def test_the_first_user_is_an_administrator_who_then_manages_the_others(db: Database) -> None:
    with db.begin() as s:
        with pytest.raises(UserError, match="第一个用户必须是管理员"):
            add_user(s, None, username="zhangwei", password="password1", role="inspector")
        add_user(s, None, username="admin", password="password1", role="admin")
        with pytest.raises(PermissionDenied, match="请先以管理员身份登录"):
            add_user(s, None, username="lina", password="password1", role="inspector")
        add_user(s, ADMIN, username="zhangwei", password="password2", role="inspector", display_name="张伟")
        with pytest.raises(UserError, match="已存在"):
            add_user(s, ADMIN, username="ZhangWei", password="password3", role="inspector")
        with pytest.raises(UserError, match="须指定所属医疗机构"):
            add_user(s, ADMIN, username="liu", password="password3", role="hospital")
    with db.session() as s:
        assert [(u.username, u.role_label) for u in list_users(s, ADMIN)] == [
            ("admin", "管理员"),
            ("zhangwei", "督导专家"),
        ]
        assert authenticate(s, "zhangwei", "password2") == CurrentUser("zhangwei", "inspector", None, "张伟")
        with pytest.raises(PermissionDenied, match="用户名或密码错误"):
            authenticate(s, "zhangwei", "password1")
        with pytest.raises(PermissionDenied, match="用户名或密码错误"):
            authenticate(s, "nobody", "password1")
        stored = s.scalars(select(User.password_hash).where(User.username == "zhangwei")).one()
        assert stored is not None and "password2" not in stored


def test_an_inspector_cannot_manage_users(db: Database) -> None:
    with db.begin() as s:
        add_user(s, None, username="admin", password="password1", role="admin")
        add_user(s, ADMIN, username="zhangwei", password="password2", role="inspector")
    with db.begin() as s:
        inspector = authenticate(s, "zhangwei", "password2")
        with pytest.raises(PermissionDenied, match=r"督导专家.*无权管理用户"):
            add_user(s, inspector, username="lina", password="password3", role="admin")
        with pytest.raises(PermissionDenied):
            list_users(s, inspector)
        with pytest.raises(PermissionDenied):
            change_password(s, inspector, "admin", "takeover123")
        with pytest.raises(PermissionDenied):
            set_active(s, inspector, "admin", False)
        change_password(s, inspector, "zhangwei", "newpassword9")  # one's own password is fine
    with db.begin() as s:
        set_active(s, ADMIN, "zhangwei", False)
    with db.session() as s:
        assert authenticate(s, "admin", "password1").role == "admin"
        with pytest.raises(PermissionDenied, match="已被停用"):
            authenticate(s, "zhangwei", "newpassword9")


def test_a_hospital_officer_sees_only_their_own_institution(db: Database) -> None:
    ours = seed(db)
    with db.begin() as s:
        other_id = create_institution(s, "admin", InstitutionData(name="第二人民医院", code="H002", level=2))
        s.flush()
        other_inspection = start_inspection(
            s, "张伟", institution_id=other_id, on=DAY, inspectors=["张伟"], template_ids=[ours.template_id]
        )
    officer = CurrentUser("liu", "hospital", ours.institution_id)
    with db.session() as s:
        assert {f.id for f in scoped_findings(s, officer, today=DAY)} == set(ours.finding_ids)
        assert {i.id for i in scoped_inspections(s, officer)} == {ours.inspection_id}
        assert {i.id for i in scoped_inspections(s, INSPECTOR)} == {ours.inspection_id, other_inspection}
        with pytest.raises(PermissionDenied, match="本机构"):
            scoped_findings(s, officer, today=DAY, institution_id=other_id)
        with pytest.raises(PermissionDenied, match="本机构"):
            scoped_inspections(s, officer, institution_id=other_id)
        # The services themselves apply the same limits when given the user.
        assert {f.id for f in list_findings(s, today=DAY, user=officer)} == set(ours.finding_ids)
        assert {i.id for i in list_inspections(s, user=officer)} == {ours.inspection_id}
        assert load_inspection(s, ours.inspection_id, user=officer).institution_id == ours.institution_id
        with pytest.raises(PermissionDenied, match="本机构"):
            load_inspection(s, other_inspection, user=officer)
        stranger = CurrentUser("zhao", "hospital", other_id)
        with pytest.raises(PermissionDenied, match="本机构"):
            finding_detail(s, ours.finding_ids[0], today=DAY, user=stranger)
        assert list_findings(s, today=DAY, user=stranger) == []


def test_a_hospital_officer_can_only_add_feedback(db: Database) -> None:
    ours = seed(db)
    officer = CurrentUser("liu", "hospital", ours.institution_id)
    stranger = CurrentUser("zhao", "hospital", uuid.uuid4())
    with db.begin() as s:
        item = load_inspection(s, ours.inspection_id).items()[0]
        with pytest.raises(PermissionDenied, match=r"医院感控人员.*无权录入或修改检查"):
            record_answer(s, "liu", ours.inspection_id, item.item_id, response="pass", reason="自己改", user=officer)
        with pytest.raises(PermissionDenied):
            start_inspection(s, "liu", institution_id=ours.institution_id, on=DAY, inspectors=["刘"], user=officer)
        with pytest.raises(PermissionDenied, match="无权记录复查结论"):
            record_reinspection(s, "liu", ours.finding_ids[0], passed=True, user=officer)
        with pytest.raises(PermissionDenied, match="本机构"):
            record_feedback(s, "zhao", ours.finding_ids[0], measure="改了", department="门诊部", user=stranger)
        record_feedback(s, "liu", ours.finding_ids[0], measure="已整改", department="门诊部", user=officer)
        record_reinspection(s, "张伟", ours.finding_ids[0], passed=True, user=INSPECTOR, today=date(2026, 11, 20))


def test_without_a_user_everything_is_allowed_and_unknown_actions_are_bugs() -> None:
    authorize(None, "users.manage")
    authorize(ADMIN, "users.manage")
    with pytest.raises(ValueError):
        authorize(ADMIN, "no.such.action")
