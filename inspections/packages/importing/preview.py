"""What an import would do and what it did: the preview entries, the preview and the result."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from inspections.packages.format import KINDS

Status = Literal["new", "updated", "unchanged", "conflict", "kept"]
Decision = Literal["mine", "theirs"]
STATUS_LABELS: dict[str, str] = {
    "new": "新增",
    "updated": "更新",
    "unchanged": "无变化",
    "conflict": "冲突",
    "kept": "保留本地",
}
ENTITY_LABELS: dict[str, str] = {
    "checklist": "检查表",
    "institution": "医疗机构",
    "inspection": "检查",
    "finding": "整改项",
    "document": "文号",
    "item": "检查项",
}


@dataclass(frozen=True)
class PreviewEntry:
    """What importing would do with one record."""

    entity: str  # checklist | institution | inspection | finding | document | item
    id: str  # the record's id in the package (a checklist: code@content_hash; a 文号: the inspection's id;
    # an item of a part package: inspection id/checklist code/item code)
    label: str
    status: Status
    detail: str = ""
    mine: Mapping[str, Any] | None = None
    theirs: Mapping[str, Any] | None = None

    @property
    def key(self) -> str:
        """The name a decision is given under: ``entity:id``."""
        return f"{self.entity}:{self.id}"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def entity_label(self) -> str:
        return ENTITY_LABELS[self.entity]


@dataclass(frozen=True)
class Preview:
    """The whole preview of a package: what it is, and what would happen to each record."""

    package_name: str
    kind: str
    exporter: str
    created_at: str
    app_version: str
    entries: tuple[PreviewEntry, ...]
    warnings: tuple[str, ...] = ()  # e.g. 文号重复：… (imported all the same: the paper exists)
    signature: str = ""  # who signed it and whether the signature holds here (签名者：… 签名有效)
    signed: bool = False  # signed by a key trusted here, signature valid

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    def counts(self) -> dict[str, int]:
        counter: Counter[str] = Counter(e.status for e in self.entries)
        return {status: counter.get(status, 0) for status in STATUS_LABELS}

    @property
    def conflicts(self) -> tuple[PreviewEntry, ...]:
        return tuple(e for e in self.entries if e.status == "conflict")

    @property
    def changes_anything(self) -> bool:
        return any(e.status in ("new", "updated", "conflict") for e in self.entries)

    @property
    def message(self) -> str:
        counts = self.counts()
        parts = "，".join(f"{STATUS_LABELS[s]} {n}" for s, n in counts.items() if n)
        origin = f"{self.exporter} 导出于 {self.created_at[:16].replace('T', ' ')}"
        head = f"{self.kind_label}「{self.package_name}」（{origin}）：{parts or '空'}"
        signed = f"\n{self.signature}" if self.signature else ""
        return head + signed + _warning_lines(self.warnings)


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    preview: Preview
    applied: dict[str, int] = field(default_factory=dict)  # "inspection:new" → count

    @property
    def message(self) -> str:
        if not self.applied:
            return f"{self.preview.kind_label}「{self.preview.package_name}」：没有需要导入的变化" + _warning_lines(
                self.preview.warnings
            )
        parts = []
        order = list(ENTITY_LABELS)
        for key, n in sorted(self.applied.items(), key=lambda kv: (order.index(kv[0].split(":")[0]), kv[0])):
            entity, what = key.split(":")
            parts.append(f"{ENTITY_LABELS[entity]}{STATUS_LABELS.get(what, what)} {n}")
        done = f"已导入{self.preview.kind_label}「{self.preview.package_name}」：" + "，".join(parts)
        return done + _warning_lines(self.preview.warnings)


def _warning_lines(warnings: tuple[str, ...]) -> str:
    return "".join(f"\n注意：{w}" for w in warnings)
