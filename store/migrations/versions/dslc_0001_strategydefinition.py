"""GAME's strategydefinition table: created exactly as GAME's migrations
create it (revision e1c8d5a4b9f7) on a database without it, and adopted as
it is on a database that has it (GAME's).

Revision ID: dslc_0001_strategydefinition
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Connection, inspect
from sqlalchemy.dialects import postgresql

from store import adoption

revision: str = "dslc_0001_strategydefinition"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

TABLE = "strategydefinition"


def upgrade() -> None:
    if op.get_context().as_sql:
        # Offline (SQL script) mode cannot look at the database: the script
        # is for an empty one.
        _create()
        return
    bind = op.get_bind()
    found = adoption.survey(bind)
    if found.has_table:
        # GAME's table: kept exactly as it is.
        adoption.require_game_shape(found)
        return
    adoption.require_table_or_none(found)
    _create(bind)


def _create(bind: Connection | None = None) -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("apiKey_used", sa.String(), nullable=True),
        sa.Column("oauth_user_id", sa.String(), nullable=True),
        sa.Column("realmId", sa.String(), nullable=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("type", sa.String(), nullable=False, server_default=sa.text("'DSL_FULL'")),
        sa.Column("parentStrategyId", sa.String(), nullable=True),
        sa.Column(
            "astJson",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("blocklyXml", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")),
        sa.Column("status", sa.String(), nullable=False, server_default=sa.text("'DRAFT'")),
        sa.Column("createdBy", sa.String(), nullable=True),
        sa.Column("publishedAt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("experimentTag", sa.String(), nullable=True),
        *(_game_foreign_keys(bind) if bind is not None else []),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "realmId", "name", "version", name="uq_strategydefinition_realm_name_version"
        ),
    )
    op.create_index("ix_strategydefinition_id", TABLE, ["id"])
    op.create_index("ix_strategydefinition_realmId", TABLE, ["realmId"])
    op.create_index("ix_strategydefinition_status", TABLE, ["status"])


def _game_foreign_keys(bind: Connection) -> list[sa.ForeignKeyConstraint]:
    """GAME's foreign keys, where the tables they reference exist. Unnamed,
    as in GAME, so the database gives them the names it gives GAME's."""
    inspector = inspect(bind)
    keys = []
    if inspector.has_table("apikey"):
        keys.append(sa.ForeignKeyConstraint(["apiKey_used"], ["apikey.apiKey"]))
    if inspector.has_table("oauthusers"):
        keys.append(sa.ForeignKeyConstraint(["oauth_user_id"], ["oauthusers.provider_user_id"]))
    return keys


def downgrade() -> None:
    bind = op.get_bind()
    if adoption.survey(bind).has_game_history:
        # GAME's table belongs to GAME's migrations: never dropped from here.
        return
    op.drop_index("ix_strategydefinition_status", table_name=TABLE)
    op.drop_index("ix_strategydefinition_realmId", table_name=TABLE)
    op.drop_index("ix_strategydefinition_id", table_name=TABLE)
    op.drop_table(TABLE)
