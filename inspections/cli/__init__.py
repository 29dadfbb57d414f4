"""The command line: headless jobs over the same services the window uses.

Each module in COMMAND_MODULES has ``register(subparsers)`` adding its sub-commands; a handler takes the parsed
arguments and a lazily opened database, prints, and returns an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from inspections.errors import UserError
from inspections.text import terminal_safe
from models.version import __version__

GuiStarter = Callable[[str | None, Path, Path | None], int]
"""Starts the window: (database URL, data directory, an exchange package to preview at once) → exit code."""

PACKAGE_SUFFIXES = (".ygpkg", ".zip")
"""A lone argument with one of these suffixes is a package to open in the window (double-click in Explorer)."""

COMMAND_MODULES = [
    "inspections.cli.core",
    "inspections.cli.teams",  # adds to core's ``inspections`` group
    "inspections.cli.documents",
    "inspections.cli.maintenance",
    "inspections.cli.exchange",
    "inspections.cli.photos",
    "inspections.cli.rounds",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_program_name(),
        description="院感督导：医院感染防控督导检查。不带子命令时启动图形界面；"
        "只给一个数据包文件（.ygpkg）时启动图形界面并预览导入该数据包。",
    )
    parser.add_argument("--version", action="version", version=f"院感督导 {__version__}")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="数据目录（数据库、备份、日志、设置），默认为用户数据目录"
    )
    parser.add_argument(
        "--database", default=None, help="数据库 URL（任意 SQLAlchemy URL），默认为数据目录中的 SQLite 文件"
    )
    sub = parser.add_subparsers(dest="command", metavar="子命令")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


class _SafeStream(io.TextIOBase):
    """A text stream that escapes control characters before they reach the terminal (see ``terminal_safe``)."""

    def __init__(self, stream: TextIO, *, progress: bool) -> None:
        super().__init__()
        self.stream = stream
        self.progress = progress

    def write(self, text: str) -> int:
        self.stream.write(terminal_safe(text, progress=self.progress))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.stream.encoding


@contextmanager
def _safe_output() -> Iterator[None]:
    """While a command runs, nothing it prints (names, titles from files) can reach the terminal as a raw escape."""
    out, err = sys.stdout, sys.stderr
    sys.stdout = _SafeStream(out, progress=False)
    sys.stderr = _SafeStream(err, progress=True)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


def _quiet_broken_pipe() -> int:
    """The reader of our output went away (``… | head``): stop quietly, as other command-line tools do."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # nothing more, not even the final flush, goes to the closed pipe
    except (OSError, ValueError, io.UnsupportedOperation):
        pass
    return 141  # 128 + SIGPIPE, what a shell reports for a tool ended by a closed pipe


def _program_name() -> str:
    """How the user started us: ``yuangan`` for the built program, ``main.py`` from source."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return name if getattr(sys, "frozen", False) and name else "main.py"


def _package_argument(argv: list[str]) -> tuple[list[str], Path | None]:
    """Split off a lone package file given instead of a sub-command (how Explorer opens a double-clicked .ygpkg)."""
    if not argv or argv[-1].startswith("-") or Path(argv[-1]).suffix.lower() not in PACKAGE_SUFFIXES:
        return argv, None
    rest, i = argv[:-1], 0
    while i < len(rest):  # only --data-dir / --database may come before it (no sub-command)
        if rest[i] in ("--data-dir", "--database") and i + 1 < len(rest):
            i += 2
        elif rest[i].startswith(("--data-dir=", "--database=")):
            i += 1
        else:
            return argv, None
    return rest, Path(argv[-1])


def main(argv: Sequence[str] | None = None, *, gui: GuiStarter | None = None) -> int:
    """Run the command line; returns the process exit code (2 for a user's mistake, never a traceback).
    Without a sub-command, ``gui`` (the window, which this Qt-free package cannot import) is started, with the
    package to preview where the only argument is a package file.

    An unexpected error is written with its traceback to ``DATA_DIR/logs/yuangan.log``; the terminal shows one
    ``错误：`` line naming that file (exit code 1)."""
    parser = build_parser()
    argv, package = _package_argument(list(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    if args.command is None:
        from models.database import default_data_dir

        if gui is None:
            parser.print_help()
            return 2
        data_dir = args.data_dir or default_data_dir()
        return _run_reporting(lambda: gui(args.database, data_dir, package), args)  # the window reports lock waits
    try:
        with _safe_output():
            code = _guarded(lambda: int(args.handler(args)), args)
            sys.stdout.flush()  # a closed pipe shows here, not as a message after the program has ended
            return code
    except BrokenPipeError:
        return _quiet_broken_pipe()


class _LockWaitDisplay:
    """Says once that another program holds the database and, on a terminal, counts the seconds waited."""

    def __init__(self) -> None:
        self.said = False
        self.counting = False

    def __call__(self, waited: float, holder: str) -> None:
        from models.database import LOCK_WAIT_SECONDS

        if not self.said:
            self.said = True
            message = f"数据库正被{holder}占用，正在等待其完成（最长 {LOCK_WAIT_SECONDS} 秒）…"
            print(message, file=sys.stderr, flush=True)
        if sys.stderr.isatty():
            self.counting = True
            print(f"\r已等待 {waited:.0f} 秒\033[K", end="", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.counting:
            print("\r\033[K", end="", file=sys.stderr, flush=True)


def _guarded(run: Callable[[], int], args: argparse.Namespace) -> int:
    from models.database import set_lock_wait_reporter

    display = _LockWaitDisplay()
    previous = set_lock_wait_reporter(display)
    try:
        return _run_reporting(run, args)
    finally:
        set_lock_wait_reporter(previous)
        display.done()


def _run_reporting(run: Callable[[], int], args: argparse.Namespace) -> int:
    try:
        return run()
    except UserError as err:
        print(f"错误：{err}", file=sys.stderr)
        return 2
    except FileNotFoundError as err:
        print(f"错误：找不到文件 {err.filename}", file=sys.stderr)
        return 2
    except PermissionError as err:
        print(f"错误：没有权限访问 {err.filename}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已取消", file=sys.stderr)
        return 130
    except BrokenPipeError:
        raise
    except Exception as exc:  # the top-level rule: logged with its traceback, one line for the user
        from inspections.crashlog import log_unexpected, unexpected_message
        from models.database import default_data_dir

        log_path = log_unexpected(exc, args.data_dir or default_data_dir())
        print(f"错误：{unexpected_message(exc, log_path)}", file=sys.stderr)
        return 1
