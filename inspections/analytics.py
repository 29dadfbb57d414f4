"""Dashboard and bulletin figures: coverage, average scores, trend, overdue rectification, most failed items.

Every figure comes from grouped SQL over stored scores (``Inspection.score``, set at finalize), never from loading
inspections one by one or rescoring them: a city keeps years of inspections and millions of item results.
Scores, trend, veto counts, ranking and failed items count finalized supervision (督导) inspections only; self-
inspections and re-inspections measure something else and would blur the commission's figures.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, bindparam, case, func, literal_column, select
from sqlalchemy.orm import Session

from inspections.answer_counts import answer_counts, month_expression
from inspections.checklists.spec import DEFAULT_RESPONSES
from inspections.rawids import raw_id
from inspections.rounds import parse_month
from models.checklist import ChecklistItem, ChecklistTemplate
from models.finding import Finding
from models.inspection import Inspection, Round, RoundEntry
from models.reference import Institution

SUPERVISION = "supervision"
OVERDUE_STATUSES = ("open", "failed")
# The same, written into the SQL (a constant IN list, not parameters expanded at every execution).
_OVERDUE_LITERALS: list[ColumnElement[Any]] = [literal_column(f"'{status}'") for status in OVERDUE_STATUSES]
FAILING_OUTCOMES = frozenset({"fail", "partial"})
UNANSWERED_OUTCOMES = frozenset({"na", "not_checked"})
TREND_MONTHS = 12
FAILED_ITEMS_MONTHS = 3
"""The dashboard's common problems cover the last three months: recent enough to act on, and fast at city scale."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
VETOED_BAND = "否决"
SCORE_BANDS: tuple[tuple[str, float | None], ...] = (("≥90", 90), ("80–90", 80), ("60–80", 60), ("<60", None))


# --- plain results -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """Planned, done and not-done entries of a month's rounds; ``percent`` = done ÷ planned × 100."""

    planned: int
    done: int
    not_done: int

    @property
    def percent(self) -> float | None:
        return self.done * 100 / self.planned if self.planned else None

    @property
    def text(self) -> str:
        """“38/45 (84%)”."""
        return f"{self.done}/{self.planned} ({round(self.percent)}%)" if self.percent is not None else "0/0"


@dataclass(frozen=True)
class TrendPoint:
    """A month's average score (None for a month without finalized supervision inspections)."""

    month: str
    average: float | None
    inspections: int


@dataclass(frozen=True)
class InstitutionOverdue:
    """An institution's overdue findings: how many, and how many days the oldest is overdue."""

    institution_id: uuid.UUID
    name: str
    count: int
    max_days_overdue: int


@dataclass(frozen=True)
class FailedItem:
    """An item (by checklist code and item code, across versions) and how often it failed.

    ``failed`` counts 不符合 and 部分符合 (the fail and partial outcomes); ``answered`` excludes 不适用 and 未检查.
    """

    checklist_code: str
    checklist_title: str
    item_code: str
    item_text: str
    failed: int
    answered: int

    @property
    def rate(self) -> float:
        """(fail + partial) ÷ answered, 0–1."""
        return self.failed / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class Dashboard:
    """Everything the 工作台 shows for one month."""

    month: str
    today: date
    coverage: Coverage
    inspections: int
    average: float | None
    previous_average: float | None
    trend: tuple[TrendPoint, ...]
    overdue: int
    overdue_by_institution: tuple[InstitutionOverdue, ...]
    vetoed: int
    failed_items: tuple[FailedItem, ...]
    failed_months: int = FAILED_ITEMS_MONTHS

    @property
    def change(self) -> float | None:
        """This month's average minus last month's; None when either month has no score."""
        if self.average is None or self.previous_average is None:
            return None
        return self.average - self.previous_average


@dataclass(frozen=True)
class RankRow:
    """One institution in the monthly ranking (its latest finalized supervision inspection of the month)."""

    rank: int
    institution_id: uuid.UUID
    institution_name: str
    level: int
    district: str
    inspection_id: uuid.UUID
    date: date
    score: float | None
    grade: str | None
    vetoed: bool
    findings: int


