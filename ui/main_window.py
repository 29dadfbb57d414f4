"""The main window: navigation on the left, a stack of pages, a search box and a status bar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSize, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QStatusBar,
    QToolBar,
    QToolButton,
    QWidget,
)

from ui import settings as keys
from ui.context import AppContext
from ui.pages.base import Page, PlaceholderPage
from ui.pages.welcome import OpeningPage, WelcomePage

if TYPE_CHECKING:
    from ui.dialogs.packages import PackageActions

PAGE_KEYS = ("dashboard", "rounds", "inspections", "findings", "institutions", "checklists", "settings")


class MainWindow(QMainWindow):
    """The application window.

    It can be shown before its database is open (the start-up path, see ui/app.py): it then shows the "opening" page
    with the navigation disabled until ``database_ready`` is called. Given a context with an open database, it is
    ready at once.

    Attributes:
        pages: the pages by key (see PAGE_KEYS), plus "welcome", "opening" and, once opened, "editor".
        packages: the 数据包 menu's actions, once the database is ready.

    Signals:
        ready: the database is open and the last page shown (the pages load their data from here on).
        closed: the window was closed (pending work written, geometry saved).
    """

    ready = Signal()
    closed = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle(self.tr("院感督导"))
        self.setMinimumSize(QSize(1024, 640))
        self.pages: dict[str, Page] = {}
        self.last_dialog: QWidget | None = None
        self.packages: PackageActions | None = None
        self._current_key = ""
        self._ready = False

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(132)
        self.nav.setSpacing(2)
        font = self.nav.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.nav.setFont(font)
        self.stack = QStackedWidget()
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        for number, (key, title) in enumerate(zip(PAGE_KEYS, self._titles(), strict=True), start=1):
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setToolTip(f"{title} (Ctrl+{number})")
            self.nav.addItem(item)
            shortcut = QShortcut(QKeySequence(f"Ctrl+{number}"), self)
            shortcut.activated.connect(lambda k=key: self.show_page(k))
        self.nav.currentRowChanged.connect(self._on_nav_row_changed)

        self._build_toolbar()
        self._build_status_bar()

        self.welcome = WelcomePage(context)
        self._add_page("welcome", self.welcome)
        self.opening = OpeningPage(context)
        self._add_page("opening", self.opening)
        context.saved.connect(self._on_saved)
        context.changed.connect(self._on_data_changed)
        context.message.connect(lambda text: self.statusBar().showMessage(text, 8000))

        self._restore_geometry()
        if context.db is not None:
            self.database_ready()
        else:
            self.nav.setEnabled(False)
            self.search.setEnabled(False)
            self._switch_to("opening")

    def database_opened(self) -> None:
        """The database is open; the login (where it has users) comes next: say where the data is and wait."""
        self.db_label.setText(self.tr("数据库：{0}").format(self.context.db_label))
        self.opening.show_text(self.tr("请登录"), busy=False)

    def database_ready(self) -> None:
        """The context's database is open (and the user logged in where it has users): enable everything, show the
        page used last."""
        if self._ready:
            return
        self._ready = True
        from ui.dialogs.packages import PackageActions
        from ui.pages import registry

        self.packages = PackageActions(self.context, self)
        registry.connect_welcome(self)
        self.nav.setEnabled(True)
        self.search.setEnabled(True)
        self._enable_package_actions()
        self.db_label.setText(self.tr("数据库：{0}").format(self.context.db_label or self.tr("未打开")))
        self._update_user()
        self._load_search_names()
        last = str(self.context.settings.value(keys.LAST_PAGE, "dashboard") or "dashboard")
        self.show_page(last if last in PAGE_KEYS else "dashboard")
        self.ready.emit()

    # -- building ---------------------------------------------------------------------------------------------

    def _titles(self) -> list[str]:
        return [
            self.tr("工作台"),
            self.tr("督导批次"),
            self.tr("检查记录"),
            self.tr("整改跟踪"),
            self.tr("医疗机构"),
            self.tr("检查表"),
            self.tr("设置"),
        ]

    def _build_toolbar(self) -> None:
        bar = self.addToolBar(self.tr("工具栏"))
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        title = QLabel(self.tr("院感督导"))
        font = title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        title.setFont(font)
        title.setContentsMargins(8, 0, 24, 0)
        bar.addWidget(title)
        spacer = QWidget()
        spacer.setSizePolicy(spacer.sizePolicy().Policy.Expanding, spacer.sizePolicy().Policy.Preferred)
        bar.addWidget(spacer)
        self.search = QLineEdit()
        self.search.setObjectName("globalSearch")
        self.search.setPlaceholderText(self.tr("搜索机构/检查… (Ctrl+K)"))
        self.search.setClearButtonEnabled(True)
        self.search.setFixedWidth(280)
        self.search.returnPressed.connect(self._on_search)
        self._search_names = QStringListModel(self)
        completer = QCompleter(self._search_names, self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.activated.connect(lambda _text: self._on_search())
        self.search.setCompleter(completer)
        bar.addWidget(self.search)
        QShortcut(QKeySequence("Ctrl+K"), self).activated.connect(self._focus_search)
        self._build_package_menu(bar)
        self.user_label = QLabel()
        self.user_label.setContentsMargins(16, 0, 8, 0)
        bar.addWidget(self.user_label)
        self._update_user()

    def _build_package_menu(self, bar: QToolBar) -> None:
        """The 数据包 button: export / import exchange packages (see ui/dialogs/packages.py)."""
        menu = QMenu(self)
        self.package_actions: dict[str, QAction] = {}
        for key, text in (
            ("export_inspections", self.tr("导出检查数据包…")),
            ("import", self.tr("导入数据包…")),
            ("export_rectification", self.tr("导出整改通知包…")),
            ("export_feedback", self.tr("导出整改反馈包…")),
        ):
            action = menu.addAction(text)
            self.package_actions[key] = action
        self.package_actions["export_inspections"].triggered.connect(lambda: self._package("export", "inspections"))
        self.package_actions["import"].triggered.connect(lambda: self._package("import_package"))
        self.package_actions["export_rectification"].triggered.connect(lambda: self._package("export", "rectification"))
        self.package_actions["export_feedback"].triggered.connect(lambda: self._package("export", "feedback"))
        button = QToolButton()
        button.setObjectName("packageButton")
        button.setText(self.tr("数据包"))
        button.setToolTip(self.tr("导出或导入数据包：检查数据、整改通知、整改反馈"))
        button.setMenu(menu)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setEnabled(False)  # until the database is open
        self.package_button = button
        bar.addWidget(button)

    def _package(self, action: str, *args: str) -> None:
        if self.packages is not None:
            getattr(self.packages, action)(*args)

    def _enable_package_actions(self) -> None:
        user = self.context.user
        hospital = user is not None and user.role == "hospital"
        # A hospital's officer only sends feedback back; the commission's packages are not theirs to make.
        self.package_actions["export_inspections"].setEnabled(not hospital)
        self.package_actions["export_rectification"].setEnabled(not hospital)
        self.package_button.setEnabled(self.context.db is not None)

    def _build_status_bar(self) -> None:
        bar = QStatusBar()
        self.setStatusBar(bar)
        self.saved_label = QLabel("")
        self.saved_label.setObjectName("savedLabel")
        where = self.tr("正在打开…") if self.context.db is None else self.context.db_label
        self.db_label = QLabel(self.tr("数据库：{0}").format(where))
        self.date_label = QLabel()
        bar.addWidget(self.saved_label)
        bar.addWidget(self.db_label, 1)
        bar.addPermanentWidget(self.date_label)
        self._update_date()
        self._date_timer = QTimer(self)
        self._date_timer.setInterval(60_000)
        self._date_timer.timeout.connect(self._update_date)
        self._date_timer.start()

    def _add_page(self, key: str, page: Page) -> None:
        self.pages[key] = page
        self.stack.addWidget(page)

    def page(self, key: str) -> Page:
        """The page for ``key``, created on first use."""
        if key not in self.pages:
            factory = self.page_factories().get(key)
            page = factory(self.context) if factory else PlaceholderPage(self.context, key)
            self._add_page(key, page)
            self._connect_page(key, page)
        return self.pages[key]

    def page_factories(self) -> dict[str, Callable[[AppContext], Page]]:
        """The page classes by key; a page whose services do not exist yet stays a placeholder."""
        from ui.pages import registry

        return registry.factories(self)

    def _connect_page(self, key: str, page: Page) -> None:
        from ui.pages import registry

        registry.connect(self, key, page)

    # -- navigation -------------------------------------------------------------------------------------------

    def show_page(self, key: str) -> None:
        if not self._ready:
            return  # the database is still opening: the navigation waits for it
        if key in PAGE_KEYS:
            row = PAGE_KEYS.index(key)
            if self.nav.currentRow() != row:
                self.nav.setCurrentRow(row)  # comes back through _on_nav_row_changed
                return
        self._switch_to(key)

    def show_widget_page(self, key: str, page: Page, nav_key: str) -> None:
        """Show a page that is not in the navigation (the inspection editor), keeping ``nav_key`` selected."""
        if key in self.pages and self.pages[key] is not page:
            old = self.pages.pop(key)
            self.stack.removeWidget(old)
            old.deleteLater()
        if key not in self.pages:
            self._add_page(key, page)
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(PAGE_KEYS.index(nav_key))
        self.nav.blockSignals(False)
        self._switch_to(key)

    def current_key(self) -> str:
        return self._current_key

    def _on_nav_row_changed(self, row: int) -> None:
        if 0 <= row < len(PAGE_KEYS):
            self._switch_to(PAGE_KEYS[row])

    def _switch_to(self, key: str) -> None:
        if key == "dashboard" and self.needs_welcome():
            key = "welcome"
        page = self.pages[key] if key in ("welcome", "opening") else self.page(key)
        if self._current_key and self._current_key in self.pages:
            self.pages[self._current_key].deactivate()
        self._current_key = key
        self.stack.setCurrentWidget(page)
        page.activate()
        if key in PAGE_KEYS:
            self.context.settings.setValue(keys.LAST_PAGE, key)

    def needs_welcome(self) -> bool:
        """True on an empty database: the dashboard is replaced by what to do next."""
        from ui.pages import registry

        return registry.database_is_empty(self.context)

    # -- status bar and search --------------------------------------------------------------------------------

    def _on_saved(self, when: dt.datetime) -> None:
        self.saved_label.setText(self.tr("已保存 {0}").format(when.strftime("%H:%M:%S")))

    def _update_date(self) -> None:
        self.date_label.setText(dt.date.today().isoformat())

    def _update_user(self) -> None:
        user = self.context.user
        if user is not None:
            from inspections.labels import ROLES

            role = ROLES.get(user.role, user.role)
            self.user_label.setText(self.tr("{0}（{1}）").format(user.display_name or user.username, role))
            return
        name = str(self.context.settings.value(keys.INSPECTOR_NAME, "") or "")
        self.user_label.setText(name)

    def _on_data_changed(self, area: str) -> None:
        if area in ("institutions", "all"):
            self._load_search_names()
        if area == "settings":
            self._update_user()

    def _load_search_names(self) -> None:
        if self.context.db is None:
            return
        from inspections.institutions import institution_names

        self.context.read(lambda s: list(institution_names(s).values()), self._search_names.setStringList)

    def _focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _on_search(self) -> None:
        from ui.pages import registry

        registry.global_search(self, self.search.text().strip())

    # -- geometry ---------------------------------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        geometry = self.context.settings.value(keys.GEOMETRY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1366, 768)

    def closeEvent(self, event: QCloseEvent) -> None:
        for page in self.pages.values():
            page.close_page()
        self.context.settings.setValue(keys.GEOMETRY, self.saveGeometry())
        self.context.settings.sync()
        super().closeEvent(event)
        self.closed.emit()
