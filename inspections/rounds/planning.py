"""Planning a round: choosing the institutions in scope and their checklists; adding and removing entries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.errors import ConflictError, NotFoundError, ReadOnlyError, UserError
from inspections.rounds.lookup import (
    clean_names,
    entry_state,
    get_entry,
    get_round,
    inspection_ids_for_entry,
    institution_name,
)
from inspections.rounds.months import month_label, parse_month
from inspections.rounds.rows import RoundScope
from inspections.templates import applicable_templates
from inspections.users import CurrentUser, authorize
from models.audit import append_audit
from models.inspection import Round, RoundEntry
from models.reference import Institution

_EVERY_GRADED_INSTITUTION = RoundScope()  # the default scope: active institutions of level 1–3


def _institutions_in_scope(session: Session, scope: RoundScope) -> list[Institution]:
    query = select(Institution).order_by(Institution.level.desc(), Institution.district, Institution.name)
    if scope.institution_ids is not None:
        ids = list(dict.fromkeys(scope.institution_ids))
        found = list(session.scalars(query.where(Institution.id.in_(ids))))
        missing = set(ids) - {i.id for i in found}
        if missing:
            raise NotFoundError(f"找不到 {len(missing)} 家医疗机构（编号 {', '.join(sorted(map(str, missing)))}）")
        return found
    query = query.where(Institution.active.is_(True))
    if scope.levels is not None:
        query = query.where(Institution.level.in_(scope.levels))
    if scope.categories is not None:
        query = query.where(Institution.category.in_(scope.categories))
    if scope.districts is not None:
        query = query.where(Institution.district.in_(scope.districts))
    return list(session.scalars(query))


class _TemplateChooser:
    """applicable_templates, asked once per kind of institution: applicability depends only on these fields."""

    def __init__(self, session: Session, on: date) -> None:
        self._session = session
        self._on = on
        self._cache: dict[tuple[int, str, bool], list[str]] = {}

    def template_ids(self, institution: Institution) -> list[str]:
        key = (institution.level, institution.category, institution.has_fever_clinic)
        ids = self._cache.get(key)
        if ids is None:
            ids = [str(t.id) for t in applicable_templates(self._session, institution, self._on)]
            self._cache[key] = ids
        return list(ids)


def create_round(
    session: Session,
    actor: str,
    *,
    month: str,
    title: str | None = None,
    team: Sequence[str],
    scope: RoundScope = _EVERY_GRADED_INSTITUTION,
    on: date | None = None,
    user: CurrentUser | None = None,
) -> uuid.UUID:
    """Plan a month's round: one entry per institution in ``scope``, each with the checklists that apply to it on
    ``on`` (default the first day of the month) and the whole team as its inspectors."""
    authorize(user, "inspection.record")
    first_day = parse_month(month)
    month = first_day.strftime("%Y-%m")
    title = (title or "").strip() or f"{month_label(month)}督导检查"
    clash = session.scalar(select(Round.id).where(Round.month == month, Round.title == title))
    if clash is not None:
        raise ConflictError(f"{month_label(month)}已有名为“{title}”的督导批次，请换一个标题")
    institutions = _institutions_in_scope(session, scope)
    if not institutions:
        raise UserError("所选范围内没有医疗机构，未创建督导批次；请调整级别、类别或辖区条件")
    members = clean_names(team)
    round_ = Round(id=uuid.uuid4(), month=month, title=title, team=members)
    session.add(round_)
    chooser = _TemplateChooser(session, on or first_day)
    for institution in institutions:
        round_.entries.append(
            RoundEntry(
                id=uuid.uuid4(),
                institution_id=institution.id,
                template_ids=chooser.template_ids(institution),
                inspectors=list(members),
            )
        )
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="round.create",
        entity="round",
        entity_id=round_.id,
        after={"month": month, "title": title, "team": members, "institutions": [i.id for i in institutions]},
    )
    return round_.id


def add_institutions(
    session: Session,
    actor: str,
    round_id: uuid.UUID,
    institution_ids: Sequence[uuid.UUID],
    *,
    on: date | None = None,
    user: CurrentUser | None = None,
) -> list[uuid.UUID]:
    """Add institutions to a round (those already in it are left as they are); returns the new entries' ids."""
    authorize(user, "inspection.record")
    round_ = get_round(session, round_id)
    present = set(session.scalars(select(RoundEntry.institution_id).where(RoundEntry.round_id == round_id)))
    wanted = [i for i in dict.fromkeys(institution_ids) if i not in present]
    if not wanted:
        return []
    institutions = _institutions_in_scope(session, RoundScope(institution_ids=tuple(wanted)))
    chooser = _TemplateChooser(session, on or parse_month(round_.month))
    added = []
    for institution in institutions:
        entry = RoundEntry(
            id=uuid.uuid4(),
            institution_id=institution.id,
            template_ids=chooser.template_ids(institution),
            inspectors=list(round_.team),
        )
        round_.entries.append(entry)
        added.append(entry)
    session.flush()
    for entry in added:
        append_audit(
            session,
            actor=actor,
            action="round_entry.add",
            entity="round_entry",
            entity_id=entry.id,
            after={"round_id": round_id, "institution_id": entry.institution_id, **entry_state(entry)},
        )
    return [e.id for e in added]


def remove_entry(
    session: Session,
    actor: str,
    entry_id: uuid.UUID,
    reason: str = "",
    *,
    user: CurrentUser | None = None,
) -> None:
    """Take an institution out of a round: only while it is planned and no inspection has been started for it."""
    authorize(user, "inspection.record")
    entry = get_entry(session, entry_id)
    name = institution_name(session, entry.institution_id)
    if entry.status != "planned" or inspection_ids_for_entry(session, entry):
        raise ReadOnlyError(
            f"{name}在本批次已有检查记录或已标记完成情况，不能移出批次；如未检查，请标记为未完成并填写原因"
        )
    before = {"round_id": entry.round_id, "institution_id": entry.institution_id, **entry_state(entry)}
    session.delete(entry)
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="round_entry.remove",
        entity="round_entry",
        entity_id=entry_id,
        before=before,
        reason=reason,
    )
