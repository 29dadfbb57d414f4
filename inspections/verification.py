"""What `check` adds for trust: every signature against the enrolled keys, every signed record against its
signature, and every derived score, grade and veto flag against the answers and checklist versions."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.rawids import id_text, raw_id
from inspections.signing import event_digests, inspection_digests, key_infos, seals_of, signed_ids, verify_stored
from models.audit import AuditEvent
from models.finding import Finding, FindingEvent
from models.inspection import Inspection
from models.reference import Institution

Progress = Callable[[int, int, str], None]
SIGNED_EVENT_KINDS = ("feedback", "passed", "failed")
DERIVED_BATCH = 400
"""Inspections whose scores are recomputed together (a few set queries a batch)."""


@dataclass
class TrustReport:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _claimed_seals(session: Session) -> tuple[set[str], set[str]]:
    """Inspections and finding events whose audit records say they were signed (the chain protects this)."""
    inspections: set[str] = set()
    events: set[str] = set()
    for entity_id, action, after in session.execute(
        select(AuditEvent.entity_id, AuditEvent.action, AuditEvent.after).where(
            AuditEvent.action.in_(("inspection.finalize", "inspection.rehash", "finding.feedback", "finding.reinspect"))
        )
    ):
        if not isinstance(after, dict) or not after.get("sealed_by"):
            continue
        if str(action).startswith("inspection."):
            inspections.add(str(entity_id))
        elif isinstance(after.get("event"), str):
            events.add(after["event"])
    return inspections, events


def verify_trust(
    session: Session,
    progress: Progress | None = None,
    *,
    only: Sequence[uuid.UUID] | None = None,
    only_events: Sequence[uuid.UUID] | None = None,
) -> TrustReport:
    """Every key's certificate, every signature, every signed record against its content and every derived score.

    ``only`` / ``only_events``: verify the signatures (and scores) of these finalized inspections / finding events
    alone (an incremental check); the keys and the list of unsigned records are read whole either way — which
    records carry a signature is one read of the signatures' ids, not of the signatures."""
    report = TrustReport()
    keys = key_infos(session)
    for key in keys.values():
        if not key.trusted:
            report.problems.append(f"签名密钥 {key.label} 的证书无效：{key.why}")
    claimed_inspections, claimed_events = _claimed_seals(session)

    rows = session.execute(
        select(Inspection.id, Inspection.date, Institution.name, Inspection.institution_id)
        .join(Institution, Institution.id == Inspection.institution_id)
        .where(Inspection.status == "finalized")
        .order_by(Inspection.date, Inspection.id)
    ).all()
    wanted = None if only is None else set(only)
    signed = signed_ids(session, "inspection")
    checked = [r[0] for r in rows if str(r[0]) in signed and (wanted is None or r[0] in wanted)]
    seals = seals_of(session, "inspection", [str(i) for i in checked])
    institutions = {r[0]: r[3] for r in rows}
    refs = {
        i: str(seals[str(i)][-1].context.get("institution", institutions[i])) for i in checked if str(i) in seals
    }
    if progress is not None:
        progress(0, 1, "签名与得分")
    digests = inspection_digests(session, list(refs), refs)
    unsigned: list[str] = []
    bad = 0
    for inspection_id, on, name, _institution in rows:
        rid = str(inspection_id)
        if rid not in signed:
            what = f"检查记录 {inspection_id}（{name} {on.isoformat()}）"
            if rid in claimed_inspections:
                report.problems.append(f"{what}：审计记录显示已签名，但签名记录不见了（被删除？）")
                bad += 1
            else:
                unsigned.append(what)
            continue
        mine = seals.get(rid)
        if not mine:
            continue  # not asked for (an incremental check), or its signature went while this check ran
        what = f"检查记录 {inspection_id}（{name} {on.isoformat()}）"
        problems = [f"{what}：{p}" for row in mine if (p := verify_stored(row, keys)) is not None]
        latest = mine[-1]
        if not _covered(session, inspection_id, mine, digests.get(inspection_id)):
            problems.append(f"{what}的内容与 {latest.signer} 的签名不符（签名后被改动），签名者 {latest.signer}")
        bad += bool(problems)
        report.problems.extend(problems)

    # A city has hundreds of thousands of these: their ids are read as text, not made into UUIDs.
    events = [
        (id_text(event_id), kind, code, name)
        for event_id, kind, code, name in session.execute(
            select(raw_id(FindingEvent.id), FindingEvent.kind, Finding.item_code, Institution.name)
            .join(Finding, Finding.id == FindingEvent.finding_id)
            .join(Institution, Institution.id == Finding.institution_id)
            .where(FindingEvent.kind.in_(SIGNED_EVENT_KINDS))
        )
    ]
    wanted_events = None if only_events is None else {str(e) for e in only_events}
    signed_events = signed_ids(session, "finding_event")
    to_verify = [e[0] for e in events if e[0] in signed_events and (wanted_events is None or e[0] in wanted_events)]
    event_seals = seals_of(session, "finding_event", to_verify)
    event_hashes = {str(k): v for k, v in event_digests(session, [uuid.UUID(e) for e in to_verify]).items()}
    unsigned_events: list[str] = []
    labels = {"feedback": "整改反馈", "passed": "复查通过", "failed": "复查未通过"}
    for rid, kind, code, name in events:
        if rid not in signed_events:
            what = f"{labels[kind]} {rid}（{name} {code}）"
            if rid in claimed_events:
                report.problems.append(f"{what}：审计记录显示已签名，但签名记录不见了（被删除？）")
            else:
                unsigned_events.append(what)
            continue
        mine = event_seals.get(rid)
        if not mine:
            continue
        what = f"{labels[kind]} {rid}（{name} {code}）"
        for row in mine:
            problem = verify_stored(row, keys)
            if problem is not None:
                report.problems.append(f"{what}：{problem}")
        if event_hashes.get(rid) != mine[-1].digest:
            report.problems.append(f"{what}的内容与 {mine[-1].signer} 的签名不符（签名后被改动）")

    report.lines.append(
        f"签名：已登记密钥 {len(keys)} 个；已签名的检查 {len(rows) - len(unsigned)} 份（不符 {bad} 份），"
        f"未签名（旧数据）{len(unsigned)} 份；未签名的整改记录 {len(unsigned_events)} 条"
        + ("" if only_events is None else f"；核对已签名的整改记录 {len(to_verify)} 条（新增、改动及轮流抽查）")
    )
    report.warnings.extend(f"未签名（旧数据）：{w}" for w in unsigned + unsigned_events)
    derived = [r[0] for r in rows if wanted is None or r[0] in wanted]
    report.problems.extend(derived_problems(session, derived, {r[0]: (r[1], r[2]) for r in rows}))
    return report


