"""The user's preferences: an ini file in the data directory (QSettings), with the keys in one place."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

GEOMETRY = "window/geometry"
STATE = "window/state"
LAST_PAGE = "window/last_page"
STAY_ON_ITEM = "editor/stay_on_item"
DATABASE_URL = "database/url"
INSPECTOR_NAME = "user/name"
USER_ROLE = "user/role"  # "commission" or "hospital" (inspections.settings.ROLES), asked at first start
NEW_INSPECTION_PRESET = "new_inspection/preset"  # + "/YYYY-MM": the preset last chosen for that month's round


def open_settings(data_dir: Path) -> QSettings:
    data_dir.mkdir(parents=True, exist_ok=True)
    return QSettings(str(data_dir / "settings.ini"), QSettings.Format.IniFormat)
