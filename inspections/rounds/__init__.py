"""Monthly rounds (督导批次): which institutions are to be inspected, with which checklists, and what was done.

By job: ``rows`` (the scope and the rows handed out), ``months`` (“YYYY-MM”), ``reading`` (lists and detail),
``planning`` (creating a round, adding and removing institutions), ``entries`` (changing an entry, starting its
inspection), ``lookup`` (shared look-ups).
"""

from inspections.rounds.entries import (
    mark_not_done,
    reopen_entry,
    set_entry_checklists,
    set_entry_inspectors,
    start_entry_inspection,
)
from inspections.rounds.months import month_label, parse_month
from inspections.rounds.planning import add_institutions, create_round, remove_entry
from inspections.rounds.reading import entry_for_inspection, list_rounds, round_detail
from inspections.rounds.rows import EntryRow, RoundDetail, RoundRow, RoundScope, coverage_text

__all__ = [
    "EntryRow",
    "RoundDetail",
    "RoundRow",
    "RoundScope",
    "add_institutions",
    "coverage_text",
    "create_round",
    "entry_for_inspection",
    "list_rounds",
    "mark_not_done",
    "month_label",
    "parse_month",
    "remove_entry",
    "reopen_entry",
    "round_detail",
    "set_entry_checklists",
    "set_entry_inspectors",
    "start_entry_inspection",
]
