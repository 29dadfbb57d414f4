"""Expert teams (督导组): one inspection split between members, answered apart and merged item by item.

- ``parts``: who holds which checklists or sections, what a member may edit, each member's progress;
- ``digests``: the value digest of an item and the part statement a member signs;
- ``signing``: a member's signature over their part, and how each member's part signature stands here.
"""

from inspections.teams.digests import ItemValue, PartStatement, current_values, part_statement, value_digest
from inspections.teams.parts import (
    MemberProgress,
    Part,
    assign_part,
    check_editable,
    is_team_inspection,
    item_owners,
    members_of,
    part_item_ids,
    parts_of,
    team_progress,
    unassign_member,
)
from inspections.teams.signing import PartSignatureStatus, part_signatures, sign_part

__all__ = [
    "ItemValue",
    "MemberProgress",
    "Part",
    "PartSignatureStatus",
    "PartStatement",
    "assign_part",
    "check_editable",
    "current_values",
    "is_team_inspection",
    "item_owners",
    "members_of",
    "part_item_ids",
    "part_signatures",
    "part_statement",
    "parts_of",
    "sign_part",
    "team_progress",
    "unassign_member",
    "value_digest",
]