def _covered(session: Session, inspection_id: uuid.UUID, seals: list[Any], current: str | None) -> bool:
    """Whether one of the record's signatures is over its current content (the newest, computed in bulk, first;
    one naming the institution by another id — from before an import matched it — computed on its own)."""
    if current is not None and current == seals[-1].digest:
        return True
    for seal in reversed(seals[:-1]):
        ref = str((seal.context or {}).get("institution", ""))
        digest = current if ref == str((seals[-1].context or {}).get("institution", "")) else (
            inspection_digests(session, [inspection_id], {inspection_id: ref}).get(inspection_id)
        )
        if digest == seal.digest:
            return True
    return False


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, abs_tol=1e-6)


def derived_problems(session: Session, ids: list[uuid.UUID], labels: dict[uuid.UUID, Any]) -> list[str]:
    """Finalized inspections whose stored score, grade or veto flag differ from what their answers give: a few set
    queries per 400 inspections (answers, stored scores, checklist links), each checklist scored once from the
    answers read (each checklist version's spec read once, each item's score to a response remembered), and the
    inspection's figure compared with what each rule across checklists gives from those same checklist scores."""
    from collections import defaultdict

    from inspections.scoring import OVERALL_RULES, Answer, combine_checklists, overall_grade, score_checklist
    from inspections.templates import template_spec
    from inspections.workflow.scope import in_scope, scope_marks
    from models.checklist import ChecklistItem
    from models.inspection import InspectionChecklist, InspectionScope, ItemResult

    specs: dict[uuid.UUID, Any] = {}
    answer_of: dict[tuple[str, float | None], Answer] = {}
    problems: list[str] = []
    for start in range(0, len(ids), DERIVED_BATCH):
        chunk = ids[start : start + DERIVED_BATCH]
        # Ids as the driver returns them (not one uuid.UUID made and hashed per answer): keys only.
        answers: dict[tuple[object, object], dict[str, Answer]] = defaultdict(dict)
        connection = session.connection()
        for inspection_raw, template_raw, code, response, points in connection.execute(
            select(raw_id(ItemResult.inspection_id), raw_id(ChecklistItem.template_id), ChecklistItem.code,
                   ItemResult.response, ItemResult.points)
            .join(ChecklistItem, ChecklistItem.id == ItemResult.item_id)
            .where(ItemResult.inspection_id.in_(chunk), ItemResult.response.is_not(None))
        ).all():  # fmt: skip
            if response is not None:
                answer = answer_of.get((response, points))
                if answer is None:
                    answer = answer_of[(response, points)] = Answer(response, points)
                answers[(inspection_raw, template_raw)][code] = answer
        stored = {
            row[0]: row[1:]
            for row in connection.execute(
                select(Inspection.id, raw_id(Inspection.id), Inspection.score, Inspection.grade, Inspection.vetoed)
                .where(Inspection.id.in_(chunk))
            )
        }
        links: dict[object, list[tuple[uuid.UUID, object, float | None, str | None, bool]]] = defaultdict(list)
        for inspection_raw, template_id, template_raw, score, grade, vetoed in connection.execute(
            select(raw_id(InspectionChecklist.inspection_id), InspectionChecklist.template_id,
                   raw_id(InspectionChecklist.template_id), InspectionChecklist.score, InspectionChecklist.grade,
                   InspectionChecklist.vetoed)
            .where(InspectionChecklist.inspection_id.in_(chunk))
            .order_by(InspectionChecklist.inspection_id, InspectionChecklist.position)
        ):  # fmt: skip
            links[inspection_raw].append((template_id, template_raw, score, grade, vetoed))
            if template_id not in specs:
                specs[template_id] = template_spec(session, template_id)
        # Scope marks are rare: read them only for the inspections that have any.
        scoped = set(
            session.scalars(select(InspectionScope.inspection_id).where(InspectionScope.inspection_id.in_(chunk)))
        )
        for inspection_id in chunk:
            if inspection_id not in stored:
                continue
            inspection_raw, stored_score, stored_grade, stored_vetoed = stored[inspection_id]
            mine = links.get(inspection_raw, [])
            # Out-of-scope sections are left out as at finalize; the overall figure may have been taken by any of
            # the rules across checklists (设置 overall_rule can change after an inspection was signed), but each
            # checklist's own score, grade and veto are exact.
            marks = scope_marks(session, inspection_id) if inspection_id in scoped else []
            pairs = in_scope(
                [(tid, specs[tid], answers.get((inspection_raw, key), {})) for tid, key, _, _, _ in mine], marks
            )
            checklists = tuple(score_checklist(spec, given, explain=False) for spec, given in pairs)
            kept = [spec for spec, _ in pairs]
            checklists_ok = all(
                _same(score, c.score) and grade == c.grade and vetoed == c.vetoed
                for (_, _, score, grade, vetoed), c in zip(mine, checklists, strict=True)
            )
            if checklists_ok and any(
                _same(stored_score, sc.percent) and stored_grade == overall_grade(sc) and stored_vetoed == sc.vetoed
                for sc in (combine_checklists(kept, checklists, rule) for rule in OVERALL_RULES)
            ):
                continue
            overall = combine_checklists(kept, checklists, next(iter(OVERALL_RULES)))
            recomputed = overall_grade(overall)
            on, name = labels[inspection_id]
            shown = "—" if overall.percent is None else f"{overall.percent:.1f}"
            before = "—" if stored_score is None else f"{stored_score:.1f}"
            problems.append(
                f"检查记录 {inspection_id}（{name} {on.isoformat()}）保存的得分/等级/否决（{before} {stored_grade}"
                f"{' 否决' if stored_vetoed else ''}）与按检查结果重新计算的（{shown} {recomputed}）不一致，可能被改动"
            )
    return problems


def part_signature_problems(session: Session, ids: Sequence[uuid.UUID]) -> list[str]:
    """Team members' signatures over their parts (``inspection_part``) of these inspections: each against the
    member's enrolled key and the statement it carries; one sentence a bad signature. A statement the lead decided
    otherwise since is not a problem (the lead's own signature covers the whole)."""
    from inspections.teams.signing import PART_ENTITY, signature_problem

    seals = seals_of(session, PART_ENTITY, [str(i) for i in ids])
    if not seals:
        return []
    keys = key_infos(session)
    labels = {
        str(i): (on, name)
        for i, on, name in session.execute(
            select(Inspection.id, Inspection.date, Institution.name)
            .join(Institution, Institution.id == Inspection.institution_id)
            .where(Inspection.id.in_([uuid.UUID(k) for k in seals]))
        )
    }
    problems = []
    for entity_id, rows in seals.items():
        on, name = labels.get(entity_id, (None, ""))
        what = f"检查记录 {entity_id}（{name} {on.isoformat() if on else ''}）".replace(" ）", "）")
        for row in rows:
            problem = signature_problem(row, keys)
            if problem is not None:
                problems.append(f"{what}中成员 {row.signer} 对其分工部分的签名不成立：{problem}")
    return problems
