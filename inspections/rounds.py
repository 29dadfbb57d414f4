"""Monthly rounds (督导批次): which institutions are to be inspected, with which checklists, and what was done."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from inspections.errors import ConflictError, NotFoundError, ReadOnlyError, UserError
from inspections.templates import applicable_templates
from inspections.users import CurrentUser, authorize
from models.audit import append_audit
from models.checklist import ChecklistTemplate
from models.inspection import Inspection, Round, RoundEntry
from models.reference import Institution

_MONTH_RE = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class RoundScope:
    """Which institutions a round plans: every active institution matching all the given conditions.

    ``institution_ids``, when given, overrides the other conditions (inactive institutions included, since they
    were named explicitly).
    """

    levels: tuple[int, ...] | None = (1, 2, 3)
    categories: tuple[str, ...] | None = None
    districts: tuple[str, ...] | None = None
    institution_ids: tuple[uuid.UUID, ...] | None = None


@dataclass(frozen=True)
class RoundRow:
    """A round as the list of rounds shows it. ``coverage`` is done ÷ planned (None when nothing is planned)."""

    id: uuid.UUID
    month: str
    title: str
    team: tuple[str, ...]
    planned: int
    done: int
    not_done: int
    coverage: float | None

    @property
    def coverage_text(self) -> str:
        """“38/45 (84%)”."""
        return coverage_text(self.done, self.planned)


@dataclass(frozen=True)
class EntryRow:
    """One planned institution of a round, with the inspection that fulfilled it (if any)."""

    id: uuid.UUID
    institution_id: uuid.UUID
    institution_name: str
    level: int
    district: str
    template_ids: tuple[uuid.UUID, ...]
    checklist_titles: tuple[str, ...]
    inspectors: tuple[str, ...]
    status: str  # planned | done | not_done
    reason: str
    inspection_id: uuid.UUID | None
    inspection_status: str | None  # draft | finalized
    score: float | None
    grade: str | None
    vetoed: bool


@dataclass(frozen=True)
class RoundDetail:
    """A round and its entries. ``coverage`` = done ÷ planned; entries marked not done stay in the denominator."""

    id: uuid.UUID
    month: str
    title: str
    team: tuple[str, ...]
    status: str
    entries: tuple[EntryRow, ...]

    @property
    def planned(self) -> int:
        return len(self.entries)

    @property
    def done(self) -> int:
        return sum(1 for e in self.entries if e.status == "done")

    @property
    def not_done(self) -> int:
        return sum(1 for e in self.entries if e.status == "not_done")

    @property
    def coverage(self) -> float | None:
        return self.done / self.planned if self.planned else None

    @property
    def coverage_text(self) -> str:
        return coverage_text(self.done, self.planned)


def coverage_text(done: int, planned: int) -> str:
    """Coverage as the dashboard writes it: “38/45 (84%)”, or “0/0” when nothing is planned."""
    if not planned:
        return "0/0"
    return f"{done}/{planned} ({round(done * 100 / planned)}%)"


def parse_month(month: str) -> date:
    """The first day of a “YYYY-MM” month; a UserError in Chinese for anything else."""
    match = _MONTH_RE.fullmatch(month.strip()) if isinstance(month, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise UserError(f"月份格式不正确：“{month}”，应为“年-月”，例如 2026-11")
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_label(month: str) -> str:
    """“2026-11” → “2026年11月”."""
    first = parse_month(month)
    return f"{first.year}年{first.month}月"


def _clean_names(names: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for name in names:
        name = name.strip()
        if name and name not in seen:
            seen.append(name)
    return seen


# --- creating a round ----------------------------------------------------------------------------------------------


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
    scope: RoundScope = RoundScope(),
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
    members = _clean_names(team)
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


# --- reading -------------------------------------------------------------------------------------------------------


def list_rounds(session: Session, *, month: str | None = None) -> list[RoundRow]:
    """Every round (or a month's), newest month first, with its counts from one grouped query."""
    counts = (
        select(
            RoundEntry.round_id,
            func.count().label("planned"),
            func.sum(case((RoundEntry.status == "done", 1), else_=0)).label("done"),
            func.sum(case((RoundEntry.status == "not_done", 1), else_=0)).label("not_done"),
        )
        .group_by(RoundEntry.round_id)
        .subquery()
    )
    query = (
        select(Round.id, Round.month, Round.title, Round.team, counts.c.planned, counts.c.done, counts.c.not_done)
        .outerjoin(counts, counts.c.round_id == Round.id)
        .order_by(Round.month.desc(), Round.created_at.desc())
    )
    if month is not None:
        query = query.where(Round.month == parse_month(month).strftime("%Y-%m"))
    rows = []
    for r in session.execute(query):
        planned, done, not_done = int(r.planned or 0), int(r.done or 0), int(r.not_done or 0)
        rows.append(
            RoundRow(
                r.id, r.month, r.title, tuple(r.team), planned, done, not_done, done / planned if planned else None
            )
        )
    return rows


def _get_round(session: Session, round_id: uuid.UUID) -> Round:
    round_ = session.get(Round, round_id)
    if round_ is None:
        raise NotFoundError(f"找不到督导批次（编号 {round_id}）")
    return round_


def _get_entry(session: Session, entry_id: uuid.UUID) -> RoundEntry:
    entry = session.get(RoundEntry, entry_id)
    if entry is None:
        raise NotFoundError(f"找不到督导批次中的该机构（编号 {entry_id}）")
    return entry


def _institution_name(session: Session, institution_id: uuid.UUID) -> str:
    return session.scalar(select(Institution.name).where(Institution.id == institution_id)) or str(institution_id)


def _round_inspections(
    session: Session, round_id: uuid.UUID
) -> dict[uuid.UUID, tuple[uuid.UUID, str, float | None, str | None, bool]]:
    """Per institution, the round's inspection that counts: a finalized one before a draft, then the newest."""
    rows = list(
        session.execute(
            select(
                Inspection.institution_id,
                Inspection.id,
                Inspection.status,
                Inspection.score,
                Inspection.grade,
                Inspection.vetoed,
                Inspection.date,
                Inspection.created_at,
            ).where(Inspection.round_id == round_id)
        )
    )
    rows.sort(key=lambda r: (r.status == "finalized", r.date, r.created_at))
    return {r.institution_id: (r.id, r.status, r.score, r.grade, r.vetoed) for r in rows}


def round_detail(session: Session, round_id: uuid.UUID) -> RoundDetail:
    """A round with every entry: institution, checklists, inspectors, status, reason and the inspection's result."""
    round_ = _get_round(session, round_id)
    entries = session.execute(
        select(RoundEntry, Institution.name, Institution.level, Institution.district)
        .join(Institution, Institution.id == RoundEntry.institution_id)
        .where(RoundEntry.round_id == round_id)
        .order_by(Institution.level.desc(), Institution.district, Institution.name)
    ).all()
    template_ids = {uuid.UUID(t) for e in entries for t in e[0].template_ids}
    titles: dict[uuid.UUID, str] = (
        {
            r.id: r.title
            for r in session.execute(
                select(ChecklistTemplate.id, ChecklistTemplate.title).where(ChecklistTemplate.id.in_(template_ids))
            )
        }
        if template_ids
        else {}
    )
    inspections = _round_inspections(session, round_id)
    rows = []
    for entry, name, level, district in entries:
        ids = tuple(uuid.UUID(t) for t in entry.template_ids)
        found = inspections.get(entry.institution_id)
        rows.append(
            EntryRow(
                id=entry.id,
                institution_id=entry.institution_id,
                institution_name=name,
                level=level,
                district=district,
                template_ids=ids,
                checklist_titles=tuple(titles.get(t, str(t)) for t in ids),
                inspectors=tuple(entry.inspectors),
                status=entry.status,
                reason=entry.reason,
                inspection_id=found[0] if found else None,
                inspection_status=found[1] if found else None,
                score=found[2] if found else None,
                grade=found[3] if found else None,
                vetoed=found[4] if found else False,
            )
        )
    return RoundDetail(round_.id, round_.month, round_.title, tuple(round_.team), round_.status, tuple(rows))


def entry_for_inspection(session: Session, inspection_id: uuid.UUID) -> uuid.UUID | None:
    """The round entry an inspection fulfils (its round and institution), or None for an inspection outside rounds."""
    row = session.execute(
        select(Inspection.round_id, Inspection.institution_id).where(Inspection.id == inspection_id)
    ).first()
    if row is None:
        raise NotFoundError(f"找不到检查记录（编号 {inspection_id}）")
    if row.round_id is None:
        return None
    return session.scalar(
        select(RoundEntry.id).where(
            RoundEntry.round_id == row.round_id, RoundEntry.institution_id == row.institution_id
        )
    )


def _inspection_ids_for_entry(session: Session, entry: RoundEntry) -> list[tuple[uuid.UUID, str]]:
    return [
        (r.id, r.status)
        for r in session.execute(
            select(Inspection.id, Inspection.status)
            .where(Inspection.round_id == entry.round_id, Inspection.institution_id == entry.institution_id)
            .order_by(Inspection.created_at.desc())
        )
    ]


# --- changing entries ----------------------------------------------------------------------------------------------


def _entry_state(entry: RoundEntry) -> dict[str, object]:
    return {
        "status": entry.status,
        "reason": entry.reason,
        "template_ids": list(entry.template_ids),
        "inspectors": list(entry.inspectors),
    }


def _refuse_if_done(session: Session, entry: RoundEntry, what: str) -> None:
    if entry.status == "done":
        name = _institution_name(session, entry.institution_id)
        raise ReadOnlyError(f"{name}本批次的检查已完成，不能{what}")


def mark_not_done(
    session: Session,
    actor: str,
    entry_id: uuid.UUID,
    reason: str,
    *,
    user: CurrentUser | None = None,
) -> None:
    """Record that a planned institution was not inspected this round, and why; it stays in the plan (denominator)."""
    authorize(user, "inspection.record")
    entry = _get_entry(session, entry_id)
    reason = reason.strip()
    if not reason:
        raise UserError("请填写未完成检查的原因")
    _refuse_if_done(session, entry, "标记为未完成")
    before = _entry_state(entry)
    entry.status, entry.reason = "not_done", reason
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="round_entry.not_done",
        entity="round_entry",
        entity_id=entry.id,
        before=before,
        after=_entry_state(entry),
        reason=reason,
    )


