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
import time
import uuid
from collections.abc import Callable
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
    signer_of,
)
from inspections.signing import Signer, encrypt_private_key, enrol_key, enrol_root, give_key, public_bytes, unlock
from inspections.workflow import scoped_inspections
from models.audit import append_audit
from models.base import new_id, utcnow
from models.keys import SigningKey
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
    "log_in",
    "require_login",
    "scope_institution",
    "scoped_findings",
    "scoped_inspections",
    "set_active",
    "signer_of",
    "unlock_user",
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
    _provision_key(session, user, password, acting_user(by), by.username if by else "local", first=first)
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
    actor = by.username if by else "local"
    own = by is not None and by.username == user.username and by.signer is not None
    if own and by is not None and by.signer is not None and by.signer.fingerprint == user.key_fingerprint:
        user.private_key = encrypt_private_key(by.signer.key, new_password)  # the same key, under the new password
    elif user.private_key:
        # Nobody can open the old key without the old password: the user gets a new one (rotation).
        _provision_key(session, user, new_password, acting_user(by), actor, first=False)
    user.failed_logins, user.locked = 0, False
    append_audit(
        session,
        actor=actor,
        action="user.password",
        entity="user",
        entity_id=user.id,
        after={"changed": True},
    )


def _provision_key(
    session: Session, user: User, password: str, by: CurrentUser | None, actor: str, *, first: bool
) -> None:
    """Give ``user`` a signing key on this machine (encrypted under ``password``) and enrol its public half:
    the first administrator's is the commission's root key; others are certified by the acting administrator's
    key. Without an administrator's key at hand the key stays unenrolled until ``users enrol`` (see README)."""
    key = give_key(user, password)
    session.flush()
    if first or (user.role == ADMIN and not _has_root(session)):
        enrol_root(session, actor, user, key)
        return
    if by is not None and by.signer is not None and by.role == ADMIN:
        enrol_key(
            session,
            by.signer,
            actor,
            public_key=base64.b64encode(public_bytes(key)).decode(),
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            institution_id=user.institution_id,
        )


def _has_root(session: Session) -> bool:
    return session.scalar(select(SigningKey.id).where(SigningKey.role == ADMIN).limit(1)) is not None


LOGIN_DELAY_AFTER = 5
"""Failed logins in a row after which each further attempt waits (1, 2, 4 … up to 30 seconds)."""
LOCKOUT_AFTER = 10
"""Failed logins in a row after which the account is locked until an administrator unlocks it."""
MAX_LOGIN_DELAY = 30.0
login_sleep: Callable[[float], None] = time.sleep
"""How a throttled login waits (tests replace it so they do not sleep)."""


def login_delay(failures: int) -> float:
    """Seconds a login attempt waits after ``failures`` failed attempts in a row."""
    if failures < LOGIN_DELAY_AFTER:
        return 0.0
    return min(MAX_LOGIN_DELAY, float(2 ** (failures - LOGIN_DELAY_AFTER)))


def authenticate(session: Session, username: str, password: str) -> CurrentUser:
    """Log in: the user, or PermissionDenied with one message for every failure (no hint which part was wrong).

    Every failure is audited and counted in ``session`` (the caller must commit it even though this raises; see
    log_in): after LOGIN_DELAY_AFTER failures each attempt waits longer, after LOCKOUT_AFTER the account is
    locked. The user's signing key is unlocked with the password (and made, for a user who has none yet)."""
    typed = username.strip()[:64]
    user = session.scalar(select(User).where(func.lower(User.username) == typed.lower()))
    delay = login_delay(user.failed_logins) if user is not None else 0.0
    if delay > 0:
        login_sleep(delay)
    # Hash even for an unknown user, so the answer takes the same time either way.
    ok = verify_password(password, user.password_hash if user else _DUMMY_HASH)
    if user is not None and user.locked:
        _failed(session, typed, user, "locked")
        raise PermissionDenied(f"用户“{user.username}”因多次密码错误已被锁定，请联系管理员解锁")
    if user is None or not ok:
        _failed(session, typed, user, "password")
        raise PermissionDenied("用户名或密码错误")
    if not user.active:
        raise PermissionDenied(f"用户“{user.username}”已被停用，请联系管理员")
    if user.failed_logins:
        user.failed_logins = 0
    if not user.private_key:
        _provision_key(session, user, password, None, user.username, first=False)
    signer = unlock(user, password)
    if signer is not None and user.role == ADMIN:
        _enrol_local_accounts(session, signer)
    return CurrentUser(user.username, user.role, user.institution_id, user.display_name, signer)


def _enrol_local_accounts(session: Session, signer: Signer) -> None:
    """Accounts of this database whose key is not enrolled yet (made at their first login after an upgrade, or
    while no administrator key was at hand) are certified when an administrator logs in: the administrator made
    these accounts. Keys of other machines are enrolled only by file (``users enrol``)."""
    from inspections.signing import key_infos

    known = key_infos(session)
    for other in session.scalars(select(User).where(User.public_key.is_not(None), User.active.is_(True))):
        if other.key_fingerprint in known or other.public_key is None:
            continue
        enrol_key(
            session,
            signer,
            signer.username,
            public_key=other.public_key,
            username=other.username,
            display_name=other.display_name,
            role=other.role,
            institution_id=other.institution_id,
        )


def _failed(session: Session, typed: str, user: User | None, why: str) -> None:
    after: dict[str, object] = {"why": why}
    if user is not None:
        user.failed_logins += 1
        user.last_failed_at = utcnow()
        after["failures"] = user.failed_logins
        if user.failed_logins >= LOCKOUT_AFTER and not user.locked:
            user.locked = True
            after["locked"] = True
    append_audit(
        session,
        actor=typed or "?",
        action="login.failed",
        entity="user",
        entity_id=user.id if user is not None else typed,
        after=after,
    )
    session.flush()


def log_in(near: Session, username: str, password: str) -> CurrentUser:
    """authenticate() in a unit of work of its own (on ``near``'s database, before ``near`` has begun anything) that
    is committed either way, so a failed attempt is counted and audited even though the caller's work is refused."""
    with Session(near.get_bind(), expire_on_commit=False) as session:
        try:
            user = authenticate(session, username, password)
        except PermissionDenied:
            session.commit()
            raise
        session.commit()
        return user


def unlock_user(session: Session, by: CurrentUser | None, username: str) -> None:
    """Lift a lockout after repeated wrong passwords (administrators)."""
    _require_admin(session, by)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFoundError(f"找不到用户“{username}”")
    before = {"locked": user.locked, "failures": user.failed_logins}
    user.locked, user.failed_logins = False, 0
    append_audit(
        session,
        actor=by.username if by else "local",
        action="user.unlock",
        entity="user",
        entity_id=user.id,
        before=before,
        after={"locked": False, "failures": 0},
    )


def require_login(session: Session, user: CurrentUser | None, action: str) -> None:
    """On a database with users, ``user`` must be logged in and allowed ``action`` (None: single-user mode)."""
    if user is None and user_count(session) > 0:
        raise PermissionDenied("该数据库已启用用户登录，请先登录")
    authorize(user, action)


_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