@dataclass(frozen=True)
class OverdueFinding:
    """A finding past its deadline and still open (or failed at re-inspection)."""

    id: uuid.UUID
    institution_id: uuid.UUID
    institution_name: str
    inspection_id: uuid.UUID
    item_code: str
    problem: str
    severity: str
    status: str
    deadline: date
    days_overdue: int
    responsible_dept: str


# --- months --------------------------------------------------------------------------------------------------------


def shift_month(first_day: date, months: int) -> date:
    """The first day of the month ``months`` after (or before) the month of ``first_day``."""
    index = first_day.year * 12 + first_day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_bounds(month: str) -> tuple[date, date]:
    """[first day, first day of the next month) of a “YYYY-MM” month."""
    first = parse_month(month)
    return first, shift_month(first, 1)


def _month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _counted(start: date, end: date) -> list[ColumnElement[bool]]:
    """Finalized supervision inspections dated in [start, end)."""
    return [
        Inspection.status == "finalized",
        Inspection.kind == SUPERVISION,
        Inspection.date >= start,
        Inspection.date < end,
    ]


# --- the figures ---------------------------------------------------------------------------------------------------


def coverage(session: Session, month: str) -> Coverage:
    """Coverage of all rounds of a month: entries done ÷ entries planned (not-done entries stay planned)."""
    row = session.connection().execute(
        select(
            func.count(RoundEntry.id),
            func.sum(case((RoundEntry.status == "done", 1), else_=0)),
            func.sum(case((RoundEntry.status == "not_done", 1), else_=0)),
        )
        .join(Round, Round.id == RoundEntry.round_id)
        .where(Round.month == parse_month(month).strftime("%Y-%m"))
    ).one()
    return Coverage(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0))


@dataclass
class _MonthSums:
    total: float = 0.0
    scored: int = 0
    inspections: int = 0
    vetoed: int = 0


def _monthly_sums(session: Session, start: date, end: date) -> dict[str, _MonthSums]:
    rows = session.connection().execute(_sums_statement(session.get_bind().dialect.name), {"start": start, "end": end})
    return {
        r.month: _MonthSums(float(r.total or 0), int(r.scored), int(r.inspections), int(r.vetoed or 0)) for r in rows
    }


@cache
def _sums_statement(dialect: str) -> Select[str, float | None, int, int, Any]:
    """Grouped by month in SQL (a dozen rows), built once per dialect (the dashboard reads it on every refresh)."""
    month = month_expression(dialect)
    return (
        select(
            month.label("month"),
            func.sum(Inspection.score).label("total"),
            func.count(Inspection.score).label("scored"),
            func.count().label("inspections"),
            func.sum(case((Inspection.vetoed.is_(True), 1), else_=0)).label("vetoed"),
        )
        .where(
            Inspection.status == "finalized",
            Inspection.kind == SUPERVISION,
            Inspection.date >= bindparam("start"),
            Inspection.date < bindparam("end"),
        )
        .group_by(month)
    )


def score_trend(session: Session, month: str, months: int = TREND_MONTHS) -> list[TrendPoint]:
    """The average score per month over the ``months`` months ending at ``month`` (gaps are None)."""
    return _trend(_monthly_sums(session, *_window(month, months)), month, months)


def _window(month: str, months: int) -> tuple[date, date]:
    first, end = month_bounds(month)
    return shift_month(first, 1 - months), end


def _trend(sums: dict[str, _MonthSums], month: str, months: int) -> list[TrendPoint]:
    first = parse_month(month)
    points = []
    for back in range(months - 1, -1, -1):
        key = _month_key(shift_month(first, -back))
        s = sums.get(key, _MonthSums())
        points.append(TrendPoint(key, s.total / s.scored if s.scored else None, s.inspections))
    return points


