"""Records as they travel in data.json: one plain, database-independent form for export and for comparing on import.

Checklist versions are named by ``code@content_hash`` and items by their stable code, so a record means the same
thing in every database whatever local ids and version numbers the checklists got there.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.docnumbers import feedback_subject, find_number, number_record
from inspections.packages.schema import INSTITUTION_SCHEMA, MAX_LIST, MAX_NUMBER, check_data, template_key
from models.checklist import ChecklistItem, ChecklistTemplate
from models.finding import Finding, FindingEvent
from models.inspection import Attachment, Inspection, InspectionScope, ItemResult
from models.reference import Institution


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


# --- database → record ----------------------------------------------------------------------------------------------


def institution_record(institution: Institution) -> dict[str, Any]:
    return {
        "id": str(institution.id),
        "name": institution.name,
        "code": institution.code,
        "level": institution.level,
        "category": institution.category,
        "district": institution.district,
        "address": institution.address,
        "contact": institution.contact,
        "has_fever_clinic": institution.has_fever_clinic,
        "has_fever_sentinel": institution.has_fever_sentinel,
        "active": institution.active,
    }


INSTITUTION_DATA_FIELDS = (
    "name",
    "code",
    "level",
    "category",
    "district",
    "address",
    "contact",
    "has_fever_clinic",
    "has_fever_sentinel",
    "active",
)


def template_keys(session: Session, template_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = session.execute(
        select(ChecklistTemplate.id, ChecklistTemplate.code, ChecklistTemplate.content_hash).where(
            ChecklistTemplate.id.in_(template_ids)
        )
    )
    return {tid: template_key(code, h) for tid, code, h in rows}


def _photo_ref(a: Attachment) -> dict[str, Any]:
    ref: dict[str, Any] = {
        "id": str(a.id),
        "sha256": a.sha256,
        "filename": a.filename,
        "created_at": _iso(a.created_at),
        "created_by": a.created_by,
    }
    if a.caption:  # only when there is one: packages without captions stay readable by older versions
        ref["caption"] = a.caption
    return ref


def _photo_refs(attachments: list[Attachment]) -> list[dict[str, Any]]:
    return sorted(
        (_photo_ref(a) for a in attachments),
        key=lambda p: (p["created_at"] or "", p["id"]),
    )


def inspection_record(session: Session, inspection: Inspection, keys: Mapping[uuid.UUID, str]) -> dict[str, Any]:
    """An inspection with its checklists, answers and their photos."""
    rows = session.execute(
        select(ItemResult, ChecklistItem.template_id, ChecklistItem.code)
        .join(ChecklistItem, ChecklistItem.id == ItemResult.item_id)
        .where(ItemResult.inspection_id == inspection.id)
    ).all()
    photos: dict[uuid.UUID, list[Attachment]] = {}
    if rows:
        for a in session.scalars(select(Attachment).where(Attachment.item_result_id.in_([r.id for r, _t, _c in rows]))):
            assert a.item_result_id is not None
            photos.setdefault(a.item_result_id, []).append(a)
    results = sorted(
        (
            {
                "id": str(r.id),
                "template": keys[template_id],
                "item_code": code,
                "response": r.response,
                "points": r.points,
                "note": r.note,
                "updated_at": _iso(r.updated_at),
                "updated_by": r.updated_by,
                "photos": _photo_refs(photos.get(r.id, [])),
            }
            for r, template_id, code in rows
        ),
        key=lambda r: (r["template"], r["item_code"]),
    )
    record: dict[str, Any] = {
        "id": str(inspection.id),
        "institution_id": str(inspection.institution_id),
        "kind": inspection.kind,
        "date": _iso(inspection.date),
        "inspectors": list(inspection.inspectors),
        "hospital_rep": inspection.hospital_rep,
        "status": inspection.status,
        "finalized_at": _iso(inspection.finalized_at),
        "signatures": dict(sorted(inspection.signatures.items())),
        "content_hash": inspection.content_hash,
        "amendments": inspection.amendments,
        "score": inspection.score,
        "grade": inspection.grade,
        "vetoed": inspection.vetoed,
        "created_by": inspection.created_by,
        "round_id": str(inspection.round_id) if inspection.round_id else None,
        "checklists": [
            {
                "template": keys[c.template_id],
                "position": c.position,
                "score": c.score,
                "grade": c.grade,
                "vetoed": c.vetoed,
            }
            for c in inspection.checklists
        ],
        "results": results,
        "doc_number": _doc_number(session, inspection),
    }
    scope = sorted(
        (
            {
                "template": keys[row.template_id],
                "section_code": row.section_code,
                "mode": row.mode,
                "reason": row.reason,
            }
            for row in session.scalars(select(InspectionScope).where(InspectionScope.inspection_id == inspection.id))
        ),
        key=lambda m: (m["template"], m["section_code"]),
    )
    if scope:  # only when there are any: packages without scope marks stay readable by older versions
        record["scope"] = scope
    return record


def _doc_number(session: Session, inspection: Inspection) -> dict[str, Any] | None:
    """The 反馈单's 文号 travels with the inspection: the paper copy already carries it (format version 2)."""
    if inspection.status != "finalized":
        return None
    row = find_number(session, "feedback", feedback_subject(inspection.id))
    return None if row is None else number_record(row)


