"""The inspection editor page: the header, the item tree beside the item pane, and the actions; saved as you go.

Every answer, points change, note and photo is one call into ``inspections.workflow`` (one transaction each); the
live score is recomputed with ``inspections.scoring`` from the items as saved.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any, TypedDict, TypeVar, Unpack

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from inspections import photos, teams, workflow
from inspections.errors import UserError
from inspections.scoring import Answer, InspectionScore
from inspections.settings import get_setting
from inspections.workflow import ChecklistView, InspectionView, ItemView
from ui import settings as keys
from ui.context import AppContext
from ui.pages.base import Page
from ui.pages.editor.drafts import DraftActions
from ui.pages.editor.finishing import FinishFlow
from ui.pages.editor.header import EditorHeader
from ui.pages.editor.keys import EditorKeys
from ui.pages.editor.photos import EditorPhotos
from ui.pages.editor.team import TeamFlow, TeamState, load_team
from ui.pages.editor.tree import UNANSWERED, ItemTree
from ui.tasks import show_user_error
from ui.widgets.item_pane import ItemPane

T = TypeVar("T")


class AnswerChange(TypedDict, total=False):
    """The parts of an answer one save changes (see ``workflow.record_answer``); those left out keep their value."""

    response: str | None
    points: float | None
    note: str


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
        self._checklist_of: dict[uuid.UUID, ChecklistView] = {}
        self.score: InspectionScore | None = None
        self._thumbnails: dict[str, QPixmap] = {}
        self.amend_reason = ""
        self.last_saved: dt.datetime | None = None
        self.last_dialog: QWidget | None = None
        self.open_documents = True
        self._build()
        self.keys = EditorKeys(self, self)
        self.finishing = FinishFlow(self, self)
        self.photo_flow = EditorPhotos(self, self)  # the viewer with captions, photos from a folder
        self.drafts = DraftActions(self, self)
        self.team = TeamFlow(self, self, self.header.team_bar)
        self.scope_button.clicked.connect(self.request_scope)
        self.void_button.clicked.connect(lambda: self.drafts.request_void())

    @property
    def items(self) -> dict[uuid.UUID, ItemView]:
        """Every item of the inspection as last loaded or saved, by id."""
        return self.item_tree.items

    # -- building -------------------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 4)
        self.header = EditorHeader()
        self.header.back_button.clicked.connect(self.leave)
        self.score_label = self.header.score_label
        self.banner = self.header.banner
        layout.addWidget(self.header)

        split = QSplitter(Qt.Orientation.Horizontal)
        self.item_tree = ItemTree()
        self.tree = self.item_tree.tree
        self.search = self.item_tree.search
        self.filter_combo = self.item_tree.filter_combo
        self.tree.currentItemChanged.connect(self._on_current_changed)
        split.addWidget(self.item_tree)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.lock_label = QLabel()
        self.lock_label.setObjectName("itemLocked")
        self.lock_label.setWordWrap(True)
        self.lock_label.setStyleSheet("background: #fff4e5; color: #8a4b00; padding: 4px;")
        self.lock_label.setVisible(False)
        right_layout.addWidget(self.lock_label)
        self.pane = ItemPane()
        scroll = QScrollArea()
        scroll.setWidget(self.pane)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        right_layout.addWidget(scroll, 1)
        actions = self._build_actions()
        right_layout.addWidget(self.hint)
        right_layout.addLayout(actions)
        split.addWidget(right)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 6)
        split.setSizes([520, 680])
        layout.addWidget(split, 1)

        self.pane.answer_chosen.connect(self.answer)
        self.pane.points_changed.connect(self._on_points_changed)
        self.pane.deduction_changed.connect(self._on_deduction_changed)
        self.pane.note_commit.connect(self._on_note_commit)
        self.pane.photos_added.connect(self._on_photos_added)
        self.pane.photo_remove.connect(self._on_photo_remove)
        self.pane.back_to_tree.connect(lambda: self.tree.setFocus(Qt.FocusReason.OtherFocusReason))
        self.pane.move_on.connect(self._on_note_move_on)

    def _build_actions(self) -> QHBoxLayout:
        actions = QHBoxLayout()
        self.hint = QLabel(
            self.tr(
                "1 符合 / 4 不适用：作答并进入下一项 · 2 / 3：停在本项写问题描述，Enter 或 Tab 进入下一项 · "
                "Alt+1–4 在任何位置作答 · N 下一未答 · Esc 回到目录 · Ctrl+Enter 完成检查"
            )
        )
        self.hint.setStyleSheet("color: #666;")
        self.hint.setWordWrap(True)
        actions.addStretch(1)  # the hint has a line of its own above the actions (see _build)
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
        self.scope_button = QPushButton(self.tr("检查范围…"))
        self.scope_button.setObjectName("scopeButton")
        self.scope_button.setToolTip(self.tr("把当前部分或整张检查表标为本次未检（写明原因）或不适用（Ctrl+Shift+S）"))
        self.void_button = QPushButton(self.tr("作废草稿…"))
        self.void_button.setObjectName("voidButton")
        self.void_button.setToolTip(self.tr("误建的草稿（如选错了机构）作废，记入审计日志"))
        actions.addWidget(self.scope_button)
        actions.addWidget(self.void_button)
        self.report_button = QPushButton(self.tr("反馈单 PDF…"))
        self.report_button.setToolTip(self.tr("生成督导检查反馈单（PDF）"))
        self.report_button.clicked.connect(lambda: self.request_report())
        actions.addWidget(self.report_button)
        actions.addWidget(self.amend_button)
        actions.addWidget(self.finalize_button)
        return actions

    # -- loading --------------------------------------------------------------------------------------------

    def reload(self) -> None:
        inspection_id = self.inspection_id
        self.context.read(lambda s: workflow.load_inspection(s, inspection_id), self.show_view, parent=self)

    def show_view(self, view: InspectionView) -> None:
        current = self.current_item()
        self.view = view
        # the overall rule across checklists (设置 overall_rule), so the live score matches the documents
        self.overall_rule = str(self.context.read_now(lambda s: get_setting(s, "overall_rule")))
        self._checklist_of = {
            item.item_id: checklist
            for checklist in view.checklists
            for section in checklist.sections
            for item in section.items
        }
        self.header.show_title(view)
        self.show_team(self.context.read_now(lambda s: load_team(s, view.id, self.context.actor)))
        self.item_tree.fill(view)
        self._update_scores()
        self.update_mode()
        self.item_tree.apply_filter()
        target = current.item_id if current is not None and current.item_id in self.item_tree.leaves else None
        if target is None:
            target = next((i.item_id for i in view.items_in_scope() if i.response in UNANSWERED), None)
        if target is None and view.items():
            target = view.items()[0].item_id
        if target is not None:
            self.select_item(target)

    def show_team(self, state: TeamState) -> None:
        """The team line (each member's part and progress) and, for a member, the items outside their part."""
        assert self.view is not None
        self.team.state = state
        self.item_tree.locked = dict(state.locked)
        bar = self.header.team_bar
        draft = self.view.status == "draft"
        bar.setVisible(draft or state.is_team)
        bar.menu_button.setVisible(draft)
        bar.show_progress(state, self.context.actor)

    def refresh_progress(self) -> None:
        """After a save: each member's answered/total again (team inspections only)."""
        if not self.team.state.is_team:
            return
        inspection_id = self.inspection_id
        progress = tuple(self.context.read_now(lambda s: teams.team_progress(s, inspection_id)))
        self.team.state = replace(self.team.state, progress=progress)
        self.header.team_bar.show_progress(self.team.state, self.context.actor)

    # -- state ----------------------------------------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        if self.view is None or self.view.status == "voided":
            return True
        return self.view.finalized and not self.amend_reason

    def item_read_only(self, item_id: uuid.UUID) -> bool:
        """Read-only as a whole, or outside the user's part of a team inspection."""
        return self.read_only or item_id in self.item_tree.locked

    def item_locked(self, item_id: uuid.UUID) -> bool:
        """Outside the user's part of a team inspection (another member's item)."""
        return item_id in self.item_tree.locked

    def current_read_only(self) -> bool:
        item = self.current_item()
        return item is None or self.item_read_only(item.item_id)

    def current_item(self) -> ItemView | None:
        return self.item_tree.current_item()

    def select_item(self, item_id: uuid.UUID) -> None:
        self.item_tree.select(item_id)

    def _visible_items(self) -> list[QTreeWidgetItem]:
        return self.item_tree.visible_leaves()

    def next_unanswered(self) -> bool:
        """To the next unanswered item in scope, wrapping round."""
        return self.item_tree.move_to_next(
            lambda i: i.response in UNANSWERED and not self.item_tree.out_of_scope(i.item_id), wrap=True
        )

    def _on_current_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        self.pane.flush_note()
        item = self.current_item()
        if item is not None:
            self.show_in_pane(item)

    def _tab_into_pane(self) -> None:
        """Tab order: search, filter, tree, the answers, points, note, photos, then the actions."""
        pane = self.pane
        chain: list[QWidget] = [self.search, self.filter_combo, self.tree, *pane.answer_buttons, pane.points_spin]
        chain += [pane.note, pane.add_photo_button, pane.photos, self.report_button, self.amend_button]
        chain += [self.finalize_button]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    def show_in_pane(self, item: ItemView) -> None:
        assert self.view is not None
        checklist = self._checklist_of[item.item_id]
        earned = self._earned(item)
        holder = self.item_tree.locked.get(item.item_id)
        self.lock_label.setVisible(holder is not None)
        if holder is not None:
            self.lock_label.setText(self.tr("只读：本项不在您的分工内，由{0}负责。").format(holder))
        self.pane.show_item(
            item,
            earned=earned,
            read_only=self.item_read_only(item.item_id),
            partial_ratio=checklist.spec.scoring.partial_ratio,
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

    def update_mode(self) -> None:
        assert self.view is not None
        finalized = self.view.finalized
        draft = self.view.status == "draft"
        self.finalize_button.setVisible(draft)
        self.scope_button.setVisible(draft)
        self.void_button.setVisible(draft)
        self.amend_button.setVisible(finalized and not self.amend_reason)
        self.header.show_mode(finalized, self.view.finalized_at, self.amend_reason)
        if self.view.status == "voided":
            self.header.show_voided()

    def checklist_of(self, item_id: uuid.UUID) -> ChecklistView:
        return self._checklist_of[item_id]

    def _update_scores(self) -> None:
        """The live score from the items as saved, leaving out-of-scope sections and checklists out."""
        assert self.view is not None
        checklists = []
        for checklist in self.view.checklists:
            answers = {
                item.code: Answer(item.response, item.points)
                for section in checklist.sections
                for item in (self.items[i.item_id] for i in section.items)
                if item.response is not None
            }
            checklists.append((checklist.template_id, checklist.spec, answers))
        self.score = workflow.score_in_scope(checklists, self.view.scope, self.overall_rule)
        self.header.show_score(self.score, draft=not self.view.finalized)
        self.item_tree.paint_scores(self.score, draft=not self.view.finalized)

    # -- saving ---------------------------------------------------------------------------------------------

    def show_saved(self) -> None:
        self.last_saved = dt.datetime.now()
        self.saved_label.setText(self.tr("已保存 {0}").format(self.last_saved.strftime("%H:%M:%S")))

    def save(self, fn: Callable[[Session], T], changed: tuple[str, ...] = ("inspections",)) -> T | None:
        """Write at once on the GUI thread and show it as saved; a user's mistake is shown, and None returned."""
        try:
            result = self.context.write_now(fn, changed=changed)
        except UserError as exc:
            self.last_dialog = show_user_error(self, exc)
            return None
        self.show_saved()
        return result

    def _record(
        self, item_id: uuid.UUID, found: dict[str, Any] | None = None, **changes: Unpack[AnswerChange]
    ) -> ItemView | None:
        """Save an answer (``changes``), or, with ``found``, a deduction item's count or failed sub-items."""
        actor, inspection_id, reason = self.context.actor, self.inspection_id, self.amend_reason
        if found is not None:
            note = self.items[item_id].note
            saved = self.save(
                lambda s: workflow.record_deduction(
                    s,
                    actor,
                    inspection_id,
                    item_id,
                    occurrences=found.get("occurrences"),
                    failed=found.get("failed", ()),
                    note=note,
                    reason=reason,
                )
            )
        else:
            saved = self.save(
                lambda s: workflow.record_answer(s, actor, inspection_id, item_id, reason=reason, **changes)
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
        self.item_tree.paint_item(item)
        self._update_scores()
        self.refresh_progress()
        return item

    def answer(self, code: str) -> None:
        """Answer the current item with ``code``. 不符合 and 部分符合 keep the cursor on the item, in 问题描述, so the
        problem is written at once; other answers move on (unless the setting keeps the cursor)."""
        item = self.current_item()
        if item is None or self.item_read_only(item.item_id):
            if item is not None and item.item_id in self.item_tree.locked:
                holder = self.item_tree.locked[item.item_id]
                self.context.message.emit(self.tr("只读：本项不在您的分工内，由{0}负责").format(holder))
            return
        self.pane.flush_note()
        item = self.items[item.item_id]
        updated = self._record(item.item_id, response=code)
        if updated is None:
            return
        if updated.outcome in workflow.FAILING:
            self.show_in_pane(updated)
            self.pane.note.setFocus(Qt.FocusReason.OtherFocusReason)
            self.pane.note.moveCursor(self.pane.note.textCursor().MoveOperation.End)
            return
        stay = self.context.settings.value(keys.STAY_ON_ITEM, False, type=bool)
        if stay or not self.move_on():
            self.show_in_pane(updated)

    def move_on(self) -> bool:
        """To the next item to answer (skipping sections left out of scope), the tree keeping the focus."""
        ok = self.item_tree.move_to_next(lambda i: not self.item_tree.out_of_scope(i.item_id))
        if self.pane.note.hasFocus():
            self.tree.setFocus(Qt.FocusReason.OtherFocusReason)
        return ok

    def _on_note_move_on(self) -> None:
        """Enter or Tab in 问题描述: the note is saved, then on to the next item."""
        self.pane.flush_note()
        if not self.move_on():
            self.tree.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_points_changed(self, value: float) -> None:
        item = self.current_item()
        if item is not None:
            updated = self._record(item.item_id, points=value)
            if updated is not None:
                self.show_in_pane(updated)

    def _on_deduction_changed(self, found: dict[str, Any]) -> None:
        """Occurrences found or sub-items failed: the points follow from the item's rule, the reason heads the note."""
        item = self.current_item()
        if item is None or self.item_read_only(item.item_id):
            return
        self.pane.flush_note()
        updated = self._record(item.item_id, found)
        if updated is not None:
            self.show_in_pane(updated)

    def _on_note_commit(self, item_id: uuid.UUID, text: str) -> None:
        item = self.items.get(item_id)
        if item is None:
            return
        self._record(item_id, note=text)  # a note may come before the answer; the item stays unanswered

    def _on_photos_added(self, photos: list[tuple[str, bytes]]) -> None:
        item = self.current_item()
        if item is None:
            return
        # The reload after the photo is written must not read the item before the note being typed is saved.
        self.pane.flush_note()
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
        self.pane.flush_note()
        actor, reason = self.context.actor, self.amend_reason
        self.context.write(
            lambda s: workflow.remove_item_photo(s, actor, attachment_id, reason=reason),
            lambda _r: self._after_photo_change(),
            changed=("inspections",),
            parent=self,
        )

    def _after_photo_change(self) -> None:
        self.show_saved()
        self.reload()

    def close_page(self) -> None:
        self.pane.flush_note()

    def leave(self) -> None:
        """Back to the list of inspections, after writing the note being typed."""
        self.pane.flush_note()
        self.back_requested.emit()

    # -- finishing: delegated to FinishFlow ------------------------------------------------------------------

    def request_finalize(self) -> None:
        self.finishing.request_finalize()

    def request_report(self, path: Path | None = None) -> None:
        """Write the 督导检查反馈单 as a PDF (in the background) and open it; ask where when ``path`` is None."""
        self.finishing.request_report(path)

    def request_scope(self) -> None:
        """检查范围… for the current item's section or checklist (a draft only)."""
        self.drafts.request_scope()

    def request_amend(self, reason: str | None = None) -> None:
        """Start amending the signed inspection; ask for the reason when ``reason`` is None."""
        self.finishing.request_amend(reason)
