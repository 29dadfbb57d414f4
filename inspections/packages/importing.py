"""Importing a package: validate everything, preview (new / updated / unchanged / conflict / kept), apply in one go.

Rules (Kobo's 409 rule, made explicit):
- a record with an id not seen before is new; the same record again is unchanged, so a package imported twice
  changes nothing;
- the same id with different content is a conflict, applied only with an explicit decision per record
  (``mine`` keeps the local record, ``theirs`` takes the package's); a finalized inspection is never replaced
  silently, and a draft never replaces a finalized inspection (kept);
- a finding whose history in the package extends the local one is updated (events are appended, never removed);
- checklist versions are matched by (code, content hash), institutions by id, then code, then name;
- the 文号 of a finalized inspection's 反馈单 (format version 2) is kept as printed when this database has none for
  it; one this database already used for another document is imported all the same and reported (文号重复).
Every applied record is audited. Nothing is written before everything has been checked.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.checklists.spec import ChecklistSpec
from inspections.checklists.yaml_format import load_checklist_text
from inspections.docnumbers import describe, feedback_subject, find_number, record_imported_number, used_by_others
from inspections.errors import InvalidInputError, Problem, UserError
from inspections.institutions import FIELD_LABELS, name_key
from inspections.labels import FINDING_STATUS, INSPECTION_KINDS, LEVELS
from inspections.packages.format import DATA, KINDS, Package, Progress
from inspections.packages.records import (
    INSTITUTION_DATA_FIELDS,
    check_data,
    finding_record,
    inspection_record,
    institution_record,
    template_key,
)
from inspections.scoring import Answer, validate_answer
from inspections.templates import import_checklist
from inspections.users import HOSPITAL, CurrentUser, acting_user, authorize
from inspections.workflow import content_digest, content_hash
from models.audit import append_audit
from models.checklist import ChecklistItem, ChecklistTemplate
from models.finding import Finding, FindingEvent
from models.inspection import Attachment, Blob, Inspection, InspectionChecklist, ItemResult, Round, RoundEntry
from models.reference import Institution

Status = Literal["new", "updated", "unchanged", "conflict", "kept"]
Decision = Literal["mine", "theirs"]
STATUS_LABELS: dict[str, str] = {
    "new": "新增",
    "updated": "更新",
    "unchanged": "无变化",
    "conflict": "冲突",
    "kept": "保留本地",
}
ENTITY_LABELS: dict[str, str] = {
    "checklist": "检查表",
    "institution": "医疗机构",
    "inspection": "检查",
    "finding": "整改项",
    "document": "文号",
}
_FEEDBACK_EVENT_KINDS = frozenset({"feedback", "note"})


@dataclass(frozen=True)
class PreviewEntry:
    """What importing would do with one record."""

    entity: str  # checklist | institution | inspection | finding | document
    id: str  # the record's id in the package (a checklist: code@content_hash; a 文号: the inspection's id)
    label: str
    status: Status
    detail: str = ""
    mine: Mapping[str, Any] | None = None
    theirs: Mapping[str, Any] | None = None

    @property
    def key(self) -> str:
        """The name a decision is given under: ``entity:id``."""
        return f"{self.entity}:{self.id}"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def entity_label(self) -> str:
        return ENTITY_LABELS[self.entity]


@dataclass(frozen=True)
class Preview:
    """The whole preview of a package: what it is, and what would happen to each record."""

    package_name: str
    kind: str
    exporter: str
    created_at: str
    app_version: str
    entries: tuple[PreviewEntry, ...]
    warnings: tuple[str, ...] = ()  # e.g. 文号重复：… (imported all the same: the paper exists)

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    def counts(self) -> dict[str, int]:
        counter: Counter[str] = Counter(e.status for e in self.entries)
        return {status: counter.get(status, 0) for status in STATUS_LABELS}

    @property
    def conflicts(self) -> tuple[PreviewEntry, ...]:
        return tuple(e for e in self.entries if e.status == "conflict")

    @property
    def changes_anything(self) -> bool:
        return any(e.status in ("new", "updated", "conflict") for e in self.entries)

    @property
    def message(self) -> str:
        counts = self.counts()
        parts = "，".join(f"{STATUS_LABELS[s]} {n}" for s, n in counts.items() if n)
        origin = f"{self.exporter} 导出于 {self.created_at[:16].replace('T', ' ')}"
        return f"{self.kind_label}「{self.package_name}」（{origin}）：{parts or '空'}" + _warning_lines(self.warnings)


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    preview: Preview
    applied: dict[str, int] = field(default_factory=dict)  # "inspection:new" → count

    @property
    def message(self) -> str:
        if not self.applied:
            return f"{self.preview.kind_label}「{self.preview.package_name}」：没有需要导入的变化" + _warning_lines(
                self.preview.warnings
            )
        parts = []
        order = list(ENTITY_LABELS)
        for key, n in sorted(self.applied.items(), key=lambda kv: (order.index(kv[0].split(":")[0]), kv[0])):
            entity, what = key.split(":")
            parts.append(f"{ENTITY_LABELS[entity]}{STATUS_LABELS.get(what, what)} {n}")
        done = f"已导入{self.preview.kind_label}「{self.preview.package_name}」：" + "，".join(parts)
        return done + _warning_lines(self.preview.warnings)


def _warning_lines(warnings: tuple[str, ...]) -> str:
    return "".join(f"\n注意：{w}" for w in warnings)


# --- planning ---------------------------------------------------------------------------------------------------------


@dataclass
class _Plan:
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

    def status(self, entity: str, record_id: str) -> PreviewEntry:
        return next(e for e in self.entries if e.entity == entity and e.id == record_id)


def _problem(plan: _Plan, where: str, message: str) -> Problem:
    return Problem(plan.package.name, where, message)


def _local_keys(session: Session) -> dict[str, uuid.UUID]:
    rows = session.execute(select(ChecklistTemplate.id, ChecklistTemplate.code, ChecklistTemplate.content_hash))
    return {template_key(code, h): tid for tid, code, h in rows}


def _plan(session: Session, package: Package, user: CurrentUser | None) -> _Plan:
    authorize(user, "package.import")
    plan = _Plan(package)
    problems = check_data(package.data, package.name)
    if problems:
        raise InvalidInputError(problems)
    data = package.data
    plan.institutions = {r["id"]: r for r in data.get("institutions", [])}
    plan.inspections = {r["id"]: r for r in data.get("inspections", [])}
    plan.findings = {r["id"]: r for r in data.get("findings", [])}
    plan.photos = {r["sha256"]: r for r in data.get("photos", [])}
    for sha, record in plan.photos.items():
        if package.photo_sizes.get(sha) != record["size"]:
            problems.append(_problem(plan, f"photos/{sha}.jpg", "照片不在数据包中，或大小与记录不符"))
    user = acting_user(user)
    if user is not None and user.role == HOSPITAL and package.manifest.kind != "rectification":
        raise UserError("医院感控人员只能导入整改通知包")
    _plan_checklists(session, plan, problems)
    if problems:
        raise InvalidInputError(problems)
    _plan_institutions(session, plan, user)
    _plan_inspections(session, plan, problems)
    _plan_findings(session, plan, problems)
    _plan_document_numbers(session, plan)
    if problems:
        raise InvalidInputError(problems)
    return plan


def _plan_checklists(session: Session, plan: _Plan, problems: list[Problem]) -> None:
    local = _local_keys(session)
    rows = session.execute(select(ChecklistTemplate.code, ChecklistTemplate.content_hash, ChecklistTemplate.version))
    plan.local_versions = {template_key(code, h): version for code, h, version in rows}
    for record in plan.package.data.get("checklists", []):
        key, path = record["key"], record["path"]
        text = plan.package.checklist_texts.get(path)
        if text is None:
            problems.append(_problem(plan, path, "检查表文件不在数据包中"))
            continue
        try:
            spec = load_checklist_text(text, f"{plan.package.name}:{path}")
        except InvalidInputError as err:
            problems.extend(err.problems)
            continue
        if spec.code != record["code"] or spec.content_hash() != record["content_hash"]:
            problems.append(_problem(plan, path, "检查表内容与其记录的代码或内容哈希不符"))
            continue
        plan.specs[key] = spec
        plan.checklist_versions[key] = record["version"]
        label = f"{spec.title}（{spec.code} 第 {record['version']} 版）"
        if key in local:
            plan.template_ids[key] = local[key]
            plan.entries.append(PreviewEntry("checklist", key, label, "unchanged"))
        else:
            plan.entries.append(PreviewEntry("checklist", key, label, "new", "本机没有这一版本，将导入"))


def _institution_data(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: record[k] for k in INSTITUTION_DATA_FIELDS}


def _plan_institutions(session: Session, plan: _Plan, user: CurrentUser | None) -> None:
    existing = list(session.scalars(select(Institution)))
    by_id = {str(i.id): i for i in existing}
    by_code = {i.code.casefold(): i for i in existing if i.code}
    by_name = {name_key(i.name): i for i in existing}
    for record_id, record in plan.institutions.items():
        local = by_id.get(record_id)
        if local is None and record["code"]:
            local = by_code.get(record["code"].casefold())
        if local is None:
            local = by_name.get(name_key(record["name"]))
        local_id = local.id if local is not None else uuid.UUID(record_id)
        authorize(user, "package.import", institution_id=local_id)
        plan.institution_ids[record_id] = local_id
        label = record["name"]
        if local is None:
            plan.entries.append(PreviewEntry("institution", record_id, label, "new"))
            continue
        mine, theirs = _institution_data(institution_record(local)), _institution_data(record)
        by = "编码" if local.code and record["code"] else "名称"
        matched = "" if str(local.id) == record_id else f"（按{by}匹配）"
        if mine == theirs:
            plan.entries.append(PreviewEntry("institution", record_id, label, "unchanged", matched))
            continue
        changed = [k for k in mine if mine[k] != theirs[k]]
        words = "、".join(_INSTITUTION_LABELS[k] for k in changed)
        if plan.package.manifest.kind == "feedback":
            detail = f"数据包中的机构信息不同（{words}），整改反馈包不修改医疗机构信息"
            plan.entries.append(PreviewEntry("institution", record_id, label, "kept", detail))
            continue
        plan.entries.append(
            PreviewEntry(
                "institution",
                record_id,
                label,
                "conflict",
                f"本机与数据包中的机构信息不同{matched}：{words}",
                {_INSTITUTION_LABELS[k]: _shown(k, mine[k]) for k in changed},
                {_INSTITUTION_LABELS[k]: _shown(k, theirs[k]) for k in changed},
            )
        )


_INSTITUTION_LABELS = {**FIELD_LABELS, "active": "在用"}


def _shown(key: str, value: Any) -> Any:
    if key == "level":
        return LEVELS.get(value, value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def _digest(plan: _Plan, record: Mapping[str, Any], institution_id: str, versions: Mapping[str, int]) -> str:
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
    return content_digest(header, templates, results)


def _localized(
    plan: _Plan, record: Mapping[str, Any], local_versions: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """A package record as it would be stored here: institution id mapped to the local one and, for a signed
    inspection, the content hash recomputed with the local institution id and checklist version numbers (the
    signed hash itself names the exporter's)."""
    copy = dict(record)
    copy["institution_id"] = str(plan.institution_ids[record["institution_id"]])
    if (
        local_versions is not None
        and record["status"] == "finalized"
        and all(c["template"] in local_versions for c in record["checklists"])
    ):
        copy["content_hash"] = _digest(plan, record, copy["institution_id"], local_versions)
    return copy


def _check_inspection(plan: _Plan, record: Mapping[str, Any], where: str, problems: list[Problem]) -> None:
    """Answers must fit their checklist items; a finalized inspection's content must match its signed hash."""
    specs = {c["template"]: plan.specs[c["template"]] for c in record["checklists"]}
    items = {key: {i.code: i for i in spec.items()} for key, spec in specs.items()}
    for r in record["results"]:
        item = items[r["template"]].get(r["item_code"])
        if item is None:
            problems.append(_problem(plan, where, f"检查项 {r['item_code']} 不在其检查表中"))
            continue
        try:
            validate_answer(specs[r["template"]], item, Answer(r["response"], r["points"]))
        except UserError as err:
            problems.append(_problem(plan, where, str(err)))
    if record["status"] == "finalized":
        signed = _digest(plan, record, record["institution_id"], plan.checklist_versions)
        if signed != record["content_hash"]:
            problems.append(_problem(plan, where, "已完成检查的内容与其签名哈希不符，可能被篡改，拒绝导入"))


def _inspection_label(plan: _Plan, record: Mapping[str, Any]) -> str:
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


def _plan_inspections(session: Session, plan: _Plan, problems: list[Problem]) -> None:
    feedback = plan.package.manifest.kind == "feedback"
    keys = _local_keys_inverse(session)
    for n, (record_id, record) in enumerate(plan.inspections.items()):
        where = f"{DATA} inspections[{n}]"
        _check_inspection(plan, record, where, problems)
        label = _inspection_label(plan, record)
        local = session.get(Inspection, uuid.UUID(record_id))
        if local is None:
            if feedback:
                message = "整改反馈包中的检查记录在本数据库中不存在（反馈包应导入发出整改通知的数据库）"
                problems.append(_problem(plan, where, message))
            plan.entries.append(PreviewEntry("inspection", record_id, label, "new"))
            continue
        theirs = _localized(plan, record, plan.local_versions)
        if local.institution_id != uuid.UUID(theirs["institution_id"]):
            problems.append(_problem(plan, where, "同一编号的检查记录在本机属于另一家医疗机构"))
            continue
        mine = inspection_record(session, local, keys)
        # The round is a local plan (linked when it exists here), not part of what was inspected.
        mine.pop("round_id")
        theirs.pop("round_id")
        # The document number is planned on its own (_plan_document_numbers): a package of format version 1 has
        # none, and a number issued since the last exchange does not make the inspection differ.
        mine.pop("doc_number", None)
        theirs.pop("doc_number", None)
        if mine == theirs:
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


def _local_keys_inverse(session: Session) -> dict[uuid.UUID, str]:
    return {tid: key for key, tid in _local_keys(session).items()}


def _finding_summary(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "状态": FINDING_STATUS.get(record["status"], record["status"]),
        "整改期限": record["deadline"],
        "责任科室": record["responsible_dept"],
        "记录条数": len(record["events"]),
    }


def _plan_findings(session: Session, plan: _Plan, problems: list[Problem]) -> None:
    feedback = plan.package.manifest.kind == "feedback"
    keys = _local_keys_inverse(session)
    for n, (record_id, record) in enumerate(plan.findings.items()):
        where = f"{DATA} findings[{n}]"
        inspection = plan.inspections[record["inspection_id"]]
        if record["institution_id"] != inspection["institution_id"]:
            problems.append(_problem(plan, where, "整改项与其检查记录属于不同的医疗机构"))
            continue
        if record["template"] is not None:
            spec = plan.specs[record["template"]]
            if record["item_code"] not in {i.code for i in spec.items()}:
                problems.append(_problem(plan, where, f"检查项 {record['item_code']} 不在其检查表中"))
                continue
        label = f"{plan.institutions[record['institution_id']]['name']} {record['item_code']} {record['problem'][:30]}"
        local = session.get(Finding, uuid.UUID(record_id))
        if local is None:
            if feedback:
                problems.append(_problem(plan, where, "整改反馈包中的整改项在本数据库中不存在"))
            plan.entries.append(PreviewEntry("finding", record_id, label, "new"))
            continue
        theirs = _localized(plan, record)
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
                problems.append(_problem(plan, where, "整改反馈包只能提交整改反馈，不能包含复查结论或其他状态变更"))
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


def _plan_document_numbers(session: Session, plan: _Plan) -> None:
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
        label = f"{text}（督导检查反馈单：{_inspection_label(plan, record)}）"
        local = find_number(session, "feedback", subject)
        if local is not None:
            if local.text == text:
                plan.entries.append(PreviewEntry("document", record_id, label, "unchanged"))
            else:
                detail = f"本机已为这次检查出具文号 {local.text}，与数据包中的 {text} 不同，保留本机"
                plan.entries.append(PreviewEntry("document", record_id, label, "kept", detail))
                plan.warnings.append(
                    f"文号不一致：{_inspection_label(plan, record)} 的反馈单本机为 {local.text}，数据包中为 {text}"
                )
            continue
        others = used_by_others(session, [text], "feedback", subject)
        clashes = list(describe(session, others).values())
        if text in arriving:
            clashes.append(f"督导检查反馈单（{_inspection_label(plan, plan.inspections[arriving[text]])}，同一数据包）")
        arriving.setdefault(text, record_id)
        detail = ""
        if clashes:
            detail = f"与{'；'.join(clashes)}的文号相同，仍按纸质文书导入"
            plan.warnings.append(
                f"文号重复：{text} 已用于{'；'.join(clashes)}，又用于 {_inspection_label(plan, record)} 的反馈单"
            )
        plan.entries.append(PreviewEntry("document", record_id, label, "new", detail))


def _preview(plan: _Plan) -> Preview:
    m = plan.package.manifest
    order = {"checklist": 0, "institution": 1, "inspection": 2, "finding": 3, "document": 4}
    entries = sorted(plan.entries, key=lambda e: (order[e.entity], e.label, e.id))
    return Preview(
        plan.package.name, m.kind, m.exporter, m.created_at, m.app_version, tuple(entries), tuple(plan.warnings)
    )


def preview_package(session: Session, package: Package, *, user: CurrentUser | None = None) -> Preview:
    """What importing ``package`` would do, record by record; changes nothing. InvalidInputError when the package
    is not acceptable (every problem listed)."""
    return _preview(_plan(session, package, user))


# --- applying ---------------------------------------------------------------------------------------------------------


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
    plan = _plan(session, package, user)
    preview = _preview(plan)
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
    applier = _Applier(session, actor, plan)
    for done, entry in enumerate(preview.entries, 1):
        if progress is not None:
            progress(done, len(preview.entries), "导入记录")
        mine = entry.status == "conflict" and decisions.get(entry.key) == "mine"
        if entry.entity == "finding" and plan.findings[entry.id]["inspection_id"] in kept_inspections:
            mine = entry.status in ("new", "updated", "conflict")
        if mine:
            applier.count(entry.entity, "kept")
            continue
        if entry.status in ("new", "updated", "conflict"):
            applier.apply(entry)
    session.flush()
    applied = {k: v for k, v in applier.applied.items() if not k.endswith(":kept")}
    if not applied:
        return ImportResult(preview, {})
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
        },
    )
    return ImportResult(preview, applied)


