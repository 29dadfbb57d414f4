"""The first-start page on an empty database (what to do next, as two big buttons), and the page shown while the
database is being opened."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from ui.context import AppContext
from ui.pages.base import Page


class WelcomePage(Page):
    """Shown instead of empty tables while there are no institutions.

    Signals:
        import_requested: the user wants to import institutions from a file.
        demo_requested: the user wants the demo data loaded (the window asks first: it cannot be undone).
        shown: the page became the current page (a first start: the window asks who the user is).
    """

    import_requested = Signal()
    demo_requested = Signal()
    shown = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        title = QLabel(self.tr("欢迎使用院感督导"))
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 2)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(title)
        text = QLabel(
            self.tr("数据库中还没有医疗机构。先导入本辖区的医疗机构名单（Excel），或者载入演示数据看看各项功能。")
        )
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(text)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.import_button = self._big_button(self.tr("导入医疗机构…"), self.tr("从 Excel 表导入机构名单"))
        self.demo_button = self._big_button(self.tr("载入演示数据"), self.tr("虚构的机构、检查和整改，供熟悉功能"))
        self.import_button.clicked.connect(self.import_requested)
        self.demo_button.clicked.connect(self.demo_requested)
        buttons.addWidget(self.import_button)
        buttons.addSpacing(24)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        outer.addSpacing(24)
        outer.addLayout(buttons)
        caution = QLabel(self.tr("演示数据写入当前数据库，不能单独删除，建议只在试用时载入。"))
        caution.setAlignment(Qt.AlignmentFlag.AlignCenter)
        caution.setStyleSheet("color: #777;")
        outer.addSpacing(12)
        outer.addWidget(caution)
        outer.addStretch(2)

    def activate(self) -> None:
        super().activate()
        self.shown.emit()

    def _big_button(self, text: str, hint: str) -> QPushButton:
        button = QPushButton(f"{text}\n{hint}")
        button.setMinimumSize(260, 96)
        button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        font = button.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        button.setFont(font)
        return button


class OpeningPage(Page):
    """Shown from the moment the window appears until the database is open (a first start or an upgrade of an
    older database can take a few seconds)."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        self.label = QLabel(self.tr("正在打开数据库…"))
        self.label.setObjectName("openingLabel")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.label.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.label.setFont(font)
        outer.addWidget(self.label)
        self.bar = bar = QProgressBar()
        bar.setRange(0, 0)  # busy: how long an open or an upgrade takes is not known in advance
        bar.setFixedWidth(320)
        bar.setTextVisible(False)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(bar)
        row.addStretch(1)
        outer.addSpacing(12)
        outer.addLayout(row)
        outer.addStretch(2)

    def show_text(self, text: str, *, busy: bool = True) -> None:
        """What is happening now ("正在从备份恢复…", "请登录"); the busy bar only while work is under way."""
        self.label.setText(text)
        self.bar.setVisible(busy)
