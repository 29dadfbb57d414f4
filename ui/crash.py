"""Unexpected errors: logged with their traceback to <data_dir>/logs/yuangan.log and shown in a dialog as one
Chinese line naming that file (the same rule as the command line, see inspections.crashlog) — never a traceback in
a dialog, never a silent crash."""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from inspections.crashlog import LOG_NAME, format_exception, setup_logging

__all__ = ["LOG_NAME", "ExceptionHook", "format_exception", "setup_logging", "show_error_dialog"]

log = logging.getLogger("yuangan")


def show_error_dialog(parent: QWidget | None, exc: BaseException, log_path: Path | None = None) -> QMessageBox:
    """Show an unexpected error as one line naming the log (its traceback is in the log); the user can go on."""
    tr = QCoreApplication.translate
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(tr("crash", "程序出错"))
    box.setText(tr("crash", "发生了一个意外错误。已保存的数据不受影响，您可以继续工作。"))
    where = (
        tr("crash", "详细信息已记录到 {0}").format(str(log_path))
        if log_path is not None
        else tr("crash", "无法写入日志文件")
    )
    box.setInformativeText(tr("crash", "程序内部错误（{0}）；{1}，请把该文件发给技术支持。").format(
        type(exc).__name__, where
    ))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setObjectName("errorDialog")
    box.open()
    return box


class ExceptionHook(QObject):
    """Replaces sys.excepthook (and threading.excepthook): log, then show the error dialog on the GUI thread.

    Signals:
        caught: an exception arrived (carried across threads to the GUI thread).
    """

    caught = Signal(object)

    def __init__(self, log_path: Path | None) -> None:
        super().__init__()
        self.log_path = log_path
        self.dialogs: list[QMessageBox] = []
        self._showing = False
        self.caught.connect(self._on_caught)

    def install(self) -> None:
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook

    def uninstall(self) -> None:
        sys.excepthook = sys.__excepthook__
        threading.excepthook = threading.__excepthook__

    def _excepthook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        exc.__traceback__ = tb
        self.handle(exc)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self.handle(args.exc_value)

    def handle(self, exc: BaseException) -> None:
        log.error("unexpected error\n%s", format_exception(exc))
        for handler in logging.getLogger().handlers:
            handler.flush()
        self.caught.emit(exc)

    def _on_caught(self, exc: BaseException) -> None:
        app = QApplication.instance()
        if app is None or QThread.currentThread() is not app.thread() or self._showing:
            return
        self._showing = True
        try:
            parent = QApplication.activeWindow()
            box = show_error_dialog(parent, exc, self.log_path)
            self.dialogs.append(box)
            box.finished.connect(lambda _r, b=box: self.dialogs.remove(b) if b in self.dialogs else None)
        finally:
            self._showing = False
