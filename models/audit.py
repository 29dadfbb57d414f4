"""The append-only, hash-chained audit log: who changed which record, when, from what to what, and why."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, IdMixin, utcnow
from models.bulk import insert_rows

GENESIS = "0" * 64


class AuditEvent(IdMixin, Base):
    """One audited change. Rows are only ever inserted; ``hash`` chains each row to the one before it."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row holding the chain's last sequence number and hash; locked while appending."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))


def plain(value: Any) -> Any:
    """Turn a value into JSON-safe data with a stable form (UUIDs and dates as strings)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return value


def _event_hash(prev_hash: str, seq: int, at: datetime, actor: str, action: str, entity: str,
                entity_id: str, before: Any, after: Any, reason: str) -> str:
    body = json.dumps(
        [prev_hash, seq, at.isoformat(), actor, action, entity, entity_id, before, after, reason],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def lock_audit_head(session: Session) -> AuditHead:
    """The chain head, locked once per transaction (later events in the same unit of work reuse it). Whoever holds
    it writes the audit log alone: on a server, concurrent writers queue here."""
    transaction = session.get_transaction()
    cached = session.info.get("audit_head")
    if cached is not None and cached[0] is transaction and cached[1] in session:
        head: AuditHead = cached[1]
        return head
    found = session.get(AuditHead, 1, with_for_update=True, populate_existing=True)
    if found is None:
        # The very first event. Two first writers on a server must not both insert the head: the second one's
        # insert waits for the first to commit and then does nothing, and it locks the row the first one made.
        from sqlalchemy.dialects import postgresql, sqlite

        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(insert(AuditHead).values(id=1, seq=0, hash=GENESIS).on_conflict_do_nothing())
        found = session.get(AuditHead, 1, with_for_update=True, populate_existing=True)
        assert found is not None
    session.info["audit_head"] = (transaction, found)
    return found


def append_audit(
    session: Session, *, actor: str, action: str, entity: str, entity_id: object,
    before: Any = None, after: Any = None, reason: str = "",
) -> AuditEvent:
    """Append one event to the chain (the head row is locked, so concurrent writers on a server queue up)."""
    head = lock_audit_head(session)
    at = utcnow()
    seq = head.seq + 1
    before_p, after_p = plain(before), plain(after)
    digest = _event_hash(head.hash, seq, at, actor, action, entity, str(entity_id), before_p, after_p, reason)
    event = AuditEvent(seq=seq, at=at, actor=actor, action=action, entity=entity, entity_id=str(entity_id),
                       before=before_p, after=after_p, reason=reason, prev_hash=head.hash, hash=digest)
    session.add(event)
    head.seq, head.hash = seq, digest
    return event


def append_audits(
    session: Session, *, actor: str, reason: str, events: Sequence[tuple[str, str, object, Any, Any]]
) -> None:
    """Append many events (action, entity, entity_id, before, after) in order, chained exactly as append_audit
    would chain them one by one, and written in one bulk insert: a package import's thousands of records."""
    if not events:
        return
    head = lock_audit_head(session)
    seq, prev = head.seq, head.hash
    rows: list[dict[str, Any]] = []
    for action, entity, entity_id, before, after in events:
        seq += 1
        at = utcnow()
        before_p, after_p = plain(before), plain(after)
        digest = _event_hash(prev, seq, at, actor, action, entity, str(entity_id), before_p, after_p, reason)
        rows.append({"id": uuid.uuid4(), "seq": seq, "at": at, "actor": actor, "action": action, "entity": entity,
                     "entity_id": str(entity_id), "before": before_p, "after": after_p, "reason": reason,
                     "prev_hash": prev, "hash": digest})
        prev = digest
    insert_rows(session, AuditEvent.__table__, rows)  # type: ignore[arg-type]
    head.seq, head.hash = seq, prev


@dataclass(frozen=True)
class ChainProblem:
    """A break in the audit chain, located by sequence number."""

    seq: int
    message: str


def verify_audit_chain(session: Session, *, after: tuple[int, str] | None = None) -> list[ChainProblem]:
    """Recompute every hash: an edited, deleted or inserted row breaks the chain and is named.

    ``after=(seq, hash)``: an earlier check verified the chain up to ``seq``, whose hash it recorded. Only that event
    (which must still be intact and carry that hash) and the ones after it are read.
    """
    problems: list[ChainProblem] = []
    prev_hash, expected_seq = GENESIS, 1
    query = select(AuditEvent).order_by(AuditEvent.seq)
    if after is not None and after[0] > 0:
        seq, recorded = after
        anchor = session.scalar(select(AuditEvent).where(AuditEvent.seq == seq))
        if anchor is None or anchor.hash != recorded or anchor.hash != _event_hash(
            anchor.prev_hash, anchor.seq, anchor.at, anchor.actor, anchor.action, anchor.entity, anchor.entity_id,
            anchor.before, anchor.after, anchor.reason,
        ):
            problems.append(ChainProblem(seq, f"审计记录第 {seq} 条与上次核对时不同（已核对过的记录被改写或删除）"))
        prev_hash, expected_seq = recorded, seq + 1
        query = query.where(AuditEvent.seq > seq)
    for event in session.scalars(query).yield_per(2000):
        if event.seq != expected_seq:
            problems.append(ChainProblem(expected_seq, f"审计记录缺失：第 {expected_seq}–{event.seq - 1} 条不存在"))
        if event.prev_hash != prev_hash:
            problems.append(ChainProblem(event.seq, f"审计记录第 {event.seq} 条与前一条不相连（前一条被删除或修改）"))
        digest = _event_hash(event.prev_hash, event.seq, event.at, event.actor, event.action, event.entity,
                             event.entity_id, event.before, event.after, event.reason)
        if digest != event.hash:
            problems.append(ChainProblem(event.seq, f"审计记录第 {event.seq} 条内容被修改（哈希不符）"))
        prev_hash, expected_seq = event.hash, event.seq + 1
    head = session.get(AuditHead, 1)
    last_seq = expected_seq - 1
    if head is not None and (head.seq != last_seq or head.hash != prev_hash):
        problems.append(ChainProblem(head.seq, f"审计链末尾应为第 {head.seq} 条，实际只有 {last_seq} 条（记录被删除）"))
    return problems
