"""The PySide6 desktop window: pages, dialogs, item models and background tasks."""
