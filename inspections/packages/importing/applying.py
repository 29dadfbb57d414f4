"""Applying a package in the caller's unit of work, after every conflict has a decision."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from inspections.answer_counts import adjust_counts
from inspections.errors import UserError
from inspections.packages.format import DATA, Package, Progress
from inspections.packages.importing.applier import Applier
from inspections.packages.importing.assignment import apply_assignment
from inspections.packages.importing.checklist import apply_checklist
from inspections.packages.importing.document_number import apply_document_number
from inspections.packages.importing.finding import apply_finding
from inspections.packages.importing.inspection import apply_inspection
from inspections.packages.importing.institution import apply_institution
from inspections.packages.importing.part import apply_item, finish_part
from inspections.packages.importing.planning import make_preview, plan_package
from inspections.packages.importing.preview import Decision, ImportResult, PreviewEntry
from inspections.permissions import CurrentUser
from inspections.signing import key_infos, learn_certificates, seal_problem, store_seals
from models.audit import append_audit
from models.finding import FindingEvent
from models.inspection import Inspection


def apply_package(
    session: Session,
    actor: str,
    package: Package,
    *,
    decisions: Mapping[str, Decision] | None = None,
    user: CurrentUser | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Apply a package in the caller's unit of work (all or nothing when it commits).

    ``decisions`` maps a conflicting entry's key (``PreviewEntry.key``) to ``"mine"`` or ``"theirs"``; every
    conflict needs one, otherwise nothing is imported (UserError listing them).
    """
    plan = plan_package(session, package, user)
    preview = make_preview(plan)
    decisions = dict(decisions or {})
    known = {e.key for e in preview.entries}
    unknown = sorted(set(decisions) - known)
    if unknown:
        raise UserError(f"数据包中没有这些记录：{'、'.join(unknown[:5])}")
    bad = sorted(k for k, v in decisions.items() if v not in ("mine", "theirs"))
    if bad:
        raise UserError(f"冲突的处理方式只能是“保留本机”（mine）或“采用导入”（theirs）：{'、'.join(bad[:5])}")
    # The findings of an inspection kept as it is locally are kept too: they belong to the other version.
    kept_inspections = {e.id for e in preview.entries if e.entity == "inspection" and decisions.get(e.key) == "mine"}
    undecided = [
        e
        for e in preview.conflicts
        if e.key not in decisions
        and not (e.entity == "finding" and plan.findings[e.id]["inspection_id"] in kept_inspections)
    ]
    if undecided:
        lines = "\n".join(f"  {e.entity_label} {e.label}：{e.detail}（{e.key}）" for e in undecided[:20])
        raise UserError(f"有 {len(undecided)} 项冲突需要逐项选择“保留本机”或“采用导入”，未导入任何内容：\n{lines}")
    applier = Applier(session, actor, plan)
    todo: list[PreviewEntry] = []
    for entry in preview.entries:
        mine = entry.status == "conflict" and decisions.get(entry.key) == "mine"
        if entry.entity == "finding" and plan.findings[entry.id]["inspection_id"] in kept_inspections:
            mine = entry.status in ("new", "updated", "conflict")
        if mine:
            applier.count(entry.entity, "kept")
        elif entry.status in ("new", "updated", "conflict"):
            todo.append(entry)
    for done, entry in enumerate(todo, 1):
        if progress is not None:
            progress(done, len(todo), "导入记录")
        _apply_entry(applier, entry)
    applier.write_new()
    if package.manifest.kind == "part":
        mine_items = {e.key for e in preview.conflicts if e.entity == "item" and decisions.get(e.key) == "mine"}
        finish_part(applier, list(preview.entries), mine_items)
    adjust_counts(session, applier.answer_counts)
    session.flush()
    applied = {k: v for k, v in applier.applied.items() if not k.endswith(":kept")}
    if not applied:
        return ImportResult(preview, {})
    _keep_signatures(applier)
    append_audit(
        session,
        actor=actor,
        action="package.import",
        entity="package",
        entity_id=next(e.sha256 for e in package.manifest.entries if e.path == DATA),
        after={
            "file": package.name,
            "kind": package.manifest.kind,
            "exporter": package.manifest.exporter,
            "created_at": package.manifest.created_at,
            "applied": applier.applied,
            "decisions": decisions,
            "signer": plan.signer.username if plan.signer is not None else "",
            "signer_key": plan.signer.fingerprint if plan.signer is not None else "",
            "signature_valid": bool(plan.signer is not None and plan.signer.valid),
        },
    )
    return ImportResult(preview, applied)


def _apply_entry(applier: Applier, entry: PreviewEntry) -> None:
    """Apply one new, updated or conflicting (taken as theirs) record, by its kind."""
    what = "new" if entry.status == "new" else "updated"
    if entry.entity == "checklist":
        apply_checklist(applier, entry.id)
    elif entry.entity == "institution":
        apply_institution(applier, entry.id, entry.status == "new")
    elif entry.entity == "inspection":
        team = applier.plan.team
        if team is not None and entry.id == team["inspection_id"]:
            apply_assignment(applier, entry.id, entry.status == "new")
        else:
            apply_inspection(applier, entry.id, entry.status == "new")
    elif entry.entity == "item":
        apply_item(applier, entry.id)
    elif entry.entity == "document":
        apply_document_number(applier, entry.id)
    else:
        apply_finding(applier, entry.id, entry.status == "new")
    applier.count(entry.entity, what)


def _keep_signatures(applier: Applier) -> None:
    """The certificates the package brought (those that chain to keys trusted here) and the verified signatures of
    the records it brought, so `check` can verify them again later."""
    plan = applier.plan
    learn_certificates(applier.session, applier.actor, plan.package.manifest.certificates,
                       f"导入数据包「{plan.package.name}」")
    keys = key_infos(applier.session)
    seals: list[dict[str, Any]] = []
    for record in plan.inspections.values():
        seals.extend(record.get("seals") or [])
    for record in plan.findings.values():
        for event in record["events"]:
            seals.extend(event.get("seals") or [])
    store_seals(applier.session, [s for s in seals if seal_problem(s, keys) is None and _stored_here(applier, s)])


def _stored_here(applier: Applier, seal: dict[str, Any]) -> bool:
    """Only signatures of records that exist here (a record kept as it is locally keeps its own)."""
    model: Any = Inspection if seal["entity"] == "inspection" else FindingEvent
    try:
        return applier.session.get(model, uuid.UUID(seal["entity_id"])) is not None
    except ValueError:
        return False
