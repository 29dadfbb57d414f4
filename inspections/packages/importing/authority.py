"""Who may import what. Every permission check of an import is made here, so a package's own authority (who
signed it) has one place to be checked too."""

from __future__ import annotations

import uuid

from inspections.errors import UserError
from inspections.packages.format import Package
from inspections.permissions import HOSPITAL, CurrentUser, acting_user, authorize


def check_importer(user: CurrentUser | None) -> None:
    """May ``user`` import packages at all (before anything in the package is read)."""
    authorize(user, "package.import")


def check_package_kind(package: Package, user: CurrentUser | None) -> None:
    """May ``user`` import a package of this kind: a hospital officer only rectification notices."""
    user = acting_user(user)
    if user is not None and user.role == HOSPITAL and package.manifest.kind != "rectification":
        raise UserError("医院感控人员只能导入整改通知包")


def check_institution(user: CurrentUser | None, institution_id: uuid.UUID) -> None:
    """May ``user`` import records of this (local) institution: a hospital officer only their own."""
    authorize(user, "package.import", institution_id=institution_id)
