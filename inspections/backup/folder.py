"""The backups folder: backup file names, the kept-count setting, listing and rotation."""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from inspections.errors import UserError
from inspections.storage import StorageError

logger = logging.getLogger(__name__)


BACKUP_DIRNAME = "backups"


SETTINGS_FILENAME = "backup.json"


DEFAULT_KEEP = 10
"""Backups kept of each pool (regular: automatic and manual; copies kept before a restore)."""


MAX_KEEP = 365


AUTO_INTERVAL = timedelta(days=1)
"""An automatic backup is made when the newest regular backup is older than this (or missing)."""


KIND_LABELS = {"auto": "自动", "manual": "手动", "before-restore": "恢复前保留", "before-upgrade": "升级前"}


REGULAR_KINDS = frozenset({"auto", "manual"})


_PREFIX = "yuangan"


_NAME = re.compile(rf"^{_PREFIX}-(\d{{8}}-\d{{6}})(?:-(\d+))?-(auto|manual|before-restore|before-upgrade)\.db$")


_STALE_PART = timedelta(hours=1)


@dataclass(frozen=True)
class BackupInfo:
    """One backup file; ``created`` is local time, read from the file name."""

    path: Path
    created: datetime
    kind: str
    size: int

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def name(self) -> str:
        return self.path.name


def backup_dir(data_dir: Path) -> Path:
    """The folder holding the backups of the database in ``data_dir``."""
    return data_dir / BACKUP_DIRNAME


def _settings(data_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((data_dir / SETTINGS_FILENAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_settings(data_dir: Path, changes: dict[str, Any]) -> None:
    data = _settings(data_dir) | changes
    path = data_dir / SETTINGS_FILENAME
    part = path.with_name(f".{path.name}.part")
    try:
        part.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(part, path)
    except OSError as err:
        raise StorageError(f"无法保存备份设置（{path}）：{err.strerror or err}") from None


def backup_keep(data_dir: Path) -> int:
    """How many backups are kept (this machine's setting, default DEFAULT_KEEP)."""
    value = _settings(data_dir).get("keep")
    return value if isinstance(value, int) and 1 <= value <= MAX_KEEP else DEFAULT_KEEP


def set_backup_keep(data_dir: Path, keep: int) -> None:
    """Change how many backups are kept; older ones go at the next backup."""
    if isinstance(keep, bool) or not isinstance(keep, int) or not 1 <= keep <= MAX_KEEP:
        raise UserError(f"保留的备份份数须为 1 到 {MAX_KEEP} 之间的整数")
    _save_settings(data_dir, {"keep": keep})


def list_backups(data_dir: Path) -> list[BackupInfo]:
    """The backups in ``data_dir``'s backup folder, newest first (files of other names are ignored)."""
    folder = backup_dir(data_dir)
    found: list[tuple[datetime, int, BackupInfo]] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    for path in entries:
        match = _NAME.match(path.name)
        if match is None:
            continue
        try:
            created = datetime.strptime(match[1], "%Y%m%d-%H%M%S")
            size = path.stat().st_size
        except (ValueError, OSError):
            continue
        found.append((created, int(match[2] or 1), BackupInfo(path, created, match[3], size)))
    found.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
    return [info for _created, _n, info in found]


def _new_backup_path(data_dir: Path, kind: str, now: datetime) -> Path:
    folder = backup_dir(data_dir)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    path = folder / f"{_PREFIX}-{stamp}-{kind}.db"
    n = 2
    while path.exists():
        path = folder / f"{_PREFIX}-{stamp}-{n}-{kind}.db"
        n += 1
    return path


def _remove_stale_parts(folder: Path, now: datetime) -> None:
    for part in folder.glob(".*.part"):
        try:
            if now - datetime.fromtimestamp(part.stat().st_mtime) > _STALE_PART:
                part.unlink()
        except OSError:
            pass


def _rotate(data_dir: Path, kinds: frozenset[str], keep: int, protect: Path) -> None:
    pool = [b for b in list_backups(data_dir) if b.kind in kinds]
    for old in pool[keep:]:
        if old.path != protect:
            try:
                old.path.unlink()
                Path(f"{old.path}-wal").unlink(missing_ok=True)  # kept with a damaged database's copy
            except OSError as err:
                logger.warning("无法删除旧备份 %s：%s", old.path, err)