def overdue_by_institution(session: Session, today: date, limit: int | None = 10) -> list[InstitutionOverdue]:
    """Institutions with overdue findings, most first (then the longest overdue)."""
    return _overdue(session, today, limit)[1]


def _overdue(session: Session, today: date, limit: int | None) -> tuple[int, list[InstitutionOverdue]]:
    """(the overdue findings counted, ``overdue_by_institution``) in one statement: the total is summed over the
    institutions' groups before the limit, so the dashboard reads the index once, not twice."""
    statement = _overdue_statement(limit is not None)
    rows = session.connection().execute(statement, {"today": today, "limit": limit}).all()
    institutions = [InstitutionOverdue(r.id, r.name, int(r.n), (today - r.oldest).days) for r in rows]
    return (int(rows[0].total) if rows else 0), institutions


@cache
def _overdue_statement(limited: bool) -> Select[Any]:
    """Built once (the dashboard reads it on every refresh; building it cost more than SQLite running it)."""
    # Grouped by the finding's institution first, then joined for names: the join stays at one row per institution.
    per_institution = (
        select(
            Finding.institution_id.label("institution_id"),
            func.count().label("n"),
            func.min(Finding.deadline).label("oldest"),
        )
        .where(Finding.status.in_(_OVERDUE_LITERALS), Finding.deadline < bindparam("today"))
        .group_by(Finding.institution_id)
        .subquery()
    )
    query = (
        select(
            Institution.id,
            Institution.name,
            per_institution.c.n,
            per_institution.c.oldest,
            func.sum(per_institution.c.n).over().label("total"),
        )
        .join(per_institution, per_institution.c.institution_id == Institution.id)
        .order_by(per_institution.c.n.desc(), per_institution.c.oldest, Institution.name)
    )
    return query.limit(bindparam("limit")) if limited else query


def overdue_item_codes(session: Session, today: date) -> dict[uuid.UUID, list[str]]:
    """Per institution, the item codes of its overdue findings, the longest overdue first (each code once): what
    the bulletin prints beside each institution, grouped on the server instead of reading every overdue finding."""
    oldest = func.min(Finding.deadline)
    rows = session.connection().execute(
        select(raw_id(Finding.institution_id), Finding.item_code)
        .where(Finding.status.in_(_OVERDUE_LITERALS), Finding.deadline < today, Finding.item_code != "")
        .group_by(Finding.institution_id, Finding.item_code)
        .order_by(Finding.institution_id, oldest, Finding.item_code)
    ).all()
    codes: dict[object, list[str]] = {}  # by the institution id as read (tens of thousands of rows, a few ids)
    for institution, code in rows:
        codes.setdefault(institution, []).append(code)
    return {uuid.UUID(str(institution)): listed for institution, listed in codes.items()}


def overdue_findings(session: Session, today: date, *, institution_id: uuid.UUID | None = None) -> list[OverdueFinding]:
    """Every overdue finding (or one institution's), the longest overdue first."""
    query = (
        select(
            Finding.id,
            Finding.institution_id,
            Institution.name,
            Finding.inspection_id,
            Finding.item_code,
            Finding.problem,
            Finding.severity,
            Finding.status,
            Finding.deadline,
            Finding.responsible_dept,
        )
        .join(Institution, Institution.id == Finding.institution_id)
        .where(Finding.status.in_(OVERDUE_STATUSES), Finding.deadline < today)
        .order_by(Finding.deadline, Institution.name, Finding.item_code)
    )
    if institution_id is not None:
        query = query.where(Finding.institution_id == institution_id)
    return [
        OverdueFinding(
            r.id,
            r.institution_id,
            r.name,
            r.inspection_id,
            r.item_code,
            r.problem,
            r.severity,
            r.status,
            r.deadline,
            (today - r.deadline).days,
            r.responsible_dept,
        )
        for r in session.execute(query)
    ]


