"""The base of every page: knows its context, reloads when shown or when the data it shows changed."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.context import AppContext


class Page(QWidget):
    """A page in the main window's stack.

    Attributes:
        areas: the data areas (see AppContext.changed) this page shows; a change marks it stale.
    """

    areas: tuple[str, ...] = ()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._stale = True
        self._visible_in_stack = False
        context.changed.connect(self._on_data_changed)

    def activate(self) -> None:
        """Called when the page becomes the current page: reload if something changed since last time."""
        self._visible_in_stack = True
        if self._stale:
            self._stale = False
            self.reload()

    def deactivate(self) -> None:
        self._visible_in_stack = False

    def reload(self) -> None:
        """Fetch the page's data (in the background) and show it."""

    def close_page(self) -> None:
        """The window is closing: write anything still pending (a note being typed)."""

    def _on_data_changed(self, area: str) -> None:
        if area in self.areas or area == "all":
            self._stale = True
            if self._visible_in_stack:
                self._stale = False
                self.reload()


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("pageHeading")
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.35)
    font.setBold(True)
    label.setFont(font)
    return label


class PlaceholderPage(Page):
    """A page whose services are not there yet: says so instead of showing empty tables."""

    def __init__(self, context: AppContext, title: str, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(title))
        note = QLabel(self.tr("此页面尚在建设中。"))
        note.setObjectName("placeholderNote")
        layout.addWidget(note)
        layout.addStretch(1)
