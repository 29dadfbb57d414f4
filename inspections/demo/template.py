"""A checklist version as the generator uses it: spec, item ids and each response's outcome."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from inspections.checklists.spec import ChecklistSpec


@dataclass
class DemoTemplate:
    id: uuid.UUID
    code: str
    version: int
    content_hash: str
    spec: ChecklistSpec
    item_ids: dict[str, uuid.UUID]
    outcomes: Mapping[tuple[str, str], str]
