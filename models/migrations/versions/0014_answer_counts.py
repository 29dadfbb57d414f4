"""Counts of answers by month, inspection kind, item and response (finalized inspections), filled from item_results:
the dashboard's common problems read them instead of every item result of three months. And the overdue findings'
index covers the institution too (status, deadline, institution_id), so that the dashboard's overdue figures are read
from the index alone; it replaces the (status, deadline) index, its prefix.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "item_answer_counts",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("response", sa.String(32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["checklist_items.id"], name=op.f("fk_item_answer_counts_item_id_checklist_items")
        ),
        sa.PrimaryKeyConstraint("kind", "month", "item_id", "response", name=op.f("pk_item_answer_counts")),
    )
    # Dates are ISO text in SQLite and a date type in PostgreSQL: the month is taken the way each stores it.
    postgres = op.get_bind().dialect.name == "postgresql"
    month = "to_char(i.date, 'YYYY-MM')" if postgres else "substr(i.date, 1, 7)"
    op.execute(
        "INSERT INTO item_answer_counts (kind, month, item_id, response, count) "
        f"SELECT i.kind, {month}, r.item_id, r.response, count(*) FROM item_results r "
        "JOIN inspections i ON i.id = r.inspection_id "
        "WHERE i.status = 'finalized' AND r.response IS NOT NULL "
        f"GROUP BY i.kind, {month}, r.item_id, r.response"
    )
    op.create_index("ix_findings_overdue", "findings", ["status", "deadline", "institution_id"])
    op.drop_index("ix_findings_status_deadline", table_name="findings")


def downgrade() -> None:
    op.create_index("ix_findings_status_deadline", "findings", ["status", "deadline"])
    op.drop_index("ix_findings_overdue", table_name="findings")
    op.drop_table("item_answer_counts")
