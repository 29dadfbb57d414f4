"""Signing digests: everything an inspection or a finding event says, independent of the database it is in."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.signing.primitives import canonical
from models.checklist import ChecklistItem, ChecklistTemplate
from models.finding import FindingEvent
from models.inspection import Attachment, Inspection, InspectionChecklist, InspectionScope, ItemResult


def inspection_digests(
    session: Session, inspection_ids: Sequence[uuid.UUID], institution_refs: Mapping[uuid.UUID, str] | None = None
) -> dict[uuid.UUID, str]:
    """The signing digest of each inspection: header, finalize time, amendments, checklists by code and content
    hash, answers, notes, photos and scope marks. ``institution_refs`` names the institution as the signer knew it
    (its id in the signer's database); default the local id. Scores, grades and veto flags are not in it: they are
    derived and recomputed from the answers and the checklist versions, never taken from a record."""
    refs = institution_refs or {}
    ids = list(inspection_ids)
    templates: dict[uuid.UUID, list[list[Any]]] = {i: [] for i in ids}
    photos: dict[uuid.UUID, list[str]] = {}
    results: dict[uuid.UUID, list[list[Any]]] = {i: [] for i in ids}
    scope: dict[uuid.UUID, list[list[Any]]] = {i: [] for i in ids}
    digests: dict[uuid.UUID, str] = {}
    for start in range(0, len(ids), 400):
        chunk = ids[start : start + 400]
        for inspection_id, code, digest in session.execute(
            select(InspectionChecklist.inspection_id, ChecklistTemplate.code, ChecklistTemplate.content_hash)
            .join(ChecklistTemplate, ChecklistTemplate.id == InspectionChecklist.template_id)
            .where(InspectionChecklist.inspection_id.in_(chunk))
        ):
            templates[inspection_id].append([code, digest])
        for result_id, sha in session.execute(
            select(Attachment.item_result_id, Attachment.sha256)
            .join(ItemResult, ItemResult.id == Attachment.item_result_id)
            .where(ItemResult.inspection_id.in_(chunk))
        ):
            if result_id is not None:
                photos.setdefault(result_id, []).append(sha)
        for inspection_id, tdigest, code, response, points, note, rid in session.execute(
            select(
                ItemResult.inspection_id,
                ChecklistTemplate.content_hash,
                ChecklistItem.code,
                ItemResult.response,
                ItemResult.points,
                ItemResult.note,
                ItemResult.id,
            )
            .join(ChecklistItem, ChecklistItem.id == ItemResult.item_id)
            .join(ChecklistTemplate, ChecklistTemplate.id == ChecklistItem.template_id)
            .where(ItemResult.inspection_id.in_(chunk))
        ):
            results[inspection_id].append([tdigest, code, response, points, note, sorted(photos.get(rid, []))])
        for inspection_id, tdigest, section, mode, reason in session.execute(
            select(
                InspectionScope.inspection_id,
                ChecklistTemplate.content_hash,
                InspectionScope.section_code,
                InspectionScope.mode,
                InspectionScope.reason,
            )
            .join(ChecklistTemplate, ChecklistTemplate.id == InspectionScope.template_id)
            .where(InspectionScope.inspection_id.in_(chunk))
        ):
            scope[inspection_id].append([tdigest, section, mode, reason])
        for i in session.scalars(select(Inspection).where(Inspection.id.in_(chunk))):
            digests[i.id] = inspection_digest(
                {
                    "id": str(i.id),
                    "institution": refs.get(i.id, str(i.institution_id)),
                    "kind": i.kind,
                    "date": i.date.isoformat(),
                    "inspectors": list(i.inspectors),
                    "hospital_rep": i.hospital_rep,
                    "signatures": dict(i.signatures),
                    "finalized_at": i.finalized_at.isoformat() if i.finalized_at else None,
                    "amendments": i.amendments,
                },
                templates[i.id],
                results[i.id],
                scope[i.id],
            )
    return digests


def inspection_digest(
    header: Mapping[str, Any],
    templates: list[list[Any]],
    results: list[list[Any]],
    scope: list[list[Any]] | None = None,
) -> str:
    """sha256 over an inspection's signed content (see inspection_digests; a package's record gives the same).
    ``scope``: [checklist content hash, section code, mode, reason] of what was left out; in the body only when
    there is any, so an inspection without scope marks keeps the digest it was signed with before they existed."""
    body = {"type": "inspection", "v": 1, **header, "templates": sorted(templates), "results": sorted(results)}
    if scope:
        body["scope"] = sorted(scope)
    return hashlib.sha256(canonical(body)).hexdigest()


def event_digest(record: Mapping[str, Any]) -> str:
    """sha256 over a finding event as it travels (id, finding, kind, time, actor, texts, deadline, photos)."""
    body = {
        "type": "finding_event",
        "v": 1,
        "id": record["id"],
        "finding_id": record["finding_id"],
        "kind": record["kind"],
        "at": record["at"],
        "actor": record["actor"],
        "note": record["note"],
        "measure": record["measure"],
        "department": record["department"],
        "new_deadline": record["new_deadline"],
        "photos": sorted(record["photos"]),
    }
    return hashlib.sha256(canonical(body)).hexdigest()


def event_digests(session: Session, event_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """event_digest of events stored here."""
    photos: dict[uuid.UUID, list[str]] = {}
    out: dict[uuid.UUID, str] = {}
    for start in range(0, len(event_ids), 400):
        chunk = list(event_ids[start : start + 400])
        for event_id, sha in session.execute(
            select(Attachment.finding_event_id, Attachment.sha256).where(Attachment.finding_event_id.in_(chunk))
        ):
            if event_id is not None:
                photos.setdefault(event_id, []).append(sha)
        for e in session.scalars(select(FindingEvent).where(FindingEvent.id.in_(chunk))):
            out[e.id] = event_digest(
                {
                    "id": str(e.id),
                    "finding_id": str(e.finding_id),
                    "kind": e.kind,
                    "at": e.at.isoformat(),
                    "actor": e.actor,
                    "note": e.note,
                    "measure": e.measure,
                    "department": e.department,
                    "new_deadline": e.new_deadline.isoformat() if e.new_deadline else None,
                    "photos": photos.get(e.id, []),
                }
            )
    return out