def reopen_entry(
    session: Session,
    actor: str,
    entry_id: uuid.UUID,
    reason: str = "",
    *,
    user: CurrentUser | None = None,
) -> None:
    """Put an entry marked not done back into the plan."""
    authorize(user, "inspection.record")
    entry = _get_entry(session, entry_id)
    if entry.status != "not_done":
        return
    before = _entry_state(entry)
    entry.status, entry.reason = "planned", ""
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="round_entry.reopen",
        entity="round_entry",
        entity_id=entry.id,
        before=before,
        after=_entry_state(entry),
        reason=reason,
    )


def set_entry_checklists(
    session: Session,
    actor: str,
    entry_id: uuid.UUID,
    template_ids: Sequence[uuid.UUID],
    *,
    user: CurrentUser | None = None,
) -> None:
    """Choose the checklist versions an institution will be inspected against in this round."""
    authorize(user, "inspection.record")
    entry = _get_entry(session, entry_id)
    _refuse_if_done(session, entry, "再更改检查表")
    ids = list(dict.fromkeys(template_ids))
    if not ids:
        raise UserError("请至少选择一张检查表")
    known = set(session.scalars(select(ChecklistTemplate.id).where(ChecklistTemplate.id.in_(ids))))
    missing = [t for t in ids if t not in known]
    if missing:
        raise NotFoundError(f"找不到检查表（编号 {', '.join(map(str, missing))}）")
    before = _entry_state(entry)
    entry.template_ids = [str(t) for t in ids]
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="round_entry.checklists",
        entity="round_entry",
        entity_id=entry.id,
        before=before,
        after=_entry_state(entry),
    )


