"""The inspection results export (.xlsx): rows streamed batch by batch, per-inspection summaries."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inspections import analytics
from inspections.checklists.spec import ChecklistSpec
from inspections.labels import INSPECTION_KINDS
from inspections.reports import data as d
from inspections.reports.gather.common import _chunks, _now
from inspections.scoring import Answer
from inspections.templates import template_spec
from inspections.workflow.scope import ScopeMark, mark_for, score_in_scope
from models.checklist import ChecklistItem
from models.inspection import Inspection, InspectionChecklist, InspectionScope, ItemResult
from models.reference import Institution

# --- inspection results (.xlsx) ----------------------------------------------------------------------------------


@dataclass
class ResultsStream:
    """The results export as it is read: ``rows`` yields item rows batch by batch; ``summary`` fills meanwhile."""

    inspections: int
    rows: Iterator[d.ResultRow]
    summary: list[d.ResultSummaryRow]
    data_as_of: datetime
    expected_rows: int
    sections: list[d.ResultSummaryRow] = field(default_factory=list)  # filled with ``summary``: 分组小计


RESULTS_BATCH = 200


def results_stream(
    session: Session,
    *,
    month: str | None = None,
    institution_id: uuid.UUID | None = None,
    inspection_ids: Sequence[uuid.UUID] | None = None,
    include_drafts: bool = False,
    now: datetime | None = None,
) -> ResultsStream:
    """Item results and checklist scores of the chosen inspections (finalized only unless ``include_drafts``),
    read a batch of inspections at a time with a few set queries each (not one ``load_inspection`` per inspection),
    so a city's export streams through memory. Each checklist is scored from the stored answers, as a document is."""
    query = select(Inspection.id).order_by(Inspection.date, Inspection.created_at, Inspection.id)
    if inspection_ids is not None:
        query = query.where(Inspection.id.in_(list(inspection_ids)))
    if institution_id is not None:
        query = query.where(Inspection.institution_id == institution_id)
    if month is not None:
        start, end = analytics.month_bounds(month)
        query = query.where(Inspection.date >= start, Inspection.date < end)
    if not include_drafts:
        query = query.where(Inspection.status == "finalized")
    ids = list(session.scalars(query))
    expected = 0
    for chunk in _chunks(ids):
        expected += (
            session.scalar(
                select(func.count())
                .select_from(InspectionChecklist)
                .join(ChecklistItem, ChecklistItem.template_id == InspectionChecklist.template_id)
                .where(InspectionChecklist.inspection_id.in_(chunk))
            )
            or 0
        )
    summary: list[d.ResultSummaryRow] = []
    sections: list[d.ResultSummaryRow] = []
    return ResultsStream(
        len(ids), _result_rows(session, ids, summary, sections), summary, _now(now), expected, sections
    )


