"""Findings in a package: a history that extends the local one is appended; a feedback package may only
bring feedback."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.errors import Problem
from inspections.labels import FINDING_STATUS
from inspections.packages.format import DATA
from inspections.packages.importing.applier import Applier
from inspections.packages.importing.inspection import localized
from inspections.packages.importing.photo import add_attachments
from inspections.packages.importing.plan import Plan, local_keys_inverse, parse_datetime, problem
from inspections.packages.importing.preview import PreviewEntry
from inspections.packages.records import finding_record
from models.base import utcnow
from models.finding import Finding, FindingEvent

_FEEDBACK_EVENT_KINDS = frozenset({"feedback", "note"})


def _finding_summary(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "状态": FINDING_STATUS.get(record["status"], record["status"]),
        "整改期限": record["deadline"],
        "责任科室": record["responsible_dept"],
        "记录条数": len(record["events"]),
    }


def plan_findings(session: Session, plan: Plan, problems: list[Problem]) -> None:
    feedback = plan.package.manifest.kind == "feedback"
    keys = local_keys_inverse(session)
    # The local copies of the package's findings, a few hundred ids a query (not one query per finding).
    ids = [uuid.UUID(record_id) for record_id in plan.findings]
    locals_: dict[uuid.UUID, Finding] = {}
    with session.no_autoflush:
        for start in range(0, len(ids), 500):
            locals_.update(
                (f.id, f) for f in session.scalars(select(Finding).where(Finding.id.in_(ids[start : start + 500])))
            )
    for n, (record_id, record) in enumerate(plan.findings.items()):
        where = f"{DATA} findings[{n}]"
        inspection = plan.inspections[record["inspection_id"]]
        if record["institution_id"] != inspection["institution_id"]:
            problems.append(problem(plan, where, "整改项与其检查记录属于不同的医疗机构"))
            continue
        if record["template"] is not None:
            spec = plan.specs[record["template"]]
            if record["item_code"] not in {i.code for i in spec.items()}:
                problems.append(problem(plan, where, f"检查项 {record['item_code']} 不在其检查表中"))
                continue
        label = f"{plan.institutions[record['institution_id']]['name']} {record['item_code']} {record['problem'][:30]}"
        local = locals_.get(uuid.UUID(record_id))
        if local is None:
            if feedback:
                problems.append(problem(plan, where, "整改反馈包中的整改项在本数据库中不存在"))
            plan.entries.append(PreviewEntry("finding", record_id, label, "new"))
            continue
        theirs = localized(plan, record)
        mine = finding_record(session, local, keys)
        if mine == theirs:
            plan.entries.append(PreviewEntry("finding", record_id, label, "unchanged"))
            continue
        mine_events = {e["id"]: e for e in mine["events"]}
        their_events = {e["id"]: e for e in theirs["events"]}
        only_theirs = [e for i, e in their_events.items() if i not in mine_events]
        only_mine = [e for i, e in mine_events.items() if i not in their_events]
        changed_shared = any(mine_events[i] != e for i, e in their_events.items() if i in mine_events)
        if feedback and only_theirs:
            bad = sorted({e["kind"] for e in only_theirs} - _FEEDBACK_EVENT_KINDS)
            if bad or theirs["status"] not in ("feedback", mine["status"]):
                problems.append(problem(plan, where, "整改反馈包只能提交整改反馈，不能包含复查结论或其他状态变更"))
                continue
        summary = (_finding_summary(mine), _finding_summary(theirs))
        if changed_shared:
            plan.entries.append(
                PreviewEntry("finding", record_id, label, "conflict", "同一条整改记录在两边内容不同", *summary)
            )
        elif not only_theirs:
            plan.entries.append(PreviewEntry("finding", record_id, label, "kept", "本机的整改记录更新，保留本机"))
        elif all(e["kind"] == "note" for e in only_mine):
            status = FINDING_STATUS.get(theirs["status"], theirs["status"])
            plan.entries.append(
                PreviewEntry("finding", record_id, label, "updated", f"新增 {len(only_theirs)} 条记录，状态：{status}")
            )
        else:
            plan.entries.append(
                PreviewEntry(
                    "finding", record_id, label, "conflict", "本机和数据包各有对方没有的整改记录，请选择", *summary
                )
            )


def apply_finding(applier: Applier, record_id: str, new: bool) -> None:
    record = applier.plan.findings[record_id]
    finding_id = uuid.UUID(record_id)
    fields: dict[str, Any] = {
        "problem": record["problem"],
        "requirement": record["requirement"],
        "severity": record["severity"],
        "deadline": date.fromisoformat(record["deadline"]),
        "responsible_dept": record["responsible_dept"],
        "status": record["status"],
        "repeat": record["repeat"],
        "closed_at": parse_datetime(record["closed_at"]) if record["closed_at"] else None,
    }
    before: dict[str, Any] | None = None
    if new and not any(e["photos"] for e in record["events"]):
        _gather_new(applier, record, fields)
        added = len(record["events"])
    else:
        known: set[uuid.UUID] = set()
        if new:
            applier.session.add(Finding(id=finding_id, version=1, **_identity(applier, record), **fields))
        else:
            finding = applier.session.get(Finding, finding_id)
            assert finding is not None
            before = {"status": finding.status, "deadline": finding.deadline, "dept": finding.responsible_dept}
            known = set(applier.session.scalars(select(FindingEvent.id).where(FindingEvent.finding_id == finding_id)))
            if applier.plan.package.manifest.kind == "feedback":
                # Feedback only: the status and department its feedback sets; the commission's fields stay.
                fields = {"status": "feedback", "responsible_dept": record["responsible_dept"]}
            for k, v in fields.items():
                setattr(finding, k, v)
        added = _add_events(applier, finding_id, record["events"], known)
    after = {"status": record["status"], "deadline": record["deadline"], "dept": record["responsible_dept"]}
    action = "package.finding.new" if new else "package.finding.update"
    applier.audit(action, "finding", finding_id, before=before, after=dict(after, events_added=added))


def _add_events(
    applier: Applier, finding_id: uuid.UUID, events: list[dict[str, Any]], known: set[uuid.UUID]
) -> int:
    """The events not known here, as ORM rows with their photos (an updated finding, or a new one with photos)."""
    added = 0
    for e in events:
        event_id = uuid.UUID(e["id"])
        if event_id in known:
            continue
        applier.fresh_many(FindingEvent, [e["id"]])
        applier.session.add(FindingEvent(**_event_row(finding_id, e)))
        if e["photos"]:
            applier.session.flush()  # attachments have no relationship to order them after their event
            add_attachments(applier, e["photos"], finding_event_id=event_id)
        added += 1
    return added


def _identity(applier: Applier, record: Mapping[str, Any]) -> dict[str, Any]:
    """What a new finding is about: its inspection, institution (local id) and checklist item."""
    item_id = None
    if record["template"] is not None:
        item_id = applier.item_id(record["template"], record["item_code"])
    return {
        "inspection_id": uuid.UUID(record["inspection_id"]),
        "institution_id": applier.plan.institution_ids[record["institution_id"]],
        "item_id": item_id,
        "item_code": record["item_code"],
    }


def _event_row(finding_id: uuid.UUID, e: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": uuid.UUID(e["id"]),
        "finding_id": finding_id,
        "kind": e["kind"],
        "at": parse_datetime(e["at"]),
        "actor": e["actor"],
        "note": e["note"],
        "measure": e["measure"],
        "department": e["department"],
        "new_deadline": date.fromisoformat(e["new_deadline"]) if e["new_deadline"] else None,
    }


def _gather_new(applier: Applier, record: Mapping[str, Any], fields: Mapping[str, Any]) -> None:
    """A new finding without photos: its row and its events' rows, written in bulk with the others (write_new)."""
    finding_id = uuid.UUID(record["id"])
    now = utcnow()
    applier.new_findings.append(
        {"id": finding_id, "version": 1, "created_at": now, "updated_at": now, **_identity(applier, record), **fields}
    )
    applier.new_events.extend(_event_row(finding_id, e) for e in record["events"])
