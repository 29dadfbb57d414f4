"""How the checklist presets (检查表组合) are written in the setting ``checklist_presets``: one text,
``发热门诊专项：triage、fever-clinic-zoning、fever-clinic-loop；常规督导：全部``. Pure text handling, so the settings
module can validate it without the database side of ``presets``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from inspections.errors import UserError

ALL = "全部"
DEFAULT_PRESETS = "发热门诊专项：triage、fever-clinic-zoning、fever-clinic-loop；常规督导：全部"


@dataclass(frozen=True)
class Preset:
    name: str
    codes: tuple[str, ...] | None  # None: every checklist that applies

    @property
    def text(self) -> str:
        return f"{self.name}：{ALL if self.codes is None else '、'.join(self.codes)}"


def parse_presets(text: str) -> list[Preset]:
    """The presets a setting's text defines (see the module's docstring); a malformed text is a UserError."""
    presets: list[Preset] = []
    for part in re.split(r"[；;\n]", text):
        part = part.strip()
        if not part:
            continue
        name, sep, rest = part.replace(":", "：").partition("：")
        name, rest = name.strip(), rest.strip()
        if not sep or not name or not rest:
            raise UserError(f"检查表组合“{part}”格式应为“名称：代码、代码”或“名称：全部”")
        if rest == ALL:
            presets.append(Preset(name, None))
            continue
        codes = tuple(c.strip() for c in re.split(r"[、,，\s]+", rest) if c.strip())
        presets.append(Preset(name, codes))
    names = [p.name for p in presets]
    if len(set(names)) != len(names):
        raise UserError("检查表组合的名称不能重复")
    return presets
