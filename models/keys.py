"""Signing keys and signatures: who vouches for a record, across laptops that never share a database."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin, utcnow


class SigningKey(IdMixin, Base):
    """A user's Ed25519 public key as enrolled by the commission, with the administrator's certificate over it.

    The certificate (an administrator's signature over the key, its owner, role, institution and status) lets
    every database check the key without asking the commission: a key is trusted when an active administrator key
    trusted here certified it. ``status``: active, retired (rotated: old signatures still count) or revoked."""

    __tablename__ = "signing_keys"

    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[str] = mapped_column(String(100))  # raw 32 bytes, base64
    username: Mapped[str] = mapped_column(String(64), index=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(16))
    institution_id: Mapped[uuid.UUID | None]
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | retired | revoked
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)  # when the certified status was set
    certified_by: Mapped[str] = mapped_column(String(64))  # the certifying administrator key's fingerprint
    certificate: Mapped[str] = mapped_column(String(200))  # base64 signature over the certified statement
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)  # when this database learnt of the key


class Signature(IdMixin, Base):
    """One signer's Ed25519 signature over one record's digest. A record may carry several (a team's members and
    its lead); the newest signatures over the record's current digest are the ones that vouch for it."""

    __tablename__ = "signatures"
    __table_args__ = (Index("ix_signatures_entity", "entity", "entity_id"),)

    entity: Mapped[str] = mapped_column(String(32))  # inspection | finding_event
    entity_id: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(32))  # finalize | amend | feedback | passed | failed | note
    digest: Mapped[str] = mapped_column(String(64))
    context: Mapped[Any] = mapped_column(JSON, default=dict)  # what the digest named that is local (institution)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    signer: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