def finding_record(session: Session, finding: Finding, keys: Mapping[uuid.UUID, str]) -> dict[str, Any]:
    """A finding with its whole history and the photos of each step."""
    template = None
    if finding.item_id is not None:
        template_id = session.scalar(select(ChecklistItem.template_id).where(ChecklistItem.id == finding.item_id))
        template = keys[template_id] if template_id is not None else None
    photos: dict[uuid.UUID, list[Attachment]] = {}
    event_ids = [e.id for e in finding.events]
    if event_ids:
        for a in session.scalars(select(Attachment).where(Attachment.finding_event_id.in_(event_ids))):
            assert a.finding_event_id is not None
            photos.setdefault(a.finding_event_id, []).append(a)
    return {
        "id": str(finding.id),
        "inspection_id": str(finding.inspection_id),
        "institution_id": str(finding.institution_id),
        "template": template,
        "item_code": finding.item_code,
        "problem": finding.problem,
        "requirement": finding.requirement,
        "severity": finding.severity,
        "deadline": _iso(finding.deadline),
        "responsible_dept": finding.responsible_dept,
        "status": finding.status,
        "repeat": finding.repeat,
        "closed_at": _iso(finding.closed_at),
        "events": [event_record(e, photos.get(e.id, [])) for e in sorted(finding.events, key=_event_order)],
    }


def _event_order(event: FindingEvent) -> tuple[str, str]:
    return (event.at.isoformat(), str(event.id))


def event_record(event: FindingEvent, attachments: list[Attachment]) -> dict[str, Any]:
    return {
        "id": str(event.id),
        "kind": event.kind,
        "at": _iso(event.at),
        "actor": event.actor,
        "note": event.note,
        "measure": event.measure,
        "department": event.department,
        "new_deadline": _iso(event.new_deadline),
        "photos": _photo_refs(attachments),
    }


def record_photos(record: Mapping[str, Any]) -> set[str]:
    """Every photo sha256 an inspection or finding record refers to."""
    shas: set[str] = set()
    for part in record.get("results", []) + record.get("events", []):
        shas.update(p["sha256"] for p in part["photos"])
    return shas


__all__ = [
    "INSTITUTION_DATA_FIELDS",
    "INSTITUTION_SCHEMA",
    "MAX_LIST",
    "MAX_NUMBER",
    "check_data",
    "event_record",
    "finding_record",
    "inspection_record",
    "institution_record",
    "record_photos",
    "template_key",
    "template_keys",
]