def _outcome_maps(session: Session, template_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, dict[str, dict[str, str]]]:
    """Per template, response set name → option code → outcome, from the templates' ``response_sets`` JSON."""
    ids = list(template_ids)
    if not ids:
        return {}
    maps: dict[uuid.UUID, dict[str, dict[str, str]]] = {}
    for r in session.execute(
        select(ChecklistTemplate.id, ChecklistTemplate.response_sets).where(ChecklistTemplate.id.in_(ids))
    ):
        sets: dict[str, Any] = r.response_sets or {}
        maps[r.id] = {name: {str(o["code"]): str(o["outcome"]) for o in options} for name, options in sets.items()}
    return maps


_DEFAULT_OUTCOMES: dict[str, str] = {code: outcome for code, (_label, outcome) in DEFAULT_RESPONSES.items()}


def failed_items(session: Session, month: str, months: int = TREND_MONTHS, limit: int | None = 10) -> list[FailedItem]:
    """The items most often answered 不符合 or 部分符合 over the ``months`` months ending at ``month``.

    Answers by (item, response) come from the monthly counts (``answer_counts``, kept at finalize, amendment and
    import), not from every item result; the few hundred groups are then mapped to outcomes here, using the default
    response set or the item's custom set from its template, and merged across checklist versions by the stable
    checklist and item codes.
    """
    per_item = answer_counts(SUPERVISION, *_window(month, months)).subquery()
    # Plain rows (a Core result, not ORM rows): a few hundred groups a call, read on every dashboard refresh.
    # (response, answers, item code, response set, template id as read, checklist code)
    Group = tuple[str, int, str, str | None, object, str]
    groups = cast(list[Group], session.connection().execute(
        select(
            per_item.c.response,
            per_item.c.answers,
            ChecklistItem.code,
            ChecklistItem.response_set,
            raw_id(ChecklistItem.template_id).label("template_id"),  # a key: only custom sets' templates are read
            ChecklistTemplate.code.label("checklist_code"),
        )
        .join(ChecklistItem, ChecklistItem.id == per_item.c.item_id)
        .join(ChecklistTemplate, ChecklistTemplate.id == ChecklistItem.template_id)
    ).all())
    if not groups:
        return []
    custom = {raw: uuid.UUID(str(raw)) for raw in {row[4] for row in groups if row[3]}}
    by_id = _outcome_maps(session, custom.values())
    outcome_maps = {raw: by_id.get(template_id, {}) for raw, template_id in custom.items()}
    failed: dict[tuple[str, str], int] = defaultdict(int)
    answered: dict[tuple[str, str], int] = defaultdict(int)
    for response, n, code, response_set, template, checklist_code in groups:
        if response_set is None:
            outcome = _DEFAULT_OUTCOMES.get(response)
        else:
            outcome = outcome_maps.get(template, {}).get(response_set, {}).get(response)
        if outcome is None or outcome in UNANSWERED_OUTCOMES:
            continue
        key = (checklist_code, code)
        answered[key] += int(n)
        if outcome in FAILING_OUTCOMES:
            failed[key] += int(n)
    ranked = sorted(
        (key for key in answered if failed[key]),
        key=lambda k: (-failed[k], -failed[k] / answered[k], k),
    )
    if limit is not None:
        ranked = ranked[:limit]
    texts = _newest_texts(session, ranked)
    result = []
    for key in ranked:
        title, text = texts.get(key, ("", ""))
        result.append(FailedItem(key[0], title, key[1], text, failed[key], answered[key]))
    return result


def _newest_texts(session: Session, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str]]:
    """(checklist code, item code) → (checklist title, item text) from the newest version having that item."""
    keys = set(keys)
    if not keys:
        return {}
    rows = session.connection().execute(
        select(
            ChecklistTemplate.code,
            ChecklistTemplate.version,
            ChecklistTemplate.title,
            ChecklistItem.code,
            ChecklistItem.text,
        )
        .join(ChecklistItem, ChecklistItem.template_id == ChecklistTemplate.id)
        .where(
            ChecklistTemplate.code.in_({checklist for checklist, _item in keys}),
            ChecklistItem.code.in_({item for _checklist, item in keys}),
        )
        .order_by(ChecklistTemplate.version)
    )
    return {(checklist, item): (title, text) for checklist, _version, title, item, text in rows}


