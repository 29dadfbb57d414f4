"""The desktop window (PySide6): pages, dialogs, Qt item models and background tasks."""
