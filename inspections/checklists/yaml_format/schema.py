"""The checklist YAML format's vocabulary: the format version, the keys each mapping accepts, and the size limits.

A new field starts here (its key in the right ``*_KEYS`` tuple), is read and validated in ``header_fields`` (checklist
level: basis, applies_to, scoring) or ``item_fields`` (response sets, sections, items), and written in ``dumping``.
"""

from __future__ import annotations

import re

FORMAT_VERSION = 1
MAX_ITEMS = 3000
MAX_VERSION = 1_000_000
MAX_SECTIONS = 500
MAX_RESPONSE_SETS = 100
MAX_OPTIONS = 50

TOP_KEYS = (
    "format",
    "code",
    "version",
    "title",
    "effective_from",
    "effective_to",
    "basis",
    "note",
    "applies_to",
    "scoring",
    "response_sets",
    "sections",
)
APPLIES_KEYS = ("has_fever_clinic", "levels", "categories")
SCORING_KEYS = ("basis", "partial_ratio", "grades", "weight")
GRADE_KEYS = ("min", "label")
OPTION_KEYS = ("code", "label", "points", "outcome")
SECTION_KEYS = ("code", "title", "points", "weight", "items")
SECTION_REQUIRED = ("code", "title", "items")
ITEM_KEYS = (
    "code",
    "text",
    "method",
    "criteria",
    "points",
    "critical",
    "consequence",
    "deduction",
    "remedy",
    "evidence",
    "response_set",
)
DEDUCTION_KEYS = ("per", "cap", "unit", "subitems", "exceptions")
MAX_SUBITEMS = 50

TAG = "tag:yaml.org,2002:"
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")

CODE_RULE = "只能由小写字母、数字和连字符“-”组成，以字母或数字开头，最多 64 个字符（例如 fever-clinic-zoning）"
ITEM_CODE_RULE = "只能由英文字母、数字和 . _ - 组成，以字母或数字开头，最多 32 个字符（例如 FZ1.2）"
