"""Writing packages: inspections (laptop → commission), rectification (commission → hospital), feedback (back).

Exporting only reads: nothing in the database is changed, deleted or audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.checklists.yaml_format import dump_checklist
from inspections.errors import NotFoundError, UserError
from inspections.findings import OPEN_STATUSES
from inspections.packages.format import KINDS, Progress, write_package
from inspections.packages.records import (
    finding_record,
    inspection_record,
    institution_record,
    record_photos,
    template_keys,
)
from inspections.photos import photo_bytes
from inspections.signing import certificate_chain, seal_record, seals_of
from inspections.templates import template_spec
from inspections.users import HOSPITAL, CurrentUser, acting_user, authorize
from models.base import utcnow
from models.checklist import ChecklistTemplate
from models.finding import Finding
from models.inspection import Blob, Inspection
from models.reference import Institution


@dataclass(frozen=True)
class ExportSummary:
    """What a package holds."""

    path: Path
    kind: str
    institutions: int
    checklists: int
    inspections: int
    findings: int
    photos: int

    @property
    def message(self) -> str:
        return (
            f"已导出{KINDS[self.kind]}「{self.path.name}」：{self.inspections} 份检查、{self.findings} 个整改项、"
            f"{self.photos} 张照片、{self.checklists} 个检查表版本、{self.institutions} 家医疗机构"
        )


def _write(
    session: Session,
    path: Path,
    kind: str,
    exporter: str,
    inspections: Sequence[Inspection],
    findings: Sequence[Finding],
    *,
    institution_id: uuid.UUID | None = None,
    description: str = "",
    progress: Progress | None = None,
    user: CurrentUser | None = None,
    team: dict[str, Any] | None = None,
    only_results: tuple[uuid.UUID, set[tuple[uuid.UUID, str]]] | None = None,
) -> ExportSummary:
    """Write the package, signed by ``user``'s key (unsigned in the single-user mode, where there is none).

    ``team``: the team object of an assignment or part package (its ``seal``, when there is one, is part of what the
    certificates must cover); ``only_results``: (inspection id, {(template id, item code)}) keeps only those answers
    of that inspection (a member's part)."""
    template_ids = {c.template_id for i in inspections for c in i.checklists}
    keys = template_keys(session, template_ids)
    inspection_records = [inspection_record(session, i, keys) for i in inspections]
    if only_results is not None:
        wanted = {(keys[tid], code) for tid, code in only_results[1]}
        for record in inspection_records:
            if record["id"] == str(only_results[0]):
                record["results"] = [r for r in record["results"] if (r["template"], r["item_code"]) in wanted]
    finding_records = [finding_record(session, f, keys) for f in findings]
    institution_ids = {i.institution_id for i in inspections} | {f.institution_id for f in findings}
    institutions = session.scalars(select(Institution).where(Institution.id.in_(institution_ids))).all()
    shas: set[str] = set()
    for record in [*inspection_records, *finding_records]:
        shas |= record_photos(record)
    # Photo metadata only: the bytes are read one photo at a time while the zip is written.
    blobs = {
        row.sha256: row
        for row in session.execute(
            select(Blob.sha256, Blob.mime, Blob.width, Blob.height, Blob.size).where(Blob.sha256.in_(shas))
        )
    }
    missing = shas - set(blobs)
    if missing:
        raise UserError(f"有 {len(missing)} 张照片在数据库中找不到（例如 {sorted(missing)[0][:12]}），请先运行“检查”")
    checklist_texts: dict[str, str] = {}
    checklist_records: list[dict[str, Any]] = []
    templates = session.scalars(select(ChecklistTemplate).where(ChecklistTemplate.id.in_(template_ids))).all()
    for template in sorted(templates, key=lambda t: (t.code, t.version)):
        entry = f"checklists/{template.code}-v{template.version}-{template.content_hash[:12]}.yaml"
        checklist_texts[entry] = dump_checklist(template_spec(session, template.id))
        checklist_records.append(
            {
                "key": keys[template.id],
                "code": template.code,
                "version": template.version,
                "content_hash": template.content_hash,
                "path": entry,
            }
        )
    user = acting_user(user)
    signer = user.signer if user is not None else None
    seal_fps = _attach_seals(session, inspection_records, finding_records)
    signer_info = None
    if signer is not None and user is not None:
        signer_info = {
            "username": signer.username,
            "display_name": user.display_name,
            "role": signer.role,
            "fingerprint": signer.fingerprint,
            "institution_id": str(signer.institution_id) if signer.institution_id else None,
        }
        seal_fps.add(signer.fingerprint)
    if team is not None and team.get("seal"):
        seal_fps.add(team["seal"]["fingerprint"])
    data: dict[str, Any] = {
        "institutions": [institution_record(i) for i in sorted(institutions, key=lambda i: str(i.id))],
        "checklists": checklist_records,
        "inspections": inspection_records,
        "findings": finding_records,
        "photos": [
            {"sha256": sha, "mime": b.mime, "width": b.width, "height": b.height, "size": b.size}
            for sha, b in sorted(blobs.items())
        ],
    }
    if team is not None:
        data["team"] = team
    write_package(
        path,
        kind=kind,
        exporter=exporter,
        created_at=utcnow(),
        data=data,
        checklists=checklist_texts,
        photos=sorted(shas),
        photo_bytes=lambda sha: photo_bytes(session, sha),
        institution_id=str(institution_id) if institution_id else None,
        description=description,
        progress=progress,
        signer=signer,
        signer_info=signer_info,
        certificates=certificate_chain(session, seal_fps),
    )
    return ExportSummary(
        Path(path),
        kind,
        len(institutions),
        len(checklist_records),
        len(inspection_records),
        len(finding_records),
        len(shas),
    )


def _attach_seals(
    session: Session, inspection_records: list[dict[str, Any]], finding_records: list[dict[str, Any]]
) -> set[str]:
    """Each record travels with its signatures (``seals``); returns the signers' key fingerprints."""
    fps: set[str] = set()
    by_inspection = seals_of(session, "inspection", [r["id"] for r in inspection_records])
    for record in inspection_records:
        record["seals"] = [seal_record(row) for row in by_inspection.get(record["id"], [])]
        fps.update(seal["fingerprint"] for seal in record["seals"])
    events = [e for f in finding_records for e in f["events"]]
    by_event = seals_of(session, "finding_event", [e["id"] for e in events])
    for event in events:
        event["seals"] = [seal_record(row) for row in by_event.get(event["id"], [])]
        fps.update(seal["fingerprint"] for seal in event["seals"])
    return fps


def export_inspections(
    session: Session,
    path: Path,
    *,
    exporter: str,
    inspection_ids: Sequence[uuid.UUID] = (),
    round_id: uuid.UUID | None = None,
    user: CurrentUser | None = None,
    progress: Progress | None = None,
) -> ExportSummary:
    """An inspection package: the chosen inspections (and/or a whole round) with results, findings and photos."""
    authorize(user, "package.export")
    user = acting_user(user)
    if user is not None and user.role == HOSPITAL:
        raise UserError("医院感控人员只能导出整改反馈包")
    wanted = set(inspection_ids)
    if round_id is not None:
        wanted |= set(
            session.scalars(
                select(Inspection.id).where(Inspection.round_id == round_id, Inspection.status != "voided")
            )
        )
    if not wanted:
        raise UserError("请选择要导出的检查（或一个督导批次）；所选批次中没有检查记录")
    inspections = session.scalars(select(Inspection).where(Inspection.id.in_(wanted))).all()
    found = {i.id for i in inspections}
    if found != wanted:
        raise NotFoundError(f"找不到检查记录（编号 {sorted(wanted - found, key=str)[0]}）")
    voided = [i for i in inspections if i.status == "voided"]
    if voided:
        raise UserError(f"检查（编号 {voided[0].id}）已作废，不能导出")
    inspections = sorted(inspections, key=lambda i: (i.date, str(i.id)))
    findings = session.scalars(
        select(Finding).where(Finding.inspection_id.in_(found)).order_by(Finding.deadline, Finding.id)
    ).all()
    return _write(session, path, "inspections", exporter, inspections, findings, progress=progress, user=user)


def _institution(session: Session, institution_id: uuid.UUID) -> Institution:
    institution = session.get(Institution, institution_id)
    if institution is None:
        raise NotFoundError(f"找不到医疗机构（编号 {institution_id}）")
    return institution


def _inspections_of(session: Session, findings: Sequence[Finding]) -> list[Inspection]:
    ids = {f.inspection_id for f in findings}
    return sorted(
        session.scalars(select(Inspection).where(Inspection.id.in_(ids))).all(), key=lambda i: (i.date, str(i.id))
    )


def export_rectification(
    session: Session,
    path: Path,
    institution_id: uuid.UUID,
    *,
    exporter: str,
    user: CurrentUser | None = None,
    progress: Progress | None = None,
) -> ExportSummary:
    """A rectification package for one institution: its open findings (待整改 / 复查未通过) with photos, item texts,
    deadlines and the inspections they came from."""
    authorize(user, "package.export")
    user = acting_user(user)
    if user is not None and user.role == HOSPITAL:
        raise UserError("医院感控人员只能导出整改反馈包")
    institution = _institution(session, institution_id)
    findings = session.scalars(
        select(Finding)
        .where(Finding.institution_id == institution_id, Finding.status.in_(OPEN_STATUSES))
        .order_by(Finding.deadline, Finding.id)
    ).all()
    if not findings:
        raise UserError(f"「{institution.name}」没有待整改的问题，无需导出整改通知包")
    return _write(
        session,
        path,
        "rectification",
        exporter,
        _inspections_of(session, findings),
        findings,
        institution_id=institution_id,
        description=f"{institution.name} 待整改问题 {len(findings)} 项",
        progress=progress,
        user=user,
    )


def export_feedback(
    session: Session,
    path: Path,
    institution_id: uuid.UUID,
    *,
    exporter: str,
    user: CurrentUser | None = None,
    progress: Progress | None = None,
) -> ExportSummary:
    """A feedback package from a hospital: its findings now 已反馈 (measure, department, "after" photos)."""
    authorize(user, "package.export", institution_id=institution_id)
    institution = _institution(session, institution_id)
    findings = session.scalars(
        select(Finding)
        .where(Finding.institution_id == institution_id, Finding.status == "feedback")
        .order_by(Finding.deadline, Finding.id)
    ).all()
    if not findings:
        raise UserError(f"「{institution.name}」还没有填报任何整改反馈，没有可导出的内容")
    return _write(
        session,
        path,
        "feedback",
        exporter,
        _inspections_of(session, findings),
        findings,
        institution_id=institution_id,
        description=f"{institution.name} 整改反馈 {len(findings)} 项",
        progress=progress,
        user=user,
    )
