"""Inspections from start to signature: answers saved one by one, finalize with findings, audited amendments."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.checklists.spec import ChecklistSpec, ItemSpec, ResponseOption, ScoringRule
from inspections.docnumbers import issue_feedback_number
from inspections.errors import NotFoundError, ReadOnlyError, UserError
from inspections.labels import INSPECTION_KINDS
from inspections.scoring import Answer, InspectionScore, response_options, score_inspection, validate_answer
from inspections.settings import get_setting
from inspections.templates import applicable_templates, template_spec
from models.audit import append_audit
from models.base import utcnow
from models.checklist import ChecklistItem, ChecklistTemplate
from models.finding import Finding, FindingEvent
from models.inspection import Attachment, Inspection, InspectionChecklist, ItemResult, RoundEntry
from models.reference import Institution

if TYPE_CHECKING:
    from inspections.users import CurrentUser

FAILING = frozenset({"fail", "partial"})
_UNSET: Any = object()


# --- plain data handed to the window, the reports and the command line -------------------------------------------


@dataclass(frozen=True)
class PhotoRef:
    attachment_id: uuid.UUID
    sha256: str
    filename: str


@dataclass(frozen=True)
class PreviousResult:
    """The same item's result at the same institution in its previous finalized inspection."""

    inspection_id: uuid.UUID
    date: date
    response: str
    label: str
    outcome: str
    note: str


@dataclass(frozen=True)
class ItemView:
    item_id: uuid.UUID
    code: str
    spec: ItemSpec
    options: tuple[ResponseOption, ...]
    response: str | None
    points: float | None
    note: str
    photos: tuple[PhotoRef, ...]
    previous: PreviousResult | None
    updated_at: datetime | None

    @property
    def outcome(self) -> str | None:
        return next((o.outcome for o in self.options if o.code == self.response), None)


@dataclass(frozen=True)
class SectionView:
    code: str
    title: str
    items: tuple[ItemView, ...]


@dataclass(frozen=True)
class ChecklistView:
    template_id: uuid.UUID
    spec: ChecklistSpec
    sections: tuple[SectionView, ...]


@dataclass(frozen=True)
class InspectionView:
    """Everything the editor shows about one inspection."""

    id: uuid.UUID
    institution_id: uuid.UUID
    institution_name: str
    round_id: uuid.UUID | None
    kind: str
    date: date
    inspectors: tuple[str, ...]
    hospital_rep: str
    status: str
    finalized_at: datetime | None
    signatures: dict[str, str]
    content_hash: str | None
    amendments: int
    version: int
    checklists: tuple[ChecklistView, ...]
    score: InspectionScore

    @property
    def finalized(self) -> bool:
        return self.status == "finalized"

    @property
    def kind_label(self) -> str:
        return INSPECTION_KINDS.get(self.kind, self.kind)

    def items(self) -> list[ItemView]:
        return [i for c in self.checklists for s in c.sections for i in s.items]


@dataclass(frozen=True)
class SavedAnswer:
    """What recording an answer did: when it became durable (once the unit of work commits)."""

    item_id: uuid.UUID
    saved_at: datetime
    response: str | None
    points: float | None
    note: str


@dataclass(frozen=True)
class Blocker:
    """One thing that stops an inspection from being finalized, pointing at its item."""

    item_id: uuid.UUID | None
    code: str
    message: str


@dataclass(frozen=True)
class FinalizeResult:
    content_hash: str
    finding_ids: tuple[uuid.UUID, ...]
    score: InspectionScore = field(repr=False)


# --- loading -------------------------------------------------------------------------------------------------------


def _inspection(session: Session, inspection_id: uuid.UUID) -> Inspection:
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFoundError(f"找不到检查记录（编号 {inspection_id}）")
    return inspection


def _authorize(user: CurrentUser | None, action: str, institution_id: uuid.UUID) -> None:
    from inspections.users import authorize  # None: single-user mode, or the window's acting_as user

    authorize(user, action, institution_id=institution_id)


def _template_ids(inspection: Inspection) -> list[uuid.UUID]:
    return [c.template_id for c in inspection.checklists]


