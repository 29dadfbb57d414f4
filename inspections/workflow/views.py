"""What the editor, the reports and the command line read about one inspection: plain frozen views."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspections.checklists.spec import ChecklistSpec, ItemSpec, ResponseOption
from inspections.labels import INSPECTION_KINDS
from inspections.permissions import CurrentUser
from inspections.scoring import InspectionScore, response_options
from inspections.templates import template_spec
from inspections.workflow.loading import (
    authorize_on,
    current_score,
    get_inspection,
    option_labels,
    previous_inspection_id,
    results_by_code,
    template_ids_of,
)
from inspections.workflow.scope import ScopeMark, mark_for, scope_marks
from models.checklist import ChecklistItem
from models.inspection import Attachment, Inspection, ItemResult
from models.reference import Institution


@dataclass(frozen=True)
class PhotoRef:
    attachment_id: uuid.UUID
    sha256: str
    filename: str
    caption: str = ""


@dataclass(frozen=True)
class PreviousResult:
    """The same item's result at the same institution in its previous finalized inspection."""

    inspection_id: uuid.UUID
    date: date
    response: str
    label: str
    outcome: str
    note: str


@dataclass(frozen=True)
class ItemView:
    item_id: uuid.UUID
    code: str
    spec: ItemSpec
    options: tuple[ResponseOption, ...]
    response: str | None
    points: float | None
    note: str
    photos: tuple[PhotoRef, ...]
    previous: PreviousResult | None
    updated_at: datetime | None

    @property
    def outcome(self) -> str | None:
        return next((o.outcome for o in self.options if o.code == self.response), None)


@dataclass(frozen=True)
class SectionView:
    code: str
    title: str
    items: tuple[ItemView, ...]


@dataclass(frozen=True)
class ChecklistView:
    template_id: uuid.UUID
    spec: ChecklistSpec
    sections: tuple[SectionView, ...]


@dataclass(frozen=True)
class InspectionView:
    """Everything the editor shows about one inspection."""

    id: uuid.UUID
    institution_id: uuid.UUID
    institution_name: str
    round_id: uuid.UUID | None
    kind: str
    date: date
    inspectors: tuple[str, ...]
    hospital_rep: str
    status: str
    finalized_at: datetime | None
    signatures: dict[str, str]
    content_hash: str | None
    amendments: int
    version: int
    checklists: tuple[ChecklistView, ...]
    score: InspectionScore
    scope: tuple[ScopeMark, ...] = ()  # checklists and sections left out (本次未检 / 不适用)

    @property
    def finalized(self) -> bool:
        return self.status == "finalized"

    def scope_mark(self, template_id: uuid.UUID, section_code: str = "") -> ScopeMark | None:
        """The mark leaving this checklist (section "") or section out, if any."""
        if not section_code:
            return next((m for m in self.scope if m.template_id == template_id and not m.section_code), None)
        return mark_for(self.scope, template_id, section_code)

    def items_in_scope(self) -> list[ItemView]:
        """The items to answer: those of checklists and sections not left out."""
        return [
            i
            for c in self.checklists
            for s in c.sections
            if self.scope_mark(c.template_id, s.code) is None
            for i in s.items
        ]

    @property
    def kind_label(self) -> str:
        return INSPECTION_KINDS.get(self.kind, self.kind)

    def items(self) -> list[ItemView]:
        return [i for c in self.checklists for s in c.sections for i in s.items]


def load_inspection(session: Session, inspection_id: uuid.UUID, *, user: CurrentUser | None = None) -> InspectionView:
    """The inspection with its checklists, answers, photos, last time's results and live score."""
    inspection = get_inspection(session, inspection_id)
    authorize_on(user, "inspection.view", inspection.institution_id)
    institution = session.get(Institution, inspection.institution_id)
    assert institution is not None
    results = {
        r.item_id: r for r in session.scalars(select(ItemResult).where(ItemResult.inspection_id == inspection.id))
    }
    photos: dict[uuid.UUID, list[PhotoRef]] = {}
    if results:
        by_result = {r.id: r.item_id for r in results.values()}
        for a in session.scalars(
            select(Attachment).where(Attachment.item_result_id.in_(by_result)).order_by(Attachment.created_at)
        ):
            assert a.item_result_id is not None
            photos.setdefault(by_result[a.item_result_id], []).append(PhotoRef(a.id, a.sha256, a.filename, a.caption))

    previous: dict[str, PreviousResult] = {}
    prev_id = previous_inspection_id(session, inspection)
    if prev_id is not None:
        prev = session.get(Inspection, prev_id)
        assert prev is not None
        prev_labels = option_labels(session, template_ids_of(prev))
        for code, (response, _points, note) in results_by_code(session, prev_id).items():
            label, outcome = prev_labels.get((code, response), (response, response))
            previous[code] = PreviousResult(prev_id, prev.date, response, label, outcome, note)

    checklists = []
    for template_id in template_ids_of(inspection):
        spec = template_spec(session, template_id)
        item_ids = dict(
            session.execute(
                select(ChecklistItem.code, ChecklistItem.id).where(ChecklistItem.template_id == template_id)
            ).all()
        )
        sections = []
        for section in spec.sections:
            views = []
            for item in section.items:
                item_id = item_ids[item.code]
                result = results.get(item_id)
                views.append(
                    ItemView(
                        item_id=item_id,
                        code=item.code,
                        spec=item,
                        options=tuple(response_options(spec, item)),
                        response=result.response if result else None,
                        points=result.points if result else None,
                        note=result.note if result else "",
                        photos=tuple(photos.get(item_id, ())),
                        previous=previous.get(item.code),
                        updated_at=result.updated_at if result else None,
                    )
                )
            sections.append(SectionView(section.code, section.title, tuple(views)))
        checklists.append(ChecklistView(template_id, spec, tuple(sections)))

    return InspectionView(
        id=inspection.id,
        institution_id=institution.id,
        institution_name=institution.name,
        round_id=inspection.round_id,
        kind=inspection.kind,
        date=inspection.date,
        inspectors=tuple(inspection.inspectors),
        hospital_rep=inspection.hospital_rep,
        status=inspection.status,
        finalized_at=inspection.finalized_at,
        signatures=dict(inspection.signatures),
        content_hash=inspection.content_hash,
        amendments=inspection.amendments,
        version=inspection.version,
        checklists=tuple(checklists),
        score=current_score(session, inspection),
        scope=tuple(scope_marks(session, inspection.id)),
    )
