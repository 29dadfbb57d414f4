"""Users and roles where the database is shared: password hashing (scrypt), login, permission checks, scoped lists."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inspections.errors import NotFoundError, PermissionDenied, UserError
from inspections.labels import ROLES
from models.audit import append_audit
from models.base import new_id
from models.finding import Finding
from models.inspection import Inspection
from models.reference import Institution, User

if TYPE_CHECKING:
    from inspections.findings import FindingRow
    from inspections.workflow import InspectionRow

ADMIN, INSPECTOR, HOSPITAL = "admin", "inspector", "hospital"

# What each role may do. The administrator may do everything; a hospital officer acts only on their own institution.
PERMISSIONS: dict[str, frozenset[str]] = {
    ADMIN: frozenset(
        {
            "users.manage",
            "database.restore",
            "institution.manage",
            "checklist.manage",
            "inspection.view",
            "inspection.record",
            "finding.view",
            "finding.feedback",
            "finding.reinspect",
            "finding.note",
            "package.export",
            "package.import",
        }
    ),
    INSPECTOR: frozenset(
        {
            "inspection.view",
            "inspection.record",
            "finding.view",
            "finding.feedback",
            "finding.reinspect",
            "finding.note",
            "package.export",
            "package.import",
        }
    ),
    HOSPITAL: frozenset({"inspection.view", "finding.view", "finding.feedback", "package.export", "package.import"}),
}

ACTION_LABELS: dict[str, str] = {
    "users.manage": "管理用户",
    "database.restore": "从备份恢复数据库",
    "institution.manage": "管理医疗机构",
    "checklist.manage": "管理检查表",
    "inspection.view": "查看检查记录",
    "inspection.record": "录入或修改检查",
    "finding.view": "查看整改项",
    "finding.feedback": "填报整改反馈",
    "finding.reinspect": "记录复查结论",
    "finding.note": "添加整改备注",
    "package.export": "导出数据包",
    "package.import": "导入数据包",
}

# scrypt: memory-hard, in the standard library. n=2**14, r=8 uses 16 MB and ~50 ms per hash on this machine.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_USERNAME = re.compile(r"^[A-Za-z0-9_.@\-\u4e00-\u9fff]{2,64}$")
MIN_PASSWORD = 8


@dataclass(frozen=True)
class CurrentUser:
    """Who is acting: ``None`` in place of a CurrentUser means the local single-user mode, where all is allowed."""

    username: str
    role: str  # admin | inspector | hospital
    institution_id: uuid.UUID | None = None
    display_name: str = ""

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    def can(self, action: str) -> bool:
        return action in PERMISSIONS.get(self.role, frozenset())


@dataclass(frozen=True)
class UserRow:
    id: uuid.UUID
    username: str
    display_name: str
    role: str
    institution_id: uuid.UUID | None
    institution_name: str
    active: bool
    has_password: bool

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


# --- passwords -------------------------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """A salted scrypt hash: ``scrypt$n$r$p$salt$hash`` (base64)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches a hash made by hash_password (constant-time compare)."""
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=256 * 1024 * 1024,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# --- permission checks ---------------------------------------------------------------------------------------------

_acting: ContextVar[CurrentUser | None] = ContextVar("acting_user", default=None)


@contextmanager
def acting_as(user: CurrentUser | None) -> Iterator[None]:
    """Within the block, services called without ``user=`` act for ``user`` (the window's logged-in user), so a
    role is enforced even where a call site does not pass it."""
    token = _acting.set(user)
    try:
        yield
    finally:
        _acting.reset(token)


def acting_user(user: CurrentUser | None) -> CurrentUser | None:
    """``user`` if given, else whoever the current ``acting_as`` block acts for (None: single-user mode)."""
    return user if user is not None else _acting.get()


def authorize(user: CurrentUser | None, action: str, *, institution_id: uuid.UUID | None = None) -> None:
    """PermissionDenied unless ``user`` may do ``action`` (on ``institution_id``, for a hospital officer).

    ``None`` (and no ``acting_as`` block) is the local single-user mode: everything is allowed.
    """
    user = acting_user(user)
    if user is None:
        return
    if action not in ACTION_LABELS:
        raise ValueError(f"unknown action {action!r}")
    if not user.can(action):
        raise PermissionDenied(f"“{user.role_label}”角色无权{ACTION_LABELS[action]}（用户 {user.username}）")
    if user.role == HOSPITAL:
        if user.institution_id is None:
            raise PermissionDenied(f"用户 {user.username} 未绑定医疗机构，不能{ACTION_LABELS[action]}")
        if institution_id is not None and institution_id != user.institution_id:
            raise PermissionDenied(f"医院感控人员只能{ACTION_LABELS[action]}本机构的记录")


def authorize_inspection(session: Session, user: CurrentUser | None, action: str, inspection_id: uuid.UUID) -> None:
    """authorize() for the institution an inspection belongs to."""
    user = acting_user(user)
    if user is None:
        return
    institution_id = session.scalar(select(Inspection.institution_id).where(Inspection.id == inspection_id))
    if institution_id is None:
        raise NotFoundError(f"找不到检查记录（编号 {inspection_id}）")
    authorize(user, action, institution_id=institution_id)


def authorize_finding(session: Session, user: CurrentUser | None, action: str, finding_id: uuid.UUID) -> None:
    """authorize() for the institution a finding belongs to."""
    user = acting_user(user)
    if user is None:
        return
    institution_id = session.scalar(select(Finding.institution_id).where(Finding.id == finding_id))
    if institution_id is None:
        raise NotFoundError(f"找不到整改项（编号 {finding_id}）")
    authorize(user, action, institution_id=institution_id)


def scope_institution(
    user: CurrentUser | None, institution_id: uuid.UUID | None, action: str = "finding.view"
) -> uuid.UUID | None:
    """The institution a list must be restricted to: a hospital officer's own, whatever they asked for.

    Asking for another institution is PermissionDenied; others get what they asked for (None = all).
    """
    user = acting_user(user)
    if user is None or user.role != HOSPITAL:
        return institution_id
    authorize(user, action, institution_id=institution_id)
    return user.institution_id


def scoped_findings(
    session: Session,
    user: CurrentUser | None,
    *,
    today: date,
    institution_id: uuid.UUID | None = None,
    statuses: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[FindingRow]:
    """list_findings restricted to what ``user`` may see (a hospital officer: their institution only)."""
    from inspections.findings import list_findings

    authorize(user, "finding.view")
    scoped = scope_institution(user, institution_id)
    return list_findings(session, today=today, institution_id=scoped, statuses=statuses, limit=limit, user=user)


def scoped_inspections(
    session: Session, user: CurrentUser | None, *, institution_id: uuid.UUID | None = None, limit: int | None = None
) -> list[InspectionRow]:
    """list_inspections restricted to what ``user`` may see (a hospital officer: their institution only)."""
    from inspections.workflow import list_inspections

    authorize(user, "inspection.view")
    scoped = scope_institution(user, institution_id, "inspection.view")
    return list_inspections(session, institution_id=scoped, limit=limit, user=user)


# --- managing users --------------------------------------------------------------------------------------------------


def _as_user(row: User) -> CurrentUser:
    return CurrentUser(row.username, row.role, row.institution_id, row.display_name)


def user_count(session: Session) -> int:
    """How many users exist (0: the database runs in single-user mode)."""
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def _require_admin(session: Session, by: CurrentUser | None) -> None:
    """Managing users needs a logged-in administrator once any user exists (before that: the local owner)."""
    if by is None and user_count(session) > 0:
        raise PermissionDenied("该数据库已有用户，请先以管理员身份登录")
    authorize(by, "users.manage")


def add_user(
    session: Session,
    by: CurrentUser | None,
    *,
    username: str,
    password: str,
    role: str,
    institution_id: uuid.UUID | None = None,
    display_name: str = "",
) -> uuid.UUID:
    """Create a user (only an administrator may; the very first user must be an administrator)."""
    first = user_count(session) == 0
    if not first:
        _require_admin(session, by)
    username = username.strip()
    problems = []
    if not _USERNAME.match(username):
        problems.append("用户名须为 2–64 个字母、数字、汉字或 _ . @ -")
    if role not in ROLES:
        problems.append(f"角色“{role}”无效，可选：admin（管理员）、inspector（督导专家）、hospital（医院感控人员）")
    elif first and role != ADMIN:
        problems.append("第一个用户必须是管理员（admin）")
    if len(password) < MIN_PASSWORD:
        problems.append(f"密码至少 {MIN_PASSWORD} 位")
    if role == HOSPITAL and institution_id is None:
        problems.append("医院感控人员须指定所属医疗机构")
    if role != HOSPITAL and institution_id is not None:
        problems.append("只有医院感控人员需要指定所属医疗机构")
    if institution_id is not None and session.get(Institution, institution_id) is None:
        problems.append(f"找不到医疗机构（编号 {institution_id}）")
    if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None:
        problems.append(f"用户名“{username}”已存在")
    if problems:
        raise UserError("\n".join(problems))
    user = User(
        id=new_id(),
        username=username,
        display_name=display_name.strip(),
        role=role,
        institution_id=institution_id,
        password_hash=hash_password(password),
        active=True,
    )
    session.add(user)
    session.flush()
    append_audit(
        session,
        actor=by.username if by else "local",
        action="user.add",
        entity="user",
        entity_id=user.id,
        after={"username": username, "role": role, "institution": institution_id},
    )
    return user.id


def list_users(session: Session, by: CurrentUser | None) -> list[UserRow]:
    """Every user (administrators only)."""
    _require_admin(session, by)
    rows = session.execute(
        select(User, Institution.name)
        .outerjoin(Institution, Institution.id == User.institution_id)
        .order_by(User.role, User.username)
    )
    return [
        UserRow(u.id, u.username, u.display_name, u.role, u.institution_id, name or "", u.active, bool(u.password_hash))
        for u, name in rows
    ]


def set_active(session: Session, by: CurrentUser | None, username: str, active: bool) -> None:
    """Disable (or re-enable) a login; history written by the user stays."""
    _require_admin(session, by)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFoundError(f"找不到用户“{username}”")
    if by is not None and user.username == by.username and not active:
        raise UserError("不能停用自己的账号")
    if user.active == active:
        return
    user.active = active
    append_audit(
        session,
        actor=by.username if by else "local",
        action="user.enable" if active else "user.disable",
        entity="user",
        entity_id=user.id,
        before={"active": not active},
        after={"active": active},
    )


def change_password(session: Session, by: CurrentUser | None, username: str, new_password: str) -> None:
    """Set a new password: one's own, or anyone's for an administrator."""
    if by is None or by.username != username:
        _require_admin(session, by)
    if len(new_password) < MIN_PASSWORD:
        raise UserError(f"密码至少 {MIN_PASSWORD} 位")
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFoundError(f"找不到用户“{username}”")
    user.password_hash = hash_password(new_password)
    append_audit(
        session,
        actor=by.username if by else "local",
        action="user.password",
        entity="user",
        entity_id=user.id,
        after={"changed": True},
    )


def authenticate(session: Session, username: str, password: str) -> CurrentUser:
    """Log in: the user, or PermissionDenied with one message for every failure (no hint which part was wrong)."""
    user = session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    # Hash even for an unknown user, so the answer takes the same time either way.
    ok = verify_password(password, user.password_hash if user else _DUMMY_HASH)
    if user is None or not ok:
        raise PermissionDenied("用户名或密码错误")
    if not user.active:
        raise PermissionDenied(f"用户“{user.username}”已被停用，请联系管理员")
    return _as_user(user)


_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
