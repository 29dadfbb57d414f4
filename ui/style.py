"""The application's small style sheet: navigation spacing, state colours, the saved label."""

from __future__ import annotations

from PySide6.QtGui import QColor

PASS = QColor("#2e7d32")
PARTIAL = QColor("#ef8f00")
FAIL = QColor("#c62828")
NA = QColor("#757575")
OVERDUE_BG = QColor("#fdecea")

STYLE_SHEET = """
QListWidget#navigation {
    outline: 0; border: none; border-right: 1px solid #d0d0d0; background: #f4f6f8; padding-top: 8px;
}
QListWidget#navigation::item { padding: 9px 14px; border-radius: 4px; margin: 1px 6px; }
QListWidget#navigation::item:selected { background: #1f6fb2; color: white; }
QLabel#savedLabel { color: #2e7d32; padding: 0 8px; }
QLabel#pageHeading { padding: 4px 0 8px 0; }
QLabel#cardValue { font-size: 20pt; font-weight: bold; }
QFrame#card { background: white; border: 1px solid #d9dde2; border-radius: 6px; }
"""