def previous_inspection_id(session: Session, inspection: Inspection) -> uuid.UUID | None:
    """The institution's latest finalized inspection before this one."""
    return session.scalar(
        select(Inspection.id)
        .where(
            Inspection.institution_id == inspection.institution_id,
            Inspection.status == "finalized",
            Inspection.id != inspection.id,
            Inspection.date <= inspection.date,
        )
        .order_by(Inspection.date.desc(), Inspection.finalized_at.desc())
        .limit(1)
    )


def _results_by_code(session: Session, inspection_id: uuid.UUID) -> dict[str, tuple[str, float | None, str]]:
    """Item code → (response, points, note) of an inspection (codes are stable across versions)."""
    rows = session.execute(
        select(ChecklistItem.code, ItemResult.response, ItemResult.points, ItemResult.note)
        .join(ItemResult, ItemResult.item_id == ChecklistItem.id)
        .where(ItemResult.inspection_id == inspection_id, ItemResult.response.is_not(None))
    )
    return {code: (response, points, note) for code, response, points, note in rows if response is not None}


def load_inspection(session: Session, inspection_id: uuid.UUID, *, user: CurrentUser | None = None) -> InspectionView:
    """The inspection with its checklists, answers, photos, last time's results and live score."""
    inspection = _inspection(session, inspection_id)
    _authorize(user, "inspection.view", inspection.institution_id)
    institution = session.get(Institution, inspection.institution_id)
    assert institution is not None
    results = {
        r.item_id: r for r in session.scalars(select(ItemResult).where(ItemResult.inspection_id == inspection.id))
    }
    photos: dict[uuid.UUID, list[PhotoRef]] = {}
    if results:
        by_result = {r.id: r.item_id for r in results.values()}
        for a in session.scalars(
            select(Attachment).where(Attachment.item_result_id.in_(by_result)).order_by(Attachment.created_at)
        ):
            assert a.item_result_id is not None
            photos.setdefault(by_result[a.item_result_id], []).append(PhotoRef(a.id, a.sha256, a.filename))

    previous: dict[str, PreviousResult] = {}
    prev_id = previous_inspection_id(session, inspection)
    if prev_id is not None:
        prev = session.get(Inspection, prev_id)
        assert prev is not None
        prev_labels = _option_labels(session, _template_ids(prev))
        for code, (response, _points, note) in _results_by_code(session, prev_id).items():
            label, outcome = prev_labels.get((code, response), (response, response))
            previous[code] = PreviousResult(prev_id, prev.date, response, label, outcome, note)

    checklists = []
    for template_id in _template_ids(inspection):
        spec = template_spec(session, template_id)
        item_ids = dict(
            session.execute(
                select(ChecklistItem.code, ChecklistItem.id).where(ChecklistItem.template_id == template_id)
            ).all()
        )
        sections = []
        for section in spec.sections:
            views = []
            for item in section.items:
                item_id = item_ids[item.code]
                result = results.get(item_id)
                views.append(
                    ItemView(
                        item_id=item_id,
                        code=item.code,
                        spec=item,
                        options=tuple(response_options(spec, item)),
                        response=result.response if result else None,
                        points=result.points if result else None,
                        note=result.note if result else "",
                        photos=tuple(photos.get(item_id, ())),
                        previous=previous.get(item.code),
                        updated_at=result.updated_at if result else None,
                    )
                )
            sections.append(SectionView(section.code, section.title, tuple(views)))
        checklists.append(ChecklistView(template_id, spec, tuple(sections)))

    return InspectionView(
        id=inspection.id,
        institution_id=institution.id,
        institution_name=institution.name,
        round_id=inspection.round_id,
        kind=inspection.kind,
        date=inspection.date,
        inspectors=tuple(inspection.inspectors),
        hospital_rep=inspection.hospital_rep,
        status=inspection.status,
        finalized_at=inspection.finalized_at,
        signatures=dict(inspection.signatures),
        content_hash=inspection.content_hash,
        amendments=inspection.amendments,
        version=inspection.version,
        checklists=tuple(checklists),
        score=_score(session, inspection),
    )


def _option_labels(session: Session, template_ids: Sequence[uuid.UUID]) -> dict[tuple[str, str], tuple[str, str]]:
    labels: dict[tuple[str, str], tuple[str, str]] = {}
    for template_id in template_ids:
        spec = template_spec(session, template_id)
        for item in spec.items():
            for option in response_options(spec, item):
                labels[(item.code, option.code)] = (option.label, option.outcome)
    return labels


