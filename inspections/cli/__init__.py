"""The command line: headless jobs over the same services the window uses.

Each module in COMMAND_MODULES has ``register(subparsers)`` adding its sub-commands; a handler takes the parsed
arguments and a lazily opened database, prints, and returns an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from inspections.errors import UserError
from models.version import __version__

GuiStarter = Callable[[str | None, Path, Path | None], int]
"""Starts the window: (database URL, data directory, an exchange package to preview at once) → exit code."""

PACKAGE_SUFFIXES = (".ygpkg", ".zip")
"""A lone argument with one of these suffixes is a package to open in the window (double-click in Explorer)."""

COMMAND_MODULES = [
    "inspections.cli.core",
    "inspections.cli.documents",
    "inspections.cli.maintenance",
    "inspections.cli.exchange",
    "inspections.cli.photos",
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
    package to preview where the only argument is a package file."""
    parser = build_parser()
    argv, package = _package_argument(list(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    if args.command is None:
        from models.database import default_data_dir

        if gui is None:
            parser.print_help()
            return 2
        return gui(args.database, args.data_dir or default_data_dir(), package)
    try:
        return int(args.handler(args))
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