def set_entry_inspectors(
    session: Session,
    actor: str,
    entry_id: uuid.UUID,
    inspectors: Sequence[str],
    *,
    user: CurrentUser | None = None,
) -> None:
    """Choose who inspects an institution in this round."""
    authorize(user, "inspection.record")
    entry = _get_entry(session, entry_id)
    _refuse_if_done(session, entry, "再更改检查人员")
    names = _clean_names(inspectors)
    if not names:
        raise UserError("请至少填写一名检查人员")
    before = _entry_state(entry)
    entry.inspectors = names
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="round_entry.inspectors",
        entity="round_entry",
        entity_id=entry.id,
        before=before,
        after=_entry_state(entry),
    )


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
    round_ = _get_round(session, round_id)
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
            after={"round_id": round_id, "institution_id": entry.institution_id, **_entry_state(entry)},
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
    entry = _get_entry(session, entry_id)
    name = _institution_name(session, entry.institution_id)
    if entry.status != "planned" or _inspection_ids_for_entry(session, entry):
        raise ReadOnlyError(
            f"{name}在本批次已有检查记录或已标记完成情况，不能移出批次；如未检查，请标记为未完成并填写原因"
        )
    before = {"round_id": entry.round_id, "institution_id": entry.institution_id, **_entry_state(entry)}
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


def start_entry_inspection(
    session: Session,
    actor: str,
    entry_id: uuid.UUID,
    *,
    on: date,
    inspectors: Sequence[str] | None = None,
    hospital_rep: str = "",
    user: CurrentUser | None = None,
) -> uuid.UUID:
    """Start the supervision inspection an entry plans, with its checklists and inspectors.

    When a draft inspection for this institution in this round already exists, its id is returned instead, so
    pressing “开始检查” twice continues the same inspection rather than starting a second one.
    """
    from inspections.workflow import start_inspection

    authorize(user, "inspection.record")
    entry = _get_entry(session, entry_id)
    name = _institution_name(session, entry.institution_id)
    _refuse_if_done(session, entry, "再次开始检查")
    if entry.status == "not_done":
        raise UserError(f"{name}在本批次已标记为未完成（{entry.reason}），请先恢复为计划中再开始检查")
    for inspection_id, status in _inspection_ids_for_entry(session, entry):
        if status == "draft":
            return inspection_id
    if not entry.template_ids:
        raise UserError(f"{name}在本批次没有选择检查表，请先选择检查表")
    names = _clean_names(inspectors) if inspectors is not None else list(entry.inspectors)
    return start_inspection(
        session,
        actor,
        institution_id=entry.institution_id,
        kind="supervision",
        on=on,
        inspectors=names,
        template_ids=[uuid.UUID(t) for t in entry.template_ids],
        round_id=entry.round_id,
        hospital_rep=hospital_rep,
        user=user,
    )
