"""double entry of tally sheets: a blind second entry, and which sheets count

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import data.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
DOUBLE_CHECK = sa.Enum(
    "awaiting", "matched", "differs", "resolved", name="doublecheck", native_enum=False, length=16
)


def upgrade() -> None:
    with op.batch_alter_table("tally_sheet") as batch:
        batch.add_column(sa.Column("double_check", DOUBLE_CHECK, nullable=True))
        batch.add_column(
            sa.Column("counted", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    op.create_table(
        "tally_second_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("figures", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("confirmed_warnings", JSON, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("on_behalf", sa.Boolean(), nullable=False),
        sa.Column("created_at", data.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", data.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["election.id"],
            name=op.f("fk_tally_second_entry_election_id_election"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["app_user.id"],
            name=op.f("fk_tally_second_entry_entered_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["sheet_id"],
            ["tally_sheet.id"],
            name=op.f("fk_tally_second_entry_sheet_id_tally_sheet"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tally_second_entry")),
        sa.UniqueConstraint("sheet_id", name=op.f("uq_tally_second_entry_sheet_id")),
    )


def downgrade() -> None:
    op.drop_table("tally_second_entry")
    with op.batch_alter_table("tally_sheet") as batch:
        batch.drop_column("counted")
        batch.drop_column("double_check")
