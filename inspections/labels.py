"""The Chinese words users see for the codes stored in the database."""

from __future__ import annotations

LEVELS: dict[int, str] = {0: "未定级", 1: "一级", 2: "二级", 3: "三级"}
INSPECTION_KINDS: dict[str, str] = {"supervision": "督导", "self": "自查", "reinspection": "复查"}
INSPECTION_STATUS: dict[str, str] = {"draft": "草稿", "finalized": "已完成", "voided": "已作废"}
SEVERITIES: dict[str, str] = {"critical": "严重", "general": "一般"}
FINDING_STATUS: dict[str, str] = {"open": "待整改", "feedback": "已反馈", "passed": "复查通过", "failed": "复查未通过"}
ROUND_ENTRY_STATUS: dict[str, str] = {"planned": "计划中", "done": "已完成", "not_done": "未完成"}
ROLES: dict[str, str] = {"admin": "管理员", "inspector": "督导专家", "hospital": "医院感控人员"}


def code_for(labels: dict[str, str], text: str) -> str | None:
    """The code whose label (or code) is ``text``; None when nothing matches."""
    text = text.strip()
    for code, label in labels.items():
        if text in (code, label):
            return code
    return None


def level_for(text: str) -> int | None:
    """The level number for 一级/二级/三级/未定级 (or 1/2/3/0, 一/二/三); None when unknown."""
    text = text.strip().replace("医院", "")
    for number, label in LEVELS.items():
        if text in (str(number), label, label[0]) or text.startswith(label):
            return number
    return None
