"""Exchange packages: inspections (laptop → commission) and the offline rectification loop (commission ⇄ hospital).

Every action is a plain function over a Session (the caller owns the unit of work):
``export_inspections`` / ``export_rectification`` / ``export_feedback`` write a package, ``export_assignment`` /
``export_part`` an expert team's (the lead's assignment to a member, a member's part back); ``read_package`` checks a
file completely, ``preview_package`` says what importing would do, ``apply_package`` does it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.orm import Session

from inspections.packages.exporting import ExportSummary, export_feedback, export_inspections, export_rectification
from inspections.packages.format import FORMAT_VERSION, KINDS, Manifest, Package, Progress, read_package
from inspections.packages.importing import (
    Decision,
    ImportResult,
    Preview,
    PreviewEntry,
    apply_package,
    preview_package,
)
from inspections.packages.team_export import export_assignment, export_part
from inspections.users import CurrentUser

__all__ = [
    "FORMAT_VERSION",
    "KINDS",
    "Decision",
    "ExportSummary",
    "ImportResult",
    "Manifest",
    "Package",
    "Preview",
    "PreviewEntry",
    "Progress",
    "apply_package",
    "export_assignment",
    "export_feedback",
    "export_inspections",
    "export_part",
    "export_rectification",
    "import_package",
    "preview_file",
    "preview_package",
    "read_package",
]


def preview_file(session: Session, path: Path, *, user: CurrentUser | None = None) -> Preview:
    """Check a package file and say what importing it would do (nothing is changed)."""
    return preview_package(session, read_package(path), user=user)


def import_package(
    session: Session,
    actor: str,
    path: Path,
    *,
    decisions: Mapping[str, Decision] | None = None,
    user: CurrentUser | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Check and apply a package file in the caller's unit of work (see apply_package)."""
    return apply_package(session, actor, read_package(path), decisions=decisions, user=user, progress=progress)
