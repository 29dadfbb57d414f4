"""The editor's keyboard flow: keys on the tree answer and move, typing goes into the note, and the shortcuts.

On the tree: 1–9 choose the n-th answer button, N goes to the next unanswered item, Enter goes to the note, Esc
leaves, any other printable key (or text committed by an input method) is typed into the note. In the search box
Esc clears and returns to the tree, ↓ goes to the first match. Ctrl+F finds, Ctrl+Enter finishes.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QInputMethodEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QLineEdit, QPushButton, QTreeWidget, QWidget

from inspections.workflow import ItemView
from ui.pages.editor.tree import ItemTree
from ui.widgets.item_pane import ItemPane


class KeyedEditor(Protocol):
    """What the keyboard flow reads and drives: the editor page (``page.InspectionEditor``)."""

    @property
    def tree(self) -> QTreeWidget: ...
    @property
    def search(self) -> QLineEdit: ...
    @property
    def item_tree(self) -> ItemTree: ...
    @property
    def pane(self) -> ItemPane: ...
    @property
    def finalize_button(self) -> QPushButton: ...
    @property
    def read_only(self) -> bool: ...

    def current_item(self) -> ItemView | None: ...
    def answer(self, code: str) -> None: ...
    def next_unanswered(self) -> bool: ...
    def leave(self) -> None: ...
    def request_finalize(self) -> None: ...


class EditorKeys(QObject):
    """Filters the key presses of the editor's tree and search box and owns the editor's shortcuts.

    ``owner`` is the editor as a widget: the shortcuts work while the focus is anywhere inside it.
    """

    def __init__(self, editor: KeyedEditor, owner: QWidget) -> None:
        super().__init__(owner)
        self.editor = editor
        editor.tree.installEventFilter(self)
        editor.search.installEventFilter(self)
        finish = QShortcut(QKeySequence("Ctrl+Return"), owner)
        finish.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        finish.activated.connect(self._on_finish_shortcut)
        find = QShortcut(QKeySequence.StandardKey.Find, owner)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(editor.item_tree.focus_search)

    def _on_finish_shortcut(self) -> None:
        if self.editor.finalize_button.isVisible():
            self.editor.request_finalize()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        editor = self.editor
        if watched is editor.tree and isinstance(event, QInputMethodEvent) and event.commitString():
            self.type_into_note(event.commitString())
            return True
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        if watched is editor.search:
            if event.key() == Qt.Key.Key_Escape:
                editor.search.clear()
                editor.tree.setFocus()
                return True
            if event.key() == Qt.Key.Key_Down:
                editor.item_tree.focus_first_visible()
                return True
            return False
        if watched is editor.tree:
            return self._on_tree_key(event)
        return super().eventFilter(watched, event)

    def _on_tree_key(self, event: QKeyEvent) -> bool:
        editor = self.editor
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if modifiers not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            return False
        key = event.key()
        if Qt.Key.Key_1.value <= key <= Qt.Key.Key_9.value and modifiers == Qt.KeyboardModifier.NoModifier:
            self.answer_key(key - Qt.Key.Key_0.value)
            return True
        if key == Qt.Key.Key_N and modifiers == Qt.KeyboardModifier.NoModifier:
            editor.next_unanswered()
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and editor.current_item() is not None:
            editor.pane.note.setFocus()
            return True
        if key == Qt.Key.Key_Escape:
            editor.leave()
            return True
        text = event.text()
        if text and text.isprintable() and (not text.isspace() or editor.pane.note.toPlainText()):
            return self.type_into_note(text)
        return False

    def answer_key(self, number: int) -> None:
        """The n-th answer button's answer (1-based), when there is one."""
        buttons = self.editor.pane.answer_buttons
        if 1 <= number <= len(buttons):
            self.editor.answer(str(buttons[number - 1].property("code")))

    def type_into_note(self, text: str) -> bool:
        """Typing on the tree goes straight into the note."""
        editor = self.editor
        if editor.current_item() is None or editor.read_only:
            return False
        note = editor.pane.note
        note.setFocus()
        cursor = note.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        cursor.insertText(text)
        note.setTextCursor(cursor)
        return True
