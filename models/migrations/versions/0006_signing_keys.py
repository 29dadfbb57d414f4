"""Signing keys, signatures and login throttling: enrolled public keys (with the administrator's certificate),
one row per signature over a record, a user's encrypted private key, and failed-login counters.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 02:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Records finalized before this revision have no signature rows: `check` lists them as 未签名（旧数据）.
    op.create_table(
        "signing_keys",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.String(length=100), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("institution_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("changed_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("certified_by", sa.String(length=64), nullable=False),
        sa.Column("certificate", sa.String(length=200), nullable=False),
        sa.Column("enrolled_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_keys")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_signing_keys_fingerprint")),
    )
    with op.batch_alter_table("signing_keys") as batch:
        batch.create_index(batch.f("ix_signing_keys_username"), ["username"], unique=False)
    op.create_table(
        "signatures",
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("signer", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.Column("signed_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signatures")),
    )
    with op.batch_alter_table("signatures") as batch:
        batch.create_index("ix_signatures_entity", ["entity", "entity_id"], unique=False)
        batch.create_index(batch.f("ix_signatures_fingerprint"), ["fingerprint"], unique=False)
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("private_key", sa.Text(), nullable=True))
        batch.add_column(sa.Column("key_fingerprint", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("public_key", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_failed_at", models.base.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("locked", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locked")
        batch.drop_column("last_failed_at")
        batch.drop_column("failed_logins")
        batch.drop_column("public_key")
        batch.drop_column("key_fingerprint")
        batch.drop_column("private_key")
    with op.batch_alter_table("signatures") as batch:
        batch.drop_index(batch.f("ix_signatures_fingerprint"))
        batch.drop_index("ix_signatures_entity")
    op.drop_table("signatures")
    with op.batch_alter_table("signing_keys") as batch:
        batch.drop_index(batch.f("ix_signing_keys_username"))
    op.drop_table("signing_keys")
