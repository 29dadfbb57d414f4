"""The register of issued document numbers (文号), so a reprint keeps its number and merges never shift one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Finalized inspections already in the database get their number when first printed (see docnumbers).
    op.create_table(
        "document_numbers",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("series", sa.String(length=8), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("issued_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_numbers")),
        sa.UniqueConstraint("kind", "subject", name=op.f("uq_document_numbers_kind_subject")),
    )
    with op.batch_alter_table("document_numbers") as batch:
        batch.create_index("ix_document_numbers_sequence", ["kind", "series", "year", "month", "seq"], unique=False)
        batch.create_index(batch.f("ix_document_numbers_text"), ["text"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("document_numbers") as batch:
        batch.drop_index(batch.f("ix_document_numbers_text"))
        batch.drop_index("ix_document_numbers_sequence")
    op.drop_table("document_numbers")
