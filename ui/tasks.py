"""Background work: one worker thread for database and file work, results back on the GUI thread through a signal.

Like Anki's CollectionOp: ``runner.run_in_background(fn, on_success, on_failure)``. A UserError becomes a clear
message box, anything else goes to the error dialog (through sys.excepthook). Long work can show a progress dialog
and be cancelled: the callable then receives a :class:`Progress` it may report to and poll.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from inspections.errors import InvalidInputError, UserError

MAX_SHOWN_PROBLEMS = 8
MAX_DETAILED_PROBLEMS = 500

T = TypeVar("T")


class TaskCancelled(Exception):
    """Raised by a callable that saw :meth:`Progress.cancelled` and stopped."""


class Progress:
    """Handed to a long-running callable: report how far it got, and ask whether the user cancelled."""

    def __init__(self, report: Callable[[int, int, str], None]) -> None:
        self._report = report
        self.event = threading.Event()

    def update(self, done: int, total: int, text: str = "") -> None:
        self._report(done, total, text)

    def cancelled(self) -> bool:
        return self.event.is_set()

    def check(self) -> None:
        """Raise TaskCancelled if the user cancelled."""
        if self.event.is_set():
            raise TaskCancelled()


def show_user_error(parent: QWidget | None, exc: UserError) -> QMessageBox:
    """A mistake the user can fix: its Chinese message, nothing more."""
    text = str(exc)
    problems = exc.problems if isinstance(exc, InvalidInputError) else []
    if len(problems) > MAX_SHOWN_PROBLEMS:
        # A long list goes to the details; the message shows the first few.
        head = text.splitlines()[0]
        shown = "\n".join(str(p) for p in problems[:MAX_SHOWN_PROBLEMS])
        more = QCoreApplication.translate("tasks", "……其余 {0} 个问题见“详细信息”").format(
            len(problems) - MAX_SHOWN_PROBLEMS
        )
        text = f"{head}\n{shown}\n{more}"
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        QCoreApplication.translate("tasks", "无法完成操作"),
        text,
        QMessageBox.StandardButton.Ok,
        parent,
    )
    if text != str(exc):
        details = [str(p) for p in problems[:MAX_DETAILED_PROBLEMS]] if problems else [str(exc)]
        if len(problems) > MAX_DETAILED_PROBLEMS:
            details.append(
                QCoreApplication.translate("tasks", "……另有 {0} 个问题未列出").format(
                    len(problems) - MAX_DETAILED_PROBLEMS
                )
            )
        box.setDetailedText("\n".join(details))
    box.setObjectName("userErrorDialog")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.open()
    return box


class TaskRunner(QObject):
    """Runs callables one after another on a single worker thread.

    Signals:
        busy_changed(bool): whether any task is queued or running.
    """

    busy_changed = Signal(bool)
    _deliver = Signal(object)  # a closure to call on the GUI thread
    _progress = Signal(object, int, int, str)  # dialog, done, total, text

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="yuangan-db")
        self._pending = 0
        self._closed = False
        self._deliver.connect(self._on_deliver, Qt.ConnectionType.QueuedConnection)
        self._progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self.last_error_box: QMessageBox | None = None

    @property
    def pending(self) -> int:
        return self._pending

    def run_in_background(
        self,
        fn: Callable[..., T],
        on_success: Callable[[T], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        *,
        parent: QWidget | None = None,
        progress: str | None = None,
        cancellable: bool = False,
    ) -> Future[T]:
        """Run ``fn`` on the worker thread; call ``on_success(result)`` or ``on_failure(exc)`` on the GUI thread.

        With ``progress`` (a label), ``fn`` is called with a :class:`Progress` and a progress dialog is shown
        if the work lasts more than a moment; ``cancellable`` adds a 取消 button that sets ``Progress.event``.
        """
        if self._closed:
            # The application is quitting: nothing new starts.
            ignored: Future[T] = Future()
            ignored.cancel()
            return ignored
        dialog: QProgressDialog | None = None
        call: Callable[[], T]
        if progress is not None:
            dialog = shown = self._make_dialog(parent, progress, cancellable)

            def report(done: int, total: int, text: str, d: QProgressDialog = shown) -> None:
                self._progress.emit(d, done, total, text)

            reporter = Progress(report)
            # WORKAROUND: a bound method as the slot makes PySide watch its object with a weakref, and that object
            # dies on the worker thread, whose weakref callback then disconnects while the GUI thread closes the
            # dialog: a deadlock (Qt's connection lock vs the GIL). A lambda is kept by the connection itself.
            cancel_event = reporter.event
            dialog.canceled.connect(lambda: cancel_event.set())
            call = lambda: fn(reporter)  # noqa: E731
        else:
            call = fn
        self._set_pending(self._pending + 1)

        def work() -> T:
            try:
                result = call()
            except BaseException as exc:
                self._deliver.emit(lambda e=exc: self._finish(dialog, parent, None, e, on_success, on_failure))
                raise
            self._deliver.emit(lambda: self._finish(dialog, parent, result, None, on_success, on_failure))
            return result

        return self._executor.submit(work)

    def shutdown(self, wait: bool = True) -> None:
        """Stop accepting work and (by default) wait for what is running; call before the application quits."""
        self._closed = True
        self._executor.shutdown(wait=wait, cancel_futures=True)

    def _make_dialog(self, parent: QWidget | None, label: str, cancellable: bool) -> QProgressDialog:
        cancel = QCoreApplication.translate("tasks", "取消") if cancellable else ""
        dialog = QProgressDialog(label, cancel, 0, 0, parent)
        if not cancellable:
            dialog.setCancelButton(None)
        dialog.setObjectName("taskProgressDialog")
        dialog.setWindowTitle(QCoreApplication.translate("tasks", "请稍候"))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setValue(0)
        return dialog

    def _on_progress(self, dialog: QProgressDialog, done: int, total: int, text: str) -> None:
        if dialog.wasCanceled():
            return
        dialog.setMaximum(max(total, 0))
        dialog.setValue(min(done, total) if total > 0 else 0)
        if text:
            dialog.setLabelText(text)

    def _on_deliver(self, closure: Callable[[], None]) -> None:
        if not self._closed:
            closure()

    def _set_pending(self, n: int) -> None:
        was_busy = self._pending > 0
        self._pending = n
        if (n > 0) != was_busy:
            self.busy_changed.emit(n > 0)

    def _finish(
        self,
        dialog: QProgressDialog | None,
        parent: QWidget | None,
        result: Any,
        exc: BaseException | None,
        on_success: Callable[[Any], None] | None,
        on_failure: Callable[[BaseException], None] | None,
    ) -> None:
        self._set_pending(self._pending - 1)
        if dialog is not None:
            dialog.close()
            dialog.deleteLater()
        if exc is None:
            if on_success is not None:
                on_success(result)
            return
        if on_failure is not None:
            on_failure(exc)
        elif isinstance(exc, TaskCancelled):
            return
        elif isinstance(exc, UserError):
            self.last_error_box = show_user_error(parent, exc)
        else:
            # Unexpected: the global hook logs it and shows the error dialog (pytest-qt fails the test).
            sys.excepthook(type(exc), exc, exc.__traceback__)
