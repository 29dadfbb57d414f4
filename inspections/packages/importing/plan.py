"""What planning an import learns about a package: its records, the local ids they map to, the entries."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.checklists.spec import ChecklistSpec
from inspections.errors import Problem
from inspections.packages.format import Package
from inspections.packages.importing.preview import PreviewEntry
from inspections.packages.records import template_key
from inspections.scoring import InspectionScore
from inspections.signing import KeyInfo, PackageSigner
from models.checklist import ChecklistTemplate


@dataclass
class Plan:
    package: Package
    entries: list[PreviewEntry] = field(default_factory=list)
    specs: dict[str, ChecklistSpec] = field(default_factory=dict)
    template_ids: dict[str, uuid.UUID] = field(default_factory=dict)  # checklist key → local id (known ones)
    checklist_versions: dict[str, int] = field(default_factory=dict)  # checklist key → exporter's version number
    local_versions: dict[str, int] = field(default_factory=dict)  # checklist key → version number here
    institution_ids: dict[str, uuid.UUID] = field(default_factory=dict)  # package id → local id
    institutions: dict[str, dict[str, Any]] = field(default_factory=dict)
    inspections: dict[str, dict[str, Any]] = field(default_factory=dict)
    findings: dict[str, dict[str, Any]] = field(default_factory=dict)
    photos: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    keys: dict[str, KeyInfo] = field(default_factory=dict)  # the keys known here with the package's certificates
    signer: PackageSigner | None = None  # who signed the package, verified
    users_here: bool = False  # the importing database has users: signatures are required
    team: dict[str, Any] | None = None  # the ``team`` object of an assignment or part package
    team_items: dict[str, Any] = field(default_factory=dict)  # what importing a team package does, by entry id
    part_seal: dict[str, Any] | None = None  # a part package's member signature, verified (kept on import)
    overall_rule: str = "sum"  # this database's rule across checklists (设置 overall_rule)
    scores: dict[str, InspectionScore] = field(default_factory=dict)  # finalized inspection id → its score here

    def status(self, entity: str, record_id: str) -> PreviewEntry:
        return next(e for e in self.entries if e.entity == entity and e.id == record_id)


def problem(plan: Plan, where: str, message: str) -> Problem:
    return Problem(plan.package.name, where, message)


def local_keys(session: Session) -> dict[str, uuid.UUID]:
    rows = session.execute(select(ChecklistTemplate.id, ChecklistTemplate.code, ChecklistTemplate.content_hash))
    return {template_key(code, h): tid for tid, code, h in rows}


def local_keys_inverse(session: Session) -> dict[uuid.UUID, str]:
    return {tid: key for key, tid in local_keys(session).items()}


def parse_datetime(text: str) -> datetime:
    return datetime.fromisoformat(text)
