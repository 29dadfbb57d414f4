"""Which class serves each page, and the wiring between pages (welcome → import/demo, list → editor)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ui.context import AppContext
from ui.pages.base import Page, PlaceholderPage

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def factories(window: MainWindow) -> dict[str, Callable[[AppContext], Page]]:
    titles = dict(
        zip(
            ("dashboard", "rounds", "inspections", "findings", "institutions", "checklists", "settings"),
            window._titles(),
            strict=True,
        )
    )
    result: dict[str, Callable[[AppContext], Page]] = {
        key: (lambda ctx, t=title: PlaceholderPage(ctx, t)) for key, title in titles.items()
    }
    from ui.pages.checklists import ChecklistsPage

    result["checklists"] = ChecklistsPage
    return result


def connect(window: MainWindow, key: str, page: Page) -> None:
    """Connect a freshly created page's requests to the window."""


def database_is_empty(context: AppContext) -> bool:
    return context.db is None


def global_search(window: MainWindow, text: str) -> None:
    """Ctrl+K: find an institution or inspection by name."""
