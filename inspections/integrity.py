"""`check`: database integrity, the audit chain, finalized inspections against their signed hashes, and 文号 used
twice (a warning: imported numbers are kept as printed)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from inspections.docnumbers import duplicates
from inspections.workflow import content_hashes
from models.audit import AuditEvent, verify_audit_chain
from models.database import Database
from models.document import DocumentNumber
from models.inspection import Attachment, Blob, Inspection, ItemResult
from models.reference import Institution


@dataclass
class CheckReport:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # worth telling, not damage: they do not fail the check

    @property
    def ok(self) -> bool:
        return not self.problems


Progress = Callable[[int, int, str], None]
"""``progress(done, total, what)``: how far a check has got (a city's database takes minutes)."""

HASH_BATCH = 2000


def _silent(_done: int, _total: int, _what: str) -> None:
    pass


def check_database(db: Database, progress: Progress = _silent) -> CheckReport:
    """Run every check; each problem is named (which inspection, which audit row)."""
    report = CheckReport()
    with db.session() as session:
        if db.is_sqlite:
            progress(0, 1, "SQLite 完整性检查")
            result = [row[0] for row in session.execute(text("PRAGMA integrity_check"))]
            if result != ["ok"]:
                report.problems.extend(f"SQLite 完整性检查：{line}" for line in result)
            fk = session.execute(text("PRAGMA foreign_key_check")).all()
            if fk:
                report.problems.append(f"外键不一致：{len(fk)} 处（例如表 {fk[0][0]}）")
            report.lines.append("SQLite 完整性检查：" + ("通过" if result == ["ok"] and not fk else "未通过"))
        progress(0, 1, "审计链")
        chain = verify_audit_chain(session)
        report.problems.extend(p.message for p in chain)
        report.lines.append("审计链：" + ("连续" if not chain else f"{len(chain)} 处断裂"))
        rows = session.execute(
            select(Inspection.id, Inspection.date, Inspection.content_hash, Institution.name)
            .join(Institution, Institution.id == Inspection.institution_id)
            .where(Inspection.status == "finalized")
        ).all()
        signed = _signed_hashes(session)
        ids = [row[0] for row in rows]
        computed: dict[uuid.UUID, str] = {}
        for start in range(0, len(ids), HASH_BATCH):
            progress(start, len(ids), "已完成检查的签名哈希")
            computed.update(content_hashes(session, ids[start : start + HASH_BATCH]))
        progress(len(ids), len(ids), "已完成检查的签名哈希")
        progress(0, 1, "照片校验值")
        tampered_photos = _tampered_photos(session)
        bad = 0
        for inspection_id, on, stored, name in rows:
            what = f"检查记录 {inspection_id}（{name} {on.isoformat()}）"
            problems = []
            if stored != computed[inspection_id]:
                problems.append(f"{what}的内容与签名时的哈希不符，可能被篡改")
            recorded = signed.get(str(inspection_id))
            if recorded is not None and recorded != stored:
                problems.append(f"{what}的签名哈希与审计记录中签字（或修订）时记下的不一致，可能被改动后重算")
            for sha in sorted(tampered_photos.get(inspection_id, ())):
                problems.append(f"{what}的照片 {sha[:12]} 的内容与其校验值不符，可能被替换")
            bad += bool(problems)
            report.problems.extend(problems)
        report.lines.append(f"已完成的检查：{len(rows)} 份，哈希不符 {bad} 份")
        loose = tampered_photos.get(None, set())
        report.problems.extend(f"照片 {sha[:12]} 的内容与其校验值不符，可能被替换" for sha in sorted(loose))
        issued = session.scalar(select(func.count()).select_from(DocumentNumber)) or 0
        repeated = duplicates(session)
        report.warnings.extend(d.message for d in repeated)
        if repeated:
            report.lines.append(
                f"文号：已出具 {issued} 个，其中 {len(repeated)} 个重复（来自导入的数据包；纸质文书已发出，未作更改，"
                "请核对并以文件更正）"
            )
            report.lines.extend(f"  {w}" for w in report.warnings)
        else:
            report.lines.append(f"文号：已出具 {issued} 个，无重复")
    return report


def _signed_hashes(session: Session) -> dict[str, str]:
    """Inspection id → the content hash its latest finalize/rehash audit event recorded (the chain protects it)."""
    recorded: dict[str, str] = {}
    events = session.execute(
        select(AuditEvent.entity_id, AuditEvent.after)
        .where(AuditEvent.entity == "inspection", AuditEvent.action.in_(("inspection.finalize", "inspection.rehash")))
        .order_by(AuditEvent.seq)
    )
    for entity_id, after in events:
        if isinstance(after, dict) and isinstance(after.get("hash"), str):
            recorded[str(entity_id)] = after["hash"]
    return recorded


def _tampered_photos(session: Session) -> dict[uuid.UUID | None, set[str]]:
    """Photos whose stored bytes no longer hash to their key, by the inspection using them (None: no inspection)."""
    bad = {
        sha
        for sha, data in session.execute(select(Blob.sha256, Blob.data)).yield_per(50)
        if hashlib.sha256(data).hexdigest() != sha
    }
    if not bad:
        return {}
    found: dict[uuid.UUID | None, set[str]] = {}
    for inspection_id, sha in session.execute(
        select(ItemResult.inspection_id, Attachment.sha256)
        .join(Attachment, Attachment.item_result_id == ItemResult.id)
        .where(Attachment.sha256.in_(bad))
    ):
        found.setdefault(inspection_id, set()).add(sha)
    used = {sha for shas in found.values() for sha in shas}
    if bad - used:
        found[None] = bad - used
    return found
