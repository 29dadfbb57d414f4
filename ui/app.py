"""The GUI entry point: set up Qt (fonts, translations, error handling), open the database, show the window."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from ui import settings as keys
from ui.context import AppContext, DatabaseLike
from ui.crash import ExceptionHook, setup_logging, show_error_dialog
from ui.startup import install_fonts, install_translators
from ui.style import STYLE_SHEET
from ui.tasks import TaskRunner

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
    """Open the database and build the context the window runs on."""
    from inspections.workspace import open_workspace

    settings = keys.open_settings(data_dir)
    url = db_url or (str(settings.value(keys.DATABASE_URL, "") or "") or None)
    db = open_workspace(url, data_dir, backup=False)  # the daily backup runs in the background (see run_gui)
    label = describe_database(db)
    return AppContext(data_dir, db, settings, TaskRunner(), label)


def describe_database(db: DatabaseLike) -> str:
    tr = QCoreApplication.translate
    path = getattr(db, "sqlite_path", None)
    if path is not None:
        return tr("app", "本机 ({0})").format(str(path))
    return tr("app", "服务器 ({0})").format(str(getattr(db, "url", "")))


def _close_on_signals(window: QWidget) -> None:
    """Ctrl+C or SIGTERM closes the window the normal way (pending note saved, geometry remembered)."""
    import signal

    def close(_signum: int, _frame: object) -> None:
        QTimer.singleShot(0, window.close)

    signal.signal(signal.SIGINT, close)
    signal.signal(signal.SIGTERM, close)
    # Python handles signals only when it runs: wake it up regularly while Qt waits for events.
    timer = QTimer(window)
    timer.setInterval(300)
    timer.timeout.connect(lambda: None)
    timer.start()


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


def run_gui(db_url: str | None, data_dir: Path) -> int:
    """Run the desktop application until its window closes; returns the exit code."""
    log_path = setup_logging(data_dir)
    app = create_application()
    hook = ExceptionHook(log_path)
    hook.install()
    try:
        context = open_context(db_url, data_dir)
    except Exception as exc:
        log.exception("cannot open the database")
        box = show_error_dialog(None, exc, log_path)
        box.setText(QCoreApplication.translate("app", "无法打开数据库。"))
        box.exec()
        return 1

    from ui.dialogs.login import login

    if not login(context):  # the database has users and the login was cancelled
        context.tasks.shutdown(wait=True)
        hook.uninstall()
        close = getattr(context.db, "close", None)
        if callable(close):
            close()
        return 0

    from ui.main_window import MainWindow

    window = MainWindow(context)
    window.show()
    _close_on_signals(window)
    _schedule_backups(window, context)
    try:
        return app.exec()
    finally:
        context.tasks.shutdown(wait=True)
        hook.uninstall()
        close = getattr(context.db, "close", None)
        if callable(close):
            close()
