"""Expert teams: the parts of one inspection assigned to its members, and what each member last sent of them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin, utcnow


class InspectionPart(IdMixin, Base):
    """A share of a team inspection (督导组分工) assigned to one member: a whole checklist (``section_code`` "") or
    one of its sections. A member may hold several parts; parts of different members may overlap."""

    __tablename__ = "inspection_parts"
    __table_args__ = (UniqueConstraint("inspection_id", "member", "template_id", "section_code"),)

    inspection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inspections.id"), index=True)
    member: Mapped[str] = mapped_column(String(64))  # username
    member_name: Mapped[str] = mapped_column(String(100), default="")
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checklist_templates.id"))
    section_code: Mapped[str] = mapped_column(String(64), default="")
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_by: Mapped[str] = mapped_column(String(64), default="")


class PartReceipt(Base):
    """The digest of an item's value as a member last sent it in a part package: the base of the next item-by-item
    merge (an item the member has not changed since is left as it is here, whatever happened to it here)."""

    __tablename__ = "part_receipts"

    inspection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inspections.id"), primary_key=True)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checklist_items.id"), primary_key=True)
    member: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