def dashboard(session: Session, month: str, today: date) -> Dashboard:
    """The 工作台 figures for ``month``, with overdue rectification as of ``today``."""
    month = parse_month(month).strftime("%Y-%m")
    sums = _monthly_sums(session, *_window(month, TREND_MONTHS))
    trend = _trend(sums, month, TREND_MONTHS)
    this = sums.get(month, _MonthSums())
    overdue, by_institution = _overdue(session, today, 10)
    return Dashboard(
        month=month,
        today=today,
        coverage=coverage(session, month),
        inspections=this.inspections,
        average=trend[-1].average,
        previous_average=trend[-2].average,
        trend=tuple(trend),
        overdue=overdue,
        overdue_by_institution=tuple(by_institution),
        vetoed=this.vetoed,
        failed_items=tuple(failed_items(session, month, FAILED_ITEMS_MONTHS)),
    )


# --- the monthly bulletin ------------------------------------------------------------------------------------------


def score_distribution(session: Session, month: str) -> list[tuple[str, int]]:
    """How many of the month's inspections fall in each score band; a vetoed inspection counts only as 否决."""
    start, end = month_bounds(month)
    band = case(
        (Inspection.vetoed.is_(True), VETOED_BAND),
        *[(Inspection.score >= low, label) for label, low in SCORE_BANDS if low is not None],
        else_=SCORE_BANDS[-1][0],
    )
    # Grouped over a subquery's column, so that PostgreSQL sees the same expression in SELECT and GROUP BY.
    banded = (
        select(band.label("band"))
        .where(*_counted(start, end), Inspection.score.is_not(None) | Inspection.vetoed.is_(True))
        .subquery()
    )
    counts: dict[str, int] = {
        r.band: int(r.n)
        for r in session.execute(select(banded.c.band, func.count().label("n")).group_by(banded.c.band))
    }
    return [(label, counts.get(label, 0)) for label, _ in SCORE_BANDS] + [(VETOED_BAND, counts.get(VETOED_BAND, 0))]


def ranking(session: Session, month: str) -> list[RankRow]:
    """Institutions ranked by their latest finalized supervision inspection of the month.

    Highest score first; a vetoed inspection ranks below every inspection that was not vetoed (it is 不合格 whatever
    its score); equal scores share a rank.
    """
    start, end = month_bounds(month)
    findings = (
        select(func.count())
        .where(Finding.inspection_id == Inspection.id)
        .correlate(Inspection)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Inspection.id,
            Inspection.institution_id,
            Institution.name,
            Institution.level,
            Institution.district,
            Inspection.date,
            Inspection.score,
            Inspection.grade,
            Inspection.vetoed,
            findings.label("findings"),
            Inspection.finalized_at,
        )
        .join(Institution, Institution.id == Inspection.institution_id)
        .where(*_counted(start, end))
    ).all()
    latest: dict[uuid.UUID, Any] = {}
    for r in sorted(rows, key=lambda r: (r.date, r.finalized_at or _EPOCH)):
        latest[r.institution_id] = r

    def order(r: Any) -> tuple[bool, bool, float, str]:
        return (r.score is None, bool(r.vetoed), -(r.score or 0.0), r.name)

    result: list[RankRow] = []
    previous: tuple[bool, bool, float] | None = None
    for position, r in enumerate(sorted(latest.values(), key=order), start=1):
        key = order(r)[:3]
        rank = result[-1].rank if previous == key and result else position
        previous = key
        result.append(
            RankRow(
                rank,
                r.institution_id,
                r.name,
                r.level,
                r.district,
                r.id,
                r.date,
                r.score,
                r.grade,
                bool(r.vetoed),
                int(r.findings),
            )
        )
    return result
