"""The state of one import being applied: counts, audit entries, local ids of checklist items, fresh ids."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.errors import InvalidInputError
from inspections.packages.importing.plan import Plan, problem
from models.audit import append_audit
from models.checklist import ChecklistItem


class Applier:
    """Applying a plan in one unit of work: what was applied so far, the audit trail, local item ids."""

    def __init__(self, session: Session, actor: str, plan: Plan) -> None:
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

    def fresh(self, model: type[Any], record_id: str) -> uuid.UUID:
        """The id of a row about to be inserted; one already used here by another record is refused."""
        key = uuid.UUID(record_id)
        if self.session.get(model, key) is not None:
            raise InvalidInputError(
                [problem(self.plan, record_id, "数据包中的记录编号与本机已有的其他记录重复，未导入任何内容")]
            )
        return key

    def fresh_many(self, model: type[Any], record_ids: list[str]) -> None:
        """Like _fresh for many rows at once: one query per few hundred ids instead of one per row."""
        keys = [uuid.UUID(i) for i in record_ids]
        with self.session.no_autoflush:
            for start in range(0, len(keys), 500):
                taken = self.session.scalars(select(model.id).where(model.id.in_(keys[start : start + 500]))).first()
                if taken is not None:
                    raise InvalidInputError(
                        [problem(self.plan, str(taken), "数据包中的记录编号与本机已有的其他记录重复，未导入任何内容")]
                    )
