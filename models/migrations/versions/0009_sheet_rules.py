"""Rules written in published sheets: a key item's consequence, deductions per occurrence or sub-item, section points.

Revision ID: 0009
Revises: 0011
Create Date: 2026-11-29 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing items keep their meaning: no consequence of their own (a failed critical item fails the checklist), no
    # deduction rule, sections without points of their own. Methods may now be a sheet's description, longer than 64.
    with op.batch_alter_table("checklist_items") as batch:
        batch.add_column(sa.Column("consequence", sa.String(length=32), nullable=False, server_default=""))
        batch.add_column(sa.Column("deduction", sa.JSON(), nullable=True))
        batch.alter_column("method", existing_type=sa.String(length=64), type_=sa.Text(), existing_nullable=False)
    with op.batch_alter_table("checklist_sections") as batch:
        batch.add_column(sa.Column("points", sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checklist_sections") as batch:
        batch.drop_column("points")
    with op.batch_alter_table("checklist_items") as batch:
        batch.alter_column("method", existing_type=sa.Text(), type_=sa.String(length=64), existing_nullable=False)
        batch.drop_column("deduction")
        batch.drop_column("consequence")
