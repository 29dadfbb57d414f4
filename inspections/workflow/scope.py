"""Partial scope: checklists or sections of an inspection left out as a whole (本次未检 with a reason, or 不适用).

Out-of-scope items do not block finalizing, are left out of the score and make no findings; documents say so.
This module only reads; changing the scope is ``drafts.set_scope``.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.checklists.spec import ChecklistSpec
from inspections.scoring import Answer, InspectionScore, score_inspection
from inspections.templates import template_spec
from models.inspection import InspectionScope

SCOPE_MODES: dict[str, str] = {"not_checked": "本次未检", "na": "不适用"}
SCOPE_REASON_MAX = 500
"""The longest reason a scope mark may carry (typed in, and in an exchange package)."""


@dataclass(frozen=True)
class ScopeMark:
    """A checklist (``section_code`` "") or one of its sections left out of an inspection."""

    template_id: uuid.UUID
    section_code: str
    mode: str  # not_checked | na
    reason: str
    checklist_title: str
    section_title: str

    @property
    def mode_label(self) -> str:
        return SCOPE_MODES.get(self.mode, self.mode)

    @property
    def what(self) -> str:
        """What is left out, as a document names it: the checklist, or the checklist's section."""
        return f"{self.checklist_title}·{self.section_title}" if self.section_code else self.checklist_title

    @property
    def line(self) -> str:
        """One line for a document: 本次未检：发热门诊闭环管理（人员不在岗）."""
        reason = f"（{self.reason}）" if self.reason else ""
        return f"{self.mode_label}：{self.what}{reason}"


def scope_marks(session: Session, inspection_id: uuid.UUID) -> list[ScopeMark]:
    """The inspection's scope marks, whole checklists before sections, in checklist order."""
    marks = []
    for row in session.scalars(select(InspectionScope).where(InspectionScope.inspection_id == inspection_id)):
        spec = template_spec(session, row.template_id)
        title = next((s.title for s in spec.sections if s.code == row.section_code), row.section_code)
        marks.append(ScopeMark(row.template_id, row.section_code, row.mode, row.reason, spec.title, title))
    return marks


def mark_for(marks: Iterable[ScopeMark], template_id: uuid.UUID, section_code: str) -> ScopeMark | None:
    """The mark that leaves this section out: its checklist's, or its own."""
    found = None
    for mark in marks:
        if mark.template_id != template_id:
            continue
        if not mark.section_code:
            return mark
        if mark.section_code == section_code:
            found = mark
    return found


def without_sections(spec: ChecklistSpec, left_out: Collection[str]) -> ChecklistSpec:
    """The checklist without the sections whose codes are in ``left_out`` ("" in it: the whole checklist)."""
    if not left_out:
        return spec
    if "" in left_out:
        return replace(spec, sections=())
    return replace(spec, sections=tuple(s for s in spec.sections if s.code not in left_out))


def scoped_spec(spec: ChecklistSpec, template_id: uuid.UUID, marks: Sequence[ScopeMark]) -> ChecklistSpec:
    """The checklist without its out-of-scope sections (no sections at all when the whole checklist is out)."""
    return without_sections(spec, {m.section_code for m in marks if m.template_id == template_id})


def score_in_scope(
    checklists: Sequence[tuple[uuid.UUID, ChecklistSpec, Mapping[str, Answer]]],
    marks: Sequence[ScopeMark],
    overall: str = "sum",
) -> InspectionScore:
    """Score an inspection leaving out-of-scope sections out (their answers, if any, are ignored); ``overall`` is
    the rule across checklists (设置 overall_rule, see scoring.OVERALL_RULES)."""
    return score_inspection(in_scope(checklists, marks), overall)


def score_left_out(
    checklists: Sequence[tuple[ChecklistSpec, Mapping[str, Answer], Collection[str]]], overall: str = "sum"
) -> InspectionScore:
    """Like score_in_scope, each checklist given with the codes of its sections left out ("": all of it), as an
    exchange package's record names them."""
    return score_inspection(kept_in_scope(checklists), overall)


def kept_in_scope(
    checklists: Sequence[tuple[ChecklistSpec, Mapping[str, Answer], Collection[str]]],
) -> list[tuple[ChecklistSpec, Mapping[str, Answer]]]:
    """Each checklist without its left-out sections, with the answers to what is left: what score_inspection (or
    score_checklist, one by one) scores."""
    pairs: list[tuple[ChecklistSpec, Mapping[str, Answer]]] = []
    for spec, answers, left_out in checklists:
        kept = without_sections(spec, left_out)
        codes = {item.code for item in kept.items()}
        pairs.append((kept, {code: a for code, a in answers.items() if code in codes}))
    return pairs


def in_scope(
    checklists: Sequence[tuple[uuid.UUID, ChecklistSpec, Mapping[str, Answer]]], marks: Sequence[ScopeMark]
) -> list[tuple[ChecklistSpec, Mapping[str, Answer]]]:
    """``kept_in_scope`` for checklists given by template id, with the inspection's scope marks."""
    return kept_in_scope(
        [(spec, answers, {m.section_code for m in marks if m.template_id == tid}) for tid, spec, answers in checklists]
    )
