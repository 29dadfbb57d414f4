"""Unexpected errors: logged to <data_dir>/logs/yuangan.log and shown in a dialog with details, never a silent crash."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

log = logging.getLogger("yuangan")

LOG_NAME = "yuangan.log"


def setup_logging(data_dir: Path) -> Path:
    """Log to a rotating file in the data directory; returns the log file's path."""
    log_dir = data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_NAME
    root = logging.getLogger()
    if not any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def format_exception(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def show_error_dialog(parent: QWidget | None, exc: BaseException, log_path: Path | None = None) -> QMessageBox:
    """Show an unexpected error with its details; the user can go on working."""
    tr = QCoreApplication.translate
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(tr("crash", "程序出错"))
    box.setText(tr("crash", "发生了一个意外错误。已保存的数据不受影响，您可以继续工作。"))
    info = tr("crash", "错误：{0}").format(f"{type(exc).__name__}: {exc}")
    if log_path is not None:
        info += "\n" + tr("crash", "详细信息已记录到 {0}").format(str(log_path))
    box.setInformativeText(info)
    box.setDetailedText(format_exception(exc))
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
