"""The register of issued document numbers (文号): each is issued once for its subject and never changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin, utcnow

DOCUMENT_KINDS = ("feedback", "notice", "bulletin")
"""feedback 督导检查反馈单 | notice 整改通知书 | bulletin 月度督导通报."""


class DocumentNumber(IdMixin, Base):
    """One issued number: which document it names (kind and subject), its parts and the text printed on paper.

    The subject is the inspection id (feedback), ``<institution id>:<YYYY-MM-DD>`` (notice, by its issue date) or
    ``YYYY-MM`` (bulletin). Numbers carried in by an exchange package are stored as they were printed elsewhere, so
    (series, year, month, seq) is not unique: a clash with another subject is reported, not refused.
    """

    __tablename__ = "document_numbers"
    __table_args__ = (
        UniqueConstraint("kind", "subject"),
        Index("ix_document_numbers_sequence", "kind", "series", "year", "month", "seq"),
    )

    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(100))
    series: Mapped[str] = mapped_column(String(8), default="")
    year: Mapped[int]
    month: Mapped[int]
    seq: Mapped[int]
    text: Mapped[str] = mapped_column(String(200), index=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(64), default="")
