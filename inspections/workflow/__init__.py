"""Inspections from start to signature: answers saved one by one, finalize with findings, audited amendments.

The package, by job:
- ``loading``: shared lookups (an inspection by id, its checklists, answers, last time's results, live score);
- ``views``: the plain views the editor, reports and command line read (``load_inspection``);
- ``answering``: starting an inspection, recording answers and the header;
- ``photos``: photos on items;
- ``folder_photos``: photos from a phone's folder, matched to items by when they were taken;
- ``scope``: checklists and sections left out as a whole (本次未检 / 不适用), and the score without them;
- ``drafts``: changing a draft's scope, voiding a draft;
- ``finalize``: what blocks signing, scores and grade, findings, the 文号;
- ``hashing``: the content hash a signature vouches for;
- ``amendments``: changing a signed inspection (rescore, findings, re-hash);
- ``lists``: lists of inspections, scoped to what a user may see.
Everything public is re-exported here: callers import from ``inspections.workflow``.
"""

from inspections.scoring import overall_grade
from inspections.workflow.answering import (
    SavedAnswer,
    record_answer,
    record_deduction,
    set_header,
    start_inspection,
)
from inspections.workflow.drafts import set_scope, void_inspection
from inspections.workflow.finalize import (
    Blocker,
    FinalizeResult,
    deadline_days,
    finalize_blockers,
    finalize_inspection,
    finalize_warnings,
)
from inspections.workflow.folder_photos import (
    FolderProposal,
    PhotoMatch,
    import_folder_photos,
    parse_utc_offset,
    propose_folder_photos,
)
from inspections.workflow.hashing import content_digest, content_hash, content_hashes, digest_header
from inspections.workflow.lists import InspectionRow, list_inspections, parse_inspection_id, scoped_inspections
from inspections.workflow.loading import FAILING, inspection_score, previous_inspection_id
from inspections.workflow.photos import add_item_photo, remove_item_photo, set_photo_caption
from inspections.workflow.scope import SCOPE_MODES, ScopeMark, scope_marks, score_in_scope
from inspections.workflow.views import (
    ChecklistView,
    InspectionView,
    ItemView,
    PhotoRef,
    PreviousResult,
    SectionView,
    load_inspection,
)

__all__ = [
    "FAILING",
    "SCOPE_MODES",
    "Blocker",
    "ChecklistView",
    "FinalizeResult",
    "FolderProposal",
    "InspectionRow",
    "InspectionView",
    "ItemView",
    "PhotoMatch",
    "PhotoRef",
    "PreviousResult",
    "SavedAnswer",
    "ScopeMark",
    "SectionView",
    "add_item_photo",
    "content_digest",
    "content_hash",
    "content_hashes",
    "deadline_days",
    "digest_header",
    "finalize_blockers",
    "finalize_inspection",
    "finalize_warnings",
    "import_folder_photos",
    "inspection_score",
    "list_inspections",
    "load_inspection",
    "overall_grade",
    "parse_inspection_id",
    "parse_utc_offset",
    "previous_inspection_id",
    "propose_folder_photos",
    "record_answer",
    "record_deduction",
    "remove_item_photo",
    "scope_marks",
    "scoped_inspections",
    "score_in_scope",
    "set_header",
    "set_photo_caption",
    "set_scope",
    "start_inspection",
    "void_inspection",
]