def _result_rows(
    session: Session,
    ids: Sequence[uuid.UUID],
    summary: list[d.ResultSummaryRow],
    sections: list[d.ResultSummaryRow] | None = None,
) -> Iterator[d.ResultRow]:
    specs: dict[uuid.UUID, ChecklistSpec] = {}
    for first in range(0, len(ids), RESULTS_BATCH):
        chunk = ids[first : first + RESULTS_BATCH]
        heads = {
            row[0]: row[1:]
            for row in session.execute(
                select(Inspection.id, Inspection.date, Inspection.kind, Institution.name)
                .join(Institution, Institution.id == Inspection.institution_id)
                .where(Inspection.id.in_(chunk))
            )
        }
        templates: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for inspection_id, template_id in session.execute(
            select(InspectionChecklist.inspection_id, InspectionChecklist.template_id)
            .where(InspectionChecklist.inspection_id.in_(chunk))
            .order_by(InspectionChecklist.inspection_id, InspectionChecklist.position)
        ):
            templates[inspection_id].append(template_id)
        answers: dict[tuple[uuid.UUID, uuid.UUID], dict[str, Answer]] = defaultdict(dict)
        notes: dict[tuple[uuid.UUID, uuid.UUID, str], str] = {}
        for inspection_id, template_id, code, response, points, note in session.execute(
            select(
                ItemResult.inspection_id,
                ChecklistItem.template_id,
                ChecklistItem.code,
                ItemResult.response,
                ItemResult.points,
                ItemResult.note,
            )
            .join(ChecklistItem, ChecklistItem.id == ItemResult.item_id)
            .where(ItemResult.inspection_id.in_(chunk))
        ):
            if response is not None:  # a note or photo without an answer yet
                answers[(inspection_id, template_id)][code] = Answer(response, points)
            if note:
                notes[(inspection_id, template_id, code)] = note
        scopes: dict[uuid.UUID, list[tuple[uuid.UUID, str, str, str]]] = defaultdict(list)
        for row in session.scalars(select(InspectionScope).where(InspectionScope.inspection_id.in_(chunk))):
            scopes[row.inspection_id].append((row.template_id, row.section_code, row.mode, row.reason))
        for inspection_id in chunk:
            on, kind, institution = heads[inspection_id]
            kind_label = INSPECTION_KINDS.get(kind, kind)
            tids = templates[inspection_id]
            for tid in tids:
                if tid not in specs:
                    specs[tid] = template_spec(session, tid)
            # Scored as the 反馈单 scores it: checklists and sections left out count for nothing.
            marks = [ScopeMark(tid, code, mode, reason, specs[tid].title, "") for tid, code, mode, reason in
                     scopes[inspection_id] if tid in specs]  # fmt: skip
            score = score_in_scope([(tid, specs[tid], answers.get((inspection_id, tid), {})) for tid in tids], marks)
            for tid, checklist in zip(tids, score.checklists, strict=True):
                spec = specs[tid]
                whole = mark_for(marks, tid, "")
                whole = whole if whole is not None and not whole.section_code else None
                summary.append(
                    d.ResultSummaryRow(
                        institution=institution,
                        inspection_date=on,
                        kind_label=kind_label,
                        checklist_title=checklist.title,
                        earned=checklist.earned,
                        maximum=checklist.maximum,
                        percent=checklist.score if checklist.basis == "percent" else None,
                        grade=whole.mode_label if whole is not None else checklist.grade,
                        vetoed=checklist.vetoed,
                    )
                )
                if sections is not None:
                    sections.extend(
                        d.ResultSummaryRow(
                            institution=institution,
                            inspection_date=on,
                            kind_label=kind_label,
                            checklist_title=f"{checklist.title} / {sec.title}",
                            earned=sec.earned,
                            maximum=sec.maximum,
                            percent=sec.percent,
                            grade="",
                        )
                        for sec in checklist.sections
                    )
                scored = {i.code: i for i in checklist.items}
                for section in spec.sections:
                    left_out = mark_for(marks, tid, section.code)
                    for item in section.items:
                        s = scored.get(item.code)
                        yield d.ResultRow(
                            institution=institution,
                            inspection_date=on,
                            kind_label=kind_label,
                            checklist_title=spec.title,
                            item_code=item.code,
                            item_text=item.text,
                            response=left_out.mode_label if left_out else s.response_label if s else "未检查",
                            points=None if left_out else s.earned if s else None,
                            maximum=item.points,
                            note=notes.get((inspection_id, tid, item.code), ""),
                            critical=item.critical,
                        )


def results_rows(
    session: Session,
    *,
    month: str | None = None,
    institution_id: uuid.UUID | None = None,
    inspection_ids: Sequence[uuid.UUID] | None = None,
    include_drafts: bool = False,
    now: datetime | None = None,
) -> d.ResultsExport:
    """The whole results export in memory (small selections and tests; the workbook streams ``results_stream``)."""
    stream = results_stream(
        session,
        month=month,
        institution_id=institution_id,
        inspection_ids=inspection_ids,
        include_drafts=include_drafts,
        now=now,
    )
    rows = tuple(stream.rows)
    return d.ResultsExport(rows, tuple(stream.summary), data_as_of=stream.data_as_of, sections=tuple(stream.sections))
