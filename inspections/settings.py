"""Commission-wide settings kept in the database, with their defaults and Chinese names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from inspections.errors import UserError
from inspections.preset_text import DEFAULT_PRESETS, parse_presets
from models.audit import append_audit
from models.reference import Setting

FONT_ROLES: dict[str, str] = {
    "fangsong": "仿宋（正文）",
    "xiaobiaosong": "小标宋（标题）",
    "heiti": "黑体（一级标题）",
    "kaiti": "楷体（二级标题）",
    "songti": "宋体（页码）",
}
"""The faces of the documents (GB/T 9704), by the role each plays: the keys ``font_<role>``."""
FONT_HINT = "留空：有正式字体（如 Windows 的 simfang.ttf）就用，否则用内置字体；bundled：总用内置字体；或字体文件名"


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: str
    default: Any
    kind: type
    hint: str = ""  # shown under the field where settings are edited
    required: bool = True  # a text setting that may not be left empty


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
        SettingSpec("issuer", "发文机关全称", "区卫生健康委员会", str, "发文机关标志和落款，如“上街区卫生健康委员会”"),
        SettingSpec("contact_person", "联系人", "", str, "反馈单和整改通知书中接收整改报告的联系人", required=False),
        SettingSpec("contact_phone", "联系电话", "", str, "", required=False),
        SettingSpec("doc_copy_to", "抄送机关", "", str, "通报、通知书版记中的抄送机关", required=False),
        *(
            SettingSpec(f"font_{role}", f"{label}字体", "", str, FONT_HINT, required=False)
            for role, label in FONT_ROLES.items()
        ),
        SettingSpec("hospital_name", "本院名称", "", str, "医院感控人员使用本程序时所在医院的名称", required=False),
        SettingSpec(
            "checklist_presets",
            "检查表组合",
            DEFAULT_PRESETS,
            str,
            "新建检查时可选的检查表组合：“名称：检查表代码、代码”，多个组合用“；”分隔；“全部”指适用于该机构的全部检查表",
        ),
        SettingSpec(
            "overall_rule",
            "多个检查表的总得分率",
            "sum",
            str,
            "sum：各检查表实得分之和 ÷ 满分之和（默认，分值多的检查表占比大）；mean：各检查表得分率的平均；"
            "weighted：按各检查表 scoring.weight 加权平均",
        ),
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
    elif key == "checklist_presets":
        value = "；".join(p.text for p in parse_presets(str(value)))
        if not value:
            raise UserError(f"{spec.label}不能为空")
    elif key == "overall_rule":
        value = str(value).strip().lower()
        if value not in ("sum", "mean", "weighted"):
            raise UserError(f"{spec.label}只能是 sum、mean 或 weighted")
    elif key == "doc_series":
        value = str(value).strip().upper()
        if not SERIES_PATTERN.fullmatch(value):
            raise UserError(f"{spec.label}只能是 1 到 {SERIES_MAX} 个英文字母（如 A、B），或留空")
    else:
        value = str(value).strip()
        if not value and spec.required:
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


ROLES = {"commission": "督导人员（卫生健康委员会）", "hospital": "医院感控人员"}
"""Who uses this copy of the program, asked at first start: the user's role for the agency's or the hospital's name."""


@dataclass(frozen=True)
class Organization:
    """For whom the user works, as asked at first start: a commission (its full name, 代字, contact) or a hospital."""

    role: str
    agency: str = ""
    agency_code: str = ""
    contact_person: str = ""
    contact_phone: str = ""
    hospital: str = ""


def set_organization(session: Session, actor: str, org: Organization) -> None:
    """Store the first start's answers in the commission-wide settings (each change audited).

    A commission user's agency goes to ``issuer`` (发文机关全称), ``doc_prefix`` (代字), ``contact_person`` and
    ``contact_phone``; a hospital officer's hospital to ``hospital_name``."""
    if org.role not in ROLES:
        raise UserError(f"角色“{org.role}”无效，可选：{'、'.join(ROLES.values())}")
    if org.role == "hospital":
        if not org.hospital.strip():
            raise UserError("请填写医院名称")
        wanted = {"hospital_name": org.hospital}
    else:
        if not org.agency.strip():
            raise UserError("请填写发文机关全称（如“上街区卫生健康委员会”）")
        if not org.agency_code.strip():
            raise UserError("请填写发文机关代字（如“上卫院感”），文号以它开头")
        wanted = {
            "issuer": org.agency,
            "doc_prefix": org.agency_code,
            "contact_person": org.contact_person,
            "contact_phone": org.contact_phone,
        }
    for key, value in wanted.items():
        if str(value).strip() != str(get_setting(session, key)):
            set_setting(session, actor, key, value)
