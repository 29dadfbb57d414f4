"""The inspection editor: a tree of sections and items, the item pane, live score, saved as you go."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QEvent, QObject, Qt, QUrl, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QDesktopServices,
    QInputMethodEvent,
    QKeyEvent,
    QKeySequence,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QTreeWidgetItemIterator,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from inspections import photos, workflow
from inspections.errors import UserError
from inspections.scoring import Answer, InspectionScore, score_inspection
from inspections.workflow import Blocker, ChecklistView, InspectionView, ItemView
from ui import documents as saving
from ui import settings as keys
from ui import style
from ui.context import AppContext
from ui.dialogs.finalize import FinalizeDialog
from ui.pages.base import Page
from ui.tasks import Progress, show_user_error
from ui.widgets.item_pane import ItemPane
from ui.widgets.state_icons import state_icon

T = TypeVar("T")
KIND_ITEM, KIND_SECTION, KIND_CHECKLIST = 0, 1, 2
KIND_ROLE = Qt.ItemDataRole.UserRole
ID_ROLE = Qt.ItemDataRole.UserRole + 1
UNANSWERED = (None, "not_checked")


class InspectionEditor(Page):
    """Edits one inspection. Every change is written at once (one transaction each) and shown as saved.

    Signals:
        back_requested: the user wants the list of inspections again.
        finalized(object): the inspection (uuid) was finalized.
    """

    back_requested = Signal()
    finalized = Signal(object)

    def __init__(self, context: AppContext, inspection_id: uuid.UUID, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.inspection_id = inspection_id
        self.view: InspectionView | None = None
        self.items: dict[uuid.UUID, ItemView] = {}
        self.tree_items: dict[uuid.UUID, QTreeWidgetItem] = {}
        self._checklist_of: dict[uuid.UUID, ChecklistView] = {}
        self.score: InspectionScore | None = None
        self._thumbnails: dict[str, QPixmap] = {}
        self.amend_reason = ""
        self.last_saved: dt.datetime | None = None
        self.last_dialog: QWidget | None = None
        self.open_documents = True
        self._build()

    # -- building -------------------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 4)
        head = QHBoxLayout()
        self.back_button = QPushButton(self.tr("← 检查记录"))
        self.back_button.setFlat(True)
        self.back_button.clicked.connect(self._leave)
        head.addWidget(self.back_button)
        self.title_label = QLabel()
        font = self.title_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title_label.setFont(font)
        # The title gives way (elided by the window edge) so the score always shows in full.
        self.title_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        head.addWidget(self.title_label, 1)
        self.score_label = QLabel()
        self.score_label.setObjectName("scoreLabel")
        score_font = self.score_label.font()
        score_font.setBold(True)
        score_font.setPointSizeF(score_font.pointSizeF() * 1.15)
        self.score_label.setFont(score_font)
        head.addWidget(self.score_label)
        layout.addLayout(head)

        self.banner = QLabel()
        self.banner.setObjectName("editorBanner")
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        layout.addWidget(self.banner)

        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        tools = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("itemSearch")
        self.search.setPlaceholderText(self.tr("查找检查项 (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._apply_filter)
        self.search.returnPressed.connect(self._focus_first_visible)
        self.filter_combo = QComboBox()
        self.filter_combo.addItem(self.tr("全部"), "all")
        self.filter_combo.addItem(self.tr("未答"), "unanswered")
        self.filter_combo.addItem(self.tr("不符合"), "failed")
        self.filter_combo.currentIndexChanged.connect(self._apply_filter)
        tools.addWidget(self.search, 1)
        tools.addWidget(self.filter_combo)
        left_layout.addLayout(tools)
        self.tree = QTreeWidget()
        self.tree.setObjectName("itemTree")
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setAllColumnsShowFocus(True)
        self.tree.currentItemChanged.connect(self._on_current_changed)
        self.tree.installEventFilter(self)
        # With a Chinese input method, text composed on the tree is committed into the note.
        self.tree.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, True)
        left_layout.addWidget(self.tree, 1)
        split.addWidget(left)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.pane = ItemPane()
        scroll = QScrollArea()
        scroll.setWidget(self.pane)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        right_layout.addWidget(scroll, 1)
        actions = QHBoxLayout()
        self.hint = QLabel(
            self.tr("1–4 作答并进入下一项 · N 下一未答 · 直接输入即写问题描述 · Ctrl+F 查找 · Ctrl+Enter 完成检查")
        )
        self.hint.setStyleSheet("color: #666;")
        self.hint.setWordWrap(True)
        actions.addWidget(self.hint, 1)
        self.saved_label = QLabel()
        self.saved_label.setObjectName("editorSaved")
        self.saved_label.setStyleSheet("color: #2e7d32;")
        self.saved_label.setMinimumWidth(self.saved_label.fontMetrics().horizontalAdvance("已保存 00:00:00") + 8)
        actions.addWidget(self.saved_label)
        self.amend_button = QPushButton(self.tr("修订…"))
        self.amend_button.setToolTip(self.tr("修改已签字的检查，须填写原因，修改记入审计日志"))
        self.amend_button.clicked.connect(self.request_amend)
        self.finalize_button = QPushButton(self.tr("完成检查…"))
        self.finalize_button.setObjectName("finalizeButton")
        self.finalize_button.clicked.connect(self.request_finalize)
        self.finalize_button.setToolTip(self.tr("Ctrl+Enter"))
        finish = QShortcut(QKeySequence("Ctrl+Return"), self)
        finish.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        finish.activated.connect(self._on_finish_shortcut)
        self.report_button = QPushButton(self.tr("反馈单 PDF…"))
        self.report_button.setToolTip(self.tr("生成督导检查反馈单（PDF）"))
        self.report_button.clicked.connect(lambda: self.request_report())
        actions.addWidget(self.report_button)
        actions.addWidget(self.amend_button)
        actions.addWidget(self.finalize_button)
        right_layout.addLayout(actions)
        split.addWidget(right)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 6)
        split.setSizes([520, 680])
        layout.addWidget(split, 1)

        self.pane.answer_chosen.connect(self.answer)
        self.pane.points_changed.connect(self._on_points_changed)
        self.pane.note_commit.connect(self._on_note_commit)
        self.pane.photos_added.connect(self._on_photos_added)
        self.pane.photo_remove.connect(self._on_photo_remove)
        self.pane.back_to_tree.connect(lambda: self.tree.setFocus(Qt.FocusReason.OtherFocusReason))
        self.search.installEventFilter(self)
        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self._focus_search)

    # -- loading --------------------------------------------------------------------------------------------

    def reload(self) -> None:
        inspection_id = self.inspection_id
        self.context.read(lambda s: workflow.load_inspection(s, inspection_id), self.show_view, parent=self)

    def show_view(self, view: InspectionView) -> None:
        current = self.current_item()
        self.view = view
        self.items = {item.item_id: item for item in view.items()}
        self._checklist_of = {
            item.item_id: checklist
            for checklist in view.checklists
            for section in checklist.sections
            for item in section.items
        }
        self.title_label.setText(
            " · ".join([view.institution_name, view.kind_label, view.date.isoformat(), "、".join(view.inspectors)])
        )
        self.tree.blockSignals(True)
        self.tree.clear()
        self.tree_items = {}
        for checklist in view.checklists:
            top = QTreeWidgetItem([checklist.spec.title])
            top.setData(0, KIND_ROLE, KIND_CHECKLIST)
            top.setData(0, ID_ROLE, checklist.template_id)
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            for section in checklist.sections:
                node = QTreeWidgetItem([section.title])
                node.setData(0, KIND_ROLE, KIND_SECTION)
                node.setData(0, ID_ROLE, section.code)
                for item in section.items:
                    leaf = QTreeWidgetItem()
                    leaf.setData(0, KIND_ROLE, KIND_ITEM)
                    leaf.setData(0, ID_ROLE, item.item_id)
                    self.tree_items[item.item_id] = leaf
                    self._paint_item(item)
                    node.addChild(leaf)
                top.addChild(node)
            self.tree.addTopLevelItem(top)
        self.tree.expandAll()
        self.tree.blockSignals(False)
        self._update_scores()
        self._update_mode()
        self._apply_filter()
        target = current.item_id if current is not None and current.item_id in self.tree_items else None
        if target is None:
            target = next((i.item_id for i in view.items() if i.response in UNANSWERED), None)
        if target is None and view.items():
            target = view.items()[0].item_id
        if target is not None:
            self.select_item(target)

    def _paint_item(self, item: ItemView) -> None:
        leaf = self.tree_items[item.item_id]
        veto = self.tr("【否决】") if item.spec.critical else ""
        leaf.setText(0, f"{item.code} {veto}{item.spec.text}")
        leaf.setToolTip(0, item.spec.text)
        outcome = item.outcome if item.response != "not_checked" else None
        leaf.setIcon(0, state_icon(outcome))

    # -- state ----------------------------------------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        return self.view is None or (self.view.finalized and not self.amend_reason)

    def current_item(self) -> ItemView | None:
        leaf = self.tree.currentItem()
        if leaf is None or leaf.data(0, KIND_ROLE) != KIND_ITEM:
            return None
        return self.items.get(leaf.data(0, ID_ROLE))

    def select_item(self, item_id: uuid.UUID) -> None:
        leaf = self.tree_items.get(item_id)
        if leaf is not None:
            if leaf.isHidden():
                self.search.clear()
                self.filter_combo.setCurrentIndex(0)
            self.tree.setCurrentItem(leaf)
            self.tree.scrollToItem(leaf)

    def _on_current_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        self.pane.flush_note()
        item = self.current_item()
        if item is not None:
            self._show_in_pane(item)

    def _tab_into_pane(self) -> None:
        """Tab order: search, filter, tree, the answers, points, note, photos, then the actions."""
        pane = self.pane
        chain: list[QWidget] = [self.search, self.filter_combo, self.tree, *pane.answer_buttons, pane.points_spin]
        chain += [pane.note, pane.add_photo_button, pane.photos, self.report_button, self.amend_button]
        chain += [self.finalize_button]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _show_in_pane(self, item: ItemView) -> None:
        assert self.view is not None
        checklist = self._checklist_of[item.item_id]
        earned = self._earned(item)
        self.pane.show_item(
            item, earned=earned, read_only=self.read_only, partial_ratio=checklist.spec.scoring.partial_ratio
        )
        self._show_thumbnails(item)
        self._tab_into_pane()

    def _show_thumbnails(self, item: ItemView) -> None:
        """Thumbnails come from the database in the background; each is fetched once."""
        for photo in item.photos:
            if photo.sha256 in self._thumbnails:
                self.pane.set_thumbnail(photo.sha256, self._thumbnails[photo.sha256])
        missing = [p.sha256 for p in item.photos if p.sha256 not in self._thumbnails]
        if missing:
            self.context.read(
                lambda s: {sha: photos.thumbnail(s, sha) for sha in missing}, self._on_thumbnails, parent=self
            )

    def _on_thumbnails(self, data: dict[str, bytes]) -> None:
        for sha, jpeg in data.items():
            pixmap = QPixmap()
            if pixmap.loadFromData(jpeg):
                self._thumbnails[sha] = pixmap
                self.pane.set_thumbnail(sha, pixmap)

    def _earned(self, item: ItemView) -> float | None:
        if self.score is None:
            return None
        for checklist in self.score.checklists:
            for scored in checklist.items:
                if scored.code == item.code:
                    return scored.earned
        return None

    def _update_mode(self) -> None:
        assert self.view is not None
        finalized = self.view.finalized
        self.finalize_button.setVisible(not finalized)
        self.amend_button.setVisible(finalized and not self.amend_reason)
        if finalized and self.amend_reason:
            self.banner.setText(self.tr("修订中（原因：{0}）。每项修改都记入审计日志。").format(self.amend_reason))
            self.banner.setStyleSheet("background: #fff4e5; color: #8a4b00; padding: 6px;")
            self.banner.setVisible(True)
        elif finalized:
            when = self.view.finalized_at.strftime("%Y-%m-%d %H:%M") if self.view.finalized_at else ""
            self.banner.setText(self.tr("本检查已于 {0} 完成签字，只读。需要更正时点“修订…”并填写原因。").format(when))
            self.banner.setStyleSheet("background: #e8f0fe; color: #1a3e72; padding: 6px;")
            self.banner.setVisible(True)
        else:
            self.banner.setVisible(False)

    def _update_scores(self) -> None:
        assert self.view is not None
        pairs = []
        for checklist in self.view.checklists:
            answers = {
                item.code: Answer(item.response, item.points)
                for section in checklist.sections
                for item in (self.items[i.item_id] for i in section.items)
                if item.response is not None
            }
            pairs.append((checklist.spec, answers))
        self.score = score_inspection(pairs)
        score = self.score
        grade = workflow.overall_grade(score)
        percent = f"{score.percent:.1f}" if score.percent is not None else "—"
        self.score_label.setText(
            self.tr("得分 {0} {1} · 已答 {2}/{3}").format(percent, grade, score.answered, score.total)
        )
        self.score_label.setStyleSheet("color: #c62828;" if score.vetoed else "")
        for index in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(index)
            checklist_score = score.checklists[index]
            value = f"{checklist_score.score:.1f}" if checklist_score.score is not None else "—"
            top.setText(0, f"{checklist_score.title}　{value} {checklist_score.grade}")
            red = QBrush(style.FAIL) if checklist_score.vetoed else QBrush()
            top.setForeground(0, red)
            top.setIcon(0, state_icon("fail") if checklist_score.vetoed else state_icon(None))
            if checklist_score.vetoed:
                top.setToolTip(0, self.tr("否决项不符合：{0}").format("、".join(checklist_score.veto_items)))
            for s_index in range(top.childCount()):
                node = top.child(s_index)
                section = checklist_score.sections[s_index]
                pct = f" {section.percent:.1f}" if section.percent is not None else ""
                node.setText(0, f"{section.title} ({section.answered}/{section.total}){pct}")
                complete = section.answered == section.total
                node.setForeground(0, QBrush(QColor("#555")) if complete else QBrush())

    # -- saving ---------------------------------------------------------------------------------------------

    def _save(self, fn: Callable[[Session], T], changed: tuple[str, ...] = ("inspections",)) -> T | None:
        try:
            result = self.context.write_now(fn, changed=changed)
        except UserError as exc:
            self.last_dialog = show_user_error(self, exc)
            return None
        self.last_saved = dt.datetime.now()
        self.saved_label.setText(self.tr("已保存 {0}").format(self.last_saved.strftime("%H:%M:%S")))
        return result

    def _record(self, item_id: uuid.UUID, **changes: object) -> ItemView | None:
        actor, inspection_id, reason = self.context.actor, self.inspection_id, self.amend_reason
        saved = self._save(
            lambda s: workflow.record_answer(s, actor, inspection_id, item_id, reason=reason, **changes)  # type: ignore[arg-type]
        )
        if saved is None:
            return None
        item = replace(
            self.items[item_id],
            response=saved.response,
            points=saved.points,
            note=saved.note,
            updated_at=saved.saved_at,
        )
        self.items[item_id] = item
        self._paint_item(item)
        self._update_scores()
        return item

    def answer(self, code: str) -> None:
        """Answer the current item with ``code`` and move on (unless the setting keeps the cursor)."""
        item = self.current_item()
        if item is None or self.read_only:
            return
        self.pane.flush_note()
        item = self.items[item.item_id]
        updated = self._record(item.item_id, response=code)
        if updated is None:
            return
        stay = self.context.settings.value(keys.STAY_ON_ITEM, False, type=bool)
        if stay or not self._move_to_next(lambda _i: True):
            self._show_in_pane(updated)

    def answer_key(self, number: int) -> None:
        buttons = self.pane.answer_buttons
        if 1 <= number <= len(buttons):
            self.answer(str(buttons[number - 1].property("code")))

    def _on_points_changed(self, value: float) -> None:
        item = self.current_item()
        if item is not None:
            updated = self._record(item.item_id, points=value)
            if updated is not None:
                self._show_in_pane(updated)

    def _on_note_commit(self, item_id: uuid.UUID, text: str) -> None:
        item = self.items.get(item_id)
        if item is None:
            return
        self._record(item_id, note=text)  # a note may come before the answer; the item stays unanswered

    def _on_photos_added(self, photos: list[tuple[str, bytes]]) -> None:
        item = self.current_item()
        if item is None:
            return
        actor, inspection_id, item_id, reason = self.context.actor, self.inspection_id, item.item_id, self.amend_reason

        def add(s: Session) -> int:
            for filename, data in photos:
                workflow.add_item_photo(s, actor, inspection_id, item_id, data, filename=filename, reason=reason)
            return len(photos)

        self.context.write(add, lambda _n: self._after_photo_change(), changed=("inspections",), parent=self)

    def _on_photo_remove(self, attachment_id: uuid.UUID) -> None:
        answer = QMessageBox.question(self, self.tr("删除照片"), self.tr("确定删除这张照片吗？"))
        if answer != QMessageBox.StandardButton.Yes:
            return
        actor, reason = self.context.actor, self.amend_reason
        self.context.write(
            lambda s: workflow.remove_item_photo(s, actor, attachment_id, reason=reason),
            lambda _r: self._after_photo_change(),
            changed=("inspections",),
            parent=self,
        )

    def _after_photo_change(self) -> None:
        self.last_saved = dt.datetime.now()
        self.saved_label.setText(self.tr("已保存 {0}").format(self.last_saved.strftime("%H:%M:%S")))
        self.reload()

    def close_page(self) -> None:
        self.pane.flush_note()

    # -- finalize and amend ---------------------------------------------------------------------------------

    def _on_finish_shortcut(self) -> None:
        if self.finalize_button.isVisible():
            self.request_finalize()

    def request_finalize(self) -> None:
        self.pane.flush_note()
        inspection_id = self.inspection_id
        self.context.read(lambda s: workflow.finalize_blockers(s, inspection_id), self._show_finalize, parent=self)

    def _show_finalize(self, blockers: list[Blocker]) -> None:
        assert self.view is not None
        dialog = FinalizeDialog(blockers, self.view.inspectors, self.view.hospital_rep, self)
        dialog.setObjectName("finalizeDialog")
        dialog.jump_to.connect(self._jump_to)
        dialog.accepted.connect(lambda: self._finalize(dialog.signatures(), dialog.hospital_rep()))
        self.last_dialog = dialog
        dialog.open()

    def _jump_to(self, item_id: uuid.UUID) -> None:
        self.select_item(item_id)
        self.tree.setFocus()

    def _finalize(self, signatures: dict[str, str], rep: str) -> None:
        actor, inspection_id = self.context.actor, self.inspection_id
        self.context.write(
            lambda s: workflow.finalize_inspection(s, actor, inspection_id, signatures=signatures, hospital_rep=rep),
            self._on_finalized,
            changed=("inspections", "findings", "rounds"),
            parent=self,
        )

    def _on_finalized(self, result: workflow.FinalizeResult) -> None:
        self.last_saved = dt.datetime.now()
        self.saved_label.setText(self.tr("已保存 {0}").format(self.last_saved.strftime("%H:%M:%S")))
        message = self.tr("检查已完成签字，生成整改问题 {0} 条").format(len(result.finding_ids))
        self.context.message.emit(message)
        self.finalized.emit(self.inspection_id)
        self.reload()
        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("完成检查"),
            message + "\n" + self.tr("现在生成督导检查反馈单（PDF）吗？"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("printReportQuestion")
        box.button(QMessageBox.StandardButton.Yes).clicked.connect(lambda: self.request_report())
        self.last_dialog = box
        box.open()

    def request_report(self, path: Path | None = None) -> None:
        """Write the 督导检查反馈单 as a PDF (in the background) and open it."""
        if path is None:
            assert self.view is not None
            suggested = f"督导检查反馈单-{self.view.institution_name}-{self.view.date.isoformat()}.pdf"
            chosen, _ = QFileDialog.getSaveFileName(
                self, self.tr("保存反馈单"), str(Path.home() / suggested), self.tr("PDF 文件 (*.pdf)")
            )
            if not chosen:
                return
            path = Path(chosen)
        db, inspection_id, target = self.context.db, self.inspection_id, path
        assert db is not None

        user = self.context.user

        def write_apart(fn: Callable[[Session], str]) -> str:
            with db.begin() as w:
                return fn(w)

        def work(_progress: Progress) -> Path:
            # An inspection finalized before 文号 were registered gets its number now, in a short write of its own.
            from inspections.docnumbers import issuing_apart
            from inspections.users import acting_as

            with acting_as(user), issuing_apart(write_apart), db.session() as s:
                saving.reports().inspection_report(s, inspection_id, target)
            return target

        self.context.tasks.run_in_background(
            work, self._on_report_written, parent=self, progress=self.tr("正在生成反馈单…")
        )

    def _on_report_written(self, path: Path) -> None:
        self.context.message.emit(self.tr("反馈单已保存到 {0}").format(str(path)))
        if self.open_documents:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def request_amend(self, reason: str | None = None) -> None:
        if reason is None:
            text, ok = QInputDialog.getText(
                self, self.tr("修订已完成的检查"), self.tr("修订原因（必填，记入审计日志）：")
            )
            if not ok:
                return
            reason = text
        if not reason.strip():
            self.last_dialog = show_user_error(self, UserError(self.tr("请填写修订原因")))
            return
        self.amend_reason = reason.strip()
        self._update_mode()
        item = self.current_item()
        if item is not None:
            self._show_in_pane(item)

    # -- navigation and keys --------------------------------------------------------------------------------

    def _visible_items(self) -> list[QTreeWidgetItem]:
        found = []
        iterator = QTreeWidgetItemIterator(self.tree)
        while iterator.value():
            node = iterator.value()
            if node.data(0, KIND_ROLE) == KIND_ITEM and not node.isHidden():
                found.append(node)
            iterator += 1
        return found

    def _move_to_next(self, wanted: Callable[[ItemView], bool], wrap: bool = False) -> bool:
        leaves = self._visible_items()
        current = self.tree.currentItem()
        start = leaves.index(current) + 1 if current in leaves else 0
        order = leaves[start:] + (leaves[:start] if wrap else [])
        for leaf in order:
            if wanted(self.items[leaf.data(0, ID_ROLE)]):
                self.tree.setCurrentItem(leaf)
                self.tree.scrollToItem(leaf)
                return True
        return False

    def next_unanswered(self) -> bool:
        return self._move_to_next(lambda i: i.response in UNANSWERED, wrap=True)

    def _apply_filter(self) -> None:
        text = self.search.text().strip().lower()
        mode = self.filter_combo.currentData()
        for index in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(index)
            for s_index in range(top.childCount()):
                node = top.child(s_index)
                any_visible = False
                for i_index in range(node.childCount()):
                    leaf = node.child(i_index)
                    item = self.items[leaf.data(0, ID_ROLE)]
                    show = not text or text in item.code.lower() or text in item.spec.text.lower()
                    if mode == "unanswered":
                        show = show and item.response in UNANSWERED
                    elif mode == "failed":
                        show = show and item.outcome in ("fail", "partial")
                    leaf.setHidden(not show)
                    any_visible = any_visible or show
                node.setHidden(not any_visible)

    def _focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _focus_first_visible(self) -> None:
        leaves = self._visible_items()
        if leaves:
            self.tree.setCurrentItem(leaves[0])
        self.tree.setFocus()

    def _leave(self) -> None:
        self.pane.flush_note()
        self.back_requested.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.tree and isinstance(event, QInputMethodEvent) and event.commitString():
            self._type_into_note(event.commitString())
            return True
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        if watched is self.search:
            if event.key() == Qt.Key.Key_Escape:
                self.search.clear()
                self.tree.setFocus()
                return True
            if event.key() == Qt.Key.Key_Down:
                self._focus_first_visible()
                return True
            return False
        if watched is self.tree:
            return self._on_tree_key(event)
        return super().eventFilter(watched, event)

    def _on_tree_key(self, event: QKeyEvent) -> bool:
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if modifiers not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            return False
        key = event.key()
        if Qt.Key.Key_1.value <= key <= Qt.Key.Key_9.value and modifiers == Qt.KeyboardModifier.NoModifier:
            self.answer_key(key - Qt.Key.Key_0.value)
            return True
        if key == Qt.Key.Key_N and modifiers == Qt.KeyboardModifier.NoModifier:
            self.next_unanswered()
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.current_item() is not None:
            self.pane.note.setFocus()
            return True
        if key == Qt.Key.Key_Escape:
            self._leave()
            return True
        text = event.text()
        if text and text.isprintable() and (not text.isspace() or self.pane.note.toPlainText()):
            return self._type_into_note(text)
        return False

    def _type_into_note(self, text: str) -> bool:
        """Typing on the tree goes straight into the note."""
        if self.current_item() is None or self.read_only:
            return False
        self.pane.note.setFocus()
        cursor = self.pane.note.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        cursor.insertText(text)
        self.pane.note.setTextCursor(cursor)
        return True
