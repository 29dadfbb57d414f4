"""The 文号 of the 反馈单s a package brings: kept as printed when new here, reported when they clash."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from inspections.docnumbers import describe, feedback_subject, find_number, record_imported_number, used_by_others
from inspections.packages.importing.applier import Applier
from inspections.packages.importing.inspection import inspection_label
from inspections.packages.importing.plan import Plan
from inspections.packages.importing.preview import PreviewEntry


def plan_document_numbers(session: Session, plan: Plan) -> None:
    """The 反馈单 numbers the package's inspections carry: new here, the same, or (another number already issued
    here for that inspection) kept as it is here. A number used here for another document is a warning only."""
    if plan.package.manifest.kind == "feedback":
        return  # a feedback package does not change inspection records, nor their numbers
    arriving: dict[str, str] = {}  # number text → the package inspection that brings it
    for record_id, record in plan.inspections.items():
        number = record.get("doc_number")
        if not number:
            continue
        text, subject = number["text"], feedback_subject(uuid.UUID(record_id))
        label = f"{text}（督导检查反馈单：{inspection_label(plan, record)}）"
        local = find_number(session, "feedback", subject)
        if local is not None:
            if local.text == text:
                plan.entries.append(PreviewEntry("document", record_id, label, "unchanged"))
            else:
                detail = f"本机已为这次检查出具文号 {local.text}，与数据包中的 {text} 不同，保留本机"
                plan.entries.append(PreviewEntry("document", record_id, label, "kept", detail))
                plan.warnings.append(
                    f"文号不一致：{inspection_label(plan, record)} 的反馈单本机为 {local.text}，数据包中为 {text}"
                )
            continue
        others = used_by_others(session, [text], "feedback", subject)
        clashes = list(describe(session, others).values())
        if text in arriving:
            clashes.append(f"督导检查反馈单（{inspection_label(plan, plan.inspections[arriving[text]])}，同一数据包）")
        arriving.setdefault(text, record_id)
        detail = ""
        if clashes:
            detail = f"与{'；'.join(clashes)}的文号相同，仍按纸质文书导入"
            plan.warnings.append(
                f"文号重复：{text} 已用于{'；'.join(clashes)}，又用于 {inspection_label(plan, record)} 的反馈单"
            )
        plan.entries.append(PreviewEntry("document", record_id, label, "new", detail))


def apply_document_number(applier: Applier, record_id: str) -> None:
    number = applier.plan.inspections[record_id]["doc_number"]
    subject = feedback_subject(uuid.UUID(record_id))
    source = f"导入数据包「{applier.plan.package.name}」"
    record_imported_number(applier.session, "feedback", subject, number, actor=applier.actor, source=source)
