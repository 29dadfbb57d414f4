"""Institutions, users and shared settings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IdMixin, TimestampMixin


class Institution(IdMixin, TimestampMixin, Base):
    """A medical institution (医疗机构) that is inspected."""

    __tablename__ = "institutions"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    level: Mapped[int] = mapped_column(default=0)  # 0 未定级, 1 一级, 2 二级, 3 三级
    category: Mapped[str] = mapped_column(String(64), default="")
    district: Mapped[str] = mapped_column(String(64), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    has_fever_clinic: Mapped[bool] = mapped_column(default=False)
    has_fever_sentinel: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class User(IdMixin, TimestampMixin, Base):
    """A person who uses the application; credentials matter where the database is shared."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(16))  # admin | inspector | hospital
    institution_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("institutions.id"))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)
    # The user's signing key on this laptop: PKCS#8, encrypted under the password (None: no key here).
    private_key: Mapped[str | None] = mapped_column(Text)
    key_fingerprint: Mapped[str | None] = mapped_column(String(64))
    public_key: Mapped[str | None] = mapped_column(String(100))  # its public half (base64), for enrolment here
    failed_logins: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime | None]
    locked: Mapped[bool] = mapped_column(default=False)

    __mapper_args__ = {"version_id_col": version}


class Setting(Base):
    """A commission-wide setting (deadlines, document number prefix …), shared where the database is shared."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
