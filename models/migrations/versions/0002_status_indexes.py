"""Indexes for lists and the dashboard: inspections by status and date, findings by status and deadline.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 14:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_inspections_status_date", "inspections", ["status", "date"])
    op.create_index("ix_findings_status_deadline", "findings", ["status", "deadline"])


def downgrade() -> None:
    op.drop_index("ix_findings_status_deadline", table_name="findings")
    op.drop_index("ix_inspections_status_date", table_name="inspections")
