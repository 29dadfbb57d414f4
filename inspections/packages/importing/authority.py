"""Who may import what, and what a package may do: decided by the importing user, the package's kind and its
verified signer, never by what the package says about itself. Every permission check of an import is here.

- On a database with users, a package must be signed by a key trusted here (an unknown or revoked key, or a bad
  signature, is refused); a finalized inspection, a feedback and a re-inspection verdict in it must carry valid
  signatures over their content. On a single-user laptop an unsigned package is taken (with a warning): its owner
  can change anything anyway; a signature that is there must still hold.
- inspections: signed by an inspector or administrator; rectification: commission → hospital only (the same);
  feedback: signed by a hospital officer, only feedback (measure, department, photos) on the open findings of the
  signer's own institution; checklist versions only from an administrator's signature; institution data only
  changed by an administrator's package. ``--take-theirs`` decides conflicts inside these bounds, never beyond.
- Scores, grades and veto flags are recomputed from the answers and the checklist versions; a package whose stored
  ones differ is refused as altered.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.errors import PermissionDenied, UserError
from inspections.packages.format import Package
from inspections.packages.importing.plan import Plan
from inspections.permissions import ADMIN, HOSPITAL, INSPECTOR, CurrentUser, acting_user, authorize
from inspections.scoring import OVERALL_RULES, Answer, combine_checklists, overall_grade, score_checklist
from inspections.signing import (
    KeyInfo,
    PackageSigner,
    event_digest,
    inspection_digest,
    key_infos,
    seal_problem,
    verify_package_signature,
)
from inspections.workflow.scope import kept_in_scope
from models.audit import AuditEvent
from models.finding import Finding, FindingEvent
from models.inspection import Round, RoundEntry
from models.reference import User

COMMISSION = (ADMIN, INSPECTOR)
OPEN = ("open", "failed", "feedback")  # still awaiting the commission's verdict


def check_importer(user: CurrentUser | None) -> None:
    """May ``user`` import packages at all (before anything in the package is read)."""
    authorize(user, "package.import")


def check_package_kind(package: Package, user: CurrentUser | None) -> None:
    """May ``user`` import a package of this kind: a hospital officer only rectification notices."""
    user = acting_user(user)
    if user is not None and user.role == HOSPITAL and package.manifest.kind != "rectification":
        raise UserError("医院感控人员只能导入整改通知包")


def check_institution(user: CurrentUser | None, institution_id: uuid.UUID) -> None:
    """May ``user`` import records of this (local) institution: a hospital officer only their own."""
    authorize(user, "package.import", institution_id=institution_id)


def _refuse(plan: Plan, message: str) -> PermissionDenied:
    return PermissionDenied(f"数据包「{plan.package.name}」{message}，未导入任何内容")


def verify_signer(session: Session, plan: Plan) -> None:
    """Who signed the package, checked against the keys enrolled here and the certificates it brings."""
    manifest = plan.package.manifest
    plan.keys = key_infos(session, manifest.certificates)
    plan.signer = verify_package_signature(plan.keys, plan.package.manifest_bytes, manifest.signer,
                                           plan.package.signature)
    plan.users_here = session.scalar(select(User.id).limit(1)) is not None


def check_authority(session: Session, plan: Plan) -> None:
    """Everything the package's kind and verified signer allow, checked on the whole plan (PermissionDenied)."""
    signer = plan.signer
    assert signer is not None
    kind = plan.package.manifest.kind
    known = signer.key is not None and signer.key.trusted  # a key trusted here, so a failing signature is forged
    if signer.fingerprint and not signer.valid and (plan.users_here or known):
        raise _refuse(plan, f"的签名无效：{signer.problem}（签名者 {signer.username}）")
    if not signer.valid and plan.users_here:
        raise _refuse(plan, "没有有效的签名：本数据库启用了用户登录，只接受由已登记密钥签名的数据包")
    # Otherwise (the single-user mode) an unsigned package goes in; the preview's signature line says so.
    role = signer.role if signer.valid else None
    strict = role is not None or plan.users_here
    if role is not None:
        if kind in ("inspections", "rectification", "assignment", "part") and role not in COMMISSION:
            raise _refuse(plan, f"是{plan.package.manifest.kind_label}，但签名者 {signer.label} 不是督导专家或管理员")
        if kind == "feedback" and role != HOSPITAL:
            raise _refuse(plan, f"是整改反馈包，但签名者 {signer.label} 不是医院感控人员")
    for entry in plan.entries:
        if entry.entity == "checklist" and entry.status == "new" and strict and role != ADMIN:
            raise _refuse(plan, f"带来新的检查表版本「{entry.label}」，检查表只能由管理员签名的数据包带入")
        if entry.entity == "institution" and entry.status == "new" and (kind == "feedback" or role == HOSPITAL):
            raise _refuse(plan, f"带来了本机没有的医疗机构「{entry.label}」，整改反馈包不能新增医疗机构")
    # Institution data is the administrator's: from anyone else a difference is kept as it is here.
    if role is not None and role != ADMIN:
        plan.entries[:] = [
            replace(e, status="kept", detail="只有管理员签名的数据包可以修改医疗机构信息", mine=None, theirs=None)
            if e.entity == "institution" and e.status == "conflict"
            else e
            for e in plan.entries
        ]
    _check_inspections(session, plan, strict, role)
    _check_findings(session, plan, strict)
    if kind == "feedback":
        _check_feedback(session, plan, role)
    if kind == "assignment":
        _check_assignment(plan, role)
    if kind == "part":
        _check_part(plan, strict)


