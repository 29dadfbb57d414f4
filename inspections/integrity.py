"""`check`: database integrity, the audit chain, finalized inspections against their signed hashes, stored photos
against their checksums, and 文号 used twice (a warning: imported numbers are kept as printed).

Two depths:

- **full** (``check --full``, and the window's weekly background check): everything, every time.
- **incremental** (``check``): what is new or changed since the last check that passed — the audit events after the
  chain head it verified, the inspections finalized, amended or imported since, the photos attached since, the
  signed feedback and re-inspection verdicts signed or received since — plus a rotating slice of older records
  (``ROTATE_INSPECTIONS`` inspections, ``ROTATE_PHOTOS`` photos and ``ROTATE_EVENTS`` signed finding events per run,
  going round the whole database), so daily checks re-read everything every few weeks. SQLite's page-level
  ``integrity_check`` runs only in a full check.

Where the last check got to (the checkpoint) is kept in the database's ``settings`` table under
``integrity_checkpoint``. What an incremental check guarantees: any break of the audit chain after the checkpoint,
any rewrite of the event the checkpoint names, and any damage to what was added or changed since is found, as a full
check would. What it does not: a record that was already verified and is then edited *without* leaving a trace (an
edit of the database file that bypasses the application) is only found when the rotating slice reaches it or by the
next full check; and whoever can edit the database file can also move the checkpoint forward. The checkpoint is a
shortcut for speed, not a proof: ``check --full`` ignores it and reads everything.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from inspections.answer_counts import recount, stale_months
from inspections.docnumbers import duplicates
from inspections.labels import INSPECTION_KINDS
from inspections.verification import SIGNED_EVENT_KINDS, part_signature_problems, verify_trust
from inspections.workflow import content_hashes
from models.audit import AuditEvent, AuditHead, append_audit, verify_audit_chain
from models.base import utcnow
from models.database import Database
from models.document import DocumentNumber
from models.finding import FindingEvent
from models.inspection import Attachment, Blob, Inspection, ItemResult
from models.keys import Signature
from models.reference import Institution, Setting


@dataclass
class CheckReport:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # worth telling, not damage: they do not fail the check
    full: bool = True
    started: datetime | None = None
    seconds: float = 0.0
    inspections: int = 0  # finalized inspections verified
    photos: int = 0  # stored photos re-hashed
    unsigned: list[str] = field(default_factory=list)  # 未签名（旧数据）: records from before signatures existed

    @property
    def ok(self) -> bool:
        return not self.problems


Progress = Callable[[int, int, str], None]
"""``progress(done, total, what)``: how far a check has got (a city's database takes minutes)."""

RecordVerifier = Callable[[Session, Sequence[uuid.UUID]], list[str]]
"""Verifies a batch of finalized inspections beyond their content hash and returns the problems, one sentence each
(naming the record). Registered in ``RECORD_VERIFIERS``; both depths of check call every verifier for every
inspection they verify — this is where verifying a record's signature against the signer's enrolled key plugs in."""

RECORD_VERIFIERS: list[RecordVerifier] = [part_signature_problems]  # team members' signatures over their parts

CHECKPOINT_KEY = "integrity_checkpoint"
HASH_BATCH = 2000
ROTATE_INSPECTIONS = 500
ROTATE_PHOTOS = 300
ROTATE_EVENTS = 2000  # signed finding events: verifying one is a signature and a digest, cheap beside an inspection
CLOCK_MARGIN = timedelta(hours=1)
"""Records changed up to this long before the last check started are verified again (clocks and long commits)."""
MAX_LISTED = 50
REMEMBERED = 5  # problems and warnings kept with a check's outcome for 设置


def _silent(_done: int, _total: int, _what: str) -> None:
    pass


@dataclass(frozen=True)
class Checkpoint:
    """Where the last passing check got to: the audit chain head it verified, when it started, and the rotation."""

    at: datetime
    audit_seq: int
    audit_hash: str
    inspection_cursor: str = ""
    photo_cursor: str = ""
    event_cursor: str = ""


@dataclass(frozen=True)
class LastCheck:
    """The outcome of a check, as remembered for the settings page."""

    at: datetime
    full: bool
    ok: bool
    problems: int
    seconds: float
    inspections: int
    photos: int
    problem_lines: tuple[str, ...] = ()  # the first problems named (the CLI's check --full lists them all)
    warnings: tuple[str, ...] = ()  # e.g. answer counts recounted: worth telling in 设置, not a failure


def check_database(db: Database, progress: Progress = _silent, *, full: bool = True) -> CheckReport:
    """Run the checks (``full``: everything; otherwise what is new since the checkpoint, see the module) and
    remember the outcome; each problem is named (which inspection, which audit row, which photo)."""
    started = utcnow()
    clock = time.perf_counter()
    with db.session() as session:
        checkpoint = None if full else load_checkpoint(session)
        report = CheckReport(full=checkpoint is None, started=started)
        if not full and checkpoint is None:
            report.lines.append("没有上次核对通过的记录：本次进行完整核对")
        elif checkpoint is not None:
            report.lines.append(
                f"增量核对：上次核对通过于 {checkpoint.at.astimezone():%Y-%m-%d %H:%M}，"
                "核对此后新增或改动的记录，并轮流抽查较早的记录（完整核对：check --full）"
            )
        if db.is_sqlite and report.full:
            progress(0, 1, "SQLite 完整性检查")
            result = [row[0] for row in session.execute(text("PRAGMA integrity_check"))]
            if result != ["ok"]:
                report.problems.extend(f"SQLite 完整性检查：{line}" for line in result)
            fk = session.execute(text("PRAGMA foreign_key_check")).all()
            if fk:
                report.problems.append(f"外键不一致：{len(fk)} 处（例如表 {fk[0][0]}）")
            report.lines.append("SQLite 完整性检查：" + ("通过" if result == ["ok"] and not fk else "未通过"))
        elif db.is_sqlite:
            report.lines.append("SQLite 完整性检查：增量核对时不做（完整核对时做）")

        progress(0, 1, "审计链")
        head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
        after = None if checkpoint is None else (checkpoint.audit_seq, checkpoint.audit_hash)
        chain = verify_audit_chain(session, after=after)
        report.problems.extend(p.message for p in chain)
        span = "" if checkpoint is None else f"（第 {checkpoint.audit_seq + 1} 条起）"
        report.lines.append(f"审计链{span}：" + ("连续" if not chain else f"{len(chain)} 处断裂"))

        if checkpoint is None:
            ids = list(session.scalars(select(Inspection.id).where(Inspection.status == "finalized")))
            inspection_cursor = ""
        else:
            changed = _changed_inspections(session, checkpoint)
            rotation, inspection_cursor = _rotation(
                session,
                Inspection.id,
                checkpoint.inspection_cursor,
                ROTATE_INSPECTIONS,
                Inspection.status == "finalized",
            )
            ids = list(dict.fromkeys([*changed, *(uuid.UUID(str(r)) for r in rotation)]))
        bad = _verify_inspections(session, ids, report, progress)
        what = "已完成的检查" if checkpoint is None else "已完成的检查（新增、改动及轮流抽查）"
        report.lines.append(f"{what}：{len(ids)} 份，哈希不符 {bad} 份")
        report.inspections = len(ids)

        progress(0, 1, "照片校验值")
        if checkpoint is None:
            photo_cursor = ""
            tampered, report.photos = _tampered_photos(session, None)
        else:
            recent = _recent_photos(session, checkpoint)
            rotation, photo_cursor = _rotation(session, Blob.sha256, checkpoint.photo_cursor, ROTATE_PHOTOS)
            shas = list(dict.fromkeys([*recent, *(str(r) for r in rotation)]))
            tampered, report.photos = _tampered_photos(session, shas)
        report.problems.extend(_photo_problems(session, tampered))
        report.lines.append(f"照片：核对 {report.photos} 张，内容与校验值不符 {len(tampered)} 张")

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
        stale: list[tuple[str, str]] = []
        if report.full:
            progress(0, 1, "答案统计")
            stale = stale_months(session)
        else:
            report.lines.append("答案统计：增量核对时不做（完整核对时做）")
        # Signatures against the enrolled keys, signed records against their signatures, derived scores.
        if checkpoint is None:
            events: list[uuid.UUID] | None = None
            event_cursor = ""
        else:
            events, event_cursor = _events_to_verify(session, checkpoint)
        trust = verify_trust(session, progress, only=None if report.full else ids, only_events=events)
        report.lines.extend(trust.lines)
        report.lines.extend(f"  {w}" for w in trust.warnings[:MAX_LISTED])
        if len(trust.warnings) > MAX_LISTED:
            report.lines.append(f"  ……共 {len(trust.warnings)} 条未签名记录")
        report.problems.extend(trust.problems)
        report.unsigned.extend(trust.warnings)
    if report.full:
        _recount(db, report, stale)
    report.seconds = time.perf_counter() - clock
    reached = None
    if head is not None:
        reached = Checkpoint(started, int(head[0]), str(head[1]), inspection_cursor, photo_cursor, event_cursor)
    _remember(db, report, reached)
    return report


def _recount(db: Database, report: CheckReport, stale: list[tuple[str, str]]) -> None:
    """The answer counts (what the dashboard's and the bulletin's common problems read) are derived from the
    finalized inspections' answers: months found to differ are counted again from them, and said so."""
    if not stale:
        report.lines.append("答案统计（首页与通报的常见问题）：与检查结果一致")
        return
    months = sorted({month for _kind, month in stale})
    with db.begin() as session:
        recount(session, months)
        append_audit(session, actor="system", action="answer_counts.recount", entity="item_answer_counts",
                     entity_id="", after={"months": months}, reason="完整核对发现答案统计与检查结果不符")
    shown = "、".join(f"{month}（{INSPECTION_KINDS.get(kind, kind)}）" for kind, month in stale[:12])
    more = f"等 {len(stale)} 处" if len(stale) > 12 else ""
    warning = f"答案统计与检查结果不符：{shown}{more}；已按检查结果重新统计（首页与通报的常见问题此前可能不准）"
    report.warnings.append(warning)
    report.lines.append(f"答案统计（首页与通报的常见问题）：{len(months)} 个月与检查结果不符，已重新统计")
    report.lines.append(f"  {warning}")


# --- what to verify ----------------------------------------------------------------------------------------------


def _changed_inspections(session: Session, checkpoint: Checkpoint) -> list[uuid.UUID]:
    """Finalized inspections finalized, changed or imported since the checkpoint (by their times, and by the
    audit events about them after the verified chain head — an import keeps the laptop's times)."""
    since = checkpoint.at - CLOCK_MARGIN
    ids = list(
        session.scalars(
            select(Inspection.id).where(
                Inspection.status == "finalized",
                or_(Inspection.updated_at >= since, Inspection.finalized_at >= since),
            )
        )
    )
    audited = {
        entity_id
        for (entity_id,) in session.execute(
            select(AuditEvent.entity_id)
            .where(AuditEvent.seq > checkpoint.audit_seq, AuditEvent.entity == "inspection")
            .distinct()
        )
    }
    known = {str(i) for i in ids}
    extra = []
    for text_id in sorted(audited - known):
        try:
            extra.append(uuid.UUID(text_id))
        except ValueError:
            continue
    for chunk in _chunks(extra, 500):
        ids.extend(
            session.scalars(select(Inspection.id).where(Inspection.id.in_(chunk), Inspection.status == "finalized"))
        )
    return ids


def _recent_photos(session: Session, checkpoint: Checkpoint) -> list[str]:
    since = checkpoint.at - CLOCK_MARGIN
    return list(session.scalars(select(Attachment.sha256).where(Attachment.created_at >= since).distinct()))


def _events_to_verify(session: Session, checkpoint: Checkpoint) -> tuple[list[uuid.UUID], str]:
    """The signed finding events an incremental check verifies: those whose signature was made or arrived here (an
    import) since the checkpoint (``received_at``: both), the events dated since, and the next slice of the
    rotation; with its cursor."""
    since = checkpoint.at - CLOCK_MARGIN
    recent = session.scalars(
        select(Signature.entity_id).where(Signature.entity == "finding_event", Signature.received_at >= since)
    ).all()
    dated = session.scalars(
        select(FindingEvent.id).where(FindingEvent.kind.in_(SIGNED_EVENT_KINDS), FindingEvent.at >= since)
    ).all()
    rotation, cursor = _rotation(
        session, Signature.entity_id, checkpoint.event_cursor, ROTATE_EVENTS, Signature.entity == "finding_event"
    )
    ids: list[uuid.UUID] = list(dated)
    for text_id in [*recent, *(str(r) for r in rotation)]:
        try:
            ids.append(uuid.UUID(text_id))
        except ValueError:
            continue
    return list(dict.fromkeys(ids)), cursor


def _rotation(session: Session, column: Any, cursor: str, size: int, *where: Any) -> tuple[list[object], str]:
    """The next ``size`` keys after ``cursor`` (wrapping round to the start), and the cursor for next time."""
    if size <= 0:
        return [], cursor
    query = select(column).where(*where).order_by(column)
    keys: list[object] = []
    if cursor:
        start: object = uuid.UUID(cursor) if column is Inspection.id else cursor
        keys = list(session.scalars(query.where(column > start).limit(size)))
    if len(keys) < size:
        first: list[object] = list(session.scalars(query.limit(size - len(keys))))
        keys += [k for k in first if k not in keys]
    return keys, (str(keys[-1]) if keys else "")


def _chunks(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- verifying ---------------------------------------------------------------------------------------------------


def _verify_inspections(session: Session, ids: Sequence[uuid.UUID], report: CheckReport, progress: Progress) -> int:
    """Recompute each inspection's content hash, compare it with the stored one and the one its latest finalize
    or rehash audit event recorded, and run the registered record verifiers; returns how many failed."""
    bad = 0
    for start in range(0, len(ids), HASH_BATCH):
        progress(start, len(ids), "已完成检查的签名哈希")
        chunk = list(ids[start : start + HASH_BATCH])
        rows = session.execute(
            select(Inspection.id, Inspection.date, Inspection.content_hash, Institution.name)
            .join(Institution, Institution.id == Inspection.institution_id)
            .where(Inspection.id.in_(chunk))
        ).all()
        computed = content_hashes(session, chunk)
        signed = _signed_hashes(session, chunk)
        for inspection_id, on, stored, name in rows:
            what = f"检查记录 {inspection_id}（{name} {on.isoformat()}）"
            problems = []
            if stored != computed[inspection_id]:
                problems.append(f"{what}的内容与签名时的哈希不符，可能被篡改")
            recorded = signed.get(str(inspection_id))
            if recorded is not None and recorded != stored:
                problems.append(f"{what}的签名哈希与审计记录中签字（或修订）时记下的不一致，可能被改动后重算")
            bad += bool(problems)
            report.problems.extend(problems)
        for verifier in RECORD_VERIFIERS:
            report.problems.extend(verifier(session, chunk))
    progress(len(ids), len(ids), "已完成检查的签名哈希")
    return bad


def _signed_hashes(session: Session, ids: Sequence[uuid.UUID]) -> dict[str, str]:
    """Inspection id → the content hash its latest finalize/rehash audit event recorded (the chain protects it)."""
    recorded: dict[str, str] = {}
    for chunk in _chunks([str(i) for i in ids], 500):
        events = session.execute(
            select(AuditEvent.entity_id, AuditEvent.after)
            .where(
                AuditEvent.entity == "inspection",
                AuditEvent.entity_id.in_(chunk),
                AuditEvent.action.in_(("inspection.finalize", "inspection.rehash")),
            )
            .order_by(AuditEvent.seq)
        )
        for entity_id, after in events:
            if isinstance(after, dict) and isinstance(after.get("hash"), str):
                recorded[str(entity_id)] = after["hash"]
    return recorded


def _tampered_photos(session: Session, shas: Sequence[str] | None) -> tuple[set[str], int]:
    """Stored photos (all, or those named) whose bytes no longer hash to their key; and how many were read."""
    query = select(Blob.sha256, Blob.data)
    bad: set[str] = set()
    seen = 0
    batches: Iterable[Sequence[str] | None] = [None] if shas is None else _chunks(shas, 200)
    for chunk in batches:
        rows = session.execute(query if chunk is None else query.where(Blob.sha256.in_(chunk))).yield_per(50)
        for sha, data in rows:
            seen += 1
            if hashlib.sha256(data).hexdigest() != sha:
                bad.add(sha)
    return bad, seen


def _photo_problems(session: Session, bad: set[str]) -> list[str]:
    """A sentence per damaged photo and inspection using it (or the photo alone when no inspection uses it)."""
    if not bad:
        return []
    found: dict[str, set[tuple[uuid.UUID, str, str]]] = {sha: set() for sha in bad}
    for sha, inspection_id, when, name in session.execute(
        select(Attachment.sha256, Inspection.id, Inspection.date, Institution.name)
        .join(ItemResult, ItemResult.id == Attachment.item_result_id)
        .join(Inspection, Inspection.id == ItemResult.inspection_id)
        .join(Institution, Institution.id == Inspection.institution_id)
        .where(Attachment.sha256.in_(sorted(bad)))
    ):
        found[sha].add((inspection_id, name, when.isoformat()))
    problems = []
    for sha in sorted(bad):
        users = sorted(found[sha], key=lambda u: (u[2], u[1]))
        if not users:
            problems.append(f"照片 {sha[:12]} 的内容与其校验值不符，可能被替换")
        for inspection_id, name, on in users:
            problems.append(
                f"检查记录 {inspection_id}（{name} {on}）的照片 {sha[:12]} 的内容与其校验值不符，可能被替换"
            )
    return problems


# --- the checkpoint ----------------------------------------------------------------------------------------------


def _stored(session: Session) -> dict[str, Any]:
    row = session.get(Setting, CHECKPOINT_KEY)
    return dict(row.value) if row is not None and isinstance(row.value, dict) else {}


def load_checkpoint(session: Session) -> Checkpoint | None:
    """Where the last passing check got to; None when there is none (or it cannot be read: then check fully)."""
    value = _stored(session).get("verified")
    if not isinstance(value, dict):
        return None
    try:
        return Checkpoint(
            at=datetime.fromisoformat(str(value["at"])),
            audit_seq=int(value["audit_seq"]),
            audit_hash=str(value["audit_hash"]),
            inspection_cursor=str(value.get("inspection_cursor", "")),
            photo_cursor=str(value.get("photo_cursor", "")),
            event_cursor=str(value.get("event_cursor", "")),
        )
    except (KeyError, TypeError, ValueError):
        return None


def last_checks(session: Session) -> tuple[LastCheck | None, LastCheck | None]:
    """The last check of any depth and the last full check, as remembered (None: never)."""
    stored = _stored(session)
    return _last(stored.get("last")), _last(stored.get("last_full"))


def _last(value: object) -> LastCheck | None:
    if not isinstance(value, dict):
        return None
    try:
        return LastCheck(
            at=datetime.fromisoformat(str(value["at"])),
            full=bool(value["full"]),
            ok=bool(value["ok"]),
            problems=int(value["problems"]),
            seconds=float(value["seconds"]),
            inspections=int(value.get("inspections", 0)),
            photos=int(value.get("photos", 0)),
            problem_lines=tuple(str(line) for line in value.get("problem_lines", ())),
            warnings=tuple(str(line) for line in value.get("warnings", ())),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _remember(db: Database, report: CheckReport, reached: Checkpoint | None) -> None:
    """Record the outcome; move the checkpoint forward only when everything verified passed."""
    assert report.started is not None
    outcome = {
        "at": report.started.isoformat(),
        "full": report.full,
        "ok": report.ok,
        "problems": len(report.problems),
        "seconds": round(report.seconds, 1),
        "inspections": report.inspections,
        "photos": report.photos,
        "problem_lines": report.problems[:REMEMBERED],
        "warnings": report.warnings[:REMEMBERED],
    }
    try:
        with db.begin() as session:
            value = _stored(session)
            value["last"] = outcome
            if report.full:
                value["last_full"] = outcome
            if report.ok and reached is not None:
                value["verified"] = {
                    "at": reached.at.isoformat(),
                    "audit_seq": reached.audit_seq,
                    "audit_hash": reached.audit_hash,
                    "inspection_cursor": reached.inspection_cursor,
                    "photo_cursor": reached.photo_cursor,
                    "event_cursor": reached.event_cursor,
                }
            elif not report.ok:
                value.pop("verified", None)  # after a failure, the next check reads everything again
            row = session.get(Setting, CHECKPOINT_KEY)
            if row is None:
                session.add(Setting(key=CHECKPOINT_KEY, value=value, note="上次数据核对的位置与结果"))
            else:
                row.value = value
    except SQLAlchemyError:
        report.warnings.append("未能记录本次核对的结果（数据库只读或正被占用）；下次核对将从上次记录的位置开始")
