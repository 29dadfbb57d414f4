"""Commission-wide settings kept in the database, with their defaults and Chinese names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from inspections.errors import UserError
from models.audit import append_audit
from models.reference import Setting


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: str
    default: Any
    kind: type
    hint: str = ""  # shown under the field where settings are edited


SETTINGS: dict[str, SettingSpec] = {
    s.key: s
    for s in (
        SettingSpec("deadline_days_critical", "严重问题整改期限（天）", 3, int),
        SettingSpec("deadline_days_general", "一般问题整改期限（天）", 15, int),
        SettingSpec("reinspection_days", "复查未通过后的新整改期限（天）", 7, int),
        SettingSpec(
            "doc_prefix",
            "发文机关代字",
            "院感督",
            str,
            "文号中年份前的部分，如“上卫院感”；整改通知书和通报在其后加“整改”“通报”",
        ),
        SettingSpec(
            "doc_series",
            "文号分组代码",
            "",
            str,
            "留空则文号为“代字〔2026〕3号”；多台电脑各自离线出具文书时，给每台设不同的字母（如 A、B），"
            "文号成为“代字A〔2026〕3号”“代字B〔2026〕3号”，各自编号，互不重复",
        ),
        SettingSpec("issuer", "发文单位", "区卫生健康委员会", str),
    )
}

SERIES_MAX = 3
SERIES_PATTERN = re.compile(rf"[A-Z]{{0,{SERIES_MAX}}}")
"""The series code (文号分组代码): empty or up to three capital letters (``A``, ``BC``), the end of the 代字 in
``代字A〔2026〕3号``; no digits, which would read as part of a year or a sequence."""


def get_setting(session: Session, key: str) -> Any:
    """A setting's value, or its default."""
    spec = SETTINGS[key]
    row = session.get(Setting, key)
    return spec.default if row is None else row.value


def all_settings(session: Session) -> dict[str, Any]:
    """Every known setting with its current value."""
    return {key: get_setting(session, key) for key in SETTINGS}


def set_setting(session: Session, actor: str, key: str, value: Any) -> None:
    """Change a setting (validated, audited)."""
    spec = SETTINGS.get(key)
    if spec is None:
        raise UserError(f"未知的设置项“{key}”")
    if spec.kind is int:
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise UserError(f"{spec.label}须为整数") from None
        if not 0 <= value <= 365:
            raise UserError(f"{spec.label}须在 0 到 365 之间")
    elif key == "doc_series":
        value = str(value).strip().upper()
        if not SERIES_PATTERN.fullmatch(value):
            raise UserError(f"{spec.label}只能是 1 到 {SERIES_MAX} 个英文字母（如 A、B），或留空")
    else:
        value = str(value).strip()
        if not value:
            raise UserError(f"{spec.label}不能为空")
    row = session.get(Setting, key)
    before = spec.default if row is None else row.value
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    append_audit(
        session, actor=actor, action="setting.change", entity="setting", entity_id=key, before=before, after=value
    )
