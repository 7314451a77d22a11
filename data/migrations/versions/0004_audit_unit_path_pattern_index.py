"""audit_event.unit_path index usable for prefix matches on PostgreSQL

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite's LIKE prefix match needs no operator class
    op.drop_index("ix_audit_event_unit_path", table_name="audit_event")
    op.create_index(
        "ix_audit_event_unit_path",
        "audit_event",
        ["unit_path"],
        postgresql_ops={"unit_path": "text_pattern_ops"},
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_audit_event_unit_path", table_name="audit_event")
    op.create_index("ix_audit_event_unit_path", "audit_event", ["unit_path"])
