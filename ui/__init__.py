"""The desktop window (PySide6): pages, dialogs, Qt item models and background tasks."""

from ui.qt_compat import protect_singletons

# Before any Qt call: see the workaround's docstring.
protect_singletons()
