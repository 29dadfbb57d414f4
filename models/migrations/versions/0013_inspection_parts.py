"""Expert teams: the parts of an inspection assigned to members, and the receipts of what members sent back.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inspection_parts",
        sa.Column("inspection_id", sa.Uuid(), nullable=False),
        sa.Column("member", sa.String(length=64), nullable=False),
        sa.Column("member_name", sa.String(length=100), nullable=False),
        sa.Column("template_id", sa.Uuid(), nullable=False),
        sa.Column("section_code", sa.String(length=64), nullable=False),
        sa.Column("assigned_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("assigned_by", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"], name=op.f("fk_inspection_parts_inspection_id_inspections")
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["checklist_templates.id"],
            name=op.f("fk_inspection_parts_template_id_checklist_templates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_parts")),
        sa.UniqueConstraint(
            "inspection_id",
            "member",
            "template_id",
            "section_code",
            name=op.f("uq_inspection_parts_inspection_id_member_template_id_section_code"),
        ),
    )
    with op.batch_alter_table("inspection_parts") as batch:
        batch.create_index(batch.f("ix_inspection_parts_inspection_id"), ["inspection_id"], unique=False)
    op.create_table(
        "part_receipts",
        sa.Column("inspection_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("member", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("received_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"], name=op.f("fk_part_receipts_inspection_id_inspections")
        ),
        sa.ForeignKeyConstraint(["item_id"], ["checklist_items.id"], name=op.f("fk_part_receipts_item_id_checklist_items")),
        sa.PrimaryKeyConstraint("inspection_id", "item_id", "member", name=op.f("pk_part_receipts")),
    )


def downgrade() -> None:
    op.drop_table("part_receipts")
    with op.batch_alter_table("inspection_parts") as batch:
        batch.drop_index(batch.f("ix_inspection_parts_inspection_id"))
    op.drop_table("inspection_parts")
