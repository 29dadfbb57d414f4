"""Findings (问题/整改项) and the events of their rectification."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IdMixin, TimestampMixin, utcnow


class Finding(IdMixin, TimestampMixin, Base):
    """A problem found at an institution that must be rectified by a deadline."""

    __tablename__ = "findings"
    # Overdue findings (status, deadline) counted and grouped by institution, and their item codes listed by the
    # bulletin, from the index alone.
    __table_args__ = (Index("ix_findings_overdue_codes", "status", "deadline", "institution_id", "item_code"),)

    inspection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inspections.id"), index=True)
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"), index=True)
    item_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("checklist_items.id"))
    item_code: Mapped[str] = mapped_column(String(64), default="")
    problem: Mapped[str] = mapped_column(Text)
    requirement: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(16))  # critical 严重 | general 一般
    deadline: Mapped[date] = mapped_column(index=True)
    responsible_dept: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | feedback | passed | failed
    repeat: Mapped[bool] = mapped_column(default=False)
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    events: Mapped[list[FindingEvent]] = relationship(order_by="FindingEvent.at", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class FindingEvent(IdMixin, Base):
    """One step in a finding's history: created, feedback, re-inspection verdict, note."""

    __tablename__ = "finding_events"

    finding_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("findings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # created | feedback | passed | failed | note
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    measure: Mapped[str] = mapped_column(Text, default="")
    department: Mapped[str] = mapped_column(String(100), default="")
    new_deadline: Mapped[date | None]
