"""Checklist templates as stored versions: sections and items with stable codes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IdMixin, utcnow


class ChecklistTemplate(IdMixin, Base):
    """One version of a checklist; never changed once an inspection uses it."""

    __tablename__ = "checklist_templates"
    __table_args__ = (UniqueConstraint("code", "version"),)

    code: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    effective_from: Mapped[date | None]
    effective_to: Mapped[date | None]
    basis: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    applies_to: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    scoring: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    response_sets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(300), default="")
    builtin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    sections: Mapped[list[ChecklistSection]] = relationship(
        back_populates="template", order_by="ChecklistSection.position", cascade="all, delete-orphan"
    )
    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="template", order_by="ChecklistItem.position", cascade="all, delete-orphan"
    )


class ChecklistSection(IdMixin, Base):
    """A titled group of items in a template."""

    __tablename__ = "checklist_sections"

    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checklist_templates.id"), index=True)
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    points: Mapped[float | None]  # the section's own points ("综合管理(5分)"), its subtotal's cap
    weight: Mapped[float | None]  # the section's weight in its checklist's percent ("综合管理（权重20%）")

    template: Mapped[ChecklistTemplate] = relationship(back_populates="sections")


class ChecklistItem(IdMixin, Base):
    """An item to check; ``code`` is stable across versions of the template."""

    __tablename__ = "checklist_items"
    __table_args__ = (UniqueConstraint("template_id", "code"),)

    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checklist_templates.id"), index=True)
    section_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checklist_sections.id"), index=True)
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text)
    criteria: Mapped[str] = mapped_column(Text)
    points: Mapped[float]
    critical: Mapped[bool] = mapped_column(default=False)
    remedy: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(String(16), default="none")
    response_set: Mapped[str | None] = mapped_column(String(64))
    consequence: Mapped[str] = mapped_column(String(32), default="", server_default="")
    deduction: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    template: Mapped[ChecklistTemplate] = relationship(back_populates="items")
    section: Mapped[ChecklistSection] = relationship()
