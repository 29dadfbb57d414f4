"""The content hash a signature vouches for: header, checklist versions, answers, photos and scope marks."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.rawids import raw_id
from inspections.workflow.loading import get_inspection
from models.checklist import ChecklistItem, ChecklistTemplate
from models.inspection import Attachment, Inspection, InspectionChecklist, InspectionScope, ItemResult


def content_digest(
    header: dict[str, Any],
    templates: list[list[Any]],
    results: list[list[Any]],
    scope: list[list[Any]] | None = None,
) -> str:
    """The signed digest of an inspection's content (shared by finalize, ``check`` and bulk generators).

    header: id, institution, kind, date, inspectors, hospital_rep, signatures; templates: [code, version, hash];
    results: [template code, item code, response, points, note, sorted photo sha256s]; scope: [template code,
    section code, mode, reason] of each checklist or section left out — in the digest only when there are any, so
    an inspection without them keeps the hash it was signed with before scope marks existed."""
    body = dict(header, templates=sorted(templates), results=sorted(results))
    if scope:
        body["scope"] = sorted(scope)
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digest_header(inspection: Inspection) -> dict[str, Any]:
    return {
        "id": str(inspection.id),
        "institution": str(inspection.institution_id),
        "kind": inspection.kind,
        "date": inspection.date.isoformat(),
        "inspectors": list(inspection.inspectors),
        "hospital_rep": inspection.hospital_rep,
        "signatures": dict(sorted(inspection.signatures.items())),
    }


def content_hash(session: Session, inspection_id: uuid.UUID) -> str:
    """sha256 over everything a signature vouches for: header, checklist versions, answers and photos."""
    get_inspection(session, inspection_id)
    return content_hashes(session, [inspection_id])[inspection_id]


def content_hashes(session: Session, inspection_ids: Sequence[uuid.UUID], batch: int = 400) -> dict[uuid.UUID, str]:
    """content_hash of many inspections with a few queries per batch (``check`` over a city's records)."""
    hashes: dict[uuid.UUID, str] = {}
    for start in range(0, len(inspection_ids), batch):
        chunk = list(inspection_ids[start : start + batch])
        templates: dict[uuid.UUID, list[list[Any]]] = {i: [] for i in chunk}
        for inspection_id, code, version, digest in session.execute(
            select(
                InspectionChecklist.inspection_id,
                ChecklistTemplate.code,
                ChecklistTemplate.version,
                ChecklistTemplate.content_hash,
            )
            .join(ChecklistTemplate, ChecklistTemplate.id == InspectionChecklist.template_id)
            .where(InspectionChecklist.inspection_id.in_(chunk))
        ):
            templates[inspection_id].append([code, version, digest])
        # The answers' ids are read raw (inspections.rawids): only matched with each other, never part of the digest.
        connection = session.connection()
        photos: dict[object, list[str]] = {}
        for result_id, sha in connection.execute(
            select(raw_id(Attachment.item_result_id), Attachment.sha256)
            .join(ItemResult, ItemResult.id == Attachment.item_result_id)
            .where(ItemResult.inspection_id.in_(chunk))
        ):
            if result_id is not None:
                photos.setdefault(result_id, []).append(sha)
        raw_results: dict[object, list[list[Any]]] = {}
        for inspection_raw, tcode, code, response, points, note, rid in connection.execute(
            select(
                raw_id(ItemResult.inspection_id),
                ChecklistTemplate.code,
                ChecklistItem.code,
                ItemResult.response,
                ItemResult.points,
                ItemResult.note,
                raw_id(ItemResult.id),
            )
            .join(ChecklistItem, ChecklistItem.id == ItemResult.item_id)
            .join(ChecklistTemplate, ChecklistTemplate.id == ChecklistItem.template_id)
            .where(ItemResult.inspection_id.in_(chunk))
        ).all():
            raw_results.setdefault(inspection_raw, []).append(
                [tcode, code, response, points, note, sorted(photos.get(rid, []))]
            )
        results: dict[uuid.UUID, list[list[Any]]] = {i: [] for i in chunk}
        for inspection_id, inspection_raw in connection.execute(
            select(Inspection.id, raw_id(Inspection.id)).where(Inspection.id.in_(chunk))
        ):
            results[inspection_id] = raw_results.get(inspection_raw, [])
        scope: dict[uuid.UUID, list[list[Any]]] = {i: [] for i in chunk}
        for inspection_id, tcode, section, mode, reason in session.execute(
            select(
                InspectionScope.inspection_id,
                ChecklistTemplate.code,
                InspectionScope.section_code,
                InspectionScope.mode,
                InspectionScope.reason,
            )
            .join(ChecklistTemplate, ChecklistTemplate.id == InspectionScope.template_id)
            .where(InspectionScope.inspection_id.in_(chunk))
        ):
            scope[inspection_id].append([tcode, section, mode, reason])
        for inspection in session.scalars(select(Inspection).where(Inspection.id.in_(chunk))):
            hashes[inspection.id] = content_digest(
                digest_header(inspection), templates[inspection.id], results[inspection.id], scope[inspection.id]
            )
    return hashes
