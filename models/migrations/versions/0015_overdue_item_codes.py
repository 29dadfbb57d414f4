"""The overdue findings' index covers their item codes too (status, deadline, institution_id, item_code): the
monthly bulletin lists the item codes of each institution's overdue findings, and with them in the index a
province's 60,000 overdue findings are grouped from the index alone instead of 19,000 table pages.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 09:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_findings_overdue_codes", "findings", ["status", "deadline", "institution_id", "item_code"])
    op.drop_index("ix_findings_overdue", table_name="findings")


def downgrade() -> None:
    op.create_index("ix_findings_overdue", "findings", ["status", "deadline", "institution_id"])
    op.drop_index("ix_findings_overdue_codes", table_name="findings")