def _answers(session: Session, inspection: Inspection) -> dict[uuid.UUID, dict[str, Answer]]:
    """Template id → item code → answer."""
    answers: dict[uuid.UUID, dict[str, Answer]] = {tid: {} for tid in _template_ids(inspection)}
    rows = session.execute(
        select(ChecklistItem.template_id, ChecklistItem.code, ItemResult.response, ItemResult.points)
        .join(ItemResult, ItemResult.item_id == ChecklistItem.id)
        .where(ItemResult.inspection_id == inspection.id)
    )
    for template_id, code, response, points in rows:
        if response is not None:  # a note or photo without an answer yet
            answers.setdefault(template_id, {})[code] = Answer(response, points)
    return answers


def _score(session: Session, inspection: Inspection) -> InspectionScore:
    answers = _answers(session, inspection)
    return score_inspection([(template_spec(session, tid), answers[tid]) for tid in _template_ids(inspection)])


def inspection_score(session: Session, inspection_id: uuid.UUID) -> InspectionScore:
    """The current score of an inspection, with its breakdown and formula."""
    return _score(session, _inspection(session, inspection_id))


# --- starting and answering ----------------------------------------------------------------------------------------


def start_inspection(
    session: Session,
    actor: str,
    *,
    institution_id: uuid.UUID,
    kind: str = "supervision",
    on: date,
    inspectors: Sequence[str],
    template_ids: Sequence[uuid.UUID] | None = None,
    round_id: uuid.UUID | None = None,
    hospital_rep: str = "",
    user: CurrentUser | None = None,
) -> uuid.UUID:
    """Start a draft inspection; checklists default to those in force that apply to the institution."""
    _authorize(user, "inspection.record", institution_id)
    institution = session.get(Institution, institution_id)
    if institution is None:
        raise NotFoundError(f"找不到医疗机构（编号 {institution_id}）")
    if not institution.active:
        raise UserError(f"医疗机构“{institution.name}”已停用，不能开始检查")
    if kind not in INSPECTION_KINDS:
        raise UserError(f"检查类型“{kind}”无效，可选：{'、'.join(INSPECTION_KINDS.values())}")
    inspectors = [name.strip() for name in inspectors if name.strip()]
    if not inspectors:
        raise UserError("请至少填写一名检查人员")
    if template_ids is None:
        templates = applicable_templates(session, institution, on)
        if not templates:
            raise UserError(f"没有适用于“{institution.name}”且在 {on.isoformat()} 有效的检查表")
        template_ids = [t.id for t in templates]
    elif not template_ids:
        raise UserError("请至少选择一张检查表")
    for template_id in template_ids:
        template = session.get(ChecklistTemplate, template_id)
        if template is None:
            raise NotFoundError(f"找不到检查表（编号 {template_id}）")
    inspection = Inspection(
        id=uuid.uuid4(),
        institution_id=institution.id,
        round_id=round_id,
        kind=kind,
        date=on,
        inspectors=inspectors,
        hospital_rep=hospital_rep,
        status="draft",
        created_by=actor,
    )
    inspection.checklists = [
        InspectionChecklist(template_id=tid, position=n) for n, tid in enumerate(dict.fromkeys(template_ids))
    ]
    session.add(inspection)
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="inspection.start",
        entity="inspection",
        entity_id=inspection.id,
        after={
            "institution": institution.id,
            "kind": kind,
            "date": on,
            "inspectors": inspectors,
            "templates": list(template_ids),
            "round": round_id,
        },
    )
    return inspection.id


def _item_in(session: Session, inspection: Inspection, item_id: uuid.UUID) -> tuple[ChecklistItem, ChecklistSpec]:
    item = session.get(ChecklistItem, item_id)
    if item is None or item.template_id not in _template_ids(inspection):
        raise NotFoundError("该检查项不属于这次检查")
    return item, template_spec(session, item.template_id)


