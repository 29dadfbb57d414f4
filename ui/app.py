"""The GUI entry point: set up Qt (fonts, translations, error handling), show the window, open the database."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QSettings, QThread, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget

from inspections.errors import UserError
from models.version import __version__
from ui import settings as keys
from ui.context import AppContext, DatabaseLike
from ui.crash import ExceptionHook, setup_logging
from ui.startup import install_fonts, install_translators
from ui.style import STYLE_SHEET
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from inspections.backup import BackupInfo
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
    path = getattr(db, "sqlite_path", None)
    if path is not None:
        return tr("本机 ({0})").format(str(path))
    return tr("服务器 ({0})").format(str(getattr(db, "url", "")))


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


def tr(text: str) -> str:
    return QCoreApplication.translate("app", text)


def _explain(exc: BaseException, log_path: Path | None = None) -> str:
    """A known problem's Chinese message as it is; anything else as one line naming the log that holds its
    traceback (never the traceback itself)."""
    from inspections.crashlog import unexpected_message
    from models.database import StorageError

    if isinstance(exc, UserError | StorageError):
        return str(exc)
    return unexpected_message(exc, log_path)


def _local_backups(url: str | None, data_dir: Path) -> tuple[list[BackupInfo], BackupInfo | None]:
    """The backups that could replace the database at ``url`` (none for a server database), and the newest regular
    one (a copy kept before an earlier restore is never offered as "the newest backup")."""
    from inspections import backup

    try:
        backup.database_path_for(url, data_dir)
    except UserError:
        return [], None
    found = backup.list_backups(data_dir)
    return found, next((b for b in found if b.kind in backup.REGULAR_KINDS), None)


def _restore(url: str | None, data_dir: Path, file: Path) -> str:
    from inspections import backup
    from inspections.workspace import current_actor

    target = backup.database_path_for(url, data_dir)
    result = backup.restore(target, file, actor=current_actor(data_dir), data_dir=data_dir)
    return result.message


def ask_what_to_do_when_unopenable(
    window: QWidget, exc: BaseException, log_path: Path, url: str | None, data_dir: Path
) -> Path | None:
    """The database cannot be opened: say why and, where there are backups of it, offer to restore the newest (or
    a chosen) one; returns the backup to restore, or None to quit."""
    from inspections.workspace import DatabaseTooNewError

    # A database a newer program has upgraded is fine: the answer is that program, not an older backup.
    backups, latest = ([], None) if isinstance(exc, DatabaseTooNewError) else _local_backups(url, data_dir)
    box = QMessageBox(window)
    box.setObjectName("openFailedDialog")
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(tr("无法打开数据库"))
    box.setText(tr("无法打开数据库。"))
    info = _explain(exc, log_path)
    if latest is not None:
        info += "\n\n" + tr("最近的备份：{0}（{1}）。恢复时，当前的数据库文件会先另存一份，不会丢失。").format(
            latest.name, latest.created.strftime("%Y-%m-%d %H:%M")
        )
    if str(log_path) not in info:
        info += "\n" + tr("详细信息已记录到 {0}").format(str(log_path))
    box.setInformativeText(info)
    latest_button = box.addButton(tr("从最近的备份恢复"), QMessageBox.ButtonRole.AcceptRole) if latest else None
    choose_button = box.addButton(tr("选择备份文件…"), QMessageBox.ButtonRole.ActionRole) if backups else None
    quit_button = box.addButton(tr("退出"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(latest_button or quit_button)
    while True:
        box.exec()
        clicked = box.clickedButton()
        if latest is not None and clicked is latest_button:
            return latest.path
        if choose_button is None or clicked is not choose_button:
            return None
        chosen, _ = QFileDialog.getOpenFileName(
            window, tr("选择备份文件"), str(backups[0].path.parent), tr("数据库备份 (*.db);;所有文件 (*)")
        )
        if chosen:
            return Path(chosen)


def lock_wait_reporter(context: AppContext) -> Callable[[float, str], None]:
    """While a unit of work waits for another program's write lock (models.database waits up to LOCK_WAIT_SECONDS),
    the status bar says who holds the database and how long it has waited; on the GUI thread the window is
    repainted meanwhile (user input waits), so it does not look frozen."""

    def report(waited: float, holder: str) -> None:
        context.message.emit(tr("数据库正被{0}占用，正在等待（已等待 {1} 秒）…").format(holder, f"{waited:.0f}"))
        app = QCoreApplication.instance()
        if app is not None and QThread.currentThread() is app.thread():
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)

    return report


Probe = Callable[[str, "MainWindow"], None]


def run_gui(
    db_url: str | None, data_dir: Path, *, probe: Probe | None = None, package: Path | None = None
) -> int:
    """Run the desktop application until its window closes; returns the exit code.

    The window is shown first, with the "opening" page; SQLAlchemy is imported and the database opened (and upgraded,
    if it is older) on the worker thread, then the user logs in where the database has users, and the pages load.
    ``package`` (a double-clicked .ygpkg) is then checked and its import preview shown.
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
    reporters: list[Callable[[float, str], None] | None] = []  # the one replaced, to put back at exit
    opened: list[DatabaseLike] = []  # also closed at exit if the window was closed while it was opening
    exit_code = 0

    def open_in_background() -> DatabaseLike:
        from models.database import set_lock_wait_reporter  # here: SQLAlchemy is imported off the GUI thread

        if not reporters:
            reporters.append(set_lock_wait_reporter(lock_wait_reporter(context)))
        db = _open_database(url, data_dir)
        opened.append(db)
        return db

    def on_open(db: DatabaseLike) -> None:
        context.attach(db, describe_database(db))
        if not window.isVisible():
            return  # closed while the database was opening
        from ui.dialogs.login import login

        window.database_opened()
        if not login(context, window):  # the database has users and the login was cancelled
            window.close()
            return
        window.database_ready()
        log.info("院感督导 %s ready: %s, data directory %s", __version__, context.db_label, data_dir)
        _schedule_backups(window, context)
        if package is not None and window.packages is not None:
            window.packages.import_from(package)

        from ui.integrity import schedule_full_checks

        schedule_full_checks(context)
        if probe is not None:
            probe("ready", window)

    def on_open_failed(exc: BaseException) -> None:
        nonlocal exit_code
        log.error("cannot open the database", exc_info=exc)
        backup = ask_what_to_do_when_unopenable(window, exc, log_path, url, data_dir)
        if backup is None:
            exit_code = 1
            window.close()
            return
        window.opening.show_text(tr("正在从备份恢复…"))

        def restored(message: str) -> None:
            context.message.emit(message)
            window.opening.show_text(tr("正在打开数据库…"))
            open_database()

        def restore_failed(problem: BaseException) -> None:
            log.error("cannot restore %s", backup, exc_info=problem)
            box = QMessageBox(QMessageBox.Icon.Warning, tr("无法恢复"), _explain(problem, log_path), parent=window)
            box.exec()
            on_open_failed(exc)

        context.tasks.run_in_background(lambda: _restore(url, data_dir, backup), restored, restore_failed)

    def open_database() -> None:
        context.tasks.run_in_background(open_in_background, on_open, on_open_failed, parent=window)

    def start() -> None:
        if probe is not None:
            probe("shown", window)
        open_database()

    QTimer.singleShot(0, start)
    try:
        code = app.exec()
        # Closing the last window also posts a Quit of its own (quitOnLastWindowClosed): left in the queue it would
        # end the next event loop the moment it starts (the tests run several windows in one process).
        QCoreApplication.removePostedEvents(app, QEvent.Type.Quit)
        return exit_code or code
    finally:
        from ui.integrity import scheduler_of

        checking = scheduler_of(context)
        if checking is not None:
            checking.stop()
        context.tasks.shutdown(wait=True)
        restore_signals()
        hook.uninstall()
        if reporters:
            from models.database import set_lock_wait_reporter

            set_lock_wait_reporter(reporters[0])
        for db in opened:
            close = getattr(db, "close", None)
            if callable(close):
                close()
