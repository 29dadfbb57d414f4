"""A full-size photo viewer: one photo fitted to the window, ← → (or PgUp/PgDn) to move, Esc to close, a caption
under the photo that is saved when it is left (Enter, moving on, closing)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True)
class ViewerPhoto:
    attachment_id: uuid.UUID
    sha256: str
    label: str  # what the photo is (item code, file name), shown above the caption
    caption: str


class _FittedImage(QLabel):
    """A label showing a pixmap scaled to fit, keeping its aspect ratio, redrawn on resize."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixmap = QPixmap()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(200, 150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setStyleSheet("background: #222; color: #ddd;")

    def set_image(self, pixmap: QPixmap) -> None:
        self._pixmap = pixmap
        self._refit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._refit()

    def _refit(self) -> None:
        if self._pixmap.isNull():
            self.setPixmap(QPixmap())
            return
        size = self.size() - QSize(8, 8)
        self.setPixmap(
            self._pixmap.scaled(size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
        )


class PhotoViewer(QDialog):
    """Shows ``photos`` one at a time from ``start``; ``load`` gives a photo's stored JPEG bytes.

    Signals:
        caption_changed(object, str): the attachment id and its new caption (emitted when the caption is left).
    """

    caption_changed = Signal(object, str)

    def __init__(
        self,
        photos: Sequence[ViewerPhoto],
        load: Callable[[str], bytes],
        *,
        start: int = 0,
        read_only: bool = False,
        locked: Collection[uuid.UUID] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("photoViewer")
        self._read_only = read_only
        self._locked = set(locked)  # photos whose caption may not be changed (another team member's items)
        self.photos = list(photos)
        self._load = load
        self.index = max(0, min(start, len(self.photos) - 1))
        self.setWindowTitle(self.tr("照片"))
        self.resize(1000, 760)
        layout = QVBoxLayout(self)
        self.image = _FittedImage()
        self.image.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout.addWidget(self.image, 1)
        self.position = QLabel()
        self.position.setObjectName("photoPosition")
        layout.addWidget(self.position)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("说明")))
        self.caption = QLineEdit()
        self.caption.setObjectName("photoCaption")
        self.caption.setMaxLength(200)
        self.caption.setPlaceholderText(self.tr("照片说明，打印在反馈单的照片下方（回车保存）"))
        self.caption.setReadOnly(read_only)
        self.caption.returnPressed.connect(self._caption_entered)
        row.addWidget(self.caption, 1)
        self.prev_button = QPushButton(self.tr("← 上一张"))
        self.next_button = QPushButton(self.tr("下一张 →"))
        self.prev_button.clicked.connect(lambda: self.move_by(-1))
        self.next_button.clicked.connect(lambda: self.move_by(1))
        close = QPushButton(self.tr("关闭"))
        close.clicked.connect(self.reject)
        for button in (self.prev_button, self.next_button, close):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            row.addWidget(button)
        layout.addLayout(row)
        layout.addWidget(QLabel(self.tr("← → 切换照片 · Esc 关闭 · 点“说明”栏可填写照片说明")))
        self._shown_caption = ""
        self._show()
        self.image.setFocus()

    @property
    def current(self) -> ViewerPhoto:
        return self.photos[self.index]

    def move_by(self, step: int) -> None:
        """Show the previous (-1) or next (+1) photo, after saving the caption being typed."""
        target = self.index + step
        if not 0 <= target < len(self.photos):
            return
        self.commit_caption()
        self.index = target
        self._show()

    def commit_caption(self) -> None:
        """Emit caption_changed if the caption of the photo shown was changed."""
        if not self.photos or self.caption.isReadOnly():
            return
        text = " ".join(self.caption.text().split())
        if text != self._shown_caption:
            photo = self.current
            self.photos[self.index] = ViewerPhoto(photo.attachment_id, photo.sha256, photo.label, text)
            self._shown_caption = text
            self.caption_changed.emit(photo.attachment_id, text)

    def _caption_entered(self) -> None:
        self.commit_caption()
        self.image.setFocus()

    def _show(self) -> None:
        if not self.photos:
            self.image.setText(self.tr("没有照片"))
            return
        photo = self.current
        pixmap = QPixmap()
        pixmap.loadFromData(self._load(photo.sha256))
        self.image.set_image(pixmap)
        self.position.setText(f"{photo.label}　（{self.index + 1}/{len(self.photos)}）")
        self._shown_caption = photo.caption
        self.caption.setText(photo.caption)
        self.caption.setReadOnly(self._read_only or photo.attachment_id in self._locked)
        self.prev_button.setEnabled(self.index > 0)
        self.next_button.setEnabled(self.index < len(self.photos) - 1)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        typing = self.caption.hasFocus()
        if key in (Qt.Key.Key_PageUp,) or (key == Qt.Key.Key_Left and not typing):
            self.move_by(-1)
        elif key in (Qt.Key.Key_PageDown,) or (key == Qt.Key.Key_Right and not typing):
            self.move_by(1)
        elif key == Qt.Key.Key_Escape:
            self.reject()
        else:
            super().keyPressEvent(event)

    def done(self, result: int) -> None:
        self.commit_caption()
        super().done(result)
