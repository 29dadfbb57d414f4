"""The state of one import being applied: counts, audit entries, local ids of checklist items, fresh ids, and the
new findings written in bulk once every inspection is."""

from __future__ import annotations

import contextlib
import re
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from inspections.answer_counts import Key
from inspections.errors import InvalidInputError
from inspections.packages.format import DATA
from inspections.packages.importing.plan import Plan, problem
from models.audit import append_audits
from models.bulk import insert_rows
from models.checklist import ChecklistItem
from models.finding import Finding, FindingEvent

_CHUNK = 5000  # ids a query (well under SQLite's 32,766 parameters)


class Applier:
    """Applying a plan in one unit of work: what was applied so far, the audit trail, local item ids."""

    def __init__(self, session: Session, actor: str, plan: Plan) -> None:
        self.session = session
        self.actor = actor
        self.plan = plan
        self.applied: dict[str, int] = {}
        self._items: dict[uuid.UUID, dict[str, uuid.UUID]] = {}
        self.answer_counts: dict[Key, int] = {}  # the finalized inspections' answers written, added at the end
        self.new_findings: list[dict[str, Any]] = []  # rows of new findings and their events, written by write_new
        self.new_events: list[dict[str, Any]] = []
        self._audits: list[tuple[str, str, object, Any, Any]] = []

    def count(self, entity: str, what: str) -> None:
        key = f"{entity}:{what}"
        self.applied[key] = self.applied.get(key, 0) + 1

    def count_answer(self, key: Key) -> None:
        self.answer_counts[key] = self.answer_counts.get(key, 0) + 1

    def audit(self, action: str, entity: str, entity_id: object, before: Any = None, after: Any = None) -> None:
        """An audit event for a record applied; the events are appended to the chain together (write_new)."""
        self._audits.append((action, entity, entity_id, before, after))

    def template_id(self, key: str) -> uuid.UUID:
        return self.plan.template_ids[key]

    def item_id(self, template: str, code: str) -> uuid.UUID:
        tid = self.template_id(template)
        items = self._items.get(tid)
        if items is None:
            items = dict(
                self.session.execute(
                    select(ChecklistItem.code, ChecklistItem.id).where(ChecklistItem.template_id == tid)
                ).all()
            )
            self._items[tid] = items
        return items[code]

    def _clash(self, record_id: object | None) -> InvalidInputError:
        where = DATA if record_id is None else str(record_id)
        message = "数据包中的记录编号与本机已有的其他记录重复，未导入任何内容"
        return InvalidInputError([problem(self.plan, where, message)])

    def fresh_many(self, model: type[Any], record_ids: list[str]) -> None:
        """The ids of rows about to be inserted: one already used here by another record is refused (one query per
        few thousand ids)."""
        keys = [uuid.UUID(i) for i in record_ids]
        with self.session.no_autoflush:
            for start in range(0, len(keys), _CHUNK):
                taken = self.session.scalars(select(model.id).where(model.id.in_(keys[start : start + _CHUNK]))).first()
                if taken is not None:
                    raise self._clash(taken)

    def insert_new(self, table: Any, rows: list[dict[str, Any]]) -> None:
        """Insert rows of records new here in bulk. An id already used here by another record refuses the package:
        the primary key says so (the whole import is rolled back), instead of a query ahead for every few thousand
        ids, which would cost a province's import seconds."""
        self.session.flush()  # what is pending fails on its own, not as these rows' clash
        # SQLite keeps the rows before the failing one: a savepoint takes them back, so that looking the ids up
        # finds the record that was here before, not one of the package's own rows just written. (PostgreSQL names
        # the id in its error and aborts the transaction anyway: no savepoint, no round trips per insert.)
        postgresql = self.session.get_bind().dialect.name == "postgresql"
        try:
            with contextlib.nullcontext() if postgresql else self.session.begin_nested():
                insert_rows(self.session, table, rows)
        except IntegrityError as err:
            raise self._clash(self._taken(table, rows, err)) from None

    def _taken(self, table: Any, rows: list[dict[str, Any]], err: IntegrityError) -> object | None:
        """Which id clashed: PostgreSQL names it (its transaction is aborted, so it is not asked); on SQLite the
        ids are looked up, as the check ahead did."""
        detail = getattr(getattr(err.orig, "diag", None), "message_detail", None) or ""
        named = re.search(r"\(id\)=\(([^)]*)\)", detail)
        if named is not None:
            return named.group(1)
        if self.session.get_bind().dialect.name == "postgresql":
            return None
        keys = [row["id"] for row in rows]
        for start in range(0, len(keys), _CHUNK):
            taken: object | None = self.session.scalar(
                select(table.c.id).where(table.c.id.in_(keys[start : start + _CHUNK]))
            )
            if taken is not None:
                return taken
        return None

    def write_new(self) -> None:
        """What applying gathered, in bulk: the new findings and their events (after their inspections), and the
        audit events of every record applied, in the order applied."""
        self.insert_new(Finding.__table__, self.new_findings)
        self.insert_new(FindingEvent.__table__, self.new_events)
        self.new_findings, self.new_events = [], []
        reason = f"导入数据包「{self.plan.package.name}」"
        append_audits(self.session, actor=self.actor, reason=reason, events=self._audits)
        self._audits = []
