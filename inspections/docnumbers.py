"""Document numbers (文号): issued once per document, kept in a register, never derived again on a reprint.

A number names one subject: the 督导检查反馈单 of an inspection (issued when it is finalized), the 整改通知书 of an
institution on one day and the 月度督导通报 of a month (issued when first generated). Its text is GB/T 9704's
``代字〔年〕序号号`` (``院感督〔2026〕12号``): the 代字 is the agency's (setting ``doc_prefix``) with the kind's suffix
and the series code (文号分组代码, setting ``doc_series``) of the computer that issued it. The next number of a kind is
1 + the highest sequence issued for that kind, series code and year. Numbers printed on another
computer arrive with its exchange packages and are kept as printed; one that repeats a number already used here for
another subject is reported (文号重复), never refused or changed: the paper exists.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from inspections.labels import INSPECTION_KINDS
from inspections.settings import get_setting
from models.audit import append_audit, lock_audit_head
from models.base import utcnow
from models.document import DocumentNumber
from models.inspection import Inspection
from models.reference import Institution

Kind = Literal["feedback", "notice", "bulletin"]

KIND_LABELS: dict[str, str] = {"feedback": "督导检查反馈单", "notice": "整改通知书", "bulletin": "月度督导通报"}
_PREFIX_SUFFIX: dict[str, str] = {"feedback": "", "notice": "整改", "bulletin": "通报"}


def format_doc_number(prefix: str, year: int, seq: int, series: str = "") -> str:
    """The document number as GB/T 9704 writes it: ``format_doc_number("上卫院感", 2026, 3)`` → ``上卫院感〔2026〕3号``
    (六角括号 around the year, no leading zeros, no month); a series code (文号分组代码) ends the 代字:
    ``format_doc_number("上卫院感", 2026, 3, "A")`` → ``上卫院感A〔2026〕3号``."""
    if seq < 1:
        raise ValueError(f"sequence must be positive: {seq}")
    return f"{prefix}{series}〔{year}〕{seq}号"


def feedback_subject(inspection_id: uuid.UUID) -> str:
    """The subject of an inspection's 督导检查反馈单: the inspection id."""
    return str(inspection_id)


def notice_subject(institution_id: uuid.UUID, issued_on: date) -> str:
    """The subject of a 整改通知书: the institution and the day it is issued (one notice per institution a day)."""
    return f"{institution_id}:{issued_on.isoformat()}"


def bulletin_subject(month: str) -> str:
    """The subject of a 月度督导通报: its month, ``YYYY-MM``."""
    return month


def series_code(session: Session) -> str:
    """The series code (文号分组代码) numbers issued here carry; empty by default."""
    return str(get_setting(session, "doc_series") or "")


def find_number(session: Session, kind: str, subject: str) -> DocumentNumber | None:
    """The number already issued for (kind, subject), if any."""
    return session.scalar(select(DocumentNumber).where(DocumentNumber.kind == kind, DocumentNumber.subject == subject))


def number_text(session: Session, kind: str, subject: str) -> str:
    """The issued number's text, or "" when none has been issued yet."""
    row = find_number(session, kind, subject)
    return "" if row is None else row.text


def _lock_sequence(session: Session, kind: str, series: str, year: int) -> None:
    """Serialize allocation in one sequence. SQLite: the write transaction already holds the database's write lock
    (BEGIN IMMEDIATE). PostgreSQL: the audit chain's head row first (every audited write locks it, so taking it
    before anything else keeps one lock order and no deadlock), then a transaction-scoped advisory lock on the
    sequence (which also covers a database whose chain has no head yet); a second writer waits, then sees the
    first one's number."""
    if session.get_bind().dialect.name != "postgresql":
        return
    lock_audit_head(session)
    digest = hashlib.sha256(f"yg-docnumber:{kind}:{series}:{year}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def issue_number(session: Session, kind: Kind, subject: str, when: date, actor: str) -> DocumentNumber:
    """The number of (kind, subject): the one already issued, else the next of ``when``'s year, recorded and
    audited in the caller's write transaction. Numbers issued before the yearly format (``…〔2026〕11-03号``, a
    sequence a month) keep their text; the year's new sequence continues above the highest of them."""
    existing = find_number(session, kind, subject)
    if existing is not None:
        return existing
    series = series_code(session)
    _lock_sequence(session, kind, series, when.year)
    existing = find_number(session, kind, subject)  # issued by another writer while we waited for the lock
    if existing is not None:
        return existing
    highest = session.scalar(
        select(func.max(DocumentNumber.seq)).where(
            DocumentNumber.kind == kind,
            DocumentNumber.series == series,
            DocumentNumber.year == when.year,
        )
    )
    seq = (highest or 0) + 1
    prefix = str(get_setting(session, "doc_prefix")) + _PREFIX_SUFFIX[kind]
    row = DocumentNumber(
        kind=kind,
        subject=subject,
        series=series,
        year=when.year,
        month=when.month,
        seq=seq,
        text=format_doc_number(prefix, when.year, seq, series),
        issued_at=utcnow(),
        issued_by=actor,
    )
    session.add(row)
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="docnumber.issue",
        entity="document_number",
        entity_id=row.id,
        after={"kind": kind, "subject": subject, "number": row.text},
    )
    return row


def issue_feedback_number(session: Session, inspection: Inspection, actor: str) -> DocumentNumber:
    """The 督导检查反馈单 number of a finalized inspection (numbered within the year of its date)."""
    return issue_number(session, "feedback", feedback_subject(inspection.id), inspection.date, actor)


WriteApart = Callable[[Callable[[Session], str]], str]
"""Runs a function in a unit of work of its own, committed when it returns, and passes its result back."""

