"""Rounds, inspections, item results and their photos."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IdMixin, TimestampMixin, utcnow


class Round(IdMixin, TimestampMixin, Base):
    """A month's round of inspections (督导批次) over a planned set of institutions."""

    __tablename__ = "rounds"

    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    title: Mapped[str] = mapped_column(String(200))
    team: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    version: Mapped[int] = mapped_column(default=1)

    entries: Mapped[list[RoundEntry]] = relationship(back_populates="round", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class RoundEntry(IdMixin, TimestampMixin, Base):
    """One planned institution in a round, with its checklists and whether it was done."""

    __tablename__ = "round_entries"
    __table_args__ = (UniqueConstraint("round_id", "institution_id"),)

    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rounds.id"), index=True)
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"), index=True)
    template_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    inspectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned | done | not_done
    reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    round: Mapped[Round] = relationship(back_populates="entries")

    __mapper_args__ = {"version_id_col": version}


class Inspection(IdMixin, TimestampMixin, Base):
    """One visit to one institution, answered against one or more checklist versions."""

    __tablename__ = "inspections"
    __table_args__ = (Index("ix_inspections_status_date", "status", "date"),)

    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"), index=True)
    round_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("rounds.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # supervision 督导 | self 自查 | reinspection 复查
    date: Mapped[date] = mapped_column(index=True)
    inspectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    hospital_rep: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | finalized | voided (a draft only)
    finalized_at: Mapped[datetime | None]
    signatures: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    amendments: Mapped[int] = mapped_column(default=0)
    # Stored at finalize (and amend) so lists and the dashboard need not rescore thousands of inspections.
    score: Mapped[float | None]
    grade: Mapped[str | None] = mapped_column(String(32))
    vetoed: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(default=1)

    checklists: Mapped[list[InspectionChecklist]] = relationship(
        order_by="InspectionChecklist.position", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class InspectionChecklist(Base):
    """A checklist version used by an inspection, with its stored score once finalized."""

    __tablename__ = "inspection_checklists"

    inspection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inspections.id"), primary_key=True)
    template_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("checklist_templates.id"), primary_key=True, index=True
    )
    position: Mapped[int]
    score: Mapped[float | None]
    grade: Mapped[str | None] = mapped_column(String(32))
    vetoed: Mapped[bool] = mapped_column(default=False)


class InspectionScope(IdMixin, Base):
    """A checklist, or one of its sections, left out of an inspection as a whole: 本次未检 (with a reason) or 不适用.
    ``section_code`` "" stands for the whole checklist."""

    __tablename__ = "inspection_scopes"
    __table_args__ = (UniqueConstraint("inspection_id", "template_id", "section_code"),)

    inspection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inspections.id"), index=True)
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checklist_templates.id"))
    section_code: Mapped[str] = mapped_column(String(64), default="")
    mode: Mapped[str] = mapped_column(String(16))  # not_checked 本次未检 | na 不适用
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64), default="")


class ItemResult(IdMixin, Base):
    """The answer to one item in one inspection."""

    __tablename__ = "item_results"
    __table_args__ = (
        UniqueConstraint("inspection_id", "item_id"),
        # Covers the most-failed-items analytics (read from the index alone).
        Index("ix_item_results_inspection_item_response", "inspection_id", "item_id", "response"),
    )

    inspection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inspections.id"))
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checklist_items.id"), index=True)
    response: Mapped[str | None] = mapped_column(String(32))  # None: a note or photo before the answer
    points: Mapped[float | None]
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class ItemAnswerCount(Base):
    """How many finalized inspections of a kind, dated in a month, answered an item with a response: what the
    dashboard's common problems read instead of every item result of the months (``inspections.answer_counts``
    keeps it in step with finalize, amendments and imports; migration 0014 filled it from ``item_results``)."""

    __tablename__ = "item_answer_counts"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "YYYY-MM" of the inspection's date
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checklist_items.id"), primary_key=True)
    response: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class Blob(Base):
    """Stored bytes of a photo, addressed by their sha256 so the same photo is kept once."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    mime: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Attachment(IdMixin, Base):
    """A photo attached to an item result or to a finding event."""

    __tablename__ = "attachments"

    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    item_result_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("item_results.id"), index=True)
    finding_event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("finding_events.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    caption: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64), default="")
