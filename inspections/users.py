"""Users where the database is shared: accounts, password hashing (scrypt), login.

Roles and permission checks live in ``inspections.permissions`` (re-exported here); the scoped lists live with
the lists (``findings.scoped_findings``, ``workflow.scoped_inspections``), re-exported here too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inspections.errors import NotFoundError, PermissionDenied, UserError
from inspections.findings import scoped_findings
from inspections.labels import ROLES
from inspections.permissions import (
    ACTION_LABELS,
    ADMIN,
    HOSPITAL,
    INSPECTOR,
    PERMISSIONS,
    CurrentUser,
    acting_as,
    acting_user,
    authorize,
    authorize_finding,
    authorize_inspection,
    scope_institution,
)
from inspections.workflow import scoped_inspections
from models.audit import append_audit
from models.base import new_id
from models.reference import Institution, User

__all__ = [
    "ACTION_LABELS",
    "ADMIN",
    "HOSPITAL",
    "INSPECTOR",
    "MIN_PASSWORD",
    "PERMISSIONS",
    "CurrentUser",
    "UserRow",
    "acting_as",
    "acting_user",
    "add_user",
    "authenticate",
    "authorize",
    "authorize_finding",
    "authorize_inspection",
    "change_password",
    "hash_password",
    "list_users",
    "scope_institution",
    "scoped_findings",
    "scoped_inspections",
    "set_active",
    "user_count",
    "verify_password",
]

# scrypt: memory-hard, in the standard library. n=2**14, r=8 uses 16 MB and ~50 ms per hash on this machine.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_USERNAME = re.compile(r"^[A-Za-z0-9_.@\-\u4e00-\u9fff]{2,64}$")
MIN_PASSWORD = 8


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
