"""A covering index on item_results for the most-failed-items analytics.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 13:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_item_results_inspection_item_response", "item_results", ["inspection_id", "item_id", "response"])


def downgrade() -> None:
    op.drop_index("ix_item_results_inspection_item_response", table_name="item_results")