def _check_assignment(plan: Plan, role: str | None) -> None:
    """An assignment comes from the team inspection's lead (or an administrator)."""
    signer = plan.signer
    assert signer is not None and plan.team is not None
    lead = plan.team["lead"]
    if role is not None and role != ADMIN and signer.username != lead:
        raise _refuse(plan, f"是检查分工包，但签名者 {signer.label} 不是这次检查的组长（{lead}）")


def _check_part(plan: Plan, strict: bool) -> None:
    """A part package comes from the member it names, and (where signatures are in use) carries that member's valid
    signature over exactly the items it brings (a forged or altered part is refused)."""
    from inspections.teams import PartStatement, value_digest
    from inspections.teams.signing import PART_ENTITY

    signer = plan.signer
    team = plan.team
    assert signer is not None and team is not None
    member = team["member"]
    if signer.valid and signer.username != member:
        raise _refuse(plan, f"自称是 {member} 的分工结果，但签名者是 {signer.label}")
    seal = team["seal"]
    if seal is None:
        if strict:
            raise _refuse(plan, f"缺少 {member} 对其分工部分的签名")
        return
    problem = seal_problem(seal, plan.keys)
    if problem is not None:
        if strict or seal.get("fingerprint") in plan.keys:
            raise _refuse(plan, f"中 {member} 对分工部分的签名不成立：{problem}")
        return
    record = plan.inspections[team["inspection_id"]]
    items = tuple(
        sorted(
            (
                plan.specs[r["template"]].code,
                r["item_code"],
                value_digest(r["response"], r["points"], r["note"], [p["sha256"] for p in r["photos"]]),
            )
            for r in record["results"]
            if r["response"] is not None or r["note"].strip() or r["photos"]
        )
    )
    statement = PartStatement(uuid.UUID(team["inspection_id"]), member, items)
    if (
        seal["signer"] != member
        or seal["entity"] != PART_ENTITY
        or seal["entity_id"] != team["inspection_id"]
        or seal["digest"] != statement.digest
        or PartStatement.from_context(statement.inspection_id, seal["context"]).digest != statement.digest
    ):
        raise _refuse(plan, f"中 {member} 的分工签名与数据包中的检查结果不符（签名后被改动，或不是其本人的签名）")
    plan.part_seal = seal


