"""The editor's left side: the search box, the filter, and the tree of checklists, sections and items.

The tree owns the items as last loaded or saved (``items``) and paints each leaf's answer state and the checklists'
and sections' scores; it knows nothing of saving.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QTreeWidgetItemIterator,
    QVBoxLayout,
    QWidget,
)

from inspections.scoring import InspectionScore
from inspections.workflow import InspectionView, ItemView, ScopeMark
from ui import style
from ui.widgets.state_icons import state_icon

KIND_ITEM, KIND_SECTION, KIND_CHECKLIST = 0, 1, 2
KIND_ROLE = Qt.ItemDataRole.UserRole
ID_ROLE = Qt.ItemDataRole.UserRole + 1
TITLE_ROLE = Qt.ItemDataRole.UserRole + 2
SCOPE_ROLE = Qt.ItemDataRole.UserRole + 3  # “本次未检：原因” / “不适用” on a checklist or section left out
UNANSWERED = (None, "not_checked")


def _scope_text(mark: ScopeMark | None) -> str:
    if mark is None:
        return ""
    return f"{mark.mode_label}：{mark.reason}" if mark.reason else mark.mode_label


def children(node: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    """A tree node's children, in order (the invisible root's children are the top-level items)."""
    return [child for index in range(node.childCount()) if (child := node.child(index)) is not None]


class ItemTree(QWidget):
    """Search, filter and the tree; ``items`` maps each item id to the item as last loaded or saved."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: dict[uuid.UUID, ItemView] = {}
        self.leaves: dict[uuid.UUID, QTreeWidgetItem] = {}
        self.scope_marks: dict[uuid.UUID, ScopeMark] = {}  # item id → the mark leaving it out of scope
        self.locked: dict[uuid.UUID, str] = {}  # item id → the team members holding it (outside the user's part)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        tools = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("itemSearch")
        self.search.setPlaceholderText(self.tr("查找检查项 (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.apply_filter)
        self.search.returnPressed.connect(self.focus_first_visible)
        self.filter_combo = QComboBox()
        self.filter_combo.addItem(self.tr("全部"), "all")
        self.filter_combo.addItem(self.tr("未答"), "unanswered")
        self.filter_combo.addItem(self.tr("不符合"), "failed")
        self.filter_combo.currentIndexChanged.connect(self.apply_filter)
        tools.addWidget(self.search, 1)
        tools.addWidget(self.filter_combo)
        layout.addLayout(tools)
        self.tree = QTreeWidget()
        self.tree.setObjectName("itemTree")
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setAllColumnsShowFocus(True)
        # With a Chinese input method, text composed on the tree is committed into the note.
        self.tree.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, True)
        layout.addWidget(self.tree, 1)

    # -- filling and painting -------------------------------------------------------------------------------

    def fill(self, view: InspectionView) -> None:
        """Rebuild the tree for ``view`` without emitting current-item changes."""
        self.items = {item.item_id: item for item in view.items()}
        self.scope_marks = {}
        self.tree.blockSignals(True)
        self.tree.clear()
        self.leaves = {}
        for checklist in view.checklists:
            top = QTreeWidgetItem([checklist.spec.title])
            top.setData(0, KIND_ROLE, KIND_CHECKLIST)
            top.setData(0, ID_ROLE, checklist.template_id)
            whole = view.scope_mark(checklist.template_id)
            top.setData(0, SCOPE_ROLE, _scope_text(whole))
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            for section in checklist.sections:
                node = QTreeWidgetItem([section.title])
                node.setData(0, KIND_ROLE, KIND_SECTION)
                node.setData(0, ID_ROLE, section.code)
                node.setData(0, TITLE_ROLE, section.title)
                mark = view.scope_mark(checklist.template_id, section.code)
                node.setData(0, SCOPE_ROLE, _scope_text(mark))
                for item in section.items:
                    if mark is not None:
                        self.scope_marks[item.item_id] = mark
                    leaf = QTreeWidgetItem()
                    leaf.setData(0, KIND_ROLE, KIND_ITEM)
                    leaf.setData(0, ID_ROLE, item.item_id)
                    self.leaves[item.item_id] = leaf
                    self.paint_item(item)
                    node.addChild(leaf)
                top.addChild(node)
            self.tree.addTopLevelItem(top)
        self.tree.expandAll()
        self.tree.blockSignals(False)

    def out_of_scope(self, item_id: uuid.UUID) -> bool:
        """Whether the item's section or checklist is left out of this inspection."""
        return item_id in self.scope_marks

    def paint_item(self, item: ItemView) -> None:
        leaf = self.leaves[item.item_id]
        holder = self.locked.get(item.item_id)
        if self.out_of_scope(item.item_id) or holder is not None:
            leaf.setForeground(0, QBrush(QColor("#999")))
        veto = self.tr("【{0}】").format(item.spec.consequence or self.tr("否决")) if item.spec.critical else ""
        leaf.setText(0, f"{item.code} {veto}{item.spec.text}")
        tip = item.spec.text
        if holder is not None:
            tip = self.tr("只读：不在您的分工内，由{0}负责").format(holder) + "\n" + tip
        leaf.setToolTip(0, tip)
        outcome = item.outcome if item.response != "not_checked" else None
        leaf.setIcon(0, state_icon(outcome))

    def paint_scores(self, score: InspectionScore, *, draft: bool = False) -> None:
        """Each checklist's score and grade (red when vetoed), each section's answered count and percent.
        A draft's checklist shows only its rate so far (暂计, no grade), and nothing before its first answer."""
        for index, top in enumerate(children(self.tree.invisibleRootItem())):
            checklist_score = score.checklists[index]
            by_code = {section.code: section for section in checklist_score.sections}
            if top.data(0, SCOPE_ROLE):  # the whole checklist is left out
                top.setText(0, f"{checklist_score.title}　〔{top.data(0, SCOPE_ROLE)}〕")
                top.setForeground(0, QBrush(QColor("#999")))
                for node in children(top):
                    node.setText(0, node.data(0, TITLE_ROLE))
                    node.setForeground(0, QBrush(QColor("#999")))
                continue
            if draft:
                so_far = checklist_score.score
                value = "" if so_far is None else self.tr("暂计 {0}").format(f"{so_far:.1f}")
                top.setText(0, f"{checklist_score.title}　{value}".rstrip("　"))
            else:
                value = f"{checklist_score.score:.1f}" if checklist_score.score is not None else "—"
                top.setText(0, f"{checklist_score.title}　{value} {checklist_score.grade}")
            red = QBrush(style.FAIL) if checklist_score.vetoed else QBrush()
            top.setForeground(0, red)
            top.setIcon(0, state_icon("fail") if checklist_score.vetoed else state_icon(None))
            if checklist_score.vetoed:
                top.setToolTip(0, self.tr("否决项不符合：{0}").format("、".join(checklist_score.veto_items)))
            for node in children(top):
                section = by_code.get(node.data(0, ID_ROLE))
                if section is None:  # this section is left out
                    node.setText(0, f"{node.data(0, TITLE_ROLE)}　〔{node.data(0, SCOPE_ROLE)}〕")
                    node.setForeground(0, QBrush(QColor("#999")))
                    continue
                pct = f" {section.percent:.1f}" if section.percent is not None else ""
                node.setText(0, f"{section.title} ({section.answered}/{section.total}){pct}")
                complete = section.answered == section.total
                node.setForeground(0, QBrush(QColor("#555")) if complete else QBrush())

    # -- the current item and moving ------------------------------------------------------------------------

    def current_item(self) -> ItemView | None:
        leaf = self.tree.currentItem()
        if leaf is None or leaf.data(0, KIND_ROLE) != KIND_ITEM:
            return None
        return self.items.get(leaf.data(0, ID_ROLE))

    def select(self, item_id: uuid.UUID) -> None:
        """Make the item current (clearing the search and filter when they hide it)."""
        leaf = self.leaves.get(item_id)
        if leaf is not None:
            if leaf.isHidden():
                self.search.clear()
                self.filter_combo.setCurrentIndex(0)
            self.tree.setCurrentItem(leaf)
            self.tree.scrollToItem(leaf)

    def visible_leaves(self) -> list[QTreeWidgetItem]:
        found = []
        iterator = QTreeWidgetItemIterator(self.tree)
        while iterator.value():
            node = iterator.value()
            if node.data(0, KIND_ROLE) == KIND_ITEM and not node.isHidden():
                found.append(node)
            iterator += 1
        return found

    def move_to_next(self, wanted: Callable[[ItemView], bool], wrap: bool = False) -> bool:
        """Make the next visible item that is ``wanted`` current; False when there is none."""
        leaves = self.visible_leaves()
        index, on_item = self._position(leaves)
        start = index + 1 if on_item else index
        order = leaves[start:] + (leaves[:start] if wrap else [])
        for leaf in order:
            if wanted(self.items[leaf.data(0, ID_ROLE)]):
                self.tree.setCurrentItem(leaf)
                self.tree.scrollToItem(leaf)
                return True
        return False

    def _position(self, leaves: list[QTreeWidgetItem]) -> tuple[int, bool]:
        """Where the current node stands among ``leaves``: (index, True) on an item; on a heading, (index of the
        first item after it, False)."""
        current = self.tree.currentItem()
        if current in leaves:
            return leaves.index(current), True
        order: list[QTreeWidgetItem] = []
        iterator = QTreeWidgetItemIterator(self.tree)
        while iterator.value():
            order.append(iterator.value())
            iterator += 1
        if current not in order:
            return 0, False
        at = order.index(current)
        rank = {id(node): n for n, node in enumerate(order)}
        return next((n for n, leaf in enumerate(leaves) if rank[id(leaf)] > at), len(leaves)), False

    def move_to_previous(self) -> bool:
        """Make the previous visible item current (headings are skipped); False at the first."""
        leaves = self.visible_leaves()
        index, _on_item = self._position(leaves)
        if index <= 0:
            return False
        self.tree.setCurrentItem(leaves[index - 1])
        self.tree.scrollToItem(leaves[index - 1])
        return True

    def first_leaf_under(self, node: QTreeWidgetItem) -> QTreeWidgetItem | None:
        """The first visible item below a heading (a checklist or section)."""
        for leaf in self.visible_leaves():
            parent = leaf.parent()
            while parent is not None:
                if parent is node:
                    return leaf
                parent = parent.parent()
        return None

    # -- search and filter ----------------------------------------------------------------------------------

    def apply_filter(self) -> None:
        text = self.search.text().strip().lower()
        mode = self.filter_combo.currentData()
        for top in children(self.tree.invisibleRootItem()):
            for node in children(top):
                any_visible = False
                for leaf in children(node):
                    item = self.items[leaf.data(0, ID_ROLE)]
                    show = not text or text in item.code.lower() or text in item.spec.text.lower()
                    if mode == "unanswered":
                        show = show and item.response in UNANSWERED
                    elif mode == "failed":
                        show = show and item.outcome in ("fail", "partial")
                    leaf.setHidden(not show)
                    any_visible = any_visible or show
                node.setHidden(not any_visible)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def focus_first_visible(self) -> None:
        leaves = self.visible_leaves()
        if leaves:
            self.tree.setCurrentItem(leaves[0])
        self.tree.setFocus()
