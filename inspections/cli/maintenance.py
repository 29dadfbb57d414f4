"""Maintenance sub-commands: `backup`, `restore FILE`, `backups list`, `backups keep N`.

They work on the SQLite file without opening the workspace, so a damaged database can still be backed up and
replaced; a server database gets the message that its backups are the server's job (pg_dump).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from inspections.cli.core import MAX_CLI_INTEGER, bounded_int, print_json, print_table
from inspections.errors import UserError
from inspections.workspace import current_actor
from models.database import default_data_dir


def _data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data_dir) if args.data_dir else default_data_dir()


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, round(size / 1024))} KB"


def _login_on_file(args: argparse.Namespace, action: str) -> str:
    """Log in on the database these commands act on (when it has users) and return the audit name. A file that
    cannot be opened as this application's database has no users to ask: restoring over it is how it is repaired."""
    from sqlalchemy.exc import DatabaseError

    from inspections.backup import database_path_for
    from inspections.cli.core import login
    from inspections.storage import StorageError
    from inspections.workspace import open_workspace

    data_dir = _data_dir(args)
    path = database_path_for(args.database, data_dir)
    if not path.is_file():
        return current_actor(data_dir)
    try:
        db = open_workspace(args.database, data_dir, backup=False)  # a newer program's database: its UserError
    except (StorageError, DatabaseError):
        return current_actor(data_dir)
    try:
        with db.session() as s:
            user = login(s, action)
    finally:
        db.close()
    return user.username if user is not None else current_actor(data_dir)


def _backup(args: argparse.Namespace) -> int:
    from inspections.backup import backup_database, database_path_for

    data_dir = _data_dir(args)
    _login_on_file(args, "database.read")
    info = backup_database(database_path_for(args.database, data_dir), data_dir=data_dir)
    print(f"已备份到 {info.path}（{_size(info.size)}）")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from inspections.backup import database_path_for, restore

    data_dir = _data_dir(args)
    path = Path(args.file)
    if not path.exists():
        raise UserError(f"找不到备份文件 {path}")
    actor = _login_on_file(args, "database.restore")
    result = restore(database_path_for(args.database, data_dir), path, actor=actor, data_dir=data_dir)
    print(result.message)
    return 0


def _backups_list(args: argparse.Namespace) -> int:
    from inspections.backup import backup_dir, backup_keep, database_path_for, list_backups

    data_dir = _data_dir(args)
    database_path_for(args.database, data_dir)  # a server database: explain whose job backups are
    backups = list_backups(data_dir)
    if args.json:
        print_json(
            [
                {"file": str(b.path), "created": b.created, "kind": b.kind, "kind_label": b.kind_label, "size": b.size}
                for b in backups
            ]
        )
        return 0
    if not backups:
        print(f"尚无备份（备份文件夹：{backup_dir(data_dir)}）")
        return 0
    print_table(
        ["时间", "类型", "大小", "文件"],
        [[f"{b.created:%Y-%m-%d %H:%M:%S}", b.kind_label, _size(b.size), str(b.path)] for b in backups],
    )
    print(f"共 {len(backups)} 份；自动与手动备份保留最近 {backup_keep(data_dir)} 份")
    return 0


def _backups_keep(args: argparse.Namespace) -> int:
    from inspections.backup import backup_keep, set_backup_keep

    data_dir = _data_dir(args)
    if args.count is not None:
        set_backup_keep(data_dir, args.count)
    print(f"保留最近 {backup_keep(data_dir)} 份备份")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("backup", help="立即备份数据库（SQLite 在线备份，保存在数据目录的 backups 文件夹）")
    p.set_defaults(handler=_backup)

    p = sub.add_parser("restore", help="从备份文件恢复数据库（先保留当前数据库的副本）")
    p.add_argument("file", help="备份文件（.db）")
    p.set_defaults(handler=_restore)

    backups = sub.add_parser("backups", help="备份：列出、设置保留份数").add_subparsers(dest="action", required=True)
    p = backups.add_parser("list", help="列出备份，最新的在前")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(handler=_backups_list)
    p = backups.add_parser("keep", help="查看或设置保留的备份份数")
    p.add_argument("count", type=bounded_int(-MAX_CLI_INTEGER), nargs="?", default=None, help="保留份数（1–365）")
    p.set_defaults(handler=_backups_keep)
