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

COMMAND_MODULES = [
    "inspections.cli.core",
    "inspections.cli.documents",
    "inspections.cli.maintenance",
    "inspections.cli.exchange",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py", description="院感督导：医院感染防控督导检查。不带子命令时启动图形界面。"
    )
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


def main(argv: Sequence[str] | None = None, *, gui: Callable[[str | None, Path], int] | None = None) -> int:
    """Run the command line; returns the process exit code (2 for a user's mistake, never a traceback).
    Without a sub-command, ``gui`` (the window, which this Qt-free package cannot import) is started."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from models.database import default_data_dir

        if gui is None:
            parser.print_help()
            return 2
        return gui(args.database, args.data_dir or default_data_dir())
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
