"""`check`: database integrity, the audit chain, and finalized inspections against their signed hashes."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, text

from inspections.workflow import content_hash
from models.audit import verify_audit_chain
from models.database import Database
from models.inspection import Inspection
from models.reference import Institution


@dataclass
class CheckReport:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_database(db: Database) -> CheckReport:
    """Run every check; each problem is named (which inspection, which audit row)."""
    report = CheckReport()
    with db.session() as session:
        if db.is_sqlite:
            result = [row[0] for row in session.execute(text("PRAGMA integrity_check"))]
            if result != ["ok"]:
                report.problems.extend(f"SQLite 完整性检查：{line}" for line in result)
            fk = session.execute(text("PRAGMA foreign_key_check")).all()
            if fk:
                report.problems.append(f"外键不一致：{len(fk)} 处（例如表 {fk[0][0]}）")
            report.lines.append("SQLite 完整性检查：" + ("通过" if result == ["ok"] and not fk else "未通过"))
        chain = verify_audit_chain(session)
        report.problems.extend(p.message for p in chain)
        report.lines.append("审计链：" + ("连续" if not chain else f"{len(chain)} 处断裂"))
        rows = (
            session.execute(
                select(Inspection.id, Inspection.date, Inspection.content_hash, Institution.name)
                .join(Institution, Institution.id == Inspection.institution_id)
                .where(Inspection.status == "finalized")
            )
            .all()
        )
        bad = 0
        for inspection_id, on, stored, name in rows:
            if stored != content_hash(session, inspection_id):
                bad += 1
                report.problems.append(
                    f"检查记录 {inspection_id}（{name} {on.isoformat()}）的内容与签名时的哈希不符，可能被篡改"
                )
        report.lines.append(f"已完成的检查：{len(rows)} 份，哈希不符 {bad} 份")
    return report
