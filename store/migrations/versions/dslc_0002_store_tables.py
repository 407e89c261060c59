"""The store's own tables (source text, bytecode cache) and the database's
guarantee of at most one PUBLISHED row per family.

On Postgres the tables and the trigger function live in the store's schema;
the guarantee is a deferred constraint trigger on GAME's table, so it holds
for GAME's own writes too without adding an index or a column to GAME's
table (Alembic's autogenerate does not compare triggers). On SQLite, plain
triggers do the same.

Revision ID: dslc_0002_store_tables
Revises: dslc_0001_strategydefinition
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from store import adoption

revision: str = "dslc_0002_store_tables"
down_revision: str | None = "dslc_0001_strategydefinition"
branch_labels: str | None = None
depends_on: str | None = None

TABLE = "strategydefinition"
GUARD = "uq_strategydefinition_one_published"
PG_FUNCTION = "dslc.one_published_per_family"
PG_TRIGGER = "dslc_one_published"
SQLITE_TRIGGERS = ("dslc_one_published_insert", "dslc_one_published_update")


def upgrade() -> None:
    bind = op.get_bind()
    schema = adoption.store_schema(bind)
    if not op.get_context().as_sql:
        adoption.refuse_two_published(bind)
    op.create_table(
        "strategysource",
        sa.Column(
            "strategyId",
            sa.Uuid(),
            sa.ForeignKey(f"{TABLE}.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        schema=schema,
    )
    op.create_table(
        "strategybytecode",
        sa.Column(
            "strategyId",
            sa.Uuid(),
            sa.ForeignKey(f"{TABLE}.id", ondelete="CASCADE"),
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
        schema=schema,
    )
    if bind.dialect.name == "postgresql":
        _postgres_guard()
    else:
        _sqlite_guard()


def _postgres_guard() -> None:
    # Deferred to commit, so a writer that publishes before archiving the
    # sibling in the same transaction is not refused. The advisory lock on
    # the family serialises concurrent checks: the second one waits for the
    # first commit and then sees its row (READ COMMITTED, the default).
    op.execute(
        f"""
        CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            published integer;
        BEGIN
            IF NEW.status = 'PUBLISHED' THEN
                PERFORM pg_advisory_xact_lock(
                    hashtextextended(coalesce(NEW."realmId", '') || chr(31) || NEW.name, 1207)
                );
                -- No format() or RAISE placeholders: --sql output doubles percent signs.
                EXECUTE 'SELECT count(*) FROM ' || quote_ident(TG_TABLE_SCHEMA) || '.'
                    || quote_ident(TG_TABLE_NAME) || ' WHERE "realmId" IS NOT DISTINCT FROM $1 '
                    || 'AND name = $2 AND status = ''PUBLISHED'''
                INTO published USING NEW."realmId", NEW.name;
                IF published > 1 THEN
                    RAISE EXCEPTION USING
                        MESSAGE = '{GUARD}: strategy ' || quote_literal(NEW.name)
                            || ' in realm ' || coalesce(quote_literal(NEW."realmId"), 'NULL')
                            || ' already has a PUBLISHED version',
                        ERRCODE = 'unique_violation',
                        CONSTRAINT = '{GUARD}';
                END IF;
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        f'CREATE CONSTRAINT TRIGGER {PG_TRIGGER} AFTER INSERT OR UPDATE OF status, "realmId", '
        f"name ON {TABLE} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        f"EXECUTE FUNCTION {PG_FUNCTION}()"
    )


def _sqlite_guard() -> None:
    # SQLite serialises writers, so a check before the write is race-free.
    check = (
        f"SELECT RAISE(ABORT, '{GUARD}: this strategy already has a PUBLISHED version') "
        f'WHERE EXISTS (SELECT 1 FROM {TABLE} AS s WHERE s."realmId" IS NEW."realmId" '
        "AND s.name = NEW.name AND s.status = 'PUBLISHED' AND s.id != NEW.id)"
    )
    op.execute(
        f"CREATE TRIGGER {SQLITE_TRIGGERS[0]} BEFORE INSERT ON {TABLE} "
        f"WHEN NEW.status = 'PUBLISHED' BEGIN {check}; END"
    )
    op.execute(
        f'CREATE TRIGGER {SQLITE_TRIGGERS[1]} BEFORE UPDATE OF status, "realmId", name '
        f"ON {TABLE} WHEN NEW.status = 'PUBLISHED' BEGIN {check}; END"
    )


def downgrade() -> None:
    bind = op.get_bind()
    schema = adoption.store_schema(bind)
    if bind.dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {PG_TRIGGER} ON {TABLE}")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("strategybytecode", schema=schema)
    op.drop_table("strategysource", schema=schema)