def _result_state(result: ItemResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {"response": result.response, "points": result.points, "note": result.note}


def record_answer(
    session: Session,
    actor: str,
    inspection_id: uuid.UUID,
    item_id: uuid.UUID,
    *,
    response: str | None = _UNSET,
    points: float | None = _UNSET,
    note: str = _UNSET,
    reason: str = "",
    user: CurrentUser | None = None,
) -> SavedAnswer:
    """Record (part of) an item's answer: response, points (部分符合 only), note. Arguments left out keep their
    value; ``response=None`` clears the answer. Durable when the caller's unit of work commits.
    A finalized inspection takes changes only with a reason (an amendment: audited, re-hashed)."""
    inspection = _inspection(session, inspection_id)
    _authorize(user, "inspection.record", inspection.institution_id)
    amending = inspection.status == "finalized"
    if amending and not reason.strip():
        raise ReadOnlyError("该检查已完成签字，只读；如需修改请填写修改原因")
    item, spec = _item_in(session, inspection, item_id)
    item_spec = next(i for i in spec.items() if i.code == item.code)
    result = session.scalar(
        select(ItemResult).where(ItemResult.inspection_id == inspection.id, ItemResult.item_id == item_id)
    )
    before = _result_state(result)
    new_response = (result.response if result else None) if response is _UNSET else response
    new_points = (result.points if result else None) if points is _UNSET else points
    new_note = (result.note if result else "") if note is _UNSET else (note or "")
    if response is not _UNSET and points is _UNSET:
        new_points = None  # a new response resets adjusted points
    now = utcnow()
    if new_response is None and amending:
        raise ReadOnlyError("已完成的检查不能清除答案，请改为其他答案")
    if new_response is not None:
        validate_answer(spec, item_spec, Answer(new_response, new_points))
    has_photos = result is not None and session.scalar(
        select(Attachment.id).where(Attachment.item_result_id == result.id).limit(1)
    )
    if new_response is None and not new_note.strip() and not has_photos:
        if result is not None:  # nothing left to keep: the item is unanswered again
            session.delete(result)
    else:
        # A note or photos may come before the answer: the row then holds no response and the item stays unanswered.
        if result is None:
            result = ItemResult(id=uuid.uuid4(), inspection_id=inspection.id, item_id=item_id)
            session.add(result)
        result.response, result.points, result.note = new_response, new_points, new_note
        result.updated_at, result.updated_by = now, actor
    session.flush()
    after = _result_state(result) if result is not None and result in session else None
    append_audit(
        session,
        actor=actor,
        action="inspection.amend" if amending else "inspection.answer",
        entity="item_result",
        entity_id=f"{inspection.id}/{item.code}",
        before=before,
        after=after,
        reason=reason,
    )
    # The inspection row itself is not touched: inspectors answering different items of one inspection on a
    # shared server must not conflict on its version counter.
    if amending:
        _after_amendment(session, actor, inspection, reason)
    return SavedAnswer(item_id, now, new_response, new_points, new_note)


def set_header(
    session: Session,
    actor: str,
    inspection_id: uuid.UUID,
    *,
    inspectors: Sequence[str] | None = None,
    hospital_rep: str | None = None,
    on: date | None = None,
    expected_version: int | None = None,
) -> None:
    """Change a draft's team, hospital representative or date."""
    inspection = _inspection(session, inspection_id)
    if inspection.status == "finalized":
        raise ReadOnlyError("该检查已完成签字，不能修改基本信息")
    before = {"inspectors": inspection.inspectors, "hospital_rep": inspection.hospital_rep, "date": inspection.date}
    if inspectors is not None:
        inspection.inspectors = [n.strip() for n in inspectors if n.strip()]
    if hospital_rep is not None:
        inspection.hospital_rep = hospital_rep.strip()
    if on is not None:
        inspection.date = on
    after = {"inspectors": inspection.inspectors, "hospital_rep": inspection.hospital_rep, "date": inspection.date}
    append_audit(
        session,
        actor=actor,
        action="inspection.header",
        entity="inspection",
        entity_id=inspection.id,
        before=before,
        after=after,
    )


def add_item_photo(
    session: Session,
    actor: str,
    inspection_id: uuid.UUID,
    item_id: uuid.UUID,
    data: bytes,
    *,
    filename: str = "",
    reason: str = "",
) -> uuid.UUID:
    """Attach a photo to an item (an unanswered item stays unanswered: the photo may come first)."""
    from inspections.photos import attach_photo

    inspection = _inspection(session, inspection_id)
    if inspection.status == "finalized" and not reason.strip():
        raise ReadOnlyError("该检查已完成签字，只读；如需补充照片请填写修改原因")
    _item_in(session, inspection, item_id)
    result = session.scalar(
        select(ItemResult).where(ItemResult.inspection_id == inspection.id, ItemResult.item_id == item_id)
    )
    if result is None:
        result = ItemResult(
            id=uuid.uuid4(),
            inspection_id=inspection.id,
            item_id=item_id,
            response=None,
            updated_at=utcnow(),
            updated_by=actor,
        )
        session.add(result)
        session.flush()
    attachment_id = attach_photo(session, actor, item_result_id=result.id, data=data, filename=filename)
    if inspection.status == "finalized":
        _after_amendment(session, actor, inspection, reason)
    return attachment_id


def remove_item_photo(session: Session, actor: str, attachment_id: uuid.UUID, *, reason: str = "") -> None:
    """Remove a photo from a draft's item (a finalized inspection needs a reason)."""
    from inspections.photos import remove_attachment

    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.item_result_id is None:
        raise NotFoundError("找不到该照片")
    result = session.get(ItemResult, attachment.item_result_id)
    assert result is not None
    inspection = _inspection(session, result.inspection_id)
    if inspection.status == "finalized" and not reason.strip():
        raise ReadOnlyError("该检查已完成签字，只读；如需删除照片请填写修改原因")
    remove_attachment(session, actor, attachment_id, reason=reason)
    if inspection.status == "finalized":
        _after_amendment(session, actor, inspection, reason)


# --- finalize, content hash, amendments --------------------------------------------------------------------------


def finalize_blockers(session: Session, inspection_id: uuid.UUID) -> list[Blocker]:
    """What still stops finalizing: unanswered items, failed items without a note, missing photos."""
    view = load_inspection(session, inspection_id)
    blockers: list[Blocker] = []
    if view.finalized:
        return [Blocker(None, "", "该检查已完成签字")]
    for item in view.items():
        outcome = item.outcome
        if item.response is None:
            blockers.append(Blocker(item.item_id, item.code, "未作答"))
            continue
        if outcome in FAILING and not item.note.strip():
            blockers.append(Blocker(item.item_id, item.code, "判为不符合或部分符合，但未填写问题描述"))
        evidence = item.spec.evidence
        if not item.photos and (evidence == "photo-always" or (evidence == "photo-on-fail" and outcome in FAILING)):
            need = "须拍照留证" if evidence == "photo-always" else "不符合时须拍照留证"
            blockers.append(Blocker(item.item_id, item.code, f"{need}，尚无照片"))
    if not view.inspectors:
        blockers.append(Blocker(None, "", "未填写检查人员"))
    return blockers


def content_digest(header: dict[str, Any], templates: list[list[Any]], results: list[list[Any]]) -> str:
    """The signed digest of an inspection's content (shared by finalize, ``check`` and bulk generators).

    header: id, institution, kind, date, inspectors, hospital_rep, signatures; templates: [code, version, hash];
    results: [template code, item code, response, points, note, sorted photo sha256s]."""
    body = dict(header, templates=sorted(templates), results=sorted(results))
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
    _inspection(session, inspection_id)
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
        photos: dict[uuid.UUID, list[str]] = {}
        for result_id, sha in session.execute(
            select(Attachment.item_result_id, Attachment.sha256)
            .join(ItemResult, ItemResult.id == Attachment.item_result_id)
            .where(ItemResult.inspection_id.in_(chunk))
        ):
            if result_id is not None:
                photos.setdefault(result_id, []).append(sha)
        results: dict[uuid.UUID, list[list[Any]]] = {i: [] for i in chunk}
        for inspection_id, tcode, code, response, points, note, rid in session.execute(
            select(
                ItemResult.inspection_id,
                ChecklistTemplate.code,
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
            results[inspection_id].append([tcode, code, response, points, note, sorted(photos.get(rid, []))])
        for inspection in session.scalars(select(Inspection).where(Inspection.id.in_(chunk))):
            hashes[inspection.id] = content_digest(
                digest_header(inspection), templates[inspection.id], results[inspection.id]
            )
    return hashes


def _store_scores(session: Session, inspection: Inspection) -> InspectionScore:
    score = _score(session, inspection)
    for link, checklist_score in zip(inspection.checklists, score.checklists, strict=True):
        link.score, link.grade, link.vetoed = checklist_score.score, checklist_score.grade, checklist_score.vetoed
    inspection.score = score.percent
    inspection.vetoed = score.vetoed
    inspection.grade = overall_grade(score)
    return score


def overall_grade(score: InspectionScore) -> str:
    """The inspection's grade: a veto anywhere fails it; else the default bands on the overall percent."""
    if score.vetoed:
        return "不合格（否决）"
    if score.percent is None:
        return "无法评分"
    return next(band.label for band in ScoringRule().grades if score.percent >= band.min)


def deadline_days(session: Session, severity: str) -> int:
    """Days allowed to rectify a finding of this severity (settings: 3 for 严重 and 15 otherwise by default)."""
    key = "deadline_days_critical" if severity == "critical" else "deadline_days_general"
    return int(get_setting(session, key))


def finalize_inspection(
    session: Session,
    actor: str,
    inspection_id: uuid.UUID,
    *,
    signatures: dict[str, str] | None = None,
    hospital_rep: str | None = None,
    user: CurrentUser | None = None,
) -> FinalizeResult:
    """Sign an inspection: check nothing blocks it, create its findings, store scores and the content hash.
    From then on it is read-only except for audited amendments."""
    inspection = _inspection(session, inspection_id)
    _authorize(user, "inspection.record", inspection.institution_id)
    if inspection.status == "finalized":
        raise ReadOnlyError("该检查已完成签字")
    if hospital_rep is not None:
        inspection.hospital_rep = hospital_rep.strip()
    blockers = finalize_blockers(session, inspection_id)
    if blockers:
        shown = "\n".join(f"{b.code} {b.message}".strip() for b in blockers[:10])
        more = f"\n……共 {len(blockers)} 项" if len(blockers) > 10 else ""
        raise UserError(f"还不能完成检查：\n{shown}{more}")
    inspection.signatures = dict(signatures or {})
    score = _store_scores(session, inspection)
    finding_ids = _create_findings(session, actor, inspection)
    inspection.status = "finalized"
    inspection.finalized_at = utcnow()
    session.flush()
    inspection.content_hash = content_hash(session, inspection.id)
    number = issue_feedback_number(session, inspection, actor)  # the 反馈单's 文号, issued once, here
    if inspection.round_id is not None:
        entry = session.scalar(
            select(RoundEntry).where(
                RoundEntry.round_id == inspection.round_id, RoundEntry.institution_id == inspection.institution_id
            )
        )
        if entry is not None:
            entry.status, entry.reason = "done", ""
    append_audit(
        session,
        actor=actor,
        action="inspection.finalize",
        entity="inspection",
        entity_id=inspection.id,
        after={
            "hash": inspection.content_hash,
            "score": score.percent,
            "vetoed": score.vetoed,
            "findings": len(finding_ids),
            "signatures": inspection.signatures,
            "doc_number": number.text,
        },
    )
    return FinalizeResult(inspection.content_hash, tuple(finding_ids), score)


def _failed_items(session: Session, inspection: Inspection) -> list[tuple[ChecklistItem, ItemResult, str]]:
    """(item, result, outcome) for every 不符合 / 部分符合 answer, in checklist order."""
    labels = _option_labels(session, _template_ids(inspection))
    rows = session.execute(
        select(ChecklistItem, ItemResult)
        .join(ItemResult, ItemResult.item_id == ChecklistItem.id)
        .where(ItemResult.inspection_id == inspection.id)
    ).all()
    order = {tid: n for n, tid in enumerate(_template_ids(inspection))}
    failed = []
    for item, result in sorted(rows, key=lambda r: (order[r[0].template_id], r[0].position)):
        if result.response is None:
            continue
        _label, outcome = labels.get((item.code, result.response), ("", ""))
        if outcome in FAILING:
            failed.append((item, result, outcome))
    return failed


def _create_findings(session: Session, actor: str, inspection: Inspection) -> list[uuid.UUID]:
    previous_failed: set[str] = set()
    prev_id = previous_inspection_id(session, inspection)
    if prev_id is not None:
        prev = session.get(Inspection, prev_id)
        assert prev is not None
        previous_failed = {item.code for item, _r, _o in _failed_items(session, prev)}
    existing = set(session.scalars(select(Finding.item_id).where(Finding.inspection_id == inspection.id)))
    ids = []
    for item, result, _outcome in _failed_items(session, inspection):
        if item.id in existing:
            continue
        severity = "critical" if item.critical else "general"
        finding = Finding(
            id=uuid.uuid4(),
            inspection_id=inspection.id,
            institution_id=inspection.institution_id,
            item_id=item.id,
            item_code=item.code,
            problem=result.note.strip() or item.text,
            requirement=item.remedy or "按检查标准整改",
            severity=severity,
            deadline=inspection.date + timedelta(days=deadline_days(session, severity)),
            status="open",
            repeat=item.code in previous_failed,
        )
        finding.events.append(FindingEvent(id=uuid.uuid4(), kind="created", actor=actor, note="检查发现问题"))
        session.add(finding)
        session.flush()
        append_audit(
            session,
            actor=actor,
            action="finding.create",
            entity="finding",
            entity_id=finding.id,
            after={
                "inspection": inspection.id,
                "item": item.code,
                "severity": severity,
                "deadline": finding.deadline,
                "repeat": finding.repeat,
            },
        )
        ids.append(finding.id)
    return ids


def _after_amendment(session: Session, actor: str, inspection: Inspection, reason: str) -> None:
    """Rescore, add findings for newly failed items, close findings of items now passed, and re-hash."""
    old_hash = inspection.content_hash
    _store_scores(session, inspection)
    _create_findings(session, actor, inspection)
    failing_now = {item.id for item, _r, _o in _failed_items(session, inspection)}
    for finding in session.scalars(
        select(Finding).where(
            Finding.inspection_id == inspection.id, Finding.status.in_(("open", "feedback", "failed"))
        )
    ):
        if finding.item_id is not None and finding.item_id not in failing_now:
            finding.status, finding.closed_at = "passed", utcnow()
            finding.events.append(
                FindingEvent(
                    id=uuid.uuid4(), kind="note", actor=actor, note=f"检查结果经修订后该项不再为问题：{reason}"
                )
            )
    inspection.amendments += 1
    session.flush()
    inspection.content_hash = content_hash(session, inspection.id)
    append_audit(
        session,
        actor=actor,
        action="inspection.rehash",
        entity="inspection",
        entity_id=inspection.id,
        before={"hash": old_hash},
        after={"hash": inspection.content_hash},
        reason=reason,
    )


# --- lists -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InspectionRow:
    id: uuid.UUID
    institution_id: uuid.UUID
    institution_name: str
    kind: str
    date: date
    status: str
    inspectors: tuple[str, ...]
    score: float | None
    grade: str | None
    vetoed: bool
    round_id: uuid.UUID | None


def list_inspections(
    session: Session,
    *,
    institution_id: uuid.UUID | None = None,
    status: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int | None = None,
    user: CurrentUser | None = None,
) -> list[InspectionRow]:
    """Inspections, newest first (a hospital officer's ``user``: their own institution's only)."""
    from inspections.users import acting_user, authorize, scope_institution

    user = acting_user(user)
    if user is not None:
        authorize(user, "inspection.view")
        institution_id = scope_institution(user, institution_id, "inspection.view")
    query = (
        select(Inspection, Institution.name)
        .join(Institution, Institution.id == Inspection.institution_id)
        .order_by(Inspection.date.desc(), Institution.name)
    )
    if institution_id is not None:
        query = query.where(Inspection.institution_id == institution_id)
    if status is not None:
        query = query.where(Inspection.status == status)
    if date_from is not None:
        query = query.where(Inspection.date >= date_from)
    if date_to is not None:
        query = query.where(Inspection.date <= date_to)
    if limit is not None:
        query = query.limit(limit)
    return [
        InspectionRow(
            i.id,
            i.institution_id,
            name,
            i.kind,
            i.date,
            i.status,
            tuple(i.inspectors),
            i.score,
            i.grade,
            i.vetoed,
            i.round_id,
        )
        for i, name in session.execute(query)
    ]


def parse_inspection_id(text: str) -> uuid.UUID:
    """An inspection id typed by a user (full UUID)."""
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise UserError(f"“{text}”不是有效的检查编号") from None
