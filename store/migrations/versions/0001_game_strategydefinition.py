"""The reference engine's strategydefinition table, as GAME creates it.

A GAME database already has this table: ``dslc store init`` stamps such a
database at this revision instead of creating the table, then upgrades.

Revision ID: 0001_game_strategydefinition
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_game_strategydefinition"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

NOW = sa.text("CURRENT_TIMESTAMP")


def upgrade() -> None:
    op.create_table(
        "strategydefinition",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("apiKey_used", sa.String(), nullable=True),
        sa.Column("oauth_user_id", sa.String(), nullable=True),
        sa.Column("realmId", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("parentStrategyId", sa.String(), nullable=True),
        sa.Column(
            "astJson",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("blocklyXml", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("createdBy", sa.String(), nullable=True),
        sa.Column("publishedAt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("experimentTag", sa.String(), nullable=True),
        sa.UniqueConstraint(
            "realmId", "name", "version", name="uq_strategydefinition_realm_name_version"
        ),
    )
    op.create_index("ix_strategydefinition_realmId", "strategydefinition", ["realmId"])
    op.create_index("ix_strategydefinition_status", "strategydefinition", ["status"])


def downgrade() -> None:
    op.drop_index("ix_strategydefinition_status", table_name="strategydefinition")
    op.drop_index("ix_strategydefinition_realmId", table_name="strategydefinition")
    op.drop_table("strategydefinition")