_apart: ContextVar[WriteApart | None] = ContextVar("docnumbers_apart", default=None)


@contextmanager
def issuing_apart(write: WriteApart) -> Iterator[None]:
    """Within the block, ``issue_with_document`` issues in a unit of work of its own (``write``) instead of the
    caller's session, so a document rendered from a read session holds the write lock only while a first number is
    issued and that document written."""
    token = _apart.set(write)
    try:
        yield
    finally:
        _apart.reset(token)


def issue_with_document(
    session: Session, kind: Kind, subject: str, when: date, actor: str, write_document: Callable[[str], None]
) -> str:
    """Write a numbered document: ``write_document(number)`` with (kind, subject)'s number, issuing it if needed.

    A number is issued only together with its document: the issuing unit of work (``session``, a write
    transaction, or one apart within an ``issuing_apart`` block) commits only after the document was written, so a
    document that cannot be written (a missing folder, a full disk) leaves no number issued and none audited."""
    existing = find_number(session, kind, subject)
    if existing is not None:
        write_document(existing.text)
        return existing.text

    def issue_and_write(s: Session) -> str:
        number = issue_number(s, kind, subject, when, actor).text
        write_document(number)
        return number

    write = _apart.get()
    return issue_and_write(session) if write is None else write(issue_and_write)


# --- numbers travelling in exchange packages ------------------------------------------------------------------------


def number_record(row: DocumentNumber) -> dict[str, Any]:
    """A number as it travels in a package (with the inspection it names)."""
    return {
        "series": row.series,
        "year": row.year,
        "month": row.month,
        "seq": row.seq,
        "text": row.text,
        "issued_at": row.issued_at.isoformat(),
        "issued_by": row.issued_by,
    }


def record_imported_number(
    session: Session, kind: Kind, subject: str, record: dict[str, Any], *, actor: str, source: str
) -> DocumentNumber:
    """Store a number issued elsewhere exactly as it was printed (audited); the caller checked none exists here."""
    row = DocumentNumber(
        kind=kind,
        subject=subject,
        series=record["series"],
        year=record["year"],
        month=record["month"],
        seq=record["seq"],
        text=record["text"],
        issued_at=datetime.fromisoformat(record["issued_at"]),
        issued_by=record["issued_by"],
    )
    session.add(row)
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="docnumber.import",
        entity="document_number",
        entity_id=row.id,
        after={"kind": kind, "subject": subject, "number": row.text, "issued_by": row.issued_by},
        reason=source,
    )
    return row


def used_by_others(session: Session, texts: Iterable[str], kind: str, subject: str) -> list[DocumentNumber]:
    """Numbers here with one of ``texts`` that name another subject than (kind, subject)."""
    wanted = sorted(set(texts))
    if not wanted:
        return []
    rows = session.scalars(select(DocumentNumber).where(DocumentNumber.text.in_(wanted))).all()
    return [r for r in rows if (r.kind, r.subject) != (kind, subject)]


# --- describing numbers (check, import warnings) ------------------------------------------------------------------


@dataclass(frozen=True)
class Duplicate:
    """One number text used for more than one document."""

    text: str
    documents: tuple[str, ...]  # what each names, e.g. 督导检查反馈单（某医院 2026-11-03 督导）

    @property
    def message(self) -> str:
        return f"文号重复：{self.text} 同时用于 {'；'.join(self.documents)}"


def describe(session: Session, rows: Sequence[DocumentNumber]) -> dict[uuid.UUID, str]:
    """What document each number names, in words."""
    inspection_ids: set[uuid.UUID] = set()
    institution_ids: set[uuid.UUID] = set()
    for row in rows:
        key = _uuid(row.subject.split(":")[0])
        if key is not None:
            (inspection_ids if row.kind == "feedback" else institution_ids).add(key)
    inspections: dict[uuid.UUID, str] = {}
    if inspection_ids:
        for inspection_id, on, kind, name in session.execute(
            select(Inspection.id, Inspection.date, Inspection.kind, Institution.name)
            .join(Institution, Institution.id == Inspection.institution_id)
            .where(Inspection.id.in_(inspection_ids))
        ):
            inspections[inspection_id] = f"{name} {on.isoformat()} {INSPECTION_KINDS.get(kind, kind)}"
    names: dict[uuid.UUID, str] = {}
    if institution_ids:
        query = select(Institution.id, Institution.name).where(Institution.id.in_(institution_ids))
        names = {i: n for i, n in session.execute(query)}
    described: dict[uuid.UUID, str] = {}
    for row in rows:
        label = KIND_LABELS.get(row.kind, row.kind)
        head, _, day = row.subject.partition(":")
        key = _uuid(head)
        if row.kind == "feedback":
            what = inspections.get(key, f"检查 {row.subject}") if key is not None else row.subject
        elif row.kind == "notice":
            what = f"{names.get(key, head) if key is not None else head} {day}"
        else:
            what = row.subject
        described[row.id] = f"{label}（{what}）"
    return described


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def duplicates(session: Session) -> list[Duplicate]:
    """Every number text that names more than one document (possible only through imports)."""
    repeated = session.scalars(
        select(DocumentNumber.text).group_by(DocumentNumber.text).having(func.count() > 1).order_by(DocumentNumber.text)
    ).all()
    if not repeated:
        return []
    rows = session.scalars(
        select(DocumentNumber)
        .where(DocumentNumber.text.in_(repeated))
        .order_by(DocumentNumber.text, DocumentNumber.issued_at, DocumentNumber.id)
    ).all()
    words = describe(session, rows)
    grouped: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        grouped[row.text].append(words[row.id])
    return [Duplicate(t, tuple(grouped[t])) for t in repeated]
