"""The GUI entry point: set up Qt (fonts, translations, error handling), open the database, show the window."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from ui import settings as keys
from ui.context import AppContext, DatabaseLike
from ui.crash import ExceptionHook, setup_logging, show_error_dialog
from ui.startup import install_fonts, install_translators
from ui.style import STYLE_SHEET
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with our name, fonts and translators (reuses an existing one, e.g. in tests)."""
    QCoreApplication.setOrganizationName("yuangan-duzao")
    QCoreApplication.setApplicationName("院感督导")
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv[:1])
    install_fonts(app)
    install_translators(app)
    app.setStyleSheet(STYLE_SHEET)
    return app


def open_context(db_url: str | None, data_dir: Path) -> AppContext:
    """Open the database and build the context the window runs on (tests and tools; the application itself shows
    its window first and opens the database in the background, see run_gui)."""
    settings = keys.open_settings(data_dir)
    db = _open_database(_database_url(db_url, settings), data_dir)
    return AppContext(data_dir, db, settings, TaskRunner(), describe_database(db))


def _database_url(db_url: str | None, settings: QSettings) -> str | None:
    return db_url or (str(settings.value(keys.DATABASE_URL, "") or "") or None)


def _open_database(url: str | None, data_dir: Path) -> DatabaseLike:
    from inspections.workspace import open_workspace

    return open_workspace(url, data_dir, backup=False)  # the daily backup runs in the background (see run_gui)


def describe_database(db: DatabaseLike) -> str:
    tr = QCoreApplication.translate
    path = getattr(db, "sqlite_path", None)
    if path is not None:
        return tr("app", "本机 ({0})").format(str(path))
    return tr("app", "服务器 ({0})").format(str(getattr(db, "url", "")))


def _close_on_signals(window: QWidget) -> Callable[[], None]:
    """Ctrl+C or SIGTERM closes the window the normal way (pending note saved, geometry remembered); returns what
    puts the previous handlers back."""
    import signal

    def close(_signum: int, _frame: object) -> None:
        QTimer.singleShot(0, window.close)

    previous = {number: signal.signal(number, close) for number in (signal.SIGINT, signal.SIGTERM)}
    # Python handles signals only when it runs: wake it up regularly while Qt waits for events.
    timer = QTimer(window)
    timer.setInterval(300)
    timer.timeout.connect(lambda: None)
    timer.start()

    def restore() -> None:
        for number, handler in previous.items():
            signal.signal(number, handler)

    return restore


BACKUP_CHECK_MS = 60 * 60 * 1000


def _schedule_backups(window: QWidget, context: AppContext) -> None:
    """The automatic backup, off the GUI thread: shortly after start, then hourly (it backs up once a day of use)."""
    from inspections.backup import auto_backup

    def check() -> None:
        db = context.db
        if db is not None:
            context.tasks.run_in_background(lambda: auto_backup(db), on_failure=lambda exc: log.warning("%s", exc))

    QTimer.singleShot(3000, window, check)
    timer = QTimer(window)
    timer.setInterval(BACKUP_CHECK_MS)
    timer.timeout.connect(check)
    timer.start()


Probe = Callable[[str, "MainWindow"], None]


def run_gui(db_url: str | None, data_dir: Path, *, probe: Probe | None = None) -> int:
    """Run the desktop application until its window closes; returns the exit code.

    The window is shown first, with the "opening" page; SQLAlchemy is imported and the database opened (and upgraded,
    if it is older) on the worker thread, then the user logs in where the database has users, and the pages load.
    ``probe`` (the benchmark's) is called with "shown" once the window has processed its first events and with
    "ready" once the database is open and the last page activated.
    """
    log_path = setup_logging(data_dir)
    app = create_application()
    hook = ExceptionHook(log_path)
    hook.install()
    settings = keys.open_settings(data_dir)
    url = _database_url(db_url, settings)
    context = AppContext(data_dir, None, settings, TaskRunner())

    from ui.main_window import MainWindow

    window = MainWindow(context)
    window.closed.connect(app.quit)  # also where another top-level window (a dialog) is still open
    window.show()
    restore_signals = _close_on_signals(window)
    opened: list[DatabaseLike] = []  # also closed at exit if the window was closed while it was opening
    exit_code = 0

    def open_in_background() -> DatabaseLike:
        db = _open_database(url, data_dir)
        opened.append(db)
        return db

    def on_open(db: DatabaseLike) -> None:
        context.attach(db, describe_database(db))
        if not window.isVisible():
            return  # closed while the database was opening
        from ui.dialogs.login import login

        window.opening.label.setText(QCoreApplication.translate("app", "数据库已打开。"))
        if not login(context, window):  # the database has users and the login was cancelled
            window.close()
            return
        window.database_ready()
        _schedule_backups(window, context)
        if probe is not None:
            probe("ready", window)

    def on_open_failed(exc: BaseException) -> None:
        nonlocal exit_code
        exit_code = 1
        log.error("cannot open the database", exc_info=exc)
        box = show_error_dialog(window, exc, log_path)
        box.setText(QCoreApplication.translate("app", "无法打开数据库。"))
        box.exec()
        window.close()

    def start() -> None:
        if probe is not None:
            probe("shown", window)
        context.tasks.run_in_background(open_in_background, on_open, on_open_failed, parent=window)

    QTimer.singleShot(0, start)
    try:
        code = app.exec()
        return exit_code or code
    finally:
        context.tasks.shutdown(wait=True)
        restore_signals()
        hook.uninstall()
        for db in opened:
            close = getattr(db, "close", None)
            if callable(close):
                close()
