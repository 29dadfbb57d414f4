"""Importing a package: validate everything, preview (new / updated / unchanged / conflict / kept), apply in one go.

Rules (Kobo's 409 rule, made explicit):
- a record with an id not seen before is new; the same record again is unchanged, so a package imported twice
  changes nothing;
- the same id with different content is a conflict, applied only with an explicit decision per record
  (``mine`` keeps the local record, ``theirs`` takes the package's); a finalized inspection is never replaced
  silently, and a draft never replaces a finalized inspection (kept);
- a finding whose history in the package extends the local one is updated (events are appended, never removed);
- checklist versions are matched by (code, content hash), institutions by id, then code, then name;
- the 文号 of a finalized inspection's 反馈单 (format version 2) is kept as printed when this database has none for
  it; one this database already used for another document is imported all the same and reported (文号重复).
Every applied record is audited. Nothing is written before everything has been checked.

The package, by job:
- ``preview``: what an import would do and did (PreviewEntry, Preview, ImportResult);
- ``planning``: check the whole package and plan each record (``plan`` holds what planning learns);
- ``authority``: every permission check of an import (the place to check who signed a package);
- one module per record kind, each with its planning and applying: ``checklist``, ``institution``,
  ``inspection``, ``finding``, ``document_number``; ``photo`` for the photos they carry;
- ``applying``: apply a plan (``applier`` holds the state of one import being applied).
"""

from inspections.packages.importing.applying import apply_package
from inspections.packages.importing.planning import preview_package
from inspections.packages.importing.preview import Decision, ImportResult, Preview, PreviewEntry, Status

__all__ = ["Decision", "ImportResult", "Preview", "PreviewEntry", "Status", "apply_package", "preview_package"]