def _verified_seals(plan: Plan, seals: Any, what: str) -> list[dict[str, Any]]:
    """The record's signatures, every one checked (a bad one refuses the package)."""
    good: list[dict[str, Any]] = []
    for seal in seals or []:
        problem = seal_problem(seal, plan.keys)
        if problem is not None:
            if plan.users_here or (isinstance(seal, dict) and seal.get("fingerprint") in plan.keys):
                raise _refuse(plan, f"中{what}的签名不成立：{problem}")
            continue
        good.append(seal)
    return good


def record_digest(plan: Plan, record: Mapping[str, Any], institution: str) -> str:
    """The signing digest of a package's inspection record (the same as signing.inspection_digests gives)."""
    header = {
        "id": record["id"],
        "institution": institution,
        "kind": record["kind"],
        "date": record["date"],
        "inspectors": record["inspectors"],
        "hospital_rep": record["hospital_rep"],
        "signatures": dict(record["signatures"]),
        "finalized_at": record["finalized_at"],
        "amendments": record["amendments"],
    }
    templates = [[plan.specs[c["template"]].code, c["template"].split("@", 1)[1]] for c in record["checklists"]]
    results = [
        [r["template"].split("@", 1)[1], r["item_code"], r["response"], r["points"], r["note"],
         sorted(p["sha256"] for p in r["photos"])]
        for r in record["results"]
    ]
    scope = [
        [m["template"].split("@", 1)[1], m["section_code"], m["mode"], m["reason"]] for m in record.get("scope", [])
    ]
    return inspection_digest(header, templates, results, scope)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(a, b, abs_tol=1e-6)
    return bool(a == b)


def _check_scores(plan: Plan, record: Mapping[str, Any], label: str) -> None:
    """The stored score, grade and veto flag must be what the answers give (they are recomputed on import). The
    score by this database's rule is kept in ``plan.scores`` for applying: the answers stored are the ones scored."""
    ordered = sorted(record["checklists"], key=lambda c: c["position"])
    answers: dict[str, dict[str, Answer]] = {c["template"]: {} for c in ordered}
    for r in record["results"]:
        if r["response"] is not None:
            answers[r["template"]][r["item_code"]] = Answer(r["response"], r["points"])
    # The overall figure may come from any rule across checklists (the laptop's 设置 overall_rule); each checklist's
    # own score, grade and veto are exact.
    # Checklists and sections left out (本次未检 / 不适用) are left out of the score, as at finalize.
    left_out: dict[str, set[str]] = {c["template"]: set() for c in ordered}
    for mark in record.get("scope", []):
        left_out[mark["template"]].add(mark["section_code"])
    kept = kept_in_scope([(plan.specs[c["template"]], answers[c["template"]], left_out[c["template"]])
                          for c in ordered])
    specs = [spec for spec, _ in kept]
    checklist_scores = [score_checklist(spec, kept_answers) for spec, kept_answers in kept]
    scores = {rule: combine_checklists(specs, checklist_scores, rule) for rule in OVERALL_RULES}
    score = scores[plan.overall_rule] if plan.overall_rule in scores else scores["sum"]
    ok = all(
        _same(c["score"], s.score) and c["grade"] == s.grade and c["vetoed"] == s.vetoed
        for c, s in zip(ordered, score.checklists, strict=True)
    ) and any(
        _same(record["score"], sc.percent) and record["grade"] == overall_grade(sc) and record["vetoed"] == sc.vetoed
        for sc in scores.values()
    )
    if not ok:
        shown = "—" if score.percent is None else f"{score.percent:.1f}"
        raise _refuse(
            plan,
            f"中「{label}」的得分/等级/否决（{record['score']} {record['grade']}）与按检查结果计算的"
            f"（{shown} {overall_grade(score)}）不一致，可能被改动",
        )
    plan.scores[record["id"]] = score


