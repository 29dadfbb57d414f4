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
from inspections.rawids import raw_id
from inspections.reports import data as d
from inspections.reports.gather.common import _chunks, _now
from inspections.scoring import Answer, score_checklist
from inspections.templates import template_spec
from inspections.workflow.scope import ScopeMark, in_scope, mark_for
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
    template_of: dict[object, uuid.UUID] = {}  # raw template id → id
    answer_of: dict[tuple[str, float | None], Answer] = {}  # answers are immutable: one object per distinct answer
    no_notes: dict[str, str] = {}
    connection = session.connection()
    for first in range(0, len(ids), RESULTS_BATCH):
        chunk = ids[first : first + RESULTS_BATCH]
        heads = {
            row[0]: row[1:]
            for row in connection.execute(
                select(Inspection.id, raw_id(Inspection.id), Inspection.date, Inspection.kind, Institution.name)
                .join(Institution, Institution.id == Inspection.institution_id)
                .where(Inspection.id.in_(chunk))
            )
        }
        templates: dict[object, list[object]] = defaultdict(list)  # raw inspection id → raw template ids, in order
        for inspection_raw, template_raw, template_id in connection.execute(
            select(raw_id(InspectionChecklist.inspection_id), raw_id(InspectionChecklist.template_id),
                   InspectionChecklist.template_id)
            .where(InspectionChecklist.inspection_id.in_(chunk))
            .order_by(InspectionChecklist.inspection_id, InspectionChecklist.position)
        ):  # fmt: skip
            templates[inspection_raw].append(template_raw)
            if template_raw not in template_of:
                template_of[template_raw] = template_id
                if template_id not in specs:
                    specs[template_id] = template_spec(session, template_id)
        answers: dict[tuple[object, object], dict[str, Answer]] = defaultdict(dict)
        notes: dict[tuple[object, object], dict[str, str]] = defaultdict(dict)
        for inspection_raw, template_raw, code, response, points, note in connection.execute(
            select(
                raw_id(ItemResult.inspection_id),
                raw_id(ChecklistItem.template_id),
                ChecklistItem.code,
                ItemResult.response,
                ItemResult.points,
                ItemResult.note,
            )
            .join(ChecklistItem, ChecklistItem.id == ItemResult.item_id)
            .where(ItemResult.inspection_id.in_(chunk))
        ).all():  # one fetch for the batch, not one a row
            if response is not None:  # a note or photo without an answer yet
                answer = answer_of.get((response, points))
                if answer is None:
                    answer = answer_of[(response, points)] = Answer(response, points)
                answers[(inspection_raw, template_raw)][code] = answer
            if note:
                notes[(inspection_raw, template_raw)][code] = note
        scopes: dict[uuid.UUID, list[tuple[uuid.UUID, str, str, str]]] = defaultdict(list)
        for inspection_id, template_id, section_code, mode, reason in connection.execute(
            select(InspectionScope.inspection_id, InspectionScope.template_id, InspectionScope.section_code,
                   InspectionScope.mode, InspectionScope.reason)
            .where(InspectionScope.inspection_id.in_(chunk))
        ):  # fmt: skip
            scopes[inspection_id].append((template_id, section_code, mode, reason))
        for inspection_id in chunk:
            inspection_raw, on, kind, institution = heads[inspection_id]
            kind_label = INSPECTION_KINDS.get(kind, kind)
            raws = templates[inspection_raw]
            tids = [template_of[raw] for raw in raws]
            # Scored as the 反馈单 scores it: checklists and sections left out count for nothing.
            marks = [ScopeMark(tid, code, mode, reason, specs[tid].title, "") for tid, code, mode, reason in
                     scopes.get(inspection_id, ()) if tid in specs]  # fmt: skip
            pairs = in_scope(
                [
                    (tid, specs[tid], answers.get((inspection_raw, raw), {}))
                    for tid, raw in zip(tids, raws, strict=True)
                ],
                marks,
            )
            for tid, raw, (kept, kept_answers) in zip(tids, raws, pairs, strict=True):
                spec = specs[tid]
                checklist = score_checklist(kept, kept_answers, explain=False)
                whole = mark_for(marks, tid, "") if marks else None
                whole = whole if whole is not None and not whole.section_code else None
                summary.append(
                    d.ResultSummaryRow(
                        institution,
                        on,
                        kind_label,
                        checklist.title,
                        checklist.earned,
                        checklist.maximum,
                        checklist.score if checklist.basis == "percent" else None,
                        whole.mode_label if whole is not None else checklist.grade,
                        checklist.vetoed,
                    )
                )
                if sections is not None:
                    sections.extend(
                        d.ResultSummaryRow(
                            institution,
                            on,
                            kind_label,
                            f"{checklist.title} / {sec.title}",
                            sec.earned,
                            sec.maximum,
                            sec.percent,
                            "",
                        )
                        for sec in checklist.sections
                    )
                noted = notes.get((inspection_raw, raw), no_notes)
                title = spec.title
                if kept is spec:  # nothing left out: the scored items are the spec's, in order
                    for item, got in zip(spec.items(), checklist.items, strict=True):
                        yield d.ResultRow(
                            institution, on, kind_label, title, item.code, item.text, got.response_label, got.earned,
                            item.points, noted.get(item.code, ""), item.critical,
                        )  # fmt: skip
                    continue
                scored = {i.code: i for i in checklist.items}
                for section in spec.sections:
                    left_out = mark_for(marks, tid, section.code)
                    for item in section.items:
                        s = scored.get(item.code)
                        yield d.ResultRow(
                            institution,
                            on,
                            kind_label,
                            title,
                            item.code,
                            item.text,
                            left_out.mode_label if left_out else s.response_label if s else "未检查",
                            None if left_out else s.earned if s else None,
                            item.points,
                            noted.get(item.code, ""),
                            item.critical,
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
