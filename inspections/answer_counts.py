"""Counts of answers by inspection kind, month, item and response over the finalized inspections
(``item_answer_counts``): what the dashboard's and the bulletin's common problems read, a few thousand rows for a
province's three months instead of a million item results.

The counts follow every change of a finalized inspection's answers:

- ``count_inspection`` when an inspection becomes finalized (``finalize_inspection``);
- ``uncount_inspection`` before a package import replaces a finalized local inspection (its old answers go);
- ``change_answer`` when an amendment changes one answer of a finalized inspection;
- ``adjust_counts`` with counts made in memory (a package import: every inspection's answers in one upsert);
- ``recount`` rebuilds the counts of some months, or of all, from ``item_results`` (the demo generator after writing
  a month in bulk; migration 0014 did the same for existing databases).

Only finalized inspections are counted: only a draft can be voided, and a finalized inspection is never deleted.
Results without a response (a note or photo before the answer) are not counted.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Insert, Select, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from models.inspection import Inspection, ItemAnswerCount, ItemResult

FINALIZED = "finalized"
_BATCH = 1000  # rows an upsert statement (5 parameters each: well under SQLite's limit)

Key = tuple[str, str, uuid.UUID, str]  # kind, month, item id, response


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def count_inspection(session: Session, inspection_id: uuid.UUID) -> None:
    """Add the answers of ``inspection_id`` to the counts, if it is finalized (call once it is, with its results
    written)."""
    _adjust_inspection(session, inspection_id, 1)


def uncount_inspection(session: Session, inspection_id: uuid.UUID) -> None:
    """Take the answers of ``inspection_id`` out of the counts, if it is finalized (call before they change)."""
    _adjust_inspection(session, inspection_id, -1)


def change_answer(
    session: Session, inspection: Inspection, item_id: uuid.UUID, before: str | None, after: str | None
) -> None:
    """One answer of ``inspection`` changed from ``before`` to ``after`` (None: no response)."""
    if inspection.status != FINALIZED or before == after:
        return
    month = month_of(inspection.date)
    deltas: dict[Key, int] = {}
    if before is not None:
        deltas[(inspection.kind, month, item_id, before)] = -1
    if after is not None:
        deltas[(inspection.kind, month, item_id, after)] = 1
    adjust_counts(session, deltas)


def recount(session: Session, months: Iterable[str] | None = None) -> None:
    """Rebuild the counts of ``months`` ("YYYY-MM"), or of every month, from the item results."""
    if months is None:
        session.execute(delete(ItemAnswerCount))
        session.execute(_fill(month_expression(session.get_bind().dialect.name), []))
        return
    for month in sorted(set(months)):
        year, number = (int(part) for part in month.split("-"))
        start = date(year, number, 1)
        end = date(year + number // 12, number % 12 + 1, 1)
        session.execute(delete(ItemAnswerCount).where(ItemAnswerCount.month == month))
        session.execute(_fill(literal(month), [Inspection.date >= start, Inspection.date < end]))


def stale_months(session: Session) -> list[tuple[str, str]]:
    """The (kind, month) whose stored counts differ from counting their item results again (``check --full``):
    one month at a time, so a province's counts are never all in memory at once."""
    month = month_expression(session.get_bind().dialect.name)
    months = {(kind, m) for kind, m in session.execute(select(ItemAnswerCount.kind, ItemAnswerCount.month).distinct())}
    finalized = select(Inspection.kind, month).where(Inspection.status == FINALIZED).distinct()
    months |= {(kind, m) for kind, m in session.execute(finalized)}
    stale: list[tuple[str, str]] = []
    for kind, key_month in sorted(months):
        year, number = (int(part) for part in key_month.split("-"))
        start, end = date(year, number, 1), date(year + number // 12, number % 12 + 1, 1)
        counted = {
            (item_id, response): n
            for item_id, response, n in session.execute(
                select(ItemResult.item_id, ItemResult.response, func.count())
                .join(Inspection, Inspection.id == ItemResult.inspection_id)
                .where(
                    Inspection.status == FINALIZED,
                    Inspection.kind == kind,
                    Inspection.date >= start,
                    Inspection.date < end,
                    ItemResult.response.is_not(None),
                )
                .group_by(ItemResult.item_id, ItemResult.response)
            )
        }
        kept = {
            (item_id, response): n
            for item_id, response, n in session.execute(
                select(ItemAnswerCount.item_id, ItemAnswerCount.response, ItemAnswerCount.count).where(
                    ItemAnswerCount.kind == kind, ItemAnswerCount.month == key_month, ItemAnswerCount.count != 0
                )
            )
        }
        if counted != kept:
            stale.append((kind, key_month))
    return stale


def answer_counts(kind: str, start: date, end: date) -> Select[uuid.UUID, str, int]:
    """The query of (item_id, response, answers) over the finalized inspections of ``kind`` dated in the months
    [start, end) (both the first day of a month): one row per item and response, to join or run."""
    total = func.sum(ItemAnswerCount.count)
    return (
        select(
            ItemAnswerCount.item_id.label("item_id"),
            ItemAnswerCount.response.label("response"),
            total.label("answers"),
        )
        .where(
            ItemAnswerCount.kind == kind,
            ItemAnswerCount.month >= month_of(start),
            ItemAnswerCount.month < month_of(end),
        )
        .group_by(ItemAnswerCount.item_id, ItemAnswerCount.response)
        .having(total > 0)
    )


def month_expression(dialect: str) -> ColumnElement[str]:
    """An inspection's month, "YYYY-MM", in SQL on ``dialect`` (dates are ISO text in SQLite and a date type in
    PostgreSQL)."""
    if dialect == "postgresql":
        return func.to_char(Inspection.date, "YYYY-MM")
    return func.substr(Inspection.date, 1, 7)


def _fill(month: ColumnElement[str], where: list[ColumnElement[bool]]) -> Insert:
    grouped = (
        select(Inspection.kind, month, ItemResult.item_id, ItemResult.response, func.count())
        .join(Inspection, Inspection.id == ItemResult.inspection_id)
        .where(Inspection.status == FINALIZED, ItemResult.response.is_not(None), *where)
        .group_by(Inspection.kind, month, ItemResult.item_id, ItemResult.response)
    )
    return insert(ItemAnswerCount).from_select(["kind", "month", "item_id", "response", "count"], grouped)


def _adjust_inspection(session: Session, inspection_id: uuid.UUID, sign: int) -> None:
    """One statement on the server: the inspection's answers grouped and added (or taken away) in key order."""
    month = month_expression(session.get_bind().dialect.name)
    key = (Inspection.kind, month, ItemResult.item_id, ItemResult.response)
    grouped = (
        select(*key, sign * func.count())
        .join(Inspection, Inspection.id == ItemResult.inspection_id)
        .where(Inspection.id == inspection_id, Inspection.status == FINALIZED, ItemResult.response.is_not(None))
        .group_by(*key)
        .order_by(*key)
    )
    statement = _upsert(session)(ItemAnswerCount).from_select(
        ["kind", "month", "item_id", "response", "count"], grouped
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["kind", "month", "item_id", "response"],
            set_={"count": ItemAnswerCount.count + statement.excluded.count},
        )
    )


def _upsert(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def adjust_counts(session: Session, deltas: Mapping[Key, int]) -> None:
    """Add ``deltas`` to the counts in one upsert per batch, keys in a fixed order (two transactions updating the
    same counts on a server lock them in the same order: they wait, never deadlock). A package import counts the
    answers of the finalized inspections it writes as it writes them and adds them all at once here."""
    ordered = sorted(deltas.items(), key=lambda kv: (kv[0][0], kv[0][1], str(kv[0][2]), kv[0][3]))
    rows = [
        {"kind": kind, "month": month, "item_id": item_id, "response": response, "count": n}
        for (kind, month, item_id, response), n in ordered
        if n
    ]
    if not rows:
        return
    upsert = _upsert(session)
    for start in range(0, len(rows), _BATCH):
        statement = upsert(ItemAnswerCount).values(rows[start : start + _BATCH])
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["kind", "month", "item_id", "response"],
                set_={"count": ItemAnswerCount.count + statement.excluded.count},
            )
        )
