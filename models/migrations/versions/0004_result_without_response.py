"""An item result may hold a note or photos before its answer: item_results.response becomes nullable.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("item_results") as batch:
        batch.alter_column("response", existing_type=sa.String(length=32), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE item_results SET response = 'not_checked' WHERE response IS NULL")
    with op.batch_alter_table("item_results") as batch:
        batch.alter_column("response", existing_type=sa.String(length=32), nullable=False)
