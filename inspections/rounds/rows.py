"""What the rounds module hands out: the scope of a new round, and the rows and detail a list or page shows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


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
