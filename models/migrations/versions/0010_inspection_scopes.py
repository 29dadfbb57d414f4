"""Partial scope: a checklist or section of an inspection marked 本次未检 (with a reason) or 不适用 as a whole.

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-29 02:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0010"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inspection_scopes",
        sa.Column("inspection_id", sa.Uuid(), nullable=False),
        sa.Column("template_id", sa.Uuid(), nullable=False),
        sa.Column("section_code", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"], name=op.f("fk_inspection_scopes_inspection_id_inspections")
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["checklist_templates.id"],
            name=op.f("fk_inspection_scopes_template_id_checklist_templates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_scopes")),
        sa.UniqueConstraint(
            "inspection_id",
            "template_id",
            "section_code",
            name=op.f("uq_inspection_scopes_inspection_id_template_id_section_code"),
        ),
    )
    with op.batch_alter_table("inspection_scopes") as batch:
        batch.create_index(batch.f("ix_inspection_scopes_inspection_id"), ["inspection_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inspection_scopes") as batch:
        batch.drop_index(batch.f("ix_inspection_scopes_inspection_id"))
    op.drop_table("inspection_scopes")
