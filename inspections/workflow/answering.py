"""Starting an inspection and recording its answers and header, one by one (amendments once signed)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from inspections.answer_counts import change_answer
from inspections.errors import ConflictError, NotFoundError, ReadOnlyError, UserError
from inspections.labels import INSPECTION_KINDS
from inspections.permissions import CurrentUser
from inspections.scoring import Answer, deduction_answer, validate_answer
from inspections.teams.parts import check_editable
from inspections.templates import applicable_templates
from inspections.workflow.amendments import after_amendment
from inspections.workflow.loading import authorize_on, get_inspection, item_in, option_labels
from models.audit import append_audit
from models.base import utcnow
from models.checklist import ChecklistItem, ChecklistTemplate
from models.inspection import Attachment, Inspection, InspectionChecklist, ItemResult
from models.reference import Institution, User

_UNSET: Any = object()


@dataclass(frozen=True)
class SavedAnswer:
    """What recording an answer did: when it became durable (once the unit of work commits)."""

    item_id: uuid.UUID
    saved_at: datetime
    response: str | None
    points: float | None
    note: str
    version: int = 0  # the stored answer's version now (0: the item holds nothing): pass it as expected_version


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
    authorize_on(user, "inspection.record", institution_id)
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
    expected_version: int | None = None,
    user: CurrentUser | None = None,
) -> SavedAnswer:
    """Record (part of) an item's answer: response, points (部分符合 only), note. Arguments left out keep their
    value; ``response=None`` clears the answer. Durable when the caller's unit of work commits.
    A finalized inspection takes changes only with a reason (an amendment: audited, re-hashed).

    Two users answering the same item on a shared server: ``expected_version`` (the ``SavedAnswer.version`` the
    user's screen shows; 0 for an item that held nothing) makes a save over another user's newer answer a
    ConflictError, and two saves racing (both updating one answer, or both inserting an item's first answer) end
    the same way for the second; ``mine`` and ``theirs`` then hold both values (answer_values)."""
    inspection = get_inspection(session, inspection_id)
    authorize_on(user, "inspection.record", inspection.institution_id)
    if inspection.status == "voided":
        raise ReadOnlyError("该检查已作废，不能再作答")
    amending = inspection.status == "finalized"
    if amending and not reason.strip():
        raise ReadOnlyError("该检查已完成签字，只读；如需修改请填写修改原因")
    item, spec = item_in(session, inspection, item_id)
    check_editable(session, inspection, item_id, actor)
    item_spec = next(i for i in spec.items() if i.code == item.code)
    result = session.scalar(
        select(ItemResult).where(ItemResult.inspection_id == inspection.id, ItemResult.item_id == item_id)
    )
    before = _result_state(result)
    stored_version = result.version if result is not None else 0
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
    mine = (new_response, new_points, new_note)
    if expected_version is not None and expected_version != stored_version:
        raise _answer_conflict(session, inspection, item, mine, actor)
    has_photos = result is not None and session.scalar(
        select(Attachment.id).where(Attachment.item_result_id == result.id).limit(1)
    )
    session.flush()  # the caller's pending changes, outside the savepoint below
    try:
        # A savepoint: a save that loses a race is undone alone and the stored value can still be read.
        with session.begin_nested():
            if new_response is None and not new_note.strip() and not has_photos:
                if result is not None:  # nothing left to keep: the item is unanswered again
                    session.delete(result)
            else:
                # A note or photos may come before the answer: the row then holds no response and the item stays
                # unanswered.
                if result is None:
                    result = ItemResult(id=uuid.uuid4(), inspection_id=inspection.id, item_id=item_id)
                    session.add(result)
                result.response, result.points, result.note = new_response, new_points, new_note
                result.updated_at, result.updated_by = now, actor
            session.flush()
    except (StaleDataError, IntegrityError):
        # Another user saved this item since it was read here: updated it (the version moved on) or inserted its
        # first answer (the unique inspection/item pair).
        raise _answer_conflict(session, inspection, item, mine, actor) from None
    except DBAPIError as err:
        # SQLite ends the whole transaction itself on some failures (a full disk): undoing the savepoint then fails
        # too ("no such savepoint"). What the user must hear about is the first failure, not that consequence.
        first = err.__context__
        if isinstance(first, DBAPIError) and "savepoint" in str(err.orig).lower():
            raise first from None
        raise
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
        change_answer(session, inspection, item_id, before["response"] if before else None, new_response)
        after_amendment(session, actor, inspection, reason, user)
    version = result.version if result is not None and result in session else 0
    return SavedAnswer(item_id, now, new_response, new_points, new_note, version)


def answer_values(
    session: Session,
    item: ChecklistItem,
    value: tuple[str | None, float | None, str] | None,
    by: str,
    at: datetime | None,
    photos: int = 0,
) -> dict[str, Any] | None:
    """An item's value as a conflict shows it (the keys of a team package's item conflicts)."""
    if value is None:
        return None
    response, points, note = value
    label = option_labels(session, [item.template_id]).get((item.code, response or ""), (response or "", ""))[0]
    user = session.scalar(select(User.display_name).where(User.username == by)) if by else None
    return {
        "回答": label if response is not None else "未作答",
        "分值": points,
        "备注": note,
        "照片": photos,
        "填写人": user or by,
        "时间": at.astimezone().strftime("%Y-%m-%d %H:%M") if at is not None else "",
    }


def _answer_conflict(
    session: Session,
    inspection: Inspection,
    item: ChecklistItem,
    mine: tuple[str | None, float | None, str],
    actor: str,
) -> ConflictError:
    """Another user's answer to the item is newer than the one this save was based on: both, for the user to choose."""
    stored = session.scalar(
        select(ItemResult)
        .where(ItemResult.inspection_id == inspection.id, ItemResult.item_id == item.id)
        .execution_options(populate_existing=True)
    )
    photos = 0
    if stored is not None:
        photos = len(session.scalars(select(Attachment.id).where(Attachment.item_result_id == stored.id)).all())
    theirs = (
        None
        if stored is None
        else answer_values(
            session, item, (stored.response, stored.points, stored.note), stored.updated_by, stored.updated_at, photos
        )
    )
    mine_values = answer_values(session, item, mine, actor, utcnow(), photos)
    assert mine_values is not None
    if theirs is None:
        message = (
            f"检查项 {item.code} 的回答在您保存前已被他人清除；您的回答「{mine_values['回答']}」未保存，请刷新后再决定"
        )
    else:
        message = (
            f"检查项 {item.code} 在您保存前已被 {theirs['填写人']} 保存为「{theirs['回答']}」（{theirs['时间']}）；"
            f"您的回答「{mine_values['回答']}」未保存，请查看对方的回答后再决定"
        )
    return ConflictError(message, mine=mine_values, theirs=theirs)


_DEDUCTION_REASON = re.compile(
    r"^(?:发现 \d+ \S+?|未发现问题（0 \S+?）|各子项均符合|(?:（\d+）[^（。]*、?)+ 不符合)"
    r"(?:，扣 [\d.]+ 分(?:（扣完为止）)?)?(?:。|$)"
)


def record_deduction(
    session: Session,
    actor: str,
    inspection_id: uuid.UUID,
    item_id: uuid.UUID,
    *,
    occurrences: int | None = None,
    failed: Sequence[int] = (),
    note: str = "",
    reason: str = "",
    user: CurrentUser | None = None,
) -> SavedAnswer:
    """Answer an item that has a deduction rule: how many occurrences were found, or which sub-items failed.

    The points follow from the rule (capped, never below zero) and the reason in words ("发现 3 处，扣 6 分") heads the
    note, so it reaches the finding. ``note`` is the inspector's own text after it.
    """
    inspection = get_inspection(session, inspection_id)
    item, spec = item_in(session, inspection, item_id)
    item_spec = next(i for i in spec.items() if i.code == item.code)
    answer, why = deduction_answer(item_spec, occurrences=occurrences, failed=failed)
    own = _DEDUCTION_REASON.sub("", note.strip(), count=1).strip()  # the reason written last time is replaced
    text = why if not own else f"{why}。{own}"
    return record_answer(
        session,
        actor,
        inspection_id,
        item_id,
        response=answer.response,
        points=answer.points,
        note=text,
        reason=reason,
        user=user,
    )


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
    inspection = get_inspection(session, inspection_id)
    if inspection.status == "finalized":
        raise ReadOnlyError("该检查已完成签字，不能修改基本信息")
    if inspection.status == "voided":
        raise ReadOnlyError("该检查已作废，不能修改基本信息")
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