def _check_inspections(session: Session, plan: Plan, strict: bool, role: str | None) -> None:
    applied = {e.id for e in plan.entries if e.entity == "inspection" and e.status in ("new", "updated", "conflict")}
    for record_id, record in plan.inspections.items():
        label = f"{plan.institutions[record['institution_id']]['name']} {record['date']}"
        seals = _verified_seals(plan, record.get("seals"), f"检查「{label}」")
        if record_id not in applied or record["status"] != "finalized":
            continue
        _check_scores(plan, record, label)
        vouching = [
            s for s in seals
            if s["entity_id"] == record_id
            and plan.keys[s["fingerprint"]].role in COMMISSION
            and s["digest"] == record_digest(plan, record, str(s["context"].get("institution", "")))
        ]
        if strict and not vouching:
            raise _refuse(plan, f"中已完成的检查「{label}」没有督导专家的有效签名（或签名后内容被改动）")
        if strict and role == INSPECTOR:
            _check_round(session, plan, record, label)


def _check_round(session: Session, plan: Plan, record: Mapping[str, Any], label: str) -> None:
    """An inspection filed under a round here must come from one of the inspectors planned for it."""
    signer = plan.signer
    assert signer is not None and signer.key is not None
    if record["round_id"] is None:
        return
    round_ = session.get(Round, uuid.UUID(record["round_id"]))
    if round_ is None:
        return
    entry = session.scalar(
        select(RoundEntry).where(
            RoundEntry.round_id == round_.id,
            RoundEntry.institution_id == plan.institution_ids[record["institution_id"]],
        )
    )
    planned = set(round_.team) | set(entry.inspectors if entry is not None else [])
    if entry is None:
        raise _refuse(plan, f"中的检查「{label}」不在督导批次「{round_.title}」的计划内")
    if planned and not ({signer.key.username, signer.key.display_name} & planned):
        raise _refuse(plan, f"中的检查「{label}」不是由督导批次「{round_.title}」安排的检查人员签名的")


def _event_record(finding_id: str, event: Mapping[str, Any]) -> dict[str, Any]:
    return dict(event, finding_id=finding_id, photos=[p["sha256"] for p in event["photos"]])


def _new_events(session: Session, record: Mapping[str, Any]) -> list[dict[str, Any]]:
    query = select(FindingEvent.id).where(FindingEvent.finding_id == uuid.UUID(record["id"]))
    known = {str(i) for i in session.scalars(query)}
    return [e for e in record["events"] if e["id"] not in known]


def _check_findings(session: Session, plan: Plan, strict: bool) -> None:
    """Every feedback and re-inspection verdict a package adds here carries a valid signature by someone who may
    give it: a verdict an inspector's or administrator's, feedback the institution's own officer's (or theirs)."""
    applied = {e.id for e in plan.entries if e.entity == "finding" and e.status in ("new", "updated", "conflict")}
    for record_id, record in plan.findings.items():
        institution = plan.institution_ids[record["institution_id"]]
        for event in record["events"]:
            _verified_seals(plan, event.get("seals"), f"整改记录 {event['id']}")
        if record_id not in applied or not strict:
            continue
        for event in _new_events(session, record):
            if event["kind"] not in ("feedback", "passed", "failed"):
                continue
            digest = event_digest(_event_record(record_id, event))
            allowed = COMMISSION if event["kind"] != "feedback" else (*COMMISSION, HOSPITAL)
            ok = False
            for seal in _verified_seals(plan, event.get("seals"), f"整改记录 {event['id']}"):
                key: KeyInfo = plan.keys[seal["fingerprint"]]
                if seal["entity_id"] != event["id"] or seal["digest"] != digest or key.role not in allowed:
                    continue
                if key.role == HOSPITAL and key.institution_id != institution:
                    continue
                ok = True
            if not ok:
                what = "整改反馈" if event["kind"] == "feedback" else "复查结论"
                raise _refuse(plan, f"中整改项 {record['item_code']} 的{what}没有有权者的有效签名（或签名后被改动）")


_FIXED = ("inspection_id", "template", "item_code", "problem", "requirement", "severity", "deadline", "repeat",
          "closed_at")
_FIELD_WORDS = {
    "inspection_id": "所属检查",
    "template": "检查表",
    "item_code": "检查项",
    "problem": "问题描述",
    "requirement": "整改要求",
    "severity": "严重程度",
    "deadline": "整改期限",
    "repeat": "重复问题标记",
    "closed_at": "关闭时间",
}


