"""Unexpected errors, for the command line and the window alike: the traceback goes to ``DATA_DIR/logs/yuangan.log``,
the user sees one Chinese line naming that file (never a traceback on the terminal or in a dialog)."""

from __future__ import annotations

import logging
import logging.handlers
import tempfile
import traceback
from pathlib import Path

log = logging.getLogger("yuangan")

LOG_NAME = "yuangan.log"


def setup_logging(data_dir: Path) -> Path:
    """Log to a rotating file in the data directory's ``logs`` folder; returns the log file's path."""
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


def log_unexpected(exc: BaseException, data_dir: Path) -> Path | None:
    """Write ``exc`` with its traceback to the data directory's log (the temporary folder's when the data directory
    cannot be written); returns the log file, or None when no log could be written at all."""
    for folder in (data_dir, Path(tempfile.gettempdir()) / "yuangan-duzao"):
        try:
            path = setup_logging(folder)
        except OSError:
            continue
        log.error("unexpected error\n%s", format_exception(exc))
        for handler in logging.getLogger().handlers:
            if getattr(handler, "baseFilename", None) == str(path):
                handler.flush()
        return path
    return None


def unexpected_message(exc: BaseException, log_path: Path | None) -> str:
    """The one line a user sees for an unexpected error (without the 错误： prefix)."""
    where = f"详细信息已记录到 {log_path}" if log_path is not None else "且无法写入日志文件"
    name = type(exc).__name__
    return f"程序内部错误（{name}），本次操作未完成，已保存的数据不受影响；{where}，请把该文件发给技术支持"
