"""One conflict of an import preview side by side: 本机 and 数据包, each with its values (for a checklist item of a
team inspection: 回答, 分值, 备注, 照片 with thumbnails where the photos are at hand, 填写人, 时间), the values that
differ marked, and the two choices."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from inspections.packages.importing.preview import PreviewEntry

PhotoSource = Callable[[str], bytes | None]  # sha256 → JPEG bytes, None when not at hand
ITEM_FIELDS = ("回答", "分值", "备注", "照片", "填写人", "时间")
THUMB = 56
MAX_THUMBS = 4


def _tr(text: str) -> str:
    return QCoreApplication.translate("packages", text)


def _value_text(key: str, value: object) -> str:
    if value is None or value == "":
        return _tr("（空）")
    if key == "分值" and isinstance(value, float):
        return f"{value:g}"
    if key == "照片":
        return _tr("{0} 张").format(value)
    return str(value)


def conflict_summary(entry: PreviewEntry) -> str:
    """The difference in one line: 回答 本机 符合 ／ 数据包 不符合 (for an item), else the entry's detail."""
    mine, theirs = entry.mine or {}, entry.theirs or {}
    if entry.entity != "item":
        return entry.detail
    keys = [k for k in ITEM_FIELDS[:4] if mine.get(k) != theirs.get(k)]
    shown = [f"{k}：{_value_text(k, mine.get(k))} ／ {_value_text(k, theirs.get(k))}" for k in keys[:2]]
    return "；".join(shown) or entry.detail


class ConflictDetail(QFrame):
    """The current conflict, 本机 beside 数据包, with 保留本机 (1) and 采用导入 (2)."""

    def __init__(
        self,
        mine_photo: PhotoSource | None = None,
        theirs_photo: PhotoSource | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("conflictDetail")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._sources = {"mine": mine_photo, "theirs": theirs_photo}
        self._pixmaps: dict[str, QPixmap | None] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.title = QLabel()
        self.title.setObjectName("conflictTitle")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        layout.addWidget(self.title)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(3)
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(2, 1)
        layout.addLayout(self.grid)
        buttons = QHBoxLayout()
        self.mine_button = QPushButton(_tr("保留本机 (1)"))
        self.mine_button.setObjectName("keepMine")
        self.theirs_button = QPushButton(_tr("采用导入 (2)"))
        self.theirs_button.setObjectName("takeTheirs")
        self.decision_label = QLabel()
        self.decision_label.setObjectName("conflictDecision")
        buttons.addWidget(self.mine_button)
        buttons.addWidget(self.theirs_button)
        buttons.addWidget(self.decision_label, 1)
        layout.addLayout(buttons)
        self.cells: dict[tuple[str, str], QLabel] = {}  # (field, "mine" | "theirs") → the value shown

    def show_entry(self, entry: PreviewEntry, decision: str | None) -> None:
        while self.grid.count():
            child = self.grid.takeAt(0)
            widget = child.widget() if child is not None else None
            if widget is not None:
                widget.setParent(None)  # gone at once, not at the next turn of the event loop
                widget.deleteLater()
        self.cells = {}
        self.title.setText(f"{entry.label}\n{entry.detail}" if entry.detail else entry.label)
        mine: Mapping[str, Any] = entry.mine or {}
        theirs: Mapping[str, Any] = entry.theirs or {}
        who = theirs.get("填写人") if entry.entity == "item" else None
        heads = (_tr("本机"), _tr("数据包（{0}）").format(who) if who else _tr("数据包"))
        for col, text in enumerate(heads, start=1):
            head = QLabel(f"<b>{text}</b>")
            self.grid.addWidget(head, 0, col)
        if entry.entity == "item":
            keys = list(ITEM_FIELDS)
        else:
            keys = [k for k in dict.fromkeys([*mine, *theirs]) if not k.endswith("sha256")]
        for row, key in enumerate(keys, start=1):
            differs = mine.get(key) != theirs.get(key)
            name = QLabel(key)
            name.setStyleSheet("color: #555;")
            self.grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            for col, (side, values) in enumerate((("mine", mine), ("theirs", theirs)), start=1):
                if key == "照片" and entry.entity == "item":
                    cell = self._photos(side, values)
                    self.grid.addWidget(cell, row, col)
                    label = cell.findChild(QLabel, "photoCount")
                    assert isinstance(label, QLabel)
                else:
                    label = QLabel(_value_text(key, values.get(key)))
                    label.setWordWrap(True)
                    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                    self.grid.addWidget(label, row, col)
                if differs:  # marked by weight and colour (never colour alone)
                    label.setStyleSheet("font-weight: bold; color: #8a4b00;")
                self.cells[(key, side)] = label
        self.show_decision(decision)

    def show_decision(self, decision: str | None) -> None:
        text = {"mine": _tr("已选：保留本机"), "theirs": _tr("已选：采用导入")}.get(decision or "", _tr("尚未选择"))
        self.decision_label.setText(text)
        self.decision_label.setStyleSheet("color: #067647;" if decision else "color: #b54708;")

    def _photos(self, side: str, values: Mapping[str, Any]) -> QWidget:
        cell = QWidget()
        row = QHBoxLayout(cell)
        row.setContentsMargins(0, 0, 0, 0)
        count = QLabel(_value_text("照片", values.get("照片", 0)))
        count.setObjectName("photoCount")
        row.addWidget(count)
        shas = values.get("照片sha256") or []
        for sha in list(shas)[:MAX_THUMBS]:
            pixmap = self._pixmap(side, str(sha))
            if pixmap is None:
                continue
            thumb = QLabel()
            thumb.setObjectName("conflictThumb")
            thumb.setPixmap(pixmap)
            thumb.setToolTip(str(sha)[:12])
            row.addWidget(thumb)
        row.addStretch(1)
        return cell

    def _pixmap(self, side: str, sha: str) -> QPixmap | None:
        key = f"{side}:{sha}"
        if key not in self._pixmaps:
            source = self._sources.get(side)
            data = source(sha) if source is not None else None
            pixmap = QPixmap()
            if data and pixmap.loadFromData(data):
                scaled = pixmap.scaled(
                    THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
                )
                self._pixmaps[key] = scaled
            else:
                self._pixmaps[key] = None
        return self._pixmaps[key]
