"""从文件夹导入照片: the proposed item for each photo of a folder (matched by when it was taken), a tick per photo, an
item chooser for the unmatched ones; thin over ``inspections.workflow.propose_folder_photos``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImageReader, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspections.workflow import FolderProposal


class FolderPhotosDialog(QDialog):
    """Lists ``proposal``'s photos; ``items`` are (item id, "code text") to choose from, in checklist order."""

    def __init__(
        self, proposal: FolderProposal, items: Sequence[tuple[uuid.UUID, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("folderPhotosDialog")
        self.setWindowTitle(self.tr("从文件夹导入照片"))
        self.resize(1100, 600)
        self.proposal = proposal
        layout = QVBoxLayout(self)
        matched, unmatched = len(proposal.matched), len(proposal.unmatched)
        intro = QLabel(
            self.tr(
                "按拍摄时间匹配：每张照片归入拍摄后 10 分钟内最先保存答案或问题描述的检查项。"
                "已匹配 {0} 张，未匹配 {1} 张（请为其选择检查项，或不导入）。"
            ).format(matched, unmatched)
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(len(proposal.photos), 4)
        self.table.setObjectName("folderPhotosTable")
        self.table.setHorizontalHeaderLabels([self.tr("导入"), self.tr("照片"), self.tr("拍摄时间"), self.tr("检查项")])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.checks: list[QCheckBox] = []
        self.choosers: list[QComboBox] = []
        for row, photo in enumerate(proposal.photos):
            check = QCheckBox()
            check.setChecked(photo.item_id is not None)
            holder = QWidget()
            holder_layout = QVBoxLayout(holder)
            holder_layout.setContentsMargins(8, 0, 8, 0)
            holder_layout.addWidget(check, alignment=Qt.AlignmentFlag.AlignCenter)
            self.table.setCellWidget(row, 0, holder)
            self.table.setItem(row, 1, QTableWidgetItem(photo.name))
            when = photo.taken_at.astimezone().strftime("%H:%M:%S") if photo.taken_at else self.tr("无拍摄时间")
            self.table.setItem(row, 2, QTableWidgetItem(when))
            chooser = QComboBox()
            chooser.addItem(self.tr("（未匹配：请选择检查项）"), None)
            for n, (item_id, label) in enumerate(items, 1):
                chooser.addItem(label, item_id)
                if item_id == photo.item_id:
                    chooser.setCurrentIndex(n)  # findData cannot compare Python objects
            chooser.currentIndexChanged.connect(
                lambda _i, c=check, ch=chooser: c.setChecked(ch.currentData() is not None)
            )
            self.table.setCellWidget(row, 3, chooser)
            self.checks.append(check)
            self.choosers.append(chooser)
        middle = QHBoxLayout()
        middle.addWidget(self.table, 1)
        self.preview = QLabel(self.tr("选中一行可预览照片"))
        self.preview.setObjectName("folderPhotoPreview")
        self.preview.setFixedSize(self.PREVIEW, self.PREVIEW)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: #f4f4f4; color: #777;")
        middle.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(middle, 1)
        self.table.currentCellChanged.connect(lambda row, _c, _pr, _pc: self.show_preview(row))
        if proposal.photos:
            self.table.selectRow(0)
        notes = []
        if proposal.skipped:
            shown = "、".join(f"{s.name}（{s.reason}）" for s in proposal.skipped[:5])
            more = self.tr(" 等 {0} 个").format(len(proposal.skipped)) if len(proposal.skipped) > 5 else ""
            notes.append(self.tr("已跳过无法读取的文件：{0}{1}").format(shown, more))
        if proposal.other_days:
            notes.append(self.tr("另有 {0} 张照片不是检查当天拍摄的，未列出。").format(proposal.other_days))
        if not proposal.photos:
            notes.append(self.tr("该文件夹中没有检查当天拍摄的照片。"))
        self.notes = QLabel("\n".join(notes))
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: #777;")
        layout.addWidget(self.notes)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("导入选中的照片"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    PREVIEW = 300

    def show_preview(self, row: int) -> None:
        """Show the photo of ``row``, read at preview size (upright by its EXIF orientation)."""
        if not 0 <= row < len(self.proposal.photos):
            return
        reader = QImageReader(str(self.proposal.photos[row].path))
        reader.setAutoTransform(True)
        size = reader.size()
        if size.isValid() and max(size.width(), size.height()) > self.PREVIEW:
            reader.setScaledSize(size.scaled(QSize(self.PREVIEW, self.PREVIEW), Qt.AspectRatioMode.KeepAspectRatio))
        image = reader.read()
        if image.isNull():
            self.preview.setText(self.tr("无法预览"))
        else:
            self.preview.setPixmap(QPixmap.fromImage(image))

    def placements(self) -> list[tuple[Path, uuid.UUID]]:
        """The ticked photos with an item chosen: (file, item id)."""
        chosen = []
        for photo, check, chooser in zip(self.proposal.photos, self.checks, self.choosers, strict=True):
            item_id = chooser.currentData()
            if check.isChecked() and isinstance(item_id, uuid.UUID):
                chosen.append((photo.path, item_id))
        return chosen
