"""Who may do what: roles, the acting user, and the permission checks every service calls.

Kept apart from ``users`` (accounts, passwords, login) so that the services which check permissions (findings,
workflow, templates, …) do not import the module that lists their records.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.errors import NotFoundError, PermissionDenied
from inspections.labels import ROLES
from inspections.signing import Signer
from models.finding import Finding
from models.inspection import Inspection

ADMIN, INSPECTOR, HOSPITAL = "admin", "inspector", "hospital"

# What each role may do. The administrator may do everything; a hospital officer acts only on their own institution.
_INSPECTING = frozenset(
    {
        "inspection.view",
        "inspection.record",
        "finding.view",
        "finding.feedback",
        "finding.reinspect",
        "finding.note",
        "package.export",
        "package.import",
        "database.read",
    }
)
PERMISSIONS: dict[str, frozenset[str]] = {
    ADMIN: _INSPECTING | {"users.manage", "database.restore", "institution.manage", "checklist.manage"},
    INSPECTOR: _INSPECTING,
    HOSPITAL: frozenset(
        {"inspection.view", "finding.view", "finding.feedback", "package.export", "package.import", "database.read"}
    ),
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
    "database.read": "读取数据库",
}


@dataclass(frozen=True)
class CurrentUser:
    """Who is acting: ``None`` in place of a CurrentUser means the local single-user mode, where all is allowed.
    ``signer`` is the user's signing key, unlocked by the password at login (None: no key on this machine)."""

    username: str
    role: str  # admin | inspector | hospital
    institution_id: uuid.UUID | None = None
    display_name: str = ""
    signer: Signer | None = field(default=None, compare=False, repr=False)

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    def can(self, action: str) -> bool:
        return action in PERMISSIONS.get(self.role, frozenset())


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


def signer_of(user: CurrentUser | None) -> Signer | None:
    """The signing key of ``user`` (or of the acting_as user); None in single-user mode."""
    user = acting_user(user)
    return user.signer if user is not None else None


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
