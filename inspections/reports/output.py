"""Writing a finished document: rendered in memory first, then put in place whole, or a clear error."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import IO

from inspections.errors import UserError

Output = str | Path | IO[bytes]

Progress = Callable[[int, int, str], None]
"""``progress(done, total, text)``: how far a long export has got (text in Chinese, for the user)."""


def _no_progress(_done: int, _total: int, _text: str) -> None:
    pass


_progress: ContextVar[Progress] = ContextVar("report_progress", default=_no_progress)


@contextlib.contextmanager
def reporting_progress(progress: Progress) -> Iterator[None]:
    """Within the block, long exports report to ``progress`` (the terminal's line, the window's progress dialog)."""
    token = _progress.set(progress)
    try:
        yield
    finally:
        _progress.reset(token)


def current_progress() -> Progress:
    """Where a long export reports its progress (nowhere unless ``reporting_progress`` is active)."""
    return _progress.get()


def deliver(render: Callable[[IO[bytes]], None], out: Output) -> None:
    """Render into ``out``: a stream directly, a path through memory and a temporary file beside it.

    A file is only replaced once the whole document exists, so a failed render never leaves half a PDF where the
    previous one was; a file that cannot be written (open in Excel or a PDF reader, a read-only folder) is a
    ``UserError`` in Chinese rather than a traceback.
    """
    if not isinstance(out, str | Path):
        render(out)
        return
    buffer = io.BytesIO()
    render(buffer)
    write_file(Path(out), buffer.getvalue())


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, then rename)."""
    temporary = path.with_name(f".{path.name}.part")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as err:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise write_error(path, err) from err


def write_error(path: Path, err: OSError) -> UserError:
    """The Chinese message for a file that could not be written."""
    return UserError(f"无法写入文件“{path}”：{_reason(err)}")


def _reason(err: OSError) -> str:
    if isinstance(err, PermissionError):
        return "没有写入权限，或文件正被其他程序（如 Excel、PDF 阅读器）打开，请关闭后重试"
    if isinstance(err, FileNotFoundError):
        return "所在文件夹不存在"
    if isinstance(err, IsADirectoryError):
        return "这是一个文件夹，请指定文件名"
    return err.strerror or str(err)
