"""The right side of the inspection editor: one item's text, criteria, last result, answer buttons, note, photos."""

from __future__ import annotations

import re
import uuid
from itertools import pairwise
from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, Qt, QTimer, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDropEvent,
    QFocusEvent,
    QFont,
    QFontMetrics,
    QIcon,
    QImage,
    QKeyEvent,
    QKeySequence,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QDoubleSpinBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from inspections.workflow import ItemView
from ui.widgets.state_icons import OUTCOME_COLORS, state_icon

NOTE_DEBOUNCE_MS = 400
ANSWER_BUTTON_PADDING = 2 * 8 + 2 * 1 + 14  # the checked style's side padding and border, icon spacing, margin
PHOTO_FILTER = "*.jpg *.jpeg *.png *.bmp *.gif *.webp *.heic *.tif *.tiff"


def image_bytes(image: QImage) -> bytes:
    """A pasted image as PNG bytes (the core downscales and stores it as JPEG)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # a str works; bytes crash
    buffer.close()
    return bytes(data.data())


class NoteEdit(QPlainTextEdit):
    """The note field: Esc goes back to the tree, Enter or Tab moves on to the next item (Shift+Enter starts a new
    line, Shift+Tab goes back to the answers), losing focus saves, pasting an image adds a photo. Everything else
    typed here — digits and “n” included — is text.

    Signals:
        focus_lost: the field lost focus (save now).
        escape: Esc pressed.
        move_on: Enter or Tab pressed: done with this item.
        image_pasted(bytes): an image was pasted instead of text.
    """

    focus_lost = Signal()
    escape = Signal()
    move_on = Signal()
    image_pasted = Signal(bytes)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.focus_lost.emit()

    def event(self, event: QEvent) -> bool:
        # Tab is taken before the focus chain sees it: in the note it means “next item”.
        if (
            isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Tab
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            self.move_on.emit()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.escape.emit()
            return
        plain = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier == Qt.KeyboardModifier.NoModifier
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain:
            self.move_on.emit()
            return
        super().keyPressEvent(event)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return source.hasImage() or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        if source.hasImage() and not source.hasText():
            image = QImage(source.imageData())
            if not image.isNull():
                self.image_pasted.emit(image_bytes(image))
            return
        super().insertFromMimeData(source)


class ItemPane(QWidget):
    """Shows one item and turns the user's input into signals; the editor saves them.

    Signals:
        answer_chosen(str): a response code was chosen (button or key).
        points_changed(float): the points of a 部分符合 answer were adjusted.
        note_commit(object, str): the note of item (uuid) should be saved now (debounced, focus-out, item change).
        photos_added(list): [(filename, bytes)] to attach to the current item.
        photo_remove(object): the attachment id to remove.
        photo_open(object): the attachment id to show full size (double-click or Enter on a thumbnail).
        import_folder_requested: the user wants photos imported from a folder (a phone, a memory card).
        back_to_tree: Esc in the note.
        move_on: Enter or Tab in the note: on to the next item.
    """

    answer_chosen = Signal(str)
    points_changed = Signal(float)
    deduction_changed = Signal(object)  # {"occurrences": n} or {"failed": [sub-item numbers]}
    note_commit = Signal(object, str)
    photos_added = Signal(list)
    photo_remove = Signal(object)
    photo_open = Signal(object)
    import_folder_requested = Signal()
    back_to_tree = Signal()
    move_on = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item: ItemView | None = None
        self.read_only = False
        self._saved_note = ""
        self.setAcceptDrops(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        head = QHBoxLayout()
        self.code_label = QLabel()
        font = self.code_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.code_label.setFont(font)
        self.points_label = QLabel()
        self.points_label.setObjectName("itemPoints")
        head.addWidget(self.code_label, 1)
        head.addWidget(self.points_label)
        layout.addLayout(head)
        self.text_label = QLabel()
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text_font = self.text_label.font()
        text_font.setPointSizeF(text_font.pointSizeF() * 1.15)
        self.text_label.setFont(text_font)
        layout.addWidget(self.text_label)
        self.method_label = QLabel()
        self.method_label.setWordWrap(True)
        self.method_label.setStyleSheet("color: #444;")
        layout.addWidget(self.method_label)
        self.previous_label = QLabel()
        self.previous_label.setObjectName("previousResult")
        self.previous_label.setWordWrap(True)
        layout.addWidget(self.previous_label)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setStyleSheet("color: #ddd;")
        layout.addWidget(line)

        answers = QHBoxLayout()
        self.answer_group = QButtonGroup(self)
        self.answer_group.setExclusive(True)
        self.answer_buttons: list[QPushButton] = []
        self._answers_row = answers
        self.points_spin = QDoubleSpinBox()
        self.points_spin.setDecimals(1)
        self.points_spin.setSingleStep(0.5)
        self.points_spin.setPrefix(self.tr("得分 "))
        self.points_spin.setKeyboardTracking(False)
        self.points_spin.editingFinished.connect(self._on_points_edited)
        answers.addStretch(1)
        answers.addWidget(self.points_spin)
        layout.addLayout(answers)

        # An item whose criteria deduct per occurrence or per failed sub-item: the inspector enters what was found
        # and the points follow (inspections.scoring.deduction_answer).
        self.deduction_label = QLabel()
        self.deduction_label.setWordWrap(True)
        self.deduction_label.setObjectName("deductionRule")
        layout.addWidget(self.deduction_label)
        self.occurrence_spin = QSpinBox()
        self.occurrence_spin.setRange(0, 999)
        self.occurrence_spin.setKeyboardTracking(False)
        self.occurrence_spin.editingFinished.connect(
            lambda: self.deduction_changed.emit({"occurrences": self.occurrence_spin.value()})
        )
        layout.addWidget(self.occurrence_spin)
        self.subitem_list = QListWidget()
        self.subitem_list.setObjectName("subitemList")
        self.subitem_list.setMaximumHeight(150)
        self.subitem_list.itemChanged.connect(self._on_subitem_changed)
        layout.addWidget(self.subitem_list)

        layout.addWidget(QLabel(self.tr("问题描述")))
        self.note = NoteEdit()
        self.note.setObjectName("noteEdit")
        self.note.setPlaceholderText(self.tr("不符合或部分符合时写明问题；边输入边自动保存"))
        self.note.setTabChangesFocus(True)
        self.note.setMinimumHeight(70)
        layout.addWidget(self.note, 1)
        self._note_timer = QTimer(self)
        self._note_timer.setSingleShot(True)
        self._note_timer.setInterval(NOTE_DEBOUNCE_MS)
        self._note_timer.timeout.connect(self.flush_note)
        self.note.textChanged.connect(self._on_note_changed)
        self.note.focus_lost.connect(self.flush_note)
        self.note.escape.connect(self.back_to_tree)
        self.note.move_on.connect(self.move_on)
        self.note.image_pasted.connect(lambda data: self._add_photos([(self.tr("粘贴的图片.png"), data)]))

        photos_row = QHBoxLayout()
        photos_row.addWidget(QLabel(self.tr("照片")))
        self.add_photo_button = QPushButton(self.tr("+ 添加…"))
        self.add_photo_button.setToolTip(self.tr("选择照片文件；也可以拖入照片或按 Ctrl+V 粘贴"))
        self.add_photo_button.clicked.connect(self._on_add_photo_clicked)
        photos_row.addWidget(self.add_photo_button)
        self.import_folder_button = QPushButton(self.tr("从文件夹导入…"))
        self.import_folder_button.setObjectName("importFolderButton")
        self.import_folder_button.setToolTip(
            self.tr("从手机或存储卡的文件夹导入照片，按拍摄时间归入当时正在填写的检查项，确认后导入")
        )
        self.import_folder_button.clicked.connect(self.import_folder_requested)
        photos_row.addWidget(self.import_folder_button)
        self.photos = QListWidget()
        self.photos.setObjectName("photoList")
        self.photos.setViewMode(QListWidget.ViewMode.IconMode)
        self.photos.setFlow(QListWidget.Flow.LeftToRight)
        self.photos.setWrapping(False)
        self.photos.setIconSize(QPixmap(72, 72).size())
        self.photos.setFixedHeight(104)
        self.photos.setToolTip(self.tr("双击或按回车查看大图、填写说明；选中照片后按 Delete 删除"))
        self.photos.itemActivated.connect(self._on_photo_activated)
        self.photos.installEventFilter(self)
        photos_row.addWidget(self.photos, 1)
        layout.addLayout(photos_row)
        self.photo_hint = QLabel(self.tr("拖入照片或按 Ctrl+V 粘贴"))
        self.photo_hint.setStyleSheet("color: #777;")
        layout.addWidget(self.photo_hint)
        paste = QShortcut(QKeySequence.StandardKey.Paste, self)
        paste.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        paste.activated.connect(self.paste_photo)

    # -- showing --------------------------------------------------------------------------------------------

    def set_options(self, options: list[tuple[str, str, str]]) -> None:
        """The answer buttons: (code, label, outcome) in key order 1, 2, 3, …"""
        if [b.property("code") for b in self.answer_buttons] == [o[0] for o in options]:
            return
        for button in self.answer_buttons:
            self.answer_group.removeButton(button)
            button.deleteLater()
        self.answer_buttons = []
        for n, (code, label, outcome) in enumerate(options, start=1):
            button = QPushButton(f"{n} {label}")
            button.setIcon(state_icon(outcome))
            color = OUTCOME_COLORS.get(outcome)
            if color is not None:
                button.setStyleSheet(
                    f"QPushButton:checked {{ background: {color.name()}; color: white; font-weight: bold;"
                    f" border: 1px solid {color.darker(130).name()}; border-radius: 3px; padding: 4px 8px; }}"
                )
            button.setCheckable(True)
            button.setProperty("code", code)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            button.setMinimumHeight(34)
            # The chosen button is drawn bold: room for the bold text, or “3 不符合” is cut to “3 不符”.
            bold = QFont(button.font())
            bold.setBold(True)
            text_width = QFontMetrics(bold).horizontalAdvance(button.text())
            button.setMinimumWidth(text_width + button.iconSize().width() + ANSWER_BUTTON_PADDING)
            button.setToolTip(self.tr("按 {0}").format(n))
            button.clicked.connect(lambda _c=False, c=code: self.answer_chosen.emit(c))
            self.answer_group.addButton(button)
            self._answers_row.insertWidget(n - 1, button)
            button.show()
            self.answer_buttons.append(button)
        # Tab goes through the answers, then the points, the note and the photos.
        chain = [*self.answer_buttons, self.points_spin, self.note, self.add_photo_button, self.photos]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    def show_item(self, item: ItemView, *, earned: float | None, read_only: bool, partial_ratio: float) -> None:
        if self.item is not None and self.item.item_id != item.item_id:
            self.flush_note()
        self.item = item
        self.read_only = read_only
        spec = item.spec
        critical = (" · " + (spec.consequence or self.tr("否决项"))) if spec.critical else ""
        self.code_label.setText(f"{item.code}")
        self.points_label.setText(self.tr("分值 {0}").format(f"{spec.points:g}") + critical)
        self.points_label.setStyleSheet("color: #c62828; font-weight: bold;" if spec.critical else "")
        self.text_label.setText(spec.text)
        self.method_label.setText(
            self.tr("检查方法：{0}　　评分标准：{1}").format(spec.method, spec.criteria or self.tr("（无）"))
        )
        prev = item.previous
        if prev is None:
            self.previous_label.setText(self.tr("上次：无记录"))
            self.previous_label.setStyleSheet("color: #777;")
        else:
            note = f"——“{prev.note}”" if prev.note else ""
            self.previous_label.setText(self.tr("上次：{0} {1}{2}").format(prev.label, prev.date.isoformat(), note))
            bad = prev.outcome in ("fail", "partial")
            self.previous_label.setStyleSheet("color: #c62828;" if bad else "color: #2e7d32;")
        self.set_options([(o.code, o.label, o.outcome) for o in item.options if o.outcome != "not_checked"])
        self.check_answer(item.response)
        for button in self.answer_buttons:
            button.setEnabled(not read_only)
        partial = item.outcome == "partial"
        self.points_spin.blockSignals(True)
        self.points_spin.setRange(0, spec.points)
        self.points_spin.setValue(earned if earned is not None else spec.points * partial_ratio)
        self.points_spin.blockSignals(False)
        self.points_spin.setEnabled(partial and not read_only)
        self.points_spin.setVisible(partial and spec.deduction is None)
        self._show_deduction(item, earned, read_only)
        self.note.blockSignals(True)
        if self.note.toPlainText() != item.note:
            self.note.setPlainText(item.note)
        self.note.blockSignals(False)
        self._saved_note = item.note
        self.note.setReadOnly(read_only)
        self.add_photo_button.setEnabled(not read_only)
        self.import_folder_button.setEnabled(not read_only)
        self.photo_hint.setVisible(not read_only)
        evidence = spec.evidence
        needs_photo = evidence == "photo-always" or (
            evidence == "photo-on-fail" and item.outcome in ("fail", "partial")
        )
        if needs_photo and not item.photos:
            self.photo_hint.setText(self.tr("此项须拍照留证：拖入照片或按 Ctrl+V 粘贴"))
            self.photo_hint.setStyleSheet("color: #c62828;")
        else:
            self.photo_hint.setText(self.tr("拖入照片或按 Ctrl+V 粘贴"))
            self.photo_hint.setStyleSheet("color: #777;")
        self.show_photos(item)

    def check_answer(self, code: str | None) -> None:
        """Show ``code``'s button as chosen, or none at all. An exclusive group never unchecks its checked button,
        so exclusivity is lifted while clearing."""
        self.answer_group.setExclusive(False)
        for button in self.answer_buttons:
            button.setChecked(button.property("code") == code)
        self.answer_group.setExclusive(True)

    def show_photos(self, item: ItemView, thumbnails: dict[str, QPixmap] | None = None) -> None:
        self.photos.clear()
        for photo in item.photos:
            name = photo.filename or self.tr("照片")
            entry = QListWidgetItem(photo.caption or name)  # the caption once there is one
            entry.setToolTip(f"{name}\n{photo.caption}" if photo.caption else name)
            entry.setData(Qt.ItemDataRole.UserRole, photo.attachment_id)
            pixmap = (thumbnails or {}).get(photo.sha256)
            if pixmap is not None:
                entry.setIcon(QIcon(pixmap))
            self.photos.addItem(entry)

    def _on_photo_activated(self, entry: QListWidgetItem) -> None:
        attachment_id = entry.data(Qt.ItemDataRole.UserRole)
        if isinstance(attachment_id, uuid.UUID):
            self.photo_open.emit(attachment_id)

    def set_thumbnail(self, sha256: str, pixmap: QPixmap) -> None:
        if self.item is None:
            return
        for row, photo in enumerate(self.item.photos):
            if photo.sha256 == sha256 and row < self.photos.count():
                self.photos.item(row).setIcon(QIcon(pixmap))

    # -- note -----------------------------------------------------------------------------------------------

    def _on_note_changed(self) -> None:
        if not self.read_only:
            self._note_timer.start()

    def flush_note(self) -> None:
        """Save the note now if it changed (called by the debounce timer, focus-out, item change, close)."""
        self._note_timer.stop()
        if self.item is None or self.read_only:
            return
        text = self.note.toPlainText()
        if text != self._saved_note:
            self._saved_note = text
            self.note_commit.emit(self.item.item_id, text)

    def note_pending(self) -> bool:
        return self._note_timer.isActive()

    def _show_deduction(self, item: ItemView, earned: float | None, read_only: bool) -> None:
        rule = item.spec.deduction
        self.deduction_label.setVisible(rule is not None)
        self.occurrence_spin.setVisible(rule is not None and not rule.subitems)
        self.subitem_list.setVisible(rule is not None and bool(rule.subitems))
        if rule is None:
            return
        cap = rule.cap if rule.cap is not None else item.spec.points
        if rule.subitems:
            self.deduction_label.setText(
                self.tr("逐项判定，勾选不符合的子项：每项扣 {0} 分，最多扣 {1} 分").format(f"{rule.per:g}", f"{cap:g}")
            )
            failed = {int(n) for n in re.findall(r"（(\d+)）", item.note.split("。", 1)[0])} if item.response else set()
            self.subitem_list.blockSignals(True)
            self.subitem_list.clear()
            for number, text in enumerate(rule.subitems, start=1):
                entry = QListWidgetItem(f"（{number}）{text}")
                entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                entry.setCheckState(Qt.CheckState.Checked if number in failed else Qt.CheckState.Unchecked)
                if read_only:
                    entry.setFlags(entry.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                self.subitem_list.addItem(entry)
            self.subitem_list.blockSignals(False)
        else:
            self.deduction_label.setText(
                self.tr("每发现一{0}扣 {1} 分，最多扣 {2} 分：输入发现的{0}数").format(
                    rule.unit, f"{rule.per:g}", f"{cap:g}"
                )
            )
            self.occurrence_spin.setPrefix(self.tr("发现 "))
            self.occurrence_spin.setSuffix(f" {rule.unit}")
            lost = item.spec.points - earned if item.response and earned is not None else 0.0
            self.occurrence_spin.blockSignals(True)
            self.occurrence_spin.setValue(round(lost / rule.per) if rule.per else 0)
            self.occurrence_spin.blockSignals(False)
            self.occurrence_spin.setEnabled(not read_only)

    def _on_subitem_changed(self, _entry: QListWidgetItem) -> None:
        failed = [
            n
            for n in range(1, self.subitem_list.count() + 1)
            if self.subitem_list.item(n - 1).checkState() == Qt.CheckState.Checked
        ]
        self.deduction_changed.emit({"failed": failed})

    # -- points ---------------------------------------------------------------------------------------------

    def _on_points_edited(self) -> None:
        if self.item is not None and not self.read_only and self.item.outcome == "partial":
            self.points_changed.emit(self.points_spin.value())

    # -- photos ---------------------------------------------------------------------------------------------

    def _on_add_photo_clicked(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, self.tr("添加照片"), "", self.tr("图片 ({0})").format(PHOTO_FILTER)
        )
        self.add_photo_files([Path(p) for p in paths])

    def add_photo_files(self, paths: list[Path]) -> None:
        self._add_photos([(p.name, p.read_bytes()) for p in paths if p.is_file()])

    def _add_photos(self, photos: list[tuple[str, bytes]]) -> None:
        if photos and self.item is not None and not self.read_only:
            self.photos_added.emit(photos)

    def paste_photo(self) -> None:
        from PySide6.QtWidgets import QApplication

        mime = QApplication.clipboard().mimeData()
        if mime is not None and mime.hasImage():
            image = QImage(mime.imageData())
            if not image.isNull():
                self._add_photos([(self.tr("粘贴的图片.png"), image_bytes(image))])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if not self.read_only and (event.mimeData().hasUrls() or event.mimeData().hasImage()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        if mime.hasUrls():
            self.add_photo_files([Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()])
        elif mime.hasImage():
            self._add_photos([(self.tr("拖入的图片.png"), image_bytes(QImage(mime.imageData())))])
        event.acceptProposedAction()

    def eventFilter(self, watched: object, event: object) -> bool:
        if (
            watched is self.photos
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Delete
            and not self.read_only
        ):
            current = self.photos.currentItem()
            if current is not None:
                attachment_id = current.data(Qt.ItemDataRole.UserRole)
                if isinstance(attachment_id, uuid.UUID):
                    self.photo_remove.emit(attachment_id)
                return True
        return super().eventFilter(watched, event)  # type: ignore[arg-type]
