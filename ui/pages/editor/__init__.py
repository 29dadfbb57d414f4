"""The inspection editor, by job: ``page`` (the page: loading, saving, finalize/amend, the PDF), ``tree`` (search,
filter and the tree of items with their state and scores), ``header`` (title, score strip, mode banner), ``keys``
(the keyboard flow and shortcuts)."""

from ui.pages.editor.page import InspectionEditor

__all__ = ["InspectionEditor"]
