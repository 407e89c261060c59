"""What the store adds to the reference table: sourceText, the database-level
"one PUBLISHED row per family" guarantee, and the bytecode cache.

Revision ID: 0002_store_extensions
Revises: 0001_game_strategydefinition
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002_store_extensions"
down_revision: str | None = "0001_game_strategydefinition"
branch_labels: str | None = None
depends_on: str | None = None

PUBLISHED = sa.text("status = 'PUBLISHED'")


def upgrade() -> None:
    op.add_column("strategydefinition", sa.Column("sourceText", sa.Text(), nullable=True))
    # Partial unique index: at most one PUBLISHED row per (realmId, name).
    # An adopted GAME database that breaks this rule fails here, loudly,
    # rather than running with two published versions.
    op.create_index(
        "uq_strategydefinition_one_published",
        "strategydefinition",
        ["realmId", "name"],
        unique=True,
        postgresql_where=PUBLISHED,
        sqlite_where=PUBLISHED,
    )
    op.create_table(
        "strategybytecode",
        sa.Column(
            "strategyId",
            sa.Uuid(),
            sa.ForeignKey("strategydefinition.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("formatVersion", sa.Integer(), primary_key=True),
        sa.Column("sourceHash", sa.String(64), primary_key=True),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
    )


def downgrade() -> None:
    op.drop_table("strategybytecode")
    op.drop_index("uq_strategydefinition_one_published", table_name="strategydefinition")
    with op.batch_alter_table("strategydefinition") as batch:
        batch.drop_column("sourceText")