def _known_deadlines(session: Session, finding: Finding) -> set[str]:
    """Every deadline this finding has had here: now, at each re-inspection, and as the audit log recorded it."""
    known = {finding.deadline.isoformat()}
    known |= {e.new_deadline.isoformat() for e in finding.events if e.new_deadline is not None}
    after: Any
    for after in session.scalars(
        select(AuditEvent.after).where(AuditEvent.entity == "finding", AuditEvent.entity_id == str(finding.id))
    ):
        if isinstance(after, dict) and isinstance(after.get("deadline"), str):
            known.add(after["deadline"])
    return known


def _check_feedback(session: Session, plan: Plan, role: str | None) -> None:
    """A feedback package only adds feedback (measure, department, photos) to open findings of one institution."""
    signer = plan.signer
    assert signer is not None
    own = signer.institution_id if role == HOSPITAL else None
    if own is None and plan.package.manifest.institution_id:
        try:
            own = uuid.UUID(plan.package.manifest.institution_id)
        except ValueError:
            raise _refuse(plan, "的机构编号无效") from None
    for record_id, record in plan.findings.items():
        local = session.get(Finding, uuid.UUID(record_id))
        if local is None:
            raise _refuse(plan, f"中的整改项 {record['item_code']} 在本数据库中不存在")
        where = f"整改项 {local.item_code}"
        if own is not None and local.institution_id != own:
            raise _refuse(plan, f"对{where}提交反馈，但它不属于签名者所在的医疗机构")
        new = _new_events(session, record)
        shared = {str(e.id): e for e in local.events}
        for event in record["events"]:
            mine = shared.get(event["id"])
            if mine is not None and (
                event["kind"] != mine.kind or event["note"] != mine.note or event["measure"] != mine.measure
                or event["department"] != mine.department or event["actor"] != mine.actor
                or (event["new_deadline"] or None) != (mine.new_deadline.isoformat() if mine.new_deadline else None)
            ):
                raise _refuse(plan, f"改动了{where}已有的整改记录")
        if not new:
            continue
        if local.status not in OPEN:
            state = "复查通过" if local.status == "passed" else "反馈"
            raise _refuse(plan, f"对已{state}的{where}提交反馈（不能重新打开）")
        mine_record = {
            "inspection_id": str(local.inspection_id),
            "template": record["template"] if local.item_id is not None else None,
            "item_code": local.item_code,
            "problem": local.problem,
            "requirement": local.requirement,
            "severity": local.severity,
            "deadline": local.deadline.isoformat(),
            "repeat": local.repeat,
            "closed_at": local.closed_at.isoformat() if local.closed_at else None,
        }
        # The commission may have moved the deadline since (a re-inspection crossing the feedback): a deadline this
        # finding has had here is that older copy; any other is an attempt to move it. It is never taken either way.
        changed = [
            k for k in _FIXED
            if k != "template"
            and (record[k] not in _known_deadlines(session, local) if k == "deadline" else mine_record[k] != record[k])
        ]
        if changed:
            words = "、".join(_FIELD_WORDS[k] for k in changed)
            raise _refuse(plan, f"要修改{where}的{words}：整改反馈包只能提交整改措施、责任科室和照片")
        for event in new:
            if event["kind"] != "feedback":
                raise _refuse(plan, f"为{where}带来了“{event['kind']}”记录：整改反馈包只能提交整改反馈")
            if not event["measure"].strip() or not event["department"].strip():
                raise _refuse(plan, f"中{where}的整改反馈缺少整改措施或责任科室")
            if event["new_deadline"] is not None:
                raise _refuse(plan, f"要修改{where}的整改期限：整改反馈包不能修改期限")
        if record["status"] != "feedback" or record["responsible_dept"] != new[-1]["department"].strip():
            raise _refuse(plan, f"中{where}的状态或责任科室与其整改反馈不符")


def signer_summary(signer: PackageSigner | None) -> str:
    return "" if signer is None else signer.message
