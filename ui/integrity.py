"""The scheduled full data check (`check --full`) in the window: on a thread of its own, weekly by default.

A full check of a city's database reads gigabytes for minutes; it runs beside the window's worker thread (SQLite in
WAL mode lets it read while the user works) so that nothing the user does waits for it. Its outcome is remembered in
the database (``inspections.integrity``) and shown in 设置; a failed check also says so in the status bar.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from ui.context import AppContext

if TYPE_CHECKING:
    from inspections.integrity import CheckReport

log = logging.getLogger(__name__)

INTERVAL_DAYS = "integrity/full_check_days"
DEFAULT_INTERVAL_DAYS = 7
FIRST_LOOK_MS = 60 * 1000  # after start: leave the first minute to the user
LOOK_EVERY_MS = 60 * 60 * 1000


class CheckStopped(Exception):
    """The window is closing: the check stops where it is (nothing is remembered)."""


def tr(text: str) -> str:
    return QCoreApplication.translate("integrity", text)


def interval_days(context: AppContext) -> int:
    """Days between full checks (0: never by schedule); a local preference."""
    try:
        days = int(str(context.settings.value(INTERVAL_DAYS, DEFAULT_INTERVAL_DAYS) or 0))
    except (TypeError, ValueError):
        days = DEFAULT_INTERVAL_DAYS
    return max(0, min(days, 365))


class IntegrityScheduler(QObject):
    """Runs a full check when one is due (or when asked) on its own thread; reports on the GUI thread.

    Signals:
        progress(int, int, str): how far the running check has got.
        finished(object): the CheckReport of a check that ran to its end.
        failed(str): a check that could not run (the message, in Chinese).
    """

    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.finished.connect(self._announce)
        self._timer = QTimer(self)
        self._timer.setInterval(LOOK_EVERY_MS)
        self._timer.timeout.connect(self.run_if_due)

    def start(self) -> None:
        QTimer.singleShot(FIRST_LOOK_MS, self, self.run_if_due)
        self._timer.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def run_if_due(self) -> None:
        days = interval_days(self.context)
        if days == 0 or self.running or self.context.db is None:
            return

        def due(session: Any) -> bool:
            from inspections.integrity import last_checks

            _last, last_full = last_checks(session)
            return last_full is None or datetime.now().astimezone() - last_full.at >= timedelta(days=days)

        def start_if(yes: bool) -> None:
            if yes:
                self.run_now()

        self.context.read(due, start_if)

    def run_now(self) -> bool:
        """Start a full check now (False if one is already running or no database is open)."""
        db = self.context.db
        if self.running or db is None:
            return False
        self._stop.clear()

        def report(done: int, total: int, what: str) -> None:
            if self._stop.is_set():
                raise CheckStopped()
            self.progress.emit(done, total, what)

        def work() -> None:
            from inspections.integrity import check_database

            try:
                result = check_database(db, report, full=True)
            except CheckStopped:
                return
            except Exception as exc:  # logged and told; a background check must never take the window down
                log.warning("scheduled full check failed", exc_info=exc)
                if not self._stop.is_set():
                    self.failed.emit(tr("数据核对未能完成：{0}").format(exc))
                return
            if not self._stop.is_set():
                self.finished.emit(result)

        self._thread = threading.Thread(target=work, name="yuangan-check", daemon=True)
        self._thread.start()
        return True

    def stop(self, timeout: float = 10.0) -> None:
        """Ask a running check to stop and wait for it (before the database is closed)."""
        self._timer.stop()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _announce(self, result: CheckReport) -> None:
        if not result.ok:
            self.context.message.emit(
                tr("数据核对发现 {0} 个问题：请在“设置 → 数据核对”查看，或在命令行运行 check --full").format(
                    len(result.problems)
                )
            )


def scheduler_of(context: AppContext) -> IntegrityScheduler | None:
    found = getattr(context, "integrity", None)
    return found if isinstance(found, IntegrityScheduler) else None


def schedule_full_checks(context: AppContext) -> IntegrityScheduler:
    """Create (once) and start the scheduler; kept on the context so 设置 can show and start checks."""
    scheduler = scheduler_of(context)
    if scheduler is None:
        scheduler = IntegrityScheduler(context, context)
        context.integrity = scheduler  # type: ignore[attr-defined]
        scheduler.start()
    return scheduler
