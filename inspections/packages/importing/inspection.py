"""Inspections in a package: answers checked against their checklists, signed hashes verified, a finalized
inspection never replaced silently."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.answer_counts import uncount_inspection
from inspections.errors import Problem, UserError
from inspections.labels import INSPECTION_KINDS
from inspections.packages.format import DATA
from inspections.packages.importing.applier import Applier
from inspections.packages.importing.photo import add_attachments
from inspections.packages.importing.plan import Plan, local_keys_inverse, parse_datetime, problem
from inspections.packages.importing.preview import PreviewEntry
from inspections.packages.records import inspection_record
from inspections.scoring import Answer, ChecklistScore, overall_grade, validate_answer
from inspections.workflow import content_digest, content_hash
from inspections.workflow.finalize import store_scores
from models.inspection import (
    Attachment,
    Inspection,
    InspectionChecklist,
    InspectionScope,
    ItemResult,
    Round,
    RoundEntry,
)


def _digest(plan: Plan, record: Mapping[str, Any], institution_id: str, versions: Mapping[str, int]) -> str:
    """The signed digest of an inspection record, with the given institution id and checklist version numbers."""
    header = {
        "id": record["id"],
        "institution": institution_id,
        "kind": record["kind"],
        "date": record["date"],
        "inspectors": record["inspectors"],
        "hospital_rep": record["hospital_rep"],
        "signatures": dict(sorted(record["signatures"].items())),
    }
    templates = [
        [plan.specs[c["template"]].code, versions[c["template"]], c["template"].split("@")[1]]
        for c in record["checklists"]
    ]
    results = [
        [
            plan.specs[r["template"]].code,
            r["item_code"],
            r["response"],
            r["points"],
            r["note"],
            sorted(p["sha256"] for p in r["photos"]),
        ]
        for r in record["results"]
    ]
    scope = [
        [plan.specs[m["template"]].code, m["section_code"], m["mode"], m["reason"]] for m in record.get("scope", [])
    ]
    return content_digest(header, templates, results, scope)


def localized(
    plan: Plan, record: Mapping[str, Any], local_versions: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """A package record as it would be stored here: institution id mapped to the local one and, for a signed
    inspection, the content hash recomputed with the local institution id and checklist version numbers (the
    signed hash itself names the exporter's)."""
    copy = dict(record)
    copy.pop("seals", None)  # signatures are checked and kept on their own, not compared as content
    if "events" in copy:
        copy["events"] = [{k: v for k, v in e.items() if k != "seals"} for e in copy["events"]]
    copy["institution_id"] = str(plan.institution_ids[record["institution_id"]])
    if (
        local_versions is not None
        and record["status"] == "finalized"
        and all(c["template"] in local_versions for c in record["checklists"])
    ):
        copy["content_hash"] = _digest(plan, record, copy["institution_id"], local_versions)
    return copy


def _check_inspection(plan: Plan, record: Mapping[str, Any], where: str, problems: list[Problem]) -> None:
    """Answers must fit their checklist items; a finalized inspection's content must match its signed hash."""
    specs = {c["template"]: plan.specs[c["template"]] for c in record["checklists"]}
    items = {key: {i.code: i for i in spec.items()} for key, spec in specs.items()}
    for mark in record.get("scope", []):
        spec = specs[mark["template"]]
        if mark["section_code"] and mark["section_code"] not in {s.code for s in spec.sections}:
            message = f"检查表“{spec.title}”中没有未检/不适用标记所指的部分（{mark['section_code']}）"
            problems.append(problem(plan, where, message))
    answered: set[tuple[str, str]] = set()
    for r in record["results"]:
        if (r["template"], r["item_code"]) in answered:
            problems.append(problem(plan, where, f"检查项 {r['item_code']} 有两条检查结果"))
            continue
        answered.add((r["template"], r["item_code"]))
        item = items[r["template"]].get(r["item_code"])
        if item is None:
            problems.append(problem(plan, where, f"检查项 {r['item_code']} 不在其检查表中"))
            continue
        if r["response"] is None:  # a note or photo before the answer (a draft's, or outside the scope)
            if r["points"] is not None:
                problems.append(problem(plan, where, f"检查项 {r['item_code']} 未作答却带有分值"))
            continue
        try:
            validate_answer(specs[r["template"]], item, Answer(r["response"], r["points"]))
        except UserError as err:
            problems.append(problem(plan, where, str(err)))
    if record["status"] == "finalized":
        signed = _digest(plan, record, record["institution_id"], plan.checklist_versions)
        if signed != record["content_hash"]:
            problems.append(problem(plan, where, "已完成检查的内容与其签名哈希不符，可能被篡改，拒绝导入"))


def inspection_label(plan: Plan, record: Mapping[str, Any]) -> str:
    name = plan.institutions[record["institution_id"]]["name"]
    return f"{name} {record['date']} {INSPECTION_KINDS.get(record['kind'], record['kind'])}"


def _inspection_summary(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "状态": "已完成" if record["status"] == "finalized" else "草稿",
        "检查人员": "、".join(record["inspectors"]),
        "已答项数": len(record["results"]),
        "得分": record["score"],
        "修订次数": record["amendments"],
        "签名哈希": (record["content_hash"] or "")[:12],
    }


def plan_inspections(session: Session, plan: Plan, problems: list[Problem]) -> None:
    feedback = plan.package.manifest.kind == "feedback"
    keys = local_keys_inverse(session)
    for n, (record_id, record) in enumerate(plan.inspections.items()):
        where = f"{DATA} inspections[{n}]"
        _check_inspection(plan, record, where, problems)
        if plan.team is not None and record_id == plan.team["inspection_id"]:
            continue  # a team package's inspection: planned by importing.assignment or importing.part
        label = inspection_label(plan, record)
        local = session.get(Inspection, uuid.UUID(record_id))
        if local is None:
            if feedback:
                message = "整改反馈包中的检查记录在本数据库中不存在（反馈包应导入发出整改通知的数据库）"
                problems.append(problem(plan, where, message))
            plan.entries.append(PreviewEntry("inspection", record_id, label, "new"))
            continue
        theirs = localized(plan, record, plan.local_versions)
        if local.institution_id != uuid.UUID(theirs["institution_id"]):
            problems.append(problem(plan, where, "同一编号的检查记录在本机属于另一家医疗机构"))
            continue
        mine = inspection_record(session, local, keys)
        # The round is a local plan (linked when it exists here), not part of what was inspected.
        mine.pop("round_id")
        theirs.pop("round_id")
        # The document number is planned on its own (plan_document_numbers): a package of format version 1 has
        # none, and a number issued since the last exchange does not make the inspection differ.
        mine.pop("doc_number", None)
        theirs.pop("doc_number", None)
        # The overall score and grade follow each database's rule across checklists (设置 overall_rule), which may
        # differ from the sender's; the answers they come from are compared, and checked against them (authority).
        derived = ("score", "grade")
        if {k: v for k, v in mine.items() if k not in derived} == {k: v for k, v in theirs.items() if k not in derived}:
            plan.entries.append(PreviewEntry("inspection", record_id, label, "unchanged"))
        elif feedback:
            plan.entries.append(PreviewEntry("inspection", record_id, label, "kept", "整改反馈包不修改检查记录"))
        elif local.status == "finalized" and record["status"] == "draft":
            plan.entries.append(
                PreviewEntry("inspection", record_id, label, "kept", "本机已完成签字，数据包中是草稿，保留本机")
            )
        elif local.status == "draft" and record["status"] == "finalized":
            plan.entries.append(PreviewEntry("inspection", record_id, label, "updated", "本机草稿将由已完成的检查替换"))
        else:
            what = "已完成的检查内容不同" if local.status == "finalized" else "草稿内容不同"
            plan.entries.append(
                PreviewEntry(
                    "inspection",
                    record_id,
                    label,
                    "conflict",
                    f"同一检查在本机和数据包中{what}，请选择保留本机或采用导入",
                    _inspection_summary(mine),
                    _inspection_summary(theirs),
                )
            )


def apply_inspection(applier: Applier, record_id: str, new: bool) -> None:
    record = applier.plan.inspections[record_id]
    inspection_id = uuid.UUID(record_id)
    before: dict[str, Any] | None = None
    if new:
        inspection = Inspection(id=inspection_id, version=1)
        applier.session.add(inspection)
    else:
        found = applier.session.get(Inspection, inspection_id)
        assert found is not None
        inspection = found
        before = {"status": inspection.status, "hash": inspection.content_hash, "amendments": inspection.amendments}
        uncount_inspection(applier.session, inspection_id)
        result_ids = list(
            applier.session.scalars(select(ItemResult.id).where(ItemResult.inspection_id == inspection_id))
        )
        for attachment in applier.session.scalars(select(Attachment).where(Attachment.item_result_id.in_(result_ids))):
            applier.session.delete(attachment)
        applier.session.flush()
        for result in applier.session.scalars(select(ItemResult).where(ItemResult.inspection_id == inspection_id)):
            applier.session.delete(result)
        marks = select(InspectionScope).where(InspectionScope.inspection_id == inspection_id)
        for mark in applier.session.scalars(marks):
            applier.session.delete(mark)
        inspection.checklists.clear()
        applier.session.flush()
    round_id = None if new else inspection.round_id
    with applier.session.no_autoflush:
        if record["round_id"] is not None and applier.session.get(Round, uuid.UUID(record["round_id"])) is not None:
            round_id = uuid.UUID(record["round_id"])
    inspection.institution_id = applier.plan.institution_ids[record["institution_id"]]
    inspection.round_id = round_id
    inspection.kind = record["kind"]
    inspection.date = date.fromisoformat(record["date"])
    inspection.inspectors = list(record["inspectors"])
    inspection.hospital_rep = record["hospital_rep"]
    inspection.status = record["status"]
    inspection.finalized_at = parse_datetime(record["finalized_at"]) if record["finalized_at"] else None
    inspection.signatures = dict(record["signatures"])
    inspection.content_hash = record["content_hash"]
    inspection.amendments = record["amendments"]
    inspection.score, inspection.grade, inspection.vetoed = None, None, False  # a draft has none
    inspection.created_by = record["created_by"]
    finalized = record["status"] == "finalized"
    # Scores, grades and veto flags are derived: the importer scored the package's answers with the checklist
    # versions and this database's rule (authority._check_scores), and those answers are what is stored.
    score = applier.plan.scores.get(record_id) if finalized else None
    by_template: dict[str, ChecklistScore] = {}
    if score is not None:
        ordered = sorted(record["checklists"], key=lambda c: c["position"])
        by_template = {c["template"]: s for c, s in zip(ordered, score.checklists, strict=True)}
    links: list[InspectionChecklist] = []
    for c in record["checklists"]:
        link = InspectionChecklist(template_id=applier.template_id(c["template"]), position=c["position"])
        if c["template"] in by_template:
            kept = by_template[c["template"]]
            link.score, link.grade, link.vetoed = kept.score, kept.grade, kept.vetoed
        links.append(link)
    inspection.checklists = links
    if score is not None:
        inspection.score, inspection.grade, inspection.vetoed = score.percent, overall_grade(score), score.vetoed
    applier.session.flush()
    for mark in record.get("scope", []):
        applier.session.add(
            InspectionScope(
                id=uuid.uuid4(),
                inspection_id=inspection_id,
                template_id=applier.template_id(mark["template"]),
                section_code=mark["section_code"],
                mode=mark["mode"],
                reason=mark["reason"],
                created_by=applier.actor,
            )
        )
    _insert_results(applier, inspection_id, record)
    if round_id is not None and finalized:
        entry = applier.session.scalar(
            select(RoundEntry).where(
                RoundEntry.round_id == round_id, RoundEntry.institution_id == inspection.institution_id
            )
        )
        if entry is not None and entry.status != "done":
            entry.status, entry.reason = "done", ""
    local_hash = record["content_hash"]
    if finalized:
        if score is None:
            store_scores(applier.session, inspection)
        local_hash = _local_hash(applier, inspection_id, record, str(inspection.institution_id))
        inspection.content_hash = local_hash
    after = {"status": record["status"], "hash": local_hash, "amendments": record["amendments"]}
    if new:
        applier.audit("package.inspection.new", "inspection", inspection_id, after=after)
    else:
        applier.audit("package.inspection.replace", "inspection", inspection_id, before=before, after=after)
    if local_hash != record["content_hash"]:
        # The signed hash names the exporter's institution id and checklist version numbers; here they differ.
        applier.audit(
            "package.inspection.rehash",
            "inspection",
            inspection_id,
            before={"hash": record["content_hash"]},
            after={"hash": local_hash, "institution": inspection.institution_id},
        )


def _insert_results(applier: Applier, inspection_id: uuid.UUID, record: Mapping[str, Any]) -> None:
    """The record's item results in one bulk insert (no ORM object per row), their photos, and their answers
    counted for the dashboard when the inspection is finalized."""
    session = applier.session
    finalized = record["status"] == "finalized"
    kind, month = record["kind"], record["date"][:7]
    rows: list[dict[str, Any]] = []
    for r in record["results"]:
        item_id = applier.item_id(r["template"], r["item_code"])
        rows.append(
            {
                "id": uuid.UUID(r["id"]),
                "inspection_id": inspection_id,
                "item_id": item_id,
                "response": r["response"],
                "points": r["points"],
                "note": r["note"],
                "updated_at": parse_datetime(r["updated_at"]),
                "updated_by": r["updated_by"],
                "version": 1,
            }
        )
        if finalized and r["response"] is not None:
            applier.count_answer((kind, month, item_id, r["response"]))
    applier.insert_new(ItemResult.__table__, rows)
    with session.no_autoflush:
        for r in record["results"]:
            if r["photos"]:
                add_attachments(applier, r["photos"], item_result_id=uuid.UUID(r["id"]))
    session.flush()


def _local_hash(applier: Applier, inspection_id: uuid.UUID, record: Mapping[str, Any], institution: str) -> str:
    """The content hash of the inspection as stored here: the package record's digest with the local institution id
    and checklist version numbers (what ``content_hash`` reads back from the rows just written; points are stored
    as floating-point numbers). Read back from the database when a checklist version's local number is unknown."""
    versions = applier.plan.local_versions
    if not all(c["template"] in versions for c in record["checklists"]):
        return content_hash(applier.session, inspection_id)
    stored = dict(
        record,
        results=[dict(r, points=None if r["points"] is None else float(r["points"])) for r in record["results"]],
    )
    return _digest(applier.plan, stored, institution, versions)
