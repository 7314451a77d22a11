"""entry_summary: per-commune aggregates kept by PostgreSQL triggers for the command centre

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from data.summary_triggers import (
    drop_summary_triggers,
    install_summary_triggers,
    rebuild_summary,
)

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "entry_summary",
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["election.id"],
            name=op.f("fk_entry_summary_election_id_election"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_entry_summary_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "election_id", "unit_id", "kind", "key", name=op.f("pk_entry_summary")
        ),
    )
    op.create_index("ix_entry_summary_unit_id", "entry_summary", ["unit_id"])
    # Deleting a drill deletes its units: each looked its constituencies up by a full scan.
    op.create_index("ix_constituency_unit_id", "constituency", ["unit_id"])
    conn = op.get_bind()
    install_summary_triggers(conn)
    rebuild_summary(conn)


def downgrade() -> None:
    drop_summary_triggers(op.get_bind())
    op.drop_index("ix_constituency_unit_id", table_name="constituency")
    op.drop_table("entry_summary")
