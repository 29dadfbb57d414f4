"""The editor's keyboard flow (the rules are written for users in docs/keyboard.md).

On the tree: 1–9 choose the n-th answer button — 符合 and 不适用 move on, 部分符合 and 不符合 stay on the item with
the cursor in 问题描述; N goes to the next unanswered item; ↑/↓ move between items, skipping the headings; Enter
goes to the note; Esc asks before leaving the inspection; any other printable key (or text committed by an input
method) is typed into the note. In the note everything typed is text; Enter or Tab moves on, Esc returns to the
tree. Alt+1–9 answer wherever the focus is, Alt+P adds photos. In the search box Esc clears and returns to the
tree, ↓ goes to the first match. Ctrl+F finds, Ctrl+Shift+S sets the scope, Ctrl+Enter finishes.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QInputMethodEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QLineEdit, QMessageBox, QPushButton, QTreeWidget, QWidget

from inspections.workflow import ItemView
from ui.pages.editor.tree import ItemTree
from ui.widgets.item_pane import ItemPane


class KeyedEditor(Protocol):
    """What the keyboard flow reads and drives: the editor page (``page.InspectionEditor``)."""

    last_dialog: QWidget | None

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

    def current_read_only(self) -> bool: ...
    def current_item(self) -> ItemView | None: ...
    def answer(self, code: str) -> None: ...
    def next_unanswered(self) -> bool: ...
    def leave(self) -> None: ...
    def request_finalize(self) -> None: ...
    def request_scope(self) -> None: ...


class EditorKeys(QObject):
    """Filters the key presses of the editor's tree and search box and owns the editor's shortcuts.

    ``owner`` is the editor as a widget: the shortcuts work while the focus is anywhere inside it.
    """

    def __init__(self, editor: KeyedEditor, owner: QWidget) -> None:
        super().__init__(owner)
        self.editor = editor
        self.owner = owner
        editor.tree.installEventFilter(self)
        editor.search.installEventFilter(self)
        finish = QShortcut(QKeySequence("Ctrl+Return"), owner)
        finish.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        finish.activated.connect(self._on_finish_shortcut)
        find = QShortcut(QKeySequence.StandardKey.Find, owner)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(editor.item_tree.focus_search)
        scope = QShortcut(QKeySequence("Ctrl+Shift+S"), owner)  # 检查范围… of the current item's section
        scope.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        scope.activated.connect(editor.request_scope)
        photo = QShortcut(QKeySequence("Alt+P"), owner)  # 添加照片…, since Tab in the note moves on
        photo.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        photo.activated.connect(lambda: editor.pane.add_photo_button.click())
        for number in range(1, 10):  # Alt+digit answers from anywhere in the editor, the note included
            answer = QShortcut(QKeySequence(f"Alt+{number}"), owner)
            answer.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            answer.activated.connect(lambda n=number: self.answer_key(n))

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
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and modifiers == Qt.KeyboardModifier.NoModifier:
            if key == Qt.Key.Key_Down:
                editor.item_tree.move_to_next(lambda _i: True)
            else:
                editor.item_tree.move_to_previous()
            return True  # headings are never stopped on
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and editor.current_item() is not None:
            editor.pane.note.setFocus()
            return True
        if key == Qt.Key.Key_Escape:
            self.ask_to_leave()
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

    def ask_to_leave(self) -> None:
        """Esc on the tree: leave the inspection only when the user confirms (Esc again or Enter stays)."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("离开检查"),
            self.tr("离开这次检查，回到检查记录吗？已作答的内容都已保存。"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self.owner,
        )
        box.setObjectName("leaveQuestion")
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("离开"))
        box.button(QMessageBox.StandardButton.No).setText(self.tr("继续检查"))
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setEscapeButton(QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).clicked.connect(self.editor.leave)
        self.editor.last_dialog = box
        box.open()

    def type_into_note(self, text: str) -> bool:
        """Typing on the tree goes straight into the note (on a heading: the note of its first item)."""
        editor = self.editor
        node = editor.tree.currentItem()
        if editor.current_item() is None and node is not None:
            first = editor.item_tree.first_leaf_under(node)
            if first is not None:
                editor.tree.setCurrentItem(first)
        if editor.current_item() is None or editor.current_read_only():
            return False
        note = editor.pane.note
        note.setFocus()
        cursor = note.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        cursor.insertText(text)
        note.setTextCursor(cursor)
        return True
