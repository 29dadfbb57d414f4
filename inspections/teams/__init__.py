"""Expert teams (督导组): one inspection split between members, answered apart and merged item by item.

- ``parts``: who holds which checklists or sections, what a member may edit, each member's progress;
- ``digests``: the value digest of an item and the part statement a member signs.
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

__all__ = [
    "ItemValue",
    "MemberProgress",
    "Part",
    "PartStatement",
    "assign_part",
    "check_editable",
    "current_values",
    "is_team_inspection",
    "item_owners",
    "members_of",
    "part_item_ids",
    "part_statement",
    "parts_of",
    "team_progress",
    "unassign_member",
    "value_digest",
]