class _Applier:
    def __init__(self, session: Session, actor: str, plan: _Plan) -> None:
        self.session = session
        self.actor = actor
        self.plan = plan
        self.applied: dict[str, int] = {}
        self._items: dict[uuid.UUID, dict[str, uuid.UUID]] = {}

    def count(self, entity: str, what: str) -> None:
        key = f"{entity}:{what}"
        self.applied[key] = self.applied.get(key, 0) + 1

    def audit(self, action: str, entity: str, entity_id: object, before: Any = None, after: Any = None) -> None:
        reason = f"导入数据包「{self.plan.package.name}」"
        append_audit(
            self.session,
            actor=self.actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
            reason=reason,
        )

    def apply(self, entry: PreviewEntry) -> None:
        what = "new" if entry.status == "new" else "updated"
        if entry.entity == "checklist":
            self._checklist(entry.id)
        elif entry.entity == "institution":
            self._institution(entry.id, entry.status == "new")
        elif entry.entity == "inspection":
            self._inspection(entry.id, entry.status == "new")
        elif entry.entity == "document":
            number = self.plan.inspections[entry.id]["doc_number"]
            subject = feedback_subject(uuid.UUID(entry.id))
            source = f"导入数据包「{self.plan.package.name}」"
            record_imported_number(self.session, "feedback", subject, number, actor=self.actor, source=source)
        else:
            self._finding(entry.id, entry.status == "new")
        self.count(entry.entity, what)

    # checklists and institutions

    def _checklist(self, key: str) -> None:
        spec = self.plan.specs[key]
        outcome = import_checklist(self.session, self.actor, spec, source=f"数据包 {self.plan.package.name}")
        self.plan.template_ids[key] = outcome.template_id

    def _template_id(self, key: str) -> uuid.UUID:
        return self.plan.template_ids[key]

    def _item_id(self, template: str, code: str) -> uuid.UUID:
        tid = self._template_id(template)
        items = self._items.get(tid)
        if items is None:
            items = dict(
                self.session.execute(
                    select(ChecklistItem.code, ChecklistItem.id).where(ChecklistItem.template_id == tid)
                ).all()
            )
            self._items[tid] = items
        return items[code]

    def _institution(self, record_id: str, new: bool) -> None:
        record = self.plan.institutions[record_id]
        data = _institution_data(record)
        if new:
            institution = Institution(id=uuid.UUID(record_id), version=1, **data)
            self.session.add(institution)
            self.session.flush()
            self.audit("package.institution.new", "institution", institution.id, after=data)
            return
        local_id = self.plan.institution_ids[record_id]
        local = self.session.get(Institution, local_id)
        assert local is not None
        institution = local
        before = _institution_data(institution_record(institution))
        clash = self.session.scalars(select(Institution).where(Institution.id != local_id)).all()
        for other in clash:
            if name_key(other.name) == name_key(data["name"]) or (
                data["code"] and other.code and other.code.casefold() == data["code"].casefold()
            ):
                raise UserError(
                    f"采用导入的机构信息后，「{data['name']}」会与本机已有的机构「{other.name}」重名或编码相同"
                )
        for k, v in data.items():
            setattr(institution, k, v)
        changed = [k for k in data if data[k] != before[k]]
        self.audit(
            "package.institution.update",
            "institution",
            institution.id,
            before={k: before[k] for k in changed},
            after={k: data[k] for k in changed},
        )

    # photos

    def _ensure_blob(self, sha: str) -> None:
        if self.session.get(Blob, sha) is not None:
            return
        record = self.plan.photos[sha]
        data = self.plan.package.photo(sha)
        try:
            with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
                size = image.size
        except (UnidentifiedImageError, OSError, ValueError):
            raise InvalidInputError([_problem(self.plan, f"photos/{sha}.jpg", "不是有效的 JPEG 照片")]) from None
        if size != (record["width"], record["height"]) or hashlib.sha256(data).hexdigest() != sha:
            raise InvalidInputError([_problem(self.plan, f"photos/{sha}.jpg", "照片尺寸或内容与记录不符")])
        self.session.add(Blob(sha256=sha, mime="image/jpeg", width=size[0], height=size[1], size=len(data), data=data))
        self.session.flush()

    def _fresh(self, model: type[Any], record_id: str) -> uuid.UUID:
        """The id of a row about to be inserted; one already used here by another record is refused."""
        key = uuid.UUID(record_id)
        if self.session.get(model, key) is not None:
            raise InvalidInputError(
                [_problem(self.plan, record_id, "数据包中的记录编号与本机已有的其他记录重复，未导入任何内容")]
            )
        return key

    def _fresh_many(self, model: type[Any], record_ids: list[str]) -> None:
        """Like _fresh for many rows at once: one query per few hundred ids instead of one per row."""
        keys = [uuid.UUID(i) for i in record_ids]
        with self.session.no_autoflush:
            for start in range(0, len(keys), 500):
                taken = self.session.scalars(select(model.id).where(model.id.in_(keys[start : start + 500]))).first()
                if taken is not None:
                    raise InvalidInputError(
                        [_problem(self.plan, str(taken), "数据包中的记录编号与本机已有的其他记录重复，未导入任何内容")]
                    )

    def _attachments(self, refs: list[dict[str, Any]], **owner: uuid.UUID) -> None:
        self._fresh_many(Attachment, [ref["id"] for ref in refs])
        for ref in refs:
            self._ensure_blob(ref["sha256"])
            self.session.add(
                Attachment(
                    id=uuid.UUID(ref["id"]),
                    sha256=ref["sha256"],
                    filename=ref["filename"],
                    created_at=_dt(ref["created_at"]),
                    created_by=ref["created_by"],
                    **owner,
                )
            )

    # inspections

    def _inspection(self, record_id: str, new: bool) -> None:
        record = self.plan.inspections[record_id]
        inspection_id = uuid.UUID(record_id)
        before: dict[str, Any] | None = None
        if new:
            inspection = Inspection(id=inspection_id, version=1)
            self.session.add(inspection)
        else:
            found = self.session.get(Inspection, inspection_id)
            assert found is not None
            inspection = found
            before = {"status": inspection.status, "hash": inspection.content_hash, "amendments": inspection.amendments}
            result_ids = list(
                self.session.scalars(select(ItemResult.id).where(ItemResult.inspection_id == inspection_id))
            )
            for attachment in self.session.scalars(select(Attachment).where(Attachment.item_result_id.in_(result_ids))):
                self.session.delete(attachment)
            self.session.flush()
            for result in self.session.scalars(select(ItemResult).where(ItemResult.inspection_id == inspection_id)):
                self.session.delete(result)
            inspection.checklists.clear()
            self.session.flush()
        round_id = None if new else inspection.round_id
        with self.session.no_autoflush:
            if record["round_id"] is not None and self.session.get(Round, uuid.UUID(record["round_id"])) is not None:
                round_id = uuid.UUID(record["round_id"])
        inspection.institution_id = self.plan.institution_ids[record["institution_id"]]
        inspection.round_id = round_id
        inspection.kind = record["kind"]
        inspection.date = date.fromisoformat(record["date"])
        inspection.inspectors = list(record["inspectors"])
        inspection.hospital_rep = record["hospital_rep"]
        inspection.status = record["status"]
        inspection.finalized_at = _dt(record["finalized_at"]) if record["finalized_at"] else None
        inspection.signatures = dict(record["signatures"])
        inspection.content_hash = record["content_hash"]
        inspection.amendments = record["amendments"]
        inspection.score = record["score"]
        inspection.grade = record["grade"]
        inspection.vetoed = record["vetoed"]
        inspection.created_by = record["created_by"]
        inspection.checklists = [
            InspectionChecklist(
                template_id=self._template_id(c["template"]),
                position=c["position"],
                score=c["score"],
                grade=c["grade"],
                vetoed=c["vetoed"],
            )
            for c in record["checklists"]
        ]
        self.session.flush()
        self._fresh_many(ItemResult, [r["id"] for r in record["results"]])
        for r in record["results"]:
            result = ItemResult(
                id=uuid.UUID(r["id"]),
                inspection_id=inspection_id,
                item_id=self._item_id(r["template"], r["item_code"]),
                response=r["response"],
                points=r["points"],
                note=r["note"],
                updated_at=_dt(r["updated_at"]),
                updated_by=r["updated_by"],
            )
            self.session.add(result)
        self.session.flush()
        with self.session.no_autoflush:
            for r in record["results"]:
                self._attachments(r["photos"], item_result_id=uuid.UUID(r["id"]))
        self.session.flush()
        if round_id is not None and record["status"] == "finalized":
            entry = self.session.scalar(
                select(RoundEntry).where(
                    RoundEntry.round_id == round_id, RoundEntry.institution_id == inspection.institution_id
                )
            )
            if entry is not None and entry.status != "done":
                entry.status, entry.reason = "done", ""
        local_hash = record["content_hash"]
        if record["status"] == "finalized":
            local_hash = content_hash(self.session, inspection_id)
            inspection.content_hash = local_hash
        after = {"status": record["status"], "hash": local_hash, "amendments": record["amendments"]}
        if new:
            self.audit("package.inspection.new", "inspection", inspection_id, after=after)
        else:
            self.audit("package.inspection.replace", "inspection", inspection_id, before=before, after=after)
        if local_hash != record["content_hash"]:
            # The signed hash names the exporter's institution id and checklist version numbers; here they differ.
            self.audit(
                "package.inspection.rehash",
                "inspection",
                inspection_id,
                before={"hash": record["content_hash"]},
                after={"hash": local_hash, "institution": inspection.institution_id},
            )

    # findings

    def _finding(self, record_id: str, new: bool) -> None:
        record = self.plan.findings[record_id]
        finding_id = uuid.UUID(record_id)
        fields: dict[str, Any] = {
            "problem": record["problem"],
            "requirement": record["requirement"],
            "severity": record["severity"],
            "deadline": date.fromisoformat(record["deadline"]),
            "responsible_dept": record["responsible_dept"],
            "status": record["status"],
            "repeat": record["repeat"],
            "closed_at": _dt(record["closed_at"]) if record["closed_at"] else None,
        }
        if new:
            item_id = None
            if record["template"] is not None:
                item_id = self._item_id(record["template"], record["item_code"])
            finding = Finding(
                id=finding_id,
                inspection_id=uuid.UUID(record["inspection_id"]),
                institution_id=self.plan.institution_ids[record["institution_id"]],
                item_id=item_id,
                item_code=record["item_code"],
                version=1,
                **fields,
            )
            self.session.add(finding)
            self.session.flush()
            known: set[uuid.UUID] = set()
            before = None
        else:
            found = self.session.get(Finding, finding_id)
            assert found is not None
            finding = found
            before = {"status": finding.status, "deadline": finding.deadline, "dept": finding.responsible_dept}
            known = set(self.session.scalars(select(FindingEvent.id).where(FindingEvent.finding_id == finding_id)))
            for k, v in fields.items():
                setattr(finding, k, v)
        added = 0
        for e in record["events"]:
            event_id = uuid.UUID(e["id"])
            if event_id in known:
                continue
            self.session.add(
                FindingEvent(
                    id=self._fresh(FindingEvent, e["id"]),
                    finding_id=finding_id,
                    kind=e["kind"],
                    at=_dt(e["at"]),
                    actor=e["actor"],
                    note=e["note"],
                    measure=e["measure"],
                    department=e["department"],
                    new_deadline=date.fromisoformat(e["new_deadline"]) if e["new_deadline"] else None,
                )
            )
            self.session.flush()
            self._attachments(e["photos"], finding_event_id=event_id)
            added += 1
        self.session.flush()
        after = {"status": record["status"], "deadline": record["deadline"], "dept": record["responsible_dept"]}
        action = "package.finding.new" if new else "package.finding.update"
        self.audit(action, "finding", finding_id, before=before, after=dict(after, events_added=added))


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)
