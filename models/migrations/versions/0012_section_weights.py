"""Section weights: a section's weight in its checklist's percent ("综合管理（权重20%）").

Revision ID: 0012
Revises: 0009
Create Date: 2026-11-29 03:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing sections have no weight: their checklists keep the plain percent of points.
    with op.batch_alter_table("checklist_sections") as batch:
        batch.add_column(sa.Column("weight", sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checklist_sections") as batch:
        batch.drop_column("weight")
